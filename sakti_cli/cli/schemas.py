"""Typed models of every command's ``--json`` output; docs/skema/<command>.json is generated from them.

Imported only by ``scripts/buat_skema.py`` and the tests (pydantic stays out of ``sakti --help``).
Every object lists its keys (``additionalProperties: false``) except where the data is the office's own
(application fields, audit details, SOP content). A command's output is one of its result models or
the error object, which always has ``kode``, ``pesan`` and ``saran``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "skema"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    """Objects whose further keys are the office's data or a check's own details."""

    model_config = ConfigDict(extra="allow")


class Result(Strict):
    ok: bool


# --- shared shapes (sakti_cli.core.shapes) --------------------------------------------------------------
class Penandatangan(Strict):
    id: str | None
    nama: str | None
    jabatan: str | None
    peran: str | None
    sifat: str | None = Field(description="pribadi (kunci seseorang) atau segel (segel elektronik kantor); "
                              "null bila tidak diketahui (sertifikat di luar sakti.toml, surat lama)")


class Galat(Strict):
    kode: str
    pesan: str
    saran: str
    detail: dict[str, Any] | None = None


class ErrorOutput(Strict):
    jenis: Literal["galat"] | None = Field(None, description=(
        "hanya pada perintah yang mengalirkan baris (impor, massal): baris galat JSON Lines, juga bila gagal "
        "sebelum baris pertama"))
    ok: Literal[False]
    error: Galat


class Temuan(Strict):
    kode: str
    tingkat: Literal["galat", "peringatan"]
    pesan: str
    saran: str


# --- applications -----------------------------------------------------------------------------------
class SuratPermohonan(Strict):
    nomor_surat: str
    kode_verifikasi: str
    pdf: str | None
    sha256: str
    terbit: str
    mengganti: str | None = None


class AntreanPermohonan(Strict):
    nomor_surat: str
    kode_verifikasi: str
    pdf_belum_ttd: str | None
    disiapkan: str
    penandatangan: Penandatangan


class Riwayat(Strict):
    waktu: str
    petugas: str
    dari: str | None
    ke: str
    catatan: str | None


class BerkasTersimpan(Strict):
    """One scan kept for a requirement (its code is the key of ``berkas``)."""

    nama_asli: str
    berkas: str
    """The stored file's name inside the application's folder (not a path)."""
    jenis: str
    ukuran: int
    sha256: str
    dihapus: str | None = None
    """When ``sakti bersihkan`` removed the scan (the record stays)."""


class PermohonanSerupa(Strict):
    nomor_registrasi: str
    status: str
    nomor_surat: str | None = None
    pesan: str


class PesanWa(Strict):
    """The citizen's WhatsApp message of a step (daftar, periksa when incomplete, tolak, terbitkan)."""

    jenis_pesan: Literal["diterima", "belum_lengkap", "ditolak", "terbit"] | None = None
    pesan_wa: str | None = None
    """The text from templat/pesan/<jenis_pesan>.txt; NIK never in full."""
    tautan_wa: str | None = None
    """https://wa.me/62…?text=…; null when the applicant's number is missing or invalid (see alasan_wa)."""
    alasan_wa: str | None = None
    """Why there is no link: 'nomor WhatsApp tidak ada' or 'nomor WhatsApp tidak valid: …'."""
    tanda_terima: str | None = None
    """daftar/pesan --tanda-terima: the absolute path of the receipt PDF written."""


class Pesan(Result):
    """sakti pesan REG, sakti status REG --wa: the message for the application's current state."""

    nomor_registrasi: str
    status: str
    jenis_pesan: Literal["diterima", "belum_lengkap", "ditolak", "terbit"]
    pesan_wa: str
    tautan_wa: str | None
    alasan_wa: str | None = None
    tanda_terima: str | None = None


class PesanSurel(Result):
    """sakti pesan REG --surel: the issued letter sent to the applicant's e-mail address."""

    nomor_registrasi: str
    status: Literal["TERBIT"]
    nomor_surat: str
    kepada: str
    """The application's ``surel`` field, as the message was addressed (the audit trail keeps it masked)."""
    subjek: str
    id_pesan: str
    """The Message-ID header, also in the audit event ``kirim_surel``."""
    lampiran: str
    """File name of the attached PDF: the stored signed PDF, byte for byte."""
    sha256: str
    server: str
    """host:port of the office's mail server ([surel])."""
    keamanan: Literal["starttls", "tls"]
    terkirim: str


