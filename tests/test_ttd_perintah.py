"""``sakti tandatangani``, ``sakti sertifikat demo|lihat`` through the CLI: key sources, refusals
with their exit codes, and signed outputs checked by pyHanko and poppler's pdfsig."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Cli
from pki_helpers import CERTUTIL, PDFSIG, make_nss_db, make_pdf, pdfsig_verdict_ok, run_pdfsig

from sakti_cli.signatures.pki import (
    CertificatePair,
    DemoPki,
    DemoTsa,
    make_certificate_pair,
    make_demo_pki,
    make_tsa_certificate,
    pkcs12_bytes,
    write_demo_pki,
    write_private,
)
from sakti_cli.signatures.validate import verify_pdf

SANDI = "Rahasia-Camat-9"
"""Passphrase of this module's keys: distinctive, so a test can show it never appears in any output."""

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="poppler-utils/libnss3-tools missing")]


@dataclass
class Keys:
    work: Path
    pair: CertificatePair
    pki: DemoPki
    sekcam_p12: Path
    expired_p12: Path
    tsa_url: str
    nssdir: str


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    work = tmp_path_factory.mktemp("perintah")
    now = datetime.now(UTC)
    pair = make_certificate_pair(now=now, crl_url="http://crl.demo.invalid/root.crl")
    pki = write_demo_pki(work / "pki", pair, SANDI, now=now)
    sekcam = make_certificate_pair(now=now, root=pair, signer_name="Sekretaris Kecamatan (DEMO)")
    write_private(work / "pki" / "sekcam.p12", pkcs12_bytes(sekcam, SANDI))
    old = make_certificate_pair(now=now, root=pair, signer_name="Camat Lama (DEMO)",
                                not_before=now - timedelta(days=800), not_after=now - timedelta(days=1))
    write_private(work / "pki" / "lama.p12", pkcs12_bytes(old, SANDI))
    tsa_key, tsa_cert = make_tsa_certificate(pair, now=now)
    with DemoTsa(tsa_key, tsa_cert, [pair.root_cert]) as url:
        yield Keys(work, pair, pki, work / "pki" / "sekcam.p12", work / "pki" / "lama.p12", url,
                   make_nss_db(work / "nss", pki.root_cert))


def typed(monkeypatch: pytest.MonkeyPatch, passphrase: str) -> None:
    """The signatory types ``passphrase`` at the (injected) terminal prompt: personal keys take no other."""
    monkeypatch.setattr("sakti_cli.cli.state.PASSPHRASE_PROMPTER", lambda label: passphrase)


def office(root: Path, keys: Keys, *, tte_extra: str = "", sekcam_extra: str = "", seal: bool = False) -> Path:
    """A workspace (no LibreOffice needed) with the camat's and the sekcam's demo keys and the CRL;
    ``seal``: the camat's key (its certificate names the office) is the office seal."""
    import shutil

    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(root)
    for src, name in ((keys.pki.signer_p12, "camat.p12"), (keys.sekcam_p12, "sekcam.p12"),
                      (keys.pki.root_cert, "demo-root.pem"), (keys.pki.crl, "demo-root.crl")):
        shutil.copy(src, ws.root / "pki" / name)
    config = ws.root / "sakti.toml"
    text = config.read_text()
    text = text.replace('variabel_sandi = "SAKTI_SANDI"\n', 'variabel_sandi = "SAKTI_SANDI"\n' + tte_extra, 1)
    text = text.replace('berkas = "pki/sekcam.p12" }', f'berkas = "pki/sekcam.p12"{sekcam_extra} }}')
    if seal:
        text = text.replace('\nsifat = "pribadi"', '\nsifat = "segel"', 1)
    config.write_text(text)
    return ws.root


def secret_file(path: Path, text: str, mode: int) -> Path:
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


