"""The CLI reference (docs/referensi-cli.md), generated from the commands' own --help.

A test compares the committed file with a fresh rendering, so the reference never drifts.
"""

from __future__ import annotations

import os
from typing import Any


def _commands(group: Any, prefix: list[str]) -> list[list[str]]:
    """Every leaf command and group as argv paths, in registration order."""
    found: list[list[str]] = []
    for info in group.registered_commands:
        found.append([*prefix, info.name or info.callback.__name__])
    for sub in group.registered_groups:
        name = sub.name or sub.typer_instance.info.name
        found.append([*prefix, name])
        found.extend(_commands(sub.typer_instance, [*prefix, name]))
    return found


def command_paths() -> list[list[str]]:
    from sakti_cli.cli.app import app

    return _commands(app, [])


def command_names() -> list[str]:
    return [" ".join(path) for path in command_paths()]


def _help(args: list[str]) -> str:
    from typer.testing import CliRunner

    from sakti_cli.cli.app import app

    os.environ["COLUMNS"] = "100"
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "100", "TERM": "dumb"})
    return result.stdout.rstrip()


def render_reference() -> str:
    parts = [
        "# Referensi perintah `sakti`",
        "",
        "Dibuat otomatis dari `--help` setiap perintah (`make docs`); jangan diubah dengan tangan.",
        "",
        "```",
        _help([]),
        "```",
    ]
    for path in command_paths():
        parts += ["", f"## sakti {' '.join(path)}", "", "```", _help(path), "```"]
    return "\n".join(parts) + "\n"


INDEX = "sakti_cli/cli/index.py"


def render_index() -> str:
    """sakti_cli/cli/index.py: every top-level command in the root's order, its module and its help's first
    paragraph, so the root --help of ``sakti`` lists them without importing a command module (cli/app.py)."""
    import typer.main

    from sakti_cli.cli.app import MODULES, app, part

    owner: dict[str, str] = {}
    for module in MODULES:
        for info in [*part(module).registered_commands, *part(module).registered_groups]:
            owner[str(getattr(info, "name", ""))] = module
    lines = ['"""The top-level commands for the root --help (sakti_cli/cli/app.py): written by \'make docs\'',
             '(scripts/buat_referensi.py) from the command modules; do not edit by hand."""', "",
             "# ruff: noqa: E501", "COMMANDS: dict[str, tuple[str, str]] = {"]
    for name, command in typer.main.get_group(app).commands.items():
        first = " ".join((command.help or "").split("\n\n")[0].split())
        lines.append(f"    {name!r}: ({owner[name]!r}, {first!r}),")
    return "\n".join([*lines, "}", ""])
