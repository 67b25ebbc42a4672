"""The client of the fork server: ``sakti terbitkan|tandatangani|ttd|verifikasi ...`` handed to the resident
worker's fork server (sakti_cli.core.forkserver) before anything heavy is imported.

Imports the standard library only. It finds the workspace as sakti does (``--kantor``, ``SAKTI_KANTOR``,
the nearest ``sakti.toml``), and, when that workspace's fork server of this sakti version answers in its
private runtime folder, has the command run there on this run's own terminal and returns its exit code.
Otherwise (no ``sakti latar``, another version, an unsafe folder, another command) it returns None, saying
nothing, and sakti runs the command itself as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Kept equal to sakti_cli.cli.garpu.SERVED (tests/test_latar_garpu.py): that module imports the world.
SERVED = frozenset({"terbitkan", "tandatangani", "ttd", "verifikasi"})
_VALUED = ("--kantor", "--petugas")  # the global options that take a value (sakti_cli.cli.app.main_options)
_FLAGS = ("--debug", "--tampilkan-nik")


def _command(args: list[str]) -> tuple[str | None, str | None]:
    """The command word and the ``--kantor`` value of ``sakti [global options] COMMAND ...``."""
    kantor = None
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in _VALUED:
            if not eq:
                i += 1
                if i >= len(args):
                    return None, None
                value = args[i]
            if name == "--kantor":
                kantor = value
        elif arg not in _FLAGS:
            return (None if arg.startswith("-") else arg), kantor
        i += 1
    return None, kantor


def _workspace(kantor: str | None) -> Path | None:
    if kantor is not None:
        root = Path(kantor)
    elif os.environ.get("SAKTI_KANTOR"):
        root = Path(os.environ["SAKTI_KANTOR"])
    else:
        try:
            here = Path.cwd().resolve()
        except OSError:
            return None
        for folder in (here, *here.parents):
            if (folder / "sakti.toml").is_file():
                return folder
        return None
    try:
        return root.expanduser().resolve()
    except (OSError, RuntimeError):
        return None


def heavy(argv: list[str]) -> bool:
    """Whether ``argv`` (``sys.argv``) runs one of the heavy commands the fork server serves."""
    return _command(argv[1:])[0] in SERVED


def run_in_worker(argv: list[str]) -> int | None:
    """Run ``argv`` (``sys.argv``) in this workspace's fork server; its exit code, or None when not served."""
    command, kantor = _command(argv[1:])
    if command not in SERVED:
        return None
    root = _workspace(kantor)
    if root is None:
        return None
    from sakti_cli import __version__
    from sakti_cli.core.forkserver import run_client

    streams = {name: [getattr(sys, name).encoding, getattr(sys, name).errors]
               for name in ("stdin", "stdout", "stderr") if getattr(sys, name, None) is not None}
    umask = os.umask(0o077)
    os.umask(umask)
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    request = {"argv": ["sakti", *argv[1:]], "cwd": cwd, "env": dict(os.environ), "umask": umask,
               "aliran": streams}
    return run_client(root / "data" / "latar", __version__, request)
