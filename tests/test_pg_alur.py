"""The loket's flows on a PostgreSQL register (issue 12 §3): one office, one workspace pointed at the run's real
server by ``[register] url``: daftar -> periksa -> terbitkan -> verifikasi -> cetak -> batalkan, and the signing
queue (terbitkan --tanpa-ttd -> ttd antrean -> ttd setujui). Records, numbers, the trail and the files are in the
database, nothing in data/register; a second desk (another workspace folder) sees the same letters and PDFs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Cli, Pki, example, module_office
from pg_server import Office, Server, new_database

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not shutil.which("soffice") and not shutil.which("libreoffice"),
                                 reason="LibreOffice missing")]


def point_at(root: Path, office: Office) -> None:
    """The workspace's sakti.toml names the server (no password) and a 0600 file holding the password."""
    config = root / "sakti.toml"
    config.write_text(config.read_text().replace(
        "[register]\n", f'[register]\nurl = "{office.url}"\nberkas_sandi = "pki/register.sandi"\n', 1))
    secret = root / "pki" / "register.sandi"
    secret.write_text(office.password + "\n")
    secret.chmod(0o600)


@pytest.fixture(scope="module")
def pg_desk(tmp_path_factory: pytest.TempPathFactory, demo_pki: Pki, lo_profile: Path,
            pg_cluster: Server) -> Iterator[tuple[Path, Office]]:
    office = new_database(pg_cluster).office("arsel")
    root = tmp_path_factory.mktemp("pg-alur") / "kantor"
    with module_office(root, demo_pki, lo_profile):
        pass
    shutil.copy(demo_pki.signer_p12.with_suffix(".pem"), root / "pki" / "camat.pem")  # the queue names the issuer
    toml = root / "sakti.toml"
    key = 'kunci = { jenis = "pkcs12", berkas = "pki/camat.p12" }'
    toml.write_text(toml.read_text().replace(key, key[:-2] + ', sertifikat = "pki/camat.pem" }', 1))
    point_at(root, office)
    yield root, office


@pytest.fixture
def desk(pg_desk: tuple[Path, Office], lo_profile: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Office]:
    monkeypatch.setenv("SAKTI_KANTOR", str(pg_desk[0]))
    monkeypatch.setenv("SAKTI_LO_PROFIL", str(lo_profile))
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    return pg_desk


def lengkap(cli: Cli) -> str:
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    assert cli.json("periksa", reg)["status"] == "LENGKAP"
    return reg


def test_issue_verify_reprint_void_on_postgresql(desk: tuple[Path, Office], cli: Cli, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root, office = desk
    reg = lengkap(cli)
    issued = cli.json("terbitkan", reg)
    number, pdf = issued["nomor_surat"], Path(issued["pdf"])
    assert issued["status"] == "TERBIT" and pdf.is_file()
    with office.connect() as conn:  # in the database, not in data/register
        row = conn.execute("SELECT status, sha256 FROM surat WHERE nomor_surat = %s", (number,)).fetchone()
        assert row == ("TERBIT", issued["sha256"])
        assert conn.execute("SELECT count(*) FROM berkas WHERE sha256 = %s", (issued["sha256"],)).fetchone() == (1,)
        assert conn.execute("SELECT status FROM permohonan WHERE nomor_registrasi = %s", (reg,)).fetchone() == (
            "TERBIT",)
    assert not list((root / "data" / "register").rglob("*.json"))
    assert cli.json("verifikasi", str(pdf))["sah"] is True
    by_code = cli.json("verifikasi", "--kode", issued["kode_verifikasi"])
    assert by_code["sah"] is True and by_code["surat"]["nomor_surat"] == number

    # a second desk: another computer's workspace folder, the same register; the PDF comes from the database
    other = tmp_path / "desk2"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns("surat", "berkas"))
    monkeypatch.setenv("SAKTI_KANTOR", str(other))
    status = cli.json("status", reg)
    assert status["status"] == "TERBIT" and status["surat"]["nomor_surat"] == number
    copy = cli.json("cetak", number, "--ke", str(tmp_path))
    assert Path(copy["ke"]).read_bytes() == pdf.read_bytes()

    voided = cli.json("batalkan", number, "--alasan", "salah ketik nama")
    assert voided["status"] == "BATAL"
    monkeypatch.setenv("SAKTI_KANTOR", str(root))
    revoked = cli("verifikasi", str(pdf), "--json")
    assert revoked.exit_code == 1 and "BATAL" in revoked.stdout
    with office.connect() as conn:  # the trail, in the database: one chain
        from sakti_cli.register.pg.audit import chain_problems

        actions = {a for (a,) in conn.execute("SELECT aksi FROM audit a JOIN audit_nama n USING (kantor, nomor) "
                                              "WHERE n.nama = %s", (reg,))}
        assert {"daftar", "periksa", "pesan_nomor", "terbit", "batalkan"} <= actions
        assert chain_problems(conn.cursor()) == []


def test_signing_queue_on_postgresql(desk: tuple[Path, Office], cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    office = desk[1]
    reg = lengkap(cli)
    monkeypatch.delenv("SAKTI_SANDI")
    prepared = cli.json("--petugas", "loket-1", "terbitkan", reg, "--tanpa-ttd")
    number = prepared["nomor_surat"]
    assert prepared["status"] == "MENUNGGU_TTD"
    assert cli.json("status", reg)["status"] == "MENUNGGU_TTD"  # a later step's recovery leaves it alone
    assert number in [row["nomor_surat"] for row in cli.json("ttd", "antrean")["surat"]]
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    signed = cli.json("--petugas", "camat", "ttd", "setujui", number)
    assert [s["nomor_surat"] for s in signed["ditandatangani"]] == [number]
    assert cli.json("status", reg)["status"] == "TERBIT"
    with office.connect() as conn:
        assert conn.execute("SELECT status FROM surat WHERE nomor_surat = %s", (number,)).fetchone() == ("TERBIT",)
        assert conn.execute("SELECT count(*) FROM pemesanan").fetchone() == (0,)
    assert number not in [row["nomor_surat"] for row in cli.json("ttd", "antrean")["surat"]]
