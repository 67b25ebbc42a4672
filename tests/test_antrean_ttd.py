"""The signing queue: staff prepare letters without the key (``terbitkan --tanpa-ttd``), the signatory
reviews them (``ttd antrean``), signs them with one passphrase (``ttd setujui``) or sends one back
(``ttd kembalikan``). Real LibreOffice and real PAdES signatures, checked by pyHanko and by pdfsig."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli, example
from pki_helpers import CERTUTIL, PDFSIG, make_nss_db, pdfsig_verdict_ok, run_pdfsig

from sakti_cli.signatures.validate import verify_pdf

SAKTI = Path(sys.executable).parent / "sakti"
A, B, C, D = (f"400.9.14.1/00{n}/ARSEL/XI/2026" for n in (1, 2, 3, 4))
needs_lo = [pytest.mark.slow,
            pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="poppler-utils/libnss3-tools missing"),
            pytest.mark.skipif(not shutil.which("soffice") and not shutil.which("libreoffice"),
                               reason="LibreOffice missing")]


@pytest.fixture(autouse=True)
def _configured_certificate(request: pytest.FixtureRequest) -> None:
    """The camat's certificate is configured (kunci.sertifikat), as PANDUAN-KANTOR asks: a letter prepared
    for the queue then names its issuer and carries the demo mark, as the demo key that signs it requires
    (a letter prepared without it names no issuer and has no mark, and 'ttd setujui' refuses the demo key)."""
    if "kantor" not in request.fixturenames:
        return
    kantor: Path = request.getfixturevalue("kantor")
    demo_pki = request.getfixturevalue("demo_pki")
    shutil.copy(demo_pki.signer_p12.with_suffix(".pem"), kantor / "pki" / "camat.pem")
    toml = kantor / "sakti.toml"
    old = 'kunci = { jenis = "pkcs12", berkas = "pki/camat.p12" }'
    assert old in toml.read_text()
    toml.write_text(toml.read_text().replace(old, old[:-2] + ', sertifikat = "pki/camat.pem" }', 1))


def lengkap(cli: Cli, count: int) -> list[str]:
    regs = []
    for _ in range(count):
        reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
        assert cli.json("periksa", reg)["status"] == "LENGKAP"
        regs.append(reg)
    return regs


def add_stamp_marker(template: Path) -> None:
    """Put the visible-stamp marker in the signature block, under the signatory's title, with room below."""
    import copy

    from docx import Document
    from docx.text.paragraph import Paragraph

    document = Document(str(template))
    [title] = [p for table in document.tables for row in table.rows for cell in row.cells
               for p in cell.paragraphs if p.text.strip() == "{{ ttd.jabatan }},"]
    for text in ("", "", "[[TTE]]"):  # inserted right after the title, so the marker comes first
        element = copy.deepcopy(title._p)
        title._p.addnext(element)
        paragraph = Paragraph(element, title._parent)
        for run in paragraph.runs[1:]:
            run._r.getparent().remove(run._r)
        paragraph.runs[0].text = text
    document.save(str(template))


