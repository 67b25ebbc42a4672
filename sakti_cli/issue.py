"""The issuance pipeline: check -> reserve number -> render -> convert -> sign -> record.

Or, for the signing queue: ... -> convert -> wait as MENUNGGU_TTD; later the signatory signs the
waiting letters with one passphrase (:func:`approve_queue`). Both paths sign and record through the
same :func:`sign_and_record`.

Everything that can fail without a number (template, key, passphrase, certificate, LibreOffice) is
checked first. The register lock is held only for the two short register steps, never while
rendering, converting or signing. A failure after the reservation closes the number as BATAL with
the reason and leaves the application LENGKAP for a retry: numbers are never reused.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.applications import find_application, month_of_reg, save_application
from sakti_cli.clock import iso
from sakti_cli.errors import (
    ConfigError,
    InputError,
    RegisterCorrupt,
    SaktiError,
    ServiceUnreachable,
    SigningKeyError,
    StateConflict,
    machine_problem,
)
from sakti_cli.id_format import format_nip, hari_tanggal_indonesia, jenis_kelamin_label, tanggal_indonesia
from sakti_cli.keys import PassphrasePrompt, open_signer
from sakti_cli.letters import (
    WAITING,
    find_letter,
    get_letter,
    letter_by_number,
    reserve_number,
    save_letter,
    void_reserved,
    waiting_letters,
)
from sakti_cli.office import Signatory, Workspace
from sakti_cli.recovery import make_work_dir, queued_pdf
from sakti_cli.registry import Register, Transaction, letter_month
from sakti_cli.scratch import Owned
from sakti_cli.shapes import NATURE_WORDS, signatory_json
from sakti_cli.sop import Service
from sakti_cli.storage import sha256_file
from sakti_cli.testhooks import crash_point

if TYPE_CHECKING:
    from sakti_cli.consent import ToSign
    from sakti_cli.pdf_metadata import LetterMetadata
    from sakti_cli.sign import Issuer

Progress = Callable[[str], None]
SIGNATORY_LINE = {"a.n.": "a.n. Camat {kecamatan}", "Plt.": "Plt. Camat {kecamatan}", "Plh.": "Plh. Camat {kecamatan}"}


def signatory_block(ws: Workspace, person: Signatory, service: Service | None = None) -> dict[str, str]:
    """The signature block. ``baris_an`` holds the lines above the jabatan, one per line: "a.n. Camat"
    for a delegated signatory, and for a letter the camat issues on behalf of the regent (the SOP's
    ``atas_nama``) "a.n. Bupati ..." first, with "u.b." when the camat delegated it in turn
    (Permendagri 1/2023: a.n. one level down, u.b. two)."""
    office = ws.config.kantor
    own = SIGNATORY_LINE.get(person.peran, "").format(kecamatan=office.kecamatan)
    lines = [own] if own else []
    if service is not None and service.atas_nama:
        above = "a.n. " + service.atas_nama.format(kabupaten=office.kabupaten, kecamatan=office.kecamatan)
        if person.peran == "a.n.":
            lines = [above, f"Camat {office.kecamatan}", "u.b."]
        else:
            lines = [above, *([own.removeprefix("a.n. ")] if own else [])]
    return {
        "baris_an": "\n".join(lines),
        "jabatan": person.jabatan,
        "nama": person.nama,
        "pangkat": person.pangkat,
        "nip": format_nip(person.nip) if person.nip else "",
        "peran": person.peran,
    }


VILLAGE_TITLES = {"desa": ("Desa", "Kepala Desa"), "kelurahan": ("Kelurahan", "Lurah")}
UNKNOWN_VILLAGE = ("Desa/Kelurahan", "Kepala Desa/Lurah")  # an office whose sakti.toml does not say which


def is_village_field(spec: Any) -> bool:
    """A field naming a desa/kelurahan: of kind ``desa``, or a text field named ``desa``/``desa_...``
    (a village outside the office's list, e.g. the destination of a move, keeps "Desa/Kelurahan")."""
    return spec.jenis == "desa" or (spec.jenis == "teks" and (spec.kode == "desa" or spec.kode.startswith("desa_")))


def village_names(name: str, kind: str | None) -> tuple[str, str]:
    """("Kelurahan Mendawai", "Lurah Mendawai") or ("Desa Runtu", "Kepala Desa Runtu") as a letter writes them."""
    place, head = VILLAGE_TITLES.get(kind or "", UNKNOWN_VILLAGE)
    return f"{place} {name}", f"{head} {name}"


def printable_data(service: Service, data: dict[str, Any],
                   village_kind: Callable[[str], str | None] = lambda _name: None) -> dict[str, Any]:
    """The application's fields as they are printed: Indonesian dates, sex spelled out, money as
    ``Rp5.000.000,00`` with ``<kode>_terbilang``, each date also as ``<kode>_hari`` ("Sabtu, 19 Desember
    2026"), every L/P choice as "Laki-laki"/"Perempuan", each desa/kelurahan also as ``<kode>_sebutan``
    ("Kelurahan Mendawai") and ``<kode>_kepala`` ("Lurah Mendawai") by its kind in sakti.toml; a list
    (heirs, witnesses) stays a list of dicts, each item formatted the same way and numbered (``no``), so a
    template prints it as a table."""
    from sakti_cli.id_format import rupiah, terbilang

    def fields(specs: list[Any], values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in specs:
            value = values.get(spec.kode, "")
            if spec.jenis == "daftar":
                items = value if isinstance(value, list) else []
                value = [{"no": index, **fields(spec.butir, item)} for index, item in enumerate(items, 1)]
            elif spec.jenis == "tanggal" and value:
                out[f"{spec.kode}_hari"] = hari_tanggal_indonesia(value)
                value = tanggal_indonesia(value)
            elif is_village_field(spec) and value:
                out[f"{spec.kode}_sebutan"], out[f"{spec.kode}_kepala"] = village_names(value, village_kind(value))
            elif spec.jenis == "pilihan" and set(spec.pilihan) == {"L", "P"} and value in ("L", "P"):
                value = jenis_kelamin_label(value)
            elif spec.jenis == "uang":
                amount = value if isinstance(value, int) else 0
                out[f"{spec.kode}_terbilang"] = f"{terbilang(amount)} rupiah" if value != "" else ""
                value = rupiah(amount) if value != "" else ""
            out[spec.kode] = value
        return out

    return fields(service.isian, data)


NEUTRAL_TTE_NOTE = "Dokumen ini ditandatangani secara elektronik"
"""The footer of a letter whose signing certificate is not known yet (queued without kunci.sertifikat)."""


def tte_context(ws: Workspace, issuer: Issuer | None) -> dict[str, Any]:
    """The footer's ``tte`` keys (docs/KONTRAK.md): only what is true of the certificate that signs.

    BSrE's certificates get the office's official sentence (``[tte].catatan``); any other issuer is
    named as it is; an unknown one (``issuer`` None) gets :data:`NEUTRAL_TTE_NOTE`; a demo certificate
    also sets ``contoh`` (render.py then marks the letter CONTOH - TIDAK BERLAKU)."""
    from sakti_cli.render import TANDA_CONTOH

    if issuer is None:
        note = NEUTRAL_TTE_NOTE
    elif issuer.bsre:
        note = ws.config.tte.catatan
    else:
        note = (f"Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang "
                f"diterbitkan oleh {issuer.nama}")
    demo = bool(issuer and issuer.contoh)
    return {"penerbit": issuer.nama if issuer else "", "contoh": demo, "catatan": note,
            "tanda_contoh": TANDA_CONTOH if demo else ""}


def nature_context(tte: dict[str, Any], person: Signatory) -> dict[str, Any]:
    """A seal's letter says it was sealed, not signed by a person: ``tte.sifat`` and the footer sentence."""
    note = tte["catatan"]
    if person.sifat == "segel":
        note = note.replace("ditandatangani secara elektronik", "dibubuhi segel elektronik kantor")
    return {**tte, "sifat": NATURE_WORDS[person.sifat], "catatan": note}


def letter_context(ws: Workspace, service: Service, record: dict[str, Any], person: Signatory,
                   number: str, code: str, moment: datetime, issuer: Issuer | None = None) -> dict[str, Any]:
    tte = nature_context(tte_context(ws, issuer), person)
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
        "data": printable_data(service, record["data"], office.village_kind),
        "ttd": signatory_block(ws, person, service),
        "tte": tte,
        "catatan_tte": tte["catatan"],
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


def _stamp_metadata(ws: Workspace, pdf: Path, letter: dict[str, Any], service: Service) -> None:
    """Write the letter's metadata (title, subject, office, number, verification code) into the PDF's info
    dictionary and XMP alike, before it is signed (sakti_cli.pdf_metadata)."""
    from sakti_cli.pdf_metadata import write_letter_metadata

    write_letter_metadata(pdf, letter_metadata(ws, letter, service), pdfa=ws.config.surat.pdfa)


def letter_metadata(ws: Workspace, letter: dict[str, Any], service: Service) -> LetterMetadata:
    """What a letter's PDF says about itself; the author is the office."""
    from sakti_cli.clock import now
    from sakti_cli.pdf_metadata import LetterMetadata

    office = ws.config.kantor
    return LetterMetadata(
        title=f"{service.judul_surat} {letter['nomor_surat']}", subject=service.nama,
        author=f"Kecamatan {office.kecamatan}, Kabupaten {office.kabupaten}", number=letter["nomor_surat"],
        code=letter["kode_verifikasi"], created=now(ws.zone).replace(microsecond=0))


STAMP_MARKER = "[[TTE]]"
"""Text a template writes where the visible signature stamp goes (leave about 1.6 cm free below it);
without it the signature is invisible. The marker is whitened in the rendered letter (invisible on
paper), found again in the PDF, and an empty signature field of STAMP_SIZE is added there before
signing, so pyHanko draws the stamp (signer, time) in it."""
STAMP_SIZE = (170.0, 45.0)  # points (about 6 x 1.6 cm): the stamp box below the marker's top


def _paragraphs(document: Any) -> Any:
    """Every paragraph of a python-docx document: body, tables (nested), headers and footers."""
    def walk(container: Any) -> Any:
        yield from container.paragraphs
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    yield from walk(cell)

    yield from walk(document)
    for section in document.sections:
        for part in (section.header, section.footer):
            yield from walk(part)


def _may_hold_marker(docx: Path) -> bool:
    """Whether the marker's text is in ``docx`` at all: its XML parts' text with the tags removed (a marker
    split over runs still reads whole), so python-docx opens only a letter that may hold one."""
    import re
    import zipfile

    try:
        with zipfile.ZipFile(docx) as package:
            parts = [name for name in package.namelist() if name.startswith("word/") and name.endswith(".xml")]
            return any(STAMP_MARKER in re.sub(r"<[^>]+>", "", package.read(name).decode("utf-8", "replace"))
                       for name in parts)
    except (OSError, zipfile.BadZipFile):
        return True  # python-docx says what is wrong


def hide_stamp_marker(docx: Path) -> bool:
    """Colour the stamp marker white in a rendered letter (it stays in the PDF's text, invisible on
    paper, so its place can be found). True when the letter has a marker."""
    from docx import Document
    from docx.shared import RGBColor

    if not _may_hold_marker(docx):
        return False
    document = Document(str(docx))
    found = False
    for paragraph in _paragraphs(document):
        runs = list(paragraph.runs)
        text = "".join(run.text for run in runs)
        start = text.find(STAMP_MARKER)
        spans = []
        while start != -1:
            spans.append((start, start + len(STAMP_MARKER)))
            start = text.find(STAMP_MARKER, start + 1)
        if not spans:
            continue
        found = True
        offset = 0
        for run in runs:  # a marker may be split over runs by the word processor
            end = offset + len(run.text)
            if any(offset < stop and begin < end for begin, stop in spans):
                run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            offset = end
    if found:
        document.save(str(docx))
    return found


def stamp_box(pdf: Path) -> tuple[int, tuple[int, int, int, int]] | None:
    """The page (0-based) and box of the visible stamp: centred on the marker, from its top down."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    for index, page in enumerate(reader.pages):
        hits: list[tuple[float, float, float, float]] = []

        def visit(text: str, cm: Any, tm: Any, _font: Any, size: Any, hits: list = hits) -> None:
            if STAMP_MARKER in text and not hits:
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                scale = abs(float(tm[3]) * float(cm[3])) or 1.0
                height = float(size or 12) * scale
                before = text.index(STAMP_MARKER)  # text of the same chunk before the marker
                hits.append((x + before * height * 0.5, y, height, len(STAMP_MARKER) * height * 0.5))

        page.extract_text(visitor_text=visit)
        if hits:
            x, y, height, width = hits[0]
            box_w, box_h = STAMP_SIZE
            left = x + width / 2 - box_w / 2
            page_w, page_h = float(page.mediabox.width), float(page.mediabox.height)
            left = min(max(left, 10.0), page_w - box_w - 10.0)
            top = min(y + height, page_h - 10.0)
            bottom = max(top - box_h, 10.0)
            return index, (round(left), round(bottom), round(left + box_w), round(bottom + box_h))
    return None


def add_stamp_field(pdf: Path, page: int, box: tuple[int, int, int, int], name: str = "TTE") -> None:
    """An empty visible signature field at ``box``; signing it draws the stamp there (pyHanko)."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    from sakti_cli.pdf_metadata import align_producer

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf.read_bytes()))
    align_producer(writer)
    append_signature_field(writer, SigFieldSpec(sig_field_name=name, on_page=page, box=box))
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf.write_bytes(buffer.getvalue())


