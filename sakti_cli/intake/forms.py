"""The form of an application's data: required fields, NIK/KK structure, dates, choices.

This is what ``daftar`` and ``ubah`` refuse at the desk (exit 3, nothing stored). Whether the data
satisfies the SOP's rules (ages, windows, consistency) is ``periksa``'s job, later.
Input is forgiving: dates as 2026-11-16, 16-11-2026 or 16/11/2026; choices and desa names in any
case; NIK with spaces or dots. What is stored is the normalised form.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from sakti_cli.core.errors import DataInvalid
from sakti_cli.core.nik import normalise_nik, parse_kk, parse_nik
from sakti_cli.core.text import normalise_text, safe_file_name, unsafe_character
from sakti_cli.services.sop import FieldSpec, Service

_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' bukan tanggal yang sah (tulis 2026-11-16 atau 16-11-2026)") from None


def _clean_field(spec: FieldSpec, value: Any, desa: list[str], today: date) -> Any:
    if spec.jenis == "tanggal":
        return parse_date(value).isoformat()
    text = normalise_text(str(value).strip())
    if spec.jenis == "nik":
        nik = normalise_nik(text)
        parse_nik(nik, today=today)
        return nik
    if spec.jenis == "kk":
        kk = normalise_nik(text)
        parse_kk(kk)
        return kk
    if spec.jenis == "uang":
        digits = re.sub(r"^rp\.?\s*", "", text.lower()).replace(".", "").replace(" ", "")
        digits = digits.removesuffix(",00").removesuffix(",-")
        if not digits.isdigit():
            raise ValueError(f"'{text}' bukan jumlah rupiah (tulis 5000000 atau Rp5.000.000)")
        return int(digits)
    if spec.jenis == "angka":
        try:
            return int(text.replace(".", "")) if text.replace(".", "").lstrip("-").isdigit() else float(text)
        except ValueError:
            raise ValueError(f"'{text}' bukan angka") from None
    if spec.jenis == "pilihan":
        for choice in spec.pilihan:
            if choice.casefold() == text.casefold():
                return choice
        raise ValueError(f"'{text}' bukan pilihan yang sah ({', '.join(spec.pilihan)})")
    if spec.jenis == "desa":
        for name in desa:
            if name.casefold() == text.casefold():
                return name
        raise ValueError(f"'{text}' bukan desa/kelurahan di kecamatan ini (lihat 'sakti kantor')")
    if spec.jenis == "telepon":
        digits = re.sub(r"[\s-]", "", text)
        if not re.fullmatch(r"\+?\d{8,15}", digits):
            raise ValueError(f"'{text}' bukan nomor telepon yang sah")
        return digits
    if spec.jenis == "surel":
        from sakti_cli.core.text import clean_email

        return clean_email(text)
    if spec.panjang_maks and len(text) > spec.panjang_maks:
        raise ValueError(f"terlalu panjang ({len(text)} huruf, paling banyak {spec.panjang_maks})")
    return text


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _clean_fields(specs: list[FieldSpec], data: dict[str, Any], desa: list[str], today: date, prefix: str,
                  problems: list[dict[str, str]], extra: frozenset[str] = frozenset()) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    known = {spec.kode for spec in specs} | extra
    for key in data:
        if key not in known:
            problems.append({"kolom": f"{prefix}{key}", "pesan": "kolom tidak dikenal untuk layanan ini"})
    for spec in specs:
        value = data.get(spec.kode)
        path = f"{prefix}{spec.kode}"
        if _empty(value):
            if spec.wajib:
                problems.append({"kolom": path, "pesan": f"{spec.label} wajib diisi"})
            continue
        if spec.jenis == "daftar":
            clean[spec.kode] = _clean_list(spec, value, desa, today, path, problems)
            continue
        try:
            clean[spec.kode] = clean_field(spec, value, desa, today)
        except ValueError as exc:
            problems.append({"kolom": path, "pesan": f"{spec.label}: {exc}"})
    return clean


def clean_field(spec: FieldSpec, value: Any, desa: list[str], today: date) -> Any:
    """One (non-list) field normalised, or ValueError with the reason: the check ``daftar --data`` makes
    of every field, also used to check an answer at the desk as it is typed."""
    hidden = unsafe_character(value) if isinstance(value, str) else None
    if hidden is not None:
        raise ValueError(f"berisi {hidden}, yang tidak boleh ada di isian (hapus karakter itu; ketik ulang bila "
                         "disalin dari pesan)")
    return _clean_field(spec, value, desa, today)


def _clean_list(spec: FieldSpec, value: Any, desa: list[str], today: date, path: str,
                problems: list[dict[str, str]]) -> list[dict[str, Any]]:
    """A list of people: each item an object of the item fields, plus ``berkas`` {kode: nama berkas}."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.append({"kolom": path, "pesan": f"{spec.label}: harus berupa daftar objek [{{...}}, ...]"})
        return []
    item_codes = {r.kode for r in spec.persyaratan}
    out = []
    for index, item in enumerate(value):
        prefix = f"{path}[{index}]."
        clean = _clean_fields(spec.butir, item, desa, today, prefix, problems, extra=frozenset({"berkas"}))
        files = item.get("berkas")
        if files is not None:
            if not isinstance(files, dict):
                problems.append({"kolom": f"{prefix}berkas", "pesan": "harus berupa objek {kode: nama berkas}"})
            else:
                for code in files:
                    if code not in item_codes:
                        problems.append({"kolom": f"{prefix}berkas.{code}",
                                         "pesan": f"bukan persyaratan butir {spec.kode} "
                                         f"(yang ada: {', '.join(sorted(item_codes)) or '-'})"})
                clean["berkas"] = {str(k): safe_file_name(str(v)) for k, v in files.items() if k in item_codes}
        out.append(clean)
    return out


