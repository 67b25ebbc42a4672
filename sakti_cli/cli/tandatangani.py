"""Standalone signing and certificates: ``tandatangani``, ``sertifikat demo``, ``sertifikat lihat``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from sakti_cli.cli.output import Output
from sakti_cli.cli.state import GLOBALS, JSON_OPT, Negative, command, passphrase_prompt, workspace
from sakti_cli.cli.tables import print_pairs
from sakti_cli.core.errors import FileUnreadable, InputError
from sakti_cli.core.shapes import signatory_json
from sakti_cli.core.storage import check_input_file

sertifikat_app = typer.Typer(help="Sertifikat elektronik: buat rantai demo, lihat isi sertifikat, status di BSrE.",
                             no_args_is_help=True, rich_markup_mode=None)

SANDI_OPT = Annotated[Path | None, typer.Option(
    "--berkas-sandi", help="Hanya untuk segel kantor (--penandatangan dengan sifat = \"segel\"): berkas berisi "
    "sandi/PIN (hanya dapat dibaca pemiliknya, chmod 600). Kunci pribadi: sandinya diketik di terminal.")]


def register(app: typer.Typer) -> None:
    app.command("tandatangani")(tandatangani)
    app.add_typer(sertifikat_app, name="sertifikat")
    sertifikat_app.command("demo")(sertifikat_demo)
    sertifikat_app.command("lihat")(sertifikat_lihat)
    sertifikat_app.command("status")(sertifikat_status)
    sertifikat_app.command("perbarui-segel")(sertifikat_perbarui_segel)


def _optional_workspace() -> Any:
    """The workspace when there is one; signing with a key named on the command line needs none."""
    from sakti_cli.core.errors import WorkspaceNotFound
    from sakti_cli.office.workspace import find_workspace

    try:
        return find_workspace(GLOBALS.kantor)
    except WorkspaceNotFound:
        if GLOBALS.kantor is not None:
            raise
        return None


def _free_field(pdf: Path) -> str:
    """``TTE``, or ``TTE_2``, ``TTE_3``... when earlier signatures took the name."""
    from sakti_cli.signatures.validate import signature_field_names

    taken = set(signature_field_names(pdf))
    if "TTE" not in taken:
        return "TTE"
    number = 2
    while f"TTE_{number}" in taken:
        number += 1
    return f"TTE_{number}"


@command
def tandatangani(
    out: Output,
    berkas: Annotated[Path, typer.Argument(help="PDF yang ditandatangani (dari mana pun asalnya).")],
    keluaran: Annotated[Path | None, typer.Option(
        "--keluaran", "-o", help="PDF hasil (bawaan: NAMA-ttd.pdf di sebelahnya; sama dengan BERKAS = timpa).")] = None,
    penandatangan: Annotated[str | None, typer.Option(
        "--penandatangan", help="id penandatangan dari sakti.toml.")] = None,
    sertifikat: Annotated[Path | None, typer.Option(
        "--sertifikat", help="Berkas kunci PKCS#12 (.p12/.pfx): kunci pribadi, sandinya diketik "
        "pemiliknya di terminal.")] = None,
    token: Annotated[str | None, typer.Option(
        "--token", help="Label token PKCS#11: kunci pribadi, PIN-nya diketik pemiliknya di "
        "terminal.")] = None,
    modul: Annotated[str | None, typer.Option(
        "--modul", help="Modul PKCS#11 untuk --token (bawaan: SAKTI_PKCS11_MODUL).")] = None,
    label_kunci: Annotated[str | None, typer.Option(
        "--label-kunci", help="Label kunci di token (bawaan: 'signer').")] = None,
    berkas_sandi: SANDI_OPT = None,
    tsa: Annotated[str | None, typer.Option(
        "--tsa", help="URL server cap waktu RFC 3161: PAdES B-T, atau B-LT bila sakti.toml menyimpan CRL/CA "
        "(bawaan: tte.tsa).")] = None,
    alasan: Annotated[str | None, typer.Option("--alasan", help="Alasan penandatanganan.")] = None,
    kolom: Annotated[str | None, typer.Option(
        "--kolom", help="Nama kolom tanda tangan (bawaan: TTE, atau TTE_2... bila sudah ada).")] = None,
    json_out: JSON_OPT = False,
) -> None:
    """Tandatangani PDF apa pun (PAdES; tanda tangan berikutnya sebagai pembaruan bertahap)."""
    import hashlib
    import os
    from datetime import UTC, datetime

    from sakti_cli.signatures.keys import (
        MODULE_VARIABLE,
        PIN_VARIABLE,
        KeySpec,
        check_signer,
        key_spec,
        open_key,
    )
    from sakti_cli.signatures.revocation import validation_data
    from sakti_cli.signatures.sign import check_certificate, close_signer, sign_pdf, signer_common_name

    chosen = [name for name, value in (("--penandatangan", penandatangan), ("--sertifikat", sertifikat),
                                       ("--token", token)) if value is not None]
    if len(chosen) > 1:
        raise InputError(f"Pilih satu sumber kunci saja, bukan {' dan '.join(chosen)}.")
    check_input_file(berkas, "Berkas", "Periksa nama dan letak PDF.")
    from sakti_cli.documents.convert import is_pdf

    if not is_pdf(berkas):
        raise FileUnreadable(f"Berkas {berkas} bukan PDF: hanya PDF yang dapat ditandatangani.",
                             saran="Ubah dulu ke PDF (mis. ekspor dari pengolah kata), lalu tandatangani PDF-nya.")
    target = keluaran or berkas.with_name(f"{berkas.stem}-ttd.pdf")
    if target.exists() and target.resolve() != berkas.resolve():
        raise InputError(f"Berkas keluaran {target} sudah ada; tidak ditimpa.",
                         saran="Pilih nama lain dengan --keluaran, atau hapus berkas itu dulu.")
    # a signatory from sakti.toml needs the workspace; a key named here works without one
    ws = _optional_workspace() if (sertifikat or token) else workspace()
    secret_file = berkas_sandi.expanduser() if berkas_sandi else None
    name: str | None = None
    person = None
    if sertifikat is not None:
        variable = ws.config.tte.variabel_sandi if ws else "SAKTI_SANDI"
        spec = KeySpec("pkcs12", str(sertifikat), variable, secret_file, p12=sertifikat)
    elif token is not None:
        module = modul or os.environ.get(MODULE_VARIABLE)
        if not module:
            raise InputError("Sebutkan modul PKCS#11 token dengan --modul (atau variabel SAKTI_PKCS11_MODUL).",
                             saran="Mis. --modul /usr/lib/softhsm/libsofthsm2.so, atau driver token dari BSrE.")
        spec = KeySpec("pkcs11", f"'{token}'", PIN_VARIABLE, secret_file, module=module, token=token,
                       key_label=label_kunci or "signer")
    else:
        person = ws.signatory(penandatangan)
        spec = key_spec(ws, person)
        if secret_file is not None:
            spec = KeySpec(**{**spec.__dict__, "secret_file": secret_file})
        name = person.nama
    url = tsa or (ws.config.tte.tsa if ws else None)
    office_data = validation_data(ws) if ws else None  # CA certificates/CRLs the office stores
    field_name = kolom or _free_field(berkas)

    out.step("membuka kunci penandatangan")
    from sakti_cli.signatures.consent import file_item, signing_request

    # a key named here (--sertifikat, --token) is a person's: shown what it signs, typed by its owner
    request = signing_request(spec.owner, [file_item(berkas)]) if spec.sifat == "pribadi" else None
    signer = open_key(spec, passphrase_prompt, request)
    try:
        from sakti_cli.core.clock import ZONES

        # the clock pyHanko signs by, in the office's zone for the messages
        moment = datetime.now(UTC).astimezone(ws.zone if ws else ZONES["WIB"])
        # the office's checks (kantor periksa's); a key the office's CRL revoked signs nothing, at any level
        warnings = check_signer(ws, person, signer, moment) if ws else check_certificate(signer, moment)
        for warning in warnings:
            out.warn(warning)
        signer_cn = signer_common_name(signer)
        if ws is not None and url:  # CRL/OCSP fresh from [tte], attached to the signer (no queue here: exit 4)
            from sakti_cli.signatures.revocation import prepare_signing

            prepare_signing(ws, signer, url)
        out.step(f"menandatangani ({'dengan cap waktu' if url else 'tanpa cap waktu'})")
        level = sign_pdf(berkas, target, signer, field_name=field_name,
                         reason=alasan or "Ditandatangani secara elektronik",
                         location=ws.config.kantor.tempat if ws else "", signer_name=name or signer_cn,
                         timestamp_url=url)
    finally:
        close_signer(signer)
    if url and office_data is None:
        out.warn("Tanpa CRL/sertifikat CA di bagian tte sakti.toml tanda tangan hanya B-T (bukan B-LT).")
    payload = {
        "berkas": str(berkas.resolve()), "pdf": str(target.resolve()),
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "kolom": field_name, "penandatangan": signatory_json(person, nama=signer_cn), "tingkat": level, "tsa": url,
    }

    def human(console: Console) -> None:
        console.print(f"[green]Ditandatangani[/green] ({level}, kolom {field_name}) oleh {signer_cn}")
        console.print(f"PDF: {target}", soft_wrap=True)

    out.result(payload, human)


@command
def sertifikat_demo(
    out: Output,
    folder: Annotated[Path, typer.Argument(help="Folder tujuan (dibuat bila belum ada).")],
    nama: Annotated[str, typer.Option(
        "--nama", help="Nama (CN) penanda tangan (bawaan: segel demo kantor).")] = "Kecamatan Arut Selatan (DEMO)",
    hari: Annotated[int, typer.Option("--hari", min=1, help="Masa berlaku sertifikat penanda tangan (hari).")] = 730,
    url_crl: Annotated[str | None, typer.Option(
        "--url-crl", help="URL CRL yang dicantumkan di sertifikat (hanya nama; tidak pernah diambil).")] = None,
    json_out: JSON_OPT = False,
) -> None:
    """Buat rantai demo: akar, penanda tangan (.p12, sandi 'demo') dan CRL akar. Bukan untuk surat sungguhan."""
    from sakti_cli.signatures.pki import make_demo_pki

    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} bukan folder.")
    existing = [p for p in ("demo-root.pem", "demo-signer.p12") if (folder / p).exists()]
    if existing:
        raise InputError(f"{folder} sudah berisi {', '.join(existing)}; tidak ditimpa.", saran="Pilih folder lain.")
    made = make_demo_pki(folder, "demo", signer_name=nama, valid_days=hari, crl_url=url_crl)
    payload = {"folder": str(folder.resolve()), "akar": str(made.root_cert.resolve()),
               "kunci": str(made.signer_p12.resolve()), "sertifikat": str(made.signer_cert.resolve()),
               "crl": str(made.crl.resolve()), "sandi_demo": "demo"}

    def human(console: Console) -> None:
        console.print(f"[green]Rantai demo dibuat[/green] di {folder} (sandi kunci: 'demo')", soft_wrap=True)
        for label, key in (("Akar (percayai)", "akar"), ("Kunci + sertifikat", "kunci"),
                           ("Sertifikat", "sertifikat"), ("CRL akar", "crl")):
            console.print(f"  {label:20}{payload[key]}", soft_wrap=True)
        console.print("Untuk kantor: salin ke pki/, isi verifikasi.akar_tepercaya dan tte.crl di sakti.toml.",
                      markup=False)

    out.result(payload, human)


@command
def sertifikat_status(
    out: Output,
    penandatangan: Annotated[str | None, typer.Option(
        "--penandatangan", help="Id penandatangan berkunci BSrE di sakti.toml (bawaan: penandatangan bawaan).")] = None,
    json_out: JSON_OPT = False,
) -> None:
    """Tanyakan ke layanan BSrE apakah sertifikat penandatangan (NIK-nya) aktif, sebelum menandatangani.
    Keluar 1 bila tidak aktif (kedaluwarsa, dicabut, NIK tidak terdaftar)."""
    from sakti_cli.signatures.bsre import bsre_config, user_status

    ws = workspace()
    person = ws.signatory(penandatangan)
    if person.kunci.jenis != "bsre":
        raise InputError(f"Penandatangan '{person.id}' tidak memakai layanan BSrE (kunci.jenis = "
                         f"\"{person.kunci.jenis}\").",
                         saran="Pilih penandatangan berkunci BSrE dengan --penandatangan, atau lihat sertifikat berkas "
                               "dengan 'sakti sertifikat lihat BERKAS'.")
    payload = user_status(bsre_config(ws, person))

    def human(console: Console) -> None:
        mark = "[green]aktif[/green]" if payload["aktif"] else "[red]tidak aktif[/red]"
        print_pairs(console, [("Penandatangan", Text(person.id)), ("NIK", Text(payload["nik"])),
                              ("Layanan", Text(payload["layanan"])), ("Status", f"{payload['status']} ({mark})"),
                              ("Keterangan", Text(payload["keterangan"]))], title="Sertifikat BSrE", boxed=True)

    out.result(payload, human)
    if not payload["aktif"]:
        raise Negative


@command
def sertifikat_perbarui_segel(
    out: Output,
    penandatangan: Annotated[str | None, typer.Option(
        "--penandatangan", help="Id segel BSrE di sakti.toml (kunci.jenis = \"bsre\", sifat = \"segel\"; bawaan: "
        "penandatangan bawaan).")] = None,
    baru: Annotated[bool, typer.Option(
        "--baru", help="Minta kode aktivasi baru tanpa kode lama (bila kode lama sudah kedaluwarsa).")] = False,
    json_out: JSON_OPT = False,
) -> None:
    """Minta kode aktivasi segel BSrE yang baru (dengan kode yang sekarang) dan tulis ke kunci.berkas_sandi
    (chmod 600), mis. dari cron sebelum kode lama kedaluwarsa. Kodenya tidak pernah ditampilkan."""
    from sakti_cli.signatures.bsre_seal import renew_activation

    ws = workspace()
    person = ws.signatory(penandatangan)
    if person.kunci.jenis != "bsre" or person.sifat != "segel":
        raise InputError(f"Penandatangan '{person.id}' bukan segel BSrE (kunci.jenis = \"{person.kunci.jenis}\", "
                         f"sifat = \"{person.sifat}\").",
                         saran="Pilih segel kantor berkunci BSrE dengan --penandatangan.")
    payload = renew_activation(ws, person, fresh=baru)

    def human(console: Console) -> None:
        done = "[green]diperbarui[/green]" if payload["diperbarui"] else "[yellow]tidak diterima di sini[/yellow]"
        print_pairs(console, [("Segel", Text(person.id)), ("idSubscriber", Text(payload["id_subscriber"])),
                              ("Berkas", Text(payload["berkas_sandi"])), ("Kode aktivasi", done),
                              ("Berlaku sampai", Text(payload["berlaku_sampai"] or "-")),
                              *([("Keterangan", Text(payload["keterangan"]))] if payload["keterangan"] else [])],
                    title="Kode aktivasi segel BSrE", boxed=True)

    out.result(payload, human)
    if not payload["diperbarui"]:
        raise Negative


def _read_p12_certificate(path: Path, secret_file: Path | None) -> Any:
    from sakti_cli.signatures.keys import KeySpec, open_key

    ws = _optional_workspace()
    variable = ws.config.tte.variabel_sandi if ws else "SAKTI_SANDI"
    return open_key(KeySpec("pkcs12", str(path), variable, secret_file, p12=path), passphrase_prompt)


@command
def sertifikat_lihat(
    out: Output,
    berkas: Annotated[Path, typer.Argument(help="Sertifikat (.pem/.crt/.cer, PEM atau DER) atau kunci .p12/.pfx.")],
    berkas_sandi: SANDI_OPT = None,
    json_out: JSON_OPT = False,
) -> None:
    """Tampilkan subjek, penerbit, masa berlaku, penggunaan kunci, sisa hari sertifikat, dan apakah ia boleh
    menandatangani (pemeriksaan yang sama dengan saat menandatangani; di kantor: juga rantai ke akarnya)."""
    from datetime import UTC, datetime

    from sakti_cli.signatures.keys import office_trust
    from sakti_cli.signatures.sign import certificate_summary, read_certificates

    check_input_file(berkas, "Berkas")
    ws = _optional_workspace()
    roots = office_trust(ws)[0] if ws else None  # in an office: the same verdict as its signing checks
    if berkas.suffix.lower() in (".p12", ".pfx"):
        certs = [_read_p12_certificate(berkas, berkas_sandi.expanduser() if berkas_sandi else None)]
    else:
        certs = list(read_certificates(berkas))
    from sakti_cli.core.clock import ZONES
    from sakti_cli.core.id_format import waktu_singkat

    zone = ws.zone if ws else ZONES["WIB"]
    moment = datetime.now(UTC).astimezone(zone)  # the clock signatures are made and read by, told in the office's zone
    summaries = [certificate_summary(cert, moment, roots) for cert in certs]
    for item in summaries:
        for warning in item["peringatan"]:
            out.warn(warning)
    payload = {"berkas": str(berkas.resolve()), "sertifikat": summaries}

    def human(console: Console) -> None:
        for item in summaries:
            status = item["status"] if item["status"] == "BERLAKU" else f"[red]{item['status']}[/red]"
            rows = [
                ("Subjek", item["subjek"]), ("Penerbit", item["penerbit"]), ("Nomor seri", item["nomor_seri"]),
                ("Berlaku mulai", waktu_singkat(item["berlaku_mulai"], zone)),
                ("Berlaku sampai", waktu_singkat(item["berlaku_sampai"], zone)), ("Status", status),
                ("Sisa hari", str(item["sisa_hari"])),
                ("Penggunaan kunci", ", ".join(item["penggunaan_kunci"]) or "-"),
                ("Penggunaan lanjutan", ", ".join(item["penggunaan_kunci_lanjutan"]) or "-"),
                ("CRL", ", ".join(item["titik_distribusi_crl"]) or "-"),
                ("Untuk tanda tangan", "ya" if item["boleh_menandatangani"] else f"tidak: {item['alasan']}"),
                ("SHA-256", item["sidik_jari_sha256"]),
            ]
            print_pairs(console, [(label, Text(value) if label != "Status" else value) for label, value in rows],
                        title=item["nama"], whole=("Nomor seri", "SHA-256"), boxed=True)

    out.result(payload, human)
