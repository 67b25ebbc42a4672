"""The one table renderer for people's output: identifiers whole, other columns wrap or drop.

A clerk types what a table shows (registration and letter numbers, requirement codes, hashes, paths):
a column of such values is never cut or wrapped. Every column is declared with a kind; at the console's
width (``SAKTI_LEBAR``/``COLUMNS``, see :mod:`sakti_cli.cli.output`) :func:`print_table` gives the whole
columns their width, lets text columns wrap, drops the columns marked droppable (highest ``drop`` first)
while the table is too wide, and prints paths that still do not fit on their own lines under the table,
never hard-wrapped, also when piped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich import box as rich_box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

Kind = Literal["identifier", "text", "number", "time", "path"]
Cell = str | Text | None

_WHOLE = ("identifier", "number", "time", "path")  # never cut, never wrapped
_TEXT_MIN = 10  # a wrapped text column keeps at least this many cells (or its longest value, if shorter)
_WORD_MAX = 32  # and its longest word up to this (a letter number in a note), longer words fold


@dataclass(frozen=True)
class Col:
    """One column: its header, its kind, and its drop rank (0: always shown; higher drops first).

    ``beneath`` names the column this one's values move under (a second line in its cells) when it does
    not fit, instead of dropping: a letter number under its registration number."""

    header: str
    kind: Kind = "text"
    drop: int = 0
    style: str | None = None
    beneath: str | None = None


def _plain(cell: Cell) -> str:
    if cell is None:
        return "-"
    if isinstance(cell, Text):
        return cell.plain
    try:
        return Text.from_markup(cell).plain
    except Exception:  # markup that does not parse is shown as written (SafeConsole does the same)
        return cell


def _longest_line(cell: Cell) -> int:
    return max((cell_len(line) for line in _plain(cell).splitlines()), default=1)


def _need(col: Col, values: list[Cell]) -> int:
    """The width a column asks for: whole kinds their longest value, text its minimum before wrapping."""
    longest = max([_longest_line(v) for v in values], default=1)
    if col.kind in _WHOLE:
        return max(longest, cell_len(col.header))
    words = [w for v in values for w in _plain(v).split()] + col.header.split()
    longest_word = min(max([cell_len(w) for w in words], default=1), _WORD_MAX)
    return max(min(longest, _TEXT_MIN), longest_word)


def _total(columns: Sequence[Col], rows: Sequence[Sequence[Cell]], shown: list[int], boxed: bool) -> int:
    return sum(_need(columns[i], [row[i] for row in rows]) for i in shown) + 3 * len(shown) + (1 if boxed else 0)


def table_fits(console: Console, columns: Sequence[Col], rows: Sequence[Sequence[Cell]], boxed: bool = True) -> bool:
    """Whether every column fits at the console's width, none dropped (else a caller may show records)."""
    return _total(columns, rows, list(range(len(columns))), boxed) <= console.width


def _layout(columns: Sequence[Col], rows: Sequence[Sequence[Cell]], width: int,
            boxed: bool) -> tuple[list[int], list[int]]:
    """Indexes of the columns shown in the table and of the path columns printed under it."""
    shown = list(range(len(columns)))
    outside: list[int] = []

    def fits() -> bool:
        return _total(columns, rows, shown, boxed) <= width

    droppable = sorted((i for i, col in enumerate(columns) if col.drop), key=lambda i: -columns[i].drop)
    paths = [i for i, col in enumerate(columns) if col.kind == "path"]
    for i in paths:  # paths first leave the table for their own lines, then other columns drop
        if fits():
            break
        shown.remove(i)
        outside.append(i)
    for i in droppable:
        if fits():
            break
        if i in shown:
            shown.remove(i)
    return shown, outside


def _stack(columns: Sequence[Col], rows: Sequence[Sequence[Cell]], width: int,
           boxed: bool) -> tuple[list[Col], list[list[Cell]]]:
    """Move each column that would drop and has a ``beneath`` under that column when the table then still
    fits with nothing else dropped; the most important (lowest ``drop``) first."""
    cols, body = list(columns), [list(row) for row in rows]
    tried: set[str] = set()
    while True:
        shown, _ = _layout(cols, body, width, boxed)
        headers = [col.header for col in cols]
        waiting = sorted((i for i, col in enumerate(cols) if i not in shown and col.header not in tried
                          and col.beneath in headers and headers.index(col.beneath) in shown),
                         key=lambda i: cols[i].drop)
        if not waiting:
            return cols, body
        moving = waiting[0]
        tried.add(cols[moving].header)
        hidden = {cols[i].header for i in range(len(cols)) if i not in shown and i != moving}
        merged_cols, merged_body = _merge(cols, body, moving, headers.index(cols[moving].beneath))  # type: ignore[arg-type]
        keep = [i for i, col in enumerate(merged_cols) if col.header not in hidden]
        if _total(merged_cols, merged_body, keep, boxed) <= width:
            cols, body = merged_cols, merged_body


