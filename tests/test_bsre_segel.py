"""The office's electronic seal through BSrE (``jenis = "bsre"``, ``sifat = "segel"``) against the local stand-in
(tests/bsre_standin.py): a sealed letter validates with pyHanko and pdfsig, unattended (no one types anything);
each fault of the seal route gives its message and exit code with the register unchanged; an outage queues the
letter and a later ``ttd setujui`` seals it; ``sertifikat perbarui-segel`` renews the activation code into a 0600
file; a personal certificate returned for a seal is refused; client and stand-in keep to the fixtures."""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bsre_standin import (
    ACTIVATION_CODE,
    APP_CREDENTIALS,
    FIXTURES,
    ID_SUBSCRIBER,
    BsrePki,
    BsreStandIn,
    fixture,
    make_bsre_pki,
    shape_problems,
)
from conftest import FIXED_TIME, Cli, Pki, Typist, example, module_office
from pki_helpers import PDFSIG, around_both_clocks, make_nss_db, pdfsig_verdict_ok, run_pdfsig
from test_antrean_ttd import add_stamp_marker
from test_bsre_tte import letters, waiting_number

CODE_FILE = "pki/segel-bsre.kode"


@pytest.fixture(scope="module")
def bsre_pki() -> BsrePki:
    return make_bsre_pki(*around_both_clocks(FIXED_TIME))


@pytest.fixture(scope="module")
def standin(bsre_pki: BsrePki) -> Iterator[tuple[BsreStandIn, str]]:
    stand = BsreStandIn(bsre_pki)
    with stand as url:
        yield stand, url


def seal_key(url: str, **extra: str) -> str:
    fields = {"jenis": "bsre", "url": url, "id_subscriber": ID_SUBSCRIBER, "berkas_kredensial": "pki/bsre.kredensial",
              "berkas_sandi": CODE_FILE, "sertifikat": "pki/segel-bsre.pem", "batas_waktu": "5", **extra}
    return "kunci = { " + ", ".join(f"{k} = {v}" if k == "batas_waktu" else f'{k} = "{v}"'
                                    for k, v in fields.items() if v) + " }"


def set_key(root: Path, url: str, **extra: str) -> None:
    """The camat's entry becomes the office's seal at the stand-in (``extra`` overrides key fields)."""
    toml = root / "sakti.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    camat = lines.index('id = "camat"')
    for index in range(camat, len(lines)):
        if lines[index].startswith("kunci = "):
            lines[index] = seal_key(url, **extra)
            break
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_code(root: Path, code: str = ACTIVATION_CODE, mode: int = 0o600) -> Path:
    path = root / CODE_FILE
    path.write_text(code + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, demo_pki: Pki, lo_profile: Path, bsre_pki: BsrePki,
             standin: tuple[BsreStandIn, str]) -> Iterator[Path]:
    """One office whose camat entry is the office's BSrE seal, two applications LENGKAP (REG-...-0001, -0002)
    and one letter prepared without a key (REG-...-0003, waiting)."""
    root = tmp_path_factory.mktemp("segel") / "kantor"
    with module_office(root, demo_pki, lo_profile):
        toml = root / "sakti.toml"
        text = toml.read_text(encoding="utf-8").replace('akar_tepercaya = ["pki/demo-root.pem"]',
                            'akar_tepercaya = ["pki/demo-root.pem", "pki/bsre-root.pem"]')
        toml.write_text(text, encoding="utf-8")
        assert 'sifat = "segel"' in text
        set_key(root, standin[1])
        bsre_pki.write_root(root / "pki" / "bsre-root.pem")
        from cryptography.hazmat.primitives.serialization import Encoding

        (root / "pki" / "segel-bsre.pem").write_bytes(bsre_pki.seal_cert.public_bytes(Encoding.PEM))
        (root / "pki" / "bsre.kredensial").write_text(APP_CREDENTIALS + "\n")
        (root / "pki" / "bsre.kredensial").chmod(0o600)
        write_code(root)
        add_stamp_marker(root / "templat" / "sktm.docx")  # a visible stamp, placed at [[TTE]]
        cli = Cli()
        for _ in range(3):
            reg = cli.json("--kantor", root, "daftar", "sktm", "--data", example("sktm"))["nomor_registrasi"]
            cli.json("--kantor", root, "periksa", reg)
        cli.json("--kantor", root, "terbitkan", reg, "--tanpa-ttd")
    yield root


