"""Shared fixtures: one demo PKI and one warm LibreOffice profile per test run (shared by the
xdist workers through a file lock), a fresh workspace per test, a fixed clock, a pinned width."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pg_server
import pytest
from filelock import FileLock
from json_schemas import check_output
from pg_server import pg, pg_cluster  # noqa: F401  (fixtures: one PostgreSQL server per run)
from register_backends import backend, pg_module  # noqa: F401  (fixtures: the register on each backend)
from typer.testing import CliRunner, Result

from sakti_cli.cli.app import app

FIXED_TIME = "2026-11-22T09:30:00+07:00"
REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    pg_server.configure(config)  # the run folder of the one PostgreSQL server (started by the first test needing it)


def pytest_unconfigure(config: pytest.Config) -> None:
    pg_server.unconfigure(config)  # after every worker ended: stop it


def _shared_root(factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every xdist worker of this run (its base temp's parent when distributed)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@dataclass(frozen=True)
class Pki:
    root_cert: Path
    signer_p12: Path
    crl: Path
    passphrase: str = "demo"


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    from pki_helpers import around_both_clocks

    from sakti_cli.signatures.pki import make_demo_pki

    root = _shared_root(tmp_path_factory) / "pki-demo"
    with FileLock(str(root) + ".lock"):
        if not (root / "demo-signer.p12").exists():
            # valid well before the fixed clock of the tests, as a real office key would be, and still at
            # the machine's clock whatever the date the suite runs on
            start, end = around_both_clocks(FIXED_TIME)
            # the demo office's seal: its certificate names the office (SAKTI_SANDI may unlock it)
            made = make_demo_pki(root, "demo", now=start, not_after=end)
            assert made.signer_p12.exists()
    return Pki(root / "demo-root.pem", root / "demo-signer.p12", root / "demo-root.crl")


@contextmanager
def module_office(root: Path, demo_pki: Pki, lo_profile: Path) -> Iterator[Path]:
    """For a module-scoped fixture that issues letters once: the example office at ``root`` with the run's
    demo key as the camat's (the office seal, so SAKTI_SANDI may unlock it), and the environment of a test
    (fixed clock, warm profile, passphrase)."""
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAKTI_WAKTU", FIXED_TIME)
        mp.setenv("SAKTI_LO_PROFIL", str(lo_profile))
        mp.setenv("SAKTI_SANDI", "demo")
        mp.delenv("SAKTI_KANTOR", raising=False)
        ws = create_workspace(root, DEMO_OFFICE)
        shutil.copy(demo_pki.signer_p12, ws.root / "pki" / "camat.p12")
        shutil.copy(demo_pki.root_cert, ws.root / "pki" / "demo-root.pem")
        yield ws.root


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from lo_fixtures import warm_profile

    root = _shared_root(tmp_path_factory) / "libreoffice"
    with FileLock(str(root) + ".lock"):
        return warm_profile(root)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test in its own folder, with a fixed clock and no workspace inherited from the caller."""
    for name in ("SAKTI_KANTOR", "SAKTI_SANDI", "SAKTI_UJI_MATI", "SAKTI_SOFFICE", "SAKTI_REGISTER_URL", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SAKTI_WAKTU", FIXED_TIME)
    monkeypatch.setenv("SAKTI_LEBAR", "200")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def kantor(tmp_path: Path, demo_pki: Pki, lo_profile: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo office (the example office, its camat key the office's seal) with the run's demo key
    installed as the camat's."""
    from sakti_cli.office.demo import DEMO_OFFICE
    from sakti_cli.office.workspace import create_workspace

    monkeypatch.setenv("SAKTI_LO_PROFIL", str(lo_profile))
    ws = create_workspace(tmp_path / "kantor", DEMO_OFFICE)
    shutil.copy(demo_pki.signer_p12, ws.root / "pki" / "camat.p12")
    shutil.copy(demo_pki.root_cert, ws.root / "pki" / "demo-root.pem")
    monkeypatch.setenv("SAKTI_KANTOR", str(ws.root))
    return ws.root


@dataclass
class Typist:
    """The signatory at the terminal, injected as the CLI's passphrase prompter: types ``answer`` (None:
    no terminal) and keeps every label it was shown (what is about to be signed, then the question)."""

    answer: str | None = None
    asked: list[str] = field(default_factory=list)

    def __call__(self, label: str) -> str | None:
        self.asked.append(label)
        return self.answer


@pytest.fixture
def typist(monkeypatch: pytest.MonkeyPatch) -> Typist:
    typist = Typist()
    monkeypatch.setattr("sakti_cli.cli.state.PASSPHRASE_PROMPTER", typist)
    return typist


class Cli:
    """Runs ``sakti`` in-process as a user would; stdout and stderr stay apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        argv = [str(a) for a in args]
        result = self.runner.invoke(app, argv, input=input, env=env, catch_exceptions=False)
        if "--json" in argv:  # every JSON output of the suite is checked against docs/skema/<command>.json
            check_output(argv, result.stdout)
        return result

    def json(self, *args: str, code: int = 0, **kwargs: object) -> dict:
        result = self(*args, "--json", **kwargs)  # type: ignore[arg-type]
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        payload = json.loads(result.stdout)
        assert isinstance(payload, dict)
        return payload


@pytest.fixture
def cli() -> Cli:
    return Cli()


def example(name: str) -> Path:
    return REPO / "contoh" / name / "pemohon.json"


def example_copy(tmp_path: Path, name: str) -> Path:
    """A copy of a bundled example's folder, to write variants of its envelope next to its files
    (an envelope's file names may not leave the envelope's folder)."""
    target = tmp_path / f"contoh-{name}"
    if not target.exists():
        shutil.copytree(REPO / "contoh" / name, target)
    return target


@pytest.fixture
def registered(kantor: Path, cli: Cli) -> Callable[..., str]:
    """Register a bundled example and return its registration number."""

    def make(name: str = "sktm", service: str = "sktm") -> str:
        payload = cli.json("daftar", service, "--data", str(example(name)))
        return str(payload["nomor_registrasi"])

    return make


@pytest.fixture
def issued(registered: Callable[..., str], cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """A real SKTM letter: registered, checked, issued (LibreOffice + PAdES)."""
    reg = registered()
    cli.json("periksa", reg)
    monkeypatch.setenv("SAKTI_SANDI", "demo")
    yield cli.json("terbitkan", reg)
