"""PostgreSQL register's admin (issue 12 §3): ``sakti register siapkan`` creates and migrates the schema,
``sakti register peran`` adds an office; a workspace pointed at a server opens the PostgreSQL register, and its
refusals (no schema, wrong password, server away, a password in the URL) are exit 4 (2 on the command line)."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest
from conftest import Cli
from pg_server import ADMIN, Database, Server

SECRET = "sandi-admin-rahasia"


def _empty_database(server: Server) -> str:
    name = f"kosong_{secrets.token_hex(4)}"
    with psycopg.connect(**server.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return name


def test_siapkan_creates_the_schema_once_and_peran_adds_an_office(pg_cluster: Server, cli: Cli, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    name = _empty_database(pg_cluster)
    url = pg_cluster.url(name, ADMIN)
    monkeypatch.setenv("PGPASSWORD", pg_cluster.password)
    made = cli.json("register", "siapkan", "--url", url)
    assert made["diterapkan"] == ["m001_register", "m002_sesi", "m003_cari", "m004_tanpa_cari"] and made["versi"] == 4
    assert name in made["server"] and pg_cluster.password not in str(made)
    assert cli.json("register", "siapkan", "--url", url)["diterapkan"] == []  # migrating again changes nothing
    monkeypatch.delenv("PGPASSWORD")
    secret = tmp_path / "admin.sandi"
    secret.write_text(pg_cluster.password + "\n")
    secret.chmod(0o600)
    role_secret = tmp_path / "peran.sandi"
    role_secret.write_text("sandi-kantor-x\n")
    role_secret.chmod(0o600)
    role = f"kec_x_{name}"
    added = cli.json("register", "peran", role, "--nama", "Kecamatan  X", "--url", url, "--berkas-sandi", str(secret),
                     "--berkas-sandi-peran", str(role_secret))
    assert (added["peran"], added["nama"], added["sandi"]) == (role, "Kecamatan X", True)
    with psycopg.connect(**pg_cluster.conninfo(name, role, "sandi-kantor-x")) as conn:
        assert conn.execute("SELECT id, nama FROM kantor").fetchall() == [(role, "Kecamatan X")]
    again = cli("register", "peran", role, "--nama", "X", "--url", url, "--berkas-sandi", str(secret))
    assert again.exit_code == 3 and "sudah ada" in again.stderr
    human = cli("register", "peran", f"kec_y_{name}", "--nama", "Kecamatan Y", "--url", url, "--berkas-sandi",
                str(secret))
    assert human.exit_code == 0 and "\\password" in human.stdout


def test_admin_commands_refuse_a_password_in_the_url_and_an_office_role(pg: Database, cli: Cli,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    leaked = cli("register", "siapkan", "--url", f"postgresql://{ADMIN}:{SECRET}@/{pg.name}")
    assert leaked.exit_code == 2 and "--url: alamat register memuat sandi" in leaked.stderr
    assert SECRET not in leaked.stderr + leaked.stdout
    nothing = cli("register", "siapkan")
    assert nothing.exit_code == 2 and "SAKTI_REGISTER_URL" in nothing.stderr
    office = pg.office("kec_a")
    monkeypatch.setenv("PGPASSWORD", office.password)
    refused = cli("register", "peran", "kec_b", "--nama", "B", "--url", office.url)
    assert refused.exit_code == 4 and "tidak boleh membuat peran kantor" in refused.stderr
    bad = cli("register", "peran", "Kec-B", "--nama", "B", "--url", office.url)
    assert bad.exit_code == 3 and "tidak dapat dipakai" in bad.stderr


def _pointed_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, password: str) -> Path:
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    config = ws.root / "sakti.toml"
    config.write_text(config.read_text().replace(
        "[register]\n", f'[register]\nurl = "{url}"\nberkas_sandi = "pki/register.sandi"\n', 1))
    secret = ws.root / "pki" / "register.sandi"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return secret


def test_a_workspace_pointed_at_a_server_opens_the_postgresql_register_or_says_why_not(
        pg: Database, pg_cluster: Server, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.cli.state import register_for
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.pg.session import PgRegister

    office = pg.office("kec_a")
    secret = _pointed_at(tmp_path, monkeypatch, office.url, office.password)
    register = register_for(find_workspace())
    assert isinstance(register, PgRegister) and register.backend == "postgresql"
    assert register.describe() == office.url and office.password not in register.describe()
    register.close()
    secret.write_text("salah\n")
    wrong = cli("permohonan")
    assert wrong.exit_code == 4 and "menolak sandi" in wrong.stderr
    empty = _empty_database(pg_cluster)  # a database nobody prepared: no schema
    with psycopg.connect(**pg_cluster.conninfo(empty), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE desk_{empty} LOGIN PASSWORD 'x'")
    _pointed_at(tmp_path / "b", monkeypatch, pg_cluster.url(empty, f"desk_{empty}"), "x")
    unprepared = cli("permohonan")
    assert unprepared.exit_code == 4 and "Skema register di server belum dibuat" in unprepared.stderr
    monkeypatch.setenv("SAKTI_REGISTER_URL", f"postgresql://{office.role}@/{pg.name}?host={tmp_path}&port=5432")
    away = cli("permohonan")
    assert away.exit_code == 4 and "tidak dapat dihubungi" in away.stderr and str(tmp_path) in away.stderr


def test_m002_indexes_the_events_a_register_already_holds(pg_cluster: Server) -> None:
    """A database migrated by an older SAKTI (m001 only) with events in it: m002 fills the per-object index."""
    from sakti_cli.register.pg.audit import canonical_line, new_event
    from sakti_cli.register.pg.schema import MIGRATIONS, migrate
    from sakti_cli.register.trail import GENESIS

    name = _empty_database(pg_cluster)
    with psycopg.connect(**pg_cluster.conninfo(name)) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("CREATE TABLE skema_versi (versi integer PRIMARY KEY, nama text NOT NULL UNIQUE, "
                        "waktu timestamptz NOT NULL DEFAULT now())")
            MIGRATIONS[0][1](cur)
            cur.execute("INSERT INTO skema_versi (versi, nama) VALUES (1, 'm001_register')")
            from datetime import datetime

            moment = datetime.fromisoformat("2026-11-22T09:30:00+07:00")
            first = new_event("loket", moment, "daftar", "REG-202611-0001")
            second = new_event("loket", moment, "pesan_nomor", "474/001", None, "DIPESAN",
                               {"nomor_registrasi": "REG-202611-0001"}, prev=first["hash"])
            for number, event in enumerate((first, second), 1):
                cur.execute("INSERT INTO audit (kantor, nomor, id, waktu, petugas, aksi, objek, prev, hash, baris) "
                            "VALUES ('lama', %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                            (number, event["id"], event["waktu"], event["petugas"], event["aksi"], event["objek"],
                             event["prev"], event["hash"], canonical_line(event)))
            assert first["prev"] == GENESIS
        assert migrate(conn)[0] == "m002_sesi"  # (and every later one)
        rows = conn.execute("SELECT nama, nomor FROM audit_nama ORDER BY nama, nomor").fetchall()
        assert rows == [("474/001", 2), ("REG-202611-0001", 1), ("REG-202611-0001", 2)]
