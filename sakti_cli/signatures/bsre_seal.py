"""The office's electronic seal through BSrE (``jenis = "bsre"``, ``sifat = "segel"`` in sakti.toml).

A seal is applied by sakti at issuance, unattended: no person types a passphrase. BSrE identifies the
office's seal by its ``idSubscriber`` (``kunci.id_subscriber``) and authorises it with an activation code
(the "activation TOTP" of the public clients), which the office keeps in ``kunci.berkas_sandi`` (a file only
its owner can read, 0600: wider permissions are refused) or ``kunci.variabel_sandi`` (an environment
variable), or which is typed once when a terminal is there. The code is held in memory for the run only and
never written to the register or the audit trail. ``sakti sertifikat perbarui-segel`` asks the service for a
new code (with the current one) and writes it to ``berkas_sandi`` (0600), for cron.

Per letter: a fresh seal TOTP (``/api/v2/seal/get/totp`` with idSubscriber and the activation code), then the
whole PDF sealed (``/api/v2/seal/pdf``: base64 file list, idSubscriber, the TOTP, signatureProperties). The
visible stamp (the template's ``[[TTE]]`` box) is drawn by sakti before sending, saying "Dibubuhi segel
elektronik oleh:"; the service's signature itself is invisible, as in the public clients. The returned PDF is
checked like the personal routes (:mod:`sakti_cli.signatures.bsre`): the letter unchanged with one signature
added, intact, chaining to the office's roots, and its certificate the office's (organisation, the office's
name: :func:`sakti_cli.signatures.keys.seal_findings`), never a person's (a NIK in the subject is refused).

The request and answer shapes follow kiiskominfokepri/esign-ts (src/v2/EsignClient.ts) and
taufiqurrohmansuwarto/rumahASN (utils/esign-utils.js, jobs/processors/seal.js), kept in tests/data/bsre/seal_*.json;
the routes are in :data:`sakti_cli.signatures.bsre.ROUTES`. Faults (exit code 4, like the personal routes): a
refused TOTP (``BSRE_TOTP_DITOLAK``), an unknown idSubscriber (``BSRE_ID_SUBSCRIBER``), a wrong or expired
activation code (``BSRE_KODE_AKTIVASI``), a personal certificate (``BSRE_SEGEL_SERTIFIKAT_PRIBADI``); refused
application credentials, an outage and a malformed answer as in :mod:`sakti_cli.signatures.bsre` (an outage
queues the letter MENUNGGU_TTD with its number, and ``ttd setujui`` seals it later).
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.errors import (
    ConfigError,
    EnvironmentProblem,
    FileUnreadable,
    SaktiError,
    ServiceUnreachable,
    SigningKeyError,
    library_text,
)
from sakti_cli.core.privacy import mask_text
from sakti_cli.office.workspace import Signatory, Workspace
from sakti_cli.signatures.bsre import (
    BsreConfig,
    BsreSigner,
    PassphrasePrompt,
    Refusal,
    _asn1,
    _b64,
    _level_of,
    _post,
    _service_words,
    _signer_certificate,
    _subject_numbers,
    _WithChain,
    bsre_config,
    malformed,
)

if TYPE_CHECKING:
    from sakti_cli.signatures.consent import ToSign

SEAL_STAMP_TEXT = "Dibubuhi segel elektronik oleh:\n%(signer)s\nWaktu: %(ts)s"
"""The visible stamp of a sealed letter (a seal is applied by the office, not signed by a person)."""
FILE_COUNT = 1
"""Documents one seal TOTP is asked for (``data`` of /api/v2/seal/get/totp): one letter, one TOTP."""


@dataclass(frozen=True)
class SealConfig:
    """One seal's BSrE service: the gateway and credentials (:class:`BsreConfig`), the idSubscriber, and
    where its activation code is kept (a 0600 file or a variable name; never the code)."""

    service: BsreConfig
    id_subscriber: str
    code_file: Path | None
    code_variable: str | None

    @property
    def owner(self) -> str:
        return self.service.owner

    @property
    def code_from(self) -> str:
        if self.code_file is not None:
            return f"berkas {self.code_file}"
        return f"variabel {self.code_variable}" if self.code_variable else "yang diketik"


def seal_config(ws: Workspace, person: Signatory) -> SealConfig:
    """The seal's service with the application's credentials read now (ConfigError naming what is wrong)."""
    key = person.kunci
    if key.jenis != "bsre" or person.sifat != "segel" or not key.id_subscriber:
        raise ConfigError(f"Penandatangan '{person.id}' bukan segel BSrE (kunci.jenis = \"bsre\", sifat = \"segel\", "
                          "kunci.id_subscriber).",
                          saran="Pilih penandatangan segel kantor dengan --penandatangan, atau lengkapi kuncinya di "
                                "sakti.toml.")
    return SealConfig(bsre_config(ws, person), key.id_subscriber.strip(),
                      ws.path(key.berkas_sandi) if key.berkas_sandi else None, key.variabel_sandi)


def read_activation_code(seal: SealConfig, prompt: PassphrasePrompt | None) -> str:
    """The activation code: from ``berkas_sandi`` (owner-only, else ConfigError), else ``variabel_sandi``,
    else typed once at the terminal; EnvironmentProblem when none of them gives one."""
    return _read_code(seal.service.signatory, seal.owner, seal.code_file, seal.code_variable, prompt)


def _read_code(signatory: str, owner: str, code_file: Path | None, variable: str | None,
               prompt: PassphrasePrompt | None) -> str:
    from sakti_cli.core.children import note_secret_variable
    from sakti_cli.signatures.keys import read_secret_file

    label = f"Kode aktivasi segel BSrE {owner}"
    renew = f"sakti sertifikat perbarui-segel --penandatangan {signatory}"
    if code_file is not None:
        try:
            code = read_secret_file(code_file, ConfigError).decode("utf-8").strip()
        except UnicodeDecodeError:
            code = ""
        if not code:
            raise ConfigError(f"{label} di berkas {code_file} kosong atau bukan teks.",
                              saran=f"Isi dengan '{renew} --baru', atau tulis kode dari BSrE pada baris pertama.")
        return code
    if variable:
        note_secret_variable(variable)  # never passed on to a child process
        code = os.environ.get(variable, "").strip()
        if code:
            return code
    typed = prompt(label) if prompt else None
    if typed is None or not typed.strip():
        where = f"variabel {variable} kosong" if variable else "kunci.berkas_sandi tidak diisi"
        raise EnvironmentProblem(f"{label} dibutuhkan, tetapi {where} dan tidak ada terminal untuk mengetiknya.",
                                 saran="Tulis kodenya ke berkas (chmod 600) dan sebut di kunci.berkas_sandi, mis. "
                                       f"dengan '{renew} --baru', atau isi kunci.variabel_sandi.")
    return typed.strip()


# --- the service's seal endpoints ---------------------------------------------------------------------------
def _seal_refusal(seal: SealConfig, route: str) -> Refusal:
    """The service's refusal of a seal request: an unknown idSubscriber, a wrong/expired activation code
    (asking for a TOTP or a new code), a refused TOTP (sealing), an inactive seal certificate, or another."""

    def read(config: BsreConfig, status: int, data: dict[str, Any]) -> SaktiError:
        said = _service_words(data) or f"HTTP {status}"
        lower = said.casefold()
        who, person = seal.owner, seal.service.signatory
        renew = f"sakti sertifikat perbarui-segel --penandatangan {person}"
        if "subscriber" in lower or any(w in lower for w in ("tidak ditemukan", "not found", "tidak terdaftar")):
            return SigningKeyError(f"idSubscriber {seal.id_subscriber} segel {who} tidak dikenal layanan BSrE "
                                   f"(layanan: \"{said}\").",
                                   saran="Periksa kunci.id_subscriber penandatangan itu di sakti.toml (dari admin TTE "
                                         "pemda atau portal BSrE).", kode_temuan="BSRE_ID_SUBSCRIBER")
        if any(w in lower for w in ("totp", "otp", "aktivasi", "activation", "kode")):
            if route == "seal_pdf":
                return SigningKeyError(f"TOTP segel BSrE untuk {who} ditolak layanan (layanan: \"{said}\"); tidak ada "
                                       "yang dibubuhi segel.",
                                       saran="TOTP diminta baru untuk setiap surat: ulangi dengan 'sakti ttd setujui'. "
                                             f"Bila berulang, periksa jam komputer ini dan kode aktivasi ('{renew}').",
                                       kode_temuan="BSRE_TOTP_DITOLAK")
            return SigningKeyError(f"Kode aktivasi segel BSrE {who} dari {seal.code_from} salah atau kedaluwarsa "
                                   f"(layanan: \"{said}\").",
                                   saran=f"Perbarui kodenya selagi masih berlaku: '{renew}' (mis. dari cron); bila "
                                         f"sudah kedaluwarsa, minta kode baru: '{renew} --baru'.",
                                   kode_temuan="BSRE_KODE_AKTIVASI")
        if any(w in lower for w in ("expired", "kedaluwarsa", "kadaluarsa", "revoke", "dicabut", "suspend",
                                    "dibekukan", "tidak aktif", "not active")):
            return SigningKeyError(f"Sertifikat segel elektronik {who} di BSrE tidak dapat dipakai (layanan: "
                                   f"\"{said}\").",
                                   saran="Ajukan perpanjangan atau sertifikat segel baru ke BSrE lewat admin TTE "
                                         "pemda.",
                                   kode_temuan="BSRE_SERTIFIKAT_TIDAK_AKTIF")
        return SigningKeyError(f"Layanan BSrE menolak permintaan segel untuk {who} (HTTP {status}: \"{said}\").",
                               saran="Periksa kunci penandatangan itu di sakti.toml (url, id_subscriber) dan tanyakan "
                                     "admin TTE pemda.", kode_temuan="BSRE_DITOLAK")

    return read


def _call(seal: SealConfig, route: str, payload: dict[str, Any]) -> dict[str, Any]:
    return _post(seal.service, route, payload, _seal_refusal(seal, route))


def activation_request(seal: SealConfig, code: str | None) -> dict[str, Any]:
    """``/api/v2/seal/get/activation``: a new activation code; with the current one, a refresh."""
    return {"idSubscriber": seal.id_subscriber, **({"totp": code} if code else {})}


def request_activation(seal: SealConfig, code: str | None) -> dict[str, Any]:
    """Ask for a new activation code (``code``: the current one, to refresh it). Returns ``kode`` (None when
    the service sends it another way, e.g. by e-mail to the seal's admin), ``berlaku_sampai`` and ``pesan``."""
    data = _call(seal, "seal_activation", activation_request(seal, code))
    nested = data.get("data")
    holder: dict[str, Any] = nested if isinstance(nested, dict) else data
    found = holder.get("totp", data.get("totp"))
    if found is not None and (not isinstance(found, str) or not found.strip()):
        raise malformed(seal.service, "seal_activation", "totp (kode aktivasi) bukan teks")
    if found is None and code:
        raise malformed(seal.service, "seal_activation", "data.totp (kode aktivasi baru) tidak ada")
    expires = holder.get("expires")
    return {"kode": found.strip() if isinstance(found, str) else None,
            "berlaku_sampai": expires if isinstance(expires, str) else None, "pesan": _service_words(data)}


def totp_request(seal: SealConfig, code: str) -> dict[str, Any]:
    """``/api/v2/seal/get/totp``: a TOTP for :data:`FILE_COUNT` documents, authorised by the activation code."""
    return {"idSubscriber": seal.id_subscriber, "totp": code, "data": FILE_COUNT}


def fetch_seal_totp(seal: SealConfig, code: str) -> str:
    """A fresh seal TOTP (memory only)."""
    data = _call(seal, "seal_totp", totp_request(seal, code))
    if data.get("result") is False:
        raise _seal_refusal(seal, "seal_totp")(seal.service, 200, data)
    found = data.get("totp")
    if not isinstance(found, str) or not found.strip():
        raise malformed(seal.service, "seal_totp", "totp (TOTP segel) tidak ada")
    return found.strip()


def seal_pdf_request(seal: SealConfig, totp: str, pdf: bytes, *, reason: str, location: str,
                     contact: str | None) -> dict[str, Any]:
    """``/api/v2/seal/pdf``: the whole PDF, sealed invisibly (the stamp is already drawn by sakti)."""
    properties = {"tampilan": "INVISIBLE", "location": location or None, "reason": reason or "",
                  "contactInfo": contact or None}
    return {"idSubscriber": seal.id_subscriber, "totp": totp, "signatureProperties": [properties],
            "file": [base64.b64encode(pdf).decode("ascii")]}


def seal_whole_pdf(seal: SealConfig, totp: str, pdf: bytes, *, reason: str, location: str,
                   contact: str | None = None) -> bytes:
    """The sealed PDF the service returned for ``pdf``."""
    data = _call(seal, "seal_pdf", seal_pdf_request(seal, totp, pdf, reason=reason, location=location,
                                                    contact=contact))
    files = data.get("file")
    sealed = _b64(files[0]) if isinstance(files, list) and files else None
    if sealed is None or not sealed.startswith(b"%PDF-"):
        raise malformed(seal.service, "seal_pdf", "file[0] (PDF base64) tidak ada")
    return sealed


# --- the visible stamp --------------------------------------------------------------------------------------
def draw_seal_stamp(pdf: bytes, field_name: str, sealer: str) -> bytes:
    """``pdf`` with :data:`SEAL_STAMP_TEXT` drawn in the box of its empty signature field ``field_name`` (the
    template's ``[[TTE]]``), as an incremental update the seal then covers; unchanged when there is no box."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    from sakti_cli.documents.pdf_metadata import align_producer
    from sakti_cli.signatures.sign import stamp_style

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    place = None
    for _name, _value, ref in fields.enumerate_sig_fields(writer.prev, filled_status=False, with_name=field_name):
        field = ref.get_object()
        for widget_ref in [ref, *field.get("/Kids", [])]:
            widget = widget_ref.get_object()
            rect = [float(v) for v in widget.get("/Rect", [0, 0, 0, 0])]
            if rect[2] != rect[0] and rect[3] != rect[1]:
                page = _page_index(writer, widget_ref, widget)
                if page is not None:
                    place = page, rect
    if place is None:
        return pdf
    page, (x1, y1, x2, y2) = place
    align_producer(writer)
    style = stamp_style(SEAL_STAMP_TEXT)
    box = layout.BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
    style.create_stamp(writer, box, {"signer": sealer}).apply(page, int(min(x1, x2)), int(min(y1, y2)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _page_index(writer: Any, widget_ref: Any, widget: Any) -> int | None:
    """The page (0-based) holding the widget: its /P, else the page whose /Annots list it."""
    target = getattr(widget.get("/P"), "idnum", None) if "/P" in widget else None
    wanted = getattr(widget_ref, "idnum", None)
    for index in range(int(writer.root["/Pages"]["/Count"])):
        page_ref = writer.find_page_for_modification(index)[0]
        if target is not None and page_ref.idnum == target:
            return index
        annots = page_ref.get_object().get("/Annots", [])
        if any(getattr(a, "idnum", None) == wanted for a in annots):
            return index
    return None


# --- the opened seal of a run -------------------------------------------------------------------------------
class SealSigner(BsreSigner):
    """The BSrE seal of one run: :class:`BsreSigner`'s state (the service, what is known of the certificate,
    ``outage``, ``refused``) with the seal's idSubscriber and its activation code (memory only) in place of a
    person's passphrase; :meth:`sign_file` follows the seal route."""

    def __init__(self, ws: Workspace, person: Signatory, seal: SealConfig, code: str | None,
                 configured: Any = None, chain: Sequence[Any] = ()) -> None:
        super().__init__(ws, person, seal.service, code, configured, chain)
        self.seal = seal
        self._code = code

    def sign_file(self, src: Path, dst: Path, *, field_name: str, reason: str, location: str,
                  signer_name: str | None, timestamp_url: str | None) -> tuple[str, str]:
        """Seal ``src`` into ``dst``: the stamp drawn, a fresh TOTP, the whole PDF sealed; (PAdES level,
        signature field) once the result passed :meth:`_check`."""
        from sakti_cli.signatures.keys import office_seal_name
        from sakti_cli.signatures.sign import _write_atomic, signer_common_name

        del signer_name, timestamp_url  # the service's signature names the office; its PDF comes back as it is
        if self.refused is not None:
            raise self.refused
        if self._code is None:
            raise self.outage or EnvironmentProblem("Kode aktivasi segel BSrE belum dibaca.")
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise FileUnreadable(f"Berkas {src} tidak dapat dibaca: {exc.strerror or exc}") from exc
        sealer = signer_common_name(self.signing_cert) if self.signing_cert is not None else office_seal_name(self.ws)
        try:
            data = draw_seal_stamp(data, field_name, sealer)
        except Exception as exc:
            raise FileUnreadable("PDF surat tidak dapat diberi cap segel.", pustaka=library_text(exc)) from exc
        try:
            totp = fetch_seal_totp(self.seal, self._code)
            sealed = seal_whole_pdf(self.seal, totp, data, reason=reason, location=location,
                                    contact=self.ws.config.kantor.email or None)
            name = self._check(data, sealed)
        except (SigningKeyError, ConfigError) as exc:
            self.refused = exc
            raise
        try:
            _write_atomic(dst, sealed, mode=src.stat().st_mode & 0o777)
        except OSError as exc:
            raise FileUnreadable(f"Berkas tujuan {dst} tidak dapat ditulis: {exc.strerror or exc}") from exc
        return _level_of(self.ws, sealed, name), name

    def _check(self, sent: bytes, sealed: bytes) -> str:
        """The returned PDF is the letter sent with one signature added, made with the office's seal
        certificate (no NIK in its subject; the office's name: seal_findings), valid and chaining to the
        office's roots. Returns the signature's field name."""
        from pyhanko.pdf_utils.reader import PdfFileReader

        from sakti_cli.signatures.keys import signing_findings
        from sakti_cli.signatures.revocation import validation_data
        from sakti_cli.signatures.sign import check_office_revocation, raise_for, signer_common_name

        config = self.seal.service
        if not sealed.startswith(sent):
            raise malformed(config, "seal_pdf", "PDF yang kembali bukan PDF surat ini dengan segel ditambahkan")
        try:
            before = {e.field_name for e in PdfFileReader(io.BytesIO(sent)).embedded_signatures}
            added = [e for e in PdfFileReader(io.BytesIO(sealed)).embedded_regular_signatures
                     if e.field_name not in before]
        except Exception as exc:
            raise malformed(config, "seal_pdf", f"PDF yang kembali tidak dapat dibaca ({type(exc).__name__})") from None
        if len(added) != 1:
            raise malformed(config, "seal_pdf", f"PDF yang kembali membawa {len(added)} tanda tangan baru, bukan satu")
        cert, others = _signer_certificate(added[0].signed_data)
        if cert is None:
            raise malformed(config, "seal_pdf", "segelnya tidak membawa sertifikat penanda tangan")
        common = signer_common_name(cert)
        numbers = _subject_numbers(cert)
        organisation = [a["value"].native for rdn in cert.subject.chosen for a in rdn
                        if a["type"].native == "organization_name"]
        if numbers or not organisation:
            why = f"sertifikat pribadi NIK {mask_text(numbers[0])}" if numbers else "sertifikat tanpa nama organisasi"
            raise SigningKeyError(f"Layanan BSrE membubuhkan segel {self.seal.owner} dengan {why} ('{common}'), bukan "
                                  "sertifikat segel atas nama kantor; tidak dicatat terbit.",
                                  saran="Periksa kunci.id_subscriber: harus idSubscriber segel elektronik kantor, "
                                        "bukan akun seseorang; tanyakan admin TTE pemda.",
                                  kode_temuan="BSRE_SEGEL_SERTIFIKAT_PRIBADI")
        if self.configured is not None and cert.issuer != self.configured.issuer:
            raise SigningKeyError(f"Layanan BSrE membubuhkan segel dengan sertifikat terbitan "
                                  f"{cert.issuer.human_friendly}, bukan penerbit sertifikat di kunci.sertifikat "
                                  f"({self.configured.issuer.human_friendly}); tidak dicatat terbit.",
                                  saran="Perbarui kunci.sertifikat dengan sertifikat segel yang sekarang (PEM).",
                                  kode_temuan="BSRE_PENERBIT_BERBEDA")
        self.cert_registry = others
        raise_for(signing_findings(self.ws, self.person, _WithChain(cert, others), datetime.now(UTC)))
        data = validation_data(self.ws)
        if data is not None and not data.remote:
            check_office_revocation(_WithChain(cert, others), data)
        self.learned = cert
        return str(added[0].field_name)