def test_sertifikat_demo_and_lihat(tmp_path: Path, cli: Cli) -> None:
    made = cli.json("sertifikat", "demo", str(tmp_path / "pki"), "--url-crl", "http://crl.contoh.invalid/a.crl")
    for key in ("akar", "kunci", "sertifikat", "crl"):
        path = Path(made[key])
        assert path.is_file() and path.stat().st_mode & 0o777 == 0o600
    assert made["sandi_demo"] == "demo"
    [cert] = cli.json("sertifikat", "lihat", made["sertifikat"])["sertifikat"]
    assert cert["nama"] == "Kecamatan Arut Selatan (DEMO)" and "SAKTI Demo Root CA" in cert["penerbit"]
    assert cert["status"] == "BERLAKU" and 728 <= cert["sisa_hari"] <= 730 and cert["boleh_menandatangani"]
    assert cert["penggunaan_kunci"] == ["digitalSignature", "nonRepudiation"]
    assert "documentSigning" in cert["penggunaan_kunci_lanjutan"]
    assert cert["titik_distribusi_crl"] == ["http://crl.contoh.invalid/a.crl"] and cert["peringatan"] == []
    [root] = cli.json("sertifikat", "lihat", made["akar"])["sertifikat"]
    assert root["ca"] is True and root["boleh_menandatangani"] is False and "keyCertSign" in root["penggunaan_kunci"]
    human = cli("sertifikat", "lihat", made["sertifikat"])
    assert human.exit_code == 0 and "Sisa hari" in human.stdout and "Kecamatan Arut Selatan" in human.stdout
    again = cli("sertifikat", "demo", str(tmp_path / "pki"))
    assert again.exit_code == 3 and "tidak ditimpa" in again.stderr
    bad = tmp_path / "bukan.pem"
    bad.write_text("bukan sertifikat\n")
    assert cli("sertifikat", "lihat", str(bad)).exit_code == 3


