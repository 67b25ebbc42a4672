"""Build the letter templates of the services other than SKTM: ``templat/<kode>.docx``.

    python scripts/buat_templat_layanan.py            # writes templat/{skck,dispensasi-nikah,...}.docx
    python scripts/buat_templat_layanan.py --ke DIR   # writes into DIR
    python scripts/buat_templat_layanan.py skck       # only the services named

Same office layout as templat/sktm.docx (scripts/buat_templat.py, whose helpers are imported): kop with
logo, title and number, body with the service's fields, people (heirs, witnesses, family members) as
bordered tables repeated per item with docxtpl's ``{%tr for %}``, signature block with QR, tembusan
below it where the letter has one, electronic-signature footer. Every placeholder is one run; the output is
byte-reproducible. Placeholders follow docs/KONTRAK.md and the service's ``isian`` in sop/<kode>.yaml
(``sakti sop periksa`` checks that they match).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from buat_templat import (
    AKAR,
    LEBAR_TEKS_CM,
    _atur_gaya,
    _atur_halaman,
    _baris_utuh,
    _el,
    _kaki,
    _kop,
    _paragraf,
    _sisip,
    _tabel_tanpa_garis,
    _tanda_tangan,
    _tulis_zip_tetap,
)

INDEN = 1.25
LABEL_CM = 5.3  # as the SKTM letter's: "Tempat/Tanggal Lahir" on one line (templat periksa checks it)
Baris = tuple[str, str]  # (label, value placeholder)


def _data(dok: Any, baris: list[Baris], indent_cm: float = INDEN) -> None:
    """Label : value rows without borders, indented like the SKTM letter."""
    lebar = [LABEL_CM, 0.5, LEBAR_TEKS_CM - indent_cm - LABEL_CM - 0.5]
    tabel = dok.add_table(rows=len(baris), cols=3)
    _tabel_tanpa_garis(tabel, lebar, indent_cm=indent_cm)
    for row, (label, nilai) in zip(tabel.rows, baris, strict=True):
        _baris_utuh(row)
        a, b, c = row.cells
        _paragraf(a, label, pakai_yang_ada=True)
        _paragraf(b, ":", pakai_yang_ada=True)
        _paragraf(c, nilai, tebal=label.startswith("Nama") or label == "Penanggung Jawab", pakai_yang_ada=True)


SEL_CM = 0.1  # left/right cell margin of bordered tables (Word's default 0.19 cm costs a NIK its line)

# Widths (cm) of content that may never wrap in a 10 pt table cell, measured with TeX Gyre Bonum (the
# substitute LibreOffice uses for Bookman Old Style) plus both cell margins and a little slack.
LEBAR_NIK = 3.5 + 2 * SEL_CM + 0.1  # 16 digits
LEBAR_TANGGAL = 3.37 + 2 * SEL_CM + 0.1  # "30 September 2026"
LEBAR_KELAMIN = 2.75 + 2 * SEL_CM + 0.1  # the head "Jenis Kelamin" in bold (wider than "Perempuan")
LEBAR_HUBUNGAN = 1.9 + 2 * SEL_CM + 0.1  # the head "Hubungan" in bold
LEBAR_NO = 0.9


def _tabel_bergaris(tabel: Any, lebar_cm: list[float]) -> None:
    """Bordered, narrow cell margins, and indented by the cell margin so the left border stands on the
    text margin instead of in the page's margin."""
    _tabel_tanpa_garis(tabel, lebar_cm, indent_cm=SEL_CM)
    borders = _el("w:tblBorders")
    for sisi in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{sisi}", val="single", sz="4", space="0", color="000000"))
    _sisip(tabel._tbl.tblPr, borders)
    margin = _el("w:tblCellMar")
    for sisi in ("left", "right"):
        margin.append(_el(f"w:{sisi}", w=str(int(SEL_CM * 567)), type="dxa"))
    _sisip(tabel._tbl.tblPr, margin)


class Lentur(float):
    """A column that takes a share of the width left by the fixed ones (its value is its weight)."""


