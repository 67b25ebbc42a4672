"""``sakti impor gform``: a realistic Google Form export (Indonesian headers, Drive's folder layout, one
missing file, one uploader whose Google name is not the typed name, one file named with '..\\' and control
characters, one bad NIK) imports as described, twice alike; naming the uploader completes that application."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, Cli
from gform_fixtures import HOSTILE_KTP, NIKS, PEOPLE, build_export
from json_schemas import schema_errors

from sakti_cli.cli.schemas import BarisImporGform

SERVICES = ["ahli-waris", "dispensasi-nikah", "hibah", "izin-keramaian", "pindah", "skck", "sktm"]


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace without keys or LibreOffice: importing registers and checks, it issues nothing."""
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return ws.root


def _lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def _run(cli: Cli, export: Path, downloads: Path, *extra: str) -> tuple[int, dict[int, dict], dict, str]:
    result = cli("impor", "gform", export, "--layanan", "sktm", "--folder-berkas", downloads, *extra, "--json")
    lines = _lines(result.stdout)
    rows, summary = lines[:-1], lines[-1]
    assert all(r["jenis"] == "baris" for r in rows) and summary["jenis"] == "ringkasan", result.stdout
    for row in rows:
        BarisImporGform.model_validate(row)
    assert not schema_errors("impor gform", summary)
    return result.exit_code, {r["baris"]: r for r in rows}, summary, result.stdout + result.stderr


def _no_full_nik(text: str) -> None:
    assert not any(nik in text for nik in NIKS if len(nik) == 16)


def _applications(cli: Cli) -> list[dict]:
    return cli.json("permohonan")["permohonan"]