def letter_pdf_path(ws: Workspace, letter: dict[str, Any]) -> Path:
    safe = letter["nomor_surat"].replace("/", "_").replace(" ", "")
    return ws.letters_dir / str(letter["tahun"]) / letter_month(letter)[5:] / f"{safe}.pdf"


def _recordable(txn: Transaction, ws: Workspace, reserved: dict[str, Any], reg: str,
                stored: Path | None) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    """Is the letter still where its caller left it (DIPESAN, or MENUNGGU_TTD for the queue) and its
    application still waiting for it? Returns the fresh letter, the application, and a problem or None.

    A reservation whose application changed meanwhile is closed BATAL here, in the same step (``stored``:
    a PDF already at its final place, noted as left behind).
    """
    letter = get_letter(txn, {"bulan": reserved["bulan"], "id": reserved["id"]})
    expected = reserved["status"]
    if letter["status"] != expected:
        if letter["status"] == "TERBIT":
            return letter, None, f"Surat {letter['nomor_surat']} sudah TERBIT (ditandatangani di proses lain)."
        return letter, None, (f"Nomor {letter['nomor_surat']} sudah ditutup {letter['status']} "
                              f"({letter.get('alasan_batal') or '-'}) sebelum dicatat.")
    current = find_application(txn, reg)
    wanted = "LENGKAP" if expected == "DIPESAN" else WAITING
    if current["status"] != wanted:
        problem = f"Permohonan {reg} berubah menjadi {current['status']} selama penerbitan."
        if expected == "DIPESAN":
            detail = {"pdf_tertinggal": str(stored.relative_to(ws.root))} if stored is not None else {}
            letter = void_reserved(txn, letter["id"], letter["bulan"], f"gagal diterbitkan: {problem}", **detail)
            if letter["nomor_surat"] not in current.setdefault("nomor_batal", []):
                current["nomor_batal"].append(letter["nomor_surat"])
                save_application(txn, current)
        return letter, current, problem
    return letter, current, None


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), target)
    target.chmod(0o600)


