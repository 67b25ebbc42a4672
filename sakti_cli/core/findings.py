"""A finding of a check (``sakti kantor periksa``, the signing checks): what is wrong and what to do.

``galat`` stops the work it concerns (a signature is refused, ``kantor periksa`` exits 1);
``peringatan`` is said and the work goes on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Level = Literal["galat", "peringatan"]


@dataclass(frozen=True)
class Finding:
    kode: str
    tingkat: Level
    pesan: str
    saran: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def galat(kode: str, pesan: str, saran: str) -> Finding:
    return Finding(kode, "galat", pesan, saran)


def peringatan(kode: str, pesan: str, saran: str) -> Finding:
    return Finding(kode, "peringatan", pesan, saran)


def errors_of(findings: list[Finding]) -> list[Finding]:
    return [item for item in findings if item.tingkat == "galat"]
