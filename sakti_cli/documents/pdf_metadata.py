"""A letter's metadata, written once into both places a PDF keeps it: the info dictionary and the XMP packet.

Both carry the same values (title, subject, author = the office, the letter number and verification code,
creation date, creator, producer), as PDF/A requires and as any reader expects. The XMP also repeats the
PDF/A identification LibreOffice wrote (``pdfaid:part``/``conformance``, ``[surat] pdfa``) and declares the
office's own two properties (``sakti:nomorSurat``, ``sakti:kodeVerifikasi``) in a PDF/A extension schema,
so a PDF/A validator accepts them. The catalog gets ``/Lang id-ID``.

Every later pyHanko update (the stamp field, the signature, a renewal timestamp) rewrites the XMP's
``pdf:Producer`` to its own name and ``xmp:ModifyDate`` to its time. So the producer written here is
pyHanko's (:func:`align_producer` keeps the info's equal to it before each update), and the info
dictionary carries no ``/ModDate`` (pyHanko would set the two dates with two clock readings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sakti_cli.core.errors import EnvironmentProblem

LANGUAGE = "id-ID"
NAMESPACE = "http://ns.sakti-cli.id/surat/1.0/"
PREFIX = "sakti"
CUSTOM_PROPERTIES = {"nomorSurat": "Nomor surat", "kodeVerifikasi": "Kode verifikasi surat (QR)"}
"""The office's XMP properties (info keys /SaktiNomorSurat, /SaktiKodeVerifikasi) and their descriptions."""
_CLAIM = re.compile(rb"pdfaid:(part|conformance)(?:>|=[\"'])\s*([0-9A-Za-z])")


@dataclass(frozen=True)
class LetterMetadata:
    """What a letter's PDF says about itself."""

    title: str  # "SURAT KETERANGAN TIDAK MAMPU 470/001/..."
    subject: str  # the service's name
    author: str  # the office
    number: str
    code: str  # the verification code
    created: datetime

    @property
    def keywords(self) -> str:
        return f"{self.number}; kode verifikasi {self.code}"


def pdf_producer() -> str:
    """The producer both places name: pyHanko's, the last program to update every letter (module docstring)."""
    from pyhanko.pdf_utils.metadata.model import VENDOR

    return str(VENDOR)


def pdf_date(moment: datetime) -> str:
    """``D:20261122093000+07'00'``: a PDF date with the office's offset."""
    offset = moment.strftime("%z") or "+0000"
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{offset[:3]}'{offset[3:]}'"


def pdfa_claim(xmp: bytes) -> tuple[str, str] | None:
    """The (part, conformance) of a PDF/A identification in an XMP packet, None without one."""
    found = {kind.decode(): value.decode().upper() for kind, value in _CLAIM.findall(xmp)}
    return (found["part"], found["conformance"]) if "part" in found and "conformance" in found else None


def info_entries(meta: LetterMetadata, creator: str) -> dict[str, str]:
    """The info dictionary of a letter (every entry also in :func:`xmp_packet`)."""
    return {
        "/Title": meta.title, "/Subject": meta.subject, "/Author": meta.author, "/Keywords": meta.keywords,
        "/Creator": creator, "/Producer": pdf_producer(), "/CreationDate": pdf_date(meta.created),
        "/SaktiNomorSurat": meta.number, "/SaktiKodeVerifikasi": meta.code,
    }


def _alt(text: str) -> str:
    return f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt>'


def _extension_schema() -> str:
    """The PDF/A extension schema that declares :data:`CUSTOM_PROPERTIES` (ISO 19005-2, 6.6.2.3.3)."""
    properties = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        f"<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(about)}</pdfaProperty:description></rdf:li>"
        for name, about in CUSTOM_PROPERTIES.items())
    return ('<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
            "<pdfaSchema:schema>Surat SAKTI CLI</pdfaSchema:schema>"
            f"<pdfaSchema:namespaceURI>{NAMESPACE}</pdfaSchema:namespaceURI>"
            f"<pdfaSchema:prefix>{PREFIX}</pdfaSchema:prefix>"
            f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>"
            "</rdf:li></rdf:Bag></pdfaExtension:schemas>")


