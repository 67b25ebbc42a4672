"""Numbers reserved by a process that died are closed as BATAL ("proses terhenti"), never reused.

A reservation records its process (pid, host and the kernel's start time of that pid, so a pid reused
by another program is not mistaken for the owner). Every writing register step asks the session for the
open reservations (:meth:`RegisterSession.open_reservations`, O(open reservations), not a scan of letters)
and closes those whose desk is gone (:meth:`RegisterSession.reservation_abandoned`). Reading sessions
never do: they take no write lock.

What a killed run leaves on disk (staging folders of scans, scratch folders of letters, restored
copies, half-written archives, register temp files) is held under a lock while its run lives
(sakti_cli.core.scratch); :func:`sweep_leftovers` removes the unlocked ones, :func:`leftover_places`
says where to look (``register periksa`` lists them).

A process on another host cannot be checked from here: its reservation is left open and reported as
"sedang diproses" by ``sakti register periksa``.

A letter prepared without its signature (``terbitkan --tanpa-ttd``) leaves the open list when it
reaches MENUNGGU_TTD: it then waits for its signatory, not for a process, and is never closed here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sakti_cli.core.errors import NotFound, RegisterCorrupt
from sakti_cli.core.scratch import sweep
from sakti_cli.register.places import (
    RESTORE_PREFIX,
    SNAPSHOT_PREFIX,
    STAGING_PREFIX,
    WORK_PREFIX,
    leftover_pdf,
    queued_pdf,
)
from sakti_cli.register.session import Letter, RegisterSession, Reservation
from sakti_cli.register.states import LetterStatus

REASON = "proses terhenti"


def close_reservation(txn: RegisterSession, reservation: Reservation, reason: str = REASON, *,
                      workspace: Path) -> Letter | None:
    """Close one reservation as BATAL and note the number on its application. None if already closed."""
    from sakti_cli.register.applications import find_application, save_application
    from sakti_cli.register.letters import void_reserved

    letter = txn.reload_letter(reservation)
    if letter is None or letter["status"] != LetterStatus.DIPESAN:  # a stale entry of the open list
        txn.drop_reservation(reservation)
        return None
    detail: dict[str, Any] = {"pid": (letter.get("proses") or {}).get("pid")}
    pdf = leftover_pdf(workspace, letter)
    if pdf.is_file():  # signed and stored, the process died before recording it
        detail["pdf_tertinggal"] = str(pdf.relative_to(workspace))
    letter = void_reserved(txn, letter, reason, **detail)
    # prepared for the queue, the process died before recording it: the unsigned copy holds personal data
    queued_pdf(workspace, letter).unlink(missing_ok=True)
    if "pdf_tertinggal" in detail:
        letter["pdf_tertinggal"] = detail["pdf_tertinggal"]
        txn.save_letter(letter)
    reg = letter.get("nomor_registrasi")
    if not reg:  # a damaged or hand-made record: the number is closed all the same, no application to note
        return letter
    try:
        record = find_application(txn, reg)
    except NotFound:
        return letter
    if letter["nomor_surat"] not in record.setdefault("nomor_batal", []):
        record["nomor_batal"].append(letter["nomor_surat"])
        save_application(txn, record)
    return letter


def close_dead_reservations(txn: RegisterSession, workspace: Path) -> bool:
    """Run at the start of every writing register step: close the open reservations whose desk is gone.

    True when something changed (the caller then commits it at once)."""
    try:
        entries = txn.open_reservations()
    except RegisterCorrupt:
        return False  # the counters are damaged: steps that only read (status, verifikasi) still work
    changed = False
    for entry in entries:
        if txn.reservation_abandoned(entry):
            close_reservation(txn, entry, workspace=workspace)
            changed = True
    return changed


def leftover_places(register_root: Path, *, register_locked: bool) -> list[tuple[Path, str]]:
    """Where a killed run can leave personal data behind, as (folder, pattern) for scratch.sweep.

    The register's own temp files (``*.baru`` of a commit) count only while the caller holds the
    register lock: that lock is what their writer holds."""
    from sakti_cli.core.storage import TMP_SUFFIX
    from sakti_cli.register.backup import SUFFIXES

    data_dir = register_root.parent
    root = data_dir.parent
    archives = [f"*{suffix}{TMP_SUFFIX}" for suffix in SUFFIXES]
    places = [(data_dir / "berkas", f"{STAGING_PREFIX}*"), (data_dir, f"{WORK_PREFIX}*"),
              (data_dir, f"{SNAPSHOT_PREFIX}*"), (data_dir / "cadangan", f"{SNAPSHOT_PREFIX}*"),
              (data_dir / "cadangan", f"*{TMP_SUFFIX}"), (root.parent, f"{RESTORE_PREFIX}*")]
    places += [(folder, pattern) for folder in (root, root.parent) for pattern in archives]
    if register_locked:
        places.append((register_root, f"**/*{TMP_SUFFIX}"))
    return places


def sweep_leftovers(register_root: Path) -> list[Path]:
    """Run after the first writing register transaction of a run, still under the register lock:
    remove what dead runs left in and beside the workspace, and their LibreOffice folders and processes."""
    import tempfile

    from sakti_cli.documents.convert import LO_PREFIX

    places = leftover_places(register_root, register_locked=True)
    return sweep([*places, (Path(tempfile.gettempdir()), f"{LO_PREFIX}*")])
