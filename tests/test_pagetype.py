"""Listing pages (homepages, sections) that sitemaps list are told from articles."""

from crawler.pagetype import listing_reason

HOST = "https://warta.id"

ARTICLE = """<html><body><article><h1>Muba Raih Nilai Tertinggi Kabupaten Cerdas</h1>
<p>Pemkab Musi Banyuasin terus berupaya mewujudkan kota cerdas Smart City melalui Diskominfo.</p>
<p>Kepala Dinas Kominfo Muba mengatakan nilai ini mengantarkan Muba meraih peringkat tertinggi.</p>
<p>Baca juga: <a href="/berita/2/banjir-rendam-ratusan-rumah-di-pampangan-oki">Banjir Rendam Ratusan Rumah di Pampangan OKI</a></p>
<p>Regulasi sudah disiapkan untuk pelaksanaan smart city dan anggaran dibandingkan APBD besar.</p>
</article><aside><h3>Terpopuler</h3><ul>{sidebar}</ul></aside></body></html>"""

SIDEBAR = "".join(
    f'<li><a href="/berita/{i}/judul-berita-populer-nomor-{i}">Judul berita populer nomor {i} hari ini</a></li>'
    for i in range(10, 22)
)
ARTICLE_TEXT = (
    "Pemkab Musi Banyuasin terus berupaya mewujudkan kota cerdas Smart City melalui Diskominfo.\n"
    "Kepala Dinas Kominfo Muba mengatakan nilai ini mengantarkan Muba meraih peringkat tertinggi.\n"
    "Regulasi sudah disiapkan untuk pelaksanaan smart city dan anggaran dibandingkan APBD besar."
)

CARD = """<div class="card"><h2><a href="/berita/{i}/judul-artikel-nomor-{i}-di-kanal">Judul artikel nomor {i} di kanal</a></h2>
<div class="date">Selasa 13 May 2025 15:20 WITA</div><p class="teaser">Teaser singkat artikel nomor {i} tentang banjir di kota.</p></div>"""
SECTION = "<html><body><h1>Banjir</h1>" + "".join(CARD.format(i=i) for i in range(3)) + "</body></html>"
SECTION_TEXT = "\n".join(
    f"Selasa 13 May 2025 15:20 WITA\nTeaser singkat artikel nomor {i} tentang banjir di kota." for i in range(3)
)


def test_article_with_a_popular_sidebar_is_an_article():
    html = ARTICLE.format(sidebar=SIDEBAR)
    assert listing_reason(html, f"{HOST}/berita/1/muba-raih", ARTICLE_TEXT) is None


def test_homepage_is_a_listing():
    assert listing_reason(ARTICLE.format(sidebar=""), f"{HOST}/", ARTICLE_TEXT) == "homepage"


def test_section_of_teaser_cards_is_a_listing():
    assert "teasers" in listing_reason(SECTION, f"{HOST}/kanal/banjir", SECTION_TEXT)


def test_text_that_is_one_linked_teaser_is_a_listing():
    html = '<html><body><a href="/berita/9/sungai-rupit-meluap-ratusan-rumah-terendam">Sungai Rupit Meluap Ratusan Rumah Terendam</a><p>Sekitar 350 rumah terendam.</p></body></html>'
    text = "Sungai Rupit Meluap Ratusan Rumah Terendam oleh Heri. Sekitar 350 rumah terendam."
    assert "teaser" in listing_reason(html, f"{HOST}/kategori/banjir/", text)


def test_text_made_of_headlines_is_a_listing():
    html = "<html><body>" + SIDEBAR + "</body></html>"
    text = "\n".join(f"Judul berita populer nomor {i} hari ini" for i in range(10, 22))
    assert listing_reason(html, f"{HOST}/tag/populer", text)


def test_garbage_is_not_a_listing():
    assert listing_reason(b"\x00\x01", f"{HOST}/x/y", "") is None


def test_section_with_a_single_teaser_is_a_listing():
    html = "<html><body><h1>Smart City</h1>" + CARD.format(i=1) + "</body></html>"
    text = "Teaser singkat artikel nomor 1 tentang banjir di kota."
    assert listing_reason(html, f"{HOST}/kategori/smart-city", text)


def test_the_tree_extraction_leaves_gives_the_verdict_of_the_page():
    """analyse() passes the tree extract_page() built (with its prune marks) instead of the
    page: the verdict must not change, for articles and listings alike."""
    from crawler.extract import extract_page

    cases = [
        (ARTICLE.format(sidebar=SIDEBAR), f"{HOST}/berita/1/muba-raih"),
        (SECTION, f"{HOST}/kanal/banjir"),
        ("<html><body><h1>Smart City</h1>" + CARD.format(i=1) + "</body></html>", f"{HOST}/kategori/smart-city"),
        ("<html><body>" + SIDEBAR + "</body></html>", f"{HOST}/tag/populer"),
    ]
    verdicts = []
    for html, url in cases:
        article, tree = extract_page(html.encode(), url)
        assert tree is not None
        verdicts.append(listing_reason(tree, url, article.text))
        assert verdicts[-1] == listing_reason(html, url, article.text)
    assert verdicts[0] is None and all(verdicts[1:])


