"""Issue 9, sections 3 and 4: library errors said in Indonesian (their own text only under ``detail``),
exit codes by one rule (an unknown filter is bad input, an unknown verification code a negative answer),
and the JSON Lines rule for commands that stream rows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import Cli

from sakti_cli.office.workspace import init_workspace

ENGLISH = ("Expected", "expected", "while parsing", "Invalid", "Input should", "No such file", "Traceback",
           "Error:", "line 2, column")


@pytest.fixture
def kantor_ringan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An office without keys or LibreOffice: enough for lists, lookups and configuration errors."""
    ws = init_workspace(tmp_path / "kantor")
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return ws.root


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_unknown_service_filter_is_bad_input(kantor_ringan: Path, cli: Cli) -> None:
    result = cli("permohonan", "--layanan", "xyz")
    assert result.exit_code == 3, result.stderr
    assert "xyz" in result.stderr and "sktm" in result.stderr  # the services there are, as advice
    payload = cli.json("permohonan", "--layanan", "xyz", code=3)
    assert payload["error"]["kode"] == "TIDAK_DITEMUKAN" and payload["error"]["saran"]
    assert cli.json("permohonan", "--layanan", "sktm")["jumlah"] == 0  # known, just none yet: 0
    assert cli("permohonan", "--status", "XYZ").exit_code == 3


def test_unknown_verification_code_is_not_registered(kantor_ringan: Path, cli: Cli) -> None:
    result = cli("verifikasi", "--kode", "ZZZZZZZZZZZZZZZZ")
    assert result.exit_code == 1, result.stderr
    assert "TIDAK SAH" in result.stdout and "TIDAK_TERDAFTAR" in result.stdout
    payload = cli.json("verifikasi", "--kode", "ZZZZZZZZZZZZZZZZ", code=1)
    assert payload["ok"] is False and payload["sah"] is False and payload["terdaftar"] is False
    assert payload["register"] == "TIDAK_TERDAFTAR" and payload["alasan"]


def test_broken_toml_is_said_in_indonesian(kantor_ringan: Path, cli: Cli, tmp_path: Path) -> None:
    config = kantor_ringan / "sakti.toml"
    config.write_text("versi_format = 1\n[kantor\n", encoding="utf-8")
    before = _tree_hash(kantor_ringan)
    result = cli("kantor")
    assert result.exit_code == 4
    assert "sakti.toml bukan TOML yang sah (baris 2 kolom" in result.stderr
    for word in ENGLISH:
        assert word not in result.stderr, (word, result.stderr)
    error = cli.json("kantor", code=4)["error"]
    assert "baris 2" in error["pesan"] and error["saran"]
    assert "line 2" in error["detail"]["pustaka"]  # tomllib's own text, only as a detail
    assert "line 2" not in error["pesan"]
    assert _tree_hash(kantor_ringan) == before


def test_broken_sop_yaml_is_said_in_indonesian(kantor_ringan: Path, cli: Cli) -> None:
    (kantor_ringan / "sop" / "sktm.yaml").write_text("kode: sktm\nnama: [SKTM\n", encoding="utf-8")
    result = cli("layanan", "sktm")
    assert result.exit_code == 4
    assert "sktm.yaml bukan YAML yang sah (baris" in result.stderr
    for word in ENGLISH:
        assert word not in result.stderr, (word, result.stderr)
    error = cli.json("layanan", "sktm", code=4)["error"]
    assert "while parsing" in error["detail"]["pustaka"] and "while parsing" not in error["pesan"]
    assert all("while" not in m["pesan"] for m in error["detail"]["masalah"])


def test_sop_value_errors_are_indonesian(kantor_ringan: Path, cli: Cli) -> None:
    path = kantor_ringan / "sop" / "sktm.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    ukuran_maks_kb: 2048\n" in text
    path.write_text(text.replace("    ukuran_maks_kb: 2048\n", "    ukuran_maks_kb: 1.5\n    jumlah_maks: 0\n", 1),
                    encoding="utf-8")
    error = cli.json("layanan", "sktm", code=4)["error"]
    messages = " ".join(m["pesan"] for m in error["detail"]["masalah"])
    assert "paling kecil 1" in messages and "harus berupa bilangan bulat" in messages, messages
    assert "Input should" not in messages and "greater than" not in messages, messages