class Permohonan(Result, PesanWa):
    """An application (daftar, lengkapi, ubah, status); ``data`` holds the SOP's own fields."""

    nomor_registrasi: str
    layanan: str
    status: str
    data: dict[str, Any]
    berkas: dict[str, list[BerkasTersimpan]]
    dibuat: str
    diubah: str
    riwayat: list[Riwayat]
    periksa: dict[str, Any] | None
    surat: SuratPermohonan | None
    antrean: AntreanPermohonan | None
    nomor_batal: list[str]
    peringatan: list[str] | None = None
    permohonan_serupa: list[PermohonanSerupa] | None = None
    """daftar: applications or recent letters with the same NIK (the warnings, structured)."""
    perubahan: list[str] | None = None
    """lengkapi: what was recorded (files replaced or added, originals seen)."""
    berkas_dihapus: dict[str, Any] | None = None


class StatusPermohonan(Permohonan):
    waktu_layanan: dict[str, Any] | None = None


class BarisPeriksa(Strict):
    kode: str
    syarat: str
    status: str
    pesan: str


class Periksa(Result, PesanWa):
    nomor_registrasi: str
    status: str
    lengkap: bool
    hasil: list[BarisPeriksa]
    langkah_berikut: list[str] = []
    """What to do next, one step per failed line (empty when LENGKAP)."""


class Tolak(Result, PesanWa):
    nomor_registrasi: str
    status: str
    alasan: str


class BerkasEkspor(Strict):
    csv: str | None = Field(description="berkas CSV yang ditulis (--csv), path absolut")
    xlsx: str | None = Field(description="berkas XLSX yang ditulis (--xlsx), path absolut")


class BarisPermohonan(Strict):
    nomor_registrasi: str
    layanan: str
    status: str
    nama: str | None
    nik: str | None = Field(description="NIK pemohon, disamarkan kecuali --tampilkan-nik")
    desa: str | None = Field(description="desa/kelurahan pemohon (isian berjenis desa yang pertama)")
    dibuat: str
    diubah: str
    nomor_surat: str | None = Field(description="nomor surat yang terbit atau yang menunggu tanda tangan")


class DaftarPermohonan(Result):
    permohonan: list[BarisPermohonan]
    jumlah: int
    berkas: BerkasEkspor


class BarisSurat(Strict):
    nomor_surat: str
    urut: int
    lingkup: str = Field(description="lingkup penomoran, mis. nomor|layanan:sktm|2026")
    tanggal: str = Field(description="tanggal pemesanan nomor (YYYY-MM-DD, zona kantor)")
    status: str
    layanan: str
    nama_layanan: str
    nomor_registrasi: str
    pemohon: str | None
    nik: str | None = Field(description="NIK pemohon, disamarkan kecuali --tampilkan-nik")
    desa: str | None
    penandatangan: Penandatangan
    terbit: str | None
    alasan_batal: str | None
    mengganti: str | None = Field(description="nomor surat BATAL yang diganti surat ini")
    diganti_oleh: str | None = Field(description="nomor surat pengganti surat BATAL ini")
    keterangan: str | None


class DaftarSurat(Result):
    surat: list[BarisSurat]
    jumlah: int
    berkas: BerkasEkspor


class Periode(Strict):
    dari: str | None
    sampai: str | None


class BagianAgenda(Strict):
    lingkup: str
    label: str
    surat: int = Field(description="nomor yang dipesan di register pada periode ini")
    terbit: int
    batal: int
    lain: int = Field(description="nomor yang belum selesai: DIPESAN atau MENUNGGU_TTD")
    nomor_kertas: int = Field(description="nomor yang terbit di buku agenda kertas sebelum 'nomor mulai'")
    nomor_hilang: int = Field(description="nomor yang tidak tercatat di register (periksa register)")


class BerkasAgenda(Strict):
    xlsx: str | None
    pdf: str | None


class Agenda(Result):
    judul: str
    periode: Periode
    jumlah_surat: int
    bagian: list[BagianAgenda]
    berkas: BerkasAgenda


# --- services ---------------------------------------------------------------------------------------
class BarisLayanan(Strict):
    kode: str
    nama: str
    jangka_waktu: str
    biaya: str


class DaftarLayanan(Result):
    layanan: list[BarisLayanan]


class SatuLayanan(Result):
    layanan: dict[str, Any]
    """The SOP as loaded (its own schema: ``sakti sop skema``)."""


class Formulir(Result):
    formulir: str
    kolom: int


class LembarInformasi(Result):
    layanan: str
    lembar: str
    format: str
    persyaratan: list[str]
    langkah: int


class Contoh(Result):
    contoh: str
    layanan: str
    data: str


# --- letters ----------------------------------------------------------------------------------------
class Terbit(Result, PesanWa):
    nomor_registrasi: str
    status: Literal["TERBIT"]
    nomor_surat: str
    kode_verifikasi: str
    pdf: str
    sha256: str
    penandatangan: Penandatangan
    terbit: str
    peringatan: list[str]


