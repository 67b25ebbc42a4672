"""The workspace ("kantor"): sakti.toml, its folders and its signatories.

Resolution order for which workspace a command works on: ``--kantor DIR``, then ``SAKTI_KANTOR``,
then the nearest ``sakti.toml`` above the current folder. Data folders are private (0700) because
they hold personal data (UU 27/2022).
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sakti_cli.clock import ZONES, office_zone
from sakti_cli.errors import ConfigError, InputError, WorkspaceNotFound
from sakti_cli.resources import bundled_dir
from sakti_cli.validation import describe_validation_error

CONFIG_NAME = "sakti.toml"
FORMAT_VERSION = 1
PRIVATE_DIRS = ("data", "data/register", "data/berkas", "data/surat", "pki")

ARUT_SELATAN_DESA = [
    "Baru", "Madurejo", "Mendawai", "Mendawai Seberang", "Raja", "Raja Seberang", "Sidorejo",
    "Kenambui", "Kumpai Batu Atas", "Kumpai Batu Bawah", "Medang Sari", "Natai Baru", "Natai Raya",
    "Pasir Panjang", "Rangda", "Runtu", "Sulung", "Tanjung Putri", "Tanjung Terantang", "Umpang",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class OfficeIdentity(_Strict):
    kabupaten: str
    kecamatan: str
    alamat: str
    email: str = ""
    telepon: str = ""
    tempat: str = Field(description="Nama tempat pada baris tanggal surat, mis. Pangkalan Bun")
    kode_unit: str
    logo: str = "templat/logo.png"
    zona_waktu: Literal["WIB", "WITA", "WIT"] = "WIB"
    desa: list[str] = Field(default_factory=list)


class KeySource(_Strict):
    """Where a signatory's key lives: a PKCS#12 file or a PKCS#11 token (``jenis``).

    The passphrase/PIN is typed by the signatory, or read from the environment variable named here,
    or from ``berkas_sandi`` (a file readable by its owner only); never from the command line.
    """

    jenis: Literal["pkcs12", "pkcs11"] = "pkcs12"
    berkas: str | None = Field(default=None, description="pkcs12: berkas .p12/.pfx")
    variabel_sandi: str | None = Field(default=None, description="pkcs12: variabel lingkungan berisi sandi")
    berkas_sandi: str | None = Field(default=None, description="berkas berisi sandi/PIN (hanya pemilik, 0600)")
    modul: str | None = Field(default=None, description="pkcs11: pustaka modul, mis. /usr/lib/softhsm/libsofthsm2.so")
    token: str | None = Field(default=None, description="pkcs11: label token")
    slot: int | None = Field(default=None, description="pkcs11: nomor slot (bila tanpa label token)")
    label_kunci: str | None = Field(default=None, description="pkcs11: label kunci privat")
    label_sertifikat: str | None = Field(default=None, description="pkcs11: label sertifikat (bawaan: label_kunci)")
    id_kunci: str | None = Field(default=None, description="pkcs11: CKA_ID kunci dalam heksadesimal")
    variabel_pin: str | None = Field(default=None, description="pkcs11: variabel lingkungan berisi PIN")

    @field_validator("id_kunci")
    @classmethod
    def _hex_id(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                bytes.fromhex(value)
            except ValueError:
                raise ValueError("id_kunci harus heksadesimal, mis. \"01\"") from None
        return value


class Signatory(_Strict):
    id: str
    peran: Literal["definitif", "a.n.", "Plt.", "Plh."]
    jabatan: str
    nama: str
    pangkat: str = ""
    nip: str = ""
    kunci: KeySource

    @field_validator("nip")
    @classmethod
    def _nip_digits(cls, value: str) -> str:
        digits = value.replace(" ", "")
        if digits and (not digits.isdigit() or len(digits) != 18):
            raise ValueError("NIP harus 18 digit angka")
        return digits


class Verification(_Strict):
    url: str = "https://sakti.example.go.id/cek/{kode}"
    akar_tepercaya: list[str] = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _has_code(cls, value: str) -> str:
        if "{kode}" not in value:
            raise ValueError("pola URL verifikasi harus memuat {kode}")
        return value


class Tte(_Strict):
    catatan: str = (
        "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang "
        "diterbitkan oleh Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara"
    )
    variabel_sandi: str = "SAKTI_SANDI"
    penandatangan_bawaan: str | None = None
    tsa: str | None = Field(default=None, description="URL server cap waktu RFC 3161 (PAdES B-T/B-LT)")
    sertifikat_ca: list[str] = Field(default_factory=list, description="sertifikat CA yang disematkan (B-LT)")
    crl: list[str] = Field(default_factory=list, description="CRL dari penerbit sertifikat, disematkan (B-LT)")


class Numbering(_Strict):
    lingkup: Literal["kantor", "layanan", "klasifikasi"] = "layanan"
    pola: str = "{kode}/{urut:03}/{unit}/{bulan_romawi}/{tahun}"


class RegisterSettings(_Strict):
    batas_tunggu_kunci: float = Field(default=30.0, gt=0, description="detik menunggu kunci register")


class TemplateLimits(_Strict):
    """Limits of the one trial of each template (a child process; sakti_cli.template_guard)."""

    batas_detik: float = Field(default=10.0, gt=0, description="detik paling lama untuk mencoba satu templat")
    batas_memori_mb: int = Field(default=512, ge=128, description="MB memori paling banyak untuk mencoba templat")


class OfficeConfig(_Strict):
    versi_format: int
    kantor: OfficeIdentity
    verifikasi: Verification = Verification()
    tte: Tte = Tte()
    penomoran: Numbering = Numbering()
    register_settings: RegisterSettings = Field(RegisterSettings(), alias="register")
    templat: TemplateLimits = TemplateLimits()
    penandatangan: list[Signatory] = Field(default_factory=list)


@dataclass(frozen=True)
class Workspace:
    """A resolved workspace: its folder, its parsed config and how it was found."""

    root: Path
    config: OfficeConfig
    found_by: str

    @property
    def zone(self) -> timezone:
        return office_zone(self.config.kantor.zona_waktu)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def register_dir(self) -> Path:
        return self.root / "data" / "register"

    @property
    def files_dir(self) -> Path:
        return self.root / "data" / "berkas"

    @property
    def letters_dir(self) -> Path:
        return self.root / "data" / "surat"

    @property
    def sop_dir(self) -> Path:
        return self.root / "sop"

    @property
    def template_dir(self) -> Path:
        return self.root / "templat"

    def path(self, relative: str) -> Path:
        """A path from sakti.toml, relative to the workspace unless absolute."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    def signatory(self, signatory_id: str | None) -> Signatory:
        people = self.config.penandatangan
        if not people:
            raise ConfigError(
                f"Belum ada penandatangan di {self.root / CONFIG_NAME}.",
                saran="Tambahkan bagian [[penandatangan]] (id, peran, jabatan, nama, nip, kunci).",
            )
        wanted = signatory_id or self.config.tte.penandatangan_bawaan or people[0].id
        for person in people:
            if person.id == wanted:
                return person
        known = ", ".join(p.id for p in people)
        raise InputError(f"Penandatangan '{wanted}' tidak ada di sakti.toml.", saran=f"Pilih salah satu: {known}.")


