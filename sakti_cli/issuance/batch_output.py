"""``sakti massal --gabung/--zip``: the batch's letters as one print copy and as an archive of the signed files.

Which letters: every row of the file whose application has a TERBIT letter, issued by this run or by an
earlier run of the same file, in row order (a row repeated in the file gives its letter once). So a run
started again after a crash still gives the whole batch, not only the rows it finished itself. Letters
still waiting for their signatory (MENUNGGU_TTD) have no signed file: they are counted, not included.

The print copy (``--gabung``) is one PDF of the letters' pages for the printer. Merging drops the
signatures (a signature covers exactly one file's bytes), so the copy says in its metadata that it is
not a signed document; the visible stamps, if any, stay drawn on the page. The archive (``--zip``)
holds each signed PDF exactly as the register stores it (its SHA-256 checked against the register
before it goes in), named by its letter number, plus a CSV list of what it holds.

Both targets are checked before any row is processed (the folder takes a new file, the file does not
exist yet) and written atomically at the end (temp file, fsync, rename).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sakti_cli.core.errors import FileUnreadable, InputError, RegisterCorrupt, UsageError, os_reason
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.session import Register
from sakti_cli.register.states import LetterStatus

PRINT_TITLE = "Salinan cetak - bukan dokumen bertanda tangan"
PRINT_KEYWORDS = "salinan-cetak, tanpa-tanda-tangan, SAKTI"
MANIFEST = "DAFTAR-SURAT.csv"
MANIFEST_COLUMNS = ("baris", "nomor_registrasi", "nomor_surat", "berkas", "sha256")


@dataclass(frozen=True)
class BatchLetter:
    baris: int
    nomor_registrasi: str
    nomor_surat: str
    data: bytes  # the stored signed PDF, checked against the register's SHA-256
    sha256: str


def check_targets(gabung: Path | None, arsip: Path | None) -> tuple[Path | None, Path | None]:
    """The two targets as absolute paths, refused before any work: a wrong suffix or the same file twice
    (usage, exit 2), an existing file or a folder that takes no new file (exit 3)."""
    from sakti_cli.core.storage import check_writable_folder

    checked: list[Path | None] = []
    for option, target, suffix, what in (("--gabung", gabung, ".pdf", "PDF gabungan"),
                                         ("--zip", arsip, ".zip", "arsip surat")):
        if target is None:
            checked.append(None)
            continue
        path = Path(target).expanduser().absolute()
        if path.suffix.lower() != suffix:
            raise UsageError(f"{option} {path}: nama berkasnya harus berakhiran {suffix}.",
                             saran=f"Mis. {option} hasil{suffix}.")
        if path.exists() or path.is_symlink():
            raise InputError(f"Berkas {path} (untuk {option}) sudah ada; tidak ditimpa.",
                             saran="Pilih nama lain, atau pindahkan berkas lamanya dulu.", berkas=str(path))
        check_writable_folder(path.parent, what)
        checked.append(path)
    if checked[0] is not None and checked[0] == checked[1]:
        raise UsageError("--gabung dan --zip menunjuk berkas yang sama.", saran="Beri keduanya nama sendiri.")
    return checked[0], checked[1]


def batch_letters(ws: Workspace, register: Register, rows: Iterable[Any]) -> tuple[list[BatchLetter], int]:
    """The signed letters of ``rows`` (batch outcomes with ``baris``, ``nomor_registrasi``, ``nomor_surat``)
    in row order, each letter once, read from the register's stored PDF; and how many rows' letters are
    still waiting for a signature. The lock is held only to look the letters up."""
    from sakti_cli.register.letters import WAITING, find_letter, stored_pdf

    wanted = [row for row in rows if row.nomor_surat]
    with register.reading() as txn:
        found = [(row, find_letter(txn, number=row.nomor_surat)) for row in wanted]
    letters: list[BatchLetter] = []
    seen: set[str] = set()
    waiting = 0
    for row, letter in found:
        if letter is None or letter["nomor_surat"] in seen:
            continue
        seen.add(letter["nomor_surat"])
        if letter["status"] == WAITING:
            waiting += 1
            continue
        if letter["status"] != LetterStatus.TERBIT:
            continue
        path = stored_pdf(ws, register, letter)  # checks the file against the register's SHA-256
        data = _read(path)
        if hashlib.sha256(data).hexdigest() != letter["sha256"]:  # changed since the check: never pass it on
            raise RegisterCorrupt(f"PDF surat {letter['nomor_surat']} di {path} berubah saat dibaca.",
                                  saran="Jalankan 'sakti register periksa'; pulihkan dari cadangan bila perlu.")
        letters.append(BatchLetter(row.baris, str(letter["nomor_registrasi"]), str(letter["nomor_surat"]), data,
                                   str(letter["sha256"])))
    return letters, waiting


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileUnreadable(f"PDF surat {path} tidak dapat dibaca: {os_reason(exc)}.",
                             saran="Periksa izin folder data/surat.") from None


def write_print_copy(letters: list[BatchLetter], target: Path) -> dict[str, Any]:
    """One PDF of every letter's pages in order, without signatures or form fields, marked in its
    metadata as an unsigned print copy. Returns ``pdf``, ``surat``, ``halaman`` (nothing written, ``pdf``
    None, without letters)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    from sakti_cli.core.storage import atomic_write

    if not letters:
        return {"pdf": None, "surat": 0, "halaman": 0}
    writer = PdfWriter()
    for letter in letters:
        for page in PdfReader(io.BytesIO(letter.data)).pages:
            for ref in page.get("/Annots") or []:  # never copy a signature value (nor parse its long hex)
                for key in ("/V", "/Parent", "/P"):
                    ref.get_object().pop(NameObject(key), None)
            writer.add_page(page)
    for page in writer.pages:  # the stamps drawn on the page; no widget, field or signature survives
        flatten_widgets(page)
        page.pop(NameObject("/Annots"), None)
    for key in ("/AcroForm", "/Perms", "/DSS"):
        writer.root_object.pop(NameObject(key), None)
    writer.compress_identical_objects()  # one logo and one copy of each shared font resource, not 200
    writer.add_metadata({
        "/Title": PRINT_TITLE,
        "/Subject": (f"Gabungan {len(letters)} surat untuk dicetak, tanpa tanda tangan elektronik; keabsahan "
                     "diperiksa pada PDF bertanda tangan masing-masing surat atau dengan kode verifikasinya."),
        "/Keywords": PRINT_KEYWORDS,
        "/Creator": "SAKTI (sakti massal --gabung)",
    })
    buffer = io.BytesIO()
    writer.write(buffer)
    atomic_write(target, buffer.getvalue())
    return {"pdf": str(target), "surat": len(letters), "halaman": len(writer.pages)}


