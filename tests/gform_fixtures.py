"""A realistic Google Form export for ``sakti impor gform`` tests, built in the test's folder.

The responses sheet as Google Sheets (Indonesian locale) downloads it: the header row holds the question
titles of the bundled SKTM mapping, ``Stempel waktu`` ``20/11/2026 08:17:42``, ``Alamat email``, dates
``dd/mm/yyyy``, ``Laki-laki``/``Perempuan``, phone numbers spelt in several ways, upload cells holding
Drive links. The uploads as Drive's "Download" of the form's folder leaves them: the form's folder, one
folder per upload question (``<title> (File responses)``, '/' written '_'), files named
``<original name> - <Google account name>.<ext>``.

Rows (sheet row numbers): 2 Rusmini, complete (two house photos); 3 Budi Santoso, whose Google account
is "Budi S" (his files stay unmatched); 4 Sari Dewi, whose KTP is named with '..\\', ESC and other control
characters; 5 Agus Salim, whose KK file is not in the download; 6 Dewi Lestari, a bad NIK.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKTM = REPO / "contoh" / "sktm"
FORM_FOLDER = "Formulir SKTM Kecamatan Arut Selatan (File responses)"
HOSTILE_KTP = "..\\..\\\x1b[2J\x07ktp\tsari\r - Sari Dewi.jpg"
QUESTIONS = ["Nama lengkap", "NIK", "Nomor Kartu Keluarga", "Tempat lahir", "Tanggal lahir", "Jenis kelamin",
             "Agama", "Pekerjaan", "Alamat (jalan, RT/RW)", "Desa/Kelurahan", "Keperluan surat",
             "Nomor surat pengantar desa/kelurahan", "Tanggal surat pengantar", "Nomor WhatsApp"]
UPLOADS = {"pengantar": "Surat pengantar RT/RW dan desa/kelurahan", "ktp": "KTP-el pemohon", "kk": "Kartu Keluarga",
           "foto_rumah": "Foto rumah tampak depan"}
SOURCE = {"pengantar": "pengantar.pdf", "ktp": "ktp.jpg", "kk": "kk.jpg", "foto_rumah": "kk.jpg"}


@dataclass(frozen=True)
class Person:
    row: int
    name: str
    google: str  # the account name Drive writes after ' - '
    nik: str
    born: str  # dd/mm/yyyy
    sex: str
    phone: str
    email: str
    stamp: str
    desa: str = "Mendawai"


PEOPLE = [
    Person(2, "Rusmini", "Rusmini", "6201025403850003", "14/03/1985", "Perempuan", "0812-5123-4567",
           "rusmini@contoh.example", "20/11/2026 08:17:42"),
    Person(3, "Budi Santoso", "Budi S", "6201020102850004", "01/02/1985", "Laki-laki", "+62 812 5123 4568",
           "budi.s@contoh.example", "20/11/2026 09:02:10", desa="Kelurahan Raja"),
    Person(4, "Sari Dewi", "Sari Dewi", "6201024503850005", "05/03/1985", "Perempuan", "62 812-5123-4569",
           "sari@contoh.example", "20/11/2026 10:45:00"),
    Person(5, "Agus Salim", "Agus Salim", "6201020703850006", "07/03/1985", "Laki-laki", "081251234570",
           "agus@contoh.example", "21/11/2026 07:30:05"),
    Person(6, "Dewi Lestari", "Dewi Lestari", "62010212345", "09/03/1985", "Perempuan", "0812 5123 4571",
           "dewi@contoh.example", "21/11/2026 11:11:11"),
]
NIKS = [p.nik for p in PEOPLE]
MISSING = (5, "kk")  # Agus's KK: answered, not in the download


def _link(row: int, code: str, n: int = 1) -> str:
    return f"https://drive.google.com/open?id=1{code.upper()}{row}x{n}AbCdEfGhIjKlMnOpQrStUv"


def _answers(p: Person) -> dict[str, str]:
    values = [p.name, p.nik, "6201020903100012", "Pangkalan Bun", p.born, p.sex, "Islam", "Wiraswasta",
              f"Jl. Padat Karya No. {p.row} RT 004 RW 002", p.desa, "pengajuan keringanan biaya pendidikan anak",
              f"400.9.14.1/{110 + p.row}/KEL-MDW/XI/2026", "16/11/2026", p.phone]
    out = {"Stempel waktu": p.stamp, "Alamat email": p.email, **dict(zip(QUESTIONS, values, strict=True))}
    for code, title in UPLOADS.items():
        count = 2 if code == "foto_rumah" and p.row == 2 else 0 if code == "foto_rumah" else 1
        out[title] = ", ".join(_link(p.row, code, n) for n in range(1, count + 1))
    return out


def folder_name(title: str) -> str:
    return f"{title.replace('/', '_')} (File responses)"


def build_export(root: Path, extra_column: dict[int, str] | None = None) -> tuple[Path, Path]:
    """(responses CSV, downloads folder) under ``root``. ``extra_column``: row -> 'Pengunggah' the clerk typed."""
    downloads = root / "unduhan"
    form = downloads / FORM_FOLDER
    for p in PEOPLE:
        for code, title in UPLOADS.items():
            folder = form / folder_name(title)
            folder.mkdir(parents=True, exist_ok=True)
            if (p.row, code) == MISSING:
                continue
            if code == "foto_rumah":
                names = [f"foto depan - {p.google}.jpg", f"foto samping - {p.google}.jpg"] if p.row == 2 else []
            elif code == "ktp" and p.row == 4:
                names = [HOSTILE_KTP]
            else:
                names = [f"{code} {p.name.split()[0].lower()} - {p.google}{Path(SOURCE[code]).suffix}"]
            for name in names:
                shutil.copy(SKTM / SOURCE[code], folder / name)
    rows = [_answers(p) for p in PEOPLE]
    header = list(rows[0])
    if extra_column:
        header.append("Pengunggah")
        for p, row in zip(PEOPLE, rows, strict=True):
            row["Pengunggah"] = extra_column.get(p.row, "")
    export = root / "Formulir SKTM (Respons) - Respons Formulir 1.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return export, downloads


def export_from_example(root: Path, service: str, google: str, skip: frozenset[str] = frozenset()) -> tuple[Path, Path]:
    """A one-response export of the bundled example of ``service``, worded by the shipped sample mapping:
    each answer where the mapping asks for it (dates dd/mm/yyyy, L/P as Laki-laki/Perempuan), each file in
    its question's folder as uploaded by ``google``. ``skip``: upload questions (their codes) whose file is
    answered but missing from the download."""
    import json

    import yaml

    example = REPO / "contoh" / service
    env = json.loads((example / "pemohon.json").read_text(encoding="utf-8"))
    mapping = yaml.safe_load((REPO / "sop" / "gform" / f"{service}.yaml").read_text(encoding="utf-8"))
    row = {"Stempel waktu": "19/11/2026 14:05:09", "Alamat email": "pengisi@contoh.example"}

    def lookup(ref: str, files: bool) -> object:
        parts = ref.split(".")
        if len(parts) == 3:
            items = env["isian"].get(parts[0]) or []
            item = items[int(parts[1]) - 1] if int(parts[1]) <= len(items) else {}
            return (item.get("berkas") or {}).get(parts[2]) if files else item.get(parts[2])
        return (env.get("berkas") or {}).get(ref) if files else env["isian"].get(ref)

    for title, ref in mapping["isian"].items():
        value = lookup(ref, False)
        text = "" if value is None else str(value)
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            text = f"{text[8:]}/{text[5:7]}/{text[:4]}"
        row[title] = {"L": "Laki-laki", "P": "Perempuan"}.get(text, text)
    downloads = root / "unduhan"
    for title, ref in mapping["berkas"].items():
        value = lookup(ref, True)
        names = [] if not value else value if isinstance(value, list) else [value]
        folder = downloads / f"Formulir {service} (File responses)" / folder_name(title)
        folder.mkdir(parents=True, exist_ok=True)
        for name in names if ref not in skip else []:
            shutil.copy(example / name, folder / f"{Path(name).stem} - {google}{Path(name).suffix}")
        row[title] = ", ".join(_link(2, f"{ref}{n}") for n in range(len(names)))
    export = root / f"Formulir {service} (Respons) - Respons Formulir 1.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return export, downloads
