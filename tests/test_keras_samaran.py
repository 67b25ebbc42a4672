"""Issue 8, items 7 and 9: NIK/KK numbers masked by their structure wherever they appear (data, free
text, file names, the audit trail), and the bundled SOPs refusing a NIK that contradicts the person.

Workspaces here are made by ``init_workspace`` without the demo PKI or LibreOffice: ``daftar``,
``periksa``, ``tolak``, ``status`` and ``riwayat`` need neither, so the tests stay fast.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, Cli

from sakti_cli.core.privacy import mask_payload, mask_text
from sakti_cli.register.letters import new_verification_code

NIK = "6201025403850003"  # Rusmini of contoh/sktm: never the applicant in the CLI tests below
MASKED = "6201********0003"
KK = "6201020903100012"
KK_MASKED = "6201********0012"


# --- the mask itself ---------------------------------------------------------------------------
MASKED_SPELLINGS = [
    (NIK, MASKED),
    (f"NIK {NIK} ganda", f"NIK {MASKED} ganda"),
    (f"NIK{NIK}", f"NIK{MASKED}"),  # glued to letters
    (f"NIK:{NIK}.", f"NIK:{MASKED}."),
    (f"ktp{NIK}.jpg", f"ktp{MASKED}.jpg"),  # a scan named after its holder
    (f"/tmp/kode{NIK}/surat.pdf", f"/tmp/kode{MASKED}/surat.pdf"),  # short hex letters before it: not a digest
    ("6201-0254-0385-0003", MASKED),  # 4-4-4-4
    ("6201 0254 0385 0003", MASKED),
    ("6201.0254.0385.0003.jpg", f"{MASKED}.jpg"),
    ("6201 0209 0310 0012", KK_MASKED),  # a KK number, grouped
    ("620102 540385 0003", MASKED),  # 6-6-4: region, date, serial
    ("620102-540385-0003", MASKED),
    (f"KK {KK}", f"KK {KK_MASKED}"),
    ("Nomor 6201 0209 0310 0012 2 lembar", "Nomor 6201********0012 2 lembar"),
    ("6201027112990001", "6201********0001"),  # day 71: a woman born on the 31st
    ("9601014101000001", "9601********0001"),  # Papua Barat Daya (96)
    (f"\x1b[1m{NIK}\x1b[0m", f"\x1b[1m{MASKED}\x1b[0m"),  # between terminal colour codes
]


def _digest_with_run(run: str, length: int = 64) -> str:
    """A hex digest that holds ``run`` (16 decimal digits) between hex letters."""
    return ("ab" * 32)[:10] + run + ("cd" * 40)[: length - 10 - len(run)]


NOT_MASKED = [
    _digest_with_run(NIK),  # a SHA-256 whose hex holds a NIK-shaped 16-digit run
    NIK + "ef" * 24,  # ... at its start
    "ab" * 24 + NIK,  # ... at its end
    _digest_with_run(NIK, 40),  # a SHA-1
    hashlib.sha256(b"contoh").hexdigest(),
    "K7M2P9QX4RTW8HZN",  # a verification code
    "19800723 199810 2 001",  # an 18-digit NIP, printed
    "NIP. 19800723 199810 2 001",
    "198007231998102001",  # ... and stored
    "081234567890",  # phone numbers
    "+62 812-3456-7890",
    "0812 3456 7890",
    "62010254038500031",  # 17 digits: part of a longer number
    "1234 6201 0254 0385 0003",  # five groups: a longer number
    "400.9.14.1/001/ARSEL/XI/2026",
    "REG-202611-0001",
    "2026-11-22T09:30:00+07:00",
    "Rp75.000.000,00",
    "6201-KM-21092026-0012",
    "4111 1111 1111 1111",  # a card number: province 41 does not exist
]

# 16 digits without a NIK's structure (see test_sixteen_digits_without_a_niks_structure_stay).
NOT_A_NIK = [
    "0012025403850003",  # province 00
    "6201025413850003",  # month 13
    "6201023503850003",  # day 35 (neither 01-31 nor 41-71)
    "2001025403850003",  # province 20 is not in Kemendagri's list
]


@pytest.mark.parametrize(("text", "expected"), MASKED_SPELLINGS)
def test_spellings_of_a_nik_are_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", NOT_MASKED)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_text(text) == text
    assert mask_payload({"nik": text, "x": [text]}) == {"nik": text, "x": [text]}


@pytest.mark.parametrize("text", NOT_A_NIK)
def test_sixteen_digits_without_a_niks_structure_stay(text: str) -> None:
    """16 digits that cannot be a NIK or KK number (province 00 or unknown, month 13, day 35) are NOT
    masked, not even under a key named ``nik``: the mask recognises a number by its region code and
    date, not by the key it sits under. That is the deliberate trade-off for never damaging a digest,
    a NIP, a phone number or a file name. (Fields an SOP declares as ``nik``/``kk`` are masked
    whatever they hold, and ``daftar`` refuses a NIK without this structure anyway.)"""
    assert mask_text(f"nomor {text}") == f"nomor {text}"
    assert mask_payload({"nik": text}) == {"nik": text}


def test_verification_codes_are_never_masked() -> None:
    """Codes have no 0 or 1, so 16 digits of a code can never hold a NIK's month (01-12)."""
    codes = [new_verification_code() for _ in range(300)]
    assert [mask_text(c) for c in codes] == codes