class MenungguTtd(Result):
    nomor_registrasi: str
    status: str
    nomor_surat: str
    kode_verifikasi: str
    pdf: str
    sha256_belum_ttd: str
    penandatangan: Penandatangan
    disiapkan: str
    disiapkan_oleh: str | None
    peringatan: list[str]
    alasan_antrean: str | None = Field(default=None, description="mengapa surat menunggu padahal diminta "
                                       "ditandatangani: TSA atau sumber CRL/OCSP tidak terjangkau")


class RingkasanSurat(Strict):
    nomor_surat: str
    status: str
    layanan: str
    nomor_registrasi: str
    terbit: str | None
    penandatangan: Penandatangan
    sha256: str | None
    sha256_revisi: list[str] = Field(default_factory=list, description="SHA-256 setiap revisi PDF yang diterbitkan "
                                     "kantor, dari yang pertama (sha256) sampai pembaruan terakhir (ttd perbarui)")
    kode_verifikasi: str
    alasan_batal: str | None
    pemohon: str | None = Field(default=None, description="nama pemohon tersamar, mis. S*** A*****")


class TandaTangan(Strict):
    """One signature field of a PDF (sakti_cli.signatures.validate.SignatureReport, keys as its JSON_KEYS)."""

    kolom: str
    penandatangan: Penandatangan | None
    waktu_tanda_tangan: str | None
    utuh: bool
    kriptografi_sah: bool
    tepercaya: bool
    cakupan: str
    diubah_sesudahnya: bool
    revisi_setelah_ttd: int
    subfilter: str | None
    pesan: str | None
    jenis: str
    waktu_cap_waktu: str | None
    tsa: str | None
    cap_waktu_sah: bool | None
    tingkat: str | None
    catatan_tingkat: str | None
    akar_tepercaya: str | None
    perubahan_sesudahnya: list[str]
    sah: bool
    penerbit: str | None
    sertifikat_berlaku_dari: str | None
    sertifikat_berlaku_sampai: str | None
    indikasi: Literal["TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE"]
    subindikasi: str | None
    penjelasan_indikasi: str | None
    tidak_berubah: bool
    waktu_dari_cap_waktu: bool
    waktu_dari_cap_waktu_dokumen: bool = Field(description="tanda tangan tanpa cap waktu sendiri: waktunya dari cap "
                                               "waktu dokumen pertama sesudahnya (rute pdf BSrE, B-T)")


class TandaTanganBsre(Strict):
    """One signature as the BSrE service judged it (its ``signatureInformations``, keys in our words)."""

    kolom: str | None
    penandatangan: str | None
    utuh: bool | None
    tepercaya: bool | None
    diubah_sesudahnya: bool | None
    waktu_tanda_tangan: str | None
    tsa: str | None
    waktu_cap_waktu: str | None


class GalatLayanan(Strict):
    kode: str
    pesan: str
    saran: str | None


class VerifikasiBsre(Strict):
    """``verifikasi --bsre``: the service's verdict beside ours; ``galat`` when it gave none."""

    penandatangan: str
    layanan: str
    kesimpulan: str | None = None
    keterangan: str | None = None
    sah: bool | None = None
    sepakat: bool | None = None
    tanda_tangan: list[TandaTanganBsre] | None = None
    jawaban: dict[str, Any] | None = None
    galat: GalatLayanan | None = None


class VerifikasiBerkas(Result):
    sah: bool
    alasan: list[str]
    berkas: str
    sha256: str
    kode_verifikasi: str | None
    register_: str = Field(alias="register")
    surat: RingkasanSurat | None
    revisi_setelah_ttd: int
    tanda_tangan: list[TandaTangan]
    terdaftar: bool | None = None
    laporan: str | None = None
    bsre: VerifikasiBsre | None = None


class VerifikasiKode(Result):
    sah: bool
    terdaftar: bool | None = None
    register_: str | None = Field(default=None, alias="register")
    surat: RingkasanSurat | None = None
    kode_verifikasi: str | None = None
    alasan: list[str] | None = None


class PerbaruiSurat(Strict):
    nomor_surat: str
    pdf: str
    sha256: str
    sha256_sebelumnya: str
    revisi: int
    waktu: str
    kolom: str


class PerbaruiGagal(Strict):
    nomor_surat: str
    error: dict[str, Any]


class TtdPerbarui(Result):
    diperbarui: list[PerbaruiSurat]
    gagal: list[PerbaruiGagal]
    tsa: str
    jumlah_diperbarui: int
    jumlah_gagal: int


class Batal(Result):
    nomor_surat: str
    status: str
    alasan_batal: str
    dibatalkan: str
    dibatalkan_oleh: str | None
    nomor_registrasi: str


