from __future__ import annotations

import copy
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from sakti_cli.core.errors import ConfigError, EnvironmentProblem
from sakti_cli.core.id_format import format_nip, jenis_kelamin_label, tanggal_indonesia
from sakti_cli.documents.render import render_docx, template_placeholders

AKAR = Path(__file__).resolve().parent.parent
TEMPLAT = AKAR / "templat" / "sktm.docx"
LOGO = AKAR / "templat" / "logo.png"
NAMA = 'Siti & <Anak> "Ayu"'
NOMOR = "400.12.3.4/0017/ARSEL/XI/2026"
URL = "https://sakti.example.go.id/v/K7QF-29XM"


def konteks() -> dict[str, Any]:
    return {
        "kantor": {
            "kabupaten": "Kotawaringin Barat",
            "kecamatan": "Arut Selatan",
            "alamat": "Jalan Pangeran Antasari No. 1, Pangkalan Bun 74112",
            "email": "kec.arutselatan@kotawaringinbaratkab.go.id",
            "telepon": "(0532) 21000",
            "tempat": "Pangkalan Bun",
            "kode_unit": "ARSEL",
            "kabupaten_upper": "KOTAWARINGIN BARAT",
            "kecamatan_upper": "ARUT SELATAN",
        },
        "surat": {
            "nomor": NOMOR,
            "tanggal": "22 November 2026",
            "tempat_tanggal": "Pangkalan Bun, 22 November 2026",
            "kode_verifikasi": "K7QF-29XM",
            "url_verifikasi": URL,
            "judul": "Surat Keterangan Tidak Mampu",
        },
        "data": {
            "nama": NAMA,
            "nik": "6201010101900001",
            "nomor_kk": "6201010101900002",
            "tempat_lahir": "Pangkalan Bun",
            "tanggal_lahir": tanggal_indonesia("1990-03-07"),
            "jenis_kelamin": jenis_kelamin_label("P"),
            "agama": "Islam",
            "pekerjaan": "Mengurus Rumah Tangga",
            "alamat": "Jalan Ahmad Yani RT 005 RW 002",
            "desa": "Mendawai",
            "desa_sebutan": "Kelurahan Mendawai",
            "desa_kepala": "Lurah Mendawai",
            "keperluan": "pengajuan beasiswa pendidikan anak",
            "nomor_pengantar": "140/045/MDW/XI/2026",
            "tanggal_pengantar": tanggal_indonesia("2026-11-20"),
        },
        "ttd": {
            "baris_an": "",
            "jabatan": "Camat Arut Selatan",
            "nama": "Drs. H. Ahmad Yani, M.Si",
            "pangkat": "Pembina Tingkat I (IV/b)",
            "nip": format_nip("198007231998102001"),
            "peran": "definitif",
        },
        "catatan_tte": "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik.",
    }


def konteks_panjang() -> dict[str, Any]:
    """Long but possible values: a 60-character name (the Dukcapil maximum), long address and purpose,
    a signatory "a.n." with a two-line name and a two-line footer note."""
    k = konteks()
    k["data"].update(
        nama="Raden Ajeng Siti Nurhaliza Kartika Dewi Purnamasari Wulandari",
        alamat="Jalan Pangeran Antasari Gang Keluarga Berencana Nomor 123A Blok C Perumahan Griya "
        "Permata Indah Tahap III, RT 012 RW 004, di belakang Masjid Agung Al-Mukarramah",
        keperluan="persyaratan pengajuan keringanan biaya pengobatan dan perawatan lanjutan di Rumah "
        "Sakit Umum Daerah Sultan Imanuddin Pangkalan Bun serta pengajuan bantuan sosial dari Dinas "
        "Sosial, Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Kotawaringin Barat",
        pekerjaan="Buruh Harian Lepas / Pekerja Serabutan",
        tempat_lahir="Kotawaringin Lama",
        tanggal_lahir="28 September 1990",
        nomor_pengantar="474.3/0123/PEM-KESRA/MDW/XI/2026",
    )
    k["ttd"].update(
        baris_an="a.n. Camat Arut Selatan",
        jabatan="Sekretaris Kecamatan Arut Selatan",
        nama="Dr. Hj. Nurul Khairunnisa Rahmawati, S.Sos., M.Si.",
        pangkat="Pembina Utama Muda (IV/c)",
    )
    k["catatan_tte"] = (
        "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang "
        "diterbitkan oleh Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara."
    )
    return k


