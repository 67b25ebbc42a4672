"""Applications, letters and the batch row keys as rows: the record dict in ``data``, lookups by column.

Plain functions over a cursor inside the caller's transaction; every row is the connecting office's
(row-level security, :mod:`.offices`). ``lock=True`` reads with ``FOR UPDATE``: the row stays locked until
the transaction ends, which is how two desks changing one record are put one after the other.
"""

from __future__ import annotations

from typing import Any

from sakti_cli.core.errors import NotFound, StateConflict
from sakti_cli.register.states import LetterStatus

WAITING = LetterStatus.MENUNGGU_TTD


def _jsonb(value: dict[str, Any]) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def _one(cur: Any, query: str, params: tuple[Any, ...], lock: bool) -> dict[str, Any] | None:
    cur.execute(query + (" FOR UPDATE" if lock else ""), params)
    row = cur.fetchone()
    return dict(row[0]) if row else None


# --- applications ---------------------------------------------------------------------------------------------
def insert_application(cur: Any, record: dict[str, Any]) -> None:
    cur.execute("INSERT INTO permohonan (data) VALUES (%s)", (_jsonb(record),))


def get_application(cur: Any, reg: str, *, lock: bool = False) -> dict[str, Any]:
    found = _one(cur, "SELECT data FROM permohonan WHERE nomor_registrasi = %s", (reg,), lock)
    if found is None:
        raise NotFound(f"Nomor registrasi {reg} tidak ada di register.",
                       saran="Periksa nomornya; 'sakti permohonan' menampilkan yang ada.")
    return found


def save_application(cur: Any, record: dict[str, Any]) -> None:
    cur.execute("UPDATE permohonan SET data = %s WHERE nomor_registrasi = %s",
                (_jsonb(record), record["nomor_registrasi"]))


# --- letters -------------------------------------------------------------------------------------------------
def insert_letter(cur: Any, letter: dict[str, Any]) -> None:
    cur.execute("INSERT INTO surat (data) VALUES (%s)", (_jsonb(letter),))
    _index_digests(cur, letter)


def get_letter(cur: Any, letter_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    return _one(cur, "SELECT data FROM surat WHERE id = %s", (letter_id,), lock)


def find_letter(cur: Any, *, number: str | None = None, code: str | None = None, sha256: str | None = None,
                lock: bool = False) -> dict[str, Any] | None:
    """By letter number, verification code (as stored: letters.normalise_code) or any of its digests."""
    if number is not None:
        return _one(cur, "SELECT data FROM surat WHERE nomor_surat = %s", (number,), lock)
    if code is not None:
        return _one(cur, "SELECT data FROM surat WHERE kode_verifikasi = %s", (code,), lock)
    if sha256 is not None:
        return _one(cur, "SELECT s.data FROM surat s JOIN sidik_surat d ON d.kantor = s.kantor AND d.surat_id = s.id "
                         "WHERE d.sha256 = %s", (sha256.lower(),), lock)
    raise ValueError("find_letter: number, code or sha256")


def digests(letter: dict[str, Any]) -> list[str]:
    """The first signed PDF's digest, then its revisions' (sakti_cli.register.letters.letter_digests' convention)."""
    found = [letter["sha256"]] if letter.get("sha256") else []
    found += [r["sha256"] for r in letter.get("revisi") or [] if isinstance(r, dict) and r.get("sha256")]
    return [str(digest).lower() for digest in found]


def save_letter(cur: Any, letter: dict[str, Any]) -> None:
    """Write the letter; a letter that left DIPESAN leaves the open reservations; its digests are indexed."""
    cur.execute("UPDATE surat SET data = %s WHERE id = %s", (_jsonb(letter), letter["id"]))
    if letter["status"] != LetterStatus.DIPESAN:
        cur.execute("DELETE FROM pemesanan WHERE surat_id = %s", (letter["id"],))
    _index_digests(cur, letter)


def _index_digests(cur: Any, letter: dict[str, Any]) -> None:
    for digest in digests(letter):
        cur.execute("INSERT INTO sidik_surat (sha256, surat_id) VALUES (%s, %s) ON CONFLICT (kantor, sha256) "
                    "DO NOTHING", (digest, letter["id"]))
        cur.execute("SELECT surat_id FROM sidik_surat WHERE sha256 = %s", (digest,))
        (owner,) = cur.fetchone()
        if owner != letter["id"]:
            raise StateConflict(f"PDF dengan SHA-256 {digest[:12]}… sudah tercatat untuk surat lain.",
                                saran="Satu PDF hanya untuk satu surat; periksa surat itu dengan 'sakti verifikasi'.")


def waiting_letters(cur: Any, signatory_id: str | None = None) -> list[dict[str, Any]]:
    """The signing queue (MENUNGGU_TTD), oldest first; of one signatory when given."""
    query = "SELECT data FROM surat WHERE status = %s"
    params: tuple[Any, ...] = (WAITING,)
    if signatory_id is not None:
        query, params = query + " AND penandatangan = %s", (WAITING, signatory_id)
    cur.execute(query + " ORDER BY data->>'dipesan', nomor_surat", params)
    return [dict(row[0]) for row in cur.fetchall()]


# --- batch row keys (sakti massal) ----------------------------------------------------------------------------
def claim_row_key(cur: Any, key: str, reg: str) -> str | None:
    """Index a batch row's key to ``reg``; the registration number it already had, else None (claimed now).

    A second desk registering the same row at the same moment waits here for the first one's commit and then
    gets its number: a batch run on two desks never registers one row twice."""
    cur.execute("INSERT INTO kunci_baris (kunci, nomor_registrasi) VALUES (%s, %s) ON CONFLICT (kantor, kunci) "
                "DO NOTHING RETURNING nomor_registrasi", (key, reg))
    if cur.fetchone() is not None:
        return None
    return row_key_owner(cur, key)


def row_key_owner(cur: Any, key: str) -> str | None:
    cur.execute("SELECT nomor_registrasi FROM kunci_baris WHERE kunci = %s", (key,))
    row = cur.fetchone()
    return str(row[0]) if row else None
