"""BSrE's remote signing service as a key source (``jenis = "bsre"`` in sakti.toml).

The official's key stays at BSrE (Balai Besar Sertifikasi Elektronik, BSSN): each signature is authorised by
the signatory's NIK and passphrase, sent over the regional government's gateway with the application's own
credentials (basic ``pengguna:sandi`` or a bearer token, from a 0600 file or an environment variable; never in
sakti.toml or argv). The passphrase is typed by the signatory at signing time (UU ITE Pasal 11), kept in memory
for the run only (``ttd setujui --semua`` asks it once), and never stored.

Two routes (``mode``):

- ``hash`` (the default): the letter is prepared locally with pyHanko's interrupted signing (the signature's
  space reserved, the digest of the byte range computed), only the digest goes to the service with
  ``signatureLevel = PAdES_BASELINE_LT``, and the CMS it returns is embedded. The number, QR code and visible
  stamp are final before signing and the document never leaves the office. What the CMS lacks for the office's
  level is added here: the signature timestamp (``[tte].tsa``) and the validation data (DSS, B-LT).
- ``pdf``: the whole PDF is POSTed to ``/api/v2/sign/pdf`` and the signed PDF comes back. The office's level is
  then reached as in the hash route, except that a signature without a timestamp gets a *document timestamp*
  from ``[tte].tsa`` as its B-T time evidence (pyHanko cannot add a signature-timestamp attribute to a CMS
  already embedded in the PDF), then the DSS (B-LT); see :meth:`BsreSigner._whole`.

In both routes the result is checked before the letter counts as issued: the signature intact, its certificate
the signatory's (NIK, else name), chaining to the office's roots (``[verifikasi].akar_tepercaya``: the BSrE
chain). The request and answer shapes follow public clients (cited in ``tests/data/bsre/``); every request goes
through :func:`_post`, and the routes are :data:`ROUTES`, so a gateway that differs is adapted in one place; a
gateway that serves them on other paths is configured per signatory (``kunci.jalur``, see
:mod:`sakti_cli.signatures.bsre_routes`), without a code change.

Faults: a wrong passphrase, an unregistered NIK, an expired/revoked certificate are :class:`SigningKeyError`;
refused application credentials (HTTP 401/403) a :class:`ConfigError`; the service or network down, a timeout
or an HTTP 5xx a :class:`ServiceUnreachable` (the outage rule: the letter waits in the signing queue, its
number kept); an answer that cannot be read an :class:`EnvironmentProblem`. Exit code 4 for all of them.

An institutional seal (``sifat = "segel"``) signs through BSrE's seal route (idSubscriber, activation code,
a TOTP per letter): :mod:`sakti_cli.signatures.bsre_seal`, over the same :func:`_post`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.children import note_secret_variable
from sakti_cli.core.errors import (
    ConfigError,
    EnvironmentProblem,
    FileUnreadable,
    SaktiError,
    ServiceUnreachable,
    SigningKeyError,
    library_text,
)
from sakti_cli.core.nik import mask_id_numbers
from sakti_cli.core.privacy import mask_text
from sakti_cli.office.workspace import Signatory, Workspace

if TYPE_CHECKING:
    from sakti_cli.signatures.consent import ToSign

PassphrasePrompt = Callable[[str], str | None]
Refusal = Callable[["BsreConfig", int, dict[str, Any]], SaktiError]
"""Reads the service's refusal (HTTP 4xx or ``error``) into a typed error; see :func:`_refusal`."""

ROUTES = {
    "hash": "/v2/api/entity/sign/hash/pdf",
    "pdf": "/api/v2/sign/pdf",
    "verify": "/api/v2/verify/pdf",
    "status": "/api/v2/user/check/status",
    "seal_activation": "/api/v2/seal/get/activation",
    "seal_totp": "/api/v2/seal/get/totp",
    "seal_pdf": "/api/v2/seal/pdf",
}
"""The service's routes, appended to ``kunci.url``. ``hash``: karyakampak/homebrew-besign test/php/class.php
(base ``https://api-bsre.bssn.go.id/v2/esign``); the others: kiiskominfokepri/esign-ts src/v2/EsignClient.ts
(the ``seal_*`` ones also taufiqurrohmansuwarto/rumahASN utils/esign-utils.js)."""
SIGNATURE_LEVEL = "PAdES_BASELINE_LT"
"""The level the public hash client asks for."""
ROOM = 65536
"""Hex digits reserved for the returned CMS (32 KiB DER: certificate chain, timestamp, revocation values)."""
MAX_ANSWER = 64 * 1024 * 1024
"""Bytes read of one answer at most (a signed PDF comes back base64 in JSON)."""
STATUS_MEANING: dict[str, tuple[bool, str]] = {
    "ISSUE": (True, "sertifikat aktif"),
    "EXPIRED": (False, "sertifikat sudah kedaluwarsa"),
    "RENEW": (False, "sertifikat harus diperbarui"),
    "REVOKE": (False, "sertifikat telah dicabut"),
    "SUSPEND": (False, "sertifikat dibekukan"),
    "NOT_REGISTERED": (False, "NIK tidak terdaftar di BSrE"),
    "NO_CERTIFICATE": (False, "NIK terdaftar tetapi belum punya sertifikat"),
    "NEW": (False, "pendaftaran baru, sertifikat belum terbit"),
    "WAITING_FOR_VERIFICATION": (False, "pendaftaran menunggu verifikasi, sertifikat belum terbit"),
}
"""The user statuses of ``/api/v2/user/check/status`` (kiiskominfokepri/esign-ts src/v2/UserStatusResponse.ts)."""


