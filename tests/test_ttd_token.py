"""Signing with a PKCS#11 token: SoftHSM2 (a real token implementation) holds the demo key.

The token lives in this module's temporary SOFTHSM2_CONF. SoftHSM reads that variable once, when
the library is first loaded in a process, so the token tests stay in this one module.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import Cli
from pki_helpers import CERTUTIL, PDFSIG, make_nss_db, make_pdf, pdfsig_verdict_ok, run_pdfsig

from sakti_cli.signatures.pki import DemoPki, DemoTsa, make_certificate_pair, make_tsa_certificate, write_demo_pki
from sakti_cli.signatures.validate import verify_pdf

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SOFTHSM_UTIL = shutil.which("softhsm2-util")
TOKEN, PIN, SO_PIN, KEY_LABEL = "sakti-uji", "4821", "82619374", "camat"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SOFTHSM_UTIL and Path(MODULE).is_file()), reason="SoftHSM2 (softhsm2) missing"),
    pytest.mark.skipif(not (PDFSIG and CERTUTIL), reason="poppler-utils/libnss3-tools missing"),
]


@dataclass
class Token:
    work: Path
    pki: DemoPki
    tsa_url: str
    nssdir: str


def _put_on_token(key_pem: Path, cert_der: bytes) -> None:
    """Key with softhsm2-util (as an office would), certificate with python-pkcs11 (softhsm2-util has
    no certificate import), both under the label KEY_LABEL and id 01."""
    assert SOFTHSM_UTIL
    subprocess.run([SOFTHSM_UTIL, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True)
    subprocess.run([SOFTHSM_UTIL, "--import", str(key_pem), "--token", TOKEN, "--label", KEY_LABEL, "--id", "01",
                    "--pin", PIN], check=True, capture_output=True)
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.x509 import decode_x509_certificate

    token = pkcs11.lib(MODULE).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        attrs = decode_x509_certificate(cert_der)
        attrs.update({Attribute.LABEL: KEY_LABEL, Attribute.ID: b"\x01", Attribute.TOKEN: True})
        session.create_object(attrs)


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    work = tmp_path_factory.mktemp("token")
    (work / "tokens").mkdir()
    conf = work / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {work / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    saved = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    now = datetime.now(UTC)
    pair = make_certificate_pair(now=now, signer_name="Camat Arut Selatan (TOKEN DEMO)")
    pki = write_demo_pki(work / "pki", pair, "tidak-dipakai", now=now)
    key_pem = work / "kunci.pem"
    key_pem.write_bytes(pair.signer_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    _put_on_token(key_pem, pair.signer_cert.public_bytes(Encoding.DER))
    key_pem.unlink()  # the key now exists only on the token
    tsa_key, tsa_cert = make_tsa_certificate(pair, now=now)
    try:
        with DemoTsa(tsa_key, tsa_cert, [pair.root_cert]) as url:
            yield Token(work, pki, url, make_nss_db(work / "nss", pki.root_cert))
    finally:
        if saved is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = saved


def token_args(src: Path, out: Path, *extra: str) -> list[str]:
    return ["tandatangani", str(src), "-o", str(out), "--token", TOKEN, "--modul", MODULE,
            "--label-kunci", KEY_LABEL, *extra]


def typed(monkeypatch: pytest.MonkeyPatch, pin: str) -> None:
    """The token's holder types the PIN at the (injected) prompt: a personal token takes no other."""
    monkeypatch.setattr("sakti_cli.cli.state.PASSPHRASE_PROMPTER", lambda label: pin)


