"""Register format versions and migrations (issue 4, items 8 and 9).

``tests/fixtures/register-v1`` is a register written by the foundation's code (format 1: a file per
month, index shards by 2 hex characters; how it was made: tests/fixtures/README.md). The tests migrate
it with the real step 1 -> 2 (migrations.blocks_and_shards: blocks of 100 records, 4,096 shards) and
check that nothing is lost on the way: every application and letter is found by every lookup, the
register check finds nothing new, and numbering goes on where the old register stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, example
from test_alur_sktm import register_snapshot

from sakti_cli.core.errors import RegisterCorrupt
from sakti_cli.register.backup import MANIFEST_NAME
from sakti_cli.register.tiny import migrations, registry
from sakti_cli.register.tiny.migrations import Migration
from sakti_cli.register.tiny.registry import read_events

FIXTURE = Path(__file__).parent / "fixtures" / "register-v1"
FIRST = "400.9.14.1/001/ARSEL/XI/2026"  # the fixture's one letter (its PDF is not kept, see the README)


def _install_fixture(root: Path) -> None:
    register = root / "data" / "register"
    shutil.rmtree(register)
    shutil.copytree(FIXTURE, register)


@pytest.fixture
def v1_kantor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    _install_fixture(ws.root)
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return ws.root


def fixture_files() -> dict[str, str]:
    return {f"data/register/{p.relative_to(FIXTURE)}": hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(FIXTURE.rglob("*")) if p.is_file()}


def fixture_table(relative: str, name: str) -> list[dict[str, Any]]:
    return list(json.loads((FIXTURE / relative).read_text())[name].values())


def meta(kantor: Path) -> dict[str, Any]:
    raw = json.loads((kantor / "data" / "register" / "meta.json").read_text())
    return dict(next(iter(raw["meta"].values())))


def layout(kantor: Path) -> dict[str, list[str]]:
    root = kantor / "data" / "register"
    return {kind: sorted(p.name for p in (root / kind).iterdir()) for kind in ("permohonan", "surat", "indeks")}


def pdf_missing_only(check: dict[str, Any]) -> set[str]:
    """The fixture keeps the register only: its one PDF is reported missing, and nothing else may be."""
    assert {p["jenis"] for p in check["masalah"]} == {"pdf_hilang"}, check["masalah"]
    return {p["pesan"].split()[2] for p in check["masalah"]}


def test_fixture_is_format_1() -> None:
    assert fixture_table("meta.json", "meta")[0]["versi_format"] == 1
    assert sorted(p.name for p in (FIXTURE / "permohonan").iterdir()) == ["2026-11.json"]
    assert all(len(p.stem) == 2 for p in (FIXTURE / "indeks").iterdir())
    assert registry.FORMAT_VERSION == 4 and [m.dari for m in migrations.MIGRATIONS] == [1, 2, 3]


def test_migration_runs_once_after_a_backup(v1_kantor: Path, cli: Cli) -> None:
    old_events = list(read_events(v1_kantor / "data" / "register" / "audit"))
    listing = cli.json("--petugas", "admin", "permohonan", "--status", "TERBIT")
    assert [r["nomor_registrasi"] for r in listing["permohonan"]] == ["REG-202611-0001"]
    assert listing["permohonan"][0]["nomor_surat"] == FIRST and listing["permohonan"][0]["nik"] == "6201********0003"

    info = meta(v1_kantor)
    assert info["versi_format"] == 4 and [(m["dari"], m["ke"]) for m in info["migrasi"]] == [(1, 4)]
    files = layout(v1_kantor)
    shards = files.pop("indeks")
    assert files == {"permohonan": ["2026-11-00.json"], "surat": ["2026-11-00.json"]}
    assert all(len(name) == len("abc.json") for name in shards)
    register = v1_kantor / "data" / "register"
    assert not list(register.rglob("*.baru")) and not (register / ".jurnal.json").exists()
    letter = next(iter(json.loads((register / "surat" / "2026-11-00.json").read_text())["surat"].values()))
    assert (letter["bulan"], letter["bulan_pesan"]) == ("2026-11-00", "2026-11")
    letter_shards = set()
    for shard in shards:
        for entry in json.loads((register / "indeks" / shard).read_text())["indeks"].values():
            assert shard == f"{registry.shard_of(entry['kunci'])}.json"
            if entry["kunci"].startswith("cari:"):  # the search index (format 3 -> 4): test_isi_kunci_cari.py
                continue
            letter_shards.add(shard)
            assert (entry["bulan"], entry["id"]) == ("2026-11-00", letter["id"])
    assert len(letter_shards) == 3

    backups = list((v1_kantor / "data" / "cadangan").glob("*.tar.gz"))
    assert len(backups) == 1 and info["migrasi"][0]["cadangan"] == str(backups[0].relative_to(v1_kantor))
    assert (v1_kantor / "data" / "cadangan").stat().st_mode & 0o777 == 0o700
    with tarfile.open(backups[0]) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST_NAME).read())  # type: ignore[union-attr]
    assert manifest["versi_format_register"] == 1
    assert {e["path"]: e["sha256"] for e in manifest["berkas"]} == fixture_files()  # the register as it was

    new_events = list(read_events(v1_kantor / "data" / "register" / "audit"))[len(old_events):]
    migrated = new_events[0]
    assert (migrated["aksi"], migrated["sebelum"], migrated["sesudah"], migrated["petugas"]) == (
        "migrasi_register", 1, 4, "admin")
    assert migrated["prev"] == old_events[-1]["hash"]
    assert migrated["detail"]["langkah"][0]["hasil"] == {
        "permohonan": 2, "berkas_permohonan": 1, "surat": 1, "berkas_surat": 1, "indeks": 3, "indeks_tanpa_surat": 0}
    assert migrated["detail"]["cadangan"].startswith("data/cadangan/")

    # once: the next commands find format 2 and do nothing more
    cli.json("status", "REG-202611-0002")
    cli.json("permohonan")
    assert len(list((v1_kantor / "data" / "cadangan").glob("*.tar.gz"))) == 1
    events = list(read_events(v1_kantor / "data" / "register" / "audit"))
    assert [e["aksi"] for e in events].count("migrasi_register") == 1


def test_migrated_register_finds_everything(v1_kantor: Path, cli: Cli) -> None:
    """Every application and letter of the old register, by every lookup; the check finds nothing new."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.applications import find_application
    from sakti_cli.register.letters import find_letter
    from sakti_cli.register.upkeep import open_register

    applications = fixture_table("permohonan/2026-11.json", "permohonan")
    letters = fixture_table("surat/2026-11.json", "surat")
    assert len(applications) == 2 and len(letters) == 1
    cli.json("permohonan")  # migrates
    ws = find_workspace(v1_kantor)
    with open_register(ws.register_dir, zone=ws.zone).transaction() as txn:
        for old in applications:
            found_application = dict(find_application(txn, old["nomor_registrasi"]))
            assert found_application.pop("cari")["nama"] and found_application == old  # + its search keys (3 -> 4)
        for old in letters:
            for lookup in ({"number": old["nomor_surat"]}, {"code": old["kode_verifikasi"]},
                           {"sha256": old["sha256"]}):
                found = find_letter(txn, **lookup)
                assert found is not None, lookup
                assert {k: v for k, v in found.items() if k not in ("bulan", "bulan_pesan")} == {
                    k: v for k, v in old.items() if k != "bulan"}
    for old in applications:
        assert cli.json("status", old["nomor_registrasi"])["status"] == old["status"]
    by_code = cli("verifikasi", "--kode", letters[0]["kode_verifikasi"], "--json")
    assert FIRST in by_code.stdout
    assert pdf_missing_only(cli.json("register", "periksa", code=1)) == {FIRST}


