"""``verifikasi``: the ETSI EN 319 102-1 indication per signature, what the national verifier shows, and
``--laporan FILE.xml``, the TS 119 102-2 validation report: TOTAL-PASSED for a genuine letter, TOTAL-FAILED
(HASH_FAILURE) for a modified one, INDETERMINATE (NO_CERTIFICATE_CHAIN_FOUND) for an untrusted root.

One SKTM letter is issued per module (LibreOffice + PAdES with the run's demo PKI); each test reads it.
"""

from __future__ import annotations

import shutil
import stat
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Cli, Pki, example, module_office
from etsi_certs import revoked_signature, write_cert
from pki_helpers import make_pdf

VR = "{http://uri.etsi.org/19102/v1.2.1#}"


@pytest.fixture(scope="module")
def issued_office(tmp_path_factory: pytest.TempPathFactory, demo_pki: Pki, lo_profile: Path) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("etsi") / "kantor"
    with module_office(root, demo_pki, lo_profile):
        cli = Cli()
        reg = cli.json("--kantor", root, "daftar", "sktm", "--data", example("sktm"))["nomor_registrasi"]
        cli.json("--kantor", root, "periksa", reg)
        pdf = Path(cli.json("--kantor", root, "terbitkan", reg)["pdf"])
        shutil.copy(pdf, root.parent / "surat.pdf")
    yield root


