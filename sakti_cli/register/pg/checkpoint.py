"""The checkpoint of ``register periksa`` on PostgreSQL: where it is kept, what it is sealed with, and how a
check tells the rows written since it.

What a checkpoint holds, its seal, the plan and the rolling sample are :mod:`sakti_cli.register.checkpoint`'s.
Here: the office's row of ``periksa_titik`` (m007, row-level security as every office table), sealed with a
key bound to the office (its database, role and creation time), and the PostgreSQL way of "changed since":

Every row carries ``xmin``, the transaction that wrote it (an INSERT, or the UPDATE that made this version of
it). The checkpoint records the snapshot of the clean check that wrote it (``pg_current_snapshot()``, in
``records["snapshot"]``); a row is new or changed since iff its ``xmin`` is not visible in that snapshot. That
needs no column on the big tables (m007 adds one small table: nothing rewritten or backfilled), and unlike an
``updated at`` column kept by a trigger it cannot be bypassed: the damage the check looks for is made with raw
SQL, triggers switched off (the audit table's refusal of UPDATE is a trigger), and no SQL keeps a row's
``xmin``. ``VACUUM FREEZE`` keeps it too (PostgreSQL >= 9.4 freezes with a flag, the raw ``xmin`` stays).

``xmin`` is a 32-bit transaction id, the snapshot's are 64-bit (``xid8``): a row's id is widened against this
check's own snapshot (the latest 64-bit id with those low 32 bits before it; every row this snapshot sees is
older). A row older than 2^31 transactions may widen into the wrong epoch: it then counts as changed (checked
again, never skipped). A database restored into another cluster (its ids restarted lower) is told by this
check's snapshot being older than the checkpoint's: the check is then full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sakti_cli.register import checkpoint as titik

WHERE = "periksa_titik"
"""The table named in the findings about the checkpoint."""
SNAPSHOT = "snapshot"
"""``Checkpoint.records`` key: the pg_snapshot (text) of the check that wrote the checkpoint."""
STORED = "berkas"
"""``Checkpoint.records`` key: how many stored files (rows of ``berkas``) that check's snapshot held."""
_SNAPSHOT_RE = re.compile(r"(\d{1,19}):(\d{1,19}):(\d{1,19}(,\d{1,19})*)?")

REASON_OTHER_DATABASE = "basis data ini lebih muda dari titik periksa (dipulihkan atau dipindah ke server lain?)"
REASON_NO_SNAPSHOT = "titik periksa tidak mencatat snapshot PostgreSQL"
REASONS = (REASON_OTHER_DATABASE, REASON_NO_SNAPSHOT)
"""Why an incremental plan turned full on PostgreSQL (noted as checkpoint.head_findings notes the others)."""

WIDEN = "(%(kini)s::bigint - ((%(kini)s::bigint - {t}.xmin::text::bigint) & 4294967295))"
"""SQL: the 64-bit id of the transaction that wrote row ``{t}`` (see the module's note)."""


@dataclass(frozen=True)
class Since:
    """The point an incremental check starts from: the checkpoint's snapshot and this check's own ``xmax``."""

    snapshot: str
    now: int
    stored: int | None = None

    def params(self) -> dict[str, Any]:
        return {"titik": self.snapshot, "kini": self.now}


def changed(alias: str, since: Since | None) -> str:
    """SQL: row ``alias`` was written after the checkpoint (always true on a full check, ``since`` None). The
    query's parameters are named, :meth:`Since.params` among them."""
    if since is None:
        return "true"
    return f"NOT pg_visible_in_snapshot({WIDEN.format(t=alias)}::text::xid8, %(titik)s::pg_snapshot)"


def identity(cur: Any) -> str:
    """What the office's checkpoint seal is bound to: the database, the office's role and when it was made
    (a checkpoint of another office or another database does not fit)."""
    cur.execute("SELECT current_database(), session_user, (SELECT (extract(epoch FROM dibuat) * 1000000)::bigint "
                "FROM kantor WHERE id = session_user)")
    database, role, made = cur.fetchone()
    return f"postgresql/{database}/{role}/{made}"


def read(cur: Any) -> bytes | None:
    """The office's stored checkpoint as written, None without one (row-level security: its own row only)."""
    cur.execute("SELECT isi FROM periksa_titik")
    row = cur.fetchone()
    return None if row is None else str(row[0]).encode("utf-8")


def current_snapshot(cur: Any) -> tuple[str, int]:
    """This transaction's snapshot (text) and its ``xmax`` (the next transaction id, 64-bit)."""
    cur.execute("SELECT pg_current_snapshot()::text, pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
    text, xmax = cur.fetchone()
    return str(text), int(xmax)


def since(chosen: titik.Plan, now: int) -> tuple[titik.Plan, Since | None]:
    """An incremental plan's starting point; the plan made full when the checkpoint's snapshot is missing,
    malformed, or newer than this check's own (the ids restarted: another cluster)."""
    if not chosen.incremental or chosen.checkpoint is None:
        return chosen, None
    recorded = chosen.checkpoint.records.get(SNAPSHOT, "")
    match = _SNAPSHOT_RE.fullmatch(recorded)
    if match is None:
        return titik.Plan(titik.FULL, REASON_NO_SNAPSHOT), None
    if int(match.group(2)) > now:
        return titik.Plan(titik.FULL, REASON_OTHER_DATABASE), None
    stored = chosen.checkpoint.records.get(STORED, "")
    return chosen, Since(recorded, now, int(stored) if stored.isdigit() else None)


def write(conn: Any, sealed: bytes) -> None:
    """Keep ``sealed`` as the office's checkpoint (its own transaction, after the check's read-only one)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("INSERT INTO periksa_titik (isi) VALUES (%s) ON CONFLICT (kantor) DO UPDATE "
                    "SET isi = EXCLUDED.isi, ditulis = now()", (sealed.decode("utf-8"),))
