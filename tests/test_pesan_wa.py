"""Answers to the citizen: a WhatsApp text and wa.me link at each step, from templates the office edits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import Cli, example, example_copy

SKTM_NIK = "6201025403850003"  # contoh/sktm
NIK_16 = re.compile(r"\d{16}")


def _no_full_nik(payload: dict, *niks: str) -> None:
    """Neither the text nor the decoded link carries a NIK in full (nor any 16 digits in a row)."""
    texts = [payload["pesan_wa"], unquote(payload.get("tautan_wa") or "")]
    for text in texts:
        for nik in niks:
            assert nik not in text, text
        assert not NIK_16.search(text), text


def _variant(tmp_path: Path, name: str, **fields: str) -> Path:
    folder = example_copy(tmp_path, name)
    envelope = json.loads(example(name).read_text(encoding="utf-8"))
    envelope["isian"].update(fields)
    target = folder / "varian.json"
    target.write_text(json.dumps(envelope), encoding="utf-8")
    return target


def test_each_step_has_its_message_and_link(kantor: Path, cli: Cli) -> None:
    done = cli.json("daftar", "sktm", "--data", str(example("sktm")))
    reg = done["nomor_registrasi"]
    assert done["jenis_pesan"] == "diterima"
    assert reg in done["pesan_wa"] and "Kartu Keluarga" in done["pesan_wa"]
    assert "15 sampai 60 menit" in done["pesan_wa"]  # the SOP's service time
    link = urlsplit(done["tautan_wa"])
    assert (link.scheme, link.netloc, link.path) == ("https", "wa.me", "/6281251234567")
    assert unquote(link.query.removeprefix("text=")) == done["pesan_wa"]
    _no_full_nik(done, SKTM_NIK)

    again = cli.json("pesan", reg)
    assert again["pesan_wa"] == done["pesan_wa"] and again["status"] == "DITERIMA"
    assert cli.json("status", reg, "--wa")["pesan_wa"] == done["pesan_wa"]
    human = cli("pesan", reg)
    assert human.exit_code == 0 and reg in human.stdout and "https://wa.me/62" in human.stdout

    refused = cli.json("tolak", reg, "--alasan", f"NIK {SKTM_NIK} tidak sesuai KTP")
    assert refused["jenis_pesan"] == "ditolak" and "tidak sesuai KTP" in refused["pesan_wa"]
    _no_full_nik(refused, SKTM_NIK)
    assert cli.json("pesan", reg)["jenis_pesan"] == "ditolak"


def test_missing_items_after_periksa_and_no_number(kantor: Path, cli: Cli) -> None:
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm-gagal")))["nomor_registrasi"]
    checked = cli.json("periksa", reg, code=1)
    assert checked["jenis_pesan"] == "belum_lengkap"
    assert "Kartu Keluarga" in checked["pesan_wa"]  # the failed line
    assert checked["tautan_wa"] is None and checked["alasan_wa"] == "nomor WhatsApp tidak ada"
    human = cli("periksa", reg)
    assert human.exit_code == 1 and "nomor WhatsApp tidak ada" in human.stderr
    _no_full_nik(checked)


@pytest.mark.parametrize("number", ["12345678", "+99912345678"])
def test_bad_number_is_said_not_guessed(kantor: Path, cli: Cli, tmp_path: Path, number: str) -> None:
    """Digits the desk accepts but no real number: registered, and the message says why there is no link."""
    payload = cli.json("daftar", "sktm", "--data", str(_variant(tmp_path, "sktm", telepon=number)))
    assert payload["tautan_wa"] is None
    assert payload["alasan_wa"] == f"nomor WhatsApp tidak valid: {number}"
    human = cli("pesan", payload["nomor_registrasi"])
    assert human.exit_code == 0 and f"nomor WhatsApp tidak valid: {number}" in human.stderr
    assert "wa.me" not in human.stdout


def test_email_field_is_checked(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    bad = cli("daftar", "sktm", "--data", str(_variant(tmp_path, "sktm", surel="bukan surel")), "--json")
    assert bad.exit_code == 3 and "surel" in bad.stdout and "bukan alamat surel" in bad.stdout
    good = cli.json("daftar", "sktm", "--data", str(_variant(tmp_path, "sktm", surel="Siti@Contoh.EXAMPLE")))
    assert good["data"]["surel"] == "Siti@contoh.example"


def test_office_edits_a_template(kantor: Path, cli: Cli) -> None:
    (kantor / "templat" / "pesan" / "diterima.txt").write_text(
        "Halo {{ nama }}, nomor Anda {{ nomor_registrasi }}. Salam, {{ kantor }}.", encoding="utf-8")
    done = cli.json("daftar", "sktm", "--data", str(example("sktm")))
    assert done["pesan_wa"] == f"Halo Rusmini, nomor Anda {done['nomor_registrasi']}. Salam, Kecamatan Arut Selatan."


@pytest.mark.parametrize(("source", "said"), [
    ("{{ ''.__class__.__mro__ }}", "tidak diizinkan"),
    ("{% for i in range(10**9) %}x{% endfor %}", "batas"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", "batas"),
    ("{{ nik }}", "tidak ada"),
])
def test_hostile_template_is_refused(kantor: Path, cli: Cli, source: str, said: str) -> None:
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    (kantor / "templat" / "pesan" / "diterima.txt").write_text(source, encoding="utf-8")
    result = cli("pesan", reg, "--json")
    assert result.exit_code == 4, result.stdout
    error = json.loads(result.stdout)["error"]
    assert "diterima.txt" in error["pesan"] and said in error["pesan"] and error["saran"]


def test_issued_letter_message_from_a_constructed_record(kantor: Path) -> None:
    from sakti_cli.citizen.messages import citizen_message
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.services.sop import load_service

    ws = find_workspace(kantor)
    service = load_service(ws.sop_dir, "sktm")
    data = json.loads(example("sktm").read_text(encoding="utf-8"))["isian"]
    record = {"nomor_registrasi": "REG-202612-0009", "layanan": "sktm", "status": "TERBIT", "data": data,
              "berkas": {}, "surat": {"nomor_surat": "400.9.14.1/017/ARSEL/XII/2026", "kode_verifikasi": "K7Q2"}}
    message = citizen_message(ws, service, record)
    assert message["jenis_pesan"] == "terbit"
    assert "400.9.14.1/017/ARSEL/XII/2026" in message["pesan_wa"]
    assert "https://sakti.arutselatan.example/cek/#K7Q2" in message["pesan_wa"]
    _no_full_nik(message, SKTM_NIK)


def test_terbitkan_gives_the_letter_message(issued: dict) -> None:
    """One real issuance: the number and the verification link reach the citizen, the NIK does not."""
    assert issued["jenis_pesan"] == "terbit"
    assert issued["nomor_surat"] in issued["pesan_wa"] and issued["kode_verifikasi"] in issued["pesan_wa"]
    assert issued["tautan_wa"].startswith("https://wa.me/6281251234567?text=")
    _no_full_nik(issued, SKTM_NIK)
