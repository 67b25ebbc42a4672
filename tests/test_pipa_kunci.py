"""The signatory's key is opened once per run: ``massal --terbitkan`` for N letters, ``ttd setujui --semua``,
and ``issue_letter(signer=...)`` uses (and leaves open) a key its caller opened.

The real demo key signs every letter; only its loader is wrapped, to count how often it is opened."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from test_massal_batch import _batch, _lines, subset

import sakti_cli.signatures.sign


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every opening of a PKCS#12 key and every closing of a signer, counted (the real functions run)."""
    seen: dict[str, list[Any]] = {"load": [], "close": []}
    load, close = sakti_cli.signatures.sign.load_pkcs12_signer, sakti_cli.signatures.sign.close_signer

    def counting_load(*args: Any, **kwargs: Any) -> Any:
        signer = load(*args, **kwargs)
        seen["load"].append(signer)
        return signer

    def counting_close(signer: Any) -> None:
        seen["close"].append(signer)
        close(signer)

    monkeypatch.setattr(sakti_cli.signatures.sign, "load_pkcs12_signer", counting_load)
    monkeypatch.setattr(sakti_cli.signatures.sign, "close_signer", counting_close)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    return seen


def test_massal_opens_the_key_once_for_three_letters(kantor: Path, cli: Cli, tmp_path: Path,
                                                     opened: dict[str, list[Any]]) -> None:
    table, _ = _batch(tmp_path)
    result = cli("massal", subset(table, [0, 1, 2], "tiga.csv"), "--layanan", "sktm", "--terbitkan", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    rows = _lines(result.stdout)[:-1]
    assert [r["status"] for r in rows] == ["TERBIT"] * 3 and len({r["nomor_surat"] for r in rows}) == 3
    assert len(opened["load"]) == 1  # one opening (one passphrase) for the three signatures
    assert opened["close"] == opened["load"]  # and closed once, at the end of the run
    for row in rows:  # each letter is validly signed by that one key
        code = cli.json("status", row["nomor_registrasi"])["surat"]["kode_verifikasi"]
        assert cli.json("verifikasi", "--kode", code)["ok"]


def test_an_opened_signer_is_used_and_left_open(kantor: Path, cli: Cli, opened: dict[str, list[Any]]) -> None:
    from conftest import example

    from sakti_cli.issuance.pipeline import issue_letter, open_batch_signer
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.sop import load_service

    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    cli.json("periksa", reg)
    ws = find_workspace(kantor)
    register = open_register(ws.register_dir, zone=ws.zone)
    signer, warnings = open_batch_signer(ws, ws.signatory(None), None, register.moment())
    assert len(opened["load"]) == 1 and isinstance(warnings, list)
    result = issue_letter(ws, register, lambda code: load_service(ws.sop_dir, code), reg, signatory_id=None,
                          prompt=None, signer=signer)
    assert result["surat"]["status"] == "TERBIT"
    assert len(opened["load"]) == 1 and opened["close"] == []  # not opened again, not closed: the caller's
    assert cli.json("verifikasi", str(result["pdf"]))["ok"]


def test_ttd_setujui_semua_opens_the_key_once(kantor: Path, cli: Cli, tmp_path: Path, demo_pki: Any,
                                              opened: dict[str, list[Any]]) -> None:
    shutil.copy(demo_pki.signer_p12.with_suffix(".pem"), kantor / "pki" / "camat.pem")  # the footer names it
    toml = kantor / "sakti.toml"
    old = 'kunci = { jenis = "pkcs12", berkas = "pki/camat.p12" }'
    toml.write_text(toml.read_text().replace(old, old[:-2] + ', sertifikat = "pki/camat.pem" }', 1))
    table, _ = _batch(tmp_path)
    queued = cli("massal", subset(table, [0, 1], "dua.csv"), "--layanan", "sktm", "--terbitkan", "--tanpa-ttd",
                 "--json")
    assert queued.exit_code == 0, queued.stdout
    assert [r["status"] for r in _lines(queued.stdout)[:-1]] == ["MENUNGGU_TTD"] * 2
    assert opened["load"] == []  # --tanpa-ttd never opens the key
    signed = cli.json("ttd", "setujui", "--semua")
    assert signed["jumlah_ditandatangani"] == 2 and len(opened["load"]) == 1