@pytest.fixture
def office(issued_office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "kantor"
    shutil.copytree(issued_office, root, symlinks=True)
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    return root


@pytest.fixture
def letter(issued_office: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(issued_office.parent / "surat.pdf", tmp_path / "surat.pdf"))


def report_of(path: Path) -> list[tuple[str, str | None]]:
    """(MainIndication, SubIndication) of each SignatureValidationReport, read back with xml.etree."""
    tree = ET.parse(path)
    assert tree.getroot().tag == f"{VR}ValidationReport"
    found = []
    for sig in tree.getroot().iter(f"{VR}SignatureValidationReport"):
        status = sig.find(f"{VR}SignatureValidationStatus")
        assert status is not None
        main = status.findtext(f"{VR}MainIndication")
        assert main is not None
        found.append((main, status.findtext(f"{VR}SubIndication")))
    return found


def test_genuine_letter_total_passed(office: Path, letter: Path, cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "laporan.xml"
    payload = cli.json("verifikasi", str(letter), "--laporan", str(target))
    (sig,) = payload["tanda_tangan"]
    assert (sig["indikasi"], sig["subindikasi"]) == ("TOTAL-PASSED", None)
    assert sig["tidak_berubah"] is True and sig["penerbit"] == "SAKTI Demo Root CA"
    assert sig["sertifikat_berlaku_dari"] < sig["waktu_tanda_tangan"] < sig["sertifikat_berlaku_sampai"]
    assert sig["waktu_dari_cap_waktu"] is False  # the demo office signs offline, without a TSA
    assert "tidak berubah" in sig["penjelasan_indikasi"]
    assert payload["laporan"] == str(target)
    assert report_of(target) == [("urn:etsi:019102:mainindication:total-passed", None)]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    root = ET.parse(target).getroot()
    assert root.findtext(f".//{VR}SignerInformation/{VR}Signer") == sig["penandatangan"]["nama"]
    ref = root.find(f".//{VR}SignerCertificate")
    assert ref is not None
    assert root.find(f".//{VR}ValidationObject[@id='{ref.get('VOReference')}']") is not None

    human = cli("verifikasi", str(letter))
    assert human.exit_code == 0, human.stdout
    assert "dokumen tidak berubah" in human.stdout
    assert f"Penanda tangan: {sig['penandatangan']['nama']}" in human.stdout
    assert "Penerbit sertifikat: SAKTI Demo Root CA" in human.stdout
    assert "Masa berlaku sertifikat:" in human.stdout
    assert "TOTAL-PASSED" in human.stdout and "tanpa cap waktu tepercaya" in human.stdout


def _altered(letter: Path) -> Path:
    """The letter with one byte of its signed revision changed (the producer's name in /Info)."""
    data = letter.read_bytes()
    at = data.index(b"LibreOffice")
    assert at < data.rindex(b"/ByteRange")
    letter.write_bytes(data[:at] + b"X" + data[at + 1:])
    return letter


def test_modified_letter_total_failed(office: Path, letter: Path, cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "laporan.xml"
    payload = cli.json("verifikasi", str(_altered(letter)), "--laporan", str(target), code=1)
    (sig,) = payload["tanda_tangan"]
    assert (sig["indikasi"], sig["subindikasi"]) == ("TOTAL-FAILED", "HASH_FAILURE")
    assert sig["tidak_berubah"] is False and "berubah" in sig["penjelasan_indikasi"]
    assert report_of(target) == [("urn:etsi:019102:mainindication:total-failed",
                                  "urn:etsi:019102:subindication:HASH_FAILURE")]
    human = cli("verifikasi", str(letter))
    assert human.exit_code == 1 and "dokumen berubah setelah ditandatangani" in human.stdout
    assert "TOTAL-FAILED / HASH_FAILURE" in human.stdout


def test_untrusted_root_indeterminate(office: Path, letter: Path, cli: Cli, tmp_path: Path) -> None:
    other = write_cert(office / "pki" / "akar-lain.pem", "Root CA Lain")  # the trust list lacks the letter's root
    config = office / "sakti.toml"
    config.write_text(config.read_text().replace('akar_tepercaya = ["pki/demo-root.pem"]',
                                                 f'akar_tepercaya = ["{other}"]'))
    target = tmp_path / "laporan.xml"
    payload = cli.json("verifikasi", str(letter), "--laporan", str(target), code=1)
    (sig,) = payload["tanda_tangan"]
    assert (sig["indikasi"], sig["subindikasi"]) == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert sig["tidak_berubah"] is True  # not trusted here is not "changed"
    assert report_of(target) == [("urn:etsi:019102:mainindication:indeterminate",
                                  "urn:etsi:019102:subindication:NO_CERTIFICATE_CHAIN_FOUND")]
    human = cli("verifikasi", str(letter))
    assert "dokumen tidak berubah" in human.stdout and "INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND" in human.stdout
    assert "tidak berantai ke sertifikat akar" in human.stdout


def test_expired_certificate_without_timestamp(office: Path, letter: Path, cli: Cli) -> None:
    """Years later the demo certificate has expired and the letter carries no timestamp: not "changed",
    but no longer provable (INDETERMINATE / OUT_OF_BOUNDS_NO_POE)."""
    payload = cli.json("verifikasi", str(letter), "--pada", "2031-01-01", code=1)
    (sig,) = payload["tanda_tangan"]
    assert (sig["indikasi"], sig["subindikasi"]) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    assert sig["tidak_berubah"] is True and "masa berlakunya" in sig["penjelasan_indikasi"]


def test_revoked_without_timestamp(office: Path, cli: Cli, tmp_path: Path) -> None:
    """Revoked according to the CRL the file carries, and no timestamp proves the signature came first:
    INDETERMINATE / REVOKED_NO_POE (EN 319 102-1), in the JSON and in the report."""
    pdf, root = revoked_signature(tmp_path)
    config = office / "sakti.toml"
    config.write_text(config.read_text().replace('akar_tepercaya = ["pki/demo-root.pem"]',
                                                 f'akar_tepercaya = ["{root}"]'))
    target = tmp_path / "laporan.xml"
    (sig,) = cli.json("verifikasi", str(pdf), "--laporan", str(target), code=1)["tanda_tangan"]
    assert (sig["indikasi"], sig["subindikasi"]) == ("INDETERMINATE", "REVOKED_NO_POE")
    assert sig["tidak_berubah"] is True and "dicabut" in sig["penjelasan_indikasi"]
    assert report_of(target) == [("urn:etsi:019102:mainindication:indeterminate",
                                  "urn:etsi:019102:subindication:REVOKED_NO_POE")]


def test_report_target_refused_before_work(office: Path, letter: Path, cli: Cli, tmp_path: Path) -> None:
    wrong = cli("verifikasi", str(letter), "--laporan", str(tmp_path / "laporan.txt"))
    assert wrong.exit_code == 2 and "laporan.txt" in wrong.stderr
    missing = cli("verifikasi", str(letter), "--laporan", str(tmp_path / "tidak-ada" / "l.xml"))
    assert missing.exit_code == 3 and "tidak-ada" in missing.stderr
    unsigned = cli("verifikasi", str(make_pdf(tmp_path / "polos.pdf")), "--laporan", str(tmp_path / "l.xml"))
    assert unsigned.exit_code == 1 and "tidak ditulis" in unsigned.stderr
    code = cli("verifikasi", "--kode", "ABCD", "--laporan", str(tmp_path / "l.xml"))
    assert code.exit_code == 2 and "--laporan" in code.stderr
    assert not list(tmp_path.glob("*.xml"))
