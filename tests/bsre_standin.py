"""A STAND-IN for BSrE's remote signing service, on 127.0.0.1, for the tests only. It is not BSrE.

It follows the requests and answers recorded in ``tests/data/bsre/*.json`` (taken from named public clients;
every request it receives is checked against them, so the client cannot drift from the public shapes without
these tests failing), signs with a test CA the suite makes ("BSrE test CA", ``(DEMO)`` in every name) around
the clock under test, and can be told to fail the way an office meets the real service failing
(:attr:`BsreStandIn.fault`): a wrong passphrase, an unregistered NIK, an expired or revoked certificate, refused
application credentials (401), a server error (500), a dropped connection, a timeout, a garbage answer.
It also serves the office's seal route (idSubscriber, activation code, a TOTP per document; a seal
certificate naming the office) with its own faults: a refused TOTP, an unknown idSubscriber, a wrong or
expired activation code, a personal certificate returned for a seal.
"""

from __future__ import annotations

import asyncio
import base64
import http.server
import io
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "bsre"
NIK = "6201012307800001"
"""The stand-in's registered signatory (the example office's camat)."""
PASSPHRASE = "rahasia-bsre-uji"
APP_CREDENTIALS = "aplikasi-sakti:kunci-aplikasi-uji"
ROOT_NAME = "Stand-in BSrE Test Root (DEMO)"
SIGNER_NAME = "AHMAD YANI"
ID_SUBSCRIBER = "SEGEL-ARUTSEL-UJI"
"""The stand-in's registered seal (the example office's)."""
ACTIVATION_CODE = "aktivasi-segel-uji-1"
"""The seal's activation code when the stand-in starts; ``seal_activation`` replaces it."""
SEAL_NAME = "Kecamatan Arut Selatan (DEMO)"
FIXTURES = {"hash": "sign_hash", "pdf": "sign_pdf", "status": "status", "verify": "verify",
            "seal_activation": "seal_activation", "seal_totp": "seal_totp", "seal_pdf": "seal_pdf"}
"""The route of each fixture file in tests/data/bsre/ (its ``jalur`` is the path the stand-in serves)."""
FAULTS = ("passphrase", "nik", "expired", "revoked", "401", "500", "putus", "timeout", "sampah",
          "totp", "subscriber", "aktivasi", "pribadi")


def fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((DATA / f"{name}.json").read_text(encoding="utf-8")))


def shape_problems(value: Any, model: Any, where: str = "") -> list[str]:
    """How ``value`` departs from the fixture's ``model``: a dict may hold only the model's keys (and must hold
    every key the model lists under ``"$wajib"``, or all its keys without one), a list's items follow the model's
    first item, a string where the model has a string (None where the model has None or a string)."""
    if isinstance(model, dict):
        if not isinstance(value, dict):
            return [f"{where or '.'}: bukan objek"]
        keys = {k for k in model if k != "$wajib"}
        required = set(model.get("$wajib", keys))
        problems = [f"{where}.{k}: tidak dikenal" for k in value if k not in keys]
        problems += [f"{where}.{k}: tidak ada" for k in required if k not in value]
        for key in keys & set(value):
            problems += shape_problems(value[key], model[key], f"{where}.{key}")
        return problems
    if isinstance(model, list):
        if not isinstance(value, list):
            return [f"{where}: bukan daftar"]
        return [p for item in value for p in shape_problems(item, model[0], f"{where}[]")] if model else []
    if model is None:
        return [] if value is None or isinstance(value, str) else [f"{where}: harus null atau teks"]
    if isinstance(model, bool):
        return [] if isinstance(value, bool) else [f"{where}: harus boolean"]
    if isinstance(model, int | float):
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [f"{where}: harus angka"]
    return [] if isinstance(value, str) or value is None else [f"{where}: harus teks"]


