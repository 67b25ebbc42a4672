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
    root = typer.main.get_group(app)
    for name, command in root.commands.items():
        first = " ".join((command.help or "").split("\n\n")[0].split())
        lines.append(f"    {name!r}: ({owner[name]!r}, {first!r}),")
    lines += ["}", "",
              "# The parameters the start-up path of these commands parses itself (sakti_cli/cli/fast.py), as Typer",
              "# declares them: option -> (parameter, takes a value); arguments in order.",
              "GLOBAL_OPTIONS: dict[str, tuple[str, bool]] = {",
              *(f"    {flag!r}: {entry!r}," for flag, entry in _options(root).items()), "}",
              "FAST_COMMANDS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, bool]]]] = {"]
    for name in FAST:
        command = root.commands[name]
        arguments = tuple(str(p.name) for p in command.params if p.param_type_name == "argument")
        lines.append(f"    {name!r}: ({arguments!r}, {{")
        lines += [f"        {flag!r}: {entry!r}," for flag, entry in _options(command).items()]
        lines.append("    }),")
    return "\n".join([*lines, "}", ""])


FAST = ("status",)
"""The commands with a start-up path of their own (sakti_cli/cli/fast.py)."""


def _options(command: Any) -> dict[str, tuple[str, bool]]:
    """Each option spelling of a click command -> (its parameter's name, whether it takes a value)."""
    found: dict[str, tuple[str, bool]] = {}
    for param in command.params:
        if param.param_type_name == "option":
            for flag in [*param.opts, *param.secondary_opts]:
                found[flag] = (str(param.name), not param.is_flag)
    return found
