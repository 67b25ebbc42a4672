"""Does the register stay fast as it grows? (issue 4, item 9)

Builds registers of 1,000 and 100,000 letters (default) spread evenly over 5 years (2022-2026; at
100,000 that is 20,000 a year, ~1,670 a month), written directly in the register's file format
(see sakti_cli/register/tiny/registry.py, format 2: permohonan/YYYY-MM-BB.json and surat/YYYY-MM-BB.json in blocks
of 25 and 50, indeks/XXX.json sharded by SHA-256 prefix, urutan.json with the counters and the audit
anchor, audit/YYYY-MM.jsonl with a real hash chain). The partition and shard of every record come
from the core's own functions (registry.partition_of_reg, registry.letter_partition and
LETTER_COUNTER as Transaction.next_letter_partition uses them, registry.shard_of), so the builder cannot drift from the
layout sakti writes. Then it times in FRESH ``python -c`` processes, after the imports, from opening
the register to the last fsync:

  langkah    one letter's register steps as issuance/steps.py does them: read the application, reserve a number
             (letters.reserve_number), record TERBIT (steps.record_issued); 3 locked transactions
  nomor      lookup by letter number (letters.find_letter)
  sha256     lookup by the PDF's SHA-256
  kode       lookup by verification code
  registrasi lookup by registration number (applications.find_application)

Each is repeated (fresh process each time, median of --ulang, default 5) and the ratio of the
largest to the smallest register is printed (issue 4 target: <= 2). The OS page cache is warm (the
files were just written); nothing is cached inside the measuring process.

    python bench/register_growth.py                      # 1,000 and 100,000 letters, ~2-4 minutes
    python bench/register_growth.py --surat 1000 20000 --ulang 7 --simpan /tmp/reg

Not part of the test suite (tests never assert wall-clock times); tests/test_cadangan_bench.py runs
the builder on 200 letters to keep it working.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

NOW = "2026-12-28T10:00:00+07:00"  # the fixed clock: December 2026, the last month of the five years
FIRST_YEAR, YEARS = 2022, 5
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
SPARE = 12  # LENGKAP applications in the current month, one per timed register step
OPS = ("langkah", "nomor", "sha256", "kode", "registrasi")


def _dump(data: Any) -> bytes:
    # exactly what sakti_cli.register.tiny.engine.StagedStorage.payload writes
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, payload)
    finally:
        os.close(fd)


def _months() -> list[tuple[int, int]]:
    return [(year, month) for year in range(FIRST_YEAR, FIRST_YEAR + YEARS) for month in range(1, 13)]


FIRST = ("Siti", "Muhammad", "Nur", "Ahmad", "Dewi", "Budi", "Sri", "Agus", "Rina", "Joko", "Djoko", "Eko", "Wahyu",
         "Putri", "Rahmat", "Yuli", "Hendra", "Fitri", "Bambang", "Lestari")
LAST = ("Aminah", "Susilo", "Soesilo", "Rahman", "Hidayat", "Saputra", "Wati", "Santoso", "Kurniawan", "Setiawan",
        "Pratama", "Nugroho", "Handayani", "Wijaya", "Sari", "Lubis", "Siregar", "Harahap", "Nasution", "Purba",
        "Tjahjono", "Njoto", "Sjahrir", "Chairul", "Effendi")
DESA = ("Mendawai", "Madurejo", "Baru", "Raja", "Sidorejo", "Kenambui", "Runtu", "Umpang", "Sulung", "Rangda")


def bench_name(seq: int) -> str:
    """A name as offices see them (500 combinations, old spellings among them): ``sakti surat --nama`` finds a
    few hundred applications in 100,000, as a common name would."""
    return f"{FIRST[seq % len(FIRST)]} {LAST[(seq // len(FIRST)) % len(LAST)]}"


def _application(reg: str, moment: str, status: str, seq: int) -> dict[str, Any]:
    """Shaped like applications.register_application + checks + steps.record_issued write it, with the search
    keys (register/search.py) the listings find it by."""
    from sakti_cli.register.search import search_keys

    nik = f"620102{(seq % 28) + 1:02d}0{(seq % 9) + 1}85{seq % 10000:04d}"
    files = {code: [{"berkas": f"{code}-1.{ext}", "jenis": kind, "nama_asli": f"{code}.{ext}",
                     "sha256": hashlib.sha256(f"{reg}{code}".encode()).hexdigest(), "ukuran": 40000 + seq % 5000}]
             for code, ext, kind in (("pengantar", "pdf", "pdf"), ("ktp", "jpg", "jpeg"), ("kk", "jpg", "jpeg"))}
    history = [{"catatan": "permohonan didaftarkan", "dari": None, "ke": "DITERIMA", "petugas": "loket1",
                "waktu": moment},
               {"catatan": "semua persyaratan sesuai", "dari": "DITERIMA", "ke": "LENGKAP", "petugas": "loket1",
                "waktu": moment}]
    checks = [{"kode": code, "pesan": "sesuai", "status": "OK", "syarat": name}
              for code, name in (("pengantar", "Surat pengantar RT/RW dan desa/kelurahan"), ("ktp", "KTP-el pemohon"),
                                 ("kk", "Kartu Keluarga"), ("foto_rumah", "Foto rumah tampak depan"),
                                 ("pernyataan_miskin", "Surat pernyataan tidak mampu bermeterai"))]
    data = {"agama": "Islam", "alamat": f"Jl. Padat Karya Gg. Sepakat No. {seq % 90 + 1} RT 004 RW 002",
            "desa": DESA[seq % len(DESA)], "jenis_kelamin": "P",
            "keperluan": "pengajuan keringanan biaya pendidikan anak", "nama": bench_name(seq), "nik": nik,
            "nomor_kk": nik[:6] + "0903100012"[:10], "nomor_pengantar": f"400.9.14.1/{seq % 999:03d}/KEL-MDW/XI/2026",
            "pekerjaan": "Petani", "tanggal_lahir": "1985-03-14", "tanggal_pengantar": moment[:10],
            "tempat_lahir": "Pangkalan Bun"}
    return {
        "nomor_registrasi": reg, "layanan": "sktm", "status": status, "data": data,
        "berkas": files, "dibuat": moment, "diubah": moment, "petugas": "loket1", "riwayat": history,
        "periksa": {"hasil": checks, "lengkap": True, "waktu": moment}, "surat": None, "nomor_batal": [],
        "cari": search_keys(None, data),
    }


def _event(aksi: str, objek: str, moment: str, prev: str, before: Any, after: Any, detail: dict[str, Any]
           ) -> dict[str, Any]:
    from sakti_cli.register.trail import event_hash

    event = {"id": secrets.token_hex(8), "waktu": moment, "petugas": "loket1", "aksi": aksi, "objek": objek,
             "sebelum": before, "sesudah": after, "detail": detail or None, "prev": prev}
    event["hash"] = event_hash(event)
    return event


def issued_letter(letter_id: str, number: str, seq: int, year: int, reg: str, code: str, moment: str, digest: str,
                  pdf: str) -> dict[str, Any]:
    """A TERBIT letter shaped as steps.record_issued leaves it (TinyDB adds its partition, ``bulan``)."""
    return {"id": letter_id, "nomor_surat": number, "urut": seq, "lingkup": f"nomor|layanan:sktm|{year}",
            "tahun": year, "status": "TERBIT", "layanan": "sktm", "nomor_registrasi": reg,
            "kode_verifikasi": code, "dipesan": moment, "terbit": moment, "bulan_pesan": moment[:7],
            "penandatangan": {"id": "camat", "jabatan": "Camat Arut Selatan",
                              "nama": "Drs. H. AHMAD YANI, M.Si", "peran": "definitif"},
            "proses": {"host": "bench", "pid": 1, "mulai": "1"}, "sha256": digest, "ukuran": 68000, "pdf": pdf}


def spread(letters: int, per_year: int | None, months: int) -> list[int]:
    """Letters per month: evenly over all months, or at ``per_year`` ending in the current month."""
    if per_year is None:
        return [letters // months + (1 if i < letters % months else 0) for i in range(months)]
    rate = -(-per_year // 12)
    out = [0] * months
    left = letters
    for i in range(months - 1, -1, -1):
        out[i] = min(rate, left)
        left -= out[i]
    if left:
        raise ValueError(f"{letters} surat tidak muat dalam {months} bulan dengan laju {per_year}/tahun")
    return out


def build_register(folder: Path, letters: int, *, per_year: int | None = None, spare: int = SPARE) -> dict[str, Any]:
    """A workspace at ``folder`` whose register holds ``letters`` issued letters; returns lookup samples.

    ``per_year=None`` spreads them evenly over the five years; ``per_year=20000`` places them at a
    busy office's rate, ending in the current month (1,000 letters = the first weeks of such an office).
    """
    from sakti_cli.office.workspace import init_workspace
    from sakti_cli.register.search import search_keys
    from sakti_cli.register.tiny.registry import (
        AUDIT_TABLE,
        FORMAT_VERSION,
        GENESIS,
        HISTORY_DIR,
        LETTER_COUNTER,
        event_names,
        letter_partition,
        partition_of_reg,
        shard_of,
    )
    from sakti_cli.services.sop import load_service

    ws = init_workspace(folder)
    root = ws.register_dir
    sktm = load_service(ws.sop_dir, "sktm")
    searched: dict[str, list[str]] = defaultdict(list)  # the search index (register/search_index.py), as written
    months = _months()
    per_month = spread(letters, per_year, len(months))
    counters: dict[str, int] = {}
    shards: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    head, events = GENESIS, 0
    history: dict[str, list[list[Any]]] = defaultdict(list)  # the per-object index, as Transaction.audit writes it
    searched: dict[str, list[str]] = defaultdict(list)  # the listings' search index and the NIK index
    sample: dict[str, Any] = {}
    spare_regs: list[str] = []
    seq_year: dict[int, int] = defaultdict(int)
    for index, ((year, month), count) in enumerate(zip(months, per_month, strict=True)):
        last = index == len(months) - 1
        key = f"{year}-{month:02d}"
        apps: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # partition -> TinyDB table
        mail: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        registered = lettered = 0
        lines: list[str] = []
        for n in range(1, count + 1 + (spare if last else 0)):
            day = min(28, 1 + (n * 27) // max(1, count + spare))
            moment = f"{year}-{month:02d}-{day:02d}T09:{n % 60:02d}:00+07:00"
            reg = f"REG-{year}{month:02d}-{n:04d}"
            issued = n <= count
            registered += 1
            app = _application(reg, moment, "TERBIT" if issued else "LENGKAP", registered - 1 + index * 10000)
            app["cari"] = search_keys(sktm, app["data"])  # as applications.register_application writes them
            for term in app["cari"]["nama"]:
                searched[f"cari:nama:{term}|{key}"].append(reg)
            if app["cari"]["desa"]:
                searched[f"cari:desa:{app['cari']['desa']}|{key}"].append(reg)
            for aksi, before, after, detail in (("daftar", None, "DITERIMA", {"layanan": "sktm"}),
                                                ("periksa", "DITERIMA", "LENGKAP", {"lengkap": True})):
                event = _event(aksi, reg, moment, head, before, after, detail)
                head = event["hash"]
                lines.append(json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
            if issued:
                seq_year[year] += 1
                seq = seq_year[year]
                number = f"400.9.14.1/{seq:03d}/ARSEL/{ROMAN[month - 1]}/{year}"
                code = "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(16))
                digest = hashlib.sha256(f"pdf {number}".encode()).hexdigest()
                letter_id = secrets.token_hex(8)
                pdf = f"data/surat/{year}/{month:02d}/{number.replace('/', '_')}.pdf"
                lettered += 1
                partition = letter_partition(key, lettered)  # as Transaction.next_letter_partition
                table = mail[partition]
                table[str(len(table) + 1)] = {**issued_letter(letter_id, number, seq, year, reg, code, moment,
                                                              digest, pdf), "bulan": partition}
                pointer = {"bulan": partition, "id": letter_id}
                for kind, value in (("nomor", number), ("kode", code), ("sha256", digest)):
                    full = f"{kind}:{value}"
                    bucket = shards[shard_of(full)]
                    bucket[str(len(bucket) + 1)] = {"kunci": full, **pointer}
                app["status"] = "TERBIT"
                app["riwayat"].append({"catatan": f"surat {number}", "dari": "LENGKAP", "ke": "TERBIT",
                                       "petugas": "loket1", "waktu": moment})
                app["surat"] = {"kode_verifikasi": code, "nomor_surat": number, "pdf": pdf, "sha256": digest,
                                "terbit": moment}
                steps: list[tuple[str, str, str | None, str, dict[str, Any]]] = [
                    ("pesan_nomor", number, None, "DIPESAN", {"nomor_registrasi": reg, "urut": seq}),
                    ("terbit", number, "DIPESAN", "TERBIT", {"nomor_registrasi": reg, "sha256": digest})]
                for aksi, objek, before, after, detail in steps:
                    event = _event(aksi, objek, moment, head, before, after, detail)
                    head = event["hash"]
                    lines.append(json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
                if last and n == max(1, count // 2):
                    sample = {"nomor": number, "kode": code, "sha256": digest, "registrasi": reg}
            elif last:
                spare_regs.append(reg)
            block = apps[partition_of_reg(reg)]
            block[str(len(block) + 1)] = app
            for term in [f"nama:{t}" for t in app["cari"]["nama"]] + [f"desa:{app['cari']['desa']}"]:
                searched[f"cari:{term}|{year}"].append(reg)  # as search_index.index_application writes them
            for digest in app["cari"]["nik"]:
                searched[f"nik:{digest}"].append(reg)
        events += len(lines)
        counters[f"registrasi|{year}{month:02d}"] = registered
        if lettered:
            counters[LETTER_COUNTER.format(month=key)] = lettered
        for partition, table in apps.items():
            _write(root / "permohonan" / f"{partition}.json", _dump({"permohonan": table}))
        for partition, table in mail.items():
            _write(root / "surat" / f"{partition}.json", _dump({"surat": table}))
        if lines:
            _write(root / "audit" / f"{key}.jsonl", ("\n".join(lines) + "\n").encode())
        offset = 0
        for line in lines:
            event = json.loads(line)
            for name in event_names(event):
                history[name].append([key, offset, event["id"]])
            offset += len(line.encode()) + 1
    for year, last_seq in seq_year.items():
        counters[f"nomor|layanan:sktm|{year}"] = last_seq
    for full, regs in searched.items():  # the search index and the NIK index (applications.py, search_index.py)
        value: dict[str, Any] = {"permohonan": sorted(regs) if full.startswith("cari:") else [
            {"nomor_registrasi": reg, "layanan": "sktm"} for reg in regs]}
        bucket = shards[shard_of(full)]
        bucket[str(len(bucket) + 1)] = {"kunci": full, **value}
    for shard, entries in shards.items():
        _write(root / "indeks" / f"{shard}.json", _dump({"indeks": entries}))
    history_shards: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for name, pointers in history.items():
        bucket = history_shards[shard_of(name)]
        bucket[str(len(bucket) + 1)] = {"kunci": name, "peristiwa": pointers}
    for shard, entries in history_shards.items():
        _write(root / HISTORY_DIR / f"{shard}.json", _dump({"riwayat": entries}))
    urutan: dict[str, Any] = {"urutan": {str(i + 1): {"kunci": k, "nilai": v}
                                         for i, (k, v) in enumerate(sorted(counters.items()))},
                              AUDIT_TABLE: {"1": {"kunci": "kepala", "hash": head, "jumlah": events}}}
    _write(root / "urutan.json", _dump(urutan))
    _write(root / "meta.json", _dump({"meta": {"1": {"versi_format": FORMAT_VERSION, "dibuat": NOW}}}))
    return {"kantor": str(ws.root), "surat": letters, "sampel": sample, "cadangan": spare_regs,
            "peristiwa_audit": events, "per_bulan_terakhir": per_month[-1]}


# --- measuring in fresh processes ----------------------------------------------------------------
STEP_INPUT = r"""    reg = args["reg"]
    pdf = ws.letters_dir / "bench" / (secrets.token_hex(6) + ".pdf")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.7 bench " + secrets.token_bytes(2000))
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    signer = {"id": "camat", "nama": "Camat", "jabatan": "Camat Arut Selatan", "peran": "definitif"}
"""
"""The measuring child's input of one register step (``reg``, a small PDF and its digest, the signatory),
shared by the TinyDB child and bench/register_growth_pg.py's."""

