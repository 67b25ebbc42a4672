"""One JSON shape per concept, shared by every command's output (docs/skema/ holds the schemas).

A signatory is always ``{"id", "nama", "jabatan", "peran", "sifat"}`` (unknown parts null: a certificate's
signer has only a name); a path is always absolute, whatever the register stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SIGNATORY_KEYS = ("id", "nama", "jabatan", "peran", "sifat")
NATURE_WORDS = {"pribadi": "tanda tangan pribadi", "segel": "segel elektronik"}
"""How a letter's signature is named to people (``sifat`` of its signatory): a person's, or the office's seal."""


def signatory_json(value: Any, *, nama: str | None = None) -> dict[str, str | None]:
    """The signatory as JSON from a letter's stored ``penandatangan`` (a dict), a configured
    Signatory, a bare id (old records), or only a certificate's common name (``nama=``)."""
    if isinstance(value, str):
        value = {"id": value}
    if value is not None and not isinstance(value, dict):
        value = {key: getattr(value, key, None) for key in SIGNATORY_KEYS}
    found = dict(value or {})
    if nama is not None and not found.get("nama"):
        found["nama"] = nama
    return {key: (str(found[key]) if found.get(key) is not None else None) for key in SIGNATORY_KEYS}


def absolute_path(root: Path, stored: object) -> str | None:
    """A path the register stores relative to the office folder, as the absolute path scripts need."""
    if stored is None or stored == "":
        return None
    path = Path(str(stored))
    return str(path if path.is_absolute() else (root / path).resolve())
