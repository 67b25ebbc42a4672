"""`--asli KODE` at the desk (daftar, lengkapi) and `waktu_layanan` in `sakti status` (cli/permohonan.py)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, example, example_copy


def test_asli_flags_and_service_clock(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    raw = json.loads(example("ahli-waris").read_text())
    raw.pop("asli")
    data = example_copy(tmp_path, "ahli-waris") / "tanpa-asli.json"
    data.write_text(json.dumps(raw))
    reg = cli.json("daftar", "ahli-waris", "--data", str(data))["nomor_registrasi"]
    assert cli.json("periksa", reg, code=1)["status"] == "BELUM_LENGKAP"
    done = cli.json("lengkapi", reg, "--asli", "akta_kematian_asli")
    assert done["data"]["asli"] == ["akta_kematian_asli"] and done["status"] == "DITERIMA"
    assert cli.json("periksa", reg)["status"] == "LENGKAP"
    other = cli.json("daftar", "ahli-waris", "--data", str(data), "--asli", "akta_kematian_asli")
    assert cli.json("periksa", other["nomor_registrasi"])["status"] == "LENGKAP"
    assert cli("lengkapi", other["nomor_registrasi"], "--asli", "ktp").exit_code == 3
    status = cli.json("status", reg)
    assert status["waktu_layanan"]["menit_kerja"] == 0 and status["waktu_layanan"]["batas"].startswith("90 menit")
    assert "Waktu layanan: 0 menit kerja" in cli("status", reg).stdout
