"""Counters and letter numbers in PostgreSQL: gapless, never reused, and freed when a desk dies.

Gapless: the next value of a counter is ``INSERT ... ON CONFLICT DO UPDATE SET nilai = nilai + 1 RETURNING``
on the scope's row, which stays locked until the transaction that records the reservation (the letter row,
its open reservation, its audit event) commits; if that transaction fails, the increment is rolled back
with it. A second desk waits on the row, then gets the next value. Never a PostgreSQL sequence: a sequence
does not roll back, so a failed step would leave a hole in the letter numbers.

A desk that dies: every reservation has a lease, a random key of a session-level advisory lock that the
reserving connection takes inside the reservation's transaction and keeps until the letter leaves DIPESAN.
The server releases it when that connection ends, however the desk ended (SIGKILL, power cut, a dropped
network once the server notices). A reservation whose lease another connection can take is stale:
:func:`close_stale_reservations` (run by the next desk's register step) closes it BATAL "proses terhenti",
and its number is never handed out again. Nothing here is a process id, so it works across hosts.
Letters waiting for their signatory (MENUNGGU_TTD) have left the open reservations: they are never
closed this way. :func:`claim_open` re-checks, under the row's lock, that a reservation is still open and
held by this connection before it is completed: a desk whose connection dropped and whose number was closed
meanwhile cannot record it TERBIT.

Everything takes the connection (the lease is the session's), and runs in ``conn.transaction()`` (a
savepoint when the caller has one open).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sakti_cli.core.children import own_process
from sakti_cli.core.clock import iso
from sakti_cli.core.errors import ConfigError, StateConflict
from sakti_cli.register.pg.audit import append_event
from sakti_cli.register.pg.rows import get_application, get_letter, insert_letter, save_application, save_letter
from sakti_cli.register.recovery import REASON
from sakti_cli.register.states import LetterStatus, digest_taken, move_letter

RESERVED = LetterStatus.DIPESAN
FINISHED = (LetterStatus.TERBIT, LetterStatus.MENUNGGU_TTD, LetterStatus.BATAL)
"""Where a reservation may go: issued, waiting for its signatory (queue), or void."""

_HELD = ("EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = pg_backend_pid() "
         "AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = {key})")
"""SQL: this session holds the lease ``{key}`` (a bigint advisory lock shows its halves in classid/objid)."""


@dataclass(frozen=True)
class Reservation:
    letter: dict[str, Any]
    lease: int
    """The advisory-lock key held by the reserving connection (``pemesanan.kunci_sesi``)."""


# --- counters -------------------------------------------------------------------------------------------------
def next_value(cur: Any, key: str) -> int:
    """The counter ``key`` of this office plus one; its row stays locked until the transaction ends."""
    cur.execute("INSERT INTO urutan (kunci, nilai) VALUES (%s, 1) ON CONFLICT (kantor, kunci) "
                "DO UPDATE SET nilai = urutan.nilai + 1 RETURNING nilai", (key,))
    return int(cur.fetchone()[0])


def counter_value(cur: Any, key: str) -> int:
    cur.execute("SELECT nilai FROM urutan WHERE kunci = %s", (key,))
    row = cur.fetchone()
    return int(row[0]) if row else 0


def set_counter(cur: Any, key: str, value: int) -> None:
    """For ``sakti nomor mulai``: the caller has checked that no number at or below ``value`` is lost."""
    cur.execute("INSERT INTO urutan (kunci, nilai) VALUES (%s, %s) ON CONFLICT (kantor, kunci) "
                "DO UPDATE SET nilai = EXCLUDED.nilai", (key, value))


# --- reservations ---------------------------------------------------------------------------------------------
def reserve_number(conn: Any, scope: str, build: Callable[[int], dict[str, Any]], *, actor: str,
                   moment: datetime) -> Reservation:
    """Reserve the next number of ``scope``: ``build(sequence)`` returns the letter (id, nomor_surat,
    kode_verifikasi, nomor_registrasi, ...); recorded DIPESAN with its open reservation, its lease taken by
    this connection and its ``pesan_nomor`` event, all in one transaction."""
    import psycopg

    lease = lease_key()
    try:
        with conn.transaction(), conn.cursor() as cur:
            sequence = next_value(cur, scope)
            letter = {**build(sequence), "urut": sequence, "lingkup": scope, "status": RESERVED,
                      "dipesan": iso(moment), "proses": own_process()}
            cur.execute("SELECT pg_advisory_lock(%s)", (lease,))  # before the row is visible: never stale
            insert_letter(cur, letter)
            cur.execute("INSERT INTO pemesanan (surat_id, kunci_sesi, proses) VALUES (%s, %s, %s)",
                        (letter["id"], lease, _jsonb(letter["proses"])))
            append_event(cur, actor, moment, "pesan_nomor", letter["nomor_surat"], None, RESERVED,
                         nomor_registrasi=letter.get("nomor_registrasi"), lingkup=scope, urut=sequence)
    except psycopg.errors.UniqueViolation as exc:
        release_lease(conn, lease)
        raise duplicate_letter(exc, scope) from None
    except BaseException:
        release_lease(conn, lease)
        raise
    return Reservation(letter, lease)


def lease_key() -> int:
    """A new lease: a random positive bigint, the key of the session-level advisory lock that holds it."""
    return secrets.randbits(62) + 1


def duplicate_letter(exc: Any, scope: str) -> Exception:
    """A letter refused by a unique constraint (psycopg's UniqueViolation ``exc``) as the error to raise."""
    constraint = exc.diag.constraint_name
    if constraint in ("surat_nomor_unik", "surat_urut_unik"):
        return ConfigError(f"Nomor urut {scope} berikutnya sudah pernah dipakai; nomor tidak dipakai dua kali.",
                           saran="Pastikan pola nomor memuat {urut} dan {tahun}, dan nomor mulai tidak "
                                 "diturunkan di bawah nomor yang sudah terpakai.")
    if constraint == "surat_kode_unik":
        return StateConflict("Kode verifikasi surat baru sudah dipakai surat lain; surat tidak dicatat.",
                             saran="Ulangi: kode verifikasi dibuat baru setiap kali.")
    if constraint == "surat_sha256_unik":
        return digest_taken()
    if constraint == "surat_pkey":
        return StateConflict("Surat dengan id yang sama sudah ada di register; surat tidak dicatat.",
                             saran="Ulangi langkahnya; bila berulang, jalankan 'sakti register periksa'.")
    return exc


def take_lease(cur: Any, lease: int) -> bool:
    """Hold ``lease`` in this session (True), unless a live connection holds it (False)."""
    cur.execute("SELECT pg_try_advisory_lock(%s)", (lease,))
    return bool(cur.fetchone()[0])


def lease_held(cur: Any, lease: int) -> bool:
    """Whether this session holds ``lease``."""
    cur.execute("SELECT " + _HELD.format(key="%s"), (lease,))
    return bool(cur.fetchone()[0])


def lease_lost(cur: Any, lease: int) -> bool:
    """Whether no live connection holds ``lease`` (its desk is gone): tried, and let go again at once."""
    if lease_held(cur, lease) or not take_lease(cur, lease):
        return False
    cur.execute("SELECT pg_advisory_unlock(%s)", (lease,))
    return True


def release_lease(conn: Any, lease: int) -> None:
    """Let go of a lease this connection holds (after the letter left DIPESAN, or its transaction failed)."""
    import psycopg

    if conn.closed or conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
        return  # the session is gone (its locks with it) or the caller will roll back first
    with conn.cursor() as cur:
        if lease_held(cur, lease):  # a session lock: let go now, whatever transaction is open
            cur.execute("SELECT pg_advisory_unlock(%s)", (lease,))


def open_reservations(cur: Any) -> list[dict[str, Any]]:
    """The office's open reservations: id, number, lease, and whether this connection holds the lease."""
    cur.execute("SELECT p.surat_id, s.nomor_surat, p.kunci_sesi, p.proses, " + _HELD.format(key="p.kunci_sesi")
                + " FROM pemesanan p JOIN surat s ON s.kantor = p.kantor AND s.id = p.surat_id ORDER BY p.dipesan")
    return [{"id": row[0], "nomor_surat": row[1], "kunci_sesi": row[2], "proses": row[3], "milik_sesi_ini": row[4]}
            for row in cur.fetchall()]


def others_open(cur: Any) -> int:
    """How many of the office's open reservations this connection does not hold (other desks', live or dead)."""
    cur.execute("SELECT count(*) FROM pemesanan p WHERE NOT " + _HELD.format(key="p.kunci_sesi"))
    return int(cur.fetchone()[0])


def close_stale_reservations(conn: Any, *, actor: str, moment: datetime) -> list[dict[str, Any]]:
    """Close BATAL ("proses terhenti") every open reservation whose lease no live connection holds; the
    letters closed. Reservations this connection holds, or that another desk is completing (its row
    locked), are skipped; letters in the signing queue are not reservations any more."""
    taken: list[int] = []
    closed: list[dict[str, Any]] = []
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT p.surat_id, p.kunci_sesi, p.proses FROM pemesanan p WHERE NOT "
                        + _HELD.format(key="p.kunci_sesi") + " ORDER BY p.dipesan FOR UPDATE OF p SKIP LOCKED")
            for letter_id, lease, proses in cur.fetchall():
                if not take_lease(cur, lease):
                    continue  # its desk is alive
                taken.append(lease)
                letter = _close(cur, letter_id, proses, actor=actor, moment=moment)
                if letter is not None:
                    closed.append(letter)
    finally:
        for lease in taken:
            release_lease(conn, lease)
    return closed