CHILD = r"""
import json, os, secrets, sys, time
from pathlib import Path
args = json.loads(sys.argv[1])
from sakti_cli.register.applications import find_application
from sakti_cli.register.letters import find_letter, reserve_number
from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.tiny.registry import Register
from sakti_cli.register.upkeep import open_register
from sakti_cli.services.sop import load_service
import sakti_cli.issuance.steps as steps
import tinydb, hashlib, filelock  # imported before the clock starts: imports are not register work
for lazy in ("sakti_cli.register.recovery", "sakti_cli.register.tiny.migrations", "sakti_cli.register.backup"):
    try:
        __import__(lazy)
    except ImportError:
        pass
ws = find_workspace(Path(args["kantor"]))
op = args["op"]
if op == "langkah":
    service = load_service(ws.sop_dir, "sktm")
""" + STEP_INPUT + r"""trace = []
if args.get("rinci"):  # where the time goes: every register file read or written, with its size
    import sakti_cli.register.tiny.registry as registry, sakti_cli.register.tiny.engine as engine
    import sakti_cli.core.storage as storage
    root = str(ws.register_dir) + "/"
    def traced(kind, func):
        def wrapper(path, *rest):
            began = time.perf_counter()
            out = func(path, *rest)
            size = len(rest[0]) if rest else (path.stat().st_size if path.exists() else 0)
            trace.append([kind, str(path).replace(root, "").replace(".baru", ""), size, time.perf_counter() - began])
            return out
        return wrapper
    engine.read_json = registry.read_json = traced("baca", engine.read_json)
    storage.write_private = engine.write_private = traced("tulis+fsync", storage.write_private)
    last_hash = registry.last_event_hash
    def head(audit_dir):
        began = time.perf_counter()
        out = last_hash(audit_dir)
        files = sorted(audit_dir.glob("*.jsonl"))
        trace.append(["baca (kepala audit)", "audit/" + (files[-1].name if files else "-"),
                      files[-1].stat().st_size if files else 0, time.perf_counter() - began])
        return out
    registry.last_event_hash = head
start = time.perf_counter()
register = open_register(ws.register_dir, zone=ws.zone, actor="bench")
if op == "langkah":
    with register.transaction() as txn:
        find_application(txn, reg)
    with register.transaction() as txn:
        assert find_application(txn, reg)["status"] == "LENGKAP"
        letter = reserve_number(txn, ws, service, reg, signer)
    with register.transaction() as txn:
        letter, problem = steps.record_issued(txn, ws, letter, reg, pdf, digest, "camat", store=register.store)
        assert problem is None, problem
    found = letter["nomor_surat"]
else:
    with register.reading() as txn:  # a lookup is a reading session (verifikasi, status, cetak)
        if op == "registrasi":
            found = find_application(txn, args["key"])["nomor_registrasi"]
        else:
            name = {"nomor": "number", "kode": "code", "sha256": "sha256"}[op]
            found = find_letter(txn, **{name: args["key"]})
            found = found and found["nomor_surat"]
elapsed = time.perf_counter() - start
assert found, op
print(json.dumps({"detik": elapsed, "rinci": trace}))
"""


