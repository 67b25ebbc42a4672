"""The issuance pipeline: check -> reserve number -> render -> convert -> sign -> record.

Or, for the signing queue: ... -> convert -> wait as MENUNGGU_TTD; later the signatory signs the
waiting letters with one passphrase (:func:`approve_queue`). Both paths sign and record through the
same :func:`sign_and_record`.

Everything that can fail without a number (template, key, passphrase, certificate, LibreOffice) is
checked first. The register lock is held only for the two short register steps, never while
rendering, converting or signing. A failure after the reservation closes the number as BATAL with
the reason and leaves the application LENGKAP for a retry: numbers are never reused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.clock import iso
from sakti_cli.core.errors import (
    InputError,
    SaktiError,
    ServiceUnreachable,
    SigningKeyError,
    StateConflict,
    machine_problem,
)
from sakti_cli.core.scratch import Owned
from sakti_cli.core.storage import sha256_file
from sakti_cli.core.testhooks import crash_point
from sakti_cli.issuance.context import (
    footer_issuer,
    footer_record,
    letter_context,
    logo_path,
    template_path,
    verification_url,
)
from sakti_cli.issuance.docx import STAMP_MARKER, hide_stamp_marker
from sakti_cli.issuance.stamp import add_stamp_field, stamp_box, stamp_metadata
from sakti_cli.issuance.steps import letter_pdf_path, record_issued, record_waiting
from sakti_cli.office.workspace import Signatory, Workspace
from sakti_cli.register.applications import find_application, month_of_reg, save_application
from sakti_cli.register.letters import (
    WAITING,
    reserve_number,
    void_reserved,
)
from sakti_cli.register.places import make_work_dir, queued_pdf, workspace_of
from sakti_cli.register.session import Application, Letter, Register
from sakti_cli.register.states import ApplicationStatus, LetterStatus
from sakti_cli.services.sop import Service
from sakti_cli.signatures.keys import PassphrasePrompt, open_signer

if TYPE_CHECKING:
    from sakti_cli.signatures.consent import ToSign
    from sakti_cli.signatures.sign import Issuer

Progress = Callable[[str], None]


def sign_and_record(ws: Workspace, register: Register, letter: Letter, unsigned: Path, signer: Any,
                    person: Signatory, *, work: Path, reason: str, timestamp_url: str | None = None,
                    progress: Progress | None = None) -> tuple[Letter, Path]:
    """The one signing step of ``terbitkan`` and of ``ttd setujui``: sign ``unsigned`` (PAdES) outside
    the lock, then record it TERBIT (SHA-256, index, application TERBIT, audit) in one register step.

    ``letter`` is as the caller read it (DIPESAN or MENUNGGU_TTD). Raises StateConflict when the
    letter or its application changed meanwhile (nothing is recorded as signed then).
    """
    from sakti_cli.signatures.bsre import BsreSigner
    from sakti_cli.signatures.sign import sign_pdf

    say = progress or (lambda _step: None)
    number = letter["nomor_surat"]
    say(f"menandatangani (PAdES) {number}")
    signed = work / f"{letter['id']}-ttd.pdf"
    field_name = "TTE"
    if isinstance(signer, BsreSigner):  # the key stays at BSrE: its service signs (or seals, bsre_seal.SealSigner)
        level, field_name = signer.sign_file(unsigned, signed, field_name=field_name, reason=reason,
                                             location=ws.config.kantor.tempat, signer_name=person.nama,
                                             timestamp_url=timestamp_url)
    else:
        level = sign_pdf(unsigned, signed, signer, field_name=field_name, reason=reason,
                         location=ws.config.kantor.tempat, signer_name=person.nama, timestamp_url=timestamp_url)
    crash_point("setelah_ttd")
    say("memvalidasi PDF bertanda tangan")
    check_signed(ws, signed, level, number, field_name)
    digest = sha256_file(signed)
    final = letter_pdf_path(ws, letter)
    horizon = stored_horizon(signed) if level != "B-B" else None  # B-B: no timestamp, no horizon to read
    say("mencatat di register")
    reg = letter["nomor_registrasi"]
    try:
        with register.transaction() as txn:
            recorded, problem = record_issued(txn, ws, letter, reg, final, digest, person.id, store=register.store,
                                              signed=signed)
            if horizon and not problem:
                recorded["data_validasi_sampai"] = horizon  # for 'register periksa' and 'ttd perbarui --segera'
                txn.save_letter(recorded)
    finally:
        signed.unlink(missing_ok=True)
    if problem:
        raise StateConflict(problem, saran=f"Lihat 'sakti status {reg}'; terbitkan lagi bila perlu (nomor baru).")
    unsigned.unlink(missing_ok=True)  # the queued copy (or the scratch file) is no longer needed
    return recorded, final


def stored_horizon(pdf: Path) -> str | None:
    """Until when a signed file validates offline as it stands (ISO), see renewal.validation_horizon."""
    from sakti_cli.signatures.renewal import bytes_horizon

    found = bytes_horizon(pdf.read_bytes())
    return iso(found) if found else None


def check_signed(ws: Workspace, signed: Path, level: str, number: str, field_name: str = "TTE") -> None:
    """The signed PDF counts only once it validates as a recipient will check it: the signature intact
    and valid, its certificate chaining to the office's trust roots, at the PAdES level that was asked
    (B-LT really validating offline). Otherwise :class:`SigningKeyError`, before anything is recorded:
    ``terbitkan`` closes the number BATAL with this reason, ``ttd setujui`` leaves the letter waiting."""
    from sakti_cli.issuance.verification import trust_roots
    from sakti_cli.signatures.validate import verify_pdf

    found = verify_pdf(signed, trust_roots(ws))
    report = next((sig for sig in found.signatures if sig.field == field_name), None)
    if report is None:
        problem = f"tanda tangan {field_name} tidak ditemukan di PDF"
    elif not report.ok:
        problem = str(report.pesan)
    elif report.level != level:
        problem = f"tingkatnya {report.level or '-'}, bukan {level} yang diminta" + \
            (f" ({report.level_note})" if report.level_note else "")
    else:
        return
    raise SigningKeyError(f"Surat {number} tidak lolos validasi sesudah ditandatangani: {problem}; tidak "
                          "dicatat TERBIT.",
                          saran="Periksa kunci dan data validasi kantor dengan 'sakti kantor periksa', lalu "
                                "terbitkan lagi.")


def check_footer(letter: Letter, signer: Any) -> None:
    """Refuse to sign a queued letter whose footer says something untrue of this certificate: another
    issuer named, or the CONTOH mark missing (demo certificate) or present (real one)."""
    from sakti_cli.signatures.sign import certificate_issuer

    stated = letter.get("kaki_tte")
    if stated is None or getattr(signer, "signing_cert", None) is None:  # queued before footers named their
        return  # issuer, or a BSrE key whose certificate is known only once it signed (and is checked then)
    actual = footer_record(certificate_issuer(signer))
    number = letter["nomor_surat"]
    saran = (f"Kembalikan suratnya ('sakti ttd kembalikan {number} --alasan \"...\"') lalu siapkan ulang "
             "dengan kunci.sertifikat penandatangan yang benar, atau pakai kunci yang sertifikatnya disebut di "
             "kaki surat.")
    if stated["penerbit"] is not None and stated["penerbit"] != actual["penerbit"]:
        raise SigningKeyError(f"Kaki surat {number} menyebut sertifikat terbitan {stated['penerbit']}, tetapi kunci "
                              f"ini bersertifikat terbitan {actual['penerbit']}; tidak ditandatangani.", saran=saran)
    if stated["contoh"] != actual["contoh"]:
        said = "bertanda CONTOH - TIDAK BERLAKU" if stated["contoh"] else "tanpa tanda CONTOH - TIDAK BERLAKU"
        kind = "sertifikat demo" if actual["contoh"] else "sertifikat yang bukan demo"
        raise SigningKeyError(f"Surat {number} disiapkan {said}, tetapi kunci ini memakai {kind}; "
                              "tidak ditandatangani.", saran=saran)


# --- the pipeline, in steps (``terbitkan`` runs them in a row; ``massal`` overlaps them) ------------
@dataclass
class LetterPlan:
    """What one letter needs, checked before any key is opened or number reserved."""

    reg: str
    record: Application
    service: Service
    person: Signatory
    template: Path
    logo: Path | None


@dataclass
class PreparedLetter:
    """A letter with its number reserved (DIPESAN) and its DOCX rendered in its own scratch folder,
    waiting to be converted. Every prepared letter ends in :func:`finish_letter` (TERBIT or
    MENUNGGU_TTD) or :func:`abandon_letter` (BATAL with the reason): its number is never left open."""

    plan: LetterPlan
    letter: Letter
    scratch: Owned
    docx: Path
    visible: bool
    issuer: Issuer | None
    warnings: list[str] = field(default_factory=list)

    @property
    def work(self) -> Path:
        return self.scratch.path


def plan_letter(ws: Workspace, register: Register, service_loader: Callable[[str], Service], reg: str,
                signatory_id: str | None, progress: Progress | None = None) -> LetterPlan:
    """The checks of ``terbitkan`` that need no key and no number: the application is LENGKAP, the
    signatory may sign this service, the template exists and renders within its limits."""
    from sakti_cli.documents.template_lint import check_template

    say = progress or (lambda _step: None)
    with register.transaction() as txn:
        record = find_application(txn, reg)
    reg = record["nomor_registrasi"]
    if record["status"] == WAITING:
        waiting = (record.get("antrean") or {}).get("nomor_surat") or "-"
        raise StateConflict(
            f"Permohonan {reg} sudah punya surat {waiting} yang menunggu tanda tangan (MENUNGGU_TTD).",
            saran=f"Penandatangan: 'sakti ttd setujui {waiting}', atau 'sakti ttd kembalikan {waiting} "
                  "--alasan \"...\"'.",
        )
    if record["status"] != ApplicationStatus.LENGKAP:
        raise _not_ready(record, service_loader)
    service = service_loader(record["layanan"])
    person = ws.signatory(signatory_id)
    if person.peran not in service.penandatangan:
        raise InputError(
            f"Penandatangan '{person.id}' ({person.peran}) tidak boleh menandatangani layanan {service.kode}.",
            saran=f"SOP {service.kode} mengizinkan: {', '.join(service.penandatangan)}.",
        )
    template = template_path(ws, service)
    say("mencoba templat dengan batas waktu dan memori")
    check_template(ws, service, template)  # once per version of the template (cached), before any number
    return LetterPlan(reg, record, service, person, template, logo_path(ws))


def footer_warnings(plan: LetterPlan, issuer: Issuer | None) -> list[str]:
    if issuer is not None:
        return []
    return [f"Kaki surat tidak menyebut penerbit sertifikat: kunci.sertifikat penandatangan '{plan.person.id}' "
            "belum diisi di sakti.toml; surat ini tidak dapat ditandatangani dengan sertifikat demo."]


def trial_key(plan: LetterPlan, issuer: Issuer | None) -> tuple[str, ...]:
    """What a trial render of :func:`prepare_letter` depends on besides the applicant: the service, the
    template's version, the signatory and the footer's issuer (a run tries each such combination once)."""
    footer = footer_record(issuer)
    return (plan.service.kode, str(plan.template), sha256_file(plan.template), plan.person.id,
            str(footer["penerbit"]), str(footer["contoh"]))


def prepare_letter(ws: Workspace, register: Register, plan: LetterPlan, issuer: Issuer | None,
                   progress: Progress | None = None, *, trial: bool = True) -> PreparedLetter:
    """Try the template, reserve the number (one short register step), render the letter's DOCX.
    A failure after the reservation closes the number BATAL and raises the error saying so.

    ``trial`` False: a run that already tried this :func:`trial_key` (the template rendered, no number
    used) skips the trial; ``massal`` tries once per service and template version per run."""
    from sakti_cli.documents.convert import find_soffice
    from sakti_cli.documents.render import render_docx, try_render

    say = progress or (lambda _step: None)
    find_soffice()
    scratch = make_work_dir(ws.data_dir)
    letter: Letter | None = None
    try:
        work, service, person = scratch.path, plan.service, plan.person
        if trial:
            say("mencoba templat")
            sample = letter_context(ws, service, plan.record, person, "000/000/CONTOH", "CONTOH",
                                    register.moment(), issuer)
            try_render(plan.template, sample, qr_payload=verification_url(ws, "CONTOH"), logo=plan.logo,
                       kertas=ws.config.surat.kertas)
        say("memesan nomor surat")
        signer_info = {"id": person.id, "nama": person.nama, "jabatan": person.jabatan, "peran": person.peran,
                       "sifat": person.sifat}
        with register.transaction() as txn:
            current = find_application(txn, plan.reg)
            if current["status"] != ApplicationStatus.LENGKAP:
                raise StateConflict(f"Permohonan {plan.reg} berubah menjadi {current['status']} sementara itu.",
                                    saran=f"Petugas lain mengubahnya: lihat 'sakti status {plan.reg}', lalu "
                                          "periksa dan terbitkan lagi bila LENGKAP.")
            letter = reserve_number(txn, ws, service, plan.reg, signer_info)
            moment = txn.moment
        crash_point("setelah_pesan_nomor")
        say(f"mengisi templat ({letter['nomor_surat']})")
        context = letter_context(ws, service, plan.record, person, letter["nomor_surat"],
                                 letter["kode_verifikasi"], moment, issuer)
        docx = work / "surat.docx"
        render_docx(plan.template, context, docx, qr_payload=verification_url(ws, letter["kode_verifikasi"]),
                    logo=plan.logo, kertas=ws.config.surat.kertas)
        visible = hide_stamp_marker(docx)
    except BaseException as exc:
        if letter is None:
            scratch.remove()
            raise
        prepared = PreparedLetter(plan, letter, scratch, work / "surat.docx", False, issuer)
        said = abandon_letter(register, prepared, exc)
        if said is not None:
            raise said from exc
        raise
    return PreparedLetter(plan, letter, scratch, docx, visible, issuer, footer_warnings(plan, issuer))


def abandon_letter(register: Register, prepared: PreparedLetter, exc: BaseException) -> SaktiError | None:
    """A prepared letter that will not be finished (its conversion failed or timed out, Ctrl-C, a
    failure while signing): the number is closed BATAL with the reason, the scratch folder removed.
    Returns the error to raise, naming the number it used up (None: raise ``exc`` as it is)."""
    try:
        closed = _close_failed(register, prepared.letter, prepared.plan.reg, exc)
    finally:
        prepared.scratch.remove()
    return _say_number_closed(exc, closed)


def finish_letter(ws: Workspace, register: Register, prepared: PreparedLetter, pdf: Path, *, signer: Any,
                  timestamp_url: str | None = None, progress: Progress | None = None,
                  outage: SaktiError | None = None) -> dict[str, Any]:
    """The converted PDF: metadata and the stamp's field, then signed and recorded TERBIT (``signer``
    given) or recorded MENUNGGU_TTD in the signing queue (``signer`` None). On any failure the number
    is closed BATAL (:func:`abandon_letter`). The scratch folder is removed either way."""
    say = progress or (lambda _step: None)
    plan, letter, warnings = prepared.plan, prepared.letter, list(prepared.warnings)
    reg, service = plan.reg, plan.service
    try:
        stamp_metadata(ws, pdf, letter, service)
        if prepared.visible:
            place = stamp_box(pdf)
            if place is None:
                warnings.append(f"Penanda {STAMP_MARKER} di templat {plan.template.name} tidak ditemukan di PDF; "
                                "tanda tangan dibuat tanpa tampilan.")
            else:
                add_stamp_field(pdf, *place)
        if signer is None or outage is not None:
            say("menyimpan ke antrean tanda tangan")
            queued = queue_letter(ws, register, letter, pdf, service, prepared.issuer, warnings, outage)
            prepared.scratch.remove()
            return queued
        try:
            letter, final = sign_and_record(ws, register, letter, pdf, signer, plan.person, work=prepared.work,
                                            reason=f"{service.judul_surat} {letter['nomor_surat']}",
                                            timestamp_url=timestamp_url, progress=say)
        except ServiceUnreachable as exc:  # went down after the check: the number stays with the letter
            queued = queue_letter(ws, register, letter, pdf, service, prepared.issuer, warnings, exc)
            prepared.scratch.remove()
            return queued
    except BaseException as exc:
        said = abandon_letter(register, prepared, exc)
        if said is not None:
            raise said from exc
        raise
    prepared.scratch.remove()
    return {"surat": letter, "pdf": final, "peringatan": warnings, "permohonan": month_of_reg(reg)}


def issue_letter(ws: Workspace, register: Register, service_loader: Callable[[str], Service], reg: str, *,
                 signatory_id: str | None, prompt: PassphrasePrompt | None,
                 progress: Progress | None = None, timestamp_url: str | None = None,
                 sign: bool = True, converter: Any = None, signer: Any = None) -> dict[str, Any]:
    """``terbitkan``: the whole pipeline, its steps one after another. With ``sign=False``
    (``--tanpa-ttd``) no key is opened: the letter is numbered, rendered and converted and waits as
    MENUNGGU_TTD for its signatory.

    ``converter``: an open :class:`~sakti_cli.documents.convert.Converter` (or pool) to reuse, so a run of many
    letters starts LibreOffice once (per worker). ``signer``: a key the caller opened (with
    :func:`open_batch_signer`) and will close, so a run of many letters opens it once; its opening
    warnings are the caller's to report. Without it the key is opened (and closed) here."""
    from sakti_cli.documents.convert import Converter
    from sakti_cli.signatures.sign import close_signer

    say = progress or (lambda _step: None)
    plan = plan_letter(ws, register, service_loader, reg, signatory_id, say)
    if hasattr(converter, "start_early"):  # the desk's: LibreOffice starts while the key opens and we render
        converter.start_early()
    own: Any = None
    opened: list[str] = []
    if sign and signer is None:
        say("memeriksa kunci penandatangan")
        to_sign, preview = preview_for_signatory(ws, plan.service, plan.record, plan.person, register.moment())
        try:
            own, opened = open_batch_signer(ws, plan.person, prompt, register.moment(), to_sign)
        finally:
            if preview is not None:
                preview.remove()
    active = (signer if signer is not None else own) if sign else None
    try:
        outage: ServiceUnreachable | None = None
        if active is not None:
            say("memeriksa TSA dan data pencabutan")
            outage = signing_outage(ws, active, timestamp_url)  # before a number is reserved
        prepared = prepare_letter(ws, register, plan, footer_issuer(ws, plan.person, active), say)
        prepared.warnings[:0] = opened
        say("mengubah ke PDF (LibreOffice)")
        try:
            if converter is not None:
                pdf = converter.convert(prepared.docx, prepared.work, pdfa=ws.config.surat.pdfa)
            else:
                with Converter() as fresh:
                    pdf = fresh.convert(prepared.docx, prepared.work, pdfa=ws.config.surat.pdfa)
        except BaseException as exc:
            said = abandon_letter(register, prepared, exc)
            if said is not None:
                raise said from exc
            raise
        return finish_letter(ws, register, prepared, pdf, signer=active, timestamp_url=timestamp_url, progress=say,
                             outage=outage)
    finally:
        if own is not None:
            close_signer(own)