class Cetak(Result):
    nomor_surat: str
    status: str
    pdf: str
    ke: str | None
    sha256: str
    kode_verifikasi: str
    nomor_registrasi: str


class Peristiwa(Strict):
    waktu: str
    petugas: str | None
    aksi: str
    objek: str | None
    sebelum: Any
    sesudah: Any
    detail: Any
    id: str | None


class RiwayatAudit(Result):
    peristiwa: list[Peristiwa]
    jumlah: int


class NomorMulai(Result):
    lingkup: str
    tahun: int
    dari: int
    sebelumnya: int | None
    layanan: str


class Pemeriksaan(Strict):
    cara: Literal["penuh", "bertahap"] = Field(description="penuh: semuanya; bertahap: sejak titik periksa")
    alasan: str
    dari_peristiwa: int = Field(description="jejak audit diperiksa mulai sesudah peristiwa ini (0: dari awal)")
    penuh_terakhir: str | None = Field(description="waktu pemeriksaan penuh terakhir (ISO)")
    berkas_dihitung: int = Field(description="berkas yang SHA-256-nya dihitung (baru, berubah, atau semua bila penuh)")
    berkas_sampel: int = Field(description="berkas tak berubah yang dihitung sebagai sampel bergilir")
    berkas_dilewati: int = Field(description="berkas tak berubah yang tidak dihitung kali ini")


class RegisterPeriksa(Result):
    bersih: bool
    masalah: list[Open]
    catatan: list[Open]
    ringkasan: dict[str, Any]
    pemeriksaan: Pemeriksaan
    diperbaiki: list[str] | None = None
    dibangun_ulang: list[str] | None = None


class RegisterSalin(Result):
    dari: str = Field(description="register asal (folder, atau server PostgreSQL tanpa sandi)")
    asal: Literal["tinydb", "postgresql"]
    ke: str = Field(description="register tujuan (folder kantor baru, atau server PostgreSQL tanpa sandi)")
    tujuan: Literal["tinydb", "postgresql"]
    permohonan: int
    surat: int
    status_surat: dict[str, int] = Field(description="jumlah surat per status")
    penghitung: int
    nomor_mulai: int
    antrean_ttd: int
    kunci_baris: int
    indeks_nik: int
    peristiwa: int = Field(description="peristiwa jejak audit yang disalin (tanpa peristiwa salin itu sendiri)")
    kepala_audit: str = Field(description="hash peristiwa terakhir yang disalin: sama di kedua jejak")
    berkas: int = Field(description="pindaian dan PDF yang disalin, masing-masing dicek SHA-256-nya")
    ukuran_berkas: int
    berkas_kantor: int = Field(description="berkas kantor (sakti.toml, sop, templat, sertifikat) untuk tujuan folder")


class RegisterSiapkan(Result):
    server: str = Field(description="server, basis data dan peran (tanpa sandi)")
    diterapkan: list[str] = Field(description="migrasi skema yang diterapkan sekarang (kosong: sudah mutakhir)")
    versi: int


class RegisterPeran(Result):
    server: str
    peran: str
    nama: str
    sandi: bool = Field(description="sandi peran diberikan (--berkas-sandi-peran); false: atur dengan \\password")


# --- signing ----------------------------------------------------------------------------------------
class Tandatangani(Result):
    berkas: str
    pdf: str
    sha256: str
    kolom: str
    penandatangan: Penandatangan
    tingkat: str
    tsa: str | None


class SertifikatDemo(Result):
    folder: str
    akar: str
    kunci: str
    sertifikat: str
    crl: str
    sandi_demo: str


class RingkasanSertifikat(Strict):
    subjek: str
    nama: str | None
    penerbit: str
    nomor_seri: str
    berlaku_mulai: str
    berlaku_sampai: str
    sisa_hari: int
    status: str
    ca: bool
    penggunaan_kunci: list[str]
    penggunaan_kunci_lanjutan: list[str]
    titik_distribusi_crl: list[str]
    sidik_jari_sha256: str
    boleh_menandatangani: bool
    alasan: str | None
    peringatan: list[str]
    temuan: list[Temuan]


class SertifikatLihat(Result):
    berkas: str
    sertifikat: list[RingkasanSertifikat]


class SertifikatStatus(Result):
    penandatangan: str
    nik: str = Field(description="NIK penandatangan, disamarkan")
    layanan: str = Field(description="alamat dasar layanan BSrE (kunci.url)")
    status: str = Field(description="status pengguna menurut BSrE: ISSUE, EXPIRED, RENEW, REVOKE, SUSPEND, "
                        "NOT_REGISTERED, ...")
    aktif: bool = Field(description="true bila sertifikatnya dapat menandatangani sekarang")
    keterangan: str


