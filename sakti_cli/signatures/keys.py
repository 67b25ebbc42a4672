"""Opening the signatory's key: a PKCS#12 file or a PKCS#11 token.

A personal key (``sifat = "pribadi"``, and every key named on the command line) is unlocked only by
its signatory: the passphrase (PKCS#12) or PIN (token) is typed at the prompt the CLI supplies, after
the prompt has shown what is about to be signed (UU ITE Pasal 11: the signing data stays under the
signatory's sole control). Only an office seal (``sifat = "segel"``, its certificate naming the
office) may take it from a file readable by its owner only or from the environment variable the
config names. Never from argv, never logged.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sakti_cli.core.children import note_secret_variable
from sakti_cli.core.errors import ConfigError, EnvironmentProblem, SaktiError, SigningKeyError, os_reason
from sakti_cli.core.findings import Finding, galat
from sakti_cli.office.workspace import Signatory, SignatoryNature, Workspace

if TYPE_CHECKING:
    from sakti_cli.signatures.consent import ToSign

PassphrasePrompt = Callable[[str], str | None]
PIN_VARIABLE = "SAKTI_PIN"
"""Environment variable for a token PIN when the key source names none."""
MODULE_VARIABLE = "SAKTI_PKCS11_MODUL"
"""Environment variable for the PKCS#11 module when neither sakti.toml nor the command line names one."""


@dataclass(frozen=True)
class KeySpec:
    """A key source resolved to paths, independent of where it was described (sakti.toml or argv)."""

    jenis: Literal["pkcs12", "pkcs11"]
    owner: str
    """Who the key belongs to, for prompts and messages (e.g. "Camat Arut Selatan (Drs. ...)")."""
    variable: str
    """Environment variable that may hold the passphrase/PIN."""
    secret_file: Path | None = None
    p12: Path | None = None
    module: str | None = None
    token: str | None = None
    slot: int | None = None
    key_label: str | None = None
    cert_label: str | None = None
    key_id: bytes | None = None
    sifat: SignatoryNature = "pribadi"
    """A key named on the command line is a person's: only a signatory from sakti.toml can be a seal."""

    @property
    def secret_name(self) -> str:
        return "PIN token" if self.jenis == "pkcs11" else "Sandi kunci"


def passphrase_variable(ws: Workspace, signatory: Signatory) -> str:
    if signatory.kunci.jenis == "pkcs11":
        return signatory.kunci.variabel_pin or signatory.kunci.variabel_sandi or PIN_VARIABLE
    return signatory.kunci.variabel_sandi or ws.config.tte.variabel_sandi


