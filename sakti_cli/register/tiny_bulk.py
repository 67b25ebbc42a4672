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
from typing import Any

from sakti_cli.core.errors import RegisterCorrupt
from sakti_cli.core.storage import read_json
from sakti_cli.register.applications import NIK_INDEX, ROW_INDEX, partition_of_reg
from sakti_cli.register.letters import OPEN_TABLE, QUEUE_TABLE
from sakti_cli.register.numbering import START_TABLE
from sakti_cli.register.registry import (
    AUDIT_TABLE,
    FORMAT_VERSION,
    LETTER_COUNTER,
    Register,
    letter_month,
    letter_partition,
    partition_order,
    read_format_version,
    refuse_damaged,
)
from sakti_cli.register.snapshot import RegisterSnapshot, letter_digests, neutral_counters, neutral_letter


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
    """Build the register of ``snapshot`` in the new, empty folder ``root`` (two transactions: the records and
    the trail, then the trail's per-object index, which is read from the written trail)."""
    from sakti_cli.register.history import pointers_from_trail, write_index

    register = Register(root, zone=zone, actor=actor, upkeep=None)
    with register.transaction() as txn:
        for record in snapshot.applications:
            txn.applications(partition_of_reg(str(record["nomor_registrasi"]))).insert(dict(record))
        for key, value in snapshot.counters.items():
            txn.set_counter(key, int(value))
        partitions: dict[str, str] = {}
        for letter in snapshot.letters:
            month = letter_month(letter) if letter.get("bulan_pesan") else str(letter.get("dipesan", ""))[:7]
            partition = letter_partition(month, txn.next_counter(LETTER_COUNTER.format(month=month)))
            stored = {**letter, "bulan": partition}
            partitions[str(letter["id"])] = partition
            txn.letters(partition).insert(stored)
            pointer = {"bulan": partition, "id": letter["id"]}
            txn.index_put("nomor", str(letter["nomor_surat"]), pointer)
            txn.index_put("kode", str(letter["kode_verifikasi"]), pointer)
            for digest in letter_digests(letter):
                txn.index_put("sha256", digest, pointer)
        by_id = {str(letter["id"]): letter for letter in snapshot.letters}
        opened = txn.table("urutan.json", OPEN_TABLE)  # a backup taken while a desk was issuing
        for entry in snapshot.open_reservations:
            letter = by_id[str(entry["id"])]
            opened.insert({"id": letter["id"], "bulan": partitions[str(letter["id"])],
                           "nomor_surat": letter["nomor_surat"], "proses": letter.get("proses")})
        queue = txn.table("urutan.json", QUEUE_TABLE)
        for letter_id in snapshot.queue:
            letter = by_id[letter_id]
            queue.insert({"id": letter_id, "bulan": partitions[letter_id], "nomor_surat": letter["nomor_surat"],
                          "penandatangan": (letter.get("penandatangan") or {}).get("id")})
        starts = txn.table("urutan.json", START_TABLE)
        for record in snapshot.number_starts:
            starts.insert(dict(record))
        for key, reg in snapshot.batch_rows.items():
            txn.index_put(ROW_INDEX, key, {"nomor_registrasi": reg})
        for key, entries in snapshot.nik_index.items():
            txn.index_put(NIK_INDEX, key, {"permohonan": list(entries)})
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
