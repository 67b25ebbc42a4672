"""The clerk's screen at 80 (and 60) columns: identifiers, paths and hashes whole, the applicant named
per SOP, list fields as tables with labels, one Indonesian time form for people and ISO 8601 in the
office's zone in JSON (issue 9, section 3).

One office is built per module with the real pipeline: an SKTM letter issued and signed, a
dispensasi-nikah letter prepared for the signing queue, an ahli-waris and a hibah registered."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FIXED_TIME, Cli, Pki

from sakti_cli.core.id_format import mask_nik

# the one form for people: "2 Des 2026 01.04 WIB"
TIME = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4} \d{2}\.\d{2} (WIB|WITA|WIT)\b")
# what other forms look like: ISO 8601, "22-11-2026 09:30", "2026-11-22 09:30", a clock with a colon
OTHER_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}-\d{2}-\d{4} \d{2}:\d{2}|\bUTC\b|\+00:00")


@dataclass(frozen=True)
class Office:
    root: Path
    pdf: Path
    sha256: str
    letter: str
    regs: dict[str, str]  # service -> registration number
    waiting: str  # the dispensasi-nikah letter in the signing queue
    waiting_pdf: Path
    examples: dict[str, dict]


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, demo_pki: Pki, lo_profile: Path) -> Office:
    from sakti_cli.office.demo import DEMO_OFFICE  # the demo key is the office seal: SAKTI_SANDI may unlock it
    from sakti_cli.office.workspace import create_workspace

    base = tmp_path_factory.mktemp("layar")
    ws = create_workspace(base / "kantor", DEMO_OFFICE)
    shutil.copy(demo_pki.signer_p12, ws.root / "pki" / "camat.p12")
    shutil.copy(demo_pki.root_cert, ws.root / "pki" / "demo-root.pem")
    env = {"SAKTI_KANTOR": str(ws.root), "SAKTI_WAKTU": FIXED_TIME, "SAKTI_SANDI": "demo",
           "SAKTI_LO_PROFIL": str(lo_profile), "SAKTI_LEBAR": "200", "COLUMNS": "200"}
    cli = Cli()
    regs, examples = {}, {}
    for code in ("sktm", "dispensasi-nikah", "ahli-waris", "hibah"):
        folder = base / f"contoh-{code}"
        cli.json("contoh", code, str(folder), env=env)
        examples[code] = json.loads((folder / "pemohon.json").read_text(encoding="utf-8"))
        regs[code] = cli.json("daftar", code, "--data", str(folder / "pemohon.json"), env=env)["nomor_registrasi"]
    cli.json("periksa", regs["sktm"], env=env)
    issued = cli.json("terbitkan", regs["sktm"], env=env)
    cli.json("periksa", regs["dispensasi-nikah"], env=env)
    waiting = cli.json("terbitkan", regs["dispensasi-nikah"], "--tanpa-ttd", env=env)
    return Office(ws.root, Path(issued["pdf"]), issued["sha256"], issued["nomor_surat"], regs,
                  waiting["nomor_surat"], Path(waiting["pdf"]), examples)


@pytest.fixture
def at(office: Office, monkeypatch: pytest.MonkeyPatch, cli: Cli):
    """Run a command in the module's office at a given width; returns the result (exit code checked)."""
    monkeypatch.setenv("SAKTI_KANTOR", str(office.root))
    monkeypatch.setenv("SAKTI_SANDI", "demo")

    def run(width: int, *args: str, code: int = 0, env: dict[str, str] | None = None):
        monkeypatch.setenv("SAKTI_LEBAR", str(width))
        monkeypatch.setenv("COLUMNS", str(width))
        result = cli(*args, env=env)
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result

    return run


def _screens(office: Office, run, width: int) -> dict[str, str]:
    """The human output of every command of the finding, at ``width``."""
    later = {"SAKTI_WAKTU": "2028-06-01T10:00:00+07:00"}  # the issued SKTM is past a 1-day retention
    return {
        "permohonan": run(width, "permohonan").stdout,
        "layanan": run(width, "layanan", "sktm").stdout,
        "status": run(width, "status", office.regs["sktm"]).stdout,
        "verifikasi": run(width, "verifikasi", str(office.pdf)).stdout,
        "antrean": run(width, "ttd", "antrean").stdout,
        "bersihkan": run(width, "bersihkan", "--lebih-dari", "1", "--uji", env=later).stdout,
        "sertifikat": run(width, "sertifikat", "lihat", str(office.root / "pki" / "demo-root.pem")).stdout,
    }


@pytest.mark.parametrize("width", [80, 60])
def test_identifiers_paths_and_hashes_are_never_cut(office: Office, at, cli: Cli, width: int) -> None:
    screens = _screens(office, at, width)
    for name, text in screens.items():
        assert "…" not in text, (name, text)
    for reg in office.regs.values():
        assert reg in screens["permohonan"], screens["permohonan"]
    assert office.letter in screens["permohonan"] and office.waiting in screens["permohonan"]
    for code in ("pengantar", "ktp", "kk", "foto_rumah", "pernyataan_miskin", "tanggal_pengantar",
                 "nomor_pengantar", "nik_pemohon", "lahir_pemohon"):
        assert re.search(rf"(^|[\s│]){code}([\s│]|$)", screens["layanan"], re.M), (code, screens["layanan"])
    assert office.regs["sktm"] in screens["status"] and office.letter in screens["status"]
    assert str(office.pdf) in screens["status"]  # the path on one line, not hard-wrapped
    assert str(office.pdf) in screens["verifikasi"] and office.sha256 in screens["verifikasi"]
    assert office.letter in screens["verifikasi"]
    assert office.waiting in screens["antrean"] and office.regs["dispensasi-nikah"] in screens["antrean"]
    assert str(office.waiting_pdf) in screens["antrean"]
    assert office.regs["sktm"] in screens["bersihkan"]
    scans = sorted(p.name for p in (office.root / "data" / "berkas" / office.regs["sktm"]).rglob("*") if p.is_file())
    assert scans and all(name in screens["bersihkan"] for name in scans), (scans, screens["bersihkan"])
    shown = cli.json("sertifikat", "lihat", str(office.root / "pki" / "demo-root.pem"))["sertifikat"][0]
    assert shown["sidik_jari_sha256"] in screens["sertifikat"] and shown["nomor_seri"] in screens["sertifikat"]
    assert shown["nama"] in screens["sertifikat"]


