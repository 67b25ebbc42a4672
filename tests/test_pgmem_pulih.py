"""Recovery closes an abandoned reservation whose letter names no application (no ``nomor_registrasi``, or
null: a damaged or hand-made record) BATAL all the same, on both backends, instead of crashing every
writing step that starts with the recovery."""

from __future__ import annotations

import pytest
from register_backends import Backend, wait_for
from test_pg_antarmuka import SCOPE, _abandoned, new_letter, state

from sakti_cli.register import session


def _reserve_without_application(register: session.Register, missing: bool) -> dict:
    with register.transaction() as step:
        sequence = step.next_letter_sequence(SCOPE)
        letter = new_letter(sequence, None)
        if missing:
            del letter["nomor_registrasi"]
        step.add_letter(letter)  # type: ignore[arg-type]
        step.audit("pesan_nomor", letter["nomor_surat"], None, "DIPESAN", lingkup=SCOPE, urut=sequence)
    return letter


@pytest.mark.parametrize("missing", [True, False], ids=["tanpa_kunci", "null"])
def test_an_abandoned_number_without_application_is_closed(backend: Backend, missing: bool) -> None:
    desk = backend.desk()
    stale = backend.dying_desk(lambda register: _reserve_without_application(register, missing))
    assert wait_for(lambda: _abandoned(desk, stale))
    with desk.transaction():  # every writing step starts with the recovery: it must not crash
        pass
    closed = state(desk, stale)
    assert closed["status"] == "BATAL" and closed["alasan_batal"] == "proses terhenti"
    with desk.reading() as step:
        assert not list(step.open_reservations())
        assert [e["objek"] for e in step.events() if e["aksi"] == "batal_nomor"] == [stale["nomor_surat"]]
