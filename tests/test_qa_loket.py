"""A hostile desk clerk and a batch script: closed streams, odd paths and bad values, each said in Indonesian
with its documented exit code and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Cli


def _closed(redirect: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point run by a shell script that closed a stream (``sakti ... >&-``)."""
    return subprocess.run(["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m", "sakti_cli", *args],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)


@pytest.mark.parametrize("redirect", [">&-", "<&- 2>&-"])
def test_closed_streams_keep_exit_codes(kantor: Path, registered: Callable[..., str], redirect: str) -> None:
    reg = registered()
    shown = _closed(redirect, "status", reg)
    assert shown.returncode == 0, shown.stderr
    missing = _closed(redirect, "status", "REG-209901-9999", "--json")
    assert missing.returncode == 3
    for proc in (shown, missing):
        assert "Traceback" not in proc.stderr and "tak terduga" not in proc.stderr
    if "2>&-" not in redirect:
        assert "REG-209901-9999" in missing.stderr
    if not redirect.startswith(">&-"):  # stdout still open: the one JSON object is there
        assert json.loads(missing.stdout)["error"]["kode"] == "TIDAK_DITEMUKAN"
    asked = _closed(redirect, "daftar", "sktm")  # no terminal to ask: stdin is /dev/null, not a crash
    assert asked.returncode == 2 and "Traceback" not in asked.stderr


def test_symlink_loop_is_named_not_unexpected(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    for args in (("daftar", "sktm", "--data"), ("impor", "gform", "--layanan", "sktm")):
        result = cli(*args, str(tmp_path / "a.json"), "--json")
        assert result.exit_code == 3, result.stderr
        error = json.loads(result.stdout)["error"]
        assert error["kode"] == "BERKAS_TIDAK_TERBACA" and error["detail"]["berkas"] == str(tmp_path / "a.json")
        assert error["pesan"] == f"Berkas {tmp_path / 'a.json'} tidak dapat dipakai: tautan simbolik berputar."
        assert "tak terduga" not in result.stderr and "Symlink" not in error["pesan"]


def test_os_refusal_said_in_indonesian(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "surat.pdf"
    folder.mkdir()
    result = cli("verifikasi", str(folder), "--json")
    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert error["pesan"].startswith(f"Berkas {folder} tidak dapat dibaca: berupa folder, bukan berkas")
    assert "directory" not in result.stderr + result.stdout


def test_clerk_name_is_one_clean_line(kantor: Path, cli: Cli, registered: Callable[..., str]) -> None:
    reg = registered()
    for args, env, where in (((), {"SAKTI_PETUGAS": "Budi\x1b[2J"}, "SAKTI_PETUGAS"),
                             (("--petugas", "Budi\nPalsu"), {}, "--petugas"),
                             (("--petugas", "B" * 101), {}, "--petugas")):
        result = cli(*args, "tolak", reg, "--alasan", "uji", "--json", env=env)
        assert result.exit_code == 2, result.stderr
        error = json.loads(result.stdout)["error"]
        assert error["pesan"].startswith(f"Nama petugas dari {where} ") and error["detail"]["sumber"] == where
    toml = kantor / "sakti.toml"
    config = toml.read_text(encoding="utf-8")
    toml.write_text(config.replace("[kantor]\n", '[kantor]\npetugas = "A\\tB"\n', 1), encoding="utf-8")
    assert cli.json("status", reg, code=4)["error"]["pesan"].startswith("Nama petugas dari [kantor].petugas")
    toml.write_text(config, encoding="utf-8")
    assert cli.json("--petugas", "Siti Aminah, S.Sos.", "tolak", reg, "--alasan", "uji")["status"] == "DITOLAK"
    assert cli.json("riwayat", "--objek", reg)["peristiwa"][-1]["petugas"] == "Siti Aminah, S.Sos."


def test_export_to_a_folder_refused_before_any_output(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "hasil.xlsx"
    folder.mkdir()
    for args in (("permohonan", "--xlsx", str(folder)), ("layanan", "sktm", "--formulir", str(folder))):
        result = cli(*args, "--json")
        assert result.exit_code == 3, result.stderr
        error = json.loads(result.stdout)["error"]  # one object: no result printed before the failure
        assert error["pesan"].startswith(f"Tujuan {folder} berupa folder, bukan berkas untuk ")
    assert list(folder.iterdir()) == []


def test_signing_or_reading_a_folder_says_folder(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    """``tandatangani`` and ``sertifikat lihat`` given a folder, a loop or nothing: each said as what it is."""
    folder = tmp_path / "surat.pdf"
    folder.mkdir()
    loop = tmp_path / "putar.pem"
    loop.symlink_to(loop)
    for args in (("tandatangani",), ("sertifikat", "lihat")):
        for target, words in ((folder, "tidak dapat dibaca: berupa folder, bukan berkas"),
                              (loop, "tidak dapat dibaca: tautan simbolik berputar"),
                              (tmp_path / "tiada", "tidak ada")):
            result = cli(*args, str(target), "--json")
            error = json.loads(result.stdout)["error"]
            assert result.exit_code == 3 and error["kode"] == "BERKAS_TIDAK_TERBACA", (args, result.stdout)
            assert error["pesan"] == f"Berkas {target} {words}." and error["detail"]["berkas"] == str(target)
