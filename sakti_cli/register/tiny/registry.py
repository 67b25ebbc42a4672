"""The register: applications, letters, number sequences, indexes and the audit trail.

Layout under ``data/register`` (format 2; partitioned so that the files one step reads and writes
stay the same size however large the register grows, issue 4 item 9):
  meta.json                    format version
  urutan.json                  counters (registration numbers per month, letter numbers per scope/year,
                               letters per month), the open reservations, the signing queue, the
                               audit chain's anchor
  permohonan/YYYY-MM-BB.json   applications in blocks of APPLICATION_BLOCK: month of registration and
                               block of its sequence, both read from the registration number
                               (REG-202611-0001 -> 2026-11-00, REG-202611-0026 -> 2026-11-01)
  surat/YYYY-MM-BB.json        letters in blocks of LETTER_BLOCK: month of reservation and block of the
                               month's letter counter (``surat|YYYY-MM`` in urutan.json)
  indeks/XXX.json              lookups (letter number, verification code, SHA-256, NIK, the listings' search
                               keys ``cari:nama:TERM|YYYY``: register/tiny/search_index.py) sharded by the first
                               SHARD_CHARS hex characters of the key's SHA-256 (4,096 shards)
  audit/YYYY-MM.jsonl          append-only, hash-chained events; the chain head is read from the
                               anchor in urutan.json, not from the file
  riwayat/XXX.json             (format 3) per-object index of the trail: each name an event is found
                               under (:func:`event_names`) -> ``[[YYYY-MM, byte offset, event id], ...]``,
                               written with the event, so ``riwayat --objek`` reads only those events
A letter stores its partition key in ``bulan`` (and so do its index pointers, the open list and the
signing queue: ``{"bulan": "2026-11-00", "id": ...}``); the month itself is ``bulan_pesan``
(see :func:`letter_month`). Format 1 (the foundation's) partitioned by month only and sharded indexes
by 2 characters; migrations.py rewrites it.
Every change goes through :meth:`Register.transaction`: the lock, fresh reads, one atomic commit
carrying the audit events of the change.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from tinydb import Query
from tinydb.table import Document, Table

from sakti_cli.core.children import process_state
from sakti_cli.core.clock import iso, now
from sakti_cli.core.errors import REGISTER_ADVICE, FileUnreadable, RegisterCorrupt
from sakti_cli.core.privacy import mask_payload, mask_text
from sakti_cli.core.storage import sha256_file
from sakti_cli.register import session
from sakti_cli.register.session import (
    Application,
    ApplicationFilter,
    Letter,
    LetterFilter,
    Page,
    Reservation,
    letter_digests,
)
from sakti_cli.register.states import LetterStatus, digest_taken, letter_may_become, stale_letter
from sakti_cli.register.tiny.engine import FileSet, locked, read_json, read_locked, read_text
from sakti_cli.register.trail import GENESIS, default_actor, event_hash, event_names, os_account

FORMAT_VERSION = 4
AUDIT_TABLE = "audit"  # in urutan.json: the chain anchor
# Records per partition file. Sized so that a full block stays small (~35-60 KB) whatever the register's
# size (an application with its history, checks and file list is ~2.3 KB, a letter ~0.7 KB): issuing a
# letter reads its application's block three times and its own block twice (three locked steps), and a
# lookup reads one letter block; measured with bench/register_growth.py (issue 4, item 9).
APPLICATION_BLOCK = 25
LETTER_BLOCK = 50
SHARD_CHARS = 3  # hex characters of the SHA-256 prefix naming an index shard (16**3 = 4,096 shards)
HISTORY_DIR = "riwayat"  # the per-object index of the audit trail (format 3)
RECENT_FILES = 16  # files a listing keeps read (its letters' applicants come in runs; index shards once each)
LETTER_COUNTER = "surat|{month}"  # in urutan.json: letters reserved in a month (picks their block)
REGISTRATION_COUNTER = "registrasi|{month}"  # in urutan.json: applications registered in a month (YYYYMM)
OPEN_TABLE = "terbuka"  # in urutan.json: reservations not yet TERBIT or BATAL (small, read every step)
QUEUE_TABLE = "antrean"  # in urutan.json: letters MENUNGGU_TTD (waiting for their signatory)
START_TABLE = "mulai"  # in urutan.json: where each scope's electronic sequence began (paper before it)
ROW_INDEX = "baris"  # key: SHA-256 of a batch row's key (sakti massal); value: {"nomor_registrasi"}
NIK_INDEX = "nik"  # key: SHA-256 of the NIK (never the NIK itself); value: the applications naming it


def history_shard(name: str) -> str:
    return f"{HISTORY_DIR}/{shard_of(name)}.json"


def shard_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:SHARD_CHARS]


def block_of(sequence: int, size: int) -> int:
    """The block (from 0) of the ``sequence``-th record (from 1) in blocks of ``size``."""
    if sequence < 1:
        raise ValueError(f"urutan {sequence} harus mulai dari 1")
    return (sequence - 1) // size


def block_key(month: str, sequence: int, size: int) -> str:
    """The partition of the ``sequence``-th record (from 1) of ``month`` (YYYY-MM) in blocks of ``size``:
    ``YYYY-MM-BB`` (two digits or more)."""
    return _partition_key(month, block_of(sequence, size))


def _partition_key(month: str, block: int) -> str:
    return f"{month}-{block:02d}"


def letter_partition(month: str, sequence: int) -> str:
    """The partition of the ``sequence``-th letter reserved in ``month``."""
    return block_key(month, sequence, LETTER_BLOCK)


def month_of_partition(key: str) -> str:
    """``2026-11-03`` -> ``2026-11`` (a format-1 key is the month already)."""
    return key[:7]


def partition_order(key: str) -> tuple[str, int]:
    """Sort key of partitions: by month, then block as a number (block 100 after block 99)."""
    block = key[8:]
    return key[:7], int(block) if block.isdigit() else -1


def month_of_reg(reg: str) -> str:
    """``REG-202611-0001`` -> ``2026-11``: the month an application was registered in."""
    return month_of_digits(reg.split("-")[1])


def month_of_digits(digits: str) -> str:
    """``202611`` (as registration numbers and their counters write it) -> ``2026-11``."""
    return f"{digits[:4]}-{digits[4:]}"


def partition_of_reg(reg: str) -> str:
    """The register partition holding an application: its month and the block of its sequence
    (REG-202611-0001 -> 2026-11-00, REG-202611-0026 -> 2026-11-01), read from the number alone."""
    return _partition_key(month_of_reg(reg), block_of_reg(reg))


def block_of_reg(reg: str) -> int:
    """The block of an application's partition within its month (REG-202611-0026 -> 1)."""
    return block_of(max(1, int(reg.split("-")[2])), APPLICATION_BLOCK)  # 0000: never issued, in the first


