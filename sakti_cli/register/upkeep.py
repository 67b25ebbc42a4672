"""Opening the register: the storage engine (:class:`~sakti_cli.register.registry.Register`) with its upkeep.

The engine sits below the record modules (applications, letters) that its upkeep needs: migrating an
older format (:mod:`~sakti_cli.register.migrations`), closing the reservations of dead processes and
sweeping what dead runs left (:mod:`~sakti_cli.register.recovery`). So the upkeep is passed in here,
above all of them, and every caller opens the register through :func:`open_register`.
"""

from __future__ import annotations

from datetime import timezone
from pathlib import Path
from typing import Any

from sakti_cli.register.registry import Register, Transaction, Upkeep


def _migrate(register: Register, version: int) -> Any:
    from sakti_cli.register.migrations import migrate

    return migrate(register, version)


def _close_dead(txn: Transaction) -> bool:
    from sakti_cli.register.recovery import close_dead_reservations

    return close_dead_reservations(txn, txn.root.parent.parent)  # data/register -> the workspace


def _sweep(register_root: Path) -> list[Path]:
    from sakti_cli.register.recovery import sweep_leftovers

    return sweep_leftovers(register_root)


UPKEEP = Upkeep(migrate=_migrate, close_dead=_close_dead, sweep=_sweep)


def open_register(root: Path, *, zone: timezone, actor: str | None = None, lock_timeout: float = 30.0) -> Register:
    """The register of a workspace, migrated and recovered as it is opened."""
    return Register(root, zone=zone, actor=actor, lock_timeout=lock_timeout, upkeep=UPKEEP)