def read_secret_file(path: Path, error: type[SaktiError] = SigningKeyError) -> bytes:
    """The first line of a passphrase/PIN file that only its owner can read (else ``error``, exit 4): the
    signatory's key or, with ``error=ConfigError``, the office's mail account (sakti_cli.citizen.mail)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise error(f"Berkas sandi {path} tidak dapat dibaca: {os_reason(exc)}",
                    saran="Periksa jalur berkas_sandi.") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"Berkas sandi {path} bukan berkas biasa.", saran="Periksa jalur berkas_sandi.")
    if info.st_mode & 0o077:
        raise error(
            f"Berkas sandi {path} dapat dibaca pengguna lain (izin {stat.S_IMODE(info.st_mode):04o}); sandi tidak "
            "dipakai.",
            saran=f"Batasi untuk pemiliknya saja: chmod 600 {path}",
        )
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise error(f"Berkas sandi {path} bukan milik pengguna ini; sandi tidak dipakai.",
                    saran="Berkas sandi harus milik akun yang memakainya (yang menandatangani atau mengirim surel).")
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise error(f"Berkas sandi {path} tidak dapat dibaca: {os_reason(exc)}",
                    saran="Periksa letak dan izin berkas sandi (hanya pemiliknya yang boleh membaca, "
                          "chmod 600).") from None
    return text.split(b"\n", 1)[0].rstrip(b"\r")


SOLE_CONTROL = ("UU ITE Pasal 11: data pembuatan tanda tangan elektronik hanya dalam kuasa penanda tangan, "
                "jadi kunci pribadi hanya dibuka penandatangannya sendiri dengan mengetik sandinya")
SEAL_HINT = ("untuk surat yang terbit tanpa kehadiran penandatangan, pakai segel elektronik kantor "
             "(penandatangan dengan sifat = \"segel\" dan sertifikat atas nama kantor)")


def refuse_stored_secret(spec: KeySpec) -> None:
    """A personal key never takes its passphrase/PIN from a file or the environment (exit 4, saying why)."""
    note_secret_variable(spec.variable)  # never passed on to a child process
    if spec.secret_file is not None:
        where = f"berkas sandi {spec.secret_file}"
        fix = "Hapus berkas_sandi penandatangan itu dari sakti.toml (atau --berkas-sandi dari perintah)"
    elif os.environ.get(spec.variable):
        where = f"variabel lingkungan {spec.variable}"
        fix = f"Kosongkan variabel itu (unset {spec.variable})"
    else:
        return
    raise SigningKeyError(
        f"{spec.secret_name} {spec.owner} tidak dibaca dari {where}: ini kunci pribadi ({SOLE_CONTROL}).",
        saran=f"{fix} lalu jalankan lagi di terminal agar penandatangan mengetiknya sendiri; {SEAL_HINT}.",
        kode_temuan="SANDI_TERSIMPAN_KUNCI_PRIBADI",
    )


def get_secret(spec: KeySpec, prompt: PassphrasePrompt | None, request: str | None = None) -> bytes:
    """Passphrase or PIN. A seal's: from the owner-only file, else the environment variable, else the
    prompt. A personal key's: only typed at the prompt, which first shows ``request`` (what is about to
    be signed, :func:`sakti_cli.signatures.consent.signing_request`); a stored one is refused."""
    if spec.sifat == "segel":
        if spec.secret_file is not None:
            return read_secret_file(spec.secret_file)
        note_secret_variable(spec.variable)  # never passed on to a child process
        value = os.environ.get(spec.variable)
        if value:
            return value.encode()
    else:
        refuse_stored_secret(spec)
    label = f"{spec.secret_name} {spec.owner}"
    typed = prompt(f"{request}\n{label}" if request else label) if prompt else None
    if typed is None:
        if spec.sifat != "segel":
            raise EnvironmentProblem(
                f"{label} hanya dapat diketik penandatangannya sendiri, tetapi tidak ada terminal untuk "
                f"mengetiknya ({SOLE_CONTROL}).",
                saran="Jalankan perintah ini di terminal di depan penandatangan; atau siapkan suratnya tanpa kunci "
                      "('sakti terbitkan REG --tanpa-ttd') agar penandatangan menyetujuinya kelak dengan 'sakti ttd "
                      f"setujui'; {SEAL_HINT}.",
            )
        raise EnvironmentProblem(
            f"{spec.secret_name} {spec.owner} dibutuhkan, tetapi tidak ada terminal untuk mengetiknya dan "
            f"variabel {spec.variable} tidak diisi.",
            saran=f"Jalankan di terminal agar sandi segel diketik, isi variabel {spec.variable}, atau "
            "tulis jalur berkas sandi (hanya dapat dibaca pemiliknya, chmod 600) di penandatangan.kunci."
            "berkas_sandi sakti.toml; 'sakti tandatangani' menerimanya dengan --berkas-sandi BERKAS.",
        )
    return typed.encode()


def get_passphrase(ws: Workspace, signatory: Signatory, prompt: PassphrasePrompt | None) -> bytes:
    return get_secret(key_spec(ws, signatory), prompt)


def key_file(ws: Workspace, signatory: Signatory) -> Path:
    if signatory.kunci.jenis != "pkcs12":
        raise ConfigError(f"Penandatangan '{signatory.id}' memakai token PKCS#11, bukan berkas kunci.",
                          saran="Tandatangani dengan tokennya, atau ubah kunci penandatangan itu di sakti.toml.")
    if not signatory.kunci.berkas:
        raise ConfigError(f"Penandatangan '{signatory.id}' belum punya berkas kunci di sakti.toml.",
                          saran="Isi penandatangan.kunci.berkas, mis. \"pki/camat.p12\".")
    path = ws.path(signatory.kunci.berkas)
    if not path.is_file():
        raise SigningKeyError(
            f"Berkas kunci {path} untuk penandatangan '{signatory.id}' tidak ada.",
            saran="Periksa penandatangan.kunci.berkas di sakti.toml.",
        )
    return path


def key_spec(ws: Workspace, signatory: Signatory) -> KeySpec:
    """The key source of a signatory from sakti.toml, with paths resolved against the workspace."""
    source = signatory.kunci
    owner = f"{signatory.jabatan} ({signatory.nama})"
    secret_file = ws.path(source.berkas_sandi) if source.berkas_sandi else None
    variable = passphrase_variable(ws, signatory)
    if source.jenis == "bsre":
        raise ConfigError(f"Penandatangan '{signatory.id}' menandatangani lewat layanan BSrE (kunci.jenis = \"bsre\"): "
                          "kuncinya tidak ada di komputer ini.",
                          saran="Surat kantor ditandatangani lewat 'sakti terbitkan' atau 'sakti ttd setujui'; "
                                "'sakti tandatangani' untuk PDF lepas butuh kunci .p12 atau token.")
    if source.jenis == "pkcs12":
        return KeySpec("pkcs12", owner, variable, secret_file, p12=key_file(ws, signatory), sifat=signatory.sifat)
    module = source.modul or os.environ.get(MODULE_VARIABLE)
    if not module:
        raise ConfigError(
            f"Penandatangan '{signatory.id}' memakai token PKCS#11 tetapi modulnya tidak disebut.",
            saran="Isi kunci.modul di sakti.toml, mis. \"/usr/lib/softhsm/libsofthsm2.so\" atau driver token BSrE.",
        )
    if not (source.label_kunci or source.label_sertifikat or source.id_kunci):
        raise ConfigError(f"Penandatangan '{signatory.id}': sebutkan label_kunci atau id_kunci di sakti.toml.",
                          saran="Lihat label kunci di token (mis. pkcs11-tool --list-objects) dan tulis di "
                                "kunci penandatangan itu.")
    return KeySpec(
        "pkcs11", owner, variable, secret_file, module=str(ws.path(module)), token=source.token, slot=source.slot,
        key_label=source.label_kunci, cert_label=source.label_sertifikat,
        key_id=bytes.fromhex(source.id_kunci) if source.id_kunci else None, sifat=signatory.sifat,
    )


def open_key(spec: KeySpec, prompt: PassphrasePrompt | None, request: str | None = None) -> Any:
    """Load the signer (PKCS#12) or open a token session (PKCS#11); ``request`` see :func:`get_secret`."""
    from sakti_cli.signatures.sign import load_pkcs11_signer, load_pkcs12_signer

    if spec.jenis == "pkcs12":
        assert spec.p12 is not None
        if not spec.p12.is_file():
            raise SigningKeyError(f"Berkas kunci {spec.p12} tidak ada.", saran="Periksa jalur berkas kunci.")
        return load_pkcs12_signer(spec.p12, get_secret(spec, prompt, request))
    assert spec.module is not None
    return load_pkcs11_signer(spec.module, get_secret(spec, prompt, request), token_label=spec.token, slot=spec.slot,
                              key_label=spec.key_label, cert_label=spec.cert_label, key_id=spec.key_id)


def office_trust(ws: Workspace) -> tuple[list[Any] | None, list[Any], list[Finding]]:
    """The office's trust roots and CA certificates (asn1crypto) as far as they load, and a finding for
    each configured file that is missing or unreadable. Roots are None when every configured root
    failed to load (the findings say why; the chain is then not judged a second time)."""
    from sakti_cli.signatures.sign import _load_certificates

    found: list[Finding] = []
    loaded: dict[str, list[Any]] = {"AKAR": [], "CA": []}
    for kind, key, names in (("AKAR", "verifikasi.akar_tepercaya", ws.config.verifikasi.akar_tepercaya),
                             ("CA", "tte.sertifikat_ca", ws.config.tte.sertifikat_ca)):
        for name in names:
            path = ws.path(name)
            if not path.is_file():
                found.append(galat(f"{kind}_TIDAK_ADA", f"Sertifikat {path} (dari {key} di sakti.toml) tidak ada.",
                                   f"Salin sertifikatnya ke {path}, atau perbaiki {key}."))
                continue
            try:
                loaded[kind] += _load_certificates([path], "Sertifikat")
            except ConfigError as exc:
                found.append(galat(f"{kind}_RUSAK", exc.pesan,
                                   f"Ganti {path} dengan sertifikat PEM/DER yang benar, atau perbaiki {key}."))
    roots: list[Any] | None = loaded["AKAR"]
    if not roots and ws.config.verifikasi.akar_tepercaya:
        roots = None
    return roots, loaded["CA"], found


def configured_certificate(ws: Workspace, signatory: Signatory) -> tuple[Any, list[Any]] | None:
    """The signatory's certificate from ``kunci.sertifikat`` (PEM, the first certificate; any further
    ones are taken as its CA chain), or None when sakti.toml names none."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from sakti_cli.signatures.sign import read_certificates

    if not signatory.kunci.sertifikat:
        return None
    path = ws.path(signatory.kunci.sertifikat)
    try:
        certs = read_certificates(path)
    except SaktiError as exc:
        raise SigningKeyError(f"Sertifikat penandatangan '{signatory.id}' ({path}, dari kunci.sertifikat): {exc.pesan}",
                              saran="Simpan sertifikat penanda tangan (PEM) di sana, atau perbaiki kunci.sertifikat "
                              "di sakti.toml.") from None
    if not certs:
        raise SigningKeyError(f"Berkas {path} (kunci.sertifikat penandatangan '{signatory.id}') tanpa sertifikat.",
                              saran="Simpan sertifikat penanda tangan (PEM) di sana.")
    chain = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs[1:]]
    return certs[0], chain


def signing_findings(ws: Workspace, signatory: Signatory, cert_or_signer: Any, at: datetime,
                     chain: list[Any] | None = None) -> list[Finding]:
    """The checks a signatory's certificate must pass to sign this office's letters: the office's trust
    roots and CA files, then :func:`~sakti_cli.signatures.sign.certificate_findings` against them and the
    signatory's name (a person's) or :func:`seal_findings` (a seal's). Used by ``kantor periksa`` (on
    ``kunci.sertifikat``, no passphrase needed) and by :func:`open_signer` (on the key's own
    certificate) alike."""
    from sakti_cli.signatures.sign import certificate_findings

    roots, intermediates, found = office_trust(ws)
    carried = [c for c in getattr(cert_or_signer, "cert_registry", [])]
    found += certificate_findings(cert_or_signer, at, trust_roots=roots,
                                  intermediates=[*intermediates, *(chain or []), *carried],
                                  names=(signatory.nama,) if signatory.sifat == "pribadi" else ())
    if signatory.sifat == "segel":
        found += seal_findings(ws, signatory, cert_or_signer)
    return found


def office_seal_name(ws: Workspace) -> str:
    """The name a seal's certificate must carry: "Kecamatan <[kantor].kecamatan>"."""
    return f"Kecamatan {ws.config.kantor.kecamatan}"


