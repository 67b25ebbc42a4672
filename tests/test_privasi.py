"""Personal data (issue 4, item 7): masking everywhere, recorded reveals, private files, retention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, example
from test_alur_sktm import register_snapshot

from sakti_cli.core.privacy import mask_payload, mask_text, private_tree_problems
from sakti_cli.register.tiny.registry import read_events

NIK = "6201025403850003"
KK = "6201020903100012"
NIK_MASKED = "6201********0003"
KK_MASKED = "6201********0012"


def events(kantor: Path) -> list[dict]:
    return list(read_events(kantor / "data" / "register" / "audit"))


def no_full_numbers(*texts: str) -> bool:
    return all(NIK not in text and KK not in text for text in texts)


def test_mask_text_and_payload() -> None:
    assert mask_text(f"NIK {NIK}, KK {KK}.") == f"NIK {NIK_MASKED}, KK {KK_MASKED}."
    assert mask_text(f"\x1b[1m{NIK}\x1b[0m") == f"\x1b[1m{NIK_MASKED}\x1b[0m"  # between colour codes
    digest = "ab" + NIK + "cd" * 23
    assert mask_text(digest) == digest  # inside a SHA-256: not a NIK
    assert mask_text("NIP. 198007231998101001") == "NIP. 198007231998101001"  # 18 digits
    shown = mask_payload({"nik": NIK, "nomor_kk": KK, "ahli_waris": [{"nik_ahli": NIK}], "catatan": f"x {NIK}",
                          "berkas": {"kk": [{"berkas": "kk-1.jpg"}]}, "ok": True, "nik_kosong": "",
                          "unggah": {"kk": "kk-baru.jpg"}, "nik_spasi": "6201 0254 0385 0003"})
    assert shown == {"nik": NIK_MASKED, "nomor_kk": KK_MASKED, "ahli_waris": [{"nik_ahli": NIK_MASKED}],
                     "catatan": f"x {NIK_MASKED}", "berkas": {"kk": [{"berkas": "kk-1.jpg"}]}, "ok": True,
                     "nik_kosong": "", "unggah": {"kk": "kk-baru.jpg"}, "nik_spasi": NIK_MASKED}


def test_masked_in_every_output_by_default(kantor: Path, cli: Cli) -> None:
    daftar = cli("daftar", "sktm", "--data", str(example("sktm")), "--json")
    payload = json.loads(daftar.stdout)
    assert payload["data"]["nik"] == NIK_MASKED and payload["data"]["nomor_kk"] == KK_MASKED
    reg = payload["nomor_registrasi"]
    outputs = [daftar]
    for args in (["status", reg], ["status", reg, "--json"], ["permohonan"], ["permohonan", "--json"],
                 ["periksa", reg, "--json"], ["periksa", reg], ["status", reg]):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        outputs.append(result)
    assert NIK_MASKED in outputs[1].stdout and KK_MASKED in outputs[1].stdout  # the human view shows masks
    assert all(no_full_numbers(r.stdout, r.stderr) for r in outputs)
    # the audit trail (the register's log) carries no NIK either
    assert no_full_numbers(*(p.read_text() for p in (kantor / "data" / "register" / "audit").glob("*.jsonl")))


def test_error_messages_are_masked(kantor: Path, cli: Cli) -> None:
    result = cli("status", NIK, "--json")  # someone typed a NIK where a registration number goes
    assert result.exit_code == 3
    assert no_full_numbers(result.stdout, result.stderr)
    assert NIK_MASKED in json.loads(result.stdout)["error"]["pesan"] and NIK_MASKED in result.stderr


def test_tampilkan_nik_reveals_and_is_recorded(kantor: Path, cli: Cli) -> None:
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    before = len(events(kantor))
    shown = cli.json("--petugas", "siti", "--tampilkan-nik", "status", reg)
    assert shown["data"]["nik"] == NIK and shown["data"]["nomor_kk"] == KK
    human = cli("--tampilkan-nik", "permohonan", "--status", "DITERIMA")
    assert human.exit_code == 0 and NIK in human.stdout
    recorded = events(kantor)[before:]
    assert [(e["aksi"], e["objek"], e["petugas"], e["detail"]["perintah"]) for e in recorded] == [
        ("tampilkan_nik", reg, "siti", "status"), ("tampilkan_nik", "DITERIMA", recorded[1]["petugas"], "permohonan")]
    assert recorded[1]["detail"]["argumen"] == {"status_filter": "DITERIMA"}
    # without the option, masked again; nothing recorded
    assert cli.json("status", reg)["data"]["nik"] == NIK_MASKED
    assert len(events(kantor)) == before + 2
    # a NIK typed as the argument is recorded masked: the trail never holds a full NIK
    assert cli("--tampilkan-nik", "status", NIK).exit_code == 3
    assert events(kantor)[-1]["objek"] == NIK_MASKED
    assert no_full_numbers(*(p.read_text() for p in (kantor / "data" / "register" / "audit").glob("*.jsonl")))


def test_tampilkan_nik_without_workspace_is_harmless(tmp_path: Path, cli: Cli) -> None:
    result = cli("--tampilkan-nik", "init", str(tmp_path / "baru"), "--contoh", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True


def test_new_files_private_and_old_folders_tightened(kantor: Path, cli: Cli) -> None:
    register = kantor / "data" / "register"
    cli.json("daftar", "sktm", "--data", str(example("sktm")))
    assert private_tree_problems(kantor / "data") == []
    (register / "permohonan").chmod(0o755)  # as the foundation's code left it
    cli.json("permohonan")
    assert private_tree_problems(kantor / "data") == []


@pytest.mark.slow
def test_workspace_private_after_issuance_and_retention(kantor: Path, cli: Cli, issued: dict,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    issued_reg = issued["nomor_registrasi"]
    problems = private_tree_problems(kantor / "data")
    assert problems == [], problems
    assert Path(issued["pdf"]).stat().st_mode & 0o777 == 0o600
    rejected = cli.json("daftar", "sktm", "--data", str(example("sktm-gagal")))["nomor_registrasi"]
    cli.json("tolak", rejected, "--alasan", "bukan warga")
    pending = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    files = kantor / "data" / "berkas"
    assert {p.name for p in files.iterdir()} == {issued_reg, rejected, pending}

    # not yet past the retention period: nothing
    monkeypatch.setenv("SAKTI_WAKTU", "2027-06-01T09:00:00+07:00")
    assert cli.json("bersihkan", "--lebih-dari", "365")["jumlah"] == 0

    monkeypatch.setenv("SAKTI_WAKTU", "2027-12-01T09:00:00+07:00")
    before = register_snapshot(kantor)
    trial = cli.json("bersihkan", "--lebih-dari", "365", "--uji")
    assert trial["uji"] is True and sorted(p["nomor_registrasi"] for p in trial["permohonan"]) == sorted(
        [issued_reg, rejected])
    assert register_snapshot(kantor) == before and {p.name for p in files.iterdir()} == {issued_reg, rejected, pending}
    human = cli("bersihkan", "--lebih-dari", "365", "--uji")
    assert human.exit_code == 0 and rejected in human.stdout and "Uji saja" in human.stdout

    done = cli.json("--petugas", "arsip", "bersihkan", "--lebih-dari", "365", "--ya")
    assert done["jumlah"] == 2 and done["jumlah_berkas"] == 5
    assert {p.name for p in files.iterdir()} == {pending}  # the unfinished application keeps its scans
    for reg, status in ((issued_reg, "TERBIT"), (rejected, "DITOLAK")):
        record = cli.json("status", reg)
        assert record["status"] == status  # the register entry stays
        assert all(entry["dihapus"] == "2027-12-01T09:00:00+07:00"
                   for entries in record["berkas"].values() for entry in entries)
    raw = json.loads((kantor / "data" / "register" / "permohonan" / "2026-11-00.json").read_text())
    note = next(r for r in raw["permohonan"].values() if r["nomor_registrasi"] == rejected)["berkas_dihapus"]
    assert note["petugas"] == "arsip" and "365 hari" in note["alasan"]
    assert [name.split(".")[0] for name in sorted(note["berkas"])] == ["ktp-1", "pengantar-1"]
    deleted = [e for e in events(kantor) if e["aksi"] == "hapus_berkas"]
    assert sorted(e["objek"] for e in deleted) == sorted([issued_reg, rejected])
    assert all(e["petugas"] == "arsip" and e["sesudah"] == {"berkas": 0} for e in deleted)
    # the letter still verifies against the register
    assert cli.json("verifikasi", issued["pdf"])["sah"] is True
    # once is enough
    assert cli.json("bersihkan", "--lebih-dari", "365")["jumlah"] == 0
    assert private_tree_problems(kantor / "data") == []


def test_bersihkan_finishes_interrupted_run(kantor: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    cli.json("tolak", reg, "--alasan", "ganda")
    monkeypatch.setenv("SAKTI_WAKTU", "2028-01-01T09:00:00+07:00")
    folder = kantor / "data" / "berkas" / reg
    kept = {p.name: p.read_bytes() for p in folder.iterdir()}
    cli.json("bersihkan", "--lebih-dari", "30", "--ya")
    folder.mkdir()  # a crash after the register step left the files behind
    for name, data in kept.items():
        (folder / name).write_bytes(data)
    count = len(events(kantor))
    again = cli.json("bersihkan", "--lebih-dari", "30", "--ya")
    assert again["jumlah"] == 1 and again["permohonan"][0]["sisa_saja"] is True
    assert not folder.exists() and len(events(kantor)) == count  # already recorded once


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["--lebih-dari", "0"], 3, "--lebih-dari harus"),
    (["--lebih-dari", "-5"], 3, "--lebih-dari harus"),
    (["--lebih-dari", "setahun"], 3, "tertulis 'setahun'"),
    (["--lebih-dari", "1.5"], 3, "tertulis '1.5'"),
    ([], 2, "--lebih-dari"),
])
def test_bersihkan_bad_values(kantor: Path, cli: Cli, args: list[str], code: int, needle: str) -> None:
    cli.json("daftar", "sktm", "--data", str(example("sktm")))
    before = register_snapshot(kantor)
    result = cli("bersihkan", *args)
    assert result.exit_code == code and needle in result.stderr and "Traceback" not in result.stderr
    assert register_snapshot(kantor) == before
