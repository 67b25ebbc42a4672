"""``make bench``: every figure of issue 15, each as a ratio against its baseline measured in the same run.

Builds its own demo office (``sakti demo``: the demo key, B-B, no PDF/A) and data in a temporary folder,
then measures, each in fresh whole processes (median of several repetitions; peak memory once):

  2 massal     100 SKTM through ``sakti massal --terbitkan`` against the floor: the same 100 letters
               rendered to DOCX, converted by plain ``soffice --convert-to pdf``, one call per core, each
               converting its share in one call with its own already-created profile, side by side
  3 loket      ``sakti terbitkan REG`` against one plain ``soffice --convert-to pdf`` of the same DOCX
               (already-created profile); and the same with the office's resident worker running
               (``sakti latar mulai``: LibreOffice already up), the three interleaved
  4 mulai      ``sakti --help`` and ``sakti status REG`` against ``python -c "import typer"``
  5 register   one letter's register step and the lookups by number, SHA-256, verification code and
               registration number at 1,000 against 100,000 letters, on TinyDB and on PostgreSQL (a durable
               server of its own, both sizes two offices of one database); ``riwayat --objek`` at both sizes,
               both backends; ``register periksa`` at 100,000 on both (``--penuh`` first, then the daily
               incremental run, each named by its JSON ``pemeriksaan.cara``, where the command has them)
  6 memori     peak RSS of the ``sakti`` process for a ``massal --terbitkan`` batch of 1,000 against the 100 of
               section 2, LibreOffice's own processes beside it
  7 baca       only with --baca (make bench BACA=1): issue 13's ``sakti surat --bulan``, a name search,
               ``sakti agenda --tahun`` and ``sakti laporan --tahun`` at 20,000 against 100,000 letters (20,000
               a year: one year against five), time and peak memory

The order: the registers are built (bench/registers.py, in a child process, only when .bench-cache/ lacks
them for this code version) while the 1,000-letter batch runs (its peak memory is its own whatever runs
beside it, its time is not a figure); then the timed sections, the machine left to each: 4, 2, 3, 5, then
6 printed. Each large register is generated once (register_growth.Generated) and written by both backends'
writers (PostgreSQL by COPY into tables stripped of their indexes, constraints and triggers, recreated after);
a run restores copies of the cached ones (TinyDB copied, its PDFs hard-linked; the cluster copied and started).

Peak RSS is read by polling /proc every 20 ms: VmHWM (the kernel's high-water mark) of the ``sakti``
process, and of each LibreOffice process below it (the largest one, and the largest sum of VmRSS at
one moment). The machine's load (os.getloadavg) is printed at the start and the end, with the total time
and each section's.

    python bench/run.py                   # the whole bench (make bench)
    python bench/run.py --cepat           # short: fewer repetitions, 10,000 instead of 100,000 (make bench CEPAT=1)
    python bench/run.py --json hasil.json # also the whole report as JSON
    python bench/run.py --bagian register # one section

Not part of the test suite (tests never assert wall-clock times); tests/test_bench_ukur.py keeps its
measuring pieces working (peak RSS of a child, the verdicts, the JSON report), tests/test_bench_register.py
its registers (both backends sound, the fast load's definitions restored, the cache reused).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

import register_growth  # noqa: E402  (bench/register_growth.py: the register builder and the lookups)
import registers  # noqa: E402  (bench/registers.py: the large registers, built once, cached, restored per run)

PYTHON = sys.executable
SAKTI = [PYTHON, "-m", "sakti_cli"]  # the installed CLI, without the console script's own start-up
PASSPHRASE = "demo"
# The least any Typer command with one text argument costs (Typer converts the value with pydantic): the
# floor under 'sakti status REG', printed beside it.
FLOOR_APP = ("import typer\napp = typer.Typer(add_completion=False)\n"
             "@app.command()\ndef status(reg: str) -> None:\n    print(reg)\napp()\n")


# --- running and measuring one whole process ------------------------------------------------------
def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children_of(root: int) -> list[int]:
    """Every live descendant of ``root``, from /proc (its own process group is not enough: LibreOffice
    children of sakti run in their own groups)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text(errors="replace").rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


@dataclass
class Run:
    seconds: float
    returncode: int
    stdout: str = ""
    stderr: str = ""
    rss_mb: float = 0.0          # peak RSS (VmHWM) of the process itself
    child_rss_mb: float = 0.0    # the largest peak RSS of one descendant (LibreOffice)
    children_rss_mb: float = 0.0  # the largest sum of the descendants' RSS at one moment
    extra: dict[str, Any] = field(default_factory=dict)


def run(cmd: Sequence[str], *, env: dict[str, str], memory: bool = False, cwd: Path | None = None,
        stdin: str | None = None) -> Run:
    """Run ``cmd`` once as a whole process; with ``memory``, poll /proc for peak RSS while it runs."""
    began = time.perf_counter()
    proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdin=subprocess.PIPE if stdin is not None else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = {"self": 0, "child": 0, "sum": 0}
    done = threading.Event()

    def poll() -> None:
        hwm: dict[int, int] = {}
        while not done.is_set():
            peaks["self"] = max(peaks["self"], _status_kib(proc.pid, "VmHWM"))
            kids = _children_of(proc.pid)
            for pid in kids:
                hwm[pid] = max(hwm.get(pid, 0), _status_kib(pid, "VmHWM"))
            peaks["sum"] = max(peaks["sum"], sum(_status_kib(pid, "VmRSS") for pid in kids))
            peaks["child"] = max(hwm.values(), default=0)
            done.wait(0.02)

    poller = threading.Thread(target=poll, daemon=True) if memory else None
    if poller:
        poller.start()
    try:
        out, err = proc.communicate(stdin)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): the measured process goes with us
        proc.kill()
        proc.wait()
        raise
    finally:
        done.set()
    seconds = time.perf_counter() - began
    if poller:
        poller.join()
    return Run(seconds, proc.returncode, out, err, peaks["self"] / 1024, peaks["child"] / 1024, peaks["sum"] / 1024)