def record_issued(txn: Transaction, ws: Workspace, reserved: dict[str, Any], reg: str, final: Path, digest: str,
                  signatory_id: str, *, signed: Path | None = None) -> tuple[dict[str, Any], str | None]:
    """The last register step of every signature: DIPESAN (``terbitkan``) or MENUNGGU_TTD (``ttd
    setujui``) -> TERBIT, the application TERBIT, a replacement linked both ways.

    ``signed``: the signed PDF, moved to ``final`` here, once the state is checked (under the lock, so
    two signatories approving the same letter never overwrite each other's file); without it the PDF
    is already at ``final``. Returns the letter and None, or the letter and a problem when it cannot
    be recorded: the letter was closed or signed meanwhile, or the application changed during issuance
    (a reservation is then closed BATAL in this same step). The caller raises the problem after the
    step is committed.
    """
    expected = reserved["status"]
    letter, current, problem = _recordable(txn, ws, reserved, reg, final if signed is None else None)
    if problem or current is None:
        return letter, problem
    if signed is not None:
        _place(signed, final)
    letter.update(status="TERBIT", terbit=iso(txn.moment), sha256=digest, ukuran=final.stat().st_size,
                  pdf=str(final.relative_to(ws.root)))
    letter.pop("pdf_belum_ttd", None)
    replaced_number = current.pop("menunggu_pengganti", None)
    replaced = find_letter(txn, number=replaced_number) if replaced_number else None
    if replaced is not None:
        letter["mengganti"] = replaced["nomor_surat"]
        replaced["diganti_oleh"] = letter["nomor_surat"]
        save_letter(txn, replaced)
    save_letter(txn, letter)
    txn.index_put("sha256", digest, {"bulan": letter["bulan"], "id": letter["id"]})
    before = current["status"]
    current["status"] = "TERBIT"
    current.pop("antrean", None)
    note = f"surat {letter['nomor_surat']}"
    if replaced is not None:
        note += f" (pengganti {replaced['nomor_surat']})"
    if expected == WAITING:
        note += " ditandatangani dari antrean"
    current["riwayat"].append({"waktu": iso(txn.moment), "petugas": txn.actor, "dari": before,
                               "ke": "TERBIT", "catatan": note})
    current["surat"] = {"nomor_surat": letter["nomor_surat"], "kode_verifikasi": letter["kode_verifikasi"],
                        "pdf": letter["pdf"], "sha256": digest, "terbit": letter["terbit"]}
    if replaced is not None:
        current["surat"]["mengganti"] = replaced["nomor_surat"]
    save_application(txn, current)
    detail: dict[str, Any] = {"nomor_registrasi": reg, "sha256": digest, "penandatangan": signatory_id}
    if replaced is not None:
        detail["mengganti"] = replaced["nomor_surat"]
    txn.audit("terbit", letter["nomor_surat"], expected, "TERBIT", **detail)
    if replaced is not None:
        txn.audit("diganti", replaced["nomor_surat"], "BATAL", "BATAL", diganti_oleh=letter["nomor_surat"])
    return letter, None


