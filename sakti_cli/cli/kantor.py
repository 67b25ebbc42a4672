"""``sakti init``, ``sakti kantor`` and ``sakti kantor periksa``: create, show and check the workspace."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, Negative, command, workspace
from sakti_cli.cli.tables import Col, print_pairs, print_table
from sakti_cli.core.errors import UsageError

kantor_app = typer.Typer(help="Kantor yang dipakai: tampilkan (tanpa subperintah) atau periksa kesiapannya.",
                         invoke_without_command=True, rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(kantor_app, name="kantor")
    kantor_app.callback(invoke_without_command=True)(kantor)
    kantor_app.command("periksa")(periksa)


class TerminalPrompter:
    """Asks in the terminal (Indonesian labels; Enter takes the default)."""

    def __init__(self, out: Output) -> None:
        self.out = out

    def ask(self, label: str, default: str | None = None) -> str:
        value: str = typer.prompt(label, default=default if default is not None else "",
                                  show_default=bool(default), err=True)
        return value

    def tell(self, text: str) -> None:
        self.out.err.print(text, markup=False)


def terminal_prompter(out: Output) -> Any:
    """The prompter ``init`` uses: the terminal's when a person is at one, else None (options needed)."""
    return TerminalPrompter(out) if sys.stdin.isatty() and not out.json_mode else None


Opt = typer.Option


@command
def init(out: Output,
         folder: Annotated[Path, typer.Argument(help="Folder kantor yang dibuat.")],
         contoh: Annotated[bool, Opt("--contoh", help="Salin kantor contoh (Kecamatan Arut Selatan, dua "
                                     "penandatangan fiktif) untuk mencoba; bukan untuk surat sungguhan.")] = False,
         kabupaten: Annotated[str | None, Opt("--kabupaten", help="Kabupaten/kota, tanpa kata 'Kabupaten'.")] = None,
         kecamatan: Annotated[str | None, Opt("--kecamatan", help="Kecamatan, tanpa kata 'Kecamatan'.")] = None,
         alamat: Annotated[str | None, Opt("--alamat", help="Alamat kantor untuk kop surat.")] = None,
         email: Annotated[str | None, Opt("--email", help="E-mail kantor.")] = None,
         telepon: Annotated[str | None, Opt("--telepon", help="Telepon kantor.")] = None,
         tempat: Annotated[str | None, Opt("--tempat", help="Nama tempat pada baris tanggal surat.")] = None,
         zona: Annotated[str | None, Opt("--zona", help="Zona waktu: WIB, WITA atau WIT (bawaan WIB).")] = None,
         kode_unit: Annotated[str | None, Opt("--kode-unit", help="Kode unit pada nomor surat.")] = None,
         desa: Annotated[list[str] | None, Opt("--desa", help="Nama desa (berulang).")] = None,
         kelurahan: Annotated[list[str] | None, Opt("--kelurahan", help="Nama kelurahan (berulang).")] = None,
         nama: Annotated[str | None, Opt("--nama", help="Nama penandatangan pertama, dengan gelar.")] = None,
         jabatan: Annotated[str | None, Opt("--jabatan", help="Jabatannya, mis. 'Camat ...'.")] = None,
         peran: Annotated[str | None, Opt("--peran", help="definitif, a.n., Plt. atau Plh. (bawaan definitif).")
                          ] = None,
         nip: Annotated[str | None, Opt("--nip", help="NIP penandatangan (18 digit).")] = None,
         pangkat: Annotated[str | None, Opt("--pangkat", help="Pangkat/golongan penandatangan.")] = None,
         kunci: Annotated[str | None, Opt("--kunci", help="Berkas kunci PKCS#12 (.p12) penandatangan.")] = None,
         token: Annotated[str | None, Opt("--token", help="Label token PKCS#11 (ganti --kunci).")] = None,
         modul: Annotated[str | None, Opt("--modul", help="Pustaka modul PKCS#11 untuk --token.")] = None,
         label_kunci: Annotated[str | None, Opt("--label-kunci", help="Label kunci di token (bawaan signer).")
                                ] = None,
         sertifikat: Annotated[str | None, Opt("--sertifikat", help="Sertifikat penanda tangan (PEM), diperiksa "
                               "tanpa sandi oleh 'sakti kantor periksa'.")] = None,
         akar: Annotated[list[str] | None, Opt("--akar", help="Sertifikat akar tepercaya (PEM/DER), berulang.")
                         ] = None,
         url: Annotated[str | None, Opt("--url-verifikasi", help="URL verifikasi pada QR, memuat {kode}.")] = None,
         json_out: JSON_OPT = False) -> None:
    """Buat kantor baru: tanya (di terminal) atau ambil dari opsi identitas kantor dan penandatangan pertamanya;
    tanpa data kantor lain. Tanpa terminal opsi wajib diberikan; --contoh menyalin kantor contoh."""
    from sakti_cli.office.setup import office_setup
    from sakti_cli.office.workspace import check_new_office, create_workspace, init_workspace

    given: dict[str, Any] = {
        "kabupaten": kabupaten, "kecamatan": kecamatan, "alamat": alamat, "email": email, "telepon": telepon,
        "tempat": tempat, "zona": zona, "kode_unit": kode_unit, "desa": desa, "kelurahan": kelurahan,
        "nama": nama, "jabatan": jabatan, "peran": peran, "nip": nip, "pangkat": pangkat, "kunci": kunci,
        "token": token, "modul": modul, "label_kunci": label_kunci, "sertifikat": sertifikat, "akar": akar,
        "url": url,
    }
    check_new_office(folder)  # before the questions: a folder that cannot take an office is said first
    if contoh:
        named = [key for key, value in given.items() if value]
        if named:
            raise UsageError(f"--contoh menyalin kantor contoh apa adanya; opsi {', '.join(named)} tidak dipakai "
                             "bersamanya.", saran="Pilih salah satu: --contoh, atau opsi identitas kantor baru.")
        ws = init_workspace(folder)
    else:
        ws = create_workspace(folder, office_setup(given, terminal_prompter(out)))
    payload = {"kantor": str(ws.root), "konfigurasi": str(ws.root / "sakti.toml"), "contoh": contoh}

    def human(console: Console) -> None:
        console.print(f"Kantor dibuat di [bold]{ws.root}[/bold]" + (" (kantor contoh)." if contoh else "."),
                      soft_wrap=True)
        console.print("Periksa kesiapannya dengan 'sakti kantor periksa' (kunci, sertifikat, akar tepercaya, "
                      "URL verifikasi); panduan: docs/PANDUAN-KANTOR.md.", markup=False)

    out.result(payload, human)


