"""Regenerate the example applications in contoh/ (fictitious people, every image marked CONTOH).

    python scripts/buat_contoh.py            # writes contoh/<layanan>/ and contoh/<layanan>-gagal/

For each of the seven services, contoh/<layanan>/ is a complete application and contoh/<layanan>-gagal/
one that fails for a realistic reason (see its README.md and tests/test_layanan_contoh.py).

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
        "telepon": "0812-5123-4567",
        "surel": "rusmini@contoh.example",
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

    save_pdf([pdf], f"Surat Pengantar Kelurahan {desa} (CONTOH)", target)


def save_pdf(pages: list[PdfText], title: str, target: Path) -> None:
    """One A4 page per PdfText, base-14 Times fonts, compressed, deterministic."""
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    writer = PdfWriter()
    for pdf in pages:
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
    writer.add_metadata({"/Title": title, "/Producer": "sakti contoh"})
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


# --- the other six services: generic specimen documents --------------------------------------------------


def write_document(title: str, lines: Sequence[str], target: Path, pages: int = 1, *,
                   kop: Sequence[str] = ("PEMERINTAH KABUPATEN KOTAWARINGIN BARAT", "KECAMATAN ARUT SELATAN"),
                   date_line: str | None = None, signer: str | None = None) -> None:
    """A specimen letter or form: kop, title, body lines, signature, CONTOH watermark; ``pages`` pages."""
    out = []
    for number in range(1, pages + 1):
        pdf = PdfText()
        left = 72.0
        angle = math.radians(35)
        cos, sin = math.cos(angle), math.sin(angle)
        pdf.raw(f"q 0.88 g BT /F2 96 Tf {cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f} 120 250 Tm (CONTOH) Tj ET Q")
        y = 790.0
        for index, row in enumerate(kop):
            pdf.center(y, row, 13 if index < 2 else 11, bold=True)
            y -= 16
        pdf.line(left, y + 4, 595.2 - left, y + 4, 2)
        y -= 26
        pdf.center(y, title if number == 1 else f"{title} (lanjutan)", 13, bold=True)
        y -= 28
        for row in lines if number == 1 else ("Lampiran: rincian sebagaimana tersebut pada halaman 1.",):
            pdf.text(left, y, row)
            y -= 16
        if number == pages and (date_line or signer):
            y -= 20
            if date_line:
                pdf.text(340, y, date_line)
            if signer:
                pdf.line(360, y - 46, 470, y - 30, 0.7)
                pdf.text(340, y - 70, signer, bold=True)
        pdf.center(40, f"CONTOH / SPESIMEN - data fiktif untuk demonstrasi SAKTI - halaman {number} dari {pages}", 8)
        out.append(pdf)
    save_pdf(out, f"{title} (CONTOH)", target)


def draw_document_image(title: str, lines: Sequence[str], size: tuple[int, int] = (760, 520)) -> Any:
    """A photographed paper document (KK, SK, letter): title, text rows, CONTOH stamp."""
    from PIL import Image, ImageDraw

    width, height = size
    card = Image.new("RGB", size, (250, 250, 244))
    draw = ImageDraw.Draw(card)
    head = pil_font(20, bold=True)
    draw.text(((width - head.getlength(title)) / 2, 16), title, font=head, fill=(20, 20, 20))
    body = pil_font(13, condensed=True)
    y = 60
    for row in lines:
        draw.text((28, y), row, font=body, fill=(25, 25, 25))
        y += 22
    draw.rectangle([8, 8, width - 8, height - 8], outline=(120, 120, 120), width=2)
    card = stamp_contoh(card, 110, 14, alpha=90)
    draw = ImageDraw.Draw(card)
    band = pil_font(12, bold=True)
    note = "SPESIMEN - DATA FIKTIF"
    draw.rectangle([0, height - 24, width, height], fill=(200, 20, 20))
    draw.text(((width - band.getlength(note)) / 2, height - 20), note, font=band, fill=(255, 255, 255))
    return card


def draw_pasfoto(background: tuple[int, int, int]) -> Any:
    """A 4x6 pas foto at 200 x 300 px: coloured background, grey silhouette, CONTOH."""
    from PIL import Image, ImageDraw

    photo = Image.new("RGB", (200, 300), background)
    draw = ImageDraw.Draw(photo)
    draw.ellipse([62, 50, 138, 140], fill=(150, 150, 150))
    draw.pieslice([22, 130, 178, 360], 180, 360, fill=(110, 110, 110))
    return stamp_contoh(photo, 46, 30, alpha=140)


def ktp_person(isian: dict[str, Any], jalan: str, rt: str, rw: str, status: str = "KAWIN") -> dict[str, Any]:
    """The fields draw_ktp reads, from one person's data (the keys SKTM uses)."""
    return {"isian": isian, "jalan": jalan.upper(), "rt": rt, "rw": rw, "status_kawin": status,
            "gol_darah": "-", "ktp_terbit": "10-02-2019"}


