"""Letter numbers: a pattern the office chooses, a running number per scope and year.

The final string is stored when the number is reserved and never recomputed, so changing the
pattern later does not rewrite old numbers. The year is the office's local year (WIB/WITA/WIT).
"""

from __future__ import annotations

from datetime import datetime

from sakti_cli.errors import ConfigError
from sakti_cli.id_format import bulan_romawi
from sakti_cli.office import Workspace
from sakti_cli.sop import Service, check_number_pattern


def pattern_for(ws: Workspace, service: Service) -> str:
    pattern = service.pola_nomor or ws.config.penomoran.pola
    try:
        check_number_pattern(pattern)
    except ValueError as exc:
        raise ConfigError(f"Pola nomor untuk layanan {service.kode}: {exc}",
                          saran="Perbaiki pola_nomor di SOP atau [penomoran].pola di sakti.toml.") from None
    return pattern


def sequence_key(ws: Workspace, service: Service, year: int) -> str:
    scope = ws.config.penomoran.lingkup
    if scope == "kantor":
        return f"nomor|kantor|{year}"
    if scope == "klasifikasi":
        return f"nomor|klasifikasi:{service.klasifikasi}|{year}"
    return f"nomor|layanan:{service.kode}|{year}"


def format_number(pattern: str, *, service: Service, unit: str, sequence: int, moment: datetime) -> str:
    try:
        return pattern.format(
            kode=service.klasifikasi, urut=sequence, unit=unit, bulan=moment.month,
            bulan_romawi=bulan_romawi(moment.month), tahun=moment.year, layanan=service.kode.upper(),
        )
    except (ValueError, KeyError, IndexError) as exc:
        raise ConfigError(f"Pola nomor '{pattern}' tidak dapat dipakai: {exc}") from None
