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

# Offset assumed for a time without a zone on an Indonesian page: WIB.
DEFAULT_OFFSET_MINUTES = 7 * 60

# Words that introduce the time of day ("pukul 09.30 WIB", "jam 10:15").
TIME_WORDS: tuple[str, ...] = ("pukul", "pkl", "pkl.", "jam", "at")

# Words that mark a date as the modification date, not the publication date.
UPDATE_WORDS: tuple[str, ...] = ("diperbarui", "diupdate", "update", "updated", "perbarui", "modified", "edited")

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