class SertifikatPerbaruiSegel(Result):
    penandatangan: str
    id_subscriber: str = Field(description="idSubscriber segel elektronik kantor di BSrE")
    layanan: str = Field(description="alamat dasar layanan BSrE (kunci.url)")
    berkas_sandi: str = Field(description="berkas kode aktivasi (chmod 600); kodenya tidak pernah dikeluarkan")
    diperbarui: bool = Field(description="true bila kode baru diterima dan ditulis ke berkas_sandi")
    berlaku_sampai: str | None = Field(description="batas berlaku kode menurut layanan, bila disebut")
    keterangan: str | None = Field(description="pesan layanan bila kodenya tidak dikirim lewat jawaban ini "
                                   "(mis. dikirim ke surel admin segel)")


class BarisAntrean(Strict):
    nomor_surat: str
    nomor_registrasi: str
    nama: str | None
    nik: str | None
    layanan: str
    nama_layanan: str
    disiapkan_oleh: str | None
    disiapkan: str | None
    penandatangan: Penandatangan
    pdf: str | None
    kode_verifikasi: str


class Antrean(Result):
    jumlah: int
    surat: list[BarisAntrean]


class Ditandatangani(PesanWa):
    """One letter signed by ttd setujui, with the issued-letter message for the applicant (as terbitkan)."""

    nomor_surat: str
    nomor_registrasi: str
    status: Literal["TERBIT"]
    pdf: str
    sha256: str
    kode_verifikasi: str
    terbit: str


class GagalTtd(Strict):
    nomor_surat: str
    nomor_registrasi: str
    status: str
    error: Galat


class Setujui(Result):
    penandatangan: Penandatangan
    ditandatangani: list[Ditandatangani]
    gagal: list[GagalTtd]
    peringatan: list[str]
    jumlah_ditandatangani: int
    jumlah_gagal: int


class Kembalikan(Result):
    nomor_surat: str
    status: str
    alasan_batal: str
    nomor_registrasi: str
    status_permohonan: str


# --- backups ----------------------------------------------------------------------------------------
class Cadangkan(Result):
    berkas: str
    format: str
    sha256: str
    ukuran: int
    jumlah_berkas: int
    versi_format_register: int | None
    dibuat: str
    dengan_kunci: bool
    kunci_tersegel: bool
    isi: list[str]
    dilewati: list[str]
    register_asal: str | None = Field(default=None, description="server PostgreSQL asal register (tanpa sandi); "
                                      "null: register TinyDB kantor ini")


class Pulihkan(Result):
    arsip: str
    ke: str
    jumlah_berkas: int
    dibuat: str | None
    versi_format_register: int | None
    versi_format_sekarang: int | None
    dengan_kunci: bool
    kunci_tersegel: bool
    peringatan: list[str]
    tujuan: Literal["tinydb", "postgresql"] = Field(
        default="tinydb", description="tinydb: folder kantor baru; postgresql: register kosong di server (berkas "
        "kantor tidak dipasang)")
    jumlah_berkas_register: int | None = Field(default=None, description="pindaian dan PDF yang disimpan di server")


class PermohonanDibersihkan(Strict):
    nomor_registrasi: str
    layanan: str | None
    status: str
    diubah: str | None
    berkas: list[str]
    ukuran: int
    sisa_saja: bool


class Bersihkan(Result):
    lebih_dari: int | str
    batas: str
    waktu: str
    uji: bool
    permohonan: list[PermohonanDibersihkan]
    jumlah: int
    jumlah_berkas: int
    ukuran: int


# --- the office ---------------------------------------------------------------------------------------
class Init(Result):
    kantor: str
    konfigurasi: str
    contoh: bool


class Kantor(Result):
    kantor: str
    ditemukan_lewat: str
    kabupaten: str
    kecamatan: str
    zona_waktu: str
    kode_unit: str
    desa: list[str]
    jenis_desa: dict[str, str]
    penandatangan: list[Penandatangan]
    petugas: str


class SuratKantor(Strict):
    kertas: str
    pdfa: bool


class KantorPeriksa(Result):
    kantor: str
    surat: SuratKantor
    temuan: list[Temuan]
    jumlah_galat: int
    jumlah_peringatan: int
    surel_diuji: str | None = None
    """With --uji-surel: host:port of the mail server that accepted the office's login, null when it did not."""


class Demo(Result):
    kantor: str
    pdf: str
    nomor_registrasi: str
    nomor_surat: str
    kode_verifikasi: str
    sha256: str
    sah: bool
    sandi_demo: str
    detik: float


class SopSkema(Result):
    skema: dict[str, Any]


class MasalahSop(Strict):
    berkas: str
    kolom: str
    pesan: str


class SopPeriksa(Result):
    berkas: list[str]
    masalah: list[MasalahSop]
    jumlah_masalah: int


