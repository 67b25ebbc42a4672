"""Issue 10 §6, e-mail: ``sakti pesan REG --surel`` sends the issued letter (the stored signed PDF, byte for
byte) to the applicant's address through the office's server, over STARTTLS or TLS with the server's
certificate checked and with AUTH, and records it in the audit trail; ``ttd setujui`` gives the clerk the
issued-letter WhatsApp message for each letter it signs, as ``terbitkan`` does.

Real parts: a real SMTP server on 127.0.0.1 (aiosmtpd) with a certificate from a test CA built here and
with AUTH; a real letter (LibreOffice + PAdES) made once per module (prepared for the signing queue, kept
so, then signed by ``ttd setujui --json``), every test on its own copy.
"""

from __future__ import annotations

import email
import hashlib
import json
import shutil
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from conftest import Cli, Pki, example, module_office

pytest.importorskip("aiosmtpd")
# the implicit-TLS server is TLS from its first byte: aiosmtpd's warning about AUTH without STARTTLS is moot
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

NIK = "6201025403850003"  # the SKTM example's applicant
ADDRESS = "rusmini@contoh.example"  # the SKTM example's surel
USER, PASSWORD = "kecamatan@arutselatan.go.id", "sandi-surel-uji"
FIRST, NUMBER_A = "REG-202611-0001", "400.9.14.1/001/ARSEL/XI/2026"


# --- a test CA, the server's certificate, and a CA the server is not from --------------------------------
@dataclass(frozen=True)
class Certs:
    ca: Path
    other_ca: Path
    server_cert: Path
    server_key: Path


