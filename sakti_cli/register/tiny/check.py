"""``register periksa``: can the register be trusted as a record?

Read under the register lock, file by file (a damaged file is reported, not fatal):
  - every register file loads (JSON tables, audit lines);
  - every letter number is accounted for per scope and year: from the first to the last, each number
    is exactly one letter TERBIT or BATAL; numbers below a ``nomor mulai`` start that the register
    does not hold were issued on paper; a reservation of a live process is "sedang diproses";
  - the lookups (number, verification code, SHA-256) point at their letters;
  - every TERBIT letter's PDF is present with its recorded SHA-256;
  - every letter waiting for its signature (MENUNGGU_TTD) is in the signing queue with its unsigned PDF
    unchanged, its application MENUNGGU_TTD and pointing at it; no unsigned PDF is left in data/antrean
    without a waiting letter (it holds personal data);
  - every application is in a legal state and consistent with its letter;
  - the audit trail is unbroken: each event's ``prev`` is the previous event's ``hash``, each ``hash``
    recomputes, the last one and the count match the anchor kept in urutan.json, and no event holds a
    16-digit number (a NIK or KK number must never be written to the trail);
  - what killed runs left behind (staging folders of scans, scratch folders of letters, restored copies,
    half-written archives, register temp files) is listed: the next command that writes removes it.

Incremental (``bertahap``, register/checkpoint.py; the default of ``sakti register periksa``): from the sealed
checkpoint ``periksa.titik`` a clean check leaves, only what changed since is read again: the trail from the
checkpoint's event on (the audit files before it confirmed by fingerprint, or by the SHA-256 of what was
verified, the checkpoint's own file by that digest up to its event), the partition files and index shards whose
fingerprint changed (an unchanged one is as it was verified), the PDFs whose fingerprint changed or whose turn in
the rolling sample it is. The letters are always read whole (numbering, lookups and links span them all).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from sakti_cli.core.children import process_state
from sakti_cli.core.clock import iso
from sakti_cli.core.errors import RegisterBusy, RegisterCorrupt
from sakti_cli.core.id_format import mask_nik
from sakti_cli.core.nik import find_id_numbers, may_hold_id_number
from sakti_cli.core.storage import sha256_file
from sakti_cli.office.workspace import Workspace
from sakti_cli.register import checkpoint as titik
from sakti_cli.register.numbering import scope_label
from sakti_cli.register.session import Reservation, letter_digests
from sakti_cli.register.states import LetterStatus
from sakti_cli.register.tiny.engine import locked, read_json, read_locked
from sakti_cli.register.tiny.history import TrailFold
from sakti_cli.register.tiny.registry import AUDIT_TABLE, FORMAT_VERSION, Register
from sakti_cli.register.trail import GENESIS, event_hash, event_names

LETTER_STATES = (LetterStatus.DIPESAN, LetterStatus.MENUNGGU_TTD, LetterStatus.TERBIT, LetterStatus.BATAL)
WAITING = LetterStatus.MENUNGGU_TTD  # letters.WAITING: a letter (and its application) waiting for the signatory


class TrailResume(NamedTuple):
    """Where an incremental check reads the trail on: after ``offset`` (bytes) of audit file ``name``, whose
    line ``line`` holds the checkpoint's event with hash ``head``, the ``events``-th of the trail."""

    name: str
    offset: int
    line: int
    head: str
    events: int


REG_NUMBER = re.compile(r"REG-\d{6}-\d{4,6}")


class TrustedPartitions:
    """The application partitions an incremental check trusts (unchanged since the checkpoint), asked once
    per letter and per expected registration number: kept as month -> blocks, so a number is looked up
    without building its partition's name (100,000 letters)."""

    def __init__(self) -> None:
        self._blocks: dict[str, set[int]] = defaultdict(set)

    def __bool__(self) -> bool:
        return bool(self._blocks)

    def add(self, stem: str) -> None:
        """An unchanged partition, by its file's stem (``2026-11-03``)."""
        month, _, block = stem.rpartition("-")
        if block.isdigit():
            self._blocks[month].add(int(block))

    def block(self, month: str, block: int) -> bool:
        return block in self._blocks.get(month, ())

    def holds(self, reg: Any) -> bool:
        """Does a trusted partition hold the application ``reg`` (so it is as it was verified)?"""
        from sakti_cli.register.tiny.registry import block_of_reg, month_of_reg

        if not self._blocks or not isinstance(reg, str) or not REG_NUMBER.fullmatch(reg):
            return False
        return self.block(month_of_reg(reg), block_of_reg(reg))


class Since:
    """What this check takes from the checkpoint (``plan``) and what it leaves for the next one: ``records``,
    each register file's ``"fingerprint [what was verified]"``, and ``files``, each PDF's fingerprint."""

    def __init__(self, chosen: titik.Plan, resume: TrailResume | None = None) -> None:
        self.plan = chosen
        self.resume = resume
        self.old: Mapping[str, str] = chosen.checkpoint.records if chosen.incremental and chosen.checkpoint else {}
        self.old_files: Mapping[str, str] = chosen.checkpoint.files if chosen.incremental and chosen.checkpoint else {}
        self.records: dict[str, str] = {}
        self.files: dict[str, str] = {}
        self.counts = titik.FileCounts()
        self.changed_letters: set[Path] = set()  # letter partitions read anew (a full check: all)
        self.trusted = TrustedPartitions()  # application partitions unchanged since the checkpoint
        self.unchanged_pdfs: set[str] = set()  # PDFs as they were at the checkpoint (fingerprint and content)
        self.new_events: dict[str, list[tuple[str, str]]] = defaultdict(list)  # name -> (month, id) since
        self.last: tuple[str, int, int, str] | None = None  # the trail's last event: file, line, start, hash

    @property
    def incremental(self) -> bool:
        return self.plan.incremental

    def kept(self, key: str, current: str | None) -> list[str] | None:
        """What was recorded of an unchanged file (carried into the next checkpoint), or None when it changed,
        is new, or this check is a full one."""
        old = self.old.get(key)
        if old is None or current is None:
            return None
        fields = old.split(" ")
        if fields[0] != current:
            return None
        self.records[key] = old
        return fields[1:]


class Report:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.dangling: list[dict[str, Any]] = []
        self.damaged: set[str] = set()
        self.missing: set[str] = set()  # core files missing (meta.json, urutan.json)
        self.seen_regs: set[str] = set()  # applications found in the partitions
        self.audit_regs: set[str] = set()  # applications the trail says were registered
        self.audit_numbers: dict[str, str] = {}  # letter numbers the trail says were reserved -> month
        self.audit_counters: dict[str, int] = {}  # highest number per scope the trail shows
        self.names: dict[Path, str] = {}  # file -> its name relative to the register
        self.bases: dict[str, str] = {}  # folder -> its resolved path (_recorded_path, _real_path)
        self.since = Since(titik.Plan(titik.FULL, titik.REASON_ASKED))

    def name(self, path: Path) -> str:
        shown = self.names.get(path)
        if shown is None:  # once per file, not once per record
            try:
                shown = str(path.relative_to(self.root))
            except ValueError:
                shown = str(path)
            self.names[path] = shown
        return shown

    def problem(self, kind: str, where: str, message: str, **detail: Any) -> None:
        if kind == "berkas_rusak":
            self.damaged.add(where)
        self.problems.append({"jenis": kind, "berkas": where, "pesan": message, **detail})

    def note(self, kind: str, where: str, message: str, **detail: Any) -> None:
        self.notes.append({"jenis": kind, "berkas": where, "pesan": message, **detail})