def test_busy_month_is_split_into_blocks(v1_kantor: Path, cli: Cli) -> None:
    """A format-1 month of 32 applications: blocks of 25 by registration number, every one still found."""
    path = v1_kantor / "data" / "register" / "permohonan" / "2026-11.json"
    data = json.loads(path.read_text())
    rejected = next(doc for doc in data["permohonan"].values() if doc["nomor_registrasi"] == "REG-202611-0002")
    for seq in range(3, 33):
        data["permohonan"][str(seq)] = {**rejected, "nomor_registrasi": f"REG-202611-{seq:04d}"}
    path.write_text(json.dumps(data))
    counters = v1_kantor / "data" / "register" / "urutan.json"
    counters.write_text(counters.read_text().replace('"nilai":2}', '"nilai":32}', 1))

    assert cli.json("permohonan")["jumlah"] == 32
    register = v1_kantor / "data" / "register" / "permohonan"
    blocks = {p.stem: sorted(d["nomor_registrasi"] for d in json.loads(p.read_text())["permohonan"].values())
              for p in register.glob("*.json")}
    assert blocks == {"2026-11-00": [f"REG-202611-{n:04d}" for n in range(1, 26)],
                      "2026-11-01": [f"REG-202611-{n:04d}" for n in range(26, 33)]}
    assert cli.json("status", "REG-202611-0032")["status"] == "DITOLAK"
    assert cli.json("status", "REG-202611-0025")["status"] == "DITOLAK"
    assert pdf_missing_only(cli.json("register", "periksa", code=1)) == {FIRST}
    assert cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"] == "REG-202611-0033"
    assert "REG-202611-0033" in json.loads((register / "2026-11-01.json").read_text()).__repr__()


