"""Service definitions (standar pelayanan) read from ``sop/*.yaml``.

Staff edit these files, so keys are Indonesian and unknown keys are refused: a typo must not
silently drop a requirement. Every error names the file and the field path.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from sakti_cli.core.errors import ConfigError, NotFound
from sakti_cli.services.problems import Problem, problems_from
from sakti_cli.services.rules.aturan import RESERVED_FIELDS, SYSTEM_DATES, Rule, split_ref

FileKind = Literal["pdf", "jpeg", "png", "webp", "heic", "docx"]
FieldKind = Literal["teks", "nik", "kk", "tanggal", "angka", "uang", "pilihan", "desa", "telepon", "surel", "daftar"]
SignerRole = Literal["definitif", "a.n.", "Plt.", "Plh."]
DEFAULT_KINDS: tuple[FileKind, ...] = ("pdf", "jpeg", "png")
ALL_ROLES: tuple[SignerRole, ...] = ("definitif", "a.n.", "Plt.", "Plh.")
PATTERN_KEYS = {"kode", "urut", "unit", "bulan", "bulan_romawi", "tahun", "layanan"}
CODE_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentAge(_Strict):
    """A document may not be older than ``maks_hari``, dated by an application field."""

    kolom: str = Field(description="isian bertanggal yang menjadi tanggal dokumen")
    maks_hari: int = Field(gt=0)


class Requirement(_Strict):
    """One requirement file (``persyaratan``)."""

    kode: str
    nama: str
    wajib: bool = True
    jenis_berkas: list[FileKind] = Field(default_factory=lambda: list(DEFAULT_KINDS))
    ukuran_maks_kb: int = Field(2048, gt=0)
    jumlah_min: int = Field(1, ge=0)
    jumlah_maks: int = Field(1, ge=1)
    halaman_min: int | None = Field(None, gt=0)
    halaman_maks: int | None = Field(None, gt=0)
    umur: DocumentAge | None = None
    asli: bool = Field(False, description="dokumen asli diperlihatkan di loket (dicatat petugas), tidak diunggah")
    keterangan: str | None = None

    @field_validator("kode")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError("kode persyaratan hanya huruf kecil, angka, _ atau -, diawali huruf")
        return value

    @model_validator(mode="after")
    def _counts(self) -> Requirement:
        if self.jumlah_min > self.jumlah_maks:
            raise ValueError("jumlah_min lebih besar dari jumlah_maks")
        if self.halaman_min and self.halaman_maks and self.halaman_min > self.halaman_maks:
            raise ValueError("halaman_min lebih besar dari halaman_maks")
        return self


class FieldSpec(_Strict):
    """One item of the applicant's data (``isian``)."""

    kode: str
    label: str
    jenis: FieldKind = "teks"
    wajib: bool = True
    pilihan: list[str] = Field(default_factory=list, description="nilai yang boleh, untuk jenis 'pilihan'")
    panjang_maks: int | None = Field(None, gt=0)
    contoh: str | None = None
    keterangan: str | None = None
    butir: list[FieldSpec] = Field(
        default_factory=list, description="untuk jenis 'daftar': isian setiap butir (mis. nama, nik ahli waris)")
    persyaratan: list[Requirement] = Field(
        default_factory=list,
        description="untuk jenis 'daftar': berkas setiap butir, disebut di data di samping butirnya "
        "({\"nama\": ..., \"berkas\": {\"ktp\": \"ktp-ahmad.jpg\"}})")

    @field_validator("kode")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError("kode isian hanya huruf kecil, angka, _ atau -, diawali huruf")
        return value

    @model_validator(mode="after")
    def _choices(self) -> FieldSpec:
        if self.jenis == "pilihan" and not self.pilihan:
            raise ValueError(f"isian '{self.kode}' berjenis pilihan tetapi daftar 'pilihan' kosong")
        if self.jenis == "daftar" and not self.butir:
            raise ValueError(f"isian '{self.kode}' berjenis daftar tetapi 'butir' kosong")
        if self.jenis != "daftar" and (self.butir or self.persyaratan):
            raise ValueError(f"isian '{self.kode}': 'butir' dan 'persyaratan' hanya untuk jenis daftar")
        return self

    def item(self, code: str) -> FieldSpec | None:
        return next((f for f in self.butir if f.kode == code), None)


