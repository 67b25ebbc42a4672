"""Letters: terbitkan (issue), verifikasi (verify), and surat (the letters of the register, filtered).

``sakti surat`` is a listing command like ``sakti permohonan`` (a top-level name, no group: the letters'
other commands, ``terbitkan``, ``batalkan``, ``cetak``, are top-level too)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sakti_cli.cli import listing as opt
from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, Negative, command, passphrase_prompt, register_for, workspace
from sakti_cli.cli.tables import Col, print_table
from sakti_cli.core.errors import InputError, UsageError
from sakti_cli.register.states import LetterStatus


def register(app: typer.Typer) -> None:
    app.command("terbitkan")(terbitkan)
    app.command("verifikasi")(verifikasi)
    app.command("surat")(surat)


def issue_payload(ws: Any, result: dict[str, Any]) -> dict[str, Any]:
    from sakti_cli.core.shapes import signatory_json

    letter = result["surat"]
    return {
        "nomor_registrasi": letter["nomor_registrasi"],
        "status": LetterStatus.TERBIT,
        "nomor_surat": letter["nomor_surat"],
        "kode_verifikasi": letter["kode_verifikasi"],
        "pdf": str(Path(result["pdf"]).resolve()),
        "sha256": letter["sha256"],
        "penandatangan": signatory_json(letter["penandatangan"]),
        "terbit": letter["terbit"],
        "peringatan": result["peringatan"],
    }


def waiting_payload(result: dict[str, Any]) -> dict[str, Any]:
    from sakti_cli.core.shapes import signatory_json

    letter = result["surat"]
    return {
        "nomor_registrasi": letter["nomor_registrasi"],
        "status": letter["status"],
        "nomor_surat": letter["nomor_surat"],
        "kode_verifikasi": letter["kode_verifikasi"],
        "pdf": str(Path(result["pdf"]).resolve()),
        "sha256_belum_ttd": letter["sha256_belum_ttd"],
        "penandatangan": signatory_json(letter["penandatangan"]),
        "disiapkan": letter["disiapkan"],
        "disiapkan_oleh": letter["disiapkan_oleh"],
        "peringatan": result["peringatan"],
        **({"alasan_antrean": result["alasan_antrean"]} if result.get("alasan_antrean") else {}),
    }


# What a fresh 'terbitkan' imports once its PDF is there (signing, validation, the register step, the
# applicant's message and the verification site): imported while LibreOffice converts.
AFTER_CONVERSION = (
    "sakti_cli.documents.pdf_metadata", "pypdf", "sakti_cli.signatures.bsre", "sakti_cli.issuance.verification",
    "sakti_cli.signatures.indication", "sakti_cli.register.tiny.search_index", "sakti_cli.cli.permohonan",
    "sakti_cli.citizen.messages", "phonenumbers", "sakti_cli.cli.situs", "sakti_cli.citizen.site",
)


def desk_converter(ws: Any) -> Any:
    """One letter's converter: the resident worker ('sakti latar') when ours answers, else a LibreOffice
    started in the background once the application's checks passed (sakti_cli.documents.resident)."""
    from sakti_cli.documents.resident import desk_converter as choose

    def own() -> Any:
        from sakti_cli.documents.convert_pool import ConverterPool

        return ConverterPool.from_settings(ws.config.libreoffice, size=1)

    return choose(ws.data_dir, ws.root, own, AFTER_CONVERSION)


def issue_one(out: Output, ws: Any, reg: str, signatory: str | None, prompt: Any = passphrase_prompt,
              tsa: str | None = None, sign: bool = True, converter: Any = None) -> dict[str, Any]:
    from sakti_cli.issuance.pipeline import issue_letter
    from sakti_cli.services.sop import load_service

    result = issue_letter(ws, register_for(ws), lambda code: load_service(ws.sop_dir, code), reg,
                          signatory_id=signatory, prompt=prompt, progress=out.step,
                          timestamp_url=tsa or ws.config.tte.tsa, sign=sign, converter=converter)
    for warning in result["peringatan"]:
        out.warn(warning)
    return waiting_payload(result) if result.get("menunggu_ttd") else issue_payload(ws, result)


