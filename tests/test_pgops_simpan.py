"""Retention on PostgreSQL (issue 12 §3): the scans of finished applications leave the database's file store
after their period, but a scan stored once for several applications (the same KTP for two letters) stays until
the last one holding it is purged; found through an index (m003), not by reading every application."""

from __future__ import annotations

from pathlib import Path

from pg_server import Database

from sakti_cli.core.clock import office_zone
from sakti_cli.register.pg.files import has_file
from sakti_cli.register.pg.session import PgRegister


def _application(reg: str, digest: str) -> dict:
    return {"nomor_registrasi": reg, "layanan": "sktm", "status": "TERBIT", "dibuat": "2024-01-05T09:00:00+07:00",
            "riwayat": [{"ke": "TERBIT"}], "berkas": {"ktp": [{"berkas": "ktp.jpg", "sha256": digest}]}}


def test_a_shared_scan_leaves_the_store_with_the_last_application_holding_it(pg: Database, tmp_path: Path) -> None:
    office = pg.office("kec_simpan")
    with office.connect() as conn:
        register = PgRegister(conn, url=office.url, root=tmp_path / "data" / "register", workspace_root=tmp_path,
                              zone=office_zone("WIB"), actor="loket")
        scans = [tmp_path / "data" / "berkas" / reg / "ktp.jpg" for reg in ("REG-202401-0001", "REG-202401-0002")]
        for scan in scans:
            scan.parent.mkdir(parents=True)
            scan.write_bytes(b"\xff\xd8 the same KTP scan, uploaded for two applications")
        digest = register.store.keep(scans[0])
        assert register.store.keep(scans[1]) == digest
        with register.transaction() as txn:
            for scan in scans:
                txn.add_application(_application(scan.parent.name, digest))  # type: ignore[arg-type]

        def purge(reg: str, scan: Path) -> None:  # as retention does: the entry marked, then the file forgotten
            with register.transaction() as txn:
                record = txn.get_application(reg)
                assert record is not None
                record["berkas"]["ktp"][0]["dihapus"] = "2026-11-22T09:30:00+07:00"
                txn.save_application(record)
            register.store.forget(scan, digest)

        purge("REG-202401-0001", scans[0])
        with conn.cursor() as cur:
            assert has_file(cur, digest)  # REG-202401-0002 still holds it
        assert not scans[0].exists() and scans[1].exists()
        purge("REG-202401-0002", scans[1])
        with conn.cursor() as cur:
            assert not has_file(cur, digest)
            # the holders are found through the index, whatever the number of applications
            cur.execute("SET enable_seqscan = off")
            cur.execute("EXPLAIN SELECT 1 FROM berkas_dipegang WHERE sha256 = %s", (digest,))
            plan = " ".join(row[0] for row in cur.fetchall())
        assert "Index" in plan and "berkas_dipegang_pkey" in plan, plan
