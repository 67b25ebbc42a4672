"""One output object per command: a person's view (Rich, people's text on stderr) or ``--json``.

With ``--json`` stdout holds exactly one JSON object and nothing else; every message for people,
progress and warning goes to stderr in both modes.

Commands that stream rows (imports, batches) declare it first (:meth:`Output.stream`) and print JSON Lines
instead: :meth:`Output.row` writes one compact object per line, each with ``jenis`` naming its kind
(``{"jenis": "baris", ...}``; one schema per kind); the command's result is the last line,
``{"jenis": "ringkasan", "ok": ...}``, or its error, ``{"jenis": "galat", "ok": false, "error": {...}}``, also
when it fails before its first row (an unreadable file). Every line is a whole JSON object, so a
script reads the stream line by line and always ends on a ``ringkasan`` or ``galat`` line.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from sakti_cli.cli.errors import saran_for
from sakti_cli.core.errors import SaktiError
from sakti_cli.core.text import escape_json_text

if TYPE_CHECKING:
    from rich.console import Console

# Rich is imported when a person's text is printed, not for ``--json`` (the start-up of 'sakti status
# --json', sakti_cli/cli/fast.py): the consoles are sakti_cli/cli/console.py's, made on first use.


def _width() -> int | None:
    value = os.environ.get("SAKTI_LEBAR") or os.environ.get("COLUMNS")
    return int(value) if value and value.isdigit() else None


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):  # every path in JSON is absolute (one shape per concept)
        return str(value.resolve())
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"tidak dapat dijadikan JSON: {type(value).__name__}")


def _json_text(value: dict[str, Any]) -> str:
    return escape_json_text(json.dumps(value, ensure_ascii=False, indent=2, default=_default)) + "\n"


def json_line(value: dict[str, Any]) -> str:
    """One JSON Lines record: a whole object on one line (newlines inside strings are escaped by JSON)."""
    return escape_json_text(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)) + "\n"


class Output:
    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.streaming = False  # a row was written: the result and errors are JSON Lines too
        self._out: Console | None = None
        self._err: Console | None = None

    def _console(self, stderr: bool) -> Console:
        from sakti_cli.cli.console import SafeConsole

        if stderr:
            return SafeConsole(stderr=True, width=_width(), highlight=False)
        return SafeConsole(width=_width(), highlight=False, soft_wrap=False)

    @property
    def out(self) -> Console:
        """The console for a person's result (stdout)."""
        if self._out is None:
            self._out = self._console(stderr=False)
        return self._out

    @property
    def err(self) -> Console:
        """The console for messages, progress and errors (stderr)."""
        if self._err is None:
            self._err = self._console(stderr=True)
        return self._err

    # --- for people, always on stderr -------------------------------------------------------------
    def info(self, text: str) -> None:
        self.err.print(text)

    def step(self, text: str) -> None:
        if not self.json_mode:
            self.err.print(f"[dim]… {text}[/dim]")

    def warn(self, text: str) -> None:
        self.err.print(f"[yellow]Peringatan:[/yellow] {text}")

    # --- the result ---------------------------------------------------------------------------
    def stream(self) -> None:
        """This command streams rows: with ``--json`` every line it prints, its error too, is a JSON Lines
        record, so a script reading line by line never meets a pretty-printed object."""
        if self.json_mode:
            self.streaming = True

    def row(self, jenis: str, payload: dict[str, Any], human: Callable[[Console], None] | None = None) -> None:
        """One row of a streaming command: a JSON Lines record ``{"jenis": jenis, ...}`` with ``--json``."""
        if self.json_mode:
            self.streaming = True
            sys.stdout.write(json_line({"jenis": jenis, **payload}))
            sys.stdout.flush()
        elif human is not None:
            human(self.out)

    def _write_json(self, jenis: str, value: dict[str, Any]) -> None:
        sys.stdout.write(json_line({"jenis": jenis, **value}) if self.streaming else _json_text(value))
        sys.stdout.flush()

    def result(self, payload: dict[str, Any], human: Callable[[Console], None] | None = None, *,
               ok: bool = True) -> None:
        if self.json_mode:
            self._write_json("ringkasan", {"ok": ok, **payload})
        elif human is not None:
            human(self.out)

    def error(self, exc: SaktiError, debug: bool = False) -> None:
        from rich.markup import escape

        saran = saran_for(exc)
        if self.json_mode:
            body: dict[str, Any] = {"kode": exc.kode, "pesan": exc.pesan, "saran": saran}
            if exc.detail:
                body["detail"] = exc.detail
            self._write_json("galat", {"ok": False, "error": body})
        self.err.print(f"[bold red]Galat:[/bold red] {escape(exc.pesan)}", markup=True, highlight=False)
        self.err.print(f"[cyan]Saran:[/cyan] {escape(saran)}")


class _MaskingFile:
    """A stream that masks NIK/KK numbers in everything written through it (a safety net)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _target(self) -> Any:
        return getattr(sys, self.name)

    def write(self, text: str) -> int:
        from sakti_cli.core.privacy import mask_text

        return int(self._target().write(mask_text(text)) or 0)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._target(), attr)


class PrivateOutput(Output):
    """Output that masks NIK and KK numbers in every result, message and error unless revealed."""

    def __init__(self, json_mode: bool, reveal: bool) -> None:
        super().__init__(json_mode)
        self.reveal = reveal

    def _console(self, stderr: bool) -> Console:
        console = super()._console(stderr)
        if not self.reveal:
            console.file = cast(IO[str], _MaskingFile("stderr" if stderr else "stdout"))
        return console

    def result(self, payload: dict[str, Any], human: Callable[[Any], None] | None = None, *,
               ok: bool = True) -> None:
        from sakti_cli.core.privacy import mask_payload

        super().result(payload if self.reveal else mask_payload(payload), human, ok=ok)

    def row(self, jenis: str, payload: dict[str, Any], human: Callable[[Any], None] | None = None) -> None:
        from sakti_cli.core.privacy import mask_payload

        super().row(jenis, payload if self.reveal else mask_payload(payload), human)

    def error(self, exc: SaktiError, debug: bool = False) -> None:
        if not self.reveal:
            from sakti_cli.core.privacy import mask_payload, mask_text

            exc.pesan = mask_text(exc.pesan)
            exc.saran = mask_text(exc.saran) if exc.saran else exc.saran
            exc.detail = mask_payload(exc.detail)
        super().error(exc, debug)


def open_closed_streams() -> None:
    """A script that started sakti with stdin, stdout or stderr closed (``sakti ... >&-``): the missing
    descriptor is opened on /dev/null, so what would be printed goes nowhere instead of failing, and no file
    opened later takes descriptor 0-2 (a child process would read or write it as its own)."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115
