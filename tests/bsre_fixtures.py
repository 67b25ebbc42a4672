"""The BSrE set-up several test files share: the stand-in's test PKI and server (tests/bsre_standin.py), one
office whose camat signs through it (a person's key: the passphrase typed), one NSS database trusting the test
root for pdfsig, and the checks a signed letter must pass. Import the fixtures by their function names
(``office_fixture``...; ``# noqa: F401``): pytest knows them by the short names."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bsre_standin import APP_CREDENTIALS, NIK, BsrePki, BsreStandIn, make_bsre_pki
from conftest import FIXED_TIME, Cli, Pki, example, module_office
from pki_helpers import PDFSIG, around_both_clocks, make_nss_db, pdfsig_verdict_ok, run_pdfsig


@pytest.fixture(scope="module", name="bsre_pki")
def bsre_pki_fixture() -> BsrePki:
    return make_bsre_pki(*around_both_clocks(FIXED_TIME))


@pytest.fixture(scope="module", name="standin")
def standin_fixture(bsre_pki: BsrePki) -> Iterator[tuple[BsreStandIn, str]]:
    stand = BsreStandIn(bsre_pki)
    with stand as url:
        yield stand, url


def bsre_key(url: str, **extra: str) -> str:
    fields = {"jenis": "bsre", "url": url, "nik": NIK, "berkas_kredensial": "pki/bsre.kredensial",
              "sertifikat": "pki/camat-bsre.pem", "batas_waktu": "5", **extra}
    return "kunci = { " + ", ".join(f"{k} = {v}" if k in ("batas_waktu", "jalur") else f'{k} = "{v}"'
                                    for k, v in fields.items()) + " }"


def set_key(root: Path, url: str, **extra: str) -> None:
    """The camat's key in sakti.toml: the stand-in (``extra`` overrides fields)."""
    toml = root / "sakti.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    camat = lines.index('id = "camat"')
    for index in range(camat, len(lines)):
        if lines[index] == 'sifat = "segel"':
            lines[index] = 'sifat = "pribadi"'  # a person's key: the passphrase is typed by the camat
        if lines[index].startswith("kunci = "):
            lines[index] = bsre_key(url, **extra)
            break
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module", name="template")
def template_fixture(tmp_path_factory: pytest.TempPathFactory, demo_pki: Pki, lo_profile: Path, bsre_pki: BsrePki,
             standin: tuple[BsreStandIn, str]) -> Iterator[Path]:
    """One office whose camat signs through the stand-in (a person's key), two applications LENGKAP
    (REG-...-0001, -0002) and one letter prepared without a key (REG-...-0003, waiting)."""
    root = tmp_path_factory.mktemp("bsre") / "kantor"
    with module_office(root, demo_pki, lo_profile):
        toml = root / "sakti.toml"
        text = toml.read_text(encoding="utf-8").replace('akar_tepercaya = ["pki/demo-root.pem"]',
                            'akar_tepercaya = ["pki/demo-root.pem", "pki/bsre-root.pem"]')
        toml.write_text(text, encoding="utf-8")
        set_key(root, standin[1])
        bsre_pki.write_root(root / "pki" / "bsre-root.pem")
        bsre_pki.write_signer(root / "pki" / "camat-bsre.pem")
        (root / "pki" / "bsre.kredensial").write_text(APP_CREDENTIALS + "\n")
        (root / "pki" / "bsre.kredensial").chmod(0o600)
        cli = Cli()
        for _ in range(3):
            reg = cli.json("--kantor", root, "daftar", "sktm", "--data", example("sktm"))["nomor_registrasi"]
            cli.json("--kantor", root, "periksa", reg)
        cli.json("--kantor", root, "terbitkan", reg, "--tanpa-ttd")
    yield root


@pytest.fixture(name="office")
def office_fixture(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lo_profile: Path,
           standin: tuple[BsreStandIn, str]) -> Path:
    root = tmp_path / "kantor"
    shutil.copytree(template, root, symlinks=True)
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    monkeypatch.setenv("SAKTI_LO_PROFIL", str(lo_profile))
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    stand = standin[0]
    stand.fault, stand.requests, stand.tries_left, stand.only = None, [], 3, ()
    stand.timestamp, stand.paths, stand.on_sign = True, None, None
    return root


def letters(root: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted((root / "data" / "register" / "surat").glob("*.json")):
        found += json.loads(path.read_text())["surat"].values()
    return found


def waiting_number(root: Path) -> str:
    (letter,) = [item for item in letters(root) if item["status"] == "MENUNGGU_TTD"]
    return str(letter["nomor_surat"])


@pytest.fixture(scope="module", name="nss")
def nss_fixture(tmp_path_factory: pytest.TempPathFactory, bsre_pki: BsrePki) -> str:
    """One NSS database trusting the stand-in's test root, for pdfsig (made once per module)."""
    folder = tmp_path_factory.mktemp("bsre-nss")
    return make_nss_db(folder / "db", bsre_pki.write_root(folder / "root.pem")) if PDFSIG else ""


def check_valid(root: Path, pdf: Path, nss: str) -> Any:
    """pyHanko (sakti's validator) and poppler's pdfsig: valid, trusted for the stand-in's test root."""
    from sakti_cli.signatures.validate import verify_pdf

    found = verify_pdf(pdf, [root / "pki" / "bsre-root.pem"])
    (report,) = [sig for sig in found.signatures if sig.kind == "tanda_tangan"]
    assert report.intact and report.valid and report.trusted, report
    assert "AHMAD YANI" in str(report.signer)
    if PDFSIG:
        output = run_pdfsig(pdf, nss)
        assert pdfsig_verdict_ok(output), output
    return report