@command
def terbitkan(out: Output, reg: Annotated[str, typer.Argument(help="Nomor registrasi yang LENGKAP.")],
              penandatangan: Annotated[str | None, typer.Option(
                  "--penandatangan", help="id penandatangan dari sakti.toml (bawaan: yang pertama).")] = None,
              tsa: Annotated[str | None, typer.Option(
                  "--tsa", help="URL server cap waktu RFC 3161: PAdES B-T, atau B-LT bila sakti.toml menyimpan "
                  "CRL/sertifikat CA (bawaan: [tte].tsa; tanpa keduanya B-B luring).")] = None,
              tanpa_ttd: Annotated[bool, typer.Option(
                  "--tanpa-ttd", help="Siapkan tanpa kunci: nomor, templat, PDF; surat menunggu (MENUNGGU_TTD) "
                  "sampai penandatangan menyetujuinya dengan 'sakti ttd setujui'.")] = False,
              json_out: JSON_OPT = False) -> None:
    """Terbitkan surat: nomor, templat, PDF, tanda tangan elektronik, catat di register."""
    if tanpa_ttd and tsa:
        raise InputError("--tsa dipakai saat menandatangani, bukan saat menyiapkan (--tanpa-ttd).",
                         saran="Penandatangan memakainya di 'sakti ttd setujui --tsa URL'.")
    ws = workspace()
    converter = desk_converter(ws)  # LibreOffice starts (or is found running) before the heavy imports
    try:
        payload = issue_one(out, ws, reg, penandatangan, tsa=tsa, sign=not tanpa_ttd, converter=converter)
    finally:
        converter.close()
    from sakti_cli.cli.permohonan import service_or_none, show_message, with_message
    from sakti_cli.register.applications import load

    if payload["status"] == LetterStatus.TERBIT:
        record = load(ws, register_for(ws), payload["nomor_registrasi"])
        with_message(ws, service_or_none(ws, record["layanan"]), record, payload, "terbit")

    outage = payload.get("alasan_antrean")

    def human(console: Console) -> None:
        if payload["status"] != LetterStatus.TERBIT:
            signer = payload["penandatangan"]
            console.print(f"[yellow]Menunggu tanda tangan:[/yellow] [bold]{payload['nomor_surat']}[/bold] "
                          f"({signer.get('jabatan') or signer.get('id')})")
            if outage:
                console.print(f"Belum ditandatangani: {outage}", markup=False, soft_wrap=True)
            console.print(f"PDF belum bertanda tangan: {payload['pdf']}", soft_wrap=True)
            console.print("Penandatangan: 'sakti ttd antrean', lalu 'sakti ttd setujui NOMOR'.", markup=False)
            return
        console.print(f"[green]Surat terbit:[/green] [bold]{payload['nomor_surat']}[/bold]")
        console.print(f"PDF: {payload['pdf']}", soft_wrap=True)
        console.print(f"Kode verifikasi: {payload['kode_verifikasi']}")

    out.result(payload, human, ok=not outage)
    show_message(out, payload)
    if payload["status"] == LetterStatus.TERBIT:
        from sakti_cli.cli.situs import refresh_after

        refresh_after(out, ws, [payload["nomor_surat"]])
    if outage:  # queued by the outage rule: not issued yet (exit 1), the number kept with the letter
        raise Negative


