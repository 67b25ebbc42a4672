"""The ``sakti`` command: global options, then one module per command group."""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperCommand

from sakti_cli import __version__
from sakti_cli.cli.index import COMMANDS
from sakti_cli.cli.usage import SaktiGroup, SaktiUsage

# The command modules, in the order their commands are listed. ``sakti`` (main) imports only the module of
# the command asked for; its root --help lists the commands from sakti_cli/cli/index.py (written by
# 'make docs' from these modules, checked by tests/test_mulai_impor.py), so it imports none of them.
MODULES = ("kantor", "layanan", "permohonan", "massal", "impor", "surat", "surat_register", "agenda", "tandatangani",
           "ttd", "sop", "templat", "cadangan", "demo", "contoh", "situs", "laporan",
           "latar")
SETTINGS: dict[str, Any] = {"add_completion": False, "pretty_exceptions_enable": False, "rich_markup_mode": None}


class LazyGroup(SaktiGroup):
    """The root group of ``sakti``: a command's module is imported when the command is looked up."""

    listing = False  # formatting the root's --help: its command list comes from the index

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if self.listing:
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1]) if cmd_name in COMMANDS else None
        if cmd_name in COMMANDS:
            self.load(COMMANDS[cmd_name][0])
        else:  # a typo (Typer then suggests from every name), or a command the index does not know yet
            for module in MODULES:
                self.load(module)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self.listing = False

    def load(self, module: str) -> None:
        self.commands.update(typer.main.get_group(part(module)).commands)


@functools.cache
def part(module: str) -> typer.Typer:
    """The commands of one module, registered once (a module's ``register`` adds to its own sub-apps)."""
    commands = typer.Typer(**SETTINGS)
    importlib.import_module(f"sakti_cli.cli.{module}").register(commands)
    return commands


def _root(cls: type[SaktiGroup]) -> typer.Typer:
    root = typer.Typer(
        name="sakti",
        cls=cls,  # usage errors, --json and --help answered in Indonesian (sakti_cli/cli/usage.py)
        context_settings={"help_option_names": []},
        help="SAKTI: surat kecamatan dari permohonan sampai PDF bertanda tangan elektronik.",
        no_args_is_help=True,
        **SETTINGS,
    )
    root.callback()(main_options)
    return root


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sakti {__version__}")
        raise typer.Exit()


def main_options(
    kantor_dir: Annotated[Path | None, typer.Option(
        "--kantor", help="Folder kantor (bawaan: SAKTI_KANTOR, lalu sakti.toml terdekat).")] = None,
    petugas: Annotated[str | None, typer.Option(
        "--petugas", help="Nama petugas untuk jejak audit (bawaan: SAKTI_PETUGAS, lalu [kantor].petugas di "
        "sakti.toml, lalu pengguna sistem).")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Tampilkan traceback bila ada galat.")] = False,
    tampilkan_nik: Annotated[bool, typer.Option(
        "--tampilkan-nik", help="Tampilkan NIK dan nomor KK utuh (dicatat di jejak audit).")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Tampilkan versi.")] = False,
) -> None:
    """Opsi global ditulis sebelum perintah: sakti --kantor DIR periksa REG."""
    from sakti_cli.cli.state import GLOBALS
    from sakti_cli.core.text import unsafe_character

    hidden = unsafe_character(petugas) if petugas else None
    if hidden is not None:  # the name goes into every record and audit event
        raise SaktiUsage(f"berisi {hidden}; ketik ulang nama petugas", param_hint="--petugas")
    GLOBALS.kantor = kantor_dir
    GLOBALS.petugas = petugas
    GLOBALS.debug = debug
    GLOBALS.tampilkan_nik = tampilkan_nik


def full_app() -> typer.Typer:
    """The whole command tree, every module imported: for the reference, the schemas and the tests."""
    whole = _root(SaktiGroup)
    for module in MODULES:
        whole.registered_commands += part(module).registered_commands
        whole.registered_groups += part(module).registered_groups
    return whole


def __getattr__(name: str) -> Any:
    """``sakti_cli.cli.app.app``: the whole tree, built the first time it is asked for."""
    if name == "app":
        globals()["app"] = full_app()
        return globals()["app"]
    raise AttributeError(name)


def main() -> None:
    _root(LazyGroup)()
