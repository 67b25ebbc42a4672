"""``sakti terbitkan REG --tsa URL``: a real letter (LibreOffice) signed PAdES B-LT against a TSA on
127.0.0.1 with the CRL the office stores, then ``sakti verifikasi`` and poppler's pdfsig."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import FIXED_TIME, Cli
from cryptography.hazmat.primitives.serialization import Encoding
from pki_helpers import CERTUTIL, PDFSIG, around_both_clocks, make_nss_db, pdfsig_verdict_ok, run_pdfsig

from sakti_cli.signatures.pki import (
    DemoTsa,
    make_certificate_pair,
    make_crl,
    make_tsa_certificate,
    pkcs12_bytes,
    write_private,
)
from sakti_cli.signatures.validate import verify_pdf

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="poppler-utils/libnss3-tools missing"),
              pytest.mark.skipif(not shutil.which("soffice") and not shutil.which("libreoffice"),
                                 reason="LibreOffice missing")]


def test_terbitkan_with_tsa_is_b_lt(kantor: Path, cli: Cli, registered: Callable[..., str], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real_now = datetime.now(UTC)
    # the key was issued well before the office's (fixed) clock, as a real one would be
    start, end = around_both_clocks(FIXED_TIME)
    pair = make_certificate_pair(now=start, not_after=end)
    write_private(kantor / "pki" / "camat.p12", pkcs12_bytes(pair, "demo"))
    write_private(kantor / "pki" / "demo-root.pem", pair.root_cert.public_bytes(Encoding.PEM))
    write_private(kantor / "pki" / "demo-root.crl", make_crl(pair, real_now))
    config = kantor / "sakti.toml"
    stored = 'crl = ["pki/demo-root.crl"]\nsertifikat_ca = ["pki/demo-root.pem"]\n'
    config.write_text(config.read_text().replace(
        'variabel_sandi = "SAKTI_SANDI"\n', 'variabel_sandi = "SAKTI_SANDI"\n' + stored, 1))
    reg = registered()
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    tsa_key, tsa_cert = make_tsa_certificate(pair, now=real_now)
    with DemoTsa(tsa_key, tsa_cert, [pair.root_cert]) as url:
        issued = cli.json("terbitkan", reg, "--tsa", url)
    pdf = Path(issued["pdf"])

    [sig] = verify_pdf(pdf, [kantor / "pki" / "demo-root.pem"]).signatures
    assert sig.ok and sig.level == "B-LT" and sig.tsa == "SAKTI Demo TSA"
    assert sig.later == ["revisi 2: data validasi (DSS)"]
    report = cli.json("verifikasi", str(pdf))
    assert report["sah"] is True and report["register"] == "TERBIT"
    assert report["tanda_tangan"][0]["tingkat"] == "B-LT" and report["tanda_tangan"][0]["waktu_cap_waktu"]
    assert pdfsig_verdict_ok(run_pdfsig(pdf, make_nss_db(tmp_path / "nss", kantor / "pki" / "demo-root.pem")))


def test_terbitkan_with_unreachable_tsa_queues_the_letter(kantor: Path, cli: Cli, registered: Callable[..., str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The outage rule (issue 11 §4; this test expected exit 4 and nothing recorded before): the TSA does not
    answer, so the letter waits in the signing queue with its number and the reason, exit 1, no BATAL."""
    reg = registered()
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    result = cli("terbitkan", reg, "--tsa", "http://127.0.0.1:9/tsa")
    assert result.exit_code == 1 and "TSA" in result.stderr and "Menunggu tanda tangan" in result.stdout
    assert not list((kantor / "data" / "surat").rglob("*.pdf"))  # nothing signed, nothing issued
    assert cli.json("status", reg)["status"] == "MENUNGGU_TTD"  # waits for 'ttd setujui', number kept
