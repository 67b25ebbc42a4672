"""``verifikasi --bsre``: the BSrE service's verify endpoint (the local stand-in, tests/bsre_standin.py) answers
beside sakti's own verdict; an outage is reported, not raised, and sakti's verdict decides the exit code. And
``kantor periksa`` on a BSrE signatory: the BSrE chain's root must be configured (none is shipped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bsre_standin import APP_CREDENTIALS, BsrePki, BsreStandIn, make_bsre_pki
from conftest import FIXED_TIME, Cli
from pki_helpers import around_both_clocks, make_pdf
from test_bsre_tte import set_key


@pytest.fixture(scope="module")
def bsre_pki() -> BsrePki:
    return make_bsre_pki(*around_both_clocks(FIXED_TIME))


@pytest.fixture(scope="module")
def standin(bsre_pki: BsrePki) -> Iterator[tuple[BsreStandIn, str]]:
    stand = BsreStandIn(bsre_pki)
    with stand as url:
        yield stand, url


@pytest.fixture
def office(kantor: Path, bsre_pki: BsrePki, standin: tuple[BsreStandIn, str],
           monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo office whose camat signs through the stand-in, its test root trusted."""
    toml = kantor / "sakti.toml"
    toml.write_text(toml.read_text().replace('akar_tepercaya = ["pki/demo-root.pem"]',
                                             'akar_tepercaya = ["pki/demo-root.pem", "pki/bsre-root.pem"]'))
    set_key(kantor, standin[1])
    bsre_pki.write_root(kantor / "pki" / "bsre-root.pem")
    bsre_pki.write_signer(kantor / "pki" / "camat-bsre.pem")
    (kantor / "pki" / "bsre.kredensial").write_text(APP_CREDENTIALS + "\n")
    (kantor / "pki" / "bsre.kredensial").chmod(0o600)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    standin[0].fault, standin[0].requests = None, []
    return kantor


@pytest.fixture(scope="module")
def signed(standin: tuple[BsreStandIn, str], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A PDF signed by the stand-in's test CA (as its whole-PDF route signs)."""
    from sakti_cli.signatures.pki import complete_content_type_names

    complete_content_type_names()  # its test TSA, after other modules' CMS work in this process
    pdf = make_pdf(tmp_path_factory.mktemp("bsre-pdf") / "a.pdf")
    return standin[0]._sign_pdf(pdf.read_bytes())


def test_bsre_answer_beside_ours(office: Path, signed: bytes, standin: tuple[BsreStandIn, str], cli: Cli,
                                 tmp_path: Path) -> None:
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(signed)
    payload = cli.json("verifikasi", str(pdf), "--bsre", code=1)  # not in this office's register: exit 1
    (sig,) = payload["tanda_tangan"]
    assert sig["indikasi"] == "TOTAL-PASSED" and sig["penerbit"] == "Stand-in BSrE Test Root (DEMO)"
    answer = payload["bsre"]
    assert answer["penandatangan"] == "camat" and answer["layanan"] == standin[1]
    assert (answer["kesimpulan"], answer["sah"], answer["sepakat"]) == ("VALID", True, True)
    (theirs,) = answer["tanda_tangan"]
    assert theirs["utuh"] is True and theirs["tepercaya"] is True and theirs["penandatangan"] == "AHMAD YANI"
    assert [route for route, _ in standin[0].requests] == ["verify"]

    data = bytearray(signed)
    at = data.index(b"SURAT KETERANGAN")
    data[at] = ord("Z")
    pdf.write_bytes(bytes(data))
    human = cli("verifikasi", str(pdf), "--bsre")
    assert human.exit_code == 1
    assert "TOTAL-FAILED / HASH_FAILURE" in human.stdout
    assert "Menurut layanan BSrE" in human.stdout and "INVALID" in human.stdout
    assert "sama dengan hasil sakti" in human.stdout  # both say: changed


def test_bsre_outage_reported_not_raised(office: Path, signed: bytes, standin: tuple[BsreStandIn, str], cli: Cli,
                                         tmp_path: Path) -> None:
    pdf = tmp_path / "surat.pdf"
    pdf.write_bytes(signed)
    standin[0].fault = "500"
    result = cli("verifikasi", str(pdf), "--bsre", "--json")
    assert result.exit_code == 1  # our own verdict (not registered here), not the outage
    import json

    payload = json.loads(result.stdout)
    assert payload["tanda_tangan"][0]["indikasi"] == "TOTAL-PASSED"
    assert payload["bsre"]["galat"]["kode"] == "LAYANAN_TIDAK_TERJANGKAU"
    assert "Layanan BSrE tidak memberi jawaban" in result.stderr and "HTTP 500" in result.stderr


def test_bsre_needs_a_bsre_signatory(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf")
    result = cli("verifikasi", str(pdf), "--bsre")
    assert result.exit_code == 4 and "kunci.jenis" in result.stderr
    assert cli("verifikasi", str(pdf), "--penandatangan", "camat").exit_code == 2


def test_kantor_periksa_wants_the_bsre_root(office: Path, cli: Cli) -> None:
    payload = cli.json("kantor", "periksa", code=1)  # the example office's URL is a placeholder anyway
    assert "AKAR_BSRE_TIDAK_ADA" not in {f["kode"] for f in payload["temuan"]}  # the stand-in's root names BSrE
    toml = office / "sakti.toml"
    toml.write_text(toml.read_text().replace('"pki/demo-root.pem", "pki/bsre-root.pem"', '"pki/demo-root.pem"'))
    found = {f["kode"]: f for f in cli.json("kantor", "periksa", code=1)["temuan"]}
    assert found["AKAR_BSRE_TIDAK_ADA"]["tingkat"] == "galat"
    assert "camat" in found["AKAR_BSRE_TIDAK_ADA"]["pesan"]
    assert "sidik jari" in found["AKAR_BSRE_TIDAK_ADA"]["saran"]
