"""PostgreSQL register (issue 12): the test server, the recorded migrations, the tables' constraints."""

from __future__ import annotations

import secrets
from datetime import datetime

import psycopg
import pytest
from pg_server import Database

from sakti_cli.core.errors import ConfigError, NotFound, StateConflict
from sakti_cli.register.pg.audit import append_event, chain_problems, read_events
from sakti_cli.register.pg.files import get_file, has_file, put_file
from sakti_cli.register.pg.rows import claim_row_key, find_letter, insert_letter, save_letter
from sakti_cli.register.pg.schema import applied_versions, check_schema, latest_version, migrate
from sakti_cli.register.trail import GENESIS, event_hash


def test_template_is_migrated_and_migrating_again_changes_nothing(pg: Database) -> None:
    with pg.admin() as conn:
        assert applied_versions(conn) == list(range(1, latest_version() + 1))
        assert migrate(conn) == []
        check_schema(conn)
        names = conn.execute("SELECT nama FROM skema_versi ORDER BY versi").fetchall()
        assert names[0] == ("m001_register",)


def _letter(**changes: object) -> dict:
    base = {"id": secrets.token_hex(8), "nomor_surat": "474/001/KEC/2026", "kode_verifikasi": "KODE1",
            "status": "TERBIT", "lingkup": "layanan|SKTM|2026", "urut": 1, "sha256": "a" * 64}
    return {**base, **changes}


def test_letter_number_code_and_digest_are_unique(pg: Database) -> None:
    office = pg.office("kec_a")
    with office.connect() as conn, conn.cursor() as cur:
        insert_letter(cur, _letter())
        for clash, constraint in ((_letter(urut=2, kode_verifikasi="K2", sha256="b" * 64), "surat_nomor_unik"),
                                  (_letter(nomor_surat="474/002", urut=2, sha256="b" * 64), "surat_kode_unik"),
                                  (_letter(nomor_surat="474/002", urut=2, kode_verifikasi="K2"), "surat_sha256_unik"),
                                  (_letter(nomor_surat="474/002", kode_verifikasi="K2", sha256="b" * 64),
                                   "surat_urut_unik")):
            with pytest.raises(psycopg.errors.UniqueViolation) as refused, conn.transaction():
                insert_letter(cur, clash)
            assert refused.value.diag.constraint_name == constraint
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            insert_letter(cur, _letter(nomor_surat="474/003", urut=3, kode_verifikasi="K3", sha256=None,
                                       status="DICETAK"))
        # a revision's digest is indexed too, and finds its letter; one PDF never belongs to two letters
        letter = find_letter(cur, sha256="a" * 64)
        assert letter is not None
        letter["revisi"] = [{"sha256": "c" * 64, "jenis": "perbarui"}]
        save_letter(cur, letter)
        assert find_letter(cur, sha256="C" * 64)["id"] == letter["id"]
        other = _letter(nomor_surat="474/004", urut=4, kode_verifikasi="K4", sha256="d" * 64,
                        revisi=[{"sha256": "c" * 64}])
        with pytest.raises(StateConflict, match="sudah tercatat untuk surat lain"), conn.transaction():
            insert_letter(cur, other)
        assert find_letter(cur, number="474/004") is None  # refused whole


def test_files_are_checked_by_the_database_and_stored_once(pg: Database) -> None:
    office = pg.office("kec_a")
    with office.connect() as conn, conn.cursor() as cur:
        scan = b"\xff\xd8\xff scan KTP" * 100
        digest = put_file(cur, scan, "image/jpeg")
        assert put_file(cur, scan, "image/jpeg") == digest and has_file(cur, digest)
        assert get_file(cur, digest) == scan
        cur.execute("SELECT count(*) FROM berkas")
        assert cur.fetchone() == (1,)
        with pytest.raises(psycopg.errors.CheckViolation, match="berkas_sha256_cocok"), conn.transaction():
            cur.execute("INSERT INTO berkas (sha256, ukuran, jenis, isi) VALUES (%s, 3, 'x', 'abc')", ("e" * 64,))
        with pytest.raises(psycopg.errors.CheckViolation, match="berkas_sha256_cocok"), conn.transaction():
            cur.execute("UPDATE berkas SET isi = 'lain', ukuran = 4")
        with pytest.raises(NotFound):
            get_file(cur, "f" * 64)
        assert claim_row_key(cur, "baris-7", "REG-202611-0001") is None
        assert claim_row_key(cur, "baris-7", "REG-202611-0002") == "REG-202611-0001"  # never twice


def test_the_audit_trail_is_append_only_and_its_chain_checked(pg: Database) -> None:
    office = pg.office("kec_a")
    moment = datetime.fromisoformat("2026-11-22T09:30:00+07:00")
    with office.connect() as conn, conn.cursor() as cur:
        with conn.transaction():
            first = append_event(cur, "Budi", moment, "daftar", "REG-202611-0001", None, "DITERIMA", layanan="SKTM")
            second = append_event(cur, "Budi", moment, "periksa", "REG-202611-0001", "DITERIMA", "LENGKAP")
        # the same event, the same hash as the TinyDB register computes (one function for both backends)
        assert first["prev"] == GENESIS and second["prev"] == first["hash"] == event_hash(first)
        assert list(read_events(cur, objek="REG-202611-0001")) == [first, second]
        assert chain_problems(cur) == []
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            cur.execute("UPDATE audit SET objek = 'lain'")
    with pg.admin() as admin:  # not even the schema's owner rewrites history (only a superuser's trigger bypass)
        with pytest.raises(psycopg.errors.RaiseException, match="hanya boleh ditambah"), admin.transaction():
            admin.execute("DELETE FROM audit")
        admin.execute("ALTER TABLE audit DISABLE TRIGGER audit_tetap")
        admin.execute("UPDATE audit SET baris = replace(baris, 'periksa', 'tolak') WHERE nomor = 2")
        admin.commit()
    with office.connect() as conn, conn.cursor() as cur:
        assert chain_problems(cur) == ["peristiwa audit 2 telah diubah (hash tidak cocok)"]


def test_a_schema_missing_or_newer_is_refused(pg: Database) -> None:
    with pg.admin() as conn:
        conn.execute("INSERT INTO skema_versi (versi, nama) VALUES (999, 'm999_masa_depan')")
        conn.commit()
        with pytest.raises(ConfigError, match="versi 999, lebih baru"):
            check_schema(conn)
        with pytest.raises(ConfigError, match="lebih baru"):
            migrate(conn)
    with psycopg.connect(**pg.server.conninfo(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE kosong_{pg.name}")
    with psycopg.connect(**pg.server.conninfo(f"kosong_{pg.name}")) as empty, \
            pytest.raises(ConfigError, match="belum dibuat"):
        check_schema(empty)


def test_a_reading_step_sees_one_snapshot_and_writes_nothing(pg: Database) -> None:
    from sakti_cli.register.pg.connect import reading
    from sakti_cli.register.pg.numbers import next_value

    office = pg.office("kec_a")
    with office.connect() as desk, office.connect() as other:
        with reading(desk) as cur:
            cur.execute("SELECT count(*) FROM urutan")
            assert cur.fetchone() == (0,)
            with other.transaction(), other.cursor() as writer:
                next_value(writer, "registrasi|202611")
            cur.execute("SELECT count(*) FROM urutan")
            assert cur.fetchone() == (0,)  # the other desk's commit is not half-seen inside the step
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), reading(desk) as cur:
            next_value(cur, "registrasi|202611")
