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
from pathlib import Path
from typing import Any

from sakti_cli.core.id_format import mask_nik
from sakti_cli.core.nik import find_id_numbers
from sakti_cli.register.check import Report
from sakti_cli.register.numbering import scope_label
from sakti_cli.register.states import ApplicationStatus, LetterStatus

STREAM_ROWS = 2000  # rows per round trip of a server-side cursor
WAITING = LetterStatus.MENUNGGU_TTD
_COUNTED = (LetterStatus.DIPESAN, LetterStatus.TERBIT, LetterStatus.BATAL)  # per scope (waiting: in the summary)

LEASE_HELD = ("EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
              "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
              "AND ((l.classid::bigint << 32) | l.objid::bigint) = {key})")
"""SQL: some live connection (of any desk, on any host) holds the lease ``{key}`` (numbers.py's advisory lock)."""


def stream(conn: Any, query: str, params: Any = None) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` through a server-side cursor (inside the caller's transaction): a few thousand
    rows in memory at a time, whatever the table's size."""
    with conn.cursor(name=f"periksa_{secrets.token_hex(4)}") as cur:
        cur.itersize = STREAM_ROWS
        cur.execute(query, params)
        yield from cur


def check_pg_register(conn: Any, root: Path) -> dict[str, Any]:
    """Check the connecting office's register (reads only). ``root`` is the desk's local register folder
    (only for the report's file names)."""
    from sakti_cli.register.pg.connect import reading

    report = Report(root)
    with reading(conn) as cur:
        events = _check_audit(report, cur)
        scopes, counts = _check_numbers(report, conn, cur)
        _check_reservations(report, cur)
        _check_lookups(report, cur)
        applications = _check_applications(report, conn, cur)
        _check_missing(report, cur)
        _check_files(report, conn)
    return {
        "bersih": not report.problems,
        "masalah": report.problems,
        "catatan": report.notes,
        "ringkasan": {"permohonan": applications, "surat": sum(counts.values()),
                      "terbit": counts.get(LetterStatus.TERBIT, 0), "batal": counts.get(LetterStatus.BATAL, 0),
                      "dipesan": counts.get(LetterStatus.DIPESAN, 0), "menunggu_ttd": counts.get(WAITING, 0),
                      "peristiwa": events, "lingkup": scopes},
        "menggantung": report.dangling,
    }


# --- the audit trail ------------------------------------------------------------------------------------------
def _check_audit(report: Report, cur: Any) -> int:
    from sakti_cli.register.pg.audit import chain_problems

    count = 0

    def each(event: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        content = {k: v for k, v in event.items() if k not in ("id", "hash", "prev", "waktu")}
        for _start, _end, found in find_id_numbers(json.dumps(content, ensure_ascii=False)):
            report.problem("audit_data_pribadi", "audit", f"Peristiwa audit {count} ({event.get('aksi')} "
                                                          f"{event.get('objek')}) memuat angka 16 digit "
                                                          f"({mask_nik(found)}): NIK/KK tidak boleh dicatat.")

    for problem in chain_problems(cur, each):
        kind = "audit_diubah" if "diubah" in problem else "audit_putus"
        report.problem(kind, "audit", f"Jejak audit: {problem}.")
    return count


# --- numbers --------------------------------------------------------------------------------------------------
def _starts(cur: Any) -> dict[str, int]:
    """The latest ``nomor mulai`` of each scope (the table exists from schema version 2)."""
    cur.execute("SELECT to_regclass('nomor_mulai') IS NOT NULL")
    if not cur.fetchone()[0]:
        return {}
    cur.execute("SELECT data->>'lingkup', data->>'dari' FROM nomor_mulai ORDER BY nomor")
    return {str(key): int(first) for key, first in cur.fetchall() if key and str(first).isdigit()}


def _check_numbers(report: Report, conn: Any, cur: Any) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Walk the letters in (scope, sequence) order (the unique index's order): gaps, the counter, the summary."""
    cur.execute("SELECT kunci, nilai FROM urutan WHERE kunci NOT LIKE 'registrasi|%'")
    counters = {str(key): int(value) for key, value in cur.fetchall()}
    starts = _starts(cur)
    counts: dict[str, int] = {}
    summary: list[dict[str, Any]] = []
    scope: str | None = None
    state: dict[str, Any] = {}

    def finish() -> None:
        if scope is None:
            return
        counter = counters.get(scope)
        highest = state["highest"]
        if counter is None and scope.startswith("nomor|"):
            report.problem("penghitung", "urutan", f"Penghitung nomor untuk {scope_label(scope)} hilang (surat "
                                                   f"tercatat sampai urut {highest}).")
        elif counter is not None and highest > counter:
            report.problem("penghitung", "urutan", f"Penghitung nomor {scope_label(scope)} berhenti di {counter}, "
                                                   f"padahal urut {highest} sudah tercatat: nomor dapat terpakai "
                                                   "dua kali.")
        last = max(counter or 0, highest)
        gap(scope, state, last + 1)
        summary.append({"lingkup": scope, "terakhir": last, "mulai": state["first"], "kertas": state["paper"],
                        "hilang": state["missing"], **{s.lower(): state[s] for s in _COUNTED}})

    def gap(key: str, at: dict[str, Any], upto: int) -> None:
        """Numbers between the last one seen and ``upto`` (exclusive): on paper before the start, else lost."""
        for urut in range(at["highest"] + 1, upto):
            if urut < at["first"]:
                at["paper"] += 1
                continue
            at["missing"] += 1
            if at["missing"] <= 20:  # a wholesale loss is one line per number up to 20, then counted
                report.problem("nomor_hilang", "surat", f"Nomor urut {urut} pada {scope_label(key)} tidak tercatat "
                                                        "(tidak TERBIT dan tidak BATAL).")

    for key, urut, number, status, reason in stream(
            conn, "SELECT lingkup, urut, nomor_surat, status, data->>'alasan_batal' FROM surat "
                  "ORDER BY lingkup, urut"):
        if key != scope:
            finish()
            scope = key
            state = {"highest": 0, "first": starts.get(key, 1), "paper": 0, "missing": 0,
                     **{s: 0 for s in _COUNTED}}
        counts[status] = counts.get(status, 0) + 1
        if status in state:
            state[status] += 1
        if status == LetterStatus.BATAL and not reason:
            report.problem("status_surat", "surat", f"Surat {number} BATAL tanpa alasan.")
        gap(key, state, urut)
        state["highest"] = urut
    finish()
    for key in sorted(set(counters) - {item["lingkup"] for item in summary}):
        if key.startswith("nomor|") and counters[key] > 0:  # a scope whose every letter is gone
            scope, state = key, {"highest": 0, "first": starts.get(key, 1), "paper": 0, "missing": 0,
                                 **{s: 0 for s in _COUNTED}}
            finish()
    for item in summary:
        if item["hilang"] > 20:
            report.problem("nomor_hilang", "surat", f"{item['hilang']} nomor urut pada {scope_label(item['lingkup'])} "
                                                    "tidak tercatat (20 pertama di atas).")
    summary.sort(key=lambda item: item["lingkup"])
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

_APPLICATION_QUERIES: tuple[tuple[str, str, str], ...] = (
    ("status_permohonan", "Permohonan {0} berstatus tidak sah: {1}.",
     "SELECT nomor_registrasi, status FROM permohonan WHERE status <> ALL(%(states)s)"),
    ("status_permohonan", "Riwayat permohonan {0} tidak berakhir di status {1}.",
     "SELECT nomor_registrasi, status FROM permohonan WHERE status = ANY(%(states)s) "
     "AND (CASE WHEN jsonb_typeof(data->'riwayat') = 'array' THEN data->'riwayat'->-1->>'ke' END) "
     "IS DISTINCT FROM status"),
    ("permohonan_surat", "Permohonan {0} TERBIT tetapi suratnya ({1}) tidak ada di register atau tidak TERBIT.",
     "SELECT p.nomor_registrasi, coalesce(p.data->'surat'->>'nomor_surat', 'tidak ada') FROM permohonan p "
     "LEFT JOIN surat s ON s.kantor = p.kantor AND s.nomor_surat = p.data->'surat'->>'nomor_surat' "
     "WHERE p.status = 'TERBIT' AND (s.id IS NULL OR s.status <> 'TERBIT')"),
    ("permohonan_surat", "Surat {1} tidak cocok dengan permohonan {0} (nomor registrasi atau SHA-256 berbeda).",
     "SELECT p.nomor_registrasi, s.nomor_surat FROM permohonan p JOIN surat s ON s.kantor = p.kantor "
     "AND s.nomor_surat = p.data->'surat'->>'nomor_surat' WHERE p.status = 'TERBIT' AND s.status = 'TERBIT' "
     "AND (s.nomor_registrasi IS DISTINCT FROM p.nomor_registrasi OR s.sha256 IS DISTINCT FROM "
     "p.data->'surat'->>'sha256')"),
    ("permohonan_surat", "Permohonan {0} MENUNGGU_TTD tetapi suratnya ({1}) tidak menunggu tanda tangan.",
     "SELECT p.nomor_registrasi, coalesce(p.data->'antrean'->>'nomor_surat', 'tidak ada') FROM permohonan p "
     "LEFT JOIN surat s ON s.kantor = p.kantor AND s.nomor_surat = p.data->'antrean'->>'nomor_surat' "
     "WHERE p.status = 'MENUNGGU_TTD' AND (s.id IS NULL OR s.status <> 'MENUNGGU_TTD' "
     "OR s.nomor_registrasi IS DISTINCT FROM p.nomor_registrasi)"),
    ("permohonan_surat", "Permohonan {0} berstatus {1} tetapi mencatat surat {2}.",
     "SELECT nomor_registrasi, status, data->'surat'->>'nomor_surat' FROM permohonan WHERE status <> 'TERBIT' "
     "AND jsonb_typeof(data->'surat') = 'object' AND data->'surat' <> '{}'::jsonb"),
    ("permohonan_surat", "Surat {1} TERBIT untuk {0}, tetapi permohonan itu tidak mencatatnya (status {2}).",
     "SELECT s.nomor_registrasi, s.nomor_surat, p.status FROM surat s JOIN permohonan p ON p.kantor = s.kantor "
     "AND p.nomor_registrasi = s.nomor_registrasi WHERE s.status = 'TERBIT' "
     "AND p.data->'surat'->>'nomor_surat' IS DISTINCT FROM s.nomor_surat"),
    ("permohonan_surat", "Surat {1} menunggu tanda tangan, tetapi permohonan {0} tidak MENUNGGU_TTD untuknya.",
     "SELECT s.nomor_registrasi, s.nomor_surat FROM surat s JOIN permohonan p ON p.kantor = s.kantor "
     "AND p.nomor_registrasi = s.nomor_registrasi WHERE s.status = 'MENUNGGU_TTD' "
     "AND (p.status <> 'MENUNGGU_TTD' OR p.data->'antrean'->>'nomor_surat' IS DISTINCT FROM s.nomor_surat)"),
    ("permohonan_surat", "Surat {1} menyebut permohonan {0} yang tidak ada di register.",
     "SELECT s.nomor_registrasi, s.nomor_surat FROM surat s WHERE s.nomor_registrasi IS NOT NULL AND NOT EXISTS "
     "(SELECT 1 FROM permohonan p WHERE p.kantor = s.kantor AND p.nomor_registrasi = s.nomor_registrasi)"),
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
    ("permohonan_rusak", "Catatan permohonan {0} tanpa nomor registrasi yang sah.",
     "SELECT nomor_registrasi FROM permohonan WHERE nomor_registrasi !~ '^REG-[0-9]{6}-[0-9]{4,6}$'"),
)
"""(kind, message with the row's columns as {0}, {1}, ..., query): each returns only the rows that are wrong."""


def _check_applications(report: Report, conn: Any, cur: Any) -> int:
    for kind, message, query in _APPLICATION_QUERIES:
        where = "surat" if kind == "pengganti" else "permohonan"
        for row in stream(conn, query, {"states": list(_APPLICATION_STATES)}):
            report.problem(kind, where, message.format(*row))
    cur.execute("SELECT count(*) FROM permohonan")
    return int(cur.fetchone()[0])


def _check_missing(report: Report, cur: Any) -> None:
    """Records the counters and the trail say must exist but do not (deleted with the office's own SQL)."""
    cur.execute(
        "SELECT 'REG-' || split_part(u.kunci, '|', 2) || '-' || CASE WHEN g.n < 10000 THEN lpad(g.n::text, 4, '0') "
        "ELSE g.n::text END AS reg FROM urutan u, generate_series(1, u.nilai) g(n) WHERE u.kunci LIKE 'registrasi|%' "
        "EXCEPT SELECT nomor_registrasi FROM permohonan "
        "UNION SELECT objek FROM audit WHERE aksi = 'daftar' AND objek IS NOT NULL "
        "AND objek NOT IN (SELECT nomor_registrasi FROM permohonan) ORDER BY 1")
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
_REFERENCED_FILES = """
WITH rujukan (jenis, pemilik, nama, sha256) AS (
    SELECT 'berkas', p.nomor_registrasi, e->>'berkas', lower(e->>'sha256')
    FROM permohonan p,
         LATERAL jsonb_each(CASE WHEN jsonb_typeof(p.data->'berkas') = 'object' THEN p.data->'berkas'
                                 ELSE '{}'::jsonb END) AS r (kode, daftar),
         LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.daftar) = 'array' THEN r.daftar
                                           ELSE '[]'::jsonb END) AS e
    WHERE jsonb_typeof(e) = 'object' AND NOT e ? 'dihapus' AND e->>'sha256' IS NOT NULL
  UNION ALL
    SELECT 'pdf', s.nomor_surat, s.data->>'pdf',
           lower(coalesce(CASE WHEN jsonb_typeof(s.data->'revisi') = 'array' THEN s.data->'revisi'->-1->>'sha256'
                          END, s.sha256))
    FROM surat s WHERE s.status = 'TERBIT'
  UNION ALL
    SELECT 'pdf_belum_ttd', s.nomor_surat, s.data->>'pdf_belum_ttd', lower(s.data->>'sha256_belum_ttd')
    FROM surat s WHERE s.status = 'MENUNGGU_TTD'
)
SELECT r.jenis, r.pemilik, r.nama, r.sha256, b.sha256 IS NULL,
       b.sha256 IS NOT NULL AND (encode(sha256(b.isi), 'hex') <> b.sha256 OR octet_length(b.isi) <> b.ukuran)
FROM rujukan r LEFT JOIN berkas b ON b.sha256 = r.sha256
WHERE r.sha256 IS NULL OR b.sha256 IS NULL
   OR encode(sha256(b.isi), 'hex') <> b.sha256 OR octet_length(b.isi) <> b.ukuran
"""
"""Every file a record names, against the store: only the missing or changed ones come back. The content is
hashed by the server (the table's CHECK constraints say the same, unless someone dropped them)."""

_FILE_WORDS = {"berkas": ("Berkas persyaratan", "permohonan"), "pdf": ("PDF surat", "surat"),
               "pdf_belum_ttd": ("PDF surat yang menunggu tanda tangan", "surat")}


def _check_files(report: Report, conn: Any) -> None:
    for kind, owner, name, digest, absent, changed in stream(conn, _REFERENCED_FILES):
        what, where = _FILE_WORDS[kind]
        shown = f"{what} {name or '-'} ({owner})"
        if digest is None:
            report.problem("pdf" if kind != "berkas" else "berkas_hilang", where, f"{shown} tanpa SHA-256 tercatat.")
        elif absent:
            report.problem("pdf_hilang" if kind != "berkas" else "berkas_hilang", where,
                           f"{shown} tidak ada di penyimpanan berkas register (SHA-256 {digest[:12]}…).")
        elif changed:
            report.problem("pdf_berubah" if kind != "berkas" else "berkas_berubah", where,
                           f"{shown}: isi yang tersimpan tidak cocok dengan SHA-256 {digest[:12]}… tercatat.")
