"""``sakti register salin``: the register moved TinyDB -> PostgreSQL -> TinyDB, and what it refuses.

One office issues its letters once (module fixture): TERBIT, BATAL (cancelled, re-issued) and MENUNGGU_TTD, a
``nomor mulai``, a batch row key, the NIK index. It is copied into a fresh PostgreSQL office (the run's real
server, tests/pg_server.py), and from there into a new TinyDB folder: ``register periksa`` clean on the copy, the
same letters (numbers, codes, digests), ``verifikasi`` of a PDF against the copy, the chain verified on both
sides, the source byte for byte as it was apart from its one ``salin`` event.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Cli, Pki, example, module_office

from sakti_cli.register.snapshot import fingerprint

NIK = "6201025403850003"  # the SKTM example's applicant
HAS_NUMBER_STARTS = any(name == "m002_sesi" for name, _ in __import__(
    "sakti_cli.register.pg.schema", fromlist=["MIGRATIONS"]).MIGRATIONS)
"""'nomor mulai' has a table in PostgreSQL from the schema's m002 (the PostgreSQL session's migration)."""


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, demo_pki: Pki, lo_profile: Path) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("salin") / "kantor"
    with module_office(root, demo_pki, lo_profile):
        cli = Cli()
        first = cli.json("--kantor", root, "daftar", "sktm", "--data", example("sktm"))["nomor_registrasi"]
        second = cli.json("--kantor", root, "daftar", "sktm", "--data", example("sktm"))["nomor_registrasi"]
        cli.json("--kantor", root, "periksa", first)
        cli.json("--kantor", root, "periksa", second)
        cancelled = cli.json("--kantor", root, "terbitkan", first)["nomor_surat"]
        cli.json("--kantor", root, "batalkan", cancelled, "--alasan", "salah ketik alamat")
        cli.json("--kantor", root, "terbitkan", first)
        cli.json("--kantor", root, "terbitkan", second, "--tanpa-ttd")
        if HAS_NUMBER_STARTS:
            cli.json("--kantor", root, "nomor", "mulai", "--layanan", "skck", "--dari", "41", "--ya")
        _add_batch_row(root, first)
    yield root


def _add_batch_row(root: Path, reg: str) -> None:
    """A batch row key as 'sakti massal' records it (one step of the register, as massal does)."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(root)
    with open_register(ws.register_dir, zone=ws.zone, workspace=ws).transaction() as txn:
        txn.record_batch_row("b" * 64, reg)


@pytest.fixture
def source(office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "asal"
    shutil.copytree(office, root, symlinks=True)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    return root


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".kunci"}


def trail(root: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((root / "data/register/audit").glob("*.jsonl"))
            for line in path.read_text().splitlines() if line.strip()]


def letters(root: Path) -> dict[str, tuple]:
    found = {}
    for path in (root / "data/register/surat").glob("*.json"):
        for doc in json.loads(path.read_text())["surat"].values():
            found[doc["nomor_surat"]] = (doc["status"], doc["kode_verifikasi"], doc.get("sha256"),
                                        doc.get("sha256_belum_ttd"))
    return found


@dataclass(frozen=True)
class Before:
    files: dict[str, str]
    events: list[dict]
    counters: dict


def before(root: Path) -> Before:
    return Before(tree(root), trail(root), _counters(root))


def _counters(root: Path) -> dict:
    """urutan.json but for the trail's anchor (which a 'salin' event moves)."""
    tables = json.loads((root / "data/register/urutan.json").read_text())
    tables.pop("audit", None)
    return tables


def untouched(was: Before, root: Path, *, salin: int = 0) -> None:
    """The source as it was: every file byte for byte, but for the trail that may have gained ``salin`` events
    (appended: the old lines unchanged) with their anchor and history index."""
    changing = ("data/register/audit/", "data/register/urutan.json", "data/register/riwayat/")
    assert {k: v for k, v in tree(root).items() if not k.startswith(changing)} == \
        {k: v for k, v in was.files.items() if not k.startswith(changing)}
    now = trail(root)
    assert now[:len(was.events)] == was.events
    assert [e["aksi"] for e in now[len(was.events):]] == ["salin"] * salin
    assert _counters(root) == was.counters


