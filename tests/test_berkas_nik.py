"""Requirement-file checks (sakti_cli.services.rules.berkas) and NIK/KK rules (sakti_cli.core.nik)."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import date
from pathlib import Path

import pytest

from sakti_cli.core.errors import FileUnreadable
from sakti_cli.core.nik import NikInfo, check_nik_consistency, normalise_nik, parse_kk, parse_nik
from sakti_cli.services.rules.berkas import FileCheck, check_file, detect_kind, format_size

ROOT = Path(__file__).resolve().parent.parent
CONTOH = ROOT / "contoh"
TODAY = date(2026, 11, 22)


# --- builders ------------------------------------------------------------------------------------------


def pdf_bytes(
    pages: int = 1, padding: int = 0, user_password: str | None = None, owner_only: bool = False
) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream

    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(595, 842)
        if padding:
            content = ContentStream(None, writer)
            content.set_data(b"% " + b"x" * padding + b"\n")
            page.replace_contents(content)
    if user_password is not None:
        writer.encrypt(user_password, "pemilik", algorithm="AES-128")
    elif owner_only:
        writer.encrypt("", "pemilik", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (64, 40)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (200, 220, 240))
    ImageDraw.Draw(image).rectangle([5, 5, size[0] - 5, size[1] - 5], outline=(200, 0, 0), width=3)
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=85) if fmt == "JPEG" else image.save(buffer, fmt)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("Surat pernyataan")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def heic_header(major: bytes = b"heic", compatible: tuple[bytes, ...] = (b"mif1", b"heic")) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    box = (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body
    return box + b"\x00\x00\x00\x08meta" + b"\x00" * 64


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- detect_kind ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "builder", "expected"),
    [
        ("a.pdf", lambda: pdf_bytes(), "pdf"),
        ("a.jpg", lambda: image_bytes("JPEG"), "jpeg"),
        ("a.png", lambda: image_bytes("PNG"), "png"),
        ("a.webp", lambda: image_bytes("WEBP"), "webp"),
        ("a.heic", lambda: heic_header(), "heic"),
        ("a.heif", lambda: heic_header(b"mif1", (b"mif1", b"heif")), "heic"),
        ("a.docx", docx_bytes, "docx"),
    ],
)
def test_detect_kind_by_content(tmp_path: Path, name: str, builder, expected: str) -> None:
    assert detect_kind(write(tmp_path, name, builder())) == expected


@pytest.mark.parametrize(
    ("name", "builder", "expected"),
    [
        ("scan.jpg", lambda: pdf_bytes(), "pdf"),  # a PDF named .jpg is still a PDF
        ("foto.pdf", lambda: image_bytes("JPEG"), "jpeg"),
        ("ktp", lambda: image_bytes("PNG"), "png"),  # no extension at all
        ("surat.pdf", docx_bytes, "docx"),
    ],
)
def test_detect_kind_ignores_extension(tmp_path: Path, name: str, builder, expected: str) -> None:
    assert detect_kind(write(tmp_path, name, builder())) == expected


def test_detect_kind_unknown(tmp_path: Path) -> None:
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("isi.txt", "bukan dokumen Word")
    assert detect_kind(write(tmp_path, "teks.pdf", b"Ini hanya teks biasa.\n")) is None
    assert detect_kind(write(tmp_path, "arsip.docx", plain_zip.getvalue())) is None
    assert detect_kind(write(tmp_path, "foto.heic", heic_header(b"avif", (b"avif", b"mif1")))) is None
    assert detect_kind(write(tmp_path, "kosong.pdf", b"")) is None
    assert detect_kind(tmp_path / "tidak-ada.pdf") is None


# --- check_file ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "builder", "kind"),
    [
        ("pengantar.pdf", lambda: pdf_bytes(), "pdf"),
        ("ktp.jpg", lambda: image_bytes("JPEG"), "jpeg"),
        ("kk.png", lambda: image_bytes("PNG"), "png"),
    ],
)
def test_valid_files(tmp_path: Path, name: str, builder, kind: str) -> None:
    path = write(tmp_path, name, builder())
    result = check_file(path, ["pdf", "jpeg", "png"], max_kb=2048)
    assert isinstance(result, FileCheck)
    assert result.status == "OK", result.pesan
    assert result.kind == kind
    assert result.size == path.stat().st_size
    assert result.pages == (1 if kind == "pdf" else None)
    assert name in result.pesan


def test_accepted_aliases_and_case(tmp_path: Path) -> None:
    path = write(tmp_path, "ktp.jpg", image_bytes("JPEG"))
    assert check_file(path, ["PDF", "JPG"], max_kb=None).status == "OK"


def test_wrong_kind_names_real_and_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "ktp.pdf", image_bytes("JPEG"))
    result = check_file(path, ["pdf"], max_kb=2048)
    assert result.status == "TIDAK_VALID"
    assert result.kind == "jpeg"
    assert result.pesan == "berkas ktp.pdf berjenis JPEG, yang diterima: PDF"


def test_renamed_file_accepted_by_content_with_note(tmp_path: Path) -> None:
    path = write(tmp_path, "ktp.pdf", image_bytes("JPEG"))
    result = check_file(path, ["pdf", "jpeg", "png"], max_kb=2048)
    assert result.status == "OK"
    assert "isinya JPEG" in result.pesan


def test_text_file_renamed_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "pengantar.pdf", b"Surat pengantar RT 004\n")
    result = check_file(path, ["pdf"], max_kb=2048)
    assert result.status == "TIDAK_VALID"
    assert result.kind is None
    assert "pengantar.pdf" in result.pesan
    assert "tidak dikenali" in result.pesan
    assert "yang diterima: PDF" in result.pesan


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "kk.pdf", pdf_bytes(user_password="rahasia"))
    result = check_file(path, ["pdf"], max_kb=2048)
    assert result.status == "TIDAK_VALID"
    assert result.kind == "pdf"
    assert "PDF terkunci kata sandi: minta berkas tanpa kata sandi" in result.pesan


def test_pdf_with_owner_password_only_opens(tmp_path: Path) -> None:
    # Restrictions without an opening password: every viewer opens it, so it is usable.
    path = write(tmp_path, "kk.pdf", pdf_bytes(owner_only=True))
    result = check_file(path, ["pdf"], max_kb=2048)
    assert result.status == "OK", result.pesan
    assert result.pages == 1


def test_damaged_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "pengantar.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nrusak")
    result = check_file(path, ["pdf"], max_kb=2048)
    assert result.status == "TIDAK_VALID"
    assert result.kind == "pdf"
    assert "PDF" in result.pesan


def test_truncated_jpeg(tmp_path: Path) -> None:
    from PIL import ImageFile

    full = image_bytes("JPEG", (400, 300))
    path = write(tmp_path, "ktp.jpg", full[: len(full) // 2])
    result = check_file(path, ["jpeg"], max_kb=2048)
    assert result.status == "TIDAK_VALID"
    assert result.kind == "jpeg"
    assert "terpotong" in result.pesan
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # the global is left as it was


def test_corrupt_png(tmp_path: Path) -> None:
    data = bytearray(image_bytes("PNG"))
    data[60:80] = b"\x00" * 20  # break the IDAT chunk and its CRC
    result = check_file(write(tmp_path, "kk.png", bytes(data)), ["png"], max_kb=None)
    assert result.status == "TIDAK_VALID"
    assert result.kind == "png"


def test_decompression_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.services.rules import berkas

    path = write(tmp_path, "foto.png", image_bytes("PNG", (100, 100)))
    monkeypatch.setattr(berkas, "MAX_IMAGE_PIXELS", 1000)  # sakti's limit, read from the header
    result = check_file(path, ["png"], max_kb=None)
    assert result.status == "TIDAK_VALID"
    assert "terlalu besar" in result.pesan and "100 x 100 piksel" in result.pesan
    monkeypatch.setattr(berkas, "MAX_IMAGE_PIXELS", 6000)  # between 1x and 2x: Pillow alone would only warn
    assert check_file(path, ["png"], max_kb=None).status == "TIDAK_VALID"


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, "kk.pdf", pdf_bytes(padding=6_500_000))
    result = check_file(path, ["pdf"], max_kb=2048)
    assert result.status == "TIDAK_VALID"
    assert result.pages is None  # refused by its size before any parser reads it
    assert "ukuran 6,2 MB melebihi batas 2 MB" in result.pesan
    assert check_file(path, ["pdf"], max_kb=8 * 1024).status == "OK"
    assert check_file(path, ["pdf"], max_kb=None).status == "OK"


def test_size_limit_in_kb_and_rounding(tmp_path: Path) -> None:
    path = write(tmp_path, "foto.jpg", image_bytes("JPEG"))
    small_limit = check_file(path, ["jpeg"], max_kb=0)
    assert "melebihi batas 0 KB" in small_limit.pesan
    just_over = write(tmp_path, "besar.pdf", pdf_bytes(padding=2 * 1024 * 1024))
    result = check_file(just_over, ["pdf"], max_kb=2048)
    assert result.status == "TIDAK_VALID"
    # "2 MB melebihi batas 2 MB" would be nonsense: exact bytes are shown instead.
    assert "byte) melebihi batas 2 MB (2.097.152 byte)" in result.pesan


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (812, "812 byte"),
        (1024, "1 KB"),
        (348_160, "340 KB"),
        (6_501_171, "6,2 MB"),
        (2 * 1024 * 1024, "2 MB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


def test_page_limits(tmp_path: Path) -> None:
    path = write(tmp_path, "pernyataan.pdf", pdf_bytes(pages=3))
    ok = check_file(path, ["pdf"], max_kb=None, max_pages=3, min_pages=1)
    assert ok.status == "OK"
    assert ok.pages == 3
    too_many = check_file(path, ["pdf"], max_kb=None, max_pages=2)
    assert too_many.status == "TIDAK_VALID"
    assert too_many.pages == 3
    assert "3 halaman, paling banyak 2" in too_many.pesan
    too_few = check_file(path, ["pdf"], max_kb=None, min_pages=4)
    assert too_few.status == "TIDAK_VALID"
    assert "paling sedikit 4" in too_few.pesan


def test_heic_without_plugin_is_reported_not_raised(tmp_path: Path) -> None:
    path = write(tmp_path, "ktp.heic", heic_header())
    assert check_file(path, ["pdf", "jpeg"], max_kb=None).pesan == (
        "berkas ktp.heic berjenis HEIC, yang diterima: PDF, JPEG"
    )
    accepted = check_file(path, ["heic"], max_kb=None)  # the fake header is no decodable image anyway
    assert accepted.status == "TIDAK_VALID"
    assert accepted.kind == "heic"


def test_pypdf_repairs_are_not_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    path = write(tmp_path, "pengantar.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nrusak")
    check_file(path, ["pdf"], max_kb=None)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert logging.getLogger("pypdf").level == logging.NOTSET  # restored


def test_docx_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "pernyataan.docx", docx_bytes())
    assert check_file(path, ["docx"], max_kb=None).status == "OK"
    assert (
        check_file(path, ["pdf"], max_kb=None).pesan
        == "berkas pernyataan.docx berjenis DOCX, yang diterima: PDF"
    )


def test_empty_file_and_directory(tmp_path: Path) -> None:
    empty = check_file(write(tmp_path, "ktp.pdf", b""), ["pdf"], max_kb=None)
    assert empty.status == "TIDAK_VALID"
    assert "kosong" in empty.pesan
    folder = tmp_path / "kk.pdf"
    folder.mkdir()
    assert check_file(folder, ["pdf"], max_kb=None).status == "TIDAK_VALID"


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileUnreadable) as caught:
        check_file(tmp_path / "tidak-ada.pdf", ["pdf"], max_kb=None)
    assert "tidak-ada.pdf" in caught.value.pesan
    assert caught.value.saran


# --- NIK -----------------------------------------------------------------------------------------------


def test_nik_female() -> None:
    info = parse_nik("6201054507900001", today=TODAY)
    assert info == NikInfo("62", "01", "05", date(1990, 7, 5), "P", "0001")
    assert info.region_code == "62.01.05"


def test_nik_male() -> None:
    info = parse_nik("6201020211780007", today=TODAY)
    assert info.birth_date == date(1978, 11, 2)
    assert info.sex == "L"
    assert (info.province, info.regency, info.district, info.serial) == ("62", "01", "02", "0007")


def test_nik_century_relative_to_today() -> None:
    assert parse_nik("6201021901140001", today=TODAY).birth_date == date(2014, 1, 19)
    # 2026-12-01 would be in the future on 22 November 2026: it is 1926.
    assert parse_nik("6201020112260001", today=TODAY).birth_date == date(1926, 12, 1)
    assert parse_nik("6201020112260001", today=date(2027, 1, 1)).birth_date == date(2026, 12, 1)
    # 29 February: 2000 was a leap year; 2030 and 1930 are not.
    assert parse_nik("6201022902000001", today=TODAY).birth_date == date(2000, 2, 29)
    with pytest.raises(ValueError, match=r"tanggal lahir yang tidak ada \(29-02-30\)"):
        parse_nik("6201022902300001", today=TODAY)


def test_nik_separators_removed() -> None:
    assert normalise_nik(" 6201.05-4507 900001 ") == "6201054507900001"
    assert parse_nik("6201 0545 0790 0001", today=TODAY).sex == "P"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("620105450790001", "NIK harus 16 digit angka"),
        ("62010545079000011", "NIK harus 16 digit angka"),
        ("", "NIK harus 16 digit angka"),
        ("62010545O7900001", "NIK harus 16 digit angka"),  # letter O instead of zero
        ("6201054507９00001", "NIK harus 16 digit angka"),  # full-width digit
        ("6201053102900001", r"NIK memuat tanggal lahir yang tidak ada \(31-02-90\)"),
        ("6201057102900001", r"NIK memuat tanggal lahir yang tidak ada \(31-02-90\)"),
        ("6201053507900001", "tanggal lahir yang tidak ada"),
        ("6201050013900001", "tanggal lahir yang tidak ada"),
        ("6201054507900000", "nomor urut NIK tidak boleh 0000"),
        ("0001054507900001", "kode provinsi"),
        ("9901054507900001", "kode provinsi"),
        ("6200054507900001", "kabupaten/kota"),
        ("6201004507900001", "kecamatan"),
    ],
)
def test_nik_invalid(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_nik(value, today=TODAY)


def test_nik_error_does_not_echo_number() -> None:
    with pytest.raises(ValueError) as caught:
        parse_nik("620105450790001", today=TODAY)
    assert "620105450790001" not in str(caught.value)


def test_nik_consistency() -> None:
    info = parse_nik("6201054507900001", today=TODAY)
    assert check_nik_consistency(info, date(1990, 7, 5), "P") == []
    assert check_nik_consistency(info, None, None) == []
    problems = check_nik_consistency(info, date(1990, 7, 6), "L")
    assert len(problems) == 2
    assert "05-07-90" in problems[0]
    assert "6 Juli 1990" in problems[0]
    assert "perempuan" in problems[1]
    assert "laki-laki" in problems[1]
    assert check_nik_consistency(info, date(1990, 7, 5), "X") == [
        "jenis kelamin isian harus L atau P, tertulis 'X'"
    ]


def test_nik_consistency_compares_two_digit_year() -> None:
    # Born 1925, checked in 2026: the NIK alone reads 2025, the stated date settles the century.
    info = parse_nik("6201020101250001", today=TODAY)
    assert info.birth_date == date(2025, 1, 1)
    assert check_nik_consistency(info, date(1925, 1, 1), "L") == []
    assert check_nik_consistency(info, date(1924, 1, 1), "L") != []


def test_parse_kk() -> None:
    assert parse_kk("6201.0209.0310.0012") == "6201020903100012"
    with pytest.raises(ValueError, match="Nomor KK harus 16 digit angka"):
        parse_kk("62010209031000")
    with pytest.raises(ValueError, match="Nomor KK harus 16 digit angka"):
        parse_kk("620102090310001A")
    with pytest.raises(ValueError, match="tidak boleh semuanya 0"):
        parse_kk("0000 0000 0000 0000")


# --- the shipped examples ------------------------------------------------------------------------------


def test_example_sktm_is_complete_and_consistent() -> None:
    folder = CONTOH / "sktm"
    data = json.loads((folder / "pemohon.json").read_text(encoding="utf-8"))
    isian = data["isian"]
    info = parse_nik(isian["nik"], today=TODAY)
    assert (
        check_nik_consistency(info, date.fromisoformat(isian["tanggal_lahir"]), isian["jenis_kelamin"]) == []
    )
    assert parse_kk(isian["nomor_kk"]) == isian["nomor_kk"]
    assert isian["desa"] == "Mendawai"
    assert (TODAY - date.fromisoformat(isian["tanggal_pengantar"])).days <= 14
    accepted = {"pengantar": ["pdf"], "ktp": ["pdf", "jpeg", "png"], "kk": ["pdf", "jpeg", "png"]}
    assert set(data["berkas"]) == set(accepted)
    for code, name in data["berkas"].items():
        result = check_file(folder / name, accepted[code], max_kb=2048)
        assert result.status == "OK", result.pesan
    assert check_file(folder / "ktp.jpg", ["jpeg"], max_kb=100).status == "OK"


def test_example_sktm_gagal() -> None:
    folder = CONTOH / "sktm-gagal"
    data = json.loads((folder / "pemohon.json").read_text(encoding="utf-8"))
    isian = data["isian"]
    info = parse_nik(isian["nik"], today=TODAY)
    assert (
        check_nik_consistency(info, date.fromisoformat(isian["tanggal_lahir"]), isian["jenis_kelamin"]) == []
    )
    assert "kk" not in data["berkas"]
    assert not (folder / "kk.jpg").exists()
    assert data["berkas"]["ktp"] == "ktp.pdf"
    assert detect_kind(folder / "ktp.pdf") == "jpeg"
    assert check_file(folder / "ktp.pdf", ["pdf"], max_kb=2048).pesan == (
        "berkas ktp.pdf berjenis JPEG, yang diterima: PDF"
    )
    assert check_file(folder / "pengantar.pdf", ["pdf"], max_kb=2048).status == "OK"


def test_examples_are_small() -> None:
    total = sum(p.stat().st_size for folder in ("sktm", "sktm-gagal") for p in (CONTOH / folder).iterdir())
    assert total < 300 * 1024
