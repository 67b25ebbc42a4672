"""Masking personal data (UU 27/2022 PDP) in everything shown or printed by default."""

from __future__ import annotations

import copy
from typing import Any

from sakti_cli.id_format import mask_nik
from sakti_cli.sop import Service

SENSITIVE_HINTS = ("nik", "kk")


def sensitive_fields(service: Service | None) -> set[str]:
    if service is None:
        return set()
    return {f.kode for f in service.isian if f.jenis in ("nik", "kk")}


def _is_sensitive(key: str, declared: set[str]) -> bool:
    return key in declared or any(part in SENSITIVE_HINTS for part in key.lower().split("_"))


def mask_data(data: Any, declared: set[str]) -> Any:
    """Mask NIK/KK values, also inside lists of people (heirs, witnesses)."""
    if isinstance(data, dict):
        return {k: (mask_nik(str(v)) if _is_sensitive(k, declared) and isinstance(v, str | int) else
                    mask_data(v, declared)) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_data(item, declared) for item in data]
    return data


def mask_application(record: dict[str, Any], service: Service | None, reveal: bool = False) -> dict[str, Any]:
    shown = copy.deepcopy(record)
    if not reveal:
        shown["data"] = mask_data(shown.get("data", {}), sensitive_fields(service))
    return shown
