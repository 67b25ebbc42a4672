"""Crash safety with real processes killed by SIGKILL at named points (SAKTI_UJI_MATI).

After each kill the next command sees a register that loads, the reserved number closed as BATAL
("proses terhenti"), never reused, and a clean ``sakti register periksa``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli, example

SAKTI = Path(sys.executable).parent / "sakti"
FIRST = "400.9.14.1/001/ARSEL/XI/2026"

# Issues letters one after another in ONE process (a run of many letters), like a batch script.
# argv: kantor, index (1-based) of the letter during which to die, crash point, then the REG numbers.
# The point is armed from the progress callback, so "tengah_tulis_register" hits the final register
# write of that letter (not its reservation).
RUN_DRIVER = r"""
import json, os, sys
from pathlib import Path
from sakti_cli.issuance.pipeline import issue_letter
from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.tiny.registry import Register
from sakti_cli.register.upkeep import open_register
from sakti_cli.services.sop import load_service

kantor, die_at, point, regs = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
ws = find_workspace(kantor)
register = open_register(ws.register_dir, zone=ws.zone, actor="skrip",
                    lock_timeout=ws.config.register_settings.batas_tunggu_kunci)
for index, reg in enumerate(regs, 1):
    def progress(step, index=index):
        if index == die_at and step == ("mencatat di register" if point == "tengah_tulis_register" else
                                        "memesan nomor surat"):
            os.environ["SAKTI_UJI_MATI"] = point
    result = issue_letter(ws, register, lambda code: load_service(ws.sop_dir, code), reg,
                          signatory_id=None, prompt=None, progress=progress)
    print(json.dumps({"reg": reg, "nomor": result["surat"]["nomor_surat"], "pdf": str(result["pdf"])}), flush=True)
"""


def sakti_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)  # SAKTI_KANTOR, SAKTI_WAKTU, SAKTI_LO_PROFIL from the fixtures
    env["SAKTI_SANDI"] = "demo"
    env.update(extra)
    return env


def lengkap(cli: Cli, count: int = 1) -> list[str]:
    regs = []
    for _ in range(count):
        reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
        cli.json("periksa", reg)
        regs.append(reg)
    return regs


def letter(kantor: Path, number: str) -> dict:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.letters import find_letter
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    register = open_register(ws.register_dir, zone=ws.zone)
    register.recover = False  # look without closing anything
    with register.transaction() as txn:
        found = find_letter(txn, number=number)
    assert found is not None, number
    return found


def next_step(kantor: Path) -> None:
    """The next desk's writing step (any command that writes): it closes dead processes' numbers first.
    Reading commands (status, verifikasi, register periksa) never do: they take no write lock."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    with open_register(ws.register_dir, zone=ws.zone).transaction():
        pass


def open_list(kantor: Path) -> list[dict]:
    data = json.loads((kantor / "data" / "register" / "urutan.json").read_text())
    return list(data.get("terbuka", {}).values())


