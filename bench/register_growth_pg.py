"""Does the PostgreSQL register stay fast as it grows? (issue 12 "Done when", issue 15 §5)

The same figures as bench/register_growth.py (TinyDB), on a PostgreSQL server of its own started as
tests/pg_server.py starts the test suite's (``initdb`` + ``pg_ctl`` in a temporary folder, a Unix socket only),
but durable as a real one (fsync on, unlike the test server):

  langkah    one letter's register steps: read the application, reserve a number (its lease taken), record
             TERBIT with its PDF kept in the database's file store; 3 transactions, as issuance does them
  nomor      lookup by letter number          sha256   lookup by the PDF's SHA-256 (any revision)
  kode       lookup by verification code      registrasi  lookup by registration number

each timed in a FRESH ``python -c`` process from connecting (the desk's connection, its schema checked) to the
last commit, median of --ulang, at 1,000 and 100,000 letters (default), and the ratio printed (target <= 2).

The registers are built by bulk SQL (COPY), not through 100,000 CLI runs: the same documents as the TinyDB
builder writes (register_growth._application, issued_letter, _event: a real hash chain; every scan and PDF
they name stored, a few bytes each, under its digest), each office's rows
under its own role's ``kantor``, then ANALYZE. Both registers live in one database as two offices (row-level
security keeps them apart), as a kabupaten's would.

    python bench/register_growth_pg.py                   # 1,000 and 100,000 letters
    python bench/register_growth_pg.py --surat 1000 10000 --ulang 3

Not part of the test suite (tests never assert wall-clock times); tests/test_pgops_bench.py builds 50 letters
and runs each operation once to keep it working.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

import register_growth  # noqa: E402  (the TinyDB builder: the same documents and events)
from register_growth import NOW, OPS, SPARE  # noqa: E402

DURABLE = "-c max_connections=40 -c shared_buffers=128MB"
"""A bench server as a real one: fsync and synchronous commit on (the defaults)."""
LOADING = "-c max_connections=40 -c shared_buffers=128MB -c fsync=off -c full_page_writes=off -c max_wal_size=4GB"
"""The server that builds a cached register (bench/registers.py): nothing synced while it loads (a crash of the
machine loses only the cache, which is rebuilt), stopped cleanly, then started with DURABLE settings to measure."""


def start(folder: Path, settings: str = DURABLE) -> Any:
    """The bench's own server in ``folder`` (tests/pg_server.py's start, durable settings unless told)."""
    import pg_server

    return pg_server.start_server(folder, settings)


def stop(folder: Path) -> None:
    """Stop the server (if running) and remove its folder."""
    import pg_server

    pg_server.stop_server(folder)


def _pg_ctl(folder: Path, *args: str) -> None:
    import pg_server

    bin_dir = pg_server.server_programs()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL (initdb, pg_ctl) tidak terpasang; jalankan scripts/pasang.sh")
    done = subprocess.run(pg_server._as_server_user([str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), *args]),
                          capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        log = folder / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
        raise RuntimeError(f"pg_ctl {args[-1]} gagal ({done.returncode}): {done.stderr or done.stdout}\n{tail}")


def halt(folder: Path) -> None:
    """A clean shutdown (``-m fast``: a checkpoint, no recovery at the next start), the folder kept."""
    _pg_ctl(folder, "-m", "fast", "-w", "stop")


def resume(folder: Path) -> Any:
    """Start the stopped cluster in ``folder`` (data/ and sandi, as :func:`start` left them, copied here), with
    the same settings; returns its pg_server.Server."""
    import pg_server

    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(folder)], check=True)
    os.chmod(folder, 0o700)
    (folder / "data" / "postmaster.pid").unlink(missing_ok=True)
    options = f"-c listen_addresses='' -k {folder} -p {pg_server.PORT} {DURABLE}"
    _pg_ctl(folder, "-l", str(folder / "log"), "-w", "-t", "120", "-o", options, "start")
    return pg_server.Server(str(folder), (folder / "sandi").read_text().strip())


# --- the fast load: COPY into tables stripped of what COPY would maintain row by row -------------------------------
LOADED = ("permohonan", "surat", "sidik_surat", "berkas", "urutan", "audit", "audit_nama", "indeks_nik",
          "berkas_dipegang")
"""The tables the builder fills (berkas_dipegang derived after the load, as m003's trigger would have)."""
KNOWN_TRIGGERS = {"berkas_dipegang", "audit_tetap"}
"""The user triggers on LOADED the fast load knows: ``berkas_dipegang`` (m003) derives rows it backfills after the
load; ``audit_tetap`` refuses UPDATE/DELETE only. Any other trigger (a later migration's) stops the build: what it
maintains must be backfilled here too."""
BACKFILL_HELD = ("INSERT INTO berkas_dipegang (kantor, sha256, nomor_registrasi) "
                 "SELECT p.kantor, h.sha256, p.nomor_registrasi FROM permohonan p, berkas_dipegang_isi(p) h "
                 "WHERE p.kantor = ANY(%s)")
"""m003's own backfill (its function berkas_dipegang_isi: exactly the rows its trigger writes), for the loaded
offices only (another office's rows are there already)."""


class FastLoad:
    """Within: LOADED carry no secondary or GIN index, no primary/unique/foreign-key constraint (those pointing
    at them from other tables too) and no enabled user trigger; after: each recreated from its own definition
    (pg_get_indexdef, pg_get_constraintdef) and m003's derived rows backfilled for ``offices``. Rebuilding an index
    once from sorted input is far cheaper than maintaining it row by row during COPY (the GIN indexes on the
    search keys above all), and an FK or trigger fires per row. CHECK and NOT NULL constraints stay (row-local).
    The database must have no other user while it runs (a bench database)."""

    def __init__(self, database: Any) -> None:
        self.database = database
        self.constraints: list[tuple[str, str, str, str]] = []  # (table, name, definition, kind)
        self.indexes: list[str] = []
        self.triggers: list[tuple[str, str]] = []

    def __enter__(self) -> FastLoad:
        with self.database.admin() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT t.relname, c.conname, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c "
                        "JOIN pg_class t ON t.oid = c.conrelid LEFT JOIN pg_class r ON r.oid = c.confrelid "
                        "WHERE c.contype IN ('p', 'u', 'f', 'x') AND (t.relname = ANY(%s) OR r.relname = ANY(%s)) "
                        "ORDER BY t.relname, c.conname", (list(LOADED), list(LOADED)))
            self.constraints = [(str(t), str(n), str(d), str(k)) for t, n, d, k in cur.fetchall()]
            cur.execute("SELECT pg_get_indexdef(i.indexrelid), x.relname FROM pg_index i "
                        "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid "
                        "WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                        "WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY x.relname",
                        (list(LOADED),))
            found = cur.fetchall()
            self.indexes = [str(definition) for definition, _ in found]
            cur.execute("SELECT t.relname, g.tgname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid "
                        "WHERE NOT g.tgisinternal AND g.tgenabled <> 'D' AND t.relname = ANY(%s)", (list(LOADED),))
            self.triggers = [(str(t), str(n)) for t, n in cur.fetchall()]
            unknown = sorted({name for _, name in self.triggers} - KNOWN_TRIGGERS)
            if unknown:
                raise RuntimeError(f"pemicu {', '.join(unknown)} belum dikenal bench (FastLoad): isi tabel turunannya "
                                   "harus dibangun ulang di sini juga")
            for table, name, _definition, _kind in sorted(self.constraints, key=lambda c: c[3] != "f"):  # FKs first
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for _definition, name in found:
                cur.execute(f'DROP INDEX "{name}"')
            for table, name in self.triggers:
                cur.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
        return self

    def restore(self, offices: list[str]) -> None:
        with self.database.admin() as conn:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for table, name in self.triggers:
                    cur.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')
                if ("permohonan", "berkas_dipegang") in self.triggers:
                    cur.execute(BACKFILL_HELD, (offices,))
                for table, name, definition, kind in sorted(self.constraints, key=lambda c: c[3] == "f"):  # FKs last
                    if kind != "f":
                        cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                for definition in self.indexes:
                    cur.execute(definition)
                for table, name, definition, kind in self.constraints:
                    if kind == "f":
                        cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            conn.autocommit = True
            conn.execute("ANALYZE")

    def __exit__(self, *exc: object) -> None:
        return None


