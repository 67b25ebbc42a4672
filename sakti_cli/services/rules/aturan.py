"""The vocabulary of data rules (``aturan`` in an SOP file): pydantic models only, no evaluation.

Each rule has a ``jenis`` and its own parameters; unknown keys are refused. Fields are named as in
``isian``: ``kolom`` for a field of the application, ``daftar[].kolom`` for a field of every item of a
list (heirs, witnesses, family members), or a system field (``tanggal_daftar``, ``hari_ini``). The
evaluation is in ``sakti_cli.services.rules.engine``; docs/ATURAN.md describes the vocabulary for staff.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SYSTEM_DATES = {
    "tanggal_daftar": "tanggal permohonan didaftarkan (dicatat sistem)",
    "hari_ini": "tanggal pemeriksaan (hari ini)",
}
RESERVED_FIELDS = {*SYSTEM_DATES, "asli"}
REF_RE = re.compile(r"^(?:([a-z][a-z0-9_-]*)\[\]\.)?([a-z][a-z0-9_-]*)$")
RULE_CODE_RE = re.compile(r"^[a-z][a-z0-9_-]*$")

Akibat = Literal["tidak_valid", "kurang", "tolak", "wajibkan"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_ref(value: str) -> str:
    if not REF_RE.match(value):
        raise ValueError(f"'{value}' bukan nama isian (tulis 'kolom' atau 'daftar[].kolom')")
    return value


class Condition(_Strict):
    """Aturan hanya berlaku bila isian ini bernilai salah satu dari daftar."""

    kolom: str
    salah_satu: list[str] = Field(min_length=1)

    @field_validator("kolom")
    @classmethod
    def _ref(cls, value: str) -> str:
        return _check_ref(value)


class _Rule(_Strict):
    kode: str = Field(description="kode baris hasil periksa, unik di antara persyaratan dan aturan")
    nama: str = Field(description="uraian singkat untuk kolom 'Persyaratan' di hasil periksa")
    pesan: str | None = Field(None, description="pesan bila aturan tidak terpenuhi (mengganti pesan bawaan)")
    akibat: Akibat = Field(
        "tidak_valid",
        description="bila tidak terpenuhi: tidak_valid (perbaiki data), kurang (lengkapi), tolak (tidak dapat "
        "dilengkapi: petugas menolak), wajibkan (persyaratan di 'wajibkan' menjadi wajib)")
    wajibkan: list[str] = Field(default_factory=list, description="kode persyaratan yang menjadi wajib")
    bila: Condition | None = Field(None, description="aturan hanya berlaku bila isian bernilai salah satu dari ...")

    @field_validator("kode")
    @classmethod
    def _code(cls, value: str) -> str:
        if not RULE_CODE_RE.match(value):
            raise ValueError("kode aturan hanya huruf kecil, angka, _ atau -, diawali huruf")
        return value

    @model_validator(mode="after")
    def _effect(self) -> _Rule:
        if self.akibat == "wajibkan" and not self.wajibkan:
            raise ValueError("akibat 'wajibkan' butuh daftar 'wajibkan' (kode persyaratan)")
        if self.wajibkan and self.akibat != "wajibkan":
            raise ValueError("'wajibkan' hanya dipakai dengan akibat: wajibkan")
        return self

    def references(self) -> list[tuple[str, str]]:
        """(parameter, field reference) pairs, for the SOP cross-check."""
        return []


class _Bounds(_Strict):
    minimal: int | None = Field(None, ge=0, description="paling sedikit (termasuk)")
    maksimal: int | None = Field(None, ge=0, description="paling banyak (termasuk)")
    kurang_dari: int | None = Field(None, ge=1, description="harus kurang dari")

    @model_validator(mode="after")
    def _some_bound(self) -> _Bounds:
        if self.minimal is None and self.maksimal is None and self.kurang_dari is None:
            raise ValueError("butuh paling sedikit satu batas: minimal, maksimal atau kurang_dari")
        if self.maksimal is not None and self.kurang_dari is not None:
            raise ValueError("pakai maksimal atau kurang_dari, tidak keduanya")
        upper = self.maksimal if self.maksimal is not None else (
            self.kurang_dari - 1 if self.kurang_dari is not None else None)
        if self.minimal is not None and upper is not None and self.minimal > upper:
            raise ValueError("batas minimal lebih besar dari batas atas")
        return self

    def within(self, value: int) -> bool:
        if self.minimal is not None and value < self.minimal:
            return False
        if self.maksimal is not None and value > self.maksimal:
            return False
        return not (self.kurang_dari is not None and value >= self.kurang_dari)

    def bound_text(self) -> str:
        parts = []
        if self.minimal is not None:
            parts.append(f"paling sedikit {self.minimal}")
        if self.maksimal is not None:
            parts.append(f"paling banyak {self.maksimal}")
        if self.kurang_dari is not None:
            parts.append(f"kurang dari {self.kurang_dari}")
        return " dan ".join(parts)


class NikRule(_Rule):
    """nik_cocok: NIK sesuai tanggal lahir dan jenis kelamin isian (tanggal + 40 untuk perempuan)."""

    jenis: Literal["nik_cocok"]
    nik: str
    tanggal_lahir: str | None = None
    jenis_kelamin: str | None = Field(None, description="isian jenis kelamin (pilihan L/P)")
    kelamin: Literal["L", "P"] | None = Field(None, description="jenis kelamin yang pasti, mis. P untuk calon istri")

    @field_validator("nik", "tanggal_lahir", "jenis_kelamin")
    @classmethod
    def _refs(cls, value: str | None) -> str | None:
        return value if value is None else _check_ref(value)

    def references(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in (("nik", self.nik), ("tanggal_lahir", self.tanggal_lahir),
                                    ("jenis_kelamin", self.jenis_kelamin)) if v]


class AgeRule(_Rule, _Bounds):
    """umur: umur dalam tahun penuh pada suatu tanggal; tanggal lahir dari isian tanggal atau dari NIK."""

    jenis: Literal["umur"]
    tanggal_lahir: str = Field(description="isian tanggal lahir, atau isian NIK (tanggal lahir dari NIK)")
    pada: str = Field("tanggal_daftar", description="umur pada tanggal ini (isian tanggal atau tanggal_daftar)")
    label: str | None = Field(None, description="sebutan orangnya dalam pesan, mis. 'calon istri'")

    @field_validator("tanggal_lahir", "pada")
    @classmethod
    def _refs(cls, value: str | None) -> str | None:
        return value if value is None else _check_ref(value)

    def references(self) -> list[tuple[str, str]]:
        return [("tanggal_lahir", self.tanggal_lahir), ("pada", self.pada)]


class _DateSpan(_Rule, _Bounds):
    """A span between two date references: the shared shape of ``hari_kerja`` and ``hari``."""

    dari: str
    sampai: str

    @field_validator("dari", "sampai")
    @classmethod
    def _refs(cls, value: str | None) -> str | None:
        return value if value is None else _check_ref(value)

    def references(self) -> list[tuple[str, str]]:
        return [("dari", self.dari), ("sampai", self.sampai)]


class WorkdayRule(_DateSpan):
    """hari_kerja: hari kerja di antara dua tanggal (keduanya tidak dihitung; Sabtu, Minggu, libur
    nasional dan cuti bersama dari sop/_kalender.yaml tidak dihitung)."""

    jenis: Literal["hari_kerja"]


class DayRule(_DateSpan):
    """hari: selisih hari kalender dari tanggal 'dari' sampai tanggal 'sampai'."""

    jenis: Literal["hari"]


class CountRule(_Rule, _Bounds):
    """jumlah: banyaknya butir sebuah daftar (saksi, ahli waris)."""

    jenis: Literal["jumlah"]
    daftar: str

    def references(self) -> list[tuple[str, str]]:
        return [("daftar", self.daftar)]


class DistinctRule(_Rule):
    """berbeda: nilai isian tidak boleh sama dengan nilai isian lain (saksi bukan dari KK ahli waris)."""

    jenis: Literal["berbeda"]
    kolom: str
    bukan: list[str] = Field(min_length=1)

    @field_validator("kolom")
    @classmethod
    def _ref(cls, value: str) -> str:
        return _check_ref(value)

    @field_validator("bukan")
    @classmethod
    def _refs(cls, value: list[str]) -> list[str]:
        return [_check_ref(v) for v in value]

    def references(self) -> list[tuple[str, str]]:
        return [("kolom", self.kolom)] + [(f"bukan[{i}]", v) for i, v in enumerate(self.bukan)]


class DesaRule(_Rule):
    """dalam_kecamatan: nilai isian adalah desa/kelurahan kantor ini (sakti.toml [kantor].desa)."""

    jenis: Literal["dalam_kecamatan"]
    kolom: str

    @field_validator("kolom")
    @classmethod
    def _ref(cls, value: str) -> str:
        return _check_ref(value)

    def references(self) -> list[tuple[str, str]]:
        return [("kolom", self.kolom)]


class ConditionalRule(_Rule):
    """wajib_bila: bila isian bernilai salah satu dari daftar, persyaratan di 'wajibkan' menjadi wajib."""

    jenis: Literal["wajib_bila"]
    kolom: str
    salah_satu: list[str] = Field(min_length=1, description="nilai isian yang membuat persyaratan wajib")
    akibat: Akibat = "wajibkan"

    @field_validator("kolom")
    @classmethod
    def _ref(cls, value: str) -> str:
        return _check_ref(value)

    @field_validator("akibat")
    @classmethod
    def _only_require(cls, value: str) -> str:
        if value != "wajibkan":
            raise ValueError("aturan wajib_bila selalu berakibat 'wajibkan'")
        return value

    def references(self) -> list[tuple[str, str]]:
        return [("kolom", self.kolom)]


Rule = Annotated[
    NikRule | AgeRule | WorkdayRule | DayRule | CountRule | DistinctRule | DesaRule | ConditionalRule,
    Field(discriminator="jenis"),
]
RULE_KINDS = ("nik_cocok", "umur", "hari_kerja", "hari", "jumlah", "berbeda", "dalam_kecamatan", "wajib_bila")


def split_ref(ref: str) -> tuple[str | None, str]:
    """``"saksi[].nik"`` -> ``("saksi", "nik")``; ``"nik"`` -> ``(None, "nik")``."""
    match = REF_RE.match(ref)
    if not match:
        raise ValueError(ref)
    return match.group(1), match.group(2)
