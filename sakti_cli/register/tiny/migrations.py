"""Register format migrations: one step from version N to N+1 each, run once, under the lock.

:class:`sakti_cli.register.tiny.registry.Register` calls :func:`migrate` when it opens a register whose
``meta.json`` has a ``versi_format`` lower than :data:`sakti_cli.register.tiny.registry.FORMAT_VERSION` (a register
from a newer sakti is refused there, exit 4). :func:`migrate` runs with the register lock already
held: it first copies data/register into ``data/cadangan/`` (a .tar.gz with a manifest), then runs
every step in one transaction, so the new files, the new version in meta.json and the audit event
``migrasi_register`` land together or not at all. A step that fails leaves the register as it was
(the backup stays). The next process sees the new version and does nothing.

Adding a format change: bump ``FORMAT_VERSION`` in registry.py and append a :class:`Migration` with
``dari`` = the old version. A step receives the :class:`~sakti_cli.register.tiny.registry.Transaction` and
changes tables through it (``txn.partitions``, ``txn.applications``, ``txn.table``...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sakti_cli.core.clock import iso
from sakti_cli.core.errors import RegisterCorrupt


@dataclass(frozen=True)
class Migration:
    dari: int  # from version ``dari`` to ``dari + 1``
    keterangan: str
    langkah: Callable[[Any], dict[str, Any] | None]  # (txn) -> a summary for the audit trail


def _old_keys(txn: Any, kind: str) -> list[str]:
    """Format-1 partitions of ``kind``: one file per month (``YYYY-MM``)."""
    return [key for key in txn.partitions(kind) if len(key) == 7]


def _by_doc_id(docs: list[Any]) -> list[dict[str, Any]]:
    """A table's documents in insertion order (the file's keys are sorted as text: 1, 10, 2...)."""
    return [dict(doc) for doc in sorted(docs, key=lambda doc: int(doc.doc_id))]


def blocks_and_shards(txn: Any) -> dict[str, Any]:
    """Format 1 -> 2 (issue 4, item 9): month files become blocks (25 applications, 50 letters:
    registry.APPLICATION_BLOCK, LETTER_BLOCK), index shards go from 256 (2 hex characters) to 4,096
    (3), every pointer names the new partition.

    Applications go to the block of their registration number (applications.partition_of_reg);
    letters, month by month in the order they were reserved, to the blocks of the month's letter
    counter, which is set (``surat|YYYY-MM`` in urutan.json) so the next letter follows them; each
    letter gets ``bulan`` = its partition and ``bulan_pesan`` = the month. Index entries, the open
    reservations and the signing queue point at the new partitions. Nothing is repaired on the way
    (an index entry naming no letter stays as it was), so ``register periksa`` reports what it did
    before.

    One transaction, one journal: the new files are written as temp files month by month (old shard
    by old shard: new shard ``abc`` only holds keys of old shard ``ab``) and forgotten, so memory holds
    a month, not five years; they are renamed into place and the old files removed only by the commit,
    with the new format version and the audit event: the register changes whole or not at all.
    """
    from sakti_cli.register.tiny.registry import (
        LETTER_COUNTER,
        SHARD_CHARS,
        letter_partition,
        partition_of_reg,
        shard_of,
    )

    summary = {"permohonan": 0, "berkas_permohonan": 0, "surat": 0, "berkas_surat": 0, "indeks": 0,
               "indeks_tanpa_surat": 0}
    for month in _old_keys(txn, "permohonan"):
        grouped: dict[str, list[dict[str, Any]]] = {}
        for doc in _by_doc_id(txn.application_table(month).all()):
            reg = doc.get("nomor_registrasi")
            try:
                partition = partition_of_reg(str(reg))
            except (IndexError, ValueError):
                raise RegisterCorrupt(f"Permohonan tanpa nomor registrasi yang sah di permohonan/{month}.json "
                                      f"({reg!r}): register tidak dapat dipindah ke format 2.",
                                      saran="Jalankan 'sakti register periksa'; pulihkan dari cadangan bila perlu."
                                      ) from None
            grouped.setdefault(partition, []).append(doc)
        txn.files.remove(f"permohonan/{month}.json")
        for partition, docs in grouped.items():
            txn.application_table(partition).insert_multiple(docs)
            txn.files.spill(f"permohonan/{partition}.json")
            summary["permohonan"] += len(docs)
            summary["berkas_permohonan"] += 1

    where: dict[str, str] = {}  # letter id -> its new partition
    for month in _old_keys(txn, "surat"):
        grouped = {}
        docs = _by_doc_id(txn.letter_table(month).all())
        for sequence, doc in enumerate(docs, 1):
            partition = letter_partition(month, sequence)
            doc.update(bulan=partition, bulan_pesan=month)
            grouped.setdefault(partition, []).append(doc)
            where[str(doc.get("id"))] = partition
        txn.set_counter(LETTER_COUNTER.format(month=month), len(docs))
        txn.files.remove(f"surat/{month}.json")
        for partition, docs in grouped.items():
            txn.letter_table(partition).insert_multiple(docs)
            txn.files.spill(f"surat/{partition}.json")
            summary["surat"] += len(docs)
            summary["berkas_surat"] += 1

    folder = txn.root / "indeks"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if len(path.stem) == SHARD_CHARS:
            continue
        shards: dict[str, list[dict[str, Any]]] = {}
        for entry in _by_doc_id(txn.table(f"indeks/{path.name}", "indeks").all()):
            moved = where.get(str(entry.get("id")))
            if moved is None:
                summary["indeks_tanpa_surat"] += 1
            else:
                entry["bulan"] = moved
            shards.setdefault(shard_of(str(entry.get("kunci"))), []).append(entry)
        txn.files.remove(f"indeks/{path.name}")
        for shard, entries in shards.items():
            txn.table(f"indeks/{shard}.json", "indeks").insert_multiple(entries)
            txn.files.spill(f"indeks/{shard}.json")
            summary["indeks"] += len(entries)

    from sakti_cli.register.tiny.registry import OPEN_TABLE, QUEUE_TABLE

    for name in (OPEN_TABLE, QUEUE_TABLE):  # small tables of urutan.json pointing at letters
        table = txn.table("urutan.json", name)
        for doc in table.all():
            moved = where.get(str(doc.get("id")))
            if moved is not None and doc.get("bulan") != moved:
                table.update({"bulan": moved}, doc_ids=[doc.doc_id])
    return summary


def _history_index(txn: Any) -> dict[str, Any]:
    """Format 2 -> 3 (issue 15 §5): the per-object index of the audit trail, built from the trail."""
    from sakti_cli.register.tiny.history import build_index

    return build_index(txn)


def _search_keys(txn: Any) -> dict[str, Any]:
    """Format 3 -> 4 (issue 13): the search keys (``cari``, register/search.py) of every application registered
    before they existed, and their entries in the search index (search_index.py), so ``permohonan``/``surat
    --nama/--desa`` find an office's older applicants too. The keys come from each application's SOP in the
    workspace's sop/ (the register is its data/register); where that SOP is gone or broken (or the register is
    migrated outside its workspace: a restore's staging folder), from the record alone: the ``nama``, ``desa``
    and ``nik`` fields, as search.py does for a service without an SOP (``ubah`` computes them again later).

    An application that already has keys is left as it is. One partition in memory at a time (spilled once
    done); the new index entries, grouped by shard, are merged with the entries already there and each shard
    spilled once written."""
    from sakti_cli.register.search import record_keys
    from sakti_cli.register.tiny.registry import shard_of
    from sakti_cli.register.tiny.search_index import INDEX, entries_of
    from sakti_cli.services.sop import service_finder

    sop_dir = txn.root.parent.parent / "sop"
    find = service_finder(sop_dir) if sop_dir.is_dir() else (lambda code: None)
    summary = {"permohonan": 0, "tanpa_sop": 0, "entri_indeks": 0}
    missing: set[str] = set()
    added: dict[str, set[str]] = {}
    for partition in txn.partitions("permohonan"):
        table = txn.application_table(partition)
        changed = False
        for doc in table.all():
            if doc.get("cari"):
                continue
            if find(str(doc.get("layanan") or "")) is None:
                missing.add(str(doc.get("layanan")))
                summary["tanpa_sop"] += 1
            keys = record_keys(find, doc)
            table.update({"cari": keys}, doc_ids=[doc.doc_id])
            changed = True
            summary["permohonan"] += 1
            for entry in entries_of({**doc, "cari": keys}):
                added.setdefault(entry, set()).add(str(doc.get("nomor_registrasi")))
        if changed:
            txn.files.spill(f"permohonan/{partition}.json")
    by_shard: dict[str, list[str]] = {}
    for entry in added:
        by_shard.setdefault(shard_of(f"{INDEX}:{entry}"), []).append(entry)
    for shard, entries in sorted(by_shard.items()):
        for entry in sorted(entries):
            listed = set((txn.index_get(INDEX, entry) or {}).get("permohonan") or [])
            txn.index_put(INDEX, entry, {"permohonan": sorted(listed | added[entry])})
            summary["entri_indeks"] += 1
        txn.files.spill(f"indeks/{shard}.json")
    return {**summary, "layanan_tanpa_sop": sorted(missing)}


# Format 1 is the foundation's layout: a file per month, index shards by 2 hex characters.
MIGRATIONS: list[Migration] = [
    Migration(1, "permohonan dan surat per blok (25 dan 50 catatan), indeks 4.096 pecahan", blocks_and_shards),
    Migration(2, "indeks riwayat per objek (riwayat/XXX.json)", _history_index),
    Migration(3, "kunci pencarian permohonan lama (cari) dan indeks pencariannya", _search_keys),
]


def plan(version: int, target: int | None = None) -> list[Migration]:
    """The chain of steps from ``version`` to ``target`` (the current format); refuse a gap."""
    from sakti_cli.register.tiny import registry

    goal = registry.FORMAT_VERSION if target is None else target
    steps = []
    for current in range(version, goal):
        found = [m for m in MIGRATIONS if m.dari == current]
        if len(found) != 1:
            raise RegisterCorrupt(
                f"Tidak ada langkah migrasi register dari format {current} ke {current + 1} "
                f"(register format {version}, sakti ini format {goal}).",
                saran="Pakai versi sakti yang memuat migrasi itu; register tidak diubah.")
        steps.append(found[0])
    return steps


def migrate(register: Any, version: int) -> dict[str, Any]:
    """Back up, then migrate ``register`` from ``version`` to the current format. Caller holds the lock."""
    from sakti_cli.register.backup import AUTO_BACKUP_DIR, backup_register
    from sakti_cli.register.tiny import registry

    steps = plan(version)
    if not steps:
        return {"dari": version, "ke": version, "langkah": []}
    goal = registry.FORMAT_VERSION
    txn = registry.Transaction(register.root, register.actor, register.zone)
    backup = backup_register(register.root, register.root.parent / AUTO_BACKUP_DIR,
                             f"register-format{version}-sebelum-migrasi", txn.moment)
    done = []
    try:
        for step in steps:
            summary = step.langkah(txn)
            done.append({"dari": step.dari, "ke": step.dari + 1, "keterangan": step.keterangan,
                         "hasil": summary or None})
    except BaseException:
        txn.files.discard()  # temp files a step wrote ahead (FileSet.spill): nothing was renamed
        raise
    meta = txn.table("meta.json", "meta")
    docs = meta.all()
    record = dict(docs[0]) if docs else {}
    history = list(record.get("migrasi") or [])
    # relative to the workspace, like the audit event: a restore migrates in a staging folder, then renames it
    where = str(backup.relative_to(register.root.parent.parent))
    history.append({"dari": version, "ke": goal, "waktu": iso(txn.moment), "cadangan": where})
    if docs:
        meta.update({"versi_format": goal, "migrasi": history})
    else:
        meta.insert({"versi_format": goal, "migrasi": history, "dibuat": iso(txn.moment)})
    txn.audit("migrasi_register", "register", version, goal, langkah=done, cadangan=where)
    txn.files.commit()
    return {"dari": version, "ke": goal, "langkah": done, "cadangan": str(backup)}
