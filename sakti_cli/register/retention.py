"""Retention of requirement scans (``sakti bersihkan``): KTP/KK scans are personal data (UU 27/2022).

The scans of a FINISHED application (TERBIT or DITOLAK) whose last change is older than the
retention period are deleted; the register entry stays. The record is marked first (what was
deleted, when, why, by whom; each file entry gets ``dihapus``) together with one audit event
``hapus_berkas`` per application, in one transaction; the files are deleted after that commit. A
crash in between leaves files that the record already calls deleted: the next run removes them.
The record's ``diubah`` is left alone: removing scans is not a change of the application.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sakti_cli.core.clock import iso, now
from sakti_cli.core.errors import InputError
from sakti_cli.register.applications import FINAL_STATES
from sakti_cli.register.session import ApplicationFilter

MAX_DAYS = 36500


def _files_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entries in (record.get("berkas") or {}).values() for entry in entries
            if isinstance(entry, dict)]


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _due(record: dict[str, Any], cutoff: datetime, folder: Path) -> bool:
    if record.get("status") not in FINAL_STATES:
        return False
    try:
        changed = datetime.fromisoformat(str(record.get("diubah")))
    except ValueError:
        return False
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=cutoff.tzinfo)
    if changed >= cutoff:
        return False
    pending = [e for e in _files_of(record) if not e.get("dihapus")]
    return bool(pending) or folder.exists()


def parse_days(value: int | str) -> int:
    text = str(value).strip()
    days = int(text) if text.lstrip("-").isdigit() and not isinstance(value, bool) else None
    if days is None or days < 1 or days > MAX_DAYS:
        raise InputError(f"--lebih-dari harus bilangan bulat hari dari 1 sampai {MAX_DAYS}, tertulis '{value}'.",
                         saran="Contoh: sakti bersihkan --lebih-dari 365 --uji")
    return days


def purge_scans(ws: Any, register: Any, days: int | str, *, dry_run: bool = False) -> dict[str, Any]:
    """Delete (or with ``dry_run`` only list) the scans of finished applications older than ``days``."""
    from sakti_cli.register.backup import remove_stale_snapshots

    days = parse_days(days)
    if not dry_run:
        remove_stale_snapshots(ws.data_dir)  # a dead backup's hard links would keep deleted scans alive
    moment = now(ws.zone)
    cutoff = moment - timedelta(days=days)
    reason = f"masa simpan {days} hari lewat (sakti bersihkan --lebih-dari {days})"
    chosen: list[dict[str, Any]] = []
    with register.transaction() as txn:
        # registered after the cutoff: changed after it too (only those months are read)
        for record in list(txn.applications(ApplicationFilter(sampai=cutoff.date()))):
            reg = record["nomor_registrasi"]
            folder = ws.files_dir / reg
            if not _due(record, cutoff, folder):
                continue
            pending = [e for e in _files_of(record) if not e.get("dihapus")]
            names = sorted(str(e.get("berkas")) for e in pending)
            chosen.append({"nomor_registrasi": reg, "layanan": record.get("layanan"),
                           "status": record["status"], "diubah": record.get("diubah"),
                           "berkas": names, "ukuran": _size(folder), "sisa_saja": not pending})
            if dry_run or not pending:
                continue
            stamp = iso(txn.moment)
            for entry in pending:
                entry["dihapus"] = stamp
            note = {"waktu": stamp, "petugas": txn.actor, "alasan": reason, "berkas": names}
            record["berkas_dihapus"] = note
            txn.save_application(record)  # not applications.save_application: ``diubah`` stays
            txn.audit("hapus_berkas", reg, {"berkas": len(pending)}, {"berkas": 0}, alasan=reason,
                      berkas=names, status=record["status"], diubah=record.get("diubah"))
    if not dry_run:
        for item in chosen:
            folder = ws.files_dir / item["nomor_registrasi"]
            for name in item["berkas"]:
                register.store.forget(folder / name)
            shutil.rmtree(folder, ignore_errors=True)  # what else a run left there
    return {"lebih_dari": days, "batas": iso(cutoff), "waktu": iso(moment), "uji": dry_run,
            "permohonan": chosen, "jumlah": len(chosen),
            "jumlah_berkas": sum(len(item["berkas"]) for item in chosen),
            "ukuran": sum(int(item["ukuran"]) for item in chosen)}
