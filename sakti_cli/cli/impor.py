"""``sakti impor gform RESPONSES.csv --layanan KODE --folder-berkas DIR``: applications from a Google Form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, Negative, command, register_for, workspace
from sakti_cli.cli.tables import Col, print_table
from sakti_cli.core.errors import UsageError

impor_app = typer.Typer(help="Impor permohonan dari luar: respons Google Form beserta berkas unggahannya.",
                        no_args_is_help=True, rich_markup_mode=None)
HASIL_STYLE = {"terdaftar": "green", "sudah_ada": "cyan", "akan_didaftarkan": "yellow", "ditolak": "red"}


def register(app: typer.Typer) -> None:
    app.add_typer(impor_app, name="impor")
    impor_app.command("gform")(gform)


def _sop_dir() -> Path:
    """The office's SOPs, or the bundled ones outside an office (``--contoh-peta`` needs no register)."""
    from sakti_cli.core.errors import WorkspaceNotFound
    from sakti_cli.core.resources import bundled_dir

    try:
        return Path(workspace().sop_dir)
    except WorkspaceNotFound:
        if GLOBALS.kantor is not None:
            raise
        return bundled_dir("sop")


def _note(row: Any) -> str:
    o = row.outcome
    parts = [o.alasan or ""]
    if o.kurang:
        parts.append("kurang: " + ", ".join(o.kurang))
    if row.dilampirkan:
        parts.append("dilampirkan: " + ", ".join(row.dilampirkan))
    said: dict[str, list[str]] = {}  # one reason, the codes it holds for
    for m in row.berkas:
        if m.hasil != "cocok" and m.kode in row.tak_cocok:
            said.setdefault(m.pesan or m.hasil, []).append(m.kode)
    parts += [f"{', '.join(codes)}: {why}" for why, codes in said.items()]
    if o.nomor_surat:
        parts.append(f"surat {o.nomor_surat}")
    return "; ".join(part for part in parts if part)


def _summary(console: Console, rows: list[Any], counts: dict[str, int], uji: bool = False) -> None:
    print_table(console, [Col("Baris", "number"), Col("Hasil", "identifier"), Col("Registrasi", "identifier"),
                          Col("Status", "identifier"), Col("Keterangan")],
                [(str(r.outcome.baris), f"[{HASIL_STYLE.get(r.outcome.hasil, 'white')}]{r.outcome.hasil}[/]",
                  r.outcome.nomor_registrasi or "-", r.outcome.status or "-", escape(_note(r)))
                 for r in rows], title="Uji impor Google Form (register tidak diubah)" if uji else
                "Hasil impor Google Form")
    if uji:
        console.print(f"{counts['baris']} baris: {counts['akan_didaftarkan']} akan didaftarkan, "
                      f"{counts['sudah_ada']} sudah ada, {counts['ditolak']} akan ditolak; "
                      f"{counts['berkas_cocok']} berkas cocok, {counts['berkas_tak_cocok']} tidak cocok, "
                      f"{counts['berkas_dilampirkan']} akan dilampirkan ke permohonan yang sudah ada. "
                      "Tidak ada yang didaftarkan: jalankan lagi tanpa --uji.")
        return
    console.print(f"{counts['baris']} baris: {counts['terdaftar']} terdaftar, {counts['sudah_ada']} sudah ada, "
                  f"{counts['ditolak']} ditolak, {counts['belum_lengkap']} belum lengkap; "
                  f"{counts['berkas_cocok']} berkas cocok, {counts['berkas_tak_cocok']} tidak cocok, "
                  f"{counts['berkas_dilampirkan']} dilampirkan ke permohonan yang sudah ada.")
    unsure = [r for r in rows if r.tak_cocok]
    if unsure:
        hinted = next(((r, m.calon[0]) for r in unsure for m in r.berkas if len(m.calon) == 1), None)
        row, name = hinted or (unsure[0], "Nama Akun Google")
        console.print(escape(f"Berkas yang tidak cocok tidak dilampirkan. Bila pengunggahnya diketahui, impor lagi "
                             f"dengan --pengunggah BARIS=NAMA (mis. --pengunggah {row.outcome.baris}=\"{name}\") atau "
                             "isi kolom 'Pengunggah' di lembar respons; berkas lain: 'sakti lengkapi REG'."))


