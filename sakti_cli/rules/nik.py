"""NIK and KK numbers: normalising, parsing and checking against the applicant's stated data.

NIK structure (16 digits): PP province, KK regency, CC kecamatan, DD birth day (+40 for women),
MM month, YY two-digit year, NNNN serial from 0001. Messages never repeat the whole number (PDP):
at most the birth-date digits, which the applicant typed themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Province codes of Kemendagri (incl. the Papua provinces formed in 2022: 93-96).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
     61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
)  # fmt: skip

_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]")
_SIXTEEN = re.compile(r"[0-9]{16}")
_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


@dataclass(frozen=True)
class NikInfo:
    """What a NIK says about its holder. Codes are the two-digit parts as strings ("62", "01", "02")."""

    province: str
    regency: str
    district: str
    birth_date: date
    sex: str  # "L" | "P"
    serial: str

    @property
    def region_code(self) -> str:
        """Kemendagri kecamatan code, e.g. ``"62.01.02"``."""
        return f"{self.province}.{self.regency}.{self.district}"


def normalise_nik(value: str) -> str:
    """Remove spaces, dots and dashes people type inside a NIK or KK number."""
    return _SEPARATORS.sub("", str(value))


def _sixteen_digits(value: str, label: str) -> str:
    text = normalise_nik(value)
    if not _SIXTEEN.fullmatch(text):
        if not text:
            raise ValueError(f"{label} harus 16 digit angka (masih kosong)")
        if not text.isascii() or not text.isdigit():
            raise ValueError(f"{label} harus 16 digit angka (memuat huruf atau tanda lain)")
        raise ValueError(f"{label} harus 16 digit angka (tertulis {len(text)} digit)")
    return text


def parse_nik(value: str, today: date | None = None) -> NikInfo:
    """Parse and sanity-check a NIK; raises ``ValueError`` with an Indonesian message.

    The two-digit year takes the latest century that does not put the birth date after ``today``.
    """
    today = today or date.today()
    nik = _sixteen_digits(value, "NIK")
    province, regency, district = nik[0:2], nik[2:4], nik[4:6]
    day_digits, month, year2, serial = int(nik[6:8]), int(nik[8:10]), int(nik[10:12]), nik[12:16]

    if int(province) not in PROVINCE_CODES:
        raise ValueError(f"kode provinsi NIK {province} tidak dikenal (dua digit pertama NIK)")
    if regency == "00":
        raise ValueError("kode kabupaten/kota NIK tidak boleh 00 (digit ke-3 dan ke-4)")
    if district == "00":
        raise ValueError("kode kecamatan NIK tidak boleh 00 (digit ke-5 dan ke-6)")
    if serial == "0000":
        raise ValueError("nomor urut NIK tidak boleh 0000")

    if 1 <= day_digits <= 31:
        sex, day = "L", day_digits
    elif 41 <= day_digits <= 71:
        sex, day = "P", day_digits - 40
    else:
        raise ValueError(
            f"NIK memuat tanggal lahir yang tidak ada (digit tanggal {day_digits:02d}: "
            "01-31 untuk laki-laki, 41-71 untuk perempuan)"
        )

    shown = f"{day:02d}-{month:02d}-{year2:02d}"
    birth = None
    for century in (2000, 1900):
        try:
            candidate = date(century + year2, month, day)
        except ValueError:
            continue
        if candidate <= today:
            birth = candidate
            break
    if birth is None:
        raise ValueError(f"NIK memuat tanggal lahir yang tidak ada ({shown})")
    return NikInfo(province, regency, district, birth, sex, serial)


def _tanggal(value: date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _sex_word(sex: str) -> str:
    return {"L": "laki-laki", "P": "perempuan"}.get(sex, sex)


def check_nik_consistency(info: NikInfo, birth_date: date | None, sex: str | None) -> list[str]:
    """Problems between the NIK and the stated birth date / sex (empty list when they agree).

    The year is compared on its last two digits only: the NIK cannot tell 1925 from 2025.
    """
    problems: list[str] = []
    if birth_date is not None:
        nik_date = info.birth_date
        same = (nik_date.day, nik_date.month, nik_date.year % 100) == (
            birth_date.day,
            birth_date.month,
            birth_date.year % 100,
        )
        if not same:
            problems.append(
                f"tanggal lahir di NIK ({nik_date:%d-%m-%y}) tidak sama dengan tanggal lahir isian "
                f"({_tanggal(birth_date)})"
            )
    if sex is not None:
        stated = sex.strip().upper()
        if stated not in ("L", "P"):
            problems.append(f"jenis kelamin isian harus L atau P, tertulis {sex!r}")
        elif stated != info.sex:
            hint = "tanggal lahir ditambah 40" if info.sex == "P" else "tanggal lahir tanpa tambahan 40"
            problems.append(
                f"NIK menunjukkan {_sex_word(info.sex)} ({hint}), isian jenis kelamin {_sex_word(stated)}"
            )
    return problems


def parse_kk(value: str) -> str:
    """Normalise and check a KK (Kartu Keluarga) number: 16 digits, not all zeros."""
    kk = _sixteen_digits(value, "Nomor KK")
    if kk == "0" * 16:
        raise ValueError("Nomor KK tidak boleh semuanya 0")
    return kk