def pg_env(office_role) -> dict[str, str]:
    return {"PGPASSWORD": office_role.password}


def test_moved_to_postgresql_and_back(cli: Cli, source: Path, pg, tmp_path: Path) -> None:
    from sakti_cli.register.pg.audit import chain_problems
    from sakti_cli.register.pg.bulk import read_register
    from sakti_cli.register.pg.connect import reading
    from sakti_cli.register.tiny.bulk import read_register as read_tiny

    desk = pg.office("arsel")
    was = before(source)
    events = was.events
    original = read_tiny(source / "data/register", "asal")
    assert {s for s, *_ in letters(source).values()} == {"TERBIT", "BATAL", "MENUNGGU_TTD"}

    out = cli.json("--kantor", source, "register", "salin", "--ke", desk.url, env=pg_env(desk))
    assert (out["asal"], out["tujuan"]) == ("tinydb", "postgresql")
    assert out["surat"] == 3 and out["permohonan"] == 2 and out["antrean_ttd"] == 1
    assert out["nomor_mulai"] == int(HAS_NUMBER_STARTS)
    assert out["kunci_baris"] == 1 and out["indeks_nik"] == 1 and out["peristiwa"] == len(events)
    assert out["berkas"] == 3 * 2 + 2 + 1  # two applications' scans, two signed PDFs, one unsigned
    assert out["kepala_audit"] == events[-1]["hash"]
    untouched(was, source, salin=1)
    assert trail(source)[-1]["detail"]["ke"] == out["ke"]

    with desk.connect() as conn, reading(conn) as cur:
        copied = read_register(cur, "pg")
        assert chain_problems(cur) == []
    assert [json.loads(line) for line in copied.events[:-1]] == events  # the source's trail, as it was
    salin = json.loads(copied.events[-1])
    assert (salin["aksi"], salin["prev"], salin["detail"]["dari"]) == ("salin", events[-1]["hash"],
                                                                      str(source / "data/register"))
    mine, theirs = fingerprint(original), fingerprint(copied)
    assert {k: v for k, v in mine.items() if k != "jejak_audit"} == {k: v for k, v in theirs.items()
                                                                       if k != "jejak_audit"}

    # the office's workspace pointed at the PostgreSQL register: checked clean, a letter verified against it
    env = {**pg_env(desk), "SAKTI_REGISTER_URL": desk.url}
    check = cli.json("--kantor", source, "register", "periksa", env=env)
    assert check["bersih"], check["masalah"]
    terbit = next(n for n, (s, *_) in letters(source).items() if s == "TERBIT")
    pdf = source / "data/surat/2026/11" / (terbit.replace("/", "_") + ".pdf")
    verified = cli.json("--kantor", source, "verifikasi", pdf, env=env)
    assert verified["sah"] and verified["register"] == "TERBIT"

    # back: from that PostgreSQL register into a new TinyDB folder
    back = tmp_path / "kembali"
    out = cli.json("--kantor", source, "register", "salin", "--ke", back, env=env)
    assert (out["asal"], out["tujuan"], out["surat"], out["berkas"]) == ("postgresql", "tinydb", 3, 9)
    assert letters(back) == letters(source)
    assert not (back / "pki" / "camat.p12").exists()  # keys are never copied
    assert "url" not in (back / "sakti.toml").read_text().split("[register]")[-1].split("[")[0]
    check = cli.json("--kantor", back, "register", "periksa")
    assert check["bersih"], check["masalah"]
    chain = trail(back)
    assert [e["aksi"] for e in chain[len(events):]] == ["salin", "salin"]
    assert chain[:len(events)] == events
    pdf = back / "data/surat/2026/11" / (terbit.replace("/", "_") + ".pdf")
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == letters(source)[terbit][2]
    verified = cli.json("--kantor", back, "verifikasi", pdf)
    assert verified["sah"] and verified["register"] == "TERBIT"
    for path in (back / "data").rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path  # private as a workspace's data


