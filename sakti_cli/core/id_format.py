"""Indonesian formatting for print: dates, month names, numbers in words, rupiah, NIK and NIP.

Pure functions, standard library only. Invalid input raises :class:`sakti_cli.core.errors.InputError`
with an Indonesian message.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sakti_cli.core.errors import InputError

_BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

# "Agu", "Okt", "Des": the first three letters of each name are the usual Indonesian short forms
_BULAN_SINGKAT = tuple(name[:3] for name in _BULAN)

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # date.weekday() order

_ROMAWI = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

_SATUAN = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)

# (value, word) from the largest; "ribu" is special-cased for "seribu".
_SKALA = (
    (10**12, "triliun"),
    (10**9, "miliar"),
    (10**6, "juta"),
    (10**3, "ribu"),
)

_BATAS_TERBILANG = 10**15  # up to 999 triliun


def _cek_bulan(month: int) -> int:
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InputError(
            f"Bulan tidak valid: {month!r} (harus 1 sampai 12).",
            saran="Periksa tanggal yang dimasukkan.",
        )
    return month


def bulan_indonesia(month: int) -> str:
    """Month name in Indonesian: ``11`` -> ``"November"``."""
    return _BULAN[_cek_bulan(month) - 1]


def bulan_romawi(month: int) -> str:
    """Month as a Roman numeral, as used in letter numbers: ``11`` -> ``"XI"``."""
    return _ROMAWI[_cek_bulan(month) - 1]


def tanggal_indonesia(tanggal: _dt.date | str) -> str:
    """``date(2026, 11, 22)`` (or ``"2026-11-22"``) -> ``"22 November 2026"``; no leading zero on the day."""
    if isinstance(tanggal, str):
        try:
            tanggal = _dt.date.fromisoformat(tanggal.strip())
        except ValueError:
            raise InputError(
                f"Tanggal tidak valid: {tanggal!r}.",
                saran="Tulis tanggal dengan format TTTT-BB-HH, misalnya 2026-11-22.",
            ) from None
    if not isinstance(tanggal, _dt.date):
        raise InputError(f"Tanggal tidak valid: {tanggal!r}.",
                         saran="Tulis tanggal sebagai 2026-11-16 atau 16-11-2026.")
    return f"{tanggal.day} {_BULAN[tanggal.month - 1]} {tanggal.year}"


def hari_tanggal_indonesia(tanggal: _dt.date | str) -> str:
    """``date(2026, 12, 19)`` -> ``"Sabtu, 19 Desember 2026"`` (the "Hari/Tanggal" of a letter)."""
    text = tanggal_indonesia(tanggal)
    day = _dt.date.fromisoformat(tanggal.strip()) if isinstance(tanggal, str) else tanggal
    return f"{HARI[day.weekday()]}, {text}"


def waktu_singkat(moment: _dt.datetime | str | None, zone: _dt.tzinfo | None) -> str:
    """The one form of a moment for people: ``"2 Des 2026 01.04 WIB"``, in the office's zone.

    ``moment`` may be an ISO 8601 text as the register stores it; a naive moment is taken as UTC (what
    pyHanko and the certificates carry); ``None`` or an empty text gives ``"-"``. Without ``zone`` (a
    backup's moment read away from its office) the moment keeps the zone it was written in."""
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        text = moment
        try:
            moment = _dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return text  # not a moment: shown as stored rather than hidden
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    if zone is None:
        from sakti_cli.core.clock import ZONES

        offset = moment.utcoffset()
        zone = next((z for z in ZONES.values() if z.utcoffset(None) == offset), moment.tzinfo)
    local = moment.astimezone(zone)
    name = local.tzname() or ""
    return (f"{local.day} {_BULAN_SINGKAT[local.month - 1]} {local.year} {local.hour:02d}.{local.minute:02d}"
            f"{' ' + name if name else ''}")


def _ratusan(n: int) -> list[str]:
    """Words for 1..999 (empty list for 0)."""
    kata: list[str] = []
    ratus, sisa = divmod(n, 100)
    if ratus == 1:
        kata.append("seratus")
    elif ratus > 1:
        kata += [_SATUAN[ratus], "ratus"]
    if sisa == 0:
        return kata
    if sisa < 12:
        kata.append(_SATUAN[sisa])
    elif sisa < 20:
        kata += [_SATUAN[sisa - 10], "belas"]
    else:
        puluh, satuan = divmod(sisa, 10)
        kata += [_SATUAN[puluh], "puluh"]
        if satuan:
            kata.append(_SATUAN[satuan])
    return kata


MONEY_ADVICE = "Tulis jumlah uang sebagai angka, mis. 1500000 atau 1500000.50."


def terbilang(n: int) -> str:
    """A whole number in Indonesian words: ``125000`` -> ``"seratus dua puluh lima ribu"``.

    ``0`` -> ``"nol"``; ``1000`` -> ``"seribu"``; ``1000000`` -> ``"satu juta"``; negative numbers get
    ``"minus"``. Supported up to 999 triliun.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise InputError(f"Terbilang hanya untuk bilangan bulat, bukan {n!r}.",
                         saran="Isi kolom itu dengan bilangan bulat tanpa titik atau koma, mis. 1500000.")
    if n < 0:
        return "minus " + terbilang(-n)
    if n >= _BATAS_TERBILANG:
        raise InputError(f"Bilangan {n} terlalu besar untuk ditulis terbilang (batas 999 triliun).",
                         saran="Periksa isian angkanya: kemungkinan ada digit berlebih.")
    if n == 0:
        return "nol"
    kata: list[str] = []
    sisa = n
    for nilai, nama in _SKALA:
        kelompok, sisa = divmod(sisa, nilai)
        if kelompok == 0:
            continue
        if nama == "ribu" and kelompok == 1:
            kata.append("seribu")
        else:
            kata += [*_ratusan(kelompok), nama]
    kata += _ratusan(sisa)
    return " ".join(kata)


def rupiah(amount: int | float | Decimal | str) -> str:
    """``5000`` -> ``"Rp5.000,00"``; ``-1500.5`` -> ``"-Rp1.500,50"`` (rounded half up to the sen)."""
    try:
        nilai = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    except InvalidOperation:
        raise InputError(f"Jumlah uang tidak valid: {amount!r}.", saran=MONEY_ADVICE) from None
    if isinstance(amount, bool) or not nilai.is_finite():
        raise InputError(f"Jumlah uang tidak valid: {amount!r}.", saran=MONEY_ADVICE)
    nilai = nilai.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    tanda = "-" if nilai < 0 else ""
    utuh, _, sen = f"{abs(nilai):f}".partition(".")
    utuh_titik = f"{int(utuh):,}".replace(",", ".")
    return f"{tanda}Rp{utuh_titik},{sen or '00'}"


def mask_nik(value: str) -> str:
    """Mask a NIK or KK number for display.

    16 digits: keep the first 4 and last 4 (``"6201********0001"``). Other lengths: mask all but the
    last 4; values of 4 characters or fewer are masked entirely. Surrounding whitespace is ignored.
    """
    s = "".join(str(value).split())
    if len(s) == 16:
        return s[:4] + "*" * 8 + s[-4:]
    if len(s) <= 4:
        return "*" * len(s)
    return "*" * (len(s) - 4) + s[-4:]


def format_nip(nip: str) -> str:
    """``"198007231998102001"`` -> ``"NIP. 19800723 199810 2 001"`` (groups 8 6 1 3).

    Spaces in the input are ignored when checking for 18 digits. Anything else is returned as
    ``"NIP. <as given>"``; an empty value gives ``""`` (a signatory without NIP prints no NIP line).
    """
    s = str(nip).strip()
    if not s:
        return ""
    padat = "".join(s.split())
    if len(padat) == 18 and padat.isascii() and padat.isdigit():
        return f"NIP. {padat[:8]} {padat[8:14]} {padat[14]} {padat[15:]}"
    return f"NIP. {s}"


def jenis_kelamin_label(kode: str) -> str:
    """``"L"`` -> ``"Laki-laki"``, ``"P"`` -> ``"Perempuan"`` (case-insensitive)."""
    k = str(kode).strip().upper()
    if k == "L":
        return "Laki-laki"
    if k == "P":
        return "Perempuan"
    raise InputError(
        f"Jenis kelamin tidak valid: {kode!r}.",
        saran="Isi dengan L (laki-laki) atau P (perempuan).",
    )
