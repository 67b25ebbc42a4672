"""Steps on the rendered DOCX before conversion: the stamp marker whitened so it stays invisible on paper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

STAMP_MARKER = "[[TTE]]"
"""Text a template writes where the visible signature stamp goes (leave about 1.6 cm free below it);
without it the signature is invisible. The marker is whitened in the rendered letter (invisible on
paper), found again in the PDF, and an empty signature field of ``stamp.STAMP_SIZE`` is added there before
signing, so pyHanko draws the stamp (signer, time) in it."""


def _paragraphs(document: Any) -> Any:
    """Every paragraph of a python-docx document: body, tables (nested), headers and footers."""
    def walk(container: Any) -> Any:
        yield from container.paragraphs
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    yield from walk(cell)

    yield from walk(document)
    for section in document.sections:
        for part in (section.header, section.footer):
            yield from walk(part)


def _may_hold_marker(docx: Path) -> bool:
    """Whether the marker's text is in ``docx`` at all: its XML parts' text with the tags removed (a marker
    split over runs still reads whole), so python-docx opens only a letter that may hold one."""
    import re
    import zipfile

    try:
        with zipfile.ZipFile(docx) as package:
            parts = [name for name in package.namelist() if name.startswith("word/") and name.endswith(".xml")]
            return any(STAMP_MARKER in re.sub(r"<[^>]+>", "", package.read(name).decode("utf-8", "replace"))
                       for name in parts)
    except (OSError, zipfile.BadZipFile):
        return True  # python-docx says what is wrong


def hide_stamp_marker(docx: Path) -> bool:
    """Colour the stamp marker white in a rendered letter (it stays in the PDF's text, invisible on
    paper, so its place can be found). True when the letter has a marker."""
    from docx import Document
    from docx.shared import RGBColor

    if not _may_hold_marker(docx):
        return False

    document = Document(str(docx))
    found = False
    for paragraph in _paragraphs(document):
        runs = list(paragraph.runs)
        text = "".join(run.text for run in runs)
        start = text.find(STAMP_MARKER)
        spans = []
        while start != -1:
            spans.append((start, start + len(STAMP_MARKER)))
            start = text.find(STAMP_MARKER, start + 1)
        if not spans:
            continue
        found = True
        offset = 0
        for run in runs:  # a marker may be split over runs by the word processor
            end = offset + len(run.text)
            if any(offset < stop and begin < end for begin, stop in spans):
                run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            offset = end
    if found:
        document.save(str(docx))
    return found