def test_refused_targets_and_sources(cli: Cli, source: Path, pg, tmp_path: Path) -> None:
    desk = pg.office("arsel")
    was = before(source)

    # a password in the URL, on the command line: a usage error, and the password is not repeated
    result = cli("--kantor", source, "register", "salin", "--ke", "postgresql://arsel:rahasia9@server/sakti")
    assert result.exit_code == 2 and "sandi" in result.stderr and "rahasia9" not in result.stderr + result.stdout

    # an unreachable server: exit 4, the place named, nothing written
    gone = f"postgresql://arsel@/sakti?host={tmp_path / 'tidak-ada'}&port=5432"
    result = cli("--kantor", source, "register", "salin", "--ke", gone, "--json")
    assert result.exit_code == 4 and "tidak dapat dihubungi" in json.loads(result.stdout)["error"]["pesan"]

    # a folder that holds something: exit 5, untouched
    full = tmp_path / "berisi"
    full.mkdir()
    (full / "catatan.txt").write_text("punya orang")
    result = cli("--kantor", source, "register", "salin", "--ke", full)
    assert result.exit_code == 5 and str(full) in result.stderr
    assert [p.name for p in full.iterdir()] == ["catatan.txt"]

    # a PostgreSQL register that already holds records: exit 5, not a row added
    cli.json("--kantor", source, "register", "salin", "--ke", desk.url, env=pg_env(desk))
    with desk.connect() as conn:
        rows = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    result = cli("--kantor", source, "register", "salin", "--ke", desk.url, "--json", env=pg_env(desk))
    assert result.exit_code == 5 and json.loads(result.stdout)["error"]["kode"] == "TUJUAN_TIDAK_KOSONG"
    with desk.connect() as conn:
        assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == rows
    untouched(was, source, salin=1)  # the refusals wrote nothing; the one copy its event
    assert not list(tmp_path.glob(".salin-*"))

    # empty means this office's rows (row-level security): a second office of the same database takes a copy
    other = pg.office("kumai")
    out = cli.json("--kantor", source, "register", "salin", "--ke", other.url, env=pg_env(other))
    assert out["surat"] == 3
    with desk.connect() as conn:
        assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == rows  # the first office's untouched


def test_tinydb_config_drops_only_the_server() -> None:
    from sakti_cli.register.backup import tinydb_config

    text = ('[kantor]\nurl = "tetap"\n\n[register]  # bersama\nurl = "postgresql://a@b/c"\nbatas_tunggu_kunci = 9\n'
            'variabel_sandi = "X"\n  berkas_sandi = "/s"\n[situs]\nurl = "https://cek"\n')
    assert tinydb_config(text) == ('[kantor]\nurl = "tetap"\n\n[register]  # bersama\nbatas_tunggu_kunci = 9\n'
                                   '[situs]\nurl = "https://cek"\n')