@pytest.mark.slow
@pytest.mark.parametrize("point", ["setelah_pesan_nomor", "setelah_ttd"])
def test_killed_after_reservation_number_closed_batal(kantor: Path, cli: Cli, point: str) -> None:
    (reg,) = lengkap(cli)
    died = subprocess.run([str(SAKTI), "terbitkan", reg], env=sakti_env(SAKTI_UJI_MATI=point),
                          capture_output=True, text=True, timeout=300)
    assert died.returncode == -signal.SIGKILL, died.stderr
    # the register loads; the reservation is still open until the next register step
    dangling = letter(kantor, FIRST)
    assert dangling["status"] == "DIPESAN" and [e["nomor_surat"] for e in open_list(kantor)] == [FIRST]

    assert cli.json("status", reg)["nomor_batal"] == []  # a reading command closes nothing
    next_step(kantor)  # any writing command: the dead process's number is closed first
    status = cli.json("status", reg)
    assert status["status"] == "LENGKAP" and status["nomor_batal"] == [FIRST]
    closed = letter(kantor, FIRST)
    assert closed["status"] == "BATAL" and closed["alasan_batal"] == "proses terhenti"
    assert open_list(kantor) == []
    events = cli.json("riwayat", "--objek", FIRST)["peristiwa"]
    assert [(e["aksi"], e["sesudah"]) for e in events] == [("pesan_nomor", "DIPESAN"), ("batal_nomor", "BATAL")]

    again = subprocess.run([str(SAKTI), "terbitkan", reg, "--json"], env=sakti_env(), capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["nomor_surat"] == "400.9.14.1/002/ARSEL/XI/2026"  # never reused
    check = cli.json("register", "periksa")
    assert check["bersih"] is True and check["ringkasan"]["batal"] == 1 and check["ringkasan"]["terbit"] == 1


@pytest.mark.slow
def test_killed_in_the_middle_of_a_register_write(kantor: Path, cli: Cli) -> None:
    """The first register write of 'terbitkan' is the reservation: killed before its journal, it never
    happened (no number handed out), the half-written temp files are ignored, the register loads."""
    (reg,) = lengkap(cli)
    before = {p.name: p.read_bytes() for p in (kantor / "data" / "register").rglob("*.json")}
    died = subprocess.run([str(SAKTI), "terbitkan", reg], env=sakti_env(SAKTI_UJI_MATI="tengah_tulis_register"),
                          capture_output=True, text=True, timeout=300)
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert list((kantor / "data" / "register").rglob("*.baru"))  # temp files were being written
    after = {p.name: p.read_bytes() for p in (kantor / "data" / "register").rglob("*.json")}
    assert after == before
    assert cli.json("register", "periksa")["bersih"] is True
    assert cli.json("status", reg)["status"] == "LENGKAP"
    again = subprocess.run([str(SAKTI), "terbitkan", reg, "--json"], env=sakti_env(), capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["nomor_surat"] == FIRST
    assert cli.json("register", "periksa")["bersih"] is True


@pytest.mark.slow
@pytest.mark.parametrize("point", ["tengah_tulis_register"])  # "setelah_ttd" also works; covered above
def test_killed_in_the_middle_of_a_run_of_letters(kantor: Path, cli: Cli, point: str) -> None:
    """One process issues five letters and dies during the third, while writing its TERBIT record
    (the PDF is already stored). Letters 1-2 stay TERBIT, number 3 is closed BATAL with the stored
    PDF noted, the run is resumed for the rest and gets 4, 5, 6."""
    regs = lengkap(cli, 5)
    died = subprocess.run([sys.executable, "-c", RUN_DRIVER, str(kantor), "3", point, *regs],
                          env=sakti_env(), capture_output=True, text=True, timeout=600)
    assert died.returncode == -signal.SIGKILL, died.stderr
    done = [json.loads(line) for line in died.stdout.splitlines()]
    assert [d["nomor"] for d in done] == [FIRST, "400.9.14.1/002/ARSEL/XI/2026"]

    third = "400.9.14.1/003/ARSEL/XI/2026"
    next_step(kantor)
    assert cli.json("status", regs[2])["nomor_batal"] == [third]
    closed = letter(kantor, third)
    assert closed["status"] == "BATAL" and closed["alasan_batal"] == "proses terhenti"
    if point == "tengah_tulis_register":  # signed and stored, never recorded: noted, still BATAL
        assert closed["pdf_tertinggal"] == "data/surat/2026/11/400.9.14.1_003_ARSEL_XI_2026.pdf"
    assert [cli.json("status", r)["status"] for r in regs] == ["TERBIT", "TERBIT", "LENGKAP", "LENGKAP", "LENGKAP"]

    resumed = subprocess.run([sys.executable, "-c", RUN_DRIVER, str(kantor), "0", "-", *regs[2:]],
                             env=sakti_env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    numbers = [json.loads(line)["nomor"] for line in resumed.stdout.splitlines()]
    assert numbers == [f"400.9.14.1/00{n}/ARSEL/XI/2026" for n in (4, 5, 6)]
    check = cli.json("register", "periksa")
    assert check["bersih"] is True, check["masalah"]
    assert check["ringkasan"]["terbit"] == 5 and check["ringkasan"]["batal"] == 1
    for line in resumed.stdout.splitlines():
        assert cli.json("verifikasi", json.loads(line)["pdf"])["sah"] is True


def test_live_reservation_left_alone_dead_one_closed(kantor: Path, cli: Cli) -> None:
    """Recovery needs no LibreOffice: reservations made through the core by short-lived processes."""
    (reg,) = lengkap(cli)
    reserve = r"""
import os, sys, time
from pathlib import Path
from sakti_cli.register.letters import reserve_number
from sakti_cli.office.workspace import find_workspace
from sakti_cli.register.tiny.registry import Register
from sakti_cli.register.upkeep import open_register
from sakti_cli.services.sop import load_service
ws = find_workspace(Path(sys.argv[1]))
with open_register(ws.register_dir, zone=ws.zone).transaction() as txn:
    reserve_number(txn, ws, load_service(ws.sop_dir, "sktm"), sys.argv[2], {"id": "camat"})
print("dipesan", flush=True)
if sys.argv[3] == "tunggu":
    sys.stdin.read()  # stay alive until the test closes stdin
"""
    subprocess.run([sys.executable, "-c", reserve, str(kantor), reg, "selesai"], check=True, env=sakti_env(),
                   capture_output=True)
    alive = subprocess.Popen([sys.executable, "-c", reserve, str(kantor), reg, "tunggu"], env=sakti_env(),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert alive.stdout is not None and alive.stdout.readline().strip() == "dipesan"
        next_step(kantor)
        check = cli.json("register", "periksa")
        assert check["bersih"] is True
        # the first check of this register has no checkpoint yet: a note, then the live reservation
        assert [n["jenis"] for n in check["catatan"]] == ["titik_periksa", "sedang_diproses"]
        assert "400.9.14.1/002/ARSEL/XI/2026" in check["catatan"][1]["pesan"]
        assert letter(kantor, FIRST)["status"] == "BATAL"
        assert letter(kantor, "400.9.14.1/002/ARSEL/XI/2026")["status"] == "DIPESAN"
    finally:
        assert alive.stdin is not None
        alive.stdin.close()
        alive.wait(timeout=30)
    next_step(kantor)
    assert letter(kantor, "400.9.14.1/002/ARSEL/XI/2026")["status"] == "BATAL"
    assert cli.json("status", reg)["nomor_batal"] == [FIRST, "400.9.14.1/002/ARSEL/XI/2026"]
    assert cli.json("register", "periksa")["bersih"] is True
