"""Issue 11 section 3: what is signed is checked before it counts.

A signer certificate that does not chain to the office's trust roots is refused before a number is
reserved; a signed PDF that does not validate is never recorded TERBIT (its number is closed BATAL with
the reason); a certificate whose name is not the signatory's gets a warning in `kantor periksa` and at issue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXED_TIME, Cli
from cryptography.hazmat.primitives.serialization import Encoding
from pki_helpers import around_both_clocks

from sakti_cli.signatures.pki import make_certificate_pair, pkcs12_bytes, write_private


def _letters(kantor: Path) -> list[dict]:
    found = []
    for path in sorted((kantor / "data" / "register" / "surat").glob("*.json")):
        for table in json.loads(path.read_text()).values():
            found += table.values()
    return found


def _register_bytes(kantor: Path) -> dict[str, bytes]:
    root = kantor / "data" / "register"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_untrusted_signer_is_refused_before_a_number(kantor: Path, cli: Cli, registered: Callable[..., str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    reg = registered()
    cli.json("periksa", reg)
    # a key of another CA (its own root, which the office does not trust) installed as the office seal
    start, end = around_both_clocks(FIXED_TIME)
    stranger = make_certificate_pair(now=start, not_after=end, root_key_size=2048)
    write_private(kantor / "pki" / "camat.p12", pkcs12_bytes(stranger, "demo"))
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    before = _register_bytes(kantor)
    result = cli("terbitkan", reg, "--json")
    assert result.exit_code == 4, result.stdout
    error = json.loads(result.stdout)["error"]
    assert error["kode"] == "KUNCI_TTE" and "akar tepercaya" in error["pesan"]
    assert _letters(kantor) == []  # no number consumed
    after = _register_bytes(kantor)
    assert {k: v for k, v in after.items() if not k.startswith("audit")} == \
        {k: v for k, v in before.items() if not k.startswith("audit")}
    assert cli.json("status", reg)["status"] == "LENGKAP"


def test_signed_pdf_that_does_not_validate_is_not_terbit(kantor: Path, cli: Cli, registered: Callable[..., str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import sakti_cli.signatures.validate as verify

    real = verify.verify_pdf

    def broken(path: Path, roots: list[Path]) -> verify.PdfVerification:
        found = real(path, roots)
        for sig in found.signatures:  # as if the bytes had changed after signing
            sig.intact, sig.pesan = False, "isi dokumen berubah setelah ditandatangani"
        return found

    monkeypatch.setattr(verify, "verify_pdf", broken)
    reg = registered()
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    result = cli("terbitkan", reg, "--json")
    assert result.exit_code == 4, result.stdout
    error = json.loads(result.stdout)["error"]
    assert "tidak lolos validasi" in error["pesan"] and "berubah" in error["pesan"] and "BATAL" in error["pesan"]
    [letter] = _letters(kantor)
    assert letter["status"] == "BATAL" and "tidak lolos validasi" in letter["alasan_batal"]
    status = cli.json("status", reg)
    assert status["status"] == "LENGKAP" and letter["nomor_surat"] in status["nomor_batal"]
    assert not list((kantor / "data" / "surat").rglob("*.pdf"))  # no signed letter left as if issued


def test_a_sealed_letter_validates_and_says_so(issued: dict, cli: Cli) -> None:
    """The normal path still issues, unattended with the office seal, and verification names the kind."""
    assert issued["status"] == "TERBIT" and issued["penandatangan"]["sifat"] == "segel"
    human = cli("verifikasi", issued["pdf"])
    assert human.exit_code == 0 and "segel elektronik" in human.stdout
    by_code = cli("verifikasi", "--kode", issued["kode_verifikasi"])
    assert by_code.exit_code == 0 and "segel elektronik" in by_code.stdout


def test_name_mismatch_warns_in_kantor_periksa(kantor: Path, cli: Cli, demo_pki: object) -> None:
    """A personal signatory whose certificate names someone else: a warning (the key may still sign)."""
    from cryptography.hazmat.primitives.serialization.pkcs12 import load_key_and_certificates

    config = kantor / "sakti.toml"
    cert = load_key_and_certificates((kantor / "pki" / "camat.p12").read_bytes(), b"demo")[1]
    assert cert is not None
    write_private(kantor / "pki" / "camat.pem", cert.public_bytes(Encoding.PEM))
    text = config.read_text().replace('\nsifat = "segel"', '\nsifat = "pribadi"', 1)
    config.write_text(text.replace('berkas = "pki/camat.p12" }', 'berkas = "pki/camat.p12", sertifikat = '
                                   '"pki/camat.pem" }', 1))
    report = json.loads(cli("kantor", "periksa", "--json").stdout)
    found = {item["kode"]: item for item in report["temuan"]}
    assert found["SERTIFIKAT_NAMA_BERBEDA"]["tingkat"] == "peringatan"
    assert "AHMAD YANI" in found["SERTIFIKAT_NAMA_BERBEDA"]["pesan"]