def _ca(common_name: str) -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime.now(UTC) - timedelta(days=1)  # TLS checks the machine's clock, not SAKTI_WAKTU
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _pem(cert: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return bytes(cert.public_bytes(Encoding.PEM))


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """A CA, the server's certificate from it (for the name localhost only, not for 127.0.0.1), another CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("surel-ca")
    ca_key, ca_cert = _ca("CA Surel Kantor (UJI)")
    _, other = _ca("CA Lain (UJI)")
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(UTC) - timedelta(days=1)
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
              .issuer_name(ca_cert.subject).public_key(key.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(start)
              .not_valid_after(start + timedelta(days=30))
              .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = Certs(folder / "ca.pem", folder / "lain.pem", folder / "server.pem", folder / "server.key")
    paths.ca.write_bytes(_pem(ca_cert))
    paths.other_ca.write_bytes(_pem(other))
    paths.server_cert.write_bytes(_pem(server))
    paths.server_key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    return paths


# --- the SMTP servers: STARTTLS on one port, implicit TLS on another, AUTH on both ----------------------
@dataclass
class Mailbox:
    received: list[dict[str, Any]] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": bytes(envelope.original_content or envelope.content),
                              "tls": server.transport.get_extra_info("ssl_object") is not None})
        return "250 OK diterima"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == \
            (USER.encode(), PASSWORD.encode())
        self.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", ok))
        return AuthResult(success=ok, handled=False)


@dataclass(frozen=True)
class Servers:
    starttls: int
    tls: int
    box: Mailbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def servers(certs: Certs) -> Iterator[Servers]:
    from aiosmtpd.controller import Controller

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.server_cert, certs.server_key)
    box = Mailbox()
    ports = (_free_port(), _free_port())
    plain = Controller(box, hostname="127.0.0.1", port=ports[0], tls_context=context, require_starttls=True,
                       authenticator=box.authenticate, auth_required=True)
    implicit = Controller(box, hostname="127.0.0.1", port=ports[1], ssl_context=context,
                          authenticator=box.authenticate, auth_required=True, auth_require_tls=False)
    plain.start()
    implicit.start()
    try:
        yield Servers(ports[0], ports[1], box)
    finally:
        plain.stop()
        implicit.stop()


@pytest.fixture
def box(servers: Servers) -> Mailbox:
    servers.box.received.clear()
    servers.box.logins.clear()
    return servers.box


# --- one letter made once: prepared for the queue (kept so), then signed by 'ttd setujui --json' ------
@dataclass(frozen=True)
class Template:
    root: Path
    """The office with the letter TERBIT."""
    waiting: Path
    """The same office before the signature: the letter MENUNGGU_TTD."""
    approved: dict[str, Any]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, demo_pki: Pki, lo_profile: Path) -> Iterator[Template]:
    root = tmp_path_factory.mktemp("surel") / "kantor"
    with module_office(root, demo_pki, lo_profile):
        # the camat's certificate configured (as PANDUAN-KANTOR asks): 'ttd setujui' accepts the demo key
        shutil.copy(demo_pki.signer_p12.with_suffix(".pem"), root / "pki" / "camat.pem")
        toml = root / "sakti.toml"
        old = 'kunci = { jenis = "pkcs12", berkas = "pki/camat.p12" }'
        toml.write_text(toml.read_text().replace(old, old[:-2] + ', sertifikat = "pki/camat.pem" }', 1))
        cli = Cli()
        reg = cli.json("--kantor", root, "daftar", "sktm", "--data", example("sktm"))["nomor_registrasi"]
        cli.json("--kantor", root, "periksa", reg)
        cli.json("--kantor", root, "terbitkan", reg, "--tanpa-ttd")
        waiting = root.parent / "menunggu"
        shutil.copytree(root, waiting, symlinks=True)
        approved = cli.json("--kantor", root, "ttd", "setujui", NUMBER_A)
    yield Template(root, waiting, approved)


def _office(template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, surel: str | None, *,
            waiting: bool = False) -> Path:
    root = tmp_path / "kantor"
    shutil.copytree(template.waiting if waiting else template.root, root, symlinks=True)
    if surel is not None:
        with (root / "sakti.toml").open("a", encoding="utf-8") as config:
            config.write(surel)
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    return root


def surel_section(port: int, *, keamanan: str = "starttls", ca: Path | None = None, extra: str = "",
                  server: str = "localhost") -> str:
    ca_line = f"sertifikat_ca = {json.dumps(str(ca))}\n" if ca else ""
    return (f'\n[surel]\nserver = "{server}"\nport = {port}\nkeamanan = "{keamanan}"\n'
            f'pengguna = "{USER}"\npengirim = "{USER}"\nnama_pengirim = "Kecamatan Arut Selatan"\n'
            f'batas_detik = 10\n{ca_line}{extra}')


@pytest.fixture
def office(template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: Servers,
           certs: Certs) -> Path:
    """A copy of the two-letter office with [surel] on the STARTTLS server, its CA, the password set."""
    monkeypatch.setenv("SAKTI_SANDI_SUREL", PASSWORD)
    return _office(template, tmp_path, monkeypatch, surel_section(servers.starttls, ca=certs.ca))


def audit_events(root: Path, action: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for path in sorted((root / "data" / "register" / "audit").glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [event for event in lines if event["aksi"] == action]


def stored_pdf(root: Path, number: str) -> bytes:
    for path in (root / "data" / "register" / "surat").glob("*.json"):
        for letter in json.loads(path.read_text(encoding="utf-8"))["surat"].values():
            if letter["nomor_surat"] == number:
                return (root / letter["pdf"]).read_bytes()
    raise AssertionError(number)


def parsed(received: dict[str, Any]) -> EmailMessage:
    message = email.message_from_bytes(received["data"], policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _check_delivered(root: Path, box: Mailbox, payload: dict[str, Any]) -> None:
    """One message, to the applicant, over TLS after a good login: its text and its PDF are the letter's."""
    [got] = box.received
    assert got["to"] == [ADDRESS] and got["from"] == USER and got["tls"]
    assert box.logins == [(USER, True)]
    message = parsed(got)
    assert message["To"] == ADDRESS and "Kecamatan Arut Selatan" in message["From"]
    assert NUMBER_A in message["Subject"] and message["Subject"] == payload["subjek"]
    assert message["Message-ID"] == payload["id_pesan"]
    body_part = message.get_body(preferencelist=("plain",))
    assert body_part is not None
    body = body_part.get_content()
    assert NUMBER_A in body and FIRST in body and "Rusmini" in body
    assert "https://sakti.arutselatan.example/cek/" in body
    assert NIK not in got["data"].decode("ascii", "replace") and NIK not in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == payload["lampiran"]
    pdf = attachment.get_content()
    assert pdf == stored_pdf(root, NUMBER_A)  # byte for byte the registered, signed file
    assert hashlib.sha256(pdf).hexdigest() == payload["sha256"]


# --- sending ---------------------------------------------------------------------------------------------
def test_starttls_delivers_the_letter_and_records_it(office: Path, cli: Cli, box: Mailbox) -> None:
    payload = cli.json("pesan", FIRST, "--surel")
    assert payload["kepada"] == ADDRESS and payload["nomor_surat"] == NUMBER_A
    assert payload["keamanan"] == "starttls"
    _check_delivered(office, box, payload)

    [event] = audit_events(office, "kirim_surel")
    assert event["objek"] == NUMBER_A
    assert event["detail"]["kepada"] == "r******@contoh.example"
    assert event["detail"]["id_pesan"] == payload["id_pesan"]
    assert event["detail"]["nomor_registrasi"] == FIRST
    assert ADDRESS not in json.dumps(event) and NIK not in json.dumps(event)
    assert PASSWORD not in json.dumps(event)

    human = cli("pesan", FIRST, "--surel")  # a second sending is allowed, and recorded again
    assert human.exit_code == 0, human.stderr
    assert "Surel terkirim" in human.stdout and NUMBER_A in human.stdout
    assert len(audit_events(office, "kirim_surel")) == 2 and len(box.received) == 2
    checked = cli.json("register", "periksa")  # the trail's new events keep its chain whole
    assert checked["bersih"] is True, checked["masalah"]


def test_implicit_tls_delivers_the_letter(template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          servers: Servers, certs: Certs, cli: Cli, box: Mailbox) -> None:
    secret = tmp_path / "surel.sandi"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    root = _office(template, tmp_path, monkeypatch,
                   surel_section(servers.tls, keamanan="tls", ca=certs.ca,
                                 extra=f"berkas_sandi = {json.dumps(str(secret))}\n"))
    monkeypatch.delenv("SAKTI_SANDI_SUREL", raising=False)
    payload = cli.json("pesan", FIRST, "--surel")
    assert payload["keamanan"] == "tls" and payload["server"] == f"localhost:{servers.tls}"
    _check_delivered(root, box, payload)
    assert len(audit_events(root, "kirim_surel")) == 1


def _refused(cli: Cli, code: int, kode: str, *needles: str, reg: str = FIRST) -> dict[str, Any]:
    result = cli("pesan", reg, "--surel", "--json")
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    error = json.loads(result.stdout)["error"]
    assert error["kode"] == kode, error
    for needle in needles:
        assert needle in error["pesan"] + " " + error["saran"], error
    assert "Traceback" not in result.stderr and "tak terduga" not in result.stderr
    return dict(error)


def test_server_certificate_from_another_ca_is_refused(template: Template, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch, servers: Servers,
                                                        certs: Certs, cli: Cli, box: Mailbox) -> None:
    monkeypatch.setenv("SAKTI_SANDI_SUREL", PASSWORD)
    root = _office(template, tmp_path, monkeypatch, surel_section(servers.starttls, ca=certs.other_ca))
    error = _refused(cli, 4, "SUREL", "tidak tepercaya (penerbitnya tidak dipercaya)", "[surel].sertifikat_ca")
    assert error["detail"]["sebab"] == "sertifikat"
    assert box.received == [] and box.logins == []  # the password never went to that server
    assert audit_events(root, "kirim_surel") == []
    # the implicit-TLS server, with the system's CAs only (no sertifikat_ca): refused as well
    _office(template, tmp_path / "b", monkeypatch, surel_section(servers.tls, keamanan="tls"))
    assert _refused(cli, 4, "SUREL", "tidak tepercaya")["detail"]["sebab"] == "sertifikat"
    assert box.received == [] and box.logins == []
    # the right CA, but the certificate names another host than the one connected to: refused
    _office(template, tmp_path / "c", monkeypatch, surel_section(servers.starttls, ca=certs.ca, server="127.0.0.1"))
    error = _refused(cli, 4, "SUREL", "tidak tepercaya", "[surel].server")
    assert "alamat server tidak sama dengan sertifikat" in error["pesan"] and error["detail"]["sebab"] == "sertifikat"
    assert "mismatch" in error["detail"]["pustaka"]
    assert box.received == [] and box.logins == []


def test_tls_context_checks_certificate_and_host_name(office: Path, certs: Certs) -> None:
    from sakti_cli.citizen.mail import _tls_context
    from sakti_cli.office.workspace import find_workspace

    ws = find_workspace(office)
    assert ws.config.surel is not None
    context = _tls_context(ws, ws.config.surel)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "CA Surel Kantor (UJI)"),),)]


