"""Letter numbers: a pattern the office chooses, a running number per scope and year.

The final string is stored when the number is reserved and never recomputed, so changing the
pattern later does not rewrite old numbers. The year is the office's local year (WIB/WITA/WIT).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sakti_cli.core.clock import iso
from sakti_cli.core.errors import ConfigError, InputError, StateConflict, library_text
from sakti_cli.core.id_format import bulan_romawi
from sakti_cli.core.period import MAX_YEAR, MIN_YEAR
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.session import RegisterSession
from sakti_cli.services.sop import Service, check_number_pattern


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
        raise ConfigError(f"Pola nomor '{pattern}' tidak dapat dipakai: bentuk isiannya tidak sesuai nilainya "
                          "(mis. {urut:03} untuk angka, {unit} untuk teks).",
                          saran="Perbaiki pola_nomor di SOP atau [penomoran].pola di sakti.toml; yang dikenal: "
                                "{kode}, {urut}, {unit}, {bulan}, {bulan_romawi}, {tahun}, {layanan}.",
                          pustaka=library_text(exc)) from None




def start_number(txn: RegisterSession, ws: Workspace, service: Service, first: int, year: int | None = None
                 ) -> dict[str, Any]:
    """``nomor mulai``: the next number issued in this scope and year is ``first``.

    Numbers below it that the register does not hold were issued on the office's paper book; the
    start is kept as a record of its own (and in the audit trail) so the register check accounts
    for them. Refused (exit 5) when the scope already reached ``first``: numbers are never reused.
    """
    year = start_year(txn, year)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(f"Tahun {year} tidak masuk akal untuk nomor surat.",
                         saran=f"Pakai --tahun antara {MIN_YEAR} dan {MAX_YEAR}, atau tanpa --tahun (tahun ini).")
    if first < 1:
        raise InputError(f"Nomor awal {first} tidak sah.", saran="--dari harus bilangan bulat 1 atau lebih.")
    key = sequence_key(ws, service, year)
    last = txn.counter(key)
    used = numbers_used(txn, key)
    if used >= first:
        raise StateConflict(
            f"Lingkup {scope_label(key)} sudah memakai nomor urut sampai {used}; "
            f"urutan tidak dapat dimulai dari {first}.",
            saran=f"Nomor tidak pernah dipakai ulang: pilih --dari lebih besar dari {used}.",
        )
    record = {"lingkup": key, "tahun": year, "dari": first, "sebelumnya": last, "terpakai": used,
              "layanan": service.kode, "waktu": iso(txn.moment), "petugas": txn.actor}
    txn.add_number_start(record)
    txn.set_counter(key, first - 1)
    txn.audit("nomor_mulai", key, last, first - 1, dari=first, tahun=year, layanan=service.kode)
    return record


def numbers_used(txn: RegisterSession, key: str) -> int:
    """The highest number taken in scope ``key`` by the register itself (0: none yet).

    A start not yet followed by any reservation may be corrected (a typo in --dari): then only the
    numbers used before it count. Otherwise every number up to the counter is taken."""
    last = txn.counter(key)
    earlier = [s for s in starts(txn) if s.get("lingkup") == key]
    if earlier and last == int(earlier[-1]["dari"]) - 1:
        return int(earlier[-1].get("terpakai", earlier[-1].get("sebelumnya", last)))
    return last


def start_year(txn: RegisterSession, year: int | None) -> int:
    return year if year is not None else txn.moment.year


def starts(txn: RegisterSession) -> list[dict[str, Any]]:
    """Every ``nomor mulai`` record, oldest first."""
    return txn.number_starts()


def scope_label(key: str) -> str:
    """``nomor|layanan:sktm|2026`` -> ``layanan sktm, tahun 2026`` (what staff read, not the key)."""
    parts = key.split("|")
    if len(parts) != 3:
        return key
    scope = {"kantor": "seluruh kantor"}.get(parts[1], parts[1].replace(":", " "))
    return f"{scope}, tahun {parts[2]}"