def _close(cur: Any, letter_id: str, proses: Any, *, actor: str, moment: datetime) -> dict[str, Any] | None:
    """Close one stale reservation and note the number on its application (recovery.close_reservation's
    PostgreSQL twin); None when the letter had already left DIPESAN (the entry is dropped)."""
    letter = get_letter(cur, letter_id, lock=True)
    if letter is None or letter["status"] != RESERVED:
        cur.execute("DELETE FROM pemesanan WHERE surat_id = %s", (letter_id,))
        return None
    move_letter(letter, LetterStatus.BATAL, action="batal_nomor")
    letter.update(alasan_batal=REASON, dibatalkan=iso(moment), dibatalkan_oleh=actor)
    save_letter(cur, letter)
    append_event(cur, actor, moment, "batal_nomor", letter["nomor_surat"], RESERVED, LetterStatus.BATAL, alasan=REASON,
                 pid=(proses or {}).get("pid"), host=(proses or {}).get("host"))
    if letter.get("nomor_registrasi"):
        from sakti_cli.core.errors import NotFound

        try:
            record = get_application(cur, letter["nomor_registrasi"], lock=True)
        except NotFound:
            return letter
        if letter["nomor_surat"] not in record.setdefault("nomor_batal", []):
            record["nomor_batal"].append(letter["nomor_surat"])
            save_application(cur, record)
    return letter