def _verification_table(console: Console, result: dict[str, Any], zone: Any) -> None:
    from sakti_cli.core.id_format import waktu_singkat
    from sakti_cli.core.shapes import NATURE_WORDS

    verdict = "[green]SAH[/green]" if result["sah"] else "[red]TIDAK SAH[/red]"
    console.print(verdict)
    if result.get("berkas"):
        console.print(f"Berkas: {result['berkas']}", markup=False, soft_wrap=True)
    if result.get("sha256"):
        console.print(f"SHA-256: {result['sha256']}", markup=False, soft_wrap=True)
    letter = result.get("surat")
    if letter:
        console.print(f"Register: {result['register']}  nomor {letter['nomor_surat']}  ({letter['layanan']})")
        console.print(f"Terbit: {waktu_singkat(letter.get('terbit'), zone)}")
        if letter.get("pemohon"):
            console.print(f"Pemohon: {letter['pemohon']}", markup=False)
        nature = (letter.get("penandatangan") or {}).get("sifat")
        if nature in NATURE_WORDS:
            console.print(f"Ditandatangani dengan: {NATURE_WORDS[nature]}")
    else:
        console.print(f"Register: {result['register']}")
    signatures = result.get("tanda_tangan") or []
    if signatures:
        def yes(value: Any) -> str:
            return "ya" if value else "TIDAK"

        columns = [Col("Ruas", "identifier"), Col("Penanda tangan"), Col("Waktu", "time"),
                   Col("Tingkat", "identifier", drop=1), Col("Cap waktu", drop=2), Col("Utuh", "identifier"),
                   Col("Sah", "identifier"), Col("Tepercaya", "identifier")]
        print_table(console, columns, [
            (sig["kolom"], escape((sig.get("penandatangan") or {}).get("nama") or "-"),
             waktu_singkat(sig["waktu_tanda_tangan"], zone), sig.get("tingkat") or "-",
             f"{waktu_singkat(sig['waktu_cap_waktu'], zone)} ({escape(sig.get('tsa') or 'TSA')})"
             if sig.get("waktu_cap_waktu") else "-",
             yes(sig["utuh"]), yes(sig["kriptografi_sah"]), yes(sig["tepercaya"])) for sig in signatures],
            title="Tanda tangan")
        for sig in signatures:
            _signature_facts(console, sig, zone)
        for sig in signatures:
            if sig.get("akar_tepercaya"):
                console.print(f"{sig['kolom']}: berantai ke akar {sig['akar_tepercaya']}")
            if sig.get("catatan_tingkat"):
                console.print(f"{sig['kolom']}: {sig['catatan_tingkat']}")
            for later in sig.get("perubahan_sesudahnya") or []:
                console.print(f"{sig['kolom']}: sesudahnya {later}")
    for reason in result.get("alasan", []):
        console.print(f"[red]-[/red] {reason}")
    if result.get("laporan"):
        console.print(f"Laporan validasi ETSI: {result['laporan']}", markup=False, soft_wrap=True)
    if result.get("bsre"):
        _bsre_answer(console, result["bsre"], zone)


def _bsre_answer(console: Console, answer: dict[str, Any], zone: Any) -> None:
    """The BSrE service's verdict beside ours (``verifikasi --bsre``)."""
    from sakti_cli.core.id_format import waktu_singkat

    console.print(f"[bold]Menurut layanan BSrE[/bold] ({escape(answer['layanan'])}):")
    if answer.get("galat"):
        console.print(f"  tidak ada jawaban: {escape(answer['galat']['pesan'])}", soft_wrap=True)
        return
    agree = "sama dengan hasil sakti" if answer["sepakat"] else "[yellow]BERBEDA dari hasil sakti[/yellow]"
    console.print(f"  Kesimpulan: {escape(answer.get('kesimpulan') or '-')} "
                  f"({escape(answer.get('keterangan') or '-')}); {agree}")
    def word(value: Any, yes: str, no: str) -> str:
        return "-" if value is None else yes if value else no

    for sig in answer["tanda_tangan"]:
        facts = [str(sig.get("penandatangan") or "-"), word(sig["utuh"], "utuh", "TIDAK utuh"),
                 word(sig["tepercaya"], "tepercaya", "TIDAK tepercaya"),
                 word(sig["diubah_sesudahnya"], "diubah sesudahnya", "tidak berubah"),
                 f"waktu {waktu_singkat(sig.get('waktu_tanda_tangan'), zone)}"]
        console.print(f"  {sig.get('kolom') or '-'}: {'; '.join(facts)}", markup=False, soft_wrap=True)


