"""The ``sakti`` program (``sakti`` script and ``python -m sakti_cli``): the resident worker's fork server
(sakti_cli/cli/launch.py, before anything heavy is imported), then the start-up path of ``status``
(sakti_cli/cli/fast.py), then the Typer application (sakti_cli/cli/app.py).

A run of a heavy command (the fork server's: ``terbitkan``, ``tandatangani``, ``ttd``, ``verifikasi``) that went
through the Typer application here ends with :func:`_exit`: the steps of the interpreter's own
exit that do anything a user or a file sees (non-daemon threads joined, exit hooks, streams flushed), without
its teardown of every module (pyHanko, docxtpl, pypdf and the rest: a quarter of a second at the desk)."""

from __future__ import annotations

import sys


def _served_by_worker(argv: list[str]) -> int | None:
    """The exit code when the office's resident worker ('sakti latar mulai') ran the command, else None."""
    from sakti_cli.cli.launch import run_in_worker

    return run_in_worker(argv)


def _exit(code: object) -> None:
    """Exit with ``code`` (a SystemExit's) as the interpreter would, minus the module teardown: the threads'
    exit step and a join of non-daemon threads, the atexit hooks (temporary folders, logging), a message
    code on stderr, the streams flushed, then os._exit."""
    import atexit
    import contextlib
    import os
    import threading

    status = 0
    if code is None or isinstance(code, int):
        status = code or 0
    else:
        with contextlib.suppress(Exception):
            sys.stderr.write(f"{code}\n")
        status = 1
    shutdown = getattr(threading, "_shutdown", None)
    if callable(shutdown):
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    os._exit(status & 0xFF if status >= 0 else 1)


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
    from sakti_cli.cli.launch import heavy

    if not heavy(sys.argv):
        typer_main()
        return
    try:
        typer_main()
    except SystemExit as exc:
        _exit(exc.code)
    _exit(0)
