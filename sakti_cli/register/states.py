"""The application and letter state machines: statuses as enums, one transition table per record kind,
and the one function per kind every status change goes through.

``StrEnum`` members are ``str``: they compare equal to, hash like, and serialise (json.dumps, TinyDB) as
today's plain strings, so stored registers and ``--json`` output are unchanged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sakti_cli.core.errors import StateConflict
from sakti_cli.register.session import Application, Letter


class ApplicationStatus(StrEnum):
    DITERIMA = "DITERIMA"
    LENGKAP = "LENGKAP"
    BELUM_LENGKAP = "BELUM_LENGKAP"
    MENUNGGU_TTD = "MENUNGGU_TTD"
    TERBIT = "TERBIT"
    DITOLAK = "DITOLAK"


class LetterStatus(StrEnum):
    DIPESAN = "DIPESAN"
    MENUNGGU_TTD = "MENUNGGU_TTD"
    TERBIT = "TERBIT"
    BATAL = "BATAL"


A = ApplicationStatus
L = LetterStatus

APPLICATION_INITIAL = A.DITERIMA  # 'daftar'
LETTER_INITIAL = L.DIPESAN  # 'pesan_nomor'

_OPEN = (A.DITERIMA, A.LENGKAP, A.BELUM_LENGKAP)  # editable: files, data, originals, checks, refusal
_EDITS = (("lengkapi", A.DITERIMA), ("ubah", A.DITERIMA), ("asli_dilihat", A.DITERIMA),
          ("periksa", A.LENGKAP), ("periksa", A.BELUM_LENGKAP), ("tolak", A.DITOLAK))

# from-state -> the (action, to-state) pairs allowed from it; a pair missing here is refused (exit 5).
APPLICATION_MOVES: dict[ApplicationStatus, tuple[tuple[str, ApplicationStatus], ...]] = {
    A.DITERIMA: _EDITS,
    A.BELUM_LENGKAP: _EDITS,
    A.LENGKAP: (*_EDITS, ("siapkan", A.MENUNGGU_TTD), ("terbit", A.TERBIT)),
    A.MENUNGGU_TTD: (("terbit", A.TERBIT), ("kembalikan", A.LENGKAP)),
    A.TERBIT: (("batalkan", A.LENGKAP),),
    A.DITOLAK: (),
}

LETTER_MOVES: dict[LetterStatus, tuple[tuple[str, LetterStatus], ...]] = {
    L.DIPESAN: (("terbit", L.TERBIT), ("siapkan", L.MENUNGGU_TTD), ("batal_nomor", L.BATAL)),
    L.MENUNGGU_TTD: (("terbit", L.TERBIT), ("kembalikan", L.BATAL)),
    L.TERBIT: (("batalkan", L.BATAL),),
    L.BATAL: (),
}

FINAL_APPLICATION = (A.TERBIT, A.DITOLAK)
LOCKED_APPLICATION = (*FINAL_APPLICATION, A.MENUNGGU_TTD)  # not changed by staff edits


def _allowed(table: dict[Any, tuple[tuple[str, Any], ...]], old: str, action: str) -> tuple[str, ...]:
    return tuple(to for act, to in table.get(old, ()) if act == action)


def _from_states(table: dict[Any, tuple[tuple[str, Any], ...]], action: str, to: str) -> list[str]:
    return [str(old) for old, moves in table.items() if (action, to) in moves]


def _move(table: dict[Any, tuple[tuple[str, Any], ...]], record: Any, to: str, action: str,
          name: str) -> str:
    """The one place a status is set: ``to`` by ``action`` when the table holds the move, else exit 5."""
    old = str(record.get("status"))
    if to not in _allowed(table, old, action):
        needed = _from_states(table, action, to)
        raise StateConflict(
            f"{name} berstatus {old}; tindakan '{action}' (menjadi {to}) hanya dari status "
            f"{' atau '.join(needed) or '-'}.",
            saran=f"Lihat riwayatnya dengan 'sakti status {record.get('nomor_registrasi', 'REG')}'.")
    record["status"] = to
    return old


def move_application(record: Application | dict[str, Any], to: ApplicationStatus, *, action: str) -> ApplicationStatus:
    """Set the application's status by ``action`` (APPLICATION_MOVES). Returns the former status."""
    name = f"Permohonan {record.get('nomor_registrasi', '?')}"
    return ApplicationStatus(_move(APPLICATION_MOVES, record, to, action, name))


def letter_may_become(stored: str, new: str) -> bool:
    """Whether a letter stored as ``stored`` may be saved as ``new``: the same status, or a move of
    LETTER_MOVES (a desk completing a reservation that another step closed BATAL meanwhile may not)."""
    return stored == new or new in {to for _, to in LETTER_MOVES.get(LetterStatus(stored), ())}


def stale_letter(number: object, stored: str, new: str) -> StateConflict:
    """The refusal of :func:`letter_may_become`, the same on every backend."""
    return StateConflict(
        f"Surat {number} sudah berstatus {stored} di register; tidak dapat disimpan sebagai {new}.",
        saran="Nomor yang ditutup tidak dipakai lagi; terbitkan ulang permohonannya untuk nomor baru.")


def digest_taken() -> StateConflict:
    """A PDF digest already recorded for another letter: one PDF is one letter, on every backend."""
    return StateConflict("PDF dengan SHA-256 itu sudah tercatat untuk surat lain.",
                         saran="Satu PDF hanya untuk satu surat; periksa surat itu dengan 'sakti verifikasi'.")


def move_letter(letter: Letter | dict[str, Any], to: LetterStatus, *, action: str) -> LetterStatus:
    """Set the letter's status by ``action`` (LETTER_MOVES). Returns the former status."""
    return LetterStatus(_move(LETTER_MOVES, letter, to, action, f"Surat {letter.get('nomor_surat', '?')}"))
