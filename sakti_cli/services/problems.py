"""What is wrong in a file staff wrote (an SOP, the holiday calendar, a form mapping), field path by field path.

Pydantic's errors become ``{"kolom": "aturan[2].pada", "pesan": ...}`` in Indonesian, the rule's
``jenis`` tag dropped from the path.
"""

from __future__ import annotations

from pydantic import ValidationError

from sakti_cli.services.rules.aturan import RULE_KINDS

Problem = dict[str, str]


def _loc_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as staff read it: ``aturan[2].pada`` (the rule's jenis tag dropped)."""
    out = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, str) and isinstance(previous, int) and part in RULE_KINDS:
            previous = part
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        previous = part
    return out or "(akar)"


def problems_from(exc: ValidationError) -> list[Problem]:
    from sakti_cli.core.validation import problem_message

    problems = []
    for err in exc.errors():
        kind = err["type"]
        if kind == "union_tag_invalid":
            tag = (err.get("ctx") or {}).get("tag", "?")
            message = f"jenis aturan '{tag}' tidak dikenal (yang dikenal: {', '.join(RULE_KINDS)})"
        elif kind == "union_tag_not_found":
            message = f"aturan tanpa 'jenis' (yang dikenal: {', '.join(RULE_KINDS)})"
        elif kind.startswith(("date_", "datetime_")):
            message = "bukan tanggal yang sah (tulis TTTT-BB-HH, mis. 2026-12-25)"
        else:
            message = problem_message(err)
        problems.append({"kolom": _loc_path(tuple(err["loc"])), "pesan": message})
    return problems
