"""Bad configuration, templates, keys and register files: each gives its exit code and a clear
Indonesian message naming the file or field, and leaves the register as it was."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIXED_TIME, Cli
from test_alur_sktm import register_snapshot


@pytest.fixture
def ready(kantor: Path, cli: Cli, registered, monkeypatch: pytest.MonkeyPatch) -> str:
    """A LENGKAP application and the passphrase in the environment."""
    reg = registered()
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    return reg


def test_usage_error_is_exit_2(kantor: Path, cli: Cli) -> None:
    result = cli("periksa")
    assert result.exit_code == 2 and result.stdout == ""
    assert cli("perintah-tidak-ada").exit_code == 2


def test_unknown_sop_key_names_file_and_field(kantor: Path, cli: Cli) -> None:
    sop = kantor / "sop" / "sktm.yaml"
    sop.write_text(sop.read_text().replace("  - kode: ktp\n", "  - kode: ktp\n    warna: merah\n"))
    result = cli("layanan", "sktm", "--json")
    assert result.exit_code == 4
    message = json.loads(result.stdout)["error"]["pesan"]
    assert "sktm.yaml" in message and "persyaratan[1].warna" in message and "tidak dikenal" in message


def test_broken_yaml_and_config(kantor: Path, cli: Cli) -> None:
    (kantor / "sop" / "sktm.yaml").write_text("kode: [sktm\n")
    assert cli("layanan", "sktm").exit_code == 4
    config = kantor / "sakti.toml"
    config.write_text(config.read_text().replace('zona_waktu = "WIB"', 'zona_waktu = "GMT"'))
    result = cli("kantor")
    assert result.exit_code == 4 and "kantor.zona_waktu" in result.stderr and "sakti.toml" in result.stderr
    config.write_text("versi_format = 1\n[kantor\n")
    assert "bukan TOML" in cli("kantor").stderr


def test_config_from_newer_tool(kantor: Path, cli: Cli) -> None:
    config = kantor / "sakti.toml"
    config.write_text(config.read_text().replace("versi_format = 1", "versi_format = 99"))
    result = cli("kantor")
    assert result.exit_code == 4 and "lebih baru" in result.stderr


def test_broken_template_reserves_nothing(ready: str, kantor: Path, cli: Cli) -> None:
    from docx import Document

    template = kantor / "templat" / "sktm.docx"
    document = Document(str(template))
    document.add_paragraph("{{ data.tidak_ada }}")
    document.save(str(template))
    before = register_snapshot(kantor)
    result = cli("terbitkan", ready, "--json")
    assert result.exit_code == 4
    assert "tidak_ada" in json.loads(result.stdout)["error"]["pesan"]
    assert register_snapshot(kantor) == before
    (kantor / "templat" / "sktm.docx").unlink()
    missing = cli("terbitkan", ready)
    assert missing.exit_code == 4 and "sktm.docx" in missing.stderr
    assert register_snapshot(kantor) == before


def test_missing_libreoffice_reserves_nothing(ready: str, kantor: Path, cli: Cli,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKTI_SOFFICE", "/tidak/ada/soffice")
    before = register_snapshot(kantor)
    result = cli("terbitkan", ready)
    assert result.exit_code == 4 and "LibreOffice" in result.stderr and "apt-get install" in result.stderr
    assert register_snapshot(kantor) == before


def test_expired_certificate_reserves_nothing(ready: str, kantor: Path, cli: Cli, tmp_path: Path) -> None:
    from sakti_cli.signatures.pki import make_demo_pki

    fixed = datetime.fromisoformat(FIXED_TIME)
    old = make_demo_pki(tmp_path / "lama", "demo", now=fixed - timedelta(days=800),
                        not_before=fixed - timedelta(days=800), not_after=fixed - timedelta(days=70))
    shutil.copy(old.signer_p12, kantor / "pki" / "camat.p12")
    before = register_snapshot(kantor)
    result = cli("terbitkan", ready)
    assert result.exit_code == 4 and "kedaluwarsa" in result.stderr
    assert register_snapshot(kantor) == before


def test_missing_key_file_and_unknown_signatory(ready: str, kantor: Path, cli: Cli) -> None:
    before = register_snapshot(kantor)
    unknown = cli("terbitkan", ready, "--penandatangan", "bupati")
    assert unknown.exit_code == 3 and "camat, sekcam" in unknown.stderr
    no_key = cli("terbitkan", ready, "--penandatangan", "sekcam")
    assert no_key.exit_code == 4 and "sekcam.p12" in no_key.stderr
    assert register_snapshot(kantor) == before


def test_corrupt_register_file(ready: str, kantor: Path, cli: Cli) -> None:
    partition = next((kantor / "data" / "register" / "permohonan").glob("*.json"))
    partition.write_text(partition.read_text()[:40])
    result = cli("status", ready, "--json")
    assert result.exit_code == 4
    error = json.loads(result.stdout)["error"]
    assert error["kode"] == "REGISTER_RUSAK" and partition.name in error["pesan"]


def test_register_from_newer_tool(ready: str, kantor: Path, cli: Cli) -> None:
    meta = kantor / "data" / "register" / "meta.json"
    content = json.loads(meta.read_text())
    for doc in content["meta"].values():
        doc["versi_format"] = 99
    meta.write_text(json.dumps(content))
    result = cli("status", ready)
    assert result.exit_code == 4 and "lebih baru" in result.stderr


def test_register_locked_too_long(ready: str, kantor: Path, cli: Cli) -> None:
    from filelock import FileLock

    config = kantor / "sakti.toml"
    config.write_text(config.read_text().replace("batas_tunggu_kunci = 30", "batas_tunggu_kunci = 0.3"))
    with FileLock(str(kantor / "data" / "register" / ".kunci-baca")):  # a commit in progress: readers wait
        result = cli("status", ready, "--json")
    assert result.exit_code == 5
    assert json.loads(result.stdout)["error"]["kode"] == "REGISTER_SIBUK"


def test_debug_shows_traceback_only_when_asked(kantor: Path, cli: Cli) -> None:
    quiet = cli("status", "REG-209901-0001")
    assert "Traceback" not in quiet.stderr
    loud = cli("--debug", "status", "REG-209901-0001")
    assert loud.exit_code == 3 and "Traceback" in loud.stderr
