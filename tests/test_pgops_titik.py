"""``register periksa`` incremental on PostgreSQL (issue 15 §5): the office's sealed checkpoint (``periksa_titik``,
m007), the trail from its event on, the rows written since told by their ``xmin``, the rolling sample; damage
made after the checkpoint with the admin's raw SQL (triggers off) is found all the same."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import Cli
from pg_server import Database, Office
from test_pgops_periksa import _issue

from sakti_cli.register import checkpoint as titik

MOMENT = datetime.fromisoformat("2026-11-22T09:30:00+07:00")
SHAPE = {"cara", "alasan", "dari_peristiwa", "penuh_terakhir", "berkas_dihitung", "berkas_sampel", "berkas_dilewati"}


@pytest.fixture
def office(pg: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Office:
    """An office with three issued letters (9 events, 6 stored files), a desk's workspace pointed at it."""
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace

    office = pg.office("kec_titik")
    with office.connect() as conn:
        for sequence in (1, 2, 3):
            _issue(conn, sequence)
    ws = create_workspace(tmp_path / "kantor", DEMO_OFFICE)
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    monkeypatch.setenv("SAKTI_REGISTER_URL", office.url)
    monkeypatch.setenv("PGPASSWORD", office.password)
    monkeypatch.setenv("SAKTI_WAKTU", MOMENT.isoformat())
    return office


def _periksa(cli: Cli, *args: str, code: int = 0) -> dict[str, Any]:
    return cli.json("register", "periksa", *args, code=code)


def _admin(pg: Database, office: Office, statement: str) -> None:
    """Damage made as the cluster's superuser (row-level security and grants bypassed, triggers off)."""
    with pg.admin() as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute(statement, (office.role,) * statement.count("%s"))


def test_a_clean_full_check_leaves_a_checkpoint_and_the_next_checks_only_what_came(office: Office,
                                                                                  cli: Cli) -> None:
    first = _periksa(cli)
    assert first["bersih"] and set(first["pemeriksaan"]) == SHAPE
    assert first["pemeriksaan"] | {"penuh_terakhir": None} == {
        "cara": "penuh", "alasan": titik.REASON_MISSING, "dari_peristiwa": 0, "penuh_terakhir": None,
        "berkas_dihitung": 6, "berkas_sampel": 0, "berkas_dilewati": 0}
    assert [n["jenis"] for n in first["catatan"]] == ["titik_periksa"]
    assert datetime.fromisoformat(first["pemeriksaan"]["penuh_terakhir"]) == MOMENT

    again = _periksa(cli)
    check = again["pemeriksaan"]
    assert again["bersih"] and again["catatan"] == [], again["catatan"]
    assert (check["cara"], check["alasan"], check["dari_peristiwa"]) == ("bertahap", titik.REASON_SINCE, 9)
    assert check["berkas_dihitung"] == 0 and check["berkas_sampel"] + check["berkas_dilewati"] == 6
    assert check["penuh_terakhir"] == first["pemeriksaan"]["penuh_terakhir"]
    assert again["ringkasan"] == first["ringkasan"]  # the summary is whole either way

    with office.connect() as conn:  # a fourth letter: its scan and PDF hashed, its events verified
        _issue(conn, 4)
    later = _periksa(cli)
    assert later["bersih"] and later["pemeriksaan"]["cara"] == "bertahap"
    assert later["pemeriksaan"]["dari_peristiwa"] == 9 and later["ringkasan"]["peristiwa"] == 12
    assert later["pemeriksaan"]["berkas_dihitung"] == 2
    assert later["ringkasan"]["terbit"] == 4

    full = _periksa(cli, "--penuh")
    assert full["bersih"] and full["catatan"] == []
    assert (full["pemeriksaan"]["cara"], full["pemeriksaan"]["alasan"]) == ("penuh", titik.REASON_ASKED)
    assert full["pemeriksaan"]["berkas_dihitung"] == 8
    human = cli("register", "periksa")
    assert human.exit_code == 0 and "Pemeriksaan bertahap" in human.stdout, human.stdout


def test_an_audit_row_edited_after_the_checkpoint_is_found(pg: Database, office: Office, cli: Cli) -> None:
    assert _periksa(cli)["bersih"]
    _admin(pg, office, "UPDATE audit SET baris = replace(baris, 'loket-1', 'loket-9') WHERE nomor = 2 "
                       "AND kantor = %s")
    found = _periksa(cli, code=1)
    assert {p["jenis"] for p in found["masalah"]} == {"audit_diubah"}
    assert "peristiwa audit 2" in found["masalah"][0]["pesan"]
    assert (found["pemeriksaan"]["cara"], found["pemeriksaan"]["alasan"]) == ("penuh", titik.REASON_TRAIL)
    assert [n["jenis"] for n in found["catatan"]] == ["titik_periksa"]


