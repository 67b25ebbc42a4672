"""Signing through BSrE's remote service (``jenis = "bsre"``) against the local stand-in (tests/bsre_standin.py):
the digest route and the whole-PDF route make letters that pyHanko and pdfsig accept as valid and trusted; each
fault gives its message and exit code with nothing lost (the number closed BATAL with the reason, or the letter
queued by the outage rule); a later ``ttd setujui`` signs the queue; client and stand-in keep to the fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bsre_fixtures import (  # noqa: F401  (the fixtures: bsre_pki, standin, template, office, nss)
    bsre_pki_fixture,
    check_valid,
    letters,
    nss_fixture,
    office_fixture,
    set_key,
    standin_fixture,
    template_fixture,
    waiting_number,
)
from bsre_standin import FIXTURES, NIK, PASSPHRASE, BsrePki, BsreStandIn, fixture, shape_problems
from conftest import Cli, Typist


def test_digest_route_letter_validates(office: Path, cli: Cli, typist: Typist, bsre_pki: BsrePki,
                                       standin: tuple[BsreStandIn, str], nss: str) -> None:
    typist.answer = PASSPHRASE
    payload = cli.json("terbitkan", "REG-202611-0001")
    assert payload["status"] == "TERBIT"
    report = check_valid(office, Path(payload["pdf"]), nss)
    assert report.field == "TTE" and report.level == "B-T"  # the stand-in's CMS carries its timestamp
    routes = [route for route, _ in standin[0].requests]
    assert routes == ["status", "hash"]  # only the digest went out, never the document
    sent = json.dumps(standin[0].requests[1][1])
    assert "file" not in standin[0].requests[1][1] and len(sent) < 4000
    assert len(typist.asked) == 1 and "Passphrase BSrE" in typist.asked[0]
    assert PASSPHRASE not in json.dumps(letters(office)) and NIK not in cli("status", "REG-202611-0001").stdout
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.signatures.bsre import bsre_config, verify_pdf

    ws = find_workspace(office)
    answer = verify_pdf(bsre_config(ws, ws.signatory("camat")), Path(payload["pdf"]).read_bytes())
    assert answer["conclusion"] == "VALID" and answer["signatureInformations"][0]["integrityValid"]


def test_whole_pdf_route_letter_validates(office: Path, cli: Cli, typist: Typist, bsre_pki: BsrePki,
                                          standin: tuple[BsreStandIn, str], nss: str) -> None:
    set_key(office, standin[1], mode="pdf")
    typist.answer = PASSPHRASE
    done = cli.json("ttd", "setujui", waiting_number(office))  # the waiting letter, through the whole-PDF route
    (row,) = done["ditandatangani"]
    report = check_valid(office, Path(row["pdf"]), nss)
    assert report.field == "Signature1"
    assert [route for route, _ in standin[0].requests] == ["status", "pdf"]


FAULTS = [
    ("passphrase", "Passphrase BSrE Camat Arut Selatan (Drs. H. AHMAD YANI, M.Si) salah", "sisa 2 kali percobaan"),
    ("nik", "tidak terdaftar di layanan BSrE", "6201********0001"),
    ("expired", "tidak dapat dipakai: sertifikat sudah kedaluwarsa", "status EXPIRED"),
    ("revoked", "tidak dapat dipakai: sertifikat telah dicabut", "status REVOKE"),
    ("401", "menolak kredensial aplikasi", "HTTP 401"),
    ("sampah", "tidak dapat dipakai: bukan objek JSON", "/api/v2/user/check/status"),
    ("500", "sedang bermasalah (HTTP 500", "antrean tanda tangan"),
    ("putus", "memutus sambungan", "antrean tanda tangan"),
]


@pytest.mark.parametrize(("fault", "message", "detail"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_on_the_queue_keeps_the_letter_waiting(office: Path, cli: Cli, typist: Typist, fault: str,
                                                      message: str, detail: str,
                                                      standin: tuple[BsreStandIn, str]) -> None:
    number = waiting_number(office)
    before = letters(office)
    standin[0].fault = fault
    typist.answer = PASSPHRASE
    result = cli("ttd", "setujui", number)
    assert result.exit_code in (1, 4), (result.exit_code, result.stdout, result.stderr)
    said = " ".join((result.stdout + result.stderr).split())
    assert message in said and detail in said, said
    assert NIK not in result.stderr + result.stdout and PASSPHRASE not in result.stderr + result.stdout
    assert [x["status"] for x in letters(office)] == [x["status"] for x in before]
    assert waiting_number(office) == number
    if fault == "passphrase":  # refused once for the run: the service is not asked again per letter
        assert [route for route, _ in standin[0].requests].count("hash") == 1


def test_timeout_is_an_outage(office: Path, cli: Cli, typist: Typist, standin: tuple[BsreStandIn, str]) -> None:
    set_key(office, standin[1], batas_waktu="0.5")
    standin[0].fault, standin[0].delay = "timeout", 1.5
    number = waiting_number(office)
    result = cli("ttd", "setujui", number)
    assert result.exit_code == 4, result.stderr
    assert "tidak menjawab dalam 0.5 detik" in " ".join(result.stderr.split())
    assert not typist.asked  # nothing would be signed: the passphrase is not asked
    assert waiting_number(office) == number


def test_wrong_passphrase_on_terbitkan_closes_the_number(office: Path, cli: Cli, typist: Typist) -> None:
    typist.answer = "bukan-passphrase"
    result = cli("terbitkan", "REG-202611-0001")
    assert result.exit_code == 4, result.stderr
    said = " ".join(result.stderr.split())
    assert "Passphrase BSrE" in said and "salah" in said and "ditutup BATAL" in said
    closed = [x for x in letters(office) if x["nomor_registrasi"] == "REG-202611-0001"]
    assert [x["status"] for x in closed] == ["BATAL"] and "Passphrase BSrE" in closed[0]["alasan_batal"]
    assert cli.json("status", "REG-202611-0001")["status"] == "LENGKAP"


def test_outage_queues_then_setujui_signs_the_queue(office: Path, cli: Cli, typist: Typist, bsre_pki: BsrePki,
                                                    standin: tuple[BsreStandIn, str], nss: str) -> None:
    standin[0].fault = "500"
    result = cli("terbitkan", "REG-202611-0001", "--json")
    assert result.exit_code == 1, result.stderr
    queued = json.loads(result.stdout)
    assert queued["status"] == "MENUNGGU_TTD" and "HTTP 500" in queued["alasan_antrean"]
    assert not typist.asked  # nothing to sign now: no passphrase typed
    standin[0].only, typist.answer = ("hash",), PASSPHRASE  # down after the status check, while signing
    result = cli("terbitkan", "REG-202611-0002", "--json")
    assert result.exit_code == 1, result.stderr
    later = json.loads(result.stdout)
    assert later["status"] == "MENUNGGU_TTD" and "HTTP 500" in later["alasan_antrean"]
    assert "BATAL" not in {x["status"] for x in letters(office)}  # no number wasted
    standin[0].fault, standin[0].only, typist.asked = None, (), []
    done = cli.json("ttd", "setujui", "--semua")
    assert done["jumlah_ditandatangani"] == 3 and done["jumlah_gagal"] == 0
    assert len(typist.asked) == 1  # asked once for the whole list
    assert queued["nomor_surat"] in typist.asked[0] and later["nomor_surat"] in typist.asked[0]
    for row in done["ditandatangani"]:
        check_valid(office, Path(row["pdf"]), nss)
    assert {x["status"] for x in letters(office)} == {"TERBIT"}


def test_a_letter_failing_mid_queue_names_its_bsre_code(office: Path, cli: Cli, typist: Typist,
                                                         standin: tuple[BsreStandIn, str]) -> None:
    """The certificate revoked while ``ttd setujui --semua`` signs: the first letter is TERBIT, the others keep
    waiting, each failure with the service's own code (``detail.kode_temuan``) as a script reads it."""
    standin[0].fault = "500"
    assert cli("terbitkan", "REG-202611-0001", "--json").exit_code == 1  # queued by the outage: two waiting
    standin[0].fault, typist.answer = None, PASSPHRASE

    def revoke() -> None:
        standin[0].fault = "revoked"
    standin[0].on_sign = revoke
    result = cli("ttd", "setujui", "--semua", "--json")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    done = json.loads(result.stdout)
    assert done["jumlah_ditandatangani"] == 1 and done["jumlah_gagal"] == 1
    [failed] = done["gagal"]
    assert failed["status"] == "MENUNGGU_TTD" and failed["error"]["kode"] == "KUNCI_TTE"
    assert failed["error"]["detail"]["kode_temuan"] == "BSRE_SERTIFIKAT_TIDAK_AKTIF", failed
    assert "di BSrE tidak dapat dipakai" in failed["error"]["pesan"] and failed["error"]["saran"]
    assert [x["status"] for x in letters(office)].count("MENUNGGU_TTD") == 1