def run_child(kantor: str, op: str, **extra: Any) -> dict[str, Any]:
    env = {**os.environ, "SAKTI_WAKTU": NOW}
    env.pop("SAKTI_KANTOR", None)
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps({"kantor": kantor, "op": op, **extra})],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{op} gagal:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_once(kantor: str, op: str, **extra: str) -> float:
    return float(run_child(kantor, op, **extra)["detik"])


def explain(built: dict[str, Any], op: str, **extra: str) -> list[str]:
    """One more run of ``op`` that records every register file it reads or writes: where the time goes."""
    found = run_child(built["kantor"], op, rinci=True, **extra)
    total: dict[tuple[str, str], list[float]] = {}
    for kind, name, size, seconds in found["rinci"]:
        entry = total.setdefault((kind, name), [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] = max(entry[1], size)
        entry[2] += seconds
    lines = [f"   {op}: {found['detik']*1000:.0f} ms, di antaranya:"]
    for (kind, name), (count, size, seconds) in sorted(total.items(), key=lambda item: -item[1][2])[:8]:
        lines.append(f"     {seconds*1000:7.1f} ms  {kind:<20} {name:<26} {size/1e6:7.3f} MB  x{int(count)}")
    return lines


def samples(built: dict[str, Any], repeat: int) -> dict[str, list[float]]:
    """Seconds per operation, each run in its own fresh process, ``repeat`` times."""
    results: dict[str, list[float]] = {op: [] for op in OPS}
    spare = list(built["cadangan"])
    for _ in range(repeat):
        results["langkah"].append(run_once(built["kantor"], "langkah", reg=spare.pop(0)))
        for op in OPS[1:]:
            results[op].append(run_once(built["kantor"], op, key=built["sampel"][op]))
    return results


def measure(built: dict[str, Any], repeat: int) -> dict[str, float]:
    """Median seconds per operation, each run in its own fresh process."""
    return {op: statistics.median(times) for op, times in samples(built, repeat).items()}


def largest_files(kantor: str, top: int = 5) -> list[tuple[str, int]]:
    root = Path(kantor) / "data" / "register"
    sizes = [(str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*") if p.is_file()]
    return sorted(sizes, key=lambda item: -item[1])[:top]


def register_bytes(kantor: str) -> int:
    return sum(p.stat().st_size for p in (Path(kantor) / "data" / "register").rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surat", type=int, nargs="+", default=[1000, 100000],
                        help="ukuran register (surat), tersebar rata dalam 5 tahun")
    parser.add_argument("--laju", type=int, default=20000,
                        help="juga register terkecil pada laju kantor sibuk ini (surat/tahun; 0 = tidak)")
    parser.add_argument("--ulang", type=int, default=5, help="ulangan per ukuran (median; minimal 5 disarankan)")
    parser.add_argument("--simpan", type=Path, help="folder untuk register (bawaan: folder sementara, dihapus)")
    args = parser.parse_args(argv)
    if args.ulang > SPARE:
        parser.error(f"--ulang paling banyak {SPARE}")
    base = args.simpan or Path(tempfile.mkdtemp(prefix="sakti-bench-"))
    os.environ["SAKTI_WAKTU"] = NOW
    small, large = min(args.surat), max(args.surat)
    configs: list[tuple[str, int, int | None]] = [(f"{n:,} rata 5 tahun", n, None) for n in sorted(args.surat)]
    if args.laju:
        configs.insert(1, (f"{small:,} laju {args.laju:,}/tahun", small, args.laju))
    table: dict[str, dict[str, float]] = {}
    try:
        builds: dict[str, dict[str, Any]] = {}
        for label, size, per_year in configs:
            target = base / f"register-{size}-{per_year or 'rata'}"
            if target.exists():
                shutil.rmtree(target)
            started = time.perf_counter()
            built = builds[label] = build_register(target, size, per_year=per_year)
            built_in = time.perf_counter() - started
            megabytes = register_bytes(built["kantor"]) / 1e6
            print(f"\n== {label}: dibangun {built_in:.1f} d, register {megabytes:.1f} MB, "
                  f"{built['peristiwa_audit']:,} peristiwa audit, {built['per_bulan_terakhir']:,} surat "
                  "pada bulan berjalan", flush=True)
            for name, bytes_ in largest_files(built["kantor"], 3):
                print(f"   {name:<28} {bytes_/1e6:8.2f} MB")
            shard = Path(built["kantor"]) / "data" / "register" / "indeks"
            shard_sizes = [p.stat().st_size for p in shard.glob("*.json")]
            print(f"   indeks/XXX.json (rata-rata)  {statistics.mean(shard_sizes)/1e6:8.3f} MB x {len(shard_sizes)}")
        # Interleaved (one round over every register, then the next round), so that the load of a shared
        # machine falls on all sizes alike instead of on whichever was measured in a busy minute.
        raw: dict[str, dict[str, list[float]]] = {label: {op: [] for op in OPS} for label in builds}
        for _ in range(args.ulang):
            for label, built in builds.items():
                for op, times in samples(built, 1).items():
                    raw[label][op].extend(times)
                built["cadangan"] = built["cadangan"][1:]
        for label, _size, _rate in configs:
            table[label] = {op: statistics.median(times) for op, times in raw[label].items()}
            print(f"\n== {label}: median dari {args.ulang} proses baru (min, maks)")
            for op in OPS:
                times = raw[label][op]
                print(f"   {op:<11} {table[label][op]*1000:8.1f} ms   ({min(times)*1000:7.1f}, "
                      f"{max(times)*1000:7.1f})")
            if label in (configs[0][0], configs[-1][0]):
                built = builds[label]
                print("\n".join(explain(built, "langkah", reg=built["cadangan"][0])
                                + explain(built, "registrasi", key=built["sampel"]["registrasi"])
                                + explain(built, "nomor", key=built["sampel"]["nomor"])), flush=True)
        worst = 0.0
        top = configs[-1][0]
        for label, _size, _rate in configs[:-1]:
            print(f"\nRasio {top} / {label} (median dari {args.ulang} proses baru; target <= 2):")
            for op in OPS:
                ratio = table[top][op] / table[label][op]
                if label.endswith("rata 5 tahun") and _size == small:
                    worst = max(worst, ratio)
                flag = "ok" if ratio <= 2 else "MELEBIHI TARGET"
                print(f"   {op:<11} {table[label][op]*1000:8.1f} ms -> {table[top][op]*1000:8.1f} ms   "
                      f"rasio {ratio:5.2f}  {flag}")
        print(f"\n(target dihitung pada {large:,} / {small:,} rata 5 tahun)")
        return 0 if worst <= 2 else 1
    finally:
        if args.simpan is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
