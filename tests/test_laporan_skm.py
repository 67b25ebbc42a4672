"""``sakti laporan skm``: the satisfaction index (PermenPAN-RB 14/2017) of a small export computed by hand, its
XLSX and PDF, the refusal of bad exports (file, row and column named, exit 3), and the survey link in the
issued-letter WhatsApp text (``[skm] tautan``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import Cli

from sakti_cli.core.resources import bundled_dir

QUESTIONS = [e["pertanyaan"] for e in __import__("yaml").safe_load(
    (bundled_dir("sop") / "_skm.yaml").read_text(encoding="utf-8"))["unsur"]]
SERVICE_QUESTION = "Jenis layanan yang diterima"
SKTM, SKCK = "Surat Keterangan Tidak Mampu (SKTM)", "Surat Pengantar SKCK"

# Four respondents, two services; the scores each answer stands for (U1..U9):
#   R1 sktm  4 3 3 4 3 3 4 2 3   (answered with bare numbers)
#   R2 sktm  3 3 2 4 3 3 4 2 3   ("3 - Sesuai": a number and the text)
#   R3 skck  4 4 3 4 4 3 4 3 3   (the answer texts of sop/_skm.yaml)
#   R4 skck  3 2 2 4 3 2 3 1 2   (mixed, odd spacing and case)
# Sums per element: 14 12 10 16 13 11 15 8 11 -> NRR 3.5 3.0 2.5 4.0 3.25 2.75 3.75 2.0 2.75.
# Sum of NRR 27.5; mean 27.5 / 9 = 3.05556; x 25 = 76.39 -> C (Kurang Baik: 65.00-76.60).
# Weakest: U8 (2.0), U3 (2.5), then U6 and U9 tie at 2.75: U6 by its code.
# sktm: NRR 3.5 3.0 2.5 4.0 3.0 3.0 4.0 2.0 3.0 = 28.0 / 9 x 25 = 77.78 -> B (Baik).
# skck: NRR 3.5 3.0 2.5 4.0 3.5 2.5 3.5 2.0 2.5 = 27.0 / 9 x 25 = 75.00 -> C.
ROWS = [
    ("20/11/2026 08:00:00", SKTM, ["4", "3", "3", "4", "3", "3", "4", "2", "3"]),
    ("20/11/2026 09:00:00", SKTM, ["3 - Sesuai", "3 - Mudah", "2 - Kurang cepat", "4 - Gratis", "3 - Sesuai",
                                   "3 - Kompeten", "4 - Sangat sopan dan ramah", "2 - Ada tetapi tidak berfungsi",
                                   "3 - Baik"]),
    ("21/11/2026 10:00:00", SKCK, ["Sangat sesuai", "Sangat mudah", "Cepat", "Gratis", "Sangat sesuai", "Kompeten",
                                   "Sangat sopan dan ramah", "Berfungsi kurang maksimal", "Baik"]),
    ("21/11/2026 11:00:00", SKCK, ["3", "kurang  MUDAH", "2", "4", "Sesuai", "2. Kurang kompeten", "3",
                                   "Tidak ada", "Cukup"]),
]


def write_export(path: Path, rows: list[tuple[str, str, list[str]]] = ROWS, questions: list[str] = QUESTIONS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Stempel waktu", SERVICE_QUESTION, *questions])
        for stamp, service, answers in rows:
            writer.writerow([stamp, service, *answers])
    return path


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example office without keys or LibreOffice: the survey needs neither."""
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace

    ws = create_workspace(tmp_path / "kantor", DEMO_OFFICE)
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return ws.root


def test_index_of_a_hand_computed_export(office: Path, cli: Cli, tmp_path: Path) -> None:
    export = write_export(tmp_path / "skm.csv")
    result = cli.json("laporan", "skm", str(export), "--xlsx", str(tmp_path / "skm.xlsx"),
                      "--pdf", str(tmp_path / "skm.pdf"))
    whole = result["semua"]
    assert result["responden"] == whole["responden"] == 4
    assert [u["nrr"] for u in whole["unsur"]] == [3.5, 3.0, 2.5, 4.0, 3.25, 2.75, 3.75, 2.0, 2.75]
    assert whole["indeks"] == 76.39 and whole["mutu"] == "C" and whole["kinerja"] == "Kurang Baik"
    assert [w["kode"] for w in whole["terlemah"]] == ["U8", "U3", "U6"]
    by_service = {g["nama"]: g for g in result["layanan"]}
    assert set(by_service) == {"sktm", "skck"}
    assert (by_service["sktm"]["indeks"], by_service["sktm"]["mutu"]) == (77.78, "B")
    assert (by_service["skck"]["indeks"], by_service["skck"]["mutu"]) == (75.0, "C")
    assert by_service["skck"]["responden"] == 2

    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "skm.xlsx")
    sheet = book["Unsur"]
    assert [type(c).__name__ for c in sheet._charts] == ["BarChart"]
    codes = {f"U{n}" for n in range(1, 10)}
    values = [row for row in sheet.iter_rows(values_only=True) if row and str(row[0])[:2] in codes]
    assert [v[1] for v in values] == [3.5, 3.0, 2.5, 4.0, 3.25, 2.75, 3.75, 2.0, 2.75]
    assert (tmp_path / "skm.xlsx").stat().st_mode & 0o777 == 0o600

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "skm.pdf").pages)
    assert "76,39" in text and "Kurang Baik" in text and "KECAMATAN ARUT SELATAN" in text
    import pdfplumber

    with pdfplumber.open(tmp_path / "skm.pdf") as pdf:
        bars = [r for page in pdf.pages for r in page.rects if r["height"] > 20 and r["width"] < 300]
    assert len(bars) >= 9 + 2  # a bar per element, a bar per service (drawn, not an image)
    assert (tmp_path / "skm.pdf").stat().st_mode & 0o777 == 0o600

    human = cli("laporan", "skm", str(export))
    assert human.exit_code == 0 and "76,39" in human.stdout and "U8 Penanganan pengaduan" in human.stdout