def test_sign_with_token_pin_typed(tmp_path: Path, cli: Cli, token: Token, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKTI_PIN", PIN)
    refused = cli(*token_args(make_pdf(tmp_path / "a.pdf"), tmp_path / "x.pdf"))
    assert refused.exit_code == 4 and "kunci pribadi" in refused.stderr  # never from SAKTI_PIN
    monkeypatch.delenv("SAKTI_PIN")
    typed(monkeypatch, PIN)
    out = tmp_path / "token.pdf"
    result = cli.json(*token_args(make_pdf(tmp_path / "a.pdf"), out))
    assert result["tingkat"] == "B-B" and result["penandatangan"]["nama"] == "Camat Arut Selatan (TOKEN DEMO)"
    [sig] = verify_pdf(out, [token.pki.root_cert]).signatures
    assert sig.ok and sig.level == "B-B"
    assert pdfsig_verdict_ok(run_pdfsig(out, token.nssdir))


@pytest.mark.parametrize(("change", "needle"), [
    ({"pin": "0000"}, f"PIN token '{TOKEN}' salah"),
    ({"token": "token-lain"}, "tidak ditemukan"),
    ({"label": "bukan-kunci"}, "tidak ditemukan"),
    ({"modul": "/tidak/ada/libp11.so"}, "Modul PKCS#11"),
])
def test_token_refusals_exit_4(tmp_path: Path, cli: Cli, token: Token, monkeypatch: pytest.MonkeyPatch,
                               change: dict[str, str], needle: str) -> None:
    typed(monkeypatch, change.get("pin", PIN))
    src = make_pdf(tmp_path / "a.pdf")
    out = tmp_path / "tidak-jadi.pdf"
    args = ["tandatangani", str(src), "-o", str(out), "--token", change.get("token", TOKEN),
            "--modul", change.get("modul", MODULE), "--label-kunci", change.get("label", KEY_LABEL), "--json"]
    result = cli(*args)
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert needle in result.stderr and json.loads(result.stdout)["ok"] is False
    assert change.get("pin", PIN) not in result.stdout + result.stderr  # the PIN is never shown
    assert not out.exists()


def test_token_signatory_from_office_b_lt(tmp_path: Path, cli: Cli, token: Token,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    shutil.copy(token.pki.root_cert, ws.root / "pki" / "demo-root.pem")
    shutil.copy(token.pki.crl, ws.root / "pki" / "demo-root.crl")
    pin_file = tmp_path / "pin-camat"
    pin_file.write_text(PIN + "\n")
    pin_file.chmod(0o600)
    config = ws.root / "sakti.toml"
    text = config.read_text().replace(
        'kunci = { jenis = "pkcs12", berkas = "pki/camat.p12" }',
        f'kunci = {{ jenis = "pkcs11", modul = "{MODULE}", token = "{TOKEN}", label_kunci = "{KEY_LABEL}" }}',
    ).replace('variabel_sandi = "SAKTI_SANDI"\n', 'variabel_sandi = "SAKTI_SANDI"\ncrl = ["pki/demo-root.crl"]\n', 1)
    config.write_text(text)
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    typed(monkeypatch, PIN)
    out = tmp_path / "token-lt.pdf"
    result = cli.json("tandatangani", str(make_pdf(tmp_path / "b.pdf")), "--penandatangan", "camat",
                      "--tsa", token.tsa_url, "-o", str(out))
    assert result["tingkat"] == "B-LT"
    [sig] = verify_pdf(out, [token.pki.root_cert]).signatures
    assert sig.ok and sig.level == "B-LT" and sig.tsa == "SAKTI Demo TSA"
    assert pdfsig_verdict_ok(run_pdfsig(out, token.nssdir))

    # the camat's token is personal: a PIN file is refused before the token is touched
    config.write_text(text.replace(f'label_kunci = "{KEY_LABEL}" }}', f'label_kunci = "{KEY_LABEL}", '
                                   f'berkas_sandi = "{pin_file}" }}'))
    refused = cli("tandatangani", str(make_pdf(tmp_path / "c.pdf")), "--penandatangan", "camat",
                  "-o", str(tmp_path / "c-ttd.pdf"))
    assert refused.exit_code == 4 and "kunci pribadi" in refused.stderr and str(pin_file) in refused.stderr
    assert not (tmp_path / "c-ttd.pdf").exists()
