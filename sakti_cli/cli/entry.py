"""The ``sakti`` program (``sakti`` script and ``python -m sakti_cli``): the resident worker, then the
start-up path of ``status`` (sakti_cli/cli/fast.py), then the Typer application (sakti_cli/cli/app.py)."""

from __future__ import annotations

import sys


def _served_by_worker(argv: list[str]) -> int | None:
    """The exit code when the office's resident worker ran the command, else None.

    The call point of the resident worker ('sakti latar mulai'): it will hand ``argv`` to the worker here
    (``run_in_worker(argv)``). Until then no command is served by it."""
    return None


def main() -> None:
    from sakti_cli.cli.output import open_closed_streams

    open_closed_streams()  # before anything prints or opens a file (SaktiGroup.main does it for the Typer path)
    args = sys.argv[1:]
    served = _served_by_worker(args)
    if served is None:
        from sakti_cli.cli.fast import run

        served = run(args)
    if served is not None:
        sys.stdout.flush()
        sys.exit(served)
    from sakti_cli.cli.app import main as typer_main

    typer_main()
