"""``sakti impor gform``: applications from a Google Form's responses and the files citizens uploaded.

The office exports the responses sheet as CSV (Indonesian locale: ``Stempel waktu`` ``20/11/2026 08:17:42``,
dates ``dd/mm/yyyy``) and downloads the form's Drive folder, where Drive keeps one folder per upload
question (``KTP-el pemohon (File responses)``) and names each file ``<original name> - <uploader>.<ext>``,
the uploader being the respondent's Google account name. A mapping beside the SOP
(``sop/gform/<kode>.yaml``) says which question fills which field or requirement.

A file is attached only when it is certainly the row's: within that question's folder, its uploader is
one of the row's names (the uploader named by the clerk, else the typed names the mapping lists) and no
other row that answered the question has that name, and there are no more such files than the row
uploaded. Anything less certain (two candidates, only a similar name) is left unmatched and said, so
one person's file never lands in another's application. Rows then follow the one rule of ``massal``
(:mod:`sakti_cli.issuance.batch`): bad data is refused with nothing registered, missing files register
BELUM_LENGKAP. Each response is keyed by its timestamp and e-mail: importing the same export again adds
nothing; a re-import attaches newly matched files to the row's existing application (``lengkapi``'s
register step, audited with its source) and checks it again.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sakti_cli.core.errors import ConfigError, DataInvalid, FileUnreadable, InputError, NotFound
from sakti_cli.issuance.batch import Outcome, Row
from sakti_cli.register.session import Application
from sakti_cli.register.states import ApplicationStatus
from sakti_cli.services.sop import FieldSpec, Service

MAP_DIR = "gform"
TIMESTAMP_TITLES = ("stempel waktu", "timestamp")
EMAIL_TITLES = ("alamat email", "email address", "alamat e-mail", "alamat surel")
UPLOADER_COLUMN = "Pengunggah"
SAMPLE_ITEMS = 3  # list items the sample mapping spells out (the pattern goes on: ahli_waris.4.nama, ...)
GENDER_WORDS = {"laki-laki": "L", "laki laki": "L", "lakilaki": "L", "pria": "L", "male": "L",
                "perempuan": "P", "wanita": "P", "female": "P"}
_TIMESTAMP_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S")
_NUMBERED = re.compile(r"^([a-z][a-z0-9_-]*)\.(\d+)\.([a-z][a-z0-9_-]*)$")
_DRIVE_SUFFIX = re.compile(r"\s*\((?:[^()]*\bfile\b[^()]*)\)\s*$", re.IGNORECASE)  # " (File responses)"
_FOLDER_DEPTH = 3  # the downloaded zip may add the form's own folder (and a top folder) above the questions
_SIMILAR = 0.75
_COPY_NUMBER = re.compile(r"\s*\(\d+\)$")
_SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})  # left by the computer that unzipped it


# --- the mapping (sop/gform/<kode>.yaml) -------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UploaderSpec(_Strict):
    kolom: str = Field(UPLOADER_COLUMN, description=(
        "judul kolom yang diisi petugas (ditambahkan di Sheets) dengan nama akun Google pengunggah baris itu"))
    isian: list[str] = Field(default_factory=list, description=(
        "isian yang namanya dicoba sebagai nama pengunggah bila kolom itu kosong, mis. [nama]"))


class FormMap(_Strict):
    layanan: str
    isian: dict[str, str] = Field(default_factory=dict, description="judul pertanyaan -> kode isian")
    berkas: dict[str, str] = Field(default_factory=dict, description="judul pertanyaan unggah -> kode persyaratan")
    pengunggah: UploaderSpec = Field(default_factory=lambda: UploaderSpec(kolom=UPLOADER_COLUMN))
    pilihan: dict[str, dict[str, str]] = Field(default_factory=dict, description=(
        "kode isian -> {jawaban formulir: pilihan SOP}; Laki-laki/Perempuan dikenal tanpa ini"))


def map_path(ws: Any, code: str) -> Path:
    """The office's ``sop/gform/<kode>.yaml``, else the bundled one (like message templates)."""
    from sakti_cli.core.resources import office_or_bundled

    return office_or_bundled(Path(ws.sop_dir), "sop", MAP_DIR, f"{code}.yaml")


def load_map(path: Path, service: Service) -> FormMap:
    """Read and check one mapping against its SOP: ConfigError (exit 4) naming the file and every key."""
    import yaml

    from sakti_cli.core.validation import load_yaml_text, syntax_error_place
    from sakti_cli.services.problems import problems_from

    saran = (f"Perbaiki kunci yang disebut; 'sakti impor gform --contoh-peta {service.kode}' mencetak peta "
             "yang cocok dengan SOP-nya.")
    try:
        raw: Any = load_yaml_text(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"Peta formulir {path} tidak ada.", berkas=str(path), saran=(
            f"Buat dari contoh: sakti impor gform --contoh-peta {service.kode} > {path}")) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        place = syntax_error_place(exc)
        raise ConfigError(f"Peta formulir {path} bukan YAML yang sah ({place}).", berkas=str(path),
                          saran="Perbaiki penulisan berkas itu pada letak yang disebut.",
                          masalah=[{"kolom": "(akar)", "pesan": f"bukan YAML yang sah ({place})"}]) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"Peta formulir {path} harus berupa pemetaan kunci: nilai.", berkas=str(path), saran=saran,
                          masalah=[{"kolom": "(akar)", "pesan": "harus berupa pemetaan kunci: nilai"}])
    try:
        mapping = FormMap.model_validate(raw)
    except ValidationError as exc:
        problems = problems_from(exc)
    else:
        problems = map_problems(mapping, service)
    if problems:
        listing = "\n".join(f"  - {p['kolom']}: {p['pesan']}" for p in problems)
        raise ConfigError(f"Peta formulir {path} tidak valid:\n{listing}", saran=saran, berkas=str(path),
                          masalah=problems)
    return mapping


