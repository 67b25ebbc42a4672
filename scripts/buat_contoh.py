"""Regenerate the example applications in contoh/ (fictitious people, every image marked CONTOH).

    python scripts/buat_contoh.py            # writes contoh/sktm/ and contoh/sktm-gagal/

contoh/sktm/        a complete SKTM application: pemohon.json, pengantar.pdf, ktp.jpg, kk.jpg
contoh/sktm-gagal/  an incomplete one: no KK, and "ktp.pdf" is really a JPEG photo of the card

The data below is the single source: pemohon.json and the scans are drawn from it, so the NIK on the
KTP image, the KK table and the pengantar always match the form. The README.md files are hand-written.
Output is deterministic (no clock, no randomness), so regenerating leaves git clean.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTOH = ROOT / "contoh"

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/liberation"),
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)

# --- the people ------------------------------------------------------------------------------------------

SKTM: dict[str, Any] = {
    "isian": {
        "nama": "Rusmini",
        "nik": "6201025403850003",
        "nomor_kk": "6201020903100012",
        "tempat_lahir": "Pangkalan Bun",
        "tanggal_lahir": "1985-03-14",
        "jenis_kelamin": "P",
        "agama": "Islam",
        "pekerjaan": "Mengurus Rumah Tangga",
        "alamat": "Jl. Padat Karya Gg. Sepakat No. 17 RT 004 RW 002",
        "desa": "Mendawai",
        "keperluan": "pengajuan keringanan biaya pendidikan anak",
        "nomor_pengantar": "400.9.14.1/112/KEL-MDW/XI/2026",
        "tanggal_pengantar": "2026-11-16",
    },
    "berkas": {"pengantar": "pengantar.pdf", "ktp": "ktp.jpg", "kk": "kk.jpg"},
    # only on the scans
    "jalan": "JL. PADAT KARYA GG. SEPAKAT NO. 17",
    "rt": "004",
    "rw": "002",
    "status_kawin": "KAWIN",
    "gol_darah": "O",
    "ktp_terbit": "12-05-2018",
    "nomor_rt": "17/RT.004/XI/2026",
    "tanggal_rt": "2026-11-14",
    "lurah": ("Hj. Noorhayati, S.Sos.", "19760412 199803 2 004"),
    "ketua_rt": "Sugiannor",
    "ketua_rw": "H. Abdul Rachman",
    "kk_terbit": "15-01-2021",
    "keluarga": [
        # nama, nik, L/P, tempat lahir, tanggal lahir, agama, pendidikan, pekerjaan, hubungan
        ("SUPRIADI", "6201022108810004", "L", "SAMPIT", "1981-08-21", "ISLAM", "SLTP/SEDERAJAT",
         "BURUH HARIAN LEPAS", "KEPALA KELUARGA"),
        ("RUSMINI", "6201025403850003", "P", "PANGKALAN BUN", "1985-03-14", "ISLAM", "SLTA/SEDERAJAT",
         "MENGURUS RUMAH TANGGA", "ISTRI"),
        ("NUR AISYAH", "6201024306100002", "P", "PANGKALAN BUN", "2010-06-03", "ISLAM", "TAMAT SD/SEDERAJAT",
         "PELAJAR/MAHASISWA", "ANAK"),
        ("MUHAMMAD RIZKI", "6201021901140001", "L", "PANGKALAN BUN", "2014-01-19", "ISLAM", "BELUM TAMAT SD",
         "PELAJAR/MAHASISWA", "ANAK"),
    ],
}  # fmt: skip

SKTM_GAGAL: dict[str, Any] = {
    "isian": {
        "nama": "Muhammad Ridwan",
        "nik": "6201020211780007",
        "nomor_kk": "6201021504090021",
        "tempat_lahir": "Kumai",
        "tanggal_lahir": "1978-11-02",
        "jenis_kelamin": "L",
        "agama": "Islam",
        "pekerjaan": "Buruh Harian Lepas",
        "alamat": "Jl. Sutan Syahrir Gg. Mufakat No. 5 RT 011 RW 003",
        "desa": "Raja",
        "keperluan": "pengajuan keringanan biaya berobat di RSUD Sultan Imanuddin",
        "nomor_pengantar": "400.9.14.1/087/KEL-RJ/XI/2026",
        "tanggal_pengantar": "2026-11-19",
    },
    # The KK was left at home; the KTP is a phone photo saved with a .pdf name.
    "berkas": {"pengantar": "pengantar.pdf", "ktp": "ktp.pdf"},
    "jalan": "JL. SUTAN SYAHRIR GG. MUFAKAT NO. 5",
    "rt": "011",
    "rw": "003",
    "status_kawin": "KAWIN",
    "gol_darah": "-",
    "ktp_terbit": "03-09-2016",
    "nomor_rt": "09/RT.011/XI/2026",
    "tanggal_rt": "2026-11-18",
    "lurah": ("Rahmat Hidayat, S.STP., M.Si.", "19850917 200312 1 002"),
    "ketua_rt": "Jumadi",
    "ketua_rw": "Saprudin",
}


def tanggal(iso: str) -> str:
    value = date.fromisoformat(iso)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def ddmmyyyy(iso: str) -> str:
    value = date.fromisoformat(iso)
    return f"{value.day:02d}-{value.month:02d}-{value.year}"


# --- fonts ------------------------------------------------------------------------------------------------


def font_file(*names: str) -> Path | None:
    for folder in FONT_DIRS:
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def pil_font(size: int, bold: bool = False, condensed: bool = False) -> Any:
    from PIL import ImageFont

    names: tuple[str, ...]
    if condensed:
        names = ("LiberationSansNarrow-Bold.ttf",) if bold else ("LiberationSansNarrow-Regular.ttf",)
        names += ("DejaVuSansCondensed-Bold.ttf",) if bold else ("DejaVuSansCondensed.ttf",)
    else:
        names = ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf", "arialbd.ttf") if bold else (
            "LiberationSans-Regular.ttf", "DejaVuSans.ttf", "arial.ttf")  # fmt: skip
    found = font_file(*names)
    if found is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(found), size)


# --- pengantar.pdf: one page, base-14 Times fonts, hand-written content stream ---------------------------


class PdfText:
    """Collects PDF drawing operators; widths from Liberation Serif (metric-compatible with Times)."""

    def __init__(self) -> None:
        self.ops: list[str] = []
        self._metrics: dict[bool, Any] = {}

    def width(self, text: str, size: float, bold: bool = False) -> float:
        if bold not in self._metrics:
            from PIL import ImageFont

            found = font_file("LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf")
            self._metrics[bold] = ImageFont.truetype(str(found), 1000) if found else None
        font = self._metrics[bold]
        if font is None:
            return len(text) * size * 0.5
        return float(font.getlength(text)) * size / 1000

    @staticmethod
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    def text(self, x: float, y: float, text: str, size: float = 11, bold: bool = False) -> None:
        font = "/F2" if bold else "/F1"
        self.ops.append(f"BT {font} {size} Tf {x:.1f} {y:.1f} Td ({self.escape(text)}) Tj ET")

    def center(self, y: float, text: str, size: float = 11, bold: bool = False, mid: float = 297.6) -> None:
        self.text(mid - self.width(text, size, bold) / 2, y, text, size, bold)

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 1) -> None:
        self.ops.append(f"{width} w {x1:.1f} {y1:.1f} m {x2:.1f} {y2:.1f} l S")

    def circle(self, cx: float, cy: float, r: float) -> None:
        k = 0.5523 * r
        self.ops.append(
            f"{cx + r:.1f} {cy:.1f} m "
            f"{cx + r:.1f} {cy + k:.1f} {cx + k:.1f} {cy + r:.1f} {cx:.1f} {cy + r:.1f} c "
            f"{cx - k:.1f} {cy + r:.1f} {cx - r:.1f} {cy + k:.1f} {cx - r:.1f} {cy:.1f} c "
            f"{cx - r:.1f} {cy - k:.1f} {cx - k:.1f} {cy - r:.1f} {cx:.1f} {cy - r:.1f} c "
            f"{cx + k:.1f} {cy - r:.1f} {cx + r:.1f} {cy - k:.1f} {cx + r:.1f} {cy:.1f} c S"
        )

    def raw(self, op: str) -> None:
        self.ops.append(op)


def write_pengantar(person: dict[str, Any], target: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    isian = person["isian"]
    desa = isian["desa"]
    lurah, nip = person["lurah"]
    pdf = PdfText()
    left = 72.0

    # Watermark first, so the text is drawn over it.
    angle = math.radians(35)
    cos, sin = math.cos(angle), math.sin(angle)
    pdf.raw(f"q 0.88 g BT /F2 96 Tf {cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f} 120 250 Tm (CONTOH) Tj ET Q")
    pdf.raw(f"q 0.88 g BT /F2 30 Tf {cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f} 150 200 Tm (SPESIMEN) Tj ET Q")

    pdf.center(790, "PEMERINTAH KABUPATEN KOTAWARINGIN BARAT", 13, bold=True)
    pdf.center(774, "KECAMATAN ARUT SELATAN", 13, bold=True)
    pdf.center(756, f"KELURAHAN {desa.upper()}", 15, bold=True)
    pdf.center(741, "Pangkalan Bun, Kalimantan Tengah", 10)
    pdf.line(left, 733, 595.2 - left, 733, 2)
    pdf.line(left, 730, 595.2 - left, 730, 0.6)

    pdf.center(704, "SURAT PENGANTAR", 13, bold=True)
    pdf.line(247, 701, 348, 701, 0.8)
    pdf.center(688, f"Nomor: {isian['nomor_pengantar']}", 11)

    y = 658.0
    intro = (
        f"Yang bertanda tangan di bawah ini, Lurah {desa} Kecamatan Arut Selatan Kabupaten",
        "Kotawaringin Barat, menerangkan bahwa:",
    )
    for row in intro:
        pdf.text(left, y, row)
        y -= 16
    y -= 6
    jk = "Laki-laki" if isian["jenis_kelamin"] == "L" else "Perempuan"
    fields = (
        ("Nama", isian["nama"]),
        ("NIK", isian["nik"]),
        ("Tempat/Tgl. Lahir", f"{isian['tempat_lahir']}, {tanggal(isian['tanggal_lahir'])}"),
        ("Jenis Kelamin", jk),
        ("Agama", isian["agama"]),
        ("Pekerjaan", isian["pekerjaan"]),
        ("Alamat", isian["alamat"]),
        ("", f"Kelurahan {desa}, Kecamatan Arut Selatan"),
    )
    for label, value in fields:
        pdf.text(left + 24, y, label)
        if label:
            pdf.text(left + 140, y, ":")
        pdf.text(left + 150, y, value)
        y -= 16
    y -= 8
    body = (
        f"Berdasarkan Surat Pengantar Ketua RT {person['rt']} RW {person['rw']} Nomor {person['nomor_rt']}",
        f"tanggal {tanggal(person['tanggal_rt'])}, orang tersebut di atas benar warga Kelurahan {desa}",
        "dan menurut pengamatan kami termasuk keluarga kurang mampu.",
        "",
        "Surat pengantar ini diberikan untuk mengurus Surat Keterangan Tidak Mampu (SKTM) di",
        f"Kecamatan Arut Selatan, guna {isian['keperluan']}.",
        "",
        "Demikian surat pengantar ini dibuat untuk dipergunakan sebagaimana mestinya.",
    )
    for row in body:
        pdf.text(left, y, row)
        y -= 16

    # Signatures: RT and RW on the left ("Mengetahui"), the lurah on the right.
    y -= 14
    right = 340.0
    pdf.text(right, y, f"Pangkalan Bun, {tanggal(isian['tanggal_pengantar'])}")
    pdf.text(right, y - 16, f"Lurah {desa},")
    pdf.text(left, y - 16, "Mengetahui,")
    pdf.text(left, y - 32, f"Ketua RT {person['rt']}")
    pdf.text(left + 120, y - 32, f"Ketua RW {person['rw']}")
    pdf.raw("q 0.2 0.3 0.7 RG")
    pdf.circle(right + 40, y - 58, 30)
    pdf.circle(right + 40, y - 58, 24)
    pdf.raw("Q")
    pdf.raw(f"q 0.2 0.3 0.7 rg BT /F2 7 Tf {right + 22:.1f} {y - 61:.1f} Td (CAP LURAH) Tj ET Q")
    pdf.line(right + 20, y - 70, right + 110, y - 52, 0.7)  # the signature stroke
    sign_y = y - 96
    pdf.text(left, sign_y, person["ketua_rt"], bold=True)
    pdf.text(left + 120, sign_y, person["ketua_rw"], bold=True)
    pdf.text(right, sign_y, lurah, bold=True)
    pdf.text(right, sign_y - 14, f"NIP. {nip}", 10)

    pdf.center(40, "CONTOH / SPESIMEN - data fiktif untuk demonstrasi SAKTI, bukan dokumen resmi", 8)

    writer = PdfWriter()
    page = writer.add_blank_page(595.2, 841.8)
    fonts = DictionaryObject()
    for key, base in (("/F1", "/Times-Roman"), ("/F2", "/Times-Bold")):
        fonts[NameObject(key)] = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject(base),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    content = ContentStream(None, writer)
    content.set_data("\n".join(pdf.ops).encode("cp1252"))
    page.replace_contents(content)
    page.compress_content_streams()
    writer.add_metadata({"/Title": f"Surat Pengantar Kelurahan {desa} (CONTOH)", "/Producer": "sakti contoh"})
    with open(target, "wb") as handle:
        writer.write(handle)


# --- ktp.jpg: a specimen KTP-el card ---------------------------------------------------------------------


def stamp_contoh(card: Any, size: int, angle: float, alpha: int = 110) -> Any:
    """Overlay a big translucent red 'CONTOH' across the image."""
    from PIL import Image, ImageDraw

    font = pil_font(size, bold=True)
    layer = Image.new("RGBA", card.size, (0, 0, 0, 0))
    text_img = Image.new("RGBA", (int(font.getlength("CONTOH")) + 20, size + 30), (0, 0, 0, 0))
    ImageDraw.Draw(text_img).text((10, 5), "CONTOH", font=font, fill=(200, 20, 20, alpha))
    text_img = text_img.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    x = (card.width - text_img.width) // 2
    y = (card.height - text_img.height) // 2
    layer.alpha_composite(text_img, (max(x, 0), max(y, 0)))
    return Image.alpha_composite(card.convert("RGBA"), layer).convert("RGB")


def draw_ktp(person: dict[str, Any]) -> Any:
    from PIL import Image, ImageDraw

    isian = person["isian"]
    width, height = 600, 380
    card = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(card)
    for y in range(height):  # pale blue gradient like the KTP-el
        shade = int(18 * y / height)
        draw.line([(0, y), (width, y)], fill=(196 - shade, 224 - shade, 240 - shade // 2))
    for r in range(40, 260, 22):  # guilloche-like arcs
        draw.arc(
            [width - 170 - r, 110 - r, width - 170 + r, 110 + r], 160, 320, fill=(170, 205, 228), width=2
        )
    draw.rounded_rectangle([1, 1, width - 2, height - 2], radius=18, outline=(110, 150, 190), width=2)

    head = pil_font(17, bold=True)
    for text, y in (("PROVINSI KALIMANTAN TENGAH", 12), ("KABUPATEN KOTAWARINGIN BARAT", 34)):
        draw.text(((width - head.getlength(text)) / 2, y), text, font=head, fill=(20, 20, 20))
    nik_font = pil_font(21, bold=True)
    draw.text((18, 64), "NIK", font=nik_font, fill=(20, 20, 20))
    draw.text((118, 64), f": {isian['nik']}", font=nik_font, fill=(20, 20, 20))

    label_font = pil_font(12, condensed=True)
    value_font = pil_font(12, bold=True, condensed=True)
    jk = "LAKI-LAKI" if isian["jenis_kelamin"] == "L" else "PEREMPUAN"
    rows = (
        ("Nama", isian["nama"].upper()),
        ("Tempat/Tgl Lahir", f"{isian['tempat_lahir'].upper()}, {ddmmyyyy(isian['tanggal_lahir'])}"),
        ("Jenis kelamin", f"{jk}          Gol. Darah : {person['gol_darah']}"),
        ("Alamat", person["jalan"]),
        ("     RT/RW", f"{person['rt']}/{person['rw']}"),
        ("     Kel/Desa", isian["desa"].upper()),
        ("     Kecamatan", "ARUT SELATAN"),
        ("Agama", isian["agama"].upper()),
        ("Status Perkawinan", person["status_kawin"]),
        ("Pekerjaan", isian["pekerjaan"].upper()),
        ("Kewarganegaraan", "WNI"),
        ("Berlaku Hingga", "SEUMUR HIDUP"),
    )
    y = 100
    for label, value in rows:
        draw.text((18, y), label, font=label_font, fill=(30, 30, 30))
        draw.text((128, y), ":", font=label_font, fill=(30, 30, 30))
        draw.text((138, y), value, font=value_font, fill=(15, 15, 15))
        y += 20

    # Photo placeholder: red background, grey silhouette.
    box = (452, 92, 572, 252)
    draw.rectangle(box, fill=(196, 52, 52))
    draw.ellipse([487, 112, 537, 172], fill=(150, 150, 150))
    draw.pieslice([467, 168, 557, 292], 180, 360, fill=(150, 150, 150))
    draw.rectangle([box[0], 252, box[2], 256], fill=(196, 220, 236))
    small = pil_font(11, condensed=True)
    for text, yy in (("KOTAWARINGIN BARAT", 262), (person["ktp_terbit"], 276)):
        draw.text((512 - small.getlength(text) / 2, yy), text, font=small, fill=(20, 20, 20))
    draw.line([(478, 318), (494, 300), (505, 322), (521, 298), (540, 316)], fill=(30, 30, 90), width=2)

    card = stamp_contoh(card, 96, 18)
    draw = ImageDraw.Draw(card)
    band = pil_font(12, bold=True)
    note = "SPESIMEN - DATA FIKTIF - BUKAN DOKUMEN KEPENDUDUKAN"
    draw.rectangle([0, height - 24, width, height], fill=(200, 20, 20))
    draw.text(((width - band.getlength(note)) / 2, height - 20), note, font=band, fill=(255, 255, 255))
    return card


# --- kk.jpg: a specimen Kartu Keluarga -------------------------------------------------------------------


def draw_kk(person: dict[str, Any]) -> Any:
    from PIL import Image, ImageDraw

    isian = person["isian"]
    width, height = 1000, 560
    card = Image.new("RGB", (width, height), (250, 250, 246))
    draw = ImageDraw.Draw(card)
    title = pil_font(24, bold=True)
    draw.text(
        ((width - title.getlength("KARTU KELUARGA")) / 2, 14), "KARTU KELUARGA", font=title, fill=(20, 20, 20)
    )
    number = f"No. {isian['nomor_kk']}"
    sub = pil_font(15, bold=True)
    draw.text(((width - sub.getlength(number)) / 2, 44), number, font=sub, fill=(20, 20, 20))

    label = pil_font(12, condensed=True)
    value = pil_font(12, bold=True, condensed=True)
    head = person["keluarga"][0][0]
    left_rows = (
        ("Nama Kepala Keluarga", head),
        ("Alamat", person["jalan"]),
        ("RT/RW", f"{person['rt']}/{person['rw']}"),
        ("Desa/Kelurahan", isian["desa"].upper()),
    )
    right_rows = (
        ("Kecamatan", "ARUT SELATAN"),
        ("Kabupaten/Kota", "KOTAWARINGIN BARAT"),
        ("Kode Pos", "74112"),
        ("Provinsi", "KALIMANTAN TENGAH"),
    )
    for column, rows in ((30, left_rows), (600, right_rows)):
        y = 78
        for name, text in rows:
            draw.text((column, y), name, font=label, fill=(30, 30, 30))
            draw.text((column + 140, y), ":", font=label, fill=(30, 30, 30))
            draw.text((column + 150, y), text, font=value, fill=(15, 15, 15))
            y += 18

    columns = (
        ("No", 30), ("Nama Lengkap", 150), ("NIK", 135), ("Jenis Kelamin", 90), ("Tempat Lahir", 115),
        ("Tanggal Lahir", 90), ("Agama", 60), ("Pendidikan", 115), ("Jenis Pekerjaan", 155),
    )  # fmt: skip
    cell = pil_font(11, condensed=True)
    cell_bold = pil_font(11, bold=True, condensed=True)

    def table(top: int, header: tuple[tuple[str, int], ...], rows: Sequence[tuple[str, ...]]) -> int:
        x0 = 30
        total = sum(w for _, w in header)
        draw.rectangle([x0, top, x0 + total, top + 22], fill=(214, 226, 214))
        x = x0
        for name, w in header:
            draw.text((x + 4, top + 5), name, font=cell_bold, fill=(20, 20, 20))
            x += w
        y = top + 22
        for row in rows:
            x = x0
            for (_, w), text in zip(header, row, strict=True):
                draw.text((x + 4, y + 5), text, font=cell, fill=(20, 20, 20))
                x += w
            y += 22
        x = x0
        for _, w in header:
            draw.line([(x, top), (x, y)], fill=(90, 90, 90))
            x += w
        draw.line([(x, top), (x, y)], fill=(90, 90, 90))
        for yy in range(top, y + 1, 22):
            draw.line([(x0, yy), (x0 + total, yy)], fill=(90, 90, 90))
        return y

    members = person["keluarga"]
    first = [
        (
            str(i),
            m[0],
            m[1],
            "LAKI-LAKI" if m[2] == "L" else "PEREMPUAN",
            m[3],
            ddmmyyyy(m[4]),
            m[5],
            m[6],
            m[7],
        )
        for i, m in enumerate(members, 1)
    ]
    bottom = table(162, columns, first)
    second_header = (
        ("No", 30), ("Status Perkawinan", 130), ("Status Hubungan Dalam Keluarga", 200),
        ("Kewarganegaraan", 120), ("Nama Ayah", 150), ("Nama Ibu", 150),
    )  # fmt: skip
    second = []
    for i, m in enumerate(members, 1):
        child = m[8] == "ANAK"
        second.append(
            (
                str(i),
                "BELUM KAWIN" if child else "KAWIN",
                m[8],
                "WNI",
                members[0][0] if child else "-",
                members[1][0] if child else "-",
            )
        )
    bottom = table(bottom + 20, second_header, second)

    foot = pil_font(11, condensed=True)
    draw.text(
        (640, bottom + 18), f"Dikeluarkan Tanggal : {person['kk_terbit']}", font=foot, fill=(20, 20, 20)
    )
    draw.text(
        (640, bottom + 36), "KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL", font=foot, fill=(20, 20, 20)
    )
    draw.text((640, bottom + 52), "KABUPATEN KOTAWARINGIN BARAT", font=foot, fill=(20, 20, 20))
    draw.rectangle([640, bottom + 72, 700, bottom + 132], outline=(20, 20, 20), width=2)
    draw.text((652, bottom + 94), "TTE", font=sub, fill=(20, 20, 20))
    draw.text((30, bottom + 18), f"Kepala Keluarga: {head}", font=foot, fill=(20, 20, 20))

    card = stamp_contoh(card, 150, 12, alpha=90)
    draw = ImageDraw.Draw(card)
    band = pil_font(13, bold=True)
    note = "SPESIMEN - DATA FIKTIF - BUKAN DOKUMEN KEPENDUDUKAN"
    draw.rectangle([0, height - 26, width, height], fill=(200, 20, 20))
    draw.text(((width - band.getlength(note)) / 2, height - 21), note, font=band, fill=(255, 255, 255))
    return card


def phone_photo(card: Any) -> Any:
    """The card photographed on a wooden table: tilted, with a shadow, slightly soft."""
    from PIL import Image, ImageDraw, ImageFilter

    canvas = Image.new("RGB", (760, 560), (150, 108, 72))
    draw = ImageDraw.Draw(canvas)
    for y in range(0, 560, 7):  # wood grain
        tone = 140 + (y * 37 % 23)
        draw.line([(0, y), (760, y + 18)], fill=(tone, 100 + tone % 17, 64), width=3)
    shadow = Image.new("RGBA", card.size, (0, 0, 0, 90)).rotate(-4, expand=True)
    canvas.paste(shadow, (92, 106), shadow)
    tilted = card.convert("RGBA").rotate(-4, expand=True, resample=Image.Resampling.BICUBIC)
    canvas.paste(tilted, (76, 88), tilted)
    return canvas.filter(ImageFilter.GaussianBlur(0.8))


# --- main -------------------------------------------------------------------------------------------------


def write_json(person: dict[str, Any], target: Path) -> None:
    data = {"layanan": "sktm", "isian": person["isian"], "berkas": person["berkas"]}
    target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    ok_dir = CONTOH / "sktm"
    bad_dir = CONTOH / "sktm-gagal"
    ok_dir.mkdir(parents=True, exist_ok=True)
    bad_dir.mkdir(parents=True, exist_ok=True)

    write_json(SKTM, ok_dir / "pemohon.json")
    write_pengantar(SKTM, ok_dir / "pengantar.pdf")
    draw_ktp(SKTM).save(ok_dir / "ktp.jpg", "JPEG", quality=80, optimize=True)
    draw_kk(SKTM).save(ok_dir / "kk.jpg", "JPEG", quality=75, optimize=True)

    write_json(SKTM_GAGAL, bad_dir / "pemohon.json")
    write_pengantar(SKTM_GAGAL, bad_dir / "pengantar.pdf")
    # A JPEG photo saved under a .pdf name: the check must catch it by content.
    phone_photo(draw_ktp(SKTM_GAGAL)).save(bad_dir / "ktp.pdf", "JPEG", quality=70, optimize=True)

    for folder in (ok_dir, bad_dir):
        for path in sorted(folder.iterdir()):
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
