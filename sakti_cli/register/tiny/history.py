"""The per-object index of the audit trail (``riwayat/XXX.json``, format 3): built from the trail, checked
against it, rebuilt by ``register periksa --perbaiki``. Written event by event by
:meth:`sakti_cli.register.tiny.registry.Transaction.audit`; read through ``Transaction.events(objek=)``.
The trail stays the record: the index only says where an object's events are.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sakti_cli.register.tiny.registry import HISTORY_DIR, shard_of
from sakti_cli.register.trail import event_names


def pointers_from_trail(root: Path) -> dict[str, list[list[Any]]]:
    """Every name's pointers ``[month, offset, id]`` as the trail holds them, in chain order (cut lines skipped)."""
    found: dict[str, list[list[Any]]] = defaultdict(list)
    for path in sorted((root / "audit").glob("*.jsonl")) if (root / "audit").is_dir() else []:
        offset = 0
        for chunk in path.read_bytes().split(b"\n"):
            start, offset = offset, offset + len(chunk) + 1
            try:
                event = json.loads(chunk) if chunk.strip() else None
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(event, dict) and isinstance(event.get("id"), str):
                for name in event_names(event):
                    found[name].append([path.stem, start, event["id"]])
    return found


def stored_pointers(root: Path) -> dict[str, list[list[Any]]]:
    """The index as it is on disk (a shard that does not load counts as empty)."""
    stored: dict[str, list[list[Any]]] = {}
    for shard in _stored_shards(root):
        stored.update(shard)
    return stored


def _events_of(pointers: list[list[Any]] | None) -> list[tuple[Any, Any]]:
    """What an entry must list: ``(month, id)`` per event in order. The offset is only where to look first:
    a line a crash replay moved is still found (by id, in its month), so a stale offset is no finding."""
    return [(p[0], p[2]) for p in pointers or [] if isinstance(p, list) and len(p) == 3]


def index_problems(root: Path) -> list[str]:
    """Names whose index entry is missing, lists other events, or is not in the trail; [] if it matches."""
    expected, stored = pointers_from_trail(root), stored_pointers(root)
    return sorted(name for name in expected.keys() | stored.keys()
                  if _events_of(expected.get(name)) != _events_of(stored.get(name)))


class TrailFold:
    """What :func:`index_problems` compares, folded while the trail is read once (``register periksa``):
    per name one running hash of its ``(month, id)`` sequence, never the pointer lists themselves. Python's
    own hash (keyed per process): the index is a lookup aid checked against the trail, not the record."""

    def __init__(self) -> None:
        self.folds: dict[str, int] = {}

    def add(self, month: str, event: dict[str, Any]) -> None:
        """One readable event of the trail, in chain order (as :func:`pointers_from_trail` takes it)."""
        ident = event.get("id")
        if isinstance(ident, str):
            folds = self.folds
            for name in event_names(event):
                folds[name] = hash((folds.get(name, EMPTY), month, ident))

    def problems(self, root: Path, digests: dict[str, str] | None = None) -> list[str]:
        """Names whose stored entry does not fold to the trail's; the shards read one at a time. With
        ``digests``: each shard's ``"fingerprint digest"`` (:func:`shard_digest`) for the checkpoint."""
        from sakti_cli.register.checkpoint import fingerprint_of

        expected = self.folds
        wrong: set[str] = set()
        seen: set[str] = set()
        for path, shard in _stored_shard_files(root):
            if digests is not None:
                digests[f"{HISTORY_DIR}/{path.name}"] = f"{fingerprint_of(path)} {shard_digest(shard)}"
            for name, pointers in shard.items():  # within a shard the last entry of a name counts, as on reading
                seen.add(name)
                folded: int | None = EMPTY
                for month, ident in _events_of(pointers):
                    if not isinstance(month, str) or not isinstance(ident, str):
                        folded = None  # the trail's months and ids are text: this entry lists no event of it
                        break
                    folded = hash((folded, month, ident))
                if expected.get(name, EMPTY) != folded:
                    wrong.add(name)
        wrong.update(name for name in expected if name not in seen)
        return sorted(wrong)


EMPTY = 0
"""The fold of no events."""


def _stored_shards(root: Path) -> Iterator[dict[str, Any]]:
    """Each shard on disk as ``{name: pointers}``, one in memory at a time (a damaged shard counts as empty)."""
    for _path, shard in _stored_shard_files(root):
        yield shard


