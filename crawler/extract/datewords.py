"""Date vocabulary for Indonesian (and English) news pages, as data.

Sources: KBBI month and day names; abbreviations seen on Indonesian portals (Agt/Ags for
Agustus, Des for Desember, Nop/Nov for November, Peb/Feb for Februari); the three statutory
Indonesian time zones (Keppres 41/1987): WIB UTC+7, WITA UTC+8, WIT UTC+9.
"""

from __future__ import annotations

# Month names and abbreviations, lower-case, to month number. Indonesian first, then the
# English forms that appear on the same pages ("Selasa 27 Dec 2022").
MONTHS: dict[str, int] = {
    # Indonesian full names
    "januari": 1,
    "februari": 2,
    "pebruari": 2,
    "maret": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "agustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "nopember": 11,
    "desember": 12,
    # Indonesian abbreviations
    "jan": 1,
    "feb": 2,
    "peb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agus": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "nov": 11,
    "nop": 11,
    "des": 12,
    # English names and abbreviations
    "january": 1,
    "february": 2,
    "march": 3,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "aug": 8,
    "october": 10,
    "oct": 10,
    "december": 12,
    "dec": 12,
}

# Weekday names (Indonesian, with the spellings "Jum'at"/"Jumat"/"Minggu"/"Ahad", and
# English). They carry no information once the date is known and confuse dateparser when
# mixed with English months, so they are removed before parsing.
WEEKDAYS: tuple[str, ...] = (
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "jum'at",
    "jum’at",
    "sabtu",
    "minggu",
    "ahad",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "sen",
    "sel",
    "rab",
    "kam",
    "jum",
    "sab",
    "min",
)

# Time-zone words to UTC offsets in minutes. "WIT" must be matched as a whole word so that
# it does not swallow "WITA".
ZONES: dict[str, int] = {
    "wib": 7 * 60,
    "wita": 8 * 60,
    "wit": 9 * 60,
    "utc": 0,
    "gmt": 0,
    "z": 0,
}

# Words before a numeric offset written as a zone: "GMT+7", "UTC+08:00".
OFFSET_PREFIXES: tuple[str, ...] = ("GMT", "UTC")

# Offset assumed for a time without a zone on an Indonesian page: WIB.
DEFAULT_OFFSET_MINUTES = 7 * 60

# Words that introduce the time of day ("pukul 09.30 WIB", "jam 10:15").
TIME_WORDS: tuple[str, ...] = ("pukul", "pkl", "pkl.", "jam", "at")

# Words that mark a date as the modification date, not the publication date.
UPDATE_WORDS: tuple[str, ...] = ("diperbarui", "diupdate", "update", "updated", "perbarui", "modified", "edited")

# Words that, beside an update word, say the line still gives the publication ("Diterbitkan …,
# diperbarui …").
PUBLISH_WORDS: tuple[str, ...] = ("terbit", "publish", "dipublikasikan")

# Relative expressions ("2 jam lalu", "kemarin") are resolved against the fetch time; these
# are the words that tell us one is present.
RELATIVE_WORDS: tuple[str, ...] = (
    "lalu",
    "yang lalu",
    "kemarin",
    "hari ini",
    "ago",
    "yesterday",
    "today",
)

# "<number> <unit> (yang) lalu / ago": units to seconds, resolved without dateparser (the common
# case on portals' listing and article pages). Months and years have no fixed length and stay
# with dateparser, as do "kemarin" and "an hour ago". Units under a day give a time of day.
RELATIVE_UNITS: dict[str, int] = {
    "detik": 1,
    "second": 1,
    "seconds": 1,
    "sec": 1,
    "secs": 1,
    "menit": 60,
    "minute": 60,
    "minutes": 60,
    "min": 60,
    "mins": 60,
    "jam": 3600,
    "hour": 3600,
    "hours": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hari": 86400,
    "day": 86400,
    "days": 86400,
    "minggu": 7 * 86400,
    "pekan": 7 * 86400,
    "week": 7 * 86400,
    "weeks": 7 * 86400,
}
RELATIVE_AGO: tuple[str, ...] = ("yang lalu", "lalu", "ago")

# -- which date of a page is its publication time (docs/dates.md) -------------------------------

# Where a candidate publication time comes from:
#   "dateline": the date shown to the reader beside the headline (the first date element after
#               the <h1>, else the last before it, within DATELINE_REACH elements of it);
#   "json-ld":  the article's JSON-LD datePublished;
#   "meta":     meta tags (article:published_time, pubdate, …), microdata, and the machine
#               value (<time datetime>) of the dateline element;
#   "url":      a date in the URL path (/2022/04/04/, /20220404222641-…);
#   "text":     any other date: other date elements near the headline, lines the line rules
#               removed, the first 3,000 characters of the body, and (only when none of these
#               gives a time) the date elements of the rest of the page.
# and what it states: "zoned" a time of day in a known zone (written beside it or anywhere in
# the dateline, or, for the dateline only, the outlet's zone), "timed" a time of day in an
# assumed zone, "day" the day alone (a structured value at exactly 00:00:00 is a day).
# The first step of this list that some candidate reaches gives the publication time; a "day"
# winner takes the time of the first candidate down the list with a time on that same day, so
# a date-only value never erases a time shown on the page.
PRECEDENCE: tuple[tuple[str, str], ...] = (
    ("dateline", "zoned"),
    ("json-ld", "zoned"),
    ("meta", "zoned"),
    ("json-ld", "timed"),
    ("meta", "timed"),
    ("dateline", "timed"),
    ("dateline", "day"),
    ("json-ld", "day"),
    ("meta", "day"),
    ("url", "day"),
    ("text", "timed"),
    ("text", "day"),
)

# How far (in elements, document order) a date element may stand from the headline and still
# be the page's dateline: past the byline and a share bar, short of sidebars and related lists.
DATELINE_REACH = 40

# Dates in URL paths, day precision: /2022/04/04/, /2022-04-04-, /20220404222641-20-… (a
# 14-digit stamp). Named groups y, m, d.
URL_DATE_PATTERNS: tuple[str, ...] = (
    r"/(?P<y>(?:19|20)\d{2})/(?P<m>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])(?=/|$|[-_.])",
    r"/(?P<y>(?:19|20)\d{2})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])(?=/|$|[-_.])",
    r"/(?P<y>20\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d[0-5]\d(?=\D|$)",
)

# What makes a page an Indonesian outlet's, whose times without a zone are local time (WIB, or
# WITA/WIT when its structured dates carry +08:00/+09:00), in whatever language it is written:
# the host, a declared locale of the region ("en-ID", "id_ID"), an Indonesian zone or a
# "GMT+7"-style zone written on the page, structured dates in an Indonesian offset, or a text
# that keeps naming Indonesia (an English-language outlet such as a Jakarta daily).
INDONESIA_HOST_SUFFIXES: tuple[str, ...] = (".id",)
INDONESIA_LANGUAGES: tuple[str, ...] = ("id", "in")
INDONESIA_LOCALE_REGIONS: tuple[str, ...] = ("id",)
INDONESIA_OFFSETS_MINUTES: tuple[int, ...] = (7 * 60, 8 * 60, 9 * 60)
INDONESIA_WORDS: tuple[str, ...] = ("indonesia", "indonesian", "jakarta", "rupiah")
# how many mentions of INDONESIA_WORDS in the title and the first 3,000 characters of the text
INDONESIA_WORDS_MIN = 3
