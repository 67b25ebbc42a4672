"""Several real processes on one workspace: no number twice, none lost, every letter verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Cli, example
from test_register_mati import next_step

# Reserves N numbers one transaction at a time, closing every other one as BATAL itself; the rest are
# left DIPESAN when the process exits, to be closed by the next register step ("proses terhenti").
# argv: kantor, REG, N, start-flag file (all workers wait for it, so they really run together).
RESERVE_DRIVER = r"""
import json, sys, time
from pathlib import Path
from sakti_cli.register.letters import reserve_number, void_reserved
from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.tiny.registry import Register
from sakti_cli.register.upkeep import open_register
from sakti_cli.services.sop import load_service

kantor, reg, count, flag = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
ws = find_workspace(kantor)
service = load_service(ws.sop_dir, "sktm")
register = open_register(ws.register_dir, zone=ws.zone, actor="uji", lock_timeout=60)
while not flag.exists():
    time.sleep(0.01)
for index in range(count):
    with register.transaction() as txn:
        letter = reserve_number(txn, ws, service, reg, {"id": "camat"})
    if index % 2:
        with register.transaction() as txn:
            void_reserved(txn, letter, "uji")
    print(json.dumps([letter["nomor_surat"], letter["urut"]]), flush=True)
"""

# Issues real letters (LibreOffice + PAdES) for the REG numbers given, one after another.
ISSUE_DRIVER = r"""
import json, sys, time
from pathlib import Path
from sakti_cli.documents.convert import Converter
from sakti_cli.issuance.pipeline import issue_letter
from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.tiny.registry import Register
from sakti_cli.register.upkeep import open_register
from sakti_cli.services.sop import load_service

kantor, flag, regs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
ws = find_workspace(kantor)
register = open_register(ws.register_dir, zone=ws.zone, actor="loket",
                    lock_timeout=ws.config.register_settings.batas_tunggu_kunci)
while not flag.exists():
    time.sleep(0.01)
with Converter() as converter:  # one LibreOffice per worker, as a batch run does
    for reg in regs:
        result = issue_letter(ws, register, lambda code: load_service(ws.sop_dir, code), reg,
                              signatory_id=None, prompt=None, converter=converter)
        print(json.dumps({"reg": reg, "nomor": result["surat"]["nomor_surat"], "urut": result["surat"]["urut"],
                          "pdf": str(result["pdf"])}), flush=True)
"""


def start_together(scripts: list[list[str]], flag: Path, env: dict[str, str], timeout: float) -> list[str]:
    procs = [subprocess.Popen([sys.executable, "-c", *args], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for args in scripts]
    time.sleep(0.5)
    flag.touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        outputs.append(out)
    return outputs


def lengkap(cli: Cli) -> str:
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    cli.json("periksa", reg)
    return reg


def test_reservations_from_four_processes(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    """The reservation step alone: 4 processes x 50 numbers, fast (no LibreOffice)."""
    reg = lengkap(cli)
    flag = tmp_path / "mulai"
    outputs = start_together([[RESERVE_DRIVER, str(kantor), reg, "50", str(flag)] for _ in range(4)], flag,
                             dict(os.environ), timeout=300)
    got = [json.loads(line) for out in outputs for line in out.splitlines()]
    assert len(got) == 200
    assert sorted(urut for _, urut in got) == list(range(1, 201))  # distinct and consecutive
    assert len({number for number, _ in got}) == 200
    assert all(len([1 for line in out.splitlines()]) == 50 for out in outputs)

    # 100 reservations of exited processes are still open until the next writing step closes them
    next_step(kantor)  # reading commands close nothing: a writing step does
    status = cli.json("status", reg)
    assert len(status["nomor_batal"]) == 100
    check = cli.json("register", "periksa")
    assert check["bersih"] is True, check["masalah"][:3]
    assert check["ringkasan"]["batal"] == 200 and check["ringkasan"]["lingkup"][0]["terakhir"] == 200
    reasons = [e["detail"]["alasan"] for e in cli.json("riwayat", "--batas", "1000")["peristiwa"]
               if e["aksi"] == "batal_nomor"]
    assert sorted(set(reasons)) == ["proses terhenti", "uji"] and len(reasons) == 200


@pytest.mark.slow
def test_four_processes_issue_real_letters(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    """4 processes each issuing 25 real letters (LibreOffice + PAdES) on one workspace at the same time.

    Each worker keeps one LibreOffice for its run (``issue_letter(converter=...)``, as batch issuance
    does); with one LibreOffice start per letter the same 100 letters took about 3 minutes here.
    ``SAKTI_UJI_SURAT_PER_PROSES`` changes the count.
    """
    per_process, processes = int(os.environ.get("SAKTI_UJI_SURAT_PER_PROSES", "25")), 4
    total = per_process * processes
    regs = [lengkap(cli) for _ in range(total)]
    flag = tmp_path / "mulai"
    env = dict(os.environ, SAKTI_SANDI="demo")
    started = time.monotonic()
    outputs = start_together([[ISSUE_DRIVER, str(kantor), str(flag), *regs[i::processes]]
                              for i in range(processes)], flag, env, timeout=900)
    elapsed = time.monotonic() - started
    letters = [json.loads(line) for out in outputs for line in out.splitlines()]
    assert len(letters) == total, elapsed
    assert sorted(item["urut"] for item in letters) == list(range(1, total + 1))
    assert sorted(item["nomor"] for item in letters) == [f"400.9.14.1/{n:03}/ARSEL/XI/2026"
                                                         for n in range(1, total + 1)]
    assert sorted(item["reg"] for item in letters) == sorted(regs)
    assert len({item["pdf"] for item in letters}) == total
    # the processes really overlapped: every one got a number among the first ones handed out
    firsts = [json.loads(out.splitlines()[0])["urut"] for out in outputs]
    assert max(firsts) <= total // 2, firsts

    from sakti_cli.issuance.verification import verify_file
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    register = open_register(ws.register_dir, zone=ws.zone)
    for item in letters:
        result = verify_file(ws, register, Path(item["pdf"]))
        assert result["sah"] is True, (item, result["alasan"])
        assert result["surat"]["nomor_surat"] == item["nomor"]
    check = cli.json("register", "periksa")
    assert check["bersih"] is True, check["masalah"][:5]
    assert check["ringkasan"]["terbit"] == total and check["ringkasan"]["batal"] == 0
    assert check["ringkasan"]["permohonan"] == total
    print(f"{total} surat dari {processes} proses dalam {elapsed:.0f} detik")