@pytest.fixture
def office(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lo_profile: Path,
           standin: tuple[BsreStandIn, str]) -> Path:
    root = tmp_path / "kantor"
    shutil.copytree(template, root, symlinks=True)
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    monkeypatch.setenv("SAKTI_LO_PROFIL", str(lo_profile))
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    stand = standin[0]
    stand.fault, stand.requests, stand.only, stand.delay = None, [], (), 3.0
    stand.activation, stand.seal_totps = ACTIVATION_CODE, set()
    return root


def register_text(root: Path) -> str:
    """Everything the register and the audit trail hold, as text."""
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in sorted((root / "data").rglob("*")) if p.is_file() and p.suffix != ".pdf")


@pytest.fixture(scope="module")
def nss(tmp_path_factory: pytest.TempPathFactory, bsre_pki: BsrePki) -> str:
    folder = tmp_path_factory.mktemp("segel-nss")
    return make_nss_db(folder / "db", bsre_pki.write_root(folder / "root.pem")) if PDFSIG else ""


def check_sealed(root: Path, pdf: Path, nss: str) -> Any:
    """pyHanko (sakti's validator) and poppler's pdfsig: valid, trusted for the stand-in's test root, sealed
    by the office's certificate; the visible stamp says it is a seal."""
    from pypdf import PdfReader

    from sakti_cli.signatures.validate import verify_pdf

    found = verify_pdf(pdf, [root / "pki" / "bsre-root.pem"])
    (report,) = [sig for sig in found.signatures if sig.kind == "tanda_tangan"]
    assert report.intact and report.valid and report.trusted, report
    assert "Kecamatan Arut Selatan" in str(report.signer) and "AHMAD YANI" not in str(report.signer)
    if PDFSIG:
        output = run_pdfsig(pdf, nss)
        assert pdfsig_verdict_ok(output), output
    text = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(pdf).pages).split())
    assert "Dibubuhi segel elektronik oleh:" in text and "Ditandatangani secara elektronik oleh" not in text
    return report


def test_sealed_letter_validates_unattended(office: Path, cli: Cli, typist: Typist,
                                            standin: tuple[BsreStandIn, str], nss: str) -> None:
    payload = cli.json("terbitkan", "REG-202611-0001")
    assert payload["status"] == "TERBIT"
    check_sealed(office, Path(payload["pdf"]), nss)
    routes = [route for route, _ in standin[0].requests]
    assert routes == ["seal_totp", "seal_totp", "seal_pdf"]  # the probe, then a fresh TOTP for the letter
    assert standin[0].requests[2][1]["totp"] == standin[0].requests[2][1]["totp"].strip()
    assert not typist.asked  # a seal: nobody types anything
    assert ACTIVATION_CODE not in register_text(office)
    for _, request in standin[0].requests[1:]:
        assert request["totp"] not in register_text(office) or request["totp"] == ACTIVATION_CODE


FAULTS = [
    ("totp", "TOTP segel BSrE untuk Camat Arut Selatan (Drs. H. AHMAD YANI, M.Si) ditolak", "TOTP tidak valid"),
    ("subscriber", f"idSubscriber {ID_SUBSCRIBER} segel", "BSRE_ID_SUBSCRIBER"),
    ("aktivasi", f"{CODE_FILE} salah atau kedaluwarsa", "BSRE_KODE_AKTIVASI"),
    ("pribadi", "sertifikat pribadi NIK 6201********0001", "bukan sertifikat segel atas nama kantor"),
    ("401", "menolak kredensial aplikasi", "HTTP 401"),
    ("sampah", "tidak dapat dipakai: bukan objek JSON", "/api/v2/seal/get/totp"),
    ("500", "sedang bermasalah (HTTP 500", "antrean tanda tangan"),
    ("putus", "memutus sambungan", "antrean tanda tangan"),
]
"""(stand-in fault, what the message says, more of it); the finding codes: test_fault_codes."""


