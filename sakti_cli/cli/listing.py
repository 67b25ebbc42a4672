"""The options and the output every listing shares (``sakti surat``, ``sakti permohonan``; the agenda's period).

Defined once, here: the filters (``--dari``/``--sampai``/``--bulan``/``--tahun``, ``--layanan``, ``--status``,
``--desa``, ``--penandatangan``, ``--nomor``, ``--nama``, ``--nik``) and the outputs (the table, ``--json``,
``--csv FILE``, ``--xlsx FILE``). A listing command declares them by these names and hands its
:class:`~sakti_cli.listings.table.Listing` to :func:`show_listing`, which streams it: JSON row by row, files
through the exporters, the terminal table in pages of :data:`TABLE_PAGE` rows (through a pager at a terminal).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sakti_cli.cli.output import Output, json_line
from sakti_cli.cli.tables import Col, print_table

DariOpt = Annotated[str | None, typer.Option("--dari", metavar="YYYY-MM-DD", help="Sejak tanggal ini.")]
SampaiOpt = Annotated[str | None, typer.Option("--sampai", metavar="YYYY-MM-DD", help="Sampai tanggal ini.")]
BulanOpt = Annotated[str | None, typer.Option("--bulan", metavar="YYYY-MM", help="Satu bulan, mis. 2026-11.")]
TahunOpt = Annotated[int | None, typer.Option("--tahun", metavar="YYYY", help="Satu tahun, mis. 2026.")]
LayananOpt = Annotated[str | None, typer.Option("--layanan", help="Kode layanan, mis. sktm.")]
StatusOpt = Annotated[list[str] | None, typer.Option(
    "--status", help="Status (boleh diulang atau dipisah koma, mis. TERBIT,BATAL).")]
DesaOpt = Annotated[str | None, typer.Option("--desa", help="Desa/kelurahan pemohon (huruf besar/kecil dan ejaan "
                                                            "lama tidak dibedakan).")]
PenandatanganOpt = Annotated[str | None, typer.Option("--penandatangan", help="id penandatangan dari sakti.toml.")]
NomorOpt = Annotated[str | None, typer.Option("--nomor", help="Nomor surat lengkap.")]
NamaOpt = Annotated[str | None, typer.Option("--nama", help=(
    "Nama pemohon; semua kata yang diketik harus ada. Huruf besar/kecil, spasi, ejaan lama (oe/u, dj/j, tj/c, "
    "nj/ny, sj/sy, ch/kh) dan huruf ganda tidak dibedakan: 'joko susilo' menemukan 'Djoko Soesilo'."))]
NikOpt = Annotated[str | None, typer.Option("--nik", help="NIK lengkap 16 angka (dicocokkan utuh, ditampilkan "
                                                          "disamarkan).")]
CsvOpt = Annotated[Path | None, typer.Option("--csv", metavar="BERKAS", help="Tulis juga ke BERKAS.csv (UTF-8, "
                                                                             "untuk Excel).")]
XlsxOpt = Annotated[Path | None, typer.Option("--xlsx", metavar="BERKAS", help=(
    "Tulis juga ke BERKAS.xlsx: sel tanggal dan angka, NIK dan nomor sebagai teks, baris judul dibekukan, "
    "saringan otomatis."))]
TampilkanNikOpt = Annotated[bool, typer.Option(
    "--tampilkan-nik", help="Tampilkan NIK utuh (juga di berkas); dicatat di jejak audit beserta saringannya.")]

TABLE_PAGE = 500  # rows per printed table: the terminal never holds a whole year
SHOWN_WITH_FILE = 20  # rows the terminal shows while a file is written


def export_target(path: Path | None, suffix: str) -> Path | None:
    """The export's file: the suffix added when missing; its folder must exist and take files (exit 3)."""
    from sakti_cli.core.storage import check_output_file

    if path is None:
        return None
    target = path.expanduser()
    if target.suffix.lower() != suffix:
        target = target.with_name(target.name + suffix)
    check_output_file(target.parent.resolve() / target.name, f"berkas {suffix[1:].upper()}")
    return target


def _table(console: Console, listing: Any, rows: list[dict[str, Any]], title: str | None, caption: str | None
           ) -> None:
    kinds = {"kode": "identifier", "angka": "number", "tanggal": "time", "waktu": "time"}
    view = VIEW.get(listing.key, {})
    shown = [c for c in listing.columns if c.key in view] or listing.columns
    titles = {c.key: c.title for c in shown}
    columns = [Col(c.title, kinds.get(c.kind, "text"), drop=view.get(c.key, (0, None))[0],  # type: ignore[arg-type]
                   beneath=titles.get(view.get(c.key, (0, None))[1] or "")) for c in shown]
    print_table(console, columns, [[escape(c.text(row)) or None for c in shown] for row in rows], title=title,
                caption=caption)