def xmp_packet(meta: LetterMetadata, creator: str, claim: tuple[str, str] | None) -> bytes:
    """The XMP packet of a letter: the same values as :func:`info_entries`, the PDF/A ``claim`` if any."""
    created = meta.created.replace(microsecond=0).isoformat()
    identification = (f"<pdfaid:part>{claim[0]}</pdfaid:part><pdfaid:conformance>{claim[1]}</pdfaid:conformance>"
                      if claim else "")
    namespaces = {
        "dc": "http://purl.org/dc/elements/1.1/", "pdf": "http://ns.adobe.com/pdf/1.3/",
        "xmp": "http://ns.adobe.com/xap/1.0/", "pdfaid": "http://www.aiim.org/pdfa/ns/id/", PREFIX: NAMESPACE,
        "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
        "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#", "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    }
    declared = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in namespaces.items())
    body = (
        f"{identification}<dc:format>application/pdf</dc:format>"
        f"<dc:title>{_alt(meta.title)}</dc:title><dc:description>{_alt(meta.subject)}</dc:description>"
        f"<dc:creator><rdf:Seq><rdf:li>{escape(meta.author)}</rdf:li></rdf:Seq></dc:creator>"
        f"<dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>"
        f"<pdf:Keywords>{escape(meta.keywords)}</pdf:Keywords><pdf:Producer>{escape(pdf_producer())}</pdf:Producer>"
        f"<xmp:CreatorTool>{escape(creator)}</xmp:CreatorTool><xmp:CreateDate>{created}</xmp:CreateDate>"
        f"<xmp:MetadataDate>{created}</xmp:MetadataDate>"
        f"<{PREFIX}:nomorSurat>{escape(meta.number)}</{PREFIX}:nomorSurat>"
        f"<{PREFIX}:kodeVerifikasi>{escape(meta.code)}</{PREFIX}:kodeVerifikasi>"
        f"{_extension_schema()}"
    )
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" {declared}>{body}</rdf:Description></rdf:RDF></x:xmpmeta>\n'
            '<?xpacket end="r"?>').encode()


def write_letter_metadata(pdf: Path, meta: LetterMetadata, *, pdfa: bool) -> None:
    """Rewrite ``pdf`` (LibreOffice's, not yet signed) with ``meta`` in its info dictionary and XMP, and
    ``/Lang``. ``pdfa``: the office asked for PDF/A; a PDF LibreOffice did not mark as PDF/A is then refused."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    reader = PdfReader(pdf)
    old_xmp: Any = reader.root_object.get("/Metadata")
    claim = pdfa_claim(old_xmp.get_object().get_data()) if old_xmp is not None else None
    if pdfa and claim is None:
        raise EnvironmentProblem(
            f"LibreOffice tidak menghasilkan PDF/A untuk {pdf.name} ([surat] pdfa = true di sakti.toml).",
            saran="Pakai LibreOffice 7.4 atau lebih baru (soffice --version), atau isi pdfa = false di [surat].")
    info: Any = reader.metadata or {}
    made_by = str(info.get("/Producer") or "LibreOffice")
    creator = f"SAKTI CLI ({made_by})"
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # LibreOffice's version (pypdf would write %PDF-1.3)
    writer.metadata = {NameObject(key): TextStringObject(value) for key, value in info_entries(meta, creator).items()}
    writer.xmp_metadata = None  # a fresh, unfiltered stream (PDF/A: metadata streams carry no /Filter)
    writer.xmp_metadata = xmp_packet(meta, creator, claim)
    stream: Any = writer.root_object["/Metadata"].get_object()
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Lang")] = TextStringObject(LANGUAGE)
    with pdf.open("wb") as handle:
        writer.write(handle)


def align_producer(writer: Any) -> None:
    """Before a pyHanko incremental update of a PDF with XMP: make the info's ``/Producer`` pyHanko's own name,
    which pyHanko then keeps as it is and also writes as the XMP's ``pdf:Producer`` (without this the info
    says "A; pyHanko x" and the XMP "pyHanko x", which PDF/A forbids)."""
    from lxml import etree
    from pyhanko.pdf_utils import generic

    etree.register_namespace(PREFIX, NAMESPACE)  # pyHanko rewrites the XMP: keep the prefix the schema declares
    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        return
    if not isinstance(info_ref, generic.IndirectObject) or "/Metadata" not in writer.root:
        return
    info = info_ref.get_object()
    producer = pdf_producer()
    if str(info.get("/Producer", "")) != producer:
        info["/Producer"] = generic.TextStringObject(producer)
        writer.mark_update(info_ref)
