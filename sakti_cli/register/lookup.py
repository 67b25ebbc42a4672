"""An application looked up by its registration number: no SOP, no pydantic (the start-up path of
'sakti status', sakti_cli/cli/fast.py, uses it as the full path does)."""

from __future__ import annotations

import re

from sakti_cli.core.errors import NotFound
from sakti_cli.register.session import Application, RegisterSession

REG_RE = re.compile(r"^(?:REG-?)?(\d{6})-?(\d{1,6})$")


def normalise_reg(value: str) -> str:
    match = REG_RE.match(value.strip().upper())
    if not match:
        raise NotFound(f"Nomor registrasi '{value}' tidak dikenal.",
                       saran="Nomor registrasi berbentuk REG-202611-0001; lihat 'sakti permohonan'.")
    return f"REG-{match.group(1)}-{int(match.group(2)):04d}"


def find_application(txn: RegisterSession, reg: str) -> Application:
    reg = normalise_reg(reg)
    found = txn.get_application(reg)
    if found is None:
        raise NotFound(f"Permohonan {reg} tidak ada di register.", saran="Lihat daftarnya dengan 'sakti permohonan'.")
    return found
