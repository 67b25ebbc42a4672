"""The issuance pipeline: check -> reserve number -> render -> convert -> sign -> record.

Everything that can fail without a number (template, key, passphrase, certificate, LibreOffice) is
checked first. The register lock is held only for the two short register steps, never while
rendering, converting or signing. A failure after the reservation closes the number as BATAL with
the reason and leaves the application LENGKAP for a retry: numbers are never reused.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sakti_cli.applications import find_application, month_of_reg, save_application
from sakti_cli.clock import iso
from sakti_cli.errors import ConfigError, InputError, SaktiError, StateConflict
from sakti_cli.id_format import format_nip, jenis_kelamin_label, tanggal_indonesia
from sakti_cli.keys import PassphrasePrompt, open_signer
from sakti_cli.letters import get_letter, reserve_number, save_letter, void_reserved
from sakti_cli.office import Signatory, Workspace
from sakti_cli.registry import Register
from sakti_cli.sop import Service
from sakti_cli.testhooks import crash_point

Progress = Callable[[str], None]
SIGNATORY_LINE = {"a.n.": "a.n. Camat {kecamatan}", "Plt.": "Plt. Camat {kecamatan}", "Plh.": "Plh. Camat {kecamatan}"}


def signatory_block(ws: Workspace, person: Signatory) -> dict[str, str]:
    kecamatan = ws.config.kantor.kecamatan
    line = SIGNATORY_LINE.get(person.peran, "")
    return {
        "baris_an": line.format(kecamatan=kecamatan),
        "jabatan": person.jabatan,
        "nama": person.nama,
        "pangkat": person.pangkat,
        "nip": format_nip(person.nip) if person.nip else "",
        "peran": person.peran,
    }


def printable_data(service: Service, data: dict[str, Any]) -> dict[str, Any]:
    """The application's fields as they are printed: Indonesian dates, sex spelled out."""
    out: dict[str, Any] = {}
    for spec in service.isian:
        value = data.get(spec.kode, "")
        if spec.jenis == "tanggal" and value:
            value = tanggal_indonesia(value)
        elif spec.kode == "jenis_kelamin" and value in ("L", "P"):
            value = jenis_kelamin_label(value)
        out[spec.kode] = value
    return out


def letter_context(ws: Workspace, service: Service, record: dict[str, Any], person: Signatory,
                   number: str, code: str, moment: datetime) -> dict[str, Any]:
    office = ws.config.kantor
    date_line = tanggal_indonesia(moment.date())
    return {
        "kantor": {
            "kabupaten": office.kabupaten, "kecamatan": office.kecamatan, "alamat": office.alamat,
            "email": office.email, "telepon": office.telepon, "tempat": office.tempat,
            "kode_unit": office.kode_unit, "kabupaten_upper": office.kabupaten.upper(),
            "kecamatan_upper": office.kecamatan.upper(),
        },
        "surat": {
            "nomor": number, "tanggal": date_line, "tempat_tanggal": f"{office.tempat}, {date_line}",
            "kode_verifikasi": code, "url_verifikasi": verification_url(ws, code), "judul": service.judul_surat,
        },
        "data": printable_data(service, record["data"]),
        "ttd": signatory_block(ws, person),
        "catatan_tte": ws.config.tte.catatan,
    }


def verification_url(ws: Workspace, code: str) -> str:
    return ws.config.verifikasi.url.replace("{kode}", code)


def template_path(ws: Workspace, service: Service) -> Path:
    path = ws.template_dir / service.templat
    if not path.is_file():
        raise ConfigError(f"Templat {path} untuk layanan {service.kode} tidak ada.",
                          saran=f"Periksa kunci 'templat' di sop/{service.kode}.yaml.")
    return path


def logo_path(ws: Workspace) -> Path | None:
    path = ws.path(ws.config.kantor.logo) if ws.config.kantor.logo else None
    return path if path and path.is_file() else None


