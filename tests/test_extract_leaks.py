"""Issue 21's leaks and drops on real Indonesian pages, one test per failure kind.

Each kind is reproduced by a fixture page modelled on the outlets where it was seen
(tests/fixtures/extract/: old Kompas and Antara pages, detik, merdeka, VIVA, KapanLagi), and is
fixed by one rule family (crawler.extract.boilerplate.RULE_FAMILIES). Every case checks both
ways: right with every rule, wrong with that family left out (``extract(..., without=...)``),
so a case cannot pass without its rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml.html import fromstring

from crawler.extract import Article, extract
from crawler.extract import boilerplate as B
from crawler.extract.lines import clean_lines, is_date_line, join_datelines, match_rule
from crawler.extract.metadata import author_of, read_page
from crawler.extract.prune import MARK, lead_before_body, link_menus, main_container, mark_boilerplate, reveal_hidden

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
FETCHED = datetime(2024, 1, 1, tzinfo=UTC)


def _extract(name: str, without: frozenset[str] = frozenset()) -> Article:
    expected = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return extract((FIXTURES / f"{name}.html").read_bytes(), expected["url"], fetched_at=FETCHED, without=without)


# (failure kind, fixture, rule family, what a right extraction shows)
CASES: list[tuple[str, str, str, Callable[[Article], bool]]] = [
    # leaks
    (
        "a 100-link channel menu before the body (old Kompas)",
        "kompas_lama",
        "nav-menu",
        lambda a: "Liputan Khusus" not in a.text and "Otomotif" not in a.text,
    ),
    ("editor initials on a line of their own (detik)", "detik", "editor-initials", lambda a: "(bnl/fem)" not in a.text),
    (
        "editor initials closing the last sentence (merdeka)",
        "merdeka",
        "editor-initials",
        lambda a: a.text.endswith("tidak perlu menempuh perjalanan jauh."),
    ),
    ("Antara's desk code closing the text", "antara_lama", "editor-initials", lambda a: "A043" not in a.text),
    (
        "an embedded tweet: its text and signature",
        "detik",
        "embeds",
        lambda a: "@Kemlu_RI" not in a.text and "Kedua menlu membahas" not in a.text,
    ),
    (
        "an embedded Instagram post: its caption and labels",
        "detik",
        "embeds",
        lambda a: "Instagram" not in a.text and "#DiplomasiIndonesia" not in a.text,
    ),
    ("an embed marker [Gambas:Video 20detik]", "detik", "embeds", lambda a: "Gambas" not in a.text),
    (
        "the date line repeated at the top of the body (Antara)",
        "antara_lama",
        "top-labels",
        lambda a: a.text.startswith("Sekayu (ANTARA News) - "),
    ),
    ("a kicker above the lead (TRAVEL NEWS)", "detik", "top-labels", lambda a: "TRAVEL NEWS" not in a.text),
    ("a rubric label above the lead (Penanganan Covid)", "merdeka", "top-labels", lambda a: "Covid\n" not in a.text),
    ("a separator line -----", "antara_lama", "top-labels", lambda a: "---" not in a.text),
    ("Baca Selanjutnya: …", "merdeka", "read-also", lambda a: "Baca Selanjutnya" not in a.text),
    ("Artikel ini telah naik di …", "merdeka", "follow-ups", lambda a: "telah naik" not in a.text),
    ("Sosok Merdeka.com … Daftarkan", "merdeka", "follow-ups", lambda a: "Daftarkan" not in a.text),
    ("a newsletter prompt", "merdeka", "follow-ups", lambda a: "newsletter" not in a.text),
    ("an app prompt", "merdeka", "follow-ups", lambda a: "aplikasi Merdeka.com" not in a.text),
    (
        "the meta description added as a paragraph it is not on the page",
        "merdeka",
        "description",
        lambda a: a.text.startswith("Merdeka.com - Kementerian Kesehatan"),
    ),
    # drops
    (
        "the lead right after a share box (VIVA)",
        "viva",
        "lead-before-body",
        lambda a: a.text.startswith("VIVA.co.id – Otoritas Thailand memperketat"),
    ),
    (
        "the story's continuation hidden until the reader clicks (display:none)",
        "kapanlagi",
        "hidden-continuation",
        lambda a: "Bantargebang" in a.text and "tetap produktif" in a.text,
    ),
    (
        "listicle headings inside the body kept as lines",
        "kapanlagi",
        "listicle-headings",
        lambda a: "\n\n2. Menyisihkan Penghasilan untuk Pendidikan\n\nSejak pertama" in a.text,
    ),
    ("the writer, not the company, as author (Kompas)", "kompas_lama", "bylines", lambda a: a.author == "Dewi Lestari"),
    ("the writer, not the company, as author (VIVA)", "viva", "bylines", lambda a: a.author == "Siti Ruqoyah"),
    (
        "the dateline stays one line with its sentence (Kompas)",
        "kompas_lama",
        "dateline-join",
        lambda a: a.text.startswith("LOS ANGELES, KOMPAS.com - Pendiri perusahaan") and a.dateline == "LOS ANGELES",
    ),
]


@pytest.mark.parametrize(("kind", "fixture", "family", "right"), CASES, ids=[c[0] for c in CASES])
def test_failure_kind_is_fixed_by_its_rule_family(kind, fixture, family, right):
    assert family in B.RULE_FAMILIES
    assert right(_extract(fixture)), f"{kind}: wrong with every rule"
    assert not right(_extract(fixture, frozenset({family}))), f"{kind}: right without {family}, so not its rule"


def test_every_new_family_has_a_case():
    new = {"nav-menu", "editor-initials", "embeds", "top-labels", "description", "lead-before-body"}
    new |= {"hidden-continuation", "listicle-headings", "bylines", "dateline-join"}
    assert new <= {family for _, _, family, _ in CASES}


# ---- the line patterns the cases rest on, and the story sentences they must spare ----------------

DROPPED = [
    ("read-colon", "Baca Selanjutnya: Vaksinasi Booster Jadi Syarat Mudik Lebaran 2022"),
    ("syndication", "Artikel ini telah naik di Liputan6.com dengan judul Kemenkes Tambah Dosis Vaksin Lansia"),
    ("promotion", "Sosok Merdeka.com: Kenalkan tokoh inspiratif di sekitarmu kepada pembaca kami. Daftarkan"),
    ("promotion", "Dapatkan ringkasan berita pilihan setiap pagi di kotak masuk Anda. Berlangganan newsletter kami."),
    ("promotion", "Subscribe to the Morning Review newsletter"),
    ("promotion", "Baca berita lebih cepat dan nyaman di aplikasi Merdeka.com."),
    ("promotion", "Unduh aplikasinya gratis di Google Play dan App Store."),
    ("embed-marker", "[Gambas:Video 20detik]"),
    ("embed-marker", "[Gambas:Video CNN]"),
    ("embed-text", "— MoFA Indonesia (@Kemlu_RI) April 3, 2022"),
    ("embed-text", "— Jokowi (@jokowi) 4 April 2022"),
    ("embed-text", "Lihat postingan ini di Instagram"),
    ("embed-text", "Sebuah kiriman dibagikan oleh Kementerian Luar Negeri RI (@kemlu_ri)"),
    ("editor-initials", "(mdk/rka)"),
    ("editor-initials", "(wsw/wsw)"),
    ("editor-initials", "(kpl/pur/ums)"),
    ("editor-initials", "(bgs/rul)"),
    ("editor-initials", "(T.A043/B/Z002/Z002) 04-04-2012 09:15:33"),
    ("separator", "-----"),
    ("separator", "* * *"),
]


@pytest.mark.parametrize(("rule", "line"), DROPPED)
def test_new_line_patterns(rule, line):
    assert match_rule(line) == rule


KEPT = [
    "25. Kabupaten Sidoarjo.(MC.Kab.Banyuasin/Eyv)",
    "Harga cabai naik di pasar tradisional Sekayu menjelang Lebaran, kata pedagang.",
    "Warga diminta mendaftarkan diri ke kantor desa sebelum akhir bulan.",
    "Berikut daftar sekolah yang menerima bantuan tahun ini.",
    "Aplikasi SiPALI dapat diunduh warga secara gratis.",
    "___",
    "The newsletter, sent to 40,000 readers, said the plant would close.",
]


@pytest.mark.parametrize("line", KEPT)
def test_new_line_patterns_spare_story_lines(line):
    assert match_rule(line) is None


def test_trailing_initials_are_cut_only_from_the_last_line():
    lines = ["Paragraf pertama yang selesai. (mdk/rka)", "Paragraf terakhir berita ini, kata dia. (mdk/rka)"]
    result = clean_lines(lines)
    assert result.lines == [lines[0], "Paragraf terakhir berita ini, kata dia."]
    assert ("editor-initials", "(mdk/rka)") in result.removed


# ---- labels above the lead ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("Senin, 04 April 2022, 09:15 WIB", True),
        ("04 April 2022, 09:15 WIB", True),
        ("Diperbarui 4/4/2022 10:00", True),
        ("Senin, 04 Apr 2022 22:26 WIB | 1.204 kali dibaca", False),
        ("Pada 4 April 2022 pemerintah membuka pendaftaran.", False),
    ],
)
def test_date_lines(line, date):
    assert is_date_line(line) is date


def test_labels_go_only_above_the_lead_and_only_before_a_story_line():
    lead = "Pemerintah Kota Palembang menyiapkan pusat data baru untuk layanan publik digital warga."
    result = clean_lines(["Home", "Bola", "TRAVEL NEWS", "04 April 2022, 09:15 WIB", lead, "Kesimpulan"])
    assert result.lines == [lead, "Kesimpulan"]
    assert [r for r, _ in result.removed] == ["kicker", "kicker", "kicker", "date-line"]
    assert clean_lines(["Home", "Bola"]).lines == ["Home", "Bola"]  # no story line after them


@pytest.mark.parametrize("first", ["1. Nasi Goreng Kambing", "BAAR, SWITZERLAND", "JAKARTA, KOMPAS.com"])
def test_numbered_items_and_datelines_are_no_labels(first):
    lead = "Pemerintah Kota Palembang menyiapkan pusat data baru untuk layanan publik digital warga."
    assert clean_lines([first, lead]).lines == [first, lead]


# ---- datelines --------------------------------------------------------------------------------------

SENTENCE = "Pendiri perusahaan teknologi itu mengumumkan rencana membangun pusat data baru di kota itu."


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["LOS ANGELES, KOMPAS.com", f"- {SENTENCE}"], f"LOS ANGELES, KOMPAS.com - {SENTENCE}"),
        (["LOS ANGELES, KOMPAS.com -", SENTENCE], f"LOS ANGELES, KOMPAS.com - {SENTENCE}"),
        (["JAKARTA (ANTARA) -", SENTENCE], f"JAKARTA (ANTARA) - {SENTENCE}"),
        (["Jakarta", f"- {SENTENCE}"], f"Jakarta - {SENTENCE}"),
    ],
)
def test_a_dateline_alone_is_joined_to_its_sentence(lines, joined):
    assert join_datelines(lines) == ([joined], 1)


@pytest.mark.parametrize(
    "lines",
    [
        # list items as trafilatura writes them, after a heading or another item
        ["Syarat Pendaftaran", f"- {SENTENCE}", f"- {SENTENCE}"],
        ["- Wales (Group E): Second appearance", f"- {SENTENCE}"],
        ["Berikut syaratnya:", f"- {SENTENCE}"],
        # a short line before a short one
        ["LOS ANGELES, KOMPAS.com", "- Pendiri"],
    ],
)
def test_lists_are_not_taken_for_datelines(lines):
    assert join_datelines(lines) == (lines, 0)


# ---- pruning and restoring before trafilatura ---------------------------------------------------------

PARA = "<p>" + "Kalimat berita yang panjang dan penting bagi pembaca di daerah. " * 3 + "</p>"


def test_link_menus_are_found_by_their_shape():
    menu = "".join(f"<li><a href='/k{i}'>Kanal {i}</a></li>" for i in range(12))
    short = "".join(f"<li><a href='/k{i}'>Kanal {i}</a></li>" for i in range(5))
    related = "".join(
        f"<li><a href='/b{i}'>Judul berita lain yang panjang sekali nomor {i}</a></li>" for i in range(12)
    )
    tree = fromstring(
        f"<html><body><div id='a'><ul>{menu}</ul></div><ul id='b'>{short}</ul><ul id='c'>{related}</ul>"
        f"<div id='d'>{PARA * 3}</div></body></html>"
    )
    assert [el.get("id") for el in link_menus(tree)] == ["a"]  # the outermost, not its <ul>


def test_hidden_continuation_is_shown_but_not_a_hidden_copy():
    tree = fromstring(
        f"<html><body><div class='isi'>{PARA * 3}<div id='more' style='display:none'><p>"
        + "Lanjutan cerita yang disembunyikan sampai pembaca mengeklik tombol di bawah ini, kata dia. " * 2
        + f"</p></div><div id='copy' class='hidden'>{PARA}</div></div>"
        "<div id='modal' style='display:none'><p>x</p></div></body></html>"
    )
    shown = reveal_hidden(tree, main_container(tree))
    assert [el.get("id") for el in shown] == ["more"]
    assert "display" not in tree.get_element_by_id("more").get("style")
    assert tree.get_element_by_id("copy").get("class") == "hidden"


def test_the_lead_before_the_container_moves_in_but_not_a_caption_or_standfirst():
    lead = "VIVA.co.id – Otoritas Thailand memperketat pemeriksaan kendaraan dan pelintas batas di perbatasan selatan."
    tree = fromstring(
        "<html><body><div class='detail'><h1>Judul</h1><p class='lead'>" + "Ringkasan berita. " * 8 + "</p>"
        "<div class='post-meta'><p>Oleh MC Kabupaten Penukal Abab Lematang Ilir, Selasa, 12 September 2023 | "
        "09:10 WIB - Redaktur: Eka Yonavilbia - 2730</p></div>"
        "<div class='featured-image-caption'><p>" + "Keterangan foto yang panjang. " * 5 + "</p></div>"
        f"<div class='share-box'><a>Facebook</a></div><p>{lead}</p>"
        f"<div class='article-content'>{PARA * 4}</div></div></body></html>"
    )
    mark_boilerplate(tree, frozenset({"lead-before-body"}))
    main = main_container(tree)
    moved = lead_before_body(main)
    assert [" ".join(p.text_content().split()) for p in moved] == [lead]
    assert main[0] is moved[0]
    assert tree.xpath("//div[@class='share-box']")[0].get(MARK) == "class:share"


def test_embeds_are_kept_on_english_pages():
    # English news quotes tweets as part of the story (the AEB gold keeps them)
    def page(lang: str, para: str) -> str:
        tweet = (
            "<blockquote class='twitter-tweet'><p>We must apply a system of compassion to criminal justice, she "
            "said in a long statement.</p>&mdash; Rep. Ilhan Omar (@Ilhan) November 19, 2019</blockquote>"
        )
        para = f"<p>{para * 3}</p>"
        return f"<html lang='{lang}'><body><div class='entry-content'>{para}{tweet}{para}</div></body></html>"

    english = page("en", "The congresswoman wrote a letter to the judge before the sentencing of the man. ")
    indonesian = page("id", "Anggota Kongres itu menulis surat kepada hakim yang menjatuhkan vonis kepada pria itu. ")
    assert "@Ilhan" in extract(english, "https://x.test/a").text
    assert "@Ilhan" not in extract(indonesian, "https://x.test/a").text


# ---- the author ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "byline", "author"),
    [
        ("Kompas Cyber Media", "<div class='read__credit'>Penulis: Dewi Lestari</div>", "Dewi Lestari"),
        ("PT. Viva Media Baru", "<div class='leading-author'>Oleh : Siti Ruqoyah</div>", "Siti Ruqoyah"),
        ("Kompas Cyber Media", "", "Kompas Cyber Media"),  # no person anywhere: the company
        (
            "",
            "<div class='post-meta'><p>Oleh MC Kabupaten Lahat, Kamis, 29 Februari 2024 | 12:40 WIB - Redaktur: "
            "Fajar Wahyu - 4462</p></div>",
            "MC Kabupaten Lahat",
        ),
        (
            "",
            "<p class='byline'>By <a>Mike Wuerthele and Malcolm Owen</a>\n<br>\n<span>Monday, November 18, 2019, "
            "04:05 pm PT</span></p>",
            "Mike Wuerthele and Malcolm Owen",
        ),
    ],
)
def test_author_is_a_person_before_a_company(meta, byline, author):
    from crawler.extract.lines import credit_line_names

    html = f"<html><head><meta name='author' content='{meta}'></head><body><h1>Judul</h1>{byline}</body></html>"
    tree = fromstring(html)
    page = read_page(tree, "https://x.test/a")
    assert author_of(page, [], tree, "x.test", page_credits=lambda: credit_line_names(tree)) == author
