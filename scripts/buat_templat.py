"""Rebuild ``templat/logo.png`` and ``templat/sktm.docx``.

Both files are committed; this script is how they are made. Run from anywhere::

    python scripts/buat_templat.py            # writes into <repo>/templat/
    python scripts/buat_templat.py --ke DIR   # writes into DIR

The DOCX is a docxtpl template: placeholders follow docs/KONTRAK.md. Each placeholder is written as
one run by python-docx, so Word-style run splitting cannot break it (do not retype placeholders in
Word; edit this script and rebuild instead). The output is byte-reproducible: fixed core properties
and fixed ZIP timestamps, so a rebuild without changes gives no diff.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import zipfile
from pathlib import Path
from typing import Any

AKAR = Path(__file__).resolve().parent.parent

FONT = "Bookman Old Style"  # LibreOffice substitutes TeX Gyre Bonum when Bookman is absent
UKURAN_DASAR = 12  # pt
BARIS_PT = 14  # exact line height of body text (Bookman Old Style's own single spacing at 12 pt)
LEBAR_TEKS_CM = 21.0 - 2.5 - 2.0  # A4 minus left and right margins

# ---------------------------------------------------------------------------------------------
# Logo: a generic shield with a star. Deliberately not any real coat of arms.
# ---------------------------------------------------------------------------------------------


def _titik_perisai(x0: float, y0: float, x1: float, y1: float, n: int = 48) -> list[tuple[float, float]]:
    """Outline of a heater shield inside the box (x0, y0)-(x1, y1)."""
    lebar = x1 - x0
    tinggi = y1 - y0
    bahu = y0 + tinggi * 0.50  # where the straight sides end
    tengah = x0 + lebar / 2
    titik: list[tuple[float, float]] = []
    # top edge with a shallow dip in the middle
    for i in range(n + 1):
        t = i / n
        x = x0 + lebar * t
        y = y0 + tinggi * 0.04 * math.sin(math.pi * t)
        titik.append((x, y))
    # right side down to the shoulder
    titik.append((x1, bahu))
    # right curve to the tip (quadratic Bezier with control at the lower right)
    kontrol = (x1, y0 + tinggi * 0.86)
    for i in range(1, n + 1):
        t = i / n
        x = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * kontrol[0] + t**2 * tengah
        y = (1 - t) ** 2 * bahu + 2 * (1 - t) * t * kontrol[1] + t**2 * y1
        titik.append((x, y))
    # left curve from the tip back up to the shoulder
    kontrol = (x0, y0 + tinggi * 0.86)
    for i in range(1, n + 1):
        t = i / n
        x = (1 - t) ** 2 * tengah + 2 * (1 - t) * t * kontrol[0] + t**2 * x0
        y = (1 - t) ** 2 * y1 + 2 * (1 - t) * t * kontrol[1] + t**2 * bahu
        titik.append((x, y))
    return titik


def _titik_bintang(cx: float, cy: float, r_luar: float, r_dalam: float) -> list[tuple[float, float]]:
    titik = []
    for i in range(10):
        r = r_luar if i % 2 == 0 else r_dalam
        sudut = -math.pi / 2 + i * math.pi / 5
        titik.append((cx + r * math.cos(sudut), cy + r * math.sin(sudut)))
    return titik


def buat_logo(tujuan: Path) -> None:
    """Draw the emblem at 4x and downsample for smooth edges; 300 x 360 px, 300 dpi."""
    from PIL import Image, ImageDraw

    k = 4
    w, h = 300 * k, 360 * k
    img = Image.new("RGBA", (w, h), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)

    emas = (201, 162, 39, 255)
    hijau = (20, 96, 60, 255)
    biru = (22, 58, 120, 255)
    putih = (255, 255, 255, 255)

    # gold outer shield and green field
    d.polygon(_titik_perisai(10 * k, 10 * k, 290 * k, 350 * k), fill=emas)
    medan = _titik_perisai(24 * k, 26 * k, 276 * k, 330 * k)
    d.polygon(medan, fill=hijau)

    # blue chief (upper band), clipped to the field
    topeng = Image.new("L", (w, h), 0)
    dt_ = ImageDraw.Draw(topeng)
    dt_.polygon(medan, fill=255)
    dt_.rectangle((0, 150 * k, w, h), fill=0)
    img.paste(biru, (0, 0, w, h), topeng)
    d.line((24 * k, 150 * k, 276 * k, 150 * k), fill=emas, width=4 * k)

    # the star on the chief, three white waves on the field
    d.polygon(_titik_bintang(150 * k, 92 * k, 46 * k, 19 * k), fill=emas)
    for j, y in enumerate((196, 222, 248)):
        gelombang = []
        for i in range(61):
            x = 62 + i * 2.93
            gelombang.append((x * k, (y + 6 * math.sin(i / 60 * 4 * math.pi + j * 0.6)) * k))
        d.line(gelombang, fill=putih, width=7 * k, joint="curve")

    # thin gold line inside the rim
    d.line([*_titik_perisai(36 * k, 40 * k, 264 * k, 316 * k), (36 * k, 40 * k)], fill=emas, width=3 * k)

    img = img.resize((300, 360), Image.Resampling.LANCZOS)
    tujuan.parent.mkdir(parents=True, exist_ok=True)
    img.save(tujuan, format="PNG", dpi=(300, 300), optimize=True)


# ---------------------------------------------------------------------------------------------
# DOCX helpers (python-docx does not expose borders, cantSplit or table indents)
# ---------------------------------------------------------------------------------------------


# Schema order of the children we touch (python-docx deletes its own ``_tag_seq`` after class creation).
_URUTAN = {
    "pPr": (
        "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
        "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
        "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
        "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
        "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
        "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
        "w:sectPr", "w:pPrChange",
    ),
    "tblPr": (
        "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
        "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
        "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
        "w:tblPrChange",
    ),
    "trPr": (
        "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit",
        "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del",
        "w:trPrChange",
    ),
}  # fmt: skip


def _sisip(induk: Any, anak: Any) -> None:
    """Insert ``anak`` into ``induk`` (a pPr, tblPr or trPr) at its schema position, replacing any
    element of the same tag."""
    from docx.oxml.ns import qn

    urutan = _URUTAN[induk.tag.rsplit("}", 1)[-1]]
    for lama in induk.findall(anak.tag):
        induk.remove(lama)
    tags = [qn(t) for t in urutan]
    induk.insert_element_before(anak, *urutan[tags.index(anak.tag) + 1 :])


def _el(tag: str, **attr: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for k, v in attr.items():
        el.set(qn(f"w:{k}"), v)
    return el


def _garis_bawah_paragraf(paragraf: Any, jenis: str = "thickThinSmallGap", tebal: int = 24) -> None:
    pbdr = _el("w:pBdr")
    pbdr.append(_el("w:bottom", val=jenis, sz=str(tebal), space="1", color="000000"))
    _sisip(paragraf._p.get_or_add_pPr(), pbdr)


def _garis_atas_paragraf(paragraf: Any) -> None:
    pbdr = _el("w:pBdr")
    pbdr.append(_el("w:top", val="single", sz="4", space="2", color="808080"))
    _sisip(paragraf._p.get_or_add_pPr(), pbdr)


def _tabel_tanpa_garis(tabel: Any, lebar_cm: list[float], indent_cm: float = 0.0) -> None:
    """No borders, fixed layout, given column widths, optional left indent."""
    from docx.shared import Cm

    tblpr = tabel._tbl.tblPr
    borders = _el("w:tblBorders")
    for sisi in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{sisi}", val="nil"))
    _sisip(tblpr, borders)
    if indent_cm:
        _sisip(tblpr, _el("w:tblInd", w=str(int(indent_cm * 567)), type="dxa"))
    tabel.autofit = False
    total = sum(lebar_cm)
    _sisip(tblpr, _el("w:tblW", w=str(int(total * 567)), type="dxa"))
    grid = tabel._tbl.tblGrid
    for col, lebar in zip(grid.findall("{*}gridCol"), lebar_cm, strict=True):
        col.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w", str(int(lebar * 567)))
    for baris in tabel.rows:
        for sel, lebar in zip(baris.cells, lebar_cm, strict=True):
            sel.width = Cm(lebar)


def _baris_utuh(baris: Any) -> None:
    """The row may not break across pages."""
    _sisip(baris._tr.get_or_add_trPr(), _el("w:cantSplit"))


def _paragraf(
    wadah: Any,
    teks: str = "",
    *,
    tebal: bool = False,
    garis: bool = False,
    miring: bool = False,
    ukuran: float | None = None,
    rata: str = "kiri",
    spasi_sebelum: float = 0,
    spasi_sesudah: float = 0,
    inden_pertama_cm: float = 0,
    bersama_berikut: bool = False,
    pakai_yang_ada: bool = False,
    gambar: bool = False,
) -> Any:
    """Add a paragraph with one run (one placeholder-safe run) to a document, cell or footer.

    Text lines have an exact height (``BARIS_PT`` for body text, 1.2 x the size otherwise), so the
    letter lays out the same with Bookman Old Style in Word and its substitute in LibreOffice, whose
    font metrics would otherwise give much taller lines. ``gambar`` paragraphs (an InlineImage
    placeholder) use single spacing instead, as an exact height would clip the picture.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    if pakai_yang_ada and wadah.paragraphs and not wadah.paragraphs[0].text:
        p = wadah.paragraphs[0]
    else:
        p = wadah.add_paragraph()
    p.alignment = {
        "kiri": WD_ALIGN_PARAGRAPH.LEFT,
        "tengah": WD_ALIGN_PARAGRAPH.CENTER,
        "kanan": WD_ALIGN_PARAGRAPH.RIGHT,
        "rata": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[rata]
    pf = p.paragraph_format
    pf.space_before = Pt(spasi_sebelum)
    pf.space_after = Pt(spasi_sesudah)
    if gambar:
        pf.line_spacing = 1.0
    elif ukuran:
        pf.line_spacing = Pt(round(ukuran * 1.2 * 2) / 2)
    if inden_pertama_cm:
        pf.first_line_indent = Cm(inden_pertama_cm)
    if bersama_berikut:
        pf.keep_with_next = True
        pf.keep_together = True
    if teks:
        r = p.add_run(teks)
        r.bold = tebal or None
        r.underline = garis or None
        r.italic = miring or None
        if ukuran:
            r.font.size = Pt(ukuran)
    return p


def _atur_gaya(dok: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = dok.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(UKURAN_DASAR)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    for atribut in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(atribut), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = _el("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "id-ID")
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = Pt(BARIS_PT)
    pf.widow_control = True


def _atur_halaman(dok: Any) -> None:
    """A4 and the one set of margins of every template; the office's paper size ([surat].kertas, A4 or
    F4) replaces the page size when a letter is made (sakti_cli/documents/render.py), the margins stay."""
    from docx.shared import Cm

    s = dok.sections[0]
    s.page_width = Cm(21.0)
    s.page_height = Cm(29.7)
    s.top_margin = Cm(1.25)
    s.bottom_margin = Cm(2.0)
    s.left_margin = Cm(2.5)
    s.right_margin = Cm(2.0)
    s.header_distance = Cm(1.0)
    s.footer_distance = Cm(0.8)


# ---------------------------------------------------------------------------------------------
# SKTM
# ---------------------------------------------------------------------------------------------

_ISIAN_DATA = (
    ("Nama", "{{ data.nama }}", True),
    ("NIK", "{{ data.nik }}", False),
    ("Nomor KK", "{{ data.nomor_kk }}", False),
    ("Tempat/Tanggal Lahir", "{{ data.tempat_lahir }}, {{ data.tanggal_lahir }}", False),
    ("Jenis Kelamin", "{{ data.jenis_kelamin }}", False),
    ("Agama", "{{ data.agama }}", False),
    ("Pekerjaan", "{{ data.pekerjaan }}", False),
    (
        "Alamat",
        "{{ data.alamat }}, {{ data.desa_sebutan }}",
        False,
    ),
)


def _kop(dok: Any) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    tabel = dok.add_table(rows=1, cols=2)
    _tabel_tanpa_garis(tabel, [2.7, LEBAR_TEKS_CM - 2.7])
    sel_logo, sel_teks = tabel.rows[0].cells
    sel_logo.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    sel_teks.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _paragraf(sel_logo, "{{ logo }}", rata="tengah", pakai_yang_ada=True, gambar=True)
    _paragraf(
        sel_teks, "PEMERINTAH KABUPATEN {{ kantor.kabupaten_upper }}", tebal=True, ukuran=14,
        rata="tengah", pakai_yang_ada=True,
    )  # fmt: skip
    _paragraf(sel_teks, "KECAMATAN {{ kantor.kecamatan_upper }}", tebal=True, ukuran=18, rata="tengah")
    _paragraf(sel_teks, "{{ kantor.alamat }}", ukuran=10, rata="tengah", spasi_sebelum=2)
    _paragraf(sel_teks, "Email: {{ kantor.email }}", ukuran=10, rata="tengah")
    # the thick-thin rule under the kop: a tiny empty paragraph with a bottom border
    garis = _paragraf(dok, "", ukuran=2)
    _garis_bawah_paragraf(garis)
    from docx.shared import Pt

    garis.paragraph_format.line_spacing = Pt(4)


def _isi(dok: Any) -> None:
    _paragraf(dok, "SURAT KETERANGAN TIDAK MAMPU", tebal=True, garis=True, rata="tengah", spasi_sebelum=10)
    _paragraf(dok, "Nomor: {{ surat.nomor }}", rata="tengah", spasi_sesudah=12)
    _paragraf(
        dok,
        "Yang bertanda tangan di bawah ini, {{ ttd.jabatan }}, Kabupaten {{ kantor.kabupaten }}, "
        "dengan ini menerangkan bahwa:",
        rata="rata",
        inden_pertama_cm=1.25,
        spasi_sesudah=6,
    )

    lebar = [5.3, 0.5, LEBAR_TEKS_CM - 1.25 - 5.3 - 0.5]
    tabel = dok.add_table(rows=len(_ISIAN_DATA), cols=3)
    _tabel_tanpa_garis(tabel, lebar, indent_cm=1.25)
    for baris, (label, nilai, tebal) in zip(tabel.rows, _ISIAN_DATA, strict=True):
        _baris_utuh(baris)
        a, b, c = baris.cells
        _paragraf(a, label, pakai_yang_ada=True)
        _paragraf(b, ":", pakai_yang_ada=True)
        _paragraf(c, nilai, tebal=tebal, pakai_yang_ada=True)

    _paragraf(
        dok,
        "Orang tersebut di atas adalah benar penduduk {{ data.desa_sebutan }} Kecamatan "
        "{{ kantor.kecamatan }} Kabupaten {{ kantor.kabupaten }} dan berdasarkan Surat Pengantar "
        "{{ data.desa_kepala }} Nomor {{ data.nomor_pengantar }} tanggal "
        "{{ data.tanggal_pengantar }}, yang bersangkutan benar berasal dari keluarga yang tidak mampu "
        "secara ekonomi.",
        rata="rata",
        inden_pertama_cm=1.25,
        spasi_sebelum=6,
        spasi_sesudah=6,
    )
    _paragraf(
        dok,
        "Surat keterangan ini diberikan untuk keperluan {{ data.keperluan }}.",
        rata="rata",
        inden_pertama_cm=1.25,
        spasi_sesudah=6,
    )
    _paragraf(
        dok,
        "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dapat dipergunakan "
        "sebagaimana mestinya.",
        rata="rata",
        inden_pertama_cm=1.25,
        spasi_sesudah=10,
        bersama_berikut=True,  # never separated from the signature block
    )


def _tanda_tangan(dok: Any, sesudah: Any = None) -> None:
    """The signature block (a two-column table, the block in the right column); ``sesudah(dok)`` adds
    what follows it on the letter (tembusan)."""
    from docx.shared import Pt

    lebar_kanan = 8.0
    tabel = dok.add_table(rows=1, cols=2)
    _tabel_tanpa_garis(tabel, [LEBAR_TEKS_CM - lebar_kanan, lebar_kanan])
    baris = tabel.rows[0]
    _baris_utuh(baris)
    kiri, kanan = baris.cells
    _paragraf(kiri, "", pakai_yang_ada=True)

    def p(teks: str, **kw: Any) -> Any:
        return _paragraf(kanan, teks, rata="tengah", bersama_berikut=True, **kw)

    p("{{ surat.tempat_tanggal }}", pakai_yang_ada=True)
    p("{%p if ttd.baris_an %}")
    p("{{ ttd.baris_an }}")
    p("{%p endif %}")
    p("{{ ttd.jabatan }},")
    p("{{ qr }}", spasi_sebelum=3, spasi_sesudah=3, gambar=True)
    p("{{ ttd.nama }}", tebal=True, garis=True)
    p("{%p if ttd.pangkat %}")
    p("{{ ttd.pangkat }}")
    p("{%p endif %}")
    p("{%p if ttd.nip %}")
    _paragraf(kanan, "{{ ttd.nip }}", rata="tengah")
    p("{%p endif %}")

    if sesudah is not None:
        sesudah(dok)
        return
    # Word needs a paragraph after a final table; make it 1 pt high so it never pushes the
    # signature block onto a new page.
    akhir = _paragraf(dok, "", ukuran=1)
    akhir.paragraph_format.line_spacing = Pt(1)


def _kaki(dok: Any) -> None:
    footer = dok.sections[0].footer
    footer.is_linked_to_previous = False
    pertama = _paragraf(footer, "{{ catatan_tte }}", miring=True, ukuran=8, rata="kiri", pakai_yang_ada=True)
    _garis_atas_paragraf(pertama)
    _paragraf(footer, "Kode verifikasi: {{ surat.kode_verifikasi }}", ukuran=8, rata="kiri")


def buat_sktm(tujuan: Path) -> None:
    from docx import Document

    dok = Document()
    _atur_halaman(dok)
    _atur_gaya(dok)
    # python-docx starts with no paragraphs; remove anything the default template may carry
    body = dok.element.body
    for p in list(body.iterchildren("{*}p")):
        body.remove(p)

    _kop(dok)
    _isi(dok)
    _tanda_tangan(dok)
    _kaki(dok)

    cp = dok.core_properties
    cp.title = "Surat Keterangan Tidak Mampu"
    cp.subject = "Templat SAKTI"
    cp.author = "SAKTI"
    cp.last_modified_by = "SAKTI"
    cp.comments = "Dibuat oleh scripts/buat_templat.py; jangan diketik ulang di Word."
    cp.keywords = ""
    cp.revision = 1
    tetap = dt.datetime(2026, 1, 1, 0, 0, 0)
    cp.created = tetap
    cp.modified = tetap

    buf = io.BytesIO()
    dok.save(buf)
    _tulis_zip_tetap(buf.getvalue(), tujuan)


def _tulis_zip_tetap(data: bytes, tujuan: Path) -> None:
    """Rewrite the package with fixed member timestamps so rebuilds are byte-identical."""
    keluar = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(keluar, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            baru = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            baru.compress_type = zipfile.ZIP_DEFLATED
            baru.external_attr = 0o644 << 16
            zout.writestr(baru, zin.read(info.filename))
    tujuan.parent.mkdir(parents=True, exist_ok=True)
    tujuan.write_bytes(keluar.getvalue())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--ke", type=Path, default=AKAR / "templat", help="output folder (default: templat/)")
    args = ap.parse_args(argv)
    folder: Path = args.ke
    buat_logo(folder / "logo.png")
    buat_sktm(folder / "sktm.docx")
    print(f"ditulis: {folder / 'logo.png'}, {folder / 'sktm.docx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
