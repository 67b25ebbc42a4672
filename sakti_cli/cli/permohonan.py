"""Applications: daftar, periksa, lengkapi, ubah, tolak, permohonan, status, pesan."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sakti_cli.cli import listing as opt
from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, Negative, command, register_for, workspace
from sakti_cli.cli.status_view import status_human
from sakti_cli.cli.tables import Col, print_table
from sakti_cli.core.errors import FileUnreadable, InputError, NotFound, os_reason
from sakti_cli.register.session import Application
from sakti_cli.register.states import ApplicationStatus

STATUS_STYLE = {"OK": "green", "KURANG": "yellow", "TIDAK_VALID": "red"}
BerkasOpt = Annotated[list[str] | None, typer.Option(
    "--berkas", help="Berkas persyaratan KODE=BERKAS; boleh diulang (mis. --berkas foto_rumah=a.jpg ...).")]
DataOpt = Annotated[str, typer.Option("--data", help=(
    "Data pemohon: berkas JSON, - untuk stdin, atau formulir .xlsx dari 'sakti layanan KODE --formulir'."))]
RegArg = Annotated[str, typer.Argument(help="Nomor registrasi, mis. REG-202611-0001.")]
AskDataOpt = Annotated[str | None, typer.Option("--data", help=(
    "Data pemohon: berkas JSON, - untuk stdin, atau formulir .xlsx dari 'sakti layanan KODE --formulir'. "
    "Tanpa --data di terminal, sakti menanyakan setiap isian."))]
TambahOpt = Annotated[bool, typer.Option(
    "--tambah", help="Tambahkan berkas ke berkas kode itu yang sudah ada (sampai jumlah_maks SOP); tanpa ini "
    "berkas kode itu diganti.")]
ReceiptOpt = Annotated[Path | None, typer.Option(
    "--tanda-terima", help="Tulis tanda terima (PDF) untuk pemohon ke BERKAS.pdf: nomor registrasi, berkas yang "
    "diterima, waktu layanan; NIK disamarkan.")]
AsliOpt = Annotated[list[str] | None, typer.Option(
    "--asli", help="Kode persyaratan yang dokumen aslinya sudah diperlihatkan di loket; boleh diulang.")]


def register(app: typer.Typer) -> None:
    for name, func in (("daftar", daftar), ("periksa", periksa), ("lengkapi", lengkapi), ("ubah", ubah),
                       ("tolak", tolak), ("permohonan", permohonan), ("status", status),
                       ("pesan", pesan)):
        app.command(name)(func)


def data_base(source: str) -> Path:
    """Folder that relative file names inside a data file refer to."""
    return Path.cwd() if source == "-" else Path(source).expanduser().resolve().parent


DATA_MAX_BYTES = 16 * 1024 * 1024  # one application's data; scans are separate files


def read_data(source: str) -> Any:
    from sakti_cli.intake.forms import parse_json_data

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
        from sakti_cli.intake.form_sheet import read_sheet

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
    from sakti_cli.services.sop import list_service_files

    known = [p.stem for p in list_service_files(ws.sop_dir)]
    if code not in known:
        raise NotFound(f"Layanan '{code}' tidak dikenal.", saran=f"Layanan yang ada: {', '.join(known) or '-'}.",
                       layanan=code)


def _services(ws: Any) -> Any:
    """A loader of the office's services for one command: each SOP is read and parsed once by it (a
    batch asks for the same service per row; a YAML parse is ~0.1 s), a failure is raised each time."""
    import functools

    from sakti_cli.services.sop import load_service

    return functools.lru_cache(maxsize=None)(lambda code: load_service(ws.sop_dir, code))


def service_or_none(ws: Any, code: str) -> Any:
    """The application's service, or None when its SOP no longer loads (status and messages still work)."""
    try:
        return _services(ws)(code)
    except Exception:
        return None


def application_payload(record: Application, service: Any, reveal: bool | None = None,
                        root: Path | None = None) -> dict[str, Any]:
    """An application as shown (:func:`sakti_cli.cli.status_view.application_payload`): NIK/KK masked unless
    the global --tampilkan-nik was given."""
    from sakti_cli.cli.status_view import application_payload as shown

    return shown(record, service, GLOBALS.tampilkan_nik if reveal is None else reveal, root or workspace().root)


