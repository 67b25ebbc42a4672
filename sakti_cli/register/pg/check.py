"""``register periksa`` on a PostgreSQL register: the same questions as :mod:`sakti_cli.register.check`, asked
of the office's rows, reported in the same shape (``bersih``, ``masalah``, ``catatan``, ``ringkasan``,
``menggantung``) so the command prints and serialises both backends alike.

What the database already guarantees is not re-derived (a letter's status is one of four, numbers, codes and
digests are unique per office, the audit table refuses UPDATE and DELETE); what it cannot is checked:
  - the audit chain (:func:`sakti_cli.register.pg.audit.chain_problems`) and its head, and no 16-digit number
    (a NIK or KK) in any event;
  - per numbering scope, the sequence 1..counter: each number exactly one letter, none missing; numbers below
    the scope's ``nomor mulai`` that the register does not hold were issued on paper;
  - open reservations: each DIPESAN letter has its reservation row and vice versa; a reservation whose lease
    no live connection holds is abandoned (listed in ``menggantung``; ``--perbaiki`` closes it BATAL
    "proses terhenti" through :meth:`sakti_cli.register.pg.session.PgRegister.close_abandoned`);
  - each letter's status consistent with its application (and back), replacement letters pointing at each
    other, registration counters not below a recorded application, nothing the trail registered or reserved
    missing;
  - the digest lookups (``sidik_surat``) of every TERBIT letter;
  - every file a record names (an application's scans, a letter's signed PDF, a waiting letter's unsigned
    PDF) present in the store (``berkas``) and hashing to its SHA-256, hashed by the server.
Bounded memory: the checks that join records run in the server and send back only the rows that are wrong;
the two that walk every row (the letters by scope, the trail) read through server-side cursors. One
REPEATABLE READ, READ ONLY snapshot for all of it: desks may keep working meanwhile.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from sakti_cli.core.id_format import mask_nik
from sakti_cli.core.nik import find_id_numbers, may_hold_id_number
from sakti_cli.register.numbering import scope_label
from sakti_cli.register.states import ApplicationStatus, LetterStatus

if TYPE_CHECKING:
    from sakti_cli.register.checkpoint import FileCounts, Plan
    from sakti_cli.register.pg.checkpoint import Since

STREAM_ROWS = 2000  # rows per round trip of a server-side cursor
WAITING = LetterStatus.MENUNGGU_TTD
_COUNTED = (LetterStatus.DIPESAN, LetterStatus.TERBIT, LetterStatus.BATAL)  # per scope (waiting: in the summary)

LEASE_HELD = ("EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
              "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
              "AND ((l.classid::bigint << 32) | l.objid::bigint) = {key})")
"""SQL: some live connection (of any desk, on any host) holds the lease ``{key}`` (numbers.py's advisory lock)."""


class Report:
    """What the check found, in the TinyDB check's shapes: problems and notes ``{jenis, berkas, pesan, ...}``
    (``berkas`` names the table here), and the abandoned reservations ``--perbaiki`` closes."""

    def __init__(self) -> None:
        self.problems: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.dangling: list[dict[str, Any]] = []

    def problem(self, kind: str, where: str, message: str, **detail: Any) -> None:
        self.problems.append({"jenis": kind, "berkas": where, "pesan": message, **detail})

    def note(self, kind: str, where: str, message: str, **detail: Any) -> None:
        self.notes.append({"jenis": kind, "berkas": where, "pesan": message, **detail})


def stream(conn: Any, query: str, params: Any = None) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` through a server-side cursor (inside the caller's transaction): a few thousand
    rows in memory at a time, whatever the table's size."""
    with conn.cursor(name=f"periksa_{secrets.token_hex(4)}") as cur:
        cur.itersize = STREAM_ROWS
        cur.execute(query, params)
        yield from cur


def check_pg_register(conn: Any, *, moment: datetime | None = None, full: bool = False,
                      keep: bool = True) -> dict[str, Any]:
    """Check the connecting office's register (reads only, in one snapshot); then, when it is clean and ``keep``,
    leave the office's checkpoint (:mod:`sakti_cli.register.pg.checkpoint`, its own short transaction).

    Incremental (``bertahap``) from the office's checkpoint unless ``full`` or without a usable one: the trail
    from the checkpoint's event on (the events before it confirmed unchanged and complete), and the content of
    the stored files whose row or referring record was written since, plus the rolling sample; the rest (the
    joins, the numbers, every reference's presence in the store) is SQL that runs whole either way."""
    from sakti_cli.core.clock import iso, now
    from sakti_cli.register import checkpoint as titik
    from sakti_cli.register.pg import checkpoint as pg_titik
    from sakti_cli.register.pg.connect import reading

    at = moment or now()
    report = Report()
    with reading(conn) as cur:
        # each query is one scan or join: compiling it (JIT) cost ~1 s a query at 100,000 letters; and every row
        # a cursor yields is read, so plan for all of them, not the first tenth (fast-start nested loops)
        cur.execute("SET LOCAL jit = off; SET LOCAL cursor_tuple_fraction = 1")
        key = titik.seal_key(pg_titik.identity(cur))
        loaded = titik.load(pg_titik.read(cur), key)
        problems, notes = titik.loaded_findings(loaded, pg_titik.WHERE)
        report.problems.extend(problems)
        report.notes.extend(notes if not full else [])
        snapshot, xmax = pg_titik.current_snapshot(cur)
        chosen, since = _confirm_trail(cur, *pg_titik.since(titik.plan(loaded, full=full), xmax))
        report.notes.extend(titik.head_findings(chosen, pg_titik.WHERE))
        if chosen.reason in pg_titik.REASONS:
            report.note("titik_periksa", pg_titik.WHERE, f"Pemeriksaan bertahap tidak dapat dipakai: "
                                                         f"{chosen.reason}; register diperiksa penuh.")
        events, head = _check_audit(report, cur, chosen)
        scopes, counts = _check_numbers(report, conn, cur)
        _check_reservations(report, cur)
        _check_lookups(report, cur)
        applications = _check_applications(report, conn, cur)
        _check_missing(report, cur)
        files = _check_files(report, conn, cur, since, chosen.run)
        stored = _stored_count(cur)
    full_at = chosen.checkpoint.full_at if chosen.incremental and chosen.checkpoint is not None else iso(at)
    stale = titik.stale_full_note(full_at, at, pg_titik.WHERE) if chosen.incremental else None
    if stale is not None:
        report.notes.append(stale)
    if keep and all(problem["jenis"] == "titik_periksa" for problem in report.problems):
        made = titik.next_checkpoint(chosen, events=events, head=head, locator=str(events), moment=iso(at),
                                     files={}, records={pg_titik.SNAPSHOT: snapshot, pg_titik.STORED: str(stored)})
        pg_titik.write(conn, titik.seal(made, key))
    return {
        "bersih": not report.problems,
        "masalah": report.problems,
        "catatan": report.notes,
        "ringkasan": {"permohonan": applications, "surat": sum(counts.values()),
                      "terbit": counts.get(LetterStatus.TERBIT, 0), "batal": counts.get(LetterStatus.BATAL, 0),
                      "dipesan": counts.get(LetterStatus.DIPESAN, 0), "menunggu_ttd": counts.get(WAITING, 0),
                      "peristiwa": events, "lingkup": scopes},
        "pemeriksaan": titik.summary(chosen, files, full_at),
        "menggantung": report.dangling,
    }


def _stored_count(cur: Any) -> int:
    cur.execute("SELECT count(*) FROM berkas")
    return int(cur.fetchone()[0])


# --- the audit trail ------------------------------------------------------------------------------------------
def _confirm_trail(cur: Any, chosen: Plan, since: Since | None) -> tuple[Plan, Since | None]:
    """An incremental plan kept only if the trail up to the checkpoint is still what it verified: the event
    there hashes to the checkpoint's head, none before it is missing, and none before it was written since (the
    table refuses UPDATE; a row rewritten with the trigger off has a new ``xmin``). Else full."""
    from sakti_cli.register import checkpoint as titik
    from sakti_cli.register.pg.checkpoint import changed
    from sakti_cli.register.trail import event_hash

    if not chosen.incremental or chosen.checkpoint is None or since is None:
        return chosen, since
    upto = chosen.checkpoint.events
    cur.execute("SELECT hash, baris FROM audit WHERE nomor = %s", (upto,))
    row = cur.fetchone()
    stored_head = None
    if row is not None:
        try:
            event = json.loads(row[1])
        except ValueError:
            event = {}
        if isinstance(event, dict) and event.get("hash") == row[0] and event_hash(event) == row[0]:
            stored_head = str(row[0])
    cur.execute("SELECT count(*) FROM audit")
    chosen = titik.confirm(chosen, stored_head, int(cur.fetchone()[0]))
    if not chosen.incremental:
        return chosen, None
    cur.execute(f"SELECT count(*), count(*) FILTER (WHERE {changed('a', since)}) FROM audit a "
                "WHERE a.nomor <= %(upto)s", {**since.params(), "upto": upto})
    held, rewritten = cur.fetchone()
    if held != upto or rewritten:
        return titik.Plan(titik.FULL, titik.REASON_TRAIL), None
    return chosen, since


def _check_audit(report: Report, cur: Any, chosen: Plan) -> tuple[int, str]:
    """The chain (from the checkpoint's event on, when incremental) and no NIK/KK in the events read; the
    number of events and the last one's hash."""
    from sakti_cli.register.pg.audit import walk_chain
    from sakti_cli.register.trail import GENESIS

    start = chosen.checkpoint if chosen.incremental else None
    count = start.events if start is not None else 0

    def each(event: dict[str, Any], line: str) -> None:
        nonlocal count
        count += 1
        if not may_hold_id_number(line):  # the stored line holds every text of the event: most are done here
            return
        content = {k: v for k, v in event.items() if k not in ("id", "hash", "prev", "waktu")}
        for _start, _end, found in find_id_numbers(json.dumps(content, ensure_ascii=False)):
            report.problem("audit_data_pribadi", "audit", f"Peristiwa audit {count} ({event.get('aksi')} "
                                                          f"{event.get('objek')}) memuat angka 16 digit "
                                                          f"({mask_nik(found)}): NIK/KK tidak boleh dicatat.")

    walk = walk_chain(cur, each, after=start.events if start else 0, prev=start.head if start else GENESIS)
    for problem in walk.problems:
        kind = "audit_diubah" if "diubah" in problem else "audit_putus"
        report.problem(kind, "audit", f"Jejak audit: {problem}.")
    return walk.events, walk.head


# --- numbers --------------------------------------------------------------------------------------------------
def _starts(cur: Any) -> dict[str, int]:
    """The latest ``nomor mulai`` of each scope (the table exists from schema version 2)."""
    cur.execute("SELECT to_regclass('nomor_mulai') IS NOT NULL")
    if not cur.fetchone()[0]:
        return {}
    cur.execute("SELECT data->>'lingkup', data->>'dari' FROM nomor_mulai ORDER BY nomor")
    return {str(key): int(first) for key, first in cur.fetchall() if key and str(first).isdigit()}


def _check_numbers(report: Report, conn: Any, cur: Any) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Per numbering scope, from the server's aggregates and its list of gaps (a window over the (scope,
    sequence) index: only the gaps come back, not the letters): the counter, numbers lost or on paper, the
    summary."""
    cur.execute("SELECT kunci, nilai FROM urutan WHERE kunci NOT LIKE 'registrasi|%'")
    counters = {str(key): int(value) for key, value in cur.fetchall()}
    starts = _starts(cur)
    counts: dict[str, int] = {}
    tally: dict[str, dict[str, Any]] = {}
    cur.execute("SELECT lingkup, status, count(*), max(urut) FROM surat GROUP BY lingkup, status")
    for key, status, count, highest in cur.fetchall():
        counts[status] = counts.get(status, 0) + int(count)
        state = tally.setdefault(str(key), {"highest": 0, **{s: 0 for s in _COUNTED}})
        state["highest"] = max(state["highest"], int(highest))
        if status in state:
            state[status] += int(count)
    for key in sorted(set(counters) - set(tally)):
        if key.startswith("nomor|") and counters[key] > 0:  # a scope whose every letter is gone
            tally[key] = {"highest": 0, **{s: 0 for s in _COUNTED}}
    gaps: dict[str, list[tuple[int, int]]] = {}
    for key, first, last in stream(
            conn, "SELECT lingkup, before + 1, urut - 1 FROM (SELECT lingkup, urut, lag(urut, 1, 0) OVER "
                  "(PARTITION BY lingkup ORDER BY urut) AS before FROM surat) g WHERE urut > before + 1 "
                  "ORDER BY lingkup, urut"):
        gaps.setdefault(str(key), []).append((int(first), int(last)))
    summary: list[dict[str, Any]] = []
    for key in sorted(tally):
        state = tally[key]
        counter, highest = counters.get(key), state["highest"]
        if counter is None and key.startswith("nomor|"):
            report.problem("penghitung", "urutan", f"Penghitung nomor untuk {scope_label(key)} hilang (surat "
                                                   f"tercatat sampai urut {highest}).")
        elif counter is not None and highest > counter:
            report.problem("penghitung", "urutan", f"Penghitung nomor {scope_label(key)} berhenti di {counter}, "
                                                   f"padahal urut {highest} sudah tercatat: nomor dapat terpakai "
                                                   "dua kali.")
        last = max(counter or 0, highest)
        start = starts.get(key, 1)
        paper = missing = 0
        for low, high in [*gaps.get(key, []), (highest + 1, last)]:
            if low > high:
                continue
            paper += max(0, min(high, start - 1) - low + 1)  # before the scope's start: issued on paper
            lost = range(max(low, start), high + 1)
            for urut in islice(lost, max(0, 20 - missing)):  # a wholesale loss: one line each up to 20, then counted
                report.problem("nomor_hilang", "surat", f"Nomor urut {urut} pada {scope_label(key)} tidak tercatat "
                                                        "(tidak TERBIT dan tidak BATAL).")
            missing += len(lost)
        if missing > 20:
            report.problem("nomor_hilang", "surat", f"{missing} nomor urut pada {scope_label(key)} "
                                                    "tidak tercatat (20 pertama di atas).")
        summary.append({"lingkup": key, "terakhir": last, "mulai": start, "kertas": paper, "hilang": missing,
                        **{s.lower(): state[s] for s in _COUNTED}})
    cur.execute("SELECT nomor_surat FROM surat WHERE status = 'BATAL' AND coalesce(data->>'alasan_batal', '') = '' "
                "ORDER BY lingkup, urut")
    for (number,) in cur.fetchall():
        report.problem("status_surat", "surat", f"Surat {number} BATAL tanpa alasan.")
    return summary, counts


def _check_reservations(report: Report, cur: Any) -> None:
    """DIPESAN letters against the reservation rows; each reservation's lease held by a live desk or not."""
    cur.execute("SELECT s.nomor_surat, s.id, p.surat_id IS NOT NULL, p.proses, "
                + LEASE_HELD.format(key="p.kunci_sesi") + " FROM surat s LEFT JOIN pemesanan p "
                "ON p.kantor = s.kantor AND p.surat_id = s.id WHERE s.status = 'DIPESAN' ORDER BY s.nomor_surat")
    for number, letter_id, listed, proses, held in cur.fetchall():
        process = proses if isinstance(proses, dict) else {}
        where = f"proses {process.get('pid', '?')} di komputer {process.get('host', '?')}"
        if not listed:
            report.problem("nomor_menggantung", "pemesanan", f"Nomor {number} berstatus DIPESAN tetapi tidak ada di "
                                                             "daftar pesanan terbuka: tidak akan ditutup otomatis.")
        elif held:
            report.note("sedang_diproses", "pemesanan", f"Nomor {number} sedang diproses ({where}).")
        else:
            report.problem("nomor_menggantung", "pemesanan",
                           f"Nomor {number} dipesan oleh {where} yang sudah berhenti dan belum ditutup.",
                           saran="Jalankan 'sakti register periksa --perbaiki' untuk menutupnya sebagai BATAL.")
            report.dangling.append({"id": letter_id, "nomor_surat": number})
    cur.execute("SELECT p.surat_id, s.nomor_surat, s.status FROM pemesanan p LEFT JOIN surat s "
                "ON s.kantor = p.kantor AND s.id = p.surat_id WHERE s.status IS DISTINCT FROM 'DIPESAN'")
    for letter_id, number, status in cur.fetchall():
        report.problem("nomor_menggantung", "pemesanan", f"Daftar pesanan terbuka memuat surat {number or letter_id} "
                                                         f"yang berstatus {status or 'tidak ada'}.")


def _check_lookups(report: Report, cur: Any) -> None:
    """Every digest of a TERBIT letter (each revision) finds that letter (verification by file)."""
    cur.execute(
        "SELECT s.nomor_surat FROM surat s, LATERAL (SELECT s.sha256 AS d WHERE s.sha256 IS NOT NULL UNION ALL "
        "SELECT r->>'sha256' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s.data->'revisi') = 'array' "
        "THEN s.data->'revisi' ELSE '[]'::jsonb END) r WHERE r->>'sha256' IS NOT NULL) x "
        "WHERE s.status = 'TERBIT' AND NOT EXISTS (SELECT 1 FROM sidik_surat i WHERE i.kantor = s.kantor "
        "AND i.sha256 = lower(x.d) AND i.surat_id = s.id) GROUP BY s.nomor_surat ORDER BY s.nomor_surat")
    for (number,) in cur.fetchall():
        report.problem("indeks", "sidik_surat", f"Indeks SHA-256 untuk surat {number} hilang atau menunjuk catatan "
                                                "lain: verifikasi berkas akan gagal.")


# --- applications and letters ---------------------------------------------------------------------------------
_APPLICATION_STATES = tuple(str(s) for s in ApplicationStatus)

_RECORD_CHECKS: tuple[tuple[str, str], ...] = (
    ("status_permohonan", "Permohonan {0} berstatus tidak sah: {1}."),
    ("status_permohonan", "Riwayat permohonan {0} tidak berakhir di status {1}."),
    ("permohonan_surat", "Permohonan {0} TERBIT tetapi suratnya ({1}) tidak ada di register atau tidak TERBIT."),
    ("permohonan_surat", "Surat {1} tidak cocok dengan permohonan {0} (nomor registrasi atau SHA-256 berbeda)."),
    ("permohonan_surat", "Permohonan {0} MENUNGGU_TTD tetapi suratnya ({1}) tidak menunggu tanda tangan."),
    ("permohonan_surat", "Permohonan {0} berstatus {1} tetapi mencatat surat {2}."),
    ("permohonan_surat", "Surat {1} TERBIT untuk {0}, tetapi permohonan itu tidak mencatatnya (status {2})."),
    ("permohonan_surat", "Surat {1} menunggu tanda tangan, tetapi permohonan {0} tidak MENUNGGU_TTD untuknya."),
    ("permohonan_surat", "Surat {1} menyebut permohonan {0} yang tidak ada di register."),
    ("permohonan_rusak", "Catatan permohonan {0} tanpa nomor registrasi yang sah."),
)
"""(kind, message with the row's columns as {0}, {1}, {2}): the checks of :data:`_RECORDS`, by its numbers."""

_RECORDS = """
WITH a AS MATERIALIZED (
    SELECT p.kantor, p.nomor_registrasi AS reg, p.status,
           CASE WHEN jsonb_typeof(x.riwayat) = 'array' THEN x.riwayat->-1->>'ke' END AS ke,
           x.surat->>'nomor_surat' AS nomor, x.surat->>'sha256' AS sha256, x.antrean->>'nomor_surat' AS antre,
           jsonb_typeof(x.surat) = 'object' AND x.surat <> '{}'::jsonb AS mencatat
    FROM permohonan p, jsonb_to_record(p.data) AS x (riwayat jsonb, surat jsonb, antrean jsonb))
SELECT v.n, v.a, v.b, v.c
FROM a LEFT JOIN surat s ON a.status = 'TERBIT' AND s.kantor = a.kantor AND s.nomor_surat = a.nomor
       LEFT JOIN surat q ON a.status = 'MENUNGGU_TTD' AND q.kantor = a.kantor AND q.nomor_surat = a.antre,
     LATERAL (VALUES
        (0, a.status <> ALL(%(states)s), a.reg, a.status, NULL::text),
        (1, a.status = ANY(%(states)s) AND a.ke IS DISTINCT FROM a.status, a.reg, a.status, NULL),
        (2, a.status = 'TERBIT' AND (s.id IS NULL OR s.status <> 'TERBIT'), a.reg, coalesce(a.nomor, 'tidak ada'),
         NULL),
        (3, a.status = 'TERBIT' AND s.status = 'TERBIT' AND (s.nomor_registrasi IS DISTINCT FROM a.reg
            OR s.sha256 IS DISTINCT FROM a.sha256), a.reg, s.nomor_surat, NULL),
        (4, a.status = 'MENUNGGU_TTD' AND (q.id IS NULL OR q.status <> 'MENUNGGU_TTD'
            OR q.nomor_registrasi IS DISTINCT FROM a.reg), a.reg, coalesce(a.antre, 'tidak ada'), NULL),
        (5, a.status <> 'TERBIT' AND a.mencatat, a.reg, a.status, a.nomor),
        (9, a.reg !~ '^REG-[0-9]{6}-[0-9]{4,6}$', a.reg, NULL, NULL)) AS v (n, salah, a, b, c)
WHERE v.salah
UNION ALL
SELECT v.n, v.a, v.b, v.c
FROM surat s LEFT JOIN a ON a.kantor = s.kantor AND a.reg = s.nomor_registrasi,
     LATERAL (VALUES
        (6, s.status = 'TERBIT' AND a.reg IS NOT NULL AND a.nomor IS DISTINCT FROM s.nomor_surat,
         s.nomor_registrasi, s.nomor_surat, a.status),
        (7, s.status = 'MENUNGGU_TTD' AND a.reg IS NOT NULL AND (a.status <> 'MENUNGGU_TTD'
            OR a.antre IS DISTINCT FROM s.nomor_surat), s.nomor_registrasi, s.nomor_surat, NULL),
        (8, a.reg IS NULL, s.nomor_registrasi, s.nomor_surat, NULL)) AS v (n, salah, a, b, c)
WHERE s.nomor_registrasi IS NOT NULL AND v.salah
"""
"""Each application against its letter and each letter against its application, in one pass over each table:
a record's jsonb is read once (``jsonb_to_record``: the fields the checks need, not ``data->...`` again in every
condition, each of which would decompress the record anew); a row per finding ``(check, {0}, {1}, {2})``."""

_APPLICATION_QUERIES: tuple[tuple[str, str, str], ...] = (
    ("pengganti", "Surat {0} diganti oleh {1}, tetapi surat pengganti itu tidak menunjuk baliknya.",
     "SELECT s.nomor_surat, s.data->>'diganti_oleh' FROM surat s LEFT JOIN surat o ON o.kantor = s.kantor "
     "AND o.nomor_surat = s.data->>'diganti_oleh' WHERE s.data->>'diganti_oleh' IS NOT NULL "
     "AND (o.id IS NULL OR o.data->>'mengganti' IS DISTINCT FROM s.nomor_surat)"),
    ("pengganti", "Surat {0} mengganti {1}, tetapi surat lama itu tidak BATAL atau tidak menunjuk baliknya.",
     "SELECT s.nomor_surat, s.data->>'mengganti' FROM surat s LEFT JOIN surat o ON o.kantor = s.kantor "
     "AND o.nomor_surat = s.data->>'mengganti' WHERE s.data->>'mengganti' IS NOT NULL "
     "AND (o.id IS NULL OR o.status <> 'BATAL' OR o.data->>'diganti_oleh' IS DISTINCT FROM s.nomor_surat)"),
    ("penghitung", "Penghitung registrasi bulan {0} di bawah {1}: nomor registrasi dapat terpakai dua kali.",
     "SELECT substr(p.nomor_registrasi, 5, 6), max(p.nomor_registrasi) FROM permohonan p "
     "LEFT JOIN urutan u ON u.kantor = p.kantor AND u.kunci = 'registrasi|' || substr(p.nomor_registrasi, 5, 6) "
     "WHERE p.nomor_registrasi ~ '^REG-[0-9]{6}-[0-9]{4,6}$' "
     "AND split_part(p.nomor_registrasi, '-', 3)::integer > coalesce(u.nilai, 0) GROUP BY 1 ORDER BY 1"),
)
"""(kind, message with the row's columns as {0}, {1}, ..., query): each returns only the rows that are wrong."""


def _check_applications(report: Report, conn: Any, cur: Any) -> int:
    found: dict[int, list[tuple[Any, ...]]] = {}
    for number, first, second, third in stream(conn, _RECORDS, {"states": list(_APPLICATION_STATES)}):
        found.setdefault(int(number), []).append((first, second, third))
    for number, (kind, message) in enumerate(_RECORD_CHECKS):  # in the checks' order, as each query's were
        for shown in sorted(found.get(number, []), key=lambda item: tuple(str(v) for v in item)):
            report.problem(kind, "permohonan", message.format(*shown))
    for kind, message, query in _APPLICATION_QUERIES:
        where = "surat" if kind == "pengganti" else "permohonan"
        for row in stream(conn, query):
            report.problem(kind, where, message.format(*row))
    cur.execute("SELECT count(*) FROM permohonan")
    return int(cur.fetchone()[0])


def _check_missing(report: Report, cur: Any) -> None:
    """Records the counters and the trail say must exist but do not (deleted with the office's own SQL)."""
    cur.execute(
        "SELECT 'REG-' || split_part(u.kunci, '|', 2) || '-' || CASE WHEN g.n < 10000 THEN lpad(g.n::text, 4, '0') "
        "ELSE g.n::text END AS reg FROM urutan u, generate_series(1, u.nilai) g(n) WHERE u.kunci LIKE 'registrasi|%' "
        "EXCEPT SELECT nomor_registrasi FROM permohonan "
        "UNION SELECT a.objek FROM audit a WHERE a.aksi = 'daftar' AND a.objek IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM permohonan p WHERE p.kantor = a.kantor AND p.nomor_registrasi = a.objek) ORDER BY 1")
    _missing(report, "permohonan", "permohonan tidak ada di register; penghitung atau jejak audit mencatatnya",
             [str(reg) for (reg,) in cur.fetchall()])
    cur.execute("SELECT DISTINCT a.objek FROM audit a WHERE a.aksi = 'pesan_nomor' AND NOT EXISTS "
                "(SELECT 1 FROM surat s WHERE s.kantor = a.kantor AND s.nomor_surat = a.objek) ORDER BY 1")
    _missing(report, "surat", "nomor surat dipesan menurut jejak audit tetapi tidak ada di register",
             [str(number) for (number,) in cur.fetchall()])


def _missing(report: Report, where: str, what: str, names: list[str]) -> None:
    if names:
        shown = ", ".join(names[:5]) + (f" dan {len(names) - 5} lainnya" if len(names) > 5 else "")
        report.problem("catatan_hilang", where, f"{len(names)} {what}: {shown}.")


# --- files ----------------------------------------------------------------------------------------------------
_REFERENCES = """
SELECT 'berkas' AS jenis, p.nomor_registrasi AS pemilik, e->>'berkas' AS nama, lower(e->>'sha256') AS sha256,
       {permohonan} AS diubah
FROM permohonan p,
     LATERAL jsonb_each(CASE WHEN jsonb_typeof(p.data->'berkas') = 'object' THEN p.data->'berkas'
                             ELSE '{{}}'::jsonb END) AS r (kode, daftar),
     LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.daftar) = 'array' THEN r.daftar
                                       ELSE '[]'::jsonb END) AS e
WHERE {only_permohonan} AND jsonb_typeof(e) = 'object' AND NOT e ? 'dihapus' AND e->>'sha256' IS NOT NULL
UNION ALL
SELECT 'pdf', s.nomor_surat, s.data->>'pdf',
       lower(coalesce(CASE WHEN jsonb_typeof(s.data->'revisi') = 'array' THEN s.data->'revisi'->-1->>'sha256'
                      END, s.sha256)), {surat}
FROM surat s WHERE {only_surat} AND s.status = 'TERBIT'
UNION ALL
SELECT 'pdf_belum_ttd', s.nomor_surat, s.data->>'pdf_belum_ttd', lower(s.data->>'sha256_belum_ttd'), {surat}
FROM surat s WHERE {only_surat} AND s.status = 'MENUNGGU_TTD'
"""
"""Every file a record names (``only_*``: of the records written since the checkpoint), and whether that
record was written since."""

_TURN = "mod(('x' || substr(b.sha256, 1, 8))::bit(32)::bigint, %(putaran)s) = %(giliran)s"
"""SQL: stored file ``b``'s turn in the rolling sample (its digest's first 32 bits modulo SAMPLE_RUNS: a stable
choice the server makes itself)."""

_ALTERED = ("(SELECT encode(sha256(x.isi), 'hex') <> x.sha256 OR octet_length(x.isi) <> x.ukuran FROM berkas x "
            "WHERE x.sha256 = {digest})")
"""SQL: the stored content of ``{digest}`` no longer hashes to it (or to its size): the server hashes it."""

_CHECKED_FILES = """
WITH rujukan AS MATERIALIZED ({references}),
dipegang AS (SELECT sha256, bool_or(diubah) AS diubah FROM rujukan WHERE sha256 IS NOT NULL GROUP BY sha256),
cara AS MATERIALIZED (
    SELECT d.sha256, b.sha256 IS NULL AS hilang,
           CASE WHEN b.sha256 IS NULL THEN NULL WHEN d.diubah OR {berkas} THEN 'hitung'
                WHEN {turn} THEN 'sampel' ELSE 'lewati' END AS cara
    FROM dipegang d LEFT JOIN berkas b ON b.sha256 = d.sha256),
diperiksa AS MATERIALIZED (
    SELECT c.sha256, c.hilang, c.cara, c.cara IN ('hitung', 'sampel') AND {altered} AS berubah FROM cara c)
SELECT r.jenis, r.pemilik, r.nama, r.sha256, coalesce(k.hilang, false), coalesce(k.berubah, false), NULL::text,
       NULL::bigint
FROM rujukan r LEFT JOIN diperiksa k ON k.sha256 = r.sha256 WHERE r.sha256 IS NULL OR k.hilang OR k.berubah
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, cara, count(*) FROM diperiksa WHERE cara IS NOT NULL GROUP BY cara
"""
"""The files named by the records, against the store: only the missing or changed ones come back, and how many
were hashed (``hitung``: on a full check, or the file's row or a record naming it written since the
checkpoint), hashed as the rolling sample (``sampel``) or trusted (``lewati``). A file named by two records is
hashed once; every reference is looked up in the store (an index probe each, no hashing). The content is hashed
by the server (the table's CHECK constraints say the same, unless someone dropped them)."""

_SINCE_FILES = """
WITH rujukan AS MATERIALIZED ({references}),
dipegang AS (SELECT DISTINCT sha256 FROM rujukan WHERE sha256 IS NOT NULL),
cara AS MATERIALIZED (
    SELECT b.sha256, CASE WHEN {berkas} OR b.sha256 IN (SELECT sha256 FROM dipegang) THEN 'hitung'
                          WHEN {turn} THEN 'sampel' ELSE 'lewati' END AS cara
    FROM berkas b),
diperiksa AS MATERIALIZED (
    SELECT c.sha256, c.cara, c.cara IN ('hitung', 'sampel') AND {altered} AS berubah FROM cara c)
SELECT r.jenis, r.pemilik, r.nama, r.sha256, k.sha256 IS NULL, coalesce(k.berubah, false), NULL::text, NULL::bigint
FROM rujukan r LEFT JOIN diperiksa k ON k.sha256 = r.sha256 WHERE r.sha256 IS NULL OR k.sha256 IS NULL OR k.berubah
UNION ALL
SELECT 'simpanan', NULL, NULL, k.sha256, false, true, NULL, NULL FROM diperiksa k
WHERE k.berubah AND k.sha256 NOT IN (SELECT sha256 FROM dipegang)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, cara, count(*) FROM diperiksa GROUP BY cara
"""
"""Incremental, nothing of the store gone since the checkpoint: the references of the records written since
(looked up, their files hashed), the stored files written since (hashed) and the rolling sample of the rest;
a stored file found changed that no record written since names comes back as ``simpanan``."""

_FILE_WORDS = {"berkas": ("Berkas persyaratan", "permohonan"), "pdf": ("PDF surat", "surat"),
               "pdf_belum_ttd": ("PDF surat yang menunggu tanda tangan", "surat")}


def _check_files(report: Report, conn: Any, cur: Any, since: Since | None, run: int) -> FileCounts:
    """The files check, whole or since the checkpoint; what was hashed, sampled and trusted. Incremental only
    when every stored file the checkpoint saw is still there unchanged or rewritten (the rows of ``berkas``
    not written since number what the checkpoint counted: they can only be fewer, when one was deleted); else
    every reference is looked up, and only the files' hashing is incremental."""
    from sakti_cli.register.checkpoint import HASH, SAMPLE, SAMPLE_RUNS, SKIP, FileCounts
    from sakti_cli.register.pg.checkpoint import changed

    shape = _CHECKED_FILES
    only_permohonan = only_surat = "true"
    if since is not None and since.stored is not None:
        cur.execute(f"SELECT count(*) FROM berkas b WHERE NOT {changed('b', since)}", since.params())
        if int(cur.fetchone()[0]) == since.stored:
            shape, only_permohonan, only_surat = _SINCE_FILES, changed("p", since), changed("s", since)
    references = _REFERENCES.format(permohonan=changed("p", since), surat=changed("s", since),
                                    only_permohonan=only_permohonan, only_surat=only_surat)
    query = shape.format(references=references, berkas=changed("b", since), turn=_TURN,
                         altered=_ALTERED.format(digest="c.sha256"))
    params = {**(since.params() if since is not None else {}), "putaran": SAMPLE_RUNS, "giliran": run % SAMPLE_RUNS}
    tally = {HASH: 0, SAMPLE: 0, SKIP: 0}
    stored_changed: list[str] = []
    for kind, owner, name, digest, absent, altered, action, many in stream(conn, query, params):
        if action is not None:
            tally[action] = int(many)
            continue
        if kind == "simpanan":
            stored_changed.append(digest)
            continue
        what, where = _FILE_WORDS[kind]
        shown = f"{what} {name or '-'} ({owner})"
        if digest is None:
            report.problem("pdf" if kind != "berkas" else "berkas_hilang", where, f"{shown} tanpa SHA-256 tercatat.")
        elif absent:
            report.problem("pdf_hilang" if kind != "berkas" else "berkas_hilang", where,
                           f"{shown} tidak ada di penyimpanan berkas register (SHA-256 {digest[:12]}…).")
        elif altered:
            report.problem("pdf_berubah" if kind != "berkas" else "berkas_berubah", where,
                           f"{shown}: isi yang tersimpan tidak cocok dengan SHA-256 {digest[:12]}… tercatat.")
    for digest in stored_changed:
        _stored_file_changed(report, cur, digest)
    return FileCounts(hashed=tally[HASH], sampled=tally[SAMPLE], skipped=tally[SKIP])


def _stored_file_changed(report: Report, cur: Any, digest: str) -> None:
    """A stored file whose content no longer hashes to its digest, found without the record naming it (the
    sample, or its row rewritten): named after the applications and letters that hold it (the indexes)."""
    cur.execute("SELECT 'pdf', s.nomor_surat FROM sidik_surat i JOIN surat s ON s.id = i.surat_id "
                "WHERE i.sha256 = %(d)s UNION ALL SELECT 'pdf_belum_ttd', nomor_surat FROM surat "
                "WHERE status = 'MENUNGGU_TTD' AND lower(data->>'sha256_belum_ttd') = %(d)s UNION ALL "
                "SELECT 'berkas', nomor_registrasi FROM berkas_dipegang WHERE sha256 = %(d)s", {"d": digest})
    holders = cur.fetchall() or [("berkas", "tidak dirujuk")]
    for kind, owner in holders:
        what, where = _FILE_WORDS[kind]
        report.problem("pdf_berubah" if kind != "berkas" else "berkas_berubah", where,
                       f"{what} ({owner}): isi yang tersimpan tidak cocok dengan SHA-256 {digest[:12]}… tercatat.")