def seal_findings(ws: Workspace, signatory: Signatory, cert_or_signer: Any) -> list[Finding]:
    """A seal (``sifat = "segel"``) may sign unattended only with the office's own certificate: its
    subject CN must contain the office's name (:func:`office_seal_name`) and must contain neither the
    name of any signatory nor the jabatan of a personal one. So the camat's own key (CN = the camat's
    name, or "Camat ...") marked as a seal is refused, by ``kantor periksa`` and at signing alike."""
    from sakti_cli.signatures.sign import name_contains, signer_common_name

    common = signer_common_name(cert_or_signer)
    office = office_seal_name(ws)
    people = [(p.nama, f"nama {p.id}") for p in ws.config.penandatangan if not name_contains(p.nama, office)]
    people += [(p.jabatan, f"jabatan {p.id}") for p in ws.config.penandatangan if p.sifat == "pribadi"]
    person = next((what for name, what in people if name_contains(common, name)), None)
    if name_contains(common, office) and person is None:
        return []
    why = f"memuat {person} (orang)" if person else f"tidak memuat nama kantor '{office}'"
    return [galat("SEGEL_BUKAN_SERTIFIKAT_KANTOR",
                  f"Penandatangan '{signatory.id}' bersifat segel, tetapi sertifikatnya atas nama '{common}', yang "
                  f"{why}: segel elektronik hanya untuk sertifikat atas nama kantor, bukan kunci seseorang.",
                  f"Pakai sertifikat segel elektronik kantor (CN memuat '{office}') dari penerbitnya, atau ubah "
                  "sifat penandatangan itu menjadi \"pribadi\" agar sandinya diketik penandatangan sendiri.")]