def _text(value: Any) -> str:
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    text = str(value)
    if "\\" in text or "\n" in text or "\t" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return text


class CopyStream:
    """``COPY table (columns) FROM STDIN`` on a connection of its own, fed from a queue by a thread: the server
    parses the rows (jsonb, generated columns) while the builder goes on generating."""

    def __init__(self, database: Any, target: str) -> None:
        import queue
        import threading

        self.target = target
        self.rows: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.ended = False
        self.thread = threading.Thread(target=self._run, args=(database,), daemon=True)
        self.thread.start()

    def _run(self, database: Any) -> None:
        try:
            with database.admin() as conn:
                conn.execute("SET synchronous_commit = off")  # the builder's commits only; CHECKPOINT after
                with conn.transaction(), conn.cursor() as cur, cur.copy(f"COPY {self.target} FROM STDIN") as copy:
                    for chunk in iter(self.rows.get, None):
                        copy.write(chunk)
                    self.ended = True
        except BaseException as exc:  # reported by close()
            self.error = exc
            while not self.ended and self.rows.get() is not None:  # drain: the producer never waits on a dead stream
                pass

    def put(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.rows.put("".join("\t".join(map(_text, row)) + "\n" for row in rows).encode())

    def put_lines(self, lines: list[str]) -> None:
        """Rows already in COPY's text format, each ending in a newline."""
        if lines:
            self.rows.put("".join(lines).encode())

    def close(self) -> None:
        self.rows.put(None)
        self.thread.join()
        if self.error is not None:
            raise RuntimeError(f"COPY {self.target} gagal: {self.error}") from self.error


STREAMS = {"permohonan": "permohonan (kantor, data)", "surat": "surat (kantor, data)",
           "sidik_surat": "sidik_surat (kantor, sha256, surat_id)",
           "berkas": "berkas (kantor, sha256, ukuran, jenis, isi)", "urutan": "urutan (kantor, kunci, nilai)",
           "audit": "audit (kantor, nomor, id, waktu, petugas, aksi, objek, prev, hash, baris)",
           "audit_nama": "audit_nama (kantor, nama, nomor)",
           "indeks_nik": "indeks_nik (kantor, nik_sha256, nomor_registrasi, data, urut)"}


class PgWriter:
    """Writes a :class:`register_growth.Generated` register as office ``role``'s rows (the superuser names
    ``kantor`` explicitly): every application and letter, the letters' digests, the file store (each scan's and
    PDF's content under its digest: the builder's tiny scans, the letters' small real PDFs), the counters, the
    trail with its per-object index, the NIK index; the workspace at ``folder`` is the office's desk."""

    def __init__(self, streams: dict[str, CopyStream], role: str, password: str, folder: Path,
                 database: Any) -> None:
        from sakti_cli.office.workspace import init_workspace

        self.streams, self.role, self.password, self.database = streams, role, password, database
        self.ws = init_workspace(folder)
        self.number = 0
        self.niks: dict[str, list[str]] = {}
        self.counters: dict[str, int] = {}

    def month(self, month: Any) -> None:
        from sakti_cli.register.trail import event_names

        role = self.role
        self.counters[f"registrasi|{month.year}{month.month:02d}"] = month.registered
        apps, mail, digests, stored, trail, names = [], [], [], [], [], []
        for entry in month.entries:
            app = entry.app
            apps.append((role, entry.app_text))
            for code in app["berkas"]:  # the builder's scan digest is that of f"{reg}{code}": stored as such
                stored.append((role, *_stored(f"{entry.reg}{code}".encode(), "image/jpeg")))
            for digest in app["cari"]["nik"]:
                self.niks.setdefault(digest, []).append(entry.reg)
            if entry.letter is not None:
                mail.append((role, json.dumps(entry.letter, ensure_ascii=False)))
                digests.append((role, entry.letter["sha256"], entry.letter["id"]))
                stored.append((role, *_stored(entry.pdf, "application/pdf")))
            for event, line in entry.events:  # plain fields (ids, times, numbers, digests): only the line escaped
                self.number += 1
                trail.append(f"{role}\t{self.number}\t{event['id']}\t{event['waktu']}\t{event['petugas']}\t"
                             f"{event['aksi']}\t{_text(event['objek'])}\t{event['prev']}\t{event['hash']}\t"
                             f"{_text(line)}\n")
                names.extend(f"{role}\t{_text(name)}\t{self.number}\n" for name in event_names(event))
        for table, rows in (("permohonan", apps), ("surat", mail), ("sidik_surat", digests), ("berkas", stored)):
            self.streams[table].put(rows)
        self.streams["audit"].put_lines(trail)
        self.streams["audit_nama"].put_lines(names)

    def finish(self, generated: Any) -> dict[str, Any]:
        counters = dict(self.counters)
        counters.update({f"nomor|layanan:sktm|{year}": last for year, last in generated.sequences.items()})
        self.streams["urutan"].put([(self.role, key, value) for key, value in counters.items()])
        self.streams["indeks_nik"].put([(self.role, digest, reg, json.dumps({"nomor_registrasi": reg,
                                                                             "layanan": "sktm"}), place)
                                        for digest, regs in self.niks.items() for place, reg in enumerate(regs)])
        with self.database.admin() as conn:
            conn.execute("INSERT INTO audit_kepala (kantor, hash, jumlah) VALUES (%s, %s, %s)",
                         (self.role, generated.head, generated.events))
        return {"kantor": str(self.ws.root), "surat": generated.letters, "sampel": dict(generated.sample),
                "cadangan": list(generated.spare), "peristiwa_audit": generated.events, "peran": self.role,
                "basis_data": self.database.name, "url": self.database.server.url(self.database.name, self.role),
                "sandi": self.password}


@dataclass
class Plan:
    """One register to build: ``letters`` (over five years, or at ``per_year`` ending this month), on PostgreSQL
    as office ``office`` with its desk at ``pg_folder``, and, with ``tiny_folder``, the same content as a TinyDB
    register there (with its letters' PDFs when ``pdfs``)."""

    letters: int
    office: str
    pg_folder: Path
    per_year: int | None = None
    tiny_folder: Path | None = None
    pdfs: bool = False


def build_registers(database: Any, plans: list[Plan]) -> list[dict[str, Any]]:
    """Each plan's register generated once (register_growth.Generated, a stream of months) and written by each
    backend's writer: PostgreSQL by COPY (one stream per table, the server parsing while the next month is
    generated) into tables stripped for the load (:class:`FastLoad`), TinyDB straight into its files. Returns,
    per plan, ``{"pg": built, "tinydb": built or None}``."""
    from sakti_cli.register.pg.offices import create_office

    offices = []
    with database.admin() as conn:
        for plan in plans:
            role = f"{plan.office}_{database.name}"[:63]
            password = secrets.token_hex(12)
            create_office(conn, role, f"Kecamatan {plan.office}", password=password)
            offices.append((role, password))
    out: list[dict[str, Any]] = []
    with FastLoad(database) as load:
        streams = {table: CopyStream(database, target) for table, target in STREAMS.items()}
        try:
            for plan, (role, password) in zip(plans, offices, strict=True):
                pg = PgWriter(streams, role, password, plan.pg_folder, database)
                tiny = register_growth.TinyWriter(plan.tiny_folder, pdfs=plan.pdfs) if plan.tiny_folder else None
                service = tiny.service if tiny else _sktm(pg.ws)
                generated = register_growth.Generated(plan.letters, plan.per_year, SPARE)
                for month in generated.months(service):
                    pg.month(month)
                    if tiny:
                        tiny.month(month)
                built = {"pg": pg.finish(generated), "tinydb": tiny.finish(generated) if tiny else None}
                out.append(built)
        finally:
            for stream in streams.values():
                stream.close()
        load.restore([role for role, _ in offices])
    return out


def _sktm(ws: Any) -> Any:
    from sakti_cli.services.sop import load_service

    return load_service(ws.sop_dir, "sktm")


def build_register(database: Any, folder: Path, letters: int, *, office: str, per_year: int | None = None
                   ) -> dict[str, Any]:
    """One office (role ``office``) of the bench database whose register holds ``letters`` issued letters (over
    five years, or at ``per_year`` ending this month: register_growth.spread), plus SPARE LENGKAP applications
    this month; a workspace at ``folder`` pointed at it (:func:`build_registers` with one plan). Returns the
    lookup samples, the spare registrations and what a child needs to connect."""
    return build_registers(database, [Plan(letters, office, folder, per_year)])[0]["pg"]


SECRET_FILE = "sandi-register"


def point_workspace(built: dict[str, Any]) -> None:
    """Point the built workspace at its office as a desk is set up (tests/pgops_desks.py): ``[register] url``
    without the password, the password in a file only its owner reads (``berkas_sandi``), so a plain ``sakti``
    run needs no SAKTI_REGISTER_URL or PGPASSWORD."""
    root = Path(built["kantor"])
    config = root / "sakti.toml"
    text = config.read_text(encoding="utf-8")
    marker = "[register]\n"
    if marker not in text:
        raise RuntimeError(f"{config}: bagian [register] tidak ada")
    config.write_text(text.replace(marker, f'{marker}url = "{built["url"]}"\nberkas_sandi = "{SECRET_FILE}"\n', 1),
                      encoding="utf-8")
    secret = root / SECRET_FILE
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (built["sandi"] + "\n").encode())
    finally:
        os.close(fd)


