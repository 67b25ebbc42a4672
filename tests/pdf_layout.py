"""Reading a rendered letter's layout back from its PDF (pdfplumber): what a clerk would see wrong."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

CM = 72 / 2.54
MARGIN_LEFT, MARGIN_RIGHT = 2.5 * CM, 2.0 * CM  # the templates' margins (scripts/buat_templat.py)


def numbers_in(data: Any) -> set[str]:
    """Every 16-digit NIK/KK number in an application's fields, lists included."""
    if isinstance(data, dict):
        return set().union(*(numbers_in(v) for v in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(numbers_in(v) for v in data)) if data else set()
    return {data} if isinstance(data, str) and re.fullmatch(r"\d{16}", data) else set()


def layout_problems(pdf: Path, numbers: set[str]) -> list[str]:
    """Numbers broken across lines, anything printed or drawn outside the text margins, and a
    tembusan that is not below the signature block."""
    import pdfplumber

    found: list[str] = []
    with pdfplumber.open(str(pdf)) as doc:
        lines: list[tuple[int, float, str]] = []
        for number, page in enumerate(doc.pages, 1):
            lines += [(number, line["top"], line["text"]) for line in page.extract_text_lines()]
            left, right = MARGIN_LEFT - 1, page.width - MARGIN_RIGHT + 1
            for kind in ("chars", "rects", "lines"):
                for shape in getattr(page, kind):
                    if shape["x0"] < left or shape["x1"] > right:
                        label = shape.get("text", kind)
                        where = f"{shape['x0']:.1f}-{shape['x1']:.1f}"
                        found.append(f"halaman {number}: {label!r} di luar margin ({where})")
        text = "\n".join(t for _, _, t in lines)
        joined = re.sub(r"\s+", "", text)
        for value in sorted(numbers):  # printed (its digits are there) but not whole on one line
            if value in joined and value not in text:
                found.append(f"{value} terpotong di antara baris")
        nip = [(n, top) for n, top, t in lines if t.startswith("NIP.")]
        tembusan = [(n, top) for n, top, t in lines if t.startswith("Tembusan")]
        if tembusan and (not nip or tembusan[0] < nip[-1]):
            found.append("tembusan tidak di bawah blok tanda tangan")
    return found
