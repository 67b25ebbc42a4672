"""The CLI reference (docs/referensi-cli.md), generated from the commands' own --help.

A test compares the committed file with a fresh rendering, so the reference never drifts.
"""

from __future__ import annotations

import os


def command_names() -> list[str]:
    from sakti_cli.cli.app import app

    return [info.name or "" for info in app.registered_commands]


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
    for name in command_names():
        parts += ["", f"## sakti {name}", "", "```", _help([name]), "```"]
    return "\n".join(parts) + "\n"
