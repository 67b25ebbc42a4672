"""An application's search keys (``cari``): what ``sakti permohonan``/``sakti surat`` find it by.

Computed here, with the application's SOP, every time its data is written (``daftar``, ``ubah``), and stored
in the record, so the backends index plain values without knowing any SOP: TinyDB keeps a word -> applications
index written in the same transaction, PostgreSQL a GIN index on ``data->'cari'``. The name is indexed by its
forgiving search terms (core.text.search_terms: case, spacing, old spellings, doubled letters), the
desa/kelurahan by its search words, every NIK by its SHA-256 only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sakti_cli.core.text import search_terms
from sakti_cli.register.session import SearchKeys, nik_digest, place_key
from sakti_cli.services.sop import Service


def applicant_place(service: Service | None, data: dict[str, Any]) -> str | None:
    """The applicant's desa/kelurahan: the SOP's first top-level field of kind ``desa`` that is filled, else of a
    field named ``desa`` or ``desa_...`` (skck's and hibah's are free text checked by a rule; ``desa`` itself for
    an application whose SOP is gone). Listings search by it, the report groups by it."""
    codes = [spec.kode for spec in service.isian if spec.jenis == "desa"] if service else ["desa"]
    codes += [spec.kode for spec in service.isian if spec.jenis != "desa" and spec.kode.split("_")[0] == "desa"
              ] if service else []
    return next((str(data[code]).strip() for code in codes if str(data.get(code) or "").strip()), None)


def applicant_niks(service: Service | None, data: dict[str, Any]) -> list[str]:
    """The NIKs of the top-level NIK fields (the applicant's; a deceased's for ahli-waris)."""
    codes = [spec.kode for spec in service.isian if spec.jenis == "nik"] if service else ["nik"]
    return [str(data[code]) for code in codes if data.get(code)]


def search_keys(service: Service | None, data: dict[str, Any]) -> SearchKeys:
    name = service.applicant_name(data) if service else (str(data.get("nama") or "") or None)
    place = applicant_place(service, data)
    return {"nama": search_terms(name), "desa": place_key(place or ""),
            "nik": [nik_digest(nik) for nik in applicant_niks(service, data)]}


def record_keys(find: Callable[[str], Service | None], record: Mapping[str, Any]) -> SearchKeys:
    """The keys of a stored application (one registered before they existed): from its SOP (``find``:
    services.sop.service_finder), from the record alone when that SOP is gone (see search_keys)."""
    return search_keys(find(str(record.get("layanan") or "")), dict(record.get("data") or {}))