def stamp_widget(pdf: Path) -> tuple[list[float], bool]:
    """The /Rect of signature field TTE and whether it has an appearance stream."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    for field in reader.trailer["/Root"]["/AcroForm"]["/Fields"]:
        field = field.get_object()
        if field.get("/T") == "TTE":
            return [float(v) for v in field["/Rect"]], "/AP" in field
    raise AssertionError("no field TTE")


def no_key_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SAKTI_SANDI"}  # SAKTI_KANTOR, _WAKTU, _LO_PROFIL
    return env


def counting_prompt(answer: str, calls: list[str]):  # type: ignore[no-untyped-def]
    def prompt(label: str) -> str:
        calls.append(label)
        return answer

    return prompt


def with_lo(func):  # type: ignore[no-untyped-def]
    for mark in needs_lo:
        func = mark(func)
    return func


@with_lo
def test_prepare_review_sign_send_back(kantor: Path, cli: Cli, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    reg_a, reg_b, reg_c = lengkap(cli, 3)
    add_stamp_marker(kantor / "templat" / "sktm.docx")  # a visible stamp, placed at [[TTE]]

    # staff prepare without any key: no SAKTI_SANDI, no terminal. One in a process that then ends.
    done = subprocess.run([str(SAKTI), "--petugas", "loket-1", "terbitkan", reg_a, "--tanpa-ttd", "--json"],
                          env=no_key_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    prepared = json.loads(done.stdout)
    assert prepared["status"] == "MENUNGGU_TTD" and prepared["nomor_surat"] == A
    unsigned_a = Path(prepared["pdf"])
    assert unsigned_a.parent == kantor / "data" / "antrean" and unsigned_a.stat().st_mode & 0o777 == 0o600
    assert (kantor / "data" / "antrean").stat().st_mode & 0o777 == 0o700
    assert verify_pdf(unsigned_a, [kantor / "pki" / "demo-root.pem"]).signatures == []
    left, bottom, right, top = stamp_widget(unsigned_a)[0]  # an empty field where the stamp will be
    assert right - left == 170 and top - bottom == 45 and left > 300 and 100 < bottom < 500
    for reg, number in ((reg_b, B), (reg_c, C)):
        assert cli.json("--petugas", "loket-2", "terbitkan", reg, "--tanpa-ttd")["nomor_surat"] == number
    assert not list((kantor / "data" / "surat").rglob("*.pdf"))  # nothing signed, nothing issued

    # the preparing process is gone: a later command's recovery leaves its waiting letter alone
    status_a = cli.json("status", reg_a)
    assert status_a["status"] == "MENUNGGU_TTD" and status_a["nomor_batal"] == []
    assert status_a["riwayat"][-1]["ke"] == "MENUNGGU_TTD" and status_a["riwayat"][-1]["petugas"] == "loket-1"
    check = cli.json("register", "periksa")
    assert check["bersih"] is True, check["masalah"]
    assert check["ringkasan"]["menunggu_ttd"] == 3 and check["ringkasan"]["dipesan"] == 0

    # an application waiting for its letter cannot be issued again or changed behind the signatory
    again = cli("terbitkan", reg_a, "--tanpa-ttd")
    assert again.exit_code == 5 and "menunggu tanda tangan" in again.stderr
    assert cli("ubah", reg_a, "--data", "-", input='{"keperluan": "lain"}').exit_code == 5

    queue = cli.json("ttd", "antrean")
    assert [row["nomor_surat"] for row in queue["surat"]] == [A, B, C]
    row = queue["surat"][0]
    assert row["nomor_registrasi"] == reg_a and row["nik"] == "6201********0003" and row["nama"]
    assert row["disiapkan_oleh"] == "loket-1" and row["layanan"] == "sktm" and row["penandatangan"]["id"] == "camat"
    assert Path(row["pdf"]) == unsigned_a
    human = cli("ttd", "antrean")
    assert human.exit_code == 0 and B in human.stdout and "6201********0003" in human.stdout
    assert "6201025403850003" not in human.stdout

    # the signatory sends C back: BATAL with the reason, application LENGKAP, unsigned PDF gone
    back = cli.json("--petugas", "camat", "ttd", "kembalikan", C, "--alasan", "alamat salah ketik")
    assert back["status"] == "BATAL" and back["alasan_batal"] == "dikembalikan: alamat salah ketik"
    status_c = cli.json("status", reg_c)
    assert status_c["status"] == "LENGKAP" and status_c["nomor_batal"] == [C]
    assert "alamat salah ketik" in status_c["riwayat"][-1]["catatan"]
    assert not list((kantor / "data" / "antrean").glob("400.9.14.1_003*"))
    assert cli("ttd", "kembalikan", C, "--alasan", "lagi").exit_code == 5

    # a wrong passphrase: exit 4, nothing signed
    calls: list[str] = []
    monkeypatch.setattr("sakti_cli.cli.ttd.passphrase_prompt", counting_prompt("salah", calls))
    wrong = cli("ttd", "setujui", "--semua", "--json")
    assert wrong.exit_code == 4 and json.loads(wrong.stdout)["error"]["kode"] == "KUNCI_TTE"
    assert not list((kantor / "data" / "surat").rglob("*.pdf"))
    assert [r["nomor_surat"] for r in cli.json("ttd", "antrean")["surat"]] == [A, B]

    # the signatory signs both, typing the passphrase once for the run (human output, progress on stderr)
    calls.clear()
    monkeypatch.setattr("sakti_cli.cli.ttd.passphrase_prompt", counting_prompt("demo", calls))
    signed = cli("--petugas", "camat", "ttd", "setujui", A, B)
    assert signed.exit_code == 0, signed.stderr
    assert len(calls) == 1 and "Camat Arut Selatan" in calls[0]
    assert signed.stdout.count("TERBIT") == 2 and "2 ditandatangani." in signed.stdout
    assert cli.json("ttd", "antrean")["surat"] == []
    assert not list((kantor / "data" / "antrean").glob("*.pdf"))

    nss = make_nss_db(tmp_path / "nss", kantor / "pki" / "demo-root.pem")
    for reg, number in ((reg_a, A), (reg_b, B)):
        status = cli.json("status", reg)
        assert status["status"] == "TERBIT" and status["surat"]["nomor_surat"] == number
        assert [h["ke"] for h in status["riwayat"]][-2:] == ["MENUNGGU_TTD", "TERBIT"]
        pdf = kantor / status["surat"]["pdf"]
        assert pdf.stat().st_mode & 0o777 == 0o600
        [sig] = verify_pdf(pdf, [kantor / "pki" / "demo-root.pem"]).signatures
        assert sig.ok
        rect, drawn = stamp_widget(pdf)
        assert drawn and rect[2] - rect[0] == 170  # the visible stamp
        assert pdfsig_verdict_ok(run_pdfsig(pdf, nss))
        report = cli.json("verifikasi", str(pdf))
        assert report["sah"] is True and report["register"] == "TERBIT"
        events = cli.json("riwayat", "--objek", number)["peristiwa"]
        assert [(e["aksi"], e["sesudah"]) for e in events] == [
            ("pesan_nomor", "DIPESAN"), ("siapkan", "MENUNGGU_TTD"), ("terbit", "TERBIT")]
        assert events[-1]["petugas"] == "camat"

    # C again, signed at once at the desk: a new number, the returned one is never reused
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    reissued = cli.json("terbitkan", reg_c)
    assert reissued["status"] == "TERBIT" and reissued["nomor_surat"] == D
    assert stamp_widget(Path(reissued["pdf"]))[1] and pdfsig_verdict_ok(run_pdfsig(Path(reissued["pdf"]), nss))
    check = cli.json("register", "periksa")
    assert check["bersih"] is True, check["masalah"]
    summary = check["ringkasan"]
    assert (summary["terbit"], summary["batal"], summary["menunggu_ttd"], summary["dipesan"]) == (3, 1, 0, 0)


@with_lo
def test_queue_row_errors_and_other_signatory(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    (reg,) = lengkap(cli, 1)
    prepared = cli.json("terbitkan", reg, "--tanpa-ttd", "--penandatangan", "sekcam")
    assert prepared["nomor_surat"] == A and prepared["penandatangan"]["id"] == "sekcam"
    unsigned = Path(prepared["pdf"])

    # not signed yet: verification says so; cetak and batalkan refuse
    report = cli.json("verifikasi", str(unsigned), code=1)
    assert report["register"] == "MENUNGGU_TTD" and any("belum ditandatangani" in r for r in report["alasan"])
    assert cli("cetak", A).exit_code == 5
    assert cli("batalkan", A, "--alasan", "x").exit_code == 5

    # the queue per signatory; the camat cannot sign the sekcam's letter (asked before any passphrase)
    assert cli.json("ttd", "antrean", "--penandatangan", "camat")["surat"] == []
    assert [r["nomor_surat"] for r in cli.json("ttd", "antrean", "--penandatangan", "sekcam")["surat"]] == [A]
    monkeypatch.setattr("sakti_cli.cli.ttd.passphrase_prompt", lambda label: pytest.fail("no prompt"))
    other = cli("ttd", "setujui", A)
    assert other.exit_code == 3 and "sekcam" in other.stderr
    nothing = cli.json("ttd", "setujui", "--semua")  # the camat's queue is empty: no passphrase asked
    assert nothing["ditandatangani"] == [] and nothing["gagal"] == []

    # the sekcam's key is missing: exit 4 before anything is signed; the sekcam types the passphrase
    monkeypatch.setattr("sakti_cli.cli.ttd.passphrase_prompt", lambda label: "demo")
    missing = cli("ttd", "setujui", "--semua", "--penandatangan", "sekcam")
    assert missing.exit_code == 4 and "sekcam.p12" in missing.stderr

    # the unsigned PDF was changed after it was prepared: that row fails, the letter keeps waiting
    shutil.copy(kantor / "pki" / "camat.p12", kantor / "pki" / "sekcam.p12")
    unsigned.write_bytes(unsigned.read_bytes() + b"\n% diubah\n")
    failed = cli("ttd", "setujui", "--semua", "--penandatangan", "sekcam", "--json")
    assert failed.exit_code == 1, failed.stderr
    payload = json.loads(failed.stdout)
    assert payload["ok"] is False and payload["ditandatangani"] == []
    [row] = payload["gagal"]
    assert row["nomor_surat"] == A and row["status"] == "MENUNGGU_TTD" and "berubah" in row["error"]["pesan"]
    assert cli.json("status", reg)["status"] == "MENUNGGU_TTD"
    assert not list((kantor / "data" / "surat").rglob("*.pdf"))
    check = cli.json("register", "periksa", code=1)
    assert [p["jenis"] for p in check["masalah"]] == ["pdf_berubah"]

    # sent back: clean again, and the number is gone for good
    cli.json("ttd", "kembalikan", A, "--alasan", "PDF diubah")
    assert cli.json("register", "periksa")["bersih"] is True
    assert cli.json("status", reg)["status"] == "LENGKAP"


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["ttd", "setujui"], 3, "--semua"),
    (["ttd", "setujui", A, "--semua"], 3, "--semua"),
    (["ttd", "setujui", "999/ARSEL"], 3, "tidak ada di register"),
    (["ttd", "kembalikan", "999/ARSEL", "--alasan", "x"], 3, "tidak ada di register"),
    (["ttd", "kembalikan", A, "--alasan", "  "], 3, "Alasan"),
    (["ttd", "antrean", "--penandatangan", "lurah"], 3, "lurah"),
    (["terbitkan", "REG-202611-0001", "--tanpa-ttd", "--tsa", "http://127.0.0.1:9/"], 3, "--tsa"),
])
@pytest.mark.usefixtures("kantor")
def test_queue_usage_errors(cli: Cli, args: list[str], code: int, needle: str) -> None:
    result = cli(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert needle in result.stderr


@with_lo
def test_prepare_killed_after_reservation_is_closed(kantor: Path, cli: Cli) -> None:
    """Killed between the reservation and the queue: an ordinary dangling number (BATAL, never reused)."""
    import signal

    (reg,) = lengkap(cli, 1)
    died = subprocess.run([str(SAKTI), "terbitkan", reg, "--tanpa-ttd"],
                          env={**no_key_env(), "SAKTI_UJI_MATI": "setelah_pesan_nomor"},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert died.returncode == -signal.SIGKILL, died.stderr
    from test_register_mati import next_step

    next_step(kantor)  # the next writing step closes it (reading commands close nothing)
    status = cli.json("status", reg)
    assert status["status"] == "LENGKAP" and status["nomor_batal"] == [A]
    assert cli.json("ttd", "antrean")["surat"] == []
    assert not (kantor / "data" / "antrean").exists() or not list((kantor / "data" / "antrean").iterdir())
    assert cli.json("register", "periksa")["bersih"] is True