def record_waiting(txn: Transaction, ws: Workspace, reserved: dict[str, Any], reg: str, pdf: Path, digest: str,
                   service: Service, footer: dict[str, Any] | None = None, reason: str | None = None
                   ) -> tuple[dict[str, Any], str | None]:
    """``terbitkan --tanpa-ttd``: DIPESAN -> MENUNGGU_TTD, the unsigned PDF moved into the private queue
    folder, the application MENUNGGU_TTD. The letter leaves the open list (a later process's recovery
    does not close it) and enters the signing queue (see letters.save_letter). ``reason``: why it waits
    when it was meant to be signed now (an outage, see :func:`signing_outage`)."""
    letter, current, problem = _recordable(txn, ws, reserved, reg, None)
    if problem or current is None:
        return letter, problem
    target = queued_pdf(ws.register_dir, letter)
    _place(pdf, target)
    relative = str(target.relative_to(ws.root))
    letter.update(status=WAITING, disiapkan=iso(txn.moment), disiapkan_oleh=txn.actor, pdf_belum_ttd=relative,
                  sha256_belum_ttd=digest, judul=service.judul_surat, nama_layanan=service.nama)
    if footer is not None:
        letter["kaki_tte"] = footer  # what the footer says of the certificate; checked at 'ttd setujui'
    if reason:
        letter["alasan_antrean"] = reason
    save_letter(txn, letter)
    before = current["status"]
    signer = letter.get("penandatangan") or {}
    current["status"] = WAITING
    current["riwayat"].append({"waktu": iso(txn.moment), "petugas": txn.actor, "dari": before, "ke": WAITING,
                               "catatan": f"surat {letter['nomor_surat']} disiapkan, menunggu tanda tangan "
                                          f"{signer.get('jabatan') or signer.get('id') or ''}".rstrip()
                                          + (f" ({reason})" if reason else "")})
    current["antrean"] = {"nomor_surat": letter["nomor_surat"], "kode_verifikasi": letter["kode_verifikasi"],
                          "pdf_belum_ttd": relative, "disiapkan": letter["disiapkan"],
                          "penandatangan": signer.get("id")}
    save_application(txn, current)
    txn.audit("siapkan", letter["nomor_surat"], "DIPESAN", WAITING, nomor_registrasi=reg, sha256=digest,
              penandatangan=signer.get("id"), **({"alasan": reason} if reason else {}))
    return letter, None


def sign_and_record(ws: Workspace, register: Register, letter: dict[str, Any], unsigned: Path, signer: Any,
                    person: Signatory, *, work: Path, reason: str, timestamp_url: str | None = None,
                    progress: Progress | None = None) -> tuple[dict[str, Any], Path]:
    """The one signing step of ``terbitkan`` and of ``ttd setujui``: sign ``unsigned`` (PAdES) outside
    the lock, then record it TERBIT (SHA-256, index, application TERBIT, audit) in one register step.

    ``letter`` is as the caller read it (DIPESAN or MENUNGGU_TTD). Raises StateConflict when the
    letter or its application changed meanwhile (nothing is recorded as signed then).
    """
    from sakti_cli.sign import sign_pdf

    say = progress or (lambda _step: None)
    number = letter["nomor_surat"]
    say(f"menandatangani (PAdES) {number}")
    signed = work / f"{letter['id']}-ttd.pdf"
    level = sign_pdf(unsigned, signed, signer, field_name="TTE", reason=reason, location=ws.config.kantor.tempat,
                     signer_name=person.nama, timestamp_url=timestamp_url)
    crash_point("setelah_ttd")
    say("memvalidasi PDF bertanda tangan")
    check_signed(ws, signed, level, number)
    digest = sha256_file(signed)
    final = letter_pdf_path(ws, letter)
    horizon = stored_horizon(signed) if level != "B-B" else None  # B-B: no timestamp, no horizon to read
    say("mencatat di register")
    reg = letter["nomor_registrasi"]
    try:
        with register.transaction() as txn:
            recorded, problem = record_issued(txn, ws, letter, reg, final, digest, person.id, signed=signed)
            if horizon and not problem:
                recorded["data_validasi_sampai"] = horizon  # for 'register periksa' and 'ttd perbarui --segera'
                save_letter(txn, recorded)
    finally:
        signed.unlink(missing_ok=True)
    if problem:
        raise StateConflict(problem, saran=f"Lihat 'sakti status {reg}'; terbitkan lagi bila perlu (nomor baru).")
    unsigned.unlink(missing_ok=True)  # the queued copy (or the scratch file) is no longer needed
    return recorded, final


def stored_horizon(pdf: Path) -> str | None:
    """Until when a signed file validates offline as it stands (ISO), see renewal.validation_horizon."""
    from sakti_cli.renewal import bytes_horizon

    found = bytes_horizon(pdf.read_bytes())
    return iso(found) if found else None


def check_signed(ws: Workspace, signed: Path, level: str, number: str) -> None:
    """The signed PDF counts only once it validates as a recipient will check it: the signature intact
    and valid, its certificate chaining to the office's trust roots, at the PAdES level that was asked
    (B-LT really validating offline). Otherwise :class:`SigningKeyError`, before anything is recorded:
    ``terbitkan`` closes the number BATAL with this reason, ``ttd setujui`` leaves the letter waiting."""
    from sakti_cli.verification import trust_roots
    from sakti_cli.verify import verify_pdf

    found = verify_pdf(signed, trust_roots(ws))
    report = next((sig for sig in found.signatures if sig.field == "TTE"), None)
    if report is None:
        problem = "tanda tangan TTE tidak ditemukan di PDF"
    elif not report.ok:
        problem = str(report.pesan)
    elif report.level != level:
        problem = f"tingkatnya {report.level or '-'}, bukan {level} yang diminta" + \
            (f" ({report.level_note})" if report.level_note else "")
    else:
        return
    raise SigningKeyError(f"Surat {number} tidak lolos validasi sesudah ditandatangani: {problem}; tidak "
                          "dicatat TERBIT.",
                          saran="Periksa kunci dan data validasi kantor dengan 'sakti kantor periksa', lalu "
                                "terbitkan lagi.")


def footer_issuer(ws: Workspace, person: Signatory, signer: Any) -> Issuer | None:
    """The issuer the footer names: the opened key's certificate, else (the signing queue) the
    signatory's configured ``kunci.sertifikat``, else None (a footer that names no issuer)."""
    from sakti_cli.keys import configured_certificate
    from sakti_cli.sign import certificate_issuer

    if signer is not None:
        return certificate_issuer(signer)
    configured = configured_certificate(ws, person)
    return certificate_issuer(configured[0]) if configured is not None else None


def footer_record(issuer: Issuer | None) -> dict[str, Any]:
    """What a queued letter's footer states (``penerbit`` None: no issuer named), kept on its record."""
    return {"penerbit": issuer.nama if issuer else None, "contoh": bool(issuer and issuer.contoh)}


def check_footer(letter: dict[str, Any], signer: Any) -> None:
    """Refuse to sign a queued letter whose footer says something untrue of this certificate: another
    issuer named, or the CONTOH mark missing (demo certificate) or present (real one)."""
    from sakti_cli.sign import certificate_issuer

    stated = letter.get("kaki_tte")
    if stated is None:  # queued before footers named their issuer
        return
    actual = footer_record(certificate_issuer(signer))
    number = letter["nomor_surat"]
    saran = (f"Kembalikan suratnya ('sakti ttd kembalikan {number} --alasan \"...\"') lalu siapkan ulang "
             "dengan kunci.sertifikat penandatangan yang benar, atau pakai kunci yang sertifikatnya disebut di "
             "kaki surat.")
    if stated["penerbit"] is not None and stated["penerbit"] != actual["penerbit"]:
        raise SigningKeyError(f"Kaki surat {number} menyebut sertifikat terbitan {stated['penerbit']}, tetapi kunci "
                              f"ini bersertifikat terbitan {actual['penerbit']}; tidak ditandatangani.", saran=saran)
    if stated["contoh"] != actual["contoh"]:
        said = "bertanda CONTOH - TIDAK BERLAKU" if stated["contoh"] else "tanpa tanda CONTOH - TIDAK BERLAKU"
        kind = "sertifikat demo" if actual["contoh"] else "sertifikat yang bukan demo"
        raise SigningKeyError(f"Surat {number} disiapkan {said}, tetapi kunci ini memakai {kind}; "
                              "tidak ditandatangani.", saran=saran)


