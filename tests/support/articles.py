"""Sample articles for storage tests: realistic regional news texts, written for the tests in
the style of the seed sites, each a dict of Archive.add_article fields (without ``source_id``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7))

# Realistic regional news texts (written for the tests, in the style of the seed sites).
ARTICLES = {
    "muba_smart_city": {
        "url": "https://sumselupdate.example/2024/05/muba-smart-city",
        "title": "Musi Banyuasin Perkuat Pelayanan Publik Lewat Smart City",
        "author": "Rahmat Hidayat",
        "published_at": datetime(2024, 5, 14, 9, 30, tzinfo=WIB),
        "language": "id",
        "dateline": "Sekayu",
        "text": (
            "Pemerintah Kabupaten Musi Banyuasin terus memperkuat penerapan smart city untuk "
            "mempercepat layanan kepada masyarakat. Bupati menyebut aplikasi terpadu kini "
            "melayani perizinan, administrasi kependudukan dan pengaduan warga secara daring. "
            "Dinas Komunikasi dan Informatika Muba menargetkan seluruh kecamatan terhubung "
            "jaringan internet pada akhir tahun."
        ),
    },
    "banjir_palembang": {
        "url": "https://palpres.example/2024/01/banjir-palembang",
        "title": "Banjir Rendam Ratusan Rumah di Palembang",
        "author": "Siti Aminah",
        "published_at": datetime(2024, 1, 5, 16, 0, tzinfo=WIB),
        "language": "id",
        "dateline": "Palembang",
        "text": (
            "Hujan deras yang mengguyur sejak sore membuat banjir merendam ratusan rumah di "
            "Kota Palembang. Warga di kawasan Sekip Ujung mengungsi ke masjid terdekat. "
            "Badan Penanggulangan Bencana Daerah membuka posko dan dapur umum, sementara "
            "pemerintah kota mempercepat normalisasi saluran air dan kolam retensi."
        ),
    },
    "cctv_lubuklinggau": {
        "url": "https://linggaupos.example/2023/11/cctv-lubuklinggau",
        "title": "Lubuklinggau Pasang CCTV Pintar di Simpang Jalan",
        "author": None,
        "published_at": datetime(2023, 11, 20, 8, 15, tzinfo=WIB),
        "language": "id",
        "dateline": "Lubuklinggau",
        "text": (
            "Dinas Perhubungan Kota Lubuklinggau memasang kamera CCTV pintar di sejumlah simpang "
            "jalan untuk memantau arus lalu lintas. Program kota cerdas ini terhubung dengan "
            "ruang kendali terpadu, sehingga petugas dapat segera menangani kemacetan dan "
            "kecelakaan. Warga menyambut baik pelayanan baru tersebut."
        ),
    },
    "pasar_jakarta": {
        "url": "https://kabarnasional.example/2024/03/pasar-digital-jakarta",
        "title": "Pedagang Pasar Tradisional Jakarta Beralih ke Pembayaran Digital",
        "author": "Budi Santoso",
        "published_at": datetime(2024, 3, 2, 11, 0, tzinfo=WIB),
        "language": "id",
        "dateline": "Jakarta",
        "text": (
            "Ribuan pedagang pasar tradisional di Jakarta mulai menerima pembayaran dengan kode "
            "QR. Bank Indonesia menilai transaksi nontunai mempercepat perputaran uang dan "
            "mengurangi risiko uang palsu. Di Palembang, program serupa masih dalam tahap uji "
            "coba di Pasar 16 Ilir."
        ),
    },
}