def with_message(ws: Any, service: Any, record: Application, payload: dict[str, Any], kind: str) -> None:
    """The citizen's WhatsApp text and link added to a step's payload (``pesan_wa``, ``tautan_wa``)."""
    from sakti_cli.citizen.messages import citizen_message

    payload.update(citizen_message(ws, service, record, kind))


def show_message(out: Output, payload: dict[str, Any]) -> None:
    """After a step's own lines, for people: the message to send, on stderr, and its link or why none."""
    if out.json_mode or "pesan_wa" not in payload:
        return
    out.err.print(f"[bold]Pesan WhatsApp untuk pemohon[/bold] ({payload['jenis_pesan']}):")
    out.err.print(payload["pesan_wa"], markup=False, highlight=False, soft_wrap=True)
    out.err.print(payload["tautan_wa"] or f"[yellow]{escape(payload['alasan_wa'])}[/yellow]; kirim pesan ini "
                  "dengan cara lain.", soft_wrap=True)


def _today(ws: Any) -> Any:
    from sakti_cli.core.clock import now

    return now(ws.zone).date()


class DeskPrompter:
    """The terminal's questions for ``daftar`` without ``--data``; file paths complete with Tab."""

    def __init__(self, out: Output) -> None:
        from sakti_cli.cli.kantor import TerminalPrompter

        self.terminal = TerminalPrompter(out)
        self.tell = self.terminal.tell

    def ask(self, label: str, default: str | None = None) -> str:
        try:
            return self.terminal.ask(label, default)
        except typer.Abort:  # Ctrl-C or end of input at Typer's prompt: the desk's own "Dibatalkan"
            raise KeyboardInterrupt from None

    def ask_file(self, label: str) -> str:
        try:
            import readline
        except ImportError:  # no readline (some builds): paths are typed in full
            return self.ask(label)
        previous, delims = readline.get_completer(), readline.get_completer_delims()
        readline.set_completer(_complete_path)
        readline.set_completer_delims(" \t\n")
        readline.parse_and_bind("tab: complete")
        try:
            return self.ask(label)
        finally:
            readline.set_completer(previous)
            readline.set_completer_delims(delims)


def _complete_path(text: str, state: int) -> str | None:
    import glob
    import os

    matches = sorted(m + ("/" if os.path.isdir(m) else "") for m in glob.glob(os.path.expanduser(text) + "*"))
    return matches[state] if state < len(matches) else None


def desk_prompter(out: Output) -> Any:
    """The prompter ``daftar`` asks with: the terminal's when a person is at one (and no --json), else None."""
    return DeskPrompter(out) if sys.stdin.isatty() and not out.json_mode else None


def _ask_envelope(out: Output, ws: Any, service: Any) -> Any:
    """``daftar`` without ``--data``: asked at the terminal, or exit 2 with the advice."""
    from sakti_cli.core.errors import UsageError
    from sakti_cli.intake.desk_questions import ask_application

    prompter = desk_prompter(out)
    if prompter is None:
        raise UsageError(f"'sakti daftar {service.kode}' tanpa --data menanyakan setiap isian, tetapi tidak ada "
                         "terminal untuk bertanya (masukan bukan terminal, atau --json).",
                         saran=f"Berikan datanya: sakti daftar {service.kode} --data pemohon.json (atau formulir "
                               f".xlsx dari 'sakti layanan {service.kode} --formulir pemohon.xlsx').")
    envelope = ask_application(service, list(ws.config.kantor.desa), _today(ws), prompter)
    if envelope is None:
        out.err.print("Dibatalkan; tidak ada yang didaftarkan.")
        raise Negative
    return envelope