@dataclass(frozen=True)
class BsreConfig:
    """One signatory's BSrE service, resolved from sakti.toml with the application's credentials read."""

    signatory: str
    owner: str
    url: str
    nik: str
    mode: str
    timeout: float
    credentials_from: str
    """Where the credentials came from, for messages (a file or a variable name; never the value)."""
    authorization: str = field(repr=False)
    routes: dict[str, str] = field(default_factory=lambda: dict(ROUTES))
    """Route name -> path on the gateway: :data:`ROUTES` with ``kunci.jalur`` over it (bsre_routes)."""

    @property
    def masked_nik(self) -> str:
        return mask_text(self.nik)


def _authorization(line: str, where: str) -> str:
    """The Authorization header of a credentials line: ``Bearer TOKEN``, or ``pengguna:sandi`` (basic)."""
    text = line.strip()
    if text.lower().startswith("bearer ") and text[7:].strip():
        return f"Bearer {text[7:].strip()}"
    user, colon, password = text.partition(":")
    if colon and user and password:
        return "Basic " + base64.b64encode(text.encode("utf-8")).decode("ascii")
    raise ConfigError(f"Kredensial aplikasi BSrE dari {where} tidak berbentuk 'pengguna:sandi' atau 'Bearer TOKEN'.",
                      saran="Tulis kredensial dari gerbang pemda pada baris pertama: pengguna:sandi (basic) atau "
                            "Bearer TOKEN.")


def bsre_config(ws: Workspace, person: Signatory) -> BsreConfig:
    """The signatory's BSrE service with the application's credentials read now (ConfigError naming what is
    wrong: the credentials file readable by others, a variable that is empty, a line of the wrong form, a
    ``kunci.jalur`` route that is not known)."""
    from sakti_cli.signatures.bsre_routes import resolve_routes
    from sakti_cli.signatures.keys import read_secret_file

    key = person.kunci
    if key.jenis != "bsre" or not key.url or not (key.nik or key.id_subscriber):
        raise ConfigError(f"Penandatangan '{person.id}' tidak memakai layanan BSrE (kunci.jenis = \"bsre\").",
                          saran="Periksa bagian kunci penandatangan itu di sakti.toml.")
    if key.berkas_kredensial:
        path = ws.path(key.berkas_kredensial)
        where = f"berkas {path}"
        try:
            line = read_secret_file(path, ConfigError).decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"Kredensial aplikasi BSrE {path} bukan teks UTF-8.",
                              saran="Tulis ulang berkasnya: satu baris pengguna:sandi atau Bearer TOKEN.") from None
    else:
        name = key.variabel_kredensial or ""
        note_secret_variable(name)  # never passed on to a child process
        where = f"variabel {name}"
        line = os.environ.get(name, "")
        if not line.strip():
            raise ConfigError(f"Variabel {name} (kunci.variabel_kredensial penandatangan '{person.id}') kosong: "
                              "kredensial aplikasi BSrE tidak ada.",
                              saran=f"Isi variabel {name} dengan kredensial dari gerbang pemda (pengguna:sandi atau "
                                    "Bearer TOKEN), atau pakai kunci.berkas_kredensial (berkas chmod 600).")
    routes = resolve_routes(ROUTES, key.jalur, person.id)
    return BsreConfig(person.id, f"{person.jabatan} ({person.nama})", key.url.rstrip("/"), key.nik or "",
                      key.mode, key.batas_waktu, where, _authorization(line, where), routes)


