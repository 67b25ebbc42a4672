"""``periksa``: the SOP's requirements and rules applied to one application.

Every requirement, every per-item requirement of a list (``ahli_waris.ktp``) and every data rule
(``aturan``) gives one line (OK / KURANG / TIDAK_VALID) with a reason in Indonesian and what to bring
or fix; the application becomes LENGKAP only when no line is KURANG or TIDAK_VALID. Rules run first:
one may make an optional requirement required (parents' consent under 21).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sakti_cli.core.clock import iso
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.applications import (
    application_dir,
    change_state,
    find_application,
    present_scans,
    save_application,
)
from sakti_cli.register.session import Application, Register
from sakti_cli.register.states import ApplicationStatus
from sakti_cli.services.sop import FieldSpec, Requirement, Service

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


def _original_line(req: Requirement, data: dict[str, Any], required: bool) -> CheckLine:
    if req.kode in (data.get("asli") or []):
        return CheckLine(req.kode, req.nama, OK, "asli sudah diperlihatkan di loket")
    if required:
        return CheckLine(req.kode, req.nama, MISSING,
                         f"bawa {req.nama} (asli) ke loket; petugas mencatatnya sebagai 'asli: [{req.kode}]'")
    return CheckLine(req.kode, req.nama, OK, "tidak diperlihatkan (tidak wajib)")


def _one_file(req: Requirement, entry: dict[str, Any], folder: Path) -> str | None:
    from sakti_cli.services.rules.berkas import check_file

    path = folder / entry["berkas"]
    if not path.exists():
        return f"berkas {entry['nama_asli']} hilang dari folder kantor: lampirkan ulang"
    result = check_file(path, list(req.jenis_berkas), req.ukuran_maks_kb, max_pages=req.halaman_maks,
                        min_pages=req.halaman_min)
    return None if result.ok else result.pesan.replace(path.name, entry["nama_asli"])


def check_requirement(req: Requirement, entries: list[dict[str, Any]], folder: Path, data: dict[str, Any],
                      today: date, required: bool | None = None, because: str | None = None) -> CheckLine:
    """One requirement's line; ``required`` overrides the SOP's ``wajib`` (a rule made it required,
    ``because`` names that rule)."""
    required = req.wajib if required is None else required
    if req.asli:
        return _original_line(req, data, required)
    if not entries:
        if required and req.jumlah_min > 0:
            why = f" (wajib karena: {lower_first(because)})" if because else ""
            return CheckLine(req.kode, req.nama, MISSING, f"belum dilampirkan: bawa/unggah {req.nama}{why}")
        return CheckLine(req.kode, req.nama, OK, "tidak dilampirkan (tidak wajib)")
    if len(entries) < req.jumlah_min:
        return CheckLine(req.kode, req.nama, MISSING,
                         f"baru {len(entries)} berkas, dibutuhkan paling sedikit {req.jumlah_min}")
    if len(entries) > req.jumlah_maks:
        return CheckLine(req.kode, req.nama, INVALID,
                         f"{len(entries)} berkas, paling banyak {req.jumlah_maks}")
    for entry in entries:
        problem = _one_file(req, entry, folder)
        if problem is not None:
            status = MISSING if "hilang dari folder" in problem else INVALID
            return CheckLine(req.kode, req.nama, status, problem)
    aged = _age_line(req, data, today)
    if aged is not None:
        return aged
    count = f"{len(entries)} berkas" if len(entries) > 1 else entries[0]["nama_asli"]
    return CheckLine(req.kode, req.nama, OK, f"sesuai ({count})")


def lower_first(text: str) -> str:
    from sakti_cli.services.rules.engine import lower_first as lower

    return lower(text)


def check_item_requirement(spec: FieldSpec, req: Requirement, items: list[dict[str, Any]],
                           entries: list[dict[str, Any]], folder: Path) -> CheckLine:
    """A per-item requirement (the KTP of every heir): each item's file, found by the name given next
    to the item; an item that names no file takes the next file not claimed by another item."""
    code, name = f"{spec.kode}.{req.kode}", f"{req.nama} (setiap {lower_first(spec.label)})"
    if not items:
        return CheckLine(code, name, OK, f"tidak berlaku: daftar {lower_first(spec.label)} kosong")
    from sakti_cli.core.text import safe_file_name

    by_name: dict[str, dict[str, Any]] = {}
    for entry in entries:  # names compared cleaned: records from before names were cleaned match too
        by_name.setdefault(safe_file_name(entry["nama_asli"]), entry)
    claimed = {safe_file_name(given) for item in items if (given := (item.get("berkas") or {}).get(req.kode))}
    spare = [e for e in entries if safe_file_name(e["nama_asli"]) not in claimed]
    missing: list[str] = []
    invalid: list[str] = []
    for index, item in enumerate(items):
        who = f"{lower_first(spec.label)} ke-{index + 1}" + (f" ({item['nama']})" if item.get("nama") else "")
        wanted = (item.get("berkas") or {}).get(req.kode)
        found: dict[str, Any] | None = (by_name.get(safe_file_name(wanted)) if wanted
                                        else (spare.pop(0) if spare else None))
        if found is None:
            if req.wajib:
                missing.append(f"{who}: {'berkas ' + wanted + ' belum dilampirkan' if wanted else 'belum ada'}")
            continue
        problem = _one_file(req, found, folder)
        if problem is not None:
            (missing if "hilang dari folder" in problem else invalid).append(f"{who}: {problem}")
    if invalid:
        return CheckLine(code, name, INVALID, "; ".join(invalid + missing))
    if missing:
        return CheckLine(code, name, MISSING, f"bawa/unggah {req.nama}: " + "; ".join(missing))
    return CheckLine(code, name, OK, f"sesuai ({len(items)} {lower_first(spec.label)})")


def registration_date(ws: Workspace, record: Application) -> date:
    return datetime.fromisoformat(record["dibuat"]).astimezone(ws.zone).date()


def _rules(ws: Workspace, service: Service, data: dict[str, Any], registered: date, today: date, reg: str
           ) -> tuple[list[Any], dict[str, str]]:
    """The data rules' results, and which requirements they make required (code -> the rule's syarat)."""
    from sakti_cli.services.rules.engine import Context, evaluate_rules
    from sakti_cli.services.rules.kalender import Calendar, load_calendar

    loaded: list[Calendar] = []

    def calendar() -> Calendar:
        if not loaded:
            loaded.append(load_calendar(ws.sop_dir))
        return loaded[0]

    context = Context(service=service, data=data, registered=registered, today=today,
                      desa=list(ws.config.kantor.desa), kecamatan=ws.config.kantor.kecamatan, calendar=calendar,
                      reg=reg)
    rule_results = evaluate_rules(context)
    because: dict[str, str] = {}
    for result in rule_results:
        for code in result.wajibkan:
            because.setdefault(code, result.syarat)
    return rule_results, because


def evaluate(ws: Workspace, service: Service, record: Application, today: date) -> list[CheckLine]:
    folder = application_dir(ws, record["nomor_registrasi"])
    data = record["data"]
    rule_results, because = _rules(ws, service, data, registration_date(ws, record), today,
                                   record["nomor_registrasi"])
    lines = [
        check_requirement(req, record["berkas"].get(req.kode, []), folder, data, today,
                          required=req.wajib or req.kode in because, because=because.get(req.kode))
        for req in service.persyaratan
    ]
    for spec, req in service.item_requirements():
        lines.append(check_item_requirement(spec, req, data.get(spec.kode) or [],
                                            record["berkas"].get(f"{spec.kode}.{req.kode}", []), folder))
    lines += [CheckLine(r.kode, r.syarat, r.status, r.pesan) for r in rule_results]
    return lines


def expected_missing(ws: Workspace, service: Service, data: dict[str, Any], given: set[str], today: date
                     ) -> list[str]:
    """A dry run's forecast of ``periksa`` for an application not registered yet: the data rules that
    fail and the requirements (the SOP's, or made required by a rule) with no file ``given``. The files'
    contents and per-item files are judged only once they are registered."""
    rule_results, because = _rules(ws, service, data, today, today, "REG")
    lines = [check_requirement(req, [], Path(), data, today, required=req.wajib or req.kode in because)
             for req in service.persyaratan if req.asli or req.kode not in given]
    lines += [CheckLine(r.kode, r.syarat, r.status, r.pesan) for r in rule_results]
    return sorted({line.kode for line in lines if line.status != OK})


def next_steps(service: Service, reg: str, lines: list[CheckLine]) -> list[str]:
    """What to do about each failed line, as the command that fixes it: a missing or wrong file is
    attached again (its own code), an original is shown at the desk, a data rule is fixed with
    ``ubah``, and a rule whose akibat is ``tolak`` cannot be fixed: the application is refused."""
    rules = {rule.kode: rule for rule in service.aturan}
    steps: list[str] = []
    for line in lines:
        if line.status == OK:
            continue
        rule = rules.get(line.kode)
        req = service.requirement(line.kode)
        if rule is not None and rule.akibat == "tolak":
            step = f"{line.kode}: tidak dapat dilengkapi; tolak dengan 'sakti tolak {reg} --alasan \"...\"'"
        elif rule is not None:
            step = f"{line.kode}: perbaiki data pemohon dengan 'sakti ubah {reg} --data BERKAS'"
        elif req is not None and req.asli:
            step = f"{line.kode}: setelah aslinya diperlihatkan, 'sakti lengkapi {reg} --asli {line.kode}'"
        else:
            verb = "lampirkan" if line.status == MISSING else "ganti berkasnya"
            step = f"{line.kode}: {verb} dengan 'sakti lengkapi {reg} --berkas {line.kode}=BERKAS'"
        if step not in steps:
            steps.append(step)
    return steps


def check_application(ws: Workspace, register: Register, service: Service, reg: str, today: date
                      ) -> tuple[Application, list[CheckLine]]:
    """Evaluate outside the lock (file checks can be slow), then record the outcome."""
    with register.reading() as txn:
        snapshot = find_application(txn, reg)
    present_scans(ws, register, snapshot)
    lines = evaluate(ws, service, snapshot, today)
    complete = all(line.status == OK for line in lines)
    new = ApplicationStatus.LENGKAP if complete else ApplicationStatus.BELUM_LENGKAP
    with register.transaction() as txn:
        record = find_application(txn, reg)
        if record["berkas"] != snapshot["berkas"] or record["data"] != snapshot["data"]:
            present_scans(ws, register, record)
            lines = evaluate(ws, service, record, today)  # changed meanwhile: check what is there now
            complete = all(line.status == OK for line in lines)
            new = ApplicationStatus.LENGKAP if complete else ApplicationStatus.BELUM_LENGKAP
        before = record["status"]
        failed = [line.kode for line in lines if line.status != OK]
        change_state(txn, record, new, "kurang: " + ", ".join(failed) if failed else "semua persyaratan sesuai",
                     action="periksa")
        record["periksa"] = {"waktu": iso(txn.moment), "lengkap": complete,
                             "hasil": [line.to_dict() for line in lines]}
        save_application(txn, record)
        txn.audit("periksa", record["nomor_registrasi"], before, new, kurang=failed)
    return record, lines


def service_clock(ws: Workspace, service: Service, record: Application, moment: datetime) -> dict[str, Any]:
    """``waktu_layanan`` of an application (:func:`sakti_cli.services.rules.workdays.service_clock`), counted
    on the workspace's holiday calendar."""
    from sakti_cli.services.rules.kalender import load_calendar
    from sakti_cli.services.rules.workdays import service_clock as count

    return count(ws.zone, service.standar_pelayanan.jangka_waktu, record, moment, lambda: load_calendar(ws.sop_dir))
