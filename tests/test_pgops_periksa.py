"""``register periksa`` on PostgreSQL (issue 12 §3): the office's rows checked as the TinyDB register's files are,
the damage made with the admin's raw SQL (what the database's own constraints cannot refuse)."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_server import Database, Office

from sakti_cli.register.pg.audit import append_event, canonical_line
from sakti_cli.register.pg.check import check_pg_register
from sakti_cli.register.pg.files import put_file
from sakti_cli.register.pg.numbers import finish_reservation, next_value, reserve_number
from sakti_cli.register.pg.rows import get_application, insert_application, save_application
from sakti_cli.register.pg.session import PgRegister
from sakti_cli.register.trail import event_hash

MOMENT = datetime.fromisoformat("2026-11-22T09:30:00+07:00")
SCOPE = "nomor|layanan:sktm|2026"
ACTOR = "loket-1"


def _application(cur: Any, sequence: int) -> str:
    reg = f"REG-202611-{sequence:04d}"
    assert next_value(cur, "registrasi|202611") == sequence
    scan = put_file(cur, f"scan KTP {reg}".encode(), "image/jpeg")
    insert_application(cur, {"nomor_registrasi": reg, "layanan": "sktm", "status": "LENGKAP",
                             "riwayat": [{"ke": "DITERIMA"}, {"ke": "LENGKAP"}],
                             "berkas": {"ktp": [{"berkas": "ktp.jpg", "sha256": scan}]}})
    append_event(cur, ACTOR, MOMENT, "daftar", reg, None, "DITERIMA")
    return reg


def _reserve(conn: Any, reg: str) -> dict[str, Any]:
    def build(sequence: int) -> dict[str, Any]:
        return {"id": secrets.token_hex(8), "nomor_surat": f"474/{sequence:03}/KEC/2026",
                "kode_verifikasi": f"KODE{sequence:04d}", "nomor_registrasi": reg, "bulan_pesan": "2026-11",
                "tahun": 2026}

    return reserve_number(conn, SCOPE, build, actor=ACTOR, moment=MOMENT).letter


def _issue(conn: Any, sequence: int) -> tuple[str, str]:
    """One application registered and its letter issued (signed PDF in the store): (reg, letter number)."""
    with conn.transaction(), conn.cursor() as cur:
        reg = _application(cur, sequence)
    letter = _reserve(conn, reg)
    with conn.transaction(), conn.cursor() as cur:
        digest = put_file(cur, f"%PDF-1.7 {letter['nomor_surat']}".encode(), "application/pdf")
    finish_reservation(conn, letter["id"], "TERBIT", {"sha256": digest, "pdf": f"data/surat/2026/11/{sequence}.pdf"},
                       actor=ACTOR, moment=MOMENT, aksi="terbit")
    with conn.transaction(), conn.cursor() as cur:
        record = get_application(cur, reg, lock=True)
        record.update(status="TERBIT", surat={"nomor_surat": letter["nomor_surat"], "sha256": digest})
        record["riwayat"].append({"ke": "TERBIT"})
        save_application(cur, record)
    return reg, letter["nomor_surat"]


@pytest.fixture
def office(pg: Database) -> Office:
    office = pg.office("kec_periksa")
    with office.connect() as conn:
        for sequence in (1, 2, 3):
            _issue(conn, sequence)
    return office


def _check(office: Office) -> dict[str, Any]:
    with office.connect() as conn:
        return check_pg_register(conn)


def _kinds(result: dict[str, Any]) -> list[str]:
    return sorted(p["jenis"] for p in result["masalah"])


def test_a_sound_register_is_clean_and_summarised(office: Office) -> None:
    result = _check(office)
    assert result["bersih"], result["masalah"]
    summary = result["ringkasan"]
    assert (summary["permohonan"], summary["surat"], summary["terbit"], summary["peristiwa"]) == (3, 3, 3, 9)
    assert summary["lingkup"] == [{"lingkup": SCOPE, "terakhir": 3, "mulai": 1, "kertas": 0, "hilang": 0,
                                   "dipesan": 0, "terbit": 3, "batal": 0}]


def test_an_abandoned_reservation_is_listed_and_closed_batal(office: Office, tmp_path: Path) -> None:
    with office.connect() as desk:  # a desk reserves the 4th number, then dies (its connection ends)
        with desk.transaction(), desk.cursor() as cur:
            reg = _application(cur, 4)
        number = _reserve(desk, reg)["nomor_surat"]
        alive = _check(office)  # while the desk lives: being processed, not a problem
        assert alive["bersih"] and [n["jenis"] for n in alive["catatan"]] == ["titik_periksa", "sedang_diproses"]
    result = _check(office)
    assert _kinds(result) == ["nomor_menggantung"]
    assert [entry["nomor_surat"] for entry in result["menggantung"]] == [number] == ["474/004/KEC/2026"]
    with office.connect() as conn:
        desk = PgRegister(conn, url=office.url, root=tmp_path, workspace_root=tmp_path, zone=MOMENT.tzinfo,
                          actor="loket-2")
        assert desk.close_abandoned()
        with conn.cursor() as cur:
            cur.execute("SELECT data->>'status', data->>'alasan_batal' FROM surat WHERE nomor_surat = %s", (number,))
            assert cur.fetchone() == ("BATAL", "proses terhenti")
    after = _check(office)
    assert after["bersih"], after["masalah"]
    assert after["ringkasan"]["lingkup"][0] == {"lingkup": SCOPE, "terakhir": 4, "mulai": 1, "kertas": 0,
                                                     "hilang": 0, "dipesan": 0, "terbit": 3, "batal": 1}


def _admin(pg: Database, office: Office, statement: str) -> None:
    """Damage made as the cluster's superuser (bypasses row-level security and the grants), audit trigger off."""
    with pg.admin() as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no triggers: the trail may be edited too
        cur.execute(statement, (office.role,) * statement.count("%s"))


