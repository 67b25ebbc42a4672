"""Reading a rendered letter's layout back from its PDF: what a clerk would see wrong. The checks are
the core lint's (sakti_cli.documents.template_lint.pdf_layout_problems, run by ``templat periksa``): one
implementation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sakti_cli.documents.template_lint import PT_PER_CM, pdf_layout_problems

MARGIN_LEFT, MARGIN_RIGHT = 2.5 * PT_PER_CM, 2.0 * PT_PER_CM  # the templates' margins (scripts/buat_templat.py)


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
    return pdf_layout_problems(pdf, {n: "NIK/KK" for n in sorted(numbers)}, (MARGIN_LEFT, MARGIN_RIGHT))
