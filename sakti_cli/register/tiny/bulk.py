"""Bulk reading and writing of a TinyDB register folder, for ``register salin`` (the interface has no such step).

:func:`read_register` reads every record, counter, index entry and audit line of ``data/register`` as it is
stored, under the register lock but without opening the register (no migration, no recovery of dead
reservations: the source is left byte for byte as it was). :func:`write_register` builds a register from a
:class:`~sakti_cli.register.snapshot.RegisterSnapshot` in an empty folder, with the TinyDB backend's own
bookkeeping (partitions, per-month letter counters, lookup indexes, the queue table, the chain's anchor, the
per-object index of the trail) made as the backend makes it; the caller renames the folder into place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from sakti_cli.core.errors import RegisterCorrupt
from sakti_cli.register.session import Application, Letter
from sakti_cli.register.snapshot import RegisterSnapshot, neutral_counters, neutral_letter
from sakti_cli.register.states import LetterStatus
from sakti_cli.register.tiny.engine import read_json
from sakti_cli.register.tiny.registry import (
    AUDIT_TABLE,
    FORMAT_VERSION,
    NIK_INDEX,
    OPEN_TABLE,
    QUEUE_TABLE,
    ROW_INDEX,
    START_TABLE,
    Register,
    partition_order,
    read_format_version,
    refuse_damaged,
)


def _table(path: Path, name: str) -> list[dict[str, Any]]:
    """The documents of one TinyDB table in the order inserted ([] when the file or table is absent)."""
    data = read_json(path)
    table = data.get(name) if isinstance(data, dict) else None
    if (data is not None and not isinstance(data, dict)) or (table is not None and not isinstance(table, dict)):
        raise RegisterCorrupt(f"Berkas register {path} rusak (tabel {name}).",
                              saran="Jalankan 'sakti register periksa' pada register asal.")
    return [dict(doc) for _, doc in sorted((table or {}).items(), key=lambda item: int(item[0]))]


def _partitioned(root: Path, kind: str) -> list[dict[str, Any]]:
    folder = root / kind
    paths = sorted(folder.glob("*.json"), key=lambda p: partition_order(p.stem)) if folder.is_dir() else []
    return [doc for path in paths for doc in _table(path, kind)]


def read_register(root: Path, where: str) -> RegisterSnapshot:
    """The register in ``root`` as a snapshot. The caller holds the register lock."""
    version = read_format_version(root)
    if version is not None and version != FORMAT_VERSION:
        raise RegisterCorrupt(f"Register {root} berformat {version}, sakti ini menyalin format {FORMAT_VERSION}.",
                              saran="Jalankan 'sakti register periksa' dulu (register lama dimigrasi saat dibuka), "
                                    "lalu ulangi salin.")
    refuse_damaged(root)
    counters = _table(root / "urutan.json", "urutan")
    snapshot = RegisterSnapshot(where=where)
    snapshot.applications = _partitioned(root, "permohonan")
    snapshot.letters = [neutral_letter(doc) for doc in _partitioned(root, "surat")]
    snapshot.counters = neutral_counters({str(doc["kunci"]): int(doc["nilai"]) for doc in counters})
    snapshot.number_starts = _table(root / "urutan.json", START_TABLE)
    snapshot.open_reservations = [{"id": doc.get("id"), "nomor_surat": doc.get("nomor_surat")}
                                  for doc in _table(root / "urutan.json", OPEN_TABLE)]
    snapshot.queue = [str(doc.get("id")) for doc in _table(root / "urutan.json", QUEUE_TABLE)]
    index = root / "indeks"
    for path in sorted(index.glob("*.json")) if index.is_dir() else []:
        for doc in _table(path, "indeks"):
            kind, _, key = str(doc.get("kunci")).partition(":")
            if kind == ROW_INDEX:
                snapshot.batch_rows[key] = str(doc.get("nomor_registrasi"))
            elif kind == NIK_INDEX:
                snapshot.nik_index[key] = list(doc.get("permohonan") or [])
    audit = root / "audit"
    for path in sorted(audit.glob("*.jsonl")) if audit.is_dir() else []:
        snapshot.events += [line for line in path.read_text(encoding="utf-8", errors="replace").split("\n")
                            if line.strip()]
    return snapshot


def write_register(root: Path, snapshot: RegisterSnapshot, *, zone: Any, actor: str) -> None:
    """Build the register of ``snapshot`` in the new, empty folder ``root``: the records through the register's
    own domain methods (partitions, indexes, open list and queue kept as every step keeps them), the trail's
    lines appended as they are with the chain's anchor; then, in a second transaction, the trail's per-object
    index, which is read from the written trail."""
    from sakti_cli.register.tiny.history import pointers_from_trail, write_index

    register = Register(root, zone=zone, actor=actor, upkeep=None)
    with register.transaction() as txn:
        for record in snapshot.applications:
            txn.add_application(cast(Application, dict(record)))
        for key, value in snapshot.counters.items():
            txn.set_counter(key, int(value))
        for stored in snapshot.letters:
            letter = cast(Letter, {**stored, "bulan_pesan": stored.get("bulan_pesan") or str(stored["dipesan"])[:7]})
            txn.add_letter(letter)  # DIPESAN: on the open list (a backup taken while a desk was issuing)
            if letter["status"] != LetterStatus.DIPESAN:
                txn.save_letter(letter)  # off the open list; on the queue if MENUNGGU_TTD; every digest indexed
        for record in snapshot.number_starts:
            txn.add_number_start(dict(record))
        for key, reg in snapshot.batch_rows.items():
            txn.record_batch_row(key, reg)
        for key, entries in snapshot.nik_index.items():
            txn.set_nik_applications(key, list(entries))
        month = ""
        for line in snapshot.events:
            event = json.loads(line)
            month = max(month, str(event.get("waktu", ""))[:7])  # a clock set back keeps the chain's file order
            txn.files.append(f"audit/{month}.jsonl", str(event["id"]), line)
        if snapshot.events:
            txn.table("urutan.json", AUDIT_TABLE).insert({"kunci": "kepala", "hash": snapshot.head(),
                                                         "jumlah": len(snapshot.events)})
    with register.transaction() as txn:
        write_index(txn, pointers_from_trail(root))
