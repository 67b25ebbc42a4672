"""Applications: daftar, periksa, lengkapi, ubah, tolak, permohonan, status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, Negative, command, register_for, workspace
from sakti_cli.errors import FileUnreadable, InputError, NotFound, os_reason

STATUS_STYLE = {"OK": "green", "KURANG": "yellow", "TIDAK_VALID": "red"}
BerkasOpt = Annotated[list[str] | None, typer.Option(
    "--berkas", help="Berkas persyaratan KODE=BERKAS; boleh diulang (mis. --berkas foto_rumah=a.jpg ...).")]
DataOpt = Annotated[str, typer.Option("--data", help=(
    "Data pemohon: berkas JSON, - untuk stdin, atau formulir .xlsx dari 'sakti layanan KODE --formulir'."))]
RegArg = Annotated[str, typer.Argument(help="Nomor registrasi, mis. REG-202611-0001.")]
AsliOpt = Annotated[list[str] | None, typer.Option(
    "--asli", help="Kode persyaratan yang dokumen aslinya sudah diperlihatkan di loket; boleh diulang.")]


def register(app: typer.Typer) -> None:
    for name, func in (("daftar", daftar), ("periksa", periksa), ("lengkapi", lengkapi), ("ubah", ubah),
                       ("tolak", tolak), ("permohonan", permohonan), ("status", status)):
        app.command(name)(func)


def data_base(source: str) -> Path:
    """Folder that relative file names inside a data file refer to."""
    return Path.cwd() if source == "-" else Path(source).expanduser().resolve().parent


DATA_MAX_BYTES = 16 * 1024 * 1024  # one application's data; scans are separate files


def read_data(source: str) -> Any:
    from sakti_cli.forms import parse_json_data

    too_big = FileUnreadable(f"Data {'dari stdin' if source == '-' else source} lebih dari 16 MB: bukan data satu "
                             "permohonan.",
                             saran="Berkas pindaian dilampirkan terpisah (amplop 'berkas' atau --berkas).")
    if source == "-":
        text = sys.stdin.read(DATA_MAX_BYTES + 1)
        if len(text) > DATA_MAX_BYTES:
            raise too_big
        return parse_json_data(text, "Data dari stdin")
    path = Path(source).expanduser()
    try:
        if path.is_file() and path.stat().st_size > DATA_MAX_BYTES:
            raise too_big
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileUnreadable(f"Berkas data {path} tidak ada.", saran="Periksa nama dan letak berkasnya.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileUnreadable(f"Berkas data {path} tidak dapat dibaca: {os_reason(exc)}.",
                             saran="Periksa berkasnya (teks JSON UTF-8) dan izinnya.", pustaka=str(exc)) from None
    return parse_json_data(text, f"Berkas data {path}")


def _read_application(source: str, service: Any) -> Any:
    """``--data``: a JSON file (or ``-``), or the XLSX form of ``layanan KODE --formulir`` with one row."""
    if source != "-" and Path(source).suffix.lower() == ".xlsx":
        from sakti_cli.form_sheet import read_sheet

        path = Path(source).expanduser()
        if path.is_file() and path.stat().st_size > DATA_MAX_BYTES:
            raise FileUnreadable(f"Formulir {path} lebih dari 16 MB: bukan formulir satu permohonan.",
                                 saran="Berkas pindaian dilampirkan terpisah, bukan di dalam lembar kerja.")
        rows = list(read_sheet(path, service))
        if len(rows) != 1:
            raise InputError(f"Formulir {source} berisi {len(rows)} baris terisi; 'daftar' mendaftarkan satu "
                             "permohonan.", saran="Biarkan satu baris terisi (baris 2), atau satu berkas per pemohon.")
        return rows[0][1]
    return read_data(source)


def _known_service(ws: Any, code: str) -> None:
    """A filter naming no service of this office is a mistake (exit 3), not an empty list."""
    from sakti_cli.sop import list_service_files

    known = [p.stem for p in list_service_files(ws.sop_dir)]
    if code not in known:
        raise NotFound(f"Layanan '{code}' tidak dikenal.", saran=f"Layanan yang ada: {', '.join(known) or '-'}.",
                       layanan=code)


def _services(ws: Any) -> Any:
    from sakti_cli.sop import load_service

    return lambda code: load_service(ws.sop_dir, code)


def application_payload(record: dict[str, Any], service: Any, reveal: bool | None = None) -> dict[str, Any]:
    """An application as shown: NIK/KK masked unless the global --tampilkan-nik was given."""
    from sakti_cli.privacy import mask_application

    shown = mask_application(record, service, GLOBALS.tampilkan_nik if reveal is None else reveal)
    return {
        "nomor_registrasi": shown["nomor_registrasi"],
        "layanan": shown["layanan"],
        "status": shown["status"],
        "data": shown["data"],
        "berkas": shown["berkas"],
        "dibuat": shown["dibuat"],
        "diubah": shown["diubah"],
        "riwayat": shown["riwayat"],
        "periksa": shown.get("periksa"),
        "surat": shown.get("surat"),
        "antrean": shown.get("antrean") if shown["status"] == "MENUNGGU_TTD" else None,
        "nomor_batal": shown.get("nomor_batal", []),
    }


def _today(ws: Any) -> Any:
    from sakti_cli.clock import now

    return now(ws.zone).date()


@command
def daftar(out: Output, layanan: Annotated[str, typer.Argument(help="Kode layanan, mis. sktm.")],
           data: DataOpt, berkas: BerkasOpt = None, asli: AsliOpt = None, json_out: JSON_OPT = False) -> None:
    """Daftarkan permohonan baru (status DITERIMA) dengan data dan berkasnya."""
    from sakti_cli.applications import file_arg, parse_file_args, register_application
    from sakti_cli.forms import add_originals, split_envelope

    ws = workspace()
    service = _services(ws)(layanan)
    base = data_base(data).resolve()
    fields, listed = split_envelope(_read_application(data, service), service.kode, base)
    if asli:
        fields = add_originals(fields, asli)
    given = parse_file_args(berkas or [], service)
    overridden = {item.kode for item in given}
    files = [file_arg(code, path, service, name, inside=base) for code, path, name in listed
             if code not in overridden] + given
    record = register_application(ws, register_for(ws), service, fields, files, _today(ws))
    payload = application_payload(record, service)

    def human(console: Console) -> None:
        console.print(f"Permohonan [bold]{record['nomor_registrasi']}[/bold] ({service.nama}) diterima.")
        console.print(f"Langkah berikut: sakti periksa {record['nomor_registrasi']}")

    out.result(payload, human)


def _check_table(console: Console, reg: str, lines: list[Any], complete: bool) -> None:
    table = Table(title=f"Pemeriksaan {reg}")
    for col in ("Kode", "Persyaratan", "Status", "Keterangan"):
        table.add_column(col)
    for line in lines:
        table.add_row(line.kode, line.syarat, f"[{STATUS_STYLE.get(line.status, 'white')}]{line.status}[/]",
                      escape(line.pesan))
    console.print(table)
    if complete:
        console.print(f"[green]LENGKAP[/green]: surat dapat diterbitkan dengan 'sakti terbitkan {reg}'.")
    else:
        console.print(f"[yellow]BELUM_LENGKAP[/yellow]: minta pemohon melengkapi, lalu 'sakti lengkapi {reg} "
                      "--berkas KODE=BERKAS'.")


@command
def periksa(out: Output, reg: RegArg, json_out: JSON_OPT = False) -> None:
    """Periksa berkas terhadap SOP: LENGKAP (keluar 0) atau BELUM_LENGKAP (keluar 1)."""
    from sakti_cli.applications import load
    from sakti_cli.checks import check_application

    ws = workspace()
    reg_store = register_for(ws)
    service = _services(ws)(load(ws, reg_store, reg)["layanan"])
    record, lines = check_application(ws, reg_store, service, reg, _today(ws))
    complete = record["status"] == "LENGKAP"
    payload = {"nomor_registrasi": record["nomor_registrasi"], "status": record["status"], "lengkap": complete,
               "hasil": [line.to_dict() for line in lines]}
    out.result(payload, lambda c: _check_table(c, record["nomor_registrasi"], lines, complete), ok=complete)
    if not complete:
        raise Negative


@command
def lengkapi(out: Output, reg: RegArg, berkas: BerkasOpt = None, asli: AsliOpt = None,
             json_out: JSON_OPT = False) -> None:
    """Tambah atau ganti berkas persyaratan, atau catat dokumen asli yang diperlihatkan (--asli);
    permohonan kembali ke DITERIMA."""
    from sakti_cli.applications import load, parse_file_args, update_data, update_files
    from sakti_cli.forms import add_originals

    ws = workspace()
    reg_store = register_for(ws)
    stored = load(ws, reg_store, reg)
    service = _services(ws)(stored["layanan"])
    if berkas or not asli:
        record = update_files(ws, reg_store, service, reg, parse_file_args(berkas or [], service))
    if asli:
        record = update_data(ws, reg_store, service, reg, add_originals({}, asli, stored["data"]), _today(ws))
    out.result(application_payload(record, service),
               lambda c: c.print(f"Berkas {record['nomor_registrasi']} diperbarui; status DITERIMA. "
                                 f"Periksa lagi: sakti periksa {record['nomor_registrasi']}"))


@command
def ubah(out: Output, reg: RegArg, data: DataOpt, json_out: JSON_OPT = False) -> None:
    """Perbaiki data pemohon (hanya kolom yang diberikan); permohonan kembali ke DITERIMA."""
    from sakti_cli.applications import load, update_data

    ws = workspace()
    reg_store = register_for(ws)
    service = _services(ws)(load(ws, reg_store, reg)["layanan"])
    record = update_data(ws, reg_store, service, reg, read_data(data), _today(ws))
    out.result(application_payload(record, service),
               lambda c: c.print(f"Data {record['nomor_registrasi']} diperbarui; status DITERIMA."))


@command
def tolak(out: Output, reg: RegArg,
          alasan: Annotated[str, typer.Option("--alasan", help="Alasan penolakan untuk pemohon.")],
          json_out: JSON_OPT = False) -> None:
    """Tolak permohonan (DITOLAK) dengan alasannya."""
    from sakti_cli.applications import reject

    ws = workspace()
    record = reject(register_for(ws), reg, alasan)
    out.result({"nomor_registrasi": record["nomor_registrasi"], "status": record["status"], "alasan": alasan},
               lambda c: c.print(f"Permohonan {record['nomor_registrasi']} DITOLAK: {alasan}"))


@command
def permohonan(out: Output,
               status_filter: Annotated[str | None, typer.Option("--status", help="Saring menurut status.")] = None,
               layanan: Annotated[str | None, typer.Option("--layanan", help="Saring menurut layanan.")] = None,
               json_out: JSON_OPT = False) -> None:
    """Daftar permohonan."""
    from sakti_cli.applications import list_applications
    from sakti_cli.id_format import mask_nik

    ws = workspace()
    records = list_applications(register_for(ws), status_filter, layanan)
    if layanan and not records:
        _known_service(ws, layanan)
    reveal = GLOBALS.tampilkan_nik
    rows = [{"nomor_registrasi": r["nomor_registrasi"], "layanan": r["layanan"], "status": r["status"],
             "nama": r["data"].get("nama"),
             "nik": r["data"].get("nik") if reveal or not r["data"].get("nik") else mask_nik(str(r["data"]["nik"])),
             "diubah": r["diubah"], "nomor_surat": (r.get("surat") or {}).get("nomor_surat")} for r in records]

    def human(console: Console) -> None:
        table = Table(title=f"Permohonan ({len(rows)})")
        for col in ("Registrasi", "Layanan", "Status", "Nama", "NIK", "Nomor surat"):
            table.add_column(col)
        for row in rows:
            table.add_row(row["nomor_registrasi"], row["layanan"], row["status"], escape(row["nama"] or "-"),
                          row["nik"] or "-", row["nomor_surat"] or "-")
        console.print(table)

    out.result({"permohonan": rows, "jumlah": len(rows)}, human)


@command
def status(out: Output, reg: RegArg, json_out: JSON_OPT = False) -> None:
    """Satu permohonan: data (NIK disamarkan), berkas, riwayat dan suratnya."""
    from sakti_cli.applications import load

    ws = workspace()
    record = load(ws, register_for(ws), reg)
    try:
        service = _services(ws)(record["layanan"])
    except Exception:
        service = None
    payload = application_payload(record, service)
    if service is not None:
        from sakti_cli.checks import service_clock
        from sakti_cli.clock import now

        payload["waktu_layanan"] = service_clock(ws, service, record, now(ws.zone))

    def human(console: Console) -> None:
        console.print(f"[bold]{payload['nomor_registrasi']}[/bold]  {payload['layanan']}  "
                      f"status [bold]{payload['status']}[/bold]")
        clock = payload.get("waktu_layanan") or {}
        if clock.get("menit_kerja") is not None:
            late = "" if clock["dalam_batas"] else " [red]melewati batas[/red]"
            console.print(f"Waktu layanan: {clock['teks']} (batas: {clock['batas']}){late}")
        data = Table(show_header=False, box=None)
        for key, value in payload["data"].items():
            data.add_row(escape(key), escape(str(value)))
        console.print(data)
        files = ", ".join(f"{code} ({len(items)})" for code, items in payload["berkas"].items()) or "-"
        console.print(f"Berkas: {files}")
        history = Table(title="Riwayat")
        for col in ("Waktu", "Petugas", "Dari", "Ke", "Catatan"):
            history.add_column(col)
        for step in payload["riwayat"]:
            history.add_row(step["waktu"], escape(step["petugas"]), step["dari"] or "-", step["ke"],
                            escape(step["catatan"] or ""))
        console.print(history)
        if payload["surat"]:
            letter = payload["surat"]
            console.print(f"Surat: [bold]{letter['nomor_surat']}[/bold]  kode verifikasi {letter['kode_verifikasi']}")
            console.print(f"PDF: {ws.root / letter['pdf']}")
        if payload["antrean"]:
            pending = payload["antrean"]
            console.print(f"Menunggu tanda tangan ({pending.get('penandatangan') or '-'}): "
                          f"[bold]{pending['nomor_surat']}[/bold]  PDF: {ws.root / pending['pdf_belum_ttd']}")

    out.result(payload, human)