def test_open_reservation_refused(cli: Cli, source: Path, tmp_path: Path) -> None:
    """A number being issued right now (its process alive: this one) is not copied half done."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.letters import reserve_number
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.sop import load_service

    ws = find_workspace(source)
    service = load_service(ws.sop_dir, "sktm")
    with open_register(ws.register_dir, zone=ws.zone).transaction() as txn:
        letter = reserve_number(txn, ws, service, "REG-202611-0002", {"id": "camat"})
    was = before(source)
    result = cli("--kantor", source, "register", "salin", "--ke", tmp_path / "baru")
    assert result.exit_code == 5
    assert "selesaikan dulu" in result.stderr and letter["nomor_surat"] in result.stderr
    assert not (tmp_path / "baru").exists() and not list(tmp_path.glob(".salin-*"))
    untouched(was, source)


def test_broken_chain_refused_naming_the_event(cli: Cli, source: Path, tmp_path: Path) -> None:
    (path,) = (source / "data/register/audit").glob("*.jsonl")
    lines = path.read_text().splitlines()
    event = json.loads(lines[2])
    event["petugas"] = "orang lain"  # an event changed after the fact: its hash no longer recomputes
    lines[2] = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")
    was = before(source)
    result = cli("--kantor", source, "register", "salin", "--ke", tmp_path / "baru", "--json")
    assert result.exit_code == 4
    error = json.loads(result.stdout)["error"]
    assert event["id"] in error["pesan"] and "ke-3" in error["pesan"] and event["aksi"] in error["pesan"]
    assert not (tmp_path / "baru").exists()
    untouched(was, source)


def test_failed_copy_leaves_the_target_as_it_was(cli: Cli, source: Path, pg, tmp_path: Path) -> None:
    """A scan changed on disk is found while the copy is being written: PostgreSQL rolls the whole copy back,
    the folder is never made, and the source is not touched."""
    desk = pg.office("arsel")
    scan = next((source / "data/berkas").rglob("ktp-1.jpg"))
    scan.write_bytes(scan.read_bytes()[:-10] + b"0123456789")
    was = before(source)
    result = cli("--kantor", source, "register", "salin", "--ke", desk.url, "--json", env=pg_env(desk))
    assert result.exit_code == 4 and "ktp-1.jpg" in json.loads(result.stdout)["error"]["pesan"]
    with desk.connect() as conn:
        from sakti_cli.register.pg.bulk import filled_tables

        assert filled_tables(conn.cursor()) == []  # not one row of the applications, letters or trail written
    result = cli("--kantor", source, "register", "salin", "--ke", tmp_path / "baru")
    assert result.exit_code == 4 and not (tmp_path / "baru").exists() and not list(tmp_path.glob(".salin-*"))
    untouched(was, source)


# --- backups across backends: one archive format --------------------------------------------------------
def test_backup_restores_into_the_other_backend(cli: Cli, source: Path, pg, tmp_path: Path) -> None:
    """A backup taken on TinyDB restores into PostgreSQL; one taken on that PostgreSQL register restores into a
    TinyDB folder: the same letters, the chain verified, register periksa clean."""
    from sakti_cli.register.pg.audit import chain_problems
    from sakti_cli.register.pg.bulk import read_register
    from sakti_cli.register.pg.connect import reading

    desk = pg.office("arsel")
    on_tiny = tmp_path / "tinydb.tar.gz"
    events = trail(source)  # the archive's trail (its own 'cadangkan' event comes after it, in the source)
    cli.json("--kantor", source, "cadangkan", on_tiny)
    restored = cli.json("pulihkan", on_tiny, "--ke", desk.url, env=pg_env(desk))
    assert restored["tujuan"] == "postgresql" and restored["jumlah_berkas_register"] == 9
    with desk.connect() as conn, reading(conn) as cur:
        copied = read_register(cur, "pg")
        assert chain_problems(cur) == []
    assert [json.loads(line) for line in copied.events[:len(events)]] == events
    restore, salin = (json.loads(line) for line in copied.events[len(events):])
    assert (restore["aksi"], salin["aksi"]) == ("pulihkan", "salin") and "peran" in restore["objek"]
    assert salin["detail"]["dari"] == f"cadangan {on_tiny}"
    assert {x["nomor_surat"]: (x["status"], x["kode_verifikasi"], x.get("sha256"), x.get("sha256_belum_ttd"))
            for x in copied.letters} == letters(source)
    assert not list(tmp_path.glob(".pulihkan-*"))
    env = {**pg_env(desk), "SAKTI_REGISTER_URL": desk.url}
    check = cli.json("--kantor", source, "register", "periksa", env=env)
    assert check["bersih"], check["masalah"]

    # the workspace on that PostgreSQL register: its backup is a TinyDB register's, restored into a folder
    on_pg = tmp_path / "postgresql.zip"
    made = cli.json("--kantor", source, "cadangkan", on_pg, env=env)
    assert made["register_asal"] and "peran" in made["register_asal"]
    assert not list((source / "data").glob(".cadangan-*"))
    back = tmp_path / "pulih"
    cli.json("pulihkan", on_pg, "--ke", back)
    assert letters(back) == letters(source)
    check = cli.json("--kantor", back, "register", "periksa")
    assert check["bersih"], check["masalah"]
    chain = trail(back)
    assert chain[:len(events)] == events and chain[-1]["aksi"] == "pulihkan"

    # the PostgreSQL register now holds records: a restore into it is refused before anything is unpacked
    result = cli("pulihkan", on_tiny, "--ke", desk.url, "--json", env=pg_env(desk))
    assert result.exit_code == 5 and json.loads(result.stdout)["error"]["kode"] == "TUJUAN_TIDAK_KOSONG"
    # without --ke: the workspace's own PostgreSQL register; a TinyDB workspace must name its target
    result = cli("--kantor", back, "pulihkan", on_tiny)
    assert result.exit_code == 2 and "--ke" in result.stderr