def _stamp_metadata(pdf: Path, letter: dict[str, Any], service: Service) -> None:
    """Write the verification code into the PDF's info dictionary before it is signed."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.add_metadata({
        "/Title": f"{service.judul_surat} {letter['nomor_surat']}",
        "/Subject": service.nama,
        "/SaktiNomorSurat": letter["nomor_surat"],
        "/SaktiKodeVerifikasi": letter["kode_verifikasi"],
    })
    with pdf.open("wb") as handle:
        writer.write(handle)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def letter_pdf_path(ws: Workspace, letter: dict[str, Any]) -> Path:
    safe = letter["nomor_surat"].replace("/", "_").replace(" ", "")
    return ws.letters_dir / str(letter["tahun"]) / letter["bulan"][5:] / f"{safe}.pdf"


def issue_letter(ws: Workspace, register: Register, service_loader: Callable[[str], Service], reg: str, *,
                 signatory_id: str | None, prompt: PassphrasePrompt | None,
                 progress: Progress | None = None) -> dict[str, Any]:
    from sakti_cli.convert import Converter, find_soffice
    from sakti_cli.render import render_docx
    from sakti_cli.sign import sign_pdf

    say = progress or (lambda _step: None)
    with register.transaction() as txn:
        record = find_application(txn, reg)
    reg = record["nomor_registrasi"]
    if record["status"] != "LENGKAP":
        raise StateConflict(
            f"Permohonan {reg} berstatus {record['status']}, belum LENGKAP: surat tidak dapat diterbitkan.",
            saran=f"Periksa dulu dengan 'sakti periksa {reg}'.",
        )
    service = service_loader(record["layanan"])
    person = ws.signatory(signatory_id)
    if person.peran not in service.penandatangan:
        raise InputError(
            f"Penandatangan '{person.id}' ({person.peran}) tidak boleh menandatangani layanan {service.kode}.",
            saran=f"SOP {service.kode} mengizinkan: {', '.join(service.penandatangan)}.",
        )
    template = template_path(ws, service)
    logo = logo_path(ws)
    say("memeriksa kunci penandatangan")
    signer, warnings = open_signer(ws, person, prompt, register.moment())
    find_soffice()
    work = Path(tempfile.mkdtemp(prefix="kerja-", dir=ws.data_dir))
    try:
        say("mencoba templat")
        trial = letter_context(ws, service, record, person, "000/000/CONTOH", "CONTOH", register.moment())
        render_docx(template, trial, work / "uji.docx", qr_payload=verification_url(ws, "CONTOH"), logo=logo)

        say("memesan nomor surat")
        signer_info = {"id": person.id, "nama": person.nama, "jabatan": person.jabatan, "peran": person.peran}
        with register.transaction() as txn:
            current = find_application(txn, reg)
            if current["status"] != "LENGKAP":
                raise StateConflict(f"Permohonan {reg} berubah menjadi {current['status']} sementara itu.")
            letter = reserve_number(txn, ws, service, reg, signer_info)
            moment = txn.moment
        crash_point("setelah_pesan_nomor")
        try:
            say(f"mengisi templat ({letter['nomor_surat']})")
            context = letter_context(ws, service, record, person, letter["nomor_surat"],
                                     letter["kode_verifikasi"], moment)
            docx = work / "surat.docx"
            render_docx(template, context, docx, qr_payload=verification_url(ws, letter["kode_verifikasi"]),
                        logo=logo)
            say("mengubah ke PDF (LibreOffice)")
            with Converter() as converter:
                pdf = converter.convert(docx, work)
            _stamp_metadata(pdf, letter, service)
            say("menandatangani (PAdES)")
            signed = work / "surat-ttd.pdf"
            sign_pdf(pdf, signed, signer, field_name="TTE", reason=f"{service.judul_surat} {letter['nomor_surat']}",
                     location=ws.config.kantor.tempat, signer_name=person.nama)
            crash_point("setelah_ttd")
            final = letter_pdf_path(ws, letter)
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(signed), final)
            final.chmod(0o600)
            digest = _sha256(final)
        except BaseException as exc:
            reason = exc.pesan if isinstance(exc, SaktiError) else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, KeyboardInterrupt):
                reason = "dihentikan pengguna"
            with register.transaction() as txn:
                void_reserved(txn, letter["id"], letter["bulan"], f"gagal diterbitkan: {reason}")
                current = find_application(txn, reg)
                current.setdefault("nomor_batal", []).append(letter["nomor_surat"])
                save_application(txn, current)
            raise

        say("mencatat di register")
        with register.transaction() as txn:
            letter = get_letter(txn, {"bulan": letter["bulan"], "id": letter["id"]})
            letter.update(status="TERBIT", terbit=iso(txn.moment), sha256=digest, ukuran=final.stat().st_size,
                          pdf=str(final.relative_to(ws.root)))
            save_letter(txn, letter)
            txn.index_put("sha256", digest, {"bulan": letter["bulan"], "id": letter["id"]})
            current = find_application(txn, reg)
            before = current["status"]
            current["status"] = "TERBIT"
            current["riwayat"].append({"waktu": iso(txn.moment), "petugas": txn.actor, "dari": before,
                                       "ke": "TERBIT", "catatan": f"surat {letter['nomor_surat']}"})
            current["surat"] = {"nomor_surat": letter["nomor_surat"], "kode_verifikasi": letter["kode_verifikasi"],
                                "pdf": letter["pdf"], "sha256": digest, "terbit": letter["terbit"]}
            save_application(txn, current)
            txn.audit("terbit", letter["nomor_surat"], "DIPESAN", "TERBIT", nomor_registrasi=reg,
                      sha256=digest, penandatangan=person.id)
        return {"surat": letter, "pdf": final, "peringatan": warnings, "permohonan": month_of_reg(reg)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
