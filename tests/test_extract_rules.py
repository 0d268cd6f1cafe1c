"""Each boilerplate rule, named, on real-looking lines and markup; and the sentences it must keep."""

from __future__ import annotations

import pytest
from lxml.html import fromstring

from crawler.extract import boilerplate as B
from crawler.extract.batch import not_html
from crawler.extract.lines import clean_lines, match_credit, match_rule
from crawler.extract.metadata import (
    author_of,
    clean_author,
    clean_title,
    find_dateline,
    headline_of,
    local_offset,
    read_page,
)
from crawler.extract.pages import page_urls
from crawler.extract.prune import MARK, classify_attrs, main_container, mark_boilerplate, read_also_blocks

# (rule, line) pairs: the line must be removed by exactly that rule.
DROPPED = [
    ("read-also", "Baca juga: Pemkab Muba Luncurkan Aplikasi Baru"),
    ("read-also", "BACA JUGA  Hari Pertama Ngantor, Pj. Bupati Henky Putrawan Luncurkan PIN Polio"),
    ("read-also", "Baca Juga"),
    ("read-also", "Simak juga: Video Peresmian Command Center"),
    ("read-also", "Lihat Juga: Daftar 25 Kota Pintar"),
    ("read-also", 'Tonton juga video "Smart City di Banyuasin"'),
    ("read-also", "BACA JUGA: Update Berita-Berita Politik Perspektif Republika.co.id, Klik di Sini"),
    ("read-colon", "Baca: Wali Kota Resmikan Ruang Kendali"),
    ("read-more", "Baca selengkapnya di aplikasi kami"),
    ("click-here", "Update Berita-Berita Politik Perspektif Republika.co.id, Klik di Sini"),
    ("advertisement", "Advertisement"),
    ("advertisement", "ADVERTISEMENT"),
    ("advertisement", "Iklan"),
    ("scroll-prompt", "Scroll to continue with content"),
    ("scroll-prompt", "Scroll untuk melanjutkan membaca"),
    ("comment-form", "TINGGALKAN KOMENTAR"),
    ("comment-form", "Silakan masukkan komentar anda!"),
    ("comment-form", "Silakan masukkan nama Anda di sini"),
    ("comment-form", "Anda telah memasukkan alamat email yang salah!"),
    ("comment-form", "Tinggalkan Balasan"),
    ("comment-form", "Alamat email Anda tidak akan dipublikasikan. Ruas yang wajib ditandai *"),
    ("comment-form", "Simpan nama, email, dan situs web saya pada peramban ini untuk komentar saya berikutnya."),
    ("comment-form", "Leave a Reply"),
    ("theme-string", "Artikulli paraprakPorles Muba yeraih predikat Pelayanan Publik Terbaik"),
    ("theme-string", "Artikulli tjetërGilir Ngantor ke Kecamatan, Plt Bupati Beni Hernedi Beberkan Capaian Kinerja"),
    ("theme-string", "Back to top button"),
    ("theme-string", "No More Posts Available."),
    ("theme-string", "No more pages to load."),
    ("theme-string", "photo"),
    ("theme-string", "Artikel Sebelumnya: Banyuasin Gelar Rapat"),
    ("view-counter", "-1.576 Dibaca"),
    ("view-counter", "oleh -1.576 Dibaca"),
    ("view-counter", "324 kali dilihat"),
    ("views-label", "Dibaca: 1.204 kali"),
    ("syndication", "Artikel ini telah tayang di Sripoku.com dengan judul Palembang Siapkan Command Center, https://x"),
    ("syndication", "Berita ini telah terbit di Tribunsumsel.com"),
    (
        "promotion",
        "Dapatkan update berita pilihan dan breaking news setiap hari dari Palembangkini.com. "
        "Mari bergabung di Grup Telegram",
    ),
    ("promotion", "Ikuti kami di Google News"),
    ("promotion", "Ikuti berita terkini dari Sumsel Pos di Google News"),
    ("promotion", "Simak breaking news dan berita pilihan kami langsung di ponselmu."),
    ("promotion", "Gabung di saluran WhatsApp kami"),
    ("pagination", "Halaman 1 2 Selanjutnya"),
    ("pagination", "Halaman selanjutnya"),
    ("pagination", "Selanjutnya »"),
    ("pagination", "1 2 3 Next"),
    ("pagination", "Tampilkan semua"),
    ("tags-line", "Tags: smart city, Muba, Kominfo"),
    ("share-bar", "Facebook Twitter WhatsApp Copy Link"),
    ("share-bar", "Bagikan: Facebook | Twitter | Telegram"),
]


