"""The information sheet for citizens (``sakti layanan KODE --lembar FILE``).

Written from the same SOP (``sop/<kode>.yaml``) the checker uses, so the counter, the website and
``sakti periksa`` never disagree about what a citizen must bring. One plain model of the sheet
(:class:`Sheet`) is rendered three ways: Markdown, HTML (every SOP text escaped) and PDF (a DOCX
written with python-docx and converted by LibreOffice, the converter the letters already use; no
HTML-to-PDF engine is needed).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sakti_cli.core.errors import EnvironmentProblem, InputError
from sakti_cli.services.sop import FieldSpec, Requirement, Service

FORMATS = {".pdf": "pdf", ".md": "markdown", ".html": "html"}
CHECKBOX = "☐"
_KIND_NAMES = {"pdf": "PDF", "jpeg": "JPG/JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIC", "docx": "DOCX"}
_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember")

SectionKind = Literal["paragraf", "daftar", "langkah", "periksa"]


@dataclass(frozen=True)
class Item:
    """One line of a section: ``teks`` (shown bold in a checklist) and an optional ``rincian``."""

    teks: str
    rincian: str = ""


@dataclass(frozen=True)
class Section:
    judul: str
    jenis: SectionKind
    butir: list[Item] = field(default_factory=list)
    pengantar: str = ""


@dataclass(frozen=True)
class Sheet:
    judul: str
    subjudul: str
    bagian: list[Section]
    catatan: str


# ---------------------------------------------------------------------------------------------
# The model, from the SOP
# ---------------------------------------------------------------------------------------------


def _size(kb: int) -> str:
    if kb >= 1024 and kb % 1024 == 0:
        return f"{kb // 1024} MB"
    if kb >= 1024:
        return f"{kb / 1024:.1f} MB".replace(".", ",")
    return f"{kb} KB"


def _kinds(kinds: list[str]) -> str:
    names = [_KIND_NAMES.get(k, k.upper()) for k in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " atau " + names[-1]


def requirement_detail(service: Service, req: Requirement, required_by: dict[str, str]) -> str:
    """Plain words for one requirement: required or not, how to bring it, file types, limits."""
    parts: list[str] = []
    if req.wajib:
        parts.append("wajib")
    elif req.kode in required_by:
        parts.append(f"wajib bila: {required_by[req.kode]}")
    else:
        parts.append("tidak wajib (bila ada)")
    if req.asli:
        parts.append("bawa aslinya untuk diperlihatkan kepada petugas (tidak perlu diunggah)")
    else:
        parts.append(f"berkas {_kinds(list(req.jenis_berkas))}, paling besar {_size(req.ukuran_maks_kb)} per berkas")
        if req.jumlah_maks > 1 or req.jumlah_min > 1:
            low = max(req.jumlah_min, 1)
            parts.append(f"{low} sampai {req.jumlah_maks} berkas" if low != req.jumlah_maks
                         else f"{low} berkas")
        if req.halaman_maks:
            parts.append(f"paling banyak {req.halaman_maks} halaman")
        if req.umur is not None:
            spec = service.field(req.umur.kolom)
            label = spec.label.lower() if spec is not None else req.umur.kolom
            parts.append(f"tidak lebih dari {req.umur.maks_hari} hari (dihitung dari {label})")
    if req.keterangan:
        parts.append(req.keterangan)
    return "; ".join(parts)


def _field_line(spec: FieldSpec) -> Item:
    detail = "wajib" if spec.wajib else "tidak wajib"
    if spec.jenis == "daftar":
        detail += "; untuk setiap orang: " + ", ".join(sub.label for sub in spec.butir)
    elif spec.jenis == "pilihan":
        detail += "; salah satu dari: " + ", ".join(spec.pilihan)
    if spec.keterangan:
        detail += f"; {spec.keterangan}"
    return Item(spec.label, detail)


def _office_lines(office: Any) -> list[str]:
    if office is None:
        return []
    lines = [f"Kantor Kecamatan {office.kecamatan}: {office.alamat}"]
    if office.telepon:
        lines.append(f"Telepon: {office.telepon}")
    if office.email:
        lines.append(f"Surel: {office.email}")
    return lines


def build_sheet(service: Service, office: Any = None, today: date | None = None) -> Sheet:
    """The sheet's content from ``service``; ``office`` is sakti.toml's [kantor] (or None)."""
    std = service.standar_pelayanan
    required_by = {code: rule.nama for rule in service.aturan for code in rule.wajibkan}
    sections: list[Section] = [
        Section("Untuk apa layanan ini", "paragraf", [Item(f"Hasil layanan: {std.produk}.")]),
    ]
    reqs = [Item(req.nama, requirement_detail(service, req, required_by)) for req in service.persyaratan]
    sections.append(Section("Persyaratan yang perlu disiapkan", "periksa", reqs,
                            pengantar="Centang setiap persyaratan yang sudah Anda siapkan."))
    per_item: dict[str, list[Item]] = {}
    labels: dict[str, str] = {}
    for spec, req in service.item_requirements():
        labels[spec.kode] = spec.label
        per_item.setdefault(spec.kode, []).append(Item(req.nama, requirement_detail(service, req, required_by)))
    for code, items in per_item.items():
        sections.append(Section(f"Untuk setiap {labels[code].lower()}", "periksa", items,
                                pengantar=f"Siapkan berkas berikut untuk masing-masing {labels[code].lower()}."))
    sections.append(Section("Data yang diisi pada formulir", "daftar", [_field_line(s) for s in service.isian]))
    sections.append(Section("Langkah-langkah", "langkah", [Item(step) for step in std.prosedur]))
    sections.append(Section("Waktu penyelesaian", "paragraf", [Item(std.jangka_waktu.teks)]))
    sections.append(Section("Biaya", "paragraf", [Item(std.biaya)]))
    if std.jaminan_pelayanan:
        sections.append(Section("Jaminan pelayanan", "paragraf", [Item(std.jaminan_pelayanan)]))
    complaint = [Item(std.pengaduan), *(Item(line) for line in _office_lines(office))]
    sections.append(Section("Saran dan pengaduan", "paragraf", complaint))
    if std.dasar_hukum:
        sections.append(Section("Dasar hukum", "daftar", [Item(law) for law in std.dasar_hukum]))
    subtitle = "Lembar informasi layanan"
    if office is not None:
        subtitle += f" Kecamatan {office.kecamatan}, Kabupaten {office.kabupaten}"
    when = today or date.today()
    note = (f"Disusun dari standar pelayanan sop/{service.kode}.yaml pada {when.day} {_MONTHS[when.month - 1]} "
            f"{when.year}. Persyaratan yang sama dipakai petugas untuk memeriksa permohonan Anda.")
    return Sheet(service.nama, subtitle, sections, note)


# ---------------------------------------------------------------------------------------------
# Markdown and HTML
# ---------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(text: str) -> str:
    """Text from the SOP, made literal in Markdown (``*``, ``_``, ``<`` and friends escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def to_markdown(sheet: Sheet) -> str:
    lines = [f"# {md_escape(sheet.judul)}", "", f"_{md_escape(sheet.subjudul)}_", ""]
    for section in sheet.bagian:
        lines += [f"## {md_escape(section.judul)}", ""]
        if section.pengantar:
            lines += [md_escape(section.pengantar), ""]
        for number, item in enumerate(section.butir, 1):
            rest = f" — {md_escape(item.rincian)}" if item.rincian else ""
            if section.jenis == "periksa":
                lines.append(f"- {CHECKBOX} **{md_escape(item.teks)}**{rest}")
            elif section.jenis == "langkah":
                lines.append(f"{number}. {md_escape(item.teks)}{rest}")
            elif section.jenis == "daftar":
                lines.append(f"- {md_escape(item.teks)}{rest}")
            else:
                lines += [f"{md_escape(item.teks)}{rest}", ""]
        if lines[-1] != "":
            lines.append("")
    lines += ["---", "", f"_{md_escape(sheet.catatan)}_", ""]
    return "\n".join(lines)


_CSS = """
body { font-family: "Liberation Sans", Arial, sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #111; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; }
.subjudul { color: #444; margin-top: 0; }
h2 { font-size: 1.15em; border-bottom: 1px solid #999; padding-bottom: 0.15em; margin-top: 1.4em; }
ul.periksa { list-style: none; padding-left: 0.2em; }
ul.periksa li { margin: 0.35em 0; }
.kotak { font-size: 1.2em; margin-right: 0.35em; }
.rincian { color: #333; }
footer { margin-top: 2em; font-size: 0.85em; color: #555; border-top: 1px solid #ccc; padding-top: 0.5em; }
@media print { body { margin: 0; max-width: none; } }
""".strip()


def to_html(sheet: Sheet) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="id">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(sheet.judul)}</title>", f"<style>\n{_CSS}\n</style>", "</head>", "<body>",
           f"<h1>{e(sheet.judul)}</h1>", f'<p class="subjudul">{e(sheet.subjudul)}</p>']
    for section in sheet.bagian:
        out.append(f"<section>\n<h2>{e(section.judul)}</h2>")
        if section.pengantar:
            out.append(f"<p>{e(section.pengantar)}</p>")

        def rest(item: Item) -> str:
            return f' <span class="rincian">— {e(item.rincian)}</span>' if item.rincian else ""

        if section.jenis == "periksa":
            out.append('<ul class="periksa">')
            out += [f'<li><span class="kotak">{CHECKBOX}</span><strong>{e(i.teks)}</strong>{rest(i)}</li>'
                    for i in section.butir]
            out.append("</ul>")
        elif section.jenis in ("langkah", "daftar"):
            tag = "ol" if section.jenis == "langkah" else "ul"
            out.append(f"<{tag}>")
            out += [f"<li>{e(i.teks)}{rest(i)}</li>" for i in section.butir]
            out.append(f"</{tag}>")
        else:
            out += [f"<p>{e(i.teks)}{rest(i)}</p>" for i in section.butir]
        out.append("</section>")
    out += [f"<footer>{e(sheet.catatan)}</footer>", "</body>", "</html>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# PDF: DOCX (python-docx) -> LibreOffice
# ---------------------------------------------------------------------------------------------


def to_docx(sheet: Sheet, out: Path) -> None:
    import docx
    from docx.shared import Cm, Pt

    document = docx.Document()
    for page in document.sections:
        page.page_width, page.page_height = Cm(21.0), Cm(29.7)
        page.left_margin = page.right_margin = Cm(2.0)
        page.top_margin = page.bottom_margin = Cm(1.8)
    normal = document.styles["Normal"]
    normal.font.name = "Liberation Sans"
    normal.font.size = Pt(11)
    document.add_heading(sheet.judul, level=0)
    document.add_paragraph(sheet.subjudul).runs[0].italic = True
    for section in sheet.bagian:
        document.add_heading(section.judul, level=1)
        if section.pengantar:
            document.add_paragraph(section.pengantar)
        for number, item in enumerate(section.butir, 1):
            if section.jenis == "periksa":
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.left_indent = Cm(0.7)
                paragraph.paragraph_format.first_line_indent = Cm(-0.7)
                paragraph.add_run(f"{CHECKBOX}  ")
                paragraph.add_run(item.teks).bold = True
            elif section.jenis == "langkah":
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.left_indent = Cm(0.7)
                paragraph.paragraph_format.first_line_indent = Cm(-0.7)
                paragraph.add_run(f"{number}.\t{item.teks}")
            elif section.jenis == "daftar":
                paragraph = document.add_paragraph(style="List Bullet")
                paragraph.add_run(item.teks)
            else:
                paragraph = document.add_paragraph(item.teks)
            if item.rincian:
                paragraph.add_run(f" — {item.rincian}")
    closing = document.add_paragraph(sheet.catatan)
    closing.runs[0].italic = True
    closing.runs[0].font.size = Pt(9)
    document.core_properties.title = sheet.judul
    document.save(str(out))


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def sheet_format(target: Path) -> str:
    kind = FORMATS.get(target.suffix.lower())
    if kind is None:
        raise InputError(
            f"Jenis berkas lembar '{target.name}' tidak dikenal.",
            saran="Akhiri nama berkas dengan " + ", ".join(FORMATS) + " (PDF, Markdown atau HTML).",
            berkas=str(target),
        )
    return kind


def check_folder(target: Path) -> None:
    from sakti_cli.core.storage import check_output_file

    check_output_file(target, target.name)


def _write_text(target: Path, text: str) -> None:
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # a sheet for the public, not personal data
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise EnvironmentProblem(f"Lembar tidak dapat ditulis ke {target}: {exc.strerror or exc}.",
                                 saran="Periksa izin tulis dan ruang kosong folder tujuan.",
                                 berkas=str(target)) from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def write_pdf(sheet: Sheet, target: Path, mode: int) -> None:
    """A sheet as PDF at ``target`` (DOCX by python-docx, converted by LibreOffice), with ``mode``: also
    the citizen's receipt (sakti_cli.citizen.messages), which names a person and so is 0600."""
    from sakti_cli.documents.convert import Converter

    work = Path(tempfile.mkdtemp(prefix="sakti-lembar-"))
    try:
        source = work / f"{target.stem}.docx"
        to_docx(sheet, source)
        with Converter() as converter:
            pdf = converter.convert(source, work / "pdf")
        try:
            os.chmod(pdf, mode)
            shutil.move(str(pdf), str(target))
        except OSError as exc:
            raise EnvironmentProblem(f"Lembar tidak dapat ditulis ke {target}: {exc.strerror or exc}.",
                                     saran="Periksa izin tulis folder tujuan.", berkas=str(target)) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_sheet(ws: Any, service: Service, target: Path, *, today: date | None = None) -> dict[str, Any]:
    """Write the sheet to ``target`` in the format its extension names; returns what was written."""
    from sakti_cli.core.clock import now

    target = Path(target).expanduser()
    kind = sheet_format(target)
    target = target.resolve()
    check_folder(target)
    office = ws.config.kantor if ws is not None else None
    when = today or (now(ws.zone).date() if ws is not None else date.today())
    sheet = build_sheet(service, office, when)
    if kind == "markdown":
        _write_text(target, to_markdown(sheet))
    elif kind == "html":
        _write_text(target, to_html(sheet))
    else:
        write_pdf(sheet, target, 0o644)  # a sheet for the public, not personal data
    reqs = [*service.persyaratan, *(r for _s, r in service.item_requirements())]
    return {"layanan": service.kode, "lembar": str(target.resolve()), "format": kind,
            "persyaratan": [r.nama for r in reqs], "langkah": len(service.standar_pelayanan.prosedur)}