def open_batch_signer(ws: Workspace, person: Signatory, prompt: PassphrasePrompt | None, at: datetime,
                      to_sign: Sequence[ToSign] | Callable[[], Sequence[ToSign]] | None = None
                      ) -> tuple[Any, list[str]]:
    """THE one place a run of many letters (``massal --terbitkan``, ``ttd setujui``) opens its key:
    once, before its first signature, showing a personal key's signatory the whole list first
    (``to_sign``). Returns the open signer (the caller closes it) and the warnings of opening it, to be
    reported once for the run. ``terbitkan`` opens its one letter's key here too."""
    if person.kunci.jenis == "bsre" and person.sifat == "segel":  # the office's seal at BSrE: unattended
        from sakti_cli.signatures.bsre_seal import open_seal_signer

        return open_seal_signer(ws, person, prompt, at, to_sign)
    if person.kunci.jenis == "bsre":  # the key stays at BSrE: the service's status is asked, the passphrase typed
        from sakti_cli.signatures.bsre import open_bsre_signer

        return open_bsre_signer(ws, person, prompt, at, to_sign)
    return open_signer(ws, person, prompt, at, to_sign)


class RunSigner:
    """The key of one run, opened lazily through :func:`open_batch_signer` at the first letter that
    needs it, then reused; a failure to open it is kept and given to every later letter (the
    passphrase is never asked again). :meth:`close` closes it."""

    def __init__(self, ws: Workspace, person: Signatory, prompt: PassphrasePrompt | None,
                 at: Callable[[], datetime], timestamp_url: str | None = None,
                 to_sign: Callable[[], Sequence[ToSign]] | None = None) -> None:
        self.ws, self.person, self.prompt, self.at = ws, person, prompt, at
        self.timestamp_url, self.to_sign = timestamp_url, to_sign
        self.signer: Any = None
        self.error: SaktiError | None = None
        self.warnings: list[str] = []
        self.outage: ServiceUnreachable | None = None  # the outage rule, asked once when the key opens

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        if self.signer is None:
            try:
                self.signer, self.warnings = open_batch_signer(self.ws, self.person, self.prompt, self.at(),
                                                               self.to_sign)
                self.outage = signing_outage(self.ws, self.signer, self.timestamp_url)
            except SaktiError as exc:
                self.error = exc
                raise
        return self.signer

    def close(self) -> None:
        from sakti_cli.signatures.sign import close_signer

        if self.signer is not None:
            close_signer(self.signer)
            self.signer = None


