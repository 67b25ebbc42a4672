"""The clerk named in the audit trail: ``--petugas``, then ``SAKTI_PETUGAS``, then ``[kantor].petugas``, then the
OS user (before: always the OS user, ``root`` on most office PCs, unless ``--petugas`` was typed)."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from conftest import Cli

from sakti_cli.office.workspace import init_workspace
from sakti_cli.register.tiny.registry import read_events


def last_clerk(cli: Cli, root: Path, start: int, *before: str) -> str:
    cli.json(*before, "nomor", "mulai", "--layanan", "sktm", "--dari", str(start))
    return str(list(read_events(root / "data" / "register" / "audit"))[-1]["petugas"])


def test_clerk_name_order(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    root = init_workspace(tmp_path / "kantor").root
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    monkeypatch.delenv("SAKTI_PETUGAS", raising=False)
    assert last_clerk(cli, root, 10) == getpass.getuser()
    config = root / "sakti.toml"
    config.write_text(config.read_text().replace('# petugas = "NAMA PETUGAS"', 'petugas = "Rina (loket 1)"'))
    assert last_clerk(cli, root, 20) == "Rina (loket 1)"
    assert cli.json("kantor")["petugas"] == "Rina (loket 1)"
    monkeypatch.setenv("SAKTI_PETUGAS", "Dedi")
    assert last_clerk(cli, root, 30) == "Dedi"
    assert last_clerk(cli, root, 40, "--petugas", "Sari") == "Sari"