class LaporanTemplat(Strict):
    layanan: str
    templat: str | None
    status: Literal["OK", "MASALAH"]
    terbaca: bool
    halaman: int | None
    halaman_maks: int | None
    halaman_ttd: int | None
    masalah: list[Open]


class TemplatPeriksa(Result):
    templat: list[LaporanTemplat]
    masalah: list[Open]
    jumlah_masalah: int
    butir_daftar: int | None
    panjang_penuh: bool
    pdf_diperiksa: bool


class BarisMassal(Strict):
    """One JSON line per row of ``sakti massal --json`` (``jenis: baris``); not checked per line by the suite."""

    jenis: Literal["baris"]
    baris: int
    hasil: Literal["terdaftar", "sudah_ada", "ditolak", "akan_didaftarkan"]
    nomor_registrasi: str | None
    status: str | None
    kurang: list[str]
    alasan: str | None
    nomor_surat: str | None
    galat_terbit: str | None
    akan_diterbitkan: bool | None = Field(None, description="--uji --terbitkan: apakah suratnya akan diterbitkan")


class GabunganMassal(Strict):
    """``massal --gabung``: the print copy (``pdf`` None when no row has a TERBIT letter: nothing written)."""

    pdf: str | None
    surat: int
    halaman: int
    menunggu_ttd: int
    """Rows whose letter waits for its signature: not in the print copy."""


class ArsipMassal(Strict):
    """``massal --zip``: the archive of signed letters (``berkas`` None when there is none: nothing written)."""

    berkas: str | None
    surat: int
    menunggu_ttd: int


class Massal(Result):
    """The last line of ``sakti massal --json`` (``jenis: ringkasan`` after row lines)."""

    jenis: Literal["ringkasan"] | None = None
    berkas: str
    layanan: str
    uji: bool
    baris: int
    terdaftar: int
    sudah_ada: int
    akan_didaftarkan: int
    ditolak: int
    diterbitkan: int
    gagal_terbit: int
    akan_diterbitkan: int = Field(description="--uji --terbitkan: surat yang akan diterbitkan (0 tanpa --uji)")
    belum_lengkap: int
    gagal: int
    gabung: GabunganMassal | None = None
    """Only with --gabung."""
    zip: ArsipMassal | None = None
    """Only with --zip."""


class Situs(Result):
    """``sakti situs bangun/perbarui``: what was written to the verification site's folder."""

    folder: str
    surat: int = Field(description="surat di situs (yang pernah terbit)")
    ditulis: int = Field(description="berkas data surat yang ditulis kali ini")
    tidak_berubah: int
    aset_ditulis: int = Field(description="berkas halaman (HTML, CSS, JS, info) yang ditulis kali ini")
    dibangun: str
    halaman: str


class BerkasGform(Strict):
    """One upload question a row of ``sakti impor gform`` answered, and what was found for it."""

    pertanyaan: str
    kode: str = Field(description="kode persyaratan (orang dalam daftar: DAFTAR.N.KODE)")
    jawaban: int = Field(description="jumlah berkas yang diunggah (tautan Drive di sel)")
    hasil: Literal["cocok", "sebagian", "ragu", "tidak_ada"]
    berkas: list[str] = Field(description="nama bersih berkas yang cocok")
    calon: list[str] = Field(description="nama pengunggah yang mungkin dimaksud (ragu)")
    pesan: str | None


class BarisImporGform(BarisMassal):
    """One JSON line per response of ``sakti impor gform --json`` (``jenis: baris``): the keys of a
    ``massal`` row (``baris``: the row of the responses sheet, its titles being row 1), then the response's
    timestamp and its upload questions."""

    hasil: Literal["terdaftar", "sudah_ada", "ditolak", "akan_didaftarkan"]
    stempel_waktu: str | None
    berkas: list[BerkasGform]
    dilampirkan: list[str] = Field(description="kode berkas yang dilampirkan impor ini ke permohonan yang sudah ada "
                                               "(--uji: yang akan dilampirkan)")
    tak_cocok: list[str] = Field(description="kode berkas unggahan yang tidak cocok dan belum ada di permohonan")


class ImporGform(Result):
    """The last line of ``sakti impor gform --json`` (``jenis: ringkasan`` after row lines)."""

    jenis: Literal["ringkasan"] | None = None
    berkas: str
    layanan: str
    peta: str
    folder_berkas: str
    uji: bool = Field(description="--uji: what an import would do, nothing registered or attached")
    baris: int
    terdaftar: int
    sudah_ada: int
    akan_didaftarkan: int = Field(description="--uji: rows an import would register")
    ditolak: int
    belum_lengkap: int
    berkas_cocok: int
    berkas_tak_cocok: int
    berkas_dilampirkan: int
    gagal: int


