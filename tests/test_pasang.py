"""The set-up script on a machine that has everything: it must touch no package manager and print nothing
(it ran apt-get at random before: `fc-list | grep -q` under pipefail died of SIGPIPE); it leaves sakti's
modules byte-compiled, also where Python writes no bytecode itself."""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_installed_machine_needs_no_network(tmp_path: Path) -> None:
    guard = tmp_path / "bin"
    guard.mkdir()
    for name in ("apt-get", "sudo", "pip"):  # any call to these here is a bug: they would reach the network
        script = guard / name
        script.write_text(f"#!/bin/sh\necho {name} >> {tmp_path / 'dipanggil'}\nexit 1\n")
        script.chmod(0o755)
    env = {**os.environ, "PATH": f"{guard}:{os.environ['PATH']}", "VENV": str(Path(sys.executable).parent.parent),
           "PYTHONDONTWRITEBYTECODE": "1"}
    gone = Path(importlib.util.cache_from_source(str(REPO / "sakti_cli" / "cli" / "fast.py")))
    gone.unlink(missing_ok=True)  # as after a fresh clone: compiled again by the set-up, not by a run
    for _ in range(12):
        run = subprocess.run(["bash", str(REPO / "scripts" / "pasang.sh")], capture_output=True, text=True,
                             env=env, stdin=subprocess.DEVNULL, timeout=120)
        assert run.returncode == 0, run.stderr
        assert run.stdout == "" and run.stderr == ""
    assert not (tmp_path / "dipanggil").exists()
    for source in (REPO / "sakti_cli").rglob("*.py"):  # each one's bytecode there and current
        compiled = Path(importlib.util.cache_from_source(str(source)))
        assert compiled.is_file(), source
        header = compiled.read_bytes()[:16]
        if struct.unpack("<I", header[4:8])[0] & 1:  # hash-based (SOURCE_DATE_EPOCH set): the source's hash
            assert header[8:16] == importlib.util.source_hash(source.read_bytes()), source
        else:  # timestamp-based: the source's mtime
            assert struct.unpack("<I", header[8:12])[0] == int(source.stat().st_mtime) & 0xFFFFFFFF, source
