"""A large SKTM batch for ``sakti massal``, built deterministically (imported by tests and bench/massal_200.py).

Every good row is a different applicant with a valid NIK that matches the stated birth date and sex;
a handful of bad rows sit among the first 100 (so a run killed after ~100 rows has already met them):
a bad NIK, a NIK in exponent form (as a spreadsheet saves a long number), a missing file, a file path
leaving the folder, a pengantar older than the SOP allows (a rule failure).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FILES = ("ktp.jpg", "kk.jpg", "pengantar.pdf")
FIRST = ["Rusmini", "Budi", "Sari", "Agus", "Dewi", "Joko", "Lina", "Eko", "Rina", "Andi", "Wati", "Hadi", "Nur",
         "Iwan", "Tuti", "Yudi", "Siti", "Rudi", "Ani", "Dodi"]
LAST = ["Saputra", "Lestari", "Hidayat", "Wulandari", "Pratama", "Rahmawati", "Setiawan", "Kurniasih", "Nugroho",
        "Handayani", "Santoso"]
# after which good row (0-based) each bad row goes, what it is, and what massal must say of it
BAD = {10: "nik_salah", 25: "nik_pangkat", 40: "berkas_hilang", 55: "berkas_keluar", 70: "pengantar_lama"}
REFUSED = {"nik_salah": "nik", "nik_pangkat": "nik", "berkas_keluar": "berkas.ktp"}  # ditolak; the word named
INCOMPLETE = {"berkas_hilang": "kk", "pengantar_lama": "pengantar"}  # BELUM_LENGKAP; the code missing


def nik(n: int) -> tuple[str, str, str]:
    """Row ``n``'s NIK, birth date and sex: 62 01 02 (Arut Selatan), DD (+40 for women), MM, YY, serial."""
    day, month, year, woman = 1 + n % 28, 1 + (n // 28) % 12, 1960 + n % 40, n % 2 == 0
    number = f"620102{day + 40 if woman else day:02d}{month:02d}{year % 100:02d}{n + 1:04d}"
    return number, f"{year}-{month:02d}-{day:02d}", "P" if woman else "L"


def good_row(n: int, example: dict) -> dict[str, str]:
    number, born, sex = nik(n)
    row = {**example["isian"], "nama": f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}", "nik": number,
           "tanggal_lahir": born, "jenis_kelamin": sex, "nomor_kk": f"62010209031{n:05d}"}
    row.update({f"berkas.{code}": name for code, name in example["berkas"].items()})
    return row


def bad_row(kind: str, n: int, example: dict) -> dict[str, str]:
    row = good_row(n, example)
    if kind == "nik_salah":
        row["nik"] = "62010212345"
    elif kind == "nik_pangkat":
        row["nik"] = "6.20102E+15"
    elif kind == "berkas_hilang":
        row["berkas.kk"] = "hilang.jpg"
    elif kind == "berkas_keluar":
        row["berkas.ktp"] = "../ktp.jpg"
    elif kind == "pengantar_lama":
        row["tanggal_pengantar"] = "2026-09-01"  # more than 30 days before the fixed clock (22 Nov 2026)
    return row


def build_batch(folder: Path, good: int = 200) -> tuple[Path, dict[int, str]]:
    """``folder``/sktm-200.csv with ``good`` good rows and the BAD rows among them, the files beside it.
    Returns the table and its CSV line -> "baik" or the bad row's kind."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(REPO / "contoh" / "sktm" / name, folder / name)
    example = json.loads((REPO / "contoh" / "sktm" / "pemohon.json").read_text())
    rows: list[dict[str, str]] = []
    kinds: list[str] = []
    for n in range(good):
        rows.append(good_row(n, example))
        kinds.append("baik")
        if n in BAD:
            rows.append(bad_row(BAD[n], good + n, example))  # its own applicant, not a good row's
            kinds.append(BAD[n])
    table = folder / "sktm-200.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return table, {index + 2: kind for index, kind in enumerate(kinds)}