class ServiceTime(_Strict):
    menit: int | None = Field(None, gt=0, description="batas waktu penyelesaian dalam menit kerja")
    hari_kerja: int | None = Field(None, gt=0, description="atau: batas dalam hari kerja")
    teks: str

    @model_validator(mode="after")
    def _one_limit(self) -> ServiceTime:
        if (self.menit is None) == (self.hari_kerja is None):
            raise ValueError("isi salah satu: menit atau hari_kerja")
        return self


class ServiceStandard(_Strict):
    """The components of a standar pelayanan (PermenPANRB 15/2014) that apply to the service."""

    jangka_waktu: ServiceTime
    biaya: str = "Gratis"
    produk: str
    prosedur: list[str] = Field(min_length=1)
    pengaduan: str
    dasar_hukum: list[str] = Field(default_factory=list)
    sarana: list[str] = Field(default_factory=list)
    kompetensi_pelaksana: str | None = None
    pengawasan_internal: str | None = None
    jumlah_pelaksana: str | None = None
    jaminan_pelayanan: str | None = None
    jaminan_keamanan: str | None = None
    evaluasi_kinerja: str | None = None


class Service(_Strict):
    kode: str
    nama: str
    judul_surat: str
    klasifikasi: str = Field(description="kode klasifikasi arsip, mis. 400.9.14.1")
    templat: str
    pola_nomor: str | None = Field(None, description="kosong: pakai [penomoran].pola di sakti.toml")
    halaman_maks: int = Field(1, gt=0)
    penandatangan: list[SignerRole] = Field(default_factory=lambda: list(ALL_ROLES))
    atas_nama: str | None = Field(None, description=(
        "surat dikeluarkan camat atas nama pejabat lain, mis. 'Bupati {kabupaten}': baris 'a.n. ...' di atas "
        "jabatan penanda tangan"))
    standar_pelayanan: ServiceStandard
    isian: list[FieldSpec] = Field(min_length=1)
    pemohon: list[str] | None = Field(None, min_length=1, description=(
        "isian yang menamai pemohon di daftar permohonan dan antrean tanda tangan, mis. [nama_suami, "
        "nama_istri] (digabung dengan ' & '); kosong: isian 'nama'"))
    persyaratan: list[Requirement] = Field(min_length=1)
    aturan: list[Rule] = Field(default_factory=list, description="aturan data yang diperiksa 'sakti periksa'")

    @field_validator("kode")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError("kode layanan hanya huruf kecil, angka, _ atau -, diawali huruf")
        return value

    @field_validator("pola_nomor")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            check_number_pattern(value)
        return value

    @model_validator(mode="after")
    def _references(self) -> Service:
        fields = [f.kode for f in self.isian]
        if len(set(fields)) != len(fields):
            raise ValueError("kode isian ganda")
        reqs = [r.kode for r in self.persyaratan]
        if len(set(reqs)) != len(reqs):
            raise ValueError("kode persyaratan ganda")
        return self

    @field_validator("pemohon")
    @classmethod
    def _applicant_fields(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        simple = {f.kode for f in info.data.get("isian") or [] if f.jenis != "daftar"}
        unknown = [name for name in value or [] if name not in simple]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} bukan kode isian (yang bukan daftar); pilih dari: "
                             f"{', '.join(sorted(simple))}")
        return value

    def applicant_fields(self) -> list[str]:
        """The ``pemohon`` fields; for an office SOP copied before that key existed, ``nama``, else the first
        text field named ``nama_...`` (nama_pewaris, nama_lembaga), so lists never show '-' for a name."""
        if self.pemohon:
            return list(self.pemohon)
        codes = [spec.kode for spec in self.isian if spec.jenis == "teks"]
        return ["nama"] if "nama" in codes else [code for code in codes if code.startswith("nama_")][:1]

    def applicant_name(self, data: dict[str, Any]) -> str | None:
        """The applicant's name as lists show it: the applicant fields that are filled, joined by ' & '."""
        names = [str(data[name]).strip() for name in self.applicant_fields() if str(data.get(name) or "").strip()]
        return " & ".join(names) or None

    def field(self, code: str) -> FieldSpec | None:
        return next((f for f in self.isian if f.kode == code), None)

    def requirement(self, code: str) -> Requirement | None:
        """A requirement by code; ``daftar.kode`` names a per-item requirement of a list field."""
        if "." in code:
            list_code, _, item_code = code.partition(".")
            spec = self.field(list_code)
            if spec is None or spec.jenis != "daftar":
                return None
            found = next((r for r in spec.persyaratan if r.kode == item_code), None)
            return found.model_copy(update={"kode": code}) if found else None
        return next((r for r in self.persyaratan if r.kode == code), None)

    def item_requirements(self) -> list[tuple[FieldSpec, Requirement]]:
        return [(spec, req) for spec in self.isian if spec.jenis == "daftar" for req in spec.persyaratan]


