"""A warning, not a refusal, when the same NIK already has an open application for the same service
(issue 9 section 3, loket); the lookup is an index keyed by the NIK's SHA-256, never the NIK."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import Cli, example

NIK = "6201025403850003"  # contoh/sktm's applicant


def test_same_nik_open_application_warns(kantor: Path, cli: Cli) -> None:
    first = cli.json("daftar", "sktm", "--data", str(example("sktm")))
    assert first["peringatan"] == []
    second = cli.json("daftar", "sktm", "--data", str(example("sktm")))
    assert [w["nomor_registrasi"] for w in second["permohonan_serupa"]] == [first["nomor_registrasi"]]
    assert "masih terbuka" in second["peringatan"][0] and NIK not in str(second)
    human = cli("daftar", "sktm", "--data", str(example("sktm")))
    assert human.exit_code == 0  # registered all the same
    assert "Peringatan" in human.stderr and first["nomor_registrasi"] in human.stderr
    assert second["nomor_registrasi"] in human.stderr and NIK not in human.stderr + human.stdout


def test_closed_or_other_service_does_not_warn(kantor: Path, cli: Cli) -> None:
    first = cli.json("daftar", "sktm", "--data", str(example("sktm")))
    cli.json("tolak", first["nomor_registrasi"], "--alasan", "data ganda")
    assert cli.json("daftar", "sktm", "--data", str(example("sktm")))["peringatan"] == []
    assert cli.json("daftar", "ahli-waris", "--data", str(example("ahli-waris")))["peringatan"] == []


def test_index_holds_the_hash_never_the_nik(kantor: Path, cli: Cli) -> None:
    cli.json("daftar", "sktm", "--data", str(example("sktm")))
    index = "".join(p.read_text() for p in (kantor / "data" / "register" / "indeks").glob("*.json"))
    assert hashlib.sha256(NIK.encode()).hexdigest() in index
    assert NIK not in index
    assert cli("register", "periksa").exit_code == 0  # the new index kind is no damage


def test_nik_corrected_by_ubah_no_longer_warns(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    first = cli.json("daftar", "sktm", "--data", str(example("sktm")))
    (tmp_path / "koreksi.json").write_text('{"nik": "6201025403850004"}')
    cli.json("ubah", first["nomor_registrasi"], "--data", str(tmp_path / "koreksi.json"))
    assert cli.json("daftar", "sktm", "--data", str(example("sktm")))["peringatan"] == []
    warned = cli.json("daftar", "sktm", "--data", str(example("sktm")))["peringatan"]
    assert len(warned) == 1  # the second registration of the original NIK, not the corrected one
