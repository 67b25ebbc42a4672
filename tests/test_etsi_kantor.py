"""No root is shipped as trusted, and ``kantor periksa`` judges the roots an office configures: each one a CA
certificate, self-signed and valid (the BSrE signatory's root: tests/test_etsi_bsre.py)."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO, Cli, Pki
from etsi_certs import write_cert
from test_kantor_periksa import findings, office


def test_package_ships_no_trusted_root(tmp_path: Path, cli: Cli) -> None:
    """No certificate in the package (PEM or DER, any name), and a new office trusts nothing until its own
    configuration names the roots (docs/PANDUAN-KANTOR.md, Akar BSrE)."""
    from cryptography import x509

    shipped = []
    for path in (REPO / "sakti_cli").rglob("*"):
        if not path.is_file() or path.suffix == ".pyc":
            continue
        data = path.read_bytes()
        if b"BEGIN CERTIFICATE" in data:  # PEM, also inside Python source
            shipped.append(path)
            continue
        try:
            x509.load_der_x509_certificate(data)
            shipped.append(path)
        except ValueError:
            pass
    assert not shipped, shipped
    from sakti_cli.office.workspace import OfficeSetup, Verification

    assert Verification().akar_tepercaya == [] and OfficeSetup.__dataclass_fields__["akar_tepercaya"].default == ()


def test_roots_not_ca_expired_or_not_self_signed(tmp_path: Path, cli: Cli, demo_pki: Pki) -> None:
    root = office(tmp_path / "kantor", demo_pki)
    bad = {"bukan-ca.pem": {"ca": False}, "lama.pem": {"days": (-800, -10)},
           "perantara.pem": {"issuer": "Root CA Entah"}}
    for name, options in bad.items():
        write_cert(root / "pki" / name, f"Uji {name}", **options)  # type: ignore[arg-type]
    toml = root / "sakti.toml"
    listed = ", ".join(f'"pki/{name}"' for name in bad)
    toml.write_text(toml.read_text().replace('akar_tepercaya = ["pki/akar.pem"]',
                                             f'akar_tepercaya = ["pki/akar.pem", {listed}]'))
    found = findings(cli, root, 1)
    assert found["AKAR_BUKAN_CA"]["tingkat"] == "galat" and "bukan-ca.pem" in found["AKAR_BUKAN_CA"]["pesan"]
    assert found["AKAR_KEDALUWARSA"]["tingkat"] == "galat" and "lama.pem" in found["AKAR_KEDALUWARSA"]["pesan"]
    not_root = found["AKAR_BUKAN_SWATANDA"]
    assert not_root["tingkat"] == "peringatan" and "perantara.pem" in not_root["pesan"]
    assert "Root CA Entah" in not_root["pesan"]
    assert set(found) == {"AKAR_BUKAN_CA", "AKAR_KEDALUWARSA", "AKAR_BUKAN_SWATANDA"}  # the demo root is fine
    human = cli("--kantor", str(root), "kantor", "periksa")
    assert human.exit_code == 1 and "bukan sertifikat CA" in human.stdout + human.stderr