def lint_maps(sop_dir: Path, services: dict[str, Service | None]) -> tuple[list[Path], list[dict[str, str]]]:
    """``sakti sop periksa``: every office mapping in sop/gform/ checked against its SOP (``services``: code ->
    the loaded SOP, None when it does not load; that problem is the SOP's own and already said)."""
    checked: list[Path] = []
    problems: list[dict[str, str]] = []
    for path in sorted((sop_dir / MAP_DIR).glob("*.yaml")):
        checked.append(path)
        if path.stem not in services:
            problems.append({"berkas": str(path), "kolom": "(akar)",
                             "pesan": f"tidak ada SOP {path.stem}.yaml untuk peta ini (nama berkas = kode layanan)"})
            continue
        service = services[path.stem]
        if service is None:
            continue
        try:
            load_map(path, service)
        except ConfigError as exc:
            found = exc.detail.get("masalah") or [{"kolom": "(akar)", "pesan": exc.pesan}]
            problems += [{"berkas": str(path), **p} for p in found]
    return checked, problems


def _target(service: Service, ref: str) -> tuple[FieldSpec | None, FieldSpec | None, int | None]:
    """(list field, field, item number) of ``kode`` or ``daftar.N.kode``; (None, None, None) if unknown."""
    numbered = _NUMBERED.match(ref)
    if numbered:
        spec = service.field(numbered.group(1))
        if spec is None or spec.jenis != "daftar" or int(numbered.group(2)) < 1:
            return None, None, None
        return spec, spec.item(numbered.group(3)), int(numbered.group(2))
    found = service.field(ref)
    return (None, found, None) if found is not None and found.jenis != "daftar" else (None, None, None)


def _requirement_known(service: Service, ref: str) -> bool:
    numbered = _NUMBERED.match(ref)
    if numbered:
        spec = service.field(numbered.group(1))
        return (spec is not None and spec.jenis == "daftar" and int(numbered.group(2)) >= 1
                and any(r.kode == numbered.group(3) for r in spec.persyaratan))
    req = service.requirement(ref)
    return req is not None and "." not in ref and not req.asli


def map_problems(mapping: FormMap, service: Service) -> list[dict[str, str]]:
    """What pydantic cannot see: every code is the SOP's, no field filled twice, every required field asked."""
    problems: list[dict[str, str]] = []

    def add(where: str, message: str) -> None:
        problems.append({"kolom": where, "pesan": message})

    if mapping.layanan != service.kode:
        add("layanan", f"'{mapping.layanan}' bukan layanan {service.kode} (peta ini untuk layanan lain)")
    seen: dict[str, str] = {}
    for title, ref in mapping.isian.items():
        where = f'isian."{title}"'
        if not title.strip():
            add(where, "judul pertanyaan kosong")
        _list, spec, _number = _target(service, ref)
        if spec is None:
            add(where, f"'{ref}' bukan kode isian layanan {service.kode} (daftar: DAFTAR.N.KODE, mis. "
                f"ahli_waris.1.nama)")
        elif ref in seen:
            add(where, f"isian '{ref}' sudah diisi dari pertanyaan \"{seen[ref]}\"")
        seen.setdefault(ref, title)
    for title, ref in mapping.berkas.items():
        if not _requirement_known(service, ref):
            add(f'berkas."{title}"', f"'{ref}' bukan kode persyaratan berkas layanan {service.kode}")
    for title in set(mapping.isian) & set(mapping.berkas):
        add(f'berkas."{title}"', "judul yang sama juga ada di 'isian'; satu pertanyaan, satu tujuan")
    for index, ref in enumerate(mapping.pengunggah.isian):
        _list, spec, _number = _target(service, ref)
        if spec is None or spec.jenis != "teks":
            add(f"pengunggah.isian[{index}]", f"'{ref}' bukan isian teks (nama) layanan {service.kode}")
    for code, answers in mapping.pilihan.items():
        spec = _choice_field(service, code)
        if spec is None:
            add(f"pilihan.{code}", f"'{code}' bukan isian berjenis pilihan (butir daftar: DAFTAR.KODE)")
            continue
        for answer, choice in answers.items():
            if choice not in spec.pilihan:
                add(f'pilihan.{code}."{answer}"', f"'{choice}' bukan pilihan isian {code} "
                    f"({', '.join(spec.pilihan)})")
    for spec in service.isian:
        if spec.wajib and spec.jenis != "daftar" and spec.kode not in seen:
            add("isian", f"isian wajib '{spec.kode}' ({spec.label}) tidak diisi dari pertanyaan mana pun")
    return problems


def _choice_field(service: Service, code: str) -> FieldSpec | None:
    """``jenis_kelamin`` or, for every item of a list, ``ahli_waris.jenis_kelamin``."""
    list_code, _, item = code.partition(".")
    spec = service.field(list_code)
    if item and spec is not None and spec.jenis == "daftar":
        spec = spec.item(item)
    elif item:
        spec = None
    return spec if spec is not None and spec.jenis == "pilihan" else None


# --- the sample mapping (``--contoh-peta``) -----------------------------------------------------------------