def _table(report: Report, path: Path, name: str) -> list[dict[str, Any]] | None:
    """The documents of one TinyDB table in one file; None (and one problem per file) if it is damaged."""
    where = report.name(path)
    if where in report.damaged:
        return None
    try:
        data = read_json(path)
    except RegisterCorrupt as exc:
        report.problem("berkas_rusak", where, exc.pesan)
        return None
    except OSError as exc:
        report.problem("berkas_rusak", where, f"Berkas {where} tidak dapat dibaca: {exc.strerror}.")
        return None
    if data is None:
        return []
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        report.problem("berkas_rusak", where, f"Berkas {where} rusak: isinya bukan tabel register.")
        return None
    docs = data.get(name, {})
    if not all(isinstance(doc, dict) for doc in docs.values()):
        report.problem("berkas_rusak", where, f"Berkas {where} rusak: tabel '{name}' berisi data yang bukan catatan.")
        return None
    return [docs[k] for k in sorted(docs, key=lambda k: int(k) if str(k).isdigit() else 0)]  # by doc id


def _partitions(report: Report, kind: str, table: str, *, since: Since | None = None, extra: str = "",
                ) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The records of one kind, one partition file in memory at a time (a large register never whole). With
    ``since``: each file's fingerprint recorded for the checkpoint (``extra``: what else the caller records
    through ``Since.records`` itself), and the files unchanged since the checkpoint passed over (the caller
    reads what was recorded of them with ``since.kept``)."""
    folder = report.root / kind
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if since is not None:
            key = f"{kind}/{path.name}"
            current = titik.fingerprint_of(path)
            if since.kept(key, current) is not None:
                continue
            if current is not None and not extra:
                since.records[key] = current
        for doc in _table(report, path, table) or []:
            yield path, doc


def _partition(report: Report, kind: str, table: str) -> list[tuple[Path, dict[str, Any]]]:
    return list(_partitions(report, kind, table))


LETTER_FIELDS = ("id", "nomor_surat", "urut", "lingkup", "bulan", "bulan_pesan", "status", "alasan_batal", "proses",
                 "kode_verifikasi", "sha256", "revisi", "pdf", "nomor_registrasi", "diganti_oleh", "mengganti",
                 "sha256_belum_ttd", "pdf_belum_ttd", "data_validasi_sampai")
"""What the checks read of a letter: the rest (the applicant's data, the rendered fields) is dropped while
reading, so 100,000 letters stay small in memory."""


class LetterFacts(Mapping[str, Any]):
    """A letter's checked fields (LETTER_FIELDS) read like the record they come from (``get``, ``[]``, ``in``),
    in slots: ~180 bytes a letter instead of a ~460-byte dict (100,000 letters held for the cross checks)."""

    __slots__ = LETTER_FIELDS

    def __init__(self, record: dict[str, Any]) -> None:
        for key in LETTER_FIELDS:
            if key in record:
                value = record[key]
                if key in SHARED_FIELDS and isinstance(value, str):
                    value = sys.intern(value)  # one string for all the letters of a month or scope
                setattr(self, key, value)
        if getattr(self, "status", None) != LetterStatus.DIPESAN and hasattr(self, "proses"):
            delattr(self, "proses")  # only a reservation's process is looked at

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in _FIELD_SET else default

    def __getitem__(self, key: str) -> Any:
        if key in _FIELD_SET and hasattr(self, key):
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (key for key in LETTER_FIELDS if hasattr(self, key))

    def __len__(self) -> int:
        return sum(1 for _ in self)


_FIELD_SET = frozenset(LETTER_FIELDS)


def _letters(report: Report) -> list[tuple[Path, LetterFacts]]:
    """Every letter as its checked fields only; the partition's path object shared by its letters. Always
    all of them; the partitions changed since the checkpoint noted (``Since.changed_letters``)."""
    since = report.since
    folder = report.root / "surat"
    found: list[tuple[Path, LetterFacts]] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        key = f"surat/{path.name}"
        current = titik.fingerprint_of(path)
        if since.kept(key, current) is None:
            since.changed_letters.add(path)
            if current is not None:
                since.records[key] = current
        found.extend((path, LetterFacts(letter)) for letter in _table(report, path, "surat") or [])
    return found


SHARED_FIELDS = ("lingkup", "bulan", "bulan_pesan", "status")


def _check_meta(report: Report) -> None:
    path = report.root / "meta.json"
    docs = _table(report, path, "meta")
    if docs is None:
        return
    if not docs:
        if path.exists():
            report.problem("berkas_rusak", "meta.json", "meta.json tidak memuat versi_format.")
        return
    version = docs[0].get("versi_format")
    if not isinstance(version, int):
        report.problem("berkas_rusak", "meta.json", "meta.json tidak memuat versi_format yang sah.")
    elif version > FORMAT_VERSION:
        report.problem("versi", "meta.json", f"Register berformat {version}, lebih baru dari sakti ini "
                                             f"({FORMAT_VERSION}): perbarui sakti sebelum memeriksanya.")


def _check_numbers(report: Report, letters: list[tuple[Path, LetterFacts]], urutan: dict[str, list[dict]],
                   open_ids: set[str]) -> dict[str, Any]:
    counters = {str(d.get("kunci")): d.get("nilai") for d in urutan.get("urutan", [])}
    starts: dict[str, int] = {}
    for start in urutan.get("mulai", []):  # oldest first: the latest start of a scope counts
        key, first = start.get("lingkup"), start.get("dari")
        if isinstance(key, str) and isinstance(first, int):
            starts[key] = first
    by_scope: dict[str, dict[int, list[LetterFacts]]] = defaultdict(lambda: defaultdict(list))
    numbers: dict[str, list[str]] = defaultdict(list)
    for path, letter in letters:
        where = report.name(path)
        number = letter.get("nomor_surat")
        if not isinstance(number, str) or not isinstance(letter.get("urut"), int) or not letter.get("lingkup"):
            report.problem("surat_rusak", where, f"Catatan surat {letter.get('id') or '?'} di {where} tidak lengkap "
                                                 "(nomor_surat, urut atau lingkup hilang).")
            continue
        numbers[number].append(where)
        if path.stem != letter.get("bulan"):
            report.problem("surat_salah_tempat", where, f"Surat {number} tercatat di {where}, bukan di bulan "
                                                       f"{letter.get('bulan')}.")
        status = letter.get("status")
        if status not in LETTER_STATES:
            report.problem("status_surat", where, f"Surat {number} berstatus tidak sah: {status!r}.")
        elif status == LetterStatus.BATAL and not letter.get("alasan_batal"):
            report.problem("status_surat", where, f"Surat {number} BATAL tanpa alasan.")
        elif status == LetterStatus.DIPESAN:
            state = process_state(letter.get("proses"))
            pid = (letter.get("proses") or {}).get("pid")
            if state == "mati":
                report.problem("nomor_menggantung", where,
                               f"Nomor {number} dipesan oleh proses {pid} yang sudah berhenti dan belum ditutup.",
                               saran="Jalankan 'sakti register periksa --perbaiki' untuk menutupnya sebagai BATAL.")
                report.dangling.append({"id": letter["id"], "bulan": letter.get("bulan"), "nomor_surat": number})
            else:
                host = (letter.get("proses") or {}).get("host")
                extra = "" if state == "hidup" else f" di komputer {host}"
                report.note("sedang_diproses", where, f"Nomor {number} sedang diproses (proses {pid}{extra}).")
                if letter.get("id") not in open_ids:
                    report.problem("nomor_menggantung", where,
                                   f"Nomor {number} berstatus DIPESAN tetapi tidak ada di daftar pesanan terbuka "
                                   "(urutan.json): tidak akan ditutup otomatis bila prosesnya berhenti.")
        by_scope[str(letter["lingkup"])][int(letter["urut"])].append(letter)
    for number, places in numbers.items():
        if len(places) > 1:
            report.problem("nomor_ganda", ", ".join(sorted(set(places))),
                           f"Nomor surat {number} tercatat {len(places)} kali.")
    summary = []
    for key in sorted(set(by_scope) | {k for k in counters if k.startswith("nomor|")} | set(starts)):
        label = scope_label(key)
        entries = by_scope.get(key, {})
        counter = counters.get(key)
        highest = max(entries, default=0)
        if not isinstance(counter, int):
            if entries:
                report.problem("penghitung", "urutan.json", f"Penghitung nomor untuk {label} hilang "
                                                            f"(surat tercatat sampai urut {highest}).")
            counter = 0
        elif highest > counter:
            report.problem("penghitung", "urutan.json",
                           f"Penghitung nomor {label} berhenti di {counter}, padahal urut {highest} sudah "
                           "tercatat: nomor dapat terpakai dua kali.")
        first_electronic = starts.get(key, 1)
        paper = missing = 0
        for urut in range(1, max(counter, highest) + 1):
            found = entries.get(urut, [])
            if len(found) > 1:
                report.problem("nomor_ganda", "surat/", f"Urut {urut} pada {label} dipakai {len(found)} surat: "
                                                        f"{', '.join(str(f.get('nomor_surat')) for f in found)}.")
            if found:
                continue
            if urut < first_electronic:
                paper += 1
                continue
            missing += 1
            report.problem("nomor_hilang", "surat/", f"Nomor urut {urut} pada {label} tidak tercatat "
                                                     "(tidak TERBIT dan tidak BATAL).")
        counts = {s: sum(1 for items in entries.values() for i in items if i.get("status") == s)
                  for s in LETTER_STATES if s != WAITING}  # waiting letters: counted once, in the summary
        summary.append({"lingkup": key, "terakhir": max(counter, highest), "mulai": first_electronic,
                        "kertas": paper, "hilang": missing, **{s.lower(): n for s, n in counts.items()}})
    return {"lingkup": summary}


LETTER_KEYS = ("nomor:", "kode:", "sha256:")  # the index entries that point at a letter


def _check_indexes(report: Report, letters: list[tuple[Path, LetterFacts]]) -> None:
    # hash(key) -> hash((id, bulan)): never the index documents, nor their texts (100,000 letters: 300,000
    # keys); a lookup aid checked against the letters, so Python's keyed hash suffices. Only the entries that
    # point at a letter (not the NIK or search entries, which point at applications).
    # Incremental: only the shards changed since the checkpoint are read; a letter unchanged since (its
    # partition's fingerprint) is checked against those only, a changed letter against every shard it needs.
    from sakti_cli.register.tiny.registry import shard_of

    since = report.since
    index: dict[int, int] = {}
    read: set[str] = set()

    def load(path: Path) -> None:
        read.add(path.stem)
        for doc in _table(report, path, "indeks") or []:
            key = doc.get("kunci")
            if isinstance(key, str) and key.startswith(LETTER_KEYS):
                index[hash(key)] = _pointer_hash(doc.get("id"), doc.get("bulan"))

    folder = report.root / "indeks"
    changed: set[str] = set()
    present: set[str] = set()
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        present.add(path.stem)
        current = titik.fingerprint_of(path)
        if since.kept(f"indeks/{path.name}", current) is None:
            changed.add(path.stem)
            if current is not None:
                since.records[f"indeks/{path.name}"] = current
            load(path)
    if since.incremental:  # a shard of the checkpoint that is gone: its keys are missing
        changed.update({key[len("indeks/"):-len(".json")] for key in since.old if key.startswith("indeks/")} - present)
    for path, letter in letters:
        number = letter.get("nomor_surat")
        if not isinstance(number, str):
            continue
        fresh = not since.incremental or path in since.changed_letters
        if not fresh and not changed:
            continue
        pointer = _pointer_hash(letter.get("id"), letter.get("bulan"))
        keys = [("nomor", number), ("kode", letter.get("kode_verifikasi"))]
        if letter.get("status") == LetterStatus.TERBIT:
            keys += [("sha256", digest) for digest in letter_digests(letter)]  # every revision (ttd perbarui)
        for kind, value in keys:
            if since.incremental:
                shard = shard_of(f"{kind}:{value}")
                if shard not in changed:
                    if not fresh:
                        continue
                    if shard not in read:
                        load(folder / f"{shard}.json")
            if index.get(hash(f"{kind}:{value}")) != pointer:
                report.problem("indeks", "indeks/", f"Indeks {kind} untuk surat {number} hilang atau menunjuk "
                                                    "catatan lain: verifikasi dan pencarian akan gagal.")


def _pointer_hash(ident: Any, month: Any) -> int:
    try:
        return hash((ident, month))
    except TypeError:  # a damaged record's list or object
        return hash(repr((ident, month)))


def _recorded_path(report: Report, ws: Workspace, relative: Any, folder: str, number: Any) -> str | None:
    """A file a record names (later read, signed, or deleted): it must lie in its own folder of the
    workspace (``data/surat``, ``data/antrean``), never outside, also not through a symlink. Checked on
    the path's text and one lstat (100,000 letters: no Path objects, no walk of each path's folders)."""
    found = _recorded_file(report, ws, relative, folder, number)
    return found[0] if found is not None else None


def _recorded_file(report: Report, ws: Workspace, relative: Any, folder: str, number: Any,
                   ) -> tuple[str, os.stat_result | None] | None:
    """:func:`_recorded_path` and what ``os.stat`` says of the file (None: it is not there), from the same
    lstat when the file is not itself a symlink."""
    base = report.bases.get(folder)
    if base is None:  # resolved once per folder, not once per letter
        base = report.bases[folder] = os.path.realpath(ws.root / folder)
    text = str(relative)
    path = os.path.join(str(ws.root), text)
    real, st = ("", None) if os.path.isabs(text) or ".." in text.split("/") else _real_path(report, path)
    if not real.startswith(base + os.sep):
        report.problem("jalur_tidak_sah", path, f"Surat {number} mencatat berkas {relative}, di luar "
                                                f"{folder}/: catatan ini bukan buatan sakti.")
        return None
    return path, st


def _real_path(report: Report, path: str) -> tuple[str, os.stat_result | None]:
    """``os.path.realpath(path)``, its folder resolved once for all the letters in it: only a file that is
    itself a symlink is resolved on its own (one lstat a letter instead of one per path component). With
    the file's ``os.stat`` (None: missing), which for a file that is no symlink is that lstat."""
    parent, name = os.path.split(path)
    if not name or name in (".", ".."):
        return os.path.realpath(path), _stat(path)
    real_parent = report.bases.get(parent)
    if real_parent is None:
        real_parent = report.bases[parent] = os.path.realpath(parent)
    try:
        st = os.lstat(path)
    except OSError:
        return os.path.join(real_parent, name), None  # a missing file: its folder's real path and its name
    if stat.S_ISLNK(st.st_mode):
        return os.path.realpath(path), _stat(path)
    return os.path.join(real_parent, name), st


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _check_pdfs(report: Report, ws: Workspace, letters: list[tuple[Path, LetterFacts]]) -> None:
    """Every TERBIT letter's PDF against its SHA-256; incremental: only those whose fingerprint changed (or
    whose letter's partition did), and the rolling sample of the rest (checkpoint.file_action)."""
    since = report.since
    checkpoint = since.plan.checkpoint if since.incremental else None
    run = since.plan.run
    for partition, letter in letters:
        if letter.get("status") != LetterStatus.TERBIT:
            continue
        number = letter.get("nomor_surat")
        relative = letter.get("pdf")
        if not relative or not letter.get("sha256"):
            report.problem("pdf", "surat/", f"Surat {number} TERBIT tanpa catatan PDF atau SHA-256.")
            continue
        found = _recorded_file(report, ws, relative, "data/surat", number)
        if found is None:
            continue
        path, st = found
        if st is None or not stat.S_ISREG(st.st_mode):
            report.problem("pdf_hilang", path, f"PDF surat {number} tidak ada: {relative}.")
            continue
        name, current = str(relative), titik.fingerprint(st)
        action = titik.file_action(checkpoint, name, current, run)
        if action == titik.SKIP and partition in since.changed_letters:
            action = titik.HASH  # the letter's record changed: its recorded SHA-256 may have
        since.counts.count(action)
        before = since.old_files.get(name)
        if before == current:
            current = before  # the checkpoint's string kept, not a new one per PDF (100,000 of them)
        if action == titik.SKIP:
            since.unchanged_pdfs.add(name)
            since.files[name] = current
            continue
        try:
            digest = sha256_file(Path(path))
        except OSError as exc:
            report.problem("pdf_hilang", path, f"PDF surat {number} tidak dapat dibaca: {exc.strerror}.")
            continue
        latest = letter_digests(letter)[-1]  # the stored file is the last revision
        if digest != latest:
            report.problem("pdf_berubah", path, f"PDF surat {number} ({relative}) berubah: SHA-256 "
                                                         f"{digest[:12]}… tidak sama dengan yang tercatat "
                                                         f"{latest[:12]}….")
        else:
            since.files[name] = current
            if current is before:
                since.unchanged_pdfs.add(name)