def test_sertifikat_status(office: Path, cli: Cli, standin: tuple[BsreStandIn, str]) -> None:
    active = cli.json("sertifikat", "status", "--penandatangan", "camat")
    assert active["status"] == "ISSUE" and active["aktif"] and active["nik"] == "6201********0001"
    standin[0].fault = "expired"
    expired = cli.json("sertifikat", "status", "--penandatangan", "camat", code=1)
    assert expired["status"] == "EXPIRED" and not expired["aktif"]
    other = cli("sertifikat", "status", "--penandatangan", "sekcam")
    assert other.exit_code == 3 and "tidak memakai layanan BSrE" in other.stderr


def test_client_and_standin_keep_to_the_fixture(office: Path, standin: tuple[BsreStandIn, str]) -> None:
    """Both sides against tests/data/bsre/: the client's requests and routes, the stand-in's answers."""
    from datetime import UTC, datetime

    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.signatures.bsre import ROUTES, bsre_config, hash_request, pdf_request, verify_pdf

    ws = find_workspace(office)
    config = bsre_config(ws, ws.signatory("camat"))
    for route, name in FIXTURES.items():
        model = fixture(name)
        assert ROUTES[route] == model["jalur"]
        assert model["sumber"]["repositori"] and model["sumber"]["berkas"]
    requests = {"hash": hash_request(config, "x", b"\0" * 32, at=datetime.now(UTC), reason="r", location="l"),
                "pdf": pdf_request(config, "x", b"%PDF-1.7", reason="r", location="")}
    for route, request in requests.items():
        assert shape_problems(request, fixture(FIXTURES[route])["permintaan"]) == [], route
    stand = standin[0]
    assert shape_problems(stand.answer("status", {"nik": NIK})[1], fixture("status")["jawaban"]) == []
    hashed = stand.answer("hash", {**requests["hash"], "passphrase": PASSPHRASE})[1]
    assert shape_problems(hashed, fixture("sign_hash")["jawaban"]) == []
    code, refused = stand.answer("hash", {**requests["hash"], "nik": "0" * 16})
    assert code == 400 and shape_problems(refused, fixture("galat")["jawaban"]) == []
    (queued,) = [x for x in letters(office) if x["status"] == "MENUNGGU_TTD"]
    answer = verify_pdf(config, (office / queued["pdf_belum_ttd"]).read_bytes())
    assert shape_problems(answer, fixture("verify")["jawaban"]) == [] and answer["conclusion"] == "NO_SIGNATURE"