def uploader_fields(service: Service) -> list[str]:
    """The typed names tried as the uploader's Google name: the person who fills the form. Where the
    people of a list bring their own files (the heirs), the first of them; else the applicant fields that
    name a person (a NIK beside them: nama/nik, nama_ketua/nik_ketua)."""
    for spec in service.isian:
        if spec.jenis == "daftar" and spec.persyaratan and spec.item("nama"):
            return [f"{spec.kode}.1.nama"]
    niks = {f.kode for f in service.isian if f.jenis == "nik"}

    def person(code: str) -> bool:
        return code.replace("nama", "nik", 1) in niks

    found = [code for code in service.applicant_fields() if person(code)]
    return found or [f.kode for f in service.isian if f.jenis == "teks" and f.kode.startswith("nama") and
                     person(f.kode)]


def _q(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def sample_map(service: Service) -> str:
    """A mapping to start from, made from the SOP (so it always matches it): question titles are the
    SOP's labels, as the office would first word its form."""
    from sakti_cli.intake.form_sheet import list_size

    fields: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []
    choices: list[str] = []
    for spec in service.isian:
        if spec.jenis == "daftar":
            count = min(list_size(service, spec.kode), SAMPLE_ITEMS)
            for n in range(1, count + 1):
                fields += [(f"{spec.label} ke-{n}: {sub.label}", f"{spec.kode}.{n}.{sub.kode}") for sub in spec.butir]
                files += [(f"{spec.label} ke-{n}: {req.nama}", f"{spec.kode}.{n}.{req.kode}")
                          for req in spec.persyaratan if not req.asli]
            choices += [f"{spec.kode}.{sub.kode}" for sub in spec.butir if set(sub.pilihan) == {"L", "P"}]
        elif spec.kode != "surel":
            fields.append((spec.label, spec.kode))
            if set(spec.pilihan) == {"L", "P"}:
                choices.append(spec.kode)
    files += [(req.nama, req.kode) for req in service.persyaratan if not req.asli]
    titles = {title for title, _ in fields}
    files = [(f"{title} (unggah berkas)" if title in titles else title, code) for title, code in files]
    lines = [
        f"# Peta formulir Google -> layanan {service.kode} ({service.nama}), dibuat dari sop/{service.kode}.yaml.",
        "# Kiri: judul pertanyaan persis seperti di baris pertama ekspor CSV Google Sheets; kanan: kode di SOP.",
        "# Samakan judul di kiri dengan formulir kantor; hapus baris pertanyaan yang tidak ada di formulir.",
        f"# 'sakti impor gform --contoh-peta {service.kode}' mencetak peta ini lagi dari SOP kantor.",
        f"layanan: {service.kode}",
        "# Pertanyaan isian -> kode isian. Tanggal dd/mm/yyyy, Laki-laki/Perempuan dan nomor WhatsApp (08..., +62...,",
        "# 62..., dengan spasi atau tanda hubung) diubah sendiri ke bentuk SOP. Alamat email yang dikumpulkan",
        "# formulir ('Alamat email') mengisi 'surel'. Daftar orang: DAFTAR.N.KODE (ahli_waris.4.nama, dst.).",
        "isian:",
        *[f"  {_q(title)}: {code}" for title, code in fields],
        "# Pertanyaan unggah berkas -> kode persyaratan (orang dalam daftar: DAFTAR.N.KODE). Berkasnya dicari di",
        "# folder unduhan Drive yang bernama judul pertanyaan itu ('... (File responses)').",
        "berkas:" + ("" if files else " {}"),
        *[f"  {_q(title)}: {code}" for title, code in files],
        "# Nama akun Google pengunggah: Drive menamai berkas '<nama asli> - <pengunggah>.<ext>'. Bila petugas",
        "# menambah kolom berjudul seperti 'kolom' di bawah pada lembar respons dan mengisinya, nama itu yang",
        "# dipakai untuk baris itu; bila tidak, nama yang diketik pada 'isian'. Berkas yang tidak pasti",
        "# pemiliknya tidak dilampirkan (lihat README: 'Impor Google Form').",
        "pengunggah:",
        f"  kolom: {_q(UPLOADER_COLUMN)}",
        f"  isian: [{', '.join(uploader_fields(service))}]",
        "# Jawaban pilihan yang berbeda dari pilihan SOP: kode isian (butir daftar: DAFTAR.KODE) ->",
        "# {jawaban: pilihan SOP}.",
        "pilihan:" + ("" if choices else " {}"),
        *[f'  {code}: {{"Laki-laki": L, "Perempuan": P}}' for code in choices],
    ]
    return "\n".join(lines) + "\n"


# --- reading the export -------------------------------------------------------------------------------------


def title_key(title: str) -> str:
    """A question title as compared: spacing and case do not matter (Sheets keeps what the form said)."""
    return " ".join(unicodedata.normalize("NFC", title).split()).casefold()


@dataclass
class Response:
    number: int  # the row in the sheet: the header is row 1, the first response row 2
    line: int  # the CSV line it ends on
    cells: dict[str, str]  # title key -> answer


@dataclass
class Export:
    path: Path
    titles: dict[str, str]  # title key -> the title as written
    responses: list[Response]
    timestamp: str
    email: str | None


def read_export(path: Path) -> Export:
    """The whole export (a form's responses are hundreds of rows, not millions): FileUnreadable when it is
    not a readable CSV of a Google Form (no 'Stempel waktu'/'Timestamp' column), naming file and line."""
    from sakti_cli.issuance.batch import csv_records

    if not path.is_file():
        raise FileUnreadable(f"Berkas {path} tidak ada.", saran="Periksa nama dan letak berkas ekspornya.")
    records = csv_records(path)
    first = next(records, None)
    header = [cell.strip() for cell in first[1]] if first else []
    keys = [title_key(title) for title in header]
    timestamp = next((k for k in keys if k in TIMESTAMP_TITLES), None)
    if timestamp is None:
        raise FileUnreadable(
            f"Berkas {path} baris 1: bukan ekspor respons Google Form (tidak ada kolom 'Stempel waktu' atau "
            "'Timestamp').", saran="Di Google Sheets lembar respons: File > Download > Comma Separated Values "
            "(.csv), lalu pakai berkas itu tanpa diubah.")
    doubled = sorted({k for k in keys if k and keys.count(k) > 1})
    if doubled:
        raise FileUnreadable(f"Berkas {path} baris 1: judul kolom ganda: {', '.join(doubled)}.",
                             saran="Beri setiap pertanyaan formulir judul yang berbeda, lalu ekspor lagi.")
    responses = []
    for number, (line, cells) in enumerate(records, 2):
        values = {key: cell for key, cell in zip(keys, cells, strict=False) if key}
        if any(cell.strip() for cell in values.values()):
            responses.append(Response(number, line, values))
    return Export(path, dict(zip(keys, header, strict=False)), responses, timestamp,
                  next((k for k in keys if k in EMAIL_TITLES), None))


def check_locale(export: Export) -> None:
    """Dates are read day first (the Indonesian locale). A sheet kept in a month-first locale (United States)
    would have its days and months swapped without a sound: its timestamps give it away (``11/20/2026``)."""
    for response in export.responses:
        text = response.cells.get(export.timestamp, "").strip()
        first = re.match(r"(\d{1,2})/(\d{1,2})/\d{4}", text)
        if first and int(first.group(2)) > 12 >= int(first.group(1)):
            raise FileUnreadable(
                f"Berkas {export.path} baris {response.number}: stempel waktu '{text}' ditulis bulan/hari/tahun "
                "(lokal Amerika Serikat); tanggal lain di ekspor ini tidak dapat dibaca dengan pasti.",
                saran="Di Google Sheets: File > Setelan > Lokal: Indonesia, lalu unduh CSV-nya lagi.",
                berkas=str(export.path))


def parse_timestamp(text: str, zone: timezone) -> datetime:
    for pattern in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValueError(f"stempel waktu '{text}' tidak terbaca (bentuk ekspor: 20/11/2026 08:17:42)")


def check_titles(export: Export, mapping: FormMap, map_file: Path, service: Service) -> list[str]:
    """The questions of the mapping the export lacks: an error when one fills a required field or requirement
    (nothing could be right), else returned to be said (a form without the optional questions)."""
    missing = [title for title in [*mapping.isian, *mapping.berkas] if title_key(title) not in export.titles]
    required = [title for title in missing if _required(service, mapping.isian.get(title) or mapping.berkas[title])]
    if required:
        raise InputError(
            f"Ekspor {export.path} baris 1 tidak memuat pertanyaan wajib dari peta {map_file}: "
            f"{', '.join(repr(t) for t in required)}.",
            saran="Samakan judul di peta dengan judul kolom ekspor (baris pertama), atau tambahkan pertanyaannya "
                  "ke formulir.", berkas=str(export.path), peta=str(map_file), pertanyaan=required)
    return missing


def _required(service: Service, ref: str) -> bool:
    if _NUMBERED.match(ref):
        return False  # how many people a list has differs per application
    spec = service.field(ref)
    if spec is not None:
        return spec.wajib
    req = service.requirement(ref)
    return req is not None and req.wajib


def unmapped_titles(export: Export, mapping: FormMap) -> list[str]:
    """Columns the mapping does not use (a warning: the office's own columns, a question left out)."""
    used = {title_key(t) for t in [*mapping.isian, *mapping.berkas, mapping.pengunggah.kolom]}
    used |= {export.timestamp, export.email or ""}
    return [title for key, title in export.titles.items() if key not in used]


def _convert(spec: FieldSpec, choice_map: dict[str, str], text: str, desa: list[str]) -> str:
    """An answer in the SOP's form, or ValueError with the reason (the rest is checked by forms.py)."""
    from sakti_cli.intake.forms import parse_date

    if spec.jenis == "tanggal":
        try:
            return parse_date(text).isoformat()
        except ValueError:
            raise ValueError(f"'{text}' bukan tanggal (tulis dd/mm/yyyy, mis. 20/11/1985)") from None
    if spec.jenis == "pilihan":
        wanted = {title_key(k): v for k, v in choice_map.items()}.get(title_key(text))
        if wanted is None and set(spec.pilihan) == {"L", "P"}:
            wanted = GENDER_WORDS.get(title_key(text))
        return wanted or text
    if spec.jenis == "telepon":
        from sakti_cli.citizen.messages import wa_number

        number, _reason = wa_number(text)
        return f"+{number}" if number else re.sub(r"[\s().-]", "", text)
    if spec.jenis == "desa":
        bare = re.sub(r"^(desa|kelurahan|kel\.|ds\.)\s+", "", text.strip(), flags=re.IGNORECASE)
        return bare if any(bare.casefold() == name.casefold() for name in desa) else text
    return text


# --- files: Drive's folder per question, '<original> - <uploader>.<ext>' ----------------------------------------


def name_key(name: str) -> str:
    """A person's name as compared: accents, case, punctuation and spacing do not matter."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded.casefold()).split())


def _folder_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name_key(_DRIVE_SUFFIX.sub("", name)))


@dataclass(frozen=True)
class Upload:
    path: Path
    relative: str  # relative to the downloads folder (what the envelope names)
    names: frozenset[str]  # every uploader name the file's name can end with (name_key)
    uploader: str  # the part after the last ' - ', as Drive wrote it


def _upload(path: Path, base: Path) -> Upload | None:
    stem = path.name
    ext = re.search(r"\.[A-Za-z0-9]{1,5}$", stem)
    if ext and " - " in stem[: ext.start()]:
        stem = stem[: ext.start()]
    parts = stem.split(" - ")
    if len(parts) < 2:
        return None
    tails = [" - ".join(parts[i:]) for i in range(1, len(parts))]
    tails += [_COPY_NUMBER.sub("", tail) for tail in tails]  # 'KTP - Budi (1).jpg': a second file of the same name
    names = frozenset(k for k in map(name_key, tails) if k)
    return Upload(path, str(path.relative_to(base)), names, parts[-1].strip())


def question_folders(base: Path) -> dict[str, list[Path]]:
    """Folder key -> the folders under ``base`` (a few levels, symlinks not followed) of that name."""
    found: dict[str, list[Path]] = {}
    for root, dirs, _files in os.walk(base):
        depth = len(Path(root).relative_to(base).parts)
        dirs[:] = [] if depth >= _FOLDER_DEPTH else sorted(
            d for d in dirs if not d.startswith(".") and not (Path(root) / d).is_symlink())  # never leave ``base``
        for name in dirs:
            found.setdefault(_folder_key(name), []).append(Path(root) / name)
    return found


def folder_uploads(folder: Path, base: Path) -> list[Upload]:
    """The regular files of one question folder named as Drive names them (links and others skipped)."""
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("._") or entry.name in _SYSTEM_FILES or entry.is_symlink() or not entry.is_file():
            continue
        upload = _upload(entry, base)
        if upload is not None:
            out.append(upload)
    return out


@dataclass
class FileMatch:
    """One upload question a row answered, and what was found for it."""

    pertanyaan: str
    kode: str
    jawaban: int  # how many files the row uploaded (Drive links in its cell)
    hasil: str = "tidak_ada"  # cocok, sebagian, ragu, tidak_ada
    uploads: list[Upload] = field(default_factory=list)
    calon: list[str] = field(default_factory=list)  # uploader names the clerk may mean
    pesan: str | None = None

    def to_dict(self) -> dict[str, Any]:
        from sakti_cli.core.text import safe_file_name

        return {"pertanyaan": self.pertanyaan, "kode": self.kode, "jawaban": self.jawaban, "hasil": self.hasil,
                "berkas": [safe_file_name(u.path.name) for u in self.uploads], "calon": self.calon,
                "pesan": self.pesan}


@dataclass
class Candidate:
    """A row as the matcher sees it: its names and the upload questions it answered."""

    number: int
    names: set[str]  # name_key of each name
    named_by_clerk: bool
    answers: dict[str, int]  # title -> files uploaded
    shown: str = "-"  # the names as typed, for messages


def _similar(a: str, b: str) -> bool:
    if difflib.SequenceMatcher(None, a, b).ratio() >= _SIMILAR:
        return True
    short, long = sorted((a.split(), b.split()), key=len)
    return bool(short) and len(short) <= len(long) and all(
        y.startswith(x) or x.startswith(y) for x, y in zip(short, long, strict=False)) and short[0] == long[0]


def match_files(rows: list[Candidate], mapping: FormMap, base: Path) -> dict[int, list[FileMatch]]:
    """Row number -> its upload questions, each certainly matched or said why not (see module doc)."""
    folders = question_folders(base) if base.is_dir() else {}
    out: dict[int, list[FileMatch]] = {row.number: [] for row in rows}
    for title, code in mapping.berkas.items():
        answering = [row for row in rows if row.answers.get(title)]
        if not answering:
            continue
        where = folders.get(_folder_key(title), [])
        uploads = folder_uploads(where[0], base) if len(where) == 1 else []
        hits = {u: {row.number for row in answering if row.names & u.names} for u in uploads}
        for row in answering:
            found = FileMatch(title, code, row.answers[title])
            out[row.number].append(found)
            if len(where) != 1:
                found.hasil = "ragu" if where else "tidak_ada"
                found.pesan = (f"{len(where)} folder bernama pertanyaan ini di folder berkas" if where else
                               f"folder pertanyaan '{title}' tidak ada di folder berkas")
                continue
            _match_one(found, row, hits, where[0].name)
    return out


def _match_one(found: FileMatch, row: Candidate, hits: dict[Upload, set[int]], folder: str) -> None:
    mine = [u for u, owners in hits.items() if owners == {row.number}]
    shared = [u for u, owners in hits.items() if row.number in owners and len(owners) > 1]
    who = row.shown
    if shared:
        others = sorted({n for u in shared for n in hits[u]} - {row.number})
        found.hasil, found.calon = "ragu", sorted({u.uploader for u in shared})
        found.pesan = (f"berkas pengunggah '{found.calon[0]}' cocok juga dengan baris "
                       f"{', '.join(map(str, others))}; sebut pengunggah tiap baris")
    elif len(mine) > found.jawaban:
        found.hasil, found.calon = "ragu", sorted({u.uploader for u in mine})
        found.pesan = (f"{len(mine)} berkas dari pengunggah '{who}' di folder '{folder}', jawaban baris ini "
                       f"menyebut {found.jawaban}; lampirkan yang benar dengan 'sakti lengkapi'")
    elif mine:
        found.uploads = mine
        found.hasil = "cocok" if len(mine) == found.jawaban else "sebagian"
        if found.hasil == "sebagian":
            found.pesan = f"{found.jawaban - len(mine)} dari {found.jawaban} berkas tidak ada di folder '{folder}'"
    else:
        similar = sorted({u.uploader for u, owners in hits.items()
                          if not owners and any(_similar(n, k) for n in row.names for k in u.names)})
        if similar:
            found.hasil, found.calon = "ragu", similar
            found.pesan = (f"tidak ada berkas dari pengunggah '{who}'; hanya mirip: "
                           f"{', '.join(repr(s) for s in similar)} (sebut pengunggahnya bila memang dia)")
        else:
            found.pesan = f"tidak ada berkas dari pengunggah '{who}' di folder '{folder}'"


# --- one import run -----------------------------------------------------------------------------------------


@dataclass
class ImportedRow:
    outcome: Outcome
    stempel_waktu: str | None = None
    berkas: list[FileMatch] = field(default_factory=list)
    dilampirkan: list[str] = field(default_factory=list)  # codes attached to an existing application now
    tak_cocok: list[str] = field(default_factory=list)  # uploaded files left unmatched, codes not attached

    @property
    def failed(self) -> bool:
        o = self.outcome
        return o.hasil == "ditolak" or bool(o.kurang) or bool(self.tak_cocok)

    def to_dict(self) -> dict[str, Any]:
        return {**self.outcome.to_dict(), "stempel_waktu": self.stempel_waktu,
                "berkas": [m.to_dict() for m in self.berkas], "dilampirkan": self.dilampirkan,
                "tak_cocok": self.tak_cocok}


@dataclass
class Prepared:
    response: Response
    row: Row
    moment: datetime | None
    candidate: Candidate
    items: dict[tuple[str, int], dict[str, Any]]  # (list, n) -> that item's fields


def _prepare(response: Response, export: Export, mapping: FormMap, service: Service, desa: list[str],
             today: date, zone: timezone, uploaders: dict[int, str]) -> Prepared:
    """A response as a batch Row (its envelope without files yet) and the names its files are matched by."""
    from sakti_cli.intake.form_sheet import _cell_text
    from sakti_cli.intake.forms import clean_field

    where = f"{export.path.name} baris {response.number}"
    cells = response.cells
    problems: list[dict[str, str]] = []
    fields: dict[str, Any] = {}
    items: dict[tuple[str, int], dict[str, Any]] = {}
    for title, ref in mapping.isian.items():
        text = cells.get(title_key(title), "").strip()
        if not text:
            continue
        list_spec, spec, number = _target(service, ref)
        assert spec is not None  # checked by map_problems
        choice_key = f"{list_spec.kode}.{spec.kode}" if list_spec else spec.kode
        try:
            text = _cell_text(text, "jawaban", spec.jenis)  # a NIK in exponent form (6.2E+15) is refused
            value = _convert(spec, mapping.pilihan.get(choice_key, {}), text, desa)
            clean_field(spec, value, desa, today)  # refused here naming the question; stored as converted
        except ValueError as exc:
            problems.append({"kolom": title, "pesan": str(exc)})
            continue
        except DataInvalid as exc:
            problems.append({"kolom": title, "pesan": exc.pesan})
            continue
        if list_spec is not None and number is not None:
            items.setdefault((list_spec.kode, number), {})[spec.kode] = value
        else:
            fields[spec.kode] = value
    for (list_code, _n), item in sorted(items.items()):
        fields.setdefault(list_code, []).append(item)
    email = cells.get(export.email or "", "").strip()
    if email and service.field("surel") is not None and "surel" not in mapping.isian.values():
        fields["surel"] = email
    moment = None
    try:
        moment = parse_timestamp(cells.get(export.timestamp, ""), zone)
    except ValueError as exc:
        problems.append({"kolom": export.titles[export.timestamp], "pesan": str(exc)})
    envelope = {"layanan": service.kode, "isian": fields, "berkas": {}}
    # the sheet's own clock reading, without the office zone: a zone corrected later keeps every key
    row_id = f"gform|{moment.replace(tzinfo=None).isoformat() if moment else ''}|{email.casefold()}"
    error = None
    if problems:
        listing = "; ".join(f"pertanyaan '{p['kolom']}': {p['pesan']}" for p in problems)
        error = DataInvalid(f"{where}: {listing}", saran="Perbaiki jawaban itu di lembar respons, lalu impor lagi.",
                            masalah=problems)
    row = Row(response.number, None if error else envelope, row_id, error)
    return Prepared(response, row, moment, _candidate(response, mapping, uploaders), items)


def _candidate(response: Response, mapping: FormMap, uploaders: dict[int, str]) -> Candidate:
    named = uploaders.get(response.number) or response.cells.get(title_key(mapping.pengunggah.kolom), "").strip()
    if named:
        typed = [named]
    else:
        reverse = {ref: title for title, ref in mapping.isian.items()}
        typed = [response.cells.get(title_key(reverse[ref]), "").strip() for ref in mapping.pengunggah.isian
                 if ref in reverse]
    typed = [name for name in typed if name_key(name)]
    answers = {}
    for title in mapping.berkas:
        links = [part for part in re.split(r"[,\s]+", response.cells.get(title_key(title), "")) if part.strip()]
        if links:
            answers[title] = len(links)
    return Candidate(response.number, {name_key(n) for n in typed}, bool(named), answers, " / ".join(typed) or "-")


def _with_files(prepared: Prepared, matches: list[FileMatch]) -> None:
    """Put the certainly matched files into the row's envelope: top-level ones under ``berkas``, a person's
    beside that person (``{"nama": ..., "berkas": {"ktp": ...}}``), as ``daftar --data`` reads them."""
    envelope = prepared.row.envelope
    if envelope is None:
        return
    for found in matches:
        if not found.uploads:
            continue
        numbered = _NUMBERED.match(found.kode)
        if numbered is None:
            envelope["berkas"].setdefault(found.kode, []).extend(u.relative for u in found.uploads)
            continue
        item = prepared.items.get((numbered.group(1), int(numbered.group(2))))
        if item is not None:
            item.setdefault("berkas", {})[numbered.group(3)] = found.uploads[0].relative


def _person_files(service: Service, record: Application, prepared: Prepared, found: FileMatch,
                  base: Path) -> list[Any]:
    """A person's newly matched file as ``lengkapi --berkas ahli_waris.N.ktp`` gives it (that person only)."""
    from sakti_cli.register.applications import FileArg, file_arg, is_attached

    numbered = _NUMBERED.match(found.kode)
    assert numbered is not None
    list_code, number, code = numbered.group(1), int(numbered.group(2)), numbered.group(3)
    people = record["data"].get(list_code) or []
    if number > len(people):
        return []
    upload = found.uploads[0]
    full = f"{list_code}.{code}"
    if (people[number - 1].get("berkas") or {}).get(code) and is_attached(record, full, upload.path.name):
        return []
    checked = file_arg(full, base / upload.relative, service, upload.relative, inside=base)
    return [FileArg(checked.kode, checked.path, checked.nama, checked.inside, butir=number)]


def _reimport(ws: Any, register: Any, service: Service, reg: str, prepared: Prepared, matches: list[FileMatch],
              base: Path, today: date, dry_run: bool = False) -> tuple[Outcome, list[str]]:
    """A row registered by an earlier import: attach the files matched since, check again when that (or an
    incomplete application) calls for it; an issued, waiting or refused application is left as it is.
    ``dry_run``: the files that would be attached, nothing attached or checked."""
    from sakti_cli.issuance.batch import _failed, letter_of
    from sakti_cli.register.applications import LOCKED_STATES, file_arg, load, update_files
    from sakti_cli.services.checks import check_application

    number = prepared.row.number
    record = load(ws, register, reg)
    if record["status"] in LOCKED_STATES:
        return Outcome(number, "sudah_ada", reg, record["status"], nomor_surat=letter_of(record)), []
    new: list[Any] = []
    try:
        for found in matches:
            if not found.uploads:
                continue
            if _NUMBERED.match(found.kode):
                new += _person_files(service, record, prepared, found, base)
            elif not record["berkas"].get(found.kode):  # a code the clerk attached meanwhile is kept
                new += [file_arg(found.kode, base / u.relative, service, u.relative, inside=base)
                        for u in found.uploads]
        if dry_run:
            return (Outcome(number, "sudah_ada", reg, record["status"], nomor_surat=letter_of(record)),
                    sorted({f.kode.replace(".", f".{f.butir}.", 1) if f.butir else f.kode for f in new}))
        if new:
            update_files(ws, register, service, reg, new, source=f"impor gform baris {number}")
    except InputError as exc:  # a file too large or gone meanwhile: said on the row, nothing attached
        return Outcome(number, "sudah_ada", reg, record["status"], alasan=exc.pesan), []
    if not new and record["status"] == ApplicationStatus.LENGKAP:
        return Outcome(number, "sudah_ada", reg, ApplicationStatus.LENGKAP), []
    record, lines = check_application(ws, register, service, reg, today)
    attached = sorted({f.kode.replace(".", f".{f.butir}.", 1) if f.butir else f.kode for f in new})
    return Outcome(number, "sudah_ada", reg, record["status"], _failed(lines)), attached


def parse_uploaders(items: list[str]) -> dict[str, str]:
    """``--pengunggah BARIS=NAMA`` (or ``REG-…=NAMA``): the clerk names a row's Google account."""
    from sakti_cli.core.errors import UsageError
    from sakti_cli.core.text import unsafe_character

    out: dict[str, str] = {}
    for item in items:
        key, sep, name = item.partition("=")
        key, name = key.strip(), name.strip()
        hidden = unsafe_character(name)
        if not sep or not key or not name or hidden:
            raise UsageError(f"--pengunggah '{item}' salah" + (f": berisi {hidden}" if hidden else "") + ".",
                             saran="Tulis BARIS=NAMA (nomor baris di lembar respons), mis. "
                                   "--pengunggah 5=\"Budi S\", atau REG-202611-0003=\"Budi S\".")
        out[key.upper()] = name
    return out


@dataclass
class ImportRun:
    """An export read, checked against its mapping and matched to the downloads; nothing registered yet.
    :meth:`rows` registers (or completes) one response at a time, so a caller streams each as it is done."""

    ws: Any
    register: Any
    service: Service
    base: Path
    today: date
    prepared: list[Prepared]
    existing: dict[int, str | None]  # row -> its application from an earlier import
    matches: dict[int, list[FileMatch]]
    unused_columns: list[str]  # columns of the export the mapping does not name
    absent_questions: list[str]  # optional questions of the mapping the export lacks
    map_file: Path
    dry_run: bool = False  # ``--uji``: say per row what an import would do, change nothing

    def rows(self) -> Iterator[ImportedRow]:
        from sakti_cli.issuance.batch import process_row

        for item in self.prepared:
            found = self.matches[item.row.number] if item.row.error is None else []
            _with_files(item, found)
            reg = self.existing[item.row.number]
            attached: list[str] = []
            if reg is not None:
                outcome, attached = _reimport(self.ws, self.register, self.service, reg, item, found, self.base,
                                              self.today, self.dry_run)
            else:
                outcome = process_row(self.ws, self.register, self.service, item.row, self.base, self.today,
                                      dry_run=self.dry_run)
            yield ImportedRow(outcome, item.moment.isoformat() if item.moment else None, found, attached,
                              _unmatched(self.ws, self.register, outcome, found))


def plan_import(ws: Any, register: Any, service: Service, csv_path: Path, base: Path, map_file: Path,
                today: date, uploaders: dict[str, str] | None = None, dry_run: bool = False) -> ImportRun:
    """Read the mapping and the export, check both, match every upload (see the module doc for the rules):
    any error here (exit 3 or 4) comes before a single row is registered."""
    from sakti_cli.issuance.batch import registered_for, row_key

    mapping = load_map(map_file, service)
    export = read_export(csv_path)
    check_locale(export)
    absent = check_titles(export, mapping, map_file, service)
    if mapping.berkas and not base.is_dir():
        raise FileUnreadable(f"Folder berkas {base} tidak ada.", berkas=str(base),
                             saran="Unduh folder unggahan formulir dari Google Drive, ekstrak, lalu sebut foldernya.")
    by_row, by_reg = _named_uploaders(uploaders or {}, {r.number for r in export.responses}, csv_path)
    prepared = [_prepare(r, export, mapping, service, list(ws.config.kantor.desa), today, ws.zone, by_row)
                for r in export.responses]
    existing: dict[int, str | None] = {}
    for item in prepared:
        reg = registered_for(register, row_key(service, item.row)) if item.row.envelope else None
        existing[item.row.number] = reg
        if reg in by_reg:
            item.candidate = _candidate(item.response, mapping, {item.row.number: by_reg.pop(reg)})
    if by_reg:
        raise InputError(f"--pengunggah: {', '.join(by_reg)} bukan permohonan dari baris ekspor ini.",
                         saran="Pakai nomor registrasi dari ringkasan impor berkas yang sama, atau nomor barisnya.")
    matches = match_files([p.candidate for p in prepared], mapping, base)
    return ImportRun(ws, register, service, base, today, prepared, existing, matches,
                     unmapped_titles(export, mapping), absent, map_file, dry_run)


def _named_uploaders(uploaders: dict[str, str], numbers: set[int], csv_path: Path
                     ) -> tuple[dict[int, str], dict[str, str]]:
    """``--pengunggah`` split into rows of this export and registration numbers (resolved once keyed)."""
    from sakti_cli.register.lookup import normalise_reg

    by_row: dict[int, str] = {}
    by_reg: dict[str, str] = {}
    for key, name in uploaders.items():
        if not key.isdigit():
            by_reg[normalise_reg(key)] = name
        elif int(key) in numbers:
            by_row[int(key)] = name
        else:
            raise InputError(f"--pengunggah {key}=...: baris {key} tidak ada di {csv_path} (baris respons: "
                             f"{min(numbers, default=2)}-{max(numbers, default=2)}).",
                             saran="Pakai nomor baris dari ringkasan impor berkas yang sama.")
    return by_row, by_reg


def _unmatched(ws: Any, register: Any, outcome: Outcome, found: list[FileMatch]) -> list[str]:
    """Codes of uploaded files left unmatched that the application still lacks (a file the clerk attached
    by hand meanwhile settles it); none for a refused row, which has no application."""
    from sakti_cli.register.applications import load

    left = sorted({m.kode for m in found if m.hasil != "cocok"})
    if not left or outcome.nomor_registrasi is None:
        return []
    record = load(ws, register, outcome.nomor_registrasi)
    return [code for code in left if not _has_file(record, code)]


def _has_file(record: Application, code: str) -> bool:
    numbered = _NUMBERED.match(code)
    if numbered is None:
        return bool(record["berkas"].get(code))
    people = record["data"].get(numbered.group(1)) or []
    number = int(numbered.group(2))
    return number <= len(people) and bool((people[number - 1].get("berkas") or {}).get(numbered.group(3)))


def counts(rows: list[ImportedRow]) -> dict[str, int]:
    outcomes = [r.outcome for r in rows]
    return {"baris": len(rows),
            "terdaftar": sum(o.hasil == "terdaftar" for o in outcomes),
            "sudah_ada": sum(o.hasil == "sudah_ada" for o in outcomes),
            "akan_didaftarkan": sum(o.hasil == "akan_didaftarkan" for o in outcomes),
            "ditolak": sum(o.hasil == "ditolak" for o in outcomes),
            "belum_lengkap": sum(o.status == ApplicationStatus.BELUM_LENGKAP for o in outcomes),
            "berkas_cocok": sum(len(m.uploads) for r in rows for m in r.berkas),
            "berkas_tak_cocok": sum(len(r.tak_cocok) for r in rows),
            "berkas_dilampirkan": sum(len(r.dilampirkan) for r in rows),
            "gagal": sum(r.failed for r in rows)}
