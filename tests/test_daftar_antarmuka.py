"""The listings' filters on the register interface, on both backends: name (forgiving), desa and NIK answered
from the applications' search keys (TinyDB's index per month, PostgreSQL's GIN/expression indexes), with the
period; a read-only session changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from register_backends import Backend, backend, pg_module  # noqa: F401

from sakti_cli.register import session
from sakti_cli.register.search import search_keys

PEOPLE = [("REG-202610-0001", "Djoko Soesilo", "Madurejo", "6201025403850001"),
          ("REG-202610-0002", "Siti Aminah", "Mendawai", "6201025403850002"),
          ("REG-202611-0001", "Joko Susilo", "Raja Seberang", "6201025403850003"),
          ("REG-202611-0002", "Abdul Rahman", "madurejo", "6201025403850004"),
          ("REG-202611-0003", "Tjahja Njoman", "Baru", "6201025403850005")]


def _record(reg: str, name: str, desa: str, nik: str) -> dict[str, Any]:
    data = {"nama": name, "desa": desa, "nik": nik}
    moment = f"{reg[4:8]}-{reg[8:10]}-0{reg[-1]}T09:00:00+07:00"
    return {"nomor_registrasi": reg, "layanan": "sktm", "status": "DITERIMA", "data": data, "berkas": {},
            "dibuat": moment, "diubah": moment, "riwayat": [], "nomor_batal": [], "cari": search_keys(None, data)}


@pytest.fixture
def filled(backend: Backend) -> session.Register:  # noqa: F811
    desk = backend.desk()
    for reg, name, desa, nik in PEOPLE:
        with desk.transaction() as step:
            assert f"{step.next_registration_sequence(reg[4:10]):04d}" == reg[-4:]
            step.add_application(_record(reg, name, desa, nik))  # type: ignore[arg-type]
            step.set_nik_applications(session.nik_digest(nik), [{"nomor_registrasi": reg, "layanan": "sktm"}])
    return desk


def _regs(register: session.Register, **where: Any) -> list[str]:
    with register.reading() as step:
        return [str(r["nomor_registrasi"]) for r in step.applications(session.ApplicationFilter(**where))]


def test_name_desa_and_nik_filters(filled: session.Register) -> None:
    assert _regs(filled, nama="joko susilo") == ["REG-202610-0001", "REG-202611-0001"]
    assert _regs(filled, nama="JOKO", dari=date(2026, 11, 1)) == ["REG-202611-0001"]
    assert _regs(filled, nama="abdulrahman") == ["REG-202611-0002"]
    assert _regs(filled, nama="cahya nyoman") == ["REG-202611-0003"]
    assert _regs(filled, nama="budi") == []
    assert _regs(filled, desa="MADUREJO") == ["REG-202610-0001", "REG-202611-0002"]
    assert _regs(filled, desa="madurejo", sampai=date(2026, 10, 31)) == ["REG-202610-0001"]
    assert _regs(filled, nik="6201025403850002") == ["REG-202610-0002"]
    assert _regs(filled, nik="6201025403850009") == []
    assert _regs(filled, nama="siti", nik="6201025403850001") == []


def test_a_changed_name_is_found_by_its_new_name_only(filled: session.Register) -> None:
    with filled.transaction() as step:
        record = step.get_application("REG-202611-0001")
        assert record is not None
        record["data"]["nama"] = "Budi Santoso"
        record["cari"] = search_keys(None, record["data"])
        step.save_application(record)
    assert _regs(filled, nama="budi santoso") == ["REG-202611-0001"]
    assert _regs(filled, nama="joko susilo") == ["REG-202610-0001"]
