"""Steps on the converted PDF before signing: the stamp's box found at the marker, its field, the metadata."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sakti_cli.issuance.docx import STAMP_MARKER
from sakti_cli.office.workspace import Workspace
from sakti_cli.register.session import Letter
from sakti_cli.services.sop import Service

if TYPE_CHECKING:
    from sakti_cli.documents.pdf_metadata import LetterMetadata


def stamp_metadata(ws: Workspace, pdf: Path, letter: Letter, service: Service) -> None:
    """Write the letter's metadata (title, subject, office, number, verification code) into the PDF's info
    dictionary and XMP alike, before it is signed (sakti_cli.documents.pdf_metadata)."""
    from sakti_cli.documents.pdf_metadata import write_letter_metadata

    write_letter_metadata(pdf, letter_metadata(ws, letter, service), pdfa=ws.config.surat.pdfa)


def letter_metadata(ws: Workspace, letter: Letter, service: Service) -> LetterMetadata:
    """What a letter's PDF says about itself; the author is the office."""
    from sakti_cli.core.clock import now
    from sakti_cli.documents.pdf_metadata import LetterMetadata

    office = ws.config.kantor
    return LetterMetadata(
        title=f"{service.judul_surat} {letter['nomor_surat']}", subject=service.nama,
        author=f"Kecamatan {office.kecamatan}, Kabupaten {office.kabupaten}", number=letter["nomor_surat"],
        code=letter["kode_verifikasi"], created=now(ws.zone).replace(microsecond=0))
STAMP_SIZE = (170.0, 45.0)  # points (about 6 x 1.6 cm): the stamp box below the marker's top


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

    from sakti_cli.documents.pdf_metadata import align_producer

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf.read_bytes()))
    align_producer(writer)
    append_signature_field(writer, SigFieldSpec(sig_field_name=name, on_page=page, box=box))
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf.write_bytes(buffer.getvalue())