def _stored(content: bytes, kind: str) -> tuple[str, int, str, bytes]:
    return hashlib.sha256(content).hexdigest(), len(content), kind, content



# --- measuring in fresh processes ----------------------------------------------------------------
CHILD = r"""
import hashlib, json, os, secrets, sys, time
from pathlib import Path
args = json.loads(sys.argv[1])
from sakti_cli.core.clock import iso
from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.pg.session import open_pg_register
from sakti_cli.register.states import ApplicationStatus, LetterStatus, move_application, move_letter
import psycopg, psycopg.types.json, psycopg.pq  # imported before the clock starts: imports are not register work
import sakti_cli.register.pg.connect, sakti_cli.register.pg.store, sakti_cli.register.pg.schema
import sakti_cli.register.pg.numbers, sakti_cli.register.pg.files, sakti_cli.signatures.keys
ws = find_workspace(Path(args["kantor"]))
op = args["op"]
if op == "langkah":
""" + register_growth.STEP_INPUT + r"""start = time.perf_counter()
register = open_pg_register(ws, zone=ws.zone, actor="bench")
connected = time.perf_counter()
if op == "langkah":
    with register.transaction() as txn:
        assert txn.get_application(reg)
    with register.transaction() as txn:
        assert txn.get_application(reg)["status"] == "LENGKAP"
        scope = f"nomor|layanan:sktm|{txn.moment.year}"
        seq = txn.next_letter_sequence(scope)
        number = f"400.9.14.1/{seq:03d}/ARSEL/XII/{txn.moment.year}"
        letter = {"id": secrets.token_hex(8), "nomor_surat": number, "urut": seq, "lingkup": scope,
                  "tahun": txn.moment.year, "status": "DIPESAN", "layanan": "sktm", "nomor_registrasi": reg,
                  "kode_verifikasi": secrets.token_hex(8).upper(), "penandatangan": signer, "dipesan": iso(txn.moment),
                  "bulan_pesan": iso(txn.moment)[:7], "proses": {"pid": os.getpid(), "host": "bench"}}
        txn.add_letter(letter)
        txn.audit("pesan_nomor", number, None, "DIPESAN", nomor_registrasi=reg, lingkup=scope, urut=seq)
    with register.transaction() as txn:
        register.store.keep(pdf, digest)
        letter = txn.reload_letter(letter)
        move_letter(letter, LetterStatus.TERBIT, action="terbit")
        letter.update(sha256=digest, pdf=str(pdf.relative_to(ws.root)), terbit=iso(txn.moment))
        txn.save_letter(letter)
        record = txn.get_application(reg)
        move_application(record, ApplicationStatus.TERBIT, action="terbit")
        record["riwayat"].append({"catatan": f"surat {number}", "dari": "LENGKAP", "ke": "TERBIT",
                                  "petugas": "bench", "waktu": iso(txn.moment)})
        record["surat"] = {"nomor_surat": number, "sha256": digest, "kode_verifikasi": letter["kode_verifikasi"]}
        txn.save_application(record)
        txn.audit("terbit", number, "DIPESAN", "TERBIT", nomor_registrasi=reg, sha256=digest)
    found = letter["nomor_surat"]
else:
    with register.reading() as txn:
        if op == "registrasi":
            found = txn.get_application(args["key"])["nomor_registrasi"]
        else:
            name = {"nomor": "number", "kode": "code", "sha256": "sha256"}[op]
            found = txn.find_letter(**{name: args["key"]})
            found = found and found["nomor_surat"]
elapsed = time.perf_counter() - start
assert found, op
print(json.dumps({"detik": elapsed, "sambung": connected - start}))
"""


