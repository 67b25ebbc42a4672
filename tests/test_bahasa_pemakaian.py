"""Issue 9, sections 3 and 4: usage errors and help in Indonesian, one JSON object on stdout for every
outcome (usage errors included), and one rule for exit codes (unknown filter 3, unknown code 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli

SAKTI = Path(sys.executable).parent / "sakti"
ENGLISH = ("Usage:", "Error:", "No such", "Missing ", "Try '", "Invalid value", "Options:", "Commands:",
           "Arguments:", "Show this message", "Got unexpected", "requires an argument", "[required]", "[default:")

USAGE_CASES = [
    (["--nope"], "Opsi tidak dikenal: --nope", "sakti --help"),
    (["periksa"], "Argumen REG wajib diberikan", "sakti periksa --help"),
    (["xyz"], "Perintah tidak dikenal: xyz", "sakti --help"),
    (["ttd", "setujui", "--nope"], "Opsi tidak dikenal: --nope", "sakti ttd setujui --help"),
    (["--kantor"], "Opsi --kantor memerlukan nilai", "sakti --help"),
    (["periksa", "REG-1", "lebih"], "Argumen berlebih: lebih", "sakti periksa --help"),
    (["nomor", "mulai", "--dari", "0", "--layanan", "sktm"], "--dari tidak dapat dipakai: paling kecil 1",
     "sakti nomor mulai --help"),
    (["riwayat", "--batas", "banyak"], "--batas tidak dapat dipakai: harus berupa bilangan bulat",
     "sakti riwayat --help"),
]


def assert_no_english(text: str) -> None:
    found = [word for word in ENGLISH if word in text]
    assert not found, (found, text)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SAKTI_KANTOR"}
    return subprocess.run([str(SAKTI), *args], capture_output=True, text=True, env=env, timeout=60, check=False)


# --- the installed entry point, as a script runs it ------------------------------------------------
def test_usage_errors_of_the_installed_command_are_indonesian() -> None:
    for args, message, _ in USAGE_CASES[:3]:
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stdout == ""
        assert message in done.stderr and "Pemakaian: sakti" in done.stderr
        assert "Coba '" in done.stderr
        assert_no_english(done.stderr)


def test_usage_error_with_json_is_one_object_on_stdout_of_the_installed_command() -> None:
    done = run("periksa", "--json")
    assert done.returncode == 2
    payload = json.loads(done.stdout)  # exactly one JSON document, nothing else
    assert payload["ok"] is False
    error = payload["error"]
    assert error["kode"] == "PEMAKAIAN" and "REG" in error["pesan"] and "sakti periksa --help" in error["saran"]
    assert "Missing argument" in error["detail"]["pustaka"]  # Typer's own text kept, as a detail
    assert_no_english(done.stderr)


# --- every usage error, in process -----------------------------------------------------------------
@pytest.mark.parametrize(("args", "message", "help_path"), USAGE_CASES)
def test_usage_error_names_the_mistake_and_the_help(cli: Cli, args: list[str], message: str,
                                                   help_path: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert message in result.stderr and f"Coba '{help_path}'" in result.stderr
    assert_no_english(result.stderr)

    as_json = cli(*args, "--json") if args != ["--kantor"] else cli("--json", "--kantor")
    assert as_json.exit_code == 2
    payload = json.loads(as_json.stdout)
    assert payload["ok"] is False and payload["error"]["kode"] == "PEMAKAIAN"
    assert payload["error"]["pesan"] and help_path in payload["error"]["saran"]


def test_help_is_indonesian_and_on_stdout(cli: Cli) -> None:
    for args in (["--help"], ["periksa", "--help"], ["ttd", "--help"], ["sertifikat", "lihat", "--help"],
                 ["templat", "periksa", "--help"]):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stdout.startswith("Pemakaian: sakti"), result.stdout
        assert "Opsi:" in result.stdout and "--help" in result.stdout
        assert "Tampilkan bantuan ini lalu keluar." in result.stdout
        assert_no_english(result.stdout)
    root = cli("--help").stdout
    assert "[OPSI] PERINTAH [ARGUMEN]..." in root and "\nPerintah:\n" in root
    assert "[wajib]" in cli("periksa", "--help").stdout
    assert "[bawaan:" in cli("templat", "periksa", "--help").stdout


def test_help_descriptions_stay_in_one_column(cli: Cli) -> None:
    text = cli("riwayat", "--help").stdout
    options = text.split("Opsi:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    columns = {len(line) - len(line[2:].split("  ", 1)[1].lstrip()) for line in options if line.startswith("  -")}
    assert len(columns) == 1, options


def test_group_without_its_command_shows_indonesian_help(cli: Cli) -> None:
    result = cli("ttd")
    assert result.exit_code == 2
    assert "Pemakaian: sakti ttd" in result.stderr and "Perintah:" in result.stderr
    assert_no_english(result.stderr)


def test_usage_error_masks_a_nik_typed_by_mistake(cli: Cli) -> None:
    nik = "6201014107850003"
    result = cli("periksa", "REG-1", nik)
    assert result.exit_code == 2 and nik not in result.stderr and "6201********0003" in result.stderr
    as_json = cli("periksa", "REG-1", nik, "--json")
    assert nik not in as_json.stdout and json.loads(as_json.stdout)["error"]["kode"] == "PEMAKAIAN"


def test_json_anywhere_before_a_double_dash_is_seen(cli: Cli) -> None:
    payload = json.loads(cli("--json", "periksa", "REG-1").stdout)  # --json belongs after the command
    assert payload["error"]["pesan"] == "Opsi tidak dikenal: --json."
    assert "sesudah nama perintah" in payload["error"]["saran"]
    assert json.loads(cli("xyz", "--json").stdout)["error"]["pesan"] == "Perintah tidak dikenal: xyz."
    assert cli("xyz", "--", "--json").stdout == ""