# --- the pipeline, in steps (``terbitkan`` runs them in a row; ``massal`` overlaps them) ------------
@dataclass
class LetterPlan:
    """What one letter needs, checked before any key is opened or number reserved."""

    reg: str
    record: dict[str, Any]
    service: Service
    person: Signatory
    template: Path
    logo: Path | None


@dataclass
class PreparedLetter:
    """A letter with its number reserved (DIPESAN) and its DOCX rendered in its own scratch folder,
    waiting to be converted. Every prepared letter ends in :func:`finish_letter` (TERBIT or
    MENUNGGU_TTD) or :func:`abandon_letter` (BATAL with the reason): its number is never left open."""

    plan: LetterPlan
    letter: dict[str, Any]
    scratch: Owned
    docx: Path
    visible: bool
    issuer: Issuer | None
    warnings: list[str] = field(default_factory=list)

    @property
    def work(self) -> Path:
        return self.scratch.path


def plan_letter(ws: Workspace, register: Register, service_loader: Callable[[str], Service], reg: str,
                signatory_id: str | None, progress: Progress | None = None) -> LetterPlan:
    """The checks of ``terbitkan`` that need no key and no number: the application is LENGKAP, the
    signatory may sign this service, the template exists and renders within its limits."""
    from sakti_cli.template_guard import check_template

    say = progress or (lambda _step: None)
    with register.transaction() as txn:
        record = find_application(txn, reg)
    reg = record["nomor_registrasi"]
    if record["status"] == WAITING:
        waiting = (record.get("antrean") or {}).get("nomor_surat") or "-"
        raise StateConflict(
            f"Permohonan {reg} sudah punya surat {waiting} yang menunggu tanda tangan (MENUNGGU_TTD).",
            saran=f"Penandatangan: 'sakti ttd setujui {waiting}', atau 'sakti ttd kembalikan {waiting} "
                  "--alasan \"...\"'.",
        )
    if record["status"] != "LENGKAP":
        raise _not_ready(record, service_loader)
    service = service_loader(record["layanan"])
    person = ws.signatory(signatory_id)
    if person.peran not in service.penandatangan:
        raise InputError(
            f"Penandatangan '{person.id}' ({person.peran}) tidak boleh menandatangani layanan {service.kode}.",
            saran=f"SOP {service.kode} mengizinkan: {', '.join(service.penandatangan)}.",
        )
    template = template_path(ws, service)
    say("mencoba templat dengan batas waktu dan memori")
    check_template(ws, service, template)  # once per version of the template (cached), before any number
    return LetterPlan(reg, record, service, person, template, logo_path(ws))


def footer_warnings(plan: LetterPlan, issuer: Issuer | None) -> list[str]:
    if issuer is not None:
        return []
    return [f"Kaki surat tidak menyebut penerbit sertifikat: kunci.sertifikat penandatangan '{plan.person.id}' "
            "belum diisi di sakti.toml; surat ini tidak dapat ditandatangani dengan sertifikat demo."]


def trial_key(plan: LetterPlan, issuer: Issuer | None) -> tuple[str, ...]:
    """What a trial render of :func:`prepare_letter` depends on besides the applicant: the service, the
    template's version, the signatory and the footer's issuer (a run tries each such combination once)."""
    footer = footer_record(issuer)
    return (plan.service.kode, str(plan.template), sha256_file(plan.template), plan.person.id,
            str(footer["penerbit"]), str(footer["contoh"]))


def prepare_letter(ws: Workspace, register: Register, plan: LetterPlan, issuer: Issuer | None,
                   progress: Progress | None = None, *, trial: bool = True) -> PreparedLetter:
    """Try the template, reserve the number (one short register step), render the letter's DOCX.
    A failure after the reservation closes the number BATAL and raises the error saying so.

    ``trial`` False: a run that already tried this :func:`trial_key` (the template rendered, no number
    used) skips the trial; ``massal`` tries once per service and template version per run."""
    from sakti_cli.convert import find_soffice
    from sakti_cli.render import render_docx

    say = progress or (lambda _step: None)
    find_soffice()
    scratch = make_work_dir(ws.data_dir)
    letter: dict[str, Any] | None = None
    try:
        work, service, person = scratch.path, plan.service, plan.person
        if trial:
            say("mencoba templat")
            sample = letter_context(ws, service, plan.record, person, "000/000/CONTOH", "CONTOH",
                                    register.moment(), issuer)
            render_docx(plan.template, sample, work / "uji.docx", qr_payload=verification_url(ws, "CONTOH"),
                        logo=plan.logo, kertas=ws.config.surat.kertas)
        say("memesan nomor surat")
        signer_info = {"id": person.id, "nama": person.nama, "jabatan": person.jabatan, "peran": person.peran,
                       "sifat": person.sifat}
        with register.transaction() as txn:
            current = find_application(txn, plan.reg)
            if current["status"] != "LENGKAP":
                raise StateConflict(f"Permohonan {plan.reg} berubah menjadi {current['status']} sementara itu.",
                                    saran=f"Petugas lain mengubahnya: lihat 'sakti status {plan.reg}', lalu "
                                          "periksa dan terbitkan lagi bila LENGKAP.")
            letter = reserve_number(txn, ws, service, plan.reg, signer_info)
            moment = txn.moment
        crash_point("setelah_pesan_nomor")
        say(f"mengisi templat ({letter['nomor_surat']})")
        context = letter_context(ws, service, plan.record, person, letter["nomor_surat"],
                                 letter["kode_verifikasi"], moment, issuer)
        docx = work / "surat.docx"
        render_docx(plan.template, context, docx, qr_payload=verification_url(ws, letter["kode_verifikasi"]),
                    logo=plan.logo, kertas=ws.config.surat.kertas)
        visible = hide_stamp_marker(docx)
    except BaseException as exc:
        if letter is None:
            scratch.remove()
            raise
        prepared = PreparedLetter(plan, letter, scratch, work / "surat.docx", False, issuer)
        said = abandon_letter(register, prepared, exc)
        if said is not None:
            raise said from exc
        raise
    return PreparedLetter(plan, letter, scratch, docx, visible, issuer, footer_warnings(plan, issuer))