def open_seal_signer(ws: Workspace, person: Signatory, prompt: PassphrasePrompt | None, at: datetime,
                     to_sign: Sequence[ToSign] | Callable[[], Sequence[ToSign]] | None = None
                     ) -> tuple[SealSigner, list[str]]:
    """Open the office's BSrE seal for a run: credentials and the activation code read, ``kunci.sertifikat``
    checked when configured, then one seal TOTP asked as a probe (an unknown idSubscriber, a wrong code or
    refused credentials stop here, before any number is reserved; the probe's TOTP is not used). A service
    that does not answer is no error here: the signer carries the outage and the letters queue."""
    from sakti_cli.signatures.keys import configured_certificate, signing_findings
    from sakti_cli.signatures.sign import raise_for

    del to_sign  # a seal is applied by the office: no signatory is shown the list
    seal = seal_config(ws, person)
    warnings: list[str] = []
    configured = configured_certificate(ws, person)
    cert, chain = (_asn1(configured[0]), configured[1]) if configured is not None else (None, [])
    if cert is not None:
        warnings += raise_for(signing_findings(ws, person, cert, at, chain))
    code = read_activation_code(seal, prompt)
    signer = SealSigner(ws, person, seal, code, cert, chain)
    try:
        fetch_seal_totp(seal, code)
    except ServiceUnreachable as exc:
        signer.outage = exc
    return signer, warnings


