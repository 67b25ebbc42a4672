"""Personal data (UU 27/2022 PDP): masking in everything shown, private files, recorded reveals.

Two layers. The payloads built for output mask NIK/KK fields by name (``nik``, ``nomor_kk``,
``nik_ayah``, fields an SOP declares as ``nik``/``kk``), also inside lists of people. As a safety net
every text printed by the CLI passes :func:`mask_text`, which masks any free-standing run of 16
digits (a NIK or KK number that slipped into a message). ``--tampilkan-nik`` turns both off for one
command and is recorded in the audit trail (:func:`record_reveal`).
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

from sakti_cli.id_format import mask_nik
from sakti_cli.sop import Service

SENSITIVE_HINTS = ("nik", "kk")
# 16 digits not glued to other letters or digits: a hex digest or an 18-digit NIP is left alone.
_NIK_RUN = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{8}(\d{4})(?![0-9A-Za-z])")
PRIVATE_UMASK = 0o077


def sensitive_fields(service: Service | None) -> set[str]:
    if service is None:
        return set()
    return {f.kode for f in service.isian if f.jenis in ("nik", "kk")}


def _is_sensitive(key: str, declared: set[str]) -> bool:
    return key in declared or any(part in SENSITIVE_HINTS for part in key.lower().split("_"))


def mask_data(data: Any, declared: set[str]) -> Any:
    """Mask NIK/KK values, also inside lists of people (heirs, witnesses)."""
    if isinstance(data, dict):
        return {k: (mask_nik(str(v)) if _is_sensitive(k, declared) and isinstance(v, str | int)
                    and not isinstance(v, bool) else mask_data(v, declared)) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_data(item, declared) for item in data]
    return data


def mask_application(record: dict[str, Any], service: Service | None, reveal: bool = False) -> dict[str, Any]:
    shown = copy.deepcopy(record)
    if not reveal:
        shown["data"] = mask_data(shown.get("data", {}), sensitive_fields(service))
    return shown


_ANSI = re.compile(r"(\x1b\[[0-9;?]*[A-Za-z])")


def mask_text(text: str) -> str:
    """Mask every free-standing 16-digit number in a text (``6201********0003``), also between the
    colour codes of a terminal."""
    if not any(ch.isdigit() for ch in text):
        return text
    pieces = _ANSI.split(text)
    return "".join(piece if index % 2 else _NIK_RUN.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(2)}", piece)
                   for index, piece in enumerate(pieces))


def _looks_like_number(value: Any) -> bool:
    """A NIK/KK-like value (digits, perhaps with spaces or dots), not e.g. a file name under key ``kk``."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    digits = "".join(ch for ch in str(value) if ch not in " .-")
    return len(digits) >= 6 and digits.isdigit()


def mask_payload(payload: Any) -> Any:
    """A whole output object: NIK-like values under sensitive keys, and 16-digit runs inside any string."""
    if isinstance(payload, dict):
        return {k: (mask_nik(str(v)) if _is_sensitive(str(k), set()) and _looks_like_number(v)
                    else mask_payload(v)) for k, v in payload.items()}
    if isinstance(payload, list | tuple):
        return [mask_payload(item) for item in payload]
    if isinstance(payload, str):
        return mask_text(payload)
    return payload


# --- files -------------------------------------------------------------------------------------
def private_tree_problems(root: Path) -> list[str]:
    """Paths under ``root`` readable by others: folders not 0700, files not 0600."""
    problems = []
    for dirpath, _dirnames, filenames in os.walk(root):
        folder = Path(dirpath)
        if folder.stat().st_mode & 0o777 != 0o700:
            problems.append(f"{folder} ({folder.stat().st_mode & 0o777:o})")
        for name in filenames:
            path = folder / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode & 0o777
            if mode != 0o600:
                problems.append(f"{path} ({mode:o})")
    return problems


def make_tree_private(root: Path) -> int:
    """Set folders to 0700 and files to 0600 under ``root``; return how many were changed."""
    changed = 0
    if not root.exists():
        return 0
    for dirpath, _dirnames, filenames in os.walk(root):
        folder = Path(dirpath)
        if folder.stat().st_mode & 0o777 != 0o700:
            folder.chmod(0o700)
            changed += 1
        for name in filenames:
            path = folder / name
            if not path.is_symlink() and path.stat().st_mode & 0o777 != 0o600:
                path.chmod(0o600)
                changed += 1
    return changed


def tighten_workspace_folders(data_dir: Path) -> int:
    """Cheap fix of the folders a workspace made by an older sakti left 0755 (register tables, letter
    years and months): a few dozen stats per command, not a walk of every scan and letter."""
    changed = 0
    if not data_dir.is_dir():
        return 0
    candidates = [data_dir, *data_dir.iterdir(), *(data_dir / "register").glob("*"),
                  *(data_dir / "surat").glob("*"), *(data_dir / "surat").glob("*/*")]
    for path in candidates:
        mode = path.stat().st_mode & 0o777
        if path.is_dir() and not path.is_symlink() and mode & 0o077:
            try:  # only take rights away: a folder made read-only (0500) on purpose stays read-only
                path.chmod(mode & 0o700)
            except OSError:
                continue  # a read-only disk: reading still works, writing is refused where it happens
            changed += 1
    return changed


# --- reveals -----------------------------------------------------------------------------------
def record_reveal(register: Any, command: str, objek: str, arguments: dict[str, Any] | None = None) -> None:
    """Write the ``tampilkan_nik`` event before anything unmasked is shown (no record, no reveal).
    The trail itself never holds a full NIK, even one typed as an argument."""
    with register.transaction() as txn:
        txn.audit("tampilkan_nik", mask_text(objek), None, None, perintah=command,
                  argumen=mask_payload(arguments) if arguments else None)
