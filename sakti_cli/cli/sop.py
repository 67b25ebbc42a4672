"""``sakti sop skema`` and ``sakti sop periksa``: the SOP files' schema and their lint."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.text import Text

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, Negative, command, workspace
from sakti_cli.cli.tables import Col, print_table

sop_app = typer.Typer(help="Berkas SOP layanan (sop/*.yaml): skema dan pemeriksaannya.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(sop_app, name="sop")


@sop_app.command("skema")
@command
def skema(out: Output, json_out: JSON_OPT = False) -> None:
    """Cetak JSON Schema berkas SOP (untuk editor yang memeriksa YAML)."""
    from sakti_cli.services.sop import service_schema

    schema = service_schema()
    if json_out:
        out.result({"skema": schema})
        return
    sys.stdout.write(json.dumps(schema, ensure_ascii=False, indent=2) + "\n")


@sop_app.command("periksa")
@command
def periksa(out: Output, json_out: JSON_OPT = False) -> None:
    """Periksa semua berkas SOP, templatnya dan kalender libur; keluar 1 bila ada masalah."""
    from sakti_cli.services.lint import lint_sop_dir

    ws = workspace()
    checked, problems = lint_sop_dir(ws)
    payload = {"berkas": checked, "masalah": problems, "jumlah_masalah": len(problems)}

    def human(console: Console) -> None:
        if not problems:
            console.print(f"[green]Semua berkas SOP sesuai[/green] ({len(checked)} berkas diperiksa).")
            return
        print_table(console, [Col("Berkas", "path"), Col("Kolom", "identifier"), Col("Masalah")],
                    [(Text(problem["berkas"]), Text(problem["kolom"]), Text(problem["pesan"])) for problem in problems],
                    title=f"Masalah SOP ({len(problems)})")

    out.result(payload, human, ok=not problems)
    if problems:
        raise Negative