def _check_queue(report: Report, ws: Workspace, letters: list[tuple[Path, LetterFacts]],
                 queue: list[dict[str, Any]]) -> None:
    """Letters MENUNGGU_TTD against the queue table and the unsigned PDFs in data/antrean."""
    from sakti_cli.register.places import queued_pdf

    folder = queued_pdf(report.root.parent.parent, {"nomor_surat": "-"}).parent
    listed = {str(entry.get("id")): entry for entry in queue}
    by_id = {key: letter for _, letter in letters if (key := str(letter.get("id"))) in listed}
    expected_files: set[Path] = set()
    for _, letter in letters:
        if letter.get("status") != WAITING:
            continue
        number = letter.get("nomor_surat")
        if str(letter.get("id")) not in listed:
            report.problem("antrean", "urutan.json", f"Surat {number} MENUNGGU_TTD tidak ada di antrean tanda tangan "
                                                     "(urutan.json): penandatangan tidak akan melihatnya.")
        relative = letter.get("pdf_belum_ttd")
        path = ws.root / str(relative) if relative else None
        if path is not None:
            expected_files.add(path)
            if _recorded_path(report, ws, relative, "data/antrean", number) is None:
                continue
        if path is None or not path.is_file():
            report.problem("pdf_hilang", str(path or folder), f"PDF surat {number} yang menunggu tanda "
                                                              f"tangan tidak ada: {relative or '-'}.")
        elif sha256_file(path) != letter.get("sha256_belum_ttd"):
            report.problem("pdf_berubah", str(path), f"PDF surat {number} yang menunggu tanda tangan "
                                                     f"({relative}) berubah sejak disiapkan.")
    for key, entry in listed.items():
        found = by_id.get(key)
        if found is None or found.get("status") != WAITING:
            report.problem("antrean", "urutan.json", f"Antrean tanda tangan memuat surat {entry.get('nomor_surat')} "
                                                     "yang tidak menunggu tanda tangan.")
    for path in sorted(folder.glob("*.pdf")) if folder.is_dir() else []:
        if path not in expected_files:
            report.problem("antrean_tertinggal", report.name(path),
                           f"PDF belum bertanda tangan {path.name} di antrean tanpa surat yang menunggu; berisi "
                           "data pribadi.", saran="Hapus berkas itu bila suratnya memang sudah BATAL atau TERBIT.")


