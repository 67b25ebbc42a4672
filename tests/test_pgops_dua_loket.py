"""Two desks on one PostgreSQL register (issue 12, Tests): two workspaces pointed at one database and role,
4 ``sakti terbitkan`` processes at once issuing real letters (LibreOffice + PAdES), two of them SIGKILLed at
named points (after reserving the number; after signing, before recording). Numbers distinct and consecutive,
the dead desks' reservations closed BATAL "proses terhenti" by the next desk's step, ``register periksa`` clean
on both desks, and each desk sees (and verifies) the letters the other issued."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli, example
from pg_server import Database
from pgops_desks import desk

KILLED_AT = ("setelah_pesan_nomor", "setelah_ttd")  # core/testhooks.crash_point names in issuance/pipeline.py


def _terbitkan(folder: Path, reg: str, crash: str | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "SAKTI_KANTOR": str(folder)}
    env.pop("SAKTI_UJI_MATI", None)
    if crash:
        env["SAKTI_UJI_MATI"] = crash
    return subprocess.Popen([sys.executable, "-m", "sakti_cli", "terbitkan", reg, "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_desks_four_processes_some_killed(pg: Database, tmp_path: Path, cli: Cli, demo_pki: object,
                                              lo_profile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKTI_LO_PROFIL", str(lo_profile))  # a warm profile copied by each LibreOffice
    monkeypatch.setenv("SAKTI_SANDI", "demo")  # the demo seal's passphrase, for every desk
    office = pg.office("kec_loket")
    desks = [desk(tmp_path / "loket-1", office, demo_pki), desk(tmp_path / "loket-2", office, demo_pki)]
    regs = []
    for index in range(4):  # registered and checked at either desk: one register
        at = str(desks[index % 2])
        reg = cli.json("--kantor", at, "daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
        cli.json("--kantor", str(desks[(index + 1) % 2]), "periksa", reg)
        regs.append(reg)
    runs = [_terbitkan(desks[0], regs[0]), _terbitkan(desks[1], regs[1]),
            _terbitkan(desks[0], regs[2], KILLED_AT[0]), _terbitkan(desks[1], regs[3], KILLED_AT[1])]
    finished = [run.communicate(timeout=240) for run in runs]
    codes = [run.returncode for run in runs]
    assert codes == [0, 0, -signal.SIGKILL, -signal.SIGKILL], [err[-800:] for _, err in finished]
    # the next desk's step (each killed application issued again, at the other desk) closes what is left
    again = [cli.json("--kantor", str(desks[1]), "terbitkan", regs[2]),
             cli.json("--kantor", str(desks[0]), "terbitkan", regs[3])]
    with office.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pemesanan")
        assert cur.fetchone() == (0,)  # no reservation left open
        cur.execute("SELECT urut, status, data->>'alasan_batal' FROM surat ORDER BY urut")
        letters = cur.fetchall()
    assert [row[0] for row in letters] == [1, 2, 3, 4, 5, 6]  # distinct and consecutive, across both desks
    assert sorted(row[1] for row in letters) == ["BATAL", "BATAL", "TERBIT", "TERBIT", "TERBIT", "TERBIT"]
    assert {row[2] for row in letters if row[1] == "BATAL"} == {"proses terhenti"}
    assert {row[0] for row in letters if row[1] == "BATAL"} <= {1, 2, 3, 4}  # the killed ones' numbers
    numbers = [str(item["surat"]["nomor_surat"]) for item in again]
    for folder in desks:
        check = cli.json("--kantor", str(folder), "register", "periksa")
        assert check["bersih"], check["masalah"]
        assert (check["ringkasan"]["terbit"], check["ringkasan"]["batal"]) == (4, 2)
        for reg in regs:  # every application TERBIT at both desks
            assert cli.json("--kantor", str(folder), "status", reg)["status"] == "TERBIT"
    # a letter issued at desk 1 verifies at desk 2 (its PDF from the register's file store)
    pdf = Path(str(again[1]["pdf"]))
    verdict = cli.json("--kantor", str(desks[1]), "verifikasi", str(pdf))
    assert verdict["sah"] is True and verdict["surat"]["nomor_surat"] == numbers[1]
