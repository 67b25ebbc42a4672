"""Personal data (UU 27/2022 PDP): masking in everything shown and recorded, private files, reveals.

NIK and KK numbers are recognised by their structure (``sakti_cli.core.nik.find_id_numbers``:
province code, date digits; plain, glued to letters or grouped 4-4-4-4 / 6-6-4), never by the name of
the key they sit under, so a scan named ``kk-siti-rahmah.jpg`` under ``kk`` stays readable and a NIK
typed into a reason or a file name is masked. Two layers: the application payloads mask the fields
an SOP declares as ``nik``/``kk`` (also inside lists of people) whatever they hold, and structure
masks the rest; as a safety net every text printed by the CLI passes :func:`mask_text`, and every
audit event is masked before it is recorded (registry.py). ``--tampilkan-nik`` turns the output
masking off for one command and is recorded in the audit trail (:func:`record_reveal`).
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.core.id_format import mask_nik
from sakti_cli.core.nik import mask_id_numbers

if TYPE_CHECKING:
    from sakti_cli.services.sop import Service

PRIVATE_UMASK = 0o077
_ID_KINDS = ("nik", "kk")


def sensitive_fields(service: Service | None) -> tuple[set[str], dict[str, set[str]]]:
    """The fields an SOP declares as NIK/KK: top-level codes, and per list the codes of its items."""
    if service is None:
        return set(), {}
    top = {f.kode for f in service.isian if f.jenis in _ID_KINDS}
    lists = {f.kode: {b.kode for b in f.butir if b.jenis in _ID_KINDS} for f in service.isian if f.jenis == "daftar"}
    return top, lists


def _mask_fields(data: dict[str, Any], declared: set[str], lists: dict[str, set[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in declared and isinstance(value, str | int) and not isinstance(value, bool):
            out[key] = mask_nik(str(value))
        elif key in lists and isinstance(value, list):
            out[key] = [_mask_fields(item, lists[key], {}) if isinstance(item, dict) else mask_payload(item)
                        for item in value]
        else:
            out[key] = mask_payload(value)
    return out


def mask_data(data: dict[str, Any], service: Service | None) -> dict[str, Any]:
    """An application's data as shown: declared NIK/KK fields masked whatever they hold, every other
    value by structure (a NIK typed into ``keperluan``, a file name)."""
    declared, lists = sensitive_fields(service)
    return _mask_fields(data, declared, lists)


def mask_application(record: Mapping[str, Any], service: Service | None, reveal: bool = False) -> dict[str, Any]:
    shown = dict(copy.deepcopy(record))
    if not reveal:
        shown["data"] = mask_data(shown.get("data", {}), service)
    return shown


_ANSI = re.compile(r"(\x1b\[[0-9;?]*[A-Za-z])")


def mask_text(text: str) -> str:
    """Mask every NIK/KK number in a text (``6201********0003``), also between the colour codes of a
    terminal. 16 digits without a NIK's structure (province 00, month 13) are left alone: the price of
    never damaging a digest, a NIP or a phone number."""
    if not any(ch.isdigit() for ch in text):
        return text
    pieces = _ANSI.split(text)
    return "".join(piece if index % 2 else mask_id_numbers(piece) for index, piece in enumerate(pieces))


def mask_email(address: str) -> str:
    """An e-mail address as the audit trail keeps it: ``r******@contoh.example`` (first letter and the
    domain, enough to tell two sendings apart, not enough to write to the person)."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return "*" * len(address.strip())
    return f"{local[:1]}{'*' * max(len(local) - 1, 1)}@{domain}"


def mask_payload(payload: Any) -> Any:
    """A whole output object or audit event: every string masked by structure, keys included."""
    if isinstance(payload, dict):
        return {mask_payload(k) if isinstance(k, str) else k: mask_payload(v) for k, v in payload.items()}
    if isinstance(payload, list | tuple):
        return [mask_payload(item) for item in payload]
    if isinstance(payload, str):
        return mask_text(payload)
    return payload


def mask_fields(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """:func:`mask_payload` of only ``keys`` (the free text of a listing's row: names, reasons), for rows by the
    thousand whose other values are numbers, codes and dates sakti wrote itself."""
    return {key: mask_payload(value) if key in keys else value for key, value in row.items()}


def mask_name(name: str | None) -> str | None:
    """A person's name as the public verification page shows it: each word's first letter, the rest
    starred (``"Siti Aminah"`` -> ``"S*** A*****"``), enough for a recipient to tell it is the letter in
    their hand, too little to learn a name from a code. Punctuation and ``&`` between two applicants stay."""
    words = (name or "").split()
    if not words:
        return None
    return " ".join(word[0] + "".join("*" if ch.isalnum() else ch for ch in word[1:]) for word in words)


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
def reveal_target(kwargs: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """What a ``--tampilkan-nik`` command is about: its first argument, and all it was given."""
    given = {k: ",".join(map(str, v)) if isinstance(v, list | tuple) else str(v) for k, v in kwargs.items()
             if k not in ("json_out", "tampilkan_nik") and v not in (None, False, [], ())}
    return (next(iter(given.values()), "-"), given)


def record_reveal(register: Any, command: str, objek: str, arguments: dict[str, Any] | None = None) -> None:
    """Write the ``tampilkan_nik`` event before anything unmasked is shown (no record, no reveal).
    The trail itself never holds a full NIK, even one typed as an argument (Transaction.audit masks)."""
    with register.transaction() as txn:
        txn.audit("tampilkan_nik", objek, None, None, perintah=command, argumen=arguments or None)
