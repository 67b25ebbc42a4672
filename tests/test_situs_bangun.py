"""``sakti situs bangun/perbarui``: what the built site holds (and never holds), updates of only what
changed, the automatic update after ``batalkan``/``terbitkan``, and ``verifikasi --kode`` showing the
applicant's masked name as the page does."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from situs_helpers import complete_application, fake_issue, renewed, run, small_pdf, standard_register

from sakti_cli.core.privacy import mask_name

# what contoh/sktm/pemohon.json holds of Rusmini that a public site must never show
PERSONAL = ["6201025403850003", "6201020903100012", "Rusmini", "RUSMINI", "Padat Karya", "0812", "5123-4567",
            "rusmini@", "1985-03-14", "Mendawai", "keringanan biaya"]


def test_mask_name() -> None:
    assert mask_name("Siti Aminah") == "S*** A*****"
    assert mask_name("  SITI   AMINAH ") == "S*** A*****"
    assert mask_name("Ahmad & Siti Rahmah") == "A**** & S*** R*****"
    assert mask_name("H. Abdul") == "H. A****"
    assert mask_name("") is None and mask_name(None) is None


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return standard_register(tmp_path_factory.mktemp("register"))


@pytest.fixture
def register(_built: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A copy of the module's register (a valid letter renewed once, a voided letter and its
    replacement) for one test to change."""
    root = tmp_path / "kantor"
    shutil.copytree(_built["root"], root)
    return {**_built, "root": root}


