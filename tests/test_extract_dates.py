"""Indonesian publication dates: words as data, zones, time of day, never in the future; which
of a page's dates is its publication time (datewords.PRECEDENCE, docs/dates.md), on pages
modelled on Indonesian outlets (tests/fixtures/dates, labelled in labels.json)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.extract import datewords, extract
from crawler.extract.dates import find_dates, parse_date, strip_weekdays, url_date, written_zone

WIB, WITA, WIT = (timezone(timedelta(hours=h)) for h in (7, 8, 9))
NOW = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("Selasa 27 Dec 2022 13:32 WIB", datetime(2022, 12, 27, 13, 32, tzinfo=WIB), True),
        ("Selasa, 9 Mei 2017 | 06:17 WIB", datetime(2017, 5, 9, 6, 17, tzinfo=WIB), True),
        ("Kamis, 14 Desember 2021", datetime(2021, 12, 14, tzinfo=WIB), False),
        ("14/12/2021 09:30 WIB", datetime(2021, 12, 14, 9, 30, tzinfo=WIB), True),
        ("10/02/2018 08:45", datetime(2018, 2, 10, 8, 45, tzinfo=WIB), True),
        ("Rabu, 3 Agt 2022 pukul 09.30 WITA", datetime(2022, 8, 3, 9, 30, tzinfo=WITA), True),
        ("Senin, 15 Ags 2022 pukul 10.00 WIT", datetime(2022, 8, 15, 10, 0, tzinfo=WIT), True),
        ("12 Nop 2019, 10:15 WIT", datetime(2019, 11, 12, 10, 15, tzinfo=WIT), True),
        ("1 Des 2020 23:59", datetime(2020, 12, 1, 23, 59, tzinfo=WIB), True),
        ("Jum'at, 09/02/2018", datetime(2018, 2, 9, tzinfo=WIB), False),
        ("2022-12-27T13:32:00+07:00", datetime(2022, 12, 27, 13, 32, tzinfo=WIB), True),
        ("2022-12-27T06:32:00Z", datetime(2022, 12, 27, 6, 32, tzinfo=UTC), True),
        ("2017-05-09 06:17:00", datetime(2017, 5, 9, 6, 17, tzinfo=WIB), True),
        ("Tue, 27 Dec 2022 13:32:00 +0700", datetime(2022, 12, 27, 13, 32, tzinfo=WIB), True),
        ("December 27, 2022 1:32 pm", datetime(2022, 12, 27, 13, 32, tzinfo=WIB), True),
    ],
)
def test_parse_date(text, expected, has_time):
    found = parse_date(text, now=NOW)
    assert found is not None
    assert found.value == expected and found.value.utcoffset() == expected.utcoffset()
    assert found.has_time is has_time


def test_relative_dates_use_the_fetch_time():
    found = parse_date("3 jam lalu", now=datetime(2023, 3, 7, 10, 0, tzinfo=WIB))
    assert found is not None and found.value == datetime(2023, 3, 7, 7, 0, tzinfo=WIB)


def test_weekday_stripping_is_what_dateparser_needs():
    assert strip_weekdays("Selasa 27 Dec 2022 13:32 WIB") == "27 Dec 2022 13:32 WIB"


def test_wit_does_not_swallow_wita():
    assert parse_date("3 Agt 2022 09.30 WITA").value.utcoffset() == timedelta(hours=8)


def test_default_offset_for_pages_outside_indonesia():
    found = parse_date("2022-12-27 13:32", default_offset_minutes=0)
    assert found.value.utcoffset() == timedelta(0)


def test_find_dates_in_running_text():
    text = "Oleh MC Kabupaten Banyuasin, Selasa, 9 Mei 2017 | 06:17 WIB - Redaktur: Eka - 324. Sidang 5 Mei 2017."
    found = find_dates(text)
    assert [f.value for f in found] == [datetime(2017, 5, 9, 6, 17, tzinfo=WIB), datetime(2017, 5, 5, tzinfo=WIB)]


@pytest.mark.parametrize("text", ["", "   ", "bukan tanggal", "31 Februari 2022", "Selasa (11/6)"])
def test_unparseable(text):
    assert parse_date(text, now=NOW, relative=False) is None


def test_words_are_data():
    assert datewords.MONTHS["agt"] == datewords.MONTHS["ags"] == 8
    assert datewords.MONTHS["nop"] == 11 and datewords.MONTHS["des"] == 12
    assert datewords.ZONES == {**datewords.ZONES, "wib": 420, "wita": 480, "wit": 540}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("April 4, 2022 7:36 AM GMT+7", datetime(2022, 4, 4, 7, 36, tzinfo=WIB)),
        ("April 4, 2022 7:36 AM (GMT+7)", datetime(2022, 4, 4, 7, 36, tzinfo=WIB)),
        ("4 April 2022 10:15 UTC+08:00", datetime(2022, 4, 4, 10, 15, tzinfo=WITA)),
        ("04 Apr 2022 09:30 GMT+0900", datetime(2022, 4, 4, 9, 30, tzinfo=WIT)),
        ("Jakarta ● Mon, April 4, 2022 ● 7:36 am", datetime(2022, 4, 4, 7, 36, tzinfo=UTC)),
    ],
)
def test_numeric_zones_and_separators(text, expected):
    """On a page whose zone is not known (UTC assumed) the written zone decides."""
    found = parse_date(text, now=NOW, default_offset_minutes=0)
    assert found.value == expected and found.value.utcoffset() == expected.utcoffset() and found.has_time


def test_a_view_count_after_the_date_is_not_a_time():
    found = parse_date("Oleh Redaksi - 15 Desember 2021 1.204", now=NOW)
    assert found.value == datetime(2021, 12, 15, tzinfo=WIB) and not found.has_time


def test_a_zone_written_anywhere_in_the_dateline():
    assert written_zone("Published: Mon, April 4, 2022 - 7:36 AM · All times GMT+7") == WIB
    assert written_zone("Senin, 4/4/2022 | 10.15 | WITA") == WITA
    assert written_zone("a sharp wit, 10:15") is None
    assert written_zone("10:15 WIB / 11:15 WITA") is None  # two zones: none settles it


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://regional.kompas.com/read/2022/04/04/222600678/banjir", (2022, 4, 4)),
        ("https://www.cnnindonesia.com/nasional/20220404222641-20-780000/bmkg", (2022, 4, 4)),
        ("https://sumselupdate.com/2022/4/4/dprd-muba/", (2022, 4, 4)),
        ("https://x.id/arsip/2022-04-04-dprd-muba", (2022, 4, 4)),
        ("https://www.antaranews.com/berita/2804921/pemkot-palembang", None),
        ("https://x.id/berita/20221304120000-1-2/bulan-13", None),
    ],
)
def test_url_dates(url, day):
    found = url_date(url)
    assert (found.value.timetuple()[:3] if found else None) == day


# ---- which date of a page is its publication time --------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "dates"
LABELS = json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
FETCHED = datetime.fromisoformat(LABELS["fetched_at"])
PAGES = {page["file"].removesuffix(".html"): page for page in LABELS["pages"]}


def published(name: str) -> tuple[datetime | None, datetime]:
    """(what extract() dates fixture ``name``, its label)."""
    page = PAGES[name]
    article = extract((FIXTURES / page["file"]).read_bytes(), page["url"], fetched_at=FETCHED)
    return article.published, datetime.fromisoformat(page["published"])


def same(got: datetime | None, want: datetime) -> bool:
    """The same minute in the same offset."""
    return got is not None and got.replace(second=0) == want and got.utcoffset() == want.utcoffset()


@pytest.mark.parametrize("name", ["merdeka-wrongsign", "merdeka-night", "tempo-en", "tribun-wita", "suara-updated"])
def test_step_1_the_dateline_with_its_zone_beats_json_ld_with_an_offset(name):
    """merdeka's 10:00-07:00 beside "10:00 WIB", local time stamped as UTC, a WIB server's
    +07:00 beside "10:15 WITA", the update time as article:published_time beside "10:00 WIB
    Diperbarui … 12:30 WIB": the time shown to the reader wins."""
    got, want = published(name)
    assert same(got, want), (got, want)