@pytest.mark.parametrize(("rule", "line"), DROPPED)
def test_line_rule_drops(rule, line):
    assert match_rule(line) == rule


# Story sentences that look a little like boilerplate; no rule may touch them.
KEPT = [
    "Selanjutnya, Ridwan Kamil memberikan apresiasi kepada Kabupaten dan Kota yang telah berminat.",
    "Oleh karena itu, Pemkab Banyuasin akan terus melakukan evaluasi terhadap program smart city.",
    "Baca juga pernyataan lengkap Bupati yang disampaikan dalam rapat evaluasi kemarin, ujar dia. " * 4,
    "Iklan layanan masyarakat itu dipasang di 40 titik di Kota Palembang sejak Januari.",
    "Halaman kantor bupati dipenuhi warga yang ingin mencoba aplikasi baru tersebut.",
    "Komentar warga di media sosial umumnya positif, kata Kepala Dinas Kominfo.",
    "Artikel ini ditulis ulang oleh warga dan dibagikan di grup percakapan, katanya.",
    "Dengan telah ditandatangani kesepakatan ini maka aplikasi dapat diterapkan di Kabupaten Musi Rawas.",
    "12. KABUPATEN BANYUASIN",
    "25. Kabupaten Sidoarjo.(MC.Kab.Banyuasin/Eyv)",
    "Smart living memiliki sasaran untuk mewujudkan lingkungan tempat tinggal yang layak.",
]


@pytest.mark.parametrize("line", KEPT)
def test_story_sentences_are_kept(line):
    assert match_rule(line) is None
    assert match_credit(line) is None
    assert clean_lines([line]).lines == [" ".join(line.split())]


def test_long_lines_are_never_dropped_by_patterns():
    line = "Baca juga: " + "kalimat berita yang panjang sekali " * 20
    assert len(line) > B.MAX_RULE_LINE
    assert match_rule(line) is None


@pytest.mark.parametrize(
    ("line", "rule", "name"),
    [
        ("Penulis: Dewi Anggraini | Editor: Budi Santoso", "credit-pair", "Dewi Anggraini"),
        ("Laporan   : Herwanto", "credit-reporter", "Herwanto"),
        ("Reporter: Rizky Pratama", "credit-reporter", "Rizky Pratama"),
        ("Posting    : Imam Ghazali", "credit-editor", ""),
        ("Editor: Sari Wulandari", "credit-editor", ""),
        ("Oleh Rizky Pratama", "credit-oleh", "Rizky Pratama"),
        ("Oleh: Tim Redaksi", "credit-oleh", "Tim Redaksi"),
        (
            "Oleh MC Kabupaten Banyuasin, Selasa, 9 Mei 2017 | 06:17 WIB - Redaktur: Eka Yonavilbia - 324",
            "credit-byline-date",
            "MC Kabupaten Banyuasin",
        ),
        ("Laporan wartawan Sripoku.com, Ahmad Farozi", "credit-laporan", "Ahmad Farozi"),
        ("Foto: Pemkab Muba", "credit-editor", ""),
    ],
)
def test_credit_lines_go_to_author_not_body(line, rule, name):
    assert match_credit(line) == (rule, name)
    result = clean_lines(["Isi berita yang sebenarnya, kata dia.", line])
    assert result.lines == ["Isi berita yang sebenarnya, kata dia."]
    assert result.credits == [(rule, name)]


def test_related_list_heading_and_its_titles_are_dropped_until_prose():
    lines = [
        "Paragraf berita pertama yang selesai.",
        "Berita Lainnya",
        "Banyuasin Gelar Rapat Evaluasi",
        "Lahat Raih Penghargaan Keterbukaan Informasi",
        "Paragraf cerita yang kembali berlanjut di sini.",
    ]
    result = clean_lines(lines)
    assert result.lines == [lines[0], lines[4]]
    assert [r for r, _ in result.removed] == ["related-heading", "related-list", "related-list"]


@pytest.mark.parametrize(
    "heading", ["Berita Terkait", "Terpopuler", "Related Articles", "Berita Terkait:", "Rekomendasi"]
)
def test_related_headings(heading):
    assert clean_lines([heading, "Judul Lain"]).lines == []