def konteks_ekstrem() -> dict[str, Any]:
    """Beyond what the forms allow: the letter may run to two pages, the signature block must then
    move together with the closing sentence."""
    k = konteks_panjang()
    k["data"]["nama"] = (
        "Raden Ajeng Siti Nurhaliza Kartika Dewi Purnamasari Wulandari Anggraeni Kusumawardhani "
        "binti Haji Abdurrahman"
    )
    k["data"]["alamat"] += ", dekat Pasar Indra Kencana, Pangkalan Bun"
    k["data"]["keperluan"] += (
        " dan persyaratan pendaftaran beasiswa pendidikan tinggi bagi anak yang bersangkutan pada "
        "tahun ajaran 2026/2027"
    )
    return k


def render(tmp_path: Path, k: dict[str, Any] | None = None, nama: str = "surat.docx", **kw: Any) -> Path:
    out = tmp_path / nama
    kw.setdefault("qr_payload", URL)
    kw.setdefault("logo", LOGO)
    render_docx(TEMPLAT, konteks() if k is None else k, out, **kw)
    return out


def teks_docx(path: Path) -> str:
    """All visible text: body paragraphs, tables (nested too) and footers."""
    from docx import Document

    dok = Document(str(path))
    baris: list[str] = []

    def tabel(t: Any) -> None:
        for row in t.rows:
            for cell in row.cells:
                baris.extend(p.text for p in cell.paragraphs)
                for t2 in cell.tables:
                    tabel(t2)

    baris.extend(p.text for p in dok.paragraphs)
    for t in dok.tables:
        tabel(t)
    for s in dok.sections:
        baris.extend(p.text for p in s.footer.paragraphs)
    return "\n".join(baris)


# --------------------------------------------------------------------------------------------


def test_placeholders_templat() -> None:
    assert template_placeholders(TEMPLAT) == {"kantor", "surat", "data", "ttd", "logo", "qr", "catatan_tte"}


def test_placeholder_utuh_dalam_satu_run() -> None:
    """Every {{ }} / {% %} tag sits inside one <w:t>, so Word-style run splitting cannot break it."""
    with zipfile.ZipFile(TEMPLAT) as z:
        bagian = [n for n in z.namelist() if re.fullmatch(r"word/(document|footer\d*|header\d*)\.xml", n)]
        xml = "".join(z.read(n).decode("utf-8") for n in bagian)
    potongan = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)
    assert any("{{ data.nama }}" in p for p in potongan)
    for p in potongan:
        assert p.count("{{") == p.count("}}"), p
        assert p.count("{%") == p.count("%}"), p


def test_render_isi(tmp_path: Path) -> None:
    out = render(tmp_path)
    teks = teks_docx(out)
    assert NAMA in teks  # autoescape: printed literally, not as &amp;/&lt;
    assert f"Nomor: {NOMOR}" in teks
    assert "NIP. 19800723 199810 2 001" in teks
    assert "Drs. H. Ahmad Yani, M.Si" in teks
    assert "PEMERINTAH KABUPATEN KOTAWARINGIN BARAT" in teks
    assert "KECAMATAN ARUT SELATAN" in teks
    assert "Pangkalan Bun, 22 November 2026" in teks
    assert "penduduk Kelurahan Mendawai" in teks and "Lurah Mendawai" in teks
    assert "Kode verifikasi: K7QF-29XM" in teks  # footer
    assert "ditandatangani secara elektronik" in teks
    assert "a.n." not in teks  # empty baris_an: the paragraph is removed
    assert "{{" not in teks and "{%" not in teks
    # the rendered XML is well formed and the name is escaped exactly once
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "Siti &amp; &lt;Anak&gt;" in xml
    assert "&amp;amp;" not in xml