def test_unexpected_errors_keep_library_text_as_detail(kantor_ringan: Path, cli: Cli,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import sakti_cli.office.workspace

    def broken(_: object) -> None:
        raise RuntimeError("something broke inside a library")

    monkeypatch.setattr(sakti_cli.office.workspace, "find_workspace", broken)
    result = cli("kantor")
    assert result.exit_code == 4 and "Kesalahan tak terduga (RuntimeError)" in result.stderr
    assert "something broke" not in result.stderr
    error = cli.json("kantor", code=4)["error"]
    assert error["detail"]["pustaka"] == "RuntimeError: something broke inside a library"

    def missing(_: object) -> None:
        raise FileNotFoundError(2, "No such file or directory", "/tidak/ada.json")

    monkeypatch.setattr(sakti_cli.office.workspace, "find_workspace", missing)
    result = cli("kantor")
    assert result.exit_code == 4
    assert "Berkas /tidak/ada.json tidak dapat dipakai: tidak ada." in result.stderr
    assert "No such file" not in result.stderr
    assert "No such file" in cli.json("kantor", code=4)["error"]["detail"]["pustaka"]


def test_machine_problems_keep_the_os_text_as_detail() -> None:
    import errno

    from sakti_cli.core.errors import machine_problem

    full = machine_problem(OSError(errno.ENOSPC, "No space left on device", "/kantor/data/x"))
    assert full is not None and "No space" not in full.pesan and full.detail["pustaka"] == "No space left on device"


def test_json_lines_rule(capsys: pytest.CaptureFixture[str]) -> None:
    from sakti_cli.cli.output import Output
    from sakti_cli.core.errors import InputError

    out = Output(json_mode=True)
    out.row("baris", {"nomor": 1, "catatan": "dua\nbaris"})
    out.row("baris", {"nomor": 2})
    out.result({"jumlah": 2})
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["jenis"] for r in records] == ["baris", "baris", "ringkasan"]
    assert records[0]["catatan"] == "dua\nbaris" and records[-1]["ok"] is True

    failing = Output(json_mode=True)
    failing.row("baris", {"nomor": 1})
    failing.error(InputError("Baris 2 rusak.", saran="Perbaiki baris 2."))
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["jenis"] == "galat" and last["ok"] is False and last["error"]["pesan"] == "Baris 2 rusak."

    single = Output(json_mode=True)  # a command that streams nothing keeps its one indented object
    single.result({"jumlah": 0})
    assert json.loads(capsys.readouterr().out) == {"ok": True, "jumlah": 0}


def test_unreadable_pdf_is_said_in_indonesian(kantor_ringan: Path, cli: Cli, demo_pki, tmp_path: Path) -> None:
    import shutil

    shutil.copy(demo_pki.root_cert, kantor_ringan / "pki" / "demo-root.pem")
    bad = tmp_path / "rusak.pdf"
    bad.write_bytes(b"%PDF-1.7\nini bukan isi PDF")
    result = cli("verifikasi", str(bad))
    assert result.exit_code == 3, result.stderr
    assert "rusak.pdf bukan PDF yang dapat dibaca." in result.stderr and "Saran:" in result.stderr
    error = cli.json("verifikasi", str(bad), code=3)["error"]
    assert error["pesan"].endswith("bukan PDF yang dapat dibaca.") and error["detail"]["pustaka"]
    assert error["detail"]["pustaka"] not in result.stderr


@pytest.mark.parametrize(("name", "data", "kinds"), [
    ("pengantar.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nrusak", ["pdf"]),
])
def test_damaged_scan_is_said_without_the_library_text(tmp_path: Path, name: str, data: bytes,
                                                       kinds: list[str]) -> None:
    from sakti_cli.services.rules.berkas import check_file

    path = tmp_path / name
    path.write_bytes(data)
    result = check_file(path, kinds, max_kb=2048)
    assert result.status == "TIDAK_VALID" and "minta kirim ulang" in result.pesan, result.pesan
    for word in ("EOF", "Stream", "File is not", "Invalid", "not a zip", "Bad magic", "trailer"):
        assert word not in result.pesan, result.pesan


def test_riwayat_of_an_object_that_does_not_exist_is_bad_input(kantor: Path, cli: Cli) -> None:
    """As an unknown filter value: an application or letter number the register does not hold is exit 3;
    one that exists without matching events is an empty answer (exit 0)."""
    for objek in ("REG-202611-0099", "400.9.14.1/099/ARSEL/XI/2026"):
        assert cli.json("riwayat", "--objek", objek, code=3)["error"]["kode"] == "TIDAK_DITEMUKAN", objek
    assert cli.json("riwayat", "--objek", "surat|sktm|2026")["peristiwa"] == []
