"""The issued letter to the applicant by e-mail (``sakti pesan REG --surel``), through the office's server.

The letter goes as it is in the register (the stored signed PDF, checked against its SHA-256), to the
application's ``surel`` field only, over TLS (STARTTLS or implicit) with the server's certificate and
host name checked, and with AUTH; the password comes from the environment or an owner-only file,
never from sakti.toml or argv. Every check that needs no network runs before the connection, so a
letter not yet issued or an application without an address never reaches the server. A sending is
recorded in the audit trail (``kirim_surel``: letter number, masked address, Message-ID).
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sakti_cli.core.errors import ConfigError, InputError, MailProblem, StateConflict, library_text, os_reason
from sakti_cli.office.workspace import CONFIG_NAME, MailSettings, Workspace
from sakti_cli.register.session import Application, Letter
from sakti_cli.register.states import ApplicationStatus

_PLAIN_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
"""An address as people type it (RFC 5322 dot-atom, ASCII): nothing a header parser would read differently."""
TEMPLATE_KIND = "surel_terbit"
"""templat/pesan/surel_terbit.txt: first line the subject, after one blank line the body."""


@dataclass(frozen=True)
class Outgoing:
    """One e-mail ready to send: the message and what the audit trail and the output say of it."""

    message: EmailMessage
    recipient: str
    letter: Letter
    pdf: Path


def mail_settings(ws: Workspace) -> MailSettings:
    settings = ws.config.surel
    if settings is None:
        raise ConfigError(f"Server surel kantor belum diatur: {ws.root / CONFIG_NAME} tidak punya bagian [surel].",
                          saran="Tambahkan [surel] (server, keamanan, pengirim, variabel_sandi atau berkas_sandi; "
                                "lihat docs/PANDUAN-KANTOR.md), atau kirim surat lewat WhatsApp ('sakti pesan REG').")
    return settings


def mail_password(ws: Workspace, settings: MailSettings) -> str:
    """The account's password: the owner-only file when [surel] names one, else its environment variable."""
    from sakti_cli.core.children import note_secret_variable
    from sakti_cli.signatures.keys import read_secret_file

    if settings.berkas_sandi:
        secret = read_secret_file(ws.path(settings.berkas_sandi), ConfigError)
        try:
            return secret.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"Berkas sandi surel {ws.path(settings.berkas_sandi)} bukan teks UTF-8.",
                              saran="Tulis sandi akun surel sebagai teks satu baris di berkas itu.") from None
    note_secret_variable(settings.variabel_sandi)  # never passed on to a child process
    value = os.environ.get(settings.variabel_sandi)
    if not value:
        raise ConfigError(f"Sandi akun surel {settings.account} tidak ada: variabel lingkungan "
                          f"{settings.variabel_sandi} tidak diisi dan [surel] tidak menyebut berkas_sandi.",
                          saran=f"Isi variabel {settings.variabel_sandi} sebelum menjalankan sakti, atau simpan "
                                "sandinya di berkas (chmod 600) dan sebut di [surel].berkas_sandi.")
    return value


def recipient_of(record: Application) -> str:
    """The application's e-mail address, checked again (a record may predate the form check)."""
    from sakti_cli.citizen.messages import EMAIL_FIELD
    from sakti_cli.core.text import clean_email

    reg = record["nomor_registrasi"]
    value = (record.get("data") or {}).get(EMAIL_FIELD)
    if value is None or not str(value).strip():
        raise InputError(f"Permohonan {reg} tidak punya alamat surel (isian '{EMAIL_FIELD}' kosong).",
                         saran=f"Kirim surat lewat WhatsApp ('sakti pesan {reg}') atau serahkan cetakannya "
                               "('sakti cetak NOMOR_SURAT --ke FOLDER'); alamat surel diisi saat pendaftaran.",
                         nomor_registrasi=reg, isian=EMAIL_FIELD)
    try:
        address = clean_email(str(value))
        if not _PLAIN_ADDRESS.match(address):  # quotes, comments, commas: headers would name someone else
            raise ValueError(f"'{address}' memuat tanda yang tidak dipakai pada alamat surel biasa")
        return address
    except ValueError as exc:
        raise InputError(f"Alamat surel permohonan {reg} tidak sah: {exc}.",
                         saran=f"Kirim surat lewat WhatsApp ('sakti pesan {reg}') atau serahkan cetakannya; "
                               "tidak ada surel yang dikirim.", nomor_registrasi=reg, isian=EMAIL_FIELD) from None