@command
def daftar(out: Output, layanan: Annotated[str, typer.Argument(help="Kode layanan, mis. sktm.")],
           data: AskDataOpt = None, berkas: BerkasOpt = None, asli: AsliOpt = None, tanda_terima: ReceiptOpt = None,
           json_out: JSON_OPT = False) -> None:
    """Daftarkan permohonan baru (status DITERIMA) dengan data dan berkasnya; tanpa --data di terminal,
    setiap isian ditanyakan (Ctrl-C membatalkan, keluar 1)."""
    from sakti_cli.intake.forms import add_originals, split_envelope
    from sakti_cli.register.applications import file_arg, parse_file_args, register_application, same_nik_warnings

    ws = workspace()
    service = _services(ws)(layanan)
    if data is None:
        raw, base = _ask_envelope(out, ws, service), None
    else:
        base = data_base(data).resolve()
        raw = _read_application(data, service)
    fields, listed = split_envelope(raw, service.kode, base)
    if asli:
        fields = add_originals(fields, asli)
    given = parse_file_args(berkas or [], service)
    overridden = {item.kode for item in given}
    files = [file_arg(code, path, service, name, inside=base) for code, path, name in listed
             if code not in overridden] + given
    reg_store = register_for(ws)
    record = register_application(ws, reg_store, service, fields, files, _today(ws))
    payload = application_payload(record, service)
    similar = same_nik_warnings(reg_store, service, record, _today(ws))
    # peringatan: texts, as in every command; permohonan_serupa: the same warnings for scripts, structured
    payload["peringatan"] = [warning["pesan"] for warning in similar]
    payload["permohonan_serupa"] = similar
    with_message(ws, service, record, payload, "diterima")
    if tanda_terima is not None:
        payload["tanda_terima"] = _receipt(out, ws, service, record, tanda_terima)

    def human(console: Console) -> None:
        for warning in similar:
            out.err.print(f"[yellow]Peringatan[/yellow]: {escape(warning['pesan'])}. Periksa apakah ini permohonan "
                          "ganda.")
        console.print(f"Permohonan [bold]{record['nomor_registrasi']}[/bold] ({service.nama}) diterima.")
        console.print(f"Langkah berikut: sakti periksa {record['nomor_registrasi']}")

    out.result(payload, human)
    show_message(out, payload)


def _check_table(console: Console, reg: str, lines: list[Any], complete: bool, steps: list[str]) -> None:
    print_table(console, [Col("Kode", "identifier"), Col("Persyaratan", drop=1), Col("Status", "identifier"),
                          Col("Keterangan")],
                [(line.kode, line.syarat, f"[{STATUS_STYLE.get(line.status, 'white')}]{line.status}[/]",
                  escape(line.pesan)) for line in lines], title=f"Pemeriksaan {reg}")
    if complete:
        console.print(f"[green]LENGKAP[/green]: surat dapat diterbitkan dengan 'sakti terbitkan {reg}'.")
    else:
        console.print("[yellow]BELUM_LENGKAP[/yellow]: langkah berikut, lalu periksa lagi:")
        for step in steps:
            console.print(f"  - {escape(step)}")


@command
def periksa(out: Output, reg: RegArg, json_out: JSON_OPT = False) -> None:
    """Periksa berkas terhadap SOP: LENGKAP (keluar 0) atau BELUM_LENGKAP (keluar 1)."""
    from sakti_cli.register.applications import load
    from sakti_cli.services.checks import check_application, next_steps

    ws = workspace()
    reg_store = register_for(ws)
    service = _services(ws)(load(ws, reg_store, reg)["layanan"])
    record, lines = check_application(ws, reg_store, service, reg, _today(ws))
    complete = record["status"] == ApplicationStatus.LENGKAP
    steps = next_steps(service, record["nomor_registrasi"], lines)
    payload = {"nomor_registrasi": record["nomor_registrasi"], "status": record["status"], "lengkap": complete,
               "hasil": [line.to_dict() for line in lines], "langkah_berikut": steps}
    if not complete:
        with_message(ws, service, record, payload, "belum_lengkap")
    out.result(payload, lambda c: _check_table(c, record["nomor_registrasi"], lines, complete, steps), ok=complete)
    show_message(out, payload)
    if not complete:
        raise Negative


@command
def lengkapi(out: Output, reg: RegArg, berkas: BerkasOpt = None, tambah: TambahOpt = False, asli: AsliOpt = None,
             json_out: JSON_OPT = False) -> None:
    """Ganti berkas persyaratan (bawaan) atau tambahkan (--tambah), satu orang dari daftar
    (--berkas ahli_waris.2.ktp=BERKAS), atau catat dokumen asli yang diperlihatkan (--asli);
    permohonan kembali ke DITERIMA."""
    from sakti_cli.register.applications import load, parse_file_args, record_originals, update_files

    ws = workspace()
    reg_store = register_for(ws)
    stored = load(ws, reg_store, reg)
    service = _services(ws)(stored["layanan"])
    said: list[str] = []
    if berkas or not asli:
        files = parse_file_args(berkas or [], service)
        record = update_files(ws, reg_store, service, reg, files, add=tambah)
        said.append(record["riwayat"][-1]["catatan"])
    if asli:
        record = record_originals(ws, reg_store, service, reg, asli, _today(ws))
        said.append(record["riwayat"][-1]["catatan"])
    payload = application_payload(record, service)
    payload["perubahan"] = said
    out.result(payload, lambda c: c.print(f"{record['nomor_registrasi']}: {escape('; '.join(said))}. Status DITERIMA. "
                                          f"Periksa lagi: sakti periksa {record['nomor_registrasi']}"))


