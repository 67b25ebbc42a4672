"""``periksa``: the SOP's requirements applied to one application.

Every requirement gives one line (OK / KURANG / TIDAK_VALID) with a reason in Indonesian and what to
bring; the application becomes LENGKAP only when no line is KURANG or TIDAK_VALID.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sakti_cli.applications import application_dir, change_state, find_application, save_application
from sakti_cli.clock import iso
from sakti_cli.office import Workspace
from sakti_cli.registry import Register
from sakti_cli.sop import Requirement, Service

OK, MISSING, INVALID = "OK", "KURANG", "TIDAK_VALID"


@dataclass(frozen=True)
class CheckLine:
    kode: str
    syarat: str
    status: str
    pesan: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _age_line(req: Requirement, data: dict[str, Any], today: date) -> CheckLine | None:
    if req.umur is None or not data.get(req.umur.kolom):
        return None
    issued = date.fromisoformat(data[req.umur.kolom])
    age = (today - issued).days
    if age < 0:
        return CheckLine(req.kode, req.nama, INVALID,
                         f"tanggal {req.umur.kolom} ({issued:%d-%m-%Y}) di masa depan: periksa isian tanggalnya")
    if age > req.umur.maks_hari:
        return CheckLine(req.kode, req.nama, INVALID,
                         f"sudah {age} hari sejak {issued:%d-%m-%Y}, paling lama {req.umur.maks_hari} hari: "
                         "minta surat yang baru")
    return None


def check_requirement(req: Requirement, entries: list[dict[str, Any]], folder: Path, data: dict[str, Any],
                      today: date) -> CheckLine:
    from sakti_cli.rules.berkas import check_file

    if not entries:
        if req.wajib and req.jumlah_min > 0:
            return CheckLine(req.kode, req.nama, MISSING, f"belum dilampirkan: bawa/unggah {req.nama}")
        return CheckLine(req.kode, req.nama, OK, "tidak dilampirkan (tidak wajib)")
    if len(entries) < req.jumlah_min:
        return CheckLine(req.kode, req.nama, MISSING,
                         f"baru {len(entries)} berkas, dibutuhkan paling sedikit {req.jumlah_min}")
    if len(entries) > req.jumlah_maks:
        return CheckLine(req.kode, req.nama, INVALID,
                         f"{len(entries)} berkas, paling banyak {req.jumlah_maks}")
    for entry in entries:
        path = folder / entry["berkas"]
        if not path.exists():
            return CheckLine(req.kode, req.nama, MISSING,
                             f"berkas {entry['nama_asli']} hilang dari folder kantor: lampirkan ulang")
        result = check_file(path, list(req.jenis_berkas), req.ukuran_maks_kb, max_pages=req.halaman_maks)
        if not result.ok:
            message = result.pesan.replace(path.name, entry["nama_asli"])
            return CheckLine(req.kode, req.nama, INVALID, message)
    aged = _age_line(req, data, today)
    if aged is not None:
        return aged
    count = f"{len(entries)} berkas" if len(entries) > 1 else entries[0]["nama_asli"]
    return CheckLine(req.kode, req.nama, OK, f"sesuai ({count})")


def evaluate(ws: Workspace, service: Service, record: dict[str, Any], today: date) -> list[CheckLine]:
    folder = application_dir(ws, record["nomor_registrasi"])
    return [
        check_requirement(req, record["berkas"].get(req.kode, []), folder, record["data"], today)
        for req in service.persyaratan
    ]


def check_application(ws: Workspace, register: Register, service: Service, reg: str, today: date
                      ) -> tuple[dict[str, Any], list[CheckLine]]:
    """Evaluate outside the lock (file checks can be slow), then record the outcome."""
    with register.transaction() as txn:
        snapshot = find_application(txn, reg)
    lines = evaluate(ws, service, snapshot, today)
    complete = all(line.status == OK for line in lines)
    new = "LENGKAP" if complete else "BELUM_LENGKAP"
    with register.transaction() as txn:
        record = find_application(txn, reg)
        if record["berkas"] != snapshot["berkas"] or record["data"] != snapshot["data"]:
            lines = evaluate(ws, service, record, today)  # changed meanwhile: check what is there now
            complete = all(line.status == OK for line in lines)
            new = "LENGKAP" if complete else "BELUM_LENGKAP"
        before = record["status"]
        failed = [line.kode for line in lines if line.status != OK]
        change_state(txn, record, new, "kurang: " + ", ".join(failed) if failed else "semua persyaratan sesuai",
                     allowed_from=("DITERIMA", "LENGKAP", "BELUM_LENGKAP"))
        record["periksa"] = {"waktu": iso(txn.moment), "lengkap": complete,
                             "hasil": [line.to_dict() for line in lines]}
        save_application(txn, record)
        txn.audit("periksa", record["nomor_registrasi"], before, new, kurang=failed)
    return record, lines
