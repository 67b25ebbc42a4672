"""BSrE's whole-PDF route brought to the office's level, renewal of BSrE letters, and a gateway on other paths
(issue 14): the stand-in (tests/bsre_standin.py) signs without a timestamp of its own, the office's TSA
(``DemoTsa``) adds a document timestamp (B-T) and the office's CRL goes into the DSS (B-LT); pyHanko validates
the document timestamp and the DSS, pdfsig the signature (it cannot check document timestamps). A TSA that goes
down after the service signed queues the letter; ``ttd setujui`` finishes it. ``ttd perbarui`` renews a letter of
each route to B-LTA; the B-T document timestamp is no archive timestamp (the renewal horizon stays the CRL's).
``kunci.jalur`` sends every request to other paths; a bad one is refused with its name."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bsre_fixtures as fx
import pytest
from bsre_fixtures import bsre_pki_fixture, nss_fixture, office_fixture, standin_fixture, template_fixture  # noqa: F401
from bsre_standin import PASSPHRASE, BsrePki, BsreStandIn
from conftest import FIXED_TIME, Cli, Typist
from pki_helpers import PDFSIG, run_pdfsig

from sakti_cli.signatures.pki import DemoTsa, make_crl


@pytest.fixture
def office_crl(office: Path, bsre_pki: BsrePki) -> Iterator[Path]:
    """The office with the BSrE root's CRL in [tte].crl (B-LT) and the stand-in signing without a timestamp."""
    (office / "pki" / "bsre-root.crl").write_bytes(make_crl(bsre_pki.root, datetime.now(UTC)))
    toml = office / "sakti.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("# crl = [", 'crl = ["pki/bsre-root.crl"]\n# x = ['),
                    encoding="utf-8")
    yield office


def tsa_of(pki: BsrePki) -> DemoTsa:
    return DemoTsa(pki.tsa_key, pki.tsa_cert, [pki.root.root_cert])


def signature_block_ok(pdf: Path, nss: str, field: str) -> None:
    """pdfsig on the signature ``field``: valid and trusted for the test root (document timestamps it cannot
    check: "Unimplemented Feature"; those are checked with pyHanko)."""
    if not PDFSIG:
        return
    output = run_pdfsig(pdf, nss)
    blocks = re.split(r"\n(?=Signature #\d+:)", output)
    (mine,) = [block for block in blocks if f"Signature Field Name: {field}" in block]
    assert "Signature is Valid" in mine and "Certificate is Trusted" in mine, output


def verified(office: Path, pdf: Path, at: datetime | None = None) -> dict[str, Any]:
    from sakti_cli.signatures.validate import verify_pdf

    found = verify_pdf(pdf, [office / "pki" / "bsre-root.pem"], at)
    return {sig.field: sig for sig in found.signatures}


def dss_of(pdf: Path) -> Any:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    return DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf.read_bytes())))


def crl_next_update(office: Path) -> datetime:
    from asn1crypto import crl as asn1_crl

    data = (office / "pki" / "bsre-root.crl").read_bytes()
    return asn1_crl.CertificateList.load(data)["tbs_cert_list"]["next_update"].native  # type: ignore[no-any-return]


def letter_of(office: Path, number: str) -> dict[str, Any]:
    (found,) = [x for x in fx.letters(office) if x["nomor_surat"] == number]
    return found


