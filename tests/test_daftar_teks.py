"""The forgiving name search (one normaliser for what is indexed and what is typed) and the period options."""

from __future__ import annotations

from datetime import date

import pytest

from sakti_cli.core.errors import InputError
from sakti_cli.core.period import read_period
from sakti_cli.core.text import name_matches, search_terms, search_words


@pytest.mark.parametrize(("stored", "typed"), [
    ("Djoko Soesilo", "joko susilo"),
    ("Djoko Soesilo", "SUSILO"),
    ("Tjahja Djojohadikoesoemo", "cahya joyohadikusumo"),
    ("Njoman Sjarifuddin", "nyoman syarifudin"),
    ("Chairoel Anwar", "khairul anwar"),
    ("Pandji Andjani", "panji anjani"),
    ("Soenjoto", "sunyoto"),
    ("Muhammad  Noer", "muhamad nur"),
    ("Siti Aminah", "  siti   AMINAH "),
    ("Abdul Rahman", "abdulrahman"),
    ("Abdulrahman", "abdul rahman"),
    ("Ma'ruf Amin", "maruf"),
    ("Élise Pétronella", "elise petronela"),
])
def test_old_and_new_spellings_are_one_name(stored: str, typed: str) -> None:
    assert name_matches(typed, stored), (search_terms(stored), search_words(typed))


@pytest.mark.parametrize(("stored", "typed"), [
    ("Djoko Soesilo", "budi"),
    ("Djoko Soesilo", "joko budi"),  # every word typed must be in the name
    ("Jaya Sentosa", "yaya"),  # a plain j stays a j in a word without any old spelling
    ("Siti Aminah", ""),
])
def test_other_names_are_not_found(stored: str, typed: str) -> None:
    assert not name_matches(typed, stored)


def test_the_index_terms_and_the_query_share_the_normaliser() -> None:
    assert search_terms("Djoko Soesilo") == ["joko", "susilo", "jokosusilo"]
    assert search_words("DJOKO") == search_words("Joko") == ["joko"]


def test_periods() -> None:
    assert read_period(bulan="2026-11").dari == date(2026, 11, 1)
    assert read_period(bulan="2026-02").sampai == date(2026, 2, 28)
    assert read_period(tahun=2026).label() == "tahun 2026"
    assert read_period(bulan="2026-11").label() == "November 2026"
    assert read_period(dari="2026-11-05").sampai is None
    for bad in ({"bulan": "2026-13"}, {"bulan": "nov"}, {"tahun": 26}, {"dari": "5/11/2026"},
                {"dari": "2026-11-05", "sampai": "2026-11-01"}, {"bulan": "2026-11", "tahun": 2026}):
        with pytest.raises(InputError) as caught:
            read_period(**bad)  # type: ignore[arg-type]
        assert "--" in caught.value.pesan and caught.value.saran
