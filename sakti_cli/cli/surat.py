"""Letters: terbitkan (issue) and verifikasi (verify)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import JSON_OPT, Negative, command, passphrase_prompt, register_for, workspace
from sakti_cli.cli.tables import Col, print_table
from sakti_cli.core.errors import InputError
from sakti_cli.register.states import LetterStatus


def register(app: typer.Typer) -> None:
    app.command("terbitkan")(terbitkan)
    app.command("verifikasi")(verifikasi)


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


def desk_converter(ws: Any) -> Any:
    """One letter's converter: the resident worker ('sakti latar') when ours answers, else a LibreOffice
    started in the background once the application's checks passed (sakti_cli.documents.resident)."""
    from sakti_cli.documents.resident import desk_converter as choose

    def own() -> Any:
        from sakti_cli.documents.convert_pool import ConverterPool

        return ConverterPool.from_settings(ws.config.libreoffice, size=1)

    return choose(ws.data_dir, ws.root, own)


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
            if sig.get("akar_tepercaya"):
                console.print(f"{sig['kolom']}: berantai ke akar {sig['akar_tepercaya']}")
            if sig.get("catatan_tingkat"):
                console.print(f"{sig['kolom']}: {sig['catatan_tingkat']}")
            for later in sig.get("perubahan_sesudahnya") or []:
                console.print(f"{sig['kolom']}: sesudahnya {later}")
    for reason in result.get("alasan", []):
        console.print(f"[red]-[/red] {reason}")


@command
def verifikasi(out: Output,
               berkas: Annotated[Path | None, typer.Argument(help="PDF surat yang diperiksa.")] = None,
               kode: Annotated[str | None, typer.Option("--kode", help="Kode verifikasi dari QR.")] = None,
               pada: Annotated[str | None, typer.Option(
                   "--pada", metavar="WAKTU", help="Periksa tanda tangan pada waktu ini (ISO 8601, mis. 2031-01-01), "
                   "bukan sekarang: apakah surat masih dapat diverifikasi saat itu.")] = None,
               json_out: JSON_OPT = False) -> None:
    """Periksa tanda tangan PDF dan kecocokannya dengan register (keluar 0 hanya bila sah)."""
    from sakti_cli.issuance.verification import lookup_code, verify_file

    if (berkas is None) == (kode is None):
        raise InputError("Berikan satu: berkas PDF atau --kode KODE.",
                         saran="Contoh: sakti verifikasi surat.pdf  atau  sakti verifikasi --kode ABCD...")
    ws = workspace()
    if kode is not None:
        result = lookup_code(ws, register_for(ws), kode)
    else:
        assert berkas is not None
        result = verify_file(ws, register_for(ws), berkas, _moment(pada, ws.zone) if pada else None)
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
