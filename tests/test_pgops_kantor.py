"""Several offices in one PostgreSQL database (issue 12 §5): two office roles, a desk (workspace) of each,
driven through the CLI. Each office's records, numbers and audit chain are its own; office A's credentials
cannot read, insert, change or number office B's rows, with raw SQL or through sakti."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from conftest import Cli, example
from pg_server import Database
from pgops_desks import desk

from sakti_cli.register.pg.audit import chain_problems


def test_two_offices_keep_their_records_numbers_and_trails_apart(pg: Database, tmp_path: Path, cli: Cli) -> None:
    a, b = pg.office("kec_a"), pg.office("kec_b")
    desk_a, desk_b = desk(tmp_path / "a", a), desk(tmp_path / "b", b)
    data = str(example("sktm"))
    regs_a = [cli.json("--kantor", str(desk_a), "daftar", "sktm", "--data", data)["nomor_registrasi"]
              for _ in range(2)]
    reg_b = cli.json("--kantor", str(desk_b), "daftar", "sktm", "--data", data)["nomor_registrasi"]
    # numbers are counted per office: B's first application has A's first number, each in its own office
    assert reg_b == regs_a[0] and regs_a[1] != regs_a[0]
    assert cli.json("--kantor", str(desk_b), "status", reg_b)["nomor_registrasi"] == reg_b
    # B's record is not A's: A's second application is not found at B's desk (exit 3, the number named)
    missing = cli("--kantor", str(desk_b), "status", regs_a[1])
    assert missing.exit_code == 3 and regs_a[1] in missing.stderr
    with a.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM permohonan")
        assert cur.fetchone() == (2,)  # A's own two, not B's
        cur.execute("SELECT count(*) FROM audit WHERE kantor = %s", (b.role,))
        assert cur.fetchone() == (0,)  # B's trail is not readable by A
        cur.execute("UPDATE permohonan SET data = data || '{\"status\": \"DITOLAK\"}' WHERE kantor = %s", (b.role,))
        assert cur.rowcount == 0
        cur.execute("UPDATE urutan SET nilai = 0 WHERE kantor = %s", (b.role,))
        assert cur.rowcount == 0  # A cannot turn B's counter back (B's numbers would repeat)
        for statement in ("INSERT INTO permohonan (kantor, data) VALUES (%s, '{\"nomor_registrasi\": "
                          "\"REG-202611-0099\", \"status\": \"DITERIMA\"}')",
                          "INSERT INTO urutan (kantor, kunci, nilai) VALUES (%s, 'nomor|layanan:sktm|2026', 7)",
                          "INSERT INTO audit_kepala (kantor, hash, jumlah) VALUES (%s, 'x', 0) "
                          "ON CONFLICT (kantor) DO UPDATE SET jumlah = 0"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), conn.transaction():
                cur.execute(statement, (b.role,))
        assert chain_problems(cur) == []  # A's chain: A's events only, unbroken
        cur.execute("SELECT count(*), count(*) FILTER (WHERE objek = ANY(%s)) FROM audit", (regs_a,))
        total, own = cur.fetchone()
        assert total == own >= 2
    # each desk's register check is clean: the other office's rows are neither seen nor missed
    for folder in (desk_a, desk_b):
        check = json.loads(cli("--kantor", str(folder), "register", "periksa", "--json").stdout)
        assert check["bersih"], [p["pesan"] for p in check["masalah"]]
    assert cli.json("--kantor", str(desk_a), "register", "periksa")["ringkasan"]["permohonan"] == 2
    assert cli.json("--kantor", str(desk_b), "register", "periksa")["ringkasan"]["permohonan"] == 1
    # B's trail holds B's registration alone, even under the same number as A's
    history = cli.json("--kantor", str(desk_b), "riwayat", "--objek", reg_b)["peristiwa"]
    assert [event["aksi"] for event in history] == ["daftar"]
