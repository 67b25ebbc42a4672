"""Scripts read one shape: a JSON Schema per command (docs/skema), Indonesian keys, one signatory
shape, absolute paths, and a saran on every error. Every --json output of the suite is also checked
against its schema by conftest's Cli (tests/json_schemas.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Cli, Pki
from json_schemas import SCHEMA_DIR, command_of, schema_errors

from sakti_cli.cli.reference import command_names


@pytest.fixture
def office(tmp_path: Path, demo_pki: Pki, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example office with the run's demo key (no LibreOffice: nothing here renders a letter)."""
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    shutil.copy(demo_pki.signer_p12, ws.root / "pki" / "camat.p12")
    shutil.copy(demo_pki.root_cert, ws.root / "pki" / "demo-root.pem")
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return ws.root


def test_every_command_has_a_schema_and_they_are_current() -> None:
    from sakti_cli.cli.schemas import render_all

    wanted = render_all()  # raises for a command of the app without a model
    assert sorted(wanted) == sorted(["sakti.json", *(name.replace(" ", "-") + ".json" for name in command_names())])
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.json")}
    stale = sorted(name for name in wanted if on_disk.get(name) != wanted[name])
    assert not stale, f"docs/skema tidak mutakhir ({stale}): jalankan .venv/bin/python scripts/buat_skema.py"
    assert set(on_disk) == set(wanted), "docs/skema memuat skema perintah yang sudah tidak ada"


def test_a_command_added_later_without_a_schema_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from sakti_cli.cli import app as app_module
    from sakti_cli.cli.schemas import render_all

    group = typer.Typer()
    group.command("baru")(lambda: None)
    monkeypatch.setattr(app_module.app, "registered_groups", [*app_module.app.registered_groups,
                                                               typer.models.TyperInfo(group, name="uji")])
    assert "uji baru" in command_names()
    with pytest.raises(KeyError, match="uji baru"):
        render_all()


def test_a_made_up_key_or_a_missing_one_fails(office: Path, cli: Cli) -> None:
    payload = cli.json("kantor")  # checked against docs/skema/kantor.json by Cli itself
    assert not schema_errors("kantor", payload)
    assert schema_errors("kantor", {**payload, "tambahan": 1})
    person = {**payload["penandatangan"][0], "nip": "1"}
    assert schema_errors("kantor", {**payload, "penandatangan": [person]})
    assert schema_errors("kantor", {k: v for k, v in payload.items() if k != "kecamatan"})
    # the error object: kode, pesan and saran, nothing else but detail
    assert schema_errors("kantor", {"ok": False, "error": {"kode": "X", "pesan": "p"}})
    assert not schema_errors("kantor", {"ok": False, "error": {"kode": "X", "pesan": "p", "saran": "s"}})


def test_command_named_by_argv() -> None:
    assert command_of(["--kantor", "ttd", "ttd", "setujui", "--semua"]) == "ttd setujui"
    assert command_of(["--debug", "periksa", "REG-202611-0001", "--json"]) == "periksa"
    assert command_of(["kantor", "--json"]) == "kantor"
    assert command_of(["kantor", "periksa"]) == "kantor periksa"
    assert command_of(["--json"]) == "" and command_of(["tidak-ada", "--json"]) == ""


def test_every_error_carries_saran(tmp_path: Path, cli: Cli) -> None:
    """A raise without advice still tells the user what to do (the error table's fallback)."""
    result = cli("sertifikat", "lihat", str(tmp_path / "tidak-ada.pem"), "--json")
    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert "tidak-ada.pem" in error["pesan"] and error["saran"].strip()
    assert "Saran:" in result.stderr


def test_verifikasi_speaks_indonesian_with_one_signatory_shape(office: Path, cli: Cli, demo_pki: Pki,
                                                                tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from pki_helpers import make_pdf

    from sakti_cli.signatures.sign import load_pkcs12_signer, sign_pdf

    monkeypatch.chdir(tmp_path)
    make_pdf(tmp_path / "lain.pdf")
    sign_pdf(tmp_path / "lain.pdf", tmp_path / "lain-ttd.pdf", load_pkcs12_signer(demo_pki.signer_p12, b"demo"),
             reason="uji", location="uji", signer_name=None)
    result = cli.json("verifikasi", "lain-ttd.pdf", code=1)  # a relative path given
    assert result["berkas"] == str(tmp_path / "lain-ttd.pdf")
    [sig] = result["tanda_tangan"]
    english = {"field", "signer", "signing_time", "intact", "valid", "trusted", "level", "later", "trust_root"}
    assert not english & set(sig), sorted(english & set(sig))
    assert sig["utuh"] is True and sig["kriptografi_sah"] is True and sig["tingkat"] == "B-B"
    assert set(sig["penandatangan"]) == {"id", "nama", "jabatan", "peran", "sifat"} and sig["penandatangan"]["nama"]


def test_paths_in_json_are_absolute(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    made = cli.json("sertifikat", "demo", "pki-uji")
    for key in ("folder", "akar", "kunci", "sertifikat", "crl"):
        assert Path(made[key]).is_absolute() and Path(made[key]).is_relative_to(tmp_path), (key, made[key])
    seen = cli.json("sertifikat", "lihat", "pki-uji/demo-root.pem")
    assert seen["berkas"] == str(tmp_path / "pki-uji" / "demo-root.pem")
