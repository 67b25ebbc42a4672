"""One real PostgreSQL server per test run (Debian's ``postgresql``), a fresh database per test.

How the run shares one server between the pytest-xdist workers, and who stops it:
- the controller (the only process when ``-n 0``) makes an empty run folder in pytest_configure and names it
  in ``SAKTI_UJI_PG`` before the workers start, so every worker inherits it;
- the first test that asks for a database takes the folder's file lock, runs ``initdb`` and ``pg_ctl start``
  (listening only on a Unix socket inside the folder, no TCP port), migrates a template database with the
  register's own migrations, and writes ``server.json``; the others find it under the same lock;
- the controller's pytest_unconfigure runs after every worker has ended: it stops the server
  (``pg_ctl stop -m immediate``) and removes the folder. A run that selects no PostgreSQL test starts nothing.
  A run whose controller was killed cannot do that: the next run's controller stops such orphans (their
  ``pengendali`` pid is gone) before it starts.

initdb refuses root: as root the server runs as the ``postgres`` user (``runuser``), the folder chowned to it.
The folder is made with tempfile.mkdtemp in the system temp folder, not under pytest's basetemp, because
``/tmp/pytest-of-root`` is 0700 and the postgres user could not enter it.

Each test gets ``CREATE DATABASE ... TEMPLATE`` of the migrated template (a file copy, ~0.1 s), never a mock.
Skipped only when the server's programs are missing and ``CI`` is not set; in CI a missing server fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

RUN_VARIABLE = "SAKTI_UJI_PG"
ADMIN = "sakti_uji"  # the bootstrap superuser of the test cluster
TEMPLATE = "sakti_templat"
PORT = 5432  # only names the socket file inside the run folder


def server_programs() -> Path | None:
    """The folder of initdb/pg_ctl: PATH first, else Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass(frozen=True)
class Server:
    folder: str  # the run folder: data/, the socket, the log
    password: str

    def conninfo(self, dbname: str = "postgres", user: str = ADMIN, password: str | None = None) -> dict[str, Any]:
        return {"host": self.folder, "port": PORT, "dbname": dbname, "user": user,
                "password": self.password if password is None else password}

    def url(self, dbname: str, user: str) -> str:
        """A register URL as a desk writes it (no password): the socket folder as ``?host=``."""
        return f"postgresql://{user}@/{dbname}?host={self.folder}&port={PORT}"


def configure(config: pytest.Config) -> None:
    """Controller only (not in an xdist worker): the run folder, named for the workers."""
    if hasattr(config, "workerinput"):
        return
    _sweep_orphans()
    folder = tempfile.mkdtemp(prefix="sakti-pg-")
    (Path(folder) / "pengendali").write_text(str(os.getpid()))
    os.environ[RUN_VARIABLE] = folder
    config.stash[_FOLDER] = folder


def unconfigure(config: pytest.Config) -> None:
    """Controller only: stop the server the workers may have started, remove the run folder."""
    folder = config.stash.get(_FOLDER, None)
    if folder is None:
        return
    _stop(Path(folder))
    os.environ.pop(RUN_VARIABLE, None)


def _stop(folder: Path) -> None:
    bin_dir = server_programs()
    if (folder / "data" / "postmaster.pid").is_file() and bin_dir is not None:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate",
                                        "-w", "stop"]), capture_output=True, check=False, timeout=60)
    shutil.rmtree(folder, ignore_errors=True)


def _sweep_orphans() -> None:
    """Servers of earlier runs whose controller was killed (no pytest_unconfigure): stop them, free /tmp."""
    for folder in Path(tempfile.gettempdir()).glob("sakti-pg-*"):
        try:
            pid = int((folder / "pengendali").read_text())
        except (OSError, ValueError):
            continue  # another user's, or a run that is just starting
        try:
            os.kill(pid, 0)
            continue  # its run is still going
        except ProcessLookupError:
            _stop(folder)
        except PermissionError:
            continue


_FOLDER = pytest.StashKey[str]()


TEST_SETTINGS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                 "-c shared_buffers=16MB")
"""Fast and forgetful: a test server's data is thrown away (bench/ starts one that syncs, as a real one does)."""