def _check_applications(report: Report, letters: list[tuple[Path, LetterFacts]],
                        counters: dict[str, Any]) -> int:
    from sakti_cli.register.applications import STATES
    from sakti_cli.register.tiny.registry import partition_of_reg

    by_number = {str(letter.get("nomor_surat")): letter for _, letter in letters}
    issued_by_reg: dict[str, list[str]] = defaultdict(list)
    for _, letter in letters:
        if letter.get("status") == LetterStatus.TERBIT:
            issued_by_reg[str(letter.get("nomor_registrasi"))].append(str(letter.get("nomor_surat")))
    seen: set[str] = set()
    behind: set[str] = set()  # months whose registration counter is below a recorded application
    waiting_for: dict[str, str] = {}  # application MENUNGGU_TTD -> the number it waits for
    since = report.since
    count = 0
    folder = report.root / "permohonan"
    per_file: dict[Path, int] = {}
    fingerprints: dict[Path, str | None] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() and since.incremental else []:
        current = fingerprints[path] = titik.fingerprint_of(path)
        kept = since.kept(f"permohonan/{path.name}", current)
        if kept is not None and kept and kept[0].isdigit():  # unchanged since the checkpoint: as it was verified
            since.trusted.add(path.stem)
            count += int(kept[0])
    for path, record in _partitions(report, "permohonan", "permohonan", since=since, extra="jumlah"):
        count += 1
        if path not in per_file:
            per_file[path] = 0
            if path not in fingerprints:
                fingerprints[path] = titik.fingerprint_of(path)
        per_file[path] += 1
        where = report.name(path)
        reg = record.get("nomor_registrasi")
        status = record.get("status")
        if not isinstance(reg, str) or not re.fullmatch(r"REG-\d{6}-\d{4,6}", reg):
            report.problem("permohonan_rusak", where, f"Catatan permohonan di {where} tanpa nomor registrasi yang sah.")
            continue
        if reg in seen:
            report.problem("permohonan_ganda", where, f"Permohonan {reg} tercatat lebih dari sekali.")
        seen.add(reg)
        month = f"{reg[4:8]}-{reg[8:10]}"
        partition = partition_of_reg(reg)
        if path.stem != partition:
            report.problem("permohonan_salah_tempat", where, f"Permohonan {reg} tercatat di {where}, "
                                                             f"bukan {partition}.")
        counter = counters.get(f"registrasi|{reg[4:10]}")
        if (not isinstance(counter, int) or int(reg.split("-")[2]) > counter) and month not in behind:
            behind.add(month)  # once per month; not at all when urutan.json itself is reported missing
            if "urutan.json" not in report.missing:
                report.problem("penghitung", "urutan.json", f"Penghitung registrasi bulan {month} di bawah {reg}: "
                                                            "nomor registrasi dapat terpakai dua kali.")
        if status not in (*STATES, WAITING):
            report.problem("status_permohonan", where, f"Permohonan {reg} berstatus tidak sah: {status!r}.")
            continue
        history = record.get("riwayat") or []
        if not history or not isinstance(history[-1], dict) or history[-1].get("ke") != status:
            report.problem("status_permohonan", where, f"Riwayat permohonan {reg} tidak berakhir di status {status}.")
        letter_ref = record.get("surat")
        ref: dict[str, Any] = letter_ref if isinstance(letter_ref, dict) else {}
        issued = issued_by_reg.get(reg, [])
        if status == LetterStatus.TERBIT:
            number = ref.get("nomor_surat")
            linked = by_number.get(str(number))
            if linked is None:
                report.problem("permohonan_surat", where, f"Permohonan {reg} TERBIT tetapi suratnya "
                                                          f"({number or 'tidak ada'}) tidak ada di register.")
            elif linked.get("status") != LetterStatus.TERBIT:
                report.problem("permohonan_surat", where, f"Permohonan {reg} TERBIT tetapi surat {number} "
                                                          f"berstatus {linked.get('status')}.")
            elif linked.get("nomor_registrasi") != reg or linked.get("sha256") != ref.get("sha256"):
                report.problem("permohonan_surat", where, f"Surat {number} tidak cocok dengan permohonan {reg} "
                                                          "(nomor registrasi atau SHA-256 berbeda).")
        elif status == WAITING:
            waiting = (record.get("antrean") or {}).get("nomor_surat")
            waiting_for[reg] = str(waiting)
            linked = by_number.get(str(waiting))
            if linked is None or linked.get("status") != WAITING or linked.get("nomor_registrasi") != reg:
                report.problem("permohonan_surat", where, f"Permohonan {reg} MENUNGGU_TTD tetapi suratnya "
                                                          f"({waiting or 'tidak ada'}) tidak menunggu tanda tangan.")
        if letter_ref and status != LetterStatus.TERBIT:
            report.problem("permohonan_surat", where, f"Permohonan {reg} berstatus {status} tetapi mencatat surat "
                                                      f"{letter_ref.get('nomor_surat')}.")
        current = ref.get("nomor_surat")
        for number in issued:
            if number != current:
                report.problem("permohonan_surat", where, f"Surat {number} TERBIT untuk {reg}, tetapi permohonan itu "
                                                          f"tidak mencatatnya (status {status}).")
    for _, letter in letters:
        reg = letter.get("nomor_registrasi")
        if letter.get("status") == WAITING and reg in seen and waiting_for.get(str(reg)) != letter.get("nomor_surat"):
            report.problem("permohonan_surat", "surat/", f"Surat {letter.get('nomor_surat')} menunggu tanda tangan, "
                                                         f"tetapi permohonan {reg} tidak MENUNGGU_TTD untuknya.")
        if reg not in seen and not report.damaged and not report.since.trusted.holds(reg):  # a damaged file hides it
            report.problem("permohonan_surat", "surat/", f"Surat {letter.get('nomor_surat')} menyebut permohonan "
                                                         f"{reg} yang tidak ada di register.")
        replaced_by = letter.get("diganti_oleh")
        if replaced_by:
            other = by_number.get(str(replaced_by))
            if other is None or other.get("mengganti") != letter.get("nomor_surat"):
                report.problem("pengganti", "surat/", f"Surat {letter.get('nomor_surat')} diganti oleh {replaced_by}, "
                                                      "tetapi surat pengganti itu tidak menunjuk baliknya.")
        replaces = letter.get("mengganti")
        if replaces:
            other = by_number.get(str(replaces))
            if other is None or other.get("diganti_oleh") != letter.get("nomor_surat") \
                    or other.get("status") != LetterStatus.BATAL:
                report.problem("pengganti", "surat/", f"Surat {letter.get('nomor_surat')} mengganti {replaces}, "
                                                      "tetapi surat lama itu tidak BATAL atau tidak menunjuk baliknya.")
    for path, records in per_file.items():
        if fingerprints.get(path) is not None:
            since.records[f"permohonan/{path.name}"] = f"{fingerprints[path]} {records}"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:  # an empty partition file
        key = f"permohonan/{path.name}"
        if key not in since.records and path not in per_file:
            current = fingerprints.get(path) or titik.fingerprint_of(path)
            if current is not None:
                since.records[key] = f"{current} 0"
    report.seen_regs = seen
    return count


