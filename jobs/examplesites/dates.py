"""Indonesian date vocabulary and the per-site visible date formats, as data.

Each example site writes its dates the way its real model does; the formats are
plain ``str.format`` patterns over the fields that :func:`date_fields` returns, so
a new site style is one pattern here rather than code in a template.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

# Indonesian month names, full and in the abbreviations Indonesian sites print.
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTHS_ID_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agt", "Sep", "Okt", "Nov", "Des")
# English abbreviations: Republika-style pages mix these with an Indonesian weekday.
MONTHS_EN_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Monday first, as datetime.weekday() counts.
WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

# Indonesian time zones by UTC offset in hours.
ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}

# Visible date formats, one per site key (see sites.py), with whether they show a time.
SITE_FORMATS: dict[str, tuple[str, bool]] = {
    # "Selasa 27 Dec 2022 13:32 WIB"
    "wartanusantara": ("{weekday} {day} {mon_en} {year} {HH}:{MM} {zone}", True),
    # "Kamis, 14 Desember 2021 pukul 09.30 WIB"
    "sumselpos": ("{weekday}, {day} {month} {year} pukul {HH}.{MM} {zone}", True),
    # "Kamis, 14 Desember 2021" (date only, no machine-readable date on the page)
    "sumaterakabar": ("{weekday}, {day} {month} {year}", False),
    # "Selasa, 9 Mei 2017 | 06:17 WIB"
    "infodaerah": ("{weekday}, {day} {month} {year} | {HH}:{MM} {zone}", True),
    # "14/12/2021 09:30 WIB"
    "jurnalsilampari": ("{dd}/{mm}/{year} {HH}:{MM} {zone}", True),
    # "Senin, 5 Agt 2024 - 10:15 WIB"
    "palembangkini": ("{weekday}, {day} {mon} {year} - {HH}:{MM} {zone}", True),
}


def zone_name(dt: datetime) -> str:
    """Return WIB/WITA/WIT for an aware datetime (``GMT+H`` for other offsets)."""
    offset = dt.utcoffset() or timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    return ZONES.get(hours, f"GMT{hours:+d}")


def date_fields(dt: datetime) -> dict[str, str]:
    """Return the named pieces of ``dt`` that the format patterns use."""
    return {
        "weekday": WEEKDAYS_ID[dt.weekday()],
        "day": str(dt.day),
        "dd": f"{dt.day:02d}",
        "mm": f"{dt.month:02d}",
        "month": MONTHS_ID[dt.month - 1],
        "mon": MONTHS_ID_SHORT[dt.month - 1],
        "mon_en": MONTHS_EN_SHORT[dt.month - 1],
        "year": str(dt.year),
        "HH": f"{dt.hour:02d}",
        "MM": f"{dt.minute:02d}",
        "zone": zone_name(dt),
    }


def format_site_date(site: str, dt: datetime) -> str:
    """Format ``dt`` (aware, local time) the way ``site`` prints dates."""
    pattern, _ = SITE_FORMATS[site]
    return pattern.format(**date_fields(dt))


def http_date(dt: datetime) -> str:
    """RFC 7231 / RFC 822 date in GMT (HTTP headers, RSS pubDate)."""
    return format_datetime(dt.astimezone(UTC), usegmt=True)
