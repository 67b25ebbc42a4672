"""The office's clock.

Indonesia has no daylight saving, so the three zones are fixed offsets. ``SAKTI_WAKTU`` (ISO 8601)
freezes the clock: tests and reproducible demos use it, including in subprocesses.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

ZONES = {
    "WIB": timezone(timedelta(hours=7), "WIB"),
    "WITA": timezone(timedelta(hours=8), "WITA"),
    "WIT": timezone(timedelta(hours=9), "WIT"),
}


def office_zone(name: str) -> timezone:
    return ZONES[name.upper()]


def now(zone: timezone | None = None) -> datetime:
    """The current time, aware, in ``zone`` (WIB when not given)."""
    zone = zone or ZONES["WIB"]
    fixed = os.environ.get("SAKTI_WAKTU")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(zone)
    return datetime.now(zone)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
