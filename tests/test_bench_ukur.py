"""bench/run.py's measuring pieces (issue 15, s.1): peak RSS of a child and its descendants read from /proc,
the verdict of a figure against its target, the JSON report. No timing is asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

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
