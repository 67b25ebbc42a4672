"""The footer states only what is true of the certificate that signed: the BSrE sentence only for BSrE,
any other issuer by its name, a neutral sentence while the certificate is not known (the signing queue),
and a red "CONTOH - TIDAK BERLAKU" on every letter signed with a demo certificate."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from sakti_cli.office.workspace import find_workspace
from sakti_cli.signatures.sign import certificate_issuer

MARK = "CONTOH - TIDAK BERLAKU"
BSRE = "Balai Besar Sertifikasi Elektronik"
NEUTRAL = "Dokumen ini ditandatangani secara elektronik"


def make_cert(issuer_org: str, issuer_cn: str, subject_cn: str) -> Any:
    """A leaf certificate issued by a CA of the given names (EC keys: fast)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn: str, org: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return (x509.CertificateBuilder().subject_name(name(subject_cn, "Pemerintah Kabupaten Kotawaringin Barat"))
            .issuer_name(name(issuer_cn, issuer_org)).public_key(key.public_key()).serial_number(7)
            .not_valid_before(start).not_valid_after(start + timedelta(days=3650))
            .sign(ca_key, hashes.SHA256()))


def pdf_text(pdf: Path | str) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(str(pdf)).pages)


def test_issuer_decides_the_sentence(kantor: Path, demo_pki: Any) -> None:
    from sakti_cli.issuance.context import tte_context
    from sakti_cli.signatures.sign import read_certificates

    ws = find_workspace(kantor)
    bsre = tte_context(ws, certificate_issuer(make_cert(BSRE, "OSD BSrE G2", "AHMAD YANI")))
    assert bsre["catatan"] == ws.config.tte.catatan and bsre["penerbit"] == BSRE and bsre["contoh"] is False
    other = tte_context(ws, certificate_issuer(make_cert("Dinas Kominfo Kotawaringin Barat", "CA Kominfo", "X")))
    assert "Dinas Kominfo Kotawaringin Barat" in other["catatan"] and "BSrE" not in other["catatan"]
    assert other["contoh"] is False and other["tanda_contoh"] == ""
    [signer_cert] = read_certificates(demo_pki.signer_p12.with_suffix(".pem"))
    demo = tte_context(ws, certificate_issuer(signer_cert))
    assert demo["contoh"] is True and demo["tanda_contoh"] == MARK
    assert "(DEMO)" in demo["catatan"] and "BSrE" not in demo["catatan"]
    # a certificate that only claims BSrE in a demo's name is still a demo, never the official sentence
    fake = tte_context(ws, certificate_issuer(make_cert("BSrE (DEMO)", "BSrE demo", "X")))
    assert fake["contoh"] is True and fake["catatan"] != ws.config.tte.catatan
    assert tte_context(ws, None)["catatan"] == NEUTRAL


def _set_certificate(kantor: Path, path: str | None) -> None:
    toml = kantor / "sakti.toml"
    text = toml.read_text()
    old = 'kunci = { jenis = "pkcs12", berkas = "pki/camat.p12"'
    start = text.index(old)
    end = text.index("}", start)
    extra = f', sertifikat = "{path}" ' if path else " "
    toml.write_text(text[:start] + old + extra + text[end:])


def _queued(cli: Cli, registered: Callable[..., str]) -> dict[str, Any]:
    reg = registered()
    cli.json("periksa", reg)
    return cli.json("terbitkan", reg, "--tanpa-ttd")


def test_queue_footer_is_neutral_then_checked_at_signing(kantor: Path, cli: Cli, registered: Callable[..., str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """No kunci.sertifikat: the prepared letter names no issuer and has no mark; signing it with a demo
    key would make an unmarked demo letter, so ttd setujui refuses before signing."""
    prepared = _queued(cli, registered)
    assert any("kunci.sertifikat" in w for w in prepared["peringatan"]), prepared
    text = pdf_text(prepared["pdf"])
    # the fixture's key is the office seal: the neutral sentence says the letter is sealed
    sealed = NEUTRAL.replace("ditandatangani secara elektronik", "dibubuhi segel elektronik kantor")
    assert sealed in text and "diterbitkan oleh" not in text and MARK not in text and BSRE not in text
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    result = cli("ttd", "setujui", prepared["nomor_surat"], "--json")
    assert result.exit_code != 0, result.stdout
    [failed] = json.loads(result.stdout)["gagal"]
    assert MARK in failed["error"]["pesan"] and "sertifikat demo" in failed["error"]["pesan"]
    assert failed["status"] == "MENUNGGU_TTD" and "ttd kembalikan" in failed["error"]["saran"]
    assert cli.json("status", prepared["nomor_registrasi"])["status"] == "MENUNGGU_TTD"


def test_queue_footer_names_the_configured_issuer(kantor: Path, cli: Cli, registered: Callable[..., str],
                                                  demo_pki: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """kunci.sertifikat names a BSrE certificate: the footer says BSrE; a key of another issuer (the
    certificate line changed after preparing) is refused at ttd setujui, naming both issuers."""
    from cryptography.hazmat.primitives.serialization import Encoding

    (kantor / "pki" / "bsre.pem").write_bytes(make_cert(BSRE, "OSD BSrE G2", "AHMAD YANI").public_bytes(Encoding.PEM))
    _set_certificate(kantor, "pki/bsre.pem")
    prepared = _queued(cli, registered)
    text = pdf_text(prepared["pdf"])
    assert BSRE in text and MARK not in text
    shutil.copy(demo_pki.signer_p12.with_suffix(".pem"), kantor / "pki" / "camat.pem")
    _set_certificate(kantor, "pki/camat.pem")
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    result = cli("ttd", "setujui", prepared["nomor_surat"], "--json")
    [failed] = json.loads(result.stdout)["gagal"]
    assert BSRE in failed["error"]["pesan"] and "Kecamatan Arut Selatan (DEMO)" in failed["error"]["pesan"]
    assert failed["error"]["kode"] == "KUNCI_TTE"
    assert json.loads(result.stdout)["ditandatangani"] == []