@command
def kantor(out: Output, ctx: typer.Context, json_out: JSON_OPT = False) -> None:
    """Tampilkan kantor yang dipakai dan dari mana ia ditemukan; 'sakti kantor periksa' memeriksanya."""
    if ctx.invoked_subcommand is not None:
        return
    from sakti_cli.core.shapes import signatory_json
    from sakti_cli.office.workspace import clerk_name
    from sakti_cli.register.trail import default_actor

    ws = workspace()
    office = ws.config.kantor
    payload = {
        "kantor": str(ws.root),
        "ditemukan_lewat": ws.found_by,
        "kabupaten": office.kabupaten,
        "kecamatan": office.kecamatan,
        "zona_waktu": office.zona_waktu,
        "kode_unit": office.kode_unit,
        "desa": office.desa,
        "jenis_desa": {name: office.village_kind(name) for name in office.desa},
        "penandatangan": [signatory_json(p) for p in ws.config.penandatangan],
        "petugas": clerk_name(ws.config, GLOBALS.petugas) or default_actor(),
    }

    def human(console: Console) -> None:
        pairs: list[tuple[str, Any]] = [
            ("Kantor", Text(str(ws.root))), ("Ditemukan lewat", Text(ws.found_by)),
            ("Kecamatan", Text(f"{office.kecamatan}, Kabupaten {office.kabupaten}")),
            ("Zona waktu", office.zona_waktu), ("Desa/kelurahan", Text(", ".join(office.desa))),
            *(("Penandatangan", Text(f"{person.id}: {person.peran} {person.jabatan} ({person.nama})"))
              for person in ws.config.penandatangan),
            ("Petugas", Text(str(payload["petugas"])))]
        print_pairs(console, pairs, whole=("Kantor",))

    out.result(payload, human)


@command
def periksa(out: Output, uji_surel: Annotated[bool, typer.Option(
        "--uji-surel", help="Juga masuk ke server surel [surel] (TLS dan AUTH, tanpa mengirim surel); tanpa ini "
        "tidak ada yang dihubungi lewat jaringan.")] = False, json_out: JSON_OPT = False) -> None:
    """Periksa kesiapan kantor: kunci dan sertifikat tiap penandatangan, akar tepercaya, URL verifikasi,
    desa, font, LibreOffice dan [surel] (tanpa menghubungi server, kecuali --uji-surel). Keluar 1 bila ada
    galat (peringatan saja: 0)."""
    from sakti_cli.office.doctor import check_office, mail_login_findings

    ws = workspace()
    login, tested = mail_login_findings(ws) if uji_surel else ([], None)
    findings = check_office(ws, extra=login)
    errors = [item for item in findings if item.tingkat == "galat"]
    letters = ws.config.surat
    payload: dict[str, Any] = {"kantor": str(ws.root), "surat": {"kertas": letters.kertas, "pdfa": letters.pdfa},
                               "temuan": [item.to_dict() for item in findings],
                               "jumlah_galat": len(errors), "jumlah_peringatan": len(findings) - len(errors)}
    if uji_surel:
        payload["surel_diuji"] = tested

    def human(console: Console) -> None:
        made = "PDF/A-2b" if letters.pdfa else "PDF biasa (bukan PDF/A; [surat] pdfa = false)"
        console.print(f"Surat: kertas {letters.kertas}, {made}", markup=False, soft_wrap=True)
        if tested:
            console.print(f"[green]Server surel {tested}[/green] menerima masuk akun kantor (TLS, sertifikat "
                          "diperiksa); tidak ada surel yang dikirim.", soft_wrap=True)
        if not findings:
            console.print(f"[green]Kantor siap[/green]: tidak ada galat atau peringatan ({ws.root}).", soft_wrap=True)
            return
        console.print(f"Kantor: {ws.root}", markup=False, soft_wrap=True)
        print_table(console, [Col("Tingkat", "identifier"), Col("Masalah"), Col("Yang harus dilakukan")],
                    [("[red]galat[/red]" if item.tingkat == "galat" else "[yellow]peringatan[/yellow]",
                      Text(item.pesan), Text(item.saran))  # sakti.toml's [bagian] is no markup
                     for item in findings],
                    title=f"Pemeriksaan kantor: {len(errors)} galat, {len(findings) - len(errors)} peringatan")

    out.result(payload, human, ok=not errors)
    if errors:
        raise Negative