def seal_code_findings(ws: Workspace, person: Signatory) -> list[Any]:
    """``kantor periksa`` on a BSrE seal, without contacting the service: its activation code can be read
    unattended (``berkas_sandi`` owner-only 0600 and not empty, or ``variabel_sandi`` set)."""
    from sakti_cli.core.findings import galat, peringatan

    who = f"Penandatangan '{person.id}' (segel BSrE)"
    key = person.kunci
    if not key.berkas_sandi and not key.variabel_sandi:
        return [peringatan("BSRE_KODE_AKTIVASI", f"{who}: kode aktivasi tidak disebut (kunci.berkas_sandi atau "
                           "kunci.variabel_sandi); surat hanya dapat dibubuhi segel bila kodenya diketik di terminal.",
                           "Isi kunci.berkas_sandi (chmod 600) dan perbarui dengan 'sakti sertifikat perbarui-segel'.")]
    try:
        _read_code(person.id, f"{person.jabatan} ({person.nama})",
                   ws.path(key.berkas_sandi) if key.berkas_sandi else None, key.variabel_sandi, None)
    except SaktiError as exc:
        return [galat("BSRE_KODE_AKTIVASI", f"{who}: {exc.pesan}", exc.saran or "Perbaiki kode aktivasi segel.")]
    return []