def signing_outage(ws: Workspace, signer: Any, timestamp_url: str | None) -> ServiceUnreachable | None:
    """The outage rule, asked before a number is reserved: a configured TSA or revocation source that does
    not answer is returned (the letter then waits in the signing queue with the reason, its number kept);
    a refusal (stale CRL file, revoked certificate) is raised. See
    :func:`sakti_cli.signatures.revocation.prepare_signing`."""
    from sakti_cli.signatures.revocation import prepare_signing

    remote = getattr(signer, "outage", None)  # a remote signing service (BSrE) that did not answer when opened
    if isinstance(remote, ServiceUnreachable):
        return remote
    try:
        prepare_signing(ws, signer, timestamp_url)
    except ServiceUnreachable as exc:
        return exc
    return None


def queue_letter(ws: Workspace, register: Register, letter: Letter, pdf: Path, service: Service,
                 issuer: Issuer | None, warnings: list[str], outage: SaktiError | None) -> dict[str, Any]:
    """Record a reserved, rendered letter as MENUNGGU_TTD (``--tanpa-ttd``, or ``outage``: why it was not
    signed now); the number stays with the letter and ``ttd setujui`` completes it."""
    reg = letter["nomor_registrasi"]
    digest = sha256_file(pdf)
    reason = outage.pesan if outage is not None else None
    with register.transaction() as txn:
        letter, problem = record_waiting(txn, ws, letter, reg, pdf, digest, service, store=register.store,
                                         footer=footer_record(issuer),
                                         reason=reason)
    if problem:
        raise StateConflict(problem, saran=f"Lihat 'sakti status {reg}'.")
    result = {"surat": letter, "pdf": ws.root / letter["pdf_belum_ttd"], "peringatan": warnings,
              "permohonan": month_of_reg(reg), "menunggu_ttd": True}
    if reason:
        result["alasan_antrean"] = reason
    return result