class ContohPeta(Result):
    """``sakti impor gform --contoh-peta KODE --json``: the sample mapping as text."""

    layanan: str
    peta: str


class LatarPemanasan(Strict):
    """What the fork server built once before its first child (cli.garpu.warm_up)."""

    tanda_tangan: bool = Field(description="satu tanda tangan uji dibuat dan diperiksa (kunci sekali pakai)")
    telepon: bool = Field(description="data nomor telepon Indonesia dimuat")
    pesan: int = Field(description="templat pesan warga yang sudah dikompilasi")


class LatarGarpu(Strict):
    """The fork server beside the resident worker: runs terbitkan, tandatangani, ttd and verifikasi with
    sakti's modules already imported."""

    berjalan: bool = Field(description="apakah server garpu kantor ini berjalan")
    pid: int | None = None
    mulai: float | None = Field(None, description="waktu mulai (detik Unix)")
    dilayani: int | None = Field(None, description="perintah yang sudah dijalankannya")
    aktif: int | None = Field(None, description="perintah yang sedang berjalan di sana")
    ditolak: int | None = Field(None, description="sambungan yang ditolak (pengguna lain, versi sakti lain)")
    modul: int | None = Field(None, description="modul Python yang sudah dimuatnya")
    templat: int | None = Field(None, description="templat surat kantor yang sudah dibukanya (dipakai selama berkasnya "
                                                  "tidak berubah)")
    dipanaskan: LatarPemanasan | None = Field(None, description="yang disiapkannya sekali sebelum perintah pertama")


class LatarGarpuBerhenti(Strict):
    dihentikan: bool = Field(description="apakah server garpu dihentikan oleh perintah ini")
    pid: int | None = None
    dilayani: int | None = None


class Latar(Result):
    """``sakti latar mulai`` / ``latar status``: the resident worker of this workspace, if it runs."""

    berjalan: bool = Field(description="apakah pekerja latar kantor ini berjalan")
    folder: str = Field(description="folder pribadinya (soket, log)")
    pid: int | None = None
    versi: str | None = Field(None, description="versi sakti pekerja itu")
    kantor: str | None = None
    mulai: float | None = Field(None, description="waktu mulai (detik Unix)")
    dikonversi: int | None = Field(None, description="surat yang sudah diubahnya menjadi PDF")
    ditolak: int | None = Field(None, description="sambungan pengguna lain yang ditolak")
    pekerja: int | None = Field(None, description="jumlah LibreOffice-nya")
    libreoffice: list[int] = Field(default_factory=list, description="pid LibreOffice-nya")
    garpu: LatarGarpu


class LatarBerhenti(Result):
    """``sakti latar berhenti``."""

    dihentikan: bool
    folder: str
    pid: int | None = None
    dikonversi: int | None = None
    garpu: LatarGarpuBerhenti


# A group that only lists its commands (``sakti ttd``) prints no result: only the error object; so does
# ``sakti`` itself ("": an unknown command, a global option misused).
ROOT = ""
# --- reports (sakti laporan) ------------------------------------------------------------------------
class PeriodeLaporan(Strict):
    jenis: Literal["bulan", "tahun", "rentang"]
    dari: str
    sampai: str
    label: str


class WaktuLayanan(Strict):
    jumlah: int = Field(description="surat terbit yang diukur waktunya")
    median_menit: int | None = Field(description="median waktu kerja dari berkas lengkap sampai terbit (menit)")
    p90_menit: int | None = Field(description="persentil ke-90 (peringkat terdekat), menit kerja")
    dalam_batas: int
    persen_dalam_batas: float | None = Field(description="persen surat yang terbit dalam jangka waktu SOP")


class AngkaSebelumnya(Strict):
    diterima: int
    lengkap: int
    terbit: int
    ditolak: int
    batal: int
    median_menit: int | None
    persen_dalam_batas: float | None


class AngkaLaporan(Strict):
    diterima: int
    lengkap: int
    terbit: int
    ditolak: int
    batal: int
    waktu: WaktuLayanan


class AngkaDenganTren(AngkaLaporan):
    sebelumnya: AngkaSebelumnya
    perubahan_terbit_persen: float | None


class LayananLaporan(AngkaDenganTren):
    kode: str
    nama: str
    jangka_waktu: str
    batas_menit: int | None
    satuan: Literal["menit", "hari_kerja"]


class DesaLaporan(AngkaLaporan):
    nama: str


class Harian(Strict):
    tanggal: str
    diterima: int
    terbit: int


class JumlahAlasan(Strict):
    alasan: str
    jumlah: int