def _parse_event(line: str) -> tuple[dict[str, Any] | None, bool]:
    """An audit line as an event; ``(event, True)`` when the event was found glued after a cut line
    (older sakti appended to a line a crash had cut short)."""
    try:
        event = json.loads(line)
        return (event if isinstance(event, dict) else None), False
    except json.JSONDecodeError:
        pass
    glued = line.find('{"aksi":', 1)
    if glued > 0:
        try:
            event = json.loads(line[glued:])
            return (event if isinstance(event, dict) else None), True
        except json.JSONDecodeError:
            pass
    return None, False


def read_trail(report: Report) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """Every readable event as ``(file, line, event)``, one audit file in memory at a time; each
    unreadable line is reported (a cut line, bytes that are not UTF-8) and skipped, so one damaged line
    hides no event after it."""
    for where, _month, number, event, _line, _glued, _start in _trail(report):
        yield where, number, event


class TrailLine(NamedTuple):
    where: str
    month: str  # the audit file's month (its stem), as the history index names it
    number: int
    event: dict[str, Any]
    line: str  # the line as stored ('' for a damaged one)
    glued: bool  # found glued after a cut line (the line is not the event's own)
    start: int  # the line's first byte in its file


def _trail(report: Report, resume: TrailResume | None = None, since: Since | None = None) -> Iterator[TrailLine]:
    """:func:`read_trail` with each event's stored line and month (for the checks that use the bytes). From
    ``resume`` on (the files before it, and its file up to its offset, are not read); with ``since``, each file
    read recorded as ``"fingerprint end sha256"``: the SHA-256 of its bytes up to the end of its last line."""
    folder = report.root / "audit"
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        if resume is not None and path.name < resume.name:
            continue
        where = report.name(path)
        try:
            current = titik.fingerprint_of(path)
            raw = path.read_bytes()
        except OSError as exc:
            report.problem("audit_rusak", where, f"Jejak audit {where} tidak dapat dibaca: {exc.strerror}.")
            continue
        first, base = (resume.offset, resume.line) if resume is not None and path.name == resume.name else (0, 0)
        if since is not None and current is not None:
            end = len(raw) if raw.endswith(b"\n") else raw.rfind(b"\n") + 1  # a cut last line is not verified
            since.records[f"audit/{path.name}"] = f"{current} {end} {hashlib.sha256(raw[:end]).hexdigest()}"
        lines = raw[first:].split(b"\n")
        offset = first
        for number, chunk in enumerate(lines, base + 1):
            start, offset = offset, offset + len(chunk) + 1
            try:
                line = chunk.decode("utf-8")
            except UnicodeDecodeError as exc:
                report.problem("audit_rusak", where, f"Jejak audit {where} baris {number}: bukan UTF-8 pada byte "
                                                     f"{start + exc.start}; peristiwa di baris itu tidak terbaca.")
                yield TrailLine(where, path.stem, number, {"_rusak": True}, "", False, start)
                continue
            if not line.strip():
                continue
            event, glued = _parse_event(line)
            if event is None and next((c for c in islice(lines, number - base, None) if c.strip()),
                                      b"").startswith(chunk):
                report.note("audit_terpotong", where, f"Jejak audit {where} baris {number} terpotong (penulisan yang "
                                                      f"terhenti); peristiwa itu tercatat utuh di baris berikutnya.")
                continue
            if event is None or glued:
                lost = "peristiwa di baris itu hilang" + ("; peristiwa yang tertempel di belakangnya dibaca" if glued
                                                         else "")
                report.problem("audit_rusak", where, f"Jejak audit {where} baris {number} rusak atau terpotong: "
                                                     f"{lost}. Rantai diperiksa lagi mulai peristiwa berikutnya.")
                yield TrailLine(where, path.stem, number, {"_rusak": True}, "", False, start)
                if event is None:
                    continue
            yield TrailLine(where, path.stem, number, event, line, glued, start)


AUDIT_UNCHECKED = ("id", "hash", "prev", "waktu")
"""The fields of an event not scanned for NIK numbers: its own identifiers and time."""


def _hash_matches(line: str, event: dict[str, Any]) -> bool:
    """Whether the event's ``hash`` recomputes. From the stored line when it is written as sakti writes it
    (sorted keys, compact separators): the hashed text is the line without its hash field and with the
    standard separators, so a match there is the hash of the event itself (the change of separators is
    one-to-one). Any other line (hand-written, escapes) falls back to re-serialising the event."""
    stored = event.get("hash")
    if isinstance(stored, str) and "\\" not in line:
        field = f'"hash":"{stored}",'
        if line.count(field) == 1:
            parts = line.replace(field, "", 1).split('"')
            parts[0::2] = "\0".join(parts[0::2]).replace(",", ", ").replace(":", ": ").split("\0")  # outside strings
            if hashlib.sha256('"'.join(parts).encode()).hexdigest() == stored:
                return True
    return event_hash(event) == stored


def _unchecked_removed(line: str, event: dict[str, Any]) -> str:
    """The line without its hash, prev and id fields (digests and a random id: digit runs, never a NIK) for
    the NIK pre-test. A line without escapes holds no quote inside a string, so ``"id":"..."`` is a field;
    removing the first one leaves the other (same value) when a detail repeats it."""
    for key in ("hash", "prev", "id"):
        value = event.get(key)
        if isinstance(value, str):
            line = line.replace(f'"{key}":"{value}"', "", 1)
    return line


