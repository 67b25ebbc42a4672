"""Start-up (issue 15, s.4): ``sakti --help`` imports no command module, ``sakti status REG`` only what it uses.

No timing here (tests never assert wall-clock times): each test runs ``sakti`` in a fresh process and
checks which modules it imported, or that the lazily wired root says exactly what the whole tree says.
The SOP and the calendar are read by libyaml when it is there: the same data, and the same errors, as PyYAML's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, Cli, example

# Run sakti's entry point in this process, then print the top-level packages and sakti modules it imported.
PROBE = """
import json, sys
sys.argv = ["sakti", *json.loads(sys.argv[1])]
from sakti_cli.cli.app import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
HEAVY = ("pyhanko", "docxtpl", "docx", "openpyxl", "pypdf", "PIL", "cryptography", "jinja2")


def imported(*args: str, office: Path | None = None) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SAKTI_LEBAR": "120"}
    if office is not None:
        env["SAKTI_KANTOR"] = str(office)
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True, text=True,
                          env=env, check=False)
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return set(modules)


def tops(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_root_help_imports_no_command_module_nor_rich_nor_pydantic() -> None:
    modules = imported("--help")
    assert not tops(modules) & {*HEAVY, "pydantic", "rich", "tinydb", "yaml"}
    assert not {m for m in modules if m.startswith("sakti_cli.cli.") and m not in
                {"sakti_cli.cli.app", "sakti_cli.cli.index", "sakti_cli.cli.usage", "sakti_cli.cli.errors",
                 "sakti_cli.cli.output"}}  # output: its closed-stream guard (it imports Rich only to print)


def test_status_imports_only_its_own_command_module(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from sakti_cli.office.workspace import init_workspace

    ws = init_workspace(tmp_path / "kantor")
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    reg = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
    modules = imported("status", reg, office=ws.root)
    assert "sakti_cli.cli.permohonan" in modules  # it did run the command
    assert not tops(modules) & set(HEAVY)
    commands = {m for m in modules if m.startswith("sakti_cli.cli.")}
    assert not commands & {"sakti_cli.cli.antrean", "sakti_cli.cli.ttd", "sakti_cli.cli.massal", "sakti_cli.cli.surat",
                           "sakti_cli.cli.kantor", "sakti_cli.cli.cadangan", "sakti_cli.cli.situs"}


def _lazy_invoke(args: list[str]) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from sakti_cli.cli.app import LazyGroup, _root

    result = CliRunner().invoke(_root(LazyGroup), args, env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("args", [["--help"], [], ["status", "--help"], ["ttd", "--help"],
                                  ["kantor", "periksa", "--help"], ["statsu"], ["register", "periksa", "--salah"]])
def test_the_lazy_root_answers_as_the_whole_tree(args: list[str]) -> None:
    from typer.testing import CliRunner

    from sakti_cli.cli.app import app

    whole = CliRunner().invoke(app, args, env={"COLUMNS": "100"})
    assert _lazy_invoke(args) == (whole.exit_code, whole.stdout, whole.stderr)


def test_the_command_index_is_current() -> None:
    from sakti_cli.cli.reference import INDEX, render_index

    committed = (REPO / INDEX).read_text(encoding="utf-8")
    assert committed == render_index(), "jalankan 'make docs' (scripts/buat_referensi.py) lalu commit " + INDEX


def test_a_command_missing_from_a_stale_index_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import sakti_cli.cli.app as app_module

    stale = {name: entry for name, entry in app_module.COMMANDS.items() if name != "pesan"}
    monkeypatch.setattr(app_module, "COMMANDS", stale)
    whole = CliRunner().invoke(app_module.app, ["pesan", "--help"], env={"COLUMNS": "100"})
    assert whole.exit_code == 0
    assert _lazy_invoke(["pesan", "--help"]) == (0, whole.stdout, whole.stderr)


def _python_yaml(text: str) -> object:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return yaml.load(text, Loader=Loader)


def test_sops_read_by_libyaml_are_what_pyyaml_reads() -> None:
    from sakti_cli.services.rules.kalender import load_yaml_text

    files = sorted((REPO / "sop").rglob("*.yaml"))
    assert len(files) > 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert load_yaml_text(text) == _python_yaml(text), path.name


@pytest.mark.parametrize("text", ["nama: [tidak: tertutup\n", "a: 1\n b: 2\n", "kode: sktm\n\tnama: x\n"])
def test_a_yaml_error_is_said_as_pyyaml_says_it(text: str) -> None:
    import yaml

    from sakti_cli.services.rules.kalender import load_yaml_text

    with pytest.raises(yaml.YAMLError) as ours:
        load_yaml_text(text)
    with pytest.raises(yaml.YAMLError) as theirs:
        _python_yaml(text)
    assert str(ours.value) == str(theirs.value)
