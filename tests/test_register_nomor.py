"""The register as a record: nomor mulai, batalkan + pengganti, cetak, riwayat, bounded lock waits."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import Cli, example
from filelock import FileLock

NIK = "6201025403850003"  # the example applicant's NIK (contoh/sktm/pemohon.json)
FIRST = "400.9.14.1/001/ARSEL/XI/2026"
SECOND = "400.9.14.1/002/ARSEL/XI/2026"


def register_snapshot(kantor: Path) -> dict[str, str]:
    root = kantor / "data" / "register"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".kunci")}


def audit_text(kantor: Path) -> str:
    return "".join(p.read_text() for p in sorted((kantor / "data" / "register" / "audit").glob("*.jsonl")))


def letter(kantor: Path, number: str) -> dict:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.letters import find_letter
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    with open_register(ws.register_dir, zone=ws.zone).transaction() as txn:
        found = find_letter(txn, number=number)
    assert found is not None, number
    return found


def lengkap(cli: Cli) -> str:
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    cli.json("periksa", reg)
    return reg


def test_nomor_mulai_continues_the_paper_book(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = lengkap(cli)
    typo = cli.json("nomor", "mulai", "--layanan", "sktm", "--dari", "170")
    assert typo["lingkup"] == "nomor|layanan:sktm|2026" and typo["dari"] == 170 and typo["tahun"] == 2026
    # nothing issued since: a typo in --dari may still be corrected
    fixed = cli.json("nomor", "mulai", "--layanan", "SKTM", "--dari", "17")
    assert fixed["dari"] == 17
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    issued = cli.json("terbitkan", reg)
    assert issued["nomor_surat"] == "400.9.14.1/017/ARSEL/XI/2026"

    before = register_snapshot(kantor)
    refused = cli("nomor", "mulai", "--layanan", "sktm", "--dari", "10", "--json")
    assert refused.exit_code == 5, refused.stderr
    error = json.loads(refused.stdout)["error"]
    assert "sampai 17" in error["pesan"] and "layanan sktm, tahun 2026" in error["pesan"]
    assert cli("nomor", "mulai", "--layanan", "sktm", "--dari", "17").exit_code == 5  # at N: refused too
    assert register_snapshot(kantor) == before

    check = cli.json("register", "periksa")
    assert check["bersih"] is True
    scope = check["ringkasan"]["lingkup"][0]
    assert scope == {"lingkup": "nomor|layanan:sktm|2026", "terakhir": 17, "mulai": 17, "kertas": 16, "hilang": 0,
                     "dipesan": 0, "terbit": 1, "batal": 0}
    events = cli.json("riwayat", "--objek", "nomor|layanan:sktm|2026")["peristiwa"]
    assert [(e["aksi"], e["detail"]["dari"]) for e in events] == [("nomor_mulai", 170), ("nomor_mulai", 17)]
    # another year has its own sequence
    assert cli.json("nomor", "mulai", "--layanan", "sktm", "--dari", "5", "--tahun", "2027")["tahun"] == 2027


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--layanan", "paspor", "--dari", "5"], 3, "paspor"),
        (["--layanan", "sktm", "--dari", "5", "--tahun", "1945"], 3, "1945"),
        (["--layanan", "sktm", "--dari", "0"], 2, "--dari"),
        (["--layanan", "sktm"], 2, "--dari"),
    ],
)
def test_nomor_mulai_bad_input(kantor: Path, cli: Cli, args: list[str], code: int, needle: str) -> None:
    lengkap(cli)
    before = register_snapshot(kantor)
    result = cli("nomor", "mulai", *args)
    assert result.exit_code == code, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert register_snapshot(kantor) == before


def test_batalkan_then_replacement(kantor: Path, cli: Cli, issued: dict, tmp_path: Path) -> None:
    reg, pdf = issued["nomor_registrasi"], Path(issued["pdf"])
    before = register_snapshot(kantor)
    for args, code, needle in (
        (["batalkan", "999/TIDAK/ADA", "--alasan", "x"], 3, "999/TIDAK/ADA"),
        (["batalkan", FIRST, "--alasan", "   "], 3, "Alasan"),
        (["batalkan", FIRST], 2, "--alasan"),
    ):
        result = cli(*args)
        assert result.exit_code == code, (args, result.stderr)
        assert needle in result.stderr and "Traceback" not in result.stderr
    assert register_snapshot(kantor) == before

    voided = cli.json("--petugas", "siti", "batalkan", FIRST, "--alasan", "nama pemohon salah ketik")
    assert voided["status"] == "BATAL" and voided["alasan_batal"] == "nama pemohon salah ketik"
    assert voided["dibatalkan_oleh"] == "siti" and voided["dibatalkan"].startswith("2026-11-22T09:30")
    # still in the register, reported revoked by verification (exit 1) by file and by code
    checked = cli.json("verifikasi", str(pdf), code=1)
    assert checked["register"] == "BATAL" and "dibatalkan" in " ".join(checked["alasan"])
    assert cli.json("verifikasi", "--kode", issued["kode_verifikasi"], code=1)["register"] == "BATAL"

    before = register_snapshot(kantor)
    again = cli("batalkan", FIRST, "--alasan", "lagi", "--json")
    assert again.exit_code == 5 and "sudah BATAL" in json.loads(again.stdout)["error"]["pesan"]
    reprint = cli("cetak", FIRST)
    assert reprint.exit_code == 5 and "BATAL" in reprint.stderr
    assert register_snapshot(kantor) == before

    status = cli.json("status", reg)
    assert status["status"] == "LENGKAP" and status["surat"] is None and status["nomor_batal"] == [FIRST]
    assert status["riwayat"][-1]["dari"] == "TERBIT" and status["riwayat"][-1]["ke"] == "LENGKAP"

    replacement = cli.json("terbitkan", reg)
    assert replacement["nomor_surat"] == SECOND  # a new number; the voided one is never reused
    assert letter(kantor, SECOND)["mengganti"] == FIRST
    assert letter(kantor, FIRST)["diganti_oleh"] == SECOND and letter(kantor, FIRST)["status"] == "BATAL"
    assert cli.json("status", reg)["surat"]["mengganti"] == FIRST
    assert cli.json("verifikasi", replacement["pdf"])["sah"] is True
    assert cli.json("verifikasi", str(pdf), code=1)["sah"] is False
    assert cli.json("register", "periksa")["bersih"] is True
    actions = [(e["aksi"], e["objek"]) for e in cli.json("riwayat", "--objek", FIRST)["peristiwa"]]
    assert ("batalkan", FIRST) in actions and ("diganti", FIRST) in actions
    assert cli.json("riwayat", "--petugas", "SITI")["jumlah"] == 2  # the letter and the application


def test_cetak_checks_the_stored_pdf(kantor: Path, cli: Cli, issued: dict, tmp_path: Path) -> None:
    stored = Path(issued["pdf"])
    shown = cli.json("cetak", FIRST)
    assert shown["pdf"] == str(stored) and shown["ke"] is None and shown["sha256"] == issued["sha256"]
    target = tmp_path / "cetak.pdf"
    copied = cli.json("cetak", f" {FIRST} ", "--ke", str(target))
    assert copied["ke"] == str(target) and target.read_bytes() == stored.read_bytes()
    assert target.stat().st_mode & 0o777 == 0o600
    (tmp_path / "folder").mkdir()
    into = cli.json("cetak", FIRST, "--ke", str(tmp_path / "folder"))
    assert Path(into["ke"]) == tmp_path / "folder" / stored.name

    before = register_snapshot(kantor)
    exists = cli("cetak", FIRST, "--ke", str(target))
    assert exists.exit_code == 3 and "sudah ada" in exists.stderr and "--timpa" in exists.stderr
    nofolder = cli("cetak", FIRST, "--ke", str(tmp_path / "tidak" / "ada.pdf"))
    assert nofolder.exit_code == 3 and "tidak ada" in nofolder.stderr
    assert cli("cetak", "400.9.14.1/099/ARSEL/XI/2026").exit_code == 3
    assert register_snapshot(kantor) == before
    assert cli.json("cetak", FIRST, "--ke", str(target), "--timpa")["ke"] == str(target)
    prints = [e for e in cli.json("riwayat", "--objek", FIRST)["peristiwa"] if e["aksi"] == "cetak"]
    assert len(prints) == 4 and prints[1]["detail"]["ke"] == str(target)

    original = stored.read_bytes()
    stored.write_bytes(original[:-10] + b"0000000000")
    before = register_snapshot(kantor)
    changed = cli("cetak", FIRST, "--ke", str(tmp_path / "x.pdf"), "--json")
    assert changed.exit_code == 4
    message = json.loads(changed.stdout)["error"]["pesan"]
    assert "tidak sama dengan yang diterbitkan" in message and str(stored) in message
    assert not (tmp_path / "x.pdf").exists()
    stored.unlink()
    missing = cli("cetak", FIRST)
    assert missing.exit_code == 4 and "tidak ada" in missing.stderr
    assert register_snapshot(kantor) == before


def test_riwayat_filters_and_no_personal_data(kantor: Path, cli: Cli, issued: dict) -> None:
    reg = issued["nomor_registrasi"]
    other = lengkap(cli)
    cli.json("--petugas", "budi", "tolak", other, "--alasan", "bukan warga")
    every = cli.json("riwayat")
    assert [e["aksi"] for e in every["peristiwa"]] == ["daftar", "periksa", "pesan_nomor", "terbit", "daftar",
                                                       "periksa", "tolak"]
    assert all(set(e) >= {"waktu", "petugas", "aksi", "objek", "sebelum", "sesudah"} for e in every["peristiwa"])
    own = cli.json("riwayat", "--objek", reg.lower().replace("reg-", ""))  # forgiving REG form
    assert [e["aksi"] for e in own["peristiwa"]] == ["daftar", "periksa", "pesan_nomor", "terbit"]
    assert [e["aksi"] for e in cli.json("riwayat", "--petugas", "budi")["peristiwa"]] == ["tolak"]
    last = cli.json("riwayat", "--batas", "2")["peristiwa"]
    assert [e["aksi"] for e in last] == ["periksa", "tolak"]
    assert cli.json("riwayat", "--objek", "REG-209901-0001", code=3)["error"]["kode"] == "TIDAK_DITEMUKAN"
    assert cli("riwayat", "--batas", "0").exit_code == 2
    human = cli("riwayat", "--objek", reg)
    assert human.exit_code == 0 and "terbit" in human.stdout and FIRST in human.stdout
    # the trail records what happened, never the applicant's data; a NIK typed into a reason is masked
    voided = cli.json("batalkan", FIRST, "--alasan", f"NIK {NIK} salah")
    assert voided["alasan_batal"] == "NIK 6201********0003 salah"
    trail = audit_text(kantor)
    assert NIK not in trail and "Rusmini" not in trail and "6201********0003" in trail
    assert not re.search(r"(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])", trail)
    assert NIK not in "".join(p.read_text() for p in (kantor / "data" / "register" / "surat").glob("*.json"))
    assert cli.json("register", "periksa")["bersih"] is True


def test_lock_held_too_long_exits_5(kantor: Path, cli: Cli) -> None:
    lengkap(cli)
    config = kantor / "sakti.toml"
    config.write_text(re.sub(r"batas_tunggu_kunci = \d+", "batas_tunggu_kunci = 0.5", config.read_text()))
    before = register_snapshot(kantor)
    reads = (["riwayat"], ["register", "periksa"], ["status", "REG-202611-0001"])
    # a writer's step (the write lock): the next writer waits and gives up; readers never wait for it
    with FileLock(str(kantor / "data" / "register" / ".kunci")):
        for args in (["daftar", "sktm", "--data", str(example("sktm"))], ["nomor", "mulai", "--layanan", "sktm",
                                                                            "--dari", "5"]):
            result = cli(*args, "--json")
            assert result.exit_code == 5, (args, result.stdout)
            error = json.loads(result.stdout)["error"]
            assert error["kode"] == "REGISTER_SIBUK" and "0.5 detik" in error["pesan"]
        for args in reads:
            assert cli(*args, "--json").exit_code == 0, args
    # a commit that does not end (the commit lock held): readers wait for it, then give up
    with FileLock(str(kantor / "data" / "register" / ".kunci-baca")):
        for args in reads:
            result = cli(*args, "--json")
            assert result.exit_code == 5, (args, result.stdout)
            assert json.loads(result.stdout)["error"]["kode"] == "REGISTER_SIBUK"
    assert register_snapshot(kantor) == before
    assert cli.json("status", "REG-202611-0001")["status"] == "LENGKAP"  # free again


def test_corrupted_register_file(kantor: Path, cli: Cli) -> None:
    reg = lengkap(cli)
    register = kantor / "data" / "register"
    counters = register / "urutan.json"
    counters.write_text(counters.read_text()[:25])  # a torn write
    before = register_snapshot(kantor)
    result = cli("daftar", "sktm", "--data", str(example("sktm")), "--json")
    assert result.exit_code == 4
    error = json.loads(result.stdout)["error"]
    assert error["kode"] == "REGISTER_RUSAK" and "urutan.json" in error["pesan"]
    assert cli("nomor", "mulai", "--layanan", "sktm", "--dari", "5").exit_code == 4
    assert cli.json("status", reg)["status"] == "LENGKAP"  # reading an application still works
    check = cli.json("register", "periksa", code=1)
    assert [Path(p["berkas"]).name for p in check["masalah"] if p["jenis"] == "berkas_rusak"] == ["urutan.json"]
    assert all(Path(p["berkas"]).is_absolute() for p in check["masalah"])
    assert register_snapshot(kantor) == before

    (application,) = (register / "permohonan").glob("*.json")
    application.write_text("{")
    before = register_snapshot(kantor)
    broken = cli("status", reg)
    assert broken.exit_code == 4 and "permohonan" in broken.stderr and "Traceback" not in broken.stderr
    check = cli.json("register", "periksa", code=1)
    assert {str(Path(p["berkas"]).relative_to(kantor / "data" / "register")) for p in check["masalah"]
            if p["jenis"] == "berkas_rusak"} == {"urutan.json", "permohonan/2026-11-00.json"}
    assert register_snapshot(kantor) == before


@pytest.mark.parametrize(("scope", "key"), [("kantor", "nomor|kantor|2026"),
                                            ("klasifikasi", "nomor|klasifikasi:400.9.14.1|2026")])
def test_nomor_mulai_follows_the_configured_scope(kantor: Path, cli: Cli, scope: str, key: str) -> None:
    config = kantor / "sakti.toml"
    config.write_text(re.sub(r'lingkup = "layanan"', f'lingkup = "{scope}"', config.read_text()))
    assert cli.json("nomor", "mulai", "--layanan", "sktm", "--dari", "40")["lingkup"] == key
    (counted,) = cli.json("register", "periksa")["ringkasan"]["lingkup"]
    assert counted["lingkup"] == key and counted["kertas"] == 39 and counted["hilang"] == 0


def test_application_changed_during_issuance(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rejected by another clerk while its letter was being signed: the number is closed BATAL in the
    recording step itself, the application keeps its new state, exit 5."""
    from sakti_cli.core.errors import StateConflict
    from sakti_cli.issuance.pipeline import issue_letter
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.applications import reject
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.sop import load_service

    reg = lengkap(cli)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    ws = find_workspace(kantor)
    register = open_register(ws.register_dir, zone=ws.zone)

    def progress(step: str) -> None:
        if step == "mencatat di register":
            reject(open_register(ws.register_dir, zone=ws.zone, actor="loket-2"), reg, "berkas palsu")

    with pytest.raises(StateConflict, match="DITOLAK selama penerbitan"):
        issue_letter(ws, register, lambda code: load_service(ws.sop_dir, code), reg, signatory_id=None,
                     prompt=None, progress=progress)
    status = cli.json("status", reg)
    assert status["status"] == "DITOLAK" and status["nomor_batal"] == [FIRST] and status["surat"] is None
    closed = letter(kantor, FIRST)
    assert closed["status"] == "BATAL" and "berubah menjadi DITOLAK" in closed["alasan_batal"]
    assert cli.json("register", "periksa")["bersih"] is True