def test_step_2_json_ld_with_an_offset_beats_meta_tags():
    """Even when the JSON-LD does not parse as JSON; the pubdate meta is UTC wall time."""
    got, want = published("broken-jsonld")
    assert same(got, want), (got, want)


@pytest.mark.parametrize("name", ["cnn-meta-over-ld", "liputan6-ld-dateonly"])
def test_step_3_meta_tags_with_a_time_beat_json_ld_without_offset_or_time(name):
    got, want = published(name)
    assert same(got, want), (got, want)


def test_step_4_the_url_date_beats_dates_in_the_text():
    """No date shown or in metadata: the URL's day, not the day before that the text names."""
    got, want = published("wp-urldate")
    assert same(got, want), (got, want)


def test_a_date_only_metadata_value_does_not_erase_the_time_shown():
    """article:published_time at 00:00:00 beside "Senin, 04 Apr 2022 22:26 WIB"."""
    got, want = published("detik-midnight")
    assert same(got, want), (got, want)


@pytest.mark.parametrize("name", ["antara-en", "jakartapost-nozone", "jakartaglobe", "antara-wita-utc"])
def test_an_english_or_utc_dated_page_of_an_indonesian_outlet_is_in_local_time(name):
    """ "4th April 2022 22:26", "7:36 am" without a zone are Jakarta time; a UTC meta value is
    given in the zone the page shows."""
    got, want = published(name)
    assert same(got, want), (got, want)


@pytest.mark.parametrize("name", ["jakartapost-gmt7", "jubi-wit"])
def test_a_zone_anywhere_in_the_dateline_settles_it(name):
    """ "7:36 AM · … · All times GMT+7" over JSON-LD without offset; "09:30 WIT" over a pubdate
    without offset on a .id host (WIB otherwise)."""
    got, want = published(name)
    assert same(got, want), (got, want)


def test_every_labelled_page():
    wrong = {name: (got, want) for name in PAGES for got, want in [published(name)] if not same(got, want)}
    assert not wrong, wrong


def test_the_precedence_is_data(monkeypatch):
    """Put meta tags first and merdeka's wrong-signed metadata wins again."""
    steps = list(datewords.PRECEDENCE)
    steps.insert(0, steps.pop(steps.index(("meta", "zoned"))))
    monkeypatch.setattr(datewords, "PRECEDENCE", tuple(steps))
    got, _ = published("merdeka-wrongsign")
    assert got == datetime(2022, 4, 4, 10, 0, tzinfo=timezone(timedelta(hours=-7)))


def test_the_documented_precedence_is_the_one_applied():
    doc = (Path(__file__).parent.parent / "docs" / "dates.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \d+ \| `(\w[\w-]*)` \| `(\w+)` \|", doc, re.M)
    assert tuple(rows) == datewords.PRECEDENCE
