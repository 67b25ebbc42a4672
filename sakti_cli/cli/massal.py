"""``sakti massal FILE --layanan KODE``: register and check many applications from one table."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, Negative, command, passphrase_prompt, register_for, workspace
from sakti_cli.cli.tables import Col, print_table
from sakti_cli.core.errors import UsageError
from sakti_cli.register.states import ApplicationStatus

HASIL_STYLE = {"terdaftar": "green", "sudah_ada": "cyan", "ditolak": "red", "akan_didaftarkan": "yellow"}


def register(app: typer.Typer) -> None:
    app.command("massal")(massal)


class _Bar:
    """Rows done of the total, letters issued, failures and time left, on stderr; only in a terminal and
    never with --json (``total``: the rows counted before the run)."""

    def __init__(self, out: Output, total: int | None) -> None:
        self.progress: Any = None
        if not self.shown(out):
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("baris"), TimeRemainingColumn(), console=out.err, transient=True)
        self.progress.start()
        self.task = self.progress.add_task(self._text({"diterbitkan": 0, "gagal": 0}), total=total)

    @staticmethod
    def shown(out: Output) -> bool:
        return not out.json_mode and out.err.is_terminal

    @staticmethod
    def _text(counts: dict[str, int]) -> str:
        return f"terbit {counts['diterbitkan']} · gagal {counts['gagal']}"

    def advance(self, counts: dict[str, int]) -> None:
        if self.progress is not None:
            self.progress.update(self.task, advance=1, description=self._text(counts))

    def around(self, prompt: Callable[[str], str | None]) -> Callable[[str], str | None]:
        """``prompt`` with the bar stopped while the signatory types (the key opens during the run)."""
        def ask(label: str) -> str | None:
            if self.progress is None:
                return prompt(label)
            self.progress.stop()
            try:
                return prompt(label)
            finally:
                self.progress.start()
        return ask

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _pool(ws: Any, opened: list[Any]) -> Any:
    from sakti_cli.documents.convert_pool import ConverterPool

    if not opened:
        opened.append(ConverterPool.from_settings(ws.config.libreoffice))
    return opened[0]


def _counts(outcomes: list[Any]) -> dict[str, int]:
    return {"baris": len(outcomes),
            "terdaftar": sum(o.hasil == "terdaftar" for o in outcomes),
            "sudah_ada": sum(o.hasil == "sudah_ada" for o in outcomes),
            "akan_didaftarkan": sum(o.hasil == "akan_didaftarkan" for o in outcomes),
            "ditolak": sum(o.hasil == "ditolak" for o in outcomes),
            "diterbitkan": sum(o.issued for o in outcomes),
            "gagal_terbit": sum(o.galat_terbit is not None for o in outcomes),
            "akan_diterbitkan": sum(bool(o.akan_diterbitkan) for o in outcomes),
            "belum_lengkap": sum(bool(o.kurang) for o in outcomes if o.hasil != "ditolak"),
            "gagal": sum(o.hasil == "ditolak" or bool(o.kurang) or o.galat_terbit is not None for o in outcomes)}


def _summary_table(console: Console, outcomes: list[Any], counts: dict[str, int], dry_run: bool) -> None:
    print_table(console, [Col("Baris", "number"), Col("Hasil", "identifier"), Col("Registrasi", "identifier"),
                          Col("Status", "identifier"), Col("Keterangan")],
                [(str(o.baris), f"[{HASIL_STYLE.get(o.hasil, 'white')}]{o.hasil}[/]", o.nomor_registrasi or "-",
                  o.status or "-", escape(_note(o)))
                 for o in outcomes], title="Uji massal (tidak ada yang diubah)" if dry_run else "Hasil massal")
    console.print(f"{counts['baris']} baris: {counts['terdaftar']} terdaftar, {counts['sudah_ada']} sudah ada, "
                  f"{counts['ditolak']} ditolak, {counts['belum_lengkap']} belum lengkap, {counts['diterbitkan']} "
                  f"surat diterbitkan, {counts['gagal_terbit']} gagal terbit"
                  + (f", {counts['akan_diterbitkan']} surat akan diterbitkan." if dry_run else "."))


def _outputs_note(console: Console, outputs: dict[str, Any]) -> None:
    """Where --gabung/--zip wrote, or why nothing was written."""
    for key, what, path_key in (("gabung", "PDF gabungan (salinan cetak, tanpa tanda tangan)", "pdf"),
                                ("zip", "Arsip surat bertanda tangan", "berkas")):
        done = outputs.get(key)
        if done is None:
            continue
        pages = f", {done['halaman']} halaman" if "halaman" in done else ""
        waiting = f"; {done['menunggu_ttd']} surat menunggu tanda tangan tidak disertakan" * bool(done["menunggu_ttd"])
        console.print(f"{what}: {escape(done[path_key])} ({done['surat']} surat{pages}){waiting}." if done[path_key]
                      else f"{what}: tidak ditulis, tidak ada surat TERBIT di baris berkas ini{waiting}.")


def _note(outcome: Any) -> str:
    parts = [outcome.alasan or ("kurang: " + ", ".join(outcome.kurang) if outcome.kurang else ""),
             f"surat {outcome.nomor_surat}" if outcome.nomor_surat else "",
             f"gagal terbit: {outcome.galat_terbit}" if outcome.galat_terbit else "",
             {True: "akan diterbitkan", False: "tidak akan diterbitkan", None: ""}[outcome.akan_diterbitkan]]
    return "; ".join(part for part in parts if part)


@command
def massal(out: Output,
           berkas: Annotated[Path, typer.Argument(metavar="FILE", help=(
               "Tabel permohonan: .csv (UTF-8), .xlsx (formulir 'sakti layanan KODE --formulir') atau .jsonl "
               "(satu amplop atau objek isian per baris)."))],
           layanan: Annotated[str, typer.Option("--layanan", help="Kode layanan semua baris, mis. sktm.")],
           folder_berkas: Annotated[Path | None, typer.Option("--folder-berkas", help=(
               "Folder berkas persyaratan; kolom berkas relatif terhadapnya dan tidak boleh keluar darinya "
               "(bawaan: folder FILE)."))] = None,
           uji: Annotated[bool, typer.Option("--uji", help=(
               "Uji saja: katakan apa yang akan terjadi per baris (dengan --terbitkan juga apakah suratnya akan "
               "diterbitkan), tanpa mengubah register."))] = False,
           terbitkan: Annotated[bool, typer.Option("--terbitkan", help=(
               "Terbitkan juga surat setiap baris yang LENGKAP (sandi kunci ditanyakan sekali); baris yang sudah "
               "punya surat tidak diterbitkan lagi."))] = False,
           tanpa_ttd: Annotated[bool, typer.Option("--tanpa-ttd", help=(
               "Dengan --terbitkan: siapkan surat tanpa kunci; semuanya menunggu 'sakti ttd setujui'."))] = False,
           gabung: Annotated[Path | None, typer.Option("--gabung", metavar="HASIL.pdf", help=(
               "Dengan --terbitkan: satu PDF gabungan untuk dicetak, urut baris, berisi surat TERBIT setiap baris "
               "berkas ini, yang terbit di putaran ini maupun sebelumnya (putaran ulang sesudah terhenti tetap "
               "memberi gabungan lengkap). Salinan cetak tanpa tanda tangan elektronik (tertulis di metadatanya); "
               "tidak menimpa berkas yang ada."))] = None,
           arsip: Annotated[Path | None, typer.Option("--zip", metavar="HASIL.zip", help=(
               "Dengan --terbitkan: arsip ZIP surat bertanda tangan yang sama (seperti --gabung), tiap surat persis "
               "sama dengan PDF di register, bernama menurut nomor suratnya, dengan daftar DAFTAR-SURAT.csv; "
               "tidak menimpa berkas yang ada."))] = None,
           json_out: JSON_OPT = False) -> None:
    """Daftarkan dan periksa banyak permohonan dari satu tabel, satu permohonan per baris. Baris dengan data
    salah ditolak (tidak didaftarkan); baris dengan berkas kurang didaftarkan BELUM_LENGKAP. Menjalankan berkas
    yang sama lagi tidak mendaftarkan baris yang sudah ada (kunci: kolom id_baris, atau layanan + NIK pemohon).
    Keluar 0 bila semua baris lengkap, 1 bila ada yang ditolak atau belum lengkap, 3 bila berkasnya tak terbaca
    atau tanpa satu baris pun."""
    from sakti_cli.cli.permohonan import _services, _today
    from sakti_cli.issuance.batch import LetterRun, process_row, read_rows, rows_to_sign, would_issue
    from sakti_cli.issuance.batch_output import check_options, check_targets, write_outputs
    from sakti_cli.issuance.pipeline import RunSigner

    out.stream()
    if tanpa_ttd and not terbitkan:
        raise UsageError("--tanpa-ttd hanya berarti bersama --terbitkan.", saran="Tambahkan --terbitkan.")
    check_options(terbitkan=terbitkan, uji=uji, tanpa_ttd=tanpa_ttd, gabung=gabung, arsip=arsip)
    targets = check_targets(gabung, arsip)  # before any row: a folder that takes no file is exit 3 now

    ws = workspace()
    services = _services(ws)  # one loader for the run: each SOP parsed once
    service = services(layanan)
    path = berkas.expanduser()
    base = (folder_berkas.expanduser() if folder_berkas else path.parent).resolve()
    reg_store = register_for(ws)
    today = _today(ws)
    issuing = terbitkan and not uji
    outcomes: list[Any] = []
    waiting: deque[Any] = deque()  # rows in file order, reported once their letter is settled
    bar = _Bar(out, sum(1 for _ in read_rows(path, service)) if _Bar.shown(out) else None)
    pool: list[Any] = []  # LibreOffice starts at the first letter, once for the batch
    sign = issuing and not tanpa_ttd
    signer = (RunSigner(ws, ws.signatory(None), bar.around(passphrase_prompt), reg_store.moment,
                        timestamp_url=ws.config.tte.tsa, to_sign=lambda: rows_to_sign(path, service))
              if sign else None)
    run = LetterRun(ws, reg_store, services, converter=lambda: _pool(ws, pool), signer=signer,
                    timestamp_url=ws.config.tte.tsa if signer is not None else None)

    def report() -> None:
        while waiting and not waiting[0].in_flight:
            outcome = waiting.popleft()
            out.row("baris", outcome.to_dict())
            bar.advance(_counts(outcomes))

    try:
        for row in read_rows(path, service):
            outcome = process_row(ws, reg_store, service, row, base, today, dry_run=uji)
            if uji and terbitkan:
                outcome.akan_diterbitkan = would_issue(outcome)
            outcomes.append(outcome)
            waiting.append(outcome)
            if issuing:
                run.add(outcome)
            report()
        run.drain()
        report()
    except BaseException as exc:
        run.abort(exc)  # every letter still in flight is closed BATAL with the reason
        raise
    finally:
        bar.stop()
        for opened in pool:
            opened.close()
        if signer is not None:
            signer.close()
    for warning in signer.warnings if signer is not None else []:
        out.warn(warning)
    counts = _counts(outcomes)
    ok = counts["gagal"] == 0
    outputs = write_outputs(ws, reg_store, outcomes, *targets)
    payload = {"berkas": str(path.resolve()), "layanan": service.kode, "uji": uji, **counts, **outputs}

    def human(console: Console) -> None:
        _summary_table(console, outcomes, counts, uji)
        _outputs_note(console, outputs)

    out.result(payload, human, ok=ok)
    from sakti_cli.cli.situs import refresh_after

    refresh_after(out, ws, [o.nomor_surat for o in outcomes if o.issued and o.status == ApplicationStatus.TERBIT
                            and o.nomor_surat])
    if not ok:
        raise Negative
