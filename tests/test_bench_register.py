"""The bench's registers (issue 15 s.1, s.5): one generated register written by both backends' writers, the
PostgreSQL fast load (indexes, constraints and triggers dropped for COPY, recreated from their definitions, m003's
derived rows backfilled), the cache (built once, reused, restored as copies). Small sizes; no time asserted."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import REPO
from pg_server import Database

sys.path.insert(0, str(REPO / "bench"))

import register_growth
import register_growth_pg
import registers
import run as bench

from sakti_cli.register.pg.check import check_pg_register
from sakti_cli.register.pg.connect import connect


def definitions(database: Database) -> dict[str, list[str]]:
    """Every index, constraint and trigger of the loaded tables, as the catalog defines them."""
    with database.admin() as conn:
        indexes = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY indexdef",
                               (list(register_growth_pg.LOADED),)).fetchall()
        constraints = conn.execute("SELECT conrelid::regclass::text || ' ' || conname || ' ' || "
                                   "pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid::regclass::text "
                                   "= ANY(%s) ORDER BY 1", (list(register_growth_pg.LOADED),)).fetchall()
        triggers = conn.execute("SELECT tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal "
                                "ORDER BY 1").fetchall()
    return {"indeks": [r[0] for r in indexes], "batasan": [r[0] for r in constraints],
            "pemicu": [r[0] for r in triggers]}


def test_one_generated_register_is_sound_on_both_backends(pg: Database, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKTI_WAKTU", register_growth.NOW)
    before = definitions(pg)
    built = register_growth_pg.build_registers(pg, [
        register_growth_pg.Plan(30, "kecil", tmp_path / "pg-30", tiny_folder=tmp_path / "t-30", pdfs=True),
        register_growth_pg.Plan(70, "besar", tmp_path / "pg-70", tiny_folder=tmp_path / "t-70")])
    assert definitions(pg) == before  # every index, constraint and trigger back as it was
    small, large = built
    assert small["pg"]["sampel"] == small["tinydb"]["sampel"]  # one register's content, written twice
    for item, letters in ((small, 30), (large, 70)):
        with connect(item["pg"]["url"], password=item["pg"]["sandi"]) as conn:
            found = check_pg_register(conn)
            held = conn.execute("SELECT count(*) FROM berkas_dipegang").fetchone()[0]
            niks = conn.execute("SELECT count(*) FROM indeks_nik").fetchone()[0]
        assert found["bersih"], found["masalah"][:3]
        assert found["ringkasan"]["terbit"] == letters
        applications = letters + register_growth.SPARE
        assert held == 3 * applications and niks == applications  # m003's rows backfilled; the NIK index
    # the TinyDB copy with its PDFs: register periksa hashes them and finds nothing; without PDFs, only those
    checked = bench.run([sys.executable, "-m", "sakti_cli", "--kantor", small["tinydb"]["kantor"], "register",
                         "periksa", "--json"], env={**os.environ})
    assert checked.returncode == 0 and json.loads(checked.stdout)["bersih"], checked.stdout[-2000:]
    missing = bench.run([sys.executable, "-m", "sakti_cli", "--kantor", large["tinydb"]["kantor"], "register",
                         "periksa", "--json"], env={**os.environ})
    assert {p["jenis"] for p in json.loads(missing.stdout)["masalah"]} == {"pdf_hilang"}


def test_a_letter_pdf_is_a_real_pdf_and_the_keys_are_the_sops(tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader

    from sakti_cli.office.workspace import init_workspace
    from sakti_cli.register.search import search_keys
    from sakti_cli.services.sop import load_service

    pdf = register_growth.letter_pdf("400.9.14.1/001/ARSEL/I/2022", "ABCD")
    page = PdfReader(io.BytesIO(pdf), strict=True).pages[0]
    assert "400.9.14.1/001/ARSEL/I/2022" in page.extract_text()
    service = load_service(init_workspace(tmp_path / "k").sop_dir, "sktm")
    for seq in (0, 7, 10_003, 54_321):
        app = register_growth._application(f"REG-202201-{seq % 9999 + 1:04d}", "2022-01-03T09:00:00+07:00",
                                           "LENGKAP", seq, service)
        assert app["cari"] == search_keys(service, app["data"])
    table = {str(n): register_growth._application(f"REG-202201-{n:04d}", "2022-01-03T09:00:00+07:00", "TERBIT", n,
                                                  service) for n in (1, 2, 10, 25)}
    texts = {key: register_growth.Entry("", "", app, None, None, []).app_text for key, app in table.items()}
    assert register_growth.table_payload("permohonan", texts) == register_growth._dump({"permohonan": table})


def test_an_unknown_trigger_stops_the_fast_load(pg: Database) -> None:
    with pg.admin() as conn:
        conn.execute("CREATE FUNCTION bench_uji() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
        conn.execute("CREATE TRIGGER turunan_baru AFTER INSERT ON surat FOR EACH ROW EXECUTE FUNCTION bench_uji()")
        conn.commit()
    before = definitions(pg)
    with pytest.raises(RuntimeError, match="turunan_baru"), register_growth_pg.FastLoad(pg):
        pass
    assert definitions(pg) == before  # refused before anything was dropped


def test_registers_are_built_once_and_restored_as_copies(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    registers.build(cache, 20, 40, log=lambda _text: None)
    meta = registers.home(cache, 20, 40) / "bangun.json"
    stamp = meta.stat().st_mtime_ns
    assert registers.build(cache, 20, 40, log=lambda _text: None)["versi"] == registers.cache_key()
    assert meta.stat().st_mtime_ns == stamp  # the second run reuses it
    copies = registers.restore(cache, 20, 40, tmp_path / "run")
    try:
        tiny = copies.tinydb[40]
        letter = Path(tiny["kantor"]) / "data" / "surat"
        pdfs = sorted(letter.rglob("*.pdf"))
        assert len(pdfs) == 40 and pdfs[0].stat().st_nlink == 2  # hard-linked to the cache's
        register = Path(tiny["kantor"]) / "data" / "register" / "urutan.json"
        assert register.stat().st_nlink == 1  # the register itself a copy
        os.environ["SAKTI_WAKTU"] = register_growth.NOW
        assert register_growth.run_once(tiny["kantor"], "langkah", reg=tiny["cadangan"][0]) > 0
        office = copies.pg[40]
        assert register_growth_pg.run_once(office, "langkah", reg=office["cadangan"][0]) > 0
        assert register_growth_pg.check_once(office)["jenis"] == []
    finally:
        copies.stop()
        os.environ.pop("SAKTI_WAKTU", None)
    again = registers.restore(cache, 20, 40, tmp_path / "run2")  # the cache untouched by the first run's writes
    try:
        with connect(again.pg[40]["url"], password=again.pg[40]["sandi"]) as conn:
            assert check_pg_register(conn)["ringkasan"]["terbit"] == 40
    finally:
        again.stop()


@pytest.mark.parametrize(("stdout", "expected"), [
    ('{"masalah": [], "pemeriksaan": {"cara": "bertahap"}}', ("bertahap", "tidak ada")),
    ('{"masalah": [{"jenis": "pdf_hilang"}, {"jenis": "pdf_hilang"}]}', ("penuh", "pdf_hilang")),
    ("bukan json", ("penuh", "keluaran bukan JSON")),
])
def test_each_periksa_run_is_named_by_how_it_checked(stdout: str, expected: tuple[str, str]) -> None:
    assert bench.periksa_result(stdout) == expected


def test_the_default_run_leaves_the_reading_section_out() -> None:
    assert "baca" not in bench.PARTS and {"mulai", "massal", "loket", "register", "memori"} == set(bench.PARTS)
