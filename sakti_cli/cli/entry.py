"""The ``sakti`` program (``sakti`` script and ``python -m sakti_cli``): the resident worker's fork server
(sakti_cli/cli/launch.py, before anything heavy is imported), then the start-up path of ``status``
(sakti_cli/cli/fast.py), then the Typer application (sakti_cli/cli/app.py)."""

from __future__ import annotations

import sys


def _served_by_worker(argv: list[str]) -> int | None:
    """The exit code when the office's resident worker ('sakti latar mulai') ran the command, else None."""
    from sakti_cli.cli.launch import run_in_worker

    return run_in_worker(argv)


def main() -> None:
    from sakti_cli.cli.output import open_closed_streams

    open_closed_streams()  # before anything prints or opens a file (SaktiGroup.main does it for the Typer path)
    served = _served_by_worker(sys.argv)
    if served is None:
        from sakti_cli.cli.fast import run

        served = run(sys.argv[1:])
    if served is not None:
        sys.stdout.flush()
        sys.exit(served)
    from sakti_cli.cli.app import main as typer_main

    typer_main()
