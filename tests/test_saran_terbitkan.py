"""terbitkan's advice fits the state; a number used up by a failure is said; verifikasi --kode takes
the whole URL a QR scanner types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, example

FIRST = "400.9.14.1/001/ARSEL/XI/2026"


def _lengkap(cli: Cli) -> str:
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    cli.json("periksa", reg)
    return reg


def _set_state(kantor: Path, reg: str, state: str, letter: dict | None = None) -> None:
    """Put the application in a state directly (a real TERBIT needs LibreOffice and a key)."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.applications import find_application, save_application
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    with open_register(ws.register_dir, zone=ws.zone).transaction() as txn:
        record = find_application(txn, reg)
        record["status"] = state
        record["surat"] = letter
        save_application(txn, record)


def _error(cli: Cli, *args: str, code: int) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == code, (result.stdout, result.stderr)
    error = json.loads(result.stdout)["error"]
    assert isinstance(error, dict)
    return error


def test_terbitkan_on_terbit_says_issued_and_cetak(kantor: Path, cli: Cli) -> None:
    reg = _lengkap(cli)
    _set_state(kantor, reg, "TERBIT", {"nomor_surat": FIRST, "kode_verifikasi": "X"})
    error = _error(cli, "terbitkan", reg, code=5)
    assert "sudah terbit" in error["pesan"] and FIRST in error["pesan"]
    assert f"sakti cetak {FIRST} --ke" in error["saran"]
    assert "sakti periksa" not in error["saran"]
    human = cli("terbitkan", reg)
    assert human.exit_code == 5 and f"sakti cetak {FIRST}" in human.stderr.replace("\n", "")


def test_terbitkan_on_ditolak_and_belum_lengkap(kantor: Path, cli: Cli) -> None:
    reg = _lengkap(cli)
    cli.json("tolak", reg, "--alasan", "bukan warga")
    error = _error(cli, "terbitkan", reg, code=5)
    assert "DITOLAK" in error["pesan"] and "sakti periksa" not in error["saran"]
    other = str(cli.json("daftar", "sktm", "--data", str(example("sktm-gagal")))["nomor_registrasi"])
    cli.json("periksa", other, code=1)
    error = _error(cli, "terbitkan", other, code=5)
    assert "kurang: kk" in error["pesan"]
    assert f"sakti lengkapi {other} --berkas kk=BERKAS" in error["saran"] and f"sakti periksa {other}" in error["saran"]


@pytest.fixture
def voided(kantor: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict]:
    """A failure after the reservation (LibreOffice fails): the number is closed BATAL."""
    reg = _lengkap(cli)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'konversi gagal' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("SAKTI_SOFFICE", str(broken))
    return reg, _error(cli, "terbitkan", reg, code=4)


def _code(kantor: Path) -> str:
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.letters import find_letter
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(kantor)
    with open_register(ws.register_dir, zone=ws.zone).transaction() as txn:
        letter = find_letter(txn, number=FIRST)
    assert letter is not None
    return str(letter["kode_verifikasi"])


FORMS = [
    "https://sakti.arutselatan.example/cek/{code}",
    "https://sakti.arutselatan.example/cek/{code}/",
    "https://sakti.arutselatan.example/cek/#{code}",
    "https://sakti.arutselatan.example/cek/?k={lower}",
    "https://sakti.arutselatan.example/cek?k={code}&x=1",
    "  HTTPS://sakti.arutselatan.example/cek/ {spaced} ",
    "{lower}",
]


def test_number_used_up_by_a_failure_is_said(kantor: Path, cli: Cli, voided: tuple[str, dict]) -> None:
    reg, error = voided
    assert f"Nomor {FIRST}" in error["pesan"] and "BATAL" in error["pesan"]
    assert "nomor baru" in error["saran"]
    assert cli.json("status", reg)["nomor_batal"] == [FIRST]
    # the closed letter's code, typed as a QR scanner types it: found (the register says BATAL)
    code = _code(kantor)
    spaced = " ".join(code[i:i + 4] for i in range(0, 16, 4))
    for form in FORMS:
        typed = form.format(code=code, lower=code.lower(), spaced=spaced)
        result = cli("verifikasi", "--kode", typed, "--json")
        assert result.exit_code == 1, (typed, result.stdout, result.stderr)
        payload = json.loads(result.stdout)
        assert payload["register"] == "BATAL" and payload["surat"]["nomor_surat"] == FIRST, typed


def test_verifikasi_kode_unknown_url_names_the_code(kantor: Path, cli: Cli) -> None:
    # an unknown code is a negative answer (exit 1), naming the code read from the URL
    answer = cli.json("verifikasi", "--kode", "https://sakti.arutselatan.example/cek/abcd2345efgh6789/", code=1)
    assert answer["terdaftar"] is False and answer["kode_verifikasi"] == "ABCD2345EFGH6789"
    assert any("'ABCD2345EFGH6789'" in reason for reason in answer["alasan"])
