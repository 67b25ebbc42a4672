"""`lengkapi`: replacing and adding files are distinct and said; one person's file; `ubah` adding a
person with their files; `--asli` recorded as an original seen at the desk (issue 9 section 3, loket)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import REPO, Cli, example

from sakti_cli.register.tiny.registry import read_events

SKTM = REPO / "contoh" / "sktm"
AW = REPO / "contoh" / "ahli-waris"


def photos(tmp_path: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        shutil.copy(SKTM / "ktp.jpg", tmp_path / name)
        out.append(tmp_path / name)
    return out


def events(kantor: Path) -> list[dict]:
    return list(read_events(kantor / "data" / "register" / "audit"))


def test_replace_is_the_default_and_said(kantor: Path, cli: Cli, registered: Callable[..., str],
                                         tmp_path: Path) -> None:
    reg = registered()
    a, b, c = photos(tmp_path, "a.jpg", "b.jpg", "c.jpg")
    cli.json("lengkapi", reg, "--berkas", f"foto_rumah={a}", "--berkas", f"foto_rumah={b}")
    result = cli("lengkapi", reg, "--berkas", f"foto_rumah={c}")
    assert result.exit_code == 0 and "berkas diganti: foto_rumah" in result.stdout
    record = cli.json("status", reg)
    assert [e["nama_asli"] for e in record["berkas"]["foto_rumah"]] == ["c.jpg"]
    assert record["riwayat"][-1]["catatan"] == "berkas diganti: foto_rumah"
    assert events(kantor)[-1]["detail"]["cara"] == "diganti"
    folder = kantor / "data" / "berkas" / reg
    kept = [p.name for p in folder.glob("foto_rumah-*")]  # the replaced photos are gone from the folder
    assert kept == [record["berkas"]["foto_rumah"][0]["berkas"]]


def test_tambah_appends_up_to_the_maximum(kantor: Path, cli: Cli, registered: Callable[..., str],
                                          tmp_path: Path) -> None:
    reg = registered()
    a, b, c, d = photos(tmp_path, "a.jpg", "b.jpg", "c.jpg", "d.jpg")
    cli.json("lengkapi", reg, "--berkas", f"foto_rumah={a}")
    result = cli("lengkapi", reg, "--tambah", "--berkas", f"foto_rumah={b}", "--berkas", f"foto_rumah={c}")
    assert result.exit_code == 0 and "berkas ditambah: foto_rumah" in result.stdout
    record = cli.json("status", reg)
    assert [e["nama_asli"] for e in record["berkas"]["foto_rumah"]] == ["a.jpg", "b.jpg", "c.jpg"]
    assert len({e["berkas"] for e in record["berkas"]["foto_rumah"]}) == 3  # no stored name reused
    assert events(kantor)[-1]["detail"]["cara"] == "ditambah"
    refused = cli("lengkapi", reg, "--tambah", "--berkas", f"foto_rumah={d}")
    assert refused.exit_code == 3 and "paling banyak 3" in refused.stderr
    assert [e["nama_asli"] for e in cli.json("status", reg)["berkas"]["foto_rumah"]] == ["a.jpg", "b.jpg", "c.jpg"]
    assert len(list((kantor / "data" / "berkas" / reg).glob("foto_rumah-*"))) == 3


def test_one_person_file_and_advice_lists_person_codes(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    reg = cli.json("daftar", "ahli-waris", "--data", str(example("ahli-waris")))["nomor_registrasi"]
    new = tmp_path / "ktp-fatimah-baru.jpg"
    shutil.copy(AW / "ktp-fatimah.jpg", new)
    payload = cli.json("lengkapi", reg, "--berkas", f"ahli_waris.3.ktp={new}")
    heirs = payload["data"]["ahli_waris"]
    assert heirs[2]["berkas"]["ktp"] == "ktp-fatimah-baru.jpg"
    assert heirs[0]["berkas"]["ktp"] == "ktp-siti-rahmah.jpg"
    names = [e["nama_asli"] for e in payload["berkas"]["ahli_waris.ktp"]]
    assert sorted(names) == ["ktp-ahmad-muis.jpg", "ktp-fatimah-baru.jpg", "ktp-siti-rahmah.jpg"]
    assert payload["perubahan"] == ["berkas diganti: ahli_waris.3.ktp"]
    assert cli.json("periksa", reg)["lengkap"] is True
    missing = cli("lengkapi", reg, "--berkas", f"ahli_waris.5.ktp={new}")
    assert missing.exit_code == 3 and "orang ke-5 tidak ada" in missing.stderr and "sakti ubah" in missing.stderr
    unknown = cli("lengkapi", reg, "--berkas", f"ktp={new}")
    advice = " ".join(unknown.stderr.split())
    assert unknown.exit_code == 3 and "ahli_waris.ktp" in advice and "ahli_waris.N.ktp" in advice


def test_ubah_adds_a_person_with_their_files(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    reg = cli.json("daftar", "ahli-waris", "--data", str(example("ahli-waris")))["nomor_registrasi"]
    raw = json.loads(example("ahli-waris").read_text())
    heirs = raw["isian"]["ahli_waris"]
    heirs.append({"nama": "Rahman", "nik": "6201021502900001", "nomor_kk": "6201022204140006",
                  "tanggal_lahir": "1990-02-15", "jenis_kelamin": "L", "hubungan": "Anak kandung",
                  "berkas": {"ktp": "ktp-rahman.jpg", "kk": "kk-rahman.jpg"}})
    folder = tmp_path / "ubah"
    folder.mkdir()
    shutil.copy(AW / "ktp-fatimah.jpg", folder / "ktp-rahman.jpg")
    shutil.copy(AW / "kk-fatimah.jpg", folder / "kk-rahman.jpg")
    (folder / "ubah.json").write_text(json.dumps({"ahli_waris": heirs}))
    payload = cli.json("ubah", reg, "--data", str(folder / "ubah.json"))
    assert len(payload["data"]["ahli_waris"]) == 4
    assert len(payload["berkas"]["ahli_waris.ktp"]) == 4 and len(payload["berkas"]["ahli_waris.kk"]) == 4
    assert "berkas ditambah" in payload["riwayat"][-1]["catatan"]
    assert cli.json("periksa", reg)["lengkap"] is True
    # an envelope's item file may not leave the data file's folder
    heirs[-1]["berkas"]["ktp"] = "../../etc/passwd"
    (folder / "ubah.json").write_text(json.dumps({"ahli_waris": heirs}))
    assert cli("ubah", reg, "--data", str(folder / "ubah.json")).exit_code == 3


def test_asli_is_recorded_as_an_original_seen(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    raw = json.loads(example("ahli-waris").read_text())
    raw.pop("asli")
    folder = tmp_path / "aw"
    shutil.copytree(AW, folder)
    (folder / "pemohon.json").write_text(json.dumps(raw))
    reg = cli.json("daftar", "ahli-waris", "--data", str(folder / "pemohon.json"))["nomor_registrasi"]
    result = cli("--petugas", "Rina", "lengkapi", reg, "--asli", "akta_kematian_asli")
    assert result.exit_code == 0, result.stderr
    assert "dokumen asli diperlihatkan" in result.stdout and "berkas diganti" not in result.stdout
    last = events(kantor)[-1]
    assert last["aksi"] == "asli_dilihat" and last["detail"]["kode"] == ["akta_kematian_asli"]
    assert last["detail"]["dilihat_oleh"] == "Rina"
    record = cli.json("status", reg)
    assert record["data"]["asli"] == ["akta_kematian_asli"]
    assert "dilihat oleh Rina" in record["riwayat"][-1]["catatan"]
