"""Publication dates from Indonesian news pages: tz-aware, with the time of day when given.

The words (months, weekdays, zones) are data in ``datewords``; this module holds the patterns
built from them and the code that applies them. dateparser is the fallback for what the
patterns do not cover (relative phrases such as "2 jam lalu").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

from . import datewords as W

__all__ = [
    "FoundDate",
    "find_dates",
    "in_zone",
    "parse_date",
    "strip_weekdays",
    "url_date",
    "written_zone",
    "zone_offset",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in text: the aware datetime, whether it had a time of day, its span,
    whether its zone was written (``zoned``; else the default offset was assumed) and whether
    it was a relative phrase ("3 jam lalu") resolved against the fetch time."""

    value: datetime
    has_time: bool
    start: int = 0
    end: int = 0
    zoned: bool = False
    relative: bool = False


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_MONTH = rf"(?P<mon>{_alt(W.MONTHS)})\.?"
_WEEKDAY = rf"(?:\b(?:{_alt(W.WEEKDAYS)})\b\.?\s*,?\s*)"
# "GMT+7", "UTC +07:00", "GMT+0700": a named offset, read before the bare "GMT"/"UTC" words
_GMT = rf"(?:{_alt(W.OFFSET_PREFIXES)})\s?[+-]\s?(?:1[0-4]|0?\d)(?::?[0-5]\d)?\b"
_ZONE = rf"(?P<tz>{_GMT}|\b(?:{_alt(z for z in W.ZONES if len(z) > 1)})\b|[+-]\d{{2}}:?\d{{2}}\b|Z\b)"
# a zone written anywhere in a dateline ("7:36 AM (GMT+7)", "Senin, 4/4/2022 | 10.00 | WITA"):
# the upper-case words only, so that English "wit" or a stray "z" are not zones
_WRITTEN_ZONE = re.compile(rf"{_GMT}|\b(?:{_alt(z.upper() for z in W.ZONES if len(z) > 1)})\b")
_TIMEWORD = rf"(?:(?:{_alt(W.TIME_WORDS)})\s*)"
# time of day after a date: "13:32 WIB", "| 06:17 WIB", ", pukul 09.30 WITA", "- 10:15:20", "● 7:36 am"
# (not a view count after it: "15 Desember 2021 1.204")
_TIME = (
    rf"(?:\s*(?:[|,@\-–—/●•·]|\s)?\s*{_TIMEWORD}?(?P<H>[01]?\d|2[0-3])[:.](?P<M>[0-5]\d)(?!\d)"
    rf"(?:[:.](?P<S>[0-5]\d))?(?:\.\d+)?\s*(?P<ampm>[ap]\.?m\.?\b)?(?:\s*\(?{_ZONE}\)?)?)?"
)
_D = r"(?P<d>[12]\d|3[01]|0?[1-9])(?!\d)"
_Y = r"(?P<y>(?:19|20)\d{2})"

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 2022-12-27T13:32:00+07:00, 2022-12-27 13:32, 2022/12/27 13:32:00 (year first)
    (
        "iso",
        re.compile(
            rf"\b{_Y}(?P<sep>[-/])(?P<m>1[0-2]|0?[1-9])(?P=sep){_D}(?:[T ](?P<H>[01]\d|2[0-3]):(?P<M>[0-5]\d)"
            rf"(?::(?P<S>[0-5]\d)(?:\.\d+)?)?\s*{_ZONE}?)?",
            re.I,
        ),
    ),
    # Selasa, 27 Desember 2022 | 13:32 WIB; 27 Dec 2022 13:32; 9-Mei-2017
    ("day-month-year", re.compile(rf"{_WEEKDAY}?\b{_D}(?:st|nd|rd|th)?[\s\-/.]*{_MONTH}[\s\-/.,]*{_Y}\b{_TIME}", re.I)),
    # December 27, 2022 1:32 pm
    ("month-day-year", re.compile(rf"{_WEEKDAY}?\b{_MONTH}\s+{_D}(?:st|nd|rd|th)?,?\s+{_Y}\b{_TIME}", re.I)),
    # 14/12/2021 09:30 WIB; 27-12-2022; 27.12.2022 (day first, as Indonesia writes them)
    ("numeric", re.compile(rf"\b{_D}[/.\-](?P<m>1[0-2]|0?[1-9])[/.\-]{_Y}\b{_TIME}", re.I)),
)

