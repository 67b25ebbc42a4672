"""The whole path for one service, driven through the CLI as staff and scripts use it."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, Cli, example, example_copy
from pki_helpers import make_nss_db, run_pdfsig


def register_snapshot(kantor: Path) -> dict[str, str]:
    """Every register file and its hash: a failed command must leave this unchanged."""
    root = kantor / "data" / "register"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".kunci")}


def test_init_makes_private_workspace(tmp_path: Path, cli: Cli) -> None:
    payload = cli.json("init", str(tmp_path / "baru"), "--contoh")
    root = Path(payload["kantor"])
    assert (root / "sakti.toml").is_file()
    assert (root / "sop" / "sktm.yaml").is_file() and (root / "templat" / "sktm.docx").is_file()
    for folder in ("data", "data/register", "data/berkas", "data/surat", "pki"):
        assert (root / folder).stat().st_mode & 0o777 == 0o700, folder
    again = cli("init", str(root), "--contoh")
    assert again.exit_code == 3 and "sudah berisi" in again.stderr


def test_workspace_resolution_order(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.json("init", str(tmp_path / "a"), "--contoh")
    cli.json("init", str(tmp_path / "b"), "--contoh")
    (tmp_path / "a" / "sub" / "dalam").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "sub" / "dalam")
    assert cli.json("kantor")["kantor"] == str(tmp_path / "a")
    monkeypatch.setenv("SAKTI_KANTOR", str(tmp_path / "b"))
    assert cli.json("kantor")["ditemukan_lewat"] == "SAKTI_KANTOR"
    found = cli.json("--kantor", str(tmp_path / "a"), "kantor")
    assert found["kantor"] == str(tmp_path / "a") and found["ditemukan_lewat"] == "--kantor"
    monkeypatch.delenv("SAKTI_KANTOR")
    monkeypatch.chdir(tmp_path)
    missing = cli("kantor")
    assert missing.exit_code == 4 and "sakti init" in missing.stderr and missing.stdout == ""


def test_layanan_lists_and_describes(kantor: Path, cli: Cli) -> None:
    listing = cli.json("layanan")
    assert "sktm" in [s["kode"] for s in listing["layanan"]]
    detail = cli.json("layanan", "sktm")["layanan"]
    fields = {f["kode"]: f for f in detail["isian"]}
    assert fields["nik"]["jenis"] == "nik" and fields["jenis_kelamin"]["pilihan"] == ["L", "P"]
    reqs = {r["kode"]: r for r in detail["persyaratan"]}
    assert reqs["pengantar"]["jenis_berkas"] == ["pdf"] and reqs["foto_rumah"]["wajib"] is False
    human = cli("layanan", "sktm")
    assert human.exit_code == 0 and "Persyaratan" in human.stdout and "KTP-el pemohon" in human.stdout
    unknown = cli("layanan", "paspor", "--json")
    assert unknown.exit_code == 3 and json.loads(unknown.stdout)["error"]["kode"] == "TIDAK_DITEMUKAN"


def test_daftar_periksa_complete(kantor: Path, cli: Cli) -> None:
    payload = cli.json("daftar", "sktm", "--data", str(example("sktm")))
    reg = payload["nomor_registrasi"]
    assert reg == "REG-202611-0001" and payload["status"] == "DITERIMA"
    assert payload["data"]["nik"] == "6201********0003"  # masked in JSON too
    stored = kantor / "data" / "berkas" / reg
    assert sorted(p.name for p in stored.iterdir()) == ["kk-1.jpg", "ktp-1.jpg", "pengantar-1.pdf"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in stored.iterdir())
    checked = cli.json("periksa", reg.lower())  # forgiving: case of the number does not matter
    assert checked["lengkap"] is True and checked["status"] == "LENGKAP"
    assert {h["kode"]: h["status"] for h in checked["hasil"]} == {
        "pengantar": "OK", "ktp": "OK", "kk": "OK", "foto_rumah": "OK", "pernyataan_miskin": "OK",
        "nik_pemohon": "OK", "nik_bukan_kk": "OK", "lahir_pemohon": "OK"}  # the SOP's NIK rules (issue 8)
    assert set(checked["hasil"][0]) == {"kode", "syarat", "status", "pesan"}


def test_incomplete_then_completed(kantor: Path, cli: Cli) -> None:
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm-gagal")))["nomor_registrasi"]
    result = cli("periksa", reg)
    assert result.exit_code == 1 and "KURANG" in result.stdout and "Kartu Keluarga" in result.stdout
    checked = cli.json("periksa", reg, code=1)
    assert checked["ok"] is False and checked["status"] == "BELUM_LENGKAP"
    assert {h["kode"]: h["status"] for h in checked["hasil"]}["kk"] == "KURANG"
    updated = cli.json("lengkapi", reg, "--berkas", f"kk={REPO / 'contoh' / 'sktm' / 'kk.jpg'}")
    assert updated["status"] == "DITERIMA"
    assert cli.json("periksa", reg)["status"] == "LENGKAP"
    history = cli.json("status", reg)["riwayat"]
    assert [h["ke"] for h in history] == ["DITERIMA", "BELUM_LENGKAP", "BELUM_LENGKAP", "DITERIMA", "LENGKAP"]


def test_wrong_kind_by_content_is_invalid(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    fake = tmp_path / "pengantar.pdf"
    shutil.copy(REPO / "contoh" / "sktm" / "ktp.jpg", fake)  # a photo renamed .pdf
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")), "--berkas", f"pengantar={fake}")[
        "nomor_registrasi"]
    lines = {h["kode"]: h for h in cli.json("periksa", reg, code=1)["hasil"]}
    assert lines["pengantar"]["status"] == "TIDAK_VALID" and "JPEG" in lines["pengantar"]["pesan"]


def test_stdin_and_flat_data(kantor: Path, cli: Cli) -> None:
    fields = json.loads(example("sktm").read_text())["isian"]
    fields["tanggal_lahir"] = "14-03-1985"  # forgiving date form
    fields["desa"] = "mendawai"
    files = [f"--berkas={code}={REPO / 'contoh' / 'sktm' / name}"
             for code, name in (("pengantar", "pengantar.pdf"), ("ktp", "ktp.jpg"), ("kk", "kk.jpg"))]
    payload = cli.json("daftar", "sktm", "--data", "-", *files, input=json.dumps(fields))
    assert payload["data"]["tanggal_lahir"] == "1985-03-14" and payload["data"]["desa"] == "Mendawai"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nik": "62010254038500"}, "nik"),
        ({"nik": "6201023102850003"}, "nik"),  # 31 February
        ({"tanggal_lahir": "1985-13-40"}, "tanggal_lahir"),
        ({"desa": "Jakarta"}, "desa"),
        ({"nama": ""}, "nama"),
        ({"hobi": "memancing"}, "hobi"),
    ],
)
def test_bad_data_refused_nothing_stored(kantor: Path, cli: Cli, tmp_path: Path, change: dict, field: str) -> None:
    raw = json.loads(example("sktm").read_text())
    raw["isian"].update(change)
    data = example_copy(tmp_path, "sktm") / "salah.json"
    data.write_text(json.dumps(raw))
    cli.json("daftar", "sktm", "--data", str(example("sktm")))  # the register exists and holds one
    before = register_snapshot(kantor)
    result = cli("daftar", "sktm", "--data", str(data), "--json")
    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert error["kode"] == "DATA_TIDAK_VALID"
    assert field in [m["kolom"] for m in error["detail"]["masalah"]]
    assert "6201025403850003" not in result.stdout + result.stderr  # no full NIK in any message
    assert register_snapshot(kantor) == before
    assert sorted(p.name for p in (kantor / "data" / "berkas").iterdir()) == ["REG-202611-0001"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["daftar", "sktm", "--data", "tidak-ada.json"], "tidak ada"),
        (["daftar", "sktm", "--data", "{bad}"], "bukan JSON"),
        (["daftar", "paspor", "--data", "x.json"], "tidak dikenal"),
        (["daftar", "sktm", "--data", "CONTOH", "--berkas", "ktp"], "KODE=BERKAS"),
        (["daftar", "sktm", "--data", "CONTOH", "--berkas", "sim=a.pdf"], "bukan persyaratan"),
        (["daftar", "sktm", "--data", "CONTOH", "--berkas", "ktp=hilang.pdf"], "hilang.pdf"),
        (["status", "REG-209901-0001"], "tidak ada di register"),
        (["status", "nomor-ngawur"], "tidak dikenal"),
    ],
)
def test_bad_input_exit_3(kantor: Path, cli: Cli, tmp_path: Path, args: list[str], needle: str) -> None:
    (tmp_path / "{bad}").write_text("{ 'nama': ")
    args = [str(example("sktm")) if a == "CONTOH" else a for a in args]
    before = register_snapshot(kantor)
    result = cli(*args)
    assert result.exit_code == 3, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert register_snapshot(kantor) == before


def test_ubah_tolak_and_listing(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    first = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    second = cli.json("daftar", "sktm", "--data", str(example("sktm-gagal")))["nomor_registrasi"]
    cli.json("periksa", first)
    fix = tmp_path / "ubah.json"
    fix.write_text(json.dumps({"keperluan": "beasiswa kuliah"}))
    changed = cli.json("ubah", first, "--data", str(fix))
    assert changed["status"] == "DITERIMA" and changed["data"]["keperluan"] == "beasiswa kuliah"
    rejected = cli.json("tolak", second, "--alasan", "pemohon bukan warga Arut Selatan")
    assert rejected["status"] == "DITOLAK"
    again = cli("tolak", second, "--alasan", "lagi")
    assert again.exit_code == 5 and "DITOLAK" in again.stderr
    listing = cli.json("permohonan", "--status", "ditolak")
    assert [r["nomor_registrasi"] for r in listing["permohonan"]] == [second]
    assert cli.json("permohonan")["jumlah"] == 2
    table = cli("permohonan")
    assert "6201********0003" in table.stdout and "6201025403850003" not in table.stdout
    assert cli("permohonan", "--status", "ENTAH").exit_code == 3


def test_terbitkan_refuses_incomplete(kantor: Path, cli: Cli, registered, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = registered()
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    before = register_snapshot(kantor)
    result = cli("terbitkan", reg, "--json")
    assert result.exit_code == 5
    assert json.loads(result.stdout)["error"]["kode"] == "STATUS_TIDAK_SESUAI"
    assert register_snapshot(kantor) == before


@pytest.mark.parametrize(
    ("sandi", "needle"),
    [("salah", "Sandi"), (None, "SAKTI_SANDI")],
)
def test_terbitkan_key_problems_reserve_nothing(kantor: Path, cli: Cli, registered,
                                                monkeypatch: pytest.MonkeyPatch, sandi: str | None,
                                                needle: str) -> None:
    reg = registered()
    cli.json("periksa", reg)
    if sandi:
        monkeypatch.setenv("SAKTI_SANDI", sandi)
    before = register_snapshot(kantor)
    result = cli("terbitkan", reg)
    assert result.exit_code == 4 and needle in result.stderr
    assert "demo" not in result.stderr.replace("DEMO", "")  # the passphrase is never echoed
    assert register_snapshot(kantor) == before


def test_issued_letter_is_real(kantor: Path, cli: Cli, issued: dict, demo_pki, tmp_path: Path) -> None:
    from pypdf import PdfReader

    assert issued["nomor_surat"] == "400.9.14.1/001/ARSEL/XI/2026"
    pdf = Path(issued["pdf"])
    assert pdf.is_file() and pdf.stat().st_mode & 0o777 == 0o600
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == issued["sha256"]
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for needle in ("400.9.14.1/001/ARSEL/XI/2026", "Rusmini", "SURAT KETERANGAN TIDAK MAMPU",
                   "Pangkalan Bun, 22 November 2026", "NIP. 19800723 199810 1 001", issued["kode_verifikasi"]):
        assert needle in text, needle
    assert reader.metadata["/SaktiKodeVerifikasi"] == issued["kode_verifikasi"]
    assert len(issued["kode_verifikasi"]) == 16
    output = run_pdfsig(pdf, make_nss_db(tmp_path / "nss", demo_pki.root_cert))
    assert "Signature is Valid" in output and "Certificate is Trusted" in output
    status = cli.json("status", issued["nomor_registrasi"])
    assert status["status"] == "TERBIT" and status["surat"]["nomor_surat"] == issued["nomor_surat"]
    assert cli("terbitkan", issued["nomor_registrasi"]).exit_code == 5  # issued once only


def test_autoescape_in_letter(kantor: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader

    raw = json.loads(example("sktm").read_text())
    raw["isian"]["nama"] = 'Siti & <Anak> "Ayu"'
    data = example_copy(tmp_path, "sktm") / "escape.json"
    data.write_text(json.dumps(raw))
    reg = cli.json("daftar", "sktm", "--data", str(data))["nomor_registrasi"]
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    pdf = Path(cli.json("terbitkan", reg)["pdf"])
    assert 'Siti & <Anak> "Ayu"' in PdfReader(pdf).pages[0].extract_text()


def test_failure_after_reservation_voids_number(kantor: Path, cli: Cli, registered, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reg = registered()
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'konversi gagal' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("SAKTI_SOFFICE", str(broken))
    result = cli("terbitkan", reg)
    assert result.exit_code == 4, result.stderr
    record = cli.json("status", reg)
    assert record["status"] == "LENGKAP" and record["nomor_batal"] == ["400.9.14.1/001/ARSEL/XI/2026"]
    monkeypatch.delenv("SAKTI_SOFFICE")
    retry = cli.json("terbitkan", reg)
    assert retry["nomor_surat"] == "400.9.14.1/002/ARSEL/XI/2026"  # never reused
    voided = cli("verifikasi", "--kode", "TIDAKADA")
    assert voided.exit_code == 1  # not registered: a negative answer


def test_verifikasi_outcomes(kantor: Path, cli: Cli, issued: dict, demo_pki, tmp_path: Path) -> None:
    pdf = Path(issued["pdf"])
    good = cli.json("verifikasi", str(pdf))
    assert good["sah"] is True and good["register"] == "TERBIT"
    assert good["surat"]["nomor_surat"] == issued["nomor_surat"]
    assert cli.json("verifikasi", "--kode", issued["kode_verifikasi"].lower())["sah"] is True

    altered = tmp_path / "diubah.pdf"
    data = bytearray(pdf.read_bytes())
    position = data.find(b"stream", 200) + 20
    data[position] ^= 0x01
    altered.write_bytes(bytes(data))
    bad = cli.json("verifikasi", str(altered), code=1)
    assert bad["sah"] is False and any("tanda tangan" in r for r in bad["alasan"])
    nss = make_nss_db(tmp_path / "nss", demo_pki.root_cert)
    assert "Signature is Valid" not in run_pdfsig(altered, nss)

    unsigned = tmp_path / "polos.pdf"
    from pki_helpers import make_pdf

    make_pdf(unsigned)
    plain = cli.json("verifikasi", str(unsigned), code=1)
    assert "tidak bertanda tangan" in " ".join(plain["alasan"])

    notpdf = tmp_path / "bukan.pdf"
    notpdf.write_text("halo")
    assert cli("verifikasi", str(notpdf)).exit_code == 3
    assert cli("verifikasi").exit_code == 3


def test_valid_signature_not_in_register(kantor: Path, cli: Cli, demo_pki, tmp_path: Path) -> None:
    from pki_helpers import make_pdf

    from sakti_cli.signatures.sign import load_pkcs12_signer, sign_pdf

    source = tmp_path / "lain.pdf"
    make_pdf(source)
    signed = tmp_path / "lain-ttd.pdf"
    sign_pdf(source, signed, load_pkcs12_signer(demo_pki.signer_p12, b"demo"), reason="uji", location="uji",
             signer_name=None)
    result = cli.json("verifikasi", str(signed), code=1)
    assert result["register"] == "TIDAK_TERDAFTAR" and result["tanda_tangan"][0]["kriptografi_sah"] is True
    assert "tidak tercatat" in " ".join(result["alasan"])


def test_untrusted_root(kantor: Path, cli: Cli, issued: dict, tmp_path: Path) -> None:
    from sakti_cli.signatures.pki import make_demo_pki

    other = make_demo_pki(tmp_path / "lain", "x")
    shutil.copy(other.root_cert, kantor / "pki" / "demo-root.pem")
    result = cli.json("verifikasi", issued["pdf"], code=1)
    assert result["tanda_tangan"][0]["tepercaya"] is False