def load_config(path: Path) -> OfficeConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkspaceNotFound(f"Berkas konfigurasi {path} tidak ada.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} bukan TOML yang sah: {exc}", saran="Perbaiki penulisan berkas itu.") from None
    except RecursionError:
        raise ConfigError(f"{path} bukan TOML yang sah: bersarang terlalu dalam.",
                          saran="Perbaiki penulisan berkas itu.") from None
    version = raw.get("versi_format")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise ConfigError(
            f"{path} ditulis oleh versi sakti yang lebih baru (versi_format {version}).",
            saran="Perbarui sakti ke versi terbaru.",
        )
    try:
        return OfficeConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            f"Konfigurasi {path} tidak valid:\n{describe_validation_error(exc)}",
            saran="Perbaiki kolom yang disebut, lalu ulangi.",
        ) from None


def find_workspace(explicit: Path | None = None, *, cwd: Path | None = None) -> Workspace:
    if explicit is not None:
        root, how = explicit, "--kantor"
    elif os.environ.get("SAKTI_KANTOR"):
        root, how = Path(os.environ["SAKTI_KANTOR"]), "SAKTI_KANTOR"
    else:
        here = (cwd or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_NAME).is_file():
                root, how = folder, f"{CONFIG_NAME} terdekat"
                break
        else:
            raise WorkspaceNotFound(
                "Tidak menemukan kantor (sakti.toml) di folder ini atau di atasnya.",
                saran="Buat dengan 'sakti init FOLDER', atau pilih dengan 'sakti --kantor FOLDER ...' "
                "atau variabel SAKTI_KANTOR.",
            )
    root = root.expanduser().resolve()
    if not (root / CONFIG_NAME).is_file():
        raise WorkspaceNotFound(
            f"Folder {root} bukan kantor sakti (tidak ada {CONFIG_NAME}).",
            saran=f"Buat dengan 'sakti init {root}'.",
        )
    return Workspace(root=root, config=load_config(root / CONFIG_NAME), found_by=how)


def make_private(path: Path) -> None:
    """0700 for folders, 0600 for files: the register holds NIK and ID scans."""
    path.chmod(0o700 if path.is_dir() else 0o600)


