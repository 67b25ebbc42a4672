"""PostgreSQL register (issue 12 §5): two offices in one database cannot see or number each other's letters,
enforced by the database (one role per office, row-level security), tried with raw SQL."""

from __future__ import annotations

import secrets
from datetime import datetime

import psycopg
import pytest
from pg_server import Database, Office

from sakti_cli.core.errors import ConfigError, InputError, NotFound
from sakti_cli.register.pg.audit import append_event, chain_problems, read_events
from sakti_cli.register.pg.files import get_file, put_file
from sakti_cli.register.pg.numbers import close_stale_reservations, counter_value, next_value, reserve_number
from sakti_cli.register.pg.offices import create_office, offices
from sakti_cli.register.pg.rows import claim_row_key, find_letter, insert_application
from sakti_cli.register.pg.schema import migrate

MOMENT = datetime.fromisoformat("2026-11-22T09:30:00+07:00")
SCOPE = "layanan|SKTM|2026"
TABLES = ("permohonan", "surat", "sidik_surat", "pemesanan", "urutan", "audit", "audit_kepala", "berkas",
          "kunci_baris", "indeks_nik")


def _letter(sequence: int) -> dict:
    return {"id": secrets.token_hex(8), "nomor_surat": f"474/{sequence:03}/KEC-B/2026", "kode_verifikasi": "KODEB",
            "nomor_registrasi": "REG-202611-0001"}


def _fill(office: Office) -> str:
    """Office B's register: an application, a reservation left open, a file, a row key, audit events."""
    with office.connect() as conn:
        with conn.transaction(), conn.cursor() as cur:
            insert_application(cur, {"nomor_registrasi": "REG-202611-0001", "status": "DITERIMA"})
            claim_row_key(cur, "baris-1", "REG-202611-0001")
            digest = put_file(cur, b"%PDF-1.7 surat kantor B", "application/pdf")
            append_event(cur, "loket-b", MOMENT, "daftar", "REG-202611-0001")
        reserve_number(conn, SCOPE, _letter, actor="loket-b", moment=MOMENT)  # B's desk then ends: stale
    return digest


def test_office_a_cannot_read_change_or_number_office_b_rows(pg: Database) -> None:
    a, b = pg.office("kec_a"), pg.office("kec_b")
    digest = _fill(b)
    with a.connect() as conn, conn.cursor() as cur:
        for table in TABLES:  # nothing of B's is visible to A, table by table
            cur.execute(f"SELECT count(*) FROM {table}")
            assert cur.fetchone() == (0,), table
        cur.execute("UPDATE surat SET data = data || '{\"status\": \"BATAL\"}'")
        assert cur.rowcount == 0
        cur.execute("UPDATE urutan SET nilai = 0")
        assert cur.rowcount == 0
        cur.execute("DELETE FROM permohonan")
        assert cur.rowcount == 0
        for statement, params in (
            ("INSERT INTO urutan (kantor, kunci, nilai) VALUES (%s, %s, 99)", (b.role, SCOPE)),
            ("INSERT INTO surat (kantor, data) VALUES (%s, %s)",
             (b.role, psycopg.types.json.Jsonb(_letter(2) | {"status": "TERBIT", "lingkup": SCOPE, "urut": 2}))),
            ("INSERT INTO audit_kepala (kantor, hash, jumlah) VALUES (%s, 'x', 0)", (b.role,)),
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), conn.transaction():
                cur.execute(statement, params)
        # becoming the group role (which holds the grants) does not make A another office
        cur.execute("SELECT nilai FROM meta WHERE kunci = 'peran_kantor'")
        (group,) = cur.fetchone()
        with conn.transaction():
            cur.execute(psycopg.sql.SQL("SET LOCAL ROLE {}").format(psycopg.sql.Identifier(group)))
            cur.execute("SELECT count(*) FROM surat")
            assert cur.fetchone() == (0,)
        for statement in ("ALTER TABLE surat DISABLE ROW LEVEL SECURITY", "ALTER TABLE surat NO FORCE ROW LEVEL "
                          "SECURITY", "DELETE FROM audit", "DROP POLICY kantor_sendiri ON surat"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                cur.execute(statement)
        # A's own numbering of the same scope starts at 1; B's dead desk's reservation is not A's to close
        with conn.transaction():
            assert next_value(cur, SCOPE) == 1
        assert close_stale_reservations(conn, actor="loket-a", moment=MOMENT) == []
        assert find_letter(cur, number="474/001/KEC-B/2026") is None
        with pytest.raises(NotFound):
            get_file(cur, digest)
        assert [o["id"] for o in offices(conn)] == [a.role]
    with b.connect() as conn, conn.cursor() as cur:  # B's register is as B left it
        assert counter_value(cur, SCOPE) == 1
        assert find_letter(cur, number="474/001/KEC-B/2026")["status"] == "DIPESAN"
        assert get_file(cur, digest) == b"%PDF-1.7 surat kantor B"
        assert [e["aksi"] for e in read_events(cur)] == ["daftar", "pesan_nomor"]
        assert chain_problems(cur) == []
        closed = close_stale_reservations(conn, actor="loket-b", moment=MOMENT)  # B's next desk closes it
        assert [c["nomor_surat"] for c in closed] == ["474/001/KEC-B/2026"]


def test_office_roles_are_made_by_the_admin_only(pg: Database) -> None:
    a = pg.office("kec_a")
    with a.connect() as conn:
        with pytest.raises(ConfigError, match="tidak boleh membuat atau mengubah skema"):
            migrate_as_office(conn)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            create_office(conn, f"lain_{pg.name}", "Kecamatan Lain")
    with pg.admin() as admin:
        with pytest.raises(InputError, match="sudah ada"):
            create_office(admin, a.role, "lagi")
        with pytest.raises(InputError, match="tidak dapat dipakai"):
            create_office(admin, "Robert'); DROP TABLE surat;--", "x")


def migrate_as_office(conn: psycopg.Connection) -> None:
    """A later migration that an office's desk (not the schema's owner) would try to apply."""
    from sakti_cli.register.pg import schema

    schema.MIGRATIONS.append(("m999_uji", lambda cur: cur.execute("CREATE TABLE uji_lain (x int)")))
    try:
        migrate(conn)
    finally:
        schema.MIGRATIONS.pop()