def _check_audit(report: Report, anchor: dict[str, Any] | None, fold: TrailFold | None = None) -> int:
    """The chain, the hashes and the absence of NIK numbers, in one pass over the trail; ``fold`` takes
    what the history index must list from the same pass. Incremental (``report.since.resume``): from the
    checkpoint's event on, the events new since listed by name for the history index."""
    since = report.since
    resume = since.resume
    previous: str | None = resume.head if resume is not None else GENESIS
    count = resume.events if resume is not None else 0
    broken = 0
    for where, month, number, event, line, glued, start in _trail(report, resume, since):
        if event.get("_rusak"):
            previous = None  # the link across a damaged line cannot be checked: resume after it
            broken += 1
            continue
        count += 1
        if isinstance(event.get("hash"), str):
            since.last = (Path(where).name, number, start, event["hash"])
        if glued:
            pass  # history.pointers_from_trail skips a glued event's line
        elif resume is not None:
            ident = event.get("id")
            if isinstance(ident, str):
                for name in event_names(event):
                    since.new_events[name].append((month, ident))
        elif fold is not None:
            fold.add(month, event)
        if previous is not None and event.get("prev") != previous:
            report.problem("audit_putus", where, f"Rantai jejak audit putus di {_event_label(where, number, event)}: "
                                                 "peristiwa sebelumnya dihapus, disisipkan atau diubah.")
        if not _hash_matches(line, event):
            report.problem("audit_diubah", where, f"Peristiwa di {_event_label(where, number, event)} telah diubah "
                                                  "(hash tidak cocok).")
        if "\\" in line or may_hold_id_number(_unchecked_removed(line, event)):  # an escape may spell digits
            content = {k: v for k, v in event.items() if k not in AUDIT_UNCHECKED}
            for _start, _end, found in find_id_numbers(json.dumps(content, ensure_ascii=False)):
                report.problem("audit_data_pribadi", where, f"Peristiwa di {_event_label(where, number, event)} "
                                                            f"memuat angka 16 digit ({mask_nik(found)}): NIK/KK "
                                                            "tidak boleh dicatat.")
        _remember(report, event)
        previous = str(event.get("hash"))
    if anchor is not None:
        if previous is not None and anchor.get("hash") != previous:
            report.problem("audit_putus", "audit/", "Peristiwa terakhir jejak audit tidak sama dengan yang tercatat "
                                                    "di urutan.json: peristiwa terakhir dihapus atau diubah.")
        if isinstance(anchor.get("jumlah"), int) and anchor["jumlah"] != count:
            cause = (f" (termasuk {broken} baris rusak di atas)" if broken and anchor["jumlah"] <= count + broken
                     else "")
            report.problem("audit_putus", "audit/", f"Jejak audit berisi {count} peristiwa terbaca, padahal tercatat "
                                                    f"{anchor['jumlah']}: ada peristiwa yang hilang atau ditambah"
                                                    f"{cause}.")
    elif count and "urutan.json" not in report.missing:
        report.note("audit_tanpa_jangkar", "urutan.json", "Jangkar jejak audit belum ada (register lama); "
                                                          "dibuat pada perubahan berikutnya.")
    return count


def _event_label(where: str, number: int, event: dict[str, Any]) -> str:
    return f"{where} baris {number} ({event.get('aksi')} {event.get('objek')})"


def _check_history_index(report: Report, fold: TrailFold) -> None:
    """The per-object index of the trail (riwayat/) must list exactly each object's events (issue 15 §5);
    compared with what the audit check's pass folded, one index shard at a time. Incremental: the shards
    changed since the checkpoint, against the events new since (history.changed_problems)."""
    from sakti_cli.register.tiny.history import changed_problems

    since = report.since
    if since.resume is not None:
        wrong = changed_problems(report.root, since.new_events, since.old, since.records)
    else:
        wrong = fold.problems(report.root, since.records)
    if wrong:
        shown = ", ".join(wrong[:5]) + (f" dan {len(wrong) - 5} lainnya" if len(wrong) > 5 else "")
        report.problem("indeks_riwayat", "riwayat/", f"Indeks riwayat {len(wrong)} objek tidak cocok dengan jejak "
                                                     f"audit ({shown}): 'sakti riwayat --objek' tidak lengkap. "
                                                     "Perbaiki dengan 'sakti register periksa --perbaiki'.")


def _remember(report: Report, event: dict[str, Any]) -> None:
    """What the trail says must exist: applications registered, numbers reserved."""
    raw = event.get("detail")
    detail: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if event.get("aksi") == "daftar" and isinstance(event.get("objek"), str):
        report.audit_regs.add(event["objek"])
    elif event.get("aksi") == "pesan_nomor" and isinstance(event.get("objek"), str):
        report.audit_numbers[event["objek"]] = sys.intern(str(event.get("waktu", ""))[:7])  # one per month
        if isinstance(detail.get("lingkup"), str) and isinstance(detail.get("urut"), int):
            key = detail["lingkup"]
            report.audit_counters[key] = max(report.audit_counters.get(key, 0), detail["urut"])


def _check_missing(report: Report, counters: dict[str, Any], letters: list[tuple[Path, LetterFacts]],
                   regs: set[str]) -> None:
    """Records that must exist (the counters, the audit trail and the indexes point at them) but do not:
    a deleted partition is reported by name with what it held."""
    from sakti_cli.register.session import letter_month
    from sakti_cli.register.tiny.registry import (
        APPLICATION_BLOCK,
        block_of,
        letter_partition,
        month_of_digits,
        partition_of_reg,
    )

    trusted = report.since.trusted
    expected = {reg for reg in report.audit_regs if not trusted.holds(reg)}
    for key, value in counters.items():
        if key.startswith("registrasi|") and isinstance(value, int):
            digits = key.split("|", 1)[1]
            month = month_of_digits(digits)
            for first in range(1, value + 1, APPLICATION_BLOCK):  # a trusted partition's numbers not even named
                if not trusted.block(month, block_of(first, APPLICATION_BLOCK)):
                    last = min(value, first + APPLICATION_BLOCK - 1)
                    expected.update(f"REG-{digits}-{n:04d}" for n in range(first, last + 1))
    by_partition: dict[str, list[str]] = defaultdict(list)
    for reg in sorted(expected - regs):
        by_partition[partition_of_reg(reg)].append(reg)
    for partition, missing in sorted(by_partition.items()):
        relative = f"permohonan/{partition}.json"
        gone = "hilang" if not (report.root / relative).exists() else "tidak memuatnya"
        shown = ", ".join(missing[:5]) + (f" dan {len(missing) - 5} lainnya" if len(missing) > 5 else "")
        report.problem("catatan_hilang", relative, f"{len(missing)} permohonan tidak ada di register ({shown}); "
                                                   f"penghitung dan jejak audit mencatatnya; {relative} {gone}.")
    numbers = {str(letter.get("nomor_surat")) for _, letter in letters}
    per_month: dict[str, int] = defaultdict(int)
    for _, letter in letters:
        if letter.get("bulan"):
            per_month[letter_month(letter)] += 1
    for key, value in counters.items():
        if key.startswith("surat|") and isinstance(value, int) and value > per_month.get(key[6:], 0):
            month = key[6:]
            absent = sorted({letter_partition(month, n) for n in range(1, value + 1)}
                            - {p.stem for p in (report.root / "surat").glob(f"{month}-*.json")})
            files = ", ".join(f"surat/{p}.json" for p in absent) or f"surat/{month}-*.json"
            report.problem("catatan_hilang", files, f"Bulan {month} tercatat {value} surat di urutan.json, tetapi "
                                                    f"hanya {per_month.get(month, 0)} ada di register"
                                                    + (f"; hilang: {files}." if absent else "."))
    lost = sorted(set(report.audit_numbers) - numbers)
    if lost:
        shown = ", ".join(lost[:5]) + (f" dan {len(lost) - 5} lainnya" if len(lost) > 5 else "")
        report.problem("catatan_hilang", "surat/", f"{len(lost)} nomor surat dipesan menurut jejak audit tetapi tidak "
                                                   f"ada di register: {shown}.")


def _check_core_files(report: Report) -> None:
    from sakti_cli.register.tiny.registry import core_file_damage

    for name, what in core_file_damage(report.root):
        report.missing.add(name)
        report.problem("berkas_hilang", name, f"{name} {what}.",
                       saran="Jalankan 'sakti register periksa --perbaiki' untuk membangunnya ulang dari catatan dan "
                             "jejak audit, atau pulihkan dari cadangan.")


