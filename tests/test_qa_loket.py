"""A hostile desk clerk and a batch script: closed streams, odd paths and bad values, each said in Indonesian
with its documented exit code and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def _closed(redirect: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point run by a shell script that closed a stream (``sakti ... >&-``)."""
    return subprocess.run(["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m", "sakti_cli", *args],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)


@pytest.mark.parametrize("redirect", [">&-", "<&- 2>&-"])
def test_closed_streams_keep_exit_codes(kantor: Path, registered: Callable[..., str], redirect: str) -> None:
    reg = registered()
    shown = _closed(redirect, "status", reg)
    assert shown.returncode == 0, shown.stderr
    missing = _closed(redirect, "status", "REG-209901-9999", "--json")
    assert missing.returncode == 3
    for proc in (shown, missing):
        assert "Traceback" not in proc.stderr and "tak terduga" not in proc.stderr
    if "2>&-" not in redirect:
        assert "REG-209901-9999" in missing.stderr
    if not redirect.startswith(">&-"):  # stdout still open: the one JSON object is there
        assert json.loads(missing.stdout)["error"]["kode"] == "TIDAK_DITEMUKAN"
    asked = _closed(redirect, "daftar", "sktm")  # no terminal to ask: stdin is /dev/null, not a crash
    assert asked.returncode == 2 and "Traceback" not in asked.stderr
