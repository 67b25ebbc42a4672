"""One output object per command: a person's view (Rich, people's text on stderr) or ``--json``.

With ``--json`` stdout holds exactly one JSON object and nothing else; every message for people,
progress and warning goes to stderr in both modes.

Commands that stream rows (imports, batches) print JSON Lines instead: :meth:`Output.row` writes one
compact object per line, each with ``jenis`` naming its kind (``{"jenis": "baris", ...}``; one schema per
kind); once a row was written, the command's result is the last line, ``{"jenis": "ringkasan", "ok": ...}``,
or its error, ``{"jenis": "galat", "ok": false, "error": {...}}``. Every line is a whole JSON object, so a
script reads the stream line by line and always ends on a ``ringkasan`` or ``galat`` line.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.segment import Segment

from sakti_cli.cli.errors import saran_for
from sakti_cli.core.errors import SaktiError
from sakti_cli.core.text import escape_json_text, printable


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


class SafeConsole(Console):
    """A Console that never sends a raw control character it was given to the terminal.

    Names, codes and paths come from citizens' files; an ``ESC [2J`` or an RLO in them would clear or
    reorder the clerk's screen. Every text segment is passed through :func:`printable` after Rich has
    laid it out and before it adds its own colour codes (control segments are Rich's, and kept)."""

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Any:
        for segment in super().render(renderable, options):
            if segment.control is None and segment.text:
                text = printable(segment.text)
                if text != segment.text:
                    segment = Segment(text, segment.style)
            yield segment

    def render_str(self, text: str, **kwargs: Any) -> Any:
        """Markup that does not parse (a name with ``[/]`` in a table cell) is shown as written, not a crash."""
        from rich.errors import MarkupError

        try:
            return super().render_str(text, **kwargs)
        except MarkupError:
            return super().render_str(text, **{**kwargs, "markup": False})


def _json_text(value: dict[str, Any]) -> str:
    return escape_json_text(json.dumps(value, ensure_ascii=False, indent=2, default=_default)) + "\n"


def json_line(value: dict[str, Any]) -> str:
    """One JSON Lines record: a whole object on one line (newlines inside strings are escaped by JSON)."""
    return escape_json_text(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)) + "\n"


class Output:
    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.streaming = False  # a row was written: the result and errors are JSON Lines too
        self.out = SafeConsole(width=_width(), highlight=False, soft_wrap=False)
        self.err = SafeConsole(stderr=True, width=_width(), highlight=False)

    # --- for people, always on stderr -------------------------------------------------------------
    def info(self, text: str) -> None:
        self.err.print(text)

    def step(self, text: str) -> None:
        if not self.json_mode:
            self.err.print(f"[dim]… {text}[/dim]")

    def warn(self, text: str) -> None:
        self.err.print(f"[yellow]Peringatan:[/yellow] {text}")

    # --- the result ---------------------------------------------------------------------------
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
        saran = saran_for(exc)
        if self.json_mode:
            body: dict[str, Any] = {"kode": exc.kode, "pesan": exc.pesan, "saran": saran}
            if exc.detail:
                body["detail"] = exc.detail
            self._write_json("galat", {"ok": False, "error": body})
        self.err.print(f"[bold red]Galat:[/bold red] {escape(exc.pesan)}", markup=True, highlight=False)
        self.err.print(f"[cyan]Saran:[/cyan] {escape(saran)}")