@pytest.mark.parametrize(("fault", "message", "detail"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_keeps_the_letter_waiting(office: Path, cli: Cli, fault: str, message: str, detail: str,
                                        standin: tuple[BsreStandIn, str]) -> None:
    number = waiting_number(office)
    before = register_text(office)
    standin[0].fault = fault
    result = cli("ttd", "setujui", number, "--json")
    late = fault in ("totp", "pribadi")  # refused while sealing this letter (the run opened): the run's failure list
    assert result.exit_code == (1 if late else 4), (result.exit_code, result.stdout, result.stderr)
    said = " ".join((result.stdout + result.stderr).split())
    assert message in said and detail in said, said
    assert ACTIVATION_CODE not in said
    assert waiting_number(office) == number
    assert [x["status"] for x in letters(office)].count("TERBIT") == 0
    if late:  # refused after sealing was asked: nothing recorded
        assert [route for route, _ in standin[0].requests].count("seal_pdf") == 1
    else:
        assert register_text(office) == before


def test_fault_codes(office: Path, standin: tuple[BsreStandIn, str]) -> None:
    """Each refusal's code (``kode_temuan``) and error class, from the client against the stand-in."""
    from sakti_cli.core.errors import ConfigError, EnvironmentProblem, ServiceUnreachable, SigningKeyError
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.signatures.bsre_seal import fetch_seal_totp, seal_config, seal_whole_pdf

    ws = find_workspace(office)
    seal = seal_config(ws, ws.signatory("camat"))
    expected = {"subscriber": (SigningKeyError, "BSRE_ID_SUBSCRIBER"),
                "aktivasi": (SigningKeyError, "BSRE_KODE_AKTIVASI"), "401": (ConfigError, "BSRE_KREDENSIAL"),
                "sampah": (EnvironmentProblem, "BSRE_JAWABAN_RUSAK"),
                "500": (ServiceUnreachable, None)}
    for fault, (kind, code) in expected.items():
        standin[0].fault = fault
        with pytest.raises(kind) as caught:
            fetch_seal_totp(seal, ACTIVATION_CODE)
        assert caught.value.detail.get("kode_temuan") == code, fault
    standin[0].fault = None
    totp = fetch_seal_totp(seal, ACTIVATION_CODE)
    standin[0].fault = "totp"
    with pytest.raises(SigningKeyError) as refused:
        seal_whole_pdf(seal, totp, b"%PDF-1.7\n", reason="r", location="l")
    assert refused.value.detail["kode_temuan"] == "BSRE_TOTP_DITOLAK"


def test_timeout_is_an_outage(office: Path, cli: Cli, standin: tuple[BsreStandIn, str]) -> None:
    set_key(office, standin[1], batas_waktu="0.5")
    standin[0].fault, standin[0].delay = "timeout", 1.5
    number = waiting_number(office)
    result = cli("ttd", "setujui", number)
    assert result.exit_code == 4, result.stderr
    assert "tidak menjawab dalam 0.5 detik" in " ".join(result.stderr.split())
    assert waiting_number(office) == number


def test_outage_queues_then_setujui_seals_the_queue(office: Path, cli: Cli, standin: tuple[BsreStandIn, str],
                                                    nss: str) -> None:
    standin[0].fault = "500"
    result = cli("terbitkan", "REG-202611-0001", "--json")
    assert result.exit_code == 1, result.stderr
    queued = json.loads(result.stdout)
    assert queued["status"] == "MENUNGGU_TTD" and "HTTP 500" in queued["alasan_antrean"]
    assert [route for route, _ in standin[0].requests] == ["seal_totp"]  # the probe: nothing sent to seal
    standin[0].only = ("seal_pdf",)  # down after the probe and the letter's TOTP, while sealing
    result = cli("terbitkan", "REG-202611-0002", "--json")
    assert result.exit_code == 1, result.stderr
    later = json.loads(result.stdout)
    assert later["status"] == "MENUNGGU_TTD" and "HTTP 500" in later["alasan_antrean"]
    assert "BATAL" not in {x["status"] for x in letters(office)}  # no number wasted
    standin[0].fault, standin[0].only = None, ()
    done = cli.json("ttd", "setujui", "--semua")
    assert done["jumlah_ditandatangani"] == 3 and done["jumlah_gagal"] == 0
    for row in done["ditandatangani"]:
        check_sealed(office, Path(row["pdf"]), nss)
    assert {x["status"] for x in letters(office)} == {"TERBIT"}
    totps = [request["totp"] for route, request in standin[0].requests if route == "seal_pdf"]
    assert len(totps) == len(set(totps))  # a fresh TOTP for every letter


def test_perbarui_segel_writes_the_code_0600(office: Path, cli: Cli, standin: tuple[BsreStandIn, str]) -> None:
    path = office / CODE_FILE
    result = cli("sertifikat", "perbarui-segel", "--penandatangan", "camat", "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["diperbarui"] and payload["id_subscriber"] == ID_SUBSCRIBER and payload["berlaku_sampai"]
    new = path.read_text(encoding="utf-8").strip()
    assert new == standin[0].activation and new != ACTIVATION_CODE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert new not in result.stdout + result.stderr and ACTIVATION_CODE not in result.stdout + result.stderr
    assert standin[0].requests[-1] == ("seal_activation", {"idSubscriber": ID_SUBSCRIBER, "totp": ACTIVATION_CODE})
    write_code(office, ACTIVATION_CODE)  # the old code no longer seals
    refused = cli("ttd", "setujui", waiting_number(office))
    assert refused.exit_code == 4 and "salah atau kedaluwarsa" in " ".join(refused.stderr.split())
    write_code(office, new)  # the new one does
    assert len(cli.json("ttd", "setujui", waiting_number(office))["ditandatangani"]) == 1
    path.unlink()
    fresh = cli.json("sertifikat", "perbarui-segel", "--penandatangan", "camat", "--baru")
    assert fresh["diperbarui"] and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert standin[0].requests[-1] == ("seal_activation", {"idSubscriber": ID_SUBSCRIBER})
    other = cli("sertifikat", "perbarui-segel", "--penandatangan", "sekcam")
    assert other.exit_code == 3 and "bukan segel BSrE" in other.stderr


def test_code_file_readable_by_others_is_refused(office: Path, cli: Cli, typist: Typist,
                                                 standin: tuple[BsreStandIn, str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    number = waiting_number(office)
    before = register_text(office)
    write_code(office, mode=0o644)
    result = cli("ttd", "setujui", number)
    assert result.exit_code == 4 and "dapat dibaca pengguna lain (izin 0644)" in " ".join(result.stderr.split())
    assert not standin[0].requests and register_text(office) == before
    found = cli.json("kantor", "periksa", code=1)  # also said beforehand, without contacting the service
    codes = {item["kode"]: item["pesan"] for item in found["temuan"]}
    assert "0644" in codes.get("BSRE_KODE_AKTIVASI", ""), codes
    set_key(office, standin[1], berkas_sandi="", variabel_sandi="SAKTI_SEGEL_BSRE")
    monkeypatch.setenv("SAKTI_SEGEL_BSRE", ACTIVATION_CODE)  # the variable, for a service account
    assert len(cli.json("ttd", "setujui", number)["ditandatangani"]) == 1
    assert not typist.asked


def test_config_needs_id_subscriber(office: Path, cli: Cli, standin: tuple[BsreStandIn, str]) -> None:
    set_key(office, standin[1], id_subscriber="", nik="6201012307800001")
    result = cli("kantor", "periksa")
    assert result.exit_code == 4 and "segel (sifat = \"segel\") butuh id_subscriber" in " ".join(result.stderr.split())
    set_key(office, standin[1])
    toml = office / "sakti.toml"
    text = toml.read_text(encoding="utf-8")
    camat = text.index('id = "camat"')
    toml.write_text(text[:camat] + text[camat:].replace('sifat = "segel"', 'sifat = "pribadi"', 1), encoding="utf-8")
    result = cli("kantor", "periksa")  # a person's BSrE key takes no idSubscriber and no stored code
    assert result.exit_code == 4 and "id_subscriber hanya untuk segel kantor" in " ".join(result.stderr.split())


def test_client_and_standin_keep_to_the_fixtures(office: Path, standin: tuple[BsreStandIn, str]) -> None:
    """Both sides against tests/data/bsre/seal_*.json: the client's requests and routes, the stand-in's answers
    and refusals."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.signatures.bsre import ROUTES
    from sakti_cli.signatures.bsre_seal import activation_request, seal_config, seal_pdf_request, totp_request

    ws = find_workspace(office)
    seal = seal_config(ws, ws.signatory("camat"))
    requests = {"seal_activation": activation_request(seal, "kode"), "seal_totp": totp_request(seal, "kode"),
                "seal_pdf": seal_pdf_request(seal, "123456", b"%PDF-1.7", reason="r", location="", contact=None)}
    stand = standin[0]
    for route, request in requests.items():
        model = fixture(FIXTURES[route])
        assert ROUTES[route] == model["jalur"] and model["sumber"]["repositori"] and model["sumber"]["berkas"]
        assert shape_problems(request, model["permintaan"]) == [], route
        code, refused = stand.answer(route, {**request, "idSubscriber": "LAIN"})
        assert code == 400 and shape_problems(refused, model["galat"]) == [], route
    assert shape_problems(activation_request(seal, None), fixture("seal_activation")["permintaan"]) == []
    code, answer = stand.answer("seal_totp", totp_request(seal, ACTIVATION_CODE))
    assert code == 200 and shape_problems(answer, fixture("seal_totp")["jawaban"]) == []
    pdf = next(office.rglob("*.pdf")).read_bytes()
    code, sealed = stand.answer("seal_pdf", seal_pdf_request(seal, answer["totp"], pdf, reason="r", location="l",
                                                             contact=None))
    assert code == 200 and shape_problems(sealed, fixture("seal_pdf")["jawaban"]) == []
    code, renewed = stand.answer("seal_activation", activation_request(seal, ACTIVATION_CODE))
    assert code == 200 and shape_problems(renewed, fixture("seal_activation")["jawaban"]) == []
