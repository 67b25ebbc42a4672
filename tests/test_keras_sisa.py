"""Issue 8, sections 3 and 4 (first half): crashes leave no personal data behind, children get no secrets.

Real processes are killed with SIGKILL at named points (SAKTI_UJI_MATI) and at seeded random moments.
After each kill the next command that writes removes what the dead run left (staging folders of
scans, scratch folders of letters, restored copies, half-written archives, register temp files, its
LibreOffice folder) and never what a live run holds; ``register periksa`` lists the leftovers it
finds; no LibreOffice started by the killed ``sakti`` survives it; no file under the workspace or
its parent holds the applicant's NIK outside the register's data files, its scans and the backup the
test made on purpose. Each killed run gets its own TMPDIR inside the test folder, so its LibreOffice
folder is searched too and its processes are recognised by their command line.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from conftest import Cli, example

from sakti_cli.documents.convert import LO_PREFIX

pytestmark = pytest.mark.slow

SAKTI = Path(sys.executable).parent / "sakti"
NIK = b"6201025403850003"  # the applicant of contoh/sktm
FIRST = "400.9.14.1/001/ARSEL/XI/2026"


# --- helpers ---------------------------------------------------------------------------------------
def run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``sakti`` subprocess: the fixtures' workspace and clock, a TMPDIR of its own
    (LibreOffice in one run per letter unless ``extra`` says otherwise)."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(TMPDIR=str(temp), SAKTI_SANDI="demo", SAKTI_LO_MODE="soffice")
    env.update(extra)
    return env


def killed(tmp_path: Path, point: str, *args: str) -> None:
    died = subprocess.run([str(SAKTI), *args], env=run_env(tmp_path, SAKTI_UJI_MATI=point), capture_output=True,
                          text=True, timeout=300)
    assert died.returncode == -signal.SIGKILL, (point, died.returncode, died.stderr[-2000:])


def lengkap(cli: Cli) -> str:
    reg = str(cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"])
    cli.json("periksa", reg)
    return reg


def blobs(path: Path) -> list[bytes]:
    """The bytes of a file as a search for the NIK must see them: archives and PDFs opened."""
    raw = path.read_bytes()
    found = [raw]
    with contextlib.suppress(Exception):
        if raw[:2] == b"\x1f\x8b":
            inner = gzip.decompress(raw)
            found.append(inner)
            with tarfile.open(fileobj=io.BytesIO(inner)) as tar:
                found += [tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()]  # type: ignore[union-attr]
        elif raw[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                found += [archive.read(name) for name in archive.namelist()]
        elif raw[:5] == b"%PDF-":
            from pypdf import PdfReader

            found += [(page.extract_text() or "").encode() for page in PdfReader(io.BytesIO(raw)).pages]
    return found


def files_with_nik(tmp_path: Path, kantor: Path, *, keep: tuple[Path, ...] = ()) -> list[str]:
    """Files under the workspace's parent holding the NIK, except the records: the register's data
    files (not its temp files), the scans of registered applications, letters issued or waiting for
    their signature, and ``keep``."""
    register, scans = kantor / "data" / "register", kantor / "data" / "berkas"
    letters = (kantor / "data" / "surat", kantor / "data" / "antrean")
    found = []
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()):
        if path in keep or any(path.is_relative_to(folder) for folder in letters):
            continue
        if path.is_relative_to(register) and not path.name.endswith(".baru"):
            continue
        if path.is_relative_to(scans) and path.relative_to(scans).parts[0].startswith("REG-"):
            continue
        if any(NIK in blob for blob in blobs(path)):
            found.append(str(path.relative_to(tmp_path)))
    return found


def leftovers(tmp_path: Path, kantor: Path) -> list[str]:
    data = kantor / "data"
    found = [*data.glob("berkas/.baru-*"), *data.glob("kerja-*"), *data.glob(".cadangan-*"),
             *data.glob("register/**/*.baru"), *tmp_path.glob(".pulihkan-*"), *tmp_path.glob("*.baru"),
             *tmp_path.glob(f"tmp/{LO_PREFIX}*")]
    return sorted(str(p.relative_to(tmp_path)) for p in found)


def listed(cli: Cli) -> list[str]:
    """What ``register periksa`` names as leftovers of stopped runs (a reservation of a killed run not
    yet closed makes it exit 1)."""
    done = cli("register", "periksa", "--json")
    assert done.exit_code in (0, 1), done.stderr
    office = Path(os.environ["SAKTI_KANTOR"]).resolve()  # paths in JSON are absolute: shown from the office
    return sorted(str(Path(n["berkas"]).relative_to(office)) if Path(n["berkas"]).is_relative_to(office)
                  else n["berkas"] for n in json.loads(done.stdout)["catatan"] if n["jenis"] == "sisa_proses")


def office_processes(tmp_path: Path) -> list[int]:
    """Live processes (not zombies) whose command line names the test folder: LibreOffice and the uno
    helper of a killed run name its TMPDIR. Our own pytest process does not."""
    mark = str(tmp_path).encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if mark in cmdline and state != "Z" and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def survivors(tmp_path: Path, wait: float = 1.5) -> list[int]:
    """LibreOffice processes of the killed runs still alive after ``wait`` seconds, less than one
    conversion takes (then killed, so a failing run does not leave them on the machine)."""
    deadline = time.monotonic() + wait
    while (alive := office_processes(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in alive:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return alive


def next_command(tmp_path: Path) -> None:
    """A writing command in a process of its own (it sees the killed runs' TMPDIR)."""
    done = subprocess.run([str(SAKTI), "daftar", "sktm", "--data", str(example("sktm")), "--json"],
                          env=run_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# --- kills at named points -------------------------------------------------------------------------
def test_daftar_killed_leaves_scans_and_temp_files_that_the_next_command_removes(
        kantor: Path, cli: Cli, tmp_path: Path) -> None:
    killed(tmp_path, "tengah_tulis_register", "daftar", "sktm", "--data", str(example("sktm")))
    killed(tmp_path, "setelah_salin_berkas", "daftar", "sktm", "--data", str(example("sktm")))  # before any sweep
    left = leftovers(tmp_path, kantor)
    assert any("/berkas/.baru-" in p for p in left) and any(p.endswith(".json.baru") for p in left), left
    assert files_with_nik(tmp_path, kantor)  # the register's temp files hold the NIK
    assert listed(cli) == sorted(str(Path(p).relative_to("kantor")) for p in left)

    assert cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"] == "REG-202611-0001"
    assert leftovers(tmp_path, kantor) == [] and listed(cli) == []
    assert files_with_nik(tmp_path, kantor) == []


def test_a_live_runs_staging_folder_is_never_removed(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from sakti_cli.core.scratch import owned_temp\n"
         "held = owned_temp(Path(sys.argv[1]), '.baru-'); (held.path / 'ktp-1.jpg').write_bytes(b'scan')\n"
         "print(held.path, flush=True); sys.stdin.read()", str(kantor / "data" / "berkas")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        staging = Path(holder.stdout.readline().strip())
        assert staging.is_dir()
        cli.json("daftar", "sktm", "--data", str(example("sktm")))  # a writing command sweeps
        assert (staging / "ktp-1.jpg").is_file()  # held by a live run: kept
        assert listed(cli) == []
    finally:
        holder.kill()
        holder.wait()
    assert listed(cli) == [str(staging.relative_to(kantor))]  # its run is gone: a leftover
    cli.json("daftar", "sktm", "--data", str(example("sktm")))
    assert not staging.exists()


def test_issuing_killed_while_libreoffice_runs(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    """Killed while LibreOffice converts the letter: LibreOffice dies with sakti; the scratch folder
    (the rendered letter, full NIK) and LibreOffice's folder are removed by the next command."""
    reg = lengkap(cli)
    killed(tmp_path, "lo_berjalan", "terbitkan", reg)
    assert survivors(tmp_path) == []
    left = leftovers(tmp_path, kantor)
    assert any(p.startswith("kantor/data/kerja-") for p in left) and any(p.startswith(f"tmp/{LO_PREFIX}") for p in left)
    assert any(p.startswith("kantor/data/kerja-") for p in files_with_nik(tmp_path, kantor))
    assert [p for p in listed(cli) if p.startswith("data/kerja-")]

    next_command(tmp_path)
    assert leftovers(tmp_path, kantor) == []
    assert files_with_nik(tmp_path, kantor) == []
    assert cli.json("status", reg)["nomor_batal"] == [FIRST]


def test_backup_and_restore_killed_leave_no_copy_of_the_register(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    cli.json("daftar", "sktm", "--data", str(example("sktm")))
    good = tmp_path / "cadangan.tar.gz"
    cli.json("cadangkan", str(good))
    killed(tmp_path, "setelah_ekstrak_pulihkan", "pulihkan", str(good), "--ke", str(tmp_path / "pulih"))
    killed(tmp_path, "tengah_tulis_cadangan", "cadangkan", str(tmp_path / "kedua.tar.gz"))
    left = leftovers(tmp_path, kantor)
    assert [p.split("-")[0] for p in left] == [".pulihkan", "kantor/data/.cadangan", "kedua.tar.gz.baru"], left
    assert not (tmp_path / "pulih").exists() and not (tmp_path / "kedua.tar.gz").exists()
    holding = files_with_nik(tmp_path, kantor, keep=(good,))
    assert "kedua.tar.gz.baru" in holding and any(p.startswith(".pulihkan-") for p in holding)
    named = listed(cli)
    assert str(tmp_path / "kedua.tar.gz.baru") in named and any(".pulihkan-" in p for p in named)

    cli.json("daftar", "sktm", "--data", str(example("sktm")))
    assert leftovers(tmp_path, kantor) == [] and listed(cli) == []
    assert files_with_nik(tmp_path, kantor, keep=(good,)) == []


def test_a_dead_runs_recorded_process_group_is_killed_by_the_sweep(tmp_path: Path) -> None:
    """The backstop for a child that escaped the death signal (a program forked by a wrapper): the
    sweep that removes a dead run's folder kills what is left of the groups it recorded."""
    from sakti_cli.core.scratch import sweep

    holder = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; from pathlib import Path\n"
         "from sakti_cli.core.scratch import owned_temp\nheld = owned_temp(Path(sys.argv[1]), sys.argv[2])\n"
         "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', str(held.path)],"
         " start_new_session=True)\n"
         "held.record_group(child.pid); print(held.path, child.pid, flush=True); sys.stdin.read()",
         str(tmp_path), LO_PREFIX], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    folder, pid = holder.stdout.readline().split()
    try:
        assert sweep([(tmp_path, f"{LO_PREFIX}*")]) == []  # its run is alive
        holder.kill()
        holder.wait()
        assert office_processes(tmp_path) == [int(pid)]  # orphaned, still running
        assert sweep([(tmp_path, f"{LO_PREFIX}*")]) == [Path(folder)]
        assert survivors(tmp_path) == [] and not Path(folder).exists()
    finally:
        holder.kill()
        with contextlib.suppress(OSError):
            os.kill(int(pid), signal.SIGKILL)


# --- kills at random moments -----------------------------------------------------------------------
STEPS = ("memesan nomor surat", "mengisi templat", "mengubah ke PDF", "menandatangani")


def test_issuing_killed_at_random_moments(kantor: Path, cli: Cli, tmp_path: Path) -> None:
    """Two runs of ``terbitkan`` (LibreOffice as a listener, the default) killed at seeded random moments:
    a random delay after a randomly chosen progress step (so the moment falls inside the work, however
    slow the machine is). Whatever each had reached, LibreOffice dies with it and the next writing
    command leaves nothing behind."""
    chance = random.Random(5)  # one kill while LibreOffice converts, one just after the reservation
    reg = lengkap(cli)
    reached = []
    for _ in range(2):
        step, delay = chance.choice(STEPS), chance.uniform(0.0, 0.6)
        proc = subprocess.Popen([str(SAKTI), "terbitkan", reg], env=run_env(tmp_path, SAKTI_LO_MODE="auto"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        for line in proc.stderr:
            if step in line:
                break
        time.sleep(delay)
        proc.kill()
        reached.append((step, round(delay, 2), proc.wait()))
        assert survivors(tmp_path) == [], reached
    next_command(tmp_path)
    assert leftovers(tmp_path, kantor) == [], reached
    assert files_with_nik(tmp_path, kantor) == [], reached
    check = cli.json("register", "periksa")
    assert check["bersih"] is True, check["masalah"]


# --- children's environments -----------------------------------------------------------------------
SECRETS = {"SAKTI_SANDI": "sandi-rahasia-camat", "SAKTI_PIN": "123987", "SANDI_SEKCAM": "sandi-rahasia-sekcam"}


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.decode().partition("=")[::2] for item in raw.split(b"\0") if item)


def test_libreoffice_and_its_helper_get_no_secret(kantor: Path, lo_profile: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A real conversion (uno listener) with the passphrase and PIN variables set, one of them named by
    sakti.toml: neither LibreOffice nor the helper has them; what they need (PATH, HOME) they have."""
    import docx

    from sakti_cli.documents.convert import Converter

    config = kantor / "sakti.toml"
    config.write_text(config.read_text().replace('variabel_sandi = "SAKTI_SANDI"', 'variabel_sandi = "SANDI_SEKCAM"'))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    document = docx.Document()
    document.add_paragraph("Surat uji lingkungan")
    document.save(str(tmp_path / "surat.docx"))
    with Converter(mode="auto") as converter:
        converter.convert(tmp_path / "surat.docx", tmp_path / "keluar")
        bridge = converter._bridge
        assert bridge is not None and bridge.office is not None and bridge.helper is not None, "python3-uno absent?"
        for child in (bridge.office, bridge.helper):
            env = environ_of(child.pid)
            assert env["PATH"] and env["HOME"]
            assert not set(SECRETS) & set(env), (child.args[0], sorted(env))
            assert not any(value in "".join(env.values()) for value in SECRETS.values())
            assert Path(f"/proc/{child.pid}/exe").resolve().name != "oosplash"  # the real program, not a wrapper


def test_per_call_libreoffice_gets_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``soffice`` mode (and any program named by SAKTI_SOFFICE): a stand-in records its environment."""
    from sakti_cli.core.errors import ConfigError
    from sakti_cli.documents.convert import Converter

    dump = tmp_path / "lingkungan.txt"
    stand_in = tmp_path / "soffice"
    stand_in.write_text(f"#!/bin/sh\nenv > '{dump}'\nexit 1\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("SAKTI_SOFFICE", str(stand_in))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    from test_convert import make_docx

    with Converter(mode="soffice") as converter, pytest.raises(ConfigError):
        converter.convert(make_docx(tmp_path / "a.docx", "Surat"), tmp_path / "keluar")
    seen = dump.read_text()
    assert "PATH=" in seen and not any(value in seen for value in SECRETS.values()), seen


def test_a_secret_variable_named_by_the_config_is_never_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a name the allow-list would pass (a config naming LANGUAGE as its passphrase variable)."""
    from sakti_cli.core import children
    from sakti_cli.signatures.keys import KeySpec, get_secret

    monkeypatch.setattr(children, "SECRET_VARIABLES", set(children.SECRET_VARIABLES))
    monkeypatch.setenv("LANGUAGE", "sandi-di-variabel-aneh")
    # only a seal reads a stored passphrase; a personal key names the variable only to refuse it
    assert get_secret(KeySpec("pkcs12", "Segel", "LANGUAGE", sifat="segel"), None) == b"sandi-di-variabel-aneh"
    assert "LANGUAGE" not in children.child_env() and "PATH" in children.child_env()
    assert json.dumps(children.child_env()).find("sandi-di-variabel-aneh") == -1
