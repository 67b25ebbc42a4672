"""Registers for the verification-site tests: applications registered through the CLI, letters recorded
TERBIT through the register's own steps (reserve_number, record_issued) with a small PDF instead of
LibreOffice and a signature (the site reads only the register: number, state, digests), voids through
``sakti batalkan`` and renewals as the register records them (``revisi``, see letters.letter_digests)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from conftest import FIXED_TIME, REPO, Cli

ENV = {"SAKTI_WAKTU": FIXED_TIME, "SAKTI_LEBAR": "200", "COLUMNS": "200"}


def office(root: Path) -> Path:
    """The example office (Arut Selatan) in ``root``, without keys or LibreOffice."""
    from sakti_cli.office.workspace import init_workspace

    return init_workspace(root).root


def run(cli: Cli, root: Path, *args: str, code: int = 0) -> dict[str, Any]:
    return cli.json(*args, code=code, env={**ENV, "SAKTI_KANTOR": str(root)})


def complete_application(cli: Cli, root: Path, example: str = "sktm") -> str:
    """A bundled example registered and checked: LENGKAP."""
    reg = str(run(cli, root, "daftar", "sktm", "--data", str(REPO / "contoh" / example / "pemohon.json"))
              ["nomor_registrasi"])
    run(cli, root, "periksa", reg)
    return reg


def small_pdf(text: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fake_issue(root: Path, reg: str, pdf: bytes) -> dict[str, Any]:
    """The register steps of ``terbitkan`` (reserve, then record TERBIT with the PDF's SHA-256)."""
    from sakti_cli.issuance.steps import record_issued
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.letters import reserve_number
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.sop import load_service

    ws = find_workspace(root)
    register = open_register(ws.register_dir, zone=ws.zone)
    person = ws.signatory(None)
    signer = {"id": person.id, "nama": person.nama, "jabatan": person.jabatan, "peran": person.peran}
    with register.transaction() as txn:
        reserved = reserve_number(txn, ws, load_service(ws.sop_dir, "sktm"), reg, signer)
    final = ws.letters_dir / f"{reserved['id']}.pdf"
    final.write_bytes(pdf)
    with register.transaction() as txn:
        letter, problem = record_issued(txn, ws, reserved, reg, final, hashlib.sha256(pdf).hexdigest(), person.id)
    assert problem is None, problem
    return letter


def add_revision(root: Path, number: str, pdf: bytes, moment: str = "2026-11-23T10:00:00+07:00") -> None:
    """A renewal (``ttd perbarui``) as the register records it: a later revision's SHA-256 in ``revisi``,
    indexed so a lookup by digest finds the letter."""
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.register.letters import find_letter
    from sakti_cli.register.upkeep import open_register

    ws = find_workspace(root)
    digest = hashlib.sha256(pdf).hexdigest()
    with open_register(ws.register_dir, zone=ws.zone).transaction() as txn:
        letter = find_letter(txn, number=number)
        assert letter is not None
        letter.setdefault("revisi", []).append({"sha256": digest, "waktu": moment, "jenis": "perbarui"})
        txn.save_letter(letter)  # indexes the digest too


def renewed(pdf: bytes) -> bytes:
    """The renewed revision of a letter: the same bytes and an incremental update after them."""
    return pdf + b"\n% revisi: cap waktu dokumen baru\n"


def standard_register(base: Path) -> dict[str, Any]:
    """The register both site tests build: a valid letter renewed once, a voided letter and the letter
    replacing it (clock fixed at FIXED_TIME, folders in ``base``)."""
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAKTI_WAKTU", FIXED_TIME)
        patch.chdir(base)
        root = office(base / "kantor")
        cli = Cli()
        first, second = complete_application(cli, root), complete_application(cli, root)
        valid = fake_issue(root, first, small_pdf("asli"))
        voided = fake_issue(root, second, small_pdf("batal"))
        run(cli, root, "batalkan", voided["nomor_surat"], "--alasan", "salah ketik tanggal lahir")
        replacing = fake_issue(root, second, small_pdf("pengganti"))
        add_revision(root, valid["nomor_surat"], renewed(small_pdf("asli")))
    return {"root": root, "valid": valid, "voided": voided, "replacing": replacing}