def checked(result: Run, what: str, ok: Sequence[int] = (0,)) -> Run:
    if result.returncode not in ok:
        raise SystemExit(f"{what}: keluar {result.returncode}\n{result.stderr[-3000:]}")
    return result


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- the report ------------------------------------------------------------------------------------
@dataclass
class Figure:
    bagian: str
    nama: str
    rasio: float | None
    target: float | None
    detik: float | None = None
    dasar_detik: float | None = None
    dasar: str = ""
    mb: float | None = None
    catatan: str = ""

    @property
    def hasil(self) -> str:
        if self.target is None:
            return "-"
        if self.rasio is None:
            return "BELUM ADA"
        return "MEMENUHI" if self.rasio <= self.target else "BELUM"

    def row(self) -> str:
        ratio = "-" if self.rasio is None else f"{self.rasio:5.2f}x"
        target = "" if self.target is None else f"<= {self.target:g}"
        took = "" if self.detik is None else _fmt_s(self.detik)
        base = "" if self.dasar_detik is None else _fmt_s(self.dasar_detik)
        memory = "" if self.mb is None else f"{self.mb:7.0f} MB"
        return (f"  {self.nama:<42} {ratio:>7} {target:>7} {self.hasil:<9} {took:>9} {base:>9} {memory:>10}  "
                f"{self.catatan}")


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


class Report:
    def __init__(self, mode: str) -> None:
        self.figures: list[Figure] = []
        self.mode = mode
        self.meta: dict[str, Any] = {"mode": mode, "inti": os.cpu_count(),
                                     "mulai": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "beban_awal": os.getloadavg()[0]}

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        print(figure.row(), flush=True)

    def heading(self, text: str) -> None:
        print(f"\n== {text}", flush=True)
        print(f"  {'angka':<42} {'rasio':>7} {'target':>7} {'hasil':<9} {'waktu':>9} {'dasar':>9} {'memori':>10}",
              flush=True)

    def as_json(self) -> dict[str, Any]:
        return {**self.meta, "angka": [{**vars(f), "hasil": f.hasil} for f in self.figures]}