def flatten_widgets(page: Any) -> None:
    """Draw each visible widget's normal appearance (a signature stamp) into the page's own content,
    scaled from its /BBox to its /Rect, so the print copy shows it once the annotations are dropped."""
    from pypdf.generic import ContentStream, DictionaryObject, IndirectObject, NameObject, StreamObject

    drawn: list[str] = []
    for number, ref in enumerate(page.get("/Annots") or []):
        annot: Any = ref.get_object()
        appearances = annot.get("/AP")
        normal = appearances.get_object().get("/N") if appearances is not None else None
        if annot.get("/Subtype") != "/Widget" or int(annot.get("/F", 0)) & 2 or not isinstance(normal, IndirectObject):
            continue  # not a widget, hidden, or without one appearance stream
        form = normal.get_object()
        if not isinstance(form, StreamObject) or "/BBox" not in form:
            continue
        x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
        bx1, by1, bx2, by2 = (float(v) for v in cast(Any, form["/BBox"]))
        if bx2 == bx1 or by2 == by1:
            continue
        form.setdefault(NameObject("/Subtype"), NameObject("/Form"))
        resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
        xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()
        name = f"/SaktiCap{number}"
        xobjects[NameObject(name)] = normal
        sx, sy = abs(x2 - x1) / (bx2 - bx1), abs(y2 - y1) / (by2 - by1)
        drawn.append(f"q {sx:.4f} 0 0 {sy:.4f} {min(x1, x2) - bx1 * sx:.4f} {min(y1, y2) - by1 * sy:.4f} cm "
                     f"{name} Do Q")
    if drawn:
        content = page.get_contents()
        stream = ContentStream(None, page.pdf)
        stream.set_data(b"q\n" + (content.get_data() if content is not None else b"") + b"\nQ\n"
                        + "\n".join(drawn).encode() + b"\n")
        page.replace_contents(stream)