def test_lists_name_the_applicant_the_sop_names(office: Office, at, cli: Cli) -> None:
    couple = office.examples["dispensasi-nikah"]["isian"]
    both = f"{couple['nama_suami']} & {couple['nama_istri']}"
    heirs_of = office.examples["ahli-waris"]["isian"]["nama_pewaris"]
    rows = {row["nomor_registrasi"]: row for row in cli.json("permohonan")["permohonan"]}
    assert rows[office.regs["dispensasi-nikah"]]["nama"] == both
    assert rows[office.regs["ahli-waris"]]["nama"] == heirs_of
    assert rows[office.regs["hibah"]]["nama"] == office.examples["hibah"]["isian"]["nama_lembaga"]
    listing = at(200, "permohonan").stdout
    assert both in listing and heirs_of in listing
    queue = cli.json("ttd", "antrean")["surat"]
    assert [row["nama"] for row in queue] == [both]
    assert both in at(200, "ttd", "antrean").stdout


def test_an_sop_naming_an_unknown_applicant_field_is_refused(office: Office, tmp_path: Path) -> None:
    from sakti_cli.core.errors import ConfigError
    from sakti_cli.services.sop import load_service_file

    text = (office.root / "sop" / "hibah.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "hibah.yaml"
    broken.write_text(re.sub(r"^pemohon: .*$", "pemohon: [nama_bendahara]", text, flags=re.M), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_service_file(broken)
    assert "pemohon: nama_bendahara bukan kode isian" in str(caught.value) and "nama_lembaga" in str(caught.value)


@pytest.mark.parametrize("width", [80, 200])
def test_status_shows_heirs_and_witnesses_as_tables_with_labels(office: Office, at, width: int) -> None:
    shown = at(width, "status", office.regs["ahli-waris"]).stdout
    assert "{'" not in shown and "[{" not in shown, shown
    for label in ("Ahli waris", "Saksi", "Hubungan dengan pewaris", "Tanggal lahir", "Nomor KK"):
        assert label in shown, (label, shown)
    heirs = office.examples["ahli-waris"]["isian"]["ahli_waris"]
    for heir in heirs:
        assert heir["nama"] in shown and heir["hubungan"] in shown
        assert heir["nik"] not in shown and mask_nik(heir["nik"]) in shown  # masked as everywhere


def test_every_time_for_people_has_one_form_in_the_office_zone(office: Office, at, cli: Cli) -> None:
    screens = _screens(office, at, 80)
    screens["riwayat"] = at(200, "riwayat").stdout
    for name, text in screens.items():
        assert not OTHER_TIME.search(text), (name, OTHER_TIME.search(text), text)
    for name in ("status", "verifikasi", "antrean", "bersihkan", "sertifikat", "riwayat"):
        assert TIME.search(screens[name]), (name, screens[name])
    # the register wrote 22 Nov 2026 09.30 WIB (the fixed clock): shown as such, not as UTC 02.30
    assert "22 Nov 2026 09.30 WIB" in screens["status"]


def _iso_in_office_zone(value: str) -> None:
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 7 * 3600, value


def test_every_time_in_json_is_iso_8601_in_the_office_zone(office: Office, cli: Cli,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKTI_KANTOR", str(office.root))
    checked = cli.json("verifikasi", str(office.pdf))
    signature = checked["tanda_tangan"][0]
    _iso_in_office_zone(signature["waktu_tanda_tangan"])  # pyHanko's UTC, told in the office's zone
    _iso_in_office_zone(checked["surat"]["terbit"])
    cert = cli.json("sertifikat", "lihat", str(office.root / "pki" / "demo-root.pem"))["sertifikat"][0]
    _iso_in_office_zone(cert["berlaku_mulai"])
    _iso_in_office_zone(cert["berlaku_sampai"])
    status = cli.json("status", office.regs["sktm"])
    for value in (status["dibuat"], status["diubah"], *(step["waktu"] for step in status["riwayat"])):
        _iso_in_office_zone(value)
    for row in cli.json("ttd", "antrean")["surat"]:
        _iso_in_office_zone(row["disiapkan"])


def test_paths_are_whole_when_piped(office: Office) -> None:
    """Through a pipe (no terminal, no SAKTI_LEBAR/COLUMNS: Rich's 80 columns) paths stay on one line."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SAKTI_LEBAR", "COLUMNS")}
    env["SAKTI_KANTOR"] = str(office.root)
    for args, path in ((("status", office.regs["sktm"]), office.pdf), (("ttd", "antrean"), office.waiting_pdf)):
        proc = subprocess.run([sys.executable, "-m", "sakti_cli", *args], env=env, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert len(str(path)) > 70 and any(str(path) in line for line in lines), proc.stdout
        assert max(len(line) for line in lines if str(path) not in line) <= 80  # the rest fits the 80 columns
