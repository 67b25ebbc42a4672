"""The documentation stays true: the CLI reference matches --help, every command is documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from sakti_cli.cli.reference import command_names, render_reference


def test_reference_is_current() -> None:
    committed = (REPO / "docs" / "referensi-cli.md").read_text(encoding="utf-8")
    assert committed == render_reference(), "jalankan 'make docs' lalu commit docs/referensi-cli.md"


def test_every_command_documented_in_readme_or_reference() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reference = (REPO / "docs" / "referensi-cli.md").read_text(encoding="utf-8")
    for name in command_names():
        assert f"## sakti {name}" in reference
    for code in range(6):
        assert f"| {code} |" in readme


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = (REPO / "README.md").read_text(encoding="utf-8").splitlines()[:20]
    commands = [line for line in first_screen if line.startswith("make ")]
    assert [c.split()[1] for c in commands] == ["demo", "test"]
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_help_starts_without_heavy_imports() -> None:
    code = ("import sys; from sakti_cli.cli.app import app; "
            "heavy = [m for m in ('pyhanko', 'docxtpl', 'pypdf', 'docx', 'PIL', 'tinydb') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == ""


def test_installed_entry_point_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "sakti"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "terbitkan" in result.stdout
    module = subprocess.run([sys.executable, "-m", "sakti_cli", "--version"], capture_output=True, text=True)
    assert module.returncode == 0 and module.stdout.startswith("sakti ")


def test_demo_in_a_real_process(tmp_path: Path, lo_profile: Path, demo_pki) -> None:
    """`sakti demo` as the README's first command runs it: a fresh process, no terminal, no stdin."""
    import json

    from pki_helpers import make_nss_db, run_pdfsig

    exe = Path(sys.executable).parent / "sakti"
    env = {**os.environ, "SAKTI_LO_PROFIL": str(lo_profile)}
    env.pop("SAKTI_WAKTU", None)
    result = subprocess.run([str(exe), "--kantor", str(tmp_path / "demo"), "demo", "--json"],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["sah"] is True and payload["kantor"] == str(tmp_path / "demo")
    pdf = Path(payload["pdf"])
    output = run_pdfsig(pdf, make_nss_db(tmp_path / "nss", tmp_path / "demo" / "pki" / "demo-root.pem"))
    assert "Signature is Valid" in output and "Certificate is Trusted" in output
    # the passphrase the demo states is the one that opens its key
    from cryptography.hazmat.primitives.serialization import pkcs12

    key = (tmp_path / "demo" / "pki" / "camat.p12").read_bytes()
    assert pkcs12.load_pkcs12(key, payload["sandi_demo"].encode()).key is not None
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(key, b"bukan-sandinya")


def test_wheel_ships_sop_templates_and_examples(tmp_path: Path) -> None:
    """An installed sakti (not a checkout) finds its bundled sop/, templat/ and contoh/."""
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            str(REPO), "-w", str(tmp_path / "whl")], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "whl").glob("sakti_cli-*.whl"))
    import zipfile

    with zipfile.ZipFile(wheel) as archive:  # the verification site's page (sakti situs bangun)
        shipped = set(archive.namelist())
    assets = ("index.html", "404.html", "cek.js", "sha256.js", "gaya.css", "htaccess", "kosong.html")
    assert {f"sakti_cli/citizen/site_assets/{name}" for name in assets} <= shipped
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("from sakti_cli.core.resources import bundled_dir; "
            "print(*(bundled_dir(n) for n in ('sop', 'templat', 'contoh')), sep='\\n')")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                           cwd=tmp_path, check=True).stdout.split()
    assert all(p.startswith(str(target)) for p in found), found
    init = subprocess.run([sys.executable, "-m", "sakti_cli", "init", str(tmp_path / "k"), "--contoh"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "k" / "sop" / "sktm.yaml").is_file() and (tmp_path / "k" / "templat" / "sktm.docx").is_file()
    assert (tmp_path / "k" / "sop" / "gform" / "sktm.yaml").is_file()  # the Google Form mappings ship too


def test_demo_works_on_a_later_day(tmp_path: Path, lo_profile: Path, cli, monkeypatch) -> None:
    """The issue's case: from 17 December 2026 the static example's pengantar was older than 30 days."""
    monkeypatch.setenv("SAKTI_LO_PROFIL", str(lo_profile))
    monkeypatch.setenv("SAKTI_WAKTU", "2027-01-10T09:00:00+07:00")
    payload = cli.json("--kantor", tmp_path / "demo", "demo")
    assert payload["sah"] is True and payload["nomor_surat"].endswith("/I/2027")