def _same_as_configured(ws: Workspace, signatory: Signatory, signer: Any) -> None:
    """Refuse a key whose certificate is not the one ``kunci.sertifikat`` names (a swapped .p12 or token)."""
    from sakti_cli.signatures.sign import _as_cryptography_cert, signer_common_name

    configured = configured_certificate(ws, signatory)
    if configured is None:
        return
    if _as_cryptography_cert(signer) != configured[0]:
        raise SigningKeyError(
            f"Kunci penandatangan '{signatory.id}' membawa sertifikat {signer_common_name(signer)}, bukan sertifikat "
            f"yang disebut kunci.sertifikat ({ws.path(signatory.kunci.sertifikat or '')}); tidak ditandatangani.",
            saran="Pakai kunci yang benar, atau perbarui kunci.sertifikat di sakti.toml dengan sertifikat kunci itu.",
        )


def check_signer(ws: Workspace, signatory: Signatory | None, signer: Any, at: datetime) -> list[str]:
    """Refuse an opened key that must not sign this office's letters (:class:`SigningKeyError`), return
    the warnings. A signatory's key: its certificate must be the one ``kunci.sertifikat`` names and pass
    :func:`signing_findings` (the same checks as ``kantor periksa``). A key named on the command line
    (``signatory`` None): the certificate checks against the office's roots. A certificate the office's
    stored CRLs list as revoked is refused in both cases."""
    from sakti_cli.signatures.revocation import validation_data
    from sakti_cli.signatures.sign import check_certificate, check_office_revocation, raise_for

    if signatory is not None:
        _same_as_configured(ws, signatory, signer)
        warnings = raise_for(signing_findings(ws, signatory, signer, at))
    else:
        roots, intermediates, _ = office_trust(ws)
        warnings = check_certificate(signer, at, trust_roots=roots,
                                     intermediates=[*intermediates, *getattr(signer, "cert_registry", [])])
    data = validation_data(ws)
    if data is not None:
        warnings += check_office_revocation(signer, data)
    return warnings


