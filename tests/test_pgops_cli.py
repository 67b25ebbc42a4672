"""The CLI on a PostgreSQL register (issue 12 §3, §5): ``register periksa`` picks the PostgreSQL checker of the
workspace's register, and an office's desk finds nothing of another office's."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

import pytest
from conftest import Cli
from pg_server import Database, Office

from sakti_cli.register.pg.numbers import reserve_number


def _desk(root: Path, office: Office, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace (the demo office's sakti.toml) whose register is ``office``'s role on the test server."""
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace

    ws = create_workspace(root, DEMO_OFFICE)
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    monkeypatch.setenv("SAKTI_REGISTER_URL", office.url)
    monkeypatch.setenv("PGPASSWORD", office.password)
    return ws.root


def test_register_periksa_checks_the_postgresql_register(pg: Database, tmp_path: Path, cli: Cli,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    office = pg.office("kec_cli")
    _desk(tmp_path / "kantor", office, monkeypatch)
    clean = cli.json("register", "periksa")
    assert clean["bersih"] and clean["ringkasan"]["surat"] == 0
    with office.connect() as conn:  # a desk reserves a number and dies
        reserve_number(conn, "nomor|layanan:sktm|2026", lambda n: {
            "id": secrets.token_hex(8), "nomor_surat": f"474/{n:03}/KEC/2026", "kode_verifikasi": "KODE1"},
            actor="loket-mati", moment=datetime.fromisoformat("2026-11-22T09:30:00+07:00"))
    found = cli.json("register", "periksa", code=1)
    assert [p["jenis"] for p in found["masalah"]] == ["nomor_menggantung"]
    human = cli("register", "periksa")
    assert human.exit_code == 1 and "474/001/KEC/2026" in human.stdout
    fixed = cli.json("register", "periksa", "--perbaiki")
    assert fixed["bersih"] and fixed["diperbaiki"] == ["474/001/KEC/2026"]
    assert fixed["ringkasan"]["lingkup"][0]["batal"] == 1
    assert not (tmp_path / "kantor" / "data" / "register" / "surat").exists()  # nothing went to TinyDB files