def test_repeated_captions_are_dropped():
    caption = "Muba raih nilai tertinggi di Sumsel dalam penilaian kota cerdas dengan skor 3,17. Foto: Pemkab Muba"
    lines = [
        "Muba raih nilai tertinggi di Sumsel dalam penilaian kota cerdas dengan skor 3,17",
        "Muba raih nilai tertinggi di Sumsel dalam penilaian kota cerdas dengan skor 3,17. - (Pemkab Muba)",
        "REPUBLIKA.CO.ID, SEKAYU - Pemkab Musi Banyuasin terus berbenah.",
    ]
    result = clean_lines(lines, captions=(caption,))
    assert result.lines == [lines[2]]
    assert {r for r, _ in result.removed} == {"repeated-caption"}


def test_lead_sentence_reused_as_caption_is_kept():
    # a caption that repeats the lead plus a photo credit: the lead itself stays
    lead = "The Doobie Brothers will unite with former frontman Michael McDonald for a 2020 tour."
    result = clean_lines([lead, "Second paragraph."], captions=(lead + " Photo by Jason Kempin/Getty Images",))
    assert result.lines == [lead, "Second paragraph."]


def test_repeated_title_line_dropped():
    assert clean_lines(["Judul Berita Ini", "Isi."], title="Judul Berita Ini").lines == ["Isi."]


# ---- pruning before trafilatura --------------------------------------------------------------

PAGE = """<html><body><div id="main"><article><div class="entry-content">
<p>Paragraf pertama berita yang cukup panjang untuk dianggap isi cerita oleh ekstraktor.</p>
<p><strong>Baca juga:</strong> <a href="/x">Judul lain</a></p>
<div class="baca-juga"><a href="/y">Judul lain dua</a></div>
<div class="lihatjg"><a href="/y">Judul lain tiga</a></div>
<div class="linksisip"><a href="/z">Judul lain empat</a></div>
<p>Paragraf kedua berita yang juga cukup panjang untuk dianggap isi cerita oleh ekstraktor.
Dengan <a class="tag" href="/tag/muba">Muba</a> di dalam kalimat.</p>
<div class="share-buttons"><a>Facebook</a></div>
<div class="iklan"><ins class="adsbygoogle"></ins></div>
</div></article>
<div class="berita-terkait"><a href="/r">Terkait</a></div>
<div id="comments" class="comments-area"><form><textarea></textarea></form></div>
</div></body></html>"""


def test_pruning_marks_boilerplate_by_class_and_structure():
    tree = fromstring(PAGE)
    marked = {(rule, el.get("class")) for rule, el in mark_boilerplate(tree)}
    rules = {rule for rule, _ in marked}
    assert {
        "class:baca-juga",
        "class:lihatjg",
        "class:linksisip",
        "class:share",
        "class:iklan",
        "class:berita-terkait",
        "class:comments",
        "read-also-block",
        "forms",
    } <= rules
    # the container of the story, its ancestors and inline tag links are never marked
    for el in tree.iter("article", "body", "html"):
        assert el.get(MARK) is None
    assert tree.xpath("//div[@class='entry-content']")[0].get(MARK) is None
    assert tree.xpath("//a[@class='tag']")[0].get(MARK) is None


def test_read_also_blocks_need_a_link_and_must_be_short():
    tree = fromstring(
        "<html><body><p>Baca juga pernyataan bupati berikut ini tanpa tautan.</p>"
        "<p>Baca juga: <a href='/a'>Judul</a></p>"
        "<p>Baca juga " + "kalimat panjang " * 30 + "<a href='/b'>x</a></p></body></html>"
    )
    assert [" ".join(el.text_content().split()) for el in read_also_blocks(tree)] == ["Baca juga: Judul"]


def test_big_containers_are_not_pruned_even_with_a_boilerplate_class():
    para = "<p>" + "Kalimat berita yang panjang dan penting bagi pembaca. " * 5 + "</p>"
    tree = fromstring(
        f"<html><body><div class='content-with-sidebar-wrp'>{para * 5}</div><div class='sidebar'>x</div></body></html>"
    )
    mark_boilerplate(tree)
    assert tree.xpath("//div[@class='content-with-sidebar-wrp']")[0].get(MARK) is None
    assert main_container(tree).get("class") == "content-with-sidebar-wrp"


