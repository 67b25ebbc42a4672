"""``sakti situs bangun/perbarui``: the static verification site behind the QR (sakti_cli.citizen.site)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, command, register_for, workspace

situs_app = typer.Typer(help="Situs verifikasi statis untuk QR surat: dibangun dari register, tanpa data pribadi.",
                        no_args_is_help=True, rich_markup_mode=None)

FolderArg = Annotated[Path | None, typer.Argument(
    metavar="FOLDER", help="Folder situs (bawaan: [situs].folder di sakti.toml). Isinya disalin ke hosting yang "
    "melayani [verifikasi].url.")]


def register(app: typer.Typer) -> None:
    app.add_typer(situs_app, name="situs")


def _human(result: dict[str, Any], verb: str) -> Any:
    def human(console: Console) -> None:
        console.print(f"[green]Situs verifikasi {verb}:[/green] {result['folder']}", soft_wrap=True)
        console.print(f"{result['surat']} surat; {result['ditulis']} berkas data ditulis, "
                      f"{result['tidak_berubah']} tidak berubah; {result['aset_ditulis']} berkas halaman ditulis.")
        console.print(f"Halaman: {result['halaman']}", soft_wrap=True)
        console.print("Salin seluruh isi folder itu ke hosting situs verifikasi (lihat README, bagian Situs "
                      "verifikasi).", markup=False)
    return human


@situs_app.command("bangun")
@command
def bangun(out: Output, folder: FolderArg = None, json_out: JSON_OPT = False) -> None:
    """Bangun situs verifikasi di FOLDER: halaman cek, satu berkas data per surat yang pernah terbit.

    Folder baru atau kosong, atau situs yang sudah dibangun (semua berkasnya ditulis lagi)."""
    from sakti_cli.citizen.site import build_site, folder_for

    ws = workspace()
    result = build_site(ws, register_for(ws), folder_for(ws, folder))
    out.result(result, _human(result, "dibangun"))


@situs_app.command("perbarui")
@command
def perbarui(out: Output, folder: FolderArg = None, json_out: JSON_OPT = False) -> None:
    """Perbarui situs di FOLDER: hanya berkas yang berubah sejak pembangunan terakhir (surat baru, batal,
    diganti, diperbarui); tidak ada berkas yang dihapus."""
    from sakti_cli.citizen.site import build_site, folder_for

    ws = workspace()
    result = build_site(ws, register_for(ws), folder_for(ws, folder), update=True)
    out.result(result, _human(result, "diperbarui"))


def refresh_after(out: Output, ws: Any, numbers: list[str]) -> None:
    """After ``terbitkan``/``batalkan``/``ttd setujui`` succeeded: update the site when [situs].folder is
    set. A failure here is a warning; the letter is issued or voided all the same."""
    from sakti_cli.citizen.site import update_after
    from sakti_cli.core.errors import SaktiError

    if not ws.config.situs.folder or not numbers:
        return
    try:
        update_after(ws, register_for(ws), numbers)
    except (SaktiError, OSError) as exc:
        message = getattr(exc, "pesan", None) or str(exc)
        out.warn(f"situs verifikasi ([situs].folder) tidak diperbarui: {message} Jalankan 'sakti situs perbarui' "
                 "setelah masalahnya diatasi.")
