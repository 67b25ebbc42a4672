"""``sakti laporan``: the service report of a period read from the register, and its XLSX and PDF.

The register is read in a listing session (:meth:`Register.listing`: no write lock while it runs, so the desk keeps
issuing; partitions forgotten once read), applications and letters streamed through the filtered listings of the
register interface; :mod:`sakti_cli.reports.figures` counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sakti_cli.reports.figures import ServiceInfo, build_report, read_window, report_payload
from sakti_cli.reports.period import ReportPeriod


def service_infos(services: dict[str, Any], calendar: Any) -> dict[str, ServiceInfo]:
    out = {}
    for code, service in services.items():
        limit = service.standar_pelayanan.jangka_waktu
        short = f"{limit.menit} menit" if limit.menit is not None else f"{limit.hari_kerja} hari kerja"
        out[code] = ServiceInfo(code, service.nama, calendar.limit_minutes(limit.menit, limit.hari_kerja),
                                short, hari_kerja=limit.menit is None)
    return out


def compute(ws: Any, register: Any, period: ReportPeriod) -> dict[str, Any]:
    """The report of ``period`` as data (see :func:`sakti_cli.reports.figures.report_payload`)."""
    from sakti_cli.register.search import applicant_place
    from sakti_cli.register.session import ApplicationFilter, LetterFilter
    from sakti_cli.register.states import LetterStatus
    from sakti_cli.services.rules.kalender import load_calendar
    from sakti_cli.services.sop import load_services

    services = load_services(ws.sop_dir)
    calendar = load_calendar(ws.sop_dir)
    start, end = read_window(period)

    def village_of(code: str, data: Any) -> str | None:
        return applicant_place(services.get(code), data)

    with register.listing() as session:  # no write lock while it reads: the desk keeps issuing
        report = build_report(period, service_infos(services, calendar), calendar, ws.zone,
                              session.applications(ApplicationFilter(dari=start, sampai=end)),
                              session.letters(LetterFilter(dari=start, sampai=end, status=(LetterStatus.BATAL,))),
                              session.get_application, village_of)
    payload = report_payload(report)
    payload["minutes_per_day"] = calendar.minutes_per_day()
    return payload


def duration(minutes: int | None, days: bool, per_day: int) -> str:
    """Working time for people: ``1 jam 5 menit``, or ``1,5 hari kerja`` for a standard in days."""
    from sakti_cli.services.rules.kalender import duration_text

    if minutes is None:
        return "-"
    if days:
        return f"{minutes / per_day:.1f}".replace(".", ",") + " hari kerja"
    return duration_text(minutes)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}".replace(".", ",") + "%"


def service_rows(payload: dict[str, Any]) -> list[list[Any]]:
    per_day = payload.get("minutes_per_day") or 480
    rows = []
    for item in payload["layanan"]:
        days = item["satuan"] == "hari_kerja"
        time = item["waktu"]
        rows.append([item["nama"], item["diterima"], item["lengkap"], item["terbit"], item["ditolak"], item["batal"],
                     duration(time["median_menit"], days, per_day), duration(time["p90_menit"], days, per_day),
                     item["jangka_waktu"], _percent(time["persen_dalam_batas"]), item["sebelumnya"]["terbit"]])
    return rows


SERVICE_COLUMNS = ["Layanan", "Diterima", "Lengkap", "Terbit", "Ditolak", "Batal", "Median", "P90", "Standar",
                   "Tepat waktu", "Terbit periode lalu"]
VILLAGE_COLUMNS = ["Desa/kelurahan", "Diterima", "Lengkap", "Terbit", "Ditolak", "Batal", "Tepat waktu"]


def village_rows(payload: dict[str, Any]) -> list[list[Any]]:
    return [[v["nama"], v["diterima"], v["lengkap"], v["terbit"], v["ditolak"], v["batal"],
             _percent(v["waktu"]["persen_dalam_batas"])] for v in payload["desa"]]


def _title(payload: dict[str, Any]) -> str:
    return f"Laporan Pelayanan {payload['periode']['label']}"


def _subtitle(ws: Any, payload: dict[str, Any]) -> str:
    total = payload["jumlah"]
    return (f"Kecamatan {ws.config.kantor.kecamatan}, {payload['periode']['dari']} s.d. {payload['periode']['sampai']}"
            f"; dibandingkan dengan {payload['pembanding']['label']} (terbit {total['sebelumnya']['terbit']})")


def write_xlsx(ws: Any, payload: dict[str, Any], target: Path) -> Path:
    from datetime import date

    from sakti_cli.reports import xlsx

    total = payload["jumlah"]
    intro = [_title(payload), _subtitle(ws, payload)]
    summary = [[key.capitalize(), total[key], total["sebelumnya"][key]]
               for key in ("diterima", "lengkap", "terbit", "ditolak", "batal")]
    numeric_services = [[item["nama"], item["diterima"], item["terbit"], item["ditolak"], item["batal"],
                         item["waktu"]["median_menit"], item["waktu"]["p90_menit"], item["batas_menit"],
                         item["waktu"]["persen_dalam_batas"], item["sebelumnya"]["terbit"]]
                        for item in payload["layanan"]]
    reasons = ([["Ditolak", r["alasan"], r["jumlah"]] for r in payload["alasan_tolak"]]
               + [["Batal", r["alasan"], r["jumlah"]] for r in payload["alasan_batal"]])
    sheets = [
        xlsx.Sheet("Ringkasan", ["Jumlah", payload["periode"]["label"], payload["pembanding"]["label"]], summary,
                   intro=intro, charts=[xlsx.Chart("bar", "Periode ini dan periode lalu", [2, 3])]),
        xlsx.Sheet("Layanan", ["Layanan", "Diterima", "Terbit", "Ditolak", "Batal", "Median (menit kerja)",
                               "P90 (menit kerja)", "Standar (menit kerja)", "Tepat waktu (%)", "Terbit periode lalu"],
                   numeric_services, intro=intro,
                   charts=[xlsx.Chart("bar", "Per layanan", [2, 3, 4, 5]),
                           xlsx.Chart("bar", "Terbit: periode ini dan periode lalu", [3, 10])]),
        xlsx.Sheet("Desa", VILLAGE_COLUMNS, village_rows(payload), intro=intro,
                   charts=[xlsx.Chart("bar", "Terbit per desa/kelurahan", [4])]),
        xlsx.Sheet("Harian", ["Tanggal", "Diterima", "Terbit"],
                   [[date.fromisoformat(d["tanggal"]), d["diterima"], d["terbit"]] for d in payload["harian"]],
                   intro=intro, charts=[xlsx.Chart("line", "Volume harian", [2, 3], x_title="tanggal")],
                   widths={1: 12}),
        xlsx.Sheet("Alasan", ["Jenis", "Alasan", "Jumlah"], reasons, intro=intro, widths={2: 60}),
    ]
    return xlsx.write(sheets, target)


def write_pdf(ws: Any, payload: dict[str, Any], target: Path, printed: str) -> Path:
    from sakti_cli.reports import pdf

    office = ws.config.kantor
    total = payload["jumlah"]
    services = payload["layanan"]
    days = payload["harian"]
    blocks: list[Any] = [
        pdf.Heading("Ringkasan"),
        pdf.Table(["Jumlah", payload["periode"]["label"], payload["pembanding"]["label"]],
                  [[key.capitalize(), total[key], total["sebelumnya"][key]]
                   for key in ("diterima", "lengkap", "terbit", "ditolak", "batal")]),
        pdf.Text(f"Waktu layanan (sejak berkas lengkap sampai surat terbit, menit kerja): median "
                 f"{total['waktu']['median_menit'] if total['waktu']['median_menit'] is not None else '-'}, "
                 f"persentil ke-90 {total['waktu']['p90_menit'] if total['waktu']['p90_menit'] is not None else '-'}"
                 f", tepat waktu {_percent(total['waktu']['persen_dalam_batas'])} dari "
                 f"{total['waktu']['jumlah']} surat."),
        pdf.Bars("Per layanan", [s["kode"] for s in services],
                 [("Diterima", [s["diterima"] for s in services]), ("Terbit", [s["terbit"] for s in services]),
                  ("Ditolak", [s["ditolak"] for s in services]), ("Batal", [s["batal"] for s in services])]),
        pdf.Line("Volume harian", [d["tanggal"] for d in days],
                 [("Diterima", [d["diterima"] for d in days]), ("Terbit", [d["terbit"] for d in days])]),
        pdf.Heading("Per layanan"),
        pdf.Table(SERVICE_COLUMNS[:-1], [row[:-1] for row in service_rows(payload)]),
        pdf.Bars("Tepat waktu per layanan (%)", [s["kode"] for s in services],
                 [("Tepat waktu", [s["waktu"]["persen_dalam_batas"] or 0 for s in services])]),
        pdf.Heading("Per desa/kelurahan"),
        pdf.Table(VILLAGE_COLUMNS, village_rows(payload)),
    ]
    if payload["alasan_tolak"] or payload["alasan_batal"]:
        blocks += [pdf.Heading("Alasan penolakan dan pembatalan"),
                   pdf.Table(["Alasan", "Jenis", "Jumlah"],
                             [[r["alasan"], "ditolak", r["jumlah"]] for r in payload["alasan_tolak"]]
                             + [[r["alasan"], "batal", r["jumlah"]] for r in payload["alasan_batal"]])]
    blocks += [pdf.Text(f"Catatan: {note}.") for note in payload["catatan"]]
    document = pdf.Document(pdf.Office(office.kabupaten, office.kecamatan, office.alamat), _title(payload),
                            _subtitle(ws, payload), blocks, footer=f"Dicetak {printed} oleh SAKTI")
    return pdf.write(document, target)