def _orang(dok: Any, daftar: str, kolom: list[tuple[str, str, float]]) -> None:
    """A bordered table: header row, then one row per item of ``data.<daftar>`` ({%tr for %}).

    A column with a plain width keeps it (numbers, dates and sex never wrap); :class:`Lentur` columns
    share what is left of the text width by their weights.
    """
    tetap = sum(w for _, _, w in kolom if not isinstance(w, Lentur))
    bobot = sum(w for _, _, w in kolom if isinstance(w, Lentur))
    sisa = LEBAR_TEKS_CM - tetap - SEL_CM
    lebar = [round(sisa * w / bobot, 2) if isinstance(w, Lentur) else w for _, _, w in kolom]
    tabel = dok.add_table(rows=4, cols=len(kolom))
    _tabel_bergaris(tabel, lebar)
    kepala, buka, isi, tutup = tabel.rows
    _sisip(kepala._tr.get_or_add_trPr(), _el("w:tblHeader"))
    for cell, (judul, _, _) in zip(kepala.cells, kolom, strict=True):
        _paragraf(cell, judul, tebal=True, ukuran=10, rata="tengah", pakai_yang_ada=True)
    _paragraf(buka.cells[0], f"{{%tr for o in data.{daftar} %}}", pakai_yang_ada=True)
    for cell, (_, nilai, _) in zip(isi.cells, kolom, strict=True):
        _paragraf(cell, nilai, ukuran=10, rata="tengah" if nilai.endswith("no }}") else "kiri", pakai_yang_ada=True)
    _paragraf(tutup.cells[0], "{%tr endfor %}", pakai_yang_ada=True)
    _baris_utuh(isi)


def _p(dok: Any, teks: str, **kw: Any) -> None:
    kw.setdefault("rata", "rata")
    kw.setdefault("inden_pertama_cm", INDEN)
    kw.setdefault("spasi_sebelum", 3)
    kw.setdefault("spasi_sesudah", 3)
    _paragraf(dok, teks, **kw)


def _judul(dok: Any, sub: str | None = None) -> None:
    _paragraf(dok, "{{ surat.judul }}", tebal=True, garis=True, rata="tengah", spasi_sebelum=10)
    if sub:
        _paragraf(dok, sub, rata="tengah")
    _paragraf(dok, "Nomor: {{ surat.nomor }}", rata="tengah", spasi_sesudah=12)


def _penutup(dok: Any, teks: str) -> None:
    _paragraf(dok, teks, rata="rata", inden_pertama_cm=INDEN, spasi_sebelum=3, spasi_sesudah=8,
              bersama_berikut=True)


def _tembusan(dok: Any, baris: list[str]) -> None:
    """Tembusan below the signature block, at the left margin (tata naskah dinas), kept together."""
    _paragraf(dok, "Tembusan:", ukuran=10, spasi_sebelum=10, bersama_berikut=True)
    for nomor, teks in enumerate(baris, 1):
        _paragraf(dok, f"{nomor}. {teks}", ukuran=10, bersama_berikut=nomor < len(baris))


def _pasangan(dok: Any, baris: list[tuple[str, str, str]]) -> None:
    """Two people side by side (calon suami | calon istri) under a bold header row."""
    lebar_nilai = (LEBAR_TEKS_CM - 3.6) / 2
    tabel = dok.add_table(rows=len(baris) + 1, cols=3)
    _tabel_tanpa_garis(tabel, [3.6, lebar_nilai, lebar_nilai])
    for row, (label, suami, istri) in zip(tabel.rows, [("", "Calon Suami", "Calon Istri"), *baris], strict=True):
        _baris_utuh(row)
        a, b, c = row.cells
        header = not label
        _paragraf(a, label, pakai_yang_ada=True)
        _paragraf(b, suami, tebal=header or label == "Nama", garis=header, pakai_yang_ada=True)
        _paragraf(c, istri, tebal=header or label == "Nama", garis=header, pakai_yang_ada=True)


PEMBUKA = ("Yang bertanda tangan di bawah ini, {{ ttd.jabatan }}, Kabupaten {{ kantor.kabupaten }}, "
           "dengan ini menerangkan bahwa:")


# --- the services ----------------------------------------------------------------------------------------