def test_export_imports_twice_alike_and_naming_the_uploader_completes_that_application(
        office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    code, rows, summary, text = _run(cli, export, downloads)
    assert code == 1 and summary["ok"] is False
    _no_full_nik(text)
    assert "\x1b" not in text and "\x07" not in text  # the hostile file name reaches no output raw
    by_person = {p.row: p for p in PEOPLE}
    assert rows[2]["hasil"] == "terdaftar" and rows[2]["status"] == "LENGKAP" and rows[2]["tak_cocok"] == []
    photos = next(m for m in rows[2]["berkas"] if m["kode"] == "foto_rumah")
    assert photos["jawaban"] == 2 and photos["hasil"] == "cocok" and len(photos["berkas"]) == 2
    budi = rows[3]  # his Google account is "Budi S": nothing of his attached, the name offered
    assert budi["hasil"] == "terdaftar" and budi["status"] == "BELUM_LENGKAP"
    assert sorted(budi["kurang"]) == ["kk", "ktp", "pengantar"] == budi["tak_cocok"]
    assert all(m["hasil"] == "ragu" and m["calon"] == ["Budi S"] and not m["berkas"] for m in budi["berkas"])
    assert rows[4]["status"] == "LENGKAP"  # the hostile KTP matched by its uploader, stored cleaned
    assert rows[5]["status"] == "BELUM_LENGKAP" and rows[5]["kurang"] == ["kk"] == rows[5]["tak_cocok"]
    assert next(m for m in rows[5]["berkas"] if m["kode"] == "kk")["hasil"] == "tidak_ada"
    refused = rows[6]
    assert refused["hasil"] == "ditolak" and refused["nomor_registrasi"] is None
    assert "baris 6" in refused["alasan"] and "'NIK'" in refused["alasan"] and "16 digit" in refused["alasan"]
    assert summary["terdaftar"] == 4 and summary["ditolak"] == 1 and summary["belum_lengkap"] == 2
    apps = _applications(cli)
    assert len(apps) == 4
    assert not any(a.get("nama") == "Dewi Lestari" for a in apps)  # nothing registered for the bad NIK

    sari = cli.json("status", rows[4]["nomor_registrasi"])
    stored = sari["berkas"]["ktp"][0]
    assert stored["berkas"] == "ktp-1.jpg" and stored["nama_asli"] == "2J-ktp-sari-Sari-Dewi.jpg"
    assert (office / "data" / "berkas" / rows[4]["nomor_registrasi"] / "ktp-1.jpg").is_file()
    assert sari["data"]["telepon"] == "+6281251234569" and sari["data"]["jenis_kelamin"] == "P"
    assert sari["data"]["tanggal_lahir"] == "1985-03-05" and sari["data"]["surel"] == by_person[4].email
    assert cli.json("status", budi["nomor_registrasi"])["data"]["desa"] == "Raja"  # "Kelurahan Raja"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Formulir SKTM (Respons) - Respons Formulir 1.csv",
                                                           "kantor", "unduhan"]  # nothing escaped

    again_code, again, again_summary, again_text = _run(cli, export, downloads)
    assert again_code == code
    _no_full_nik(again_text)
    for number, first in rows.items():
        row = again[number]
        if first["hasil"] == "ditolak":
            assert row["hasil"] == "ditolak" and row["alasan"] == first["alasan"]
            continue
        assert row["hasil"] == "sudah_ada" and row["nomor_registrasi"] == first["nomor_registrasi"]
        assert (row["status"], row["kurang"], row["tak_cocok"]) == (first["status"], first["kurang"],
                                                                     first["tak_cocok"])
    assert again_summary["terdaftar"] == 0 and again_summary["berkas_dilampirkan"] == 0
    assert len(_applications(cli)) == 4

    named_code, named, named_summary, _ = _run(cli, export, downloads, "--pengunggah", "3=Budi S")
    assert named_code == 1  # Agus's KK and Dewi's NIK are still wrong
    assert named[3]["hasil"] == "sudah_ada" and named[3]["nomor_registrasi"] == budi["nomor_registrasi"]
    assert named[3]["status"] == "LENGKAP" and named[3]["dilampirkan"] == ["kk", "ktp", "pengantar"]
    assert named[3]["kurang"] == [] and named[3]["tak_cocok"] == []
    assert named_summary["berkas_dilampirkan"] == 3 and len(_applications(cli)) == 4
    trail = cli.json("riwayat", "--objek", budi["nomor_registrasi"])
    attach = [e for e in trail["peristiwa"] if e["aksi"] == "lengkapi"]
    assert len(attach) == 1 and attach[0]["detail"]["sumber"] == "impor gform baris 3"

    for number, row in named.items():  # every stored file is its own applicant's upload, never another's
        if row["nomor_registrasi"]:
            google = by_person[number].google.replace(" ", "-")
            stored_files = cli.json("status", row["nomor_registrasi"])["berkas"]
            assert all(e["nama_asli"].endswith(f"-{google}.jpg") or e["nama_asli"].endswith(f"-{google}.pdf")
                       for entries in stored_files.values() for e in entries), (number, stored_files)

    last_code, last, _, _ = _run(cli, export, downloads, "--pengunggah", "3=Budi S")
    assert last_code == named_code and last[3]["dilampirkan"] == [] and last[3]["status"] == "LENGKAP"
    assert len(_applications(cli)) == 4