def test_lihat_p12_passphrase_sources(tmp_path: Path, cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key named on the command line is personal: typed at the terminal, never from a file or variable."""
    p12 = str(keys.pki.signer_p12)
    no_tty = cli("sertifikat", "lihat", p12, "--json")
    assert no_tty.exit_code == 4 and json.loads(no_tty.stdout)["error"]["kode"] == "LINGKUNGAN"
    assert "terminal" in no_tty.stderr
    good = secret_file(tmp_path / "sandi", SANDI, 0o600)
    from_file = cli("sertifikat", "lihat", p12, "--berkas-sandi", str(good))
    assert from_file.exit_code == 4 and "kunci pribadi" in from_file.stderr
    monkeypatch.setenv("SAKTI_SANDI", SANDI)
    from_variable = cli("sertifikat", "lihat", p12)
    assert from_variable.exit_code == 4 and "kunci pribadi" in from_variable.stderr
    monkeypatch.delenv("SAKTI_SANDI")
    typed(monkeypatch, "salah")
    wrong = cli("sertifikat", "lihat", p12)
    assert wrong.exit_code == 4 and "Sandi (passphrase) salah" in wrong.stderr
    assert "salah" not in wrong.stdout  # nothing of the passphrase on stdout
    typed(monkeypatch, SANDI)
    assert cli.json("sertifikat", "lihat", p12)["sertifikat"][0]["nama"] == "Kecamatan Arut Selatan (DEMO)"


def test_lihat_warns_before_expiry_and_flags_expired(tmp_path: Path, cli: Cli, keys: Keys,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    soon = make_demo_pki(tmp_path / "segera", valid_days=20)
    result = cli("sertifikat", "lihat", str(soon.signer_cert), "--json")
    assert result.exit_code == 0
    [cert] = json.loads(result.stdout)["sertifikat"]
    assert cert["sisa_hari"] in (19, 20) and cert["boleh_menandatangani"]
    assert cert["peringatan"] and "akan kedaluwarsa" in result.stderr
    typed(monkeypatch, SANDI)
    [old] = cli.json("sertifikat", "lihat", str(keys.expired_p12))["sertifikat"]
    assert old["status"] == "KEDALUWARSA" and not old["boleh_menandatangani"] and "kedaluwarsa" in old["alasan"]


def test_tandatangani_with_p12_outside_office(tmp_path: Path, cli: Cli, keys: Keys,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_pdf(tmp_path / "surat-luar.pdf")
    typed(monkeypatch, SANDI)
    signed = cli.json("tandatangani", str(src), "--sertifikat", str(keys.pki.signer_p12), "--alasan", "Uji")
    out = Path(signed["pdf"])
    assert out == tmp_path / "surat-luar-ttd.pdf" and signed["tingkat"] == "B-B" and signed["kolom"] == "TTE"
    [sig] = verify_pdf(out, [keys.pki.root_cert]).signatures
    assert sig.ok and sig.level == "B-B" and sig.signer == "Kecamatan Arut Selatan (DEMO)"
    assert pdfsig_verdict_ok(run_pdfsig(out, keys.nssdir))
    again = cli("tandatangani", str(src), "--sertifikat", str(keys.pki.signer_p12))
    assert again.exit_code == 3 and "sudah ada" in again.stderr  # an existing output is never overwritten


@pytest.mark.parametrize(("case", "code", "needle"), [
    ("sandi-salah", 4, "Sandi (passphrase) salah"),
    ("kedaluwarsa", 4, "kedaluwarsa"),
    ("berkas-sandi-terbuka", 4, "kunci pribadi"),
    ("tanpa-sandi", 4, "terminal"),
    ("bukan-pdf", 3, "bukan PDF"),
    ("dua-kunci", 3, "Pilih satu sumber kunci"),
    ("tsa-mati", 4, "TSA"),
])
def test_tandatangani_refusals_sign_nothing(tmp_path: Path, cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch,
                                            case: str, code: int, needle: str) -> None:
    src = make_pdf(tmp_path / "surat.pdf")
    out = tmp_path / "hasil.pdf"
    args = ["tandatangani", str(src), "-o", str(out), "--sertifikat", str(keys.pki.signer_p12)]
    if case != "tanpa-sandi":
        typed(monkeypatch, "salah" if case == "sandi-salah" else SANDI)
    if case == "kedaluwarsa":
        args[args.index(str(keys.pki.signer_p12))] = str(keys.expired_p12)
    elif case == "berkas-sandi-terbuka":
        args += ["--berkas-sandi", str(secret_file(tmp_path / "sandi", SANDI, 0o644))]
    elif case == "bukan-pdf":
        src.write_text("bukan PDF\n")
    elif case == "dua-kunci":
        args += ["--token", "sakti-uji"]
    elif case == "tsa-mati":
        args += ["--tsa", "http://127.0.0.1:9/tsa"]
    before = src.read_bytes()
    result = cli(*args, "--json")
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert needle in result.stderr and json.loads(result.stdout)["ok"] is False
    assert SANDI not in result.stdout + result.stderr  # the passphrase is never shown
    assert not out.exists() and src.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hasil")]


def test_paraf_then_camat_in_office_b_lt(tmp_path: Path, cli: Cli, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    root = office(tmp_path / "kantor", keys, tte_extra='crl = ["pki/demo-root.crl"]\n')
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    typed(monkeypatch, SANDI)  # the sekcam types the passphrase of the paraf
    src = make_pdf(tmp_path / "undangan.pdf")
    paraf = cli.json("tandatangani", str(src), "--penandatangan", "sekcam", "-o", str(tmp_path / "paraf.pdf"))
    assert paraf["tingkat"] == "B-B" and paraf["penandatangan"]["id"] == "sekcam"
    typed(monkeypatch, SANDI)
    final = cli.json("tandatangani", paraf["pdf"], "--penandatangan", "camat", "--tsa", keys.tsa_url,
                     "-o", str(tmp_path / "final.pdf"))
    assert final["tingkat"] == "B-LT" and final["kolom"] == "TTE_2"
    first, second = verify_pdf(Path(final["pdf"]), [keys.pki.root_cert]).signatures
    assert first.ok and second.ok and (first.level, second.level) == ("B-B", "B-LT")
    assert first.later == ["revisi 2: tanda tangan TTE_2", "revisi 3: data validasi (DSS)"]
    out = run_pdfsig(Path(final["pdf"]), keys.nssdir)
    assert out.count("Signature Validation:") == 2 and pdfsig_verdict_ok(out), out

    # verifikasi: both signatures fine, but this letter is not in the register
    report = cli.json("verifikasi", final["pdf"], code=1)
    assert report["register"] == "TIDAK_TERDAFTAR" and report["sah"] is False
    levels = [(s["kolom"], s["tingkat"], s["sah"], s["tsa"]) for s in report["tanda_tangan"]]
    assert levels == [("TTE", "B-B", True, None), ("TTE_2", "B-LT", True, "SAKTI Demo TSA")]
    assert "SAKTI Demo Root CA" in report["tanda_tangan"][1]["akar_tepercaya"]
    assert report["tanda_tangan"][1]["waktu_cap_waktu"]


def test_tsa_from_config_without_crl_is_b_t(tmp_path: Path, cli: Cli, keys: Keys,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = office(tmp_path / "kantor", keys, tte_extra=f'tsa = "{keys.tsa_url}"\n')
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    typed(monkeypatch, SANDI)
    result = cli("tandatangani", str(make_pdf(tmp_path / "a.pdf")), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["tingkat"] == "B-T" and "bukan B-LT" in result.stderr


def test_signing_warns_when_certificate_expires_soon(tmp_path: Path, cli: Cli, keys: Keys,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    soon = make_certificate_pair(now=now, root=keys.pair, signer_name="Plh. Camat (DEMO)",
                                 not_after=now + timedelta(days=12))
    p12 = tmp_path / "plh.p12"
    write_private(p12, pkcs12_bytes(soon, SANDI))
    typed(monkeypatch, SANDI)
    result = cli("tandatangani", str(make_pdf(tmp_path / "a.pdf")), "--sertifikat", str(p12), "--json")
    assert result.exit_code == 0, result.stderr
    assert "akan kedaluwarsa dalam 11 hari" in result.stderr or "akan kedaluwarsa dalam 12 hari" in result.stderr
    [sig] = verify_pdf(Path(json.loads(result.stdout)["pdf"]), [keys.pki.root_cert]).signatures
    assert sig.ok and sig.signer == "Plh. Camat (DEMO)"


def test_installed_entry_point_signs(tmp_path: Path, keys: Keys) -> None:
    """The real program in a subprocess: the office seal's passphrase through the environment, never argv."""
    import os
    import subprocess
    import sys

    src = make_pdf(tmp_path / "proses.pdf")
    root = office(tmp_path / "kantor", keys, seal=True)
    env = {**os.environ, "SAKTI_SANDI": SANDI, "SAKTI_KANTOR": str(root)}
    proc = subprocess.run([sys.executable, "-m", "sakti_cli", "tandatangani", str(src), "--penandatangan",
                           "camat", "--tsa", keys.tsa_url, "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["tingkat"] == "B-T" and "bukan B-LT" in proc.stderr  # no CRL stored: nothing for B-LT
    assert pdfsig_verdict_ok(run_pdfsig(Path(payload["pdf"]), keys.nssdir))


def test_key_revoked_by_office_crl_signs_nothing(tmp_path: Path, cli: Cli, keys: Keys,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.signatures.pki import make_crl

    root = office(tmp_path / "kantor", keys, tte_extra='crl = ["pki/dicabut.crl"]\n')
    (root / "pki" / "dicabut.crl").write_bytes(make_crl(keys.pair, datetime.now(UTC), revoked=[keys.pair.signer_cert],
                                                        number=2))
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    typed(monkeypatch, SANDI)
    out = tmp_path / "tidak-jadi.pdf"
    result = cli("tandatangani", str(make_pdf(tmp_path / "a.pdf")), "--penandatangan", "camat", "-o", str(out))
    assert result.exit_code == 4 and "dicabut menurut CRL kantor" in result.stderr
    assert not out.exists()
    # the sekcam's certificate is not on that CRL: still signs (B-B, no TSA)
    typed(monkeypatch, SANDI)
    ok = cli.json("tandatangani", str(make_pdf(tmp_path / "b.pdf")), "--penandatangan", "sekcam")
    assert ok["tingkat"] == "B-B"


def test_verifikasi_altered_and_untrusted_exit_1(tmp_path: Path, cli: Cli, keys: Keys,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = office(tmp_path / "kantor", keys, tte_extra='crl = ["pki/demo-root.crl"]\n')
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    typed(monkeypatch, SANDI)
    signed = Path(cli.json("tandatangani", str(make_pdf(tmp_path / "a.pdf")), "--tsa", keys.tsa_url)["pdf"])
    data = signed.read_bytes()
    at = data.index(b"SURAT KETERANGAN")
    altered = tmp_path / "diubah.pdf"
    altered.write_bytes(data[:at] + b"Z" + data[at + 1:])
    bad = cli.json("verifikasi", str(altered), code=1)
    assert bad["tanda_tangan"][0]["utuh"] is False
    assert any("diubah" in reason for reason in bad["alasan"])
    assert "Signature is Valid" not in run_pdfsig(altered, keys.nssdir)

    other = make_demo_pki(tmp_path / "lain")
    config = root / "sakti.toml"
    config.write_text(config.read_text().replace('akar_tepercaya = ["pki/demo-root.pem"]',
                                                 f'akar_tepercaya = ["{other.root_cert}"]'))
    untrusted = cli("verifikasi", str(signed))
    assert untrusted.exit_code == 1 and "akar tepercaya" in untrusted.stdout


def test_secret_from_prompt_names_the_owner(keys: Keys) -> None:
    from sakti_cli.signatures.keys import KeySpec, get_secret

    asked: list[str] = []
    spec = KeySpec("pkcs12", "Camat Arut Selatan (Drs. X)", "VARIABEL_YANG_TIDAK_ADA", None, p12=keys.pki.signer_p12)
    assert get_secret(spec, lambda label: asked.append(label) or SANDI) == SANDI.encode()
    assert asked == ["Sandi kunci Camat Arut Selatan (Drs. X)"]
    token = KeySpec("pkcs11", "'sakti-uji'", "VARIABEL_YANG_TIDAK_ADA", None, module="x")
    get_secret(token, lambda label: asked.append(label) or "1234")
    assert asked[-1] == "PIN token 'sakti-uji'"