def abandon_letter(register: Register, prepared: PreparedLetter, exc: BaseException) -> SaktiError | None:
    """A prepared letter that will not be finished (its conversion failed or timed out, Ctrl-C, a
    failure while signing): the number is closed BATAL with the reason, the scratch folder removed.
    Returns the error to raise, naming the number it used up (None: raise ``exc`` as it is)."""
    try:
        closed = _close_failed(register, prepared.letter, prepared.plan.reg, exc)
    finally:
        prepared.scratch.remove()
    return _say_number_closed(exc, closed)


def finish_letter(ws: Workspace, register: Register, prepared: PreparedLetter, pdf: Path, *, signer: Any,
                  timestamp_url: str | None = None, progress: Progress | None = None,
                  outage: SaktiError | None = None) -> dict[str, Any]:
    """The converted PDF: metadata and the stamp's field, then signed and recorded TERBIT (``signer``
    given) or recorded MENUNGGU_TTD in the signing queue (``signer`` None). On any failure the number
    is closed BATAL (:func:`abandon_letter`). The scratch folder is removed either way."""
    say = progress or (lambda _step: None)
    plan, letter, warnings = prepared.plan, prepared.letter, list(prepared.warnings)
    reg, service = plan.reg, plan.service
    try:
        _stamp_metadata(ws, pdf, letter, service)
        if prepared.visible:
            place = stamp_box(pdf)
            if place is None:
                warnings.append(f"Penanda {STAMP_MARKER} di templat {plan.template.name} tidak ditemukan di PDF; "
                                "tanda tangan dibuat tanpa tampilan.")
            else:
                add_stamp_field(pdf, *place)
        if signer is None or outage is not None:
            say("menyimpan ke antrean tanda tangan")
            queued = queue_letter(ws, register, letter, pdf, service, prepared.issuer, warnings, outage)
            prepared.scratch.remove()
            return queued
        try:
            letter, final = sign_and_record(ws, register, letter, pdf, signer, plan.person, work=prepared.work,
                                            reason=f"{service.judul_surat} {letter['nomor_surat']}",
                                            timestamp_url=timestamp_url, progress=say)
        except ServiceUnreachable as exc:  # went down after the check: the number stays with the letter
            queued = queue_letter(ws, register, letter, pdf, service, prepared.issuer, warnings, exc)
            prepared.scratch.remove()
            return queued
    except BaseException as exc:
        said = abandon_letter(register, prepared, exc)
        if said is not None:
            raise said from exc
        raise
    prepared.scratch.remove()
    return {"surat": letter, "pdf": final, "peringatan": warnings, "permohonan": month_of_reg(reg)}


def issue_letter(ws: Workspace, register: Register, service_loader: Callable[[str], Service], reg: str, *,
                 signatory_id: str | None, prompt: PassphrasePrompt | None,
                 progress: Progress | None = None, timestamp_url: str | None = None,
                 sign: bool = True, converter: Any = None, signer: Any = None) -> dict[str, Any]:
    """``terbitkan``: the whole pipeline, its steps one after another. With ``sign=False``
    (``--tanpa-ttd``) no key is opened: the letter is numbered, rendered and converted and waits as
    MENUNGGU_TTD for its signatory.

    ``converter``: an open :class:`~sakti_cli.convert.Converter` (or pool) to reuse, so a run of many
    letters starts LibreOffice once (per worker). ``signer``: a key the caller opened (with
    :func:`open_batch_signer`) and will close, so a run of many letters opens it once; its opening
    warnings are the caller's to report. Without it the key is opened (and closed) here."""
    from sakti_cli.convert import Converter
    from sakti_cli.sign import close_signer

    say = progress or (lambda _step: None)
    plan = plan_letter(ws, register, service_loader, reg, signatory_id, say)
    own: Any = None
    opened: list[str] = []
    if sign and signer is None:
        say("memeriksa kunci penandatangan")
        to_sign, preview = preview_for_signatory(ws, plan.service, plan.record, plan.person, register.moment())
        try:
            own, opened = open_signer(ws, plan.person, prompt, register.moment(), to_sign)
        finally:
            if preview is not None:
                preview.remove()
    active = (signer if signer is not None else own) if sign else None
    try:
        outage: ServiceUnreachable | None = None
        if active is not None:
            say("memeriksa TSA dan data pencabutan")
            outage = signing_outage(ws, active, timestamp_url)  # before a number is reserved
        prepared = prepare_letter(ws, register, plan, footer_issuer(ws, plan.person, active), say)
        prepared.warnings[:0] = opened
        say("mengubah ke PDF (LibreOffice)")
        try:
            if converter is not None:
                pdf = converter.convert(prepared.docx, prepared.work, pdfa=ws.config.surat.pdfa)
            else:
                with Converter() as fresh:
                    pdf = fresh.convert(prepared.docx, prepared.work, pdfa=ws.config.surat.pdfa)
        except BaseException as exc:
            said = abandon_letter(register, prepared, exc)
            if said is not None:
                raise said from exc
            raise
        return finish_letter(ws, register, prepared, pdf, signer=active, timestamp_url=timestamp_url, progress=say,
                             outage=outage)
    finally:
        if own is not None:
            close_signer(own)


def open_batch_signer(ws: Workspace, person: Signatory, prompt: PassphrasePrompt | None, at: datetime,
                      to_sign: Sequence[ToSign] | Callable[[], Sequence[ToSign]] | None = None
                      ) -> tuple[Any, list[str]]:
    """THE one place a run of many letters (``massal --terbitkan``, ``ttd setujui``) opens its key:
    once, before its first signature, showing a personal key's signatory the whole list first
    (``to_sign``). Returns the open signer (the caller closes it) and the warnings of opening it, to be
    reported once for the run."""
    return open_signer(ws, person, prompt, at, to_sign)


