"""Opening the register: the storage engine (:class:`~sakti_cli.register.tiny.registry.Register`) with its upkeep.

The engine sits below the record modules (applications, letters) that its upkeep needs: migrating an
older format (:mod:`~sakti_cli.register.tiny.migrations`), closing the reservations of dead processes and
sweeping what dead runs left (:mod:`~sakti_cli.register.recovery`). So the upkeep is passed in here,
above all of them, and every caller opens the register through :func:`open_register`.
"""

from __future__ import annotations

from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.register import session
from sakti_cli.register.tiny.registry import Register, Transaction, Upkeep

if TYPE_CHECKING:
    from sakti_cli.office.workspace import Workspace


def _migrate(register: Register, version: int) -> Any:
    from sakti_cli.register.tiny.migrations import migrate

    return migrate(register, version)


def _close_dead(txn: Transaction) -> bool:
    from sakti_cli.register.recovery import close_dead_reservations

    return close_dead_reservations(txn, txn.root.parent.parent)  # data/register -> the workspace


def _sweep(register_root: Path) -> list[Path]:
    from sakti_cli.register.recovery import sweep_leftovers

    return sweep_leftovers(register_root)


UPKEEP = Upkeep(migrate=_migrate, close_dead=_close_dead, sweep=_sweep)


def open_register(root: Path, *, zone: timezone, actor: str | None = None, lock_timeout: float = 30.0,
                  workspace: Workspace | None = None) -> session.Register:
    """The register of a workspace, migrated and recovered as it is opened: the PostgreSQL register when the
    ``workspace``'s ``[register] url`` or ``SAKTI_REGISTER_URL`` names a server (connected, its schema checked:
    exit 4 when the server is down, refuses the password or holds no current schema), else TinyDB's in ``root``."""
    if workspace is not None:
        from sakti_cli.register.pg.url import register_url

        if register_url(workspace.config.register_settings.url) is not None:  # psycopg loaded only then
            from sakti_cli.register.pg.session import open_pg_register

            shared = open_pg_register(workspace, zone=zone, actor=actor)
            if shared is not None:
                return shared
    return open_tiny_register(root, zone=zone, actor=actor, lock_timeout=lock_timeout)


def open_tiny_register(root: Path, *, zone: timezone, actor: str | None = None, lock_timeout: float = 30.0
                       ) -> Register:
    """TinyDB's register in ``root`` with its upkeep, whatever the workspace names: for what works on the folder
    itself (a restored copy checked where it was unpacked)."""
    return Register(root, zone=zone, actor=actor, lock_timeout=lock_timeout, upkeep=UPKEEP)
