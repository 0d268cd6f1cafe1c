"""Pure text helpers and the query language parser (no database)."""

from __future__ import annotations

import time

import pytest

from storage.errors import QueryError
from storage.querylang import And, Or, Term, parse_query, positive_terms, to_fts5
from storage.snippet import make_snippet
from storage.textnorm import normalise_text, stem_text, text_hash


def test_normalise_text_ignores_case_spacing_and_quote_styles() -> None:
    a = "Bupati  Muba: “Smart city  untuk warga”\n\n— kata dia."
    b = 'bupati muba: "smart city untuk warga" - kata dia.'
    assert normalise_text(a) == normalise_text(b) == 'bupati muba: "smart city untuk warga" - kata dia.'
    assert text_hash(a) == text_hash(b)
    assert len(text_hash(a)) == 40
    assert text_hash(a) != text_hash("Bupati Muba: smart city untuk warga")


def test_stem_text_uses_the_indonesian_snowball_stemmer() -> None:
    assert stem_text("Pelayanan publik, LAYANAN dan pembangunan!") == "layan publik layan dan bangun"
    assert stem_text("smart-city_2024") == "smart city 2024"
    assert stem_text("") == ""


def test_stem_text_is_fast() -> None:
    article = (
        "Pemerintah Kabupaten Musi Banyuasin terus mempercepat penerapan pelayanan publik "
        "berbasis digital di seluruh kecamatan, termasuk perizinan dan pengaduan warga. "
    ) * 40  # about 600 words, a long news article
    stem_text(article)
    started = time.perf_counter()
    for i in range(50):
        stem_text(article + str(i))
    assert (time.perf_counter() - started) / 50 < 0.005  # ~1 ms typical; generous bound


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("banjir", Term(("banjir",))),
        ("Banjir Palembang", And((Term(("banjir",)), Term(("palembang",))))),
        ('"Smart City"', Term(("smart", "city"))),
        ("smart-city", Term(("smart", "city"))),
        ("banjir OR longsor", Or((Term(("banjir",)), Term(("longsor",))))),
        ("banjir | longsor", Or((Term(("banjir",)), Term(("longsor",))))),
        ("a b OR c", And((Term(("a",)), Or((Term(("b",)), Term(("c",))))))),
        ("a -b", And((Term(("a",)),), (Term(("b",)),))),
        ("a NOT b", And((Term(("a",)),), (Term(("b",)),))),
        ("a AND b", And((Term(("a",)), Term(("b",))))),
        ("a -(b OR c)", And((Term(("a",)),), (Or((Term(("b",)), Term(("c",)))),))),
        ("Palembang - Muba", And((Term(("palembang",)), Term(("muba",))))),  # a lone dash is punctuation
        ("banjir!", Term(("banjir",))),
    ],
)
def test_parse_query(query: str, tree) -> None:
    assert parse_query(query) == tree


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query(query: str) -> None:
    assert parse_query(query) is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"banjir palembang', "unbalanced quotes"),
        ("banjir)", "unbalanced parentheses"),
        ("(banjir", "unbalanced parentheses"),
        ("OR", "OR needs"),
        ("banjir OR", "OR needs"),
        ("-banjir", "cannot only exclude"),
        ("banjir OR -longsor", "cannot be part of OR"),
        ("*", "no words"),
        ("NOT", "must be followed"),
        ("AND", "nothing to search"),
        ("(" * 20 + "a" + ")" * 20, "nested"),
        ("a " * 600, "too long"),
    ],
)
def test_malformed_query_messages(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)


def test_fts5_expression_is_stemmed_and_quoted() -> None:
    assert to_fts5(parse_query('pelayanan "kota cerdas" OR muba -jakarta')) == (
        '(("layan" AND ("kota cerdas" OR "muba")) NOT "jakarta")'
    )
    assert [t.words for t in positive_terms(parse_query("a -b (c OR d)"))] == [("a",), ("c",), ("d",)]


def test_snippet_marks_matches_in_the_original_text() -> None:
    text = (
        "Palembang, 5 Januari 2024. Hujan deras membuat banjir merendam ratusan rumah. "
        "Pemerintah kota menyiapkan pelayanan darurat bagi warga yang terdampak banjir."
    )
    snippet = make_snippet(text, {"banjir", "layan"}, size=12)
    assert "[banjir]" in snippet and snippet.endswith("…")
    assert make_snippet(text, {"layan"}, size=8).startswith("… ")
    assert "[pelayanan]" in make_snippet(text, {"layan"}, size=8)
    assert make_snippet("", {"x"}) == ""
    assert make_snippet("Pendek saja.", set()) == "Pendek saja."