_WEEKDAY_WORD = re.compile(rf"{_WEEKDAY}", re.I)
_RELATIVE = re.compile(rf"\b(?:{_alt(W.RELATIVE_WORDS)})\b", re.I)
# "3 jam lalu", "5 menit yang lalu", "13 hours ago"
_RELATIVE_SPAN = re.compile(
    rf"\b(?P<n>\d{{1,4}})\s*(?P<unit>{_alt(W.RELATIVE_UNITS)})\.?\s+(?:{_alt(W.RELATIVE_AGO)})\b", re.I
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_MONTH_WORD = re.compile(rf"\b(?:{_alt(W.MONTHS)})\b", re.I)


def strip_weekdays(text: str) -> str:
    """Remove weekday names ("Selasa 27 Dec 2022" -> "27 Dec 2022") for dateparser."""
    return _WEEKDAY_WORD.sub(" ", text).strip()


_OFFSET = re.compile(rf"(?:{_alt(W.OFFSET_PREFIXES)})?\s?([+-])\s?(1[0-4]|0?\d):?([0-5]\d)?", re.I)


def zone_offset(word: str | None, default_minutes: int | None = W.DEFAULT_OFFSET_MINUTES) -> timezone | None:
    """A zone word or numeric offset ("WITA", "+0700", "GMT+7", "Z") as a timezone; default if absent."""
    if not word:
        return None if default_minutes is None else timezone(timedelta(minutes=default_minutes))
    low = word.lower()
    if low in W.ZONES:
        return timezone(timedelta(minutes=W.ZONES[low]))
    m = _OFFSET.fullmatch(word)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return timezone(timedelta(minutes=minutes if m.group(1) == "+" else -minutes))
    return None if default_minutes is None else timezone(timedelta(minutes=default_minutes))


def _build(kind: str, m: re.Match[str], default_minutes: int) -> FoundDate | None:
    g = m.groupdict()
    year, day = int(g["y"]), int(g["d"])
    month = W.MONTHS[g["mon"].lower()] if g.get("mon") else int(g["m"])
    has_time = g.get("H") is not None
    hour = int(g["H"]) if has_time else 0
    minute = int(g["M"]) if has_time else 0
    second = int(g["S"]) if has_time and g.get("S") else 0
    ampm = (g.get("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    tz = zone_offset(g.get("tz"), default_minutes)
    try:
        value = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None
    return FoundDate(value, has_time, m.start(), m.end(), zoned=g.get("tz") is not None)


#: Every pattern holds a four-digit year and spans at most this many characters before and
#: after it ("Wednesday, 27th September 2022, pukul 13:32:00 WITA"): the patterns only run on
#: windows around the years in a text, not over all of it.
_YEAR_ANY = re.compile(r"(?:19|20)\d\d")
_WINDOW = 80


def _year_windows(text: str) -> list[tuple[int, int]]:
    """Disjoint (start, end) spans of ``text`` around its years, merged where they touch."""
    spans: list[tuple[int, int]] = []
    for m in _YEAR_ANY.finditer(text):
        start, end = max(0, m.start() - _WINDOW), min(len(text), m.end() + _WINDOW)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def find_dates(text: str, *, default_offset_minutes: int = W.DEFAULT_OFFSET_MINUTES) -> list[FoundDate]:
    """Every absolute date in ``text``, in order of appearance (overlaps resolved left first)."""
    if not text:
        return []
    found: list[FoundDate] = []
    for start, end in _year_windows(text):
        for kind, pattern in PATTERNS:
            for m in pattern.finditer(text, start, end):
                item = _build(kind, m, default_offset_minutes)
                if item is not None:
                    found.append(item)
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    result: list[FoundDate] = []
    last_end = -1
    for item in found:
        if item.start >= last_end:
            result.append(item)
            last_end = item.end
    return result


def _dateparser(text: str, now: datetime, default_offset_minutes: int) -> FoundDate | None:
    try:
        import dateparser
    except ImportError:  # pragma: no cover - dependency of the project
        return None
    hours, minutes = divmod(default_offset_minutes, 60)
    tzname = f"UTC{hours:+03d}:{minutes:02d}"
    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": tzname,
        "RELATIVE_BASE": now.astimezone(timezone(timedelta(minutes=default_offset_minutes))).replace(tzinfo=None),
    }
    try:
        value = dateparser.parse(strip_weekdays(text), languages=["id", "en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input
        logger.debug("dateparser failed on %r", text, exc_info=True)
        return None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone(timedelta(minutes=default_offset_minutes)))
    zoned = written_zone(text) is not None
    return FoundDate(value, bool(value.hour or value.minute), 0, len(text), zoned=zoned, relative=_is_relative(text))


def _is_relative(text: str) -> bool:
    return _RELATIVE.search(text) is not None


def parse_date(
    text: str | None,
    *,
    now: datetime | None = None,
    default_offset_minutes: int = W.DEFAULT_OFFSET_MINUTES,
    relative: bool = True,
    fallback: bool = True,
) -> FoundDate | None:
    """Parse one date string (a meta value or a dateline) into a :class:`FoundDate`.

    A time without a zone is taken in ``default_offset_minutes`` (WIB unless told). Relative
    phrases ("3 jam lalu") are resolved against ``now``. What the patterns miss goes to
    dateparser unless ``fallback`` is false (it costs milliseconds a call). Returns None when
    nothing parses.
    """
    if not text or not text.strip():
        return None
    text = " ".join(text.split())[:200]
    found = find_dates(text, default_offset_minutes=default_offset_minutes)
    if found:
        return found[0]
    if relative and _RELATIVE.search(text):
        now = now or datetime.now(UTC)
        found_relative = _relative(text, now, default_offset_minutes)
        return found_relative or (_dateparser(text, now, default_offset_minutes) if fallback else None)
    if fallback and len(text) <= 60 and _YEAR.search(text) and _more_than_a_year(text):
        return _dateparser(text, now or datetime.now(UTC), default_offset_minutes)
    return None


def _relative(text: str, now: datetime, default_offset_minutes: int) -> FoundDate | None:
    """ "3 jam lalu", "13 hours ago": the fetch time minus that much (in the page's zone)."""
    m = _RELATIVE_SPAN.search(text)
    if m is None:
        return None
    seconds = int(m.group("n")) * W.RELATIVE_UNITS[m.group("unit").lower()]
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    local = now.astimezone(timezone(timedelta(minutes=default_offset_minutes)))
    return FoundDate(local - timedelta(seconds=seconds), seconds < 86400, m.start(), m.end(), relative=True)


def _more_than_a_year(text: str) -> bool:
    """Does ``text`` say more than a year ("2019", "© 2019 Kompas" name no day of publication)?"""
    rest = _YEAR.sub(" ", text)
    return any(ch.isdigit() for ch in rest) or _MONTH_WORD.search(rest) is not None


def written_zone(text: str) -> timezone | None:
    """The zone written anywhere in a dateline ("WITA", "GMT+7"), None if none or two disagree."""
    zones = {zone_offset(m.group(0), None) for m in _WRITTEN_ZONE.finditer(text or "")}
    zones.discard(None)
    return zones.pop() if len(zones) == 1 else None


def in_zone(found: FoundDate, tz: timezone) -> FoundDate:
    """``found`` with its wall-clock time read in ``tz`` (a zone written elsewhere in its dateline)."""
    return replace(found, value=found.value.replace(tzinfo=tz), zoned=True)


_URL_DATES = tuple(re.compile(p) for p in W.URL_DATE_PATTERNS)


def url_date(url: str, default_offset_minutes: int = W.DEFAULT_OFFSET_MINUTES) -> FoundDate | None:
    """The day a URL path names ("/read/2022/04/04/…"), at midnight in the default offset."""
    path = urlsplit(url or "").path
    for pattern in _URL_DATES:
        m = pattern.search(path)
        if m:
            try:
                day = datetime(int(m["y"]), int(m["m"]), int(m["d"]), tzinfo=zone_offset(None, default_offset_minutes))
            except ValueError:
                continue
            return FoundDate(day, False, m.start(), m.end())
    return None