def check_number_pattern(pattern: str) -> None:
    """A number pattern must hold ``{urut}`` and only known keys; raises ValueError otherwise."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError:
        raise ValueError(f"pola nomor '{pattern}' tidak dapat dibaca: kurung kurawal {{ }} tidak berpasangan "
                         "(tulis {{ dan }} untuk kurung biasa)") from None
    unknown = names - PATTERN_KEYS
    if unknown:
        raise ValueError(
            f"pola nomor memuat kunci tidak dikenal: {', '.join(sorted(unknown))} "
            f"(yang dikenal: {', '.join(sorted(PATTERN_KEYS))})"
        )
    if "urut" not in names:
        raise ValueError("pola nomor harus memuat {urut}")


_DATE_KINDS = {"tanggal"}


def _resolve(service: Service, ref: str) -> tuple[FieldSpec | None, FieldSpec | str | None]:
    """(list field or None, field) for a reference; the field is a system name or None when unknown."""
    list_code, code = split_ref(ref)
    if list_code is None:
        if code in SYSTEM_DATES:
            return None, code
        return None, service.field(code)
    spec = service.field(list_code)
    if spec is None or spec.jenis != "daftar":
        return spec, None
    return spec, spec.item(code)


def reference_problems(service: Service) -> list[Problem]:
    """What pydantic cannot see: names that must exist, kinds that must fit, codes that must be unique."""
    problems: list[Problem] = []

    def add(path: str, message: str) -> None:
        problems.append({"kolom": path, "pesan": message})

    for index, spec in enumerate(service.isian):
        if spec.kode in RESERVED_FIELDS:
            add(f"isian[{index}].kode", f"'{spec.kode}' dipakai sistem, pilih kode lain")
        for sub_index, sub in enumerate(spec.butir):
            if sub.jenis == "daftar":
                add(f"isian[{index}].butir[{sub_index}].jenis", "daftar di dalam daftar tidak didukung")
        codes = [r.kode for r in spec.persyaratan]
        if len(set(codes)) != len(codes):
            add(f"isian[{index}].persyaratan", "kode persyaratan butir ganda")
        for req_index, req in enumerate(spec.persyaratan):
            if req.umur is not None:
                add(f"isian[{index}].persyaratan[{req_index}].umur", "umur dokumen belum didukung untuk berkas butir")
    kinds = {f.kode: f.jenis for f in service.isian}
    for index, req in enumerate(service.persyaratan):
        if req.umur and kinds.get(req.umur.kolom) != "tanggal":
            add(f"persyaratan[{index}].umur.kolom", f"'{req.umur.kolom}' bukan isian berjenis tanggal")

    taken = {r.kode for r in service.persyaratan} | {f"{s.kode}.{r.kode}" for s, r in service.item_requirements()}
    top_codes = {r.kode: r for r in service.persyaratan}
    for index, rule in enumerate(service.aturan):
        base = f"aturan[{index}]"
        if rule.kode in taken:
            add(f"{base}.kode", f"kode '{rule.kode}' sudah dipakai persyaratan atau aturan lain")
        taken.add(rule.kode)
        for req_index, code in enumerate(rule.wajibkan):
            target_req = top_codes.get(code)
            if target_req is None:
                add(f"{base}.wajibkan[{req_index}]", f"persyaratan '{code}' tidak ada di 'persyaratan'")
            elif target_req.wajib:
                add(f"{base}.wajibkan[{req_index}]",
                    f"persyaratan '{code}' sudah wajib; tulis 'wajib: false' agar aturan ini berarti")
        lists: set[str] = set()
        if rule.bila is not None:
            container, target = _resolve(service, rule.bila.kolom)
            if target is None or container is not None or isinstance(target, str):
                add(f"{base}.bila.kolom", f"'{rule.bila.kolom}' bukan isian (di luar daftar) layanan ini")
            elif target.jenis == "pilihan":
                unknown = [v for v in rule.bila.salah_satu if v not in target.pilihan]
                if unknown:
                    add(f"{base}.bila.salah_satu", f"nilai {', '.join(unknown)} tidak ada di pilihan isian "
                        f"'{target.kode}'")
        for param, ref in rule.references():
            path = f"{base}.{param}"
            if rule.jenis == "jumlah":
                counted = service.field(ref)
                if counted is None or counted.jenis != "daftar":
                    add(path, f"'{ref}' bukan isian berjenis daftar")
                continue
            container, target = _resolve(service, ref)
            if target is None:
                where = f"butir daftar '{container.kode}'" if container is not None else "isian"
                add(path, f"'{ref}' tidak ada di {where}")
                continue
            if container is not None:
                lists.add(container.kode)
            problem = _kind_problem(rule.jenis, param, target, rule)
            if problem:
                add(path, problem)
        if rule.jenis != "berbeda" and len(lists) > 1:
            add(base, f"aturan ini merujuk lebih dari satu daftar ({', '.join(sorted(lists))})")
    return problems


def _kind_problem(rule_kind: str, param: str, target: FieldSpec | str, rule: Any) -> str | None:
    system = isinstance(target, str)
    kind = "tanggal" if system else target.jenis  # type: ignore[union-attr]
    name = target if system else target.kode  # type: ignore[union-attr]
    if system and not (rule_kind in ("umur", "hari_kerja", "hari") and param in ("pada", "dari", "sampai")):
        return f"'{name}' adalah tanggal sistem, tidak dapat dipakai di sini"
    wanted: set[str] | None = None
    if rule_kind == "nik_cocok":
        wanted = {"nik": {"nik"}, "tanggal_lahir": _DATE_KINDS, "jenis_kelamin": {"pilihan"}}[param]
    elif rule_kind == "umur":
        wanted = {"tanggal", "nik"} if param == "tanggal_lahir" else _DATE_KINDS
    elif rule_kind in ("hari_kerja", "hari"):
        wanted = _DATE_KINDS
    elif rule_kind == "dalam_kecamatan":
        wanted = {"teks", "desa", "pilihan"}
    elif rule_kind in ("berbeda", "wajib_bila"):
        wanted = {"teks", "nik", "kk", "tanggal", "angka", "uang", "pilihan", "desa", "telepon"}
    if wanted is not None and kind not in wanted:
        return f"isian '{name}' berjenis {kind}; di sini dibutuhkan jenis {' atau '.join(sorted(wanted))}"
    if rule_kind == "nik_cocok" and param == "jenis_kelamin" and not system:
        choices = set(target.pilihan)  # type: ignore[union-attr]
        if choices != {"L", "P"}:
            return f"isian '{name}' harus pilihan [L, P]"
    if rule_kind == "wajib_bila" and not system and target.jenis == "pilihan":  # type: ignore[union-attr]
        unknown = [v for v in rule.salah_satu if v not in target.pilihan]  # type: ignore[union-attr]
        if unknown:
            return f"nilai {', '.join(unknown)} tidak ada di pilihan isian '{name}'"
    return None


def _read_yaml(path: Path) -> Any:
    import yaml

    from sakti_cli.core.validation import load_yaml_text

    try:
        raw: Any = load_yaml_text(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"Berkas SOP {path} tidak ada.",
                       saran="Lihat layanan yang ada dengan 'sakti layanan'.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        from sakti_cli.core.validation import syntax_error_place

        place = syntax_error_place(exc)
        raise ConfigError(f"SOP {path} bukan YAML yang sah ({place}).",
                          saran="Perbaiki penulisan berkas itu pada letak yang disebut.", berkas=str(path),
                          masalah=[{"kolom": "(akar)", "pesan": f"bukan YAML yang sah ({place})"}],
                          pustaka=str(exc)) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"SOP {path} harus berupa pemetaan kunci: nilai.", berkas=str(path),
                          saran="Tulis SOP sebagai YAML kunci: nilai; 'sakti sop periksa' memeriksanya.",
                          masalah=[{"kolom": "(akar)", "pesan": "harus berupa pemetaan kunci: nilai"}])
    return raw


def load_service_file(path: Path) -> Service:
    """Load and cross-check one SOP file; ConfigError (exit 4) naming the file and every field path."""
    raw = _read_yaml(path)
    try:
        service = Service.model_validate(raw)
    except ValidationError as exc:
        problems = problems_from(exc)
    else:
        problems = reference_problems(service)
        if not problems and service.kode != path.stem:
            problems = [{"kolom": "kode", "pesan": f"kode '{service.kode}' tidak sama dengan nama berkas "
                         f"'{path.stem}': samakan keduanya"}]
    if problems:
        listing = "\n".join(f"  - {p['kolom']}: {p['pesan']}" for p in problems)
        raise ConfigError(
            f"SOP {path} tidak valid:\n{listing}",
            saran="Perbaiki kolom yang disebut; 'sakti sop periksa' memeriksa semua berkas SOP.",
            berkas=str(path),
            masalah=problems,
        )
    return service


def list_service_files(sop_dir: Path) -> list[Path]:
    return sorted(p for p in sop_dir.glob("*.yaml") if not p.name.startswith("_"))


def load_services(sop_dir: Path) -> dict[str, Service]:
    return {path.stem: load_service_file(path) for path in list_service_files(sop_dir)}


def load_service(sop_dir: Path, code: str) -> Service:
    code = code.strip().lower()
    path = sop_dir / f"{code}.yaml"
    if not CODE_RE.match(code) or not path.is_file():
        known = ", ".join(p.stem for p in list_service_files(sop_dir)) or "(tidak ada)"
        raise NotFound(f"Layanan '{code}' tidak dikenal.", saran=f"Layanan yang ada: {known}.")
    return load_service_file(path)


def service_finder(sop_dir: Path) -> Callable[[str], Service | None]:
    """``find(service_code)`` for work on many applications: each SOP read once; None for a service whose
    SOP is gone or broken (reported by 'sakti sop periksa')."""
    from sakti_cli.core.errors import SaktiError

    services: dict[str, Service | None] = {}

    def find(code: str) -> Service | None:
        if code not in services:
            try:
                services[code] = load_service(sop_dir, code)
            except SaktiError:
                services[code] = None
        return services[code]

    return find


def applicant_namer(sop_dir: Path) -> Any:
    """``name(service_code, data)`` for lists of many applications; a service whose SOP is gone or broken
    names its applicant by the ``nama`` field."""
    find = service_finder(sop_dir)

    def name(code: str, data: dict[str, Any]) -> str | None:
        service = find(code)
        return service.applicant_name(data) if service else (str(data.get("nama") or "") or None)

    return name


def service_schema() -> dict[str, Any]:
    """JSON Schema of an SOP file, for editors that validate YAML."""
    schema = Service.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "SOP layanan SAKTI (sop/*.yaml)"
    return schema