def test_whole_pdf_letter_reaches_b_lt_then_renews_to_b_lta(office_crl: Path, cli: Cli, typist: Typist,
                                                             bsre_pki: BsrePki, standin: tuple[BsreStandIn, str],
                                                             nss: str) -> None:
    office = office_crl
    fx.set_key(office, standin[1], mode="pdf")
    standin[0].timestamp = False  # the service's CMS carries no timestamp: the office's document timestamp is B-T
    number = fx.waiting_number(office)
    typist.answer = PASSPHRASE
    with tsa_of(bsre_pki) as tsa:
        (row,) = cli.json("ttd", "setujui", number, "--tsa", tsa)["ditandatangani"]
        pdf = Path(row["pdf"])
        found = verified(office, pdf)
        assert set(found) == {"Signature1", "CapWaktu1"}
        sig, stamp = found["Signature1"], found["CapWaktu1"]
        assert sig.ok and sig.trusted and sig.level == "B-LT" and sig.indication == "TOTAL-PASSED", sig
        assert sig.timestamp_time is None and sig.time_from_document_timestamp and sig.time_from_timestamp
        assert sig.signing_time == stamp.timestamp_time and "Stand-in BSrE TSA" in str(sig.tsa)
        assert stamp.kind == "cap_waktu_dokumen" and stamp.ok and stamp.timestamp_ok
        dss = dss_of(pdf)
        assert len(list(dss.crls)) >= 1 and len(list(dss.certs)) >= 2  # the signer's chain and the TSA's
        signature_block_ok(pdf, nss, "Signature1")
        shown = cli.json("verifikasi", str(pdf))
        (mine,) = [s for s in shown["tanda_tangan"] if s["kolom"] == "Signature1"]
        assert mine["waktu_dari_cap_waktu_dokumen"] and mine["waktu_dari_cap_waktu"] and mine["tingkat"] == "B-LT"
        words = " ".join(cli("verifikasi", str(pdf)).stdout.split())
        assert "dari cap waktu dokumen tepercaya" in words
        # the B-T document timestamp is no archive timestamp: the horizon is the CRL's, so --segera finds it
        horizon = datetime.fromisoformat(letter_of(office, number)["data_validasi_sampai"])
        assert horizon == crl_next_update(office)
        copy = pdf.with_name("belum-diperbarui.pdf")
        copy.write_bytes(pdf.read_bytes())
        window = (horizon - datetime.fromisoformat(FIXED_TIME)).days + 1  # the register's clock is the frozen one
        renewed = cli.json("ttd", "perbarui", "--segera", str(window), "--tsa", tsa)
        assert [r["nomor_surat"] for r in renewed["diperbarui"]] == [number] and not renewed["gagal"]
    after = verified(office, pdf)
    assert after["Signature1"].level == "B-LTA" and after["Signature1"].indication == "TOTAL-PASSED"
    assert after["Signature1"].signing_time == stamp.timestamp_time  # still the first document timestamp's
    assert after["Arsip1"].ok and after["CapWaktu1"].ok
    renewed_horizon = datetime.fromisoformat(letter_of(office, number)["data_validasi_sampai"])
    assert renewed_horizon > horizon  # the archive timestamp's TSA certificate, years ahead
    signature_block_ok(pdf, nss, "Signature1")
    # after the signer's certificate and the CRL expired, the archive timestamp still carries the signature
    # (judged at the B-T document timestamp's time, with the data stored before the archive timestamp)
    later = bsre_pki.root.signer_cert.not_valid_after_utc + timedelta(days=100)
    assert later < bsre_pki.tsa_cert.not_valid_after_utc
    old = verified(office, pdf, later)["Signature1"]
    assert old.ok and old.level == "B-LTA" and "cap waktu arsip" in str(old.level_note), old
    assert not verified(office, copy, later)["Signature1"].ok  # the copy that was not renewed


def test_digest_route_letter_renews_to_b_lta(office_crl: Path, cli: Cli, typist: Typist, bsre_pki: BsrePki,
                                             nss: str) -> None:
    number = fx.waiting_number(office_crl)
    typist.answer = PASSPHRASE
    with tsa_of(bsre_pki) as tsa:
        (row,) = cli.json("ttd", "setujui", number, "--tsa", tsa)["ditandatangani"]
        pdf = Path(row["pdf"])
        assert verified(office_crl, pdf)["TTE"].level == "B-LT"
        renewed = cli.json("ttd", "perbarui", number, "--tsa", tsa)
        assert not renewed["gagal"] and renewed["diperbarui"][0]["kolom"] == "Arsip1"
    found = verified(office_crl, pdf)
    assert found["TTE"].level == "B-LTA" and found["TTE"].indication == "TOTAL-PASSED"
    assert not found["TTE"].time_from_document_timestamp  # its own signature timestamp gives the time
    signature_block_ok(pdf, nss, "TTE")


def test_tsa_down_after_the_service_signed_queues_then_setujui_finishes(office_crl: Path, cli: Cli,
                                                                         typist: Typist, bsre_pki: BsrePki,
                                                                         standin: tuple[BsreStandIn, str],
                                                                         nss: str) -> None:
    office = office_crl
    fx.set_key(office, standin[1], mode="pdf")
    standin[0].timestamp = False
    typist.answer = PASSPHRASE
    with tsa_of(bsre_pki) as tsa:
        down = tsa_of(bsre_pki)
        url = down.__enter__()
        standin[0].on_sign = lambda: down.__exit__(None, None, None)  # answers the probe, gone when it is needed
        result = cli("terbitkan", "REG-202611-0001", "--tsa", url, "--json")
        assert result.exit_code == 1, result.stderr
        queued = json.loads(result.stdout)
        assert queued["status"] == "MENUNGGU_TTD" and f"Server cap waktu (TSA) {url}" in queued["alasan_antrean"]
        assert "BATAL" not in {x["status"] for x in fx.letters(office)}  # the number stays with the letter
        standin[0].on_sign = None
        done = cli.json("ttd", "setujui", queued["nomor_surat"], "--tsa", tsa)
    (row,) = done["ditandatangani"]
    sig = verified(office, Path(row["pdf"]))["Signature1"]
    assert sig.level == "B-LT" and sig.time_from_document_timestamp
    signature_block_ok(Path(row["pdf"]), nss, "Signature1")
    assert letter_of(office, queued["nomor_surat"])["status"] == "TERBIT"


