"""The Rich console every person's text goes through (sakti_cli/cli/output.py makes them on first use)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from sakti_cli.core.text import printable


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