def months_between(first: str, last: str) -> Iterator[str]:
    """``YYYY-MM`` from ``first`` to ``last`` inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        yield f"{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _paged(items: Iterator[Any], page: Page | None) -> Iterator[Any]:
    if page is None:
        yield from items
        return
    taken = 0
    for number, item in enumerate(items):
        if number < page.offset:
            continue
        if page.limit is not None and taken >= page.limit:
            return
        taken += 1
        yield item


class Transaction(session.RegisterSession):
    """What one register step on the TinyDB files may read and change (the engine's own methods, the
    tables and partitions, are for this backend's modules only: callers use the domain methods)."""

    def __init__(self, root: Path, actor: str, zone: timezone, *, writing: bool = True) -> None:
        self.root = root
        self.actor = actor
        self.zone = zone
        self.moment = now(zone)
        self.writing = writing
        self.files = FileSet(root)
        self._head: str | None = None
        self.recovered = False  # dead processes' reservations were closed (and committed) at its start
        # A listing's session (Register.listing): no lock held, a scanned partition forgotten once read, any
        # other file (an application partition, an index shard) kept among the RECENT_FILES last read, so
        # memory does not grow with the register or the listing.
        self.streaming = False
        self._recent: list[str] = []
        self._by_reg: dict[str, dict[str, Any]] = {}  # a listing's recent application partitions by number

    def _done_with(self, relative: str) -> None:
        """A partition a listing has read: forgotten (read again from disk if asked again)."""
        if self.streaming:
            self.files.spill(relative)
            if relative in self._recent:
                self._recent.remove(relative)

    def _keep_recent(self, relative: str) -> None:
        """The files a listing looks things up in (applicants' partitions, index shards): the last few stay read."""
        if relative in self._recent:
            self._recent.remove(relative)
        self._recent.append(relative)
        while len(self._recent) > RECENT_FILES:
            gone = self._recent.pop(0)
            self.files.spill(gone)
            self._by_reg.pop(gone, None)

    # --- tables -------------------------------------------------------------------------------
    def table(self, relative: str, name: str = "_default") -> Table:
        if self.streaming:
            self._keep_recent(relative)
        return self.files.db(relative).table(name)

    def application_table(self, partition: str) -> Table:
        """Applications of one partition (``YYYY-MM-BB``, see :func:`partition_of_reg`)."""
        return self.table(f"permohonan/{partition}.json", "permohonan")

    def letter_table(self, partition: str) -> Table:
        """Letters of one partition (``YYYY-MM-BB``, the letter's ``bulan``)."""
        return self.table(f"surat/{partition}.json", "surat")

    def partitions(self, kind: str) -> list[str]:
        """Partition keys of ``permohonan`` or ``surat`` present (on disk or written by this transaction), in
        order (month, block)."""
        return sorted(self.files.stems(kind), key=partition_order)

    def next_letter_partition(self, month: str) -> str:
        """The partition of the next letter reserved in ``month``: counts the month's letters."""
        return letter_partition(month, self.next_counter(LETTER_COUNTER.format(month=month)))

    # --- counters -----------------------------------------------------------------------------
    def counter(self, key: str) -> int:
        found = self.table("urutan.json", "urutan").get(Query().kunci == key)
        return int(found["nilai"]) if isinstance(found, Document) else 0

    def set_counter(self, key: str, value: int) -> None:
        self._changing()
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
        """The last event's hash: from the anchor in urutan.json (already read by most steps), so the
        cost does not grow with the month's trail; from the trail itself only for a register written
        before the anchor existed."""
        if self._head is None:
            anchor = self.audit_anchor()
            head = anchor.get("hash") if anchor else None
            self._head = head if isinstance(head, str) and head else last_event_hash(self.root / "audit")
        return self._head

    def audit(self, aksi: str, objek: str, sebelum: Any = None, sesudah: Any = None, **detail: Any) -> None:
        """Record who did what, with the state before and after; chained to the previous event.

        The trail is append-only, so what it holds stays: every text of the event (the clerk's name,
        the object, reasons, paths) is masked here, before it is recorded. No event carries an
        applicant's data, so nothing that must stay in full is lost (register periksa flags any)."""
        self._changing()
        event: dict[str, Any] = {
            "id": _token(),
            "waktu": iso(self.moment),
            **mask_payload({"petugas": self.actor, "akun": os_account(), "aksi": aksi, "objek": objek,
                            "sebelum": sebelum, "sesudah": sesudah, "detail": detail or None}),
            "prev": self._chain_head(),
        }
        event["hash"] = event_hash(event)
        self._head = event["hash"]
        line = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        relative = f"audit/{self.moment:%Y-%m}.jsonl"
        pointer = [f"{self.moment:%Y-%m}", self.files.append_position(relative), event["id"]]
        self.files.append(relative, event["id"], line)
        self._anchor(event["hash"])
        for name in sorted(event_names(event)):  # same commit as the event: the index never lags the trail
            self.history_add(name, pointer)

    # --- the per-object index of the trail (riwayat/XXX.json) -----------------------------------
    def history(self, name: str) -> list[list[Any]]:
        """Pointers ``[month, offset, id]`` to the events found under ``name``, in chain order."""
        found = self.table(history_shard(name), "riwayat").get(Query().kunci == name)
        return list(found.get("peristiwa") or []) if isinstance(found, Document) else []

    def history_add(self, name: str, pointer: list[Any]) -> None:
        table = self.table(history_shard(name), "riwayat")
        table.upsert({"kunci": name, "peristiwa": [*self.history(name), pointer]}, Query().kunci == name)

    # --- the chain's anchor: the last event's hash and the number of events, kept in urutan.json --
    def audit_anchor(self) -> dict[str, Any] | None:
        found = self.table("urutan.json", AUDIT_TABLE).get(Query().kunci == "kepala")
        return dict(found) if isinstance(found, Document) else None

    def _anchor(self, head: str) -> None:
        """Committed with the event (same journal), so deleting the last events is detected too."""
        anchor = self.audit_anchor()
        count = anchor.get("jumlah") if anchor else count_events(self.root / "audit")
        count = int(count) + 1 if isinstance(count, int) else None
        self.table("urutan.json", AUDIT_TABLE).upsert({"kunci": "kepala", "hash": head, "jumlah": count},
                                                       Query().kunci == "kepala")


    # --- the domain methods (session.RegisterSession) -------------------------------------------
    def _changing(self) -> None:
        if not self.writing:
            raise RuntimeError("sesi baca register tidak boleh mengubah apa pun")  # a programming error

    def next_registration_sequence(self, month: str) -> int:
        self._changing()
        return self.next_counter(REGISTRATION_COUNTER.format(month=month))

    def next_letter_sequence(self, scope: str) -> int:
        self._changing()
        return self.next_counter(scope)

    def number_starts(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in sorted(self.table("urutan.json", START_TABLE).all(), key=lambda d: d.doc_id)]

    def add_number_start(self, record: dict[str, Any]) -> None:
        self._changing()
        self.table("urutan.json", START_TABLE).insert(record)

    def get_application(self, reg: str) -> Application | None:
        try:
            partition = partition_of_reg(reg)
        except (IndexError, ValueError):
            return None
        if self.streaming:  # a listing looks up thousands: each partition read once into a dict
            relative = f"permohonan/{partition}.json"
            if relative not in self._by_reg:
                self._by_reg[relative] = {str(doc.get("nomor_registrasi")): doc
                                          for doc in self.application_table(partition).all()}
            self._keep_recent(relative)
            kept = self._by_reg[relative].get(reg)
            return cast(Application, dict(kept)) if kept is not None else None
        found = self.application_table(partition).get(Query().nomor_registrasi == reg)
        return cast(Application, dict(found)) if isinstance(found, Document) else None

    def add_application(self, record: Application) -> None:
        from sakti_cli.register.tiny.search_index import index_application

        self._changing()
        reg = str(record["nomor_registrasi"])
        table = self.application_table(partition_of_reg(reg))
        if table.contains(Query().nomor_registrasi == reg):
            raise RegisterCorrupt(f"Permohonan {reg} sudah ada di register {self.root}: nomornya terpakai dua kali.",
                                  saran=REGISTER_ADVICE)
        table.insert(dict(record))
        index_application(self, record)  # same commit: a listing's name search finds it at the next desk

    def save_application(self, record: Application) -> None:
        from sakti_cli.register.tiny.search_index import index_application

        self._changing()
        reg = str(record["nomor_registrasi"])
        table = self.application_table(partition_of_reg(reg))
        before = table.get(Query().nomor_registrasi == reg)
        table.update(dict(record), Query().nomor_registrasi == reg)
        index_application(self, record, cast(Application, before) if isinstance(before, Document) else None)

    def applications(self, where: ApplicationFilter | None = None, page: Page | None = None
                     ) -> Iterator[Application]:
        """Only the partitions of the filter's months (a partition's month is its registration month); for a
        name, desa or NIK only the applications the search index names (register/tiny/search_index.py)."""
        from sakti_cli.register.tiny.search_index import candidates

        chosen = where or ApplicationFilter()
        partitions = self._partitions_between("permohonan", chosen.dari, chosen.sampai)

        def found() -> Iterator[Application]:
            named = candidates(self, chosen, sorted({key[:7] for key in partitions}))
            if named is not None:
                for reg in named:
                    record = self.get_application(reg)
                    if record is not None and chosen.matches(record):
                        yield record
                return
            for partition in partitions:
                docs = sorted(self.application_table(partition).all(), key=lambda d: str(d.get("nomor_registrasi")))
                self._done_with(f"permohonan/{partition}.json")
                for doc in docs:
                    if chosen.matches(cast(Application, doc)):
                        yield cast(Application, dict(doc))

        return _paged(found(), page)

    def application_numbers(self, where: ApplicationFilter) -> Iterator[str]:
        """For a name, desa or NIK: the search index's numbers (none of the applications read)."""
        from sakti_cli.register.tiny.search_index import candidates

        partitions = self._partitions_between("permohonan", where.dari, where.sampai)
        named = candidates(self, where, sorted({key[:7] for key in partitions}))
        return iter(named) if named is not None else super().application_numbers(where)

    def registration_recorded(self, reg: str) -> bool:
        """Whether the audit trail of the registration's month records its ``daftar``."""
        path = self.root / "audit" / f"{month_of_reg(reg)}.jsonl"
        marker = f'"objek":"{reg}"'.encode()
        try:
            with path.open("rb") as handle:
                return any(marker in line and b'"aksi":"daftar"' in line for line in handle)
        except FileNotFoundError:
            return False

    def add_letter(self, letter: Letter) -> None:
        """Stored in the next block of its reservation month (``bulan_pesan``); the record keeps that
        partition in ``bulan`` (the engine's key, as every pointer to it)."""
        self._changing()
        record = cast(dict[str, Any], letter)
        number, code = str(record["nomor_surat"]), str(record["kode_verifikasi"])
        for kind, key in (("nomor", number), ("kode", code)):
            if self.index_get(kind, key) is not None:
                raise RegisterCorrupt(f"{'Nomor surat' if kind == 'nomor' else 'Kode verifikasi'} {key} sudah "
                                      "dipakai surat lain di register.", saran=REGISTER_ADVICE)
        month = record.get("bulan_pesan") or f"{self.moment:%Y-%m}"
        partition = self.next_letter_partition(str(month))
        record.update(bulan=partition, bulan_pesan=month)
        self.letter_table(partition).insert(record)
        self.table("urutan.json", OPEN_TABLE).insert({"id": record["id"], "bulan": partition, "nomor_surat": number,
                                                     "proses": record.get("proses")})
        pointer = {"bulan": partition, "id": record["id"]}
        self.index_put("nomor", number, pointer)
        self.index_put("kode", code, pointer)

    def save_letter(self, letter: Letter) -> None:
        self._changing()
        record = cast(dict[str, Any], letter)
        partition, letter_id = str(record["bulan"]), record["id"]
        stored = self.letter_table(partition).get(Query().id == letter_id)
        if isinstance(stored, Document) and not letter_may_become(str(stored["status"]), str(record["status"])):
            raise stale_letter(record.get("nomor_surat"), str(stored["status"]), str(record["status"]))
        pointer = {"bulan": partition, "id": letter_id}
        for digest in letter_digests(record):
            found = self.index_get("sha256", digest)
            if found is not None and (found.get("id"), found.get("bulan")) != (letter_id, partition) \
                    and self._letter_at(found.get("bulan"), found.get("id")) is not None:
                raise digest_taken()
        self.letter_table(partition).update(record, Query().id == letter_id)
        if record["status"] != LetterStatus.DIPESAN:
            open_table = self.table("urutan.json", OPEN_TABLE)
            if open_table.contains(Query().id == letter_id):
                open_table.remove(Query().id == letter_id)
        queue = self.table("urutan.json", QUEUE_TABLE)
        if record["status"] == LetterStatus.MENUNGGU_TTD:
            queue.upsert({"id": letter_id, "bulan": partition, "nomor_surat": record["nomor_surat"],
                          "penandatangan": (record.get("penandatangan") or {}).get("id")}, Query().id == letter_id)
        elif queue.contains(Query().id == letter_id):
            queue.remove(Query().id == letter_id)
        for digest in letter_digests(record):
            found = self.index_get("sha256", digest)
            if found is None or found.get("id") != letter_id or found.get("bulan") != partition:
                self.index_put("sha256", digest, pointer)

    def _letter_at(self, partition: Any, letter_id: Any) -> Letter | None:
        if not isinstance(partition, str) or not partition:
            return None
        found = self.letter_table(partition).get(Query().id == letter_id)
        return cast(Letter, dict(found)) if isinstance(found, Document) else None

    def reload_letter(self, letter: Letter | Reservation) -> Letter | None:
        if isinstance(letter, Reservation):
            return self._letter_at(letter.where, letter.letter_id)
        record = cast(dict[str, Any], letter)
        return self._letter_at(record.get("bulan"), record.get("id"))

    def find_letter(self, *, number: str | None = None, code: str | None = None, sha256: str | None = None
                    ) -> Letter | None:
        for kind, key in (("nomor", number), ("kode", code), ("sha256", sha256)):
            if not key:
                continue
            pointer = self.index_get(kind, key)
            if not pointer:
                continue
            found = self._letter_at(pointer.get("bulan"), pointer.get("id"))
            if found is None:  # the index knows the letter: its record is gone, not the user's input
                where = self.root / "surat" / f"{pointer.get('bulan')}.json"
                raise RegisterCorrupt(
                    f"Register rusak: indeks {kind} menunjuk surat di {where}, tetapi catatannya tidak ada"
                    f"{'' if where.exists() else ' (berkas itu hilang)'}.",
                    saran="Jalankan 'sakti register periksa' dan pulihkan register dari cadangan.",
                    berkas=str(where))
            return found
        return None

    def letters(self, where: LetterFilter | None = None, page: Page | None = None) -> Iterator[Letter]:
        """Only the partitions of the filter's months (a letter's partition month is its reservation
        month); by number through the index."""
        chosen = where or LetterFilter()

        def found() -> Iterator[Letter]:
            if chosen.nomor_surat is not None:
                letter = self.find_letter(number=chosen.nomor_surat)
                if letter is not None and chosen.matches(letter):
                    yield letter
                return
            for partition in self._partitions_between("surat", chosen.dari, chosen.sampai):
                docs = sorted(self.letter_table(partition).all(), key=lambda doc: doc.doc_id)  # as reserved
                self._done_with(f"surat/{partition}.json")
                for doc in docs:
                    if chosen.matches(cast(Letter, doc)):
                        yield cast(Letter, dict(doc))

        return _paged(found(), page)

    def _partitions_between(self, kind: str, first: Any, last: Any) -> list[str]:
        """The partitions of ``kind`` whose month lies within the dates (None: open-ended)."""
        low = f"{first:%Y-%m}" if first is not None else None
        high = f"{last:%Y-%m}" if last is not None else None
        return [key for key in self.partitions(kind)
                if (low is None or key[:7] >= low) and (high is None or key[:7] <= high)]

    def open_reservations(self) -> list[Reservation]:
        return [Reservation(letter_id=str(doc.get("id")), nomor_surat=str(doc.get("nomor_surat")),
                            proses=doc.get("proses"), where=doc.get("bulan"))
                for doc in self.table("urutan.json", OPEN_TABLE).all()]

    def drop_reservation(self, reservation: Reservation) -> None:
        """Forget a stale entry of the open list (its letter gone or no longer DIPESAN)."""
        self._changing()
        table = self.table("urutan.json", OPEN_TABLE)
        if table.contains(Query().id == reservation.letter_id):
            table.remove(Query().id == reservation.letter_id)

    def reservation_abandoned(self, reservation: Reservation) -> bool:
        return process_state(reservation.proses) == "mati"

    def signing_queue(self, signatory_id: str | None = None) -> list[Letter]:
        found: list[Letter] = []
        for entry in self.table("urutan.json", QUEUE_TABLE).all():
            if signatory_id and entry.get("penandatangan") != signatory_id:
                continue
            letter = self._letter_at(entry.get("bulan"), entry.get("id"))
            if letter is not None and letter.get("status") == LetterStatus.MENUNGGU_TTD:
                found.append(letter)
        return sorted(found, key=lambda item: (str(item.get("disiapkan") or ""), item.get("tahun") or 0,
                                               item.get("urut") or 0))

    def batch_row(self, key: str) -> str | None:
        found = self.index_get(ROW_INDEX, key)
        return str(found["nomor_registrasi"]) if found and found.get("nomor_registrasi") else None

    def record_batch_row(self, key: str, reg: str) -> None:
        self._changing()
        self.index_put(ROW_INDEX, key, {"nomor_registrasi": reg})

    def nik_applications(self, digest: str) -> list[dict[str, Any]]:
        return list((self.index_get(NIK_INDEX, digest) or {}).get("permohonan") or [])

    def set_nik_applications(self, digest: str, entries: list[dict[str, Any]]) -> None:
        self._changing()
        self.index_put(NIK_INDEX, digest, {"permohonan": entries})

    def events(self, *, objek: str | None = None, newest_first: bool = False) -> Iterator[dict[str, Any]]:
        if objek is not None:
            name = " ".join(objek.split()).upper()
            chosen = (e for e in _indexed_events(self, name) if name in event_names(e))
            return chosen if newest_first else iter(list(chosen)[::-1])
        return _trail_backwards(self.root / "audit") if newest_first else read_events(self.root / "audit")


class FolderStore(session.FileStore):
    """TinyDB's file store: the workspace folder itself (one computer, or a folder every desk mounts)."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace

    def keep(self, path: Path, sha256: str | None = None) -> str:
        digest = sha256_file(path)
        if sha256 is not None and digest != sha256:
            raise FileUnreadable(f"Berkas {path} berubah saat disimpan (SHA-256 {digest}, semestinya {sha256}).",
                                 saran="Ulangi langkahnya; periksa disk bila terjadi lagi.", berkas=str(path))
        return digest

    def fetch(self, path: Path, sha256: str) -> Path:
        if not path.is_file():
            raise FileUnreadable(f"Berkas {path} tidak ada.", saran="Pulihkan folder data dari cadangan; periksa "
                                 "dengan 'sakti register periksa'.", berkas=str(path))
        digest = sha256_file(path)
        if digest != sha256:
            raise FileUnreadable(f"Berkas {path} tidak sama dengan yang tercatat di register: SHA-256 {digest} "
                                 f"tidak cocok ({sha256}).", saran="Berkas itu telah diubah atau rusak: pulihkan "
                                 "dari cadangan.", berkas=str(path))
        return path

    def forget(self, path: Path, sha256: str | None = None) -> None:
        path.unlink(missing_ok=True)


def count_events(audit_dir: Path) -> int:
    """Events already in the trail (once, for a register written before the anchor existed)."""
    total = 0
    for path in sorted(audit_dir.glob("*.jsonl")) if audit_dir.is_dir() else []:
        total += sum(1 for line in (read_text(path) or "").splitlines() if line.strip())
    return total


def last_event_hash(audit_dir: Path) -> str:
    files = sorted(audit_dir.glob("*.jsonl")) if audit_dir.is_dir() else []
    for path in reversed(files):
        lines = [line for line in (read_text(path) or "").splitlines() if line.strip()]
        if lines:
            try:
                return str(json.loads(lines[-1])["hash"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise RegisterCorrupt(
                    f"Jejak audit {path} rusak pada baris terakhir.",
                    saran="Jalankan 'sakti register periksa'.",
                ) from None
    return GENESIS


def read_events(audit_dir: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(audit_dir.glob("*.jsonl")) if audit_dir.is_dir() else []:
        for number, line in enumerate((read_text(path) or "").splitlines(), 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    raise RegisterCorrupt(f"Jejak audit {path} rusak pada baris {number}.",
                                          saran=REGISTER_ADVICE) from None


def read_format_version(root: Path) -> int | None:
    """``versi_format`` from meta.json; None when the register does not exist yet."""
    meta = read_json(root / "meta.json")
    if meta is None:
        return None
    docs = list(meta.get("meta", {}).values()) if isinstance(meta, dict) else []
    version = docs[0].get("versi_format") if docs and isinstance(docs[0], dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise RegisterCorrupt(f"Berkas {root / 'meta.json'} rusak (versi_format tidak ada).",
                              saran="Pulihkan register dari cadangan ('sakti pulihkan').")
    return version


def _blank(path: Path) -> bool:
    """Missing, empty, or an empty JSON object: a file that says nothing."""
    try:
        if path.stat().st_size > 16:
            return False
    except FileNotFoundError:
        return True
    return (read_text(path) or "").strip() in ("", "{}")


def _record_kinds(root: Path) -> set[str]:
    """Which kinds of records the register holds on disk (permohonan, surat, audit)."""
    return {kind for kind, pattern in (("permohonan", "*.json"), ("surat", "*.json"), ("audit", "*.jsonl"))
            if any(path.stat().st_size for path in (root / kind).glob(pattern))}


def core_file_damage(root: Path) -> list[tuple[str, str]]:
    """``meta.json`` or ``urutan.json`` (the counters) missing or empty in a register that holds
    records: ``(file, what)`` for each. A new register has neither records nor these files; a damaged
    one must not be silently re-created, or counters would start again and reuse numbers."""
    meta_blank = _blank(root / "meta.json")
    counters_blank = _blank(root / "urutan.json")
    if not meta_blank and not counters_blank:
        return []
    kinds = _record_kinds(root)
    found = []
    if meta_blank and kinds:
        found.append(("meta.json", "hilang atau kosong, padahal register sudah berisi catatan"))
    if counters_blank and kinds:
        found.append(("urutan.json", "(penghitung nomor) hilang atau kosong, padahal register sudah berisi "
                                     f"{', '.join(sorted(kinds))}: nomor akan terpakai dua kali"))
    return found


def refuse_damaged(root: Path) -> None:
    """Raise RegisterCorrupt (exit 4) naming the missing core files; repaired only by
    ``register periksa --perbaiki`` (rebuilds them from the records and the audit trail)."""
    damage = core_file_damage(root)
    if damage:
        names = "; ".join(f"{root / name}: {what}" for name, what in damage)
        raise RegisterCorrupt(f"Register rusak: {names}.",
                              saran="Jangan mendaftar atau menerbitkan dulu. Jalankan 'sakti register periksa "
                                    "--perbaiki' untuk membangun ulang dari catatan dan jejak audit, atau pulihkan "
                                    "dari cadangan.",
                              berkas=[str(root / name) for name, _ in damage])


@dataclass(frozen=True)
class Upkeep:
    """What opening a register does that needs the record modules above this engine. Passed in, so the
    engine imports none of them; :func:`sakti_cli.register.upkeep.open_register` passes the real one."""

    migrate: Callable[[Register, int], Any]  # an older format: once, under the lock, after a backup
    close_dead: Callable[[Transaction], bool]  # reservations of dead processes -> BATAL; True if changed
    sweep: Callable[[Path], list[Path]]  # what dead runs left in and beside the workspace


class Register(session.Register):
    """Entry point to the TinyDB register of one workspace (open it with sakti_cli.register.upkeep.open_register).

    ``upkeep`` None: a register that is only read as it is, never migrated nor recovered."""

    backend: session.Backend = "tinydb"

    def __init__(self, root: Path, *, zone: timezone, actor: str | None = None, lock_timeout: float = 30.0,
                 upkeep: Upkeep | None):
        self.root = root
        self.upkeep = upkeep
        self.zone = zone
        # The clerk's name is stored in records, histories and the trail: a NIK typed as it is masked.
        self.actor = mask_text(actor or default_actor())
        self.lock_timeout = lock_timeout
        # Close numbers reserved by processes that died (O(open reservations), see recovery.py).
        self.recover = True
        # Refuse to write when meta.json or the counters are gone (off only for the repair itself).
        self.guard = True
        # What the first writing transaction removed of dead runs' leftovers (None until then; recovery.py).
        self.swept: list[Path] | None = None
        self._store = FolderStore(root.parent.parent)  # data/register -> the workspace

    @property
    def store(self) -> FolderStore:
        return self._store

    def describe(self) -> str:
        return str(self.root)

    def _check_version(self) -> int | None:
        """The register's format version (None for a new register); refuse one from a newer sakti (exit 4)."""
        version = read_format_version(self.root)
        if version is not None and version > FORMAT_VERSION:
            raise RegisterCorrupt(
                f"Register {self.root} dibuat oleh sakti yang lebih baru (format {version}, sakti ini "
                f"{FORMAT_VERSION}).",
                saran="Perbarui sakti sebelum memakai register ini; register tidak diubah.",
            )
        return version

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Lock, read fresh, yield, commit atomically. Nothing is written if the body raises."""
        with locked(self.root, self.lock_timeout):
            txn = self._begin()
            wrote = txn.recovered
            yield txn
            wrote = wrote or txn.files.pending()
            txn.files.commit()
            if wrote and self.recover and self.upkeep is not None and self.swept is None:
                self.swept = self.upkeep.sweep(self.root)  # the first write of a run, still under the lock

    def _begin(self) -> Transaction:
        """Under the write lock: refuse a damaged register, migrate an older format, close the reservations
        of dead processes (committed at once: it stands whatever follows)."""
        version = self._check_version()
        if self.guard:
            refuse_damaged(self.root)
        if version is not None and version < FORMAT_VERSION:
            if self.upkeep is None:
                raise RegisterCorrupt(f"Register {self.root} berformat {version}, perlu dimigrasi ke {FORMAT_VERSION}.",
                                      saran="Buka register dengan sakti (perintah apa pun) agar dimigrasi.")
            self.upkeep.migrate(self, version)  # once, under this lock, after an automatic backup
        txn = Transaction(self.root, self.actor, self.zone)
        if not (self.root / "meta.json").exists():
            txn.table("meta.json", "meta").insert({"versi_format": FORMAT_VERSION, "dibuat": iso(txn.moment)})
        if self.recover and self.upkeep is not None and self.upkeep.close_dead(txn):
            txn.files.commit()
            txn.recovered = True  # the recovery stands even if the step below fails
        return txn

    @contextlib.contextmanager
    def reading(self) -> Iterator[Transaction]:
        """For steps that only read (status, verifikasi, listings, lookups): nothing is written, and the write
        lock is never taken. The session holds the commit lock shared (engine.read_locked), so a writer's
        step goes on meanwhile (only its commit, a few renames, waits for the readers in progress) and the
        reader sees every commit whole, never half of one. Reservations of dead processes are closed by the
        next writing step, not here. A damaged register is still read; a read-only one (a read-only disk,
        chmod a-w) too. An older format is migrated first, in a transaction (refused where nothing can be
        written)."""
        self._migrate_before_reading()
        with read_locked(self.root, self.lock_timeout):
            self._check_version()
            yield Transaction(self.root, self.actor, self.zone, writing=False)

    def _migrate_before_reading(self) -> None:
        """An older format is migrated in a transaction before any read (refused where nothing can be written)."""
        version = self._check_version()
        if version is not None and version < FORMAT_VERSION:
            with self.transaction():
                pass  # the migration runs as the transaction begins

    @contextlib.contextmanager
    def listing(self) -> Iterator[Transaction]:
        """For long reads (listings, exports, the agenda, reports): as :meth:`reading`, but the commit lock is held
        only for a moment at the start (no commit half done then), not for the whole read, so the desks' commits
        never wait for a year's agenda. Every file is replaced whole by a commit (a rename), so each partition
        read is one committed state; partitions are forgotten once read (bounded memory). A record written
        meanwhile may or may not be seen, as in any listing of a live register."""
        self._migrate_before_reading()
        with read_locked(self.root, self.lock_timeout):
            self._check_version()
        txn = Transaction(self.root, self.actor, self.zone, writing=False)
        txn.streaming = True
        yield txn

    def moment(self) -> datetime:
        return now(self.zone)


def _trail_backwards(folder: Path) -> Iterator[dict[str, Any]]:
    """Every readable event, newest first."""
    for path in sorted(folder.glob("*.jsonl"), reverse=True) if folder.is_dir() else []:
        lines = (read_text(path) or "").splitlines()
        for number in range(len(lines), 0, -1):
            event = _event_of(lines[number - 1])
            if event is not None:
                yield event


def _event_of(line: str | bytes) -> dict[str, Any] | None:
    """An audit line as an event; None for a blank or cut line (reported by 'register periksa')."""
    if not line.strip():
        return None
    try:
        event = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) else None


def _indexed_events(txn: Transaction, name: str) -> Iterator[dict[str, Any]]:
    """The events the index lists under ``name``, newest first: one seek and one line per event. A
    pointer that misses its event (a line moved by a crash replay) falls back to that month's file,
    found by the event's id; 'register periksa' reports the pointer."""
    handles: dict[str, Any] = {}
    whole: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        for pointer in reversed(txn.history(name)):
            if not (isinstance(pointer, list) and len(pointer) == 3 and isinstance(pointer[1], int)):
                continue  # a damaged entry: reported by 'register periksa', rebuilt by --perbaiki
            month, offset, event_id = pointer
            path = txn.root / "audit" / f"{month}.jsonl"
            if month not in handles:
                try:
                    handles[month] = path.open("rb")
                except FileNotFoundError:
                    continue
            handle = handles[month]
            handle.seek(int(offset))
            event = _event_of(handle.readline())
            if event is None or event.get("id") != event_id:
                if month not in whole:
                    events = (_event_of(line) for line in (read_text(path) or "").splitlines())
                    whole[month] = {str(e.get("id")): e for e in events if e is not None}
                event = whole[month].get(str(event_id))
            if event is not None:
                yield event
    finally:
        for handle in handles.values():
            handle.close()


def _token() -> str:
    import secrets  # base64, random and hmac: not for a command that only reads

    return secrets.token_hex(8)