def test_render_baris_an(tmp_path: Path) -> None:
    k = konteks()
    k["ttd"].update(baris_an="a.n. Camat Arut Selatan", jabatan="Sekretaris Kecamatan", peran="a.n.")
    teks = teks_docx(render(tmp_path, k))
    assert "a.n. Camat Arut Selatan\nSekretaris Kecamatan," in teks


def test_render_gambar_qr_dan_logo(tmp_path: Path) -> None:
    from PIL import Image

    with zipfile.ZipFile(render(tmp_path)) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        ukuran = {n: Image.open(z.open(n)).size for n in media}
    persegi = [n for n, (w, h) in ukuran.items() if w == h]
    assert len(persegi) == 1, ukuran  # the QR code
    assert (300, 360) in ukuran.values()  # the logo

    # the QR image encodes the payload: compare module centres with segno's matrix
    import segno

    qr = segno.make(URL, error="m", boost_error=False, micro=False)
    matriks = [list(r) for r in qr.matrix]
    with zipfile.ZipFile(tmp_path / "surat.docx") as z:
        gambar = Image.open(z.open(persegi[0])).convert("L")
    n = len(matriks)
    skala = gambar.size[0] / (n + 4)  # border of 2 modules
    for y in range(n):
        for x in range(n):
            piksel = gambar.getpixel((int((x + 2.5) * skala), int((y + 2.5) * skala)))
            assert isinstance(piksel, int)
            gelap = piksel < 128
            assert gelap == bool(matriks[y][x])


def test_render_tanpa_logo(tmp_path: Path) -> None:
    with zipfile.ZipFile(render(tmp_path, logo=None)) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    assert len(media) == 1  # only the QR


