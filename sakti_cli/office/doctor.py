"""``sakti kantor periksa``: is this office ready to issue letters, and if not, what to do.

Each finding is a :class:`~sakti_cli.core.findings.Finding` (galat or peringatan, with advice). The
certificate checks are :func:`sakti_cli.signatures.keys.signing_findings`, the very function that refuses a key
at signing, run here on each signatory's ``kunci.sertifikat`` so no passphrase is needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sakti_cli.core.errors import SaktiError, SigningKeyError
from sakti_cli.core.findings import Finding, galat, peringatan
from sakti_cli.office.workspace import CONFIG_NAME, Signatory, Workspace

PLACEHOLDER_HOSTS = ("example", "invalid", "test", "localhost", "local", "contoh")
"""Host names (or their last label) that are no real site: RFC 2606/6761 names and 'contoh'."""

FONT_SUBSTITUTES = {
    "bookman old style": ("TeX Gyre Bonum",),
    "courier": ("Liberation Mono", "Nimbus Mono PS"),
    "courier new": ("Liberation Mono",),
    "times new roman": ("Liberation Serif",),
    "arial": ("Liberation Sans",),
    "helvetica": ("Liberation Sans",),
    "calibri": ("Carlito",),
    "cambria": ("Caladea",),
}
"""Metric-compatible fonts LibreOffice uses for the Word fonts templates name (fontconfig aliases)."""
ALWAYS_NEEDED_FONTS = ("Liberation Sans",)
"""Used by the citizen information sheets whatever the templates say."""
FONT_PACKAGES = "apt-get install -y fonts-liberation fonts-crosextra-carlito fonts-crosextra-caladea fonts-texgyre"
_FONT_ATTR = re.compile(rb'w:(?:ascii|hAnsi)="([^"]+)"')


def _is_placeholder_host(host: str) -> bool:
    labels = host.lower().rstrip(".").split(".")
    return labels[-1] in PLACEHOLDER_HOSTS or any(label in ("example", "contoh") for label in labels)


def url_findings(ws: Workspace) -> list[Finding]:
    url = ws.config.verifikasi.url
    parts = urlsplit(url.replace("{kode}", "KODE"))
    where = "[verifikasi].url di sakti.toml"
    if not parts.hostname or _is_placeholder_host(parts.hostname):
        return [galat("URL_CONTOH", f"URL verifikasi {url} adalah contoh, bukan situs kantor: QR setiap surat akan "
                      "menunjuk ke alamat yang tidak ada.",
                      f"Isi {where} dengan alamat situs verifikasi kantor, mis. "
                      "https://cek.kantor.go.id/cek/#{kode}, dan terbitkan situsnya ('sakti situs bangun', "
                      "docs/PANDUAN-KANTOR.md §6) sebelum surat "
                      "pertama terbit.")]
    if parts.scheme != "https":
        return [peringatan("URL_TANPA_HTTPS", f"URL verifikasi {url} tidak memakai https.",
                           f"Pakai https:// di {where} agar warga tidak diarahkan ke halaman palsu.")]
    return []


def identity_findings(ws: Workspace) -> list[Finding]:
    office = ws.config.kantor
    found: list[Finding] = []
    if not office.desa:
        found.append(galat("DESA_KOSONG", "Daftar desa/kelurahan kantor kosong: alamat pemohon tidak dapat diperiksa "
                           "(aturan dalam_kecamatan) dan isian desa tidak punya pilihan.",
                           'Isi [kantor].desa di sakti.toml: desa = [{ nama = "...", jenis = "desa" }, ...].'))
    unstated = [name for name in office.desa if office.village_kind(name) is None]
    if unstated:
        found.append(peringatan("DESA_TANPA_JENIS", f"Jenis (desa atau kelurahan) belum disebut untuk: "
                                f"{', '.join(unstated)}.", 'Tulis tiap butir [kantor].desa sebagai { nama = "...", '
                                'jenis = "desa" } atau jenis = "kelurahan".'))
    logo = ws.path(office.logo) if office.logo else None
    if logo is not None and not logo.is_file():
        found.append(peringatan("LOGO_TIDAK_ADA", f"Logo kop surat {logo} tidak ada; surat terbit tanpa lambang.",
                                "Simpan lambang daerah (PNG) di sana, atau perbaiki [kantor].logo."))
    return found


def trust_findings(ws: Workspace) -> list[Finding]:
    from sakti_cli.signatures.keys import office_trust
    from sakti_cli.signatures.sign import _load_crls

    _, _, found = office_trust(ws)
    if not ws.config.verifikasi.akar_tepercaya:
        found.insert(0, galat("AKAR_TEPERCAYA_KOSONG", "Kantor belum menyebut sertifikat akar tepercaya: tidak ada "
                              "kunci yang dapat menandatangani dan 'sakti verifikasi' tidak dapat menyebut surat sah.",
                              "Isi [verifikasi].akar_tepercaya di sakti.toml dengan sertifikat akar penerbit "
                              "kunci penandatangan (mis. akar BSrE)."))
    from sakti_cli.signatures.revocation import is_url, stale_dates

    for name in ws.config.tte.crl:
        if is_url(name):
            continue  # fetched at signing
        path = ws.path(name)
        if not path.is_file():
            found.append(galat("CRL_TIDAK_ADA", f"CRL {path} (dari tte.crl di sakti.toml) tidak ada.",
                               "Unduh CRL terbaru dari penerbit sertifikat ke sana, atau perbaiki tte.crl."))
            continue
        try:
            _load_crls([path])
        except SaktiError as exc:
            found.append(galat("CRL_RUSAK", exc.pesan, exc.saran or "Ganti berkas CRL itu."))
            continue
        if any(update < datetime.now(UTC) for update in stale_dates([path])):
            found.append(peringatan("CRL_KEDALUWARSA", f"CRL {path} sudah lewat nextUpdate-nya: tanda tangan dengan "
                                    "TSA ditolak sebelum nomor dipesan sampai CRL-nya diperbarui.",
                                    "Unduh CRL terbaru dari penerbit sertifikat ke sana, atau tulis URL CRL-nya di "
                                    "tte.crl agar diambil setiap kali menandatangani."))
    return found


NATIONAL_ROOT_NAMES = r"Root CA Indonesia|Kominfo|Komdigi|Kementerian Komunikasi"
"""Names of the Indonesian national root above BSrE (with signatures.sign.BSRE_NAMES: a BSrE chain's root)."""


def _certificates_by_file(ws: Workspace) -> list[tuple[Path, Any]]:
    """Each configured trust root (``[verifikasi].akar_tepercaya``) with its file, as cryptography certificates;
    files that are missing or unreadable are left out (keys.office_trust reports them)."""
    from cryptography import x509

    from sakti_cli.signatures.sign import _der_items

    found: list[tuple[Path, Any]] = []
    for name in ws.config.verifikasi.akar_tepercaya:
        path = ws.path(name)
        try:
            found += [(path, x509.load_der_x509_certificate(der)) for der in _der_items(path)]
        except (OSError, ValueError):
            continue
    return found


def _self_signed(cert: Any) -> bool:
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:  # other names, another key, or an algorithm cryptography cannot check
        return False
    return True


def root_findings(ws: Workspace, at: datetime) -> list[Finding]:
    """Each trust root is one: a CA certificate, self-signed, valid at ``at``. And a signatory signing through
    BSrE (``kunci.jenis = "bsre"``) needs the BSrE chain's root among them (no root is shipped as trusted)."""
    import re

    from cryptography import x509

    from sakti_cli.signatures.sign import BSRE_NAMES

    roots = _certificates_by_file(ws)
    found: list[Finding] = []
    for path, cert in roots:
        named = f"Akar tepercaya {path} ({cert.subject.rfc4514_string()})"
        try:
            ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            ca = False
        if not ca:
            found.append(galat("AKAR_BUKAN_CA", f"{named} bukan sertifikat CA (basicConstraints CA tidak ada): "
                               "itu sertifikat penanda tangan atau server, bukan akar.",
                               "Ganti dengan sertifikat akar penerbitnya (mis. Root CA Indonesia / BSrE), lihat "
                               "docs/PANDUAN-KANTOR.md, bagian Akar BSrE."))
        if cert.not_valid_after_utc < at:
            found.append(galat("AKAR_KEDALUWARSA", f"{named} kedaluwarsa sejak {cert.not_valid_after_utc:%Y-%m-%d}: "
                               "tanda tangan yang berantai kepadanya tidak tepercaya lagi.",
                               "Unduh sertifikat akar yang berlaku dari repositori sertifikat CA BSrE, cocokkan "
                               "sidik jarinya, dan ganti berkas itu."))
        elif cert.not_valid_before_utc > at:
            found.append(galat("AKAR_BELUM_BERLAKU", f"{named} baru berlaku mulai "
                               f"{cert.not_valid_before_utc:%Y-%m-%d}.", "Periksa jam komputer dan berkas akarnya."))
        if not _self_signed(cert):
            found.append(peringatan("AKAR_BUKAN_SWATANDA", f"{named} tidak ditandatangani sendiri (penerbitnya "
                                    f"{cert.issuer.rfc4514_string()}): itu CA perantara, bukan akar.",
                                    "Pasang akar rantainya (mis. Root CA Indonesia) di [verifikasi].akar_tepercaya "
                                    "dan CA perantaranya di [tte].sertifikat_ca."))
    pattern = re.compile(f"{BSRE_NAMES}|{NATIONAL_ROOT_NAMES}", re.IGNORECASE)
    national = [cert for _, cert in roots if pattern.search(cert.subject.rfc4514_string())]
    remote = [p.id for p in ws.config.penandatangan if str(getattr(p.kunci, "jenis", "")) == "bsre"]
    if remote and not national:
        found.append(galat("AKAR_BSRE_TIDAK_ADA", f"Penandatangan {', '.join(remote)} menandatangani lewat layanan "
                           "BSrE, tetapi [verifikasi].akar_tepercaya tidak memuat akar BSrE (Root CA Indonesia): tanda "
                           "tangan dari BSrE tidak dapat diperiksa dan surat tidak dapat terbit.",
                           "Unduh sertifikat akar dari repositori sertifikat CA BSrE, cocokkan sidik jari SHA-256-nya, "
                           "simpan di pki/ dan sebut di [verifikasi].akar_tepercaya (docs/PANDUAN-KANTOR.md, bagian "
                           "Akar BSrE)."))
    return found


def key_source_findings(ws: Workspace, person: Signatory) -> list[Finding]:
    """The signatory's key is where sakti.toml says and usable without opening it (no passphrase)."""
    from sakti_cli.signatures.keys import SEAL_HINT, SOLE_CONTROL, key_spec, read_secret_file
    from sakti_cli.signatures.sign import _looks_like_pkcs12

    who = f"Penandatangan '{person.id}'"
    if person.kunci.jenis == "bsre":  # the key stays at BSrE: its credentials and URL are what can be checked here
        from sakti_cli.signatures.bsre import bsre_findings
        from sakti_cli.signatures.bsre_seal import seal_code_findings

        return bsre_findings(ws, person) + (seal_code_findings(ws, person) if person.sifat == "segel" else [])
    try:
        spec = key_spec(ws, person)
    except SigningKeyError as exc:
        return [galat("KUNCI_TIDAK_ADA", exc.pesan, "Simpan berkas kunci (.p12) penandatangan di sana, atau perbaiki "
                      "kunci.berkas di sakti.toml.")]
    except SaktiError as exc:
        return [galat("KUNCI_KONFIGURASI", exc.pesan, exc.saran or "Perbaiki bagian kunci penandatangan itu.")]
    found: list[Finding] = []
    if spec.p12 is not None:
        try:
            data = spec.p12.read_bytes()
        except OSError as exc:
            return [galat("KUNCI_TIDAK_TERBACA", f"{who}: berkas kunci {spec.p12} tidak dapat dibaca: "
                          f"{exc.strerror or exc}.", "Periksa izin berkas itu untuk akun yang menjalankan sakti.")]
        if not _looks_like_pkcs12(data):
            found.append(galat("KUNCI_BUKAN_PKCS12", f"{who}: {spec.p12} bukan berkas PKCS#12 (.p12/.pfx).",
                               "Pakai berkas .p12 dari penerbit sertifikat (kunci privat dan sertifikat)."))
        if spec.p12.stat().st_mode & 0o077:
            found.append(peringatan("KUNCI_TERBUKA", f"{who}: berkas kunci {spec.p12} dapat dibaca pengguna lain.",
                                    f"Batasi untuk pemiliknya: chmod 600 {spec.p12}"))
    if spec.module is not None:
        found += _token_findings(who, spec.module, spec.token, spec.slot)
    if spec.sifat == "pribadi" and person.kunci.berkas_sandi:
        found.append(galat("SANDI_TERSIMPAN_KUNCI_PRIBADI", f"{who}: kunci pribadi dengan berkas_sandi "
                           f"({spec.secret_file}): sandinya tidak akan dibaca dari berkas ({SOLE_CONTROL}).",
                           f"Hapus berkas_sandi penandatangan itu; penandatangannya mengetik sandinya sendiri. "
                           f"{SEAL_HINT[0].upper()}{SEAL_HINT[1:]}."))
    elif spec.secret_file is not None:
        try:
            read_secret_file(spec.secret_file)
        except SaktiError as exc:
            found.append(galat("BERKAS_SANDI", f"{who}: {exc.pesan}", exc.saran or "Periksa berkas_sandi."))
    return found


def _token_findings(who: str, module: str, token: str | None, slot: int | None) -> list[Finding]:
    """The PKCS#11 module loads and the token is plugged in (no PIN asked, nothing logged in)."""
    if not Path(module).is_file():
        return [galat("MODUL_TIDAK_ADA", f"{who}: modul PKCS#11 {module} tidak ada.",
                      "Pasang driver token dari penerbitnya (mis. BSrE) atau perbaiki kunci.modul di sakti.toml.")]
    try:
        import pkcs11

        library = pkcs11.lib(module)
        tokens = [s.get_token() for s in library.get_slots(token_present=True)]
    except Exception as exc:
        return [peringatan("TOKEN_TIDAK_TERPERIKSA", f"{who}: modul PKCS#11 {module} tidak dapat diperiksa: {exc}",
                           "Coba tanda tangani satu PDF uji ('sakti tandatangani') dengan token terpasang.")]
    labels = [t.label for t in tokens]
    missing = token not in labels if token is not None else (slot is None and not tokens)
    if missing:
        shown = ", ".join(labels) or "tidak ada"
        return [galat("TOKEN_TIDAK_ADA", f"{who}: token '{token or '-'}' tidak terpasang di modul {module} "
                      f"(token terpasang: {shown}).", "Colokkan token penandatangan, atau perbaiki kunci.token.")]
    return []


def certificate_of(ws: Workspace, person: Signatory, at: datetime, office_level: list[Finding]) -> list[Finding]:
    """The signing checks on the signatory's configured certificate (``kunci.sertifikat``)."""
    from sakti_cli.signatures.keys import configured_certificate, signing_findings

    who = f"Penandatangan '{person.id}'"
    try:
        configured = configured_certificate(ws, person)
    except SaktiError as exc:
        return [galat("SERTIFIKAT_TIDAK_TERBACA", exc.pesan, exc.saran or "Perbaiki kunci.sertifikat.")]
    if configured is None and person.kunci.jenis == "bsre":
        return [peringatan("SERTIFIKAT_BELUM_DISEBUT", f"{who}: sertifikat BSrE-nya belum disebut (kunci.sertifikat): "
                           "baru diperiksa saat BSrE menandatangani, dan kaki surat yang menunggu tidak menyebut "
                           "penerbitnya.", f"Unduh sertifikat penandatangan (PEM) dari portal BSrE ke "
                           f"pki/{person.id}-bsre.pem, lalu isi kunci.sertifikat = \"pki/{person.id}-bsre.pem\".")]
    if configured is None:
        example = person.kunci.berkas or "pki/camat.p12"
        return [peringatan("SERTIFIKAT_BELUM_DISEBUT", f"{who}: sertifikatnya belum disebut (kunci.sertifikat), "
                           "jadi baru diperiksa saat menandatangani, dengan sandi.",
                           f"Simpan sertifikatnya sebagai PEM (mis. 'openssl pkcs12 -in {example} -clcerts -nokeys "
                           f"-out pki/{person.id}.pem'), lalu isi kunci.sertifikat = \"pki/{person.id}.pem\".")]
    cert, chain = configured
    own = [item for item in signing_findings(ws, person, cert, at, chain)
           if item not in office_level and not item.kode.startswith(("AKAR_", "CA_"))]
    return [Finding(item.kode, item.tingkat, f"{who}: {item.pesan}", item.saran) for item in own]


def signatory_findings(ws: Workspace, at: datetime, office_level: list[Finding]) -> list[Finding]:
    people = ws.config.penandatangan
    if not people:
        return [galat("PENANDATANGAN_KOSONG", f"Belum ada penandatangan di {ws.root / CONFIG_NAME}.",
                      "Tambahkan bagian [[penandatangan]] (id, peran, jabatan, nama, nip, kunci); lihat "
                      "docs/PANDUAN-KANTOR.md.")]
    found: list[Finding] = []
    default = ws.config.tte.penandatangan_bawaan
    if default and default not in {p.id for p in people}:
        found.append(galat("PENANDATANGAN_BAWAAN", f"tte.penandatangan_bawaan '{default}' bukan id penandatangan "
                           "mana pun.", "Samakan dengan salah satu id di [[penandatangan]]."))
    for person in people:
        found += key_source_findings(ws, person)
        found += certificate_of(ws, person, at, office_level)
    return found


def template_fonts(template_dir: Path) -> set[str]:
    """Font families the office's templates name (document and styles of each .docx)."""
    families: set[str] = set()
    for docx in sorted(template_dir.glob("*.docx")):
        try:
            with zipfile.ZipFile(docx) as archive:
                for part in ("word/document.xml", "word/styles.xml"):
                    if part in archive.namelist():
                        families.update(m.decode("utf-8", "replace") for m in _FONT_ATTR.findall(archive.read(part)))
        except (OSError, zipfile.BadZipFile):
            continue  # 'sakti templat periksa' reports broken templates
    return families


def installed_fonts() -> set[str] | None:
    """Font families fontconfig knows (casefolded), or None without fc-list."""
    program = shutil.which("fc-list")
    if program is None:
        return None
    try:
        listed = subprocess.run([program, ":", "family"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return {name.strip().casefold() for line in listed.stdout.splitlines() for name in line.split(",") if name.strip()}


def font_findings(ws: Workspace, installed: set[str] | None) -> list[Finding]:
    if installed is None:
        return [peringatan("FONT_TIDAK_TERPERIKSA", "fc-list tidak ada, jadi font untuk templat tidak dapat diperiksa.",
                           f"Pasang fontconfig dan font-nya: {FONT_PACKAGES}")]
    found: list[Finding] = []
    for family in sorted(template_fonts(ws.template_dir) | set(ALWAYS_NEEDED_FONTS)):
        options = (family, *FONT_SUBSTITUTES.get(family.casefold(), ()))
        if not any(option.casefold() in installed for option in options):
            wanted = " atau ".join(options)
            found.append(galat("FONT_TIDAK_ADA", f"Font {wanted} tidak terpasang: surat akan tercetak dengan font lain "
                               "dan tata letaknya bergeser.", f"Pasang font-nya: {FONT_PACKAGES}"))
    return found


def stamp_font_findings() -> list[Finding]:
    """The visible signature stamp needs its embedded font (sakti_cli.signatures.sign.stamp_font_path)."""
    from sakti_cli.signatures.sign import stamp_font_path

    try:
        stamp_font_path()
    except SaktiError as exc:
        return [galat("FONT_CAP_TIDAK_ADA", exc.pesan, exc.saran or f"Pasang font-nya: {FONT_PACKAGES}")]
    return []


def libreoffice_findings() -> list[Finding]:
    from sakti_cli.documents.convert import find_soffice

    try:
        find_soffice()
    except SaktiError as exc:
        return [galat("LIBREOFFICE_TIDAK_ADA", exc.pesan, exc.saran or "Pasang LibreOffice.")]
    return []


def mail_findings(ws: Workspace) -> list[Finding]:
    """[surel] as far as it can be checked without the network: the password's source, the CA file, the
    port that fits the security mode, a sender that is no example address. No connection is made."""
    import os

    from sakti_cli.core.errors import ConfigError
    from sakti_cli.signatures.keys import read_secret_file

    settings = ws.config.surel
    if settings is None:
        return []
    found: list[Finding] = []
    if settings.berkas_sandi:
        try:
            read_secret_file(ws.path(settings.berkas_sandi), ConfigError)
        except SaktiError as exc:
            found.append(galat("SUREL_SANDI", f"[surel]: {exc.pesan}", exc.saran or "Periksa [surel].berkas_sandi."))
    elif not os.environ.get(settings.variabel_sandi):
        found.append(peringatan("SUREL_SANDI_KOSONG", f"[surel]: variabel {settings.variabel_sandi} (sandi akun "
                                "surel) tidak diisi di sesi ini; 'sakti pesan REG --surel' akan menolak.",
                                f"Isi {settings.variabel_sandi} sebelum mengirim surel, atau simpan sandinya di "
                                "berkas (chmod 600) dan sebut di [surel].berkas_sandi."))
    if settings.sertifikat_ca:
        found += _mail_ca_findings(ws.path(settings.sertifikat_ca))
    usual = {"starttls": 587, "tls": 465}[settings.keamanan]
    if settings.port_number in (465, 587) and settings.port_number != usual:
        found.append(peringatan("SUREL_PORT", f"[surel]: keamanan {settings.keamanan} dengan port "
                                f"{settings.port_number} jarang cocok (starttls memakai 587, tls memakai 465).",
                                f"Periksa [surel].port dan keamanan bersama pengelola server surel (mis. port = "
                                f"{usual})."))
    if any(label in ("example", "contoh", "invalid") for host in (settings.server, settings.pengirim)
           for label in host.lower().replace("@", ".").split(".")):
        found.append(galat("SUREL_CONTOH", f"[surel]: server {settings.server} atau pengirim {settings.pengirim} "
                           "adalah contoh, bukan server surel kantor.",
                           "Isi [surel].server dan pengirim dengan server dan alamat surel kantor yang sebenarnya."))
    return found


def _mail_ca_findings(path: Path) -> list[Finding]:
    import ssl

    if not path.is_file():
        return [galat("SUREL_CA_TIDAK_ADA", f"[surel]: sertifikat CA server surel {path} tidak ada.",
                      "Simpan sertifikat CA (PEM) server surel kantor di sana, atau perbaiki [surel].sertifikat_ca.")]
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        return [galat("SUREL_CA_RUSAK", f"[surel]: {path} bukan sertifikat CA PEM yang sah.",
                      "Pakai sertifikat CA (PEM) dari pengelola server surel.")]
    return []


def privacy_findings(ws: Workspace) -> list[Finding]:
    from sakti_cli.core.privacy import private_tree_problems

    loose = [f"{ws.root / CONFIG_NAME} ({(ws.root / CONFIG_NAME).stat().st_mode & 0o777:o})"] \
        if (ws.root / CONFIG_NAME).stat().st_mode & 0o077 else []
    for name in ("sop", "templat", "pki"):
        if (ws.root / name).is_dir():
            loose += private_tree_problems(ws.root / name)
    if not loose:
        return []
    shown = ", ".join(loose[:3]) + (f" dan {len(loose) - 3} lainnya" if len(loose) > 3 else "")
    return [peringatan("BERKAS_TIDAK_PRIVAT", f"Berkas kantor dapat dibaca pengguna lain: {shown}.",
                       f"Batasi untuk akun kantor: chmod -R go-rwx {ws.root}")]


def mail_login_findings(ws: Workspace) -> tuple[list[Finding], str | None]:
    """``--uji-surel``: the one check that reaches the network (login, no message); the server when it worked."""
    from sakti_cli.citizen.mail import check_login

    try:
        return [], check_login(ws)
    except SaktiError as exc:
        return [galat("SUREL_UJI", exc.pesan, exc.saran or "Periksa [surel] di sakti.toml.")], None


def check_office(ws: Workspace, *, at: datetime | None = None,
                 fonts: Callable[[], set[str] | None] = installed_fonts,
                 extra: list[Finding] | None = None) -> list[Finding]:
    """Every finding about ``ws``, errors first. ``at``: the moment certificates must be valid (bawaan: the
    office clock); ``fonts``: where the installed font families come from (fontconfig); ``extra``: findings
    of checks the caller ran (the mail server login)."""
    from sakti_cli.core.clock import now

    moment = at or now(ws.zone)
    office_level = identity_findings(ws) + url_findings(ws) + trust_findings(ws) + root_findings(ws, moment)
    found = office_level + signatory_findings(ws, moment, office_level)
    found += privacy_findings(ws)
    found += mail_findings(ws)
    found += extra or []
    found += font_findings(ws, fonts())
    found += stamp_font_findings()
    found += libreoffice_findings()
    unique = list(dict.fromkeys(found))
    return [item for item in unique if item.tingkat == "galat"] + [i for i in unique if i.tingkat == "peringatan"]