# ---- titles, datelines, pages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "site", "host", "h1", "expected"),
    [
        ("Judul Berita | Warta Nusantara", "Warta Nusantara", "wartanusantara.test", "", "Judul Berita"),
        ("Judul Berita - Sumsel Pos", "Sumsel Pos", "sumselpos.test", "", "Judul Berita"),
        (
            "Dukung Good Goverment, Kabupaten Musi Rawas – Jurnal Silampari",
            "Jurnal Silampari",
            "x.test",
            "",
            "Dukung Good Goverment, Kabupaten Musi Rawas",
        ),
        ("Warta Nusantara - Judul Berita", "Warta Nusantara", "", "", "Judul Berita"),
        (
            "Pemkot - Pemprov Sepakat Bangun Jalan | Kabar",
            "Kabar",
            "",
            "Pemkot - Pemprov Sepakat Bangun Jalan",
            "Pemkot - Pemprov Sepakat Bangun Jalan",
        ),
    ],
)
def test_clean_title(raw, site, host, h1, expected):
    assert clean_title(raw, site, host, h1) == expected


def test_title_is_the_story_heading_when_the_logo_is_an_h1_too():
    # WordPress themes (Jannah, …) put the site logo in an <h1> before the story's; with no
    # og:site_name the suffix cannot be told from the site's name, but the heading can
    raw = "Sepuluh Desa di Ogan Ilir Jadi Percontohan Smart Village - Sumatera Kabar"
    h1s = ["Sumatera Kabar", "Sepuluh Desa di Ogan Ilir Jadi Percontohan Smart Village"]
    assert clean_title(raw, "127.0.0.1", "127.0.0.1", h1s) == h1s[1]
    assert clean_title(raw, "127.0.0.1", "127.0.0.1", h1s[:1]) != "Sumatera Kabar"  # the logo is no headline


def test_headline_needs_a_separator_after_it():
    assert headline_of("Banjir Rendam 300 Rumah di Sekayu", ["Banjir"]) == ""
    assert headline_of("Banjir Rendam 300 Rumah | Kabar", ["Banjir Rendam 300 Rumah"]) == "Banjir Rendam 300 Rumah"
    # "Site – Headline" with the site's logo in an <h1>: the logo is not the headline
    assert headline_of("Sumatera Kabar – Banjir Rendam 300 Rumah di Sekayu", ["Sumatera Kabar"]) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("td-post-content tagdiv-type", (True, "")),
        ("baca-juga", (False, "baca-juga")),
        ("box_baca_juga inline", (False, "baca_juga")),
        ("widget share-buttons", (False, "widget")),
        ("jeg_postblock_22 ", (False, "jeg_postblock")),
        ("post-title entry-title", (False, "")),
        ("ADS-Container", (False, "ads")),
        ("readable badge", (False, "")),  # tokens, not substrings: "ad" is not in "readable"
    ],
)
def test_class_tokens(value, expected):
    assert classify_attrs(value) == expected


@pytest.mark.parametrize(
    ("html", "host", "expected"),
    [
        ("<p>Selasa, 9 Mei 2017 | 06:17 WIB</p>", "x.test", True),
        ("<span>10:15 WITA</span>", "x.test", True),
        ("<span>10:15 WIT</span>", "x.test", True),
        ("<p>WIBAWA</p> and 10:15 WITNESS", "x.test", False),
        ("<p>nothing</p>", "berita.go.id", True),
    ],
)
def test_indonesian_zone_on_the_page(html, host, expected):
    assert (local_offset(host, "", html) is not None) is expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b" \n\t", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not an HTML page"),
        ("<html>é</html>".encode("utf-16"), None),
        (b"<html><body>x</body></html>", None),
    ],
)
def test_not_html(data, reason):
    assert not_html(data) == reason


@pytest.mark.parametrize(
    ("line", "city"),
    [
        ("REPUBLIKA.CO.ID, SEKAYU - Pemkab Musi Banyuasin", "SEKAYU"),
        ("MUARA ENIM– Prestasi membanggakan", "MUARA ENIM"),
        ("Sumateranews co.id, BANYUASIN— Program menuju smart city", "BANYUASIN"),
        ("Tangerang, InfoPublik-Pemerintah Kabupaten", "TANGERANG"),
        ("Musi Rawas, JS – Secara bertahap", "MUSI RAWAS"),
        ("JAKARTA (ANTARA) - Pemerintah", "JAKARTA"),
        ("PALEMBANGKINI.COM, PALEMBANG - Pemerintah Kota", "PALEMBANG"),
        ("Menurut Lingga, Tim Asesor - melakukan evaluasi", ""),
        ("Pemerintah kota - yang baru", ""),
    ],
)
def test_dateline(line, city):
    assert find_dateline(line) == city


