"""Indonesian publication dates: words as data, zones, time of day, never in the future."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extract import datewords
from crawler.extract.dates import find_dates, parse_date, strip_weekdays

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
