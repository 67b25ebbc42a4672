"""The listings and the agenda on a PostgreSQL register (the run's real server): the same register as the TinyDB
tests build, found by name, desa and NIK through SQL on ``data->'cari'``, and the agenda's numbers in order."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Cli
from daftar_register import Built, build
from pg_server import Server, new_database
from test_pg_alur import point_at


@pytest.fixture(scope="module")
def pg_office(pg_cluster: Server) -> Iterator[Built]:
    import os

    office = new_database(pg_cluster).office("daftar")
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="sakti-daftar-pg-", dir=shm if shm.is_dir() else None))
    try:
        with pytest.MonkeyPatch.context() as mp:  # the workspace's own files (the server runs with fsync off)
            mp.setattr(os, "fsync", lambda fd: None)
            built = build(folder / "kantor", prepare=lambda root: point_at(root, office))
        yield built
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def sakti(pg_office: Built, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("SAKTI_KANTOR", str(pg_office.root))
    monkeypatch.setenv("SAKTI_WAKTU", "2026-11-30T15:00:00+07:00")
    return cli


def test_filters_on_postgresql(pg_office: Built, sakti: Cli) -> None:
    assert not list((pg_office.root / "data" / "register").rglob("*.json"))  # the records are in the database
    october = sakti.json("surat", "--bulan", "2026-10")["surat"]
    assert [row["nomor_surat"] for row in october] == [
        letter["nomor_surat"] for letter in pg_office.letters if letter["dipesan"].startswith("2026-10")]
    found = {row["pemohon"] for row in sakti.json("surat", "--nama", "joko susilo")["surat"]}
    assert found == {"Djoko Soesilo", "Joko Susilo"}
    madurejo = {reg for reg, desa in pg_office.desa.items() if desa == "Madurejo"}
    assert {row["nomor_registrasi"] for row in sakti.json("permohonan", "--desa", "MADUREJO")["permohonan"]} == madurejo
    reg = pg_office.letters[3]["nomor_registrasi"]
    result = sakti("permohonan", "--nik", pg_office.niks[reg], "--json")
    assert [row["nomor_registrasi"] for row in json.loads(result.stdout)["permohonan"]] == [reg]
    assert pg_office.niks[reg] not in result.stdout
    assert sorted(row["nomor_surat"] for row in sakti.json("surat", "--status", "BATAL")["surat"]) == sorted(
        pg_office.voided)


def test_agenda_on_postgresql(pg_office: Built, sakti: Cli, tmp_path: Path) -> None:
    from pypdf import PdfReader

    got = sakti.json("agenda", "--tahun", "2026", "--pdf", str(tmp_path / "agenda.pdf"))
    text = "\n".join(page.extract_text() for page in PdfReader(str(tmp_path / "agenda.pdf")).pages)
    sktm = [letter for letter in pg_office.letters if letter["layanan"] == "sktm"]
    numbers = sorted({int(n) for n in re.findall(r"400\.9\.14\.1/(\d{3})/ARSEL/", text)})
    assert numbers == list(range(5, 5 + len(sktm)))
    assert "nomor 1–4 diterbitkan di buku agenda kertas" in " ".join(text.split())
    assert {part["lingkup"]: part["batal"] for part in got["bagian"]}["nomor|layanan:sktm|2026"] == len(
        pg_office.voided)
