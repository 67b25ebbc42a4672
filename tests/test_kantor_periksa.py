"""``sakti kantor periksa`` and the signing checks it shares with ``terbitkan``: keys, certificates (valid,
for signing, chained to the office's roots, named as the signatory), roots, URL, desa. No LibreOffice."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIXED_TIME, Cli, Pki, example
from pki_helpers import around_both_clocks

from sakti_cli.office.workspace import OfficeSetup, SignatorySetup, create_workspace, init_workspace
from sakti_cli.signatures.pki import make_certificate_pair, pkcs12_bytes, write_private

REAL_URL = "https://cek.arutselatan.kotawaringinbaratkab.go.id/cek/{kode}"
CAMAT = 'kunci = { jenis = "pkcs12", berkas = "pki/camat.p12" }'


def office(root: Path, demo_pki: Pki, *, url: str = REAL_URL, desa: tuple = (("Mendawai", "kelurahan"),),
           nama: str = "Drs. H. AHMAD YANI, M.Si", certificate: Path | None = None, sifat: str = "segel") -> Path:
    """An office with one signatory holding the run's demo key, its certificate named in kunci.sertifikat
    (the demo key is the office's seal: its certificate names the office)."""
    setup = OfficeSetup(
        kabupaten="Kotawaringin Barat", kecamatan="Arut Selatan", alamat="Jl. Sutan Syahrir No. 1",
        tempat="Pangkalan Bun", kode_unit="ARSEL", desa=desa, url_verifikasi=url,
        akar_tepercaya=("pki/akar.pem",),
        penandatangan=(SignatorySetup("camat", "definitif", "Camat Arut Selatan", nama, kunci=(
            ("jenis", "pkcs12"), ("berkas", "pki/camat.p12"), ("sertifikat", "pki/camat.pem")), sifat=sifat),),
    )
    ws = create_workspace(root, setup)
    shutil.copy(demo_pki.signer_p12, ws.root / "pki" / "camat.p12")
    shutil.copy(demo_pki.root_cert, ws.root / "pki" / "akar.pem")
    shutil.copy(certificate or demo_pki.root_cert.parent / "demo-signer.pem", ws.root / "pki" / "camat.pem")
    return ws.root


def findings(cli: Cli, root: Path, code: int) -> dict[str, dict]:
    payload = cli.json("--kantor", str(root), "kantor", "periksa", code=code)
    assert payload["jumlah_galat"] == sum(1 for f in payload["temuan"] if f["tingkat"] == "galat")
    for item in payload["temuan"]:
        assert set(item) == {"kode", "tingkat", "pesan", "saran"} and item["tingkat"] in ("galat", "peringatan")
        assert item["pesan"] and item["saran"]
    return {item["kode"]: item for item in payload["temuan"]}


def test_good_office_passes(tmp_path: Path, cli: Cli, demo_pki: Pki) -> None:
    root = office(tmp_path / "kantor", demo_pki)
    assert findings(cli, root, 0) == {}
    human = cli("--kantor", str(root), "kantor", "periksa")
    assert human.exit_code == 0 and "Kantor siap" in human.stdout


def test_missing_key_placeholder_url_and_no_desa(tmp_path: Path, cli: Cli, demo_pki: Pki) -> None:
    root = office(tmp_path / "kantor", demo_pki, url="https://verifikasi.kantor-anda.example/cek/{kode}", desa=())
    (root / "pki" / "camat.p12").unlink()
    found = findings(cli, root, 1)
    assert {"KUNCI_TIDAK_ADA", "URL_CONTOH", "DESA_KOSONG"} <= set(found)
    assert all(found[k]["tingkat"] == "galat" for k in ("KUNCI_TIDAK_ADA", "URL_CONTOH", "DESA_KOSONG"))
    assert "camat.p12" in found["KUNCI_TIDAK_ADA"]["pesan"] and "[verifikasi].url" in found["URL_CONTOH"]["saran"]
    human = cli("--kantor", str(root), "kantor", "periksa")
    assert human.exit_code == 1 and "[verifikasi].url" in human.stdout.replace("\n", " ").replace("│", "")


@pytest.fixture(scope="module")
def other_names() -> dict[str, bytes]:
    """Certificates the checks must catch: an openssl-style self-signed one (CA:TRUE, no key usage) and one
    issued to somebody else, all valid around both clocks."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12
    from cryptography.x509.oid import NameOID

    start, end = around_both_clocks(FIXED_TIME)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Camat Arut Selatan")])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    selfsigned = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                  .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
                  .add_extension(ski, critical=False)
                  .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
                  .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                  .sign(key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"openssl", key, selfsigned, None, BestAvailableEncryption(b"demo"))
    pair = make_certificate_pair(now=start, not_after=end, signer_name="BUDI SANTOSO", root_key_size=2048)
    return {"selfsigned.pem": selfsigned.public_bytes(Encoding.PEM), "selfsigned.p12": p12,
            "budi.pem": pair.signer_cert.public_bytes(Encoding.PEM), "budi.p12": pkcs12_bytes(pair, "demo"),
            "budi-root.pem": pair.root_cert.public_bytes(Encoding.PEM)}


def test_certificate_of_someone_else_is_a_warning(tmp_path: Path, cli: Cli, demo_pki: Pki,
                                                  other_names: dict[str, bytes]) -> None:
    root = office(tmp_path / "kantor", demo_pki, sifat="pribadi")  # a person's key: its name is compared
    write_private(root / "pki" / "camat.pem", other_names["budi.pem"])
    write_private(root / "pki" / "akar.pem", other_names["budi-root.pem"])
    found = findings(cli, root, 0)
    assert set(found) == {"SERTIFIKAT_NAMA_BERBEDA"} and found["SERTIFIKAT_NAMA_BERBEDA"]["tingkat"] == "peringatan"
    assert "BUDI SANTOSO" in found["SERTIFIKAT_NAMA_BERBEDA"]["pesan"]
    # the root it needs is not the office's: an error, and the name is still said
    shutil.copy(demo_pki.root_cert, root / "pki" / "akar.pem")
    assert {"SERTIFIKAT_TIDAK_BERANTAI", "SERTIFIKAT_NAMA_BERBEDA"} <= set(findings(cli, root, 1))


def register_files(root: Path) -> dict[str, str]:
    folder = root / "data" / "register"
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".kunci")}


def test_selfsigned_certificate_refused_by_periksa_lihat_and_terbitkan(
        tmp_path: Path, cli: Cli, other_names: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    ws = init_workspace(tmp_path / "kantor")  # the example office: its SKTM example registers here
    for name in ("selfsigned.p12", "selfsigned.pem"):
        write_private(ws.root / "pki" / name, other_names[name])
    # what an office does with an openssl certificate: it signs with it and trusts it as its own root
    config = ws.root / "sakti.toml"
    config.write_text(config.read_text().replace(CAMAT, CAMAT.replace(
        '"pki/camat.p12" }', '"pki/selfsigned.p12", sertifikat = "pki/selfsigned.pem" }'))
        .replace('akar_tepercaya = ["pki/demo-root.pem"]', 'akar_tepercaya = ["pki/selfsigned.pem"]'))
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    monkeypatch.setattr("sakti_cli.cli.state.PASSPHRASE_PROMPTER", lambda label: "demo")  # the camat types it

    found = findings(cli, ws.root, 1)
    assert found["SERTIFIKAT_CA"]["tingkat"] == "galat" and "'camat'" in found["SERTIFIKAT_CA"]["pesan"]
    assert found["SERTIFIKAT_PENGGUNAAN_KUNCI"]["tingkat"] == "galat"
    [seen] = cli.json("sertifikat", "lihat", str(ws.root / "pki" / "selfsigned.pem"))["sertifikat"]
    assert seen["boleh_menandatangani"] is False and "CA" in seen["alasan"]

    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    assert cli.json("periksa", reg)["status"] == "LENGKAP"
    before = register_files(ws.root)
    refused = cli("terbitkan", reg, "--json")
    assert refused.exit_code == 4, refused.stdout
    assert "sertifikat CA" in refused.stderr and "KUNCI_TTE" in refused.stdout
    assert register_files(ws.root) == before  # refused before a number was reserved
    assert cli.json("status", reg)["status"] == "LENGKAP"


def test_signing_refuses_a_key_that_is_not_the_configured_certificate(
        tmp_path: Path, cli: Cli, demo_pki: Pki, other_names: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pki_helpers import make_pdf

    root = office(tmp_path / "kantor", demo_pki)
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    pdf = make_pdf(tmp_path / "surat.pdf")
    assert cli.json("tandatangani", str(pdf), "--penandatangan", "camat")["tingkat"] == "B-B"
    write_private(root / "pki" / "camat.pem", other_names["budi.pem"])  # the .p12 is no longer that certificate
    refused = cli("tandatangani", str(pdf), "--penandatangan", "camat", "-o", str(tmp_path / "lagi.pdf"))
    assert refused.exit_code == 4 and "kunci.sertifikat" in refused.stderr
    assert not (tmp_path / "lagi.pdf").exists()


def test_expired_certificate_found_without_passphrase(tmp_path: Path, cli: Cli, demo_pki: Pki) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    now = datetime.now(UTC)
    old = make_certificate_pair(now=now, not_before=now - timedelta(days=900), not_after=now - timedelta(days=800),
                                signer_name="Camat Arut Selatan", root_key_size=2048)
    root = office(tmp_path / "kantor", demo_pki)
    write_private(root / "pki" / "camat.pem", old.signer_cert.public_bytes(Encoding.PEM))
    write_private(root / "pki" / "akar.pem", old.root_cert.public_bytes(Encoding.PEM))
    assert "SERTIFIKAT_KEDALUWARSA" in findings(cli, root, 1)


def test_fonts_libreoffice_token_and_old_desa(tmp_path: Path, cli: Cli, demo_pki: Pki,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.office.doctor import check_office
    from sakti_cli.office.workspace import find_workspace

    root = office(tmp_path / "kantor", demo_pki)
    config = root / "sakti.toml"
    text = config.read_text().replace('{ nama = "Mendawai", jenis = "kelurahan" },', '"Mendawai",')
    config.write_text(text.replace(CAMAT.replace(" }", ', sertifikat = "pki/camat.pem" }'),
                                   'kunci = { jenis = "pkcs11", modul = "/tidak/ada/libtoken.so", token = "camat", '
                                   'label_kunci = "signer", sertifikat = "pki/camat.pem" }'))
    monkeypatch.setenv("SAKTI_SOFFICE", str(tmp_path / "tidak-ada" / "soffice"))
    listed = check_office(find_workspace(root), fonts=lambda: {"dejavu sans"})
    found = {f.kode: f for f in listed}
    assert found["DESA_TANPA_JENIS"].tingkat == "peringatan" and "Mendawai" in found["DESA_TANPA_JENIS"].pesan
    assert found["MODUL_TIDAK_ADA"].tingkat == "galat" and "libtoken.so" in found["MODUL_TIDAK_ADA"].pesan
    assert found["LIBREOFFICE_TIDAK_ADA"].tingkat == "galat"
    fonts_missing = " ".join(f.pesan for f in listed if f.kode == "FONT_TIDAK_ADA" and f.tingkat == "galat")
    assert "Bookman Old Style atau TeX Gyre Bonum" in fonts_missing and "Liberation Mono" in fonts_missing
    # the fonts the bundled templates need, once installed, are enough
    fonts = {"tex gyre bonum", "liberation mono", "liberation sans"}
    assert "FONT_TIDAK_ADA" not in {f.kode for f in check_office(find_workspace(root), fonts=lambda: fonts)}
