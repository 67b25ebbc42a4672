"""Per-letter time of a 200-row ``sakti massal --terbitkan`` against the floor: plain ``soffice`` (issue 10, Done when).

Builds its own workspace (``sakti init``, a demo key, the office clock fixed at 22 November 2026) and
the SKTM table of tests/massal_rows.py (200 good rows and 5 bad ones), then, in the same run:

  massal     the installed ``.venv/bin/sakti massal FILE --layanan sktm --terbitkan --json``, one process,
             timed from its start to its summary line: reading, registering, checking, numbering,
             rendering, converting (the LibreOffice pool), signing (PAdES) and recording every letter
  soffice-K  the same 200 letters rendered again to DOCX (the same template and context as each issued
             letter: core functions, not timed), converted by K plain ``soffice --headless --convert-to
             pdf`` calls side by side, each converting its share in one call with its own copy of the
             already-created profile (bench/lo_pool.run_plain), K = the machine's cores (``--pekerja``)

and prints the per-letter time of each and their ratio. Every LibreOffice (pool worker or plain) starts
from a copy of one warm profile (tests/lo_fixtures.warm_profile), so neither side pays for creating one.

    python bench/massal_200.py                  # 200 letters, K = os.cpu_count()
    python bench/massal_200.py --surat 50 --pekerja 2 --simpan /tmp/bench-massal

Not part of the test suite (tests never assert wall-clock times). On a shared machine run it twice.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))
FIXED_TIME = "2026-11-22T09:30:00+07:00"  # the rows' dates (pengantar, birth dates) hold at this clock


def make_office(scratch: Path) -> Path:
    """The demo office (as tests/conftest.py's ``kantor``) in ``scratch``/kantor with a demo key valid at the
    fixed and the real clock."""
    from pki_helpers import around_both_clocks

    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace
    from sakti_cli.signatures.pki import make_demo_pki

    start, end = around_both_clocks(FIXED_TIME)
    pki = make_demo_pki(scratch / "pki-demo", "demo", now=start, not_after=end)
    ws = create_workspace(scratch / "kantor", DEMO_OFFICE)  # the demo office: its camat key is the seal
    shutil.copy(pki.signer_p12, ws.root / "pki" / "camat.p12")
    shutil.copy(scratch / "pki-demo" / "demo-root.pem", ws.root / "pki" / "demo-root.pem")
    return ws.root


def run_batch(office: Path, table: Path) -> tuple[float, dict]:
    began = time.monotonic()
    done = subprocess.run([str(REPO / ".venv" / "bin" / "sakti"), "--kantor", str(office), "massal", str(table),
                           "--layanan", "sktm", "--terbitkan", "--json"], capture_output=True, text=True,
                          env=dict(os.environ), check=False)
    took = time.monotonic() - began
    summary = json.loads(done.stdout.splitlines()[-1])
    if summary.get("jenis") != "ringkasan":
        raise SystemExit(f"massal gagal: {done.stdout[-500:]} {done.stderr[-500:]}")
    return took, summary


def render_issued(office: Path, out: Path) -> list[Path]:
    """Each TERBIT letter's DOCX again, as issue.py renders it (its number, code, date and signatory)."""
    from datetime import datetime

    from sakti_cli.cli.state import register_for
    from sakti_cli.documents.render import render_docx
    from sakti_cli.issuance.context import footer_issuer, letter_context, logo_path, template_path, verification_url
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.applications import find_application
    from sakti_cli.services.sop import load_service

    ws = find_workspace(office)
    register = register_for(ws)
    out.mkdir(parents=True, exist_ok=True)
    with register.reading() as txn:
        letters = list(txn.letters())
        records = {letter["nomor_registrasi"]: find_application(txn, letter["nomor_registrasi"])
                   for letter in letters if letter["status"] == "TERBIT"}
    service = load_service(ws.sop_dir, "sktm")
    person = ws.signatory(None)
    issuer = footer_issuer(ws, person, None)
    paths = []
    for letter in sorted((x for x in letters if x["status"] == "TERBIT"), key=lambda x: x["urut"]):
        context = letter_context(ws, service, records[letter["nomor_registrasi"]], person, letter["nomor_surat"],
                                 letter["kode_verifikasi"], datetime.fromisoformat(letter["terbit"]), issuer)
        path = out / f"surat{letter['urut']:04d}.docx"
        render_docx(template_path(ws, service), context, path, logo=logo_path(ws), kertas=ws.config.surat.kertas,
                    qr_payload=verification_url(ws, letter["kode_verifikasi"]))
        paths.append(path)
    return paths


def main() -> None:
    from lo_fixtures import warm_profile
    from lo_pool import run_plain
    from massal_rows import build_batch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surat", type=int, default=200, help="baris baik (bawaan 200)")
    parser.add_argument("--pekerja", type=int, default=os.cpu_count() or 1, help="panggilan soffice berdampingan")
    parser.add_argument("--simpan", type=Path, help="folder kerja yang disimpan (bawaan: folder sementara)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sakti-bench-massal-") as tmp:
        scratch = args.simpan or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        profile = warm_profile(scratch)
        os.environ.update(SAKTI_LO_PROFIL=str(profile), SAKTI_WAKTU=FIXED_TIME, SAKTI_SANDI="demo")
        os.environ.pop("SAKTI_KANTOR", None)
        office = make_office(scratch)
        table, _kinds = build_batch(scratch / "tabel", args.surat)
        print(f"{args.surat} baris baik + 5 buruk, mesin: {os.cpu_count()} inti, beban {os.getloadavg()[0]:.1f}")
        batch, summary = run_batch(office, table)
        issued = summary["diterbitkan"]
        sources = render_issued(office, scratch / "docx")
        plain = run_plain(args.pekerja, sources, scratch / "polos", profile, scratch)
        per_batch, per_plain = 1000 * batch / max(issued, 1), 1000 * plain / max(len(sources), 1)
        print(f"massal --terbitkan: {batch:6.1f} s, {issued} surat terbit, {per_batch:5.0f} ms/surat "
              "(daftar + periksa + nomor + templat + PDF + TTE + register)")
        print(f"soffice-{args.pekerja} polos:   {plain:6.1f} s, {len(sources)} DOCX -> PDF, {per_plain:5.0f} ms/surat")
        print(f"rasio massal / soffice polos: {per_batch / per_plain:.2f}")


if __name__ == "__main__":
    main()
