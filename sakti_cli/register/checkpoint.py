"""The sealed checkpoint of ``register periksa``, the same for every backend: what the last clean check
verified, so that the next check verifies only what came or changed since (issue 15 §5).

A checkpoint records the audit trail's position (events verified from the first one) and the hash of the
event there, when the last full check ran, and the fingerprints of the stored files (size, mtime, ctime,
inode) whose SHA-256 that check confirmed. An incremental check (``bertahap``, the default):

  - confirms that the stored event at the checkpoint's position still has the checkpoint's hash, then
    verifies the chain only from there on (the events before are covered by the chain up to that hash);
  - checks the records changed since (what a backend can tell: TinyDB's partition files, PostgreSQL's rows);
  - re-hashes only the files whose fingerprint changed, plus a rolling sample of the rest (``SAMPLE_RUNS``:
    each file once every 50 runs, ~2% a run), and counts the files it skipped.

A missing checkpoint (the first check, or removed) is a note; an unreadable, foreign or tampered one (its
HMAC seal does not match) is a finding ``titik_periksa``: either way the check is a full one (``penuh``), as
with ``--penuh``. The checkpoint is written only after a clean check (a tampered checkpoint apart, which the
full check has just replaced the need for). A note ``periksa_penuh_lama`` says when the last full check is
older than ``FULL_AFTER_DAYS``.

The seal is an HMAC-SHA256 over the checkpoint's canonical JSON, keyed by the register's identity: it detects
damage, hand edits and a checkpoint copied from another register. Like the audit trail's own chain and
anchor, it cannot stop someone who can rewrite the register with sakti's own code; ``--penuh`` checks
everything regardless of any checkpoint.

The backends store the checkpoint (TinyDB: ``data/register/periksa.titik``, never backed up or restored;
PostgreSQL: a row of the office) and read their trail and files; what is stored, sealed, sampled and decided
is here, once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sakti_cli.core.storage import stat_key

CHECKPOINT_KIND = "titik-periksa-sakti"
CHECKPOINT_VERSION = 1
SAMPLE_RUNS = 50
"""An unchanged file is re-hashed once every this many incremental checks (a rolling ~2% each run)."""
FULL_AFTER_DAYS = 30
"""A note ``periksa_penuh_lama`` when the last full check is older than this."""

FULL: Literal["penuh"] = "penuh"
INCREMENTAL: Literal["bertahap"] = "bertahap"

# The reasons (``alasan``) a check is full or incremental, as staff read them.
REASON_ASKED = "diminta (--penuh)"
REASON_MISSING = "belum ada titik periksa (pemeriksaan pertama atau titik periksa dihapus)"
REASON_INVALID = "titik periksa rusak atau segelnya tidak cocok"
REASON_HEAD = "peristiwa audit di titik periksa tidak lagi sama dengan yang tercatat"
REASON_SHORTER = "jejak audit lebih pendek dari titik periksa"
REASON_SINCE = "sejak titik periksa"
REASON_TRAIL = "jejak audit sebelum titik periksa berubah"
REASON_UNUSED = "tanpa titik periksa (salinan atau pulihan register)"


class CheckpointInvalid(Exception):
    """A stored checkpoint that cannot be used: unreadable, of another kind or version, or its seal wrong."""

    def __init__(self, pesan: str) -> None:
        super().__init__(pesan)
        self.pesan = pesan


@dataclass(frozen=True)
class Checkpoint:
    """What the last clean check verified.

    ``events``: how many events of the trail were verified, from the first; ``head``: the hash of the last of
    them; ``locator``: where the backend finds that event again (TinyDB: ``"2026-12.jsonl:1234"``, the audit
    file and line; PostgreSQL: the row's sequence), opaque here. ``full_at``: when the last full check ran
    (ISO); ``checked_at``: when this check ran. ``run``: the incremental checks since the last full one (the
    rolling sample's turn). ``files``: stored file (the name the backend gives it) -> :func:`fingerprint`,
    for each file whose SHA-256 was confirmed. ``records``: whatever the backend needs to tell changed
    records (TinyDB: partition file -> fingerprint), opaque here.
    """

    events: int
    head: str
    locator: str
    full_at: str
    checked_at: str
    run: int = 0
    files: Mapping[str, str] = field(default_factory=dict)
    records: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"peristiwa": self.events, "kepala": self.head, "letak": self.locator,
                "penuh_terakhir": self.full_at, "diperiksa": self.checked_at, "putaran": self.run,
                "berkas": _plain(self.files), "catatan": _plain(self.records)}

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        if not isinstance(data, dict):
            raise CheckpointInvalid("isi titik periksa bukan objek")
        try:
            made = cls(events=data["peristiwa"], head=data["kepala"], locator=data["letak"],
                       full_at=data["penuh_terakhir"], checked_at=data["diperiksa"], run=data["putaran"],
                       files=data["berkas"], records=data["catatan"])
        except KeyError as exc:
            raise CheckpointInvalid(f"titik periksa tanpa '{exc.args[0]}'") from None
        ok = (isinstance(made.events, int) and not isinstance(made.events, bool) and made.events >= 0
              and isinstance(made.head, str) and isinstance(made.locator, str) and isinstance(made.run, int)
              and isinstance(made.full_at, str) and isinstance(made.checked_at, str)
              and _str_map(made.files) and _str_map(made.records))
        if not ok:
            raise CheckpointInvalid("isi titik periksa tidak sah")
        try:
            datetime.fromisoformat(made.full_at)
            datetime.fromisoformat(made.checked_at)
        except ValueError:
            raise CheckpointInvalid("waktu di titik periksa tidak sah") from None
        return made


def _plain(mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping as a dict for JSON, not copied when it is one (100,000 files: ~8 MB a copy)."""
    return mapping if isinstance(mapping, dict) else dict(mapping)


def _str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


# --- sealing -------------------------------------------------------------------------------------
def seal_key(identity: str) -> bytes:
    """The HMAC key of a register's checkpoint: bound to what identifies the register (TinyDB: its folder
    and creation time; PostgreSQL: the office's row), so a checkpoint of another register does not fit."""
    return hashlib.sha256(f"{CHECKPOINT_KIND}/{CHECKPOINT_VERSION}\0{identity}".encode()).digest()


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


_TAIL = b'"versi":%d}' % CHECKPOINT_VERSION  # how the canonical JSON of every stored checkpoint ends


def _seal_piece(mac: str) -> bytes:
    return b'"segel":"%s",' % mac.encode("ascii")


def seal(checkpoint: Checkpoint, key: bytes) -> bytes:
    """The stored form: ``{"jenis", "versi", "isi", "segel"}``, the seal an HMAC-SHA256 of the rest, all in
    canonical JSON. The seal is spliced in where its key sorts (before ``versi``) rather than the whole
    encoded a second time: a checkpoint of 100,000 letters is ~20 MB of JSON."""
    body = _canonical({"jenis": CHECKPOINT_KIND, "versi": CHECKPOINT_VERSION, "isi": checkpoint.to_json()})
    mac = hmac.new(key, body, hashlib.sha256).hexdigest()
    cut = len(body) - len(_TAIL)
    return b"".join((memoryview(body)[:cut], _seal_piece(mac), _TAIL))


def unseal(data: bytes, key: bytes) -> Checkpoint:
    """The checkpoint in ``data`` (as :func:`seal` wrote it); :class:`CheckpointInvalid` if it is not one,
    of another version, or its seal does not match (changed, damaged, or another register's). The seal is
    checked on the stored bytes with the seal taken out, which must be the canonical JSON it was made over."""
    try:
        stored = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise CheckpointInvalid("titik periksa tidak terbaca (bukan JSON)") from None
    if not isinstance(stored, dict) or stored.get("jenis") != CHECKPOINT_KIND:
        raise CheckpointInvalid("berkas itu bukan titik periksa sakti")
    if stored.get("versi") != CHECKPOINT_VERSION:
        raise CheckpointInvalid(f"titik periksa versi {stored.get('versi')!r}, bukan {CHECKPOINT_VERSION}")
    wrong = CheckpointInvalid("segel titik periksa tidak cocok: isinya diubah atau milik register lain")
    mac = stored.get("segel")
    if not isinstance(mac, str) or not mac.isascii():
        raise wrong
    piece = _seal_piece(mac)
    cut = len(data) - len(_TAIL) - len(piece)
    if cut < 0 or not data.endswith(_TAIL) or data[cut:cut + len(piece)] != piece:
        raise wrong
    check = hmac.new(key, memoryview(data)[:cut], hashlib.sha256)
    check.update(_TAIL)
    if not hmac.compare_digest(mac, check.hexdigest()):
        raise wrong
    return Checkpoint.from_json(stored.get("isi"))


# --- files ---------------------------------------------------------------------------------------
fingerprint = stat_key
"""A stored file's fingerprint (core.storage.stat_key): ``size:mtime_ns:ctime_ns:inode``."""


def fingerprint_of(path: str | os.PathLike[str]) -> str | None:
    """The fingerprint of the file at ``path`` (not following a final symlink's target is the caller's
    business: this stats what ``path`` names), or None when it cannot be read."""
    try:
        return fingerprint(os.stat(path))
    except OSError:
        return None


def sampled(name: str, run: int) -> bool:
    """Is an unchanged file ``name`` re-hashed on incremental run ``run``? Each name has its turn once every
    ``SAMPLE_RUNS`` runs (a stable CRC of its name, not Python's per-process hash)."""
    return zlib.crc32(name.encode("utf-8", "surrogateescape")) % SAMPLE_RUNS == run % SAMPLE_RUNS


HASH, SAMPLE, SKIP = "hitung", "sampel", "lewati"


def file_action(checkpoint: Checkpoint | None, name: str, current: str | None, run: int) -> str:
    """What an incremental check does with one stored file: ``HASH`` it (no checkpoint, not in it, or its
    fingerprint changed), ``SAMPLE`` it (unchanged, its turn in the rolling sample), or ``SKIP`` it."""
    if checkpoint is None or current is None or checkpoint.files.get(name) != current:
        return HASH
    return SAMPLE if sampled(name, run) else SKIP


@dataclass
class FileCounts:
    """``berkas_dihitung`` (hashed because new or changed, or on a full check), ``berkas_sampel`` (unchanged,
    hashed as the rolling sample), ``berkas_dilewati`` (unchanged, trusted from the checkpoint)."""

    hashed: int = 0
    sampled: int = 0
    skipped: int = 0

    def count(self, action: str) -> None:
        if action == HASH:
            self.hashed += 1
        elif action == SAMPLE:
            self.sampled += 1
        else:
            self.skipped += 1


# --- the decision --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """How this check runs: ``mode`` ``FULL`` or ``INCREMENTAL``, why (``reason``), from which event the
    chain is verified (``from_event``: 0 = the first), and the checkpoint it starts from (incremental only)."""

    mode: str
    reason: str
    from_event: int = 0
    checkpoint: Checkpoint | None = None

    @property
    def incremental(self) -> bool:
        return self.mode == INCREMENTAL

    @property
    def run(self) -> int:
        """This run's turn in the rolling sample."""
        return self.checkpoint.run + 1 if self.checkpoint is not None else 0


@dataclass(frozen=True)
class Loaded:
    """A stored checkpoint as read: the checkpoint, or why there is none usable (``missing`` / ``invalid``)."""

    checkpoint: Checkpoint | None = None
    missing: bool = False
    invalid: str | None = None


def load(data: bytes | None, key: bytes) -> Loaded:
    """``data`` as stored (None: there is none) -> :class:`Loaded`."""
    if data is None:
        return Loaded(missing=True)
    try:
        return Loaded(checkpoint=unseal(data, key))
    except CheckpointInvalid as exc:
        return Loaded(invalid=exc.pesan)


def plan(loaded: Loaded, *, full: bool) -> Plan:
    """Full when asked (``--penuh``) or without a usable checkpoint; else incremental from its event."""
    if full:
        return Plan(FULL, REASON_ASKED)
    if loaded.checkpoint is None:
        return Plan(FULL, REASON_INVALID if loaded.invalid else REASON_MISSING)
    return Plan(INCREMENTAL, REASON_SINCE, from_event=loaded.checkpoint.events, checkpoint=loaded.checkpoint)


def confirm(chosen: Plan, stored_head: str | None, stored_events: int) -> Plan:
    """An incremental plan, once the backend has read the event at the checkpoint's position (``stored_head``,
    None when that event is gone or unreadable) and counted its trail (``stored_events``): full when the trail
    is now shorter or the event there is no longer the one verified (an event before it was changed)."""
    if not chosen.incremental or chosen.checkpoint is None:
        return chosen
    if stored_events < chosen.checkpoint.events:
        return Plan(FULL, REASON_SHORTER)
    if chosen.checkpoint.events and stored_head != chosen.checkpoint.head:
        return Plan(FULL, REASON_HEAD)
    return chosen


def loaded_findings(loaded: Loaded, where: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(problems, notes)`` about the stored checkpoint itself, shaped as the check's findings: a missing
    one is a note, an unusable one a problem ``titik_periksa`` (both followed by a full check)."""
    if loaded.invalid:
        return [{"jenis": "titik_periksa", "berkas": where,
                 "pesan": f"Titik periksa tidak dapat dipakai ({loaded.invalid}); register diperiksa penuh. "
                          "Titik periksa baru ditulis bila pemeriksaan ini bersih.",
                 "saran": "Bila tidak ada yang sengaja mengubahnya, periksa siapa yang dapat menulis ke folder "
                          "register."}], []
    if loaded.missing:
        return [], [{"jenis": "titik_periksa", "berkas": where,
                     "pesan": "Belum ada titik periksa: register diperiksa penuh; pemeriksaan berikutnya bertahap."}]
    return [], []


def head_findings(chosen: Plan, where: str) -> list[dict[str, Any]]:
    """A note when an incremental plan was turned full by :func:`confirm` (the full check then finds what
    changed in the trail)."""
    if chosen.reason in (REASON_HEAD, REASON_SHORTER, REASON_TRAIL):
        return [{"jenis": "titik_periksa", "berkas": where,
                 "pesan": f"Pemeriksaan bertahap tidak dapat dipakai: {chosen.reason}; register diperiksa penuh."}]
    return []


def stale_full_note(full_at: str | None, moment: datetime, where: str) -> dict[str, Any] | None:
    """The note ``periksa_penuh_lama`` when the last full check (ISO time) is older than FULL_AFTER_DAYS."""
    if not full_at:
        return None
    try:
        last = datetime.fromisoformat(full_at)
    except ValueError:
        return None
    if last.tzinfo is None:
        last = last.replace(tzinfo=moment.tzinfo)
    if moment - last <= timedelta(days=FULL_AFTER_DAYS):
        return None
    days = (moment - last).days
    return {"jenis": "periksa_penuh_lama", "berkas": where,
            "pesan": f"Pemeriksaan penuh terakhir {days} hari lalu ({full_at}): jalankan "
                     "'sakti register periksa --penuh' (semua PDF dihitung ulang).", "penuh_terakhir": full_at}


def next_checkpoint(chosen: Plan, *, events: int, head: str, locator: str, moment: str,
                    files: Mapping[str, str], records: Mapping[str, str] | None = None) -> Checkpoint:
    """The checkpoint a clean check leaves: after a full check its time is the last full one and the sample
    starts over; after an incremental one the full time is carried on and the sample moves one turn.
    ``files`` and ``records`` are kept as given, not copied (the caller built them for this checkpoint)."""
    previous = chosen.checkpoint
    if chosen.incremental and previous is not None:
        return replace(previous, events=events, head=head, locator=locator, checked_at=moment, run=chosen.run,
                       files=files, records=records or {})
    return Checkpoint(events=events, head=head, locator=locator, full_at=moment, checked_at=moment, run=0,
                      files=files, records=records or {})


def summary(chosen: Plan, counts: FileCounts, full_at: str | None) -> dict[str, Any]:
    """The ``pemeriksaan`` entry of ``register periksa --json``."""
    return {"cara": chosen.mode, "alasan": chosen.reason, "dari_peristiwa": chosen.from_event,
            "penuh_terakhir": full_at, "berkas_dihitung": counts.hashed, "berkas_sampel": counts.sampled,
            "berkas_dilewati": counts.skipped}


def describe(entry: Mapping[str, Any]) -> str:
    """The one line the human output gives for ``pemeriksaan``."""
    files = (f"PDF dihitung {entry['berkas_dihitung']:,}, sampel {entry['berkas_sampel']:,}, "
             f"dilewati {entry['berkas_dilewati']:,}")
    if entry["cara"] == INCREMENTAL:
        return (f"Pemeriksaan bertahap {entry['alasan']} (jejak audit mulai peristiwa {entry['dari_peristiwa']:,}; "
                f"penuh terakhir {entry['penuh_terakhir']}): {files}.")
    return f"Pemeriksaan penuh: {entry['alasan']}; {files}."