def _signature_facts(console: Console, sig: dict[str, Any], zone: Any) -> None:
    """One signature as the national verifier shows it (signer, unchanged, time, issuer, validity),
    then its ETSI indication with the Indonesian explanation beside it."""
    from sakti_cli.core.id_format import waktu_singkat

    colour = {"TOTAL-PASSED": "green", "TOTAL-FAILED": "red"}.get(sig["indikasi"], "yellow")
    console.print(f"[bold]{escape(sig['kolom'])}[/bold]")
    signer = (sig.get("penandatangan") or {}).get("nama")
    if sig.get("jenis") == "cap_waktu_dokumen":
        console.print(f"  Cap waktu dokumen oleh: {escape(sig.get('tsa') or signer or '-')}")
    else:
        console.print(f"  Penanda tangan: {escape(signer or '-')}")
    console.print("  Dokumen: " + ("[green]dokumen tidak berubah[/green]" if sig["tidak_berubah"]
                                   else "[red]dokumen berubah setelah ditandatangani[/red]"))
    source = (f"dari cap waktu dokumen tepercaya {escape(sig.get('tsa') or 'TSA')} sesudah tanda tangan"
              if sig.get("waktu_dari_cap_waktu_dokumen") else
              f"dari cap waktu tepercaya {escape(sig.get('tsa') or 'TSA')}" if sig["waktu_dari_cap_waktu"]
              else "menurut komputer penanda tangan, tanpa cap waktu tepercaya")
    console.print(f"  Waktu tanda tangan: {waktu_singkat(sig['waktu_tanda_tangan'], zone)} ({source})")
    console.print(f"  Penerbit sertifikat: {escape(sig.get('penerbit') or '-')}")
    if sig.get("sertifikat_berlaku_dari"):
        console.print(f"  Masa berlaku sertifikat: {waktu_singkat(sig['sertifikat_berlaku_dari'], zone)} s.d. "
                      f"{waktu_singkat(sig['sertifikat_berlaku_sampai'], zone)}")
    pair = sig["indikasi"] + (f" / {sig['subindikasi']}" if sig.get("subindikasi") else "")
    console.print(f"  Indikasi ETSI: [{colour}]{pair}[/{colour}] - {escape(sig.get('penjelasan_indikasi') or '')}",
                  soft_wrap=True)


def _report_target(value: Path, pdf: Path) -> Path:
    """``--laporan``: an .xml file in a folder that takes it, not the PDF itself; checked before any work."""
    from sakti_cli.core.storage import check_writable_folder

    path = value.expanduser().absolute()
    if path.suffix.lower() != ".xml":
        raise UsageError(f"--laporan {path}: nama berkasnya harus berakhiran .xml.", saran="Mis. --laporan laporan.xml")
    if path.is_dir() or path.resolve() == pdf.expanduser().resolve():
        raise InputError(f"--laporan {path} menunjuk folder atau PDF yang diperiksa.",
                         saran="Beri laporan nama berkas sendiri, mis. --laporan laporan.xml", berkas=str(path))
    check_writable_folder(path.parent, "laporan validasi")
    return path


