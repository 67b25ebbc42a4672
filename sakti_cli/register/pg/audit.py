"""The office's audit trail in PostgreSQL: the same events and the same hash chain as the TinyDB register.

An event is built exactly as :meth:`sakti_cli.register.tiny.registry.Transaction.audit` builds it (masked texts,
``prev`` the head's hash) and hashed by the same :func:`sakti_cli.register.trail.event_hash`; its canonical line (sorted
keys, no spaces) is stored as it would be written to ``audit/YYYY-MM.jsonl``, so a chain copied between the
backends verifies unchanged. Appending locks the office's head row (``audit_kepala``) until the
transaction of the change commits: one chain, no fork, whatever the number of desks.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sakti_cli.core.clock import iso
from sakti_cli.core.privacy import mask_payload
from sakti_cli.register.trail import (  # one chain start, one hashing function, one index of names for both
    GENESIS,
    event_hash,
    event_names,
    os_account,
)


def new_event(actor: str, moment: datetime, aksi: str, objek: str, sebelum: Any = None, sesudah: Any = None,
              detail: dict[str, Any] | None = None, prev: str = GENESIS) -> dict[str, Any]:
    """One event chained to ``prev``, every text masked (the trail keeps no applicant's data)."""
    event: dict[str, Any] = {
        "id": secrets.token_hex(8),
        "waktu": iso(moment),
        **mask_payload({"petugas": actor, "akun": os_account(), "aksi": aksi, "objek": objek, "sebelum": sebelum,
                        "sesudah": sesudah, "detail": detail or None}),
        "prev": prev,
    }
    event["hash"] = event_hash(event)
    return event


def canonical_line(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def append_event(cur: Any, actor: str, moment: datetime, aksi: str, objek: str, sebelum: Any = None,
                 sesudah: Any = None, **detail: Any) -> dict[str, Any]:
    """Append an event to the connecting office's chain, inside the caller's transaction; the event."""
    # INSERT ... ON CONFLICT DO UPDATE locks the head row (made at the first event) until commit
    cur.execute("INSERT INTO audit_kepala (hash, jumlah) VALUES (%s, 0) ON CONFLICT (kantor) DO UPDATE "
                "SET jumlah = audit_kepala.jumlah RETURNING hash, jumlah", (GENESIS,))
    head, count = cur.fetchone()
    event = new_event(actor, moment, aksi, objek, sebelum, sesudah, detail, prev=head)
    cur.execute("INSERT INTO audit (nomor, id, waktu, petugas, aksi, objek, prev, hash, baris) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (count + 1, event["id"], event["waktu"], event["petugas"], event["aksi"], event["objek"],
                 event["prev"], event["hash"], canonical_line(event)))
    for name in sorted(event_names(event)):  # the per-object index, in the event's transaction (m002)
        cur.execute("INSERT INTO audit_nama (nama, nomor) VALUES (%s, %s)", (name, count + 1))
    cur.execute("UPDATE audit_kepala SET hash = %s, jumlah = %s WHERE kantor = session_user",
                (event["hash"], count + 1))
    return event


def read_events(cur: Any, *, objek: str | None = None, after: int = 0) -> Iterator[dict[str, Any]]:
    """The office's events in chain order (from number ``after`` + 1), optionally of one object."""
    query = "SELECT baris FROM audit WHERE nomor > %s" + (" AND objek = %s" if objek is not None else "")
    cur.execute(query + " ORDER BY nomor", (after, objek) if objek is not None else (after,))
    for (line,) in cur:
        yield json.loads(line)


def chain_problems(cur: Any, each: Callable[[dict[str, Any], str], None] | None = None) -> list[str]:
    """What breaks the office's chain (each event's hash, its link to the previous one, the head); [] if sound.

    The trail is read through a server-side cursor (a few thousand events in memory at a time, whatever its
    length), in the caller's transaction (a savepoint) or its own; ``each`` sees every event and its stored line
    in chain order (``register periksa`` checks their contents in the same pass)."""
    return walk_chain(cur, each).problems


@dataclass(frozen=True)
class ChainWalk:
    """What :func:`walk_chain` saw: the problems, the events of the chain (up to the last one read) and the
    hash of the last one."""

    problems: list[str]
    events: int
    head: str


def walk_chain(cur: Any, each: Callable[[dict[str, Any], str], None] | None = None, *, after: int = 0,
               prev: str = GENESIS) -> ChainWalk:
    """:func:`chain_problems` from event ``after`` + 1 on, the event ``after`` having hash ``prev`` (verified by
    the caller: ``register periksa``'s checkpoint), then the head."""
    problems: list[str] = []
    count = after
    conn = cur.connection
    with conn.transaction(), conn.cursor(name=f"rantai_{secrets.token_hex(4)}") as trail:
        trail.itersize = 2000
        trail.execute("SELECT nomor, hash, baris FROM audit WHERE nomor > %s ORDER BY nomor", (after,))
        for number, stored, line in trail:
            count += 1
            event = json.loads(line)
            if number != count:
                problems.append(f"peristiwa audit nomor {count} hilang (berikutnya {number})")
                count = number
            if event.get("prev") != prev:
                problems.append(f"peristiwa audit {number} tidak tersambung ke peristiwa sebelumnya")
            if event_hash(event) != event.get("hash") or stored != event.get("hash"):
                problems.append(f"peristiwa audit {number} telah diubah (hash tidak cocok)")
            if each is not None:
                each(event, line)
            prev = str(event.get("hash"))
    cur.execute("SELECT hash, jumlah FROM audit_kepala")
    head = cur.fetchone()
    if (head or (GENESIS, 0)) != (prev, count):
        problems.append("kepala jejak audit tidak cocok dengan peristiwa terakhir (peristiwa terakhir dihapus?)")
    return ChainWalk(problems, count, prev)