class RunSigner:
    """The key of one run, opened lazily through :func:`open_batch_signer` at the first letter that
    needs it, then reused; a failure to open it is kept and given to every later letter (the
    passphrase is never asked again). :meth:`close` closes it."""

    def __init__(self, ws: Workspace, person: Signatory, prompt: PassphrasePrompt | None,
                 at: Callable[[], datetime], timestamp_url: str | None = None,
                 to_sign: Callable[[], Sequence[ToSign]] | None = None) -> None:
        self.ws, self.person, self.prompt, self.at = ws, person, prompt, at
        self.timestamp_url, self.to_sign = timestamp_url, to_sign
        self.signer: Any = None
        self.error: SaktiError | None = None
        self.warnings: list[str] = []
        self.outage: ServiceUnreachable | None = None  # the outage rule, asked once when the key opens

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        if self.signer is None:
            try:
                self.signer, self.warnings = open_batch_signer(self.ws, self.person, self.prompt, self.at(),
                                                               self.to_sign)
                self.outage = signing_outage(self.ws, self.signer, self.timestamp_url)
            except SaktiError as exc:
                self.error = exc
                raise
        return self.signer

    def close(self) -> None:
        from sakti_cli.sign import close_signer

        if self.signer is not None:
            close_signer(self.signer)
            self.signer = None


def signing_outage(ws: Workspace, signer: Any, timestamp_url: str | None) -> ServiceUnreachable | None:
    """The outage rule, asked before a number is reserved: a configured TSA or revocation source that does
    not answer is returned (the letter then waits in the signing queue with the reason, its number kept);
    a refusal (stale CRL file, revoked certificate) is raised. See :func:`sakti_cli.revocation.prepare_signing`."""
    from sakti_cli.revocation import prepare_signing

    try:
        prepare_signing(ws, signer, timestamp_url)
    except ServiceUnreachable as exc:
        return exc
    return None


def queue_letter(ws: Workspace, register: Register, letter: dict[str, Any], pdf: Path, service: Service,
                 issuer: Issuer | None, warnings: list[str], outage: SaktiError | None) -> dict[str, Any]:
    """Record a reserved, rendered letter as MENUNGGU_TTD (``--tanpa-ttd``, or ``outage``: why it was not
    signed now); the number stays with the letter and ``ttd setujui`` completes it."""
    reg = letter["nomor_registrasi"]
    digest = sha256_file(pdf)
    reason = outage.pesan if outage is not None else None
    with register.transaction() as txn:
        letter, problem = record_waiting(txn, ws, letter, reg, pdf, digest, service, footer=footer_record(issuer),
                                         reason=reason)
    if problem:
        raise StateConflict(problem, saran=f"Lihat 'sakti status {reg}'.")
    result = {"surat": letter, "pdf": ws.root / letter["pdf_belum_ttd"], "peringatan": warnings,
              "permohonan": month_of_reg(reg), "menunggu_ttd": True}
    if reason:
        result["alasan_antrean"] = reason
    return result


def preview_for_signatory(ws: Workspace, service: Service, record: dict[str, Any], person: Signatory,
                          moment: datetime) -> tuple[list[ToSign] | None, Owned | None]:
    """For a personal key, what its signatory reads before typing the passphrase: the letter rendered
    (DOCX, placeholder number: the number is reserved only once the key is open) into a private
    scratch folder the caller removes once the key is open. A seal is not asked: (None, None)."""
    from sakti_cli.consent import item_for
    from sakti_cli.render import render_docx

    if person.sifat != "pribadi":
        return None, None
    scratch = make_work_dir(ws.data_dir)
    try:
        path = scratch.path / f"pratinjau-{record['nomor_registrasi']}.docx"
        context = letter_context(ws, service, record, person, "000/000/CONTOH", "CONTOH", moment,
                                 footer_issuer(ws, person, None))
        render_docx(template_path(ws, service), context, path, qr_payload=verification_url(ws, "CONTOH"),
                    logo=logo_path(ws), kertas=ws.config.surat.kertas)
    except BaseException:
        scratch.remove()
        raise
    return [item_for(service, record.get("data") or {}, number=None, preview=path)], scratch


def _not_ready(record: dict[str, Any], service_loader: Callable[[str], Service]) -> StateConflict:
    """Why an application that is not LENGKAP cannot be issued, with the step that fits its state."""
    reg, state = record["nomor_registrasi"], record["status"]
    lines = [line for line in (record.get("periksa") or {}).get("hasil") or [] if line.get("status") != "OK"]
    if state == "BELUM_LENGKAP" and lines:
        from sakti_cli.checks import CheckLine, next_steps

        steps = next_steps(service_loader(record["layanan"]), reg, [CheckLine(**line) for line in lines])
        return StateConflict(
            f"Permohonan {reg} BELUM_LENGKAP (kurang: {', '.join(line['kode'] for line in lines)}): surat tidak "
            "dapat diterbitkan.",
            saran="; ".join(steps) + f"; lalu 'sakti periksa {reg}'.")
    if state == "TERBIT":
        number = (record.get("surat") or {}).get("nomor_surat") or "NOMOR"
        return StateConflict(
            f"Permohonan {reg} sudah terbit: surat {number}.",
            saran=f"Salinan PDF-nya: 'sakti cetak {number} --ke BERKAS.pdf'. Surat pengganti hanya setelah "
                  f"'sakti batalkan {number} --alasan \"...\"'.")
    if state == "DITOLAK":
        return StateConflict(
            f"Permohonan {reg} sudah DITOLAK: surat tidak dapat diterbitkan.",
            saran=f"Lihat alasannya dengan 'sakti status {reg}'; bila pemohon datang lagi, daftarkan permohonan "
                  f"baru dengan 'sakti daftar {record['layanan']} --data BERKAS'.")
    return StateConflict(
        f"Permohonan {reg} berstatus {state}, belum LENGKAP: surat tidak dapat diterbitkan.",
        saran=f"Periksa dulu dengan 'sakti periksa {reg}'; ia menyebut apa yang masih kurang.")


def _say_number_closed(exc: BaseException, closed: str | None) -> SaktiError | None:
    """The error of a failure after the reservation, saying which number it used up."""
    if closed is None or isinstance(exc, KeyboardInterrupt):
        return None
    error = exc if isinstance(exc, SaktiError) else machine_problem(exc)
    if error is None:
        return None
    note = f"Nomor {closed} sudah dipesan lalu ditutup BATAL (tidak dipakai ulang)."
    error.pesan = f"{error.pesan.rstrip()} {note}"
    error.saran = (f"{error.saran.rstrip()} " if error.saran else "") + \
        "Setelah masalahnya diatasi, 'sakti terbitkan' lagi mendapat nomor baru."
    return error