@command
def ubah(out: Output, reg: RegArg, data: DataOpt, json_out: JSON_OPT = False) -> None:
    """Perbaiki data pemohon (hanya kolom yang diberikan); permohonan kembali ke DITERIMA. Orang baru di
    daftar (ahli waris, saksi) boleh menyebut berkasnya di butirnya ("berkas": {"ktp": "ktp.jpg"})."""
    from sakti_cli.core.errors import DataInvalid
    from sakti_cli.intake.forms import item_files, split_envelope
    from sakti_cli.register.applications import file_arg, is_attached, load, update_data

    ws = workspace()
    reg_store = register_for(ws)
    stored = load(ws, reg_store, reg)
    service = _services(ws)(stored["layanan"])
    base = data_base(data).resolve()
    fields, listed = split_envelope(read_data(data), service.kode, base)
    if any("." not in code for code, _path, _name in listed):
        raise DataInvalid("Data 'ubah' menyebut berkas persyaratan di luar butir daftar.",
                          saran=f"Berkas diganti atau ditambah dengan 'sakti lengkapi {reg} --berkas KODE=BERKAS'.")
    if isinstance(fields, dict) and not listed:
        listed = item_files(fields, base)
    files = [file_arg(code, path, service, name, inside=base) for code, path, name in listed
             if not is_attached(stored, code, name)]  # the people already there keep their files
    record = update_data(ws, reg_store, service, reg, fields, _today(ws), files)
    out.result(application_payload(record, service),
               lambda c: c.print(f"Data {record['nomor_registrasi']} diperbarui; status DITERIMA."))


@command
def tolak(out: Output, reg: RegArg,
          alasan: Annotated[str, typer.Option("--alasan", help="Alasan penolakan untuk pemohon.")],
          json_out: JSON_OPT = False) -> None:
    """Tolak permohonan (DITOLAK) dengan alasannya."""
    from sakti_cli.register.applications import reject

    ws = workspace()
    record = reject(register_for(ws), reg, alasan)
    payload = {"nomor_registrasi": record["nomor_registrasi"], "status": record["status"], "alasan": alasan}
    with_message(ws, service_or_none(ws, record["layanan"]), record, payload, "ditolak")
    out.result(payload, lambda c: c.print(f"Permohonan {record['nomor_registrasi']} DITOLAK: {alasan}"))
    show_message(out, payload)


@command
def permohonan(out: Output, dari: opt.DariOpt = None, sampai: opt.SampaiOpt = None, bulan: opt.BulanOpt = None,
               tahun: opt.TahunOpt = None, layanan: opt.LayananOpt = None,
               status_filter: Annotated[list[str] | None, typer.Option(
                   "--status", help="Status (boleh diulang atau dipisah koma, mis. LENGKAP,TERBIT).")] = None,
               desa: opt.DesaOpt = None, penandatangan: opt.PenandatanganOpt = None, nomor: opt.NomorOpt = None,
               nama: opt.NamaOpt = None, nik: opt.NikOpt = None, csv: opt.CsvOpt = None, xlsx: opt.XlsxOpt = None,
               tampilkan_nik: opt.TampilkanNikOpt = False, json_out: JSON_OPT = False) -> None:
    """Daftar permohonan, disaring menurut tanggal daftar, layanan, status, desa, penandatangan, nomor surat,
    nama atau NIK pemohon; ke layar, --json, --csv atau --xlsx."""
    from sakti_cli.listings.rows import application_listing

    ws = workspace()
    query = opt.read_query(dari, sampai, bulan, tahun, layanan, status_filter, desa, penandatangan, nomor, nama, nik)
    listing = application_listing(ws, register_for(ws), query, GLOBALS.tampilkan_nik)
    opt.show_listing(out, listing, csv=csv, xlsx=xlsx, reveal=GLOBALS.tampilkan_nik)


