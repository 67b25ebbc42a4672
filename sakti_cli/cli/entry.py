"""The ``sakti`` entry point: hands a served command to the resident worker's fork server before anything
heavy is imported (sakti_cli.cli.launch), else runs the Typer app (sakti_cli.cli.app)."""

from __future__ import annotations

import sys


def _served_by_worker(argv: list[str]) -> int | None:
    from sakti_cli.cli.launch import run_in_worker

    return run_in_worker(argv)


def main() -> None:
    code = _served_by_worker(sys.argv)
    if code is not None:
        sys.exit(code)
    from sakti_cli.cli.app import main as run

    run()
