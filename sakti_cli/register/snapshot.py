"""A whole register as plain data, whichever backend holds it: what ``register salin`` copies.

:mod:`sakti_cli.register.tiny_bulk` and :mod:`sakti_cli.register.pg.bulk` read a register into a
:class:`RegisterSnapshot` and write one into an empty register; :mod:`sakti_cli.register.copy` moves it between
them. Only the backend-neutral parts are kept: a TinyDB letter's partition (``bulan``) and its per-month letter
counters (``surat|YYYY-MM``) are the TinyDB backend's own and rebuilt by its writer; PostgreSQL's row order and
leases are its own. The audit trail is kept as its stored lines, byte for byte, so its hashes stay as they are.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sakti_cli.core.errors import RegisterCorrupt
from sakti_cli.register.session import letter_digests
from sakti_cli.register.states import LetterStatus
from sakti_cli.register.tiny.registry import LETTER_COUNTER
from sakti_cli.register.trail import GENESIS, event_hash

BACKEND_LETTER_KEYS = ("bulan",)
"""Keys of a stored letter that belong to one backend (TinyDB's partition), never copied."""
BACKEND_COUNTER_PREFIX = LETTER_COUNTER.split("{", 1)[0]
"""``surat|``: TinyDB's letters per month (which block a letter goes to), rebuilt by its writer."""


@dataclass(frozen=True)
class StoredFile:
    """A scan or PDF the register names: its place under the workspace and the digest recorded for it."""

    path: str  # relative to the workspace: data/berkas/REG/…, data/surat/YYYY/MM/…, data/antrean/…
    sha256: str
    owner: str  # the registration or letter number, for messages


@dataclass
class RegisterSnapshot:
    """Everything a register holds, in a backend-neutral form (see the module's docstring)."""

    where: str  # the source, for people (a folder, or postgresql://role@host/db)
    applications: list[dict[str, Any]] = field(default_factory=list)  # in registration order
    letters: list[dict[str, Any]] = field(default_factory=list)  # in the order reserved
    counters: dict[str, int] = field(default_factory=dict)  # registrasi|YYYYMM and the letter scopes
    number_starts: list[dict[str, Any]] = field(default_factory=list)  # ``nomor mulai``, in order recorded
    batch_rows: dict[str, str] = field(default_factory=dict)  # SHA-256 of a batch row key -> registration
    nik_index: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # SHA-256 of a NIK -> applications
    events: list[str] = field(default_factory=list)  # the audit trail's stored lines, in chain order
    open_reservations: list[dict[str, Any]] = field(default_factory=list)  # {id, nomor_surat}
    queue: list[str] = field(default_factory=list)  # ids of the letters MENUNGGU_TTD, in the order prepared

    def head(self) -> str:
        return str(json.loads(self.events[-1])["hash"]) if self.events else GENESIS

    def summary(self) -> dict[str, Any]:
        """The figures a copy reports (and that must be the same on both sides)."""
        statuses: dict[str, int] = {}
        for letter in self.letters:
            statuses[str(letter.get("status"))] = statuses.get(str(letter.get("status")), 0) + 1
        return {"permohonan": len(self.applications), "surat": len(self.letters), "status_surat": statuses,
                "penghitung": len(self.counters), "nomor_mulai": len(self.number_starts),
                "antrean_ttd": len(self.queue), "kunci_baris": len(self.batch_rows),
                "indeks_nik": len(self.nik_index), "peristiwa": len(self.events), "kepala_audit": self.head()}


def neutral_letter(letter: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in letter.items() if k not in BACKEND_LETTER_KEYS}


def neutral_counters(counters: dict[str, int]) -> dict[str, int]:
    return {k: int(v) for k, v in counters.items() if not k.startswith(BACKEND_COUNTER_PREFIX)}


def files_of(snapshot: RegisterSnapshot) -> list[StoredFile]:
    """The files the records name, each once: scans not purged, the stored PDF of every letter that has one
    (its last revision), the unsigned PDF of a letter waiting for its signatory."""
    found: dict[str, StoredFile] = {}
    for record in snapshot.applications:
        reg = str(record.get("nomor_registrasi"))
        for entries in (record.get("berkas") or {}).values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and entry.get("berkas") and entry.get("sha256") and not entry.get("dihapus"):
                    path = f"data/berkas/{reg}/{entry['berkas']}"
                    found[path] = StoredFile(path, str(entry["sha256"]), reg)
    for letter in snapshot.letters:
        number = str(letter.get("nomor_surat"))
        digests = letter_digests(letter)
        if letter.get("pdf") and digests and letter.get("status") != LetterStatus.DIPESAN:
            found[str(letter["pdf"])] = StoredFile(str(letter["pdf"]), digests[-1], number)
        if letter.get("status") == LetterStatus.MENUNGGU_TTD and letter.get("pdf_belum_ttd") \
                and letter.get("sha256_belum_ttd"):
            found[str(letter["pdf_belum_ttd"])] = StoredFile(str(letter["pdf_belum_ttd"]),
                                                             str(letter["sha256_belum_ttd"]), number)
    for item in found.values():
        _safe_place(item)
    return list(found.values())


def _safe_place(item: StoredFile) -> None:
    """A recorded place under data/berkas, data/surat or data/antrean, never outside (a hostile record)."""
    parts = item.path.split("/")
    if (item.path.startswith("/") or ".." in parts or "" in parts or len(parts) < 3
            or parts[0] != "data" or parts[1] not in ("berkas", "surat", "antrean")):
        raise RegisterCorrupt(f"Register mencatat berkas {item.path!r} untuk {item.owner}, di luar data/berkas, "
                              "data/surat atau data/antrean; tidak disalin.",
                              saran="Jalankan 'sakti register periksa' pada register asal.")


def chain_break(lines: list[str]) -> dict[str, Any] | None:
    """Where the trail's chain breaks: the first event (its number from 1, id, action, object, time) whose line
    does not parse, whose ``prev`` is not the previous event's hash, or whose hash does not recompute; None
    when every event verifies."""
    previous = GENESIS
    for number, line in enumerate(lines, 1):
        try:
            event = json.loads(line)
            if not isinstance(event, dict):
                raise ValueError(line)
        except (ValueError, RecursionError):
            return {"nomor": number, "id": None, "aksi": None, "objek": None, "waktu": None,
                    "sebab": "baris tidak terbaca"}
        reason = None
        if event.get("prev") != previous:
            reason = "tidak tersambung ke peristiwa sebelumnya"
        elif event_hash(event) != event.get("hash"):
            reason = "isinya diubah (hash tidak cocok)"
        if reason is not None:
            return {"nomor": number, "id": event.get("id"), "aksi": event.get("aksi"), "objek": event.get("objek"),
                    "waktu": event.get("waktu"), "sebab": reason}
        previous = str(event["hash"])
    return None


def describe_break(found: dict[str, Any]) -> str:
    what = f"peristiwa ke-{found['nomor']}"
    if found.get("id"):
        what += f" (id {found['id']}, {found['aksi']} {found['objek']}, {found['waktu']})"
    return f"{what} {found['sebab']}"


def fingerprint(snapshot: RegisterSnapshot) -> dict[str, str]:
    """One SHA-256 per part, in a form both backends give alike (letters and applications by their keys, the
    trail as its lines): a copy read back must give the same fingerprint as its source."""

    def digest(value: Any) -> str:
        return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    return {
        "permohonan": digest(sorted(snapshot.applications, key=lambda r: str(r.get("nomor_registrasi")))),
        "surat": digest(sorted((neutral_letter(x) for x in snapshot.letters), key=lambda r: str(r.get("id")))),
        "penghitung": digest(neutral_counters(snapshot.counters)),
        "nomor_mulai": digest(snapshot.number_starts),
        "kunci_baris": digest(snapshot.batch_rows),
        "indeks_nik": digest({k: sorted(v, key=lambda e: str(e.get("nomor_registrasi")))
                              for k, v in snapshot.nik_index.items()}),
        "antrean_ttd": digest(sorted(snapshot.queue)),
        "terbuka": digest(sorted(str(r.get("id")) for r in snapshot.open_reservations)),
        "jejak_audit": digest(snapshot.events),
    }


def differences(source: RegisterSnapshot, copy: RegisterSnapshot) -> list[str]:
    """The parts in which a copy read back differs from its source ([] when none)."""
    mine, theirs = fingerprint(source), fingerprint(copy)
    return [part for part in mine if mine[part] != theirs[part]]
