"""bench/register_growth_pg.py keeps working (issue 15 §5 on PostgreSQL): a small register built by bulk SQL is a
sound register (``register periksa`` finds nothing but the PDFs the builder does not write), and each measured
operation runs in a fresh process. No time is asserted (tests never assert wall-clock times)."""

from __future__ import annotations

import sys
from pathlib import Path

from pg_server import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import register_growth_pg

from sakti_cli.register.pg.check import check_pg_register
from sakti_cli.register.pg.connect import connect


def test_the_bulk_built_register_is_sound_and_measured(pg: Database, tmp_path: Path) -> None:
    built = register_growth_pg.build_register(pg, tmp_path / "kantor", 60, office="bench")
    assert built["peristiwa_audit"] == 60 * 4 + 2 * register_growth_pg.SPARE
    with connect(built["url"], password=built["sandi"]) as conn:
        result = check_pg_register(conn, tmp_path)
    kinds = {problem["jenis"] for problem in result["masalah"]}
    assert kinds == {"pdf_hilang", "berkas_hilang"}, result["masalah"][:3]  # no file is written: only records
    assert result["ringkasan"]["terbit"] == 60 and result["ringkasan"]["peristiwa"] == built["peristiwa_audit"]
    assert register_growth_pg.check_once(built)["jenis"] == ["berkas_hilang", "pdf_hilang"]
    for op in ("langkah", "sha256"):
        extra = {"reg": built["cadangan"][0]} if op == "langkah" else {"key": built["sampel"][op]}
        assert register_growth_pg.run_once(built, op, **extra) > 0
