"""The register's tests on both backends: a parametrized fixture ``backend`` (["tinydb", "postgresql"]).

``backend`` gives a fresh, empty register of each kind behind the same interface (sakti_cli.register.session):
- tinydb: the register folder of a new workspace-like folder (``tmp_path``);
- postgresql: a new office role on a database shared by the test module (one per module: a role is made in a
  few milliseconds, a database in ~0.1 s), so every test has its own numbers, records and audit chain
  (row-level security keeps the module's offices apart).
``backend.desk()`` opens another desk on the same register (PostgreSQL: another connection), and
``backend.dying_desk(work)`` runs ``work(register)`` in a forked process that then dies without closing
anything (os._exit: its process gone for TinyDB, its connection, and with it its leases, for PostgreSQL).

Use it with ``from register_backends import backend, pg_module  # noqa: F401``.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from pg_server import Database, Office, new_database

from sakti_cli.core.clock import office_zone
from sakti_cli.register import session

ZONE: timezone = office_zone("WIB")
FORK = multiprocessing.get_context("fork")
_OFFICES = itertools.count(1)  # office roles of the module's database


@dataclass
class Backend:
    kind: session.Backend
    root: Path  # the workspace folder (register, files)
    office: Office | None = None
    opened: list[session.Register] = field(default_factory=list)

    def desk(self, actor: str = "loket") -> session.Register:
        """A desk on this register (a new one each call: a new connection for PostgreSQL)."""
        if self.office is None:
            from sakti_cli.register.upkeep import open_register

            register: Any = open_register(self.root / "data" / "register", zone=ZONE, actor=actor)
        else:
            from sakti_cli.register.pg.session import PgRegister

            register = PgRegister(self.office.connect(), url=self.office.url, root=self.root / "data" / "register",
                                  workspace_root=self.root, zone=ZONE, actor=actor)
        self.opened.append(register)
        return register

    def dying_desk(self, work: Callable[[session.Register], Any]) -> Any:
        """``work(desk)`` in another process that dies at once after it (nothing closed, nothing let go);
        what ``work`` returned (sent back before dying)."""
        out = FORK.Queue()

        def run() -> None:
            out.put(work(self.desk("desk-mati")))
            out.close()
            out.join_thread()
            os._exit(0)  # as SIGKILL would: no cleanup of the register, the connection, the leases

        child = FORK.Process(target=run)
        child.start()
        result = out.get(timeout=30)
        child.join(timeout=30)
        assert child.exitcode == 0
        return result

    def close(self) -> None:
        for register in self.opened:
            closing = getattr(register, "close", None)
            if closing is not None:
                closing()


def wait_for(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll ``check`` (the server frees a dead desk's lease as soon as it sees its connection gone)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture(scope="module")
def pg_module(pg_cluster: Any) -> Database:
    """One migrated database for the test module (its tests each get an office of it)."""
    return new_database(pg_cluster)


@pytest.fixture(params=["tinydb", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    root = tmp_path / "kantor"
    (root / "data" / "register").mkdir(parents=True)
    if request.param == "tinydb":
        made = Backend("tinydb", root)
    else:
        database: Database = request.getfixturevalue("pg_module")
        made = Backend("postgresql", root, office=database.office(f"k{next(_OFFICES)}"))
    try:
        yield made
    finally:
        made.close()
