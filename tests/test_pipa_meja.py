"""The register lock is held per step, never for a whole batch: a letter issued at the desk (its own
``sakti terbitkan`` process) while ``sakti massal --terbitkan`` runs in another gets its number in
between the batch's; both succeed, every number once, in sequence."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, Cli, example
from test_massal_batch import _batch, _example, _row

SAKTI = REPO / ".venv" / "bin" / "sakti"
ROWS = 16  # long enough that the desk (a fresh process) reserves while the batch still runs


def _table(tmp_path: Path) -> Path:
    folder = _batch(tmp_path)[0].parent  # the requirement files
    env = _example()
    rows = [_row(n, env) for n in range(ROWS)]
    target = folder / "besar.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def _sequence(number: str) -> int:
    return int(number.split("/")[1])


@pytest.mark.slow
def test_desk_issues_while_a_batch_runs(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    cli.json("periksa", reg)
    table = _table(tmp_path)
    toml = kantor / "sakti.toml"  # one LibreOffice for the batch: the machine running the tests is shared
    toml.write_text(toml.read_text() + "\n[libreoffice]\npekerja = 1\n")
    env = {**os.environ, "SAKTI_SANDI": "demo"}
    batch = subprocess.Popen([str(SAKTI), "massal", str(table), "--layanan", "sktm", "--terbitkan", "--json"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert batch.stdout is not None
        first = json.loads(batch.stdout.readline())  # the batch's first letter is out: it is under way
        assert first["status"] == "TERBIT", first
        desk = subprocess.run([str(SAKTI), "terbitkan", reg, "--json"], env=env, capture_output=True, text=True,
                              timeout=120)
        rest, errors = batch.communicate(timeout=300)
    finally:
        batch.kill()
        batch.wait()
    assert desk.returncode == 0, desk.stderr
    assert batch.returncode == 0, errors
    lines = [first, *(json.loads(line) for line in rest.splitlines())]
    batch_numbers = [line["nomor_surat"] for line in lines[:-1]]
    assert len(batch_numbers) == ROWS and lines[-1]["diterbitkan"] == ROWS
    desk_number = json.loads(desk.stdout)["nomor_surat"]
    numbers = [*batch_numbers, desk_number]
    assert len(set(numbers)) == len(numbers)  # no number twice
    assert sorted(map(_sequence, numbers)) == list(range(1, ROWS + 2))  # in sequence, none skipped
    assert _sequence(desk_number) < max(map(_sequence, batch_numbers))  # issued while the batch still ran
    check = cli.json("register", "periksa")
    assert check["bersih"] is True and check["ringkasan"]["terbit"] == ROWS + 1
