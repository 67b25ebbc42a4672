"""Retention on PostgreSQL (issue 12 §3): the scans of finished applications leave the database's file store
after their period, but a scan stored once for several applications (the same KTP for two letters) stays until
the last one holding it is purged; found through an index (m003), not by reading every application."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli
from pg_server import Database
from pgops_desks import desk

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


def test_bersihkan_at_another_desk_purges_the_store_and_riwayat_finds_it(pg: Database, tmp_path: Path,
                                                                          cli: Cli) -> None:
    """Scans kept at desk 1; ``sakti bersihkan`` at desk 2 (no local copy of any scan) removes them from the
    database's store by their digests, except a scan a recent application still holds; ``riwayat --objek`` finds
    the purge through the per-object index."""
    office = pg.office("kec_bersih")
    desks = [desk(tmp_path / "loket-1", office), desk(tmp_path / "loket-2", office)]
    with office.connect() as conn:
        register = PgRegister(conn, url=office.url, root=desks[0] / "data" / "register", workspace_root=desks[0],
                              zone=office_zone("WIB"), actor="loket")
        shared = b"\xff\xd8 KTP scan used again for a recent application"
        records = []
        for reg, old in (("REG-202401-0001", True), ("REG-202401-0002", True), ("REG-202611-0001", False)):
            folder = desks[0] / "data" / "berkas" / reg
            folder.mkdir(parents=True)
            (folder / "ktp-1.jpg").write_bytes(shared if reg != "REG-202401-0002" else b"\xff\xd8 another KTP")
            (folder / "kk-1.jpg").write_bytes(f"KK scan of {reg}".encode())
            files = {code: [{"berkas": f"{code}-1.jpg", "sha256": register.store.keep(folder / f"{code}-1.jpg")}]
                     for code in ("ktp", "kk")}
            when = "2024-01-05T09:00:00+07:00" if old else "2026-11-20T09:00:00+07:00"
            records.append({**_application(reg, ""), "berkas": files, "dibuat": when, "diubah": when,
                            "status": "DITOLAK", "riwayat": [{"ke": "DITOLAK"}]})
        with register.transaction() as txn:
            for record in records:
                txn.next_registration_sequence(record["nomor_registrasi"][4:10])
                txn.add_application(record)  # type: ignore[arg-type]
                txn.audit("daftar", record["nomor_registrasi"], None, "DITERIMA")
    assert not any((desks[1] / "data" / "berkas").rglob("*.jpg"))  # no local copy at desk 2
    dry = cli.json("--kantor", str(desks[1]), "bersihkan", "--lebih-dari", "365", "--uji")
    assert [item["nomor_registrasi"] for item in dry["permohonan"]] == ["REG-202401-0001", "REG-202401-0002"]
    done = cli.json("--kantor", str(desks[1]), "bersihkan", "--lebih-dari", "365", "--ya")
    assert done["jumlah_berkas"] == 4
    with office.connect() as conn, conn.cursor() as cur:
        held = {reg: [has_file(cur, entry[0]["sha256"]) for entry in record["berkas"].values()]
                for reg, record in ((r["nomor_registrasi"], r) for r in records)}
        # the old applications' scans are gone from the database, but the KTP the recent one still holds stays
        assert held == {"REG-202401-0001": [True, False], "REG-202401-0002": [False, False],
                        "REG-202611-0001": [True, True]}
        cur.execute("EXPLAIN SELECT nomor FROM audit_nama WHERE nama = 'REG-202401-0001'")
        assert "audit_nama_pkey" in " ".join(row[0] for row in cur.fetchall())  # riwayat --objek: an index
    check = json.loads(cli("--kantor", str(desks[0]), "register", "periksa", "--json").stdout)
    assert check["bersih"], [problem["pesan"] for problem in check["masalah"]]
    history = cli.json("--kantor", str(desks[0]), "riwayat", "--objek", "REG-202401-0001")["peristiwa"]
    assert [event["aksi"] for event in history] == ["daftar", "hapus_berkas"]
