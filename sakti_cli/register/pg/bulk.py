"""Bulk reading and writing of an office's PostgreSQL register, for ``register salin`` and backups.

Plain functions over a cursor inside the caller's transaction (row-level security keeps them to the connecting
office's rows). :func:`read_register` reads every record, counter, index row and audit line as stored (the
caller's snapshot: :func:`sakti_cli.register.pg.connect.reading`); :func:`write_register` inserts a
:class:`~sakti_cli.register.snapshot.RegisterSnapshot` into an empty register, the trail line by line with the
hashes it has (``nomor`` from 1, the head row set to its last event), so the chain verifies unchanged.

Tables added by later migrations (``nomor_mulai``, ``audit_nama``, ``indeks_nik.data``: m002) are used when the
schema has them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sakti_cli.core.errors import RegisterCorrupt
from sakti_cli.register.pg.files import get_file, put_file
from sakti_cli.register.pg.rows import insert_application, insert_letter
from sakti_cli.register.snapshot import RegisterSnapshot, StoredFile, neutral_counters, neutral_letter
from sakti_cli.register.states import LetterStatus
from sakti_cli.register.trail import GENESIS, event_names

CONTENT_TABLES = ("permohonan", "surat", "urutan", "audit", "berkas", "kunci_baris", "indeks_nik", "pemesanan",
                  "audit_kepala")
"""What an office's register holds: a copy goes only into a register where all of them are empty."""


def _has_table(cur: Any, name: str) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
    return bool(cur.fetchone()[0])


def _has_column(cur: Any, table: str, column: str) -> bool:
    cur.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                (table, column))
    return cur.fetchone() is not None


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def filled_tables(cur: Any) -> list[str]:
    """The office's tables that already hold rows ([] for an empty register)."""
    filled = []
    for table in (*CONTENT_TABLES, *(("nomor_mulai",) if _has_table(cur, "nomor_mulai") else ())):
        condition = " WHERE jumlah > 0" if table == "audit_kepala" else ""  # claim_head's own row: still empty
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table}{condition})")
        if cur.fetchone()[0]:
            filled.append(table)
    return filled


def claim_head(cur: Any) -> None:
    """Create the office's (empty) chain head first thing in the copy's transaction: its row stays locked until
    the copy commits, so a desk of this office appending an event meanwhile waits and then chains after the
    copy, and no other office is held up (a table lock would stop a kabupaten's every office). A head that
    exists already is a register that is not empty (TargetNotEmpty is raised by the caller's check)."""
    cur.execute("INSERT INTO audit_kepala (hash, jumlah) VALUES (%s, 0) ON CONFLICT (kantor) DO NOTHING", (GENESIS,))


def read_register(cur: Any, where: str) -> RegisterSnapshot:
    """The connecting office's register as a snapshot; a trail whose stored hash column, numbering or head row
    disagree with its lines is reported as its first such event (RegisterCorrupt, exit 4)."""
    snapshot = RegisterSnapshot(where=where)
    ordered = _has_column(cur, "surat", "nomor_baris")
    cur.execute("SELECT data FROM permohonan ORDER BY " + ("nomor_baris" if ordered else "nomor_registrasi"))
    snapshot.applications = [dict(row[0]) for row in cur.fetchall()]
    cur.execute("SELECT data FROM surat ORDER BY " + ("nomor_baris" if ordered else "data->>'dipesan', lingkup, urut"))
    snapshot.letters = [neutral_letter(dict(row[0])) for row in cur.fetchall()]
    cur.execute("SELECT kunci, nilai FROM urutan ORDER BY kunci")
    snapshot.counters = neutral_counters({str(k): int(v) for k, v in cur.fetchall()})
    if _has_table(cur, "nomor_mulai"):
        cur.execute("SELECT data FROM nomor_mulai ORDER BY nomor")
        snapshot.number_starts = [dict(row[0]) for row in cur.fetchall()]
    cur.execute("SELECT kunci, nomor_registrasi FROM kunci_baris ORDER BY kunci")
    snapshot.batch_rows = {str(k): str(v) for k, v in cur.fetchall()}
    services = {str(r.get("nomor_registrasi")): r.get("layanan") for r in snapshot.applications}
    whole = _has_column(cur, "indeks_nik", "data")
    cur.execute("SELECT nik_sha256, nomor_registrasi" + (", data" if whole else ", NULL")
                + " FROM indeks_nik ORDER BY nik_sha256" + (", urut" if whole else "") + ", nomor_registrasi")
    for digest, reg, data in cur.fetchall():
        entry = dict(data) if data else {"nomor_registrasi": reg, "layanan": services.get(str(reg))}
        snapshot.nik_index.setdefault(str(digest), []).append(entry)
    cur.execute("SELECT p.surat_id, s.nomor_surat FROM pemesanan p JOIN surat s ON s.kantor = p.kantor "
                "AND s.id = p.surat_id ORDER BY p.dipesan")
    snapshot.open_reservations = [{"id": row[0], "nomor_surat": row[1]} for row in cur.fetchall()]
    snapshot.queue = [str(x["id"]) for x in snapshot.letters if x.get("status") == LetterStatus.MENUNGGU_TTD]
    cur.execute("SELECT nomor, hash, baris FROM audit ORDER BY nomor")
    for expected, (number, stored, line) in enumerate(cur.fetchall(), 1):
        event = json.loads(line)
        if number != expected or stored != event.get("hash"):
            raise RegisterCorrupt(
                f"Jejak audit register {where} rusak pada peristiwa nomor {number} (id {event.get('id')}, "
                f"{event.get('aksi')} {event.get('objek')}): "
                + ("nomor peristiwa tidak berurutan." if number != expected
                   else "kolom hash tidak sama dengan isinya."),
                saran="Jangan salin register ini; jalankan 'sakti register periksa' pada register asal.")
        snapshot.events.append(str(line))
    cur.execute("SELECT hash, jumlah FROM audit_kepala")
    head = cur.fetchone()
    if snapshot.events and (head is None or (str(head[0]), int(head[1])) != (snapshot.head(), len(snapshot.events))):
        raise RegisterCorrupt(f"Kepala jejak audit register {where} tidak cocok dengan peristiwa terakhirnya "
                              "(peristiwa terakhir dihapus?).",
                              saran="Jangan salin register ini; jalankan 'sakti register periksa' pada register asal.")
    return snapshot