def _skck(dok: Any) -> None:
    _judul(dok, "untuk pembuatan Surat Keterangan Catatan Kepolisian (SKCK)")
    _p(dok, PEMBUKA, spasi_sebelum=0)
    _data(dok, [
        ("Nama", "{{ data.nama }}"), ("NIK", "{{ data.nik }}"), ("Nomor KK", "{{ data.nomor_kk }}"),
        ("Tempat/Tanggal Lahir", "{{ data.tempat_lahir }}, {{ data.tanggal_lahir }}"),
        ("Jenis Kelamin", "{{ data.jenis_kelamin }}"), ("Agama", "{{ data.agama }}"),
        ("Status Perkawinan", "{{ data.status_perkawinan }}"), ("Pekerjaan", "{{ data.pekerjaan }}"),
        ("Alamat", "{{ data.alamat }}, {{ data.desa_sebutan }}"),
    ])
    _p(dok, "Orang tersebut di atas adalah benar penduduk {{ data.desa_sebutan }} Kecamatan "
       "{{ kantor.kecamatan }} berdasarkan Surat Pengantar {{ data.desa_sebutan }} Nomor {{ data.nomor_pengantar }} "
       "tanggal {{ data.tanggal_pengantar }}, dan sepanjang pengetahuan kami berkelakuan baik.")
    _p(dok, "Surat pengantar ini diberikan untuk pembuatan Surat Keterangan Catatan Kepolisian (SKCK) di "
       "Kepolisian Resor {{ kantor.kabupaten }} guna keperluan {{ data.keperluan }}.")
    _penutup(dok, "Demikian surat pengantar ini dibuat untuk dapat dipergunakan sebagaimana mestinya.")


def _dispensasi(dok: Any) -> None:
    _judul(dok)
    _p(dok, "Memperhatikan pemberitahuan kehendak nikah pada {{ data.kua }} tanggal "
       "{{ data.tanggal_daftar_kua }} yang kurang dari 10 (sepuluh) hari kerja sebelum akad nikah, dan "
       "berdasarkan Pasal 3 ayat (3) Peraturan Pemerintah Nomor 9 Tahun 1975, {{ ttd.jabatan }} memberikan "
       "dispensasi nikah kepada:", spasi_sebelum=0)
    _pasangan(dok, [
        ("Nama", "{{ data.nama_suami }}", "{{ data.nama_istri }}"),
        ("NIK", "{{ data.nik_suami }}", "{{ data.nik_istri }}"),
        ("Lahir", "{{ data.tempat_lahir_suami }}, {{ data.tanggal_lahir_suami }}",
         "{{ data.tempat_lahir_istri }}, {{ data.tanggal_lahir_istri }}"),
        ("Agama", "{{ data.agama_suami }}", "{{ data.agama_istri }}"),
        ("Pekerjaan", "{{ data.pekerjaan_suami }}", "{{ data.pekerjaan_istri }}"),
        ("Alamat", "{{ data.alamat_suami }}", "{{ data.alamat_istri }}, {{ data.desa_sebutan }}"),
    ])
    _p(dok, "untuk melangsungkan akad nikah pada tanggal {{ data.tanggal_akad }} bertempat di "
       "{{ data.tempat_akad }}, dicatat oleh {{ data.kua }}.")
    _penutup(dok, "Demikian surat dispensasi ini diberikan untuk dipergunakan sebagaimana mestinya.")


def _pindah(dok: Any) -> None:
    _judul(dok)
    _p(dok, PEMBUKA, spasi_sebelum=0)
    _data(dok, [
        ("Nama", "{{ data.nama }}"), ("NIK", "{{ data.nik }}"), ("Nomor KK", "{{ data.nomor_kk }}"),
        ("Tanggal Lahir", "{{ data.tanggal_lahir }}"), ("Jenis Kelamin", "{{ data.jenis_kelamin }}"),
        ("Kepala Keluarga", "{{ data.nama_kepala_keluarga }}"),
        ("Alamat Asal", "{{ data.alamat }}, {{ data.desa_sebutan }}, Kecamatan {{ kantor.kecamatan }}"),
        ("Alamat Tujuan", "{{ data.alamat_tujuan }}, {{ data.desa_tujuan_sebutan }}, Kecamatan "
         "{{ data.kecamatan_tujuan }}, {{ data.kabupaten_tujuan }}, {{ data.provinsi_tujuan }}"),
        ("Alasan Pindah", "{{ data.alasan_pindah }}"),
        ("Status di Tujuan", "{{ data.status_tempat_tujuan }}"),
    ])
    _p(dok, "bermaksud pindah bersama anggota keluarga berikut:")
    _orang(dok, "anggota", [("No", "{{ o.no }}", LEBAR_NO), ("Nama", "{{ o.nama }}", Lentur(3)),
                            ("NIK", "{{ o.nik }}", LEBAR_NIK),
                            ("Tanggal Lahir", "{{ o.tanggal_lahir }}", LEBAR_TANGGAL),
                            ("Jenis Kelamin", "{{ o.jenis_kelamin }}", LEBAR_KELAMIN),
                            ("Hubungan", "{{ o.hubungan }}", LEBAR_HUBUNGAN)])
    _p(dok, "Surat pengantar ini diberikan untuk mengurus Surat Keterangan Pindah pada Dinas Kependudukan dan "
       "Pencatatan Sipil Kabupaten {{ kantor.kabupaten }}.")
    _penutup(dok, "Demikian surat pengantar ini dibuat untuk dapat dipergunakan sebagaimana mestinya.")


