"""A register of some dozens of letters over two months (October and November 2026), built fast through the
register layer itself (the functions the desk's commands call: register, reserve, record issued, void, refuse),
with a fixed clock per step (SAKTI_WAKTU), no LibreOffice and no signature: a few-byte stand-in PDF per letter.

What it holds (``Built``): the SKTM scope begins with ``nomor mulai --dari 5`` (1-4 on the paper book); every
application is issued except a few refused or left open; some letters are voided (one replaced by a new
letter, one reservation closed by a failed issuance); one SKCK letter is signed by the sekcam.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

# (name as stored, desa, service) of the applicants; the names carry old spellings on purpose
PEOPLE = [
    ("Djoko Soesilo", "Madurejo", "sktm"), ("Siti Aminah", "Mendawai", "sktm"), ("Tjahja Njoman", "Raja", "sktm"),
    ("Muhammad Noer", "Sidorejo", "sktm"), ("Rusmini", "Mendawai", "sktm"), ("Abdul Rahman", "Baru", "sktm"),
    ("Sri Wahjoeni", "Madurejo", "sktm"), ("Chairoel Anwar", "Raja Seberang", "sktm"),
    ("Joko Susilo", "Kenambui", "sktm"), ("Dewi Lestari", "Medang Sari", "sktm"),
]
DAYS = [date(2026, 10, 5) + timedelta(days=3 * i) for i in range(18)]  # 5 Oct .. 25 Nov (two months)
NIK_BASE = "62010254038500"  # + two digits: valid NIKs (born 14-03-1985, a woman), one per application


@dataclass
class Built:
    root: Path
    regs: list[str] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)  # every reserved letter, in reservation order
    niks: dict[str, str] = field(default_factory=dict)  # reg -> full NIK
    names: dict[str, str] = field(default_factory=dict)  # reg -> name
    desa: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    voided: dict[str, str] = field(default_factory=dict)  # number -> reason
    replaced: dict[str, str] = field(default_factory=dict)  # voided number -> its replacement
    paper: tuple[int, int] = (1, 4)  # SKTM numbers on the paper book


@contextmanager
def clock(moment: str) -> Iterator[None]:
    before = os.environ.get("SAKTI_WAKTU")
    os.environ["SAKTI_WAKTU"] = moment
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SAKTI_WAKTU", None)
        else:
            os.environ["SAKTI_WAKTU"] = before


def _sktm(name: str, desa: str, nik: str, day: date) -> dict[str, Any]:
    return {"nama": name, "nik": nik, "nomor_kk": "6201020903100012", "tempat_lahir": "Pangkalan Bun",
            "tanggal_lahir": "1985-03-14", "jenis_kelamin": "P", "agama": "Islam", "pekerjaan": "Petani",
            "alamat": "Jl. Padat Karya RT 004 RW 002", "desa": desa, "keperluan": "keringanan biaya sekolah",
            "nomor_pengantar": "400.9.14.1/112/KEL/XI/2026", "tanggal_pengantar": day.isoformat(),
            "telepon": "0812-5123-4567"}


def _issue(ws: Any, register: Any, service: Any, reg: str, signatory: str) -> dict[str, Any]:
    """LENGKAP, a number reserved, a stand-in PDF, recorded TERBIT: the steps of 'terbitkan' without
    rendering or signing (record_issued links a replacement to the letter it replaces)."""
    from sakti_cli.issuance.steps import letter_pdf_path, record_issued
    from sakti_cli.register.applications import change_state, find_application, save_application
    from sakti_cli.register.letters import reserve_number
    from sakti_cli.register.states import ApplicationStatus

    person = ws.signatory(signatory)
    info = {"id": person.id, "nama": person.nama, "jabatan": person.jabatan, "peran": person.peran,
            "sifat": person.sifat}
    with register.transaction() as txn:
        record = find_application(txn, reg)
        if record["status"] != ApplicationStatus.LENGKAP:
            change_state(txn, record, ApplicationStatus.LENGKAP, "berkas lengkap", action="periksa")
            save_application(txn, record)
        letter = reserve_number(txn, ws, service, reg, info)
    final = letter_pdf_path(ws, letter)
    final.parent.mkdir(parents=True, exist_ok=True)
    final.write_bytes(f"%PDF-1.7\n% {letter['nomor_surat']}\n".encode())  # one digest per letter
    with register.transaction() as txn:
        issued, problem = record_issued(txn, ws, letter, reg, final, _digest(final), person.id,
                                        store=register.store)
    assert problem is None, problem
    return issued


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(root: Path, prepare: Any = None) -> Built:
    """The office at ``root`` and its register (about 40 letters); a second or so. ``prepare(root)`` edits the
    new office before its register is opened (tests/test_daftar_pg.py points it at a PostgreSQL server)."""
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace, find_workspace
    from sakti_cli.register.applications import register_application, reject
    from sakti_cli.register.letters import void_issued
    from sakti_cli.register.numbering import start_number
    from sakti_cli.register.upkeep import open_register
    from sakti_cli.services.sop import load_service

    ws = create_workspace(root, DEMO_OFFICE)
    if prepare is not None:
        prepare(root)
        ws = find_workspace(root)
    register = open_register(ws.register_dir, zone=ws.zone, actor="uji", workspace=ws)
    sktm = load_service(ws.sop_dir, "sktm")
    skck = load_service(ws.sop_dir, "skck")
    built = Built(ws.root)
    with clock("2026-10-01T08:00:00+07:00"), register.transaction() as txn:
        start_number(txn, ws, sktm, 5)  # numbers 1-4 were issued on the paper book
    serial = 0
    for index, day in enumerate(DAYS):
        for offset, (name, desa, _code) in enumerate(PEOPLE[(2 * index) % 10: (2 * index) % 10 + 2]):
            serial += 1
            nik = f"{NIK_BASE}{serial:02d}"
            with clock(f"{day.isoformat()}T{9 + offset:02d}:00:00+07:00"):
                record = register_application(ws, register, sktm, _sktm(name, desa, nik, day), [], day)
                reg = record["nomor_registrasi"]
                built.regs.append(reg)
                built.niks[reg], built.names[reg], built.desa[reg] = nik, name, desa
                if serial in (7, 19):
                    reject(register, reg, "pengantar desa kedaluwarsa")
                    built.refused.append(reg)
                    continue
                if serial == 30:
                    continue  # left open (DITERIMA)
                letter = _issue(ws, register, sktm, reg, "camat")
                built.letters.append(letter)
                if serial in (4, 12, 25):
                    reason = f"salah ketik nama pemohon ({serial})"
                    with register.transaction() as txn:
                        void_issued(txn, letter["nomor_surat"], reason)
                    built.voided[letter["nomor_surat"]] = reason
                    if serial == 12:  # replaced the same day by a new letter
                        again = _issue(ws, register, sktm, reg, "camat")
                        built.letters.append(again)
                        built.replaced[letter["nomor_surat"]] = again["nomor_surat"]
    with clock("2026-11-20T10:00:00+07:00"):  # one SKCK letter, signed by the sekcam
        data = {**_skck_data(ws), "nik": f"{NIK_BASE}99"}
        record = register_application(ws, register, skck, data, [], date(2026, 11, 20))
        built.regs.append(record["nomor_registrasi"])
        built.niks[record["nomor_registrasi"]] = data["nik"]
        built.letters.append(_issue(ws, register, skck, record["nomor_registrasi"], "sekcam"))
    return built


def _skck_data(ws: Any) -> dict[str, Any]:
    import json

    from sakti_cli.core.resources import bundled_dir

    example = json.loads((bundled_dir("contoh") / "skck" / "pemohon.json").read_text(encoding="utf-8"))
    return dict(example["isian"])


@pytest.fixture(scope="module", name="office")
def office_fixture() -> Iterator[Built]:
    """Built once per test module, in memory when the machine has a tmpfs (the build is a few hundred small
    register commits); fsync is skipped while building only (no crash is tested on this register)."""
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="sakti-daftar-", dir=shm if shm.is_dir() else None))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(os, "fsync", lambda fd: None)
            built = build(folder / "kantor")
        yield built
    finally:  # also when the build fails: the folder holds test NIKs and names
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(name="sakti")
def sakti_fixture(office: Built, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``sakti`` on that register, a few days after its last letter."""
    monkeypatch.setenv("SAKTI_KANTOR", str(office.root))
    monkeypatch.setenv("SAKTI_WAKTU", "2026-11-30T15:00:00+07:00")
    return cli