# What the terminal shows of each listing (files and JSON hold every column): per column its drop rank (0: always;
# higher ones go first at a narrow terminal) and the column it moves under (a second line in its cells) before
# it is dropped, so 80 columns keep the number, the status and the name whole.
VIEW = {
    "surat": {"tanggal": (2, "nomor_surat"), "nomor_surat": (0, None), "status": (0, None),
              "layanan": (3, "status"), "pemohon": (0, None), "nik": (4, "pemohon"), "desa": (5, "pemohon"),
              "keterangan": (6, None)},
    "permohonan": {"nomor_registrasi": (0, None), "layanan": (3, "status"), "status": (0, None), "nama": (0, None),
                   "nik": (4, "nama"), "desa": (5, "nama"), "nomor_surat": (1, "nomor_registrasi")},
}


def show_listing(out: Output, listing: Any, *, csv: Path | None = None, xlsx: Path | None = None,
                 reveal: bool = False, caption: str | None = None) -> int:
    """Stream a listing to its outputs in one pass; the number of rows. With ``--json`` stdout holds one object
    ``{"ok": true, KEY: [rows...], "jumlah": N, "berkas": {...}}``, written row by row; without it the terminal
    shows the table (only its first rows when a file is written). Files appear only when complete."""
    import contextlib

    from sakti_cli.core.privacy import mask_fields
    from sakti_cli.core.storage import private_output
    from sakti_cli.listings.export import CsvWriter, SheetWriter, new_workbook, save_workbook
    from sakti_cli.listings.table import FREE_TEXT

    csv_path, xlsx_path = export_target(csv, ".csv"), export_target(xlsx, ".xlsx")
    sinks: list[Any] = []
    count = 0
    with contextlib.ExitStack() as files:
        if csv_path is not None:
            sinks.append(CsvWriter(files.enter_context(private_output(csv_path)), listing.columns))
        book = new_workbook() if xlsx_path is not None else None
        if book is not None:
            sinks.append(SheetWriter(book, listing.title, listing.columns))

        def rows() -> Any:
            nonlocal count
            for row in listing.rows:
                shown = row if reveal else mask_fields(row, FREE_TEXT)  # a NIK typed into a name or a reason
                for sink in sinks:
                    sink.add(shown)
                count += 1
                yield shown

        stream = _peeked(rows())  # the register is opened (and may refuse) before anything is printed
        if out.json_mode:
            _json_rows(listing.key, stream)
        else:
            _pages(out, listing, stream, caption, limit=SHOWN_WITH_FILE if sinks else None)
        for sink in sinks:
            sink.close()
        if book is not None and xlsx_path is not None:
            save_workbook(book, xlsx_path)
    written = {"csv": str(csv_path.resolve()) if csv_path else None,
               "xlsx": str(xlsx_path.resolve()) if xlsx_path else None}
    if out.json_mode:
        sys.stdout.write(f'  "jumlah": {count},\n  "berkas": {json_line(written).strip()}\n}}\n')
        sys.stdout.flush()
    for kind, path in written.items():
        if path:
            out.err.print(f"{kind.upper()}: {path} ({count} baris)", markup=False, soft_wrap=True)
    return count


def _peeked(rows: Any) -> Any:
    """The same rows, the first one already read."""
    import itertools

    first = next(rows, None)
    return rows if first is None else itertools.chain([first], rows)


def _json_rows(key: str, rows: Any) -> None:
    """``{"ok": true, "KEY": [`` then one compact row per line; the caller adds jumlah and closes."""
    sys.stdout.write(f'{{\n  "ok": true,\n  "{key}": [')
    first = True
    for row in rows:
        sys.stdout.write(("\n    " if first else ",\n    ") + json_line(row).strip())
        first = False
    sys.stdout.write("],\n" if first else "\n  ],\n")


def _pages(out: Output, listing: Any, rows: Any, caption: str | None, limit: int | None) -> None:
    """The terminal's table, in pages of TABLE_PAGE rows; through the pager when stdout is a terminal.
    With ``limit`` only that many rows are shown, the rest still read (the files get every row)."""
    import contextlib

    paging = sys.stdout.isatty() and limit is None
    total = printed = 0
    with out.out.pager(styles=True) if paging else contextlib.nullcontext():
        page: list[dict[str, Any]] = []
        for row in rows:
            total += 1
            if limit is not None and total > limit:
                continue
            page.append(row)
            if len(page) == TABLE_PAGE:
                _table(out.out, listing, page, None if printed else listing.title, None)
                printed += len(page)
                page = []
        if page or not printed:
            more = f"{total - printed - len(page)} baris lagi di berkas" if limit and total > limit else None
            _table(out.out, listing, page, None if printed else listing.title,
                   "; ".join(p for p in (caption, more, f"{total} baris") if p))


def read_query(dari: str | None, sampai: str | None, bulan: str | None, tahun: int | None, layanan: str | None,
               status: list[str] | None, desa: str | None, penandatangan: str | None, nomor: str | None,
               nama: str | None, nik: str | None) -> Any:
    """The filter options as one query (checked against the office by the listing)."""
    from sakti_cli.core.period import read_period
    from sakti_cli.listings.rows import Query

    return Query(read_period(dari, sampai, bulan, tahun), layanan, tuple(status or ()), desa, penandatangan, nomor,
                 nama, nik)
