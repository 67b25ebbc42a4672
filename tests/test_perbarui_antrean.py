"""Issue 11 §4, the one rule for outages and revocation from the configured sources only: a TSA or a CRL/OCSP
source that does not answer queues the letter (MENUNGGU_TTD, its number kept, the reason recorded, exit 1,
never BATAL) and ``ttd setujui`` completes it at B-LT once they answer; a stale CRL file is refused before
any number is reserved. The TSA (``DemoTsa``), the CRL distribution point and the OCSP responder are
stand-ins on 127.0.0.1 (tests/revocation_standins.py)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIXED_TIME, Cli
from cryptography.hazmat.primitives.serialization import Encoding
from pki_helpers import around_both_clocks
from revocation_standins import CrlStandIn, FlakyTsa, OcspStandIn

from sakti_cli.signatures.pki import (
    CertificatePair,
    DemoTsa,
    make_certificate_pair,
    make_crl,
    make_tsa_certificate,
    pkcs12_bytes,
    write_private,
)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not shutil.which("soffice") and not shutil.which("libreoffice"),
                                 reason="LibreOffice missing")]
DOWN = "http://127.0.0.1:9"  # port 9 (discard) refuses at once: a service that is down


@dataclass
class Office:
    root: Path
    pair: CertificatePair
    tsa: DemoTsa

    def configure(self, **tte: list[str]) -> None:
        """Write ``[tte]`` lists (crl, ocsp) into sakti.toml."""
        lines = "".join(f"{key} = [{', '.join(repr(v).replace(chr(39), chr(34)) for v in values)}]\n"
                        for key, values in tte.items())
        config = self.root / "sakti.toml"
        text = config.read_text()
        head, tail = text.split('variabel_sandi = "SAKTI_SANDI"\n', 1)
        ours = ("crl =", "ocsp =", "sertifikat_ca =")
        tail = "".join(line + "\n" for line in tail.splitlines() if not line.startswith(ours))
        config.write_text(f'{head}variabel_sandi = "SAKTI_SANDI"\n{lines}{tail}')


@pytest.fixture
def office(kantor: Path, monkeypatch: pytest.MonkeyPatch) -> Office:
    start, end = around_both_clocks(FIXED_TIME)
    pair = make_certificate_pair(now=start, not_after=end)
    write_private(kantor / "pki" / "camat.p12", pkcs12_bytes(pair, "demo"))
    write_private(kantor / "pki" / "demo-root.pem", pair.root_cert.public_bytes(Encoding.PEM))
    tsa_key, tsa_cert = make_tsa_certificate(pair, now=datetime.now(UTC))  # 5 years from the machine clock
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    return Office(kantor, pair, DemoTsa(tsa_key, tsa_cert, [pair.root_cert]))


def _letter(kantor: Path, number: str) -> dict:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.letters import find_letter
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    with open_register(ws.register_dir, zone=ws.zone).reading() as txn:
        found = find_letter(txn, number=number)
    assert found is not None, number
    return found


def test_outage_queues_the_letter_and_ttd_setujui_completes_it(office: Office, cli: Cli,
                                                              registered: Callable[..., str]) -> None:
    reg = registered()
    cli.json("periksa", reg)
    now = datetime.now(UTC)
    responder = OcspStandIn(office.pair, now)
    with office.tsa as tsa_url, CrlStandIn(office.pair, now) as crl_url, responder as ocsp_url:
        sources = {"crl": [crl_url], "ocsp": [ocsp_url], "sertifikat_ca": ["pki/demo-root.pem"]}
        office.configure(**sources)
        # the TSA answers the check made before the number is reserved, then goes down while the letter is
        # signed (the plain "TSA down": test_ttd_terbit.py::test_terbitkan_with_unreachable_tsa_queues_the_letter)
        flaky = FlakyTsa(tsa_url, answers=1)
        with flaky as flaky_url:
            queued = cli.json("terbitkan", reg, "--tsa", flaky_url, code=1)
        assert flaky.requests >= 2  # the check passed; signing, after the number was reserved, did not
        number = queued["nomor_surat"]
        assert queued["ok"] is False and queued["status"] == "MENUNGGU_TTD" and "TSA" in queued["alasan_antrean"]
        letter = _letter(office.root, number)
        assert letter["status"] == "MENUNGGU_TTD" and "TSA" in letter["alasan_antrean"]
        status = cli.json("status", reg)
        assert status["status"] == "MENUNGGU_TTD" and not status.get("nomor_batal")  # no number wasted
        assert [row["nomor_surat"] for row in cli.json("ttd", "antrean")["surat"]] == [number]
        assert cli.json("register", "periksa")["bersih"] is True  # no open reservation left behind

        # the TSA is back but the CRL source is down: nothing is signed, the letter keeps waiting
        office.configure(**{**sources, "crl": [f"{DOWN}/akar.crl"]})
        down = cli("ttd", "setujui", number, "--tsa", tsa_url)
        assert down.exit_code == 4 and "Sumber CRL" in down.stderr and "akar.crl" in down.stderr
        assert _letter(office.root, number)["status"] == "MENUNGGU_TTD"

        stale = CrlStandIn(office.pair, now - timedelta(days=40))  # answers, but with a CRL past its nextUpdate
        with stale as stale_url:
            office.configure(**{**sources, "crl": [stale_url]})
            old = cli("ttd", "setujui", number, "--tsa", tsa_url)
        assert old.exit_code == 4 and "kedaluwarsa" in old.stderr and stale.requests == 1
        assert _letter(office.root, number)["status"] == "MENUNGGU_TTD"

        office.configure(**sources)  # everything answers again
        signed = cli.json("ttd", "setujui", number, "--tsa", tsa_url)
    assert office.pair.signer_cert.serial_number in responder.asked
    [row] = signed["ditandatangani"]
    assert row["status"] == "TERBIT" and row["nomor_surat"] == number  # the same number, now issued
    assert _letter(office.root, number)["status"] == "TERBIT"
    report = cli.json("verifikasi", row["pdf"])
    assert report["sah"] is True and report["tanda_tangan"][0]["tingkat"] == "B-LT"
    crls, answers = _dss_counts(Path(row["pdf"]))
    assert crls == 1 and answers == 1  # the CRL fetched just now and the signer's OCSP answer, embedded


def _dss_counts(pdf: Path) -> tuple[int, int]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf.read_bytes())))
    return len(dss.crls), len(dss.ocsps)


def test_stale_crl_file_refused_before_a_number(office: Office, cli: Cli, registered: Callable[..., str]) -> None:
    reg = registered()
    cli.json("periksa", reg)
    stale = office.root / "pki" / "lama.crl"
    write_private(stale, make_crl(office.pair, datetime.now(UTC) - timedelta(days=40)))  # nextUpdate 10 days ago
    office.configure(crl=["pki/lama.crl"], sertifikat_ca=["pki/demo-root.pem"])
    with office.tsa as tsa_url:
        result = cli("terbitkan", reg, "--tsa", tsa_url)
    assert result.exit_code == 4 and "lama.crl" in result.stderr and "kedaluwarsa" in result.stderr
    status = cli.json("status", reg)
    assert status["status"] == "LENGKAP" and not status.get("nomor_batal") and not status.get("surat")
    assert _all_letters(office.root) == []  # no number was reserved


def _all_letters(kantor: Path) -> list[dict]:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    with open_register(ws.register_dir, zone=ws.zone).reading() as txn:
        return list(txn.letters())