@pytest.mark.parametrize(("damage", "said"), [
    ("missing", "kolom tidak ada: 'Bagaimana pendapat Saudara tentang kecepatan waktu"),
    ("five", "baris 3, kolom 'Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?': "
             "jawaban '5' bukan nilai 1-4 unsur U2"),
    ("word", "baris 4, kolom 'Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?': jawaban "
             "'Lumayan' bukan nilai 1-4 unsur U9"),
    ("blank", "baris 2, kolom 'Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?': "
              "jawaban unsur U4 kosong"),
    ("empty", "kosong"),
    ("header", "tidak ada satu pun jawaban"),
])
def test_bad_exports_are_refused_naming_file_row_and_column(office: Path, cli: Cli, tmp_path: Path, damage: str,
                                                             said: str) -> None:
    path = tmp_path / "skm.csv"
    rows = [(stamp, service, list(answers)) for stamp, service, answers in ROWS]
    if damage == "missing":
        write_export(path, [(s, v, a[:2] + a[3:]) for s, v, a in rows], QUESTIONS[:2] + QUESTIONS[3:])
    elif damage == "five":
        rows[1][2][1] = "5"
        write_export(path, rows)
    elif damage == "word":
        rows[2][2][8] = "Lumayan"
        write_export(path, rows)
    elif damage == "blank":
        rows[0][2][3] = " "
        write_export(path, rows)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        write_export(path, [])
    result = cli("laporan", "skm", str(path), "--json", "--xlsx", str(tmp_path / "out.xlsx"))
    assert result.exit_code == 3, result.stderr
    error = json.loads(result.stdout)["error"]
    assert str(path) in error["pesan"] and said in error["pesan"], error["pesan"]
    assert error["saran"]
    assert not (tmp_path / "out.xlsx").exists()


def test_a_mapping_without_nine_elements_is_refused(office: Path, cli: Cli, tmp_path: Path) -> None:
    import yaml

    mapping = yaml.safe_load((bundled_dir("sop") / "_skm.yaml").read_text(encoding="utf-8"))
    mapping["unsur"] = mapping["unsur"][:8]
    peta = tmp_path / "peta.yaml"
    peta.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    result = cli("laporan", "skm", str(write_export(tmp_path / "skm.csv")), "--peta", str(peta))
    assert result.exit_code == 4 and str(peta) in result.stderr and "9 unsur" in result.stderr


def test_survey_link_in_the_issued_letter_message(office: Path, cli: Cli) -> None:
    from sakti_cli.citizen.messages import citizen_message
    from sakti_cli.office.workspace import find_workspace
    from sakti_cli.services.sop import load_service

    record = {"nomor_registrasi": "REG-202611-0001", "layanan": "sktm", "status": "TERBIT",
              "data": {"nama": "Rusmini", "telepon": "081251234567"}, "berkas": {},
              "surat": {"nomor_surat": "400.9.14.1/001/ARSEL/XI/2026", "kode_verifikasi": "WQ3YJQ8Z58HSJJG4"}}
    ws = find_workspace(office)
    service = load_service(ws.sop_dir, "sktm")
    assert "survei" not in citizen_message(ws, service, record, "terbit")["pesan_wa"]
    toml = office / "sakti.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[skm]\ntautan = "https://forms.gle/SurveiArsel"\n',
                    encoding="utf-8")
    ws = find_workspace(office)
    message = citizen_message(ws, service, record, "terbit")
    assert "survei kepuasan" in message["pesan_wa"] and "https://forms.gle/SurveiArsel" in message["pesan_wa"]
    assert "https%3A%2F%2Fforms.gle%2FSurveiArsel" in message["tautan_wa"]
    toml.write_text(toml.read_text(encoding="utf-8").replace("https://forms.gle/SurveiArsel", "http://x y"),
                    encoding="utf-8")
    result = cli("kantor", "--json")
    assert result.exit_code == 4 and "skm.tautan" in json.loads(result.stdout)["error"]["pesan"]


def test_sop_periksa_checks_the_offices_survey_mapping(office: Path, cli: Cli) -> None:
    mapping = office / "sop" / "_skm.yaml"
    assert mapping.is_file()  # copied with the office's sop/
    for sop in (office / "sop").glob("*.yaml"):  # the services' own checks (templates) are not this test's
        if not sop.name.startswith("_"):
            sop.unlink()
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("  - kode: U9", "  - kode: U8"), encoding="utf-8")
    result = cli.json("sop", "periksa", code=1)
    found = [p for p in result["masalah"] if p["berkas"] == str(mapping.resolve())]
    assert found and "kode unsur ganda" in found[0]["pesan"]