def _clean_originals(service: Service, value: Any, problems: list[dict[str, str]]) -> list[str]:
    """``asli``: the requirement codes whose original the clerk saw at the desk."""
    codes = value.split(",") if isinstance(value, str) else value
    if not isinstance(codes, list):
        problems.append({"kolom": "asli", "pesan": "harus berupa daftar kode persyaratan"})
        return []
    allowed = {r.kode for r in service.persyaratan if r.asli}
    out = []
    for code in codes:
        code = str(code).strip().lower()
        if code not in allowed:
            problems.append({"kolom": "asli", "pesan": f"'{code}' bukan persyaratan yang diperlihatkan aslinya "
                             f"(yang ada: {', '.join(sorted(allowed)) or '-'})"})
        elif code not in out:
            out.append(code)
    return sorted(out)


def clean_application_data(service: Service, data: Any, desa: list[str], today: date) -> dict[str, Any]:
    """Normalise ``data`` against the service's fields, or raise DataInvalid listing every problem.

    Lists (``jenis: daftar``) are checked item by item (``ahli_waris[1].nik``); the reserved key
    ``asli`` records which originals the clerk has seen.
    """
    if not isinstance(data, dict):
        raise DataInvalid("Data permohonan harus berupa objek JSON {\"kolom\": nilai, ...}.",
                          saran="Buat formulir kosong dengan 'sakti layanan KODE --formulir berkas.json' dan isi itu.")
    problems: list[dict[str, str]] = []
    clean = _clean_fields(service.isian, data, desa, today, "", problems, extra=frozenset({"asli"}))
    if not _empty(data.get("asli")):
        clean["asli"] = _clean_originals(service, data["asli"], problems)
    if problems:
        listing = "\n".join(f"  - {p['kolom']}: {p['pesan']}" for p in problems)
        raise DataInvalid(
            f"Data permohonan {service.kode} belum benar:\n{listing}",
            saran=f"Perbaiki kolom di atas; 'sakti layanan {service.kode}' menampilkan semua kolom.",
            masalah=problems,
        )
    return clean


_MAX_DEPTH = 32  # a form is an object of fields and lists of people: a few levels, never hundreds


