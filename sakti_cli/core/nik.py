"""NIK and KK numbers: the one place that knows their shape. Normalising, parsing, checking against
the applicant's stated data, and finding them in free text (for masking, privacy.py).

NIK structure (16 digits): PP province, KK regency, CC kecamatan, DD birth day (+40 for women),
MM month, YY two-digit year, NNNN serial from 0001. A KK (Kartu Keluarga) number has the same
shape with the date the card was issued (DDMMYY, no +40) in place of the birth date, so every KK
number also has the shape :func:`has_id_shape` recognises. Messages never repeat the whole number
(PDP): at most the birth-date digits, which the applicant typed themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sakti_cli.core.id_format import mask_nik

# Province codes of Kemendagri (incl. the Papua provinces formed in 2022: 93-96).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
     61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
)  # fmt: skip

_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]")
_SIXTEEN = re.compile(r"[0-9]{16}")
# A NIK or KK number as people write it: 16 digits in one run, or grouped 4-4-4-4 or 6-6-4 by one
# kind of separator (space, dot, dash). Never part of a longer number: no digit on either side, and
# a grouped one is neither preceded nor followed by another group of four digits.
_GAP = r"[ .\-\u00a0\u2010-\u2015]"
_WRITTEN = re.compile(
    r"(?<![0-9])(?:"
    rf"(?<![0-9]{{4}}{_GAP})[0-9]{{4}}(?P<s4>{_GAP})[0-9]{{4}}(?P=s4)[0-9]{{4}}(?P=s4)[0-9]{{4}}(?!{_GAP}[0-9]{{4}})"
    rf"|(?<![0-9]{{4}}{_GAP})[0-9]{{6}}(?P<s6>{_GAP})[0-9]{{6}}(?P=s6)[0-9]{{4}}(?!{_GAP}[0-9]{{4}})"
    r"|[0-9]{16}"
    r")(?![0-9])"
)
_MAYBE = re.compile(
    rf"[0-9]{{4}}(?:[0-9]{{12}}|{_GAP}[0-9]{{4}}{_GAP}[0-9]{{4}}{_GAP}[0-9]{{4}}|[0-9]{{2}}{_GAP}[0-9]{{6}}{_GAP}[0-9]{{4}})"
)  # 16 digits, 4-4-4-4 or 6-6-4 with any separators; one leading run of four: ~4x quicker to search than three
_HEX = frozenset("0123456789abcdefABCDEF")
DIGEST_HEX = 32  # a run of this many hex characters or more is a digest (MD5 and up), never a NIK
_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def has_id_shape(digits: str) -> bool:
    """Whether 16 digits can be a NIK or a KK number: a Kemendagri province code, a day 01-31 (or
    41-71: a woman's NIK) and a month 01-12. Lenient on purpose (no calendar check, any regency or
    serial): a mistyped NIK is still personal data. 16 digits without this shape are not masked."""
    if len(digits) != 16 or not digits.isascii() or not digits.isdigit():
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    return int(digits[0:2]) in PROVINCE_CODES and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12


def _hex_run(text: str, start: int, end: int) -> int:
    """Length of the run of hex characters around ``text[start:end]``."""
    while start > 0 and text[start - 1] in _HEX:
        start -= 1
    while end < len(text) and text[end] in _HEX:
        end += 1
    return end - start


def may_hold_id_number(text: str) -> bool:
    """A quick test before :func:`find_id_numbers` on much text: False means it finds nothing there (every
    number it finds contains one of these digit runs); True only that it may (a digest holds 16 digits)."""
    return _MAYBE.search(text) is not None


def find_id_numbers(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, digits)`` of every NIK/KK number written in ``text``, also glued to letters
    (``NIK6201...``, ``ktp6201....jpg``); not inside a digest (a run of DIGEST_HEX+ hex characters:
    a SHA-256 may hold 16 decimal digits in a row), nor inside a longer number (an 18-digit NIP)."""
    if not may_hold_id_number(text):
        return
    for match in _WRITTEN.finditer(text):
        start, end = match.span()
        written = match.group(0)
        digits = normalise_nik(written)
        if not has_id_shape(digits):
            continue
        groups = _SEPARATORS.split(written)  # the first and last group touch the text around
        if (_hex_run(text, start, start + len(groups[0])) >= DIGEST_HEX
                or _hex_run(text, end - len(groups[-1]), end) >= DIGEST_HEX):
            continue
        yield start, end, digits


def mask_id_numbers(text: str) -> str:
    """Every NIK/KK number in ``text`` as ``6201********0003`` (id_format.mask_nik), however written."""
    out, last = [], 0
    for start, end, digits in find_id_numbers(text):
        out += [text[last:start], mask_nik(digits)]
        last = end
    return "".join(out) + text[last:] if out else text


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