def test_uji_says_what_an_import_would_do_and_changes_nothing(office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    def stored() -> dict[Path, bytes]:  # the register's files (a reader's lock file aside)
        return {f: f.read_bytes() for f in (office / "data" / "register").rglob("*")
                if f.is_file() and not f.name.startswith(".kunci")}

    before = stored()
    code, rows, summary, text = _run(cli, export, downloads, "--uji")
    assert code == 1 and summary["uji"] is True and summary["akan_didaftarkan"] == 4 and summary["terdaftar"] == 0
    assert rows[2]["hasil"] == "akan_didaftarkan" and rows[6]["hasil"] == "ditolak"
    assert "16 digit" in rows[6]["alasan"]
    _no_full_nik(text)
    assert stored() == before and _applications(cli) == []
    assert not (office / "data" / "berkas").exists() or not any((office / "data" / "berkas").iterdir())

    _, first, _, _ = _run(cli, export, downloads)  # the real import, then a test of naming Budi's account
    events = len(cli.json("riwayat", "--objek", first[3]["nomor_registrasi"])["peristiwa"])
    _, named, named_summary, _ = _run(cli, export, downloads, "--pengunggah", "3=Budi S", "--uji")
    assert named[3]["dilampirkan"] == ["kk", "ktp", "pengantar"] and named_summary["berkas_dilampirkan"] == 3
    assert named[3]["status"] == "BELUM_LENGKAP"  # nothing attached, nothing checked again
    assert len(cli.json("riwayat", "--objek", first[3]["nomor_registrasi"])["peristiwa"]) == events
    human = cli("impor", "gform", export, "--layanan", "sktm", "--folder-berkas", downloads, "--uji")
    assert "Tidak ada yang didaftarkan" in human.stdout + human.stderr


def test_the_uploader_named_in_the_sheet_or_by_registration_number(office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path, extra_column={3: "Budi S"})
    code, rows, _, _ = _run(cli, export, downloads)
    assert code == 1 and rows[3]["status"] == "LENGKAP" and rows[3]["tak_cocok"] == []
    assert rows[2]["status"] == "LENGKAP"  # the other rows keep their typed name

    other = tmp_path / "lagi"
    other.mkdir()
    export2, downloads2 = build_export(other)
    first = _run(cli, export2, downloads2)[1]  # the same responses (same keys): nothing new
    assert first[3]["hasil"] == "sudah_ada" and first[3]["status"] == "LENGKAP"

    bad = cli("impor", "gform", export, "--layanan", "sktm", "--folder-berkas", downloads, "--pengunggah", "99=X")
    assert bad.exit_code == 3 and "baris 99" in bad.stderr
    usage = cli("impor", "gform", export, "--layanan", "sktm", "--pengunggah", "Budi S")
    assert usage.exit_code == 2 and "BARIS=NAMA" in usage.stderr


def test_registration_number_names_the_row(office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    rows = _run(cli, export, downloads)[1]
    reg = rows[3]["nomor_registrasi"]
    named = _run(cli, export, downloads, "--pengunggah", f"{reg}=Budi S")[1]
    assert named[3]["status"] == "LENGKAP" and named[3]["dilampirkan"] == ["kk", "ktp", "pengantar"]


def test_human_summary_says_whom_to_name_and_shows_no_control_characters(office: Path, cli: Cli,
                                                                         tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    result = cli("impor", "gform", export, "--layanan", "sktm", "--folder-berkas", downloads)
    assert result.exit_code == 1
    assert '--pengunggah 3="Budi S"' in result.stdout and "REG-202611-0002" in result.stdout
    assert "tidak diisi" in result.stderr  # the optional question the form lacks is said
    assert "\x1b[2J" not in result.stdout + result.stderr and "\r" not in result.stdout
    _no_full_nik(result.stdout + result.stderr)


def _bad_map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "peta-salah.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_errors_name_the_file_and_the_key(office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    shipped = (REPO / "sop" / "gform" / "sktm.yaml").read_text(encoding="utf-8")
    cases = {
        "isian:\n  - [tidak: tertutup\n": "bukan YAML yang sah (baris",
        shipped.replace("layanan: sktm", "layanan: sktm\nkolom_lain: 1"): "kolom_lain",
        shipped.replace('"NIK": nik', '"NIK": nik_pemohon'): "isian.\"NIK\": 'nik_pemohon' bukan kode isian",
        shipped.replace('"KTP-el pemohon": ktp', '"KTP-el pemohon": ktp_pemohon'): "berkas.\"KTP-el pemohon\"",
        shipped.replace('  "Agama": agama\n', ""): "isian wajib 'agama'",
        shipped.replace("layanan: sktm", "layanan: skck"): "layanan: 'skck' bukan layanan sktm",
        shipped.replace('{"Laki-laki": L, "Perempuan": P}', '{"Laki-laki": Pria}'): "'Pria' bukan pilihan",
        shipped.replace("isian: [nama]", "isian: [nik]"): "pengunggah.isian[0]",
    }
    before = _applications(cli)
    for text, expected in cases.items():
        path = _bad_map(tmp_path, text)
        result = cli("impor", "gform", export, "--layanan", "sktm", "--folder-berkas", downloads, "--peta", path,
                     "--json")
        assert result.exit_code == 4, (expected, result.stdout)
        error = json.loads(result.stdout)["error"]
        assert str(path) in error["pesan"] and expected in error["pesan"], (expected, error["pesan"])
        assert error["saran"] and error["detail"]["berkas"] == str(path)
    missing = cli("impor", "gform", export, "--layanan", "sktm", "--peta", tmp_path / "tidak-ada.yaml")
    assert missing.exit_code == 3 and "--contoh-peta sktm" in missing.stderr
    assert _applications(cli) == before == []


def test_an_export_that_cannot_be_read_exits_3_naming_file_and_line(office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    binary = tmp_path / "respons.csv"
    binary.write_bytes(export.read_bytes().replace(b"Rusmini", b"Rusm\xffni", 1))
    result = cli("impor", "gform", binary, "--layanan", "sktm", "--folder-berkas", downloads, "--json")
    assert result.exit_code == 3
    [line] = result.stdout.splitlines()  # JSON Lines from the first line: the error before any row is one record
    assert json.loads(line)["jenis"] == "galat"
    error = json.loads(line)["error"]
    assert str(binary) in error["pesan"] and "bukan teks UTF-8 (baris 2, kolom" in error["pesan"]

    plain = tmp_path / "bukan-ekspor.csv"
    plain.write_text("nama,nik\nRusmini,6201025403850003\n", encoding="utf-8")
    result = cli("impor", "gform", plain, "--layanan", "sktm", "--json")
    assert result.exit_code == 3 and "baris 1: bukan ekspor respons Google Form" in result.stdout
    _no_full_nik(result.stdout + result.stderr)

    blob = tmp_path / "bukan-csv.csv"  # a cell no CSV export holds (the csv module's field limit)
    blob.write_bytes(export.read_bytes() + b'"' + b"x" * 200_000 + b'"\n')
    result = cli("impor", "gform", blob, "--layanan", "sktm", "--folder-berkas", downloads)
    assert result.exit_code == 3 and "CSV rusak sesudah baris 6" in result.stderr.replace("\n", " ")

    american = tmp_path / "lokal-as.csv"  # a month-first sheet: 11/21/2026 cannot be 11 of month 21
    american.write_text(export.read_text(encoding="utf-8").replace("21/11/2026 07:30:05", "11/21/2026 07:30:05"),
                        encoding="utf-8")
    result = cli("impor", "gform", american, "--layanan", "sktm", "--folder-berkas", downloads)
    assert result.exit_code == 3 and "baris 5" in result.stderr and "Lokal: Indonesia" in result.stderr

    lacking = tmp_path / "tanpa-nik.csv"
    lacking.write_text(export.read_text(encoding="utf-8").replace(",NIK,", ",Nomor induk,", 1), encoding="utf-8")
    result = cli("impor", "gform", lacking, "--layanan", "sktm", "--folder-berkas", downloads)
    assert result.exit_code == 3 and "'NIK'" in result.stderr and "baris 1" in result.stderr
    assert _applications(cli) == []


def test_a_sample_mapping_ships_for_every_service_and_contoh_peta_prints_it(cli: Cli, tmp_path: Path) -> None:
    from sakti_cli.intake.gform import load_map
    from sakti_cli.services.sop import load_service

    shipped = sorted(p.stem for p in (REPO / "sop" / "gform").glob("*.yaml"))
    assert shipped == SERVICES
    for code in SERVICES:
        result = cli("impor", "gform", "--contoh-peta", code)
        assert result.exit_code == 0, result.stderr
        path = REPO / "sop" / "gform" / f"{code}.yaml"
        assert result.stdout == path.read_text(encoding="utf-8")  # generated from the SOP, kept in step
        load_map(path, load_service(REPO / "sop", code))
    payload = cli.json("impor", "gform", "--contoh-peta", "ahli-waris")
    assert "ahli_waris.1.ktp" in payload["peta"] and "isian: [ahli_waris.1.nama]" in payload["peta"]
    assert cli("impor", "gform", "--contoh-peta", "xyz").exit_code == 3


def test_the_office_copy_of_a_mapping_wins(office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    own = office / "sop" / "gform" / "sktm.yaml"
    own.write_text(own.read_text(encoding="utf-8").replace('"Agama": agama', '"Agama anda": agama'), "utf-8")
    result = cli("impor", "gform", export, "--layanan", "sktm", "--folder-berkas", downloads)
    assert result.exit_code == 3 and "'Agama anda'" in result.stderr and str(own) in result.stderr.replace("\n", "")


def test_one_name_in_two_rows_or_too_many_files_is_left_unmatched(tmp_path: Path) -> None:
    """Never one person's file in another's application: two rows typed 'Siti Aminah' get neither file,
    a row with one upload and two files of its uploader gets none, a lone exact name gets its file."""
    from sakti_cli.intake.gform import Candidate, FormMap, match_files

    folder = tmp_path / "Formulir (File responses)" / "KTP-el pemohon (File responses)"
    folder.mkdir(parents=True)
    for name in ("ktp - Siti Aminah.jpg", "KTP (1) - Siti Aminah.jpg", "ktp - Joko.jpg", "ktp baru - Joko.jpg",
                 "ktp - Rina Wati.jpg", "ktp - Rina Wati (1).jpg", "ktp - Siti Aminah - Budi.png"):
        (folder / name).write_bytes(b"x")
    (folder / "ktp - Hadi.jpg").symlink_to("/etc/hostname")
    outside = tmp_path.parent / f"{tmp_path.name}-luar"
    outside.mkdir()
    (outside / "kk - Rina Wati.jpg").write_bytes(b"x")
    (folder.parent / "Kartu Keluarga (File responses)").symlink_to(outside, target_is_directory=True)
    mapping = FormMap(layanan="sktm", berkas={"KTP-el pemohon": "ktp", "Kartu Keluarga": "kk"})

    def row(number: int, name: str, files: int = 1) -> Candidate:
        from sakti_cli.intake.gform import name_key

        return Candidate(number, {name_key(name)}, False, {"KTP-el pemohon": files}, name)

    found = match_files([row(2, "Siti Aminah"), row(3, "siti  AMINAH"), row(4, "Joko"), row(5, "Rina Wati", 2),
                         row(6, "Hadi"), row(7, "Budi")], mapping, tmp_path)
    assert [m.hasil for m in found[2]] == ["ragu"] == [m.hasil for m in found[3]]
    assert "baris 3" in (found[2][0].pesan or "") and not found[2][0].uploads
    assert found[4][0].hasil == "ragu" and "2 berkas" in (found[4][0].pesan or "")
    assert found[5][0].hasil == "cocok" and [u.path.name for u in found[5][0].uploads] == [
        "ktp - Rina Wati (1).jpg", "ktp - Rina Wati.jpg"]  # Drive numbers a second file of the same name
    assert found[6][0].hasil == "tidak_ada"  # a symlink in the download is never read
    assert found[7][0].hasil == "cocok"  # 'ktp - Siti Aminah - Budi.png': Budi's, named after the last ' - '
    rina = Candidate(5, {"rina wati"}, False, {"Kartu Keluarga": 1}, "Rina Wati")
    linked = match_files([rina], mapping, tmp_path)[5][0]  # a question folder linked to elsewhere is not read
    assert linked.hasil == "tidak_ada" and "tidak ada di folder berkas" in (linked.pesan or "")


def test_installed_sakti_imports_as_a_script_would(office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    env = {**os.environ, "SAKTI_KANTOR": str(office)}
    proc = subprocess.run([str(REPO / ".venv" / "bin" / "sakti"), "impor", "gform", str(export), "--layanan", "sktm",
                           "--folder-berkas", str(downloads), "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]  # every line one whole JSON object
    assert [line["jenis"] for line in lines] == ["baris"] * len(PEOPLE) + ["ringkasan"]
    for line in lines[:-1]:
        BarisImporGform.model_validate(line)
    assert not schema_errors("impor gform", lines[-1])
    _no_full_nik(proc.stdout + proc.stderr)
    assert HOSTILE_KTP not in proc.stdout and proc.returncode == 1
    again_code, again, _, _ = _run(cli, export, downloads)  # the same export again: the same answer
    assert again_code == proc.returncode
    assert [(r["baris"], r["status"], r["nomor_registrasi"]) for r in lines[:-1]] == [
        (r["baris"], r["status"], r["nomor_registrasi"]) for r in again.values()]


def test_people_of_a_list_and_their_own_files(office: Path, cli: Cli, tmp_path: Path) -> None:
    """ahli-waris: heirs and witnesses as numbered questions (ahli_waris.2.nik), each person's KTP/KK in its
    own upload question, beside that person; the heir's KTP missing at first is attached to that heir alone."""
    from gform_fixtures import export_from_example, folder_name

    export, downloads = export_from_example(tmp_path, "ahli-waris", "Hj. Siti Rahmah",
                                            skip=frozenset({"ahli_waris.2.ktp"}))
    args = ["impor", "gform", export, "--layanan", "ahli-waris", "--folder-berkas", downloads]
    first = _lines(cli(*args, "--json").stdout)[0]
    assert first["hasil"] == "terdaftar" and first["status"] == "BELUM_LENGKAP"
    assert first["tak_cocok"] == ["ahli_waris.2.ktp"]
    assert "akta_kematian_asli" in first["kurang"]  # an original is seen at the desk, never uploaded
    record = cli.json("status", first["nomor_registrasi"])
    heirs = record["data"]["ahli_waris"]
    assert [h["nama"] for h in heirs] == ["Hj. Siti Rahmah", "Ahmad Muis", "Fatimah"]
    assert heirs[0]["berkas"] == {"ktp": "ktp-siti-rahmah-Hj.-Siti-Rahmah.jpg",
                                  "kk": "kk-siti-rahmah-Hj.-Siti-Rahmah.jpg"}
    assert "ktp" not in heirs[1].get("berkas", {}) and len(record["data"]["saksi"]) == 2

    source = REPO / "contoh" / "ahli-waris" / "ktp-ahmad-muis.jpg"
    folder = next(downloads.rglob(folder_name("Ahli waris ke-2: KTP-el ahli waris")))
    (folder / "ktp-ahmad-muis - Hj. Siti Rahmah.jpg").write_bytes(source.read_bytes())
    again = _lines(cli(*args, "--json").stdout)[0]
    assert again["hasil"] == "sudah_ada" and again["dilampirkan"] == ["ahli_waris.2.ktp"] and again["tak_cocok"] == []
    heirs = cli.json("status", first["nomor_registrasi"])["data"]["ahli_waris"]
    assert heirs[1]["berkas"]["ktp"] == "ktp-ahmad-muis-Hj.-Siti-Rahmah.jpg"
    assert heirs[0]["berkas"]["ktp"] == "ktp-siti-rahmah-Hj.-Siti-Rahmah.jpg"  # the others kept theirs
    assert sorted(first["kurang"]) == ["ahli_waris.ktp", "akta_kematian_asli"]  # heir 2's KTP was missing
    assert again["kurang"] == ["akta_kematian_asli"] and again["status"] == "BELUM_LENGKAP"


@pytest.mark.parametrize("service", ["sktm", "dispensasi-nikah"])
def test_a_complete_example_through_its_shipped_mapping_exits_0(office: Path, cli: Cli, tmp_path: Path,
                                                                 service: str) -> None:
    from gform_fixtures import export_from_example

    example = json.loads((REPO / "contoh" / service / "pemohon.json").read_text(encoding="utf-8"))
    google = example["isian"].get("nama") or example["isian"]["nama_istri"]  # the bride filled this one
    export, downloads = export_from_example(tmp_path, service, google)
    result = cli("impor", "gform", export, "--layanan", service, "--folder-berkas", downloads, "--json")
    row, summary = _lines(result.stdout)
    assert result.exit_code == 0 and summary["ok"] is True, result.stdout
    assert row["hasil"] == "terdaftar" and row["status"] == "LENGKAP" and row["tak_cocok"] == []
    data = cli("--tampilkan-nik", "status", row["nomor_registrasi"], "--json")
    stored = json.loads(data.stdout)["data"]
    for code, value in example["isian"].items():
        if code == "telepon":
            assert stored[code].startswith("+62")
        elif code != "surel":
            assert stored[code] == value, code
    assert stored["surel"] == "pengisi@contoh.example"  # the form's collected address


def test_sop_periksa_checks_the_office_mappings(office: Path, cli: Cli) -> None:
    for other in SERVICES[:-1]:  # one service keeps the template lint of 'sop periksa' short
        (office / "sop" / f"{other}.yaml").unlink()
        (office / "sop" / "gform" / f"{other}.yaml").unlink()
    own = office / "sop" / "gform" / "sktm.yaml"
    own.write_text(own.read_text(encoding="utf-8").replace('"NIK": nik', '"NIK": nik_pemohon'), "utf-8")
    (office / "sop" / "gform" / "sktm-lama.yaml").write_text("layanan: sktm\n", encoding="utf-8")
    result = cli("sop", "periksa", "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert str(own) in payload["berkas"]
    found = {(p["berkas"], p["kolom"]) for p in payload["masalah"]}
    assert (str(own), 'isian."NIK"') in found and (str(own.with_name("sktm-lama.yaml")), "(akar)") in found


def test_a_longer_export_adds_only_the_new_responses(office: Path, cli: Cli, tmp_path: Path) -> None:
    export, downloads = build_export(tmp_path)
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    early = tmp_path / "respons-kemarin.csv"  # yesterday's download: the first two responses
    early.write_text("".join(lines[:3]), encoding="utf-8")
    first = _run(cli, early, downloads)[1]
    assert [r["hasil"] for r in first.values()] == ["terdaftar", "terdaftar"]
    later = _run(cli, export, downloads)[1]
    assert [later[n]["hasil"] for n in (2, 3)] == ["sudah_ada", "sudah_ada"]
    assert [later[n]["nomor_registrasi"] for n in (2, 3)] == [first[n]["nomor_registrasi"] for n in (2, 3)]
    assert [later[n]["hasil"] for n in (4, 5, 6)] == ["terdaftar", "terdaftar", "ditolak"]
    assert len(_applications(cli)) == 4


def test_a_file_the_clerk_attached_meanwhile_settles_the_row(office: Path, cli: Cli, tmp_path: Path) -> None:
    from gform_fixtures import SKTM

    export, downloads = build_export(tmp_path)
    agus = _run(cli, export, downloads)[1][5]
    assert agus["tak_cocok"] == ["kk"]
    cli.json("lengkapi", agus["nomor_registrasi"], "--berkas", f"kk={SKTM / 'kk.jpg'}")
    cli.json("periksa", agus["nomor_registrasi"])
    again = _run(cli, export, downloads)[1][5]
    assert again["status"] == "LENGKAP" and again["tak_cocok"] == [] and again["kurang"] == []
    kk = cli.json("status", agus["nomor_registrasi"])["berkas"]["kk"]
    assert [e["nama_asli"] for e in kk] == ["kk.jpg"]  # the clerk's file kept, nothing attached over it