def _ahli_waris(dok: Any) -> None:
    _judul(dok)
    _p(dok, "Yang bertanda tangan di bawah ini, {{ ttd.jabatan }}, Kabupaten {{ kantor.kabupaten }}, "
       "menguatkan Surat Pernyataan Ahli Waris tanggal {{ data.tanggal_pernyataan }} atas "
       "{{ 'almarhumah' if data.jenis_kelamin_pewaris == 'Perempuan' else 'almarhum' }}:",
       spasi_sebelum=0)
    _data(dok, [
        ("Nama", "{{ data.nama_pewaris }}"), ("NIK", "{{ data.nik_pewaris }}"),
        ("Nomor KK", "{{ data.nomor_kk_pewaris }}"),
        ("Meninggal Dunia", "{{ data.tanggal_meninggal }} di {{ data.tempat_meninggal }}"),
        ("Akta Kematian", "Nomor {{ data.nomor_akta_kematian }}"),
        ("Alamat Terakhir", "{{ data.alamat_pewaris }}, {{ data.desa_sebutan }}"),
    ])
    _p(dok, "bahwa yang bersangkutan meninggalkan ahli waris sebagai berikut:")
    _orang(dok, "ahli_waris", [("No", "{{ o.no }}", LEBAR_NO), ("Nama", "{{ o.nama }}", Lentur(3)),
                               ("NIK", "{{ o.nik }}", LEBAR_NIK),
                               ("Tanggal Lahir", "{{ o.tanggal_lahir }}", LEBAR_TANGGAL),
                               ("Hubungan", "{{ o.hubungan }}", Lentur(2))])
    _p(dok, "dengan saksi-saksi:")
    _orang(dok, "saksi", [("No", "{{ o.no }}", LEBAR_NO), ("Nama", "{{ o.nama }}", Lentur(3)),
                          ("NIK", "{{ o.nik }}", LEBAR_NIK), ("Pekerjaan", "{{ o.pekerjaan }}", Lentur(2)),
                          ("Alamat", "{{ o.alamat }}", Lentur(3))])
    _p(dok, "Surat keterangan ini diberikan untuk keperluan {{ data.keperluan }}. Segala akibat hukum yang "
       "timbul dari kebenaran pernyataan ahli waris menjadi tanggung jawab para ahli waris.")
    _penutup(dok, "Demikian surat keterangan ini dibuat dengan sebenarnya untuk dapat dipergunakan "
             "sebagaimana mestinya.")


def _izin_keramaian(dok: Any) -> None:
    _judul(dok)
    _p(dok, "Yang bertanda tangan di bawah ini, {{ ttd.jabatan }}, Kabupaten {{ kantor.kabupaten }}, "
       "memberikan rekomendasi kepada:", spasi_sebelum=0)
    _data(dok, [
        ("Penanggung Jawab", "{{ data.nama }}"), ("NIK", "{{ data.nik }}"),
        ("Tanggal Lahir", "{{ data.tanggal_lahir }} ({{ data.jenis_kelamin }})"),
        ("Pekerjaan", "{{ data.pekerjaan }}"),
        ("Alamat", "{{ data.alamat }}, {{ data.desa_sebutan }}"), ("Telepon", "{{ data.telepon }}"),
        ("Penyelenggara", "{{ data.penyelenggara }}"),
    ])
    _p(dok, "untuk menyelenggarakan kegiatan:")
    _data(dok, [
        ("Nama Kegiatan", "{{ data.nama_kegiatan }}"),
        ("Jenis/Skala", "{{ data.jenis_kegiatan }}, skala {{ data.skala }}"),
        ("Hari/Tanggal", "{{ data.tanggal_acara_hari }}"), ("Waktu", "{{ data.waktu_acara }}"),
        ("Tempat", "{{ data.tempat_acara }}, {{ data.desa_acara_sebutan }}"),
        ("Perkiraan Peserta", "{{ data.jumlah_peserta }} orang"),
    ])
    _p(dok, "Kami tidak berkeberatan atas kegiatan tersebut, dengan ketentuan penyelenggara menjaga ketertiban, "
       "keamanan dan kebersihan serta mematuhi izin keramaian dari Kepolisian.")
    _penutup(dok, "Demikian rekomendasi ini diberikan sebagai kelengkapan permohonan izin keramaian.")