@pytest.mark.slow
def test_numbers_continue_after_migration(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace with keys and LibreOffice, its register the old one: the next application and the
    next real letter take the next numbers, in the blocks the new layout picks."""
    _install_fixture(kantor)
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    assert reg == "REG-202611-0003" and meta(kantor)["versi_format"] == 4
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    issued = cli.json("terbitkan", reg)
    number = issued["surat"]["nomor_surat"] if isinstance(issued.get("surat"), dict) else issued["nomor_surat"]
    assert number == "400.9.14.1/002/ARSEL/XI/2026"
    register = kantor / "data" / "register"
    letters = json.loads((register / "surat" / "2026-11-00.json").read_text())["surat"]
    new = next(item for item in letters.values() if item["nomor_surat"] == number)
    assert (new["bulan"], new["bulan_pesan"], new["urut"]) == ("2026-11-00", "2026-11", 2)
    assert (kantor / new["pdf"]).is_file() and new["pdf"].startswith("data/surat/2026/11/")
    counters = {d["kunci"]: d["nilai"] for d in json.loads((register / "urutan.json").read_text())["urutan"].values()}
    assert counters["surat|2026-11"] == 2 and counters["registrasi|202611"] == 3
    assert layout(kantor)["permohonan"] == ["2026-11-00.json"]
    assert pdf_missing_only(cli.json("register", "periksa", code=1)) == {FIRST}
    assert cli("verifikasi", str(kantor / new["pdf"])).exit_code == 0


def test_newer_register_refused(v1_kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.json("permohonan")  # migrated to format 2
    monkeypatch.setattr(registry, "FORMAT_VERSION", 1)  # an older sakti opens it
    before = register_snapshot(v1_kantor)
    for args in (["permohonan"], ["status", "REG-202611-0001"], ["tolak", "REG-202611-0001", "--alasan", "x"],
                 ["bersihkan", "--lebih-dari", "1"]):
        result = cli(*args, "--json")
        assert result.exit_code == 4, (args, result.stderr)
        error = json.loads(result.stdout)["error"]
        assert error["kode"] == "REGISTER_RUSAK" and "lebih baru (format 4, sakti ini 1)" in error["pesan"]
        assert str(v1_kantor / "data" / "register") in error["pesan"] and "Perbarui sakti" in result.stderr
    assert register_snapshot(v1_kantor) == before


def test_failed_step_changes_nothing(v1_kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(txn: Any) -> None:
        migrations.blocks_and_shards(txn)
        raise RegisterCorrupt("Langkah migrasi uji gagal di tengah jalan.")

    real = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", [real[0], Migration(2, "rusak", broken), *real[2:]])
    before = register_snapshot(v1_kantor)
    result = cli("permohonan")
    assert result.exit_code == 4 and "gagal di tengah jalan" in result.stderr
    assert register_snapshot(v1_kantor) == before and meta(v1_kantor)["versi_format"] == 1
    monkeypatch.setattr(migrations, "MIGRATIONS", real)
    assert cli.json("permohonan")["jumlah"] == 2 and meta(v1_kantor)["versi_format"] == 4


def test_killed_in_the_middle_of_the_migration(v1_kantor: Path, cli: Cli) -> None:
    """SIGKILL while the migrated files are being written: the old register stands, the next command
    migrates it."""
    env = {**os.environ, "SAKTI_KANTOR": str(v1_kantor), "SAKTI_UJI_MATI": "tengah_tulis_register"}
    killed = subprocess.run([sys.executable, "-m", "sakti_cli", "permohonan", "--json"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert killed.returncode == -9, killed.stderr
    after = {k: v for k, v in register_snapshot(v1_kantor).items() if not k.endswith(".baru")}
    assert {f"data/register/{k}": v for k, v in after.items()} == fixture_files()
    assert cli.json("permohonan")["jumlah"] == 2 and meta(v1_kantor)["versi_format"] == 4
    assert pdf_missing_only(cli.json("register", "periksa", code=1)) == {FIRST}


def test_missing_step_refused(v1_kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "FORMAT_VERSION", 5)  # 1 -> 4 known, 4 -> 5 not
    before = register_snapshot(v1_kantor)
    result = cli("permohonan")
    assert result.exit_code == 4 and "Tidak ada langkah migrasi register dari format 4 ke 5" in result.stderr
    assert register_snapshot(v1_kantor) == before and not (v1_kantor / "data" / "cadangan").exists()


def test_corrupt_meta_refused(v1_kantor: Path, cli: Cli) -> None:
    (v1_kantor / "data" / "register" / "meta.json").write_text('{"meta": {"1": {"dibuat": "x"}}}')
    before = register_snapshot(v1_kantor)
    result = cli("permohonan")
    assert result.exit_code == 4 and "meta.json rusak (versi_format tidak ada)" in result.stderr.replace("\n", " ")
    assert register_snapshot(v1_kantor) == before


def _give_the_letter_its_pdf(kantor: Path) -> None:
    """The fixture keeps no PDF; a restore must pass 'register periksa' (issue 8), so give its letter one:
    a stand-in PDF, its SHA-256 written where format 1 keeps it (letter, application, index)."""
    register = kantor / "data" / "register"
    pdf = kantor / "data" / "surat" / "2026" / "11" / "400.9.14.1_001_ARSEL_XI_2026.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.4\n% pengganti PDF perlengkapan uji\n%%EOF\n")
    old = fixture_table("surat/2026-11.json", "surat")[0]["sha256"]
    new = hashlib.sha256(pdf.read_bytes()).hexdigest()
    for relative in ("surat/2026-11.json", "permohonan/2026-11.json", "indeks/70.json"):
        path = register / relative
        path.write_text(path.read_text().replace(old, new))


def test_old_backup_restored_then_migrated(v1_kantor: Path, cli: Cli, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as old_sakti:  # a format-1 sakti makes the backup
        old_sakti.setattr(registry, "FORMAT_VERSION", 1)
        old_sakti.setattr(migrations, "MIGRATIONS", [])
        incomplete = cli.json("cadangkan", str(tmp_path / "tanpa-pdf.tar.gz"))["berkas"]
        _give_the_letter_its_pdf(v1_kantor)
        archive = cli.json("cadangkan", str(tmp_path / "lama.tar.gz"))["berkas"]
    assert meta(v1_kantor)["versi_format"] == 1
    # migrated in the staging folder, then checked: the letter's PDF is missing, so nothing is restored
    refused = cli("pulihkan", incomplete, "--ke", str(tmp_path / "gagal"))
    assert refused.exit_code == 4 and "400.9.14.1_001_ARSEL_XI_2026.pdf" in refused.stderr.replace("\n", "")
    assert not (tmp_path / "gagal").exists() and not list(tmp_path.glob(".pulihkan-*"))
    restored = cli.json("pulihkan", archive, "--ke", str(tmp_path / "baru"))
    assert restored["versi_format_register"] == 1 and restored["versi_format_sekarang"] == 4
    assert layout(tmp_path / "baru")["surat"] == ["2026-11-00.json"]
    assert len(list((tmp_path / "baru" / "data" / "cadangan").glob("*.tar.gz"))) == 1
    assert meta(tmp_path / "baru")["migrasi"][0]["cadangan"].startswith("data/cadangan/")  # not the staging path
    assert cli.json("--kantor", str(tmp_path / "baru"), "register", "periksa")["bersih"] is True
    assert meta(v1_kantor)["versi_format"] == 1  # the source workspace was not touched by the restore


def test_concurrent_processes_migrate_once(v1_kantor: Path) -> None:
    """Four real processes open the old register at once: one migrates (under the lock), all succeed."""
    env = {**os.environ, "SAKTI_KANTOR": str(v1_kantor)}
    procs = [subprocess.Popen([sys.executable, "-m", "sakti_cli", "permohonan", "--json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    assert all(json.loads(out)["jumlah"] == 2 for out, _err in outputs)
    assert meta(v1_kantor)["versi_format"] == 4
    assert len(list((v1_kantor / "data" / "cadangan").glob("*.tar.gz"))) == 1
    actions = [e["aksi"] for e in read_events(v1_kantor / "data" / "register" / "audit")]
    assert actions.count("migrasi_register") == 1
