"""The printed receipt (tanda terima) on registration and its reprint: a real PDF, no full NIK."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import REPO, Cli, example

SKTM_NIK = "6201025403850003"  # contoh/sktm


def _text(pdf: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_receipt_on_registration_and_reprint(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    examples = _tree_hash(REPO / "contoh" / "sktm")
    target = tmp_path / "tanda-terima.pdf"
    done = cli.json("daftar", "sktm", "--data", str(example("sktm")), "--tanda-terima", str(target))
    reg = done["nomor_registrasi"]
    assert done["tanda_terima"] == str(target.resolve())
    assert target.stat().st_mode & 0o777 == 0o600  # it names a person
    text = _text(target)
    for expected in (reg, "TANDA TERIMA", "Arut Selatan", "Rusmini", "Surat Keterangan Tidak Mampu",
                     "Kartu Keluarga", "kk.jpg", "15 sampai 60 menit", "6201********0003"):
        assert expected in text, expected
    assert SKTM_NIK not in text.replace(" ", "").replace("\n", "")

    again = tmp_path / "ulang.pdf"
    reprint = cli("pesan", reg, "--tanda-terima", str(again))
    assert reprint.exit_code == 0 and str(again) in reprint.stderr
    assert reg in _text(again)
    assert _tree_hash(REPO / "contoh" / "sktm") == examples  # nothing outside the workspace changed


def test_receipt_needs_a_pdf_name(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    result = cli("pesan", reg, "--tanda-terima", str(tmp_path / "tanda.txt"), "--json")
    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert "tanda.txt" in error["pesan"] and ".pdf" in error["saran"]
    assert not (tmp_path / "tanda.txt").exists()
