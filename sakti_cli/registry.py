"""The register: applications, letters, number sequences, indexes and the audit trail.

Layout under ``data/register`` (partitioned so that no write rewrites five years of letters):
  meta.json                 format version
  urutan.json               counters (registration numbers per month, letter numbers per scope/year)
  permohonan/YYYY-MM.json   applications, by month of registration (the number says which month)
  surat/YYYY-MM.json        letters, by month of reservation
  indeks/XX.json            lookups (letter number, verification code, SHA-256) sharded by hash prefix
  audit/YYYY-MM.jsonl       append-only, hash-chained events
Every change goes through :meth:`Register.transaction`: the lock, fresh reads, one atomic commit
carrying the audit events of the change.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import secrets
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tinydb import Query
from tinydb.table import Document, Table

from sakti_cli.clock import iso, now
from sakti_cli.errors import RegisterCorrupt
from sakti_cli.storage import FileSet, locked, read_json

FORMAT_VERSION = 1
GENESIS = "0" * 64


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "tidak-dikenal"


def event_hash(event: dict[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def shard_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:2]


class Transaction:
    """What one locked register step may read and change."""

    def __init__(self, root: Path, actor: str, zone: timezone) -> None:
        self.root = root
        self.actor = actor
        self.zone = zone
        self.moment = now(zone)
        self.files = FileSet(root)
        self._head: str | None = None

    # --- tables -------------------------------------------------------------------------------
    def table(self, relative: str, name: str = "_default") -> Table:
        return self.files.db(relative).table(name)

    def applications(self, month: str) -> Table:
        return self.table(f"permohonan/{month}.json", "permohonan")

    def letters(self, month: str) -> Table:
        return self.table(f"surat/{month}.json", "surat")

    def partitions(self, kind: str) -> list[str]:
        folder = self.root / kind
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    # --- counters -----------------------------------------------------------------------------
    def counter(self, key: str) -> int:
        found = self.table("urutan.json", "urutan").get(Query().kunci == key)
        return int(found["nilai"]) if isinstance(found, Document) else 0

    def set_counter(self, key: str, value: int) -> None:
        self.table("urutan.json", "urutan").upsert({"kunci": key, "nilai": value}, Query().kunci == key)

    def next_counter(self, key: str) -> int:
        value = self.counter(key) + 1
        self.set_counter(key, value)
        return value

    # --- indexes ------------------------------------------------------------------------------
    def index_put(self, kind: str, key: str, value: dict[str, Any]) -> None:
        full = f"{kind}:{key}"
        table = self.table(f"indeks/{shard_of(full)}.json", "indeks")
        table.upsert({"kunci": full, **value}, Query().kunci == full)

    def index_get(self, kind: str, key: str) -> dict[str, Any] | None:
        full = f"{kind}:{key}"
        found = self.table(f"indeks/{shard_of(full)}.json", "indeks").get(Query().kunci == full)
        return dict(found) if isinstance(found, Document) else None

    # --- audit --------------------------------------------------------------------------------
    def _chain_head(self) -> str:
        if self._head is None:
            self._head = last_event_hash(self.root / "audit")
        return self._head

    def audit(self, aksi: str, objek: str, sebelum: Any = None, sesudah: Any = None, **detail: Any) -> None:
        """Record who did what, with the state before and after; chained to the previous event."""
        event: dict[str, Any] = {
            "id": secrets.token_hex(8),
            "waktu": iso(self.moment),
            "petugas": self.actor,
            "aksi": aksi,
            "objek": objek,
            "sebelum": sebelum,
            "sesudah": sesudah,
            "detail": detail or None,
            "prev": self._chain_head(),
        }
        event["hash"] = event_hash(event)
        self._head = event["hash"]
        line = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        self.files.append(f"audit/{self.moment:%Y-%m}.jsonl", event["id"], line)


def last_event_hash(audit_dir: Path) -> str:
    files = sorted(audit_dir.glob("*.jsonl")) if audit_dir.is_dir() else []
    for path in reversed(files):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if lines:
            try:
                return str(json.loads(lines[-1])["hash"])
            except (json.JSONDecodeError, KeyError):
                raise RegisterCorrupt(
                    f"Jejak audit {path} rusak pada baris terakhir.",
                    saran="Jalankan 'sakti register periksa'.",
                ) from None
    return GENESIS


def read_events(audit_dir: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(audit_dir.glob("*.jsonl")) if audit_dir.is_dir() else []:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    raise RegisterCorrupt(f"Jejak audit {path} rusak pada baris {number}.") from None


class Register:
    """Entry point to the register of one workspace."""

    def __init__(self, root: Path, *, zone: timezone, actor: str | None = None, lock_timeout: float = 30.0):
        self.root = root
        self.zone = zone
        self.actor = actor or default_actor()
        self.lock_timeout = lock_timeout

    def _check_version(self) -> None:
        meta = read_json(self.root / "meta.json")
        if meta is None:
            return
        docs = list(meta.get("meta", {}).values()) if isinstance(meta, dict) else []
        version = docs[0].get("versi_format") if docs and isinstance(docs[0], dict) else None
        if not isinstance(version, int):
            raise RegisterCorrupt(f"Berkas {self.root / 'meta.json'} rusak (versi_format tidak ada).")
        if version > FORMAT_VERSION:
            raise RegisterCorrupt(
                f"Register ini dibuat oleh sakti yang lebih baru (format {version}, sakti ini {FORMAT_VERSION}).",
                saran="Perbarui sakti sebelum memakai register ini.",
            )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Lock, read fresh, yield, commit atomically. Nothing is written if the body raises."""
        with locked(self.root, self.lock_timeout):
            self._check_version()
            txn = Transaction(self.root, self.actor, self.zone)
            if not (self.root / "meta.json").exists():
                txn.table("meta.json", "meta").insert({"versi_format": FORMAT_VERSION, "dibuat": iso(txn.moment)})
            yield txn
            txn.files.commit()

    def moment(self) -> datetime:
        return now(self.zone)