def test_wrong_password_is_refused(office: Path, cli: Cli, box: Mailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKTI_SANDI_SUREL", "keliru-Xq7")
    error = _refused(cli, 4, "SUREL", "menolak masuk", USER, "SAKTI_SANDI_SUREL")
    assert error["detail"]["sebab"] == "autentikasi"
    assert box.logins and set(box.logins) == {(USER, False)} and box.received == []  # each mechanism tried
    assert audit_events(office, "kirim_surel") == []
    failed = audit_events(office, "kirim_surel_gagal")  # the attempt is accounted for, the address masked
    assert [e["detail"]["sebab"] for e in failed] == ["autentikasi"]
    assert "@" in failed[0]["detail"]["kepada"] and "*" in failed[0]["detail"]["kepada"]
    assert "keliru-Xq7" not in json.dumps(error)


def test_unreachable_server(template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            cli: Cli, box: Mailbox) -> None:
    monkeypatch.setenv("SAKTI_SANDI_SUREL", PASSWORD)
    root = _office(template, tmp_path, monkeypatch, surel_section(_free_port()))
    result = cli("pesan", FIRST, "--surel")
    assert result.exit_code == 4 and "tidak dapat dihubungi" in result.stderr and "[surel]" in result.stderr
    assert audit_events(root, "kirim_surel") == []
    assert len(audit_events(root, "kirim_surel_gagal")) == 1


# --- what is refused before any connection ---------------------------------------------------------------
def _edit_application(root: Path, reg: str, **data: Any) -> None:
    for path in (root / "data" / "register" / "permohonan").glob("*.json"):
        content = json.loads(path.read_text(encoding="utf-8"))
        for doc in content["permohonan"].values():
            if doc["nomor_registrasi"] == reg:
                for key, value in data.items():
                    if value is None:
                        doc["data"].pop(key, None)
                    else:
                        doc["data"][key] = value
                path.write_text(json.dumps(content), encoding="utf-8")
                return
    raise AssertionError(reg)


def test_refused_before_the_network(template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    servers: Servers, certs: Certs, cli: Cli, box: Mailbox) -> None:
    root = _office(template, tmp_path, monkeypatch, None)
    _refused(cli, 4, "KONFIGURASI", "[surel]", "sakti.toml")  # no [surel] in the office
    with (root / "sakti.toml").open("a", encoding="utf-8") as config:
        config.write(surel_section(servers.starttls, ca=certs.ca))
    monkeypatch.delenv("SAKTI_SANDI_SUREL", raising=False)
    _refused(cli, 4, "KONFIGURASI", "SAKTI_SANDI_SUREL", "berkas_sandi")  # no password anywhere
    monkeypatch.setenv("SAKTI_SANDI_SUREL", PASSWORD)

    _refused(cli, 3, "TIDAK_DITEMUKAN", reg="REG-202611-0099")

    _edit_application(root, FIRST, surel=None)
    _refused(cli, 3, "INPUT_TIDAK_VALID", "tidak punya alamat surel", "sakti pesan")
    _edit_application(root, FIRST, surel="rusmini@contoh")
    _refused(cli, 3, "INPUT_TIDAK_VALID", "tidak sah", "rusmini@contoh")
    _edit_application(root, FIRST, surel="rusmini@contoh.example\r\nBcc: lain@contoh.example")
    _refused(cli, 3, "INPUT_TIDAK_VALID", "tidak sah")
    _edit_application(root, FIRST, surel="rusmini(lain)@contoh.example")  # a header would drop the comment
    _refused(cli, 3, "INPUT_TIDAK_VALID", "tidak sah")
    assert box.received == [] and box.logins == []
    assert audit_events(root, "kirim_surel") == []


def test_letter_not_issued_yet(template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               servers: Servers, certs: Certs, cli: Cli, box: Mailbox) -> None:
    monkeypatch.setenv("SAKTI_SANDI_SUREL", PASSWORD)
    root = _office(template, tmp_path, monkeypatch, surel_section(servers.starttls, ca=certs.ca), waiting=True)
    _refused(cli, 5, "STATUS_TIDAK_SESUAI", "MENUNGGU_TTD", "ttd setujui")
    assert box.received == [] and box.logins == [] and audit_events(root, "kirim_surel") == []


def test_changed_pdf_is_not_sent(office: Path, cli: Cli, box: Mailbox) -> None:
    for path in (office / "data" / "surat").rglob("*.pdf"):
        if stored_pdf(office, NUMBER_A) == path.read_bytes():
            path.write_bytes(path.read_bytes() + b"\n%tambahan\n")
    _refused(cli, 4, "REGISTER_RUSAK", "SHA-256")
    assert box.received == []


@pytest.mark.parametrize(("section", "needle"), [
    ('[surel]\nserver = "smtp.kantor.go.id"\nkeamanan = "tanpa"\npengirim = "a@kantor.go.id"\n', "surel.keamanan"),
    ('[surel]\nserver = "smtp.kantor.go.id"\npengirim = "a@kantor.go.id"\nsandi = "rahasia"\n',
     "sandi surel tidak ditulis di sakti.toml"),
    ('[surel]\nserver = "smtp.kantor.go.id:587"\npengirim = "a@kantor.go.id"\n', "surel.server"),
    ('[surel]\nserver = "smtp.kantor.go.id"\npengirim = "bukan alamat"\n', "surel.pengirim"),
    ('[surel]\nserver = "smtp.kantor.go.id"\npengirim = "a@kantor.go.id"\nport = 0\n', "surel.port"),
])
def test_bad_surel_section_named(kantor: Path, cli: Cli, section: str, needle: str) -> None:
    with (kantor / "sakti.toml").open("a", encoding="utf-8") as config:
        config.write("\n" + section)
    result = cli("kantor", "periksa")
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert needle in result.stderr and "rahasia" not in result.stderr


def test_kantor_periksa_checks_surel_offline(kantor: Path, cli: Cli, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    loose = tmp_path / "sandi.txt"
    loose.write_text(PASSWORD)
    loose.chmod(0o644)
    with (kantor / "sakti.toml").open("a", encoding="utf-8") as config:
        config.write(f'\n[surel]\nserver = "smtp.tidak-ada.invalid"\nkeamanan = "tls"\nport = 587\n'
                     f'pengirim = "{USER}"\nberkas_sandi = {json.dumps(str(loose))}\n'
                     f'sertifikat_ca = "pki/tidak-ada.pem"\n')
    found = {item["kode"]: item for item in cli.json("kantor", "periksa", code=1)["temuan"]}
    assert "chmod 600" in found["SUREL_SANDI"]["saran"] and found["SUREL_SANDI"]["tingkat"] == "galat"
    assert found["SUREL_CA_TIDAK_ADA"]["tingkat"] == "galat"
    assert found["SUREL_PORT"]["tingkat"] == "peringatan"
    assert found["SUREL_CONTOH"]["tingkat"] == "galat"  # .invalid: and no lookup of it was needed

    config = kantor / "sakti.toml"
    config.write_text(config.read_text().replace(f'berkas_sandi = {json.dumps(str(loose))}\n', ""))
    monkeypatch.delenv("SAKTI_SANDI_SUREL", raising=False)
    found = {item["kode"]: item for item in cli.json("kantor", "periksa", code=1)["temuan"]}
    assert found["SUREL_SANDI_KOSONG"]["tingkat"] == "peringatan" and "SUREL_SANDI" not in found


def test_kantor_periksa_logs_in_only_when_asked(office: Path, cli: Cli, box: Mailbox,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    plain = cli.json("kantor", "periksa", code=1)  # the example office has other findings (URL_CONTOH)
    assert "surel_diuji" not in plain and box.logins == []  # no connection without --uji-surel
    tested = cli.json("kantor", "periksa", "--uji-surel", code=1)
    assert tested["surel_diuji"] == f"localhost:{office_port(office)}"
    assert not [t for t in tested["temuan"] if t["kode"].startswith("SUREL")]
    assert box.logins == [(USER, True)] and box.received == []  # logged in, nothing sent
    human = cli("kantor", "periksa", "--uji-surel")
    assert "menerima masuk akun kantor" in human.stdout and "tidak ada surel yang dikirim" in human.stdout

    monkeypatch.setenv("SAKTI_SANDI_SUREL", "keliru-Xq7")
    refused = cli.json("kantor", "periksa", "--uji-surel", code=1)
    assert refused["surel_diuji"] is None
    [finding] = [t for t in refused["temuan"] if t["kode"] == "SUREL_UJI"]
    assert finding["tingkat"] == "galat" and "menolak masuk" in finding["pesan"]
    assert box.received == []


def office_port(root: Path) -> int:
    import tomllib

    return int(tomllib.loads((root / "sakti.toml").read_text(encoding="utf-8"))["surel"]["port"])


# --- ttd setujui gives the clerk the issued-letter message -----------------------------------------------
def test_setujui_json_carries_each_letters_message(template: Template) -> None:
    [row] = template.approved["ditandatangani"]
    assert row["nomor_surat"] == NUMBER_A and row["jenis_pesan"] == "terbit"
    assert NUMBER_A in row["pesan_wa"] and FIRST in row["pesan_wa"]
    assert "https://sakti.arutselatan.example/cek/" in row["pesan_wa"]
    assert row["tautan_wa"].startswith("https://wa.me/6281251234567?text=")
    assert unquote(row["tautan_wa"].partition("text=")[2]) == row["pesan_wa"]
    assert NIK not in row["pesan_wa"] and NIK not in unquote(row["tautan_wa"])


def test_setujui_prints_the_message_for_the_clerk(template: Template, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    _office(template, tmp_path, monkeypatch, None, waiting=True)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    result = cli("ttd", "setujui", NUMBER_A)
    assert result.exit_code == 0, result.stderr
    assert f"TERBIT {NUMBER_A}" in result.stdout
    assert "Pesan WhatsApp untuk pemohon" in result.stderr and f"{NUMBER_A} ({FIRST})" in result.stderr
    assert f"Nomor surat: {NUMBER_A}" in result.stderr and "https://wa.me/6281251234567?text=" in result.stderr
    assert NIK not in result.stdout + result.stderr
    assert cli.json("pesan", FIRST)["jenis_pesan"] == "terbit"