# --- the office and its data -------------------------------------------------------------------
class Bench:
    def __init__(self, scratch: Path, cache: Path) -> None:
        from lo_fixtures import warm_profile

        self.scratch = scratch
        self.cache = cache
        self.profile = warm_profile(scratch)
        self.env = {**os.environ, "SAKTI_SANDI": PASSPHRASE, "SAKTI_LO_PROFIL": str(self.profile),
                    "SAKTI_LEBAR": "200"}
        self.env.pop("SAKTI_KANTOR", None)
        self.pristine = scratch / "kantor-asli"
        demo = checked(run([*SAKTI, "--kantor", str(self.pristine), "demo", "--json"], env=self.env), "sakti demo")
        self.demo = json.loads(demo.stdout)
        self.copies = 0

    def office(self) -> Path:
        """A fresh copy of the demo office (its one demo letter included)."""
        self.copies += 1
        target = self.scratch / f"kantor-{self.copies}"
        shutil.copytree(self.pristine, target, symlinks=True)
        return target

    def sakti(self, office: Path, *args: str, memory: bool = False, ok: Sequence[int] = (0,)) -> Run:
        return checked(run([*SAKTI, "--kantor", str(office), *args], env=self.env, memory=memory),
                       "sakti " + " ".join(args[:2]), ok)

    def rows(self, count: int, start: int = 0) -> Path:
        """A CSV of ``count`` distinct, complete SKTM applications (dates fitted to today)."""
        from sakti_cli.core.clock import now
        from sakti_cli.office.demo import example_application
        from sakti_cli.office.workspace import find_workspace
        from sakti_cli.services.rules.kalender import load_calendar
        from sakti_cli.services.sop import load_service

        ws = find_workspace(self.pristine)
        service = load_service(ws.sop_dir, "sktm")
        data, files = example_application(service, today=now(ws.zone).date(), calendar=load_calendar(ws.sop_dir))
        folder = self.scratch / f"baris-{count}-{start}"
        folder.mkdir(exist_ok=True)
        for item in files:
            shutil.copy(item.path, folder / item.path.name)
        fields = data.get("isian", data)
        table = folder / "sktm.csv"
        with table.open("w", newline="", encoding="utf-8") as handle:
            writer: Any = None
            for n in range(start, start + count):
                day, woman = 1 + n % 28, n % 2 == 0
                nik = f"620102{day + 40 if woman else day:02d}0385{(n % 9999) + 1:04d}"
                row = {**fields, "nama": f"Pemohon {n}", "nik": nik, "tanggal_lahir": f"1985-03-{day:02d}",
                       "jenis_kelamin": "P" if woman else "L",
                       **{f"berkas.{item.kode}": item.path.name for item in files}}
                if writer is None:
                    writer = csv.DictWriter(handle, fieldnames=list(row))
                    writer.writeheader()
                writer.writerow(row)
        return table

    def lengkap(self, office: Path, count: int) -> list[str]:
        """Register and check ``count`` applications (``massal`` without issuing): their numbers."""
        done = self.sakti(office, "massal", str(self.rows(count)), "--layanan", "sktm", "--json")
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        regs = [line["nomor_registrasi"] for line in lines if line.get("status") == "LENGKAP"]
        if len(regs) != count:
            raise SystemExit(f"massal: {len(regs)} dari {count} LENGKAP:\n{done.stdout[-2000:]}")
        return regs

    def docx_of(self, office: Path, regs: Sequence[str], folder: Path) -> list[Path]:
        """The issued letters of ``regs`` rendered again to DOCX as ``terbitkan`` renders them (the floor's input)."""
        from datetime import datetime

        from sakti_cli.documents.render import render_docx
        from sakti_cli.issuance.pipeline import (
            hide_stamp_marker,
            letter_context,
            logo_path,
            template_path,
            verification_url,
        )
        from sakti_cli.office.workspace import find_workspace
        from sakti_cli.register.applications import find_application
        from sakti_cli.register.upkeep import open_register
        from sakti_cli.services.sop import load_service

        ws = find_workspace(office)
        service = load_service(ws.sop_dir, "sktm")
        person = ws.signatory(None)
        register = open_register(ws.register_dir, zone=ws.zone, actor="bench")
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for reg in regs:
            with register.transaction() as txn:
                record = find_application(txn, reg)
            letter = record["surat"]
            context = letter_context(ws, service, record, person, letter["nomor_surat"], letter["kode_verifikasi"],
                                     datetime.fromisoformat(letter["terbit"]), None)
            path = folder / f"{reg}.docx"
            render_docx(template_path(ws, service), context, path,
                        qr_payload=verification_url(ws, letter["kode_verifikasi"]), logo=logo_path(ws),
                        kertas=ws.config.surat.kertas)
            hide_stamp_marker(path)
            out.append(path)
        return out

    def plain_soffice(self, sources: Sequence[Path], workers: int, tag: str) -> Run:
        """The floor: ``workers`` plain soffice calls side by side, each converting its share in one call,
        each with its own already-created profile (copied before the clock starts)."""
        from sakti_cli.documents.convert import find_soffice

        soffice = find_soffice()
        outdir = self.scratch / f"polos-{tag}"
        outdir.mkdir()
        calls = []
        for k in range(workers):
            own = self.scratch / f"profil-{tag}-{k}"
            shutil.copytree(self.profile, own, symlinks=True)
            share = [str(s) for s in sources[k::workers]]
            if share:
                calls.append([soffice, f"-env:UserInstallation={own.as_uri()}", "--headless", "--norestore",
                              "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), *share])
        script = ("import subprocess, sys, json\n"
                  "procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) "
                  "for c in json.loads(sys.argv[1])]\n"
                  "sys.exit(max(p.wait() for p in procs))\n")
        result = checked(run([PYTHON, "-c", script, json.dumps(calls)], env=dict(os.environ), memory=True),
                         "soffice polos")
        missing = [s for s in sources if not (outdir / (s.stem + ".pdf")).is_file()]
        if missing:
            raise SystemExit(f"soffice polos: {len(missing)} PDF tidak ada")
        return result


# --- the sections ----------------------------------------------------------------------------------
def section_startup(bench: Bench, report: Report, repeat: int) -> None:
    report.heading(f"4 Mulai (median {repeat} proses baru)")
    office = bench.pristine
    reg = bench.demo["nomor_registrasi"]
    commands: dict[str, list[str]] = {
        "typer": [PYTHON, "-c", "import typer"],
        "lantai": [PYTHON, "-c", FLOOR_APP, reg],
        "help": [*SAKTI, "--help"],
        "status": [*SAKTI, "--kantor", str(office), "status", reg],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):  # interleaved: a busy minute falls on all three alike
        for name, cmd in commands.items():
            times[name].append(checked(run(cmd, env=bench.env), name).seconds)
    base = median(times["typer"])
    for name, label, target in (("help", "sakti --help", 1.5), ("status", "sakti status REG", 2.0)):
        took = median(times[name])
        report.add(Figure("mulai", label, took / base, target, took, base, 'python -c "import typer"'))
    took = median(times["lantai"])
    report.add(Figure("mulai", "lantai: app Typer kosong, 1 argumen", took / base, None, took, base,
                      'python -c "import typer"', catatan="Typer mengubah nilai argumen lewat pydantic"))


def section_batch(bench: Bench, report: Report, count: int, repeat: int) -> dict[str, Any]:
    report.heading(f"2 Massal: {count} SKTM, median {repeat} (memori sekali)")
    workers = os.cpu_count() or 1
    table = bench.rows(count)
    sakti_runs, floor_runs = [], []
    for n in range(repeat):
        office = bench.office()
        done = bench.sakti(office, "massal", str(table), "--layanan", "sktm", "--terbitkan", "--json",
                           memory=n == 0)
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        issued = [line["nomor_registrasi"] for line in lines[:-1] if line.get("nomor_surat")]
        if len(issued) != count:
            raise SystemExit(f"massal --terbitkan: {len(issued)} dari {count} terbit:\n{done.stdout[-2000:]}")
        sakti_runs.append(done)
        if n == 0:
            sources = bench.docx_of(office, issued, bench.scratch / f"docx-massal-{count}")
        floor_runs.append(bench.plain_soffice(sources, workers, f"massal-{count}-{n}"))
    took, base = median([r.seconds for r in sakti_runs]), median([r.seconds for r in floor_runs])
    first = sakti_runs[0]
    report.add(Figure("massal", f"massal --terbitkan {count} surat", took / base, 1.3, took, base,
                      f"{workers} x soffice polos", first.rss_mb,
                      f"{1000 * took / count:.0f} ms/surat vs {1000 * base / count:.0f}; LibreOffice "
                      f"{first.child_rss_mb:.0f} MB/proses, {first.children_rss_mb:.0f} MB bersama"))
    return {"rss_mb": first.rss_mb, "lo_mb": first.child_rss_mb, "lo_sum_mb": first.children_rss_mb,
            "detik": took}


def section_desk(bench: Bench, report: Report, repeat: int) -> None:
    report.heading(f"3 Loket: satu surat, median {repeat} proses baru")
    office, resident = bench.office(), bench.office()
    regs, resident_regs = bench.lengkap(office, repeat), bench.lengkap(resident, repeat)
    # the resident worker of the second office ('sakti latar'), started as the office starts it in the morning
    worker = bench.sakti(resident, "latar", "mulai", "--json")
    desk: list[Run] = []
    warm: list[Run] = []
    floor: list[Run] = []
    try:
        for i in range(repeat):  # interleaved: a busy minute falls on all three alike
            desk.append(bench.sakti(office, "terbitkan", regs[i], "--json", memory=i == 0))
            if i == 0:  # the floor converts the DOCX of the first letter, rendered again
                sources = bench.docx_of(office, regs[:1], bench.scratch / "docx-loket")
            floor.append(bench.plain_soffice(sources, 1, f"loket-{i}"))
            warm.append(bench.sakti(resident, "terbitkan", resident_regs[i], "--json", memory=i == 0))
        used = json.loads(bench.sakti(resident, "latar", "status", "--json").stdout)["dikonversi"]
    finally:
        bench.sakti(resident, "latar", "berhenti", "--json", ok=(0, 1))
    if used != repeat:
        raise SystemExit(f"pekerja latar mengubah {used} dari {repeat} surat")
    took, base = median([r.seconds for r in desk]), median([r.seconds for r in floor])
    report.add(Figure("loket", "sakti terbitkan REG", took / base, 1.2, took, base, "1 soffice polos",
                      desk[0].rss_mb, f"LibreOffice {desk[0].child_rss_mb:.0f} MB"))
    took = median([r.seconds for r in warm])
    report.add(Figure("loket", "sakti terbitkan REG, pekerja latar", took / base, 0.5, took, base, "1 soffice polos",
                      warm[0].rss_mb, f"pekerja pid {json.loads(worker.stdout)['pid']}: {used} surat diubahnya"))


cache_key = registers.cache_key  # the code version the cached registers belong to (bench/registers.py)


def cached_register(bench: Bench, letters: int, per_year: int | None = None) -> dict[str, Any]:
    """A TinyDB register of ``letters`` letters at ``per_year`` ending this month (section baca): built once per
    code version in the cache, copied for this run."""
    home = bench.cache / cache_key() / (f"register-{letters}" + (f"-{per_year}" if per_year else ""))
    meta = home / "bangun.json"
    if not meta.is_file():
        if home.exists():
            shutil.rmtree(home)
        started = time.perf_counter()
        built = register_growth.build_register(home / "kantor", letters, per_year=per_year)
        built["kantor"] = str(Path(built["kantor"]).relative_to(home))
        built["detik_bangun"] = time.perf_counter() - started
        meta.write_text(json.dumps(built))
        print(f"  (register {letters:,} dibangun dalam {built['detik_bangun']:.0f} d, disimpan di {home})", flush=True)
    built = json.loads(meta.read_text())
    target = bench.scratch / home.name
    shutil.copytree(home / built["kantor"], target, symlinks=True)
    built["kantor"] = str(target)
    return built


NAMES = {"langkah": "langkah register satu surat", "nomor": "cari nomor surat", "sha256": "cari SHA-256",
         "kode": "cari kode verifikasi", "registrasi": "cari nomor registrasi"}


def section_register(bench: Bench, report: Report, prepared: Prepared, small: int, large: int,
                     repeat: int) -> None:
    """Issue 15 s.5 on both backends, on the run's copies of the cached registers (:class:`Prepared`: built,
    restored and fully checked once beside the memory batch): each figure in fresh processes, the sizes
    interleaved (a busy minute falls on both alike)."""
    report.heading(f"5 Register: {small:,} vs {large:,} surat (TinyDB, PostgreSQL), median {repeat} proses baru")
    copies = prepared.wait()
    print(f"  (salinan register dan server PostgreSQL siap dalam {copies.detik_salin:.0f} d)", flush=True)
    for label, check in prepared.full_checks:
        way, found = periksa_result(check.stdout)
        report.add(Figure("register", label, None, None, check.seconds, mb=check.rss_mb,
                          catatan=f"sekali, {prepared.alongside}; {way}; temuan: {found}; membuat titik periksa"))
    with _clock(register_growth.NOW):  # the builder's clock, read by register_growth's children
        register_figures(bench, report, copies, small, large, min(repeat, register_growth.SPARE))


def register_figures(bench: Bench, report: Report, copies: registers.Registers, small: int, large: int,
                     repeat: int) -> None:
    import register_growth_pg

    for backend, builds, sample in (("", copies.tinydb, register_growth.samples),
                                    ("PostgreSQL: ", copies.pg, register_growth_pg.samples)):
        raw: dict[int, dict[str, list[float]]] = {size: {op: [] for op in register_growth.OPS} for size in builds}
        for _ in range(repeat):
            for size, built in builds.items():
                for op, times in sample(built, 1).items():
                    raw[size][op].extend(times)
                if not backend:  # register_growth.samples takes its spare from a copy of the list
                    built["cadangan"] = built["cadangan"][1:]
        for op in register_growth.OPS:
            took, base = median(raw[large][op]), median(raw[small][op])
            report.add(Figure("register", backend + NAMES[op], took / base, 2.0, took, base, f"{small:,} surat"))
    envs = {"": {**bench.env, "SAKTI_WAKTU": register_growth.NOW}}
    envs["PostgreSQL: "] = envs[""]
    for backend, builds in (("", copies.tinydb), ("PostgreSQL: ", copies.pg)):
        history: dict[int, list[float]] = {size: [] for size in builds}
        for _ in range(repeat):
            for size, built in builds.items():
                cmd = [*SAKTI, "--kantor", built["kantor"], "riwayat", "--objek", built["sampel"]["nomor"], "--json"]
                history[size].append(checked(run(cmd, env=_register_env(envs[backend], built)), "riwayat").seconds)
        took, base = median(history[large]), median(history[small])
        report.add(Figure("register", backend + "riwayat --objek NOMOR", took / base, 2.0, took, base,
                          f"{small:,} surat", catatan="target: tak bergantung pada ukuran register (<= 2x)"))
    for backend, builds in (("", copies.tinydb), ("PostgreSQL: ", copies.pg)):
        built = builds[large]  # its checkpoint written by the first full check (Prepared)
        cmd = [*SAKTI, "--kantor", built["kantor"], "register", "periksa", "--json"]
        check = checked(run(cmd, env=_register_env(envs[backend], built), memory=True), "register periksa", ok=(0, 1))
        way, found = periksa_result(check.stdout)
        label = f"{backend}periksa {large:,} {way}"
        report.add(Figure("register", f"{label}: waktu / 10 s", check.seconds / 10.0, 1.0, check.seconds, 10.0,
                          "target 10 s", check.rss_mb, f"register periksa; temuan: {found}"))
        report.add(Figure("register", f"{label}: memori / 300 MB", check.rss_mb / 300, 1.0, mb=check.rss_mb,
                          dasar="target 300 MB"))


def full_check(bench: Bench, built: dict[str, Any]) -> Run:
    """``register periksa --penuh`` on a large copy: the office's first check, which writes the checkpoint the
    measured (incremental) check starts from."""
    env = _register_env({**bench.env, "SAKTI_WAKTU": register_growth.NOW}, built)
    return checked(run([*SAKTI, "--kantor", built["kantor"], "register", "periksa", "--penuh", "--json"], env=env,
                       memory=True), "register periksa --penuh", ok=(0, 1))


def _register_env(env: dict[str, str], built: dict[str, Any]) -> dict[str, str]:
    """A PostgreSQL register's desk reaches its office through SAKTI_REGISTER_URL and PGPASSWORD."""
    if "url" not in built:
        return env
    return {**env, "SAKTI_REGISTER_URL": built["url"], "PGPASSWORD": built["sandi"]}


def periksa_result(stdout: str) -> tuple[str, str]:
    """How ``register periksa --json`` checked (its ``pemeriksaan.cara``: the incremental check names itself;
    a command without it checks everything, ``penuh``) and the kinds of what it found."""
    try:
        found = json.loads(stdout)
    except ValueError:
        return "penuh", "keluaran bukan JSON"
    way = (found.get("pemeriksaan") or {}).get("cara") or "penuh"
    kinds = sorted({str(problem.get("jenis")) for problem in found.get("masalah") or []})
    return str(way), ", ".join(kinds) or "tidak ada"


def _has(bench: Bench, *args: str) -> bool:
    """Whether this sakti has the command and option (the listings are being built beside the report)."""
    done = run([*SAKTI, *args[:-1], "--help"], env=bench.env)
    return done.returncode == 0 and args[-1] in done.stdout


def section_reading(bench: Bench, report: Report, small: int, large: int, repeat: int) -> None:
    """Issue 13: the listings, the name search, the agenda and the report read what their filter needs. Both
    registers hold ``small`` letters a year ending in December 2026 (the small one that year alone, the large one
    several years), so a month's or a year's work is the same in both and the time and memory must stay flat.
    Measured on TinyDB (cached registers) and on PostgreSQL (bench/register_growth_pg.py's durable server, both
    registers built by COPY as two offices of one database, each workspace pointed at its office by sakti.toml)."""
    report.heading(f"7 Baca: {small:,} vs {large:,} surat ({small:,}/tahun; TinyDB, PostgreSQL), "
                   f"median {repeat} proses baru")
    with _clock(register_growth.NOW):
        builds = {size: cached_register(bench, size, small) for size in (small, large)}
    env = {**bench.env, "SAKTI_WAKTU": register_growth.NOW}
    wanted = _reading_commands(bench, report)
    if not wanted:
        return
    _reading_figures(report, builds, wanted, env, small, repeat, "")
    import pg_server
    import register_growth_pg

    place = Path(tempfile.mkdtemp(prefix="sakti-pg-baca-"))  # in /tmp: the postgres user must reach it
    server = register_growth_pg.start(place)
    try:
        database = pg_server.new_database(server)
        pg_builds: dict[int, dict[str, Any]] = {}
        with _clock(register_growth.NOW):
            for size in (small, large):
                began = time.perf_counter()
                pg_builds[size] = register_growth_pg.build_register(
                    database, bench.scratch / "baca-pg" / f"kantor-{size}", size, office=f"baca{size}", per_year=small)
                register_growth_pg.point_workspace(pg_builds[size])
                print(f"  (PostgreSQL: register baca {size:,} dibangun dalam {time.perf_counter() - began:.0f} d)",
                      flush=True)
        pg_env = {key: value for key, value in env.items() if key not in ("SAKTI_REGISTER_URL", "PGPASSWORD")}
        _reading_figures(report, pg_builds, wanted, pg_env, small, repeat, "PostgreSQL: ")
    finally:
        register_growth_pg.stop(place)
        shutil.rmtree(place, ignore_errors=True)


class _clock:
    """SAKTI_WAKTU set for this process (the builders' children and clock read it), restored after."""

    def __init__(self, moment: str) -> None:
        self.moment, self.saved = moment, os.environ.get("SAKTI_WAKTU")

    def __enter__(self) -> None:
        os.environ["SAKTI_WAKTU"] = self.moment

    def __exit__(self, *_exc: object) -> None:
        if self.saved is None:
            os.environ.pop("SAKTI_WAKTU", None)
        else:
            os.environ["SAKTI_WAKTU"] = self.saved


def _reading_commands(bench: Bench, report: Report) -> list[tuple[str, list[str], tuple[str, str]]]:
    """The four reading commands this sakti has (the missing ones reported as such, not measured)."""
    out = bench.scratch / "baca"
    out.mkdir(exist_ok=True)
    # 'joko susilo': register_growth.bench_name's applicants, found with their old spellings too (Djoko Soesilo);
    # every year is searched, so the large register has more of them (48 vs 144 at 5,000 vs 15,000 letters)
    wanted = [("surat --bulan 2026-11", ["surat", "--bulan", "2026-11", "--json"], ("surat", "--bulan")),
              ("surat --nama joko susilo", ["surat", "--nama", "joko susilo", "--json"], ("surat", "--nama")),
              ("agenda --tahun 2026 (XLSX + PDF)", ["agenda", "--tahun", "2026", "--xlsx", str(out / "agenda.xlsx"),
                                                   "--pdf", str(out / "agenda.pdf"), "--json"], ("agenda", "--tahun")),
              ("laporan --tahun 2026 (XLSX + PDF)", ["laporan", "--tahun", "2026", "--xlsx", str(out / "lap.xlsx"),
                                                    "--pdf", str(out / "lap.pdf"), "--json"], ("laporan", "--tahun"))]
    present: list[tuple[str, list[str], tuple[str, str]]] = []
    for label, args, probe in wanted:
        if _has(bench, *probe):
            present.append((label, args, probe))
        else:
            report.add(Figure("baca", label, None, 2.0, catatan=f"belum ada: 'sakti {probe[0]} {probe[1]}' "
                              "belum dibuat di cabang ini"))
    return present


def _reading_figures(report: Report, builds: dict[int, dict[str, Any]], wanted: list[tuple[str, list[str],
                     tuple[str, str]]], env: dict[str, str], small: int, repeat: int, prefix: str) -> None:
    """Each command on both registers, interleaved, in fresh processes: the time ratio and the peak memory."""
    large = max(builds)
    for label, args, probe in wanted:
        times: dict[int, list[float]] = {size: [] for size in builds}
        peaks: dict[int, float] = {}
        for n in range(repeat):
            for size, built in builds.items():
                done = checked(run([*SAKTI, "--kantor", built["kantor"], *args], env=env, memory=n == 0),
                               prefix + label)
                times[size].append(done.seconds)
                if n == 0:
                    peaks[size] = done.rss_mb
        took, base = median(times[large]), median(times[small])
        note = f"memori {peaks[large]:.0f} MB vs {peaks[small]:.0f} MB"
        if probe[1] == "--nama":  # all years: the hits grow with the register, the search itself must not
            note += "; semua tahun: register besar punya lebih banyak pemohon bernama itu"
        if probe[0] == "laporan":  # the trend: the year before is read too, which the small register has not
            note += "; laporan membaca juga tahun sebelumnya (tren) dan 92 hari sebelumnya: register kecil tak punya"
        report.add(Figure("baca", prefix + label, took / base, 2.0, took, base, f"{small:,} surat", peaks[large],
                          note))
        report.add(Figure("baca", f"{prefix}{label} (memori)", peaks[large] / peaks[small], 1.2, mb=peaks[large],
                          dasar=f"{small:,} surat: {peaks[small]:.0f} MB"))


def batch_memory(bench: Bench, count: int) -> Run:
    """One ``massal --terbitkan`` batch of ``count`` SKTM letters (the real path: render, convert, sign, record),
    its own peak RSS and its LibreOffice processes' polled."""
    office = bench.office()
    done = bench.sakti(office, "massal", str(bench.rows(count)), "--layanan", "sktm", "--terbitkan", "--json",
                       memory=True)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    issued = sum(1 for line in lines if line.get("nomor_surat"))
    if issued != count:
        raise SystemExit(f"massal --terbitkan: {issued} dari {count} terbit:\n{done.stdout[-2000:]}")
    return done


def section_memory(bench: Bench, report: Report, small: dict[str, Any], small_count: int, large: Run | None,
                   large_count: int, alongside: str) -> None:
    report.heading(f"6 Memori: massal --terbitkan {large_count} vs {small_count} surat (sekali)")
    if not small:  # the batch section did not run: measure the small batch here
        done = batch_memory(bench, small_count)
        small.update(rss_mb=done.rss_mb, lo_mb=done.child_rss_mb, lo_sum_mb=done.children_rss_mb, detik=done.seconds)
    done = large if large is not None else batch_memory(bench, large_count)
    report.add(Figure("memori", f"RSS puncak sakti, {large_count} vs {small_count}", done.rss_mb / small["rss_mb"],
                      1.2, done.seconds, small["detik"], f"{small_count} surat: {small['rss_mb']:.0f} MB", done.rss_mb,
                      f"LibreOffice {done.child_rss_mb:.0f} MB/proses ({small['lo_mb']:.0f}), "
                      f"{done.children_rss_mb:.0f} MB bersama ({small['lo_sum_mb']:.0f}); "
                      f"{1000 * done.seconds / large_count:.0f} ms/surat{alongside}"))


class Prepared:
    """The register section's copies, made beside the memory batch (which nothing it does can disturb: its
    figure is a peak RSS): the registers built in a child process when the cache lacks them
    (bench/registers.py, once per code version), restored for this run, then each large copy checked fully
    once (its time and memory reported as they are, beside the batch; the checkpoint it writes is what the
    measured incremental check starts from)."""

    def __init__(self, bench: Bench, small: int, large: int) -> None:
        self.bench, self.small, self.large = bench, small, large
        self.began = time.perf_counter()
        self.log = bench.scratch / "bangun-register.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.copies: registers.Registers | None = None
        self.full_checks: list[tuple[str, Run]] = []
        self.failure: BaseException | None = None
        self.alongside = "sendirian"
        if not registers.cached(bench.cache, small, large):
            with self.log.open("wb") as out:
                self.proc = subprocess.Popen([PYTHON, str(REPO / "bench" / "registers.py"), "--kecil", str(small),
                                              "--besar", str(large), "--cache", str(bench.cache)],
                                             stdout=out, stderr=subprocess.STDOUT)
            print(f"  (register {small:,} dan {large:,} surat dibangun di latar, pid {self.proc.pid}, "
                  f"sekali untuk versi kode ini: {registers.home(bench.cache, small, large)})", flush=True)
        else:
            print(f"  (register {small:,} dan {large:,} surat dari cache: {registers.home(bench.cache, small, large)})",
                  flush=True)
        self.thread = threading.Thread(target=self._prepare, daemon=True)
        self.thread.start()

    def _prepare(self) -> None:
        try:
            self._built()
            self.copies = registers.restore(self.bench.cache, self.small, self.large, self.bench.scratch)
            for backend, builds in (("", self.copies.tinydb), ("PostgreSQL: ", self.copies.pg)):
                self.full_checks.append((f"{backend}periksa {self.large:,} penuh (pertama)",
                                         full_check(self.bench, builds[self.large])))
        except BaseException as exc:  # said by wait(), in the register section
            self.failure = exc

    def _built(self) -> None:
        if self.proc is None:
            return
        code = self.proc.wait()
        self.proc = None
        if code != 0:
            text = self.log.read_text(errors="replace")
            raise SystemExit(f"membangun register gagal (keluar {code}):\n{text[-3000:]}")
        print(f"  (register selesai dibangun, {time.perf_counter() - self.began:.0f} d sejak mulai)", flush=True)

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def wait(self) -> registers.Registers:
        self.thread.join()
        if self.failure is not None:
            raise self.failure
        assert self.copies is not None
        return self.copies

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=60)
        if self.copies is not None:
            self.copies.stop()


def _stopped(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # not caught by a section: the whole run stops, its scratch folder removed


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"beban mesin {one:.1f} {five:.1f} {fifteen:.1f} (1, 5, 15 menit; {os.cpu_count()} inti)"


PARTS = ("mulai", "massal", "loket", "register", "memori")
"""The default run: every figure of issue 15. ``baca`` (issue 13's listings at 20,000 vs 100,000) only when asked
(``--baca``, ``make bench BACA=1``)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cepat", action="store_true", help="versi pendek: ulangan lebih sedikit, 10.000 surat")
    parser.add_argument("--json", type=Path, help="tulis seluruh laporan sebagai JSON ke berkas ini "
                        "(bawaan: .bench-cache/laporan-penuh.json atau -cepat.json)")
    parser.add_argument("--cache", type=Path, default=REPO / ".bench-cache", help="folder register besar tersimpan")
    parser.add_argument("--bagian", nargs="+", choices=[*PARTS, "baca"], help="hanya bagian ini")
    parser.add_argument("--baca", action="store_true", help="juga bagian baca (issue 13: daftar, agenda, laporan)")
    parser.add_argument("--ulang-berat", type=int, help="ulangan massal dan loket (bawaan: 3, cepat: 1)")
    parser.add_argument("--memori", type=int, nargs=2, metavar=("KECIL", "BESAR"),
                        help="ukuran dua batch bagian memori, yang kecil juga batch bagian massal "
                        "(bawaan: 100 1000, cepat: 20 60), mis. 100 400")
    args = parser.parse_args(argv)
    cepat = args.cepat
    sizes = {"large": 10_000 if cepat else 100_000, "small": 1_000, "batch": 20 if cepat else 100,
             "batch_big": 60 if cepat else 1000, "read_small": 5_000 if cepat else 20_000,
             "read_large": 15_000 if cepat else 100_000}
    if args.memori:
        sizes["batch"], sizes["batch_big"] = args.memori
    parts = list(args.bagian or [*PARTS, *(["baca"] if args.baca else [])])
    repeat_light, repeat_heavy = (3, 1) if cepat else (7, 3)
    repeat_register = 3 if cepat else 5  # 20 fresh processes a repetition
    repeat_heavy = args.ulang_berat or repeat_heavy
    report = Report("cepat" if cepat else "penuh")
    report.meta.update(sizes)
    report.meta["beban_awal_1_5_15"] = list(os.getloadavg())
    print(f"SAKTI bench ({report.mode}), {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: {_load()}; "
          "rasio = waktu / dasar pada run yang sama; RSS puncak dari /proc (VmHWM, 20 ms)", flush=True)
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, _stopped)  # a timeout still removes the scratch folder
    scratch = Path(tempfile.mkdtemp(prefix="sakti-bench-"))
    failed: list[str] = []
    spent: dict[str, float] = {}
    builder: Prepared | None = None

    def section(name: str, step: Callable[[], Any], label: str = "") -> None:
        began = time.perf_counter()
        try:
            step()
        except (SystemExit, Exception) as exc:  # one failed section: say so, measure the others
            failed.append(name)
            report.add(Figure(name, f"{name}: GAGAL", None, None, catatan=str(exc).strip()[-1500:]))
        spent[label or name] = time.perf_counter() - began

    try:
        bench = Bench(scratch, args.cache)
        small_batch: dict[str, Any] = {}
        big_batch: list[Run] = []
        alongside = ""
        if "mulai" in parts:  # first, on a quiet machine: tens of milliseconds, before anything runs beside it
            section("mulai", lambda: section_startup(bench, report, repeat_light + 2))
        if "register" in parts:
            builder = Prepared(bench, sizes["small"], sizes["large"])
        if "memori" in parts:
            # first: the large batch's peak memory is its own whatever else runs, so it runs beside the build
            building = builder is not None and builder.running
            if builder is not None:
                builder.alongside = f"bersamaan dengan batch memori {sizes['batch_big']:,} surat"
            print(f"  (batch memori {sizes['batch_big']:,} surat berjalan"
                  + (" bersamaan dengan persiapan register" if building else "") + "; angkanya di bagian 6)",
                  flush=True)
            section("memori", lambda: big_batch.append(batch_memory(bench, sizes["batch_big"])),
                    f"memori: batch {sizes['batch_big']:,}")
            if big_batch:
                alongside = ", bersamaan dengan persiapan register" if building else ""
                print(f"  (batch {sizes['batch_big']:,} surat: {big_batch[0].seconds:.0f} d)", flush=True)
        if builder is not None:
            section("register", builder.wait, "register: menunggu persiapan")
        steps: dict[str, Callable[[], Any]] = {
            "massal": lambda: small_batch.update(section_batch(bench, report, sizes["batch"], repeat_heavy)),
            "loket": lambda: section_desk(bench, report, repeat_heavy + 2),
            "register": lambda: section_register(bench, report, cast(Prepared, builder), sizes["small"], sizes["large"],
                                                 repeat_register),
            "memori": lambda: section_memory(bench, report, small_batch, sizes["batch"],
                                             big_batch[0] if big_batch else None, sizes["batch_big"], alongside),
            "baca": lambda: section_reading(bench, report, sizes["read_small"], sizes["read_large"], repeat_light),
        }
        for name in parts:
            if name in failed or name == "mulai":  # its preparation failed (reported); mulai: measured first
                continue
            section(name, steps[name])
    finally:
        if builder is not None:
            builder.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    report.meta["detik_total"] = time.perf_counter() - started
    report.meta["beban_akhir"] = os.getloadavg()[0]
    report.meta["beban_akhir_1_5_15"] = list(os.getloadavg())
    report.meta["detik_bagian"] = spent
    report.meta["gagal"] = failed
    print("\nwaktu per bagian: " + ", ".join(f"{name} {seconds:.0f} d" for name, seconds in spent.items()))
    print(f"selesai dalam {report.meta['detik_total']:.0f} d ({report.meta['detik_total'] / 60:.1f} menit); {_load()}")
    if args.json is None:
        args.json = args.cache / f"laporan-{report.mode}.json"
        args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"laporan JSON: {args.json}")
    if failed:
        print(f"bagian yang gagal: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
