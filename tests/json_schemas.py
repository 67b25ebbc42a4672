"""Every ``--json`` output the suite sees is checked against its command's schema in docs/skema/.

``Cli`` (conftest) calls :func:`check_output` for each in-process run with ``--json``, so the whole
suite is the schema test; test_skema_keluaran.py checks that every command has a schema.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "skema"
VALUE_OPTIONS = {"--kantor", "--petugas"}  # global options that take a value (before the command)


@cache
def command_names() -> frozenset[str]:
    from sakti_cli.cli.reference import command_names as names

    return frozenset(names())


def command_of(argv: list[str]) -> str:
    """The command an argv runs: the first non-option words, longest known name first."""
    words: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            if words:
                break
            skip = arg in VALUE_OPTIONS
            continue
        words.append(arg)
        if len(words) == 2:
            break
    for size in (2, 1):
        name = " ".join(words[:size])
        if len(words) >= size and name in command_names():
            return name
    return ""  # no command (or an unknown one): sakti's own schema, the error object only


@cache
def validator(command: str) -> Any:
    from jsonschema import Draft202012Validator

    path = SCHEMA_DIR / ((command or "sakti").replace(" ", "-") + ".json")
    assert path.is_file(), f"perintah '{command}' tidak punya skema {path} (jalankan scripts/buat_skema.py)"
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def schema_errors(command: str, payload: Any) -> list[str]:
    def where(error: Any) -> str:
        return "/".join(map(str, error.absolute_path)) or "(akar)"

    found = []
    for error in validator(command).iter_errors(payload):
        # a oneOf over the result models and the error object: say why the closest branch failed
        inner = sorted(error.context or [], key=lambda e: -len(list(e.absolute_path)))
        detail = "; ".join(f"{where(e)}: {e.message[:200]}" for e in inner[:4])
        found.append(f"{where(error)}: {detail or error.message[:300]}")
    return found


def check_output(argv: list[str], stdout: str) -> None:
    """Fail the test when a ``--json`` stdout that holds one JSON object breaks its command's schema."""
    try:
        payload = json.loads(stdout)
    except ValueError:
        return  # not one object (empty, or JSON Lines): the one-object rule is tested on its own
    command = command_of(argv)
    problems = schema_errors(command, payload)
    assert not problems, f"keluaran 'sakti {command} --json' tidak sesuai docs/skema: {problems}"
