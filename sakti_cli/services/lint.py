"""``sakti sop periksa``: every SOP file of a workspace, the templates they name, the form mappings, the calendar
and the survey's mapping.

Above the SOP loader (it also runs the template lint and the Google Form mapping check), so the loader
never imports them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sakti_cli.core.errors import ConfigError
from sakti_cli.services.sop import Service, list_service_files, load_service_file


def lint_sop_dir(ws: Any) -> tuple[list[str], list[dict[str, str]]]:
    """Every SOP file of a workspace, its template's placeholders (the same check as ``sakti templat
    periksa``, without the PDF), the Google Form mappings beside them (sop/gform/) and the holiday
    calendar: (files checked, problems)."""
    from sakti_cli.documents.template_lint import lint_templates
    from sakti_cli.services.rules.kalender import CALENDAR_NAME, parse_calendar

    sop_dir = ws.sop_dir

    checked: list[str] = []
    problems: list[dict[str, str]] = []

    def shown(path: Path) -> str:  # every path in JSON is absolute
        return str(path.resolve())

    loaded: dict[str, Service | None] = {}
    for path in list_service_files(sop_dir):
        checked.append(shown(path))
        loaded[path.stem] = None
        try:
            service = load_service_file(path)
        except ConfigError as exc:
            found = exc.detail.get("masalah") or [{"kolom": "(akar)", "pesan": exc.pesan}]
            problems += [{"berkas": shown(path), **p} for p in found]
            continue
        loaded[path.stem] = service
        report = lint_templates(ws, [service], layout=False)[0]
        problems += [{"berkas": shown(path), "kolom": "templat", "pesan": p["pesan"]} for p in report.masalah]
    from sakti_cli.intake.gform import lint_maps

    maps_checked, map_problems = lint_maps(sop_dir, loaded)
    checked += [shown(path) for path in maps_checked]
    problems += [{**p, "berkas": shown(Path(p["berkas"]))} for p in map_problems]
    from sakti_cli.reports.skm import MAP_NAME, load_map

    def check_file(path: Path, parse: Any) -> None:
        checked.append(shown(path))
        try:
            parse(path)
        except ConfigError as exc:
            found = exc.detail.get("masalah") or [{"kolom": "(akar)", "pesan": exc.pesan}]
            problems.extend({"berkas": shown(path), **p} for p in found)

    calendar = sop_dir / CALENDAR_NAME
    if calendar.is_file():
        check_file(calendar, parse_calendar)
    else:
        problems.append({"berkas": shown(calendar), "kolom": "(akar)",
                         "pesan": "kalender libur tidak ada: aturan hari kerja memakai kalender bawaan paket"})
    survey = sop_dir / MAP_NAME  # the satisfaction survey's mapping (sakti laporan skm), when the office has one
    if survey.is_file():
        check_file(survey, load_map)
    return checked, problems