JALUR = '{ pdf = "/lain/tte/pdf", hash = "/lain/tte/hash", status = "/lain/pengguna/status", verify = "/lain/cek" }'


def test_custom_jalur_reaches_the_standin_on_other_paths(office: Path, cli: Cli, typist: Typist,
                                                         standin: tuple[BsreStandIn, str], nss: str) -> None:
    fx.set_key(office, standin[1], mode="pdf", jalur=JALUR)
    standin[0].paths = {"pdf": "/lain/tte/pdf", "hash": "/lain/tte/hash", "status": "/lain/pengguna/status",
                        "verify": "/lain/cek"}  # the default paths now answer 404
    assert cli.json("sertifikat", "status", "--penandatangan", "camat")["status"] == "ISSUE"
    typist.answer = PASSPHRASE
    (row,) = cli.json("ttd", "setujui", fx.waiting_number(office))["ditandatangani"]
    assert [route for route, _ in standin[0].requests] == ["status", "status", "pdf"]
    signature_block_ok(Path(row["pdf"]), nss, "Signature1")
    found = json.loads(cli("kantor", "periksa", "--json").stdout)
    assert not [t for t in found["temuan"] if t["kode"].startswith("BSRE_JALUR")], found["temuan"]


BAD_JALUR = [
    ('{ segel = "/api/v2/sign/seal" }', 4, "rute 'segel' yang tidak dikenal"),
    ('{ pdf = "https://lain.example/api" }', 4, "jalur pdf ('https://lain.example/api') harus berawal"),
    ('{ pdf = "//lain.example/api" }', 4, "memuat skema atau nama server"),
    ('{ status = "/api/../../admin" }', 4, "memuat \"..\""),
    ('{ verify = "/api/%2E%2E/admin" }', 4, "memuat \"..\""),
    ('{ pdf = 5 }', 4, "jalur.pdf: harus berupa teks"),
    ('"/api/v2"', 4, "jalur: harus berupa tabel"),
    ('{ hash = "/api\\tsign" }', 4, "memuat spasi atau karakter kendali"),
]


@pytest.mark.parametrize(("jalur", "code", "message"), BAD_JALUR,
                         ids=["nama", "skema", "server", "titik", "kode", "angka", "bukan-tabel", "tab"])
def test_bad_jalur_is_named(office: Path, cli: Cli, standin: tuple[BsreStandIn, str], jalur: str, code: int,
                            message: str) -> None:
    fx.set_key(office, standin[1], jalur=jalur)
    result = cli("sertifikat", "status", "--penandatangan", "camat")
    assert result.exit_code == code, (result.exit_code, result.stderr)
    said = " ".join(result.stderr.split())
    assert message in said and "jalur" in said, said
    assert not standin[0].requests  # nothing was sent anywhere


def test_kantor_periksa_warns_of_a_suspicious_jalur(office: Path, cli: Cli, standin: tuple[BsreStandIn, str]) -> None:
    fx.set_key(office, standin[1], jalur='{ pdf = "/v2/api/entity/sign/hash/pdf", status = "/api//status?x=1" }')
    found = json.loads(cli("kantor", "periksa", "--json").stdout)
    odd = [t["pesan"] for t in found["temuan"] if t["kode"] == "BSRE_JALUR_JANGGAL"]
    assert any("jalur bawaan rute hash" in words for words in odd), odd
    assert any("'?' atau '#'" in words for words in odd) and any("'//'" in words for words in odd), odd
    fx.set_key(office, standin[1], jalur='{ tanda = "/x" }')
    found = json.loads(cli("kantor", "periksa", "--json").stdout)
    (bad,) = [t for t in found["temuan"] if t["kode"] == "BSRE_JALUR"]
    assert bad["tingkat"] == "galat" and "'tanda'" in bad["pesan"]
