"""The start-up path of ``sakti status`` (issue 15, s.4; sakti_cli/cli/fast.py) answers byte for byte as the
Typer command does, or leaves the answer to it.

Each case runs the installed ``sakti`` (its entry point, sakti_cli/cli/entry.py) and the Typer path alone
(sakti_cli/cli/app.py's main) as fresh processes, and compares stdout, stderr and the exit code. A probe
says which path answered: the start-up path imports neither Typer nor pydantic, and for ``--json`` not Rich.
No timing here (tests never assert wall-clock times; ``make bench`` measures).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXED_TIME, REPO, Cli, example

SAKTI = str(Path(sys.executable).with_name("sakti"))
TYPER_PATH = "import sys; sys.argv[0] = 'sakti'; from sakti_cli.cli.app import main; main()"
# sakti's entry point in this process; then which of the heavy libraries it imported, on a file of its own.
PROBE = """
import json, sys
sys.argv = ["sakti", *json.loads(sys.argv[1])]
from sakti_cli.cli.entry import main
try:
    main()
finally:
    with open(__import__("os").environ["PROBE_OUT"], "w") as f:
        json.dump(sorted({m.split(".")[0] for m in sys.modules} & {"typer", "click", "pydantic", "rich"}), f)
"""


def _env(office: Path) -> dict[str, str]:
    return {**os.environ, "SAKTI_KANTOR": str(office), "PYTHONPATH": str(REPO), **EXTRA_ENV}


EXTRA_ENV: dict[str, str] = {}


def run(office: Path, *args: str, typer_path: bool = False) -> tuple[int, str, str]:
    cmd = [sys.executable, "-c", TYPER_PATH, *args] if typer_path else [SAKTI, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(office), check=False)
    return done.returncode, done.stdout, done.stderr


def libraries(office: Path, tmp_path: Path, *args: str) -> set[str]:
    """The heavy libraries ``sakti ARGS`` imported (Typer and pydantic: the full path answered)."""
    target = tmp_path / "probe.json"
    subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True, text=True,
                   env={**_env(office), "PROBE_OUT": str(target)}, check=False)
    return set(json.loads(target.read_text(encoding="utf-8")))


def same(office: Path, *args: str) -> tuple[int, str, str]:
    """``sakti ARGS`` answers as the Typer command does; that answer."""
    ours = run(office, *args)
    assert ours == run(office, *args, typer_path=True), args
    return ours


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """An office with an SKTM application and a list-bearing one (heirs: their table), snapshots written."""
    from sakti_cli.office.workspace import init_workspace

    root = tmp_path_factory.mktemp("status-cepat") / "kantor"
    ws = init_workspace(root)
    patch = pytest.MonkeyPatch()
    patch.setenv("SAKTI_KANTOR", str(ws.root))
    patch.setenv("SAKTI_WAKTU", FIXED_TIME)
    patch.setenv("SAKTI_LEBAR", "200")
    try:
        cli = Cli()
        sktm = cli.json("daftar", "sktm", "--data", str(example("sktm")))["nomor_registrasi"]
        heirs = cli.json("daftar", "ahli-waris", "--data", str(example("ahli-waris")))["nomor_registrasi"]
        yield ws.root, sktm, heirs
    finally:
        patch.undo()


def _reveals(office: Path) -> int:
    return sum(path.read_text(encoding="utf-8").count('"tampilkan_nik"')
               for path in (office / "data" / "register" / "audit").glob("*.jsonl"))


def test_status_answers_as_typer_without_typer_nor_pydantic(office: tuple[Path, str, str], tmp_path: Path) -> None:
    root, sktm, heirs = office
    run(root, "status", sktm, typer_path=True)  # the full path writes the snapshots
    run(root, "status", heirs, typer_path=True)
    assert libraries(root, tmp_path, "status", sktm) == {"rich"}
    assert libraries(root, tmp_path, "status", sktm, "--json") == set()
    assert libraries(root, tmp_path, "status", "REG-209901-0001", "--json") == {"rich"}  # the error, for people
    snapshot = root / "data" / "teruji.json"
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    code, out, err = same(root, "status", sktm)
    assert code == 0 and "Riwayat" in out and "6201********" in out and not err
    code, out, _ = same(root, "status", heirs)
    assert code == 0 and "Ahli waris" in out
    code, out, _ = same(root, "--kantor", str(root), "status", "--json", sktm.lower())
    assert code == 0 and json.loads(out)["nomor_registrasi"] == sktm
    assert same(root, f"--kantor={root}", "--petugas", "Budi", "status", heirs, "--json")[0] == 0


@pytest.mark.parametrize("args", [["status", "REG-209901-0001"], ["status", "REG-209901-0001", "--json"],
                                  ["status", "bukan-nomor"], ["status"], ["status", "--jsn", "REG-202611-0001"],
                                  ["status", "--help"], ["--kantor", "/tidak/ada", "status", "REG-202611-0001"],
                                  ["--debug", "status", "x"], ["--petugas", "a\x1b[2Jb", "status", "REG-202611-0001"],
                                  ["status", "--json=", "REG-202611-0001"]])
def test_every_other_answer_is_typers(office: tuple[Path, str, str], args: list[str]) -> None:
    root, _, _ = office
    code, _, err = same(root, *args)
    assert code in (0, 2, 3, 4), (code, err)


def test_shown_nik_is_audited_once_by_either_path(office: tuple[Path, str, str], tmp_path: Path) -> None:
    root, sktm, _ = office
    run(root, "status", sktm, typer_path=True)
    before = _reveals(root)
    ours = run(root, "--tampilkan-nik", "status", sktm)
    assert _reveals(root) == before + 1
    theirs = run(root, "--tampilkan-nik", "status", sktm, typer_path=True)
    assert _reveals(root) == before + 2
    assert ours == theirs and ours[0] == 0 and "6201********" not in ours[1]
    missing = run(root, "--tampilkan-nik", "status", "REG-209901-0001", "--json")
    assert missing == run(root, "--tampilkan-nik", "status", "REG-209901-0001", "--json", typer_path=True)
    assert missing[0] == 3 and _reveals(root) == before + 4
    assert libraries(root, tmp_path, "--tampilkan-nik", "status", sktm, "--json") == set()


def test_an_edited_config_or_sop_is_read_again(office: tuple[Path, str, str], tmp_path: Path) -> None:
    root, sktm, heirs = office
    run(root, "status", sktm, typer_path=True)
    config = root / "sakti.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('zona_waktu = "WIB"', 'zona_waktu = "WITA"'),
                      encoding="utf-8")
    assert libraries(root, tmp_path, "status", sktm, "--json") >= {"typer", "pydantic"}  # stale: the full path
    code, out, _ = same(root, "status", sktm)
    assert code == 0 and "WITA" in out and "WIB" not in out
    assert libraries(root, tmp_path, "status", sktm, "--json") == set()  # written again by the full path

    sop = root / "sop" / "sktm.yaml"
    sop.write_text(sop.read_text(encoding="utf-8").replace("label: Nama lengkap", "label: Nama lengkap pemohon"),
                   encoding="utf-8")
    assert libraries(root, tmp_path, "status", sktm) >= {"typer", "pydantic"}
    code, out, _ = same(root, "status", sktm)
    assert code == 0 and "Nama lengkap pemohon" in out

    sop.write_text(sop.read_text(encoding="utf-8") + "\nisian: [tidak: tertutup\n", encoding="utf-8")  # broken
    code, out, _ = same(root, "status", sktm)
    assert code == 0 and "Nama lengkap pemohon" not in out  # shown without the SOP's labels, by both
    assert libraries(root, tmp_path, "status", sktm) >= {"typer", "pydantic"}  # never a snapshot of it
    assert same(root, "status", heirs)[0] == 0  # another service's snapshot still serves


def test_a_postgresql_register_is_left_to_the_full_path(office: tuple[Path, str, str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root, sktm, _ = office
    run(root, "status", sktm, typer_path=True)
    monkeypatch.setitem(EXTRA_ENV, "SAKTI_REGISTER_URL", "postgresql://kantor@127.0.0.1:1/sakti")  # nobody there
    assert libraries(root, tmp_path, "status", sktm, "--json") >= {"typer", "pydantic"}
    assert same(root, "status", sktm, "--json")[0] == 4  # the server is down: said by the full path


def test_a_damaged_snapshot_file_costs_only_the_full_path(office: tuple[Path, str, str], tmp_path: Path) -> None:
    root, _, heirs = office
    snapshot = root / "data" / "teruji.json"
    snapshot.write_text("{rusak", encoding="utf-8")
    assert libraries(root, tmp_path, "status", heirs) >= {"typer", "pydantic"}
    assert same(root, "status", heirs)[0] == 0
    assert json.loads(snapshot.read_text(encoding="utf-8"))["versi"] == 1
    assert libraries(root, tmp_path, "status", heirs) == {"rich"}


def test_the_fast_parameters_are_typers() -> None:
    """The generated parameters (cli/index.py) are the Typer declarations (also: test_mulai_impor's index test)."""
    import typer.main

    from sakti_cli.cli.app import app
    from sakti_cli.cli.index import FAST_COMMANDS, GLOBAL_OPTIONS

    root = typer.main.get_group(app)
    flags = {flag for p in root.params for flag in [*p.opts, *p.secondary_opts]}
    assert set(GLOBAL_OPTIONS) == flags
    status = root.commands["status"]
    assert FAST_COMMANDS["status"][0] == tuple(p.name for p in status.params if p.param_type_name == "argument")
    assert set(FAST_COMMANDS["status"][1]) == {f for p in status.params if p.param_type_name == "option"
                                               for f in [*p.opts, *p.secondary_opts]}