def test_a_template_is_compiled_once_for_every_letter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docxtpl compiles the document XML at each render; SandboxTerbatas.compile keeps the code, so the second
    letter of a template compiles nothing and still gets its own data."""
    import jinja2.environment

    import sakti_cli.documents.render

    monkeypatch.setattr(sakti_cli.documents.render, "_KODE", {})  # nothing compiled yet in this process
    compiled: list[int] = []
    original = jinja2.environment.Environment._generate

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.environment.Environment, "_generate", counted)
    first, second = konteks(), konteks()
    second["data"]["nama"] = "NAMA YANG LAIN"
    render(tmp_path, first, "satu.docx")
    once = len(compiled)
    render(tmp_path, second, "dua.docx")
    assert once > 0 and len(compiled) == once
    assert "NAMA YANG LAIN" in teks_docx(tmp_path / "dua.docx")
    assert "NAMA YANG LAIN" not in teks_docx(tmp_path / "satu.docx")


def test_konteks_tidak_diubah(tmp_path: Path) -> None:
    k = konteks()
    asli = copy.deepcopy(k)
    render(tmp_path, k)
    assert k == asli


@pytest.mark.parametrize(
    ("hapus", "jalur"),
    [
        (("surat", "nomor"), "surat.nomor"),
        (("data", "desa_sebutan"), "data.desa_sebutan"),
        (("ttd", "baris_an"), "ttd.baris_an"),  # used by a {%p if %} tag
        (("catatan_tte",), "catatan_tte"),  # used in the footer
        (("kantor",), "kantor"),
    ],
)
def test_kunci_hilang(tmp_path: Path, hapus: tuple[str, ...], jalur: str) -> None:
    k = konteks()
    wadah: Any = k
    for kunci in hapus[:-1]:
        wadah = wadah[kunci]
    del wadah[hapus[-1]]
    out = tmp_path / "surat.docx"
    with pytest.raises(ConfigError) as info:
        render_docx(TEMPLAT, k, out, qr_payload=URL, logo=LOGO)
    assert jalur in info.value.pesan
    assert "sktm.docx" in info.value.pesan
    assert info.value.detail["placeholder"] == jalur
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_templat_rusak(tmp_path: Path) -> None:
    rusak = tmp_path / "rusak.docx"
    rusak.write_bytes(b"ini bukan docx")
    with pytest.raises(ConfigError, match=r"rusak\.docx"):
        render_docx(rusak, konteks(), tmp_path / "o.docx", qr_payload=URL, logo=LOGO)
    with pytest.raises(ConfigError, match=r"rusak\.docx"):
        template_placeholders(rusak)

    zip_lain = tmp_path / "zip_lain.docx"
    with zipfile.ZipFile(zip_lain, "w") as z:
        z.writestr("isi.txt", "halo")
    with pytest.raises(ConfigError, match=r"zip_lain\.docx"):
        render_docx(zip_lain, konteks(), tmp_path / "o.docx", qr_payload=URL, logo=LOGO)

    # a DOCX whose document.xml is truncated
    terpotong = tmp_path / "terpotong.docx"
    with zipfile.ZipFile(TEMPLAT) as zin, zipfile.ZipFile(terpotong, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    with pytest.raises(ConfigError, match=r"terpotong\.docx"):
        render_docx(terpotong, konteks(), tmp_path / "o.docx", qr_payload=URL, logo=LOGO)
    assert not (tmp_path / "o.docx").exists()


def test_templat_tidak_ada(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tidak_ada\.docx"):
        render_docx(tmp_path / "tidak_ada.docx", konteks(), tmp_path / "o.docx", qr_payload=URL, logo=LOGO)


def _templat_dengan(tmp_path: Path, teks: str) -> Path:
    from docx import Document

    dok = Document()
    dok.add_paragraph("Nomor: {{ surat.nomor }}")
    dok.add_paragraph(teks)
    path = tmp_path / "coba.docx"
    dok.save(str(path))
    return path


@pytest.mark.parametrize(
    "teks",
    [
        "{{ surat.nomor ",  # unclosed
        "{% if data.nama %}tanpa endif",
        "{% include '/etc/passwd' %}",  # no loader: no filesystem access
        "{% import '/etc/hostname' as x %}",
        "{{ data.__class__.__mro__ }}",  # sandbox
        "{{ data.nama.__class__.__base__.__subclasses__() }}",
        "{{ surat.nomor.format.__globals__ }}",
    ],
)
def test_templat_tidak_sah(tmp_path: Path, teks: str) -> None:
    templat = _templat_dengan(tmp_path, teks)
    with pytest.raises(ConfigError, match=r"coba\.docx"):
        render_docx(templat, konteks(), tmp_path / "o.docx", qr_payload=URL, logo=None)
    assert not (tmp_path / "o.docx").exists()


def test_templat_include_ditolak_dengan_pesan_jelas(tmp_path: Path) -> None:
    templat = _templat_dengan(tmp_path, "{% include 'lain.docx' %}")
    with pytest.raises(ConfigError, match="include"):
        render_docx(templat, konteks(), tmp_path / "o.docx", qr_payload=URL, logo=None)


def test_atribut_terlarang(tmp_path: Path) -> None:
    templat = _templat_dengan(tmp_path, "{{ data.__class__ }}")
    with pytest.raises(ConfigError, match="tidak diizinkan") as info:
        render_docx(templat, konteks(), tmp_path / "o.docx", qr_payload=URL, logo=None)
    assert info.value.detail["placeholder"] == "data.__class__"


def test_templat_gambar_tertaut_ditolak(tmp_path: Path) -> None:
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    dok = Document()
    dok.add_paragraph("{{ surat.nomor }}")
    dok.part.relate_to("http://contoh.invalid/gambar.png", RT.IMAGE, is_external=True)
    path = tmp_path / "tertaut.docx"
    dok.save(str(path))
    with pytest.raises(ConfigError, match=r"tertaut\.docx"):
        render_docx(path, konteks(), tmp_path / "o.docx", qr_payload=URL, logo=None)


def test_logo_tidak_sah(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tidak_ada\.png"):
        render(tmp_path, logo=tmp_path / "tidak_ada.png")
    palsu = tmp_path / "palsu.png"
    palsu.write_bytes(b"bukan gambar")
    with pytest.raises(ConfigError, match=r"palsu\.png"):
        render(tmp_path, logo=palsu)


def test_qr_kosong(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        render(tmp_path, qr_payload="")


def test_tulis_atomik_menimpa(tmp_path: Path) -> None:
    out = tmp_path / "surat.docx"
    out.write_bytes(b"lama")
    k = konteks()
    del k["surat"]["nomor"]
    with pytest.raises(ConfigError):
        render_docx(TEMPLAT, k, out, qr_payload=URL, logo=LOGO)
    assert out.read_bytes() == b"lama"  # a failed render leaves the old file alone
    render(tmp_path)
    assert zipfile.is_zipfile(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["surat.docx"]


def test_tujuan_tidak_dapat_ditulis(tmp_path: Path) -> None:
    penghalang = tmp_path / "berkas"
    penghalang.write_text("x")
    with pytest.raises(EnvironmentProblem):
        render_docx(TEMPLAT, konteks(), penghalang / "surat.docx", qr_payload=URL, logo=LOGO)


def test_karakter_kendali_dibuang(tmp_path: Path) -> None:
    k = konteks()
    k["data"]["pekerjaan"] = "Petani\x0bKebun\x00"
    teks = teks_docx(render(tmp_path, k))
    assert "PetaniKebun" in teks


# --------------------------------------------------------------------------------------------
# LibreOffice (slow)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_semua(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Render the three variants and convert them with one LibreOffice run."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) tidak terpasang")
    folder = tmp_path_factory.mktemp("pdf")
    docx = {}
    for nama, k in (("biasa", konteks()), ("panjang", konteks_panjang()), ("ekstrem", konteks_ekstrem())):
        docx[nama] = render(folder, k, nama=f"{nama}.docx")
    profil = folder / "profil-lo"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profil.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, docx.values()),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {nama: folder / f"{nama}.pdf" for nama in docx}


def _halaman(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(str(pdf)).pages]


@pytest.mark.slow
def test_pdf_satu_halaman(pdf_semua: dict[str, Path]) -> None:
    halaman = _halaman(pdf_semua["biasa"])
    assert len(halaman) == 1
    assert NOMOR in halaman[0]
    assert NAMA in halaman[0]
    assert "NIP. 19800723 199810 2 001" in halaman[0]

    if shutil.which("pdftoppm"):
        awalan = pdf_semua["biasa"].with_name("biasa")
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_semua["biasa"]),
                        str(awalan)], check=True, timeout=60)  # fmt: skip
        assert list(awalan.parent.glob("biasa-*1.png"))


@pytest.mark.slow
def test_pdf_isian_panjang_tetap_satu_halaman(pdf_semua: dict[str, Path]) -> None:
    halaman = _halaman(pdf_semua["panjang"])
    assert len(halaman) == 1
    assert "Raden Ajeng Siti Nurhaliza Kartika Dewi Purnamasari Wulandari" in halaman[0]
    assert "a.n. Camat Arut Selatan" in halaman[0]


@pytest.mark.slow
def test_pdf_ekstrem_blok_ttd_tidak_terpisah(pdf_semua: dict[str, Path]) -> None:
    """Too long for one page: the closing sentence and the whole signature block stay together."""
    halaman = _halaman(pdf_semua["ekstrem"])
    assert 1 <= len(halaman) <= 2
    terakhir = halaman[-1]
    for potongan in ("Demikian surat keterangan", "Pangkalan Bun, 22 November 2026", "Sekretaris Kecamatan",
                     "NIP. 19800723 199810 2 001"):  # fmt: skip
        assert potongan in terakhir
    assert sum("NIP. 19800723" in h for h in halaman) == 1