def _check_journal(report: Report, register: Register) -> None:
    """A pending journal (a crash mid-commit) is finished when the folder is writable; a damaged one
    (``{}``, a missing key) is reported and left alone."""
    from sakti_cli.core.storage import writable
    from sakti_cli.register.tiny.engine import JOURNAL, read_journal

    if not (report.root / JOURNAL).exists():
        return
    try:
        if writable(report.root):
            with locked(report.root, register.lock_timeout):
                pass
            return
        read_journal(report.root)
        report.problem("jurnal", JOURNAL, f"Perubahan yang belum selesai ({JOURNAL}) tidak dapat diselesaikan: "
                                          "folder register tidak dapat ditulisi.")
    except RegisterCorrupt as exc:
        report.problem("jurnal", JOURNAL, exc.pesan, saran=exc.saran)


def _list_leftovers(report: Report, ws: Workspace, register: Register) -> None:
    """Leftovers of dead runs (nobody holds their lock; we hold the register lock: see recovery.py)."""
    from sakti_cli.core.scratch import sweep
    from sakti_cli.register.recovery import leftover_places

    try:  # the register's own temp files count only while no writer is at work (periksa holds no write lock)
        with locked(register.root, 0, finish_journal=False):
            found = sweep(leftover_places(register.root, register_locked=True), remove=False)
    except (RegisterBusy, OSError):
        found = sweep(leftover_places(register.root, register_locked=False), remove=False)
    for path in found:
        try:
            shown = str(path.relative_to(ws.root))
        except ValueError:
            shown = str(path)
        report.note("sisa_proses", str(path.resolve()), f"Sisa proses sakti yang terhenti (dapat memuat data "
                                                         f"pribadi): {shown}; dihapus oleh perintah berikutnya "
                                                         "yang menulis ke register.")


