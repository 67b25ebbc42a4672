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
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

import register_growth  # noqa: E402  (the TinyDB builder: the same documents and events)
from register_growth import NOW, OPS, ROMAN, SPARE  # noqa: E402

DURABLE = "-c max_connections=40 -c shared_buffers=128MB"
"""A bench server as a real one: fsync and synchronous commit on (the defaults)."""


def start(folder: Path) -> Any:
    """The bench's own server in ``folder`` (tests/pg_server.py's start, durable settings)."""
    import pg_server

    return pg_server.start_server(folder, DURABLE)


def stop(folder: Path) -> None:
    import pg_server

    pg_server.stop_server(folder)


def build_register(database: Any, folder: Path, letters: int, *, office: str, per_year: int | None = None
                   ) -> dict[str, Any]:
    """An office (role ``office``) of the bench database whose register holds ``letters`` issued letters (over
    five years, or at ``per_year`` ending this month: register_growth.spread), plus SPARE LENGKAP applications
    this month; a workspace at ``folder`` pointed at it. Returns the lookup samples, the spare registrations
    and what a child needs to connect. Each application carries its search keys (``cari``) computed with the
    SOP as applications.register_application writes them, which m005's index on ``data->'cari'`` serves."""
    from sakti_cli.office.workspace import init_workspace
    from sakti_cli.register.search import search_keys
    from sakti_cli.register.trail import GENESIS, event_names
    from sakti_cli.services.sop import load_service

    role = f"{office}_{database.name}"[:63]
    password = secrets.token_hex(12)
    with database.admin() as conn:
        from sakti_cli.register.pg.offices import create_office

        create_office(conn, role, f"Kecamatan {office}", password=password)
    ws = init_workspace(folder)
    sktm = load_service(ws.sop_dir, "sktm")
    months = register_growth._months()
    per_month = register_growth.spread(letters, per_year, len(months))
    apps: list[str] = []
    mail: list[str] = []
    digests: list[tuple[str, str]] = []
    stored: list[tuple[str, int, str, bytes]] = []  # the file store: each digest's (tiny) content
    trail: list[tuple[int, str, str, str, str, str, str, str, str]] = []
    names: list[tuple[str, int]] = []
    counters: dict[str, int] = {}
    head = GENESIS
    sample: dict[str, Any] = {}
    spare: list[str] = []
    seq_year: dict[int, int] = {}

    def log(aksi: str, objek: str, moment: str, before: Any, after: Any, detail: dict[str, Any]) -> None:
        nonlocal head
        event = register_growth._event(aksi, objek, moment, head, before, after, detail)
        head = event["hash"]
        number = len(trail) + 1
        trail.append((number, event["id"], moment, "loket1", aksi, objek, event["prev"], event["hash"],
                      json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))))
        names.extend((name, number) for name in event_names(event))

    for index, ((year, month), count) in enumerate(zip(months, per_month, strict=True)):
        last = index == len(months) - 1
        extra = SPARE if last else 0
        for n in range(1, count + 1 + extra):
            day = min(28, 1 + (n * 27) // max(1, count + extra))
            moment = f"{year}-{month:02d}-{day:02d}T09:{n % 60:02d}:00+07:00"
            reg = f"REG-{year}{month:02d}-{n:04d}"
            issued = n <= count
            app = register_growth._application(reg, moment, "TERBIT" if issued else "LENGKAP", n - 1 + index * 10000)
            app["cari"] = search_keys(sktm, app["data"])  # as the TinyDB builder: with the SOP
            for code in app["berkas"]:  # the builder's scan digest is that of f"{reg}{code}": stored as such
                stored.append(_stored(f"{reg}{code}".encode(), "image/jpeg"))
            log("daftar", reg, moment, None, "DITERIMA", {"layanan": "sktm"})
            log("periksa", reg, moment, "DITERIMA", "LENGKAP", {"lengkap": True})
            if issued:
                seq = seq_year[year] = seq_year.get(year, 0) + 1
                number = f"400.9.14.1/{seq:03d}/ARSEL/{ROMAN[month - 1]}/{year}"
                code = "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(16))
                digest = hashlib.sha256(f"pdf {number}".encode()).hexdigest()
                letter_id = secrets.token_hex(8)
                pdf = f"data/surat/{year}/{month:02d}/{number.replace('/', '_')}.pdf"
                mail.append(json.dumps(register_growth.issued_letter(letter_id, number, seq, year, reg, code, moment,
                                                                     digest, pdf), ensure_ascii=False))
                digests.append((digest, letter_id))
                stored.append(_stored(f"pdf {number}".encode(), "application/pdf"))
                app["riwayat"].append({"catatan": f"surat {number}", "dari": "LENGKAP", "ke": "TERBIT",
                                       "petugas": "loket1", "waktu": moment})
                app["surat"] = {"kode_verifikasi": code, "nomor_surat": number, "pdf": pdf, "sha256": digest,
                                "terbit": moment}
                log("pesan_nomor", number, moment, None, "DIPESAN", {"nomor_registrasi": reg, "urut": seq})
                log("terbit", number, moment, "DIPESAN", "TERBIT", {"nomor_registrasi": reg, "sha256": digest})
                if last and n == max(1, count // 2):
                    sample = {"nomor": number, "kode": code, "sha256": digest, "registrasi": reg}
            elif last:
                spare.append(reg)
            apps.append(json.dumps(app, ensure_ascii=False))
        counters[f"registrasi|{year}{month:02d}"] = count + extra
    for year, last_seq in seq_year.items():
        counters[f"nomor|layanan:sktm|{year}"] = last_seq
    with database.admin() as conn:  # the superuser writes every office's rows: kantor named explicitly
        with conn.transaction(), conn.cursor() as cur:
            _copy(cur, "permohonan (kantor, data)", ((role, doc) for doc in apps))
            _copy(cur, "surat (kantor, data)", ((role, doc) for doc in mail))
            _copy(cur, "sidik_surat (kantor, sha256, surat_id)", ((role, *row) for row in digests))
            _copy(cur, "berkas (kantor, sha256, ukuran, jenis, isi)", ((role, *row) for row in stored))
            _copy(cur, "urutan (kantor, kunci, nilai)", ((role, *row) for row in counters.items()))
            _copy(cur, "audit (kantor, nomor, id, waktu, petugas, aksi, objek, prev, hash, baris)",
                  ((role, *row) for row in trail))
            _copy(cur, "audit_nama (kantor, nama, nomor)", ((role, *row) for row in names))
            cur.execute("INSERT INTO audit_kepala (kantor, hash, jumlah) VALUES (%s, %s, %s)", (role, head, len(trail)))
        conn.autocommit = True
        conn.execute("ANALYZE")
    return {"kantor": str(ws.root), "surat": letters, "sampel": sample, "cadangan": spare,
            "peristiwa_audit": len(trail),
            "url": database.server.url(database.name, role), "sandi": password}


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


def _copy(cur: Any, target: str, rows: Any) -> None:
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


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
        builds: dict[int, dict[str, Any]] = {}
        for size in sizes:
            began = time.perf_counter()
            builds[size] = build_register(database, folder / f"kantor-{size}", size, office=f"bench{size}")
            print(f"  (PostgreSQL: register {size:,} dibangun dalam {time.perf_counter() - began:.0f} d)", flush=True)
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
