"""The workspace ("kantor"): sakti.toml, its folders and its signatories.

Resolution order for which workspace a command works on: ``--kantor DIR``, then ``SAKTI_KANTOR``,
then the nearest ``sakti.toml`` above the current folder. Data folders are private (0700) because
they hold personal data (UU 27/2022).
"""

from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sakti_cli.core.clock import ZONES, office_zone
from sakti_cli.core.errors import ConfigError, InputError, WorkspaceNotFound
from sakti_cli.core.resources import bundled_dir
from sakti_cli.core.validation import describe_validation_error, syntax_error_place
from sakti_cli.office.location import CONFIG_NAME, clerk_from, locate_workspace

FORMAT_VERSION = 1
PRIVATE_DIRS = ("data", "data/register", "data/berkas", "data/surat", "pki")

VillageKind = Literal["desa", "kelurahan"]
PLACEHOLDER_URL = "https://verifikasi.kantor-anda.example/cek/#{kode}"
"""The verification URL a new office starts with: a reserved name (RFC 2606) that ``kantor periksa`` flags."""


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
    desa: list[str] = Field(default_factory=list, description="desa/kelurahan; di sakti.toml tiap butir "
                            "{ nama = \"...\", jenis = \"desa\" | \"kelurahan\" } (nama saja: jenis belum disebut)")
    jenis_desa: dict[str, VillageKind] = Field(default_factory=dict,
                                               description="jenis tiap desa/kelurahan (diisi dari daftar desa)")
    petugas: str | None = Field(default=None, description="nama petugas bawaan untuk jejak audit")

    @model_validator(mode="before")
    @classmethod
    def _village_kinds(cls, raw: Any) -> Any:
        """``desa`` items may be tables ``{nama, jenis}``: keep the names in ``desa`` (what the rules and
        forms use) and each kind in ``jenis_desa``; a bare name (older sakti.toml) has no kind yet."""
        if not isinstance(raw, dict) or not isinstance(raw.get("desa"), list):
            return raw
        names: list[Any] = []
        kinds = dict(raw.get("jenis_desa") or {})
        for index, item in enumerate(raw["desa"], 1):
            if not isinstance(item, dict):
                names.append(item)
                continue
            name, kind = item.get("nama"), item.get("jenis")
            if set(item) - {"nama", "jenis"} or not isinstance(name, str) or not name.strip() \
                    or kind not in ("desa", "kelurahan"):
                raise ValueError(f'desa butir {index} harus {{ nama = "...", jenis = "desa" atau "kelurahan" }}')
            names.append(name.strip())
            kinds[name.strip()] = kind
        return {**raw, "desa": names, "jenis_desa": kinds}

    def village_kind(self, name: str) -> VillageKind | None:
        """"desa" or "kelurahan" for one of the office's villages (any case), None when not stated."""
        wanted = name.strip().casefold()
        return next((kind for known, kind in self.jenis_desa.items() if known.casefold() == wanted), None)