def save_ktp(isian: dict[str, Any], target: Path, alamat: tuple[str, str, str] = ("JL. PAKUNEGARA", "001", "002"),
             status: str = "KAWIN") -> None:
    draw_ktp(ktp_person(isian, *alamat, status=status)).save(target, "JPEG", quality=62, optimize=True)


def save_kk(nomor: str, kepala: str, anggota: Sequence[str], desa: str, target: Path) -> None:
    lines = [f"No. {nomor}", f"Nama Kepala Keluarga : {kepala.upper()}", f"Desa/Kelurahan : {desa.upper()}",
             "Kecamatan : ARUT SELATAN    Kabupaten : KOTAWARINGIN BARAT", "", "Anggota keluarga:"]
    lines += [f"  {i}. {name.upper()}" for i, name in enumerate(anggota, 1)]
    draw_document_image("KARTU KELUARGA", lines).save(target, "JPEG", quality=60, optimize=True)


def save_image_doc(title: str, lines: Sequence[str], target: Path) -> None:
    draw_document_image(title, lines).save(target, "JPEG", quality=60, optimize=True)


def write_example(folder: Path, layanan: str, isian: dict[str, Any], berkas: dict[str, Any],
                  asli: list[str] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"layanan": layanan, "isian": isian, "berkas": berkas}
    if asli:
        data["asli"] = asli
    (folder / "pemohon.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def pengantar_desa(desa: str, nomor: str, tanggal_iso: str, lines: Sequence[str], target: Path) -> None:
    kop = ("PEMERINTAH KABUPATEN KOTAWARINGIN BARAT", "KECAMATAN ARUT SELATAN", f"DESA/KELURAHAN {desa.upper()}")
    write_document("SURAT PENGANTAR", [f"Nomor: {nomor}", "", *lines], target, kop=kop,
                   date_line=f"{desa}, {tanggal(tanggal_iso)}", signer=f"Kepala Desa/Lurah {desa}")


# SKCK ------------------------------------------------------------------------------------------------------

SKCK = {
    "nama": "Ahmad Fauzi", "nik": "6201020907010005", "nomor_kk": "6201021203150007",
    "tempat_lahir": "Pangkalan Bun", "tanggal_lahir": "2001-07-09", "jenis_kelamin": "L", "agama": "Islam",
    "status_perkawinan": "Belum kawin", "pekerjaan": "Belum/Tidak Bekerja",
    "alamat": "Jl. Pangeran Antasari Gg. Melati No. 8 RT 005 RW 002", "desa": "Sidorejo",
    "keperluan": "melamar pekerjaan di PT Sawit Sumbermas Sarana", "nomor_pengantar": "300/045/KEL-SDJ/XI/2026",
    "tanggal_pengantar": "2026-11-18",
}  # fmt: skip
SKCK_GAGAL = {
    "nama": "Dewi Lestari", "nik": "6201026502980011", "nomor_kk": "6201020406200003",
    "tempat_lahir": "Kumai", "tanggal_lahir": "1998-02-25", "jenis_kelamin": "P", "agama": "Kristen",
    "status_perkawinan": "Kawin", "pekerjaan": "Karyawan Swasta",
    "alamat": "Jl. Iskandar No. 21 RT 003 RW 001", "desa": "Baru",
    "keperluan": "persyaratan melamar CPNS", "nomor_pengantar": "300/112/KEL-BR/XI/2026",
    "tanggal_pengantar": "2026-11-17",
}  # fmt: skip


def make_skck(folder: Path, isian: dict[str, Any], photos: int) -> None:
    fotos = [f"foto-{i}.jpg" for i in range(1, photos + 1)]
    write_example(folder, "skck", isian, {"pengantar": "pengantar.pdf", "ktp": "ktp.jpg", "kk": "kk.jpg",
                                          "ijazah": "ijazah.pdf", "foto": fotos if photos > 1 else fotos[0]})
    pengantar_desa(isian["desa"], isian["nomor_pengantar"], isian["tanggal_pengantar"], [
        f"Nama : {isian['nama']}", f"NIK : {isian['nik']}", f"Alamat : {isian['alamat']}", "",
        "Orang tersebut benar warga kami dan berkelakuan baik.",
        "Pengantar ini untuk mengurus SKCK melalui Kecamatan Arut Selatan."], folder / "pengantar.pdf")
    single = isian["status_perkawinan"] == "Belum kawin"
    save_ktp(isian, folder / "ktp.jpg", status="BELUM KAWIN" if single else "KAWIN")
    save_kk(isian["nomor_kk"], isian["nama"], [isian["nama"]], isian["desa"], folder / "kk.jpg")
    write_document("IJAZAH", [f"Diberikan kepada: {isian['nama']}", f"Lahir: {isian['tempat_lahir']}, "
                              f"{tanggal(isian['tanggal_lahir'])}", "Sekolah Menengah Kejuruan Negeri 1 Pangkalan Bun",
                              "Dinyatakan LULUS."], folder / "ijazah.pdf", kop=("KEMENTERIAN PENDIDIKAN",))
    for index, name in enumerate(fotos):
        draw_pasfoto((196, 52, 52) if index % 2 == 0 else (190, 50, 50)).save(folder / name, "JPEG", quality=70)


# Dispensasi nikah --------------------------------------------------------------------------------------------

DISPENSASI = {
    "nama_suami": "Rizky Pratama", "nik_suami": "6201021708010003", "tempat_lahir_suami": "Pangkalan Bun",
    "tanggal_lahir_suami": "2001-08-17", "agama_suami": "Islam", "pekerjaan_suami": "Wiraswasta",
    "alamat_suami": "Jl. HM Rafi'i No. 12 RT 002 RW 001, Kelurahan Madurejo",
    "nama_istri": "Nurul Hidayah", "nik_istri": "6201025005060004", "tempat_lahir_istri": "Pangkalan Bun",
    "tanggal_lahir_istri": "2006-05-10", "agama_istri": "Islam", "pekerjaan_istri": "Belum/Tidak Bekerja",
    "alamat_istri": "Jl. Ahmad Yani Gg. Kenanga No. 3 RT 007 RW 002", "desa": "Mendawai",
    "kua": "KUA Kecamatan Arut Selatan", "tanggal_daftar_kua": "2026-11-19", "tanggal_akad": "2026-12-01",
    "tempat_akad": "kediaman mempelai perempuan, Jl. Ahmad Yani Gg. Kenanga No. 3, Pangkalan Bun",
}  # fmt: skip
DISPENSASI_GAGAL = {
    "nama_suami": "Hendra Gunawan", "nik_suami": "6201020303950008", "tempat_lahir_suami": "Sampit",
    "tanggal_lahir_suami": "1995-03-03", "agama_suami": "Islam", "pekerjaan_suami": "Karyawan Swasta",
    "alamat_suami": "Jl. Malijo No. 5 RT 004 RW 003, Kelurahan Baru",
    "nama_istri": "Siti Aisyah", "nik_istri": "6201026109970006", "tempat_lahir_istri": "Pangkalan Bun",
    "tanggal_lahir_istri": "1997-09-21", "agama_istri": "Islam", "pekerjaan_istri": "Guru Honorer",
    "alamat_istri": "Jl. Kawitan No. 9 RT 001 RW 001", "desa": "Raja",
    "kua": "KUA Kecamatan Arut Selatan", "tanggal_daftar_kua": "2026-11-13", "tanggal_akad": "2026-11-28",
    "tempat_akad": "Masjid Agung Pangkalan Bun",
}  # fmt: skip


def make_dispensasi(folder: Path, isian: dict[str, Any], izin: bool) -> None:
    berkas = {"rekomendasi": "rekomendasi.pdf", "pemberitahuan_kua": "pemberitahuan_kua.pdf",
              "ktp_suami": "ktp_suami.jpg", "ktp_istri": "ktp_istri.jpg", "kk_suami": "kk_suami.jpg",
              "kk_istri": "kk_istri.jpg", "formulir_n": ["n1.pdf", "n2.pdf"],
              "status_perkawinan": "status_perkawinan.pdf"}
    if izin:
        berkas["izin_orang_tua"] = "izin_orang_tua.pdf"
    write_example(folder, "dispensasi-nikah", isian, berkas)
    pengantar_desa(isian["desa"], "474.2/031/KEL/XI/2026", isian["tanggal_daftar_kua"], [
        f"Merekomendasikan pernikahan {isian['nama_suami']} dengan {isian['nama_istri']}",
        f"yang akan dilaksanakan pada {tanggal(isian['tanggal_akad'])}."], folder / "rekomendasi.pdf")
    write_document("PEMBERITAHUAN KEKURANGAN WAKTU", [
        f"Pemberitahuan kehendak nikah {isian['nama_suami']} dan {isian['nama_istri']}",
        f"diterima tanggal {tanggal(isian['tanggal_daftar_kua'])}, akad {tanggal(isian['tanggal_akad'])}:",
        "kurang dari 10 hari kerja. Diperlukan dispensasi dari Camat."], folder / "pemberitahuan_kua.pdf",
        kop=("KEMENTERIAN AGAMA KABUPATEN KOTAWARINGIN BARAT", "KANTOR URUSAN AGAMA KECAMATAN ARUT SELATAN"),
        date_line=f"Pangkalan Bun, {tanggal(isian['tanggal_daftar_kua'])}", signer="Kepala KUA")
    for role, sex in (("suami", "L"), ("istri", "P")):
        person = {"nama": isian[f"nama_{role}"], "nik": isian[f"nik_{role}"],
                  "tempat_lahir": isian[f"tempat_lahir_{role}"], "tanggal_lahir": isian[f"tanggal_lahir_{role}"],
                  "jenis_kelamin": sex, "agama": isian[f"agama_{role}"], "pekerjaan": isian[f"pekerjaan_{role}"],
                  "desa": isian["desa"]}
        save_ktp(person, folder / f"ktp_{role}.jpg", status="BELUM KAWIN")
        save_kk(f"620102{'10' if sex == 'L' else '20'}10150001", f"Orang tua {isian[f'nama_{role}']}",
                [isian[f"nama_{role}"]], isian["desa"], folder / f"kk_{role}.jpg")
    for form in ("n1", "n2"):
        write_document(f"FORMULIR {form.upper()}", [f"Calon suami: {isian['nama_suami']}",
                                                    f"Calon istri: {isian['nama_istri']}"], folder / f"{form}.pdf")
    write_document("SURAT PERNYATAAN STATUS", [f"{isian['nama_suami']}: jejaka", f"{isian['nama_istri']}: perawan",
                                                "Dibuat dengan sebenarnya di atas meterai."],
                   folder / "status_perkawinan.pdf", signer="Yang menyatakan")
    if izin:
        write_document("SURAT IZIN ORANG TUA", [f"Kami orang tua dari {isian['nama_istri']} memberi izin",
                                                f"untuk menikah dengan {isian['nama_suami']}."],
                       folder / "izin_orang_tua.pdf", signer="Orang tua/wali")


# Pindah ----------------------------------------------------------------------------------------------------

PINDAH = {
    "nama": "Bambang Sutrisno", "nik": "6201021204800002", "nomor_kk": "6201020510120003",
    "tanggal_lahir": "1980-04-12", "jenis_kelamin": "L", "nama_kepala_keluarga": "Bambang Sutrisno",
    "alamat": "Jl. Diponegoro No. 44 RT 006 RW 002", "desa": "Madurejo",
    "alamat_tujuan": "Jl. Jenderal Sudirman No. 45 RT 003 RW 001", "desa_tujuan": "Palangka",
    "kecamatan_tujuan": "Jekan Raya", "kabupaten_tujuan": "Kota Palangka Raya",
    "provinsi_tujuan": "Kalimantan Tengah", "alasan_pindah": "Pekerjaan", "status_tempat_tujuan": "Milik sendiri",
    "anggota": [
        {"nama": "Bambang Sutrisno", "nik": "6201021204800002", "tanggal_lahir": "1980-04-12",
         "jenis_kelamin": "L", "hubungan": "Kepala keluarga"},
        {"nama": "Sri Wahyuni", "nik": "6201024510830004", "tanggal_lahir": "1983-10-05",
         "jenis_kelamin": "P", "hubungan": "Istri"},
        {"nama": "Dimas Sutrisno", "nik": "6201022006140001", "tanggal_lahir": "2014-06-20",
         "jenis_kelamin": "L", "hubungan": "Anak"},
    ],
}  # fmt: skip
PINDAH_GAGAL = {
    "nama": "Yohanes Kurniawan", "nik": "6201020112900005", "nomor_kk": "6201021811160008",
    "tanggal_lahir": "1990-12-01", "jenis_kelamin": "L", "nama_kepala_keluarga": "Yohanes Kurniawan",
    "alamat": "Jl. Pakunegara No. 17 RT 002 RW 001", "desa": "Raja Seberang",
    "alamat_tujuan": "Jl. Tjilik Riwut Km 2 No. 8 RT 010 RW 003", "desa_tujuan": "Mentawa Baru Hulu",
    "kecamatan_tujuan": "Mentawa Baru Ketapang", "kabupaten_tujuan": "Kotawaringin Timur",
    "provinsi_tujuan": "Kalimantan Tengah", "alasan_pindah": "Pekerjaan", "status_tempat_tujuan": "Sewa/kontrak",
    "anggota": [
        {"nama": "Yohanes Kurniawan", "nik": "6201020112900005", "tanggal_lahir": "1990-12-01",
         "jenis_kelamin": "L", "hubungan": "Kepala keluarga"},
    ],
}  # fmt: skip


def make_pindah(folder: Path, isian: dict[str, Any], izin: bool) -> None:
    berkas = {"f103": "f103.pdf", "kk": "kk.jpg", "ktp": "ktp.jpg"}
    if izin:
        berkas["izin_kepala_keluarga"] = "izin_kepala_keluarga.pdf"
    write_example(folder, "pindah", isian, berkas)
    rows = [f"Nama: {isian['nama']}   NIK: {isian['nik']}", f"Asal: {isian['alamat']}, {isian['desa']}",
            f"Tujuan: {isian['alamat_tujuan']}, {isian['desa_tujuan']}", f"Alasan: {isian['alasan_pindah']}",
            "Anggota yang pindah:"]
    rows += [f"  {i}. {a['nama']} ({a['hubungan']})" for i, a in enumerate(isian["anggota"], 1)]
    write_document("FORMULIR F-1.03 PENDAFTARAN PERPINDAHAN PENDUDUK", rows, folder / "f103.pdf", pages=2,
                   kop=("DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",))
    save_kk(isian["nomor_kk"], isian["nama_kepala_keluarga"], [a["nama"] for a in isian["anggota"]], isian["desa"],
            folder / "kk.jpg")
    person = {**{k: isian[k] for k in ("nama", "nik", "tanggal_lahir", "jenis_kelamin", "desa")},
              "tempat_lahir": "Pangkalan Bun", "agama": "Islam", "pekerjaan": "Karyawan Swasta"}
    save_ktp(person, folder / "ktp.jpg")
    if izin:
        write_document("SURAT PERSETUJUAN KEPALA KELUARGA", [
            f"Saya {isian['nama_kepala_keluarga']}, kepala keluarga, menyetujui kepindahan",
            "anggota keluarga yang belum berumur 17 tahun bersama saya."], folder / "izin_kepala_keluarga.pdf",
            signer=isian["nama_kepala_keluarga"])


# Ahli waris ------------------------------------------------------------------------------------------------

AHLI_WARIS = {
    "nama_pewaris": "H. Abdul Muis", "nik_pewaris": "6201021506550001", "jenis_kelamin_pewaris": "L",
    "nomor_kk_pewaris": "6201020807080009",
    "tempat_meninggal": "RSUD Sultan Imanuddin Pangkalan Bun", "tanggal_meninggal": "2026-09-14",
    "nomor_akta_kematian": "6201-KM-21092026-0012", "alamat_pewaris": "Jl. Kawitan Gg. Sederhana No. 4 RT 003 RW 002",
    "desa": "Raja", "keperluan": "balik nama sertifikat hak milik tanah dan bangunan",
    "tanggal_pernyataan": "2026-11-10",
    "ahli_waris": [
        {"nama": "Hj. Siti Rahmah", "nik": "6201024203580002", "nomor_kk": "6201020807080009",
         "tanggal_lahir": "1958-03-02", "jenis_kelamin": "P", "hubungan": "Istri",
         "berkas": {"ktp": "ktp-siti-rahmah.jpg", "kk": "kk-siti-rahmah.jpg"}},
        {"nama": "Ahmad Muis", "nik": "6201022001820003", "nomor_kk": "6201021003110004",
         "tanggal_lahir": "1982-01-20", "jenis_kelamin": "L", "hubungan": "Anak kandung",
         "berkas": {"ktp": "ktp-ahmad-muis.jpg", "kk": "kk-ahmad-muis.jpg"}},
        {"nama": "Fatimah", "nik": "6201027011860005", "nomor_kk": "6201022204140006",
         "tanggal_lahir": "1986-11-30", "jenis_kelamin": "P", "hubungan": "Anak kandung",
         "berkas": {"ktp": "ktp-fatimah.jpg", "kk": "kk-fatimah.jpg"}},
    ],
    "saksi": [
        {"nama": "Sugianto", "nik": "6201021209700007", "nomor_kk": "6201021909050011", "pekerjaan": "Wiraswasta",
         "alamat": "Jl. Kawitan No. 10, Kelurahan Raja", "berkas": {"ktp": "ktp-sugianto.jpg"}},
        {"nama": "Rahmadi", "nik": "6201020505750009", "nomor_kk": "6201022511100013",
         "pekerjaan": "Pegawai Negeri Sipil", "alamat": "Jl. Pra Bujang No. 2, Kelurahan Raja",
         "berkas": {"ktp": "ktp-rahmadi.jpg"}},
    ],
}  # fmt: skip
AHLI_WARIS_GAGAL = {
    "nama_pewaris": "Salim", "nik_pewaris": "6201020202600004", "jenis_kelamin_pewaris": "L",
    "nomor_kk_pewaris": "6201021407070002",
    "tempat_meninggal": "Pangkalan Bun", "tanggal_meninggal": "2026-08-03",
    "nomor_akta_kematian": "6201-KM-10082026-0031", "alamat_pewaris": "Jl. Sulawesi No. 6 RT 001 RW 004",
    "desa": "Sidorejo", "keperluan": "pencairan tabungan almarhum di bank", "tanggal_pernyataan": "2026-11-12",
    "ahli_waris": [
        {"nama": "Juleha", "nik": "6201025106640001", "nomor_kk": "6201021407070002", "tanggal_lahir": "1964-06-11",
         "jenis_kelamin": "P", "hubungan": "Istri", "berkas": {"ktp": "ktp-juleha.jpg", "kk": "kk-juleha.jpg"}},
        {"nama": "Arif Salim", "nik": "6201020909880002", "nomor_kk": "6201023001150005",
         "tanggal_lahir": "1988-09-09", "jenis_kelamin": "L", "hubungan": "Anak kandung",
         "berkas": {"ktp": "ktp-arif.jpg", "kk": "kk-arif.jpg"}},
    ],
    "saksi": [
        {"nama": "Mulyadi", "nik": "6201021111690003", "nomor_kk": "6201020303030010", "pekerjaan": "Petani",
         "alamat": "Jl. Sulawesi No. 9, Kelurahan Sidorejo", "berkas": {"ktp": "ktp-mulyadi.jpg"}},
        {"nama": "Nurhasanah", "nik": "6201024712900006", "nomor_kk": "6201023001150005",
         "pekerjaan": "Mengurus Rumah Tangga", "alamat": "Jl. Sulawesi No. 6A, Kelurahan Sidorejo",
         "berkas": {"ktp": "ktp-nurhasanah.jpg"}},
    ],
}  # fmt: skip


def _birth_from_nik(nik: str) -> tuple[str, str]:
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if day > 40 else "L"
    return f"{1900 + year if year > 30 else 2000 + year}-{month:02d}-{day - 40 if day > 40 else day:02d}", sex


def make_ahli_waris(folder: Path, isian: dict[str, Any]) -> None:
    write_example(folder, "ahli-waris", isian, {"akta_kematian": "akta_kematian.pdf", "pernyataan": "pernyataan.pdf",
                                                "kk_pewaris": "kk_pewaris.jpg"}, asli=["akta_kematian_asli"])
    write_document("KUTIPAN AKTA KEMATIAN", [f"Nomor: {isian['nomor_akta_kematian']}",
                                             f"Telah meninggal dunia: {isian['nama_pewaris']}",
                                             f"pada tanggal {tanggal(isian['tanggal_meninggal'])}",
                                             f"di {isian['tempat_meninggal']}."], folder / "akta_kematian.pdf",
                   kop=("DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL", "KABUPATEN KOTAWARINGIN BARAT"))
    rows = [f"Kami ahli waris dari almarhum {isian['nama_pewaris']}:"]
    rows += [f"  {i}. {a['nama']} ({a['hubungan']})" for i, a in enumerate(isian["ahli_waris"], 1)]
    rows += ["Saksi-saksi:"] + [f"  {i}. {s['nama']}" for i, s in enumerate(isian["saksi"], 1)]
    rows += ["Bermeterai Rp10.000, diketahui Lurah."]
    write_document("SURAT PERNYATAAN AHLI WARIS", rows, folder / "pernyataan.pdf", pages=2,
                   date_line=f"Pangkalan Bun, {tanggal(isian['tanggal_pernyataan'])}", signer="Para ahli waris")
    save_kk(isian["nomor_kk_pewaris"], isian["nama_pewaris"], [isian["nama_pewaris"]], isian["desa"],
            folder / "kk_pewaris.jpg")
    for person in isian["ahli_waris"] + isian["saksi"]:
        born, sex = (person["tanggal_lahir"], person["jenis_kelamin"]) if "tanggal_lahir" in person else \
            _birth_from_nik(person["nik"])
        data = {"nama": person["nama"], "nik": person["nik"], "tempat_lahir": "Pangkalan Bun", "tanggal_lahir": born,
                "jenis_kelamin": sex, "agama": "Islam", "pekerjaan": person.get("pekerjaan", "-"),
                "desa": isian["desa"]}
        save_ktp(data, folder / person["berkas"]["ktp"])
        if "kk" in person["berkas"]:
            save_kk(person["nomor_kk"], person["nama"], [person["nama"]], isian["desa"],
                    folder / person["berkas"]["kk"])


# Izin keramaian --------------------------------------------------------------------------------------------

KERAMAIAN = {
    "nama": "Supardi", "nik": "6201020808750010", "tanggal_lahir": "1975-08-08",
    "jenis_kelamin": "L", "pekerjaan": "Wiraswasta", "alamat": "Jl. Padat Karya No. 30 RT 004 RW 002",
    "desa": "Mendawai", "telepon": "081234567890", "penyelenggara": "Karang Taruna Kelurahan Mendawai",
    "nama_kegiatan": "Festival Musik Remaja Mendawai", "jenis_kegiatan": "Hiburan/pertunjukan", "skala": "Lokal",
    "tanggal_acara": "2026-12-19", "waktu_acara": "19.00 - 23.00 WIB",
    "tempat_acara": "Lapangan Sepak Bola Mendawai", "desa_acara": "Mendawai", "jumlah_peserta": 500,
}  # fmt: skip
KERAMAIAN_GAGAL = {
    "nama": "Rina Marlina", "nik": "6201025404920003", "tanggal_lahir": "1992-04-14",
    "jenis_kelamin": "P", "pekerjaan": "Pedagang", "alamat": "Jl. Rangda No. 3 RT 001 RW 001", "desa": "Rangda",
    "telepon": "085245678901", "penyelenggara": "Keluarga Rina Marlina",
    "nama_kegiatan": "Resepsi pernikahan dengan hiburan orkes", "jenis_kegiatan": "Pesta pernikahan/hajatan",
    "skala": "Lokal", "tanggal_acara": "2026-12-05", "waktu_acara": "10.00 - 22.00 WIB",
    "tempat_acara": "Halaman rumah, Jl. Rangda No. 3", "desa_acara": "Rangda", "jumlah_peserta": 300,
}  # fmt: skip


def make_keramaian(folder: Path, isian: dict[str, Any]) -> None:
    write_example(folder, "izin-keramaian", isian, {
        "permohonan": "permohonan.pdf", "proposal": "proposal.pdf", "ktp": "ktp.jpg", "kk": "kk.jpg",
        "izin_tempat": "izin_tempat.jpg", "keterangan_desa": "keterangan_desa.pdf"})
    write_document("SURAT PERMOHONAN", ["Kepada Yth. Camat Arut Selatan", f"Perihal: {isian['nama_kegiatan']}",
                                        f"Tanggal: {tanggal(isian['tanggal_acara'])}, {isian['waktu_acara']}",
                                        f"Tempat: {isian['tempat_acara']}"], folder / "permohonan.pdf",
                   kop=(isian["penyelenggara"].upper(),), signer=isian["nama"])
    write_document("PROPOSAL KEGIATAN", [isian["nama_kegiatan"], f"Penyelenggara: {isian['penyelenggara']}",
                                         f"Perkiraan peserta: {isian['jumlah_peserta']} orang",
                                         "Susunan acara, panitia dan rencana pengamanan terlampir."],
                   folder / "proposal.pdf", pages=3, kop=(isian["penyelenggara"].upper(),))
    person = {**{k: isian[k] for k in ("nama", "nik", "tanggal_lahir", "jenis_kelamin", "pekerjaan", "desa")},
              "tempat_lahir": "Pangkalan Bun", "agama": "Islam"}
    save_ktp(person, folder / "ktp.jpg")
    save_kk("6201021711090002", isian["nama"], [isian["nama"]], isian["desa"], folder / "kk.jpg")
    save_image_doc("SURAT IZIN PENGGUNAAN TEMPAT", [f"Tempat: {isian['tempat_acara']}",
                                                    f"Untuk: {isian['nama_kegiatan']}",
                                                    f"Tanggal: {tanggal(isian['tanggal_acara'])}",
                                                    "Pemilik/pengelola tempat mengizinkan."],
                   folder / "izin_tempat.jpg")
    pengantar_desa(isian["desa_acara"], "300/077/KEL/XI/2026", "2026-11-20", [
        f"Menerangkan bahwa {isian['penyelenggara']} akan menyelenggarakan",
        f"{isian['nama_kegiatan']} pada {tanggal(isian['tanggal_acara'])} di wilayah kami."],
        folder / "keterangan_desa.pdf")


# Hibah -----------------------------------------------------------------------------------------------------

HIBAH = {
    "nama_lembaga": "Masjid Al-Ikhlas Kumpai Batu Atas", "jenis_lembaga": "Rumah ibadah",
    "alamat_lembaga": "Jl. Padat Karya RT 002 RW 001", "desa_lembaga": "Kumpai Batu Atas",
    "nomor_sk": "01/SK/DKM-AI/I/2025", "tanggal_sk": "2025-01-15", "nama_ketua": "H. Syahrani",
    "nik_ketua": "6201021010650004", "telepon": "081349876543",
    "peruntukan": "rehabilitasi atap dan tempat wudu masjid", "jumlah_dana": 75000000,
    "ditujukan": "Bupati Kotawaringin Barat",
}  # fmt: skip
HIBAH_GAGAL = {
    "nama_lembaga": "Musala Nurul Iman", "jenis_lembaga": "Rumah ibadah",
    "alamat_lembaga": "Jl. Natai Baru RT 005", "desa_lembaga": "Natai Baru",
    "nomor_sk": "03/SK/MNI/VI/2024", "tanggal_sk": "2024-06-02", "nama_ketua": "Abdul Hamid",
    "nik_ketua": "6201021403720006", "telepon": "082155443322",
    "peruntukan": "pembangunan pagar dan pengeras suara", "jumlah_dana": 25000000,
    "ditujukan": "Bupati Kotawaringin Barat",
}  # fmt: skip


def make_hibah(folder: Path, isian: dict[str, Any], kua: bool) -> None:
    berkas = {"pengantar": "pengantar.pdf", "proposal": "proposal.pdf", "ktp": "ktp.jpg", "kk": "kk.jpg",
              "sk_kepengurusan": "sk_kepengurusan.pdf"}
    if kua:
        berkas["rekomendasi_kua"] = "rekomendasi_kua.pdf"
    write_example(folder, "hibah", isian, berkas)
    pengantar_desa(isian["desa_lembaga"], "900/019/DS/XI/2026", "2026-11-16", [
        f"Menerangkan bahwa {isian['nama_lembaga']} berkedudukan di desa kami", "dan layak menerima dana hibah."],
        folder / "pengantar.pdf")
    write_document("PROPOSAL PERMOHONAN DANA HIBAH", [isian["nama_lembaga"], f"Peruntukan: {isian['peruntukan']}",
                                                      f"Jumlah: Rp{isian['jumlah_dana']:,}".replace(",", "."),
                                                      "Rencana anggaran biaya dan foto lokasi terlampir."],
                   folder / "proposal.pdf", pages=4, kop=(isian["nama_lembaga"].upper(),))
    born, sex = _birth_from_nik(isian["nik_ketua"])
    person = {"nama": isian["nama_ketua"], "nik": isian["nik_ketua"], "tempat_lahir": "Pangkalan Bun",
              "tanggal_lahir": born, "jenis_kelamin": sex, "agama": "Islam", "pekerjaan": "Wiraswasta",
              "desa": isian["desa_lembaga"]}
    save_ktp(person, folder / "ktp.jpg")
    save_kk("6201021502100007", isian["nama_ketua"], [isian["nama_ketua"]], isian["desa_lembaga"], folder / "kk.jpg")
    write_document("SURAT KEPUTUSAN KEPENGURUSAN", [f"Nomor: {isian['nomor_sk']}",
                                                    f"tanggal {tanggal(isian['tanggal_sk'])}",
                                                    f"Ketua: {isian['nama_ketua']}"], folder / "sk_kepengurusan.pdf",
                   kop=(isian["nama_lembaga"].upper(),))
    if kua:
        write_document("REKOMENDASI", [f"Kepala KUA Kecamatan Arut Selatan merekomendasikan {isian['nama_lembaga']}",
                                       "sebagai rumah ibadah yang aktif dan layak dibantu."],
                       folder / "rekomendasi_kua.pdf",
                       kop=("KEMENTERIAN AGAMA KABUPATEN KOTAWARINGIN BARAT", "KANTOR URUSAN AGAMA ARUT SELATAN"),
                       signer="Kepala KUA")


def make_services() -> list[Path]:
    """The complete and the failing example of each of the six services besides SKTM."""
    made = []
    for name, build in (
        ("skck", lambda d: make_skck(d, SKCK, photos=2)),
        ("skck-gagal", lambda d: make_skck(d, SKCK_GAGAL, photos=1)),
        ("dispensasi-nikah", lambda d: make_dispensasi(d, DISPENSASI, izin=True)),
        ("dispensasi-nikah-gagal", lambda d: make_dispensasi(d, DISPENSASI_GAGAL, izin=False)),
        ("pindah", lambda d: make_pindah(d, PINDAH, izin=True)),
        ("pindah-gagal", lambda d: make_pindah(d, PINDAH_GAGAL, izin=False)),
        ("ahli-waris", lambda d: make_ahli_waris(d, AHLI_WARIS)),
        ("ahli-waris-gagal", lambda d: make_ahli_waris(d, AHLI_WARIS_GAGAL)),
        ("izin-keramaian", lambda d: make_keramaian(d, KERAMAIAN)),
        ("izin-keramaian-gagal", lambda d: make_keramaian(d, KERAMAIAN_GAGAL)),
        ("hibah", lambda d: make_hibah(d, HIBAH, kua=True)),
        ("hibah-gagal", lambda d: make_hibah(d, HIBAH_GAGAL, kua=False)),
    ):
        folder = CONTOH / name
        if folder.exists():
            for old in folder.iterdir():
                if old.name not in ("README.md", "tanggal.json"):  # both hand-written
                    old.unlink()
        build(folder)
        made.append(folder)
    return made


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

    for folder in (ok_dir, bad_dir, *make_services()):
        for path in sorted(folder.iterdir()):
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size / 1024:.1f} KB")


if __name__ == "__main__":
    main()
