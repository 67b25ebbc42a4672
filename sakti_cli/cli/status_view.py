"""What ``sakti status REG`` shows: the application as a payload, and a person's view of it.

Shared by the command (sakti_cli/cli/permohonan.py) and its start-up path (sakti_cli/cli/fast.py), so both
print the same bytes. No Typer here, and Rich only inside the functions that print.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.register.session import Application
from sakti_cli.register.states import ApplicationStatus

if TYPE_CHECKING:
    from rich.console import Console


def application_payload(record: Application, service: Any, reveal: bool, root: Path) -> dict[str, Any]:
    """An application as shown: NIK/KK masked unless ``reveal`` (the global --tampilkan-nik); its letter's
    paths absolute (under the workspace ``root``) and its signatory in the one shape (sakti_cli.core.shapes)."""
    from sakti_cli.core.privacy import mask_application
    from sakti_cli.core.shapes import absolute_path, signatory_json

    shown = mask_application(record, service, reveal)
    base = root
    letter = shown.get("surat")
    if letter:
        letter = {**letter, "pdf": absolute_path(base, letter.get("pdf"))}
    pending = shown.get("antrean") if shown["status"] == ApplicationStatus.MENUNGGU_TTD else None
    if pending:
        pending = {**pending, "pdf_belum_ttd": absolute_path(base, pending.get("pdf_belum_ttd")),
                   "penandatangan": signatory_json(pending.get("penandatangan"))}
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
        "surat": letter,
        "antrean": pending,
        "nomor_batal": shown.get("nomor_batal", []),
        "berkas_dihapus": shown.get("berkas_dihapus"),
    }


def status_human(payload: dict[str, Any], service: Any, zone: timezone, root: Path) -> Callable[[Console], None]:
    """The person's view of ``payload`` (the application, its clock, data, files, history and letter)."""

    def human(console: Console) -> None:
        from rich.markup import escape

        from sakti_cli.cli.tables import Col, print_table
        from sakti_cli.core.id_format import waktu_singkat

        console.print(f"[bold]{payload['nomor_registrasi']}[/bold]  {payload['layanan']}  "
                      f"status [bold]{payload['status']}[/bold]")
        clock = payload.get("waktu_layanan") or {}
        if clock.get("menit_kerja") is not None:
            late = "" if clock["dalam_batas"] else " [red]melewati batas[/red]"
            console.print(f"Waktu layanan: {clock['teks']} (batas: {clock['batas']}){late}")
        data_tables(console, payload["data"], service)
        files = ", ".join(f"{code} ({len(items)})" for code, items in payload["berkas"].items()) or "-"
        console.print(f"Berkas: {files}")
        removed_scans(console, payload)
        print_table(console, [Col("Waktu", "time"), Col("Petugas", drop=1), Col("Dari", "identifier", drop=2),
                              Col("Ke", "identifier"), Col("Catatan")],
                    [(waktu_singkat(step["waktu"], zone), escape(step["petugas"]), step["dari"] or "-",
                      step["ke"], escape(step["catatan"] or "")) for step in payload["riwayat"]], title="Riwayat")
        if payload["surat"]:
            letter = payload["surat"]
            console.print(f"Surat: [bold]{letter['nomor_surat']}[/bold]  kode verifikasi {letter['kode_verifikasi']}")
            console.print(f"PDF: {root / letter['pdf']}", markup=False, soft_wrap=True)
        if payload["antrean"]:
            pending = payload["antrean"]
            console.print(f"Menunggu tanda tangan ({pending['penandatangan']['id'] or '-'}): "
                          f"[bold]{pending['nomor_surat']}[/bold]")
            console.print(f"PDF: {root / pending['pdf_belum_ttd']}", markup=False, soft_wrap=True)

    return human


def removed_scans(console: Console, payload: dict[str, Any]) -> None:
    """Scans deleted by retention ('sakti bersihkan'): which requirement files, when, by whom, why."""
    from rich.markup import escape

    removed = {code: [e for e in entries if isinstance(e, dict) and e.get("dihapus")]
               for code, entries in payload["berkas"].items()}
    removed = {code: entries for code, entries in removed.items() if entries}
    if not removed:
        return
    note = payload.get("berkas_dihapus") or {}
    when = sorted({str(e["dihapus"]) for entries in removed.values() for e in entries})
    codes = ", ".join(f"{code} ({len(entries)})" for code, entries in removed.items())
    by = f" oleh {note['petugas']}" if note.get("petugas") else ""
    why = f"; {note['alasan']}" if note.get("alasan") else ""
    console.print(f"Pindaian dihapus {', '.join(when)}{by}: {escape(codes)}{escape(why)}", markup=True)


def data_tables(console: Console, data: dict[str, Any], service: Any) -> None:
    """An application's data: one field a line, and each list (heirs, witnesses) as a table with the SOP's
    labels; the values come masked from :func:`application_payload`."""
    from rich.markup import escape

    from sakti_cli.cli.tables import print_pairs

    specs = {spec.kode: spec for spec in service.isian} if service is not None else {}
    simple = [(escape(specs[key].label if key in specs else key),
               escape(", ".join(map(str, value)) if isinstance(value, list) else str(value)))
              for key, value in data.items()
              if not (isinstance(value, list) and any(isinstance(item, dict) for item in value))]
    print_pairs(console, simple)
    for key, value in data.items():
        items = [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
        if items:
            _list_table(console, key, items, specs.get(key))


def _list_table(console: Console, key: str, items: list[dict[str, Any]], spec: Any) -> None:
    """One list field (heirs, witnesses): a table with the SOP's labels, or one block a person when the
    columns do not fit the screen."""
    from rich.markup import escape

    from sakti_cli.cli.tables import Col, print_pairs, print_table, table_fits

    subs = [(sub.kode, sub.label) for sub in spec.butir] if spec is not None else []
    whole = {sub.kode for sub in spec.butir if sub.jenis in _WHOLE_KINDS} if spec is not None else set()
    for item in items:  # a key the SOP no longer names is still shown, under its code
        subs += [(code, code) for code in item if code != "berkas" and code not in dict(subs)]
    columns = [Col("No.", "number"), *(Col(label, "identifier" if code in whole else "text")
                                       for code, label in subs)]
    rows = [(str(number), *(escape(str(item.get(code) if item.get(code) is not None else "-")) for code, _ in subs))
            for number, item in enumerate(items, 1)]
    if any(item.get("berkas") for item in items):
        columns.append(Col("Berkas"))
        rows = [(*row, escape(", ".join(f"{code}={name}" for code, name in (item.get("berkas") or {}).items())
                              or "-")) for row, item in zip(rows, items, strict=True)]
    title = f"{spec.label if spec is not None else key} ({key})"
    if table_fits(console, columns, rows):
        print_table(console, columns, rows, title=title)
        return
    console.print(f"[bold]{escape(title)}[/bold]")  # too many columns for the screen: one person a block
    for row in rows:
        print_pairs(console, [(col.header, cell) for col, cell in zip(columns[1:], row[1:], strict=True)],
                    title=f"{escape(spec.label if spec is not None else key)} {row[0]}",
                    whole=[col.header for col in columns if col.kind == "identifier"])


_WHOLE_KINDS = ("nik", "kk", "tanggal", "telepon", "angka")  # values never wrapped in a list table