def _absolute(root: Path, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every ``berkas`` as an absolute path (the register's files are named relative to it while checking);
    in place: 100,000 findings (a register whose PDFs are gone) are not copied."""
    base = str(root)
    for entry in entries:
        name = entry.get("berkas")
        if not name:
            continue
        text = str(name)
        if "//" in text or "/." in text or text.startswith("."):
            entry["berkas"] = str(root / text)  # pathlib's normalising, where it changes the text
        else:
            entry["berkas"] = os.path.join(base, text).rstrip("/") or "/"  # as str(root / text), without a Path
    return entries


STALE_DAYS = 60
"""``register periksa`` notes letters whose validation data goes stale within this many days (``--segera``)."""


def _note_stale(report: Report, ws: Workspace, letters: list[tuple[Path, LetterFacts]], at: datetime,
                days: int) -> None:
    """A note (not a problem) for each TERBIT letter whose file can be validated offline only until a date
    within ``days``: its newest CRL's nextUpdate or its TSA certificate's expiry (renewal.validation_horizon)."""
    from sakti_cli.signatures.renewal import letter_horizon

    limit = at + timedelta(days=days)
    since = report.since
    for _, letter in letters:
        if letter.get("status") != LetterStatus.TERBIT or not letter.get("pdf"):
            continue
        horizon: datetime | None = None
        if not letter.get("data_validasi_sampai"):  # read from the PDF: what the checkpoint keeps of it
            key = f"sampai:{letter['pdf']}"
            if str(letter["pdf"]) in since.unchanged_pdfs:  # the same file as then: its horizon as then read
                kept = since.old.get(key)  # none: it had none (B-B); "-" in checkpoints of older sakti
                if kept is not None and kept != "-":
                    since.records[key] = kept
                    horizon = datetime.fromisoformat(kept)
            else:
                try:
                    horizon = letter_horizon(ws, letter)
                except Exception:
                    continue  # a missing or unreadable PDF is already a problem of _check_pdfs
                if horizon is not None:
                    since.records[key] = horizon.isoformat()
        else:
            try:
                horizon = letter_horizon(ws, letter)
            except Exception:
                continue
        if horizon is not None and horizon <= limit:
            number, until = str(letter.get("nomor_surat")), iso(horizon.astimezone(at.tzinfo))
            report.note("data_validasi_segera_kedaluwarsa", str(ws.root / str(letter["pdf"])),
                        f"Data validasi surat {number} (CRL/sertifikat TSA) berlaku sampai {until}; perbarui dengan "
                        f"'sakti ttd perbarui {number}' (sebelum itu).", nomor_surat=number, sampai=until)


def check_register(ws: Workspace, register: Register, stale_days: int = STALE_DAYS, *, full: bool = True,
                   checkpoint: bool = False) -> dict[str, Any]:
    """Check everything as one reading session sees it (the commit lock shared: a consistent state, no write
    lock). Returns ``bersih``, ``masalah``, ``catatan``, ``ringkasan``, ``pemeriksaan``.

    ``checkpoint``: use the register's checkpoint (incremental unless ``full``) and leave a new one when the
    check is clean (``sakti register periksa``); without it (a restored or copied register being checked)
    the check is full and leaves nothing."""
    from sakti_cli.register.tiny.checkpoint_store import CHECKPOINT_FILE, read_checkpoint, write_checkpoint

    report = Report(register.root)
    loaded = read_checkpoint(register.root) if checkpoint else titik.Loaded(missing=True)
    chosen = titik.plan(loaded, full=full) if checkpoint else titik.Plan(titik.FULL, titik.REASON_UNUSED)
    if checkpoint:
        problems, notes = titik.loaded_findings(loaded, CHECKPOINT_FILE)
        report.problems.extend(problems)
        report.notes.extend(notes if not full else [])
    _check_journal(report, register)
    moment = register.moment()
    with read_locked(register.root, register.lock_timeout, finish_journal=False):
        report.since = _since(report, chosen)
        report.notes.extend(titik.head_findings(report.since.plan, CHECKPOINT_FILE))
        _check_core_files(report)
        _check_meta(report)
        urutan_path = register.root / "urutan.json"
        urutan = {name: _table(report, urutan_path, name) or [] for name in ("urutan", "terbuka", "mulai",
                                                                             "antrean", AUDIT_TABLE)}
        counters = {str(d.get("kunci")): d.get("nilai") for d in urutan["urutan"]}
        open_ids = {str(d.get("id")) for d in urutan["terbuka"]}
        anchors = [d for d in urutan[AUDIT_TABLE] if d.get("kunci") == "kepala"]
        letters = _letters(report)
        numbers = _check_numbers(report, letters, urutan, open_ids)
        _check_indexes(report, letters)
        _check_pdfs(report, ws, letters)
        _note_stale(report, ws, letters, moment, stale_days)
        _check_queue(report, ws, letters, urutan["antrean"])
        fold = TrailFold()
        events = _check_audit(report, anchors[0] if anchors else None, fold)
        _check_history_index(report, fold)
        applications = _check_applications(report, letters, counters)
        _check_missing(report, counters, letters, report.seen_regs)
        _list_leftovers(report, ws, register)
        statuses = [letter.get("status") for _, letter in letters]
        del letters  # not held while the checkpoint is encoded
    since = report.since
    full_at = since.plan.checkpoint.full_at if since.incremental and since.plan.checkpoint else iso(moment)
    stale = titik.stale_full_note(full_at, moment, CHECKPOINT_FILE) if since.incremental else None
    if stale is not None:
        report.notes.append(stale)
    if checkpoint and all(p["jenis"] == "titik_periksa" for p in report.problems):
        last = since.last
        written = titik.next_checkpoint(
            since.plan, events=events, head=last[3] if last else GENESIS,
            locator=f"{last[0]}:{last[1]}:{last[2]}" if last else "", moment=iso(moment), files=since.files,
            records=since.records)
        write_checkpoint(register.root, written)
    return {
        "bersih": not report.problems,
        "masalah": _absolute(register.root, report.problems),
        "catatan": _absolute(register.root, report.notes),
        "ringkasan": {
            "permohonan": applications, "surat": len(statuses), "terbit": statuses.count(LetterStatus.TERBIT),
            "batal": statuses.count(LetterStatus.BATAL), "dipesan": statuses.count(LetterStatus.DIPESAN),
            "menunggu_ttd": statuses.count(WAITING), "peristiwa": events,
            **numbers,
        },
        "menggantung": report.dangling,
        "pemeriksaan": titik.summary(since.plan, since.counts, full_at),
    }


def _since(report: Report, chosen: titik.Plan) -> Since:
    """An incremental plan confirmed against the trail as stored (checkpoint.confirm): every audit file before
    the checkpoint's is as verified (its fingerprint, else the SHA-256 of its verified bytes) and nothing was
    added to it, the checkpoint's own file holds the same bytes up to its event, and that event is the
    checkpoint's head; else the plan turns full (its reason says why)."""
    if not chosen.incremental or chosen.checkpoint is None:
        return Since(chosen)
    point = chosen.checkpoint
    since = Since(chosen)
    folder = report.root / "audit"
    if point.events == 0:
        return Since(chosen, TrailResume("", 0, 0, GENESIS, 0))
    try:
        head_file, line_text, start_text = point.locator.rsplit(":", 2)
        line, start = int(line_text), int(start_text)
    except ValueError:
        return Since(titik.Plan(titik.FULL, titik.REASON_INVALID))
    recorded = {key[len("audit/"):]: value.split(" ") for key, value in point.records.items()
                if key.startswith("audit/")}
    present = {path.name for path in folder.glob("*.jsonl")} if folder.is_dir() else set()
    if head_file not in recorded or any(name < head_file and name not in recorded for name in present):
        return Since(titik.Plan(titik.FULL, titik.REASON_TRAIL))
    stored_head: str | None = None
    offset = 0
    for name, (fingerprint, end_text, digest) in sorted(recorded.items()):
        if name > head_file:
            continue
        path, end = folder / name, int(end_text)
        current = titik.fingerprint_of(path)
        if name != head_file and current == fingerprint:
            since.records[f"audit/{name}"] = " ".join((fingerprint, end_text, digest))
            continue
        try:
            raw = path.read_bytes()
        except OSError:
            return Since(titik.Plan(titik.FULL, titik.REASON_TRAIL))
        if hashlib.sha256(raw[:end]).hexdigest() != digest or (name != head_file and raw[end:].strip()):
            return Since(titik.Plan(titik.FULL, titik.REASON_TRAIL))
        if name == head_file:
            stop = raw.find(b"\n", start)
            offset = len(raw) if stop < 0 else stop + 1
            try:
                event = json.loads(raw[start:offset])
                stored_head = event.get("hash") if isinstance(event, dict) else None
            except ValueError:
                stored_head = None
        elif current is not None:
            since.records[f"audit/{name}"] = " ".join((current, end_text, digest))
    confirmed = titik.confirm(chosen, stored_head, point.events)
    if not confirmed.incremental:
        return Since(confirmed)
    since.resume = TrailResume(head_file, offset, line, point.head, point.events)
    since.last = (head_file, line, start, point.head)  # the trail's last event, unless events came since
    return since


def close_dangling(register: Register, dangling: list[dict[str, Any]]) -> list[str]:
    """``--perbaiki``: close reservations of dead processes as BATAL ("proses terhenti")."""
    from sakti_cli.register.recovery import close_reservation

    closed = []
    with register.transaction() as txn:
        for entry in dangling:
            reservation = Reservation(letter_id=str(entry["id"]), nomor_surat=str(entry.get("nomor_surat")),
                                      proses=entry.get("proses"), where=entry["bulan"])
            letter = txn.reload_letter(reservation)
            if letter is None:
                continue
            if letter["status"] == LetterStatus.DIPESAN and process_state(letter.get("proses")) == "mati":
                done = close_reservation(txn, reservation, workspace=register.root.parent.parent)
                if done is not None:
                    closed.append(done["nomor_surat"])
    return closed


def rebuild_core_files(register: Register) -> list[str]:
    """``--perbaiki`` of a register whose ``meta.json`` or ``urutan.json`` is missing or empty: rebuilt
    from the records and the audit trail, never lower than either shows (counters never go back).

    Counters: the highest registration number per month and letter number per scope that the records or
    the trail show, and the letters per month; the open reservations and the signing queue from the
    letters; ``nomor mulai`` starts from the trail; the trail's anchor from its last readable event.
    Returns the files rebuilt (nothing when neither is missing)."""
    from sakti_cli.register.tiny.registry import core_file_damage

    damaged = {name for name, _ in core_file_damage(register.root)}
    if not damaged:
        return []
    report = Report(register.root)
    register.guard, register.recover = False, False
    try:
        with register.transaction() as txn:
            if "meta.json" in damaged:
                old_format = any(len(p.stem) == 7 for p in (register.root / "permohonan").glob("*.json"))
                meta = txn.table("meta.json", "meta")
                meta.truncate()
                meta.insert({"versi_format": 1 if old_format else FORMAT_VERSION, "dibuat": iso(txn.moment),
                             "dibangun_ulang": True})
            if "urutan.json" in damaged:
                _rebuild_counters(txn, report)
            txn.audit("bangun_ulang", "register", None, None, berkas=sorted(damaged))
    finally:
        register.guard, register.recover = True, True
    return sorted(damaged)


def _rebuild_counters(txn: Any, report: Report) -> None:
    from tinydb import Query

    from sakti_cli.register.session import letter_month
    from sakti_cli.register.tiny.registry import LETTER_COUNTER, OPEN_TABLE, QUEUE_TABLE, START_TABLE

    events = [event for _, _, event in read_trail(report) if not event.get("_rusak")]
    for event in events:
        _remember(report, event)
    counters: dict[str, int] = dict(report.audit_counters)

    def bump(key: str, value: int) -> None:
        counters[key] = max(counters.get(key, 0), value)

    for _, record in _partition(report, "permohonan", "permohonan"):
        report.audit_regs.add(str(record.get("nomor_registrasi")))
    for reg in report.audit_regs:
        if re.fullmatch(r"REG-\d{6}-\d{4,6}", reg):
            bump(f"registrasi|{reg[4:10]}", int(reg[11:]))
    letters = [letter for _, letter in _partition(report, "surat", "surat")]
    months: dict[str, set[str]] = defaultdict(set)
    for letter in letters:
        if isinstance(letter.get("lingkup"), str) and isinstance(letter.get("urut"), int):
            bump(letter["lingkup"], letter["urut"])
        if letter.get("bulan"):
            months[letter_month(letter)].add(str(letter.get("nomor_surat")))
    for number, month in report.audit_numbers.items():
        months[month].add(number)
    for month, numbers in months.items():
        bump(LETTER_COUNTER.format(month=month), len(numbers))
    starts = txn.table("urutan.json", START_TABLE)
    for event in events:
        raw = event.get("detail")
        detail: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if event.get("aksi") == "nomor_mulai" and isinstance(event.get("sesudah"), int):
            bump(str(event.get("objek")), event["sesudah"])
            starts.insert({"lingkup": event.get("objek"), "tahun": detail.get("tahun"), "dari": detail.get("dari"),
                           "sebelumnya": event.get("sebelum"), "terpakai": event.get("sebelum"),
                           "layanan": detail.get("layanan"), "waktu": event.get("waktu"),
                           "petugas": event.get("petugas")})
    for key, value in sorted(counters.items()):
        txn.set_counter(key, value)
    for letter in letters:
        pointer = {"id": letter.get("id"), "bulan": letter.get("bulan"), "nomor_surat": letter.get("nomor_surat")}
        if letter.get("status") == LetterStatus.DIPESAN:
            txn.table("urutan.json", OPEN_TABLE).insert({**pointer, "proses": letter.get("proses")})
        elif letter.get("status") == WAITING:
            txn.table("urutan.json", QUEUE_TABLE).insert(
                {**pointer, "penandatangan": (letter.get("penandatangan") or {}).get("id")})
    last = events[-1] if events else None
    if last is not None:
        txn.table("urutan.json", AUDIT_TABLE).upsert({"kunci": "kepala", "hash": last.get("hash"),
                                                       "jumlah": len(events)}, Query().kunci == "kepala")
