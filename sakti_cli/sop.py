"""Service definitions (standar pelayanan) read from ``sop/*.yaml``.

Staff edit these files, so keys are Indonesian and unknown keys are refused: a typo must not
silently drop a requirement. Every error names the file and the field path.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sakti_cli.errors import ConfigError, NotFound
from sakti_cli.validation import describe_validation_error

FileKind = Literal["pdf", "jpeg", "png", "webp", "heic", "docx"]
FieldKind = Literal["teks", "nik", "kk", "tanggal", "angka", "pilihan", "desa", "telepon"]
SignerRole = Literal["definitif", "a.n.", "Plt.", "Plh."]
DEFAULT_KINDS: tuple[FileKind, ...] = ("pdf", "jpeg", "png")
ALL_ROLES: tuple[SignerRole, ...] = ("definitif", "a.n.", "Plt.", "Plh.")
PATTERN_KEYS = {"kode", "urut", "unit", "bulan", "bulan_romawi", "tahun", "layanan"}
CODE_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
        return self


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
    halaman_maks: int | None = Field(None, gt=0)
    umur: DocumentAge | None = None
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
        return self


class ServiceTime(_Strict):
    menit: int = Field(gt=0, description="batas waktu penyelesaian dalam menit kerja")
    teks: str


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
    standar_pelayanan: ServiceStandard
    isian: list[FieldSpec] = Field(min_length=1)
    persyaratan: list[Requirement] = Field(min_length=1)

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
        kinds = {f.kode: f.jenis for f in self.isian}
        for req in self.persyaratan:
            if req.umur and kinds.get(req.umur.kolom) != "tanggal":
                raise ValueError(
                    f"persyaratan '{req.kode}': umur.kolom '{req.umur.kolom}' bukan isian berjenis tanggal"
                )
        return self

    def field(self, code: str) -> FieldSpec | None:
        return next((f for f in self.isian if f.kode == code), None)

    def requirement(self, code: str) -> Requirement | None:
        return next((r for r in self.persyaratan if r.kode == code), None)


def check_number_pattern(pattern: str) -> None:
    """A number pattern must hold ``{urut}`` and only known keys; raises ValueError otherwise."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise ValueError(f"pola nomor '{pattern}' tidak dapat dibaca: {exc}") from None
    unknown = names - PATTERN_KEYS
    if unknown:
        raise ValueError(
            f"pola nomor memuat kunci tidak dikenal: {', '.join(sorted(unknown))} "
            f"(yang dikenal: {', '.join(sorted(PATTERN_KEYS))})"
        )
    if "urut" not in names:
        raise ValueError("pola nomor harus memuat {urut}")


def load_service_file(path: Path) -> Service:
    import yaml

    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"Berkas SOP {path} tidak ada.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"SOP {path} bukan YAML yang sah: {exc}", saran="Perbaiki penulisan berkas itu.") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"SOP {path} harus berupa pemetaan kunci: nilai.")
    try:
        service = Service.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            f"SOP {path} tidak valid:\n{describe_validation_error(exc)}",
            saran="Perbaiki kolom yang disebut; 'sakti layanan' membaca ulang berkasnya.",
            berkas=str(path),
        ) from None
    if service.kode != path.stem:
        raise ConfigError(
            f"SOP {path}: kode '{service.kode}' tidak sama dengan nama berkas '{path.stem}'.",
            saran=f"Samakan: ganti kode menjadi '{path.stem}' atau ganti nama berkas.",
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


def service_schema() -> dict[str, Any]:
    """JSON Schema of an SOP file, for editors that validate YAML."""
    return Service.model_json_schema()