class Laporan(Result):
    periode: PeriodeLaporan
    pembanding: PeriodeLaporan
    jumlah: AngkaDenganTren
    layanan: list[LayananLaporan]
    desa: list[DesaLaporan]
    harian: list[Harian]
    alasan_tolak: list[JumlahAlasan]
    alasan_batal: list[JumlahAlasan]
    catatan: list[str]
    berkas: dict[str, str] = Field(description="berkas yang ditulis: xlsx, pdf")


class UnsurSkm(Strict):
    kode: str
    nama: str
    nrr: float = Field(description="nilai rata-rata unsur (1-4)")
    nilai: float = Field(description="NRR x 25")
    mutu: Literal["A", "B", "C", "D"]


class UnsurLemah(Strict):
    kode: str
    nama: str
    nrr: float


class KelompokSkm(Strict):
    nama: str
    responden: int
    unsur: list[UnsurSkm]
    indeks: float = Field(description="IKM: rata-rata NRR x 25")
    mutu: Literal["A", "B", "C", "D"]
    kinerja: str
    terlemah: list[UnsurLemah]


class LaporanSkm(Result):
    berkas: str
    peta: str
    responden: int
    semua: KelompokSkm
    layanan: list[KelompokSkm]
    berkas_keluaran: dict[str, str]


COMMANDS: dict[str, list[type[BaseModel]]] = {
    ROOT: [],
    "init": [Init],
    "layanan": [DaftarLayanan, SatuLayanan, Formulir, LembarInformasi],
    "daftar": [Permohonan],
    "massal": [Massal],
    "impor": [],
    "impor gform": [ImporGform, ContohPeta],
    "periksa": [Periksa],
    "lengkapi": [Permohonan],
    "ubah": [Permohonan],
    "tolak": [Tolak],
    "permohonan": [DaftarPermohonan],
    "status": [StatusPermohonan, Pesan],
    "pesan": [Pesan, PesanSurel],
    "terbitkan": [Terbit, MenungguTtd],
    "verifikasi": [VerifikasiBerkas, VerifikasiKode],
    "surat": [DaftarSurat],
    "agenda": [Agenda],
    "batalkan": [Batal],
    "cetak": [Cetak],
    "riwayat": [RiwayatAudit],
    "tandatangani": [Tandatangani],
    "cadangkan": [Cadangkan],
    "pulihkan": [Pulihkan],
    "bersihkan": [Bersihkan],
    "demo": [Demo],
    "contoh": [Contoh],
    "kantor": [Kantor],
    "kantor periksa": [KantorPeriksa],
    "nomor": [],
    "nomor mulai": [NomorMulai],
    "register": [],
    "register periksa": [RegisterPeriksa],
    "register salin": [RegisterSalin],
    "register siapkan": [RegisterSiapkan],
    "register peran": [RegisterPeran],
    "sertifikat": [],
    "sertifikat demo": [SertifikatDemo],
    "sertifikat lihat": [SertifikatLihat],
    "sertifikat status": [SertifikatStatus],
    "sertifikat perbarui-segel": [SertifikatPerbaruiSegel],
    "ttd": [],
    "ttd antrean": [Antrean],
    "ttd setujui": [Setujui],
    "ttd perbarui": [TtdPerbarui],
    "ttd kembalikan": [Kembalikan],
    "sop": [],
    "sop skema": [SopSkema],
    "sop periksa": [SopPeriksa],
    "templat": [],
    "templat periksa": [TemplatPeriksa],
    "situs": [],
    "situs bangun": [Situs],
    "situs perbarui": [Situs],
    "laporan": [Laporan],
    "laporan skm": [LaporanSkm],
    "latar": [],
    "latar mulai": [Latar],
    "latar status": [Latar],
    "latar berhenti": [LatarBerhenti],
    "latar layani": [],
}


def file_name(command: str) -> str:
    return (command or "sakti").replace(" ", "-") + ".json"


def command_schema(command: str) -> dict[str, Any]:
    """The JSON Schema of one command's output: one of its results, or the error object."""
    from functools import reduce
    from operator import or_

    from pydantic import TypeAdapter

    union: Any = reduce(or_, [*COMMANDS[command], ErrorOutput])
    schema = TypeAdapter(union).json_schema(ref_template="#/$defs/{model}")
    return {**schema, "$schema": DIALECT, "title": f"sakti {command} --json".replace("  ", " ")}


def render(command: str) -> str:
    return json.dumps(command_schema(command), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render_all() -> dict[str, str]:
    """File name -> text for every command of the app (a command without a model is an error)."""
    from sakti_cli.cli.reference import command_names

    missing = [name for name in command_names() if name not in COMMANDS]
    if missing:
        raise KeyError(f"perintah tanpa model keluaran JSON di sakti_cli/cli/schemas.py: {', '.join(missing)}")
    return {file_name(name): render(name) for name in [ROOT, *command_names()]}
