"""The audit trail in domain terms, the same for every backend: one chain start, one hash of an event, the names
an event is found under, who the clerk and the account are, and the recent events ``riwayat`` shows.

The backends store the trail (TinyDB: ``audit/YYYY-MM.jsonl`` with a per-object index; PostgreSQL: a table);
what is hashed and how an event is named is decided here, once.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from typing import Any

from sakti_cli.core.privacy import mask_text
from sakti_cli.register.session import Register

GENESIS = "0" * 64
HISTORY_LINKS = ("nomor_registrasi", "nomor_surat", "mengganti", "diganti_oleh")  # detail keys naming objects


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "tidak-dikenal"


def os_account() -> str:
    """The operating-system account running this process (``user (uid N)``): what the audit trail can
    vouch for, unlike the clerk's own claim (``--petugas``, recorded as ``petugas``)."""
    uid = f" (uid {os.getuid()})" if hasattr(os, "getuid") else ""
    return f"{default_actor()}{uid}"


def event_hash(event: dict[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def event_names(event: dict[str, Any]) -> set[str]:
    """The names ``riwayat --objek`` finds an event under (upper case): its object and the
    registration/letter numbers in its detail, so the history of an application includes its letters."""
    detail = event.get("detail") or {}
    names = [event.get("objek")] + [detail.get(k) for k in HISTORY_LINKS if isinstance(detail, dict)]
    return {str(n).upper() for n in names if n}


def recent_events(register: Register, *, objek: str | None = None, petugas: str | None = None,
                  limit: int = 50) -> list[dict[str, Any]]:
    """The last ``limit`` audit events (oldest first) about ``objek`` and/or by ``petugas``.

    ``objek`` matches the names of :func:`event_names`. With ``objek`` only the object's events are read
    (:meth:`RegisterSession.events` through the backend's per-object index); otherwise the trail newest
    first, stopping as soon as enough events are found.
    """
    wanted_object = " ".join(objek.split()).upper() if objek else None
    wanted_actor = mask_text(petugas.strip()).lower() if petugas else None  # stored masked (Register)
    found: list[dict[str, Any]] = []
    with register.reading() as txn:  # also on a read-only register
        for event in txn.events(objek=wanted_object, newest_first=True):
            if wanted_actor and str(event.get("petugas", "")).lower() != wanted_actor:
                continue
            if wanted_object and wanted_object not in event_names(event):
                continue
            found.append(event)
            if len(found) >= limit:
                break
    return list(reversed(found))