def preview_for_signatory(ws: Workspace, service: Service, record: Application, person: Signatory,
                          moment: datetime) -> tuple[list[ToSign] | None, Owned | None]:
    """For a personal key, what its signatory reads before typing the passphrase: the letter rendered
    (DOCX, placeholder number: the number is reserved only once the key is open) into a private
    scratch folder the caller removes once the key is open. A seal is not asked: (None, None)."""
    from sakti_cli.documents.render import render_docx
    from sakti_cli.signatures.consent import item_for

    if person.sifat != "pribadi":
        return None, None
    scratch = make_work_dir(ws.data_dir)
    try:
        path = scratch.path / f"pratinjau-{record['nomor_registrasi']}.docx"
        context = letter_context(ws, service, record, person, "000/000/CONTOH", "CONTOH", moment,
                                 footer_issuer(ws, person, None))
        render_docx(template_path(ws, service), context, path, qr_payload=verification_url(ws, "CONTOH"),
                    logo=logo_path(ws), kertas=ws.config.surat.kertas)
    except BaseException:
        scratch.remove()
        raise
    return [item_for(service, record.get("data") or {}, number=None, preview=path)], scratch


def _not_ready(record: Application, service_loader: Callable[[str], Service]) -> StateConflict:
    """Why an application that is not LENGKAP cannot be issued, with the step that fits its state."""
    reg, state = record["nomor_registrasi"], record["status"]
    lines = [line for line in (record.get("periksa") or {}).get("hasil") or [] if line.get("status") != "OK"]
    if state == ApplicationStatus.BELUM_LENGKAP and lines:
        from sakti_cli.services.checks import CheckLine, next_steps

        steps = next_steps(service_loader(record["layanan"]), reg, [CheckLine(**line) for line in lines])
        return StateConflict(
            f"Permohonan {reg} BELUM_LENGKAP (kurang: {', '.join(line['kode'] for line in lines)}): surat tidak "
            "dapat diterbitkan.",
            saran="; ".join(steps) + f"; lalu 'sakti periksa {reg}'.")
    if state == ApplicationStatus.TERBIT:
        number = (record.get("surat") or {}).get("nomor_surat") or "NOMOR"
        return StateConflict(
            f"Permohonan {reg} sudah terbit: surat {number}.",
            saran=f"Salinan PDF-nya: 'sakti cetak {number} --ke BERKAS.pdf'. Surat pengganti hanya setelah "
                  f"'sakti batalkan {number} --alasan \"...\"'.")
    if state == ApplicationStatus.DITOLAK:
        return StateConflict(
            f"Permohonan {reg} sudah DITOLAK: surat tidak dapat diterbitkan.",
            saran=f"Lihat alasannya dengan 'sakti status {reg}'; bila pemohon datang lagi, daftarkan permohonan "
                  f"baru dengan 'sakti daftar {record['layanan']} --data BERKAS'.")
    return StateConflict(
        f"Permohonan {reg} berstatus {state}, belum LENGKAP: surat tidak dapat diterbitkan.",
        saran=f"Periksa dulu dengan 'sakti periksa {reg}'; ia menyebut apa yang masih kurang.")