def parse_json_data(text: str, origin: str) -> Any:
    """JSON from a file or stdin, with the place of a syntax error in the message. Nesting deeper than
    a form ever needs is refused like any malformed input (it would exhaust the recursion of every
    later step)."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataInvalid(
            f"{origin} bukan JSON yang sah (baris {exc.lineno}, kolom {exc.colno}: {exc.msg}).",
            saran="Periksa tanda kutip, koma dan kurung kurawal.",
        ) from None
    except RecursionError:
        data = None
        deep = True
    else:
        deep = _too_deep(data)
    if deep:
        raise DataInvalid(f"{origin} bukan data permohonan yang sah: bersarang lebih dari {_MAX_DEPTH} tingkat.",
                          saran="Data permohonan berupa objek kolom isian; periksa isi berkasnya.")
    return data


def _too_deep(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > _MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


def confined_path(base: Path | None, name: Any, field: str) -> Path:
    """The file an envelope names, resolved inside ``base`` (the envelope's folder, or the current
    folder for stdin). A data file comes from outside the office: it may not point the desk at
    ``/etc/passwd``, ``../../`` or a symlink that leaves its folder (the clerk can, with --berkas).
    ``base`` None: the paths the clerk typed at the desk (``daftar`` asking), not confined."""
    if not isinstance(name, str) or not name.strip() or not _encodable_path(name):
        raise DataInvalid(f"Kolom {field} harus berisi nama berkas yang sah.", saran="Tulis nama berkas sebagai teks.",
                          masalah=[{"kolom": field, "pesan": "harus berisi nama berkas yang sah"}])
    if base is None:
        return Path(name).expanduser()
    root = base.resolve()
    lexical = Path(name)
    target = (root / lexical).resolve()
    if lexical.is_absolute() or not target.is_relative_to(root):
        how = "menunjuk ke luar" if lexical.is_absolute() or ".." in lexical.parts else "adalah tautan ke luar"
        problem = f"berkas '{name}' {how} folder data {root}"
        raise DataInvalid(
            f"Data menyebut berkas di luar foldernya: kolom {field}: {problem}. Tidak ada yang disalin.",
            saran="Letakkan berkas di folder berkas data (atau di bawahnya) dan tulis namanya saja, atau "
                  "lampirkan sendiri dengan --berkas KODE=BERKAS.",
            masalah=[{"kolom": field, "pesan": problem}],
        )
    return target


def _encodable_path(name: str) -> bool:
    """A name the file system can be asked about (no NUL, no lone surrogate from a ``\\ud800`` escape)."""
    import os

    try:
        return "\0" not in name and bool(os.fsencode(name))
    except UnicodeEncodeError:
        return False


EnvelopeFile = tuple[str, Path, str]  # (requirement code, resolved path, name as the envelope gave it)


def split_envelope(raw: Any, service_code: str, base: Path | None) -> tuple[Any, list[EnvelopeFile]]:
    """Accept a flat object of fields, or ``{"layanan", "isian": {...}, "berkas": {kode: file}}``.

    The envelope is what a Google Form export row or the bundled examples look like; its file
    names are relative to the JSON file's folder and may not leave it (:func:`confined_path`).
    """
    if not isinstance(raw, dict) or "isian" not in raw:
        return raw, []
    declared = raw.get("layanan")
    if declared and str(declared).lower() != service_code:
        raise DataInvalid(f"Data ini untuk layanan '{declared}', bukan '{service_code}'.",
                          saran=f"Pakai 'sakti daftar {declared} ...' atau perbaiki kolom 'layanan'.")
    unknown = set(raw) - {"layanan", "isian", "berkas", "asli"}
    if unknown:
        raise DataInvalid(f"Kunci tidak dikenal di data: {', '.join(sorted(unknown))}.",
                          saran="Yang dikenal: layanan, isian, berkas, asli.")
    listed = raw.get("berkas") or {}
    if not isinstance(listed, dict):
        raise DataInvalid("Kolom berkas harus berupa objek {kode: nama berkas}.",
                          saran='Tulis mis. "berkas": {"ktp": "ktp.jpg"}.',
                          masalah=[{"kolom": "berkas", "pesan": "harus berupa objek {kode: nama berkas}"}])
    files: list[EnvelopeFile] = []
    for code, names in listed.items():
        for name in names if isinstance(names, list) else [names]:
            if str(name).strip():  # a blank form's empty file entry: not given yet
                files.append((str(code), confined_path(base, name, f"berkas.{code}"), str(name)))
    fields = raw["isian"]
    if isinstance(fields, dict):
        fields = dict(fields)
        if raw.get("asli") is not None:
            fields["asli"] = raw["asli"]
        files += item_files(fields, base)
    return fields, files


def item_files(fields: dict[str, Any], base: Path | None) -> list[EnvelopeFile]:
    """Files named next to the items of a list (``{"nama": ..., "berkas": {"ktp": "ktp-ahmad.jpg"}}``).

    They are registered under ``daftar.kode`` (``ahli_waris.ktp``); the item keeps the file's (cleaned)
    name, which is how ``periksa`` finds each item's file again. A file named by several items (two
    heirs in one KK) is registered once and serves each of them.
    """
    files: list[EnvelopeFile] = []
    seen: set[tuple[str, str]] = set()
    for key, value in fields.items():
        if not isinstance(value, list):
            continue
        for index, item in enumerate(value):
            if not isinstance(item, dict) or not isinstance(item.get("berkas"), dict):
                continue
            for code, name in item["berkas"].items():
                if not str(name).strip():
                    continue
                full = f"{key}.{code}"
                path = confined_path(base, name, f"{key}[{index}].berkas.{code}")
                if (full, safe_file_name(name)) in seen:
                    continue
                seen.add((full, safe_file_name(name)))
                files.append((full, path, name))
    return files


def add_originals(fields: Any, codes: list[str], stored: dict[str, Any] | None = None) -> Any:
    """``--asli KODE`` at the desk: the requirement codes whose original the clerk has seen, merged with
    those already in ``fields`` (and in the stored data, for ``lengkapi``). Validated by
    ``clean_application_data`` like the rest of the data."""
    if not isinstance(fields, dict):
        return fields
    seen: list[str] = []
    for source in ((stored or {}).get("asli"), fields.get("asli"), codes):
        items = source.split(",") if isinstance(source, str) else (source or [])
        seen += [str(c).strip().lower() for c in items if str(c).strip()]
    return {**fields, "asli": sorted(set(seen))}