def _receipt(out: Output, ws: Any, service: Any, record: Application, target: Path) -> str:
    from sakti_cli.citizen.messages import write_receipt

    out.step("menulis tanda terima (PDF)")
    written = write_receipt(ws, service, record, target)
    if not out.json_mode:
        out.err.print(f"Tanda terima: {written}", markup=False, soft_wrap=True)
    return written


def _current_message(out: Output, ws: Any, record: Application, receipt: Path | None = None) -> None:
    """The message for the state the application is in now: the text on stdout, the link (or why none)."""
    from sakti_cli.citizen.messages import citizen_message

    service = service_or_none(ws, record["layanan"])
    payload = {"nomor_registrasi": record["nomor_registrasi"], "status": record["status"],
               **citizen_message(ws, service, record)}
    if receipt is not None:
        payload["tanda_terima"] = _receipt(out, ws, service, record, receipt)

    def human(console: Console) -> None:
        console.print(payload["pesan_wa"], markup=False, highlight=False, soft_wrap=True)
        if payload["tautan_wa"]:
            console.print(payload["tautan_wa"], markup=False, soft_wrap=True)
        else:
            out.err.print(f"[yellow]{escape(payload['alasan_wa'])}[/yellow]; tidak ada tautan wa.me.")

    out.result(payload, human)


SurelOpt = Annotated[bool, typer.Option(
    "--surel", help="Kirim surat yang sudah TERBIT (PDF bertanda tangan, apa adanya) ke alamat surel pemohon "
    "lewat server surel kantor ([surel] di sakti.toml; TLS, sertifikat diperiksa); tercatat di jejak audit.")]


@command
def pesan(out: Output, reg: RegArg, tanda_terima: ReceiptOpt = None, surel: SurelOpt = False,
          json_out: JSON_OPT = False) -> None:
    """Pesan WhatsApp untuk pemohon sesuai status permohonan sekarang, dengan tautan wa.me ke nomornya
    (templat di templat/pesan/ kantor); --tanda-terima mencetak ulang tanda terima; --surel mengirim surat
    yang terbit sebagai lampiran surel."""
    from sakti_cli.register.applications import load

    ws = workspace()
    if surel:
        if tanda_terima is not None:
            raise InputError("--surel dan --tanda-terima tidak dipakai bersama.",
                             saran=f"Jalankan 'sakti pesan {reg} --surel' dan 'sakti pesan {reg} --tanda-terima "
                                   "BERKAS.pdf' terpisah.")
        _send_mail(out, ws, reg)
        return
    _current_message(out, ws, load(ws, register_for(ws), reg), tanda_terima)


def _send_mail(out: Output, ws: Any, reg: str) -> None:
    from sakti_cli.citizen.mail import send_issued_letter

    out.step("mengirim surel")
    payload = send_issued_letter(ws, register_for(ws), reg)
    out.result(payload, lambda c: c.print(
        f"[green]Surel terkirim[/green]: surat [bold]{payload['nomor_surat']}[/bold] ke "
        f"{escape(payload['kepada'])} (lampiran {escape(payload['lampiran'])}, {payload['keamanan']} "
        f"{escape(payload['server'])}).", soft_wrap=True))


@command
def status(out: Output, reg: RegArg, json_out: JSON_OPT = False,
           wa: Annotated[bool, typer.Option("--wa", help="Tampilkan teks status yang dikirim ke pemohon lewat "
                                                         "WhatsApp (sama dengan 'sakti pesan REG').")] = False) -> None:
    """Satu permohonan: data (NIK disamarkan), berkas, riwayat dan suratnya."""
    from sakti_cli.office.checked_status import remember_for_status
    from sakti_cli.register.applications import load

    ws = workspace()
    record = load(ws, register_for(ws), reg)
    if wa:
        _current_message(out, ws, record)
        return
    service = service_or_none(ws, record["layanan"])
    payload = application_payload(record, service)
    if service is not None:
        from sakti_cli.core.clock import now
        from sakti_cli.services.checks import service_clock

        payload["waktu_layanan"] = service_clock(ws, service, record, now(ws.zone))

    remember_for_status(ws, record["layanan"])  # what the start-up path (cli/fast.py) reads next time
    out.result(payload, status_human(payload, service, ws.zone, ws.root))
