"""``sakti init`` for a new office: asked in a terminal or given as options, never another office's data;
refused without either; ``--contoh`` copies the example office; every office file private."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import REPO, Cli

from sakti_cli.core.privacy import private_tree_problems
from sakti_cli.office.workspace import EXAMPLE_OFFICE

SAKTI = REPO / ".venv" / "bin" / "sakti"
OPTIONS = [
    "--kabupaten", "Lamandau", "--kecamatan", "Bulik", "--alamat", "Jl. Trans Kalimantan No. 1, Nanga Bulik",
    "--email", "kecamatan.bulik@lamandaukab.go.id", "--tempat", "Nanga Bulik", "--zona", "WIB",
    "--kode-unit", "BLK", "--desa", "Bunut", "--desa", "Guci", "--kelurahan", "Nanga Bulik",
    "--nama", "BUDI SANTOSO, S.Sos", "--jabatan", "Camat Bulik", "--nip", "19800101 200501 1 001",
    "--pangkat", "Pembina (IV/a)", "--kunci", "pki/camat.p12",
]
EXAMPLE_MARKS = ["Arut", "Mendawai", "Kotawaringin", "Pangkalan Bun", "ARSEL", "AHMAD YANI", "SITI AMINAH",
                 *(person.nip for person in EXAMPLE_OFFICE.penandatangan)]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point with no terminal (stdin from /dev/null), as a script would run it."""
    env = {k: v for k, v in os.environ.items() if k != "SAKTI_KANTOR"}
    return subprocess.run([str(SAKTI), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env,
                          timeout=120)


def test_init_with_options_and_no_terminal_has_no_other_office(tmp_path: Path) -> None:
    made = run("init", str(tmp_path / "bulik"), *OPTIONS, "--json")
    assert made.returncode == 0, made.stderr
    root = Path(json.loads(made.stdout)["kantor"])
    text = (root / "sakti.toml").read_text()
    assert [mark for mark in EXAMPLE_MARKS if mark in text] == []
    config = tomllib.loads(text)
    assert config["kantor"]["kecamatan"] == "Bulik" and config["kantor"]["tempat"] == "Nanga Bulik"
    assert config["kantor"]["desa"] == [{"nama": "Bunut", "jenis": "desa"}, {"nama": "Guci", "jenis": "desa"},
                                        {"nama": "Nanga Bulik", "jenis": "kelurahan"}]
    [person] = config["penandatangan"]
    assert (person["id"], person["nama"], person["nip"]) == ("camat", "BUDI SANTOSO, S.Sos", "198001012005011001")
    assert person["kunci"] == {"jenis": "pkcs12", "berkas": "pki/camat.p12"}
    assert config["verifikasi"]["akar_tepercaya"] == []  # no demo root of the example office either
    shown = run("--kantor", str(root), "kantor", "--json")
    assert json.loads(shown.stdout)["jenis_desa"]["Nanga Bulik"] == "kelurahan"
    # README: office files 0600, folders 0700, the copies of sop/ and templat/ included
    assert private_tree_problems(root) == []


def test_init_without_options_or_terminal_is_a_usage_error(tmp_path: Path, cli: Cli) -> None:
    refused = run("init", str(tmp_path / "baru"), "--json")
    assert refused.returncode == 2
    error = json.loads(refused.stdout)["error"]
    assert error["kode"] == "PEMAKAIAN" and "--kecamatan" in error["pesan"] and "--kunci" in error["pesan"]
    assert "--contoh" in error["saran"] and "--desa" in error["saran"]
    assert not (tmp_path / "baru").exists()
    partial = cli("init", str(tmp_path / "baru"), *OPTIONS[:4])
    assert partial.exit_code == 2 and "--alamat" in partial.stderr and "--kabupaten," not in partial.stderr


class Scripted:
    """Answers the questions in order, as a person at the terminal would; records what was asked and said."""

    def __init__(self, answers: list[str]) -> None:
        self.answers, self.asked, self.told = list(answers), [], []

    def ask(self, label: str, default: str | None = None) -> str:
        self.asked.append(label)
        if not self.answers:
            raise AssertionError(f"unexpected question: {label}")
        answer = self.answers.pop(0)
        return default or "" if answer == "" else answer

    def tell(self, text: str) -> None:
        self.told.append(text)


def test_init_asks_in_the_terminal(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import sakti_cli.cli.kantor as kantor_cli

    answers = Scripted([
        "Sukamara", "Jelai", "Jl. Tjilik Riwut No. 2, Sukamara", "", "", "Sukamara",
        "GMT", "wita",  # a bad zone is asked again with the reason
        "JLI",
        "Kuala Jelai", "kelurahan", "Sungai Tabuk", "", "",  # two villages (Enter: desa), then done
        "Hj. RAHMAWATI, S.E", "",  # jabatan: Enter takes "Camat Jelai"
        "", "12345", "197905152006042003", "Penata Tingkat I (III/d)",  # peran default; a bad NIP re-asked
        "", "",  # key source pkcs12, default path
        "", "", "",  # no certificate, no root, the placeholder URL
    ])
    monkeypatch.setattr(kantor_cli, "terminal_prompter", lambda out: answers)
    made = cli.json("init", str(tmp_path / "jelai"))
    assert answers.answers == []
    assert any("WIB, WITA atau WIT" in told for told in answers.told)
    assert any("NIP harus 18 digit" in told for told in answers.told)
    config = tomllib.loads((Path(made["kantor"]) / "sakti.toml").read_text())
    assert config["kantor"]["zona_waktu"] == "WITA" and config["kantor"]["kode_unit"] == "JLI"
    assert config["kantor"]["desa"] == [{"nama": "Kuala Jelai", "jenis": "kelurahan"},
                                        {"nama": "Sungai Tabuk", "jenis": "desa"}]
    [person] = config["penandatangan"]
    assert (person["jabatan"], person["peran"], person["nip"]) == ("Camat Jelai", "definitif", "197905152006042003")
    assert person["kunci"] == {"jenis": "pkcs12", "berkas": "pki/camat.p12"}
    assert "Arut" not in (Path(made["kantor"]) / "sakti.toml").read_text()


def test_init_contoh_copies_the_example_office_privately(tmp_path: Path, cli: Cli) -> None:
    made = cli.json("init", str(tmp_path / "contoh"), "--contoh")
    root = Path(made["kantor"])
    assert made["contoh"] is True and "Arut Selatan" in (root / "sakti.toml").read_text()
    for folder in ("sop", "templat"):
        assert (root / folder).stat().st_mode & 0o777 == 0o700
    assert private_tree_problems(root) == []
    mixed = cli("init", str(tmp_path / "campur"), "--contoh", "--kecamatan", "Bulik")
    assert mixed.exit_code == 2 and "kecamatan" in mixed.stderr and not (tmp_path / "campur").exists()


def test_bad_option_names_the_field(tmp_path: Path, cli: Cli) -> None:
    bad = cli("init", str(tmp_path / "salah"), *OPTIONS, "--zona", "GMT", "--nip", "123")
    assert bad.exit_code == 3 and "zona_waktu" in bad.stderr and "nip" in bad.stderr
    assert not (tmp_path / "salah" / "sakti.toml").exists()


def test_init_in_a_real_terminal(tmp_path: Path) -> None:
    """The terminal prompter itself, through a pseudo-terminal: each answer is typed after its question."""
    import pty
    import select
    import time

    dialogue = [("Kabupaten/kota", "Sukamara"), ("Kecamatan (", "Jelai"), ("Alamat kantor", "Jl. Tjilik Riwut 2"),
                ("E-mail", "bukan-email"), ("E-mail", ""), ("Telepon", ""), ("Nama tempat", "Sukamara"),
                ("Zona waktu", "WITA"), ("Kode unit", "JLI"), ("ke-1", "Kuala Jelai"), ("desa atau kelurahan",
                "kelurahan"), ("ke-2", ""), ("Nama penandatangan", "RAHMAWATI, S.E"), ("Jabatan", ""),
                ("Peran", ""), ("NIP", ""), ("Pangkat", ""), ("Sumber kunci", ""), ("Letak berkas kunci", ""),
                ("Sertifikat penanda tangan", ""), ("Sertifikat akar", ""), ("URL verifikasi", "")]
    env = {k: v for k, v in os.environ.items() if k != "SAKTI_KANTOR"}
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(str(SAKTI), ["sakti", "init", str(tmp_path / "jelai")], env)
    seen, deadline = b"", time.monotonic() + 60
    try:
        while dialogue and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                seen += os.read(fd, 4096)
            label, answer = dialogue[0]
            if label.encode() in seen:
                seen = b""
                dialogue.pop(0)
                os.write(fd, answer.encode() + b"\n")
        while time.monotonic() < deadline and select.select([fd], [], [], 0.5)[0]:
            try:
                if not os.read(fd, 4096):
                    break
            except OSError:
                break
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert dialogue == [] and os.waitstatus_to_exitcode(status) == 0
    config = tomllib.loads((tmp_path / "jelai" / "sakti.toml").read_text())
    assert config["kantor"]["email"] == "" and config["kantor"]["zona_waktu"] == "WITA"
    assert config["kantor"]["desa"] == [{"nama": "Kuala Jelai", "jenis": "kelurahan"}]
    assert config["penandatangan"][0]["nama"] == "RAHMAWATI, S.E"
    assert config["penandatangan"][0]["jabatan"] == "Camat Jelai"


def test_a_folder_that_cannot_take_an_office_is_refused_before_the_questions(
        tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file, a symlink loop or an existing office as the folder: exit 3 naming it, no question asked."""
    import sakti_cli.cli.kantor as kantor_cli

    asked = Scripted([])
    monkeypatch.setattr(kantor_cli, "terminal_prompter", lambda out: asked)
    a_file = tmp_path / "catatan.txt"
    a_file.write_text("bukan kantor")
    loop = tmp_path / "putar"
    loop.symlink_to(loop)
    existing = Path(cli.json("init", str(tmp_path / "ada"), "--contoh")["kantor"])
    before = (existing / "sakti.toml").read_bytes()
    for target, words in ((a_file, "bukan folder"), (loop, "tautan simbolik berputar"),
                          (existing, "sudah berisi sakti.toml"), (a_file / "kantor", f"{a_file} bukan folder")):
        for extra in ([], ["--contoh"]):
            result = cli("init", str(target), *extra, "--json")
            error = json.loads(result.stdout)["error"]
            assert result.exit_code == 3 and words in error["pesan"] and "Traceback" not in result.stderr, (
                target, result.stdout)
    assert asked.asked == [] and a_file.read_text() == "bukan kantor"
    assert (existing / "sakti.toml").read_bytes() == before