def _stored_shard_files(root: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted((root / HISTORY_DIR).glob("*.json")) if (root / HISTORY_DIR).is_dir() else []:
        yield path, _read_shard(path)


def _read_shard(path: Path) -> dict[str, Any]:
    try:
        table = json.loads(path.read_bytes()).get("riwayat", {})
    except (OSError, ValueError, AttributeError, UnicodeDecodeError):
        return {}
    return {doc["kunci"]: doc.get("peristiwa") or [] for doc in (table.values() if isinstance(table, dict) else [])
            if isinstance(doc, dict) and isinstance(doc.get("kunci"), str)}


def shard_digest(shard: Mapping[str, Any], leave_out: frozenset[tuple[Any, Any]] | set[tuple[Any, Any]] = frozenset(),
                 ) -> str:
    """A stable digest (SHA-256, not Python's keyed hash: it is kept in the checkpoint) of what a shard lists:
    each name's ``(month, id)`` sequence, without the events in ``leave_out`` (a name left with none counts as
    absent)."""
    digest = hashlib.sha256()
    for name in sorted(shard):
        events = [list(e) for e in _events_of(shard[name]) if not _among(e, leave_out)]
        if events:
            digest.update(json.dumps([name, events], ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def _among(event: tuple[Any, Any], events: frozenset[tuple[Any, Any]] | set[tuple[Any, Any]]) -> bool:
    return isinstance(event[0], str) and isinstance(event[1], str) and event in events  # a damaged entry's lists


EMPTY_DIGEST = hashlib.sha256().hexdigest()
"""The digest of a shard that lists nothing."""


def changed_problems(root: Path, new: Mapping[str, list[tuple[str, str]]], old: Mapping[str, str],
                     records: dict[str, str]) -> list[str]:
    """The incremental check of the index (register periksa, bertahap): ``new`` lists each name's events added
    to the trail since the checkpoint, ``old`` the checkpoint's ``"fingerprint digest"`` per shard. A shard
    whose fingerprint is unchanged is as it was verified, so none of its names may have new events; a changed
    one must list, apart from the new events, what it listed then (its digest), and each name's new events
    at the end of its entry, in order. Fills ``records`` for the next checkpoint; returns what is wrong
    (names, or a shard's file where the names cannot be told)."""
    from sakti_cli.register.checkpoint import fingerprint_of

    new_events = {event for events in new.values() for event in events}
    touched: dict[str, list[str]] = defaultdict(list)
    for name in new:
        touched[shard_of(name)].append(name)
    folder = root / HISTORY_DIR
    present = {path.name: path for path in folder.glob("*.json")} if folder.is_dir() else {}
    wrong: set[str] = set()
    for key, value in old.items():
        if key.startswith(f"{HISTORY_DIR}/") and key[len(HISTORY_DIR) + 1:] not in present \
                and value.split(" ")[-1] != EMPTY_DIGEST:
            wrong.add(key)  # a shard that listed events is gone
    for file_name, path in sorted(present.items()):
        key = f"{HISTORY_DIR}/{file_name}"
        current = fingerprint_of(path)
        before = old.get(key, f"- {EMPTY_DIGEST}").split(" ")
        names = touched.pop(path.stem, [])
        if current is not None and before[0] == current:
            records[key] = old[key]
            wrong.update(names)  # new events under these names, but their shard was not written
            continue
        shard = _read_shard(path)
        if shard_digest(shard, new_events) != before[-1]:
            wrong.add(key)
        for name, pointers in shard.items():
            events = _events_of(pointers)
            expected = new.get(name, [])
            tail = events[len(events) - len(expected):]
            if [e for e in events if _among(e, new_events)] != expected or tail != expected:
                wrong.add(name)
        wrong.update(name for name in names if name not in shard)
        records[key] = f"{current} {shard_digest(shard)}"
    for names in touched.values():
        wrong.update(names)  # their shard does not exist
    return sorted(wrong)


def write_index(txn: Any, pointers: dict[str, list[list[Any]]]) -> int:
    """Replace the whole index with ``pointers`` inside ``txn`` (shard by shard, spilled); the names written."""
    shards: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name, listed in pointers.items():
        shards[shard_of(name)].append({"kunci": name, "peristiwa": listed})
    for path in sorted((txn.root / HISTORY_DIR).glob("*.json")) if (txn.root / HISTORY_DIR).is_dir() else []:
        if path.stem not in shards:
            txn.files.remove(f"{HISTORY_DIR}/{path.name}")
    for shard, docs in sorted(shards.items()):
        table = txn.table(f"{HISTORY_DIR}/{shard}.json", "riwayat")
        table.truncate()
        table.insert_multiple(docs)
        if shard != shard_of("REGISTER"):  # the migration's and the repair's own event is indexed there next
            txn.files.spill(f"{HISTORY_DIR}/{shard}.json")
    return len(pointers)


def build_index(txn: Any) -> dict[str, Any]:
    """Migration 2 -> 3: the index of the trail as it stands."""
    return {"objek": write_index(txn, pointers_from_trail(txn.root))}


def rebuild_index(register: Any) -> list[str]:
    """``register periksa --perbaiki``: rebuild the index from the trail when it does not match; the names fixed."""
    with register.transaction() as txn:
        wrong = index_problems(register.root)
        if wrong:
            write_index(txn, pointers_from_trail(register.root))
            txn.audit("bangun_ulang", "register", None, None, berkas=[f"{HISTORY_DIR}/"], jumlah_objek=len(wrong))
    return wrong
