"""Relevance vocabulary, look-alikes, scoring rules, dimensions and the extension file."""

from __future__ import annotations

import json

import pytest

from crawler.relevance import DIMENSIONS, VocabularyError, classify, load_vocabulary
from crawler.relevance.matcher import PhraseIndex
from crawler.relevance.normalize import phrase_key, stems


def test_phrase_index_is_leftmost_longest():
    idx = PhraseIndex([(("smart",), "s"), (("smart", "city"), "sc")])
    assert idx.find(["a", "smart", "city", "smart"]) == [(1, 3, "sc"), (3, 4, "s")]


def test_phrase_index_overlapping_replacing_and_tuples():
    idx = PhraseIndex([(("a", "b"), 1), (("b", "c", "d"), 2), (("b",), 3), (("a", "b"), 4)])
    assert len(idx) == 3  # ("a", "b") replaced
    tokens = ["a", "b", "c", "d", "b", "c"]
    assert idx.find(tokens) == [(0, 2, 4), (4, 5, 3)]
    assert idx.find(tokens, overlapping=True) == [(0, 2, 4), (1, 4, 2), (4, 5, 3)]
    assert idx.find(tuple(tokens)) == idx.find(tokens)
    assert idx.find([]) == [] and idx.find(["x", "a"]) == []


def test_stemming_joins_affixed_forms():
    assert phrase_key("pelayanan publik") == phrase_key("layanan publik")
    assert stems("E-Government") == stems("e government")


@pytest.mark.parametrize(
    "title,text",
    [
        (None, "Pemkot menyiapkan program smart city tahun depan."),
        (None, "Kabupaten itu menuju kota cerdas."),
        (None, "Indeks SPBE kabupaten naik."),
        (None, "Pemkab menerapkan e-budgeting dalam penyusunan APBD."),
        (None, "Operator di command center memantau kota."),
        (None, "Diskominfo memaparkan quick wins di depan evaluator."),
        (None, "Dinas menggelar pelatihan literasi digital bagi warga."),
        (None, "Puskesmas melayani telemedicine bagi warga desa."),
        ("Gerakan Menuju 100 Smart City", "Daerah itu terpilih."),
    ],
)
def test_field_terms_make_a_story_relevant(title, text):
    assert classify(title, text).relevant


@pytest.mark.parametrize(
    "title,text",
    [
        ("Beasiswa untuk siswa cerdas", "Pemkab menyalurkan beasiswa kepada siswa cerdas di kota itu."),
        ("Lomba cerdas cermat tingkat kota", "Pelajar mengikuti lomba cerdas cermat tingkat kota cerdas cermat."),
        ("Cerdas FC juara", "Cerdas FC menang di final."),
        ("Kota ramai saat libur", "Kota itu ramai. Kota tua dipenuhi wisatawan dari kota lain."),
        ("Tepat aplikasi pupuk", "Penyuluh dinas mengajak petani tepat aplikasi pupuk."),
        ("Terekam CCTV, pencuri gasak ponsel", "Aksi pencuri terekam CCTV toko. Rekaman CCTV diserahkan ke polisi."),
        ("Tera ulang timbangan digital", "Dinas menera timbangan digital pedagang pasar."),
        ("Jaring nelayan rusak", "Jaring dan jaringan nelayan rusak tersangkut ponton."),
        ("Antrean panjang di RSUD", "Pasien mengeluhkan pelayanan lambat dan antrean panjang."),
    ],
)
def test_look_alikes_do_not_trigger(title, text):
    assert not classify(title, text).relevant


def test_cctv_counts_as_a_city_service_but_not_in_a_theft_story():
    assert any(r.term == "cctv" for r in classify(None, "Dishub memasang CCTV di simpang.").reasons)
    assert not any(r.term == "cctv" for r in classify(None, "Maling motor, CCTV di simpang.").reasons)


def test_generic_words_need_a_government_actor():
    assert classify(None, "Aplikasi online digital di ponsel warga, aplikasi online.").score == 0
    assert classify(None, "Pemkab meluncurkan aplikasi online digital.").score > 0


def test_title_counts_more_than_body_and_reasons_say_where():
    t = classify("Smart city", "Tidak ada apa-apa.")
    b = classify("Tidak ada apa-apa", "Smart city.")
    assert t.score > b.score
    assert t.reasons[0].to_dict() == {"term": "smart city", "where": "title", "weight": 3.0}
    assert b.reasons[0].where == "body"


def test_repetition_adds_a_little_and_office_names_are_capped():
    once = classify(None, "smart city.").score
    thrice = classify(None, "smart city. smart city. smart city.").score
    assert once < thrice < 3 * once
    office = classify("Diskominfo Diskominfo", "Dinas Komunikasi dan Informatika, Diskominfo, Kominfo.")
    assert office.score == pytest.approx(0.4)


def test_min_score_decides_relevant():
    r = classify(None, "Diskominfo hadir.", min_score=0)
    assert r.relevant and r.score < 1
    assert not classify(None, "Diskominfo hadir.").relevant


def test_dimensions_are_tagged_with_reasons():
    r = classify("Pasar tradisional terapkan QRIS", "Pedagang pasar menerima pembayaran QRIS dan retribusi elektronik.")
    assert r.dimensions == ("economy",)
    assert r.dimension_reasons["economy"]
    assert set(DIMENSIONS) == {"governance", "branding", "economy", "society", "living", "environment"}
    assert classify("Banjir", "Air naik.").dimensions == ()


def test_to_dict_is_json_ready():
    d = classify("Smart city Muba", "Pemkab Muba menyiapkan smart city.").to_dict()
    assert list(d) == ["relevant", "score", "reasons", "dimensions", "regions", "provinces"]
    json.dumps(d)


def test_extension_file_adds_terms_negatives_and_overrides(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text(
        "[scoring]\ntitle = 3.0\n\n"
        '[[group]]\nname = "ours"\nweight = 1.0\ndimensions = ["living"]\nterms = ["kampung wifi", "smart city"]\n\n'
        '[negatives]\nphrases = ["kota cerdas cermat"]\n\n'
        '[remove]\nterms = ["spbe"]\n\n'
        '[dimensions.living]\nterms = { "kampung" = 0.5 }\n',
        encoding="utf-8",
    )
    vocab = load_vocabulary(extra)
    assert classify(None, "Desa membangun kampung wifi.", vocabulary=vocab).relevant
    assert classify("Smart city", "", vocabulary=vocab).score == pytest.approx(3.0)  # weight 1.0 x title 3.0
    assert not classify(None, "Penilaian SPBE naik.", vocabulary=vocab).relevant
    assert classify(None, "Penilaian SPBE naik.").relevant  # the shipped vocabulary is untouched


@pytest.mark.parametrize(
    "content,message",
    [
        ("[[group]]\nweight = 1\n", "needs `terms`"),
        ("[oops]\n", "unknown key 'oops'"),
        ("[[group]]\nterms = ['x']\ndimensions = ['smart']\n", "unknown dimension"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_extension_file_errors_are_one_clear_line(tmp_path, content, message):
    extra = tmp_path / "bad.toml"
    extra.write_text(content, encoding="utf-8")
    with pytest.raises(VocabularyError, match=message) as info:
        load_vocabulary(extra)
    assert str(extra) in str(info.value) and "\n" not in str(info.value)


def test_missing_extension_file(tmp_path):
    with pytest.raises(VocabularyError, match="cannot read"):
        load_vocabulary(tmp_path / "nope.toml")
