"""The signing queue: ``sakti ttd antrean``, ``ttd setujui``, ``ttd kembalikan``.

Staff prepare letters without the key (``sakti terbitkan REG --tanpa-ttd``); the signatory reviews
them here and signs all or some of them, typing the passphrase once for the run (UU ITE Pasal 11:
the signing data stays under the signatory's control), or sends one back with a reason.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sakti_cli.cli.output import Output
from sakti_cli.cli.permohonan import show_message
from sakti_cli.cli.state import GLOBALS, JSON_OPT, Negative, command, passphrase_prompt, register_for, workspace
from sakti_cli.cli.tables import Col, print_table
from sakti_cli.register.session import Letter

ttd_app = typer.Typer(help="Antrean tanda tangan: surat yang disiapkan petugas, ditandatangani penandatangan.",
                      no_args_is_help=True, rich_markup_mode=None)

PenandatanganOpt = Annotated[str | None, typer.Option(
    "--penandatangan", help="id penandatangan dari sakti.toml (bawaan: yang pertama).")]


def register(app: typer.Typer) -> None:
    ttd_app.command("antrean")(antrean)
    ttd_app.command("setujui")(setujui)
    ttd_app.command("kembalikan")(kembalikan)
    ttd_app.command("perbarui")(perbarui)
    app.add_typer(ttd_app, name="ttd")


@command
def antrean(out: Output, penandatangan: Annotated[str | None, typer.Option(
                "--penandatangan", help="Hanya surat untuk penandatangan ini (id dari sakti.toml).")] = None,
            json_out: JSON_OPT = False) -> None:
    """Surat yang menunggu tanda tangan: nomor, pemohon, layanan, disiapkan oleh, PDF untuk dibaca."""
    from sakti_cli.core.id_format import mask_nik
    from sakti_cli.register.letters import queue_rows

    ws = workspace()
    if penandatangan is not None:
        ws.signatory(penandatangan)  # an unknown id is an error (exit 3), not an empty queue
    rows = queue_rows(ws, register_for(ws), penandatangan)
    if not GLOBALS.tampilkan_nik:  # masked before any table can cut a number short of the output's mask
        rows = [{**row, "nik": mask_nik(str(row["nik"])) if row["nik"] else row["nik"]} for row in rows]
    payload = {"jumlah": len(rows), "surat": rows}

    def human(console: Console) -> None:
        if not rows:
            console.print("Tidak ada surat yang menunggu tanda tangan.")
            return
        from sakti_cli.core.id_format import waktu_singkat

        several = len({row["penandatangan"]["id"] for row in rows}) > 1
        columns = [Col("Nomor surat / registrasi", "identifier"),
                   Col("Layanan", "identifier", drop=3, beneath="Disiapkan"),
                   Col("Pemohon (NIK)"), Col("Disiapkan", "time", drop=2),
                   *([Col("Penandatangan", "identifier", drop=1)] if several else [])]
        print_table(console, columns, [
            (f"{row['nomor_surat']}\n{row['nomor_registrasi']}", row["layanan"],
             escape(f"{row['nama'] or '-'}\n{row['nik'] or '-'}"),
             f"{waktu_singkat(row['disiapkan'], ws.zone)}\n{escape(row['disiapkan_oleh'] or '-')}",
             *([row["penandatangan"]["id"] or "-"] if several else [])) for row in rows],
            title=f"Menunggu tanda tangan ({len(rows)})")
        console.print("PDF untuk dibaca sebelum ditandatangani:")
        for row in rows:
            console.print(f"  {row['nomor_surat']}  {row['pdf']}", markup=False, soft_wrap=True)

    out.result(payload, human)


class _Bar:
    """A Rich progress bar on stderr while many letters are signed (none for one letter or --json)."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.progress: Any = None
        self.task: Any = None

    def chosen(self, count: int) -> None:
        if count < 2 or self.out.json_mode:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=self.out.err, transient=True)
        self.progress.start()
        self.task = self.progress.add_task("menandatangani", total=count)

    def start(self, letter: Letter) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=f"menandatangani {letter['nomor_surat']}")
        else:
            self.out.step(f"menandatangani {letter['nomor_surat']}")

    def done(self, letter: Letter) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@command