def _merge(cols: list[Col], body: list[list[Cell]], moving: int, target: int) -> tuple[list[Col], list[list[Cell]]]:
    """``cols``/``body`` with column ``moving`` as a second line in column ``target``."""
    kind: Kind = "identifier" if cols[target].kind in _WHOLE and cols[moving].kind in _WHOLE else "text"
    new_cols = list(cols)
    new_cols[target] = Col(f"{cols[target].header} / {cols[moving].header.lower()}", kind, cols[target].drop,
                           cols[target].style)
    new_body = []
    for row in body:
        row = list(row)
        below = row[moving]
        if below is not None and _plain(below) not in ("", "-"):
            row[target] = Text.assemble(_as_text(row[target]), "\n", _as_text(below))
        del row[moving]
        new_body.append(row)
    del new_cols[moving]
    return new_cols, new_body


def _as_text(cell: Cell) -> Text:
    if isinstance(cell, Text):
        return cell
    try:
        return Text.from_markup(cell or "-")
    except Exception:
        return Text(cell or "-")


def _dropped_note(columns: Sequence[Col], shown: list[int], outside: list[int]) -> str | None:
    dropped = [col.header for i, col in enumerate(columns) if i not in shown and i not in outside and col.header]
    if not dropped:
        return None
    return f"kolom {', '.join(dropped)} tidak muat: perlebar terminal (SAKTI_LEBAR) atau pakai --json"


def print_table(console: Console, columns: Sequence[Col], rows: Sequence[Sequence[Cell]], *,
                title: str | None = None, header: bool = True, boxed: bool = True,
                caption: str | None = None) -> None:
    """Print ``rows`` as a table that fits ``console.width`` without cutting an identifier or a path."""
    columns, rows = _stack(columns, rows, console.width, boxed)
    shown, outside = _layout(columns, rows, console.width, boxed)
    note = _dropped_note(columns, shown, outside)
    caption = "; ".join(part for part in (caption, note) if part) or None
    table = Table(title=title, show_header=header, box=rich_box.HEAVY_HEAD if boxed else None, caption=caption,
                  title_justify="center" if boxed else "left", caption_justify="left")
    for i in shown:
        col = columns[i]
        if col.kind in _WHOLE:
            width = _need(col, [row[i] for row in rows])
            table.add_column(col.header, style=col.style, no_wrap=True, min_width=width,
                             justify="right" if col.kind == "number" else "left")
        else:
            table.add_column(col.header, style=col.style, overflow="fold")
    for row in rows:
        table.add_row(*(("-" if row[i] is None else row[i]) for i in shown))
    console.print(table)
    key = next((i for i, col in enumerate(columns) if col.kind == "identifier"), None)
    for i in outside:
        for number, row in enumerate(rows, 1):
            label = _plain(row[key]) if key is not None else str(number)
            console.print(f"{label}  {columns[i].header}: {_plain(row[i])}", markup=False, highlight=False,
                          soft_wrap=True)


def print_pairs(console: Console, pairs: Sequence[tuple[str, Cell]], *, title: str | None = None,
                whole: Sequence[str] = (), boxed: bool = False) -> None:
    """A two-column label/value list; the values of the labels in ``whole`` are identifiers, never cut."""
    label_width = max((cell_len(label) for label, _ in pairs), default=0) + 3
    long_whole = [(label, value) for label, value in pairs
                  if label in whole and label_width + _longest_line(value) + 4 > console.width]
    rows = [(label, value) for label, value in pairs if (label, value) not in long_whole]
    print_table(console, [Col("", "identifier", style="bold"), Col("", "text")], rows, title=title,
                header=False, boxed=boxed)
    for label, value in long_whole:  # a hash or path longer than the line: its own line, never wrapped
        console.print(f"{label}: {_plain(value)}", markup=False, highlight=False, soft_wrap=True)
