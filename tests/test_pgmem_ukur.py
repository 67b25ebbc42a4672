"""The PostgreSQL bench's ``register periksa`` figure is the command's own peak memory, not the bench's: a child's
``ru_maxrss`` on Linux starts at the size of the process that forked it, so the builder holding every row it
wrote (922 MB at 100,000 letters) was reported as the check's peak. No time is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

from pg_server import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import register_growth_pg

BALLAST_MB = 250


def test_the_check_figure_is_the_commands_own_peak_not_its_parents(pg: Database, tmp_path: Path) -> None:
    built = register_growth_pg.build_register(pg, tmp_path / "kantor", 20, office="ukur")
    ballast = b"\x01" * (BALLAST_MB * 1024 * 1024)  # the parent as large as a builder of many letters
    measured = register_growth_pg.check_once(built)
    assert len(ballast) and measured["jenis"] == [] and measured["surat"] == 20
    assert 10 < measured["mb"] < BALLAST_MB / 2, measured