def issued_letter(ws: Workspace, register: Any, record: Application) -> tuple[Letter, Path]:
    """The application's TERBIT letter and its stored PDF (SHA-256 checked); StateConflict before that."""
    from sakti_cli.register.letters import letter_by_number, stored_pdf

    reg = record["nomor_registrasi"]
    number = (record.get("surat") or {}).get("nomor_surat")
    if record["status"] != ApplicationStatus.TERBIT or not number:
        raise StateConflict(f"Permohonan {reg} berstatus {record['status']}: suratnya belum terbit, tidak ada yang "
                            "dikirim.", saran=f"Terbitkan dulu ('sakti terbitkan {reg}', atau 'sakti ttd setujui' "
                                              "bila menunggu tanda tangan), lalu ulangi.", nomor_registrasi=reg)
    with register.reading() as txn:
        letter = letter_by_number(txn, number)
    return letter, stored_pdf(ws, register, letter)


def compose(ws: Workspace, settings: MailSettings, record: Application, recipient: str,
            letter: Letter, pdf: bytes) -> EmailMessage:
    """The message: subject and body from the office's template, the PDF attached byte for byte."""
    from email.headerregistry import Address
    from email.utils import format_datetime, make_msgid

    from sakti_cli.citizen.messages import message_context, render_message, template_path
    from sakti_cli.core.clock import now
    from sakti_cli.core.errors import SaktiError
    from sakti_cli.services.sop import load_service

    try:
        service = load_service(ws.sop_dir, record["layanan"])
    except SaktiError:  # a removed or broken SOP: the message still names the letter
        service = None
    path = template_path(ws, TEMPLATE_KIND)
    subject, _, body = render_message(path, message_context(ws, service, record)).partition("\n")
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise ConfigError(f"Templat {path} harus berisi subjek pada baris pertama, lalu isi surel.",
                          saran="Perbaiki templat itu: satu baris subjek, satu baris kosong, lalu isi surel.",
                          templat=str(path))
    sender_domain = settings.pengirim.rpartition("@")[2]
    message = EmailMessage()
    message["From"] = Address(settings.nama_pengirim, addr_spec=settings.pengirim)
    message["To"] = Address(addr_spec=recipient)
    message["Subject"] = subject
    message["Date"] = format_datetime(now(ws.zone))
    message["Message-ID"] = make_msgid("sakti", domain=sender_domain)
    message.set_content(body + "\n")
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=Path(str(letter["pdf"])).name)
    return message


def prepare(ws: Workspace, register: Any, reg: str) -> Outgoing:
    """Everything before the network: [surel] set, letter TERBIT and intact, a valid address."""
    from sakti_cli.register.applications import load

    settings = mail_settings(ws)
    record = load(ws, register, reg)
    letter, pdf = issued_letter(ws, register, record)
    recipient = recipient_of(record)
    data = _read_letter(pdf, letter)
    return Outgoing(compose(ws, settings, record, recipient, letter, data), recipient, letter, pdf)


def _read_letter(pdf: Path, letter: Letter) -> bytes:
    """The bytes that are attached, checked once more against the register (the file may change after
    :func:`~sakti_cli.register.letters.stored_pdf` looked at it)."""
    import hashlib

    from sakti_cli.core.errors import RegisterCorrupt

    try:
        data = pdf.read_bytes()
    except OSError as exc:
        raise RegisterCorrupt(f"PDF surat {letter['nomor_surat']} di {pdf} tidak dapat dibaca: {os_reason(exc)}.",
                              saran="Periksa izin folder data/surat; pulihkan dari cadangan bila hilang.") from None
    if hashlib.sha256(data).hexdigest() != letter.get("sha256"):
        raise RegisterCorrupt(f"PDF surat {letter['nomor_surat']} di {pdf} berubah saat dibaca: SHA-256-nya tidak "
                              "cocok dengan register; surel tidak dikirim.",
                              saran="Jalankan 'sakti register periksa' dan pulihkan PDF itu dari cadangan.")
    return data