def start_server(folder: Path, settings: str = TEST_SETTINGS) -> Server:
    """A server of its own in the empty ``folder``, outside pytest (bench/); stop it with :func:`stop_server`."""
    bin_dir = server_programs()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL (initdb, pg_ctl) tidak terpasang; jalankan scripts/pasang.sh")
    return _start(folder, bin_dir, settings)


def stop_server(folder: Path) -> None:
    _stop(folder)


def _start(folder: Path, bin_dir: Path, settings: str = TEST_SETTINGS) -> Server:
    password = secrets.token_hex(16)
    (folder / "sandi").write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(folder / "sandi", "postgres")
    os.chmod(folder, 0o700)

    def run(*cmd: str) -> None:
        done = subprocess.run(_as_server_user(list(cmd)), capture_output=True, text=True, check=False, timeout=180)
        if done.returncode != 0:
            log = folder / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{cmd[0]} gagal ({done.returncode}): {done.stderr or done.stdout}\n{tail}")

    run(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", ADMIN, f"--pwfile={folder / 'sandi'}",
        "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
    options = f"-c listen_addresses='' -k {folder} -p {PORT} {settings}"
    run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "-t", "120",
        "-o", options, "start")
    server = Server(str(folder), password)
    _make_template(server)
    return server


def _make_template(server: Server) -> None:
    import psycopg

    from sakti_cli.register.pg.schema import migrate

    with psycopg.connect(**server.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {TEMPLATE}")
    with psycopg.connect(**server.conninfo(TEMPLATE)) as conn:
        migrate(conn)
    with psycopg.connect(**server.conninfo(), autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {TEMPLATE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")


def shared_server() -> Server:
    """The run's server, started by the first test that needs it (any worker), under the folder's lock."""
    bin_dir = server_programs()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL tidak terpasang, padahal uji CI memerlukannya (paket Debian postgresql).")
        pytest.skip("PostgreSQL (initdb, pg_ctl) tidak terpasang; jalankan scripts/pasang.sh")
    folder = os.environ.get(RUN_VARIABLE)
    if not folder:  # pytest started without tests/conftest.py's hooks (should not happen)
        pytest.fail(f"{RUN_VARIABLE} tidak diisi: tests/conftest.py harus memanggil pg_server.configure")
    root = Path(folder)
    with FileLock(str(root / "mulai.lock")):
        state = root / "server.json"
        if state.is_file():
            return Server(**json.loads(state.read_text()))
        server = _start(root, bin_dir)
        state.write_text(json.dumps({"folder": server.folder, "password": server.password}))
        return server


@dataclass(frozen=True)
class Database:
    """A fresh database of the run's server, its schema migrated (a copy of the template)."""

    server: Server
    name: str

    def admin(self, **options: Any) -> Any:
        """A connection as the cluster's superuser (bypasses row-level security: set-up only)."""
        import psycopg

        return psycopg.connect(**self.server.conninfo(self.name), **options)

    def office(self, code: str, nama: str | None = None) -> Office:
        """A new office of this database: its own role (unique in the cluster) and password."""
        from sakti_cli.register.pg.offices import create_office

        role = f"{code}_{self.name}"[:63]
        password = secrets.token_hex(12)
        with self.admin() as conn:
            create_office(conn, role, nama or f"Kecamatan {code}", password=password)
        return Office(self, role, password)


@dataclass(frozen=True)
class Office:
    db: Database
    role: str
    password: str

    @property
    def url(self) -> str:
        return self.db.server.url(self.db.name, self.role)

    def connect(self, **options: Any) -> Any:
        """A desk's connection as the office's role, through the register's own connect()."""
        from sakti_cli.register.pg.connect import connect

        return connect(self.url, password=self.password, **options)


def new_database(server: Server) -> Database:
    import psycopg

    name = f"uji_{secrets.token_hex(6)}"
    with psycopg.connect(**server.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
    return Database(server, name)


@pytest.fixture(scope="session")
def pg_cluster() -> Server:
    return shared_server()


@pytest.fixture
def pg(pg_cluster: Server) -> Iterator[Database]:
    """A fresh, migrated register database for this test alone."""
    yield new_database(pg_cluster)