@command
def verifikasi(out: Output,
               berkas: Annotated[Path | None, typer.Argument(help="PDF surat yang diperiksa.")] = None,
               kode: Annotated[str | None, typer.Option("--kode", help="Kode verifikasi dari QR.")] = None,
               pada: Annotated[str | None, typer.Option(
                   "--pada", metavar="WAKTU", help="Periksa tanda tangan pada waktu ini (ISO 8601, mis. 2031-01-01), "
                   "bukan sekarang: apakah surat masih dapat diverifikasi saat itu.")] = None,
               laporan: Annotated[Path | None, typer.Option(
                   "--laporan", metavar="BERKAS.xml", help="Tulis juga laporan validasi ETSI TS 119 102-2 (XML, "
                   "indikasi TOTAL-PASSED/TOTAL-FAILED/INDETERMINATE per tanda tangan) ke berkas ini.")] = None,
               bsre: Annotated[bool, typer.Option(
                   "--bsre", help="Tanya juga layanan verifikasi BSrE (penandatangan kunci.jenis = \"bsre\") dan "
                   "tampilkan jawabannya di samping hasil sakti; kode keluar tetap menurut hasil sakti.")] = False,
               penandatangan: Annotated[str | None, typer.Option(
                   "--penandatangan", help="Dengan --bsre: layanan BSrE penandatangan ini (bawaan: penanda tangan "
                   "surat itu, atau yang pertama berjenis bsre).")] = None,
               json_out: JSON_OPT = False) -> None:
    """Periksa tanda tangan PDF dan kecocokannya dengan register (keluar 0 hanya bila sah)."""
    from sakti_cli.issuance.verification import lookup_code, verify_file

    if (berkas is None) == (kode is None):
        raise InputError("Berikan satu: berkas PDF atau --kode KODE.",
                         saran="Contoh: sakti verifikasi surat.pdf  atau  sakti verifikasi --kode ABCD...")
    for named, given in (("--laporan", laporan is not None), ("--bsre", bsre)):
        if given and berkas is None:
            raise UsageError(f"{named} memeriksa tanda tangan sebuah PDF, bukan kode verifikasi.",
                             saran=f"Contoh: sakti verifikasi surat.pdf {named}")
    if penandatangan is not None and not bsre:
        raise UsageError("--penandatangan hanya berarti bersama --bsre.", saran="Tambahkan --bsre.")
    ws = workspace()
    if kode is not None:
        result = lookup_code(ws, register_for(ws), kode)
    else:
        assert berkas is not None
        target = _report_target(laporan, berkas) if laporan is not None else None
        result = verify_file(ws, register_for(ws), berkas, _moment(pada, ws.zone) if pada else None, target,
                             bsre=bsre, bsre_id=penandatangan)
        if target is not None and result.get("laporan") is None:
            out.warn(f"Laporan validasi {target} tidak ditulis: PDF ini tidak bertanda tangan elektronik.")
        if (result.get("bsre") or {}).get("galat"):
            out.warn(f"Layanan BSrE tidak memberi jawaban: {result['bsre']['galat']['pesan']}")
    out.result(result, lambda c: _verification_table(c, result, ws.zone), ok=result["sah"])
    if not result["sah"]:
        raise Negative


def _moment(value: str, zone: Any) -> Any:
    """``--pada``: an ISO 8601 date or time, in the office's zone when it names none."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"Waktu --pada '{value}' tidak dikenal.", saran="Tulis ISO 8601, mis. 2031-01-01 atau "
                         "2031-01-01T09:00+07:00.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@command
def surat(out: Output, dari: opt.DariOpt = None, sampai: opt.SampaiOpt = None, bulan: opt.BulanOpt = None,
          tahun: opt.TahunOpt = None, layanan: opt.LayananOpt = None, status: opt.StatusOpt = None,
          desa: opt.DesaOpt = None, penandatangan: opt.PenandatanganOpt = None, nomor: opt.NomorOpt = None,
          nama: opt.NamaOpt = None, nik: opt.NikOpt = None, csv: opt.CsvOpt = None, xlsx: opt.XlsxOpt = None,
          tampilkan_nik: opt.TampilkanNikOpt = False, json_out: JSON_OPT = False) -> None:
    """Daftar surat di register menurut urutan pemesanan nomor, disaring menurut tanggal, layanan, status,
    desa, penandatangan, nomor, nama atau NIK pemohon; ke layar, --json, --csv atau --xlsx."""
    from sakti_cli.listings.rows import letter_listing

    ws = workspace()
    query = opt.read_query(dari, sampai, bulan, tahun, layanan, status, desa, penandatangan, nomor, nama, nik)
    listing = letter_listing(ws, register_for(ws), query, GLOBALS.tampilkan_nik)
    opt.show_listing(out, listing, csv=csv, xlsx=xlsx, reveal=GLOBALS.tampilkan_nik)