@command
def gform(out: Output,
          respons: Annotated[Path | None, typer.Argument(metavar="RESPONSES.csv", help=(
              "Ekspor lembar respons dari Google Sheets (File > Download > .csv), tanpa diubah."))] = None,
          layanan: Annotated[str | None, typer.Option("--layanan", help="Kode layanan formulir itu, mis. sktm.")
                             ] = None,
          folder_berkas: Annotated[Path | None, typer.Option("--folder-berkas", help=(
              "Folder unggahan formulir yang diunduh dari Google Drive dan diekstrak (satu folder per pertanyaan "
              "unggah; bawaan: folder RESPONSES.csv)."))] = None,
          peta: Annotated[Path | None, typer.Option("--peta", help=(
              "Peta pertanyaan -> isian/persyaratan (bawaan: sop/gform/KODE.yaml kantor, lalu bawaan paket)."))
                          ] = None,
          pengunggah: Annotated[list[str] | None, typer.Option("--pengunggah", metavar="BARIS=NAMA", help=(
              "Nama akun Google pengunggah berkas baris itu (nomor baris lembar respons, atau nomor registrasinya: "
              "REG-202611-0003=NAMA); boleh berulang."))] = None,
          contoh_peta: Annotated[str | None, typer.Option("--contoh-peta", metavar="KODE", help=(
              "Cetak peta contoh untuk layanan KODE (dibuat dari SOP-nya) lalu selesai."))] = None,
          uji: Annotated[bool, typer.Option("--uji", help=(
              "Uji saja: baca ekspor, peta dan unggahan, lalu katakan per baris apa yang akan terjadi (didaftarkan, "
              "sudah ada, ditolak, berkas yang akan dilampirkan), tanpa mengubah register."))] = False,
          json_out: JSON_OPT = False) -> None:
    """Daftarkan permohonan dari respons Google Form. Setiap respons (kunci: stempel waktu + alamat email)
    didaftarkan sekali; berkas unggahan dilampirkan hanya bila pasti milik baris itu (nama pengunggah di nama
    berkas Drive). Data salah: baris ditolak; berkas kurang: BELUM_LENGKAP. Impor ulang menambah berkas yang
    kini cocok ke permohonan yang sudah ada. Keluar 0 bila semua baris lengkap, 1 bila ada yang ditolak, belum
    lengkap atau berkasnya tidak cocok, 3 bila ekspornya tak terbaca, 4 bila petanya salah."""
    from sakti_cli.services.sop import load_service

    if contoh_peta is not None:
        if respons is not None or layanan is not None:
            raise UsageError("--contoh-peta tidak dipakai bersama RESPONSES.csv atau --layanan.",
                             saran="Jalankan 'sakti impor gform --contoh-peta KODE > peta.yaml' tersendiri.")
        _print_sample(out, load_service(_sop_dir(), contoh_peta))
        return
    out.stream()
    if respons is None or layanan is None:
        raise UsageError("RESPONSES.csv dan --layanan wajib diberikan.", saran=(
            "Mis. sakti impor gform respons.csv --layanan sktm --folder-berkas unduhan/"))
    _import(out, respons, layanan, folder_berkas, peta, pengunggah or [], uji)


def _print_sample(out: Output, service: Any) -> None:
    from sakti_cli.intake.gform import sample_map

    text = sample_map(service)
    out.result({"layanan": service.kode, "peta": text}, lambda c: c.print(Text(text), end="", soft_wrap=True))


def _import(out: Output, respons: Path, layanan: str, folder_berkas: Path | None, peta: Path | None,
            pengunggah: list[str], uji: bool = False) -> None:
    from sakti_cli.cli.permohonan import _services, _today
    from sakti_cli.intake.gform import counts, map_path, parse_uploaders, plan_import

    uploaders = parse_uploaders(pengunggah)
    ws = workspace()
    service = _services(ws)(layanan)
    path = respons.expanduser().resolve()
    base = (folder_berkas.expanduser() if folder_berkas else path.parent).resolve()
    map_file = (peta.expanduser().resolve() if peta else map_path(ws, service.kode))
    run = plan_import(ws, register_for(ws), service, path, base, map_file, _today(ws), uploaders, dry_run=uji)
    if run.unused_columns:
        out.warn(escape("kolom ekspor yang tidak ada di peta (tidak dipakai): "
                        + ", ".join(repr(t) for t in run.unused_columns)))
    if run.absent_questions:
        out.warn(escape("pertanyaan peta yang tidak ada di ekspor (tidak diisi): "
                        + ", ".join(repr(t) for t in run.absent_questions)))
    rows = []
    for row in run.rows():  # each line as soon as its row is registered
        rows.append(row)
        out.row("baris", row.to_dict())
    tally = counts(rows)
    ok = tally["gagal"] == 0
    payload = {"berkas": str(path), "layanan": service.kode, "peta": str(map_file), "folder_berkas": str(base),
               "uji": uji, **tally}
    out.result(payload, lambda c: _summary(c, rows, tally, uji), ok=ok)
    if not ok:
        raise Negative
