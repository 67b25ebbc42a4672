"""TinyDB's index of the applications' search keys (``cari``): name terms and desa, year by year.

An entry ``cari:nama:TERM|YYYY`` (or ``cari:desa:PLACE|YYYY``) in the sharded index (indeks/XXX.json) lists the
registration numbers of that year whose application has the term. Kept per registration year so that an entry
stays the size of a year however many years the register holds (a common first name, a big desa: a few thousand
numbers), a search reads one entry per year and term, and a period reads only its years' entries. Written by
the backend in the application's own transaction (add_application/save_application), from the keys the domain
computed (register/search.py); the NIK filter uses the NIK index the domain keeps (nik_applications). An entry
may name an application whose data changed since (``ubah``): every candidate is checked against the filter
itself (ApplicationFilter.matches).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sakti_cli.core.text import search_words
from sakti_cli.register.session import Application, ApplicationFilter, nik_digest, place_key

INDEX = "cari"


class Indexed(Protocol):
    """What this module needs of the TinyDB transaction."""

    def index_get(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def index_put(self, kind: str, key: str, value: dict[str, Any]) -> None: ...
    def nik_applications(self, digest: str) -> list[dict[str, Any]]: ...


def _year(reg: str) -> str:
    return reg.split("-")[1][:4]


def _keys(record: Application) -> set[str]:
    keys = record.get("cari") or {}
    found = {f"nama:{term}" for term in keys.get("nama") or []}
    if keys.get("desa"):
        found.add(f"desa:{keys['desa']}")
    return found


def entries_of(record: Application, before: Application | None = None) -> list[str]:
    """The index entries (``nama:TERM|YYYY``...) naming the record that its stored version ``before`` lacked."""
    year = _year(str(record["nomor_registrasi"]))
    return [f"{key}|{year}" for key in sorted(_keys(record) - (_keys(before) if before else set()))]


def index_application(txn: Indexed, record: Application, before: Application | None = None) -> None:
    """Add the record's new search keys (those its stored version did not have) to its year's entries."""
    reg = str(record["nomor_registrasi"])
    for entry in entries_of(record, before):
        listed = list((txn.index_get(INDEX, entry) or {}).get("permohonan") or [])
        if reg not in listed:
            txn.index_put(INDEX, entry, {"permohonan": sorted([*listed, reg])})


def _listed(txn: Indexed, key: str, years: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for year in years:
        found.update((txn.index_get(INDEX, f"{key}|{year}") or {}).get("permohonan") or [])
    return found


def candidates(txn: Indexed, where: ApplicationFilter, months: list[str]) -> list[str] | None:
    """The registration numbers the indexes name for the filter's name, desa and NIK (all of them), in
    order; None when the filter names none of the three (the caller reads the months' partitions). ``months``
    (YYYY-MM) are the registration months the filter's period holds."""
    years = sorted({month[:4] for month in months})
    sets: list[set[str]] = []
    if where.nik is not None:
        sets.append({str(e.get("nomor_registrasi")) for e in txn.nik_applications(nik_digest(where.nik))})
    if where.desa is not None:
        sets.append(_listed(txn, f"desa:{place_key(where.desa)}", years))
    if where.nama is not None:
        typed = search_words(where.nama)
        every = [_listed(txn, f"nama:{word}", years) for word in typed]
        joined = _listed(txn, f"nama:{''.join(typed)}", years) if len(typed) > 1 else set()
        sets.append((set.intersection(*every) if every else set()) | joined)
    if not sets:
        return None
    wanted = set.intersection(*sets)
    return sorted(reg for reg in wanted if not months or f"{_year(reg)}-{reg.split('-')[1][4:6]}" in months)