CONNECTS: list[float] = []
"""Seconds each measured run took to connect (SCRAM authentication, the schema's version read): part of every
figure, the same at any size."""


def run_once(built: dict[str, Any], op: str, **extra: str) -> float:
    env = {**os.environ, "SAKTI_WAKTU": NOW, "SAKTI_REGISTER_URL": built["url"], "PGPASSWORD": built["sandi"]}
    env.pop("SAKTI_KANTOR", None)
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps({"kantor": built["kantor"], "op": op, **extra})],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{op} gagal (PostgreSQL):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    CONNECTS.append(float(result["sambung"]))
    return float(result["detik"])


def samples(built: dict[str, Any], repeat: int) -> dict[str, list[float]]:
    """Seconds per operation, each run in its own fresh process, ``repeat`` times (a spare used per step)."""
    results: dict[str, list[float]] = {op: [] for op in OPS}
    for _ in range(repeat):
        results["langkah"].append(run_once(built, "langkah", reg=built["cadangan"].pop(0)))
        for op in OPS[1:]:
            results[op].append(run_once(built, op, key=built["sampel"][op]))
    return results


def measure(sizes: list[int], repeat: int, folder: Path) -> dict[str, Any]:
    """Build one register per size in one server (offices of one database), measure interleaved: ``ops`` (size ->
    operation -> seconds) and ``periksa`` (``register periksa`` on the largest, :func:`check_once`)."""
    import pg_server

    place = Path(tempfile.mkdtemp(prefix="sakti-pg-bench-"))  # in /tmp: the postgres user must reach it
    server = start(place)
    try:
        database = pg_server.new_database(server)
        began = time.perf_counter()
        built = build_registers(database, [Plan(size, f"bench{size}", folder / f"kantor-{size}") for size in sizes])
        builds = {size: item["pg"] for size, item in zip(sizes, built, strict=True)}
        print(f"  (PostgreSQL: register {', '.join(f'{n:,}' for n in sizes)} dibangun dalam "
              f"{time.perf_counter() - began:.0f} d)", flush=True)
        raw: dict[int, dict[str, list[float]]] = {size: {op: [] for op in OPS} for size in sizes}
        for _ in range(repeat):  # interleaved: a busy minute falls on every size alike
            for size, built in builds.items():
                for op, times in samples(built, 1).items():
                    raw[size][op].extend(times)
        return {"ops": raw, "periksa": check_once(builds[max(sizes)])}
    finally:
        stop(place)