def test_gaps_files_statuses_and_the_trail_are_found(pg: Database, office: Office) -> None:
    kantor = "kantor = %s"
    # the counter ran ahead (a number neither issued nor voided) and an application went
    _admin(pg, office, f"UPDATE urutan SET nilai = 5 WHERE kunci = '{SCOPE}' AND {kantor}")
    _admin(pg, office, f"DELETE FROM permohonan WHERE nomor_registrasi = 'REG-202611-0003' AND {kantor}")
    # a letter's status no longer its application's; a stored file gone
    _admin(pg, office, "UPDATE surat SET data = data || '{\"status\": \"BATAL\"}' WHERE nomor_surat = "
                       f"'474/002/KEC/2026' AND {kantor}")
    _admin(pg, office, f"DELETE FROM berkas WHERE sha256 = (SELECT data->'berkas'->'ktp'->0->>'sha256' FROM "
                       f"permohonan WHERE nomor_registrasi = 'REG-202611-0001' AND {kantor}) AND {kantor}")
    # an event rewritten in place
    _admin(pg, office, f"UPDATE audit SET baris = replace(baris, 'loket-1', 'loket-9') WHERE nomor = 1 AND {kantor}")
    result = _check(office)
    found = {(p["jenis"], p["pesan"]) for p in result["masalah"]}
    messages = " | ".join(p["pesan"] for p in result["masalah"])
    assert ("nomor_hilang", "Nomor urut 4 pada layanan sktm, tahun 2026 tidak tercatat (tidak TERBIT dan tidak "
                            "BATAL).") in found, messages
    assert any(k == "nomor_hilang" and "urut 5" in m for k, m in found)
    assert any(k == "status_surat" and "474/002/KEC/2026 BATAL tanpa alasan" in m for k, m in found)
    assert any(k == "permohonan_surat" and "REG-202611-0002" in m and "474/002/KEC/2026" in m for k, m in found)
    assert any(k == "permohonan_surat" and "REG-202611-0003 yang tidak ada" in m for k, m in found)
    assert any(k == "catatan_hilang" and "REG-202611-0003" in m for k, m in found)
    assert any(k == "berkas_hilang" and "ktp.jpg (REG-202611-0001)" in m for k, m in found)
    assert any(k == "audit_diubah" and "peristiwa audit 1" in m for k, m in found)
    assert result["ringkasan"]["lingkup"][0]["hilang"] == 2
    assert not result["bersih"]


def test_a_nik_in_the_trail_and_a_dropped_file_check_are_found(pg: Database, office: Office) -> None:
    nik = "6201011203850001"
    with office.connect() as conn, conn.transaction(), conn.cursor() as cur:
        append_event(cur, ACTOR, MOMENT, "catatan", "REG-202611-0001")
    # the last event's detail gets a NIK, its hash recomputed so only the content check can tell
    with pg.admin() as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SELECT nomor, baris FROM audit WHERE kantor = %s ORDER BY nomor DESC LIMIT 1", (office.role,))
        number, line = cur.fetchone()
        event = json.loads(line) | {"detail": {"nik": nik}}
        event["hash"] = event_hash(event)
        cur.execute("UPDATE audit SET baris = %s, hash = %s WHERE kantor = %s AND nomor = %s",
                    (canonical_line(event), event["hash"], office.role, number))
        cur.execute("UPDATE audit_kepala SET hash = %s WHERE kantor = %s", (event["hash"], office.role))
        # a PDF's bytes changed with the table's check dropped
        cur.execute("ALTER TABLE berkas DROP CONSTRAINT berkas_sha256_cocok")
        cur.execute("UPDATE berkas SET isi = overlay(isi placing 'X'::bytea from 1) WHERE kantor = %s "
                    "AND jenis = 'application/pdf' AND sha256 = (SELECT sha256 FROM surat WHERE kantor = %s "
                    "AND nomor_surat = '474/001/KEC/2026')", (office.role, office.role))
    result = _check(office)
    assert _kinds(result) == ["audit_data_pribadi", "pdf_berubah"], result["masalah"]
    shown = " ".join(p["pesan"] for p in result["masalah"])
    assert nik not in shown and "6201********0001" in shown  # masked, never whole
    assert "474/001/KEC/2026" in shown


def test_the_check_reads_through_a_snapshot_not_whole_tables(office: Office,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The walks over every row go through server-side cursors (named), never fetchall of a table."""
    import sakti_cli.register.pg.check as check

    monkeypatch.setattr(check, "STREAM_ROWS", 2)
    names: list[str | None] = []
    original = psycopg.Connection.cursor

    def cursor(self: Any, *args: Any, **kwargs: Any) -> Any:
        names.append(kwargs.get("name") or (args[0] if args else None))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "cursor", cursor)
    result = _check(office)
    assert result["bersih"] and result["ringkasan"]["surat"] == 3
    assert sum(1 for name in names if name) >= 3  # the letters, the trail, the joins
