"""The top-level commands for the root --help (sakti_cli/cli/app.py): written by 'make docs'
(scripts/buat_referensi.py) from the command modules; do not edit by hand."""

# ruff: noqa: E501
COMMANDS: dict[str, tuple[str, str]] = {
    'init': ('kantor', 'Buat kantor baru: tanya (di terminal) atau ambil dari opsi identitas kantor dan penandatangan pertamanya; tanpa data kantor lain. Tanpa terminal opsi wajib diberikan; --contoh menyalin kantor contoh.'),
    'layanan': ('layanan', 'Daftar layanan, atau persyaratan, waktu, biaya dan isian satu layanan.'),
    'daftar': ('permohonan', 'Daftarkan permohonan baru (status DITERIMA) dengan data dan berkasnya; tanpa --data di terminal, setiap isian ditanyakan (Ctrl-C membatalkan, keluar 1).'),
    'periksa': ('permohonan', 'Periksa berkas terhadap SOP: LENGKAP (keluar 0) atau BELUM_LENGKAP (keluar 1).'),
    'lengkapi': ('permohonan', 'Ganti berkas persyaratan (bawaan) atau tambahkan (--tambah), satu orang dari daftar (--berkas ahli_waris.2.ktp=BERKAS), atau catat dokumen asli yang diperlihatkan (--asli); permohonan kembali ke DITERIMA.'),
    'ubah': ('permohonan', 'Perbaiki data pemohon (hanya kolom yang diberikan); permohonan kembali ke DITERIMA. Orang baru di daftar (ahli waris, saksi) boleh menyebut berkasnya di butirnya ("berkas": {"ktp": "ktp.jpg"}).'),
    'tolak': ('permohonan', 'Tolak permohonan (DITOLAK) dengan alasannya.'),
    'permohonan': ('permohonan', 'Daftar permohonan, disaring menurut tanggal daftar, layanan, status, desa, penandatangan, nomor surat, nama atau NIK pemohon; ke layar, --json, --csv atau --xlsx.'),
    'status': ('permohonan', 'Satu permohonan: data (NIK disamarkan), berkas, riwayat dan suratnya.'),
    'pesan': ('permohonan', 'Pesan WhatsApp untuk pemohon sesuai status permohonan sekarang, dengan tautan wa.me ke nomornya (templat di templat/pesan/ kantor); --tanda-terima mencetak ulang tanda terima; --surel mengirim surat yang terbit sebagai lampiran surel.'),
    'massal': ('massal', 'Daftarkan dan periksa banyak permohonan dari satu tabel, satu permohonan per baris. Baris dengan data salah ditolak (tidak didaftarkan); baris dengan berkas kurang didaftarkan BELUM_LENGKAP. Menjalankan berkas yang sama lagi tidak mendaftarkan baris yang sudah ada (kunci: kolom id_baris, atau layanan + NIK pemohon). Keluar 0 bila semua baris lengkap, 1 bila ada yang ditolak atau belum lengkap, 3 bila berkasnya tak terbaca atau tanpa satu baris pun.'),
    'terbitkan': ('surat', 'Terbitkan surat: nomor, templat, PDF, tanda tangan elektronik, catat di register.'),
    'verifikasi': ('surat', 'Periksa tanda tangan PDF dan kecocokannya dengan register (keluar 0 hanya bila sah).'),
    'surat': ('surat', 'Daftar surat di register menurut urutan pemesanan nomor, disaring menurut tanggal, layanan, status, desa, penandatangan, nomor, nama atau NIK pemohon; ke layar, --json, --csv atau --xlsx.'),
    'batalkan': ('surat_register', 'Batalkan surat yang sudah TERBIT: tetap di register, verifikasi menyatakannya batal, nomornya tidak dipakai lagi.'),
    'cetak': ('surat_register', 'Berikan lagi PDF surat yang tersimpan, setelah SHA-256-nya dicocokkan dengan register.'),
    'riwayat': ('surat_register', 'Jejak audit: siapa melakukan apa, kapan, status sebelum dan sesudah (NIK disamarkan).'),
    'agenda': ('agenda', "Buku agenda surat keluar sebulan (--bulan) atau setahun (--tahun): setiap nomor yang dipesan menurut urutan lingkup penomorannya, termasuk yang BATAL (dengan alasan dan surat penggantinya) dan nomor dari buku agenda kertas sebelum 'nomor mulai'; ke --xlsx dan/atau --pdf (A4 mendatar), tanpa keduanya ke layar."),
    'tandatangani': ('tandatangani', 'Tandatangani PDF apa pun (PAdES; tanda tangan berikutnya sebagai pembaruan bertahap).'),
    'cadangkan': ('cadangan', 'Cadangkan kantor (sakti.toml, sop, templat, register, surat, berkas) ke satu arsip bermanifes.'),
    'pulihkan': ('cadangan', 'Periksa cadangan (jenis berkas, hash manifes, register periksa) lalu pulihkan ke folder baru atau kosong, atau ke register PostgreSQL yang kosong.'),
    'bersihkan': ('cadangan', 'Hapus pindaian persyaratan permohonan selesai (TERBIT/DITOLAK) yang lewat masa simpan; register tetap.'),
    'demo': ('demo', "Coba seluruh alur: kantor contoh, kunci demo (sandi 'demo'), SKTM contoh, terbit, verifikasi."),
    'contoh': ('contoh', 'Tulis contoh permohonan (isian + berkas) dengan tanggal yang cocok untuk hari ini.'),
    'kantor': ('kantor', 'Kantor yang dipakai: tampilkan (tanpa subperintah) atau periksa kesiapannya.'),
    'impor': ('impor', 'Impor permohonan dari luar: respons Google Form beserta berkas unggahannya.'),
    'nomor': ('surat_register', 'Penomoran surat.'),
    'register': ('surat_register', 'Register kantor: pemeriksaan keutuhan, salin antar-backend; skema dan peran register PostgreSQL.'),
    'sertifikat': ('tandatangani', 'Sertifikat elektronik: buat rantai demo, lihat isi sertifikat, status di BSrE.'),
    'ttd': ('ttd', 'Antrean tanda tangan: surat yang disiapkan petugas, ditandatangani penandatangan.'),
    'sop': ('sop', 'Berkas SOP layanan (sop/*.yaml): skema dan pemeriksaannya.'),
    'templat': ('templat', 'Templat surat (templat/*.docx): pemeriksaannya.'),
    'situs': ('situs', 'Situs verifikasi statis untuk QR surat: dibangun dari register, tanpa data pribadi.'),
    'laporan': ('laporan', 'Laporan pelayanan per periode (tabel, XLSX, PDF) dan survei kepuasan (skm).'),
    'latar': ('latar', "Pekerja latar: LibreOffice tetap menyala untuk 'sakti terbitkan' berikutnya."),
}

# The parameters the start-up path of these commands parses itself (sakti_cli/cli/fast.py), as Typer
# declares them: option -> (parameter, takes a value); arguments in order.
GLOBAL_OPTIONS: dict[str, tuple[str, bool]] = {
    '--kantor': ('kantor_dir', True),
    '--petugas': ('petugas', True),
    '--debug': ('debug', False),
    '--tampilkan-nik': ('tampilkan_nik', False),
    '--version': ('version', False),
}
FAST_COMMANDS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, bool]]]] = {
    'status': (('reg',), {
        '--json': ('json_out', False),
        '--wa': ('wa', False),
    }),
}