def test_config_problems_are_named(office: Path, cli: Cli, standin: tuple[BsreStandIn, str]) -> None:
    toml = office / "sakti.toml"
    original = toml.read_text(encoding="utf-8")
    set_key(office, "https://pengguna:sandi-rahasia@esign.kab.go.id")
    result = cli("kantor", "periksa")
    assert result.exit_code == 4 and "memuat pengguna/sandi" in result.stderr
    assert "sandi-rahasia" not in result.stderr + result.stdout
    toml.write_text(original, encoding="utf-8")
    (office / "pki" / "bsre.kredensial").chmod(0o644)
    found = cli.json("kantor", "periksa", code=1)
    codes = {item["kode"]: item["pesan"] for item in found["temuan"]}
    assert "BSRE_KREDENSIAL" in codes and "0644" in codes["BSRE_KREDENSIAL"], codes


def test_office_tsa_and_crl_make_the_bsre_signature_b_lt(office: Path, cli: Cli, typist: Typist,
                                                          bsre_pki: BsrePki, standin: tuple[BsreStandIn, str],
                                                          nss: str) -> None:
    """A CMS without a timestamp gets the office's (B-T), and the office's CRL goes into the DSS (B-LT)."""
    from datetime import UTC, datetime

    from sakti_cli.signatures.pki import DemoTsa, make_crl

    (office / "pki" / "bsre-root.crl").write_bytes(make_crl(bsre_pki.root, datetime.now(UTC)))
    toml = office / "sakti.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("# crl = [", 'crl = ["pki/bsre-root.crl"]\n# x = ['),
                    encoding="utf-8")
    standin[0].timestamp = False
    try:
        with DemoTsa(bsre_pki.tsa_key, bsre_pki.tsa_cert, [bsre_pki.root.root_cert]) as tsa:
            typist.answer = PASSPHRASE
            number = waiting_number(office)
            (payload,) = cli.json("ttd", "setujui", number, "--tsa", tsa)["ditandatangani"]
    finally:
        standin[0].timestamp = True
    report = check_valid(office, Path(payload["pdf"]), nss)
    assert report.level == "B-LT" and report.tsa and "Stand-in BSrE TSA" in report.tsa


def test_network_down_is_an_outage(office: Path, cli: Cli, typist: Typist) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    set_key(office, f"http://127.0.0.1:{port}")
    number = waiting_number(office)
    result = cli("ttd", "setujui", number)
    assert result.exit_code == 4, result.stderr
    said = " ".join(result.stderr.split())
    assert f"Layanan BSrE http://127.0.0.1:{port} tidak dapat dihubungi" in said and "antrean" in said
    assert not typist.asked and waiting_number(office) == number
