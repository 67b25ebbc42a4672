"""``sakti massal``: a CSV of SKTM rows with a handful of bad ones; run twice; --uji changes nothing."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from conftest import REPO, Cli
from json_schemas import schema_errors

from sakti_cli.cli.schemas import BarisMassal

GOOD = 16
NAMES = ["Rusmini", "Budi", "Sari", "Agus", "Dewi", "Joko", "Lina", "Eko", "Rina", "Andi", "Wati", "Hadi", "Nur",
         "Iwan", "Tuti", "Yudi", "Siti", "Rudi", "Ani", "Dodi"]


def _nik(day: int, woman: bool, serial: int) -> str:
    return f"620102{day + 40 if woman else day:02d}0385{serial:04d}"


def _example() -> dict:
    return json.loads((REPO / "contoh" / "sktm" / "pemohon.json").read_text())


def _row(number: int, env: dict) -> dict[str, str]:
    day, woman = 1 + number, number % 2 == 0
    row = {**env["isian"], "nama": NAMES[number], "nik": _nik(day, woman, number + 1),
           "tanggal_lahir": f"1985-03-{day:02d}", "jenis_kelamin": "P" if woman else "L"}
    row.update({f"berkas.{code}": name for code, name in env["berkas"].items()})
    return row


def _batch(tmp_path: Path) -> tuple[Path, dict[int, str]]:
    """GOOD rows, then a bad NIK, a missing file, a path leaving the folder: CSV line -> expected outcome."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("ktp.jpg", "kk.jpg", "pengantar.pdf"):
        shutil.copy(REPO / "contoh" / "sktm" / name, folder / name)
    env = _example()
    rows = [_row(n, env) for n in range(GOOD)]
    rows.append({**_row(GOOD, env), "nik": "62010212345"})
    rows.append({**_row(GOOD + 1, env), "berkas.kk": "hilang.jpg"})
    rows.append({**_row(GOOD + 2, env), "berkas.ktp": "../ktp.jpg"})
    table = folder / "sktm.csv"
    with table.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    expected = {n + 2: "terdaftar" for n in range(GOOD)}
    expected.update({GOOD + 2: "ditolak", GOOD + 3: "kurang", GOOD + 4: "ditolak"})
    return table, expected


def subset(table: Path, picks: list[int], name: str) -> Path:
    """A smaller CSV beside ``table`` holding its rows ``picks`` (0-based, repeats allowed)."""
    with table.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    target = table.with_name(name)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([rows[n] for n in picks])
    return target


def _lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def _tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(".kunci"):  # the register lock files
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_batch_registers_good_rows_once_and_reports_bad_ones(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    table, expected = _batch(tmp_path)
    before = _tree_hash(kantor)
    dry = cli("massal", table, "--layanan", "sktm", "--uji", "--json")
    assert dry.exit_code == 1, dry.stderr
    assert _tree_hash(kantor) == before  # --uji changed nothing
    assert {r["baris"]: r["hasil"] for r in _lines(dry.stdout)[:-1]}[2] == "akan_didaftarkan"

    first = cli("massal", table, "--layanan", "sktm", "--json")
    assert first.exit_code == 1, first.stderr
    lines = _lines(first.stdout)
    rows, summary = lines[:-1], lines[-1]
    assert [r["jenis"] for r in rows] == ["baris"] * len(expected) and summary["jenis"] == "ringkasan"
    got = {r["baris"]: r for r in rows}
    for number, what in expected.items():
        row = got[number]
        if what == "terdaftar":
            assert row["hasil"] == "terdaftar" and row["status"] == "LENGKAP", row
        elif what == "kurang":
            assert row["hasil"] == "terdaftar" and row["status"] == "BELUM_LENGKAP" and row["kurang"] == ["kk"], row
        else:
            assert row["hasil"] == "ditolak" and row["nomor_registrasi"] is None and row["alasan"], row
    assert "nik" in got[GOOD + 2]["alasan"].lower()
    assert "berkas.ktp" in got[GOOD + 4]["alasan"]
    niks = [_nik(1 + n, n % 2 == 0, n + 1) for n in range(GOOD + 3)]
    assert not any(nik in first.stdout + first.stderr for nik in niks)  # no full NIK in any output
    assert not schema_errors("massal", summary)
    for row in rows:
        BarisMassal.model_validate(row)
    assert summary["terdaftar"] == GOOD + 1 and summary["ditolak"] == 2 and summary["ok"] is False
    registered = cli.json("permohonan")
    count = len(registered["permohonan"])
    assert count == GOOD + 1

    again = cli("massal", table, "--layanan", "sktm", "--json")
    assert again.exit_code == first.exit_code
    again_rows = {r["baris"]: r for r in _lines(again.stdout)[:-1]}
    for number, what in expected.items():
        if what != "ditolak":
            assert again_rows[number]["hasil"] == "sudah_ada"
            assert again_rows[number]["nomor_registrasi"] == got[number]["nomor_registrasi"]
    assert len(cli.json("permohonan")["permohonan"]) == count

    shutil.copy(table.parent / "kk.jpg", table.parent / "hilang.jpg")  # the missing file arrives
    third = _lines(cli("massal", table, "--layanan", "sktm", "--json").stdout)
    completed = {r["baris"]: r for r in third[:-1]}[GOOD + 3]
    assert completed["hasil"] == "sudah_ada" and completed["status"] == "LENGKAP" and completed["kurang"] == []
    assert len(cli.json("permohonan")["permohonan"]) == count
    index = "".join(p.read_text() for p in (kantor / "data" / "register" / "indeks").rglob("*.json"))
    assert index.count('"baris:') == GOOD + 1 and not any(nik in index for nik in niks)  # keys hashed


def test_xlsx_nik_as_number_is_refused_naming_row_and_column(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    from openpyxl import Workbook

    table, _ = _batch(tmp_path)
    with table.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))[:3]
    book = Workbook()
    sheet = book.active
    sheet.title = "Formulir"
    sheet.append(list(rows[0]))
    sheet.append(list(rows[0].values()))
    sheet.append([int(v) if k == "nik" else v for k, v in rows[1].items()])
    sheet.append(list(rows[2].values()))  # the row after the bad one is still read
    target = table.with_suffix(".xlsx")
    book.save(target)
    result = cli("massal", target, "--layanan", "sktm")
    assert result.exit_code == 1
    assert "baris 3" in result.stdout and "kolom nik" in result.stdout
    assert "3 baris: 2 terdaftar" in result.stdout
    assert len(cli.json("permohonan")["permohonan"]) == 2


