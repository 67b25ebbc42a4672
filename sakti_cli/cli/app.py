"""The ``sakti`` command: global options, then one module per command group."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sakti_cli import __version__
from sakti_cli.cli import (
    cadangan,
    contoh,
    demo,
    impor,
    kantor,
    layanan,
    massal,
    permohonan,
    situs,
    sop,
    surat,
    surat_register,
    tandatangani,
    templat,
    ttd,
)
from sakti_cli.cli.state import GLOBALS
from sakti_cli.cli.usage import SaktiGroup, SaktiUsage

app = typer.Typer(
    name="sakti",
    cls=SaktiGroup,  # usage errors, --json and --help answered in Indonesian (sakti_cli/cli/usage.py)
    context_settings={"help_option_names": []},
    help="SAKTI: surat kecamatan dari permohonan sampai PDF bertanda tangan elektronik.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sakti {__version__}")
        raise typer.Exit()


@app.callback()
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
    from sakti_cli.core.text import unsafe_character

    hidden = unsafe_character(petugas) if petugas else None
    if hidden is not None:  # the name goes into every record and audit event
        raise SaktiUsage(f"berisi {hidden}; ketik ulang nama petugas", param_hint="--petugas")
    GLOBALS.kantor = kantor_dir
    GLOBALS.petugas = petugas
    GLOBALS.debug = debug
    GLOBALS.tampilkan_nik = tampilkan_nik


for module in (kantor, layanan, permohonan, massal, impor, surat, surat_register, tandatangani, ttd, sop, templat,
               cadangan, demo, contoh, situs):
    module.register(app)


def main() -> None:
    app()
