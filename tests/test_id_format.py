from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sakti_cli.core.errors import InputError
from sakti_cli.core.id_format import (
    bulan_indonesia,
    bulan_romawi,
    format_nip,
    jenis_kelamin_label,
    mask_nik,
    rupiah,
    tanggal_indonesia,
    terbilang,
)


def test_tanggal_indonesia() -> None:
    assert tanggal_indonesia(dt.date(2026, 11, 22)) == "22 November 2026"
    assert tanggal_indonesia(dt.date(1990, 3, 7)) == "7 Maret 1990"
    assert tanggal_indonesia(dt.datetime(2026, 1, 1, 8, 30)) == "1 Januari 2026"
    assert tanggal_indonesia("2024-02-29") == "29 Februari 2024"


def test_tanggal_indonesia_invalid() -> None:
    with pytest.raises(InputError):
        tanggal_indonesia("2026-02-30")
    with pytest.raises(InputError):
        tanggal_indonesia("22/11/2026")


def test_bulan() -> None:
    assert [bulan_indonesia(m) for m in (1, 5, 8, 12)] == ["Januari", "Mei", "Agustus", "Desember"]
    assert [bulan_romawi(m) for m in range(1, 13)] == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ]  # fmt: skip
    for salah in (0, 13, -1):
        with pytest.raises(InputError):
            bulan_indonesia(salah)
        with pytest.raises(InputError):
            bulan_romawi(salah)


@pytest.mark.parametrize(
    ("n", "kata"),
    [
        (0, "nol"),
        (1, "satu"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (111, "seratus sebelas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (2000, "dua ribu"),
        (11_000, "sebelas ribu"),
        (100_000, "seratus ribu"),
        (125_000, "seratus dua puluh lima ribu"),
        (101_000, "seratus satu ribu"),
        (1_000_000, "satu juta"),
        (2_500_000, "dua juta lima ratus ribu"),
        (1_001_011, "satu juta seribu sebelas"),
        (1_000_001_000, "satu miliar seribu"),
        (1_000_000_000_000, "satu triliun"),
        (999_999_999_999_999, "sembilan ratus sembilan puluh sembilan triliun sembilan ratus sembilan "
         "puluh sembilan miliar sembilan ratus sembilan puluh sembilan juta sembilan ratus sembilan "
         "puluh sembilan ribu sembilan ratus sembilan puluh sembilan"),
        (-5, "minus lima"),
    ],
)
def test_terbilang(n: int, kata: str) -> None:
    assert terbilang(n) == kata


def test_terbilang_invalid() -> None:
    with pytest.raises(InputError):
        terbilang(10**15)
    with pytest.raises(InputError):
        terbilang(1.5)  # type: ignore[arg-type]


def test_rupiah() -> None:
    assert rupiah(5000) == "Rp5.000,00"
    assert rupiah(0) == "Rp0,00"
    assert rupiah(125_000) == "Rp125.000,00"
    assert rupiah(1_234_567.891) == "Rp1.234.567,89"
    assert rupiah(Decimal("0.005")) == "Rp0,01"
    assert rupiah("2500000") == "Rp2.500.000,00"
    assert rupiah(-1500.5) == "-Rp1.500,50"
    with pytest.raises(InputError):
        rupiah("lima ribu")
    with pytest.raises(InputError):
        rupiah(float("nan"))


def test_mask_nik() -> None:
    assert mask_nik("6201010101900001") == "6201********0001"
    assert mask_nik(" 6201010101900001 ") == "6201********0001"
    assert mask_nik("123456789") == "*****6789"
    assert mask_nik("1234") == "****"
    assert mask_nik("") == ""


def test_format_nip() -> None:
    assert format_nip("198007231998102001") == "NIP. 19800723 199810 2 001"
    assert format_nip("19800723 199810 2 001") == "NIP. 19800723 199810 2 001"
    assert format_nip("12345") == "NIP. 12345"
    assert format_nip("-") == "NIP. -"
    assert format_nip("") == ""


def test_jenis_kelamin_label() -> None:
    assert jenis_kelamin_label("L") == "Laki-laki"
    assert jenis_kelamin_label("p") == "Perempuan"
    with pytest.raises(InputError):
        jenis_kelamin_label("X")