def setujui(out: Output,
            nomor: Annotated[list[str] | None, typer.Argument(
                metavar="NOMOR", help="Nomor surat yang ditandatangani (boleh beberapa); atau --semua.")] = None,
            semua: Annotated[bool, typer.Option(
                "--semua", help="Tandatangani semua surat dalam antrean penandatangan ini.")] = False,
            penandatangan: PenandatanganOpt = None,
            tsa: Annotated[str | None, typer.Option(
                "--tsa", help="URL server cap waktu RFC 3161: PAdES B-T, atau B-LT bila sakti.toml menyimpan "
                "CRL/sertifikat CA (bawaan: [tte].tsa; tanpa keduanya B-B luring).")] = None,
            json_out: JSON_OPT = False) -> None:
    """Tandatangani surat yang menunggu: sandi diketik sekali untuk semua; yang gagal tetap menunggu (keluar 1)."""
    from sakti_cli.cli.errors import saran_for_kode
    from sakti_cli.issuance.queue import approve_queue

    ws = workspace()
    bar = _Bar(out)
    try:
        result = approve_queue(ws, register_for(ws), list(nomor or []), all_waiting=semua,
                               signatory_id=penandatangan, prompt=passphrase_prompt,
                               timestamp_url=tsa or ws.config.tte.tsa,
                               on_chosen=bar.chosen, on_start=bar.start, on_done=bar.done)
    finally:
        bar.stop()
    for warning in result["peringatan"]:
        out.warn(warning)
    signed, failed = result["ditandatangani"], result["gagal"]
    _with_messages(ws, signed)
    for row in failed:  # every error carries advice, as the error table gives it
        row["error"]["saran"] = saran_for_kode(row["error"]["kode"], row["error"].get("saran"))
    payload = {**result, "jumlah_ditandatangani": len(signed), "jumlah_gagal": len(failed)}

    def human(console: Console) -> None:
        if not signed and not failed:
            console.print("Tidak ada surat yang menunggu tanda tangan.")
            return
        for row in signed:
            console.print(f"[green]TERBIT[/green] [bold]{row['nomor_surat']}[/bold]  {row['pdf']}", soft_wrap=True)
        for row in failed:
            console.print(f"[red]GAGAL[/red]  [bold]{row['nomor_surat']}[/bold]  {row['error']['pesan']}")
            console.print(f"        [cyan]Saran:[/cyan] {row['error']['saran']}")
        tail = f", {len(failed)} gagal (tetap menunggu tanda tangan)" if failed else ""
        console.print(f"{len(signed)} ditandatangani{tail}.")

    out.result(payload, human, ok=not failed)
    from sakti_cli.cli.situs import refresh_after

    refresh_after(out, ws, [row["nomor_surat"] for row in signed])
    for row in signed if not out.json_mode else []:  # each applicant's issued-letter message, as 'terbitkan'
        out.err.print(f"[bold]{row['nomor_surat']}[/bold] ({row['nomor_registrasi']}):", soft_wrap=True)
        show_message(out, row)
    if failed:
        raise Negative


def _with_messages(ws: Any, signed: list[dict[str, Any]]) -> None:
    """Each signed letter's WhatsApp message and link (``pesan_wa``, ``tautan_wa``), as ``terbitkan`` gives."""
    from sakti_cli.cli.permohonan import service_or_none, with_message
    from sakti_cli.register.applications import load

    register = register_for(ws)
    for row in signed:
        record = load(ws, register, row["nomor_registrasi"])
        with_message(ws, service_or_none(ws, record["layanan"]), record, row, "terbit")


@command
def kembalikan(out: Output,
               nomor: Annotated[str, typer.Argument(help="Nomor surat yang menunggu tanda tangan.")],
               alasan: Annotated[str, typer.Option(
                   "--alasan", help="Mengapa dikembalikan (tercatat di riwayat permohonan).")],
               json_out: JSON_OPT = False) -> None:
    """Kembalikan surat ke petugas: nomor ditutup BATAL (tidak dipakai ulang), permohonan kembali LENGKAP."""
    from sakti_cli.register.letters import send_back

    ws = workspace()
    payload = send_back(ws, register_for(ws), nomor, alasan)

    def human(console: Console) -> None:
        console.print(f"[yellow]Dikembalikan:[/yellow] [bold]{payload['nomor_surat']}[/bold] ditutup BATAL "
                      f"({payload['alasan_batal']})")
        console.print(f"Permohonan {payload['nomor_registrasi']} kembali {payload['status_permohonan']}: "
                      "perbaiki ('sakti ubah' / 'sakti lengkapi') lalu terbitkan lagi (nomor baru).", markup=False)

    out.result(payload, human)


@command
def perbarui(out: Output,
             nomor: Annotated[list[str] | None, typer.Argument(
                 metavar="NOMOR", help="Nomor surat TERBIT yang diperbarui (boleh beberapa); atau --semua/--segera.")
             ] = None,
             semua: Annotated[bool, typer.Option("--semua", help="Perbarui semua surat TERBIT.")] = False,
             segera: Annotated[int | None, typer.Option(
                 "--segera", metavar="HARI", min=0,
                 help="Perbarui surat yang data validasinya (CRL, sertifikat TSA) kedaluwarsa dalam HARI hari.")
             ] = None,
             tsa: Annotated[str | None, typer.Option(
                 "--tsa", help="URL server cap waktu RFC 3161 (bawaan: [tte].tsa).")] = None,
             json_out: JSON_OPT = False) -> None:
    """Tambahkan cap waktu arsip dan data validasi baru (PAdES B-LTA) ke surat terbit; yang gagal keluar 1."""
    from sakti_cli.signatures.renewal import renew

    ws = workspace()
    result = renew(ws, register_for(ws), list(nomor or []), all_issued=semua, within_days=segera,
                   timestamp_url=tsa or ws.config.tte.tsa, on_start=lambda letter: out.step(
                       f"memperbarui {letter['nomor_surat']}"))
    done, failed = result["diperbarui"], result["gagal"]
    payload = {**result, "jumlah_diperbarui": len(done), "jumlah_gagal": len(failed)}

    def human(console: Console) -> None:
        if not done and not failed:
            console.print("Tidak ada surat yang perlu diperbarui.")
            return
        for row in done:
            console.print(f"[green]DIPERBARUI[/green] [bold]{row['nomor_surat']}[/bold]  revisi {row['revisi']}  "
                          f"SHA-256 {row['sha256']}", soft_wrap=True)
        for row in failed:
            console.print(f"[red]GAGAL[/red]  [bold]{row['nomor_surat']}[/bold]  {escape(row['error']['pesan'])}")
        console.print(f"{len(done)} diperbarui" + (f", {len(failed)} gagal." if failed else "."))

    out.result(payload, human, ok=not failed)
    if failed:
        raise Negative
