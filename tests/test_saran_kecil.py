"""The smaller items: bersihkan and nomor mulai ask first, status shows removed scans, register periksa
names scopes in words, tandatangani refuses a non-PDF, cadangkan checks its target before the snapshot."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import Cli, example

LATER = "2028-01-01T09:00:00+07:00"  # past a 30-day retention period of a November 2026 application


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".kunci"):
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def _answers(monkeypatch: pytest.MonkeyPatch, *answers: bool | None) -> list[str]:
    """The person at the terminal answers yes/no; None: no terminal. Returns the questions asked."""
    asked: list[str] = []
    queue = list(answers)

    def confirm(question: str) -> bool | None:
        asked.append(question)
        return queue.pop(0)

    monkeypatch.setattr("sakti_cli.cli.state.confirm_prompt", confirm)
    return asked


@pytest.fixture
def finished(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> str:
    """A refused application with scans, the clock moved past its retention period."""
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    cli.json("tolak", reg, "--alasan", "ganda")
    monkeypatch.setenv("SAKTI_WAKTU", LATER)
    return reg


def test_bersihkan_asks_and_no_keeps_everything(kantor: Path, cli: Cli, finished: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = kantor / "data" / "berkas" / finished
    before = _tree_hash(kantor)
    asked = _answers(monkeypatch, False)
    declined = cli("bersihkan", "--lebih-dari", "30")
    assert declined.exit_code == 1 and "tidak ada pindaian yang dihapus" in declined.stderr
    assert len(asked) == 1 and "3 berkas pindaian dari 1 permohonan" in asked[0]
    assert finished in declined.stderr  # the list was shown before the question
    assert _tree_hash(kantor) == before and folder.is_dir()

    asked = _answers(monkeypatch, None)  # no terminal, no --ya: a usage error with the way out
    refused = cli("bersihkan", "--lebih-dari", "30", "--json")
    assert refused.exit_code == 2
    error = json.loads(refused.stdout)["error"]
    assert "--ya" in error["pesan"] and "sakti bersihkan --lebih-dari 30 --ya" in error["saran"]
    assert _tree_hash(kantor) == before

    _answers(monkeypatch)  # --uji and --ya never ask (an empty queue would fail)
    assert cli.json("bersihkan", "--lebih-dari", "30", "--uji")["jumlah"] == 1
    asked = _answers(monkeypatch, True)
    done = cli.json("bersihkan", "--lebih-dari", "30")
    assert len(asked) == 1 and done["jumlah_berkas"] == 3 and not folder.exists()


def test_status_shows_removed_scans(kantor: Path, cli: Cli, finished: str) -> None:
    cli.json("--petugas", "arsip", "bersihkan", "--lebih-dari", "30", "--ya")
    payload = cli.json("status", finished)
    assert payload["berkas_dihapus"]["petugas"] == "arsip"
    human = cli("status", finished)
    assert human.exit_code == 0
    line = next(text for text in human.stdout.splitlines() if text.startswith("Pindaian dihapus"))
    assert "2028-01-01" in line and "oleh arsip" in line and "ktp (1)" in line and "kk (1)" in line
    assert "masa simpan 30 hari" in line


def test_status_without_removed_scans_says_nothing(kantor: Path, cli: Cli) -> None:
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    assert "Pindaian dihapus" not in cli("status", reg).stdout


def _issue_one_number(kantor: Path) -> None:
    """One electronic number used in the sktm scope (the reservation itself; no LibreOffice needed)."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.letters import reserve_number
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.sop import load_service

    ws = find_workspace(kantor)
    with open_register(ws.register_dir, zone=ws.zone).transaction() as txn:
        reserve_number(txn, ws, load_service(ws.sop_dir, "sktm"), "REG-202611-0001", {"id": "camat"})


def test_nomor_mulai_after_electronic_numbers_asks(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _answers(monkeypatch)
    assert cli.json("nomor", "mulai", "--layanan", "sktm", "--dari", "40")["dari"] == 40  # nothing issued: no question
    assert asked == []
    cli.json("nomor", "mulai", "--layanan", "sktm", "--dari", "1")  # a typo corrected, still nothing issued
    _issue_one_number(kantor)
    register = kantor / "data" / "register"
    before = _tree_hash(register)
    asked = _answers(monkeypatch, None)
    refused = cli("nomor", "mulai", "--layanan", "sktm", "--dari", "50", "--json")
    assert refused.exit_code == 2, refused.stdout
    error = json.loads(refused.stdout)["error"]
    assert "sampai urut 1 " in error["pesan"] and "nomor 2-49" in error["pesan"]
    assert "layanan sktm, tahun 2026" in error["pesan"]
    assert "--ya" in error["saran"]
    asked = _answers(monkeypatch, False)
    assert cli("nomor", "mulai", "--layanan", "sktm", "--dari", "50").exit_code == 1 and len(asked) == 1
    assert _tree_hash(register) == before
    assert cli.json("nomor", "mulai", "--layanan", "sktm", "--dari", "50", "--ya")["dari"] == 50
    _issue_one_number(kantor)  # 50 used: continuing at 51 leaves no gap, so nothing to ask
    assert cli.json("nomor", "mulai", "--layanan", "sktm", "--dari", "51")["dari"] == 51


def test_register_periksa_names_scopes_in_words(kantor: Path, cli: Cli) -> None:
    cli.json("nomor", "mulai", "--layanan", "sktm", "--dari", "17")
    human = cli("register", "periksa")
    assert "layanan sktm, tahun 2026: sampai urut 16, 16 di kertas" in human.stdout
    assert "nomor|" not in human.stdout


def test_tandatangani_markdown_is_not_a_pdf(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    text = tmp_path / "x.md"
    text.write_text("# bukan surat\n")
    (kantor / "pki" / "camat.p12").unlink()  # said before any key is looked at
    result = cli("tandatangani", str(text), "--json")
    assert result.exit_code == 3, result.stdout
    error = json.loads(result.stdout)["error"]
    assert "bukan PDF" in error["pesan"] and "x.md" in error["pesan"] and "header" not in error["pesan"]
    assert not (tmp_path / "x-ttd.pdf").exists()


@pytest.mark.parametrize(("target", "needle"), [
    ("/proc/x", "harus berakhiran"),
    ("/proc/x.tar.gz", "tidak dapat menampung"),
    ("/proc/sys/cadangan.zip", "tidak dapat menampung"),
])
def test_cadangkan_checks_target_before_snapshot(kantor: Path, cli: Cli, target: str, needle: str) -> None:
    before = _tree_hash(kantor)
    result = cli("cadangkan", target)
    assert result.exit_code == 3, result.stderr
    assert needle in result.stderr and "mengambil salinan" not in result.stderr
    assert "Traceback" not in result.stderr and "tak terduga" not in result.stderr
    assert _tree_hash(kantor) == before
    assert not list((kantor / "data").glob(".cadangan-*"))