@dataclass
class BsrePki:
    """The stand-in's test CA: a root, the camat's personal certificate (NIK in serialNumber), a TSA and
    the office's seal certificate (CN and O the office's name, no NIK)."""

    root: Any  # pki.CertificatePair (root + personal certificate)
    tsa_key: Any
    tsa_cert: Any
    seal_key: Any = None
    seal_cert: Any = None

    def write_root(self, path: Path) -> Path:
        from cryptography.hazmat.primitives.serialization import Encoding

        path.write_bytes(self.root.root_cert.public_bytes(Encoding.PEM))
        path.chmod(0o600)
        return path

    def write_signer(self, path: Path) -> Path:
        from cryptography.hazmat.primitives.serialization import Encoding

        path.write_bytes(self.root.signer_cert.public_bytes(Encoding.PEM))
        path.chmod(0o600)
        return path


def make_bsre_pki(start: datetime, end: datetime) -> BsrePki:
    """A "BSrE test CA" valid from ``start`` to ``end`` (around the clock under test and the machine's), its
    personal certificate for :data:`NIK` / :data:`SIGNER_NAME`, and a TSA certificate under the same root."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

    from sakti_cli.signatures.pki import OID_DOCUMENT_SIGNING, CertificatePair, _key_usage, make_tsa_certificate

    def name(common: str, *extra: x509.NameAttribute) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common), *extra,
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Stand-in BSrE (DEMO)"),
                          x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")])

    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_cert = (x509.CertificateBuilder().subject_name(name(ROOT_NAME)).issuer_name(name(ROOT_NAME))
                 .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
                 .not_valid_before(start - timedelta(days=1)).not_valid_after(end + timedelta(days=365))
                 .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                 .add_extension(_key_usage(signing=False), critical=True)
                 .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
                 .sign(root_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(name(SIGNER_NAME, x509.NameAttribute(NameOID.SERIAL_NUMBER, NIK)))
            .issuer_name(root_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signing=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                                  ObjectIdentifier(OID_DOCUMENT_SIGNING)]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    pair = CertificatePair(root_key, root_cert, key, cert)
    tsa_key, tsa_cert = make_tsa_certificate(pair, now=start + timedelta(minutes=10), name="Stand-in BSrE TSA (DEMO)")
    seal_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    seal_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SEAL_NAME),
                           x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kecamatan Arut Selatan"),
                           x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")])
    seal_cert = (x509.CertificateBuilder().subject_name(seal_name).issuer_name(root_cert.subject)
                 .public_key(seal_key.public_key()).serial_number(x509.random_serial_number())
                 .not_valid_before(start).not_valid_after(end)
                 .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                 .add_extension(_key_usage(signing=True), critical=True)
                 .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                                       ObjectIdentifier(OID_DOCUMENT_SIGNING)]), critical=False)
                 .add_extension(x509.SubjectKeyIdentifier.from_public_key(seal_key.public_key()), critical=False)
                 .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                                critical=False)
                 .sign(root_key, hashes.SHA256()))
    return BsrePki(pair, tsa_key, tsa_cert, seal_key, seal_cert)


def _asn1(cert: Any) -> Any:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


@dataclass
class BsreStandIn:
    """``with BsreStandIn(pki) as url``: the stand-in's base URL. Set :attr:`fault` (one of :data:`FAULTS`,
    or None) to choose how it answers; :attr:`requests` records (route, request JSON) of every call."""

    pki: BsrePki
    fault: str | None = None
    timestamp: bool = True
    """Put a signature timestamp (its own test TSA) into the CMS, as BSrE's PAdES_BASELINE_LT does."""
    delay: float = 3.0
    only: tuple[str, ...] = ()
    """Routes the fault applies to (empty: all): ``("hash",)`` = the service goes down after the status check."""
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    paths: dict[str, str] | None = None
    """Route -> path under the base URL it serves instead of the fixture's (a gateway on other paths)."""
    on_sign: Any = None
    """Called (no arguments) before a signing request is answered (e.g. to take the office's TSA down)."""
    tries_left: int = 3
    activation: str = ACTIVATION_CODE
    """The seal's activation code now (a refresh replaces it; the old one is refused after)."""
    seal_totps: set[str] = field(default_factory=set)
    """Seal TOTPs issued and not yet used (each seals one document)."""
    _server: Any = None
    _thread: Any = None

    def _signer(self, seal: bool = False) -> Any:
        from asn1crypto import keys
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
        from pyhanko.sign.signers import SimpleSigner
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        pair = self.pki.root
        private, cert = (self.pki.seal_key, self.pki.seal_cert) if seal else (pair.signer_key, pair.signer_cert)
        key = keys.PrivateKeyInfo.load(private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
        return SimpleSigner(signing_cert=_asn1(cert), signing_key=key,
                            cert_registry=SimpleCertificateStore.from_certs([_asn1(pair.root_cert)]))

    def _timestamper(self) -> Any:
        from asn1crypto import keys
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
        from pyhanko.sign.timestamps import DummyTimeStamper

        from sakti_cli.signatures.pki import complete_content_type_names

        if not self.timestamp:
            return None
        complete_content_type_names()  # a token made after other CMS work in this process (pki.py says why)
        key = keys.PrivateKeyInfo.load(self.pki.tsa_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8,
                                                                      NoEncryption()))
        return DummyTimeStamper(tsa_cert=_asn1(self.pki.tsa_cert), tsa_key=key,
                                certs_to_embed=[_asn1(self.pki.root.root_cert)])

    # --- answers ---------------------------------------------------------------------------------------------
    def _refuse(self, request: dict[str, Any], route: str) -> tuple[int, dict[str, Any]] | None:
        """The fault's answer to a signing request (None: go on and sign)."""
        if self.only and route not in self.only:
            return None if request.get("nik") == NIK and request.get("passphrase") == PASSPHRASE else \
                (400, {"error": "Passphrase anda salah"})
        if request.get("nik") != NIK or self.fault == "nik":
            return 400, {"error": "NIK tidak terdaftar"}
        if self.fault == "expired":
            return 400, {"error": "Sertifikat pengguna sudah expired"}
        if self.fault == "revoked":
            return 400, {"error": "Sertifikat pengguna telah di-revoke"}
        if request.get("passphrase") != PASSPHRASE or self.fault == "passphrase":
            self.tries_left = max(self.tries_left - 1, 0)
            return 400, {"error": f"Passphrase anda salah. Sisa percobaan: {self.tries_left}"}
        return None

    def answer(self, route: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if route.startswith("seal_"):
            return self._seal(route, request, self.fault if not self.only or route in self.only else None)
        if route == "status":
            word = {"nik": "NOT_REGISTERED", "expired": "EXPIRED", "revoked": "REVOKE"}.get(self.fault or "", "ISSUE")
            return 200, {"status": word if request.get("nik") == NIK else "NOT_REGISTERED"}
        if route == "verify":
            return 200, self._verify(base64.b64decode(request["file"]))
        refused = self._refuse(request, route)
        if refused is not None:
            return refused
        if self.on_sign is not None:
            self.on_sign()
        if route == "hash":
            props = request["signaturePropertiesHashMap"]["0"]
            digest = base64.b64decode(props["documentDigestBase64"])
            cms = asyncio.run(self._signer().async_sign(digest, "sha256", use_pades=True,
                                                       timestamper=self._timestamper()))
            return 200, {"data": {"cmsSignedDataHashMap": {"0": base64.b64encode(cms.dump()).decode()}}}
        return 200, {"time": datetime.now().astimezone().isoformat(),
                     "file": [base64.b64encode(self._sign_pdf(base64.b64decode(f))).decode()
                              for f in request["file"]]}

    def _seal(self, route: str, request: dict[str, Any], fault: str | None) -> tuple[int, dict[str, Any]]:
        """The seal route: activation codes, a TOTP per document, the whole PDF sealed with the office's
        certificate (the camat's personal one under fault ``pribadi``). Refusals as rumahASN reads them
        (``message``; ``result`` false for a TOTP request)."""
        if request.get("idSubscriber") != ID_SUBSCRIBER or fault == "subscriber":
            return 400, {"result": False, "message": "idSubscriber tidak ditemukan"}
        if route == "seal_activation":
            given = request.get("totp")
            if given is not None and (given != self.activation or fault == "aktivasi"):
                return 400, {"result": False, "message": "Kode aktivasi (TOTP) tidak valid atau sudah kedaluwarsa"}
            self.activation = f"aktivasi-segel-uji-{len(self.requests) + 1}"
            expires = (datetime.now().astimezone() + timedelta(days=30)).isoformat()
            return 200, {"message": "success", "data": {"totp": self.activation, "expires": expires}}
        if route == "seal_totp":
            if request.get("totp") != self.activation or fault == "aktivasi":
                return 400, {"result": False, "message": "Kode aktivasi (TOTP) tidak valid atau sudah kedaluwarsa"}
            totp = f"{100000 + len(self.requests):06d}"
            self.seal_totps.add(totp)
            return 200, {"result": True, "totp": totp, "message": "success"}
        if request.get("totp") not in self.seal_totps or fault == "totp":
            return 400, {"result": False, "message": "TOTP tidak valid"}
        self.seal_totps.discard(request["totp"])
        return 200, {"time": datetime.now().astimezone().isoformat(),
                     "file": [base64.b64encode(self._sign_pdf(base64.b64decode(f), seal=fault != "pribadi")).decode()
                              for f in request["file"]]}

    def _sign_pdf(self, pdf: bytes, seal: bool = False) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        meta = signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
        out = signers.PdfSigner(meta, self._signer(seal), timestamper=self._timestamper()).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)))
        return bytes(out.getvalue())

    def _verify(self, pdf: bytes) -> dict[str, Any]:
        import tempfile

        from sakti_cli.signatures.validate import verify_pdf

        with tempfile.TemporaryDirectory() as folder:
            root = self.pki.write_root(Path(folder) / "root.pem")
            (Path(folder) / "x.pdf").write_bytes(pdf)
            found = verify_pdf(Path(folder) / "x.pdf", [root])
        infos = [{"signerName": s.signer, "fieldName": s.field, "signatureFormat": "PAdES",
                  "integrityValid": bool(s.intact and s.valid), "certificateTrusted": bool(s.trusted),
                  "modified": bool(s.modified_after), "signatureDate": s.signing_time.isoformat() if s.signing_time
                  else None, "timestampInfomation": {"signerName": s.tsa, "timestampDate":
                                                    s.timestamp_time.isoformat() if s.timestamp_time else None}}
                 for s in found.signatures]
        ok = bool(infos) and all(i["integrityValid"] and i["certificateTrusted"] for i in infos)
        return {"documentName": "dokumen.pdf", "signatureCount": len(infos),
                "conclusion": "VALID" if ok else ("NO_SIGNATURE" if not infos else "INVALID"),
                "description": "Dokumen valid" if ok else "Dokumen tidak valid", "signatureInformations": infos}

    # --- the server ---------------------------------------------------------------------------------------
    def __enter__(self) -> str:
        owner = self
        models = {route: fixture(name) for route, name in FIXTURES.items()}
        routes = {"/gerbang" + model["jalur"]: route for route, model in models.items()}
        expected = "Basic " + base64.b64encode(APP_CREDENTIALS.encode()).decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _send(self, code: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                served = {"/gerbang" + path: route for route, path in owner.paths.items()} if owner.paths else routes
                route = served.get(self.path)
                if route is None:
                    self._send(404, b'{"error": "not found"}')
                    return
                try:
                    request = json.loads(raw)
                except ValueError:
                    self._send(400, b'{"error": "bad json"}')
                    return
                owner.requests.append((route, request))
                problems = shape_problems(request, models[route]["permintaan"])
                if problems:  # the client departed from the public client's request
                    self._send(400, json.dumps({"error": "bentuk permintaan: " + "; ".join(problems)}).encode())
                    return
                fault = owner.fault if not owner.only or route in owner.only else None
                if fault == "putus":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault == "timeout":
                    time.sleep(owner.delay)
                if fault == "401" or self.headers.get("Authorization") != expected:
                    self._send(401, b'{"error": "Unauthorized"}')
                    return
                if fault == "500":
                    self._send(500, b'{"error": "Internal Server Error"}')
                    return
                if fault == "sampah":
                    self._send(200, b"<html><body>Gateway sedang pemeliharaan</body></html>", "text/html")
                    return
                code, body = owner.answer(route, request)
                self._send(code, json.dumps(body).encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/gerbang"

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
