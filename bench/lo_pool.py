"""Per-letter DOCX -> PDF time: the LibreOffice worker pool against plain ``soffice --convert-to`` (issue 10, s.4).

Makes N letter-sized DOCX files (python-docx: a kop, a numbered body of ~25 lines, a table, a signature
block), then, in the same run and on the same files:

  pool-K     ConverterPool(K): K listeners started once, the files queued at once; timed from creating
             the pool (start-up included) to the last PDF, and also the conversions alone
  soffice-K  K plain ``soffice --headless --convert-to pdf`` runs side by side, each converting its share
             in one call, each with its own copy of the same warm profile

for K = 1 and 2 (``--pekerja``). Every worker (pool or plain) starts from a copy of one warm profile
(tests/lo_fixtures.warm_profile), so neither side pays for creating a profile.

    python bench/lo_pool.py                 # 40 letters, K = 1 and 2
    python bench/lo_pool.py --surat 200 --pekerja 1 2

Not part of the test suite (tests never assert wall-clock times). On a shared machine run it twice.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def make_letters(folder: Path, count: int) -> list[Path]:
    import docx

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(1, count + 1):
        document = docx.Document()
        for line in ("PEMERINTAH KABUPATEN KOTAWARINGIN BARAT", "KECAMATAN ARUT SELATAN",
                     "Jl. Pangeran Antasari No. 1, Pangkalan Bun"):
            document.add_paragraph(line)
        document.add_heading("SURAT KETERANGAN TIDAK MAMPU", level=1)
        document.add_paragraph(f"Nomor: 400.9.14.1/{n:03}/ARSEL/XI/2026")
        for i in range(25):
            document.add_paragraph(f"{i + 1}. Yang bertanda tangan di bawah ini menerangkan bahwa warga nomor {n} "
                                   "berdomisili di Kelurahan Madurejo dan tergolong keluarga tidak mampu.")
        table = document.add_table(rows=4, cols=2)
        for row, (key, value) in enumerate([("Nama", f"Warga {n}"), ("NIK", "6201xxxxxxxx0001"),
                                            ("Alamat", "Jl. Iskandar No. 5"), ("Keperluan", "beasiswa")]):
            table.cell(row, 0).text, table.cell(row, 1).text = key, value
        document.add_paragraph("Pangkalan Bun, 22 November 2026\nCamat Arut Selatan\n\n\nNama Camat")
        path = folder / f"surat{n:03}.docx"
        document.save(str(path))
        paths.append(path)
    return paths


def run_pool(workers: int, sources: list[Path], out: Path) -> tuple[float, float]:
    from sakti_cli.documents.convert_pool import ConverterPool

    began = time.monotonic()
    with ConverterPool(workers) as pool:
        ready = time.monotonic()
        results = list(pool.map((s, s, out) for s in sources))
        done = time.monotonic()
    failed = [r for r in results if r.error is not None]
    if failed:
        raise SystemExit(f"pool-{workers}: {len(failed)} failed: {failed[0].error}")
    return done - began, done - ready


def run_plain(workers: int, sources: list[Path], out: Path, profile: Path, scratch: Path) -> float:
    from sakti_cli.core.children import start_child
    from sakti_cli.documents.convert import find_soffice

    soffice = find_soffice()
    began = time.monotonic()
    procs = []
    for k in range(workers):
        own = scratch / f"profil-polos-{workers}-{k}"
        shutil.copytree(profile, own, symlinks=True)
        share = sources[k::workers]
        procs.append(start_child([soffice, f"-env:UserInstallation={own.as_uri()}", "--headless", "--norestore",
                                  "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out),
                                  *(str(s) for s in share)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for proc in procs:
        proc.wait()
    took = time.monotonic() - began
    missing = [s for s in sources if not (out / (s.stem + ".pdf")).is_file()]
    if missing:
        raise SystemExit(f"soffice-{workers}: {len(missing)} PDFs missing")
    return took


def main() -> None:
    import os

    from lo_fixtures import warm_profile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surat", type=int, default=40)
    parser.add_argument("--pekerja", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sakti-bench-lo-") as tmp:
        scratch = Path(tmp)
        profile = warm_profile(scratch)
        os.environ["SAKTI_LO_PROFIL"] = str(profile)
        sources = make_letters(scratch / "docx", args.surat)
        n = len(sources)
        print(f"{n} surat, mesin: {os.cpu_count()} inti, beban {os.getloadavg()[0]:.1f}")
        for workers in args.pekerja:
            total, convert_only = run_pool(workers, sources, scratch / f"pool{workers}")
            plain = run_plain(workers, sources, scratch / f"polos{workers}", profile, scratch)
            print(f"pool-{workers}:    {total:6.1f} s total, {1000 * total / n:5.0f} ms/surat "
                  f"(tanpa start {1000 * convert_only / n:5.0f} ms/surat)")
            print(f"soffice-{workers}: {plain:6.1f} s total, {1000 * plain / n:5.0f} ms/surat")


if __name__ == "__main__":
    main()
