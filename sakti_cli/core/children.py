"""Child processes sakti starts (LibreOffice, its uno helper): what they may know, and how long they live.

Secrets stay with the process that needs them: the passphrase or PIN of a signatory may sit in
sakti's environment (``SAKTI_SANDI``, ``SAKTI_PIN``, the variable ``sakti.toml`` names), and a child
that inherits it can leak it (a crash report, /proc/PID/environ, a program it starts). So a child's
environment is built from an allow-list (:func:`child_env`), never copied from ours, and the names
of secret variables are refused even if an allow-list entry would let them through.

A child must not outlive sakti, also when sakti is killed (SIGKILL runs no clean-up code): each one
is started in its own process group (a time-out kills the whole group) and asks the kernel for
SIGKILL when sakti dies (``PR_SET_PDEATHSIG``, Linux). The request is per process and survives
``exec``, but not a fork inside the child: start the real program (``soffice.bin``), not a wrapper
that forks it. The signal comes when the *thread* that started the child ends: start children from
the thread that will use them.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

ALLOWED = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
    "LD_LIBRARY_PATH",  # LibreOffice installed outside the system library path
    "FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT",  # the office's own font rules
    "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_DIRS", "XDG_RUNTIME_DIR",
    "UNO_PATH", "URE_BOOTSTRAP",  # where a non-Debian LibreOffice keeps its uno bridge
    "SAL_USE_VCLPLUGIN", "SAL_ENABLE_FILE_LOCKING",  # LibreOffice's own switches
})
ALLOWED_PREFIXES = ("LC_",)
SECRET_VARIABLES = {"SAKTI_SANDI", "SAKTI_PIN"}
"""Never passed on, whatever the allow-list says; :func:`note_secret_variable` adds the names a
workspace's config gives (``variabel_sandi``, ``variabel_pin``)."""

PR_SET_PDEATHSIG = 1
_prctl: Any = None


def note_secret_variable(name: str) -> None:
    """Remember that ``name`` holds a passphrase or PIN (the caller read it from the config)."""
    SECRET_VARIABLES.add(name)


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A child's environment: the allow-listed variables of ours, then ``extra``; never a secret."""
    env = {name: value for name, value in os.environ.items()
           if name in ALLOWED or name.startswith(ALLOWED_PREFIXES)}
    env.update(extra or {})
    for name in SECRET_VARIABLES:
        env.pop(name, None)
    return env


def start_child(cmd: Sequence[str], *, env: Mapping[str, str] | None = None, **popen: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` for every child of sakti: environment from :func:`child_env` (``env`` holds
    additions, e.g. a private HOME), its own process group, killed by the kernel when we die."""
    import subprocess

    return subprocess.Popen(list(cmd), env=child_env(env), start_new_session=True,
                            preexec_fn=_die_with_parent(), **popen)


def start_detached(cmd: Sequence[str], *, env: Mapping[str, str] | None = None, **popen: Any) -> subprocess.Popen[Any]:
    """The one child meant to outlive us: the resident worker (``sakti latar mulai``). Its environment
    comes from :func:`child_env` as every child's (it holds no passphrase); its own session; no death
    signal. It owns its LibreOffice by :func:`start_child`, so when it dies they die with it."""
    import subprocess

    return subprocess.Popen(list(cmd), env=child_env(env), start_new_session=True, **popen)


def kill_group(proc: subprocess.Popen[Any] | None) -> None:
    """Kill a child started by :func:`start_child` and everything in its process group, then reap it."""
    import subprocess

    if proc is None:
        return
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def group_members(groups: int | Collection[int]) -> Iterator[int]:
    """Pids of the live (not zombie) processes in a process group or groups, read from /proc."""
    wanted = {groups} if isinstance(groups, int) else set(groups)
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
            if int(fields[2]) in wanted and fields[0] != "Z":
                yield int(entry.name)
        except (OSError, IndexError, ValueError):
            continue


def _die_with_parent() -> Callable[[], None] | None:
    """The function run in the child between fork and exec. ``prctl`` is looked up here, in the parent:
    the child only calls it (no import, no library loading after fork)."""
    global _prctl
    if _prctl is None:
        try:
            import ctypes

            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):  # not Linux: children then end with their group only
            _prctl = False
    if _prctl is False:
        return None
    prctl, parent = _prctl, os.getpid()

    def tie() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # we died before the request was made: nobody will send it
            os.kill(os.getpid(), signal.SIGKILL)

    return tie


# --- who holds a reservation: a process recorded by pid, host and start time --------------------------

def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None if unavailable."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return raw[raw.rfind(")") + 2:].split()


def process_start(pid: int) -> str | None:
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def own_process() -> dict[str, Any]:
    import socket

    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "mulai": process_start(pid)}


def process_state(proses: dict[str, Any] | None) -> str:
    """``hidup``, ``mati``, or ``tidak_diketahui`` (another host, or nothing recorded)."""
    import socket

    if not isinstance(proses, dict) or not isinstance(proses.get("pid"), int):
        return "tidak_diketahui"
    if proses.get("host") != socket.gethostname():
        return "tidak_diketahui"
    pid = int(proses["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "mati"
    except PermissionError:
        pass  # exists, owned by someone else
    fields = _proc_stat(pid)
    if fields is not None:
        if fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
            return "mati"
        started = proses.get("mulai")
        if started and len(fields) > 19 and fields[19] != started:
            return "mati"  # the pid now belongs to another program
    return "hidup"