def renew_activation(ws: Workspace, person: Signatory, *, fresh: bool = False) -> dict[str, Any]:
    """``sakti sertifikat perbarui-segel``: a new activation code from the service (refreshed with the current
    one from ``berkas_sandi``/``variabel_sandi``, or ``fresh`` without it), written to ``berkas_sandi`` (0600,
    atomically). The code itself is never part of the answer."""
    from sakti_cli.core.storage import atomic_write

    seal = seal_config(ws, person)
    if seal.code_file is None:
        raise ConfigError(f"Penandatangan '{person.id}' tidak menyebut kunci.berkas_sandi: kode aktivasi baru tidak "
                          "dapat disimpan.",
                          saran="Isi kunci.berkas_sandi, mis. \"pki/segel-bsre.kode\" (dibuat chmod 600 oleh perintah "
                                "ini).")
    current = None if fresh else read_activation_code(seal, None)
    answer = request_activation(seal, current)
    written = False
    if answer["kode"]:
        try:
            atomic_write(seal.code_file, answer["kode"].encode("utf-8") + b"\n")
        except OSError as exc:
            raise FileUnreadable(f"Berkas {seal.code_file} tidak dapat ditulis: {exc.strerror or exc}") from exc
        written = True
    return {"penandatangan": person.id, "id_subscriber": seal.id_subscriber, "layanan": seal.service.url,
            "berkas_sandi": str(seal.code_file), "diperbarui": written, "berlaku_sampai": answer["berlaku_sampai"],
            "keterangan": answer["pesan"] if not written else None}