class KeySource(_Strict):
    """Where a signatory's key lives: a PKCS#12 file, a PKCS#11 token or BSrE's remote signing service (``jenis``).

    The passphrase/PIN is typed by the signatory; only for a seal (``sifat = "segel"``) may it come
    from the environment variable named here or from ``berkas_sandi`` (a file readable by its owner
    only); never from the command line.
    """

    jenis: Literal["pkcs12", "pkcs11", "bsre"] = "pkcs12"
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
    sertifikat: str | None = Field(default=None, description="sertifikat penanda tangan (PEM), diperiksa tanpa "
                                   "sandi oleh 'sakti kantor periksa' dan dicocokkan dengan sertifikat kunci saat "
                                   "menandatangani")
    url: str | None = Field(default=None, description="bsre: alamat dasar layanan tanda tangan BSrE (gerbang "
                            "pemda), mis. https://esign.kabupaten.go.id; tanpa sandi")
    berkas_kredensial: str | None = Field(default=None, description="bsre: berkas kredensial aplikasi (hanya pemilik, "
                                          "0600): baris pertama 'pengguna:sandi' (basic) atau 'Bearer TOKEN'")
    variabel_kredensial: str | None = Field(default=None, description="bsre: variabel lingkungan berisi kredensial "
                                            "aplikasi (bentuk sama dengan berkas_kredensial)")
    nik: str | None = Field(default=None, description="bsre: NIK penandatangan yang terdaftar di BSrE (16 digit)")
    id_subscriber: str | None = Field(default=None, description="bsre, hanya segel (sifat = \"segel\"): idSubscriber "
                                      "segel elektronik kantor di BSrE; kode aktivasinya dari berkas_sandi (0600) "
                                      "atau variabel_sandi")
    mode: Literal["hash", "pdf"] = Field(default="hash", description="bsre: hash (hanya intisari dokumen dikirim; "
                                         "bawaan) atau pdf (seluruh PDF dikirim ke /api/v2/sign/pdf)")
    batas_waktu: float = Field(default=30.0, gt=0, le=600, description="bsre: detik menunggu jawaban layanan")
    jalur: dict[str, str] | None = Field(default=None, description="bsre: jalur lain gerbang pemda per rute, mis. "
                                         "{ pdf = \"/esign/pdf\", hash = \"/esign/hash\", status = \"/esign/status\", "
                                         "verify = \"/esign/verify\" }; rute yang tidak disebut memakai jalur bawaan")

    @field_validator("jalur")
    @classmethod
    def _gateway_paths(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        from sakti_cli.signatures.bsre_routes import path_problem

        for name, path in (value or {}).items():
            problem = path_problem(path)
            if problem is not None:
                raise ValueError(f"jalur {name} ({path!r}) {problem}")
        return value

    @field_validator("url")
    @classmethod
    def _service_url(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is None:
            return None
        text = value.strip().rstrip("/")
        try:
            parts = urlsplit(text)
            _ = parts.port
        except ValueError:
            raise ValueError("url layanan BSrE tidak dapat dibaca (periksa nama server dan port)") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url layanan BSrE harus berawal https:// (atau http:// di jaringan kantor)")
        if parts.password is not None or parts.username is not None or "password" in parts.query.lower():
            raise ValueError("url layanan BSrE memuat pengguna/sandi; kredensial aplikasi diberikan lewat "
                             "berkas_kredensial (chmod 600) atau variabel_kredensial, bukan di alamat")
        return text

    @field_validator("nik")
    @classmethod
    def _nik_digits(cls, value: str | None) -> str | None:
        digits = value.replace(" ", "") if value is not None else None
        if digits is not None and (len(digits) != 16 or not digits.isdigit()):
            raise ValueError("nik harus 16 digit angka")
        return digits

    @model_validator(mode="after")
    def _bsre_needs(self) -> KeySource:
        if self.jenis == "bsre":
            missing = ["url"] if self.url is None else []
            if self.nik is None and self.id_subscriber is None:
                missing.append("nik (atau id_subscriber untuk segel)")
            if not (self.berkas_kredensial or self.variabel_kredensial):
                missing.append("berkas_kredensial atau variabel_kredensial")
            if missing:
                raise ValueError(f"kunci jenis bsre butuh {', '.join(missing)}")
        return self

    @field_validator("id_kunci")
    @classmethod
    def _hex_id(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                bytes.fromhex(value)
            except ValueError:
                raise ValueError("id_kunci harus heksadesimal, mis. \"01\"") from None
        return value


SignatoryNature = Literal["pribadi", "segel"]
"""``pribadi``: a person's key, unlocked only by that person at the terminal (UU ITE Pasal 11);
``segel``: the office's electronic seal, whose certificate names the office, may run unattended."""


class Signatory(_Strict):
    id: str
    peran: Literal["definitif", "a.n.", "Plt.", "Plh."]
    jabatan: str
    nama: str
    pangkat: str = ""
    nip: str = ""
    sifat: SignatoryNature = Field(default="pribadi", description="pribadi (kunci seseorang: sandinya diketik "
                                   "penandatangan sendiri) atau segel (segel elektronik kantor, sertifikat atas "
                                   "nama kantor)")
    kunci: KeySource

    @model_validator(mode="after")
    def _bsre_nature(self) -> Signatory:
        """BSrE: a person signs by NIK + typed passphrase (never stored); the office's seal by idSubscriber,
        its activation code read from berkas_sandi/variabel_sandi (sakti_cli.signatures.bsre_seal)."""
        key = self.kunci
        if key.jenis != "bsre":
            return self
        if self.sifat == "segel":
            if not key.id_subscriber:
                raise ValueError("kunci jenis bsre untuk segel (sifat = \"segel\") butuh id_subscriber (idSubscriber "
                                 "segel elektronik kantor dari BSrE)")
            return self
        if key.id_subscriber:
            raise ValueError("id_subscriber hanya untuk segel kantor (sifat = \"segel\"); tanda tangan pribadi "
                             "lewat BSrE memakai nik dan passphrase yang diketik penandatangan")
        if not key.nik:
            raise ValueError("kunci jenis bsre untuk tanda tangan pribadi butuh nik")
        if key.berkas_sandi or key.variabel_sandi:
            raise ValueError("kunci jenis bsre tidak menyimpan passphrase penandatangan (berkas_sandi/"
                             "variabel_sandi): passphrase BSrE diketik penandatangan saat menandatangani")
        return self

    @field_validator("nip")
    @classmethod
    def _nip_digits(cls, value: str) -> str:
        return normalise_nip(value)


def normalise_nip(value: str) -> str:
    """A NIP without spaces: 18 digits, or empty (ValueError otherwise)."""
    digits = value.replace(" ", "")
    if digits and (not digits.isdigit() or len(digits) != 18):
        raise ValueError("NIP harus 18 digit angka")
    return digits


class Verification(_Strict):
    url: str = "https://sakti.example.go.id/cek/#{kode}"
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
    crl: list[str] = Field(default_factory=list, description="CRL dari penerbit sertifikat, disematkan (B-LT): "
                           "berkas, atau URL http(s) yang diambil baru setiap kali menandatangani")
    ocsp: list[str] = Field(default_factory=list, description="URL penjawab OCSP penerbit sertifikat (B-LT), "
                            "ditanya setiap kali menandatangani")


PAPER_SIZES_CM: dict[str, tuple[float, float]] = {"A4": (21.0, 29.7), "F4": (21.5, 33.0)}
"""Width and height of each paper size a letter may use (F4, "folio": 215 x 330 mm)."""


class Letters(_Strict):
    """How this office's letters are made: one paper size for every template, PDF/A-2b or plain PDF."""

    kertas: Literal["A4", "F4"] = Field(default="A4", description="ukuran kertas semua surat: A4 atau F4")
    pdfa: bool = Field(default=False, description="surat dibuat sebagai PDF/A-2b (arsip jangka panjang)")


class SiteSettings(_Strict):
    """The static verification site (``sakti situs``; sakti_cli.citizen.site)."""

    folder: str | None = Field(default=None, description="folder situs verifikasi; bila diisi, 'terbitkan' dan "
                               "'batalkan' memperbaruinya sendiri")


class Numbering(_Strict):
    lingkup: Literal["kantor", "layanan", "klasifikasi"] = "layanan"
    pola: str = "{kode}/{urut:03}/{unit}/{bulan_romawi}/{tahun}"


class RegisterSettings(_Strict):
    batas_tunggu_kunci: float = Field(default=30.0, gt=0, description="detik menunggu kunci register")
    url: str | None = Field(default=None, description="register PostgreSQL bersama, mis. "
                            "postgresql://kantor_arutselatan@server/sakti (tanpa sandi); kosong = register di "
                            "data/register")
    variabel_sandi: str | None = Field(default=None, description="variabel lingkungan berisi sandi peran register "
                                       "(bawaan: PGPASSWORD)")
    berkas_sandi: str | None = Field(default=None, description="berkas berisi sandi peran register (hanya pemilik, "
                                     "0600)")

    @field_validator("url")
    @classmethod
    def _no_password_in_url(cls, value: str | None) -> str | None:
        from sakti_cli.register.pg.url import url_problem

        problem = url_problem(value) if value else None
        if problem is not None:  # raised without the value: it may hold the password
            raise ValueError(f"{problem}; sandi diberikan lewat PGPASSWORD, variabel_sandi atau berkas_sandi")
        return value.strip() if value else None


class TemplateLimits(_Strict):
    """Limits of the one trial of each template (a child process; sakti_cli.documents.template_guard)."""

    batas_detik: float = Field(default=10.0, gt=0, description="detik paling lama untuk mencoba satu templat")
    batas_memori_mb: int = Field(default=512, ge=128, description="MB memori paling banyak untuk mencoba templat")


class LibreOfficeSettings(_Strict):
    """The LibreOffice worker pool of a batch (sakti_cli.documents.convert_pool)."""

    pekerja: int | None = Field(default=None, ge=1, description="jumlah LibreOffice sekaligus; kosong = satu per inti")
    batas_detik: float = Field(default=60.0, gt=0, description="detik paling lama untuk mengubah satu surat")
    coba_ulang: int = Field(default=1, ge=0, le=3, description="berapa kali surat yang macet dicoba lagi")
    daur_ulang_setelah: int = Field(default=200, ge=1, description="surat per LibreOffice sebelum diganti baru")
    batas_memori_mb: int = Field(default=1024, ge=128, description="MB memori LibreOffice sebelum diganti baru")


MAIL_PASSWORD_VARIABLE = "SAKTI_SANDI_SUREL"
"""Environment variable with the mail account's password when [surel] names neither a variable nor a file."""
_MAIL_DEFAULT_PORT = {"starttls": 587, "tls": 465}


class MailSettings(_Strict):
    """The office's mail server for ``sakti pesan REG --surel`` (sakti_cli.citizen.mail): always TLS (STARTTLS or
    implicit), the server's certificate checked, AUTH with the account's password, which never sits here."""

    server: str = Field(description="nama atau alamat server SMTP, mis. smtp.kotawaringinbaratkab.go.id")
    port: int | None = Field(default=None, ge=1, le=65535, description="bawaan: 587 (starttls) atau 465 (tls)")
    keamanan: Literal["starttls", "tls"] = Field(default="starttls",
                                                 description="starttls (port 587) atau tls (port 465); tanpa "
                                                             "enkripsi tidak diizinkan")
    pengguna: str = Field(default="", description="nama akun SMTP (bawaan: alamat pengirim)")
    variabel_sandi: str = Field(default=MAIL_PASSWORD_VARIABLE, description="variabel lingkungan berisi sandi")
    berkas_sandi: str | None = Field(default=None, description="berkas berisi sandi (hanya pemilik, 0600)")
    pengirim: str = Field(description="alamat pengirim, mis. kecamatan.arutselatan@kotawaringinbaratkab.go.id")
    nama_pengirim: str = Field(default="", description="nama pengirim, mis. Kecamatan Arut Selatan")
    sertifikat_ca: str | None = Field(default=None, description="sertifikat CA server surel (PEM) bila kantor "
                                      "memakai CA sendiri; tanpa ini CA bawaan sistem")
    batas_detik: float = Field(default=30.0, gt=0, le=600, description="detik menunggu server surel")

    @model_validator(mode="before")
    @classmethod
    def _no_password_here(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and ("sandi" in raw or "password" in raw):
            raise ValueError("sandi surel tidak ditulis di sakti.toml: pakai variabel_sandi (variabel "
                             "lingkungan) atau berkas_sandi (berkas 0600)")
        return raw

    @field_validator("server")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch.isspace() or ch in "/:@" for ch in value):
            raise ValueError("server harus nama atau alamat server saja, mis. smtp.kantor.go.id (port di kolom port)")
        return value

    @field_validator("pengirim")
    @classmethod
    def _sender(cls, value: str) -> str:
        from sakti_cli.core.text import clean_email

        return clean_email(value)

    @field_validator("nama_pengirim", "pengguna")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n\x00"):
            raise ValueError("harus satu baris")
        return value.strip()

    @property
    def port_number(self) -> int:
        return self.port or _MAIL_DEFAULT_PORT[self.keamanan]

    @property
    def account(self) -> str:
        return self.pengguna or self.pengirim


class Survey(_Strict):
    """The Survei Kepuasan Masyarakat (PermenPAN-RB 14/2017): its link goes into the issued-letter message."""

    tautan: str | None = Field(default=None, description="tautan formulir survei (https://...), dimuat di pesan "
                               "WhatsApp surat terbit; kosong: tanpa ajakan survei")

    @field_validator("tautan")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith("https://") or any(ch.isspace() for ch in value) or len(value) > 300:
            raise ValueError("tautan survei harus satu URL https://... tanpa spasi (paling panjang 300 karakter)")
        return value


class OfficeConfig(_Strict):
    versi_format: int
    kantor: OfficeIdentity
    verifikasi: Verification = Verification()
    tte: Tte = Tte()
    surat: Letters = Letters()
    penomoran: Numbering = Numbering()
    register_settings: RegisterSettings = Field(RegisterSettings(), alias="register")
    templat: TemplateLimits = TemplateLimits()
    libreoffice: LibreOfficeSettings = LibreOfficeSettings()
    situs: SiteSettings = SiteSettings()
    surel: MailSettings | None = None
    skm: Survey = Survey()
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
        raise WorkspaceNotFound(f"Berkas konfigurasi {path} tidak ada.",
                                saran="Pakai --kantor FOLDER atau SAKTI_KANTOR ke folder kantor, atau buat kantor "
                                      "dengan 'sakti init FOLDER'.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} bukan TOML yang sah ({syntax_error_place(exc)}).",
                          saran="Perbaiki penulisan berkas itu pada letak yang disebut.", berkas=str(path),
                          pustaka=str(exc)) from None
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
    root, how = locate_workspace(explicit, cwd=cwd)
    return Workspace(root=root, config=load_config(root / CONFIG_NAME), found_by=how)


def make_private(path: Path) -> None:
    """0700 for folders, 0600 for files: the register holds NIK and ID scans."""
    path.chmod(0o700 if path.is_dir() else 0o600)


def ensure_private_dirs(root: Path) -> None:
    for name in PRIVATE_DIRS:
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        make_private(folder)


@dataclass(frozen=True)
class SignatorySetup:
    """One ``[[penandatangan]]`` of a new sakti.toml; ``kunci`` is its key source table (see KeySource)."""

    id: str
    peran: str
    jabatan: str
    nama: str
    pangkat: str = ""
    nip: str = ""
    kunci: tuple[tuple[str, str], ...] = (("jenis", "pkcs12"), ("berkas", "pki/camat.p12"))
    sifat: str = "pribadi"


@dataclass(frozen=True)
class OfficeSetup:
    """What ``sakti init`` asks (or takes as options) of an office, written into its sakti.toml."""

    kabupaten: str
    kecamatan: str
    alamat: str
    tempat: str
    kode_unit: str
    desa: tuple[tuple[str, VillageKind], ...]
    penandatangan: tuple[SignatorySetup, ...]
    email: str = ""
    telepon: str = ""
    zona_waktu: str = "WIB"
    url_verifikasi: str = PLACEHOLDER_URL
    akar_tepercaya: tuple[str, ...] = ()
    petugas: str | None = None


_ARUT_SELATAN_KELURAHAN = ("Baru", "Madurejo", "Mendawai", "Mendawai Seberang", "Raja", "Raja Seberang",
                           "Sidorejo")
_ARUT_SELATAN_DESA = ("Kenambui", "Kumpai Batu Atas", "Kumpai Batu Bawah", "Medang Sari", "Natai Baru",
                      "Natai Raya", "Pasir Panjang", "Rangda", "Runtu", "Sulung", "Tanjung Putri",
                      "Tanjung Terantang", "Umpang")

EXAMPLE_OFFICE = OfficeSetup(
    kabupaten="Kotawaringin Barat",
    kecamatan="Arut Selatan",
    alamat="Jl. Sutan Syahrir No. 1, Pangkalan Bun, Kalimantan Tengah 74112",
    email="kecamatan.arutselatan@kotawaringinbaratkab.go.id",
    tempat="Pangkalan Bun",
    kode_unit="ARSEL",
    desa=tuple((name, "kelurahan") for name in _ARUT_SELATAN_KELURAHAN)
    + tuple((name, "desa") for name in _ARUT_SELATAN_DESA),
    url_verifikasi="https://sakti.arutselatan.example/cek/#{kode}",
    akar_tepercaya=("pki/demo-root.pem",),
    penandatangan=(
        SignatorySetup("camat", "definitif", "Camat Arut Selatan", "Drs. H. AHMAD YANI, M.Si",
                       "Pembina Tingkat I (IV/b)", "198007231998101001"),
        SignatorySetup("sekcam", "a.n.", "Sekretaris Kecamatan Arut Selatan", "SITI AMINAH, S.STP",
                       "Penata Tingkat I (III/d)", "198503122006042002",
                       (("jenis", "pkcs12"), ("berkas", "pki/sekcam.p12"))),
    ),
)
"""The example office (``sakti init --contoh``, the demo and the tests): Arut Selatan, two signatories."""


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are all valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def _signatory_toml(person: SignatorySetup) -> str:
    key = ", ".join(f"{name} = {_toml(value)}" for name, value in person.kunci)
    return f"""
[[penandatangan]]
id = {_toml(person.id)}
# definitif, a.n. (atas nama, mis. Sekretaris Kecamatan), Plt. atau Plh.
peran = {_toml(person.peran)}
jabatan = {_toml(person.jabatan)}
nama = {_toml(person.nama)}
pangkat = {_toml(person.pangkat)}
nip = {_toml(person.nip)}
# pribadi: kunci seseorang, sandinya hanya diketik penandatangan sendiri di terminal (UU ITE Pasal 11);
# segel: segel elektronik kantor (sertifikat atas nama kantor), boleh memakai sandi tersimpan
sifat = {_toml(person.sifat)}
# sumber kunci: {{ jenis = "pkcs12", berkas = "pki/x.p12" }} atau {{ jenis = "pkcs11", modul = "...", token = "...",
# label_kunci = "..." }}; sertifikat = "pki/x.pem" agar 'sakti kantor periksa' memeriksanya tanpa sandi
kunci = {{ {key} }}
"""


def config_text(setup: OfficeSetup) -> str:
    """The sakti.toml of ``setup``, every key commented (docs/PANDUAN-KANTOR.md explains them all)."""
    desa = "".join(f"\n  {{ nama = {_toml(name)}, jenis = {_toml(kind)} }}," for name, kind in setup.desa)
    roots = ", ".join(_toml(path) for path in setup.akar_tepercaya)
    clerk = f"petugas = {_toml(setup.petugas)}" if setup.petugas else '# petugas = "NAMA PETUGAS"'
    people = "".join(_signatory_toml(person) for person in setup.penandatangan)
    unit = setup.kode_unit or "UNIT"
    return f"""# Konfigurasi kantor SAKTI (panduan: docs/PANDUAN-KANTOR.md). 'sakti kantor' menampilkannya,
# 'sakti kantor periksa' memeriksanya (kunci, sertifikat, akar tepercaya, URL, desa, font, LibreOffice).
versi_format = {FORMAT_VERSION}

[kantor]
kabupaten = {_toml(setup.kabupaten)}
kecamatan = {_toml(setup.kecamatan)}
alamat = {_toml(setup.alamat)}
email = {_toml(setup.email)}
telepon = {_toml(setup.telepon)}
# nama tempat pada baris tanggal surat: "{setup.tempat}, 22 November 2026"
tempat = {_toml(setup.tempat)}
# kode unit pada nomor surat, mis. 400.9.14.1/017/{unit}/XI/2026
kode_unit = {_toml(setup.kode_unit)}
logo = "templat/logo.png"
# WIB, WITA atau WIT: nomor urut mulai lagi tiap tahun menurut zona ini
zona_waktu = {_toml(setup.zona_waktu)}
# nama petugas bawaan untuk jejak audit (urutan: --petugas, SAKTI_PETUGAS, ini, pengguna sistem)
{clerk}
# desa dan kelurahan wilayah kecamatan; jenis: "desa" atau "kelurahan"
desa = [{desa}
]

[verifikasi]
# isi kode QR: {{kode}} diganti kode verifikasi acak surat; alamat ini harus benar-benar melayani warga.
# ".../cek/#{{kode}}" (atau ".../cek/?k={{kode}}") dilayani setiap hosting statis dari satu halaman
# ('sakti situs bangun'); ".../cek/{{kode}}" perlu hosting yang mengarahkan jalur itu ke halaman (README)
url = {_toml(setup.url_verifikasi)}
# sertifikat akar yang dipercaya saat menandatangani dan verifikasi (PEM/DER), mis. akar BSrE
akar_tepercaya = [{roots}]

[tte]
catatan = {_toml(Tte().catatan)}
# nama variabel lingkungan yang memuat sandi kunci segel (sifat = "segel"); kunci pribadi tidak pernah
# dibuka dari variabel atau berkas: penandatangannya mengetik sandi di terminal
variabel_sandi = "SAKTI_SANDI"
# server cap waktu RFC 3161 (PAdES B-T); tanpa ini tanda tangan B-B luring (atau pakai --tsa URL)
# tsa = "http://tsa.kantor.lan/tsr"
# sertifikat CA dan CRL dari penerbit sertifikat: disematkan agar tanda tangan ber-cap waktu menjadi
# B-LT (dapat divalidasi kelak tanpa internet); kunci yang dicabut menurut CRL ini tidak dipakai
# sertifikat_ca = ["pki/ca-perantara.pem"]
# crl = ["pki/akar.crl"]

[surat]
# ukuran kertas semua surat kantor ini: "A4" (210 x 297 mm) atau "F4" (215 x 330 mm); templat mengikutinya
kertas = "A4"
# true: setiap surat dibuat sebagai PDF/A-2b (arsip jangka panjang: semua font tersemat, profil warna sRGB)
pdfa = false

[situs]
# folder situs verifikasi statis ('sakti situs bangun FOLDER'); bila diisi, 'terbitkan' dan 'batalkan'
# memperbaruinya sendiri. Salin folder itu ke hosting yang melayani alamat [verifikasi].url
# folder = "situs"

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

# server surel kantor untuk 'sakti pesan REG --surel' (mengirim surat terbit ke alamat surel pemohon);
# selalu terenkripsi (starttls di port 587 atau tls di port 465) dengan sertifikat server diperiksa.
# Sandi akun tidak ditulis di sini: variabel lingkungan variabel_sandi, atau berkas_sandi (chmod 600).
# [surel]
# server = "smtp.kotawaringinbaratkab.go.id"
# keamanan = "starttls"
# port = 587
# pengirim = {_toml(setup.email or "kecamatan@kabupaten.go.id")}
# nama_pengirim = {_toml(f"Kecamatan {setup.kecamatan}")}
# pengguna = {_toml(setup.email or "kecamatan@kabupaten.go.id")}
# variabel_sandi = "SAKTI_SANDI_SUREL"
# berkas_sandi = "pki/surel.sandi"
# sertifikat_ca = "pki/ca-surel.pem"
# batas_detik = 30
{people}"""


def example_config_text() -> str:
    """The example office's sakti.toml (Arut Selatan)."""
    return config_text(EXAMPLE_OFFICE)


def check_setup(setup: OfficeSetup) -> str:
    """The sakti.toml text of ``setup`` once it validates as an office config (else InputError naming fields)."""
    text = config_text(setup)
    try:
        OfficeConfig.model_validate(tomllib.loads(text))
    except ValidationError as exc:
        raise InputError(f"Isian kantor baru tidak valid:\n{describe_validation_error(exc)}",
                         saran="Perbaiki isian (opsi atau jawaban) yang disebut, lalu ulangi 'sakti init'.") from None
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - every value goes through _toml
        raise InputError(f"Isian kantor baru tidak dapat ditulis sebagai TOML: {exc}",
                         saran="Ketik ulang isian kantor tanpa karakter kendali.") from None
    return text


def check_new_office(folder: Path, *, force: bool = False) -> Path:
    """The folder a new office goes to, resolved: refused (before any question is asked) when it, or the
    nearest part of its path that exists, is not a folder, when its path cannot be followed, or when it already
    holds an office (never overwritten)."""
    from sakti_cli.core.errors import library_text, os_reason

    folder = folder.expanduser()
    try:
        folder = folder.resolve()
        existing = next(p for p in (folder, *folder.parents) if p.exists())
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Path.resolve before 3.13)
        raise InputError(f"Folder kantor {folder} tidak dapat dipakai: {os_reason(exc)}.", berkas=str(folder),
                         saran="Sebut folder lain untuk kantor ini.", pustaka=library_text(exc)) from None
    if not existing.is_dir():
        what = f"{folder} sudah ada dan bukan folder" if existing == folder else \
            f"Folder kantor {folder} tidak dapat dibuat: {existing} bukan folder"
        raise InputError(f"{what}.", berkas=str(folder), saran="Sebut folder baru (dibuat) atau folder kosong "
                         "untuk kantor ini, di folder yang ada.")
    if (folder / CONFIG_NAME).exists() and not force:
        raise InputError(f"{folder} sudah berisi {CONFIG_NAME}.",
                         saran="Pilih folder lain; kantor yang ada tidak ditimpa.", berkas=str(folder / CONFIG_NAME))
    return folder


def create_workspace(folder: Path, setup: OfficeSetup, *, force: bool = False) -> Workspace:
    """Create a workspace for ``setup``: sakti.toml, copies of the bundled sop/ and templat/, private
    folders; everything 0600/0700 (the README's promise), the copies included."""
    from sakti_cli.core.privacy import make_tree_private

    text = check_setup(setup)
    folder = check_new_office(folder, force=force)
    config = folder / CONFIG_NAME
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("sop", "templat"):
        target = folder / name
        if not target.exists():
            shutil.copytree(bundled_dir(name), target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
        make_tree_private(target)
    config.write_text(text, encoding="utf-8")
    make_private(config)
    ensure_private_dirs(folder)
    return find_workspace(folder)


def init_workspace(folder: Path, *, force: bool = False) -> Workspace:
    """The example office (Arut Selatan) in ``folder``: ``sakti init --contoh``, the demo and the tests."""
    return create_workspace(folder, EXAMPLE_OFFICE, force=force)


def clerk_name(config: OfficeConfig | None, given: str | None) -> str | None:
    """Who the audit trail names (:func:`sakti_cli.office.location.clerk_from`)."""
    return clerk_from(given, config.kantor.petugas if config else None)


__all__ = [
    "EXAMPLE_OFFICE",
    "ZONES",
    "MailSettings",
    "OfficeConfig",
    "OfficeSetup",
    "Signatory",
    "SignatorySetup",
    "Workspace",
    "check_new_office",
    "clerk_name",
    "create_workspace",
    "find_workspace",
    "init_workspace",
    "load_config",
]