def _tls_context(ws: Workspace, settings: MailSettings) -> ssl.SSLContext:
    """Certificates checked against the office's mail CA when given, else the system's; host name checked."""
    cafile = ws.path(settings.sertifikat_ca) if settings.sertifikat_ca else None
    if cafile is not None and not cafile.is_file():
        raise ConfigError(f"Sertifikat CA server surel {cafile} ([surel].sertifikat_ca) tidak ada.",
                          saran="Simpan sertifikat CA (PEM) server surel kantor di sana, atau perbaiki "
                                "[surel].sertifikat_ca.", berkas=str(cafile))
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except ssl.SSLError as exc:
        raise ConfigError(f"Sertifikat CA server surel {cafile} bukan sertifikat PEM yang sah.",
                          saran="Pakai sertifikat CA (PEM) dari pengelola server surel.", berkas=str(cafile),
                          pustaka=library_text(exc)) from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


_CERT_REASONS = {
    9: "sertifikatnya belum berlaku", 10: "sertifikatnya kedaluwarsa",
    18: "sertifikatnya ditandatangani sendiri", 19: "penerbitnya tidak dipercaya",
    20: "penerbitnya tidak dipercaya", 21: "penerbitnya tidak dipercaya",
    62: "nama server tidak sama dengan nama pada sertifikat", 64: "alamat server tidak sama dengan sertifikat",
}
"""OpenSSL's verify codes (X509_V_ERR_*) said in Indonesian; its English text stays in ``detail.pustaka``."""


def _problem(settings: MailSettings, exc: BaseException) -> MailProblem | InputError:
    """An SMTP or TLS failure said in Indonesian: what went wrong, with which server, and what to do."""
    where = f"{settings.server}:{settings.port_number}"
    extra = {"server": where, "pustaka": library_text(exc)}
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = _CERT_REASONS.get(exc.verify_code, f"tidak dapat diperiksa, kode {exc.verify_code}")
        return MailProblem(
            f"Sertifikat server surel {where} tidak tepercaya ({why}); surel tidak dikirim.",
            saran="Bila kantor memakai CA sendiri, sebut sertifikatnya di [surel].sertifikat_ca; bila tidak, "
                  "periksa nama server di [surel].server (harus sama dengan nama pada sertifikatnya) dan "
                  "hubungi pengelola server surel.", sebab="sertifikat", **extra)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailProblem(
            f"Server surel {where} menolak masuk akun {settings.account} (sandi atau nama akun salah); surel "
            "tidak dikirim.", saran=f"Periksa [surel].pengguna dan sandinya (variabel {settings.variabel_sandi} "
                                    "atau [surel].berkas_sandi).", sebab="autentikasi", **extra)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailProblem(f"Server surel {where} tidak menawarkan {_missing(exc)}; surel tidak dikirim.",
                           saran="Periksa [surel].server, port dan keamanan (starttls di 587, tls di 465) bersama "
                                 "pengelola server surel.", sebab="tidak_didukung", **extra)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return InputError(f"Server surel {where} menolak alamat penerima; surel tidak dikirim.",
                          saran="Periksa alamat surel pemohon; kirim surat lewat WhatsApp bila alamatnya salah.",
                          sebab="penerima_ditolak", **extra)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return MailProblem(f"Server surel {where} menolak alamat pengirim {settings.pengirim}; surel tidak dikirim.",
                           saran="Periksa [surel].pengirim: alamat itu harus boleh dipakai akun surel kantor.",
                           sebab="pengirim_ditolak", **extra)
    if isinstance(exc, ssl.SSLError):
        return MailProblem(f"Sambungan TLS ke server surel {where} gagal; surel tidak dikirim.",
                           saran="Periksa [surel].keamanan dan port: starttls di port 587, tls di port 465.",
                           sebab="tls", **extra)
    if isinstance(exc, TimeoutError):
        return MailProblem(f"Server surel {where} tidak menjawab dalam {settings.batas_detik:g} detik; surel tidak "
                           "dikirim.", saran="Periksa sambungan internet kantor dan [surel].server/port, lalu ulangi.",
                           sebab="tidak_terjangkau", **extra)
    if isinstance(exc, smtplib.SMTPException):
        return MailProblem(f"Server surel {where} menolak pengiriman; surel tidak dikirim.",
                           saran="Ulangi sebentar lagi; bila berulang, tunjukkan rincian galat (--json) kepada "
                                 "pengelola server surel.", sebab="ditolak", **extra)
    return MailProblem(f"Server surel {where} tidak dapat dihubungi; surel tidak dikirim.",
                       saran="Periksa sambungan internet kantor dan [surel].server/port, lalu ulangi.",
                       sebab="tidak_terjangkau", **extra)


