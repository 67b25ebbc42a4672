"""Backup, restore and retention: cadangkan, pulihkan, bersihkan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import (
    GLOBALS,
    JSON_OPT,
    Negative,
    command,
    confirmed,
    passphrase_prompt,
    register_for,
    workspace,
)
from sakti_cli.cli.tables import Col, print_table


def register(app: typer.Typer) -> None:
    app.command("cadangkan")(cadangkan)
    app.command("pulihkan")(pulihkan)
    app.command("bersihkan")(bersihkan)


def _size(value: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value = value / 1024  # type: ignore[assignment]
    return str(value)


@command
def cadangkan(out: Output,
              berkas: Annotated[Path, typer.Argument(help="Berkas cadangan baru: .tar.gz, .tgz atau .zip.")],
              dengan_kunci: Annotated[bool, typer.Option(
                  "--dengan-kunci", help="Sertakan kunci penandatangan (pki/), disegel dengan sandi yang diketik "
                  "dua kali di terminal (scrypt + AES-256-GCM).")] = False,
              json_out: JSON_OPT = False) -> None:
    """Cadangkan kantor (sakti.toml, sop, templat, register, surat, berkas) ke satu arsip bermanifes."""
    from sakti_cli.register.backup import check_backup_target, create_backup
    from sakti_cli.register.copy import source_url

    ws = workspace()
    check_backup_target(berkas)  # a bad name or folder is said before the snapshot is taken
    if source_url(ws) is not None:  # PostgreSQL: archived as a TinyDB register (one format)
        from sakti_cli.register.cross_backup import backup_from_server

        result = backup_from_server(ws, register_for(ws), berkas, with_keys=dengan_kunci, prompt=passphrase_prompt,
                                    progress=out.step)
    else:
        out.step("mengambil salinan di bawah kunci register")
        result = create_backup(ws, register_for(ws), berkas, with_keys=dengan_kunci, prompt=passphrase_prompt)

    def human(console: Console) -> None:
        console.print(f"Cadangan ditulis: [bold]{result['berkas']}[/bold] ({result['jumlah_berkas']} berkas, "
                      f"{_size(result['ukuran'])}, format register {result['versi_format_register']}).")
        console.print(f"SHA-256: {result['sha256']}")
        if dengan_kunci:
            console.print("[yellow]Kunci penandatangan (pki/) disegel dengan sandi cadangan: tanpa sandi itu "
                          "kunci tidak dapat dipulihkan. Simpan sandinya terpisah dari berkas cadangan.[/yellow]")
        if result["dilewati"]:
            console.print(f"[yellow]{len(result['dilewati'])} berkas bukan jenis berkas kantor, tidak dicadangkan "
                          f"(mis. {result['dilewati'][0]}).[/yellow]")

    out.result(result, human)


@command
def pulihkan(out: Output,
             berkas: Annotated[Path, typer.Argument(help="Berkas cadangan dari 'sakti cadangkan'.")],
             ke: Annotated[str | None, typer.Option(
                 "--ke", metavar="FOLDER|URL", help="Folder tujuan baru atau kosong (tidak pernah ditimpa), atau "
                 "register PostgreSQL kosong: postgresql://PERAN@SERVER/DB (tanpa sandi); tanpa --ke: register "
                 "PostgreSQL kantor ini.")] = None,
             json_out: JSON_OPT = False) -> None:
    """Periksa cadangan (jenis berkas, hash manifes, register periksa) lalu pulihkan ke folder baru atau kosong, atau
    ke register PostgreSQL yang kosong."""
    from sakti_cli.office.workspace import clerk_name
    from sakti_cli.register.copy import is_server
    from sakti_cli.register.restore import restore_backup

    out.step("memeriksa cadangan")
    actor = clerk_name(None, GLOBALS.petugas)
    if ke is None or is_server(ke):
        from sakti_cli.register.cross_backup import restore_to_server

        ws = _workspace_if_any()  # its [register] password settings; without --ke its own server
        result = restore_to_server(berkas, ke, ws, actor=clerk_name(ws.config if ws else None, GLOBALS.petugas),
                                   prompt=passphrase_prompt, progress=out.step)
    else:
        result = {**restore_backup(berkas, Path(ke), actor=actor, prompt=passphrase_prompt), "tujuan": "tinydb"}

    def human(console: Console) -> None:
        from sakti_cli.core.id_format import waktu_singkat

        console.print(f"Cadangan {result['arsip']} (dibuat {waktu_singkat(result['dibuat'], None)}) dipulihkan ke "
                      f"[bold]{result['ke']}[/bold]: {result['jumlah_berkas']} berkas diperiksa.", soft_wrap=True)
        if result["versi_format_register"] not in (None, result["versi_format_sekarang"]):  # None: no register yet
            console.print(f"Register dimigrasi dari format {result['versi_format_register']} ke "
                          f"{result['versi_format_sekarang']} (cadangan otomatis di data/cadangan/).")
        for warning in result["peringatan"]:
            console.print(f"[yellow]Peringatan:[/yellow] {warning}")
        if result["tujuan"] == "postgresql":
            console.print(f"Register dan {result['jumlah_berkas_register']} berkasnya disimpan di server; sakti.toml, "
                          "sop, templat dan pki/ dari cadangan tidak dipasang (kantor memakai miliknya sendiri).")
        else:
            console.print(f"Pakai dengan: sakti --kantor {result['ke']} status ...", soft_wrap=True)

    out.result(result, human)


def _workspace_if_any() -> Any:
    """The workspace, when one is named or found (its [register] password settings); None otherwise."""
    from sakti_cli.core.errors import WorkspaceNotFound

    try:
        return workspace()
    except WorkspaceNotFound:
        return None


def _purge_table(console: Console, result: dict[str, Any], verb: str, zone: Any) -> None:
    from sakti_cli.core.id_format import waktu_singkat

    print_table(console, [Col("Registrasi", "identifier"), Col("Status", "identifier", drop=2),
                          Col("Perubahan terakhir", "time", drop=1), Col("Berkas", "path"),
                          Col("Ukuran", "number")],
                [(item["nomor_registrasi"], item["status"], waktu_singkat(item["diubah"], zone),
                  escape(", ".join(item["berkas"])) or "(sisa berkas)", _size(int(item["ukuran"])))
                 for item in result["permohonan"]],
                title=f"{verb}: pindaian permohonan selesai yang lewat masa simpan")
    console.print(f"Tidak berubah sejak sebelum: {waktu_singkat(result['batas'], zone)}")


def _purge_agreed(out: Output, preview: dict[str, Any], zone: Any) -> bool:
    """Deleting scans cannot be undone: the person at the terminal sees the list and says yes."""
    if not preview["jumlah"]:
        return True
    if not out.json_mode:
        _purge_table(out.err, preview, "Akan dihapus", zone)
    days = preview["lebih_dari"]
    return confirmed(f"Hapus {preview['jumlah_berkas']} berkas pindaian dari {preview['jumlah']} permohonan "
                     "selesai (tidak dapat dibatalkan)?", False,
                     f"Lihat dulu dengan 'sakti bersihkan --lebih-dari {days} --uji', lalu "
                     f"'sakti bersihkan --lebih-dari {days} --ya'.")


@command
def bersihkan(out: Output,
              lebih_dari: Annotated[str, typer.Option(
                  "--lebih-dari", metavar="HARI",
                  help="Masa simpan dalam hari sejak perubahan terakhir permohonan, mis. 365.")],
              uji: Annotated[bool, typer.Option("--uji", help="Hanya tampilkan yang akan dihapus.")] = False,
              ya: Annotated[bool, typer.Option(
                  "--ya", help="Hapus tanpa bertanya (tanpa terminal, mis. dari cron, wajib).")] = False,
              json_out: JSON_OPT = False) -> None:
    """Hapus pindaian persyaratan permohonan selesai (TERBIT/DITOLAK) yang lewat masa simpan; register tetap.

    Di terminal daftar yang akan dihapus ditampilkan dan ditanyakan dulu (kecuali --ya)."""
    from sakti_cli.register.retention import purge_scans

    ws = workspace()
    if not uji and not ya and not _purge_agreed(out, purge_scans(ws, register_for(ws), lebih_dari, dry_run=True),
                                                ws.zone):
        out.err.print("Tidak jadi: tidak ada pindaian yang dihapus.")
        raise Negative
    result = purge_scans(ws, register_for(ws), lebih_dari, dry_run=uji)

    def human(console: Console) -> None:
        _purge_table(console, result, "Akan dihapus" if uji else "Dihapus", ws.zone)
        if uji:
            console.print(f"Uji saja: tidak ada yang dihapus ({result['jumlah']} permohonan). "
                          f"Jalankan tanpa --uji untuk menghapus.")
        else:
            console.print(f"{result['jumlah']} permohonan, {result['jumlah_berkas']} berkas dihapus; "
                          "catatan register tetap, penghapusan tercatat di jejak audit.")

    out.result(result, human)
