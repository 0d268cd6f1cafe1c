"""The region gazetteer: shipped data, aliases, cues, ambiguous names, aboutness."""

from __future__ import annotations

import csv
import random
import re
from importlib import resources

import pytest

from crawler.relevance import classify, load_gazetteer
from crawler.relevance.gazetteer import _SENTENCE_END
from crawler.relevance.normalize import tokenize, tokens_and_starts

DATA = resources.files("crawler.relevance") / "data"


def codes(title, text, dateline=None):
    regions, provinces = load_gazetteer().about(title, text, dateline)
    return [a.code for a in regions], [a.code for a in provinces]


def test_shipped_data_is_complete_with_its_licences():
    with (DATA / "provinces.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 38
    with (DATA / "regencies.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 514
    assert "MIT License" in (DATA / "LICENSE-idn-area-data").read_text(encoding="utf-8")
    assert "Open Database License" in (DATA / "LICENSE-idn-area-data-ODbL.md").read_text(encoding="utf-8")


def test_areas_have_names_without_prefix_and_types():
    g = load_gazetteer()
    assert g.areas["16.08"].to_dict() == {"code": "16.08", "name": "Ogan Komering Ulu Timur", "type": "kabupaten"}
    assert g.areas["16.73"].to_dict() == {"code": "16.73", "name": "Lubuk Linggau", "type": "kota"}
    assert g.areas["31.71"].name == "Jakarta Pusat"
    assert g.areas["16"].to_dict() == {"code": "16", "name": "Sumatera Selatan", "type": "provinsi"}


@pytest.mark.parametrize(
    "form,code",
    [
        ("Muba", "16.06"),
        ("Mura", "16.05"),
        ("Muratara", "16.13"),
        ("OKI", "16.02"),
        ("OKU", "16.01"),
        ("OKU Timur", "16.08"),
        ("OKU Selatan", "16.09"),
        ("OI", "16.10"),
        ("PALI", "16.12"),
        ("Lubuklinggau", "16.73"),
        ("Lubuk Linggau", "16.73"),
        ("Prabumulih", "16.74"),
        ("Pagaralam", "16.72"),
        ("Pagar Alam", "16.72"),
        ("Empat Lawang", "16.11"),
        ("Bumi Serasan Sekundang", "16.03"),
        ("Bumi Sebiduk Sehaluan", "16.08"),
        ("Kota Pempek", "16.71"),
        ("Bumi Sriwijaya", "16.71"),
        ("Tangsel", "36.74"),
        ("Solo", "33.72"),
    ],
)
def test_short_forms_and_nicknames(form, code):
    assert codes(f"Berita dari {form}", f"Pemerintah {form} mengumumkan program baru. Warga {form} menyambutnya.")[
        0
    ] == [code]


@pytest.mark.parametrize(
    "form,province",
    [
        ("Sumsel", "16"),
        ("Jabar", "32"),
        ("Jatim", "35"),
        ("Kaltim", "64"),
        ("Sumatra Selatan", "16"),
        ("Jakarta", "31"),
    ],
)
def test_provinces_named_on_their_own(form, province):
    regions, provinces = codes(f"Kabar {form} hari ini", "Gubernur meninjau lokasi.")
    assert regions == [] and provinces == [province]


def test_provinces_derived_from_regions():
    assert codes("Pemkab Muba luncurkan aplikasi", "Bupati Muba meresmikan.")[1] == ["16"]


def test_kota_and_kabupaten_told_apart_by_cues():
    assert codes("Wali Kota Bandung tinjau proyek", "Pemkot Bandung menyiapkan dana.")[0] == ["32.73"]
    assert codes("Bupati Bandung tinjau proyek", "Pemkab Bandung menyiapkan dana.")[0] == ["32.04"]
    # a cue at one mention types the bare mentions of the same name
    assert codes("Bandung siapkan dana", "Bupati Bandung mengatakan Bandung siap.")[0] == ["32.04"]


@pytest.mark.parametrize(
    "name,kota,kab",
    [
        ("Bekasi", "32.75", "32.16"),
        ("Malang", "35.73", "35.07"),
        ("Kupang", "53.71", "53.01"),
        ("Sorong", "96.71", "96.01"),
    ],
)
def test_bare_shared_name_defaults_to_kota(name, kota, kab):
    assert codes(f"{name} siapkan dana", f"Di {name} warga menyambut. {name} siap.")[0] == [kota]
    assert codes(f"{name} siapkan dana", f"Pemkab {name} menyiapkan. Bupati {name} hadir.")[0] == [kab]


def test_cue_carries_through_an_enumeration():
    got = codes(
        "Empat daerah lolos seleksi",
        "Kementerian menetapkan Kabupaten Musi Banyuasin, Ogan Komering Ilir, Musi Rawas dan Muara Enim "
        "sebagai peserta.",
    )[0]
    assert sorted(got) == ["16.02", "16.03", "16.05", "16.06"]


def test_seat_town_resolved_by_the_rest_of_the_article():
    assert codes("Petani panen", "Petani di Martapura, OKU Timur, panen raya. Dinas OKU Timur membantu.", "MARTAPURA")[
        0
    ] == ["16.08"]
    assert codes("Pasar ramai", "Pasar di Martapura ramai. Martapura, ibu kota Kabupaten Banjar, Kalsel, sibuk.")[
        0
    ] == ["63.03"]


def test_parenthesised_short_form_before_compass_word():
    assert codes("Program baru", "Pemkab Ogan Komering Ulu (OKU) Timur meluncurkan program. OKU Timur siap.")[0] == [
        "16.08"
    ]


def test_case_sensitive_short_forms_and_common_word_names():
    assert codes("Oi, apa kabar", "Oi, kata dia. Pali dalam bahasa kuno.")[0] == []
    assert codes("Batu bara menumpuk", "Angkutan batu bara melintas di jalan. Batang karet ditebang.")[0] == []
    assert codes("Wali Kota Batu resmikan taman", "Pemkot Batu menata kota.")[0] == ["35.79"]
    assert codes("Jenazah dimakamkan", "Jenazah diturunkan ke liang lahat. Keluarga berduka di liang lahat.")[0] == []


def test_single_passing_mention_and_long_lists_are_not_what_it_is_about():
    text = (
        "Pemkab Banyuasin meraih penghargaan. Bupati Banyuasin bersyukur.\n"
        "Daftar peserta: Kota Semarang, Kabupaten Banyuwangi, Kabupaten Badung, Kota Makassar, "
        "Kabupaten Gresik, Kabupaten Purwakarta, Kota Bekasi.\nBaca juga: Banjir di Kota Palembang"
    )
    assert codes("Banyuasin raih penghargaan", text)[0] == ["16.07"]


def test_dateline_alone_is_not_enough_but_helps():
    assert codes(
        "Indeks SPBE Pemprov Sumsel naik", "Pemerintah Provinsi Sumatera Selatan meraih nilai tinggi.", "PALEMBANG"
    ) == ([], ["16"])
    assert codes("Pasar baru dibuka", "Pasar baru dibuka di Sekayu oleh pemkab.", "SEKAYU")[0] == ["16.06"]


def test_classify_carries_regions_as_dicts():
    d = classify("Pemkab Muba luncurkan aplikasi smart city", "Bupati Muba meresmikan aplikasi.").to_dict()
    assert d["regions"] == [{"code": "16.06", "name": "Musi Banyuasin", "type": "kabupaten"}]
    assert d["provinces"] == [{"code": "16", "name": "Sumatera Selatan", "type": "provinsi"}]


def test_every_alias_in_regions_toml_points_at_a_known_area():
    import tomllib

    data = tomllib.loads((DATA / "regions.toml").read_text(encoding="utf-8"))
    g = load_gazetteer()
    assert all(code in g.areas for code in data["aliases"].values())
    assert all(code in g.areas for codes_ in data["capitals"].values() for code in codes_)


def test_sentence_ends_as_the_plain_pattern_finds_them():
    plain = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])|\n+")
    rng = random.Random(3)
    alphabet = ".!?\"')(\n \tAa1”’“‘\u00a0\r"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(30))) for _ in range(20_000)]
    texts.append('Kata "dia." Lalu\n\n1. Dua! (Tiga) ‘Empat’? 5 enam.')
    for text in texts:
        assert [m.end() for m in _SENTENCE_END.finditer(text)] == [m.end() for m in plain.finditer(text)], text


@pytest.mark.parametrize("text", ["", "  ", "Kota Pidië, e-government_x 12 ΟΔΟΣ.Α\u0301 x", "a\u200bb—c"])
def test_tokens_and_starts_are_those_of_tokenize(text):
    words, starts = tokens_and_starts(text)
    assert list(zip(words, starts, strict=True)) == [(t, s) for t, s, _ in tokenize(text)]