def _missing(exc: BaseException) -> str:
    return "STARTTLS" if "STARTTLS" in str(exc).upper() else "AUTH (masuk dengan sandi)"


@contextmanager
def _session(ws: Workspace, settings: MailSettings, password: str) -> Iterator[smtplib.SMTP]:
    """A logged-in SMTP session: TLS first (never a plain-text login), then AUTH; QUIT at the end. Every
    failure, also of what the caller does inside, comes out as one Indonesian error (:func:`_problem`)."""
    context = _tls_context(ws, settings)
    host, port, timeout = settings.server, settings.port_number, settings.batas_detik
    client: smtplib.SMTP | None = None
    try:
        if settings.keamanan == "tls":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
            client.ehlo()
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server.")
            client.starttls(context=context)
            client.ehlo()
        client.login(settings.account, password)
        yield client
        client.quit()
    except (OSError, smtplib.SMTPException) as exc:
        raise _problem(settings, exc) from None
    finally:
        if client is not None:
            client.close()


def deliver(ws: Workspace, settings: MailSettings, message: EmailMessage, recipient: str, password: str) -> None:
    """The message to ``recipient`` (the checked address, not one parsed back from the header)."""
    with _session(ws, settings, password) as client:
        refused = client.send_message(message, from_addr=settings.pengirim, to_addrs=[recipient])
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)


def check_login(ws: Workspace) -> str:
    """``kantor periksa --uji-surel``: connect, TLS, AUTH and QUIT, nothing sent; ``host:port`` when it worked."""
    settings = mail_settings(ws)
    with _session(ws, settings, mail_password(ws, settings)):
        pass
    return f"{settings.server}:{settings.port_number}"


def send_issued_letter(ws: Workspace, register: Any, reg: str) -> dict[str, Any]:
    """``pesan REG --surel``: the letter's PDF to the applicant, then the audit event; the result shown."""
    from sakti_cli.core.clock import iso, now
    from sakti_cli.core.privacy import mask_email

    outgoing = prepare(ws, register, reg)
    settings = mail_settings(ws)
    password = mail_password(ws, settings)
    letter, message_id = outgoing.letter, str(outgoing.message["Message-ID"])
    try:
        deliver(ws, settings, outgoing.message, outgoing.recipient, password)
    except MailProblem as exc:  # an attempt to send personal data is accounted for, even when it failed
        with register.transaction() as txn:
            txn.audit("kirim_surel_gagal", letter["nomor_surat"], letter["status"], letter["status"],
                      nomor_registrasi=letter["nomor_registrasi"], kepada=mask_email(outgoing.recipient),
                      id_pesan=message_id, server=settings.server, sebab=exc.detail.get("sebab"))
        raise
    with register.transaction() as txn:
        txn.audit("kirim_surel", letter["nomor_surat"], letter["status"], letter["status"],
                  nomor_registrasi=letter["nomor_registrasi"], kepada=mask_email(outgoing.recipient),
                  id_pesan=message_id, sha256=letter["sha256"], server=settings.server)
    return {"nomor_registrasi": letter["nomor_registrasi"], "status": ApplicationStatus.TERBIT,
            "nomor_surat": letter["nomor_surat"],
            "kepada": outgoing.recipient, "subjek": str(outgoing.message["Subject"]), "id_pesan": message_id,
            "lampiran": Path(str(letter["pdf"])).name, "sha256": letter["sha256"],
            "server": f"{settings.server}:{settings.port_number}", "keamanan": settings.keamanan,
            "terkirim": iso(now(ws.zone))}