def ensure_private_dirs(root: Path) -> None:
    for name in PRIVATE_DIRS:
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        make_private(folder)


def default_config_text(*, signatory_key: str = "pki/camat.p12", trust_root: str = "pki/demo-root.pem") -> str:
    """The sakti.toml written by ``sakti init``: Arut Selatan as the example, every key commented."""
    desa = ",\n  ".join(f'"{name}"' for name in ARUT_SELATAN_DESA)
    return f"""# Konfigurasi kantor SAKTI. Ubah sesuai kantor Anda; 'sakti kantor' menampilkan hasilnya.
versi_format = {FORMAT_VERSION}

[kantor]
kabupaten = "Kotawaringin Barat"
kecamatan = "Arut Selatan"
alamat = "Jl. Sutan Syahrir No. 1, Pangkalan Bun, Kalimantan Tengah 74112"
email = "kecamatan.arutselatan@kotawaringinbaratkab.go.id"
telepon = ""
# nama tempat pada baris tanggal: "Pangkalan Bun, 22 November 2026"
tempat = "Pangkalan Bun"
# kode unit pada nomor surat, mis. 400.9.14.1/017/ARSEL/XI/2026
kode_unit = "ARSEL"
logo = "templat/logo.png"
# WIB, WITA atau WIT: nomor urut mulai lagi tiap tahun menurut zona ini
zona_waktu = "WIB"
desa = [
  {desa},
]

[verifikasi]
# isi kode QR: {{kode}} diganti kode verifikasi acak surat
url = "https://sakti.arutselatan.example/cek/{{kode}}"
# sertifikat akar yang dipercaya saat verifikasi (PEM/DER), mis. akar BSrE
akar_tepercaya = ["{trust_root}"]

[tte]
catatan = "{Tte().catatan}"
# nama variabel lingkungan yang memuat sandi kunci (tidak pernah lewat argumen perintah)
variabel_sandi = "SAKTI_SANDI"
# server cap waktu RFC 3161 (PAdES B-T); tanpa ini tanda tangan B-B luring (atau pakai --tsa URL)
# tsa = "http://tsa.kantor.lan/tsr"
# sertifikat CA dan CRL dari penerbit sertifikat: disematkan agar tanda tangan ber-cap waktu menjadi
# B-LT (dapat divalidasi kelak tanpa internet); kunci yang dicabut menurut CRL ini tidak dipakai
# sertifikat_ca = ["pki/ca-perantara.pem"]
# crl = ["pki/demo-root.crl"]

[penomoran]
# lingkup nomor urut: kantor (satu urutan), layanan (per layanan) atau klasifikasi (per kode)
lingkup = "layanan"
pola = "{{kode}}/{{urut:03}}/{{unit}}/{{bulan_romawi}}/{{tahun}}"

[register]
# detik menunggu bila register sedang dipakai proses lain
batas_tunggu_kunci = 30

[templat]
# setiap templat dicoba sekali (per isi berkasnya) dalam proses terpisah sebelum dipakai;
# templat yang melewati batas ini ditolak
batas_detik = 10
batas_memori_mb = 512

[[penandatangan]]
id = "camat"
peran = "definitif"
jabatan = "Camat Arut Selatan"
nama = "Drs. H. AHMAD YANI, M.Si"
pangkat = "Pembina Tingkat I (IV/b)"
nip = "198007231998101001"
kunci = {{ jenis = "pkcs12", berkas = "{signatory_key}" }}

[[penandatangan]]
id = "sekcam"
peran = "a.n."
jabatan = "Sekretaris Kecamatan Arut Selatan"
nama = "SITI AMINAH, S.STP"
pangkat = "Penata Tingkat I (III/d)"
nip = "198503122006042002"
kunci = {{ jenis = "pkcs12", berkas = "pki/sekcam.p12" }}
"""


def init_workspace(folder: Path, *, force: bool = False) -> Workspace:
    """Create a workspace: sakti.toml, copies of the bundled sop/ and templat/, private data folders."""
    folder = folder.expanduser().resolve()
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise InputError(
            f"{folder} sudah berisi {CONFIG_NAME}.",
            saran="Pilih folder lain; kantor yang ada tidak ditimpa.",
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("sop", "templat"):
        target = folder / name
        if not target.exists():
            shutil.copytree(bundled_dir(name), target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    config.write_text(default_config_text(), encoding="utf-8")
    ensure_private_dirs(folder)
    return find_workspace(folder)


__all__ = [
    "ZONES",
    "OfficeConfig",
    "Signatory",
    "Workspace",
    "find_workspace",
    "init_workspace",
    "load_config",
]