def test_the_checkpoints_own_event_rewritten_turns_the_check_full(pg: Database, office: Office, cli: Cli) -> None:
    assert _periksa(cli)["bersih"]
    _admin(pg, office, "UPDATE audit SET baris = replace(baris, 'loket-1', 'loket-9') WHERE nomor = 9 "
                       "AND kantor = %s")
    found = _periksa(cli, code=1)
    assert "audit_diubah" in {p["jenis"] for p in found["masalah"]}
    assert found["pemeriksaan"]["alasan"] == titik.REASON_HEAD


def test_a_stored_pdf_changed_or_removed_after_the_checkpoint_is_found(pg: Database, office: Office,
                                                                      cli: Cli) -> None:
    assert _periksa(cli)["bersih"]
    with pg.admin() as conn, conn.cursor() as cur:  # the table's own check dropped, one PDF's bytes changed
        cur.execute("ALTER TABLE berkas DROP CONSTRAINT berkas_sha256_cocok")
        cur.execute("UPDATE berkas SET isi = overlay(isi placing 'X'::bytea from 1) WHERE kantor = %s AND sha256 = "
                    "(SELECT sha256 FROM surat WHERE kantor = %s AND nomor_surat = '474/002/KEC/2026')",
                    (office.role, office.role))
    changed = _periksa(cli, code=1)
    assert changed["pemeriksaan"]["cara"] == "bertahap" and changed["pemeriksaan"]["berkas_dihitung"] == 1
    assert [(p["jenis"], "474/002/KEC/2026" in p["pesan"]) for p in changed["masalah"]] == [("pdf_berubah", True)]

    _admin(pg, office, "DELETE FROM berkas WHERE kantor = %s AND sha256 = (SELECT data->'berkas'->'ktp'->0->>'sha256' "
                       "FROM permohonan WHERE kantor = %s AND nomor_registrasi = 'REG-202611-0001')")
    removed = _periksa(cli, code=1)
    kinds = sorted(p["jenis"] for p in removed["masalah"])
    assert kinds == ["berkas_hilang", "pdf_berubah"], removed["masalah"]
    assert any("REG-202611-0001" in p["pesan"] for p in removed["masalah"] if p["jenis"] == "berkas_hilang")


def test_a_tampered_checkpoint_is_a_finding_and_the_check_is_full(pg: Database, office: Office, cli: Cli) -> None:
    assert _periksa(cli)["bersih"]
    _admin(pg, office, "UPDATE periksa_titik SET isi = replace(isi, '\"peristiwa\":9', '\"peristiwa\":3') "
                       "WHERE kantor = %s")
    found = _periksa(cli, code=1)
    assert [p["jenis"] for p in found["masalah"]] == ["titik_periksa"]
    assert "segel" in found["masalah"][0]["pesan"]
    assert (found["pemeriksaan"]["cara"], found["pemeriksaan"]["alasan"]) == ("penuh", titik.REASON_INVALID)
    assert found["pemeriksaan"]["berkas_dihitung"] == 6
    after = _periksa(cli)  # the full check found nothing else: it left a new checkpoint
    assert after["bersih"] and after["pemeriksaan"]["cara"] == "bertahap"


def test_a_last_full_check_older_than_30_days_is_noted(office: Office, cli: Cli,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert _periksa(cli)["bersih"]
    monkeypatch.setenv("SAKTI_WAKTU", (MOMENT + timedelta(days=29)).isoformat())
    assert _periksa(cli)["catatan"] == []
    monkeypatch.setenv("SAKTI_WAKTU", (MOMENT + timedelta(days=31)).isoformat())
    late = _periksa(cli)
    assert late["pemeriksaan"]["cara"] == "bertahap"
    assert [n["jenis"] for n in late["catatan"]] == ["periksa_penuh_lama"]
    assert "--penuh" in late["catatan"][0]["pesan"]
    full = _periksa(cli, "--penuh")
    assert full["catatan"] == []
    assert _periksa(cli)["catatan"] == []  # the full check is the new "last full"


def test_another_offices_checkpoint_is_invisible_and_does_not_fit(pg: Database, office: Office, cli: Cli) -> None:
    assert _periksa(cli)["bersih"]
    other = pg.office("kec_lain")
    with other.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM periksa_titik")
        assert cur.fetchone() == (0,)  # row-level security: office A's row is not B's to see
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cur.execute("INSERT INTO periksa_titik (kantor, isi) VALUES (%s, 'x')", (office.role,))
    with pg.admin() as conn, conn.cursor() as cur:  # A's checkpoint copied into B's row by the admin
        cur.execute("INSERT INTO periksa_titik (kantor, isi) SELECT %s, isi FROM periksa_titik WHERE kantor = %s",
                    (other.role, office.role))
    from sakti_cli.register.pg.check import check_pg_register

    with other.connect() as conn:
        result = check_pg_register(conn, moment=MOMENT)
    assert [p["jenis"] for p in result["masalah"]] == ["titik_periksa"]
    assert result["pemeriksaan"]["cara"] == "penuh"