def _data(folder: Path, code: str) -> dict[str, Any]:
    """A letter's data file, found the way the page finds it: by the SHA-256 of its code."""
    key = hashlib.sha256(code.encode()).hexdigest()
    text = (folder / "data" / f"{key}.js").read_text(encoding="ascii")
    prefix = f'window.saktiSurat("{key}", '
    assert text.startswith(prefix) and text.endswith(");\n")
    return dict(json.loads(text[len(prefix):-3]))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_site_holds_public_facts_only(register: dict[str, Any], cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "situs"
    built = run(cli, register["root"], "situs", "bangun", str(folder))
    assert built["surat"] == 3 and built["ditulis"] == 3 and built["halaman"] == str(folder / "index.html")
    valid, voided, replacing = register["valid"], register["voided"], register["replacing"]

    shown = _data(folder, valid["kode_verifikasi"])
    assert shown["status"] == "SAH" and shown["nomor_surat"] == valid["nomor_surat"]
    assert shown["pemohon"] == "R******" and shown["layanan"] == "Surat Keterangan Tidak Mampu"
    assert shown["penandatangan"] == {"nama": "Drs. H. AHMAD YANI, M.Si", "jabatan": "Camat Arut Selatan",
                                      "peran": "definitif"}
    assert shown["tanggal"] == "22 November 2026"
    assert [r["sha256"] for r in shown["revisi"]] == [valid["sha256"],
                                                      hashlib.sha256(renewed(small_pdf("asli"))).hexdigest()]
    cancelled = _data(folder, voided["kode_verifikasi"])
    assert cancelled["status"] == "DIBATALKAN" and cancelled["alasan_batal"] == "salah ketik tanggal lahir"
    assert cancelled["diganti_oleh"] == replacing["nomor_surat"]
    assert _data(folder, replacing["kode_verifikasi"])["mengganti"] == voided["nomor_surat"]
    assert "dibangun" in (folder / "info.js").read_text()

    # nothing personal, and no code anywhere: the codes are not enumerable from the site
    files = _files(folder)
    codes = [letter["kode_verifikasi"] for letter in (valid, voided, replacing)]
    for name, payload in files.items():
        text = payload.decode("utf-8")
        for secret in PERSONAL + codes:
            assert secret not in text, (secret, name)
        assert "nik" not in json.loads(text) if name.endswith(".json") else True
    assert sorted(n for n in files if n.startswith("data/")) == sorted(
        ["data/index.html", *(f"data/{hashlib.sha256(c.encode()).hexdigest()}.js" for c in codes)])
    assert {"index.html", "404.html", ".htaccess", "cek.js", "sha256.js", "gaya.css"} <= set(files)
    # no external fonts or scripts: a CSP forbids them and nothing names another host
    page = files["index.html"].decode()
    assert "default-src 'none'; script-src 'self'; style-src 'self'" in page and 'lang="id"' in page
    assert "http" not in page.replace('http-equiv', '') and "//" not in files["gaya.css"].decode().split("*/")[-1]
    # a public folder the web server can read (the workspace itself stays 0700/0600)
    assert all((folder / name).stat().st_mode & 0o777 == 0o644 for name in files)
    assert (folder / "data").stat().st_mode & 0o777 == 0o755


def test_perbarui_writes_only_what_changed(register: dict[str, Any], cli: Cli, tmp_path: Path) -> None:
    root, folder = register["root"], tmp_path / "situs"
    run(cli, root, "situs", "bangun", str(folder))
    before = {p: p.stat().st_mtime_ns for p in (folder / "data").glob("*.js")}
    again = run(cli, root, "situs", "perbarui", str(folder))
    assert again["ditulis"] == 0 and again["tidak_berubah"] == 3
    # a void and a new letter since: two data files written, the others left as they were
    run(cli, root, "batalkan", register["replacing"]["nomor_surat"], "--alasan", "dobel")
    third = fake_issue(root, complete_application(cli, root), small_pdf("tiga"))
    updated = run(cli, root, "situs", "perbarui", str(folder))
    assert (updated["surat"], updated["ditulis"], updated["tidak_berubah"]) == (4, 2, 2)
    assert _data(folder, register["replacing"]["kode_verifikasi"])["status"] == "DIBATALKAN"
    assert _data(folder, third["kode_verifikasi"])["status"] == "SAH"
    valid_file = folder / "data" / f"{hashlib.sha256(register['valid']['kode_verifikasi'].encode()).hexdigest()}.js"
    assert valid_file.stat().st_mtime_ns == before[valid_file]


def test_batalkan_updates_the_configured_site(register: dict[str, Any], cli: Cli, tmp_path: Path) -> None:
    root = register["root"]
    config = root / "sakti.toml"
    config.write_text(config.read_text().replace('# folder = "situs"', 'folder = "situs"'))
    result = cli("batalkan", register["valid"]["nomor_surat"], "--alasan", "data keliru",
                 env={"SAKTI_KANTOR": str(root)})
    assert result.exit_code == 0, result.stderr
    assert _data(root / "situs", register["valid"]["kode_verifikasi"])["status"] == "DIBATALKAN"  # first: full build
    assert _data(root / "situs", register["replacing"]["kode_verifikasi"])["status"] == "SAH"
    # a new letter issued: its file appears, the voided letter it replaces is rewritten with the link
    replacement = fake_issue(root, register["valid"]["nomor_registrasi"], small_pdf("ganti"))
    from sakti_cli.citizen.site import update_after
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(root)  # what 'terbitkan' calls once the letter is TERBIT (cli/situs.refresh_after)
    done = update_after(ws, open_register(ws.register_dir, zone=ws.zone), [replacement["nomor_surat"]])
    assert done is not None and (done["ditulis"], done["surat"]) == (2, 4)
    assert _data(root / "situs", replacement["kode_verifikasi"])["mengganti"] == register["valid"]["nomor_surat"]
    assert _data(root / "situs", register["valid"]["kode_verifikasi"])["diganti_oleh"] == replacement["nomor_surat"]


def test_site_failure_is_a_warning_never_undoing_the_void(register: dict[str, Any], cli: Cli) -> None:
    root = register["root"]
    (root / "lain").mkdir()
    (root / "lain" / "catatan.txt").write_text("bukan situs")
    config = root / "sakti.toml"
    config.write_text(config.read_text().replace('# folder = "situs"', 'folder = "lain"'))
    result = cli("batalkan", register["valid"]["nomor_surat"], "--alasan", "data keliru", "--json",
                 env={"SAKTI_KANTOR": str(root)})
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "BATAL"
    assert "situs verifikasi" in result.stderr and str(root / "lain") in result.stderr.replace("\n", "")
    assert "sakti situs perbarui" in result.stderr
    assert sorted(p.name for p in (root / "lain").iterdir()) == ["catatan.txt"]


def test_folder_refusals(register: dict[str, Any], cli: Cli, tmp_path: Path) -> None:
    root = register["root"]
    inside = run(cli, root, "situs", "bangun", str(root / "data" / "situs"), code=3)["error"]
    assert "folder pribadi" in inside["pesan"] and not (root / "data" / "situs").exists()
    foreign = tmp_path / "lain"
    foreign.mkdir()
    (foreign / "x.txt").write_text("x")
    error = run(cli, root, "situs", "bangun", str(foreign), code=3)["error"]
    assert str(foreign) in error["pesan"] and sorted(p.name for p in foreign.iterdir()) == ["x.txt"]
    missing = run(cli, root, "situs", "perbarui", str(tmp_path / "belum"), code=3)["error"]
    assert "belum berisi situs" in missing["pesan"] and "sakti situs bangun" in missing["saran"]
    unnamed = run(cli, root, "situs", "perbarui", code=3)["error"]
    assert "[situs].folder" in unnamed["saran"]


def test_verifikasi_kode_shows_the_masked_applicant(register: dict[str, Any], cli: Cli) -> None:
    root, code = register["root"], register["valid"]["kode_verifikasi"]
    answer = run(cli, root, "verifikasi", "--kode", code)
    assert answer["surat"]["pemohon"] == "R******"
    human = cli("verifikasi", "--kode", code, env={"SAKTI_KANTOR": str(root)})
    assert human.exit_code == 0 and "Pemohon: R******" in human.stdout and "Rusmini" not in human.stdout
