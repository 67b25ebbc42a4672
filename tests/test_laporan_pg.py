"""The report on the PostgreSQL register: the same two months (tests/laporan_data.py) written through the register
interface into an office of a real PostgreSQL database, then every figure checked against the tests' own count,
as tests/test_laporan_register.py does on TinyDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from laporan_data import Built, build, check_payload
from register_backends import Backend, pg_module  # noqa: F401
from test_laporan_register import _add_holiday, write_records

from sakti_cli.reports.period import ReportPeriod


def test_report_on_postgresql(pg_module: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace
    from sakti_cli.reports.monthly import compute

    monkeypatch.setenv("SAKTI_WAKTU", "2026-12-01T10:00:00+07:00")
    ws = create_workspace(tmp_path / "kantor", DEMO_OFFICE)
    _add_holiday(ws.root)
    backend = Backend("postgresql", ws.root, office=pg_module.office("laporan"))
    try:
        built: Built = build(per_day=3)  # fewer than on TinyDB: the same cases, a shorter write
        register = backend.desk("uji")
        write_records(register, built)
        assert register.backend == "postgresql"
        check_payload(compute(ws, register, ReportPeriod.month(2026, 11)), built)
    finally:
        backend.close()