def test_unreadable_file_exits_3(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "rusak.csv"
    bad.write_bytes(b"nama,nik\n\xff\xfe,1\n")
    result = cli("massal", bad, "--layanan", "sktm")
    assert result.exit_code == 3 and "rusak.csv" in result.stderr and "baris 2, kolom 1" in result.stderr


def test_a_file_without_rows_exits_3_and_registers_nothing(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    """An empty export (only the header, blank lines, or nothing) is not a batch done with exit 0."""
    for name, content in (("kosong.csv", ""), ("kepala.csv", "nama,nik\n,\n\n"), ("kosong.jsonl", "\n")):
        empty = tmp_path / name
        empty.write_text(content, encoding="utf-8")
        result = cli("massal", empty, "--layanan", "sktm", "--json")
        assert result.exit_code == 3, (name, result.stdout, result.stderr)
        assert "tidak memuat satu baris permohonan pun" in result.stderr and name in result.stderr
        [line] = result.stdout.splitlines()  # a JSON Lines stream from its first line: one galat record
        assert json.loads(line)["jenis"] == "galat" and json.loads(line)["error"]["kode"] == "BERKAS_TIDAK_TERBACA"
    assert cli.json("permohonan")["permohonan"] == []


def test_subprocess_json_lines(kantor: Path, tmp_path: Path) -> None:
    folder = tmp_path / "jl"
    folder.mkdir()
    for name in ("ktp.jpg", "kk.jpg", "pengantar.pdf"):
        shutil.copy(REPO / "contoh" / "sktm" / name, folder / name)
    env = _example()
    lines = [env, {**env, "isian": {**env["isian"], "nik": "12"}}]
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))  # files in another folder
    done = subprocess.run([str(REPO / ".venv" / "bin" / "sakti"), "massal", str(tmp_path / "b.jsonl"), "--layanan",
                           "sktm", "--folder-berkas", str(folder), "--json"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1, done.stderr
    out = _lines(done.stdout)
    assert [r["hasil"] for r in out[:-1]] == ["terdaftar", "ditolak"] and out[-1]["jenis"] == "ringkasan"
    assert out[0]["status"] == "LENGKAP"


def test_human_summary_table(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    table, _ = _batch(tmp_path)
    result = cli("massal", table, "--layanan", "sktm", "--uji")
    assert result.exit_code == 1
    assert "Uji massal" in result.stdout and "akan_didaftarkan" in result.stdout and "berkas.ktp" in result.stdout
    assert "19 baris" in result.stdout
