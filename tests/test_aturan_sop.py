"""SOP files: the shipped ones are clean, every broken one is refused naming the file and the field path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import REPO, Cli, example


def test_shipped_sop_files_are_clean(kantor: Path, cli: Cli) -> None:
    result = cli.json("sop", "periksa")
    assert result["masalah"] == [] and result["jumlah_masalah"] == 0
    assert {Path(p).name for p in result["berkas"]} == {
        "sktm.yaml", "skck.yaml", "dispensasi-nikah.yaml", "pindah.yaml", "ahli-waris.yaml", "izin-keramaian.yaml",
        "hibah.yaml", "_kalender.yaml", "_skm.yaml"}
    human = cli("sop", "periksa")
    assert human.exit_code == 0 and "sesuai" in human.stdout


def test_schema_describes_rules(cli: Cli) -> None:
    result = cli("sop", "skema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["additionalProperties"] is False and "aturan" in schema["properties"]
    kinds = {d["properties"]["jenis"]["const"] for name, d in schema["$defs"].items() if name.endswith("Rule")}
    assert kinds == {"nik_cocok", "umur", "hari_kerja", "hari", "jumlah", "berbeda", "dalam_kecamatan", "wajib_bila"}
    assert cli.json("sop", "skema")["skema"]["title"].startswith("SOP")


def _break(kantor: Path, service: str, change) -> Path:  # type: ignore[no-untyped-def]
    path = kantor / "sop" / f"{service}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _rule(raw: dict, code: str) -> dict:
    return next(r for r in raw["aturan"] if r["kode"] == code)


BROKEN = [
    ("unknown top key", "skck", lambda r: r.update(hobi="memancing"), "hobi", "kunci tidak dikenal"),
    ("unknown rule key", "dispensasi-nikah", lambda r: _rule(r, "kurang_10_hari_kerja").update(batas=10),
     "aturan[6].batas", "kunci tidak dikenal"),
    ("wrong rule parameter", "dispensasi-nikah", lambda r: _rule(r, "umur_istri").update(minimal="sembilan belas"),
     "aturan[3].minimal", "bilangan bulat"),
    ("unknown rule kind", "skck", lambda r: _rule(r, "domisili").update(jenis="di_kecamatan"),
     "aturan[1]", "jenis aturan 'di_kecamatan' tidak dikenal"),
    ("rule names unknown field", "dispensasi-nikah",
     lambda r: _rule(r, "kurang_10_hari_kerja").update(dari="tanggal_kua"), "aturan[6].dari",
     "'tanggal_kua' tidak ada di isian"),
    ("rule names unknown item field", "ahli-waris",
     lambda r: _rule(r, "saksi_bukan_keluarga").update(kolom="saksi[].kk"), "aturan[3].kolom",
     "tidak ada di butir daftar 'saksi'"),
    ("rule field of wrong kind", "izin-keramaian", lambda r: _rule(r, "waktu_lokal").update(sampai="tempat_acara"),
     "aturan[2].sampai", "berjenis teks"),
    ("rule requires unknown requirement", "hibah", lambda r: _rule(r, "rumah_ibadah").update(wajibkan=["kua"]),
     "aturan[2].wajibkan[0]", "'kua' tidak ada"),
    ("no bound", "ahli-waris", lambda r: [_rule(r, "dua_saksi").pop(k) for k in ("minimal", "maksimal")], "aturan[1]",
     "paling sedikit satu batas"),
    ("condition value not a choice", "izin-keramaian",
     lambda r: _rule(r, "waktu_lokal")["bila"].update(salah_satu=["Kampung"]), "aturan[2].bila.salah_satu",
     "Kampung"),
    ("duplicate code", "skck", lambda r: _rule(r, "domisili").update(kode="foto"), "aturan[1].kode",
     "sudah dipakai"),
    ("item requirement unknown key", "ahli-waris",
     lambda r: r["isian"][11]["persyaratan"][0].update(warna="merah"), "isian[11].persyaratan[0].warna",
     "kunci tidak dikenal"),
]


@pytest.mark.parametrize(("name", "service", "change", "path", "needle"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_sop_exit_4_names_file_and_path(kantor: Path, cli: Cli, name: str, service: str, change,  # type: ignore[no-untyped-def]
                                               path: str, needle: str) -> None:
    _break(kantor, service, change)
    result = cli("layanan", service)
    assert result.exit_code == 4, result.stdout
    assert f"sop/{service}.yaml" in result.stderr and path in result.stderr and needle in result.stderr
    assert "Traceback" not in result.stderr
    error = json.loads(cli("layanan", service, "--json").stdout)["error"]
    assert error["kode"] == "KONFIGURASI"
    assert any(p["kolom"] == path and needle in p["pesan"] for p in error["detail"]["masalah"]), error
    registering = cli("daftar", service, "--data", str(example(service)))
    assert registering.exit_code == 4  # a broken SOP stops work on that service, not silently
    linted = cli.json("sop", "periksa", code=1)
    assert any(p["berkas"] == str(kantor / "sop" / f"{service}.yaml") and p["kolom"] == path
               for p in linted["masalah"])


def test_lint_names_template_problems_and_calendar(kantor: Path, cli: Cli) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ data.nama }} {{ data.hobi }} {{ surat.nomer }} {{ rahasia }}")
    doc.save(str(kantor / "templat" / "skck.docx"))
    (kantor / "templat" / "hibah.docx").unlink()
    calendar = kantor / "sop" / "_kalender.yaml"
    calendar.write_text(calendar.read_text().replace("tanggal: 2026-12-25", "tanggal: 2026-12-32"))
    result = cli("sop", "periksa", "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["masalah"]
    text = "\n".join(f"{p['berkas']} {p['kolom']} {p['pesan']}" for p in problems)
    for needle in ("sop/skck.yaml templat skck.docx: placeholder {{ data.hobi }} tidak dikenal",
                   "{{ surat.nomer }} tidak dikenal", "{{ rahasia }} tidak dikenal", "sop/hibah.yaml templat",
                   "hibah.docx", "isian wajib 'nik'",
                   "sop/_kalender.yaml tahun[2026].libur[16].tanggal bukan tanggal yang sah"):
        assert needle in text, (needle, text)
    human = cli("sop", "periksa")
    assert human.exit_code == 1 and "Masalah SOP" in human.stdout


def test_service_code_must_match_file_name(kantor: Path, cli: Cli) -> None:
    (kantor / "sop" / "skck.yaml").rename(kantor / "sop" / "skck2.yaml")
    result = cli("layanan", "skck2")
    assert result.exit_code == 4 and "sop/skck2.yaml" in result.stderr and "nama berkas" in result.stderr


def test_bundled_examples_match_the_sop_fields() -> None:
    """Every example's isian uses only fields its SOP declares (a typo would be refused at daftar)."""
    from sakti_cli.services.sop import load_service

    for folder in sorted((REPO / "contoh").iterdir()):
        if not (folder / "pemohon.json").is_file():
            continue
        raw = json.loads((folder / "pemohon.json").read_text())
        service = load_service(REPO / "sop", raw["layanan"])
        assert set(raw["isian"]) <= {f.kode for f in service.isian}, folder.name