# --- the one HTTP call ------------------------------------------------------------------------------------
def _post(config: BsreConfig, route: str, payload: dict[str, Any], refusal: Refusal | None = None) -> dict[str, Any]:
    """POST ``payload`` as JSON to the service's ``route`` with the application's credentials and the
    configured timeout; the answer's JSON object, or the typed error of :func:`_judge` (the service's own
    refusals read by ``refusal``, bawaan :func:`_refusal`)."""
    import http.client
    import urllib.error
    import urllib.request

    target = config.url + config.routes[route]
    request = urllib.request.Request(target, data=json.dumps(payload).encode("utf-8"), method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json", "Authorization": config.authorization})
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # never follow: the credentials and the passphrase would go to another address

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=config.timeout) as answer:
            status, body = answer.status, answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(MAX_ANSWER)
    except TimeoutError:
        raise _timeout(config) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _timeout(config) from None
        raise ServiceUnreachable(f"Layanan BSrE {config.url} tidak dapat dihubungi: {_reason(exc.reason)}.",
                                 saran=OUTAGE_ADVICE, pustaka=library_text(exc)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise ServiceUnreachable(f"Layanan BSrE {config.url} memutus sambungan sebelum menjawab.",
                                 saran=OUTAGE_ADVICE, pustaka=library_text(exc)) from None
    return _judge(config, route, status, body, refusal)


OUTAGE_ADVICE = ("Periksa jaringan ke gerbang BSrE pemda; surat menunggu di antrean tanda tangan (MENUNGGU_TTD) "
                 "dengan nomornya, dan 'sakti ttd setujui --semua' menandatanganinya setelah layanan kembali.")


def _reason(reason: object) -> str:
    """Why a connection failed, short (e.g. "Connection refused")."""
    text = getattr(reason, "strerror", None) or str(reason)
    return str(text)[:200]


def _timeout(config: BsreConfig) -> ServiceUnreachable:
    return ServiceUnreachable(f"Layanan BSrE {config.url} tidak menjawab dalam {config.timeout:g} detik.",
                              saran=OUTAGE_ADVICE + " Bila jaringan memang lambat, naikkan kunci.batas_waktu.")


def _judge(config: BsreConfig, route: str, status: int, body: bytes, refusal: Refusal | None = None
           ) -> dict[str, Any]:
    """The answer's JSON object, or why not: 401/403 refused credentials, 5xx an outage, no JSON a malformed
    answer, ``error`` (or another 4xx) the service's refusal (:func:`_refusal`)."""
    if status in (401, 403):
        raise ConfigError(f"Layanan BSrE {config.url} menolak kredensial aplikasi dari {config.credentials_from} "
                          f"(HTTP {status}).",
                          saran="Periksa kredensial aplikasi (pengguna:sandi atau token) dari gerbang BSrE pemda; "
                                "token bearer yang kedaluwarsa harus diminta baru.", kode_temuan="BSRE_KREDENSIAL")
    if 300 <= status < 400:
        raise ConfigError(f"Layanan BSrE {config.url} mengalihkan permintaan ke alamat lain (HTTP {status}); tidak "
                          "diikuti, agar kredensial dan passphrase tidak terkirim ke tempat lain.",
                          saran="Tulis alamat gerbang yang benar di kunci.url (biasanya https://, tanpa jalur "
                                "/api/...).",
                          kode_temuan="BSRE_PENGALIHAN")
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        data = None
    if status >= 500:
        said = _service_words(data) if isinstance(data, dict) else None
        raise ServiceUnreachable(f"Layanan BSrE {config.url} sedang bermasalah (HTTP {status}"
                                 f"{': ' + said if said else ''}).", saran=OUTAGE_ADVICE)
    if not isinstance(data, dict):
        raise malformed(config, route, "bukan objek JSON")
    if status != 200 or data.get("error"):
        raise (refusal or _refusal)(config, status, data)
    return data


def malformed(config: BsreConfig, route: str, why: str) -> EnvironmentProblem:
    """An answer that cannot be used (the service changed, or a proxy answered instead of it)."""
    return EnvironmentProblem(f"Jawaban layanan BSrE {config.url}{config.routes[route]} tidak dapat dipakai: {why}.",
                              saran="Tidak ada yang ditandatangani. Periksa kunci.url (alamat gerbang BSrE "
                                    "pemda, tanpa jalur /api/...) dan proksi jaringan; bila gerbangnya berbeda, "
                                    "laporkan bentuk jawabannya.", kode_temuan="BSRE_JAWABAN_RUSAK")


def _service_words(data: dict[str, Any]) -> str | None:
    """What the service said, NIKs masked (a message may quote the NIK)."""
    for key in ("error", "message", "pesan", "status"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return mask_id_numbers(value.strip())[:300]
    return None


def _tries_left(data: dict[str, Any], said: str) -> int | None:
    for key in ("sisa_percobaan", "remaining_attempts", "attempts_left"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    found = re.search(r"sisa\D{0,20}(\d+)|(\d+)\s*(?:kali|percobaan|attempts?)", said, re.IGNORECASE)
    return int(found.group(1) or found.group(2)) if found else None


def _refusal(config: BsreConfig, status: int, data: dict[str, Any]) -> SaktiError:
    """The service said no: a wrong passphrase (with the tries left when it says), an unregistered NIK, a
    certificate expired/revoked/suspended, or another refusal in its own words."""
    said = _service_words(data) or f"HTTP {status}"
    lower = said.casefold()
    who = config.owner
    if any(word in lower for word in ("passphrase", "kata sandi", "password")):
        tries = _tries_left(data, said)
        left = f"; sisa {tries} kali percobaan sebelum akun BSrE terkunci" if tries is not None else ""
        return SigningKeyError(f"Passphrase BSrE {who} salah (layanan: \"{said}\"){left}.",
                               saran="Penandatangan mengetik ulang passphrase BSrE-nya dengan teliti; bila lupa, atur "
                                     "ulang lewat portal BSrE. Jangan mencoba berulang-ulang: akun dapat terkunci.",
                               kode_temuan="BSRE_PASSPHRASE_SALAH")
    if any(word in lower for word in ("tidak terdaftar", "not registered", "not_registered", "belum terdaftar",
                                      "tidak ditemukan", "not found")):
        return SigningKeyError(f"NIK {config.masked_nik} ({who}) tidak terdaftar di layanan BSrE (layanan: "
                               f"\"{said}\").",
                               saran="Periksa kunci.nik penandatangan itu di sakti.toml; bila benar, daftarkan "
                                     "penandatangan ke BSrE lewat admin TTE pemda.",
                               kode_temuan="BSRE_NIK_TIDAK_TERDAFTAR")
    if any(word in lower for word in ("expired", "kedaluwarsa", "kadaluarsa", "kadaluwarsa", "revoke", "dicabut",
                                      "suspend", "dibekukan", "tidak aktif", "not active")):
        return SigningKeyError(f"Sertifikat elektronik {who} di BSrE tidak dapat dipakai (layanan: \"{said}\").",
                               saran=f"Lihat statusnya dengan 'sakti sertifikat status --penandatangan "
                                     f"{config.signatory}'; ajukan perpanjangan atau sertifikat baru ke BSrE lewat "
                                     "admin TTE pemda.", kode_temuan="BSRE_SERTIFIKAT_TIDAK_AKTIF")
    return SigningKeyError(f"Layanan BSrE menolak permintaan untuk {who} (HTTP {status}: \"{said}\").",
                           saran="Periksa kunci penandatangan itu di sakti.toml (url, nik) dan tanyakan admin TTE "
                                 "pemda.",
                           kode_temuan="BSRE_DITOLAK")


# --- the service's endpoints --------------------------------------------------------------------------------
def _status_word(data: dict[str, Any]) -> str | None:
    nested = data.get("data")
    for holder in (data, nested if isinstance(nested, dict) else {}):
        for key in ("status", "userStatus"):
            value = holder.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip().upper()
    return None


def user_status(config: BsreConfig) -> dict[str, Any]:
    """``/api/v2/user/check/status``: whether the NIK's certificate may sign now (``aktif``)."""
    data = _post(config, "status", {"nik": config.nik})
    word = _status_word(data)
    if word is None:
        raise malformed(config, "status", "tidak ada status pengguna")
    active, meaning = STATUS_MEANING.get(word, (False, f"status {word} tidak dikenal"))
    return {"penandatangan": config.signatory, "nik": config.masked_nik, "layanan": config.url, "status": word,
            "aktif": active, "keterangan": meaning}


def refuse_inactive(config: BsreConfig, status: dict[str, Any]) -> None:
    """Refuse to sign (SigningKeyError, nothing reserved) when the status says the certificate cannot sign."""
    if status["aktif"]:
        return
    word = status["status"]
    if word == "NOT_REGISTERED":
        raise SigningKeyError(f"NIK {config.masked_nik} ({config.owner}) tidak terdaftar di layanan BSrE.",
                              saran="Periksa kunci.nik di sakti.toml; bila benar, daftarkan penandatangan ke BSrE "
                                    "lewat admin TTE pemda.", kode_temuan="BSRE_NIK_TIDAK_TERDAFTAR")
    raise SigningKeyError(f"Sertifikat elektronik {config.owner} di BSrE tidak dapat dipakai: {status['keterangan']} "
                          f"(status {word}).",
                          saran="Ajukan perpanjangan atau sertifikat baru ke BSrE lewat admin TTE pemda; statusnya: "
                                f"'sakti sertifikat status --penandatangan {config.signatory}'.",
                          kode_temuan="BSRE_SERTIFIKAT_TIDAK_AKTIF")


def _b64(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def hash_request(config: BsreConfig, passphrase: str, digest: bytes, *, at: datetime, reason: str,
                 location: str) -> dict[str, Any]:
    """The hash route's request (the shape of karyakampak/homebrew-besign test/php/class.php)."""
    return {
        "nik": config.nik, "idSubscriber": None, "passphrase": passphrase,
        "signaturePropertiesHashMap": {"0": {
            "imageBase64": None, "tampilan": "INVISIBLE", "fieldId": None, "page": 0, "originX": 0.0,
            "originY": 0.0, "width": 0.0, "height": 0.0, "signatureLevel": SIGNATURE_LEVEL,
            "certificationPermission": "CHANGES_PERMITTED",
            "signingDate": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000",
            "certificateChainBase64": None, "location": location or None, "reason": reason or None,
            "contactInfo": None, "documentDigestBase64": base64.b64encode(digest).decode("ascii")}},
    }


def sign_hash(config: BsreConfig, passphrase: str, digest: bytes, *, at: datetime, reason: str,
              location: str) -> Any:
    """The CMS (asn1crypto ContentInfo, SignedData) the service made over ``digest`` (SHA-256 of the byte range)."""
    from asn1crypto import cms

    data = _post(config, "hash", hash_request(config, passphrase, digest, at=at, reason=reason, location=location))
    holder = data.get("data")
    found = holder.get("cmsSignedDataHashMap") if isinstance(holder, dict) else None
    raw = _b64(found.get("0")) if isinstance(found, dict) else None
    if raw is None:
        raise malformed(config, "hash", "data.cmsSignedDataHashMap.0 (CMS base64) tidak ada")
    try:
        content = cms.ContentInfo.load(raw, strict=True)
        if content["content_type"].native != "signed_data" or not len(content["content"]["signer_infos"]):
            raise ValueError("not a SignedData with a signer")
        attrs = content["content"]["signer_infos"][0]["signed_attrs"]
        digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
    except Exception as exc:  # asn1crypto raises many kinds on garbage
        raise malformed(config, "hash", f"bukan tanda tangan CMS ({type(exc).__name__})") from None
    if digests != [digest]:
        raise malformed(config, "hash", "CMS-nya bukan untuk intisari dokumen yang dikirim")
    return content


def pdf_request(config: BsreConfig, passphrase: str, pdf: bytes, *, reason: str, location: str) -> dict[str, Any]:
    """The whole-PDF route's request (kiiskominfokepri/esign-ts src/v2/EsignClient.ts)."""
    properties = {"tampilan": "INVISIBLE", "location": location or None, "reason": reason or ""}
    return {"nik": config.nik, "passphrase": passphrase, "signatureProperties": [properties],
            "file": [base64.b64encode(pdf).decode("ascii")]}


def sign_whole_pdf(config: BsreConfig, passphrase: str, pdf: bytes, *, reason: str, location: str) -> bytes:
    """The signed PDF the service returned for ``pdf``."""
    data = _post(config, "pdf", pdf_request(config, passphrase, pdf, reason=reason, location=location))
    files = data.get("file")
    signed = _b64(files[0]) if isinstance(files, list) and files else None
    if signed is None or not signed.startswith(b"%PDF-"):
        raise malformed(config, "pdf", "file[0] (PDF base64) tidak ada")
    return signed


def verify_pdf(config: BsreConfig, pdf_bytes: bytes) -> dict[str, Any]:
    """``/api/v2/verify/pdf``: the service's own verdict on a PDF, its JSON as returned (``conclusion``,
    ``description``, ``signatureInformations``...; see tests/data/bsre/verify.json)."""
    data = _post(config, "verify", {"file": base64.b64encode(pdf_bytes).decode("ascii")})
    if "conclusion" not in data and "signatureInformations" not in data:
        raise malformed(config, "verify", "tidak ada conclusion/signatureInformations")
    return data


# --- the opened key of a run --------------------------------------------------------------------------------
def _asn1(cert: Any) -> Any:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


class BsreSigner:
    """The BSrE key of one run: the service, the typed passphrase (memory only) and what is known of the
    certificate (``kunci.sertifikat`` before the first signature, then the one the service signed with).

    ``outage``: the service did not answer when the key was opened (the outage rule queues the letters).
    ``refused``: the service refused this passphrase/NIK/certificate once; later letters of the run are not
    sent again (a wrong passphrase tried per letter would lock the account)."""

    def __init__(self, ws: Workspace, person: Signatory, config: BsreConfig, passphrase: str | None,
                 configured: Any = None, chain: Sequence[Any] = ()) -> None:
        self.ws, self.person, self.config = ws, person, config
        self._passphrase = passphrase
        self.configured = configured
        self.learned: Any = None
        self.cert_registry: list[Any] = list(chain)
        self.outage: ServiceUnreachable | None = None
        self.refused: SaktiError | None = None

    @property
    def signing_cert(self) -> Any:
        return self.learned if self.learned is not None else self.configured

    def sign_file(self, src: Path, dst: Path, *, field_name: str, reason: str, location: str,
                  signer_name: str | None, timestamp_url: str | None) -> tuple[str, str]:
        """Sign ``src`` into ``dst`` through the service; (PAdES level, signature field) once the result
        passed :meth:`_check_identity` (the signatory's certificate, chaining to the office's roots)."""
        if self.refused is not None:
            raise self.refused
        if self._passphrase is None:
            raise self.outage or EnvironmentProblem("Passphrase BSrE belum diketik.")
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise FileUnreadable(f"Berkas {src} tidak dapat dibaca: {exc.strerror or exc}") from exc
        try:
            if self.config.mode == "pdf":
                signed, level, name = self._whole(data, reason, location, timestamp_url)
            else:
                signed, level, name = self._digest(data, field_name, reason, location, signer_name, timestamp_url)
        except (SigningKeyError, ConfigError) as exc:
            self.refused = exc
            raise
        from sakti_cli.signatures.sign import _write_atomic

        try:
            _write_atomic(dst, signed, mode=src.stat().st_mode & 0o777)
        except OSError as exc:
            raise FileUnreadable(f"Berkas tujuan {dst} tidak dapat ditulis: {exc.strerror or exc}") from exc
        return level, name

    # the digest route
    def _digest(self, data: bytes, field_name: str, reason: str, location: str, signer_name: str | None,
                timestamp_url: str | None) -> tuple[bytes, str, str]:
        import asyncio

        from asn1crypto import algos
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.sign.signers.pdf_cms import ExternalSigner
        from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

        from sakti_cli.documents.pdf_metadata import align_producer
        from sakti_cli.signatures.sign import _visible_field, stamp_style
        from sakti_cli.signatures.validate import quiet_library_logs

        quiet_library_logs()
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(data))
        except Exception as exc:
            raise FileUnreadable("PDF surat tidak dapat dibaca untuk ditandatangani.",
                                 pustaka=library_text(exc)) from exc
        align_producer(writer)
        placeholder = ExternalSigner(None, None, signature_mechanism=algos.SignedDigestAlgorithm(
            {"algorithm": "sha256_rsa"}))
        meta = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
                                            location=location, name=signer_name)
        pdf_signer = signers.PdfSigner(meta, placeholder,
                                       stamp_style=stamp_style() if _visible_field(writer, field_name) else None)
        prepared, _tbs, output = asyncio.run(pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=ROOM))
        assert self._passphrase is not None
        content = sign_hash(self.config, self._passphrase, prepared.document_digest, at=datetime.now(UTC),
                            reason=reason, location=location)
        stamped = _has_signature_timestamp(content)
        if not stamped and timestamp_url:
            content = _add_signature_timestamp(content, timestamp_url)
            stamped = True
        self._check_identity(content["content"])
        der = content.dump()
        if len(der) * 2 > ROOM:
            raise malformed(self.config, "hash", f"CMS-nya {len(der)} byte, lebih besar dari ruang yang disediakan")
        PdfTBSDocument.finish_signing(output, prepared, content)
        signed = bytes(output.getvalue())  # type: ignore[attr-defined]  # a BytesIO (no output given)
        level = "B-T" if stamped else "B-B"
        if stamped and self._validation_data() is not None:
            signed, level = self._add_dss(signed, field_name), "B-LT"
        return signed, level, field_name

    def _validation_data(self) -> Any:
        from sakti_cli.signatures.revocation import validation_data

        return validation_data(self.ws)

    def _add_dss(self, signed: bytes, field_name: str) -> bytes:
        """The validation data of the signature and its timestamp in the DSS (B-LT), fetched now as
        ``[tte]`` says; refused (SigningKeyError) when the office's data does not cover them."""
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import add_validation_info

        from sakti_cli.signatures.revocation import renewal_context, token_signer
        from sakti_cli.signatures.validate import timestamp_time

        reader = PdfFileReader(io.BytesIO(signed))
        emb = next(e for e in reader.embedded_regular_signatures if e.field_name == field_name)
        stamps = [e for e in reader.embedded_timestamp_signatures if e.signed_revision > emb.signed_revision]
        certs = [emb.signer_cert, *(stamp.signer_cert for stamp in stamps)]
        token = _signature_timestamp(emb.signed_data)
        if token is not None and token_signer(token["content"]) is not None:
            certs.append(token_signer(token["content"]))
        now = datetime.now(UTC)
        moment = (timestamp_time(token["content"]) if token is not None else None) or \
            (timestamp_time(stamps[0].signed_data) if stamps else None) or now
        context = renewal_context(self.ws, certs, now, moment)
        try:
            signed = bytes(add_validation_info(emb, context, force_write=True).getvalue())
            for index in range(len(stamps)):  # the document timestamp's TSA too (the whole-PDF route's B-T)
                stamp = PdfFileReader(io.BytesIO(signed)).embedded_timestamp_signatures[-len(stamps) + index]
                signed = bytes(add_validation_info(stamp, context, force_write=True).getvalue())
            return signed
        except Exception as exc:
            raise SigningKeyError("Data validasi (B-LT) untuk tanda tangan BSrE tidak dapat disematkan: CRL/OCSP di "
                                  "[tte] sakti.toml tidak mencakup sertifikat BSrE atau TSA-nya.",
                                  saran="Isi [tte].crl / [tte].ocsp dan [tte].sertifikat_ca dengan data penerbit BSrE, "
                                        "lalu ulangi.", pustaka=library_text(exc)) from None

    # the whole-PDF route
    def _whole(self, data: bytes, reason: str, location: str, timestamp_url: str | None) -> tuple[bytes, str, str]:
        """The service signs the whole PDF; then what the office's level still needs is added here. pyHanko
        cannot add a signature-timestamp attribute to a CMS already embedded in the PDF, so when the service's
        signature carries no timestamp the B-T time evidence is a *document timestamp* from the office's TSA
        (``[tte].tsa``) right after it (:func:`add_document_timestamp`); the validation data of the signature
        and of that timestamp then go into the DSS (B-LT). The archive timestamps of B-LTA come from
        ``ttd perbarui``, as for every letter. A TSA that does not answer is an outage (ServiceUnreachable:
        the letter waits in the signing queue)."""
        from pyhanko.pdf_utils.reader import PdfFileReader

        assert self._passphrase is not None
        signed = sign_whole_pdf(self.config, self._passphrase, data, reason=reason, location=location)
        if not signed.startswith(data):
            raise malformed(self.config, "pdf", "PDF yang kembali bukan PDF surat ini dengan tanda tangan ditambahkan")
        try:
            reader = PdfFileReader(io.BytesIO(signed))
            before = {e.field_name for e in PdfFileReader(io.BytesIO(data)).embedded_signatures}
            added = [e for e in reader.embedded_regular_signatures if e.field_name not in before]
        except Exception as exc:
            raise malformed(self.config, "pdf", f"PDF yang kembali tidak dapat dibaca ({type(exc).__name__})") from None
        if len(added) != 1:
            raise malformed(self.config, "pdf", f"PDF yang kembali membawa {len(added)} tanda tangan baru, bukan satu")
        self._check_identity(added[0].signed_data)
        name = added[0].field_name
        stamped = _signature_timestamp(added[0].signed_data) is not None
        if not stamped and timestamp_url:
            signed, stamped = add_document_timestamp(signed, timestamp_url), True
        if stamped and self._validation_data() is not None:
            signed = self._add_dss(signed, name)
        return signed, _level_of(self.ws, signed, name), name

    def _check_identity(self, signed_data: Any) -> None:
        """The certificate the service signed with must be the signatory's (its NIK, else its name), valid
        and chaining to the office's roots, not revoked by the office's CRLs: the checks of a local key
        (:func:`sakti_cli.signatures.keys.signing_findings`). Raises SigningKeyError before anything counts."""
        from sakti_cli.signatures.keys import signing_findings
        from sakti_cli.signatures.revocation import validation_data
        from sakti_cli.signatures.sign import check_office_revocation, names_match, raise_for, signer_common_name

        cert, others = _signer_certificate(signed_data)
        if cert is None:
            raise malformed(self.config, "hash" if self.config.mode == "hash" else "pdf",
                            "tanda tangannya tidak membawa sertifikat penanda tangan")
        common = signer_common_name(cert)
        numbers = _subject_numbers(cert)
        if numbers and self.config.nik not in numbers:
            raise SigningKeyError(f"Layanan BSrE menandatangani dengan sertifikat NIK {mask_text(numbers[0])} "
                                  f"({common}), bukan NIK {self.config.masked_nik} penandatangan '{self.person.id}'; "
                                  "tidak dicatat terbit.",
                                  saran="Periksa kunci.nik penandatangan itu dan akun aplikasi di gerbang BSrE pemda.",
                                  kode_temuan="BSRE_SERTIFIKAT_ORANG_LAIN")
        if not numbers and not names_match(common, (self.person.nama,)):
            raise SigningKeyError(f"Layanan BSrE menandatangani dengan sertifikat atas nama '{common}', bukan "
                                  f"'{self.person.nama}'; tidak dicatat terbit.",
                                  saran="Periksa kunci.nik penandatangan itu; bila sertifikatnya memang milik "
                                        "penandatangan, samakan nama di [[penandatangan]] dengan nama di sertifikat.",
                                  kode_temuan="BSRE_SERTIFIKAT_ORANG_LAIN")
        if self.configured is not None and cert.issuer != self.configured.issuer:
            raise SigningKeyError(f"Layanan BSrE menandatangani dengan sertifikat terbitan "
                                  f"{cert.issuer.human_friendly}, bukan penerbit sertifikat di kunci.sertifikat "
                                  f"({self.configured.issuer.human_friendly}) yang disebut kaki surat; tidak dicatat "
                                  "terbit.", saran="Perbarui kunci.sertifikat penandatangan itu dengan sertifikatnya "
                                  "yang sekarang (PEM dari portal BSrE).", kode_temuan="BSRE_PENERBIT_BERBEDA")
        at = datetime.now(UTC)  # signatures are made and validated on the machine's clock
        self.cert_registry = others
        raise_for(signing_findings(self.ws, self.person, _WithChain(cert, others), at))
        data = validation_data(self.ws)
        if data is not None and not data.remote:
            check_office_revocation(_WithChain(cert, others), data)
        self.learned = cert


@dataclass
class _WithChain:
    """A certificate with the further certificates the CMS carried, shaped as the signing checks read a signer."""

    signing_cert: Any
    cert_registry: list[Any]


def _signer_certificate(signed_data: Any) -> tuple[Any, list[Any]]:
    """(the signer's certificate, the other certificates) of a SignedData, matched by issuer and serial."""
    certs = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"] \
        if signed_data["certificates"].native is not None else []
    sid = signed_data["signer_infos"][0]["sid"]
    wanted = sid.chosen if sid.name == "issuer_and_serial_number" else None
    for cert in certs:
        if wanted is not None and cert.issuer == wanted["issuer"] \
                and cert.serial_number == wanted["serial_number"].native:
            return cert, [c for c in certs if c is not cert]
        if wanted is None and cert.key_identifier == sid.chosen.native:
            return cert, [c for c in certs if c is not cert]
    return None, certs


def _subject_numbers(cert: Any) -> list[str]:
    """NIKs in the certificate's subject: serialNumber, UID or any attribute (core/nik's one pattern)."""
    from sakti_cli.core.nik import find_id_numbers

    found: list[str] = []
    for rdn in cert.subject.chosen:
        for attribute in rdn:
            value = attribute["value"].native
            if isinstance(value, str):
                found += [digits for _, _, digits in find_id_numbers(value)]
    return found


def _signature_timestamp(signed_data: Any) -> Any:
    info = signed_data["signer_infos"][0]
    attrs = info["unsigned_attrs"]
    if attrs.native is None:
        return None
    return next((a["values"][0] for a in attrs if a["type"].native == "signature_time_stamp_token"), None)


def _has_signature_timestamp(content: Any) -> bool:
    return _signature_timestamp(content["content"]) is not None


def _add_signature_timestamp(content: Any, url: str) -> Any:
    """``content`` with a signature timestamp from the office's TSA (RFC 3161 over the signature value), as
    PAdES B-T wants: the CMS from the service carried none. A TSA that does not answer is an outage."""
    import asyncio

    from asn1crypto import cms
    from pyhanko.sign.timestamps import TimestampRequestError

    from sakti_cli.signatures.revocation import tsa_unreachable
    from sakti_cli.signatures.sign import _timestamper

    info = content["content"]["signer_infos"][0]
    imprint = hashlib.sha256(info["signature"].native).digest()
    try:
        token = asyncio.run(_timestamper(url).async_timestamp(imprint, "sha256"))
    except TimestampRequestError as exc:
        raise tsa_unreachable(url, exc) from exc
    present = list(info["unsigned_attrs"]) if info["unsigned_attrs"].native is not None else []
    attrs = cms.CMSAttributes([*present, cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})])
    # rebuilt around the service's own encodings (signed attributes untouched: re-encoding them breaks the signature)
    stamped = cms.SignerInfo({name: info[name] for name in ("version", "sid", "digest_algorithm", "signed_attrs",
                                                             "signature_algorithm", "signature")} |
                             {"unsigned_attrs": attrs})
    old = content["content"]
    signed_data = cms.SignedData({name: old[name] for name in ("version", "digest_algorithms", "encap_content_info",
                                                               "certificates", "crls") if old[name].native is not None}
                                 | {"signer_infos": cms.SignerInfos([stamped])})
    return cms.ContentInfo.load(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


DOCUMENT_TIMESTAMP_FIELD = "CapWaktu"
"""The whole-PDF route's document timestamps (B-T) are named CapWaktu1, CapWaktu2, ... (renewal's: Arsip1...)."""


def add_document_timestamp(signed: bytes, url: str) -> bytes:
    """``signed`` with a PAdES document timestamp from the TSA at ``url`` as a new revision: the time evidence
    (B-T) of a signature that is already embedded and carries no timestamp of its own. A TSA that does not
    answer (or refuses) is an outage (ServiceUnreachable: the outage rule queues the letter)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers import PdfTimeStamper
    from pyhanko.sign.timestamps import TimestampRequestError

    from sakti_cli.signatures.revocation import tsa_unreachable
    from sakti_cli.signatures.sign import _timestamper

    names = {e.field_name for e in PdfFileReader(io.BytesIO(signed)).embedded_signatures}
    number = 1
    while f"{DOCUMENT_TIMESTAMP_FIELD}{number}" in names:
        number += 1
    stamper = PdfTimeStamper(_timestamper(url), field_name=f"{DOCUMENT_TIMESTAMP_FIELD}{number}")
    try:
        out = stamper.timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(signed)), "sha256")
    except (TimestampRequestError, OSError, TimeoutError) as exc:
        raise tsa_unreachable(url, exc) from None
    return bytes(out.getvalue())


def _level_of(ws: Workspace, signed: bytes, field_name: str) -> str:
    """The PAdES level the returned PDF validates at, as 'sakti verifikasi' reads it."""
    import tempfile

    from sakti_cli.signatures.validate import verify_pdf as validate_pdf

    roots = [ws.path(p) for p in ws.config.verifikasi.akar_tepercaya]
    with tempfile.TemporaryDirectory(dir=ws.data_dir) as folder:
        path = Path(folder) / "bsre.pdf"
        path.write_bytes(signed)
        found = validate_pdf(path, roots)
    report = next((sig for sig in found.signatures if sig.field == field_name), None)
    return str(report.level) if report is not None and report.level else "B-B"


def ask_passphrase(config: BsreConfig, prompt: PassphrasePrompt | None, request: str | None) -> str:
    """The passphrase, typed by the signatory at the prompt after being shown ``request`` (what is signed)."""
    from sakti_cli.signatures.keys import SOLE_CONTROL

    label = f"Passphrase BSrE {config.owner}"
    typed = prompt(f"{request}\n{label}" if request else label) if prompt else None
    if typed is None:
        raise EnvironmentProblem(
            f"{label} hanya dapat diketik penandatangannya sendiri, tetapi tidak ada terminal untuk mengetiknya "
            f"({SOLE_CONTROL}).",
            saran="Jalankan perintah ini di terminal di depan penandatangan; atau siapkan suratnya tanpa tanda tangan "
                  "('sakti terbitkan REG --tanpa-ttd') agar penandatangan menyetujuinya kelak dengan 'sakti ttd "
                  "setujui'.")
    if not typed:
        raise SigningKeyError(f"{label} kosong; tidak ada yang dikirim ke BSrE.",
                              saran="Ketik passphrase BSrE penandatangan.")
    return typed


def open_bsre_signer(ws: Workspace, person: Signatory, prompt: PassphrasePrompt | None, at: datetime,
                     to_sign: Sequence[ToSign] | Callable[[], Sequence[ToSign]] | None = None
                     ) -> tuple[BsreSigner, list[str]]:
    """Open a BSrE key for a run: credentials read, ``kunci.sertifikat`` checked when configured, the NIK's
    status asked (an inactive certificate refused before any number is reserved), then the passphrase typed
    once. A service that does not answer is no error here: the signer carries the outage (see
    :func:`sakti_cli.issuance.pipeline.signing_outage`) and no passphrase is asked."""
    from sakti_cli.signatures.consent import signing_request
    from sakti_cli.signatures.keys import configured_certificate, signing_findings
    from sakti_cli.signatures.sign import raise_for

    config = bsre_config(ws, person)
    warnings: list[str] = []
    configured = configured_certificate(ws, person)
    cert, chain = (_asn1(configured[0]), configured[1]) if configured is not None else (None, [])
    if cert is not None:
        warnings += raise_for(signing_findings(ws, person, cert, at, chain))
    try:
        status = user_status(config)
    except ServiceUnreachable as exc:
        signer = BsreSigner(ws, person, config, None, cert, chain)
        signer.outage = exc
        return signer, warnings
    refuse_inactive(config, status)
    items = to_sign() if callable(to_sign) else to_sign
    request = signing_request(config.owner, items) if items else None
    passphrase = ask_passphrase(config, prompt, request)
    return BsreSigner(ws, person, config, passphrase, cert, chain), warnings


def bsre_findings(ws: Workspace, person: Signatory) -> list[Any]:
    """``kantor periksa`` on a BSrE signatory, without contacting the service: the credentials readable by their
    owner only (0600) and of the right form; the URL https (http only on the office network)."""
    from urllib.parse import urlsplit

    from sakti_cli.core.findings import galat, peringatan
    from sakti_cli.signatures.bsre_routes import resolve_routes, suspicious_paths

    who = f"Penandatangan '{person.id}'"
    found = []
    try:
        routes = resolve_routes(ROUTES, person.kunci.jalur, person.id)
    except ConfigError as exc:
        found.append(galat("BSRE_JALUR", f"{who}: {exc.pesan}", exc.saran or "Perbaiki kunci.jalur."))
    else:
        for words in suspicious_paths(ROUTES, routes):
            found.append(peringatan("BSRE_JALUR_JANGGAL", f"{who}: kunci.jalur: {words}.",
                                    "Periksa jalur dengan dokumentasi gerbang BSrE pemda; hapus kunci.jalur bila "
                                    "gerbangnya memakai jalur bawaan."))
    try:
        bsre_config(ws, person)
    except SaktiError as exc:
        if exc.detail.get("kode_temuan") != "BSRE_JALUR":  # already said above
            found.append(galat("BSRE_KREDENSIAL", f"{who}: {exc.pesan}",
                               exc.saran or "Perbaiki kredensial aplikasi BSrE."))
    url = person.kunci.url or ""
    host = urlsplit(url).hostname or ""
    if url.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
        found.append(peringatan("BSRE_TANPA_HTTPS", f"{who}: layanan BSrE {url} tanpa https: passphrase penandatangan "
                                "dan kredensial aplikasi lewat jaringan tanpa enkripsi.",
                                "Pakai alamat https:// gerbang BSrE pemda."))
    if any(part in url for part in ("/api/", "/sign/")):
        found.append(peringatan("BSRE_URL_JALUR", f"{who}: kunci.url {url} memuat jalur API; sakti menambahkan "
                                "jalurnya sendiri (mis. /api/v2/sign/pdf).",
                                "Tulis alamat dasar gerbangnya saja, mis. https://esign.kabupaten.go.id."))
    return found