def open_signer(ws: Workspace, signatory: Signatory, prompt: PassphrasePrompt | None, at: datetime,
                to_sign: Sequence[ToSign] | Callable[[], Sequence[ToSign]] | None = None) -> tuple[Any, list[str]]:
    """Load the key and check it now (:func:`check_signer`), before any number is reserved.

    ``to_sign``: what a personal key's signatory is shown before typing (:mod:`sakti_cli.signatures.consent`); a
    callable is asked only for a personal key (a batch lists its rows only when someone will read them).
    When sakti.toml stores CRLs/CA certificates, the data travels with the signer, so a signature
    made with a TSA is B-LT.
    """
    from sakti_cli.signatures.consent import signing_request
    from sakti_cli.signatures.revocation import validation_data
    from sakti_cli.signatures.sign import close_signer, remember_validation_data

    spec = key_spec(ws, signatory)
    data = validation_data(ws)
    items = (to_sign() if callable(to_sign) else to_sign) if spec.sifat == "pribadi" else None
    request = signing_request(spec.owner, items) if items else None
    signer = open_key(spec, prompt, request)
    try:
        warnings = check_signer(ws, signatory, signer, at)
    except BaseException:
        close_signer(signer)
        raise
    remember_validation_data(signer, data)
    return signer, warnings
