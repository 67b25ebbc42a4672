"""Stand-ins on 127.0.0.1 for the revocation services a real CA (BSrE) runs: a CRL distribution point
(an ``http.server`` serving whatever CRL the test sets) and an OCSP responder (answers built with
cryptography's OCSP builder, signed by the test CA). Never for production: they answer what they are told.
"""

from __future__ import annotations

import http.server
import threading
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from sakti_cli.signatures.pki import CertificatePair, make_crl


class _Server:
    """A threaded HTTP server on 127.0.0.1 (``with StandIn() as url``); ``requests`` counts the answers."""

    path = "/"

    def __init__(self) -> None:
        self.requests = 0
        self._server: Any = None
        self._thread: Any = None

    def answer(self, body: bytes) -> tuple[int, str, bytes]:
        raise NotImplementedError

    def __enter__(self) -> str:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _reply(self, body: bytes) -> None:
                code, kind, payload = owner.answer(body)
                owner.requests += 1
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._reply(b"")

            def do_POST(self) -> None:
                self._reply(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class CrlStandIn(_Server):
    """The CA's CRL distribution point: serves ``crl`` (DER); :meth:`issue` publishes a new one."""

    path = "/akar.crl"

    def __init__(self, pair: CertificatePair, at: datetime, valid_days: int = 30) -> None:
        super().__init__()
        self.pair, self.number = pair, 0
        self.crl = b""
        self.issue(at, valid_days)

    def issue(self, at: datetime, valid_days: int = 30) -> bytes:
        self.number += 1
        self.crl = make_crl(self.pair, at, number=self.number, valid_days=valid_days)
        return self.crl

    def answer(self, body: bytes) -> tuple[int, str, bytes]:
        return 200, "application/pkix-crl", self.crl


class OcspStandIn(_Server):
    """The CA's OCSP responder: "good" for every certificate it is asked about, signed by the CA's root,
    valid ``valid_days`` from ``at`` (set ``at`` to answer as of another time)."""

    path = "/ocsp"

    def __init__(self, pair: CertificatePair, at: datetime, valid_days: int = 7) -> None:
        super().__init__()
        self.pair, self.at, self.valid_days = pair, at, valid_days
        self.asked: list[int] = []
        self.known: list[x509.Certificate] = []
        """Further certificates it answers for (e.g. the TSA's)."""

    def answer(self, body: bytes) -> tuple[int, str, bytes]:
        request = ocsp.load_der_ocsp_request(body)
        self.asked.append(request.serial_number)
        cert = self._certificate(request.serial_number)
        if cert is None:
            return 200, "application/ocsp-response", ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(Encoding.DER)
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=self.pair.root_cert, algorithm=hashes.SHA1(), cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=self.at - timedelta(minutes=1), next_update=self.at + timedelta(days=self.valid_days),
            revocation_time=None, revocation_reason=None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, self.pair.root_cert)
        response = builder.sign(self.pair.root_key, hashes.SHA256())
        return 200, "application/ocsp-response", response.public_bytes(Encoding.DER)

    def _certificate(self, serial: int) -> x509.Certificate | None:
        for cert in [self.pair.signer_cert, *self.known]:
            if cert.serial_number == serial:
                return cert
        return None


class FlakyTsa(_Server):
    """A TSA that goes down mid-issue: it passes the first ``answers`` requests on to a real (demo) TSA at
    ``upstream``, then answers 503. With ``answers=1`` the check before the number passes and signing fails."""

    path = "/tsa"

    def __init__(self, upstream: str, answers: int = 1) -> None:
        super().__init__()
        self.upstream, self.answers = upstream, answers

    def answer(self, body: bytes) -> tuple[int, str, bytes]:
        import urllib.request

        if self.requests >= self.answers:
            return 503, "text/plain", b"sedang gangguan"
        request = urllib.request.Request(self.upstream, data=body,
                                         headers={"Content-Type": "application/timestamp-query"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return 200, "application/timestamp-reply", response.read()