def _links(*hrefs):
    return fromstring("<html><body>" + "".join(f"<a href='{h}'>x</a>" for h in hrefs) + "</body></html>")


def test_page_urls_in_order_without_the_current_page():
    base = "https://x.test/2023/03/07/judul"
    tree = _links(
        f"{base}?page=3", f"{base}?page=2", base, f"{base}?page=2", "/other?page=2", "/kategori/berita?page=2"
    )
    assert page_urls(tree, base) == (f"{base}?page=2", f"{base}?page=3")
    assert page_urls(tree, f"{base}?page=2") == (base, f"{base}?page=3")


def test_page_urls_prefer_the_single_page_view():
    base = "https://x.test/berita/judul"
    assert page_urls(_links(f"{base}?page=2", f"{base}?page=all"), base) == (f"{base}?page=all",)


def test_page_urls_empty_for_one_page_articles():
    assert page_urls(_links("/lain/1", "https://x.test/berita/judul-lain?page=2"), "https://x.test/berita/judul") == ()


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("Redaksi-1.471 Dibaca", "Redaksi"),
        ("oleh Eka Putri -3.029 Dibaca", "Eka Putri"),
        ("Rizky Pratama | Dibaca 1.471 kali", "Rizky Pratama"),
        ("Dewi Anggraini · 1,471 views", "Dewi Anggraini"),
        ("Budi Santoso, 324 kali dilihat", "Budi Santoso"),
        ("oleh -1.576 Dibaca", ""),
        ("Tim Redaksi", "Tim Redaksi"),
        ("Byron Siregar", "Byron Siregar"),
    ],
)
def test_bylines_lose_their_view_counter(byline, author):
    assert clean_author(byline) == author


META_PAGE = """<html><head><title>Pemkab Muba Luncurkan Aplikasi - Sumsel Pos</title>
<meta property="og:site_name" content="Sumsel Pos"><meta name="author" content="admin">
<meta property="og:image" content="/img/muba.jpg"><link rel="canonical" href="/berita/muba?utm_source=x">
<script type="application/ld+json">{"@type": "NewsArticle", "description": "Aplikasi  baru Muba.",
 "author": [{"name": "redaktur"}, {"name": "Rahmat Hidayat"}]}</script></head>
<body><h1>Pemkab Muba Luncurkan Aplikasi</h1><span class="penulis">Oleh Eka Putri</span></body></html>"""


def test_read_page_fields_from_meta_json_ld_and_title():
    page = read_page(fromstring(META_PAGE), "https://sumselpos.example/berita/muba")
    assert page.title == "Pemkab Muba Luncurkan Aplikasi"  # the <h1>, not "… - Sumsel Pos"
    assert page.site_name == "Sumsel Pos"
    assert page.description == "Aplikasi baru Muba."  # JSON-LD when no meta says it
    assert page.image == "https://sumselpos.example/img/muba.jpg"
    assert page.canonical == "https://sumselpos.example/berita/muba"
    assert page.authors == ("Rahmat Hidayat",)  # "redaktur" and "admin" name no one


def test_author_from_structured_data_then_credit_lines_then_byline():
    tree = fromstring(META_PAGE)
    page = read_page(tree, "https://sumselpos.example/berita/muba")
    assert author_of(page, ["Dewi Anggraini"], tree, "sumselpos.example") == "Rahmat Hidayat"
    bare = read_page(
        fromstring(META_PAGE.replace('"Rahmat Hidayat"', '"admin"')), "https://sumselpos.example/berita/muba"
    )
    assert bare.authors == ()
    assert author_of(bare, ["Sumsel Pos", "Dewi Anggraini"], tree, "sumselpos.example") == "Dewi Anggraini"
    assert author_of(bare, ["redaktur"], tree, "sumselpos.example") == "Eka Putri"  # the byline element
    assert author_of(bare, [], fromstring("<html><body><p>Teks</p></body></html>"), "sumselpos.example") == ""