def write_archive(letters: list[BatchLetter], target: Path) -> dict[str, Any]:
    """A ZIP of each signed PDF byte for byte, named by its letter number, and ``DAFTAR-SURAT.csv``
    (row, registration, number, member, SHA-256). Returns ``berkas`` and ``surat`` (nothing written,
    ``berkas`` None, without letters)."""
    import zipfile

    from sakti_cli.core.storage import atomic_write

    if not letters:
        return {"berkas": None, "surat": 0}
    buffer = io.BytesIO()
    listing = io.StringIO()
    table = csv.writer(listing, lineterminator="\r\n")
    table.writerow(MANIFEST_COLUMNS)
    names: set[str] = {MANIFEST.casefold()}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for letter in letters:
            name = member_name(letter.nomor_surat, names)
            archive.writestr(_member(name), letter.data)
            table.writerow((letter.baris, letter.nomor_registrasi, letter.nomor_surat, name, letter.sha256))
        archive.writestr(_member(MANIFEST), listing.getvalue().encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    atomic_write(target, buffer.getvalue())
    return {"berkas": str(target), "surat": len(letters)}


def member_name(number: str, taken: set[str]) -> str:
    """``400.9.14.1/017/ARSEL/XI/2026`` -> ``400.9.14.1-017-ARSEL-XI-2026.pdf`` (text.safe_file_name after the
    slashes are replaced); a name already taken (two numbers alike but for their punctuation) gets ``-2``."""
    from sakti_cli.core.text import safe_file_name

    stem = safe_file_name(number.replace("/", "-").replace("\\", "-"), fallback="surat")
    name, count = f"{stem}.pdf", 1
    while name.casefold() in taken:
        count += 1
        name = f"{stem}-{count}.pdf"
    taken.add(name.casefold())
    return name


def _member(name: str) -> Any:
    """A member readable by its owner only (0600), dated now."""
    import time
    import zipfile

    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.external_attr = 0o100600 << 16
    return info


def check_options(*, terbitkan: bool, uji: bool, tanpa_ttd: bool, gabung: Path | None, arsip: Path | None) -> None:
    """--gabung/--zip gather the letters this run issues: usage error (exit 2) where there are none to gather."""
    asked = [option for option, value in (("--gabung", gabung), ("--zip", arsip)) if value is not None]
    if not asked:
        return
    named = " dan ".join(asked)
    if uji:
        raise UsageError(f"{named} tidak berarti bersama --uji: uji tidak menerbitkan surat.",
                         saran=f"Jalankan tanpa --uji, dengan --terbitkan {named}.")
    if not terbitkan:
        raise UsageError(f"{named} hanya berarti bersama --terbitkan.", saran="Tambahkan --terbitkan.")
    if tanpa_ttd:
        raise UsageError(f"{named} tidak berarti bersama --tanpa-ttd: suratnya menunggu tanda tangan, belum ada "
                         "surat bertanda tangan untuk diarsipkan atau dicetak.",
                         saran=f"Sesudah 'sakti ttd setujui --semua', jalankan berkas yang sama lagi dengan "
                               f"--terbitkan {named}: baris yang sudah terbit tidak diterbitkan lagi.")


def write_outputs(ws: Workspace, register: Register, rows: list[Any], gabung: Path | None,
                  arsip: Path | None) -> dict[str, Any]:
    """Write what was asked (targets from :func:`check_targets`) and record each in the audit trail.
    Returns ``gabung`` and/or ``zip`` for the summary; nothing is written when no row has a signed
    letter (the path is then None)."""
    from sakti_cli.core.privacy import mask_text

    if gabung is None and arsip is None:
        return {}
    letters, waiting = batch_letters(ws, register, rows)
    result: dict[str, Any] = {}
    for key, target, write in (("gabung", gabung, write_print_copy), ("zip", arsip, write_archive)):
        if target is None:
            continue
        result[key] = {**write(letters, target), "menunggu_ttd": waiting}
        if letters:
            with register.transaction() as txn:
                txn.audit(f"massal_{key}", mask_text(str(target)), None, None,
                          surat=[letter.nomor_surat for letter in letters])
    return result