def test_text_start_reads_as_text_content_does():
    import random

    import lxml.etree
    import lxml.html

    from crawler.pagetype import _text_start

    rng = random.Random(7)
    bits = [
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<span>",
        "</span>",
        "a",
        "bb ",
        " c",
        "  ",
        "\n",
        "dd\t",
        "\u00a0y",
        "x" * 30,
        "<!-- komentar -->",
    ]
    for _ in range(500):
        tree = lxml.html.fromstring("<div>" + "".join(rng.choice(bits) for _ in range(rng.randint(1, 40))) + "</div>")
        for element in tree.iter(lxml.etree.Element):
            for chars in (3, 60):
                assert _text_start(element, chars) == " ".join(element.text_content().split())[:chars]


def test_anchor_prefilter_keeps_every_anchor_that_can_be_a_headline():
    """``_LONG_ANCHORS`` skips anchors in C by length; none of those skipped has
    HEADLINE_MIN_WORDS words (the shortest: one-letter words, one separator between)."""
    import random

    import lxml.html

    from crawler.pagetype import _LONG_ANCHORS, _WORD, HEADLINE_MIN_WORDS

    rng = random.Random(11)
    pieces = ["a", "bc", "Ja", "é", "7", " ", "  ", "-", "\n", "<b>", "</b>", "<!-- x -->"]
    for _ in range(300):
        anchors = "".join(
            f'<a href="/{i}">{"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))}</a>' for i in range(20)
        )
        tree = lxml.html.fromstring(f"<div>{anchors}</div>")
        kept = set(_LONG_ANCHORS(tree))
        for anchor in tree.iter("a"):
            if len(_WORD.findall(anchor.text_content())) >= HEADLINE_MIN_WORDS:
                assert anchor in kept, anchor.text_content()
    boundary = lxml.html.fromstring('<div><a href="/x">a-b-c-d-e</a><a href="/y">a-b-c-d</a></div>')
    assert [a.text_content() for a in _LONG_ANCHORS(boundary)] == ["a-b-c-d-e"]


def _cards_without_early_answer(tree, text: str, host: str) -> bool:
    """The teaser-card rule read plainly: every paragraph matched to its element first, then
    counted (the reference for :func:`crawler.pagetype._teaser_cards`, which stops early)."""
    from crawler import pagetype as pt

    paragraphs = [" ".join(p.lstrip("-•* ").split()) for p in text.split("\n") if len(p.split()) >= 4]
    needed = 1 if len(text) < pt.TINY_TEXT_CHARS else pt.CARD_MIN_PARAGRAPHS
    if len(paragraphs) < needed:
        return False
    by_start = {}
    for element in tree.iter(*pt.TEXT_TAGS):
        by_start.setdefault(" ".join(element.text_content().split())[: pt.CARD_KEY_CHARS], element)
    in_cards = sum(
        1
        for p in paragraphs
        if p[: pt.CARD_KEY_CHARS] in by_start
        and pt._has_headline_link_near(by_start[p[: pt.CARD_KEY_CHARS]], host, len(p), {})
    )
    return in_cards >= needed and in_cards / len(paragraphs) >= pt.CARD_SHARE


def test_teaser_cards_answers_early_as_the_plain_rule_does():
    """Random sections mixing teaser cards, body paragraphs and repeated beginnings: the
    early answer is the answer of matching every paragraph first."""
    import random

    import lxml.html

    from crawler.pagetype import _teaser_cards

    rng = random.Random(5)
    teasers = [f"Teaser singkat artikel nomor {i} tentang banjir di kota" for i in range(6)]
    bodies = [f"Paragraf isi berita nomor {i} tentang kota cerdas dan layanan warga." for i in range(6)]
    answers = set()
    for _ in range(400):
        blocks, lines = [], []
        for _ in range(rng.randint(1, 9)):
            kind = rng.random()
            if kind < 0.4:
                i = rng.randrange(len(teasers))
                blocks.append(
                    CARD.format(i=i).replace(
                        f"Teaser singkat artikel nomor {i} tentang banjir di kota.", teasers[i] + "."
                    )
                )
                lines.append(teasers[i] + ".")
            elif kind < 0.8:
                line = rng.choice(bodies) + " tambahan" * rng.randint(0, 40)
                blocks.append(f"<p>{line}</p>")
                lines.append(line)
            else:  # a paragraph the page shows with a different ending (same beginning)
                line = rng.choice(teasers) + " dan lanjutan" * rng.randint(1, 30)
                blocks.append(f"<div><p>{line}</p></div>")
                lines.append(line)
        rng.shuffle(blocks)
        tree = lxml.html.fromstring("<html><body><article>" + "".join(blocks) + "</article></body></html>")
        text = "\n".join(lines)
        expected = _cards_without_early_answer(tree, text, "warta.id")
        assert _teaser_cards(tree, text, "warta.id") == expected, text
        answers.add(expected)
    assert answers == {True, False}
