"""bench/run.py's measuring pieces (issue 15, s.1): peak RSS of a child and its descendants read from /proc,
the verdict of a figure against its target, the JSON report. No timing is asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import run as bench  # bench/run.py

# a child that holds ~60 MB, and a grandchild that holds ~120 MB, both for a moment
GROW = ("import subprocess, sys, time\n"
        "big = bytearray(60_000_000)\n"
        "subprocess.run([sys.executable, '-c', 'import time; x = bytearray(120_000_000); time.sleep(0.4)'])\n"
        "time.sleep(0.1)\n")


def test_peak_memory_of_the_process_and_of_its_children_is_read() -> None:
    done = bench.run([sys.executable, "-c", GROW], env={}, memory=True)
    assert done.returncode == 0
    assert 55 < done.rss_mb < 110  # its own peak, not its child's
    assert done.child_rss_mb > 110 and done.children_rss_mb > 110


def test_without_memory_nothing_is_polled() -> None:
    done = bench.run([sys.executable, "-c", "print('ok')"], env={})
    assert done.stdout.strip() == "ok" and done.rss_mb == 0


def test_each_figure_is_judged_against_its_target_and_reported(tmp_path: Path) -> None:
    report = bench.Report("uji")
    report.add(bench.Figure("mulai", "cepat", 1.1, 1.5, 0.1, 0.09))
    report.add(bench.Figure("mulai", "lambat", 2.5, 2.0, 0.2, 0.08))
    report.add(bench.Figure("loket", "belum dibuat", None, 0.5, catatan="belum ada"))
    report.add(bench.Figure("mulai", "tanpa target", 1.8, None))
    assert [f.hasil for f in report.figures] == ["MEMENUHI", "BELUM", "BELUM ADA", "-"]
    saved = json.loads(json.dumps(report.as_json()))
    assert [f["hasil"] for f in saved["angka"]] == ["MEMENUHI", "BELUM", "BELUM ADA", "-"]
    assert saved["mode"] == "uji" and saved["angka"][0]["rasio"] == 1.1


def test_the_cache_key_follows_the_register_code() -> None:
    assert bench.cache_key() == bench.cache_key() and len(bench.cache_key()) == 12


def test_the_pg_reading_register_is_found_by_the_cli_through_sakti_toml(pg: Any, tmp_path: Path) -> None:
    """bench/run.py's section ``baca`` on PostgreSQL: a register built by COPY at a yearly rate (all letters this
    month) whose applications carry their search keys, the workspace pointed at its office by sakti.toml (url
    without the password, a 0600 password file): ``sakti surat`` lists the month and finds a name, with neither
    SAKTI_REGISTER_URL nor PGPASSWORD in the environment."""
    import os
    import stat
    import subprocess

    import register_growth
    import register_growth_pg

    built = register_growth_pg.build_register(pg, tmp_path / "kantor", 24, office="baca", per_year=20_000)
    register_growth_pg.point_workspace(built)
    root = Path(built["kantor"])
    assert built["sandi"] not in (root / "sakti.toml").read_text(encoding="utf-8")
    assert stat.S_IMODE((root / register_growth_pg.SECRET_FILE).stat().st_mode) == 0o600
    env = {key: value for key, value in os.environ.items()
           if key not in ("SAKTI_REGISTER_URL", "PGPASSWORD", "SAKTI_KANTOR")}
    env["SAKTI_WAKTU"] = register_growth.NOW
    month = register_growth.NOW[:7]

    def listed(*args: str) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "sakti_cli", "--kantor", str(root), "surat", *args, "--json"],
                              capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    assert listed("--bulan", month)["jumlah"] == 24  # every letter this month: the yearly rate, not five years
    name = register_growth.bench_name(3 + (len(register_growth._months()) - 1) * 10000)  # REG-...-0004's applicant
    found = listed("--nama", name.upper())
    assert found["jumlah"] >= 1 and all(row["pemohon"] == name for row in found["surat"]), found["surat"][:3]
