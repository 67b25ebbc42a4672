"""``sakti demo``: the whole path on the bundled example, in a fresh or named workspace."""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.console import Console

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, Negative, command, register_for
from sakti_cli.register.states import ApplicationStatus


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@command
def demo(out: Output, json_out: JSON_OPT = False) -> None:
    """Coba seluruh alur: kantor contoh, kunci demo (sandi 'demo'), SKTM contoh, terbit, verifikasi."""
    from sakti_cli.core.clock import now
    from sakti_cli.issuance.pipeline import issue_letter
    from sakti_cli.issuance.verification import verify_file
    from sakti_cli.office.demo import DEMO_PASSPHRASE, demo_workspace, example_application
    from sakti_cli.register.applications import register_application
    from sakti_cli.services.checks import check_application
    from sakti_cli.services.rules.kalender import load_calendar
    from sakti_cli.services.sop import load_service

    started = time.monotonic()
    ws = demo_workspace(GLOBALS.kantor)
    out.step(f"kantor demo: {ws.root}")
    reg_store = register_for(ws)
    service = load_service(ws.sop_dir, "sktm")
    today = now(ws.zone).date()
    data, files = example_application(service, today=today, calendar=load_calendar(ws.sop_dir))
    fields = data.get("isian", data)
    record = register_application(ws, reg_store, service, fields, files, today)
    reg = record["nomor_registrasi"]
    out.step(f"permohonan {reg} didaftarkan")
    record, lines = check_application(ws, reg_store, service, reg, today)
    if record["status"] != ApplicationStatus.LENGKAP:
        failed = "; ".join(f"{line.kode}: {line.pesan}" for line in lines if line.status != "OK")
        out.info(f"Contoh SKTM tidak lengkap: {failed}")
        raise Negative
    out.step("persyaratan lengkap")

    def demo_prompt(_label: str) -> str:
        return DEMO_PASSPHRASE

    result = issue_letter(ws, reg_store, lambda code: load_service(ws.sop_dir, code), reg,
                          signatory_id=None, prompt=demo_prompt, progress=out.step)
    letter = result["surat"]
    check = verify_file(ws, reg_store, result["pdf"])
    elapsed = round(time.monotonic() - started, 1)
    payload: dict[str, Any] = {
        "kantor": str(ws.root), "pdf": str(result["pdf"]), "nomor_registrasi": reg,
        "nomor_surat": letter["nomor_surat"], "kode_verifikasi": letter["kode_verifikasi"],
        "sha256": letter["sha256"], "sah": check["sah"], "sandi_demo": DEMO_PASSPHRASE, "detik": elapsed,
    }

    def human(console: Console) -> None:
        console.print(f"[green]Demo selesai[/green] dalam {elapsed} detik.")
        console.print(f"Surat     : [bold]{letter['nomor_surat']}[/bold] ({'SAH' if check['sah'] else 'TIDAK SAH'})")
        console.print(f"PDF       : {result['pdf']}", soft_wrap=True)
        console.print(f"Kantor    : {ws.root}", soft_wrap=True)
        console.print(f"Sandi kunci demo: '{DEMO_PASSPHRASE}'. Coba: sakti --kantor {ws.root} status {reg}",
                      soft_wrap=True)

    out.result(payload, human, ok=check["sah"])
    if not check["sah"]:
        raise Negative
