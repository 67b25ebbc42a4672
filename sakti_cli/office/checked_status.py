"""The checked snapshots ``sakti status`` needs (sakti_cli/core/checked.py): ``sakti.toml``, the application's
SOP and the holiday calendar, as plain data.

The full path (sakti_cli/cli/permohonan.py) validates the files with their models and keeps what status reads
of them (:func:`remember_for_status`); the start-up path (sakti_cli/cli/fast.py) reads them back here without
pydantic (:func:`recall_config`, :func:`recall_service`, :func:`recall_calendar`): None on any miss, and then
the full path runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sakti_cli.core.checked import recall, remember
from sakti_cli.office.location import CONFIG_NAME
from sakti_cli.services.rules.workdays import Calendar, calendar_path, plain_calendar

if TYPE_CHECKING:
    from sakti_cli.office.workspace import OfficeConfig, Workspace
    from sakti_cli.services.sop import FieldSpec, Service

CONFIG_KEY = "sakti.toml"
CALENDAR_KEY = "sop/_kalender"


class StatusConfig(NamedTuple):
    """What status reads of ``sakti.toml``."""

    zona_waktu: str
    petugas: str | None
    register_url: str | None
    batas_tunggu_kunci: float


class PlainField(NamedTuple):
    """What status reads of an SOP's ``isian`` (the labels, and which fields are NIK/KK)."""

    kode: str
    label: str
    jenis: str
    butir: list[PlainField]


class PlainTime(NamedTuple):
    menit: int | None
    hari_kerja: int | None
    teks: str


class PlainService(NamedTuple):
    """What status reads of an SOP (duck-typed for sakti_cli.cli.status_view and core.privacy)."""

    kode: str
    isian: list[PlainField]
    jangka_waktu: PlainTime


def _sop_file(sop_dir: Path, code: str) -> Path:
    return sop_dir / f"{code.strip().lower()}.yaml"  # as services.sop.load_service reads it


def _service_key(code: str) -> str:
    return f"sop/{code.strip().lower()}"


# --- the full path: validated, then kept ---------------------------------------------------------------
def config_data(config: OfficeConfig) -> dict[str, Any]:
    return {"zona_waktu": config.kantor.zona_waktu, "petugas": config.kantor.petugas,
            "register_url": config.register_settings.url,
            "batas_tunggu_kunci": config.register_settings.batas_tunggu_kunci}


def _field_data(spec: FieldSpec) -> dict[str, Any]:
    return {"kode": spec.kode, "label": spec.label, "jenis": spec.jenis, "butir": [_field_data(b) for b in spec.butir]}


def service_data(service: Service) -> dict[str, Any]:
    limit = service.standar_pelayanan.jangka_waktu
    return {"kode": service.kode, "isian": [_field_data(spec) for spec in service.isian],
            "jangka_waktu": {"menit": limit.menit, "hari_kerja": limit.hari_kerja, "teks": limit.teks}}


def remember_for_status(ws: Workspace, code: str) -> None:
    """Keep the snapshots of ``sakti.toml``, the SOP of service ``code`` and the calendar, each validated
    again only when the one kept is missing or stale."""
    from sakti_cli.office.workspace import load_config
    from sakti_cli.services.rules.kalender import calendar_data, load_calendar
    from sakti_cli.services.sop import load_service

    config = ws.root / CONFIG_NAME
    remember(ws.data_dir, CONFIG_KEY, [config], lambda: config_data(load_config(config)))
    remember(ws.data_dir, _service_key(code), [_sop_file(ws.sop_dir, code)],
             lambda: service_data(load_service(ws.sop_dir, code)))
    remember(ws.data_dir, CALENDAR_KEY, [calendar_path(ws.sop_dir)],
             lambda: calendar_data(load_calendar(ws.sop_dir)))


# --- the start-up path: read back, or None ------------------------------------------------------------------
def _plain_field(data: dict[str, Any]) -> PlainField:
    return PlainField(data["kode"], data["label"], data["jenis"], [_plain_field(b) for b in data["butir"]])


def recall_config(root: Path) -> StatusConfig | None:
    data = recall(root / "data", CONFIG_KEY, [root / CONFIG_NAME])
    return None if data is None else StatusConfig(**data)


def recall_service(root: Path, code: str) -> PlainService | None:
    data = recall(root / "data", _service_key(code), [_sop_file(root / "sop", code)])
    if data is None:
        return None
    return PlainService(data["kode"], [_plain_field(spec) for spec in data["isian"]], PlainTime(**data["jangka_waktu"]))


def recall_calendar(root: Path) -> Calendar | None:
    sop_dir = root / "sop"
    data = recall(root / "data", CALENDAR_KEY, [calendar_path(sop_dir)])
    return None if data is None else plain_calendar(data)
