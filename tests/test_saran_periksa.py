"""The hint after BELUM_LENGKAP fits the rule that failed and names the code to fix."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, example, example_copy


def _register(cli: Cli, service: str, data: Path) -> str:
    return str(cli.json("daftar", service, "--data", str(data))["nomor_registrasi"])


def _check(cli: Cli, reg: str) -> tuple[dict, str]:
    payload = cli.json("periksa", reg, code=1)
    human = cli("periksa", reg)
    assert human.exit_code == 1 and "Traceback" not in human.stderr
    return payload, human.stdout


def test_missing_file_names_its_code(kantor: Path, cli: Cli) -> None:
    reg = _register(cli, "sktm", example("sktm-gagal"))  # no KK attached
    payload, human = _check(cli, reg)
    assert payload["langkah_berikut"] == [f"kk: lampirkan dengan 'sakti lengkapi {reg} --berkas kk=BERKAS'"]
    assert f"sakti lengkapi {reg} --berkas kk=BERKAS" in human
    assert "KODE=BERKAS" not in human  # the generic hint is gone


def test_data_rule_says_ubah(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    raw = json.loads(example("sktm").read_text())
    raw["isian"]["nik"] = raw["isian"]["nomor_kk"]  # the NIK copied from the KK: a data rule fails
    data = example_copy(tmp_path, "sktm") / "nik-kk.json"
    data.write_text(json.dumps(raw))
    reg = _register(cli, "sktm", data)
    payload, human = _check(cli, reg)
    failed = {line["kode"] for line in payload["hasil"] if line["status"] != "OK"}
    assert "nik_bukan_kk" in failed
    assert f"nik_bukan_kk: perbaiki data pemohon dengan 'sakti ubah {reg} --data BERKAS'" in payload["langkah_berikut"]
    assert not any("lengkapi" in step and "nik_bukan_kk" in step for step in payload["langkah_berikut"])
    assert f"sakti ubah {reg} --data BERKAS" in human


def test_rule_with_akibat_tolak_says_tolak(kantor: Path, cli: Cli) -> None:
    reg = _register(cli, "dispensasi-nikah", example("dispensasi-nikah-gagal"))
    payload, human = _check(cli, reg)
    refused = [line["kode"] for line in payload["hasil"] if line["status"] == "TIDAK_VALID"]
    assert refused
    steps = payload["langkah_berikut"]
    assert any(step.startswith(f"{refused[0]}: tidak dapat dilengkapi") and f"sakti tolak {reg} --alasan" in step
               for step in steps), steps
    assert f"sakti tolak {reg}" in human and "sakti lengkapi" not in " ".join(
        s for s in steps if s.startswith(refused[0]))
