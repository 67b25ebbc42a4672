"""``sakti massal --terbitkan --gabung/--zip``: one print copy and one archive of the batch's signed letters;
the options refused where they mean nothing; a row registered by a run killed before its check is checked
(and issued) by the next run."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, Cli
from test_antrean_ttd import add_stamp_marker
from test_massal_batch import _batch, _lines, _tree_hash, subset

SAKTI = REPO / ".venv" / "bin" / "sakti"


def _letter_bytes(kantor: Path, cli: Cli, reg: str) -> tuple[str, bytes]:
    status = cli.json("status", reg)
    return status["surat"]["nomor_surat"], Path(status["surat"]["pdf"]).read_bytes()


def test_gabung_and_zip_hold_the_batch_letters(kantor: Path, cli: Cli, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader

    table, _ = _batch(tmp_path)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    first = subset(table, [0], "satu.csv")
    assert cli("massal", first, "--layanan", "sktm", "--terbitkan").exit_code == 0  # an earlier run's letter
    add_stamp_marker(kantor / "templat" / "sktm.docx")  # the next letter has a visible stamp
    rows = subset(table, [0, -1, 1, 0], "empat.csv")  # issued before; refused; new; the first row again
    out = tmp_path / "keluar"
    out.mkdir()
    result = cli("massal", rows, "--layanan", "sktm", "--terbitkan", "--gabung", out / "cetak.pdf",
                 "--zip", out / "surat.zip", "--json")
    assert result.exit_code == 1, result.stdout  # the refused row
    lines = _lines(result.stdout)
    summary = lines[-1]
    regs = [lines[0]["nomor_registrasi"], lines[2]["nomor_registrasi"]]
    letters = [_letter_bytes(kantor, cli, reg) for reg in regs]
    pages = [len(PdfReader(io.BytesIO(data)).pages) for _, data in letters]
    assert summary["gabung"] == {"pdf": str(out / "cetak.pdf"), "surat": 2, "halaman": sum(pages), "menunggu_ttd": 0}
    assert summary["zip"] == {"berkas": str(out / "surat.zip"), "surat": 2, "menunggu_ttd": 0}

    merged = PdfReader(out / "cetak.pdf")
    assert len(merged.pages) == sum(pages)
    assert merged.metadata is not None and merged.metadata.title == "Salinan cetak - bukan dokumen bertanda tangan"
    assert "salinan-cetak" in str(merged.metadata.get("/Keywords")) and "tanpa tanda tangan" in merged.metadata.subject
    assert "/AcroForm" not in merged.trailer["/Root"] and all("/Annots" not in p for p in merged.pages)
    assert letters[0][0] in merged.pages[0].extract_text() and letters[1][0] in merged.pages[pages[0]].extract_text()
    assert b"/SaktiCap" in merged.pages[pages[0]].get_contents().get_data()  # the visible stamp, drawn on the page
    done = subprocess.run(["pdfsig", str(out / "cetak.pdf")], capture_output=True, text=True, check=False)
    assert "does not contain any signatures" in done.stdout + done.stderr

    with zipfile.ZipFile(out / "surat.zip") as archive:
        names = archive.namelist()
        assert names == [number.replace("/", "-") + ".pdf" for number, _ in letters] + ["DAFTAR-SURAT.csv"]
        for (_number, data), name in zip(letters, names, strict=False):
            assert archive.read(name) == data  # byte for byte the registered file
        manifest = list(csv.DictReader(io.StringIO(archive.read("DAFTAR-SURAT.csv").decode())))
    assert [(m["baris"], m["nomor_registrasi"], m["berkas"]) for m in manifest] == [
        ("2", regs[0], names[0]), ("4", regs[1], names[1])]
    assert [m["sha256"] for m in manifest] == [hashlib.sha256(data).hexdigest() for _, data in letters]
    assert (out / "surat.zip").stat().st_mode & 0o777 == 0o600
    assert not [p.name for p in out.iterdir() if p.name not in ("cetak.pdf", "surat.zip")]  # no temp file left
    events = cli.json("riwayat", "--objek", str(out / "surat.zip"))
    assert events["peristiwa"] and events["peristiwa"][-1]["aksi"] == "massal_zip"

    again = cli("massal", rows, "--layanan", "sktm", "--terbitkan", "--zip", out / "surat.zip")
    assert again.exit_code == 3 and "sudah ada" in again.stderr  # never overwritten, refused before any row


@pytest.mark.parametrize(("extra", "code", "said"), [
    (["--gabung", "h.pdf"], 2, "--terbitkan"),
    (["--terbitkan", "--uji", "--zip", "h.zip"], 2, "--uji"),
    (["--terbitkan", "--tanpa-ttd", "--zip", "h.zip"], 2, "bertanda tangan"),
    (["--terbitkan", "--gabung", "h.zip"], 2, ".pdf"),
    (["--terbitkan", "--zip", "/proc/h.zip"], 3, "/proc"),
    (["--terbitkan", "--gabung", "tidak-ada/h.pdf"], 3, "tidak-ada"),
])
def test_refused_before_any_row(kantor: Path, cli: Cli, tmp_path: Path, extra: list[str], code: int,
                                said: str) -> None:
    table, _ = _batch(tmp_path)
    before = _tree_hash(kantor)
    result = cli("massal", subset(table, [0], "satu.csv"), "--layanan", "sktm", *extra)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert said in result.stderr
    assert _tree_hash(kantor) == before  # nothing registered


def test_row_registered_by_a_killed_run_is_checked_next_time(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    table, _ = _batch(tmp_path)
    one = subset(table, [0], "satu.csv")
    done = subprocess.run([str(SAKTI), "massal", str(one), "--layanan", "sktm", "--json"], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "SAKTI_UJI_MATI": "setelah_daftar_baris"})
    assert done.returncode == -9  # killed between registering the row and checking it
    [reg] = [p["nomor_registrasi"] for p in cli.json("permohonan")["permohonan"]]
    assert cli.json("status", reg)["status"] == "DITERIMA"
    again = _lines(cli("massal", one, "--layanan", "sktm", "--json").stdout)
    assert again[0]["hasil"] == "sudah_ada" and again[0]["nomor_registrasi"] == reg
    assert again[0]["status"] == "LENGKAP"


def test_archive_member_names_from_letter_numbers() -> None:
    from sakti_cli.issuance.batch_output import member_name

    taken: set[str] = set()
    assert member_name("400.9.14.1/017/ARSEL/XI/2026", taken) == "400.9.14.1-017-ARSEL-XI-2026.pdf"
    assert member_name("470/ /SK/PDP/2022", taken) == "470-SK-PDP-2022.pdf"  # a blank part, as seen in practice
    assert member_name("470-SK/PDP/2022", taken) == "470-SK-PDP-2022-2.pdf"  # alike but for punctuation
    assert member_name("../../etc/passwd", taken) == "etc-passwd.pdf"  # never a path