def _hibah(dok: Any) -> None:
    _judul(dok, "tentang Permohonan Dana Hibah")
    _p(dok, "Yang bertanda tangan di bawah ini, {{ ttd.jabatan }}, Kabupaten {{ kantor.kabupaten }}, "
       "setelah meneliti proposal dan kelengkapannya, memberikan rekomendasi kepada:", spasi_sebelum=0)
    _data(dok, [
        ("Nama Lembaga", "{{ data.nama_lembaga }}"), ("Jenis Lembaga", "{{ data.jenis_lembaga }}"),
        ("Alamat", "{{ data.alamat_lembaga }}, {{ data.desa_lembaga_sebutan }}"),
        ("SK Kepengurusan", "Nomor {{ data.nomor_sk }} tanggal {{ data.tanggal_sk }}"),
        ("Ketua", "{{ data.nama_ketua }}"), ("NIK Ketua", "{{ data.nik_ketua }}"),
        ("Telepon", "{{ data.telepon }}"),
    ])
    _p(dok, "untuk mengajukan permohonan dana hibah kepada {{ data.ditujukan }} sebesar {{ data.jumlah_dana }} "
       "({{ data.jumlah_dana_terbilang }}) guna {{ data.peruntukan }}.")
    _penutup(dok, "Lembaga tersebut berkedudukan di Kecamatan {{ kantor.kecamatan }}; pemberian hibah mengikuti "
             "ketentuan dan kemampuan keuangan daerah. Demikian rekomendasi ini untuk dipergunakan sebagaimana "
             "mestinya.")


# kode -> (title, body, tembusan printed after the signature block). Every template is drawn on A4 with
# the same margins; the office's paper ([surat].kertas in sakti.toml, A4 or F4) is set when a letter is made.
LAYANAN: dict[str, tuple[str, Any, list[str]]] = {
    "skck": ("Surat Pengantar SKCK", _skck, []),
    "dispensasi-nikah": ("Surat Dispensasi Nikah", _dispensasi, ["Kepala {{ data.kua }}", "Arsip"]),
    "pindah": ("Surat Pengantar Pindah", _pindah, []),
    "ahli-waris": ("Surat Keterangan Ahli Waris", _ahli_waris, []),
    "izin-keramaian": ("Rekomendasi Izin Keramaian", _izin_keramaian, [
        "Kapolres {{ kantor.kabupaten }}", "Kapolsek {{ kantor.kecamatan }}",
        "{{ data.desa_acara_kepala }}"]),
    "hibah": ("Rekomendasi Dana Hibah", _hibah, ["Bupati {{ kantor.kabupaten }} (sebagai laporan)", "Arsip"]),
}


def buat(kode: str, tujuan: Path) -> None:
    from docx import Document

    judul, isi, tembusan = LAYANAN[kode]
    dok = Document()
    _atur_halaman(dok)
    _atur_gaya(dok)
    body = dok.element.body
    for p in list(body.iterchildren("{*}p")):
        body.remove(p)
    _kop(dok)
    isi(dok)
    _tanda_tangan(dok, sesudah=(lambda d: _tembusan(d, tembusan)) if tembusan else None)
    _kaki(dok)

    cp = dok.core_properties
    cp.title = judul
    cp.subject = "Templat SAKTI"
    cp.author = "SAKTI"
    cp.last_modified_by = "SAKTI"
    cp.comments = "Dibuat oleh scripts/buat_templat_layanan.py; jangan diketik ulang di Word."
    cp.keywords = ""
    cp.revision = 1
    tetap = dt.datetime(2026, 1, 1, 0, 0, 0)
    cp.created = tetap
    cp.modified = tetap
    buf = io.BytesIO()
    dok.save(buf)
    _tulis_zip_tetap(buf.getvalue(), tujuan)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("layanan", nargs="*", choices=[[], *LAYANAN], help="kode layanan (bawaan: semua)")
    ap.add_argument("--ke", type=Path, default=AKAR / "templat", help="folder tujuan (bawaan: templat/)")
    args = ap.parse_args(argv)
    for kode in args.layanan or list(LAYANAN):
        buat(kode, args.ke / f"{kode}.docx")
        print(f"ditulis: {args.ke / f'{kode}.docx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