def _close_failed(register: Register, letter: dict[str, Any], reg: str, exc: BaseException) -> str | None:
    """A failure after the reservation: the number is closed BATAL with the reason (never reused).
    Returns the number closed here, None when there was nothing to close or the register refused."""
    machine = machine_problem(exc)  # a full disk while rendering is recorded as such, not as an OSError
    reason = exc.pesan if isinstance(exc, SaktiError) else machine.pesan if machine else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, KeyboardInterrupt):
        reason = "dihentikan pengguna"
    try:
        with register.transaction() as txn:
            closed = void_reserved(txn, letter["id"], letter["bulan"], f"gagal diterbitkan: {reason}")
            if closed["status"] != "BATAL":
                return None  # recorded meanwhile (TERBIT or MENUNGGU_TTD): nothing to close
            current = find_application(txn, reg)
            if closed["nomor_surat"] not in current.setdefault("nomor_batal", []):
                current["nomor_batal"].append(closed["nomor_surat"])
                save_application(txn, current)
        queued_pdf(register.root, closed).unlink(missing_ok=True)  # moved to the queue, never recorded
        return str(closed["nomor_surat"])
    except SaktiError:
        # The register is busy or unreadable: the reservation stays open and is closed as
        # BATAL ("proses terhenti") by the first register step after this process ends.
        return None


# --- the signing queue (``sakti ttd ...``) ------------------------------------------------------------
def choose_waiting(register: Register, person: Signatory, numbers: list[str], all_waiting: bool
                   ) -> list[dict[str, Any]]:
    """The letters ``ttd setujui`` signs, checked before any passphrase is asked: every named number
    exists (else exit 3), waits for a signature (else exit 5) and was prepared for this signatory."""
    if bool(numbers) == all_waiting:
        raise InputError("Sebutkan nomor surat yang ditandatangani, atau --semua (tidak keduanya).",
                         saran="Lihat antreannya dengan 'sakti ttd antrean'.")
    with register.transaction() as txn:
        if all_waiting:
            return waiting_letters(txn, person.id)
        chosen: dict[str, dict[str, Any]] = {}
        for value in numbers:
            letter = letter_by_number(txn, value)
            number = letter["nomor_surat"]
            if letter["status"] != WAITING:
                raise StateConflict(f"Surat {number} berstatus {letter['status']}, tidak menunggu tanda tangan.",
                                    saran="Lihat antreannya dengan 'sakti ttd antrean'.")
            owner = (letter.get("penandatangan") or {}).get("id")
            if owner != person.id:
                raise InputError(f"Surat {number} disiapkan untuk penandatangan '{owner}', bukan '{person.id}'.",
                                 saran=f"Pakai --penandatangan {owner}, atau kembalikan suratnya agar disiapkan "
                                       "ulang untuk penandatangan lain.")
            chosen.setdefault(letter["id"], letter)
    return list(chosen.values())


def _queued_unsigned(ws: Workspace, letter: dict[str, Any]) -> Path:
    """The unsigned PDF the signatory reviewed, unchanged since it was prepared (else exit 4 for this letter)."""
    number = letter["nomor_surat"]
    path = ws.root / str(letter.get("pdf_belum_ttd") or "")
    if not letter.get("pdf_belum_ttd") or not path.is_file():
        raise RegisterCorrupt(f"PDF surat {number} yang menunggu tanda tangan tidak ada ({path}).",
                              saran=f"Kembalikan suratnya ('sakti ttd kembalikan {number} --alasan ...') lalu "
                                    "terbitkan ulang.")
    if sha256_file(path) != letter.get("sha256_belum_ttd"):
        raise RegisterCorrupt(f"PDF surat {number} di {path} berubah sejak disiapkan; tidak ditandatangani.",
                              saran=f"Kembalikan suratnya ('sakti ttd kembalikan {number} --alasan ...') lalu "
                                    "terbitkan ulang.")
    return path


def _note_failure(register: Register, letter: dict[str, Any], exc: SaktiError) -> None:
    try:
        with register.transaction() as txn:
            txn.audit("ttd_gagal", letter["nomor_surat"], WAITING, WAITING,
                      nomor_registrasi=letter["nomor_registrasi"], galat=exc.kode, pesan=exc.pesan)
    except SaktiError:
        pass  # the failure is still reported to the signatory


LetterCallback = Callable[[dict[str, Any]], None]


def approve_queue(ws: Workspace, register: Register, numbers: list[str], *, all_waiting: bool,
                  signatory_id: str | None, prompt: PassphrasePrompt | None, timestamp_url: str | None = None,
                  on_chosen: Callable[[int], None] | None = None, on_start: LetterCallback | None = None,
                  on_done: LetterCallback | None = None) -> dict[str, Any]:
    """``ttd setujui``: the signatory signs the chosen waiting letters with ONE opening of the key
    (one passphrase for the run). A wrong passphrase or unusable certificate fails before anything is
    signed. A letter that fails stays MENUNGGU_TTD and is reported in ``gagal``; the rest go on.
    ``on_chosen(count)`` is called once the key is open (a progress display starts after the prompt)."""
    from sakti_cli.consent import queued_items
    from sakti_cli.sign import close_signer

    person = ws.signatory(signatory_id)
    chosen = choose_waiting(register, person, numbers, all_waiting)
    result: dict[str, Any] = {"penandatangan": signatory_json(person), "ditandatangani": [], "gagal": [],
                              "peringatan": []}
    if not chosen:
        return result
    with register.reading() as txn:
        to_sign = queued_items(ws, txn, chosen)  # one list, one question, for --semua too
    signer, warnings = open_batch_signer(ws, person, prompt, register.moment(), to_sign)
    result["peringatan"] = warnings
    scratch: Owned | None = None
    try:
        outage = signing_outage(ws, signer, timestamp_url)
        if outage is not None:  # nothing is signed; every letter keeps waiting with its number
            raise outage
        if on_chosen:
            on_chosen(len(chosen))
        scratch = make_work_dir(ws.data_dir)
        work = scratch.path
        for letter in chosen:
            if on_start:
                on_start(letter)
            row = {"nomor_surat": letter["nomor_surat"], "nomor_registrasi": letter["nomor_registrasi"]}
            try:
                unsigned = _queued_unsigned(ws, letter)
                check_footer(letter, signer)
                reason = f"{letter.get('judul') or letter['layanan']} {letter['nomor_surat']}"
                recorded, final = sign_and_record(ws, register, letter, unsigned, signer, person, work=work,
                                                  reason=reason, timestamp_url=timestamp_url)
            except SaktiError as exc:
                result["gagal"].append({**row, "status": WAITING,
                                        "error": {"kode": exc.kode, "pesan": exc.pesan, "saran": exc.saran}})
                _note_failure(register, letter, exc)
            else:
                result["ditandatangani"].append({
                    **row, "status": "TERBIT", "pdf": str(Path(final).resolve()), "sha256": recorded["sha256"],
                    "kode_verifikasi": recorded["kode_verifikasi"], "terbit": recorded["terbit"]})
            if on_done:
                on_done(letter)
    finally:
        close_signer(signer)
        if scratch is not None:
            scratch.remove()
    return result