def _say_number_closed(exc: BaseException, closed: str | None) -> SaktiError | None:
    """The error of a failure after the reservation, saying which number it used up."""
    if closed is None or isinstance(exc, KeyboardInterrupt):
        return None
    error = exc if isinstance(exc, SaktiError) else machine_problem(exc)
    if error is None:
        return None
    note = f"Nomor {closed} sudah dipesan lalu ditutup BATAL (tidak dipakai ulang)."
    error.pesan = f"{error.pesan.rstrip()} {note}"
    error.saran = (f"{error.saran.rstrip()} " if error.saran else "") + \
        "Setelah masalahnya diatasi, 'sakti terbitkan' lagi mendapat nomor baru."
    return error


def _close_failed(register: Register, letter: Letter, reg: str, exc: BaseException) -> str | None:
    """A failure after the reservation: the number is closed BATAL with the reason (never reused).
    Returns the number closed here, None when there was nothing to close or the register refused."""
    machine = machine_problem(exc)  # a full disk while rendering is recorded as such, not as an OSError
    reason = exc.pesan if isinstance(exc, SaktiError) else machine.pesan if machine else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, KeyboardInterrupt):
        reason = "dihentikan pengguna"
    try:
        with register.transaction() as txn:
            closed = void_reserved(txn, letter, f"gagal diterbitkan: {reason}")
            if closed["status"] != LetterStatus.BATAL:
                return None  # recorded meanwhile (TERBIT or MENUNGGU_TTD): nothing to close
            current = find_application(txn, reg)
            if closed["nomor_surat"] not in current.setdefault("nomor_batal", []):
                current["nomor_batal"].append(closed["nomor_surat"])
                save_application(txn, current)
        queued_pdf(workspace_of(register), closed).unlink(missing_ok=True)  # moved to the queue, never recorded
        return str(closed["nomor_surat"])
    except SaktiError:
        # The register is busy or unreadable: the reservation stays open and is closed as
        # BATAL ("proses terhenti") by the first register step after this process ends.
        return None


LetterCallback = Callable[[Letter], None]
