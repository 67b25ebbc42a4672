"""The search keys filled on PostgreSQL (PgRegister.fill_keys): an office's applications without ``cari`` (registered
before the keys existed) get them at the first step of a run, once, recorded by one ``isi_kunci_cari`` event."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli
from pg_server import Database
from test_isi_kunci_cari import found, register_named
from test_pg_alur import point_at


def new_run() -> None:
    """The next command as a new process: the desks this test process kept connected are closed."""
    from sakti_cli.register.pg import session

    for register in session._OPEN.values():
        register.close()
    session._OPEN.clear()


def test_old_applications_get_their_keys(pg: Database, kantor: Path, cli: Cli, tmp_path: Path) -> None:
    point_at(kantor, pg.office("isi"))
    old = register_named(cli, tmp_path, "Djoko Soesilo", "Madurejo")
    other = register_named(cli, tmp_path, "Siti Aminah", "Raja Seberang")
    with pg.admin() as conn, conn.cursor() as cur:  # as a register written before m003
        cur.execute("UPDATE permohonan SET data = data - 'cari'")
        assert cur.rowcount == 2
    new_run()
    assert found(cli, "--nama", "joko susilo") == [old]  # a read fills them first
    assert found(cli, "--desa", "raja seberang") == [other]
    events = [e for e in cli.json("riwayat")["peristiwa"] if e["aksi"] == "isi_kunci_cari"]
    assert len(events) == 1 and events[0]["sesudah"] == 2
    new_run()
    new = register_named(cli, tmp_path, "Djoko Santoso", "Madurejo")
    assert found(cli, "--nama", "djoko") == [old, new]
    assert len([e for e in cli.json("riwayat")["peristiwa"] if e["aksi"] == "isi_kunci_cari"]) == 1
    with pg.admin() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM permohonan WHERE NOT (data ? 'cari')")
        assert cur.fetchone()[0] == 0
    assert json.loads(cli("register", "periksa", "--json").stdout)["masalah"] == []
