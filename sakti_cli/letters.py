"""Letter records in the register: reserve a number, close it as TERBIT or BATAL, look it up.

A reserved number always ends in exactly one of TERBIT or BATAL; it is never handed out again.
"""

from __future__ import annotations

import os
import secrets
import socket
from typing import Any

from tinydb import Query
from tinydb.table import Document

from sakti_cli.clock import iso
from sakti_cli.errors import ConfigError, NotFound
from sakti_cli.numbering import format_number, pattern_for, sequence_key
from sakti_cli.office import Workspace
from sakti_cli.registry import Transaction
from sakti_cli.sop import Service

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone
CODE_LENGTH = 16  # ~79 bits: not enumerable


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def reserve_number(txn: Transaction, ws: Workspace, service: Service, reg: str,
                   signatory: dict[str, Any]) -> dict[str, Any]:
    moment = txn.moment
    key = sequence_key(ws, service, moment.year)
    sequence = txn.next_counter(key)
    number = format_number(pattern_for(ws, service), service=service, unit=ws.config.kantor.kode_unit,
                           sequence=sequence, moment=moment)
    if txn.index_get("nomor", number) is not None:
        # Only reachable when a pattern lacks {tahun} or the scope was changed: refuse to reuse.
        raise ConfigError(f"Nomor {number} sudah pernah dipakai; pola nomor harus membuat nomor yang unik.",
                          saran="Pastikan pola nomor memuat {urut} dan {tahun}.")
    month = f"{moment:%Y-%m}"
    letter: dict[str, Any] = {
        "id": secrets.token_hex(8),
        "nomor_surat": number,
        "urut": sequence,
        "lingkup": key,
        "tahun": moment.year,
        "status": "DIPESAN",
        "layanan": service.kode,
        "nomor_registrasi": reg,
        "kode_verifikasi": new_verification_code(),
        "penandatangan": signatory,
        "dipesan": iso(moment),
        "proses": {"pid": os.getpid(), "host": socket.gethostname()},
        "bulan": month,
    }
    txn.letters(month).insert(letter)
    pointer = {"bulan": month, "id": letter["id"]}
    txn.index_put("nomor", number, pointer)
    txn.index_put("kode", str(letter["kode_verifikasi"]), pointer)
    txn.audit("pesan_nomor", number, None, "DIPESAN", nomor_registrasi=reg, lingkup=key, urut=sequence)
    return letter


def get_letter(txn: Transaction, pointer: dict[str, Any]) -> dict[str, Any]:
    found = txn.letters(pointer["bulan"]).get(Query().id == pointer["id"])
    if not isinstance(found, Document):
        raise NotFound(f"Surat {pointer['id']} ada di indeks tetapi tidak di register {pointer['bulan']}.")
    return dict(found)


def save_letter(txn: Transaction, letter: dict[str, Any]) -> None:
    txn.letters(letter["bulan"]).update(letter, Query().id == letter["id"])


def void_reserved(txn: Transaction, letter_id: str, month: str, reason: str) -> dict[str, Any]:
    letter = get_letter(txn, {"bulan": month, "id": letter_id})
    before = letter["status"]
    letter.update(status="BATAL", alasan_batal=reason, dibatalkan=iso(txn.moment))
    save_letter(txn, letter)
    txn.audit("batal_nomor", letter["nomor_surat"], before, "BATAL", alasan=reason)
    return letter


def find_letter(txn: Transaction, *, number: str | None = None, code: str | None = None,
                sha256: str | None = None) -> dict[str, Any] | None:
    for kind, key in (("nomor", number), ("kode", normalise_code(code) if code else None), ("sha256", sha256)):
        if key:
            pointer = txn.index_get(kind, key)
            if pointer:
                return get_letter(txn, pointer)
    return None