def check_once(built: dict[str, Any]) -> dict[str, Any]:
    """``sakti register periksa`` on a register (a fresh process): seconds, peak RSS (MB), findings' kinds (none:
    the builder stores every file its records name, a few bytes each, hashed by the server all the same).

    The peak is the child's own VmHWM polled from /proc (bench/run.py's ``run``), not its ``ru_maxrss`` from
    ``wait4``: Linux carries the high-water mark of the memory a child leaves at exec into its ``ru_maxrss``,
    which for a child forked by this builder (every row of the register it just wrote still held) is the
    builder's own size: 922 MB reported at 100,000 letters for a command that peaks near 60 MB."""
    import run as bench_run  # bench/run.py (imported here: it imports this module)

    env = {**os.environ, "SAKTI_WAKTU": NOW, "SAKTI_REGISTER_URL": built["url"], "PGPASSWORD": built["sandi"]}
    done = bench_run.run([sys.executable, "-m", "sakti_cli", "--kantor", built["kantor"], "register", "periksa",
                          "--json"], env=env, memory=True)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"register periksa gagal (PostgreSQL):\n{done.stderr[-2000:]}")
    found = json.loads(done.stdout)
    return {"detik": done.seconds, "mb": done.rss_mb,
            "jenis": sorted({problem["jenis"] for problem in found["masalah"]}), "surat": found["ringkasan"]["surat"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surat", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--ulang", type=int, default=5, help=f"ulangan (median; paling banyak {SPARE})")
    args = parser.parse_args(argv)
    os.environ["SAKTI_WAKTU"] = NOW
    with tempfile.TemporaryDirectory(prefix="sakti-bench-pg-") as scratch:
        measured = measure(sorted(args.surat), min(args.ulang, SPARE), Path(scratch))
    raw = measured["ops"]
    small, large = min(raw), max(raw)
    worst = 0.0
    print(f"\nPostgreSQL: median dari {args.ulang} proses baru, {small:,} -> {large:,} surat (target <= 2)")
    for op in OPS:
        base, took = statistics.median(raw[small][op]), statistics.median(raw[large][op])
        worst = max(worst, took / base)
        print(f"   {op:<11} {base * 1000:8.1f} ms -> {took * 1000:8.1f} ms   rasio {took / base:5.2f}")
    print(f"   (di antaranya tersambung ke server: median {statistics.median(CONNECTS) * 1000:.1f} ms per proses)")
    check = measured["periksa"]
    print(f"   register periksa {check['surat']:,} surat: {check['detik']:.1f} d, RSS puncak {check['mb']:.0f} MB "
          f"(temuan: {', '.join(check['jenis']) or 'tidak ada'})")
    return 0 if worst <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
