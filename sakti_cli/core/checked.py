"""Checked snapshots (``data/teruji.json``): the validated, plain-data form of a workspace's own files.

A command that validates a file (``sakti.toml``, an SOP, the holiday calendar) with its pydantic model may
keep what it found here, keyed by the file's fingerprint (size, mtime in nanoseconds and SHA-256). The
start-up path of ``sakti status`` (sakti_cli/cli/fast.py) reads these instead of importing pydantic; any
snapshot whose fingerprint is not the file's now (edited, moved, removed) is a miss, and a miss means the
full path runs, validates and writes it again. The file is written atomically, 0600 (it may name the
office's clerk); a damaged or unwritable one costs only time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sakti_cli.core.errors import SaktiError

NAME = "teruji.json"
VERSION = 1
ENTRIES_MAX = 200  # old SOPs and services no longer asked for are forgotten beyond this


def fingerprint(path: Path) -> str | None:
    """``size:mtime_ns:sha256`` of a file, or None when it cannot be read."""
    try:
        with path.open("rb") as handle:
            stat = path.stat()
            digest = hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}:{digest}"


def fingerprints(sources: Sequence[Path]) -> dict[str, str | None]:
    return {str(path): fingerprint(path) for path in sources}


def _entries(data_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((data_dir / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("versi") != VERSION or not isinstance(data.get("isi"), dict):
        return {}
    return data["isi"]


def recall(data_dir: Path, key: str, sources: Sequence[Path]) -> Any | None:
    """The snapshot of ``key`` when every one of its ``sources`` is still the file it was made from."""
    entry = _entries(data_dir).get(key)
    if not isinstance(entry, dict) or "isi" not in entry:
        return None
    now = fingerprints(sources)
    if None in now.values() or entry.get("sumber") != now:
        return None
    return entry["isi"]


def remember(data_dir: Path, key: str, sources: Sequence[Path], build: Callable[[], Any]) -> None:
    """Keep ``build()`` (the sources validated again, as plain JSON data) as the snapshot of ``key``, unless
    the one kept is current. The fingerprints are taken before ``build`` reads the files: a file edited
    meanwhile leaves a snapshot that no longer matches it (a miss), never a stale one that does."""
    before = fingerprints(sources)
    if None in before.values() or not data_dir.is_dir():
        return
    entries = _entries(data_dir)
    entry = entries.get(key)
    if isinstance(entry, dict) and entry.get("sumber") == before and "isi" in entry:
        return
    try:
        value = build()
    except (SaktiError, OSError):  # not valid (the full path says so itself): nothing to keep
        return
    entries = _entries(data_dir)  # read again: another process may have added its own
    entries.pop(key, None)
    entries[key] = {"sumber": before, "isi": value}
    kept = dict(list(entries.items())[-ENTRIES_MAX:])
    payload = json.dumps({"versi": VERSION, "isi": kept}, ensure_ascii=False, indent=1, sort_keys=False).encode()
    from sakti_cli.core.storage import atomic_write

    with contextlib.suppress(OSError):  # a snapshot that cannot be written only costs the full path next time
        atomic_write(data_dir / NAME, payload)