def claim_open(cur: Any, letter_id: str) -> tuple[dict[str, Any], int]:
    """Lock an open reservation to complete it: its letter and lease. Refused (StateConflict, exit 5) when it
    was closed meanwhile (another desk found it stale) or another connection holds its lease; a reservation
    whose lease is free (this desk reconnected and no one closed it) is taken over by this connection."""
    cur.execute("SELECT kunci_sesi, " + _HELD.format(key="kunci_sesi")
                + " FROM pemesanan WHERE surat_id = %s FOR UPDATE", (letter_id,))
    row = cur.fetchone()
    letter = get_letter(cur, letter_id, lock=True)
    if row is None or letter is None or letter["status"] != RESERVED:
        number = letter["nomor_surat"] if letter else letter_id
        status = letter["status"] if letter else "tidak ada"
        raise StateConflict(f"Pemesanan nomor {number} sudah ditutup (status {status}); surat tidak dicatat.",
                            saran="Nomor itu tidak dipakai lagi; terbitkan ulang permohonannya untuk nomor baru.",
                            nomor_surat=number, status=status)
    lease, held = int(row[0]), bool(row[1])
    if not held and not take_lease(cur, lease):
        raise StateConflict(f"Pemesanan nomor {letter['nomor_surat']} sedang dipegang desk lain.",
                            saran="Tunggu desk itu selesai, lalu lihat statusnya dengan 'sakti status REG'.")
    return letter, lease


_FINISH_ACTION = {LetterStatus.TERBIT: "terbit", LetterStatus.MENUNGGU_TTD: "siapkan",
                  LetterStatus.BATAL: "batal_nomor"}


def finish_reservation(conn: Any, letter_id: str, status: str, changes: dict[str, Any], *, actor: str,
                       moment: datetime, aksi: str, **detail: Any) -> dict[str, Any]:
    """Move an open reservation to ``status`` (TERBIT, MENUNGGU_TTD or BATAL) with ``changes``, its audit event
    ``aksi``, in one transaction after :func:`claim_open`; the lease is let go after the commit."""
    if status not in FINISHED:
        raise ValueError(f"status akhir pemesanan tidak dikenal: {status}")
    with conn.transaction(), conn.cursor() as cur:
        letter, lease = claim_open(cur, letter_id)
        letter.update(changes)
        move_letter(letter, LetterStatus(status), action=_FINISH_ACTION[LetterStatus(status)])
        save_letter(cur, letter)
        append_event(cur, actor, moment, aksi, letter["nomor_surat"], RESERVED, status, **detail)
    release_lease(conn, lease)
    return letter


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)
