"""PostgreSQL register (issue 12 §3): where the server is, where its password comes from (never the URL),
and the server's refusals said in Indonesian, naming the server, exit 4."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Cli
from pg_server import Database

from sakti_cli.cli.errors import exit_code_for
from sakti_cli.core.errors import ConfigError, EnvironmentProblem, SaktiError, UsageError
from sakti_cli.register.pg.connect import connect, desk_connection, password_for
from sakti_cli.register.pg.schema import check_schema
from sakti_cli.register.pg.url import URL_VARIABLE, check_url, describe, register_url

SECRET = "rahasia-kantor-99"


def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, register: str) -> Path:
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    config = ws.root / "sakti.toml"
    config.write_text(config.read_text().replace("[register]\n", f"[register]\n{register}\n", 1))
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return config


def test_a_password_in_sakti_toml_url_is_refused_without_showing_it(tmp_path: Path, cli: Cli,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _workspace(tmp_path, monkeypatch, f'url = "postgresql://kantor_a:{SECRET}@db.kab.go.id/sakti"')
    result = cli("kantor")
    assert result.exit_code == 4
    assert "register.url" in result.stderr and "memuat sandi" in result.stderr and "PGPASSWORD" in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_a_url_without_password_is_accepted_in_sakti_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.office.workspace import find_workspace

    _workspace(tmp_path, monkeypatch, 'url = "postgresql://kantor_a@db.kab.go.id/sakti"\nberkas_sandi = "x"')
    settings = find_workspace().config.register_settings
    assert register_url(settings.url, {}) == ("postgresql://kantor_a@db.kab.go.id/sakti", "sakti.toml [register] url")


@pytest.mark.parametrize("url", [f"postgresql://kantor_a:{SECRET}@db/sakti",
                                 f"postgres://db/sakti?user=kantor_a&password={SECRET}",
                                 f"postgresql://kantor_a:{SECRET}@[::1]:5432/sakti"])
def test_a_password_in_the_url_is_refused_on_the_command_line_and_in_the_environment(url: str) -> None:
    with pytest.raises(UsageError) as argv:
        check_url(url, "baris perintah", UsageError)
    said = argv.value.pesan
    assert said.startswith("baris perintah: alamat register memuat sandi") and SECRET not in said
    with pytest.raises(ConfigError) as env:
        register_url(None, {URL_VARIABLE: url})
    assert URL_VARIABLE in env.value.pesan and "PGPASSWORD" in (env.value.saran or "")
    assert exit_code_for(env.value) == 4 and exit_code_for(argv.value) == 2


def test_the_environment_names_the_server_over_sakti_toml() -> None:
    env = {URL_VARIABLE: "postgresql://kantor_b@db2/sakti"}
    assert register_url("postgresql://kantor_a@db1/sakti", env) == ("postgresql://kantor_b@db2/sakti", URL_VARIABLE)
    assert register_url(None, {}) is None  # no URL: the TinyDB register
    with pytest.raises(ConfigError, match="harus berawal postgresql://"):
        register_url("mysql://db/sakti", {})
    assert describe("postgresql://kantor_a@/sakti?host=/Run/PG&port=6543") == (
        "server /Run/PG port 6543, basis data sakti, peran kantor_a")


def test_password_sources(tmp_path: Path) -> None:
    secret = tmp_path / "sandi-register"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match="dapat dibaca pengguna lain"):
        password_for(secret)
    secret.chmod(0o600)
    assert password_for(secret) == SECRET
    assert password_for(None, "SANDI_REG", {"SANDI_REG": SECRET}) == SECRET
    with pytest.raises(ConfigError, match="SANDI_REG"):
        password_for(None, "SANDI_REG", {})
    assert password_for() is None  # left to libpq: PGPASSWORD or ~/.pgpass


def _refused(url: str, password: str | None = None) -> SaktiError:
    with pytest.raises(SaktiError) as caught:
        connect(url, password=password).close()
    assert exit_code_for(caught.value) == 4 and caught.value.saran
    return caught.value


def test_connection_refusals_name_the_server_and_what_to_do(pg: Database, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    office = pg.office("kec_a")
    server = pg.server
    wrong = _refused(office.url, "salah")
    assert isinstance(wrong, ConfigError) and "menolak sandi" in wrong.pesan and server.folder in wrong.pesan
    missing_db = _refused(server.url("tidak_ada", office.role), office.password)
    assert "Basis data register tidak ada" in missing_db.pesan and "tidak_ada" in missing_db.pesan
    unknown = _refused(server.url(pg.name, "kantor_hantu"), "x")
    assert "tidak dikenal" in unknown.pesan or "menolak sandi" in unknown.pesan  # the server may not say which
    away = _refused(f"postgresql://{office.role}@/{pg.name}?host={tmp_path}&port=5432", "x")
    assert isinstance(away, EnvironmentProblem) and "tidak dapat dihubungi" in away.pesan
    assert str(tmp_path) in away.pesan and "tidak ada server PostgreSQL yang menunggu" in away.pesan
    assert "pg_isready" in (away.saran or "")
    # the password from PGPASSWORD (libpq's own variable), nothing in the URL
    monkeypatch.setenv("PGPASSWORD", office.password)
    with connect(office.url) as conn:
        check_schema(conn)
        assert conn.execute("SELECT session_user").fetchone() == (office.role,)
    assert os.environ["PGPASSWORD"] not in office.url


def test_reading_sakti_toml_and_the_url_does_not_load_psycopg() -> None:
    import subprocess
    import sys

    code = ("import sys, sakti_cli.office.workspace, sakti_cli.register.pg.url, sakti_cli.register.pg.schema, "
            "sakti_cli.register.pg.numbers, sakti_cli.register.pg.connect; print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_desk_connects_from_its_sakti_toml(pg: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.office.workspace import find_workspace

    office = pg.office("kec_a")
    config = _workspace(tmp_path, monkeypatch, f'url = "{office.url}"\nberkas_sandi = "pki/register.sandi"')
    secret = config.parent / "pki" / "register.sandi"
    secret.write_text(office.password + "\n")
    secret.chmod(0o600)
    ws = find_workspace()
    conn = desk_connection(ws)
    assert conn is not None
    with conn:
        assert conn.execute("SELECT session_user").fetchone() == (office.role,)
    with pytest.raises(UsageError, match="baris perintah: alamat register memuat sandi"):
        desk_connection(ws, f"postgresql://{office.role}:{SECRET}@/{pg.name}")
    config.write_text(config.read_text().replace(f'url = "{office.url}"\n', ""))
    assert desk_connection(find_workspace()) is None  # no server named: the TinyDB register