def read_file(cur: Any, item: StoredFile) -> bytes:
    return get_file(cur, item.sha256)


def write_register(cur: Any, snapshot: RegisterSnapshot, files: Iterable[tuple[StoredFile, bytes]]) -> int:
    """Insert ``snapshot`` and its files into the connecting office's empty register; the number of files."""
    import mimetypes

    for record in snapshot.applications:
        insert_application(cur, record)
    for letter in snapshot.letters:
        insert_letter(cur, letter)
    cur.executemany("INSERT INTO urutan (kunci, nilai) VALUES (%s, %s)", list(snapshot.counters.items()))
    if snapshot.number_starts:
        if not _has_table(cur, "nomor_mulai"):
            raise RegisterCorrupt("Skema register di server belum punya tempat untuk 'nomor mulai'.",
                                  saran="Minta admin menjalankan migrasi skema terbaru, lalu ulangi salin.")
        cur.executemany("INSERT INTO nomor_mulai (data) VALUES (%s)", [(_jsonb(r),) for r in snapshot.number_starts])
    cur.executemany("INSERT INTO kunci_baris (kunci, nomor_registrasi) VALUES (%s, %s)",
                    list(snapshot.batch_rows.items()))
    whole = _has_column(cur, "indeks_nik", "data")
    for digest, entries in snapshot.nik_index.items():
        for place, entry in enumerate(entries):
            if whole:
                cur.execute("INSERT INTO indeks_nik (nik_sha256, nomor_registrasi, data, urut) VALUES (%s, %s, %s, %s)",
                            (digest, str(entry["nomor_registrasi"]), _jsonb(entry), place))
            else:
                cur.execute("INSERT INTO indeks_nik (nik_sha256, nomor_registrasi) VALUES (%s, %s)",
                            (digest, str(entry["nomor_registrasi"])))
    names = _has_table(cur, "audit_nama")
    for number, line in enumerate(snapshot.events, 1):
        event = json.loads(line)
        cur.execute("INSERT INTO audit (nomor, id, waktu, petugas, aksi, objek, prev, hash, baris) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (number, event["id"], event["waktu"], event.get("petugas"), event["aksi"], event.get("objek"),
                     event["prev"], event["hash"], line))
        if names:
            cur.executemany("INSERT INTO audit_nama (nama, nomor) VALUES (%s, %s)",
                            [(name, number) for name in sorted(event_names(event))])
    cur.execute("UPDATE audit_kepala SET hash = %s, jumlah = %s WHERE kantor = session_user",
                (snapshot.head(), len(snapshot.events)))  # the row claim_head made
    count = 0
    for item, content in files:
        put_file(cur, content, mimetypes.guess_type(item.path)[0] or "application/octet-stream")
        count += 1
    return count
