"""The register as a record: nomor mulai, batalkan, cetak, riwayat, register periksa."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sakti_cli.cli import register_pg
from sakti_cli.cli.output import Output
from sakti_cli.cli.salin import salin
from sakti_cli.cli.state import JSON_OPT, Negative, command, confirmed, register_for, workspace

NomorArg = Annotated[str, typer.Argument(help="Nomor surat lengkap, mis. 400.9.14.1/001/ARSEL/XI/2026.")]

nomor_app = typer.Typer(help="Penomoran surat.", no_args_is_help=True, rich_markup_mode=None)
register_app = typer.Typer(help="Register kantor: pemeriksaan keutuhan, salin antar-backend; skema dan peran "
                           "register PostgreSQL.",
                           no_args_is_help=True, rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    app.command("batalkan")(batalkan)
    app.command("cetak")(cetak)
    app.command("riwayat")(riwayat)
    nomor_app.command("mulai")(mulai)
    register_app.command("periksa")(periksa_register)
    register_app.command("salin")(salin)
    register_pg.add_commands(register_app)  # siapkan, peran: the PostgreSQL register's admin
    app.add_typer(nomor_app, name="nomor")
    app.add_typer(register_app, name="register")


# --- nomor mulai ---------------------------------------------------------------------------------
@command
def mulai(out: Output,
          layanan: Annotated[str, typer.Option("--layanan", help="Kode layanan yang urutannya dimulai.")],
          dari: Annotated[int, typer.Option("--dari", min=1, help="Nomor urut berikutnya yang akan diterbitkan.")],
          tahun: Annotated[int | None, typer.Option("--tahun", help="Tahun urutan (bawaan: tahun ini).")] = None,
          ya: Annotated[bool, typer.Option(
              "--ya", help="Lanjutkan tanpa bertanya walau register sudah menerbitkan nomor di lingkup ini.")] = False,
          json_out: JSON_OPT = False) -> None:
    """Mulai urutan nomor dari buku agenda kertas: nomor berikutnya DARI, nomor di bawahnya tercatat di kertas.

    Bila register sudah memakai nomor di lingkup dan tahun itu, ditanyakan dulu (kecuali --ya)."""
    from sakti_cli.register.numbering import numbers_used, scope_label, sequence_key, start_number, start_year
    from sakti_cli.services.sop import load_service

    ws = workspace()
    service = load_service(ws.sop_dir, layanan)
    with register_for(ws).reading() as txn:
        key = sequence_key(ws, service, start_year(txn, tahun))
        used = numbers_used(txn, key)
    if 0 < used < dari - 1 and not confirmed(  # a gap the paper book is said to fill
            f"Register sudah menerbitkan nomor sampai urut {used} di {scope_label(key)}; nomor "
            f"{used + 1}-{dari - 1} akan dianggap terbit di buku agenda kertas. Lanjutkan?", ya,
            f"Bila benar, ulangi dengan 'sakti nomor mulai --layanan {service.kode} --dari {dari} --ya'."):
        out.err.print("Tidak jadi: urutan nomor tidak diubah.")
        raise Negative
    with register_for(ws).transaction() as txn:
        record = start_number(txn, ws, service, dari, tahun)
    payload = {"lingkup": record["lingkup"], "tahun": record["tahun"], "dari": record["dari"],
               "sebelumnya": record["sebelumnya"], "layanan": record["layanan"]}

    def human(console: Console) -> None:
        paper = f"; nomor 1-{dari - 1} dianggap terbit di buku agenda kertas" if dari > 1 else ""
        console.print(f"Urutan {scope_label(record['lingkup'])} dimulai: nomor berikutnya [bold]{dari}[/bold]"
                      f"{paper}.")

    out.result(payload, human)


# --- batalkan ------------------------------------------------------------------------------------
@command
def batalkan(out: Output, nomor: NomorArg,
             alasan: Annotated[str, typer.Option("--alasan", help="Alasan pembatalan (wajib).")],
             json_out: JSON_OPT = False) -> None:
    """Batalkan surat yang sudah TERBIT: tetap di register, verifikasi menyatakannya batal, nomornya tidak dipakai lagi.

    Permohonannya kembali LENGKAP; 'sakti terbitkan REG' lalu menerbitkan surat pengganti bernomor baru.
    """
    from sakti_cli.register.letters import void_issued

    ws = workspace()
    with register_for(ws).transaction() as txn:
        letter = void_issued(txn, nomor, alasan)
    payload = {"nomor_surat": letter["nomor_surat"], "status": letter["status"],
               "alasan_batal": letter["alasan_batal"], "dibatalkan": letter["dibatalkan"],
               "dibatalkan_oleh": letter["dibatalkan_oleh"], "nomor_registrasi": letter["nomor_registrasi"]}

    def human(console: Console) -> None:
        console.print(f"[red]Surat {letter['nomor_surat']} dibatalkan[/red]: {letter['alasan_batal']}")
        console.print(f"Permohonan {letter['nomor_registrasi']} kembali LENGKAP; surat pengganti: "
                      f"sakti terbitkan {letter['nomor_registrasi']}")

    out.result(payload, human)
    from sakti_cli.cli.situs import refresh_after

    refresh_after(out, ws, [letter["nomor_surat"]])


# --- cetak ---------------------------------------------------------------------------------------
@command
def cetak(out: Output, nomor: NomorArg,
          ke: Annotated[Path | None, typer.Option("--ke", help="Salin PDF ke berkas atau folder ini.")] = None,
          timpa: Annotated[bool, typer.Option("--timpa", help="Timpa berkas --ke yang sudah ada.")] = False,
          json_out: JSON_OPT = False) -> None:
    """Berikan lagi PDF surat yang tersimpan, setelah SHA-256-nya dicocokkan dengan register."""
    from sakti_cli.register.letters import reprint

    ws = workspace()
    result = reprint(ws, register_for(ws), nomor, ke, timpa)

    def human(console: Console) -> None:
        console.print(f"Surat {result['nomor_surat']}: PDF cocok dengan register (SHA-256).")
        console.print(f"Disalin ke: {result['ke']}" if result["ke"] else f"PDF: {result['pdf']}", soft_wrap=True)

    out.result(result, human)


# --- riwayat -------------------------------------------------------------------------------------
def _describe(detail: Any) -> str:
    def show(value: Any) -> str:
        if isinstance(value, dict):
            return ",".join(f"{k}:{v}" for k, v in value.items())
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        return str(value)

    if not isinstance(detail, dict):
        return ""
    return "; ".join(f"{k}={show(v)}" for k, v in detail.items() if v not in (None, "", [], {}))


def _known_object(ws: Any, register: Any, objek: str) -> None:
    """NotFound (exit 3) when ``objek`` names an application or a letter the register does not hold;
    anything else (a numbering scope, an office object) is simply without events."""
    from sakti_cli.register.applications import load
    from sakti_cli.register.letters import letter_by_number
    from sakti_cli.register.lookup import REG_RE

    if REG_RE.match(objek):
        load(ws, register, objek)
    elif "/" in objek:
        with register.reading() as txn:
            letter_by_number(txn, objek)


@command
def riwayat(out: Output,
            objek: Annotated[str | None, typer.Option(
                "--objek", help="Nomor registrasi, nomor surat atau lingkup nomor.")] = None,
            petugas: Annotated[str | None, typer.Option("--petugas", help="Hanya peristiwa oleh petugas ini.")] = None,
            batas: Annotated[int, typer.Option("--batas", min=1, help="Jumlah peristiwa terakhir.")] = 50,
            json_out: JSON_OPT = False) -> None:
    """Jejak audit: siapa melakukan apa, kapan, status sebelum dan sesudah (NIK disamarkan)."""
    from sakti_cli.core.id_format import waktu_singkat
    from sakti_cli.core.privacy import mask_payload
    from sakti_cli.register.lookup import REG_RE, normalise_reg
    from sakti_cli.register.trail import recent_events

    ws = workspace()
    wanted = objek
    if wanted and REG_RE.match(wanted.strip().upper()):
        wanted = normalise_reg(wanted)
    register = register_for(ws)
    events = [mask_payload(e) for e in recent_events(register, objek=wanted, petugas=petugas, limit=batas)]
    if wanted and not events:
        _known_object(ws, register, wanted)  # an application or letter that does not exist: exit 3, as a filter
    rows = [{k: e.get(k) for k in ("waktu", "petugas", "aksi", "objek", "sebelum", "sesudah", "detail", "id")}
            for e in events]

    def human(console: Console) -> None:
        if not rows:
            console.print("Tidak ada peristiwa yang cocok.")
            return
        for row in rows:  # one line per event: readable at any width, easy to grep
            when = waktu_singkat(row["waktu"], ws.zone)
            change = f"{row['sebelum'] if row['sebelum'] is not None else '-'} → " \
                     f"{row['sesudah'] if row['sesudah'] is not None else '-'}"
            detail = _describe(row["detail"])
            console.print(f"{when}  {row['petugas']}  [bold]{row['aksi']}[/bold]  {row['objek']}  {change}"
                          + (f"  [dim]{detail}[/dim]" if detail else ""), markup=True, highlight=False,
                          soft_wrap=True)

    out.result({"peristiwa": rows, "jumlah": len(rows)}, human)


# --- register periksa ----------------------------------------------------------------------------
@command
def periksa_register(out: Output,
                     perbaiki: Annotated[bool, typer.Option(
                         "--perbaiki", help="Tutup nomor yang menggantung (proses mati) sebagai BATAL; bangun ulang "
                         "berkas inti register (versi format, penghitung nomor) yang hilang dari catatan dan jejak "
                         "audit.")] = False,
                     segera: Annotated[int, typer.Option(
                         "--segera", metavar="HARI", min=0, help="Catat surat yang data validasinya (CRL, sertifikat "
                         "TSA) kedaluwarsa dalam HARI hari: perbarui dengan 'sakti ttd perbarui'.")] = 60,
                     penuh: Annotated[bool, typer.Option(
                         "--penuh", help="Periksa semuanya: seluruh jejak audit dan SHA-256 setiap PDF. Tanpa opsi "
                         "ini pemeriksaan bertahap: hanya yang berubah sejak pemeriksaan bersih terakhir (titik "
                         "periksa), ditambah sampel bergilir ~2% PDF.")] = False,
                     json_out: JSON_OPT = False) -> None:
    """Periksa keutuhan register: berkas, nomor, PDF, permohonan, jejak audit (keluar 1 bila ada masalah).
    Bertahap sejak pemeriksaan bersih terakhir; --penuh memeriksa semuanya."""
    from sakti_cli.register.checkpoint import describe
    from sakti_cli.register.numbering import scope_label

    ws = workspace()
    register = register_for(ws)
    closed: list[str] = []
    rebuilt: list[str] = []
    if getattr(register, "backend", "tinydb") == "postgresql":
        result, closed = _periksa_pg(register, perbaiki, penuh)
    else:
        result, closed, rebuilt = _periksa_tinydb(ws, register, perbaiki, segera, penuh)
    payload = {k: v for k, v in result.items() if k != "menggantung"}
    if perbaiki:
        payload["diperbaiki"] = closed
        payload["dibangun_ulang"] = rebuilt

    def human(console: Console) -> None:
        summary = result["ringkasan"]
        console.print(f"Permohonan {summary['permohonan']}, surat {summary['surat']} (TERBIT {summary['terbit']}, "
                      f"BATAL {summary['batal']}, DIPESAN {summary['dipesan']}), peristiwa audit "
                      f"{summary['peristiwa']}.")
        for scope in summary["lingkup"]:
            paper = f", {scope['kertas']} di kertas" if scope["kertas"] else ""
            console.print(f"  {scope_label(scope['lingkup'])}: sampai urut {scope['terakhir']}{paper}")
        if result.get("pemeriksaan"):
            console.print(describe(result["pemeriksaan"]), markup=False, highlight=False, soft_wrap=True)
        for name in rebuilt:
            console.print(f"[yellow]Dibangun ulang dari catatan dan jejak audit:[/yellow] {name}")
        for number in closed:
            console.print(f"[yellow]Ditutup BATAL (proses terhenti):[/yellow] {number}")
        for note in result["catatan"]:
            console.print(f"[cyan]Catatan:[/cyan] {note['pesan']}")
        for problem in result["masalah"]:
            console.print(f"[red]Masalah[/red] {escape('[' + str(problem['berkas']) + ']')} {escape(problem['pesan'])}")
        if result["bersih"]:
            console.print("[green]Register utuh: tidak ada masalah.[/green]")
        else:
            console.print(f"[red]{len(result['masalah'])} masalah ditemukan.[/red]")

    out.result(payload, human, ok=result["bersih"])
    if not result["bersih"]:
        raise Negative


def _periksa_tinydb(ws: Any, register: Any, perbaiki: bool, segera: int,
                    penuh: bool) -> tuple[dict[str, Any], list[str], list[str]]:
    """The TinyDB register's check (incremental from its checkpoint unless ``penuh``) and repairs (files
    rebuilt, history index, dangling numbers closed; each followed by a full check)."""
    from functools import partial

    from sakti_cli.register.tiny.check import check_register, close_dangling, rebuild_core_files

    check = partial(check_register, ws, register, segera, checkpoint=True)
    result = check(full=penuh)
    closed: list[str] = []
    rebuilt: list[str] = []
    if perbaiki:
        rebuilt = rebuild_core_files(register)  # first: every other repair is a transaction, refused without them
        if rebuilt:
            result = check(full=True)
    if perbaiki and any(p["jenis"] == "indeks_riwayat" for p in result["masalah"]):
        from sakti_cli.register.tiny.history import rebuild_index

        if rebuild_index(register):
            rebuilt.append("riwayat/")
            result = check(full=True)
    if perbaiki and result["menggantung"]:
        closed = close_dangling(register, result["menggantung"])
        result = check(full=True)
    return result, closed, rebuilt


def _periksa_pg(register: Any, perbaiki: bool, penuh: bool) -> tuple[dict[str, Any], list[str]]:
    """The PostgreSQL register's check (the office's rows, one snapshot; incremental from the office's checkpoint
    unless ``penuh``); ``--perbaiki`` closes the reservations whose desk is gone BATAL "proses terhenti"
    (nothing else there is rebuilt from files), then checks again in full."""
    from functools import partial

    from sakti_cli.register.pg.check import check_pg_register

    check = partial(check_pg_register, register.conn, moment=register.moment())
    result = check(full=penuh)
    closed: list[str] = []
    if perbaiki and result["menggantung"]:
        register.close_abandoned()  # the recovery every writing step starts with, on its own
        before = [str(entry["nomor_surat"]) for entry in result["menggantung"]]
        result = check(full=True)
        still = {str(entry["nomor_surat"]) for entry in result["menggantung"]}
        closed = [number for number in before if number not in still]
    return result, closed