def test_payload_masked_by_structure_not_by_key() -> None:
    payload = {"berkas": {"kk": "kk-siti-rahmah.jpg", "ktp": f"ktp{NIK}.jpg"}, "nik": NIK,
               "catatan": f"KK 6201 0209 0310 0012 milik {NIK}", "sha256": _digest_with_run(NIK)}
    assert mask_payload(payload) == {"berkas": {"kk": "kk-siti-rahmah.jpg", "ktp": f"ktp{MASKED}.jpg"},
                                     "nik": MASKED, "catatan": f"KK {KK_MASKED} milik {MASKED}",
                                     "sha256": _digest_with_run(NIK)}


def test_one_nik_pattern_in_the_code() -> None:
    """The house has one NIK pattern (sakti_cli/core/nik.py); no module keeps a copy of its own."""
    copies = [str(p.relative_to(REPO)) for p in (REPO / "sakti_cli").rglob("*.py")
              if p.name != "nik.py" and re.search(r"\{16\}", p.read_text(encoding="utf-8"))]
    assert copies == []


# --- through the CLI -----------------------------------------------------------------------------
@pytest.fixture
def kantor_ringan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace without PKI or LibreOffice (register steps only)."""
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return ws.root


def _register_files(kantor: Path) -> dict[str, str]:
    folder = kantor / "data" / "register"
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8", errors="replace")
            for p in folder.rglob("*") if p.is_file()}


def _spellings_in(text: str) -> list[str]:
    return [s for s in (NIK, "6201-0254-0385-0003", "6201 0254 0385 0003") if s in text]


def test_kk_scan_names_are_shown_as_they_are(kantor_ringan: Path, cli: Cli) -> None:
    shown = cli.json("daftar", "ahli-waris", "--data", str(REPO / "contoh" / "ahli-waris" / "pemohon.json"))
    heir = shown["data"]["ahli_waris"][0]
    assert heir["berkas"] == {"ktp": "ktp-siti-rahmah.jpg", "kk": "kk-siti-rahmah.jpg"}
    assert heir["nik"] == "6201********0002" and heir["nomor_kk"] == "6201********0009"
    names = {e["nama_asli"] for entries in shown["berkas"].values() for e in entries}
    assert {"kk-siti-rahmah.jpg", "kk_pewaris.jpg"} <= names
    human = cli("status", shown["nomor_registrasi"])
    assert human.exit_code == 0 and "kk-siti-rahmah.jpg" in human.stdout
    assert "6201024203580002" not in human.stdout + json.dumps(shown)


def test_free_text_reaches_the_register_masked(kantor_ringan: Path, cli: Cli, tmp_path: Path) -> None:
    """A NIK typed in a reason, as the clerk's name or in a scan's file name is never stored in full."""
    scan = tmp_path / "masukan" / f"ktp{NIK}.jpg"
    scan.parent.mkdir()
    shutil.copy(REPO / "contoh" / "skck" / "ktp.jpg", scan)
    reg = cli.json("--petugas", "6201-0254-0385-0003", "daftar", "skck", "--data",
                   str(REPO / "contoh" / "skck" / "pemohon.json"), "--berkas", f"ktp={scan}")["nomor_registrasi"]
    rejected = cli("--petugas", NIK, "tolak", reg, "--alasan", f"NIK {NIK} ganda", "--json")
    assert rejected.exit_code == 0, rejected.stderr
    assert NIK not in rejected.stdout and MASKED in rejected.stdout
    target = tmp_path / f"arsip-{NIK}" / "cadangan.tar.gz"  # a path holding a NIK, recorded in the trail
    target.parent.mkdir()
    saved = cli("cadangkan", str(target))
    assert saved.exit_code == 0, saved.stderr

    files = _register_files(kantor_ringan)
    assert any(name.startswith("audit/") for name in files)
    leaks = {name: _spellings_in(text) for name, text in files.items() if _spellings_in(text)}
    assert leaks == {}
    # nor anywhere else in the workspace: no file holds it, no file or folder is named with it
    everywhere = [p for p in kantor_ringan.rglob("*")
                  if NIK in p.name or (p.is_file() and NIK.encode() in p.read_bytes())]
    assert everywhere == []
    audit = "".join(text for name, text in files.items() if name.startswith("audit/"))
    assert f"NIK {MASKED} ganda" in audit and f'"petugas":"{MASKED}"' in audit and f"arsip-{MASKED}" in audit

    status = cli.json("status", reg)
    assert status["status"] == "DITOLAK"
    assert f"NIK {MASKED} ganda" in json.dumps(status) and NIK not in json.dumps(status)
    history = cli("riwayat", "--objek", reg)
    assert history.exit_code == 0 and MASKED in history.stdout and NIK not in history.stdout
    mine = cli.json("riwayat", "--petugas", NIK)  # the filter finds the masked name
    assert [e["aksi"] for e in mine["peristiwa"]] == ["daftar", "tolak"]
    # --tampilkan-nik still shows the applicant's own numbers in full
    revealed = cli.json("--tampilkan-nik", "status", reg)
    assert revealed["data"]["nik"] == "6201020907010005" and revealed["data"]["nomor_kk"] == "6201021203150007"
    assert cli.json("register", "periksa")["bersih"] is True


# --- item 9: the bundled SOPs check the NIK against the person -------------------------------------
def _flip_sex(nik: str) -> str:
    day = int(nik[6:8])
    return f"{nik[:6]}{day - 40 if day > 40 else day + 40:02d}{nik[8:]}"


def _nik_for(nik: str, birth: str) -> str:
    """``nik`` with its date digits rewritten for ``birth`` (YYYY-MM-DD), keeping its sex."""
    year, month, day = birth.split("-")
    plus = 40 if int(nik[6:8]) > 40 else 0
    return f"{nik[:6]}{int(day) + plus:02d}{month}{year[2:]}{nik[12:]}"


NEEDLES = {"kelamin": "NIK menunjukkan", "tanggal": "tanggal lahir di NIK", "kk": "sama dengan nomor K",
           "masa_depan": "sesudah tanggal permohonan"}
FUTURE = "2026-12-25"  # after the fixed clock's 22 November 2026


def _person(data: dict[str, Any], path: str) -> dict[str, Any]:
    """``"ahli_waris[1]"`` -> that item; ``""`` -> the top level."""
    if not path:
        return data
    key, index = path.rstrip("]").split("[")
    item: dict[str, Any] = data[key][int(index)]
    return item


# (service, person in the data, suffix of its fields, its KK field, rule codes per variant). Not here:
# hibah, which asks only the chairman's NIK (no birth date, sex or KK number; nik_cocok checks its
# form). The deceased of ahli-waris and the witnesses have a NIK and a KK number only.
PEOPLE = [
    ("sktm", "", "", "nomor_kk", {"nik": "nik_pemohon", "kk": "nik_bukan_kk", "lahir": "lahir_pemohon"}),
    ("skck", "", "", "nomor_kk", {"nik": "nik_pemohon", "kk": "nik_bukan_kk", "lahir": "lahir_pemohon"}),
    ("izin-keramaian", "", "", None,
     {"nik": "nik_penanggung_jawab", "lahir": "lahir_penanggung_jawab"}),
    ("pindah", "", "", "nomor_kk", {"nik": "nik_pemohon", "kk": "nik_bukan_kk", "lahir": "lahir_pemohon"}),
    ("pindah", "anggota[1]", "", "nomor_kk",
     {"nik": "nik_anggota", "kk": "nik_anggota_bukan_kk", "lahir": "lahir_anggota"}),
    ("dispensasi-nikah", "", "_suami", None, {"nik": "nik_suami", "lahir": "lahir_suami"}),
    ("dispensasi-nikah", "", "_istri", None, {"nik": "nik_istri", "lahir": "lahir_istri"}),
    ("ahli-waris", "ahli_waris[1]", "", "nomor_kk",
     {"nik": "nik_ahli_waris", "kk": "nik_ahli_waris_bukan_kk", "lahir": "lahir_ahli_waris"}),
    ("ahli-waris", "saksi[0]", "", "nomor_kk", {"kk": "nik_saksi_bukan_kk"}),
    ("ahli-waris", "", "_pewaris", "nomor_kk_pewaris", {"kk": "nik_pewaris_bukan_kk"}),
]


def _variants() -> list[Any]:
    cases = []
    for service, where, suffix, kk_field, rules in PEOPLE:
        for variant in ("kelamin", "tanggal", "kk", "masa_depan"):
            rule = rules.get({"kelamin": "nik", "tanggal": "nik", "kk": "kk", "masa_depan": "lahir"}[variant])
            if rule is None or (variant == "kk" and kk_field is None):
                continue
            cases.append(pytest.param(service, where, suffix, kk_field, variant, rule,
                                      id=f"{service}-{where or 'pemohon'}{suffix}-{variant}"))
    return cases


def _change(data: dict[str, Any], where: str, suffix: str, kk_field: str | None, variant: str) -> None:
    person = _person(data, where)
    nik_key, birth_key, sex_key = f"nik{suffix}", f"tanggal_lahir{suffix}", f"jenis_kelamin{suffix}"
    if variant == "kelamin":
        if sex_key in person:
            person[sex_key] = "P" if person[sex_key] == "L" else "L"
        else:  # the sex is the role's (calon istri): a NIK of the other sex contradicts it
            person[nik_key] = _flip_sex(person[nik_key])
    elif variant == "tanggal":
        year, month, day = person[birth_key].split("-")
        person[birth_key] = f"{year}-{month}-{int(day) % 28 + 1:02d}"
    elif variant == "kk":
        assert kk_field is not None
        person[nik_key] = (person if kk_field in person else data)[kk_field]
    else:  # a birth date after the registration date, with a NIK that matches it (two-digit year)
        person[birth_key] = FUTURE
        person[nik_key] = _nik_for(person[nik_key], FUTURE)


@pytest.fixture
def copy_example(tmp_path: Path) -> Callable[[str, Callable[[dict[str, Any]], None]], Path]:
    def make(service: str, change: Callable[[dict[str, Any]], None]) -> Path:
        folder = tmp_path / f"contoh-{service}"
        shutil.copytree(REPO / "contoh" / service, folder)
        envelope = json.loads((folder / "pemohon.json").read_text())
        change(envelope["isian"])
        (folder / "pemohon.json").write_text(json.dumps(envelope))
        return folder / "pemohon.json"

    return make


@pytest.fixture(scope="module")
def _shared_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sakti_cli.office.workspace import init_workspace

    return init_workspace(tmp_path_factory.mktemp("samaran") / "kantor").root


@pytest.fixture
def kantor_bersama(_shared_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One workspace for the variants below (each registers its own application): no init per case."""
    monkeypatch.setenv("SAKTI_KANTOR", str(_shared_workspace))
    return _shared_workspace


@pytest.mark.parametrize(("service", "where", "suffix", "kk_field", "variant", "rule"), _variants())
def test_nik_contradicting_the_person_is_not_lengkap(kantor_bersama: Path, cli: Cli, copy_example: Any,
                                                      service: str, where: str, suffix: str,
                                                      kk_field: str | None, variant: str, rule: str) -> None:
    data = copy_example(service, lambda isian: _change(isian, where, suffix, kk_field, variant))
    reg = cli.json("daftar", service, "--data", str(data))["nomor_registrasi"]
    checked = cli.json("periksa", reg, code=1)
    assert checked["status"] == "BELUM_LENGKAP"
    failed = {line["kode"]: line for line in checked["hasil"] if line["status"] != "OK"}
    assert rule in failed, (rule, failed)
    assert failed[rule]["status"] == "TIDAK_VALID"
    message = failed[rule]["pesan"]
    assert NEEDLES[variant] in message, message
    if where:  # a person of a list is named
        assert f"ke-{int(where[-2]) + 1} (" in message, message
    assert not re.search(r"[0-9]{16}", message)  # the reason never repeats a number
