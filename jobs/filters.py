"""Search filters as people type them, read once for the command line and the web.

Dates are taken in the display zone (WIB unless ``KABAR_TIMEZONE`` says otherwise), scores
must be finite numbers, dimensions come from the relevance vocabulary, and region and
province names go through the gazetteer (so ``Muba`` is Musi Banyuasin everywhere). Every
reader raises :class:`FilterError` with one sentence the user can act on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from crawler.relevance.vocabulary import DIMENSIONS
from jobs.errors import UsageError
from jobs.output import display_zone

DIMENSION_CHOICES: list[str] = list(DIMENSIONS)
FIRST_YEAR, LAST_YEAR = 1900, 2999


class FilterError(UsageError):
    """A filter value that cannot be used; the message says what to give instead."""


def parse_since(text: str) -> datetime:
    """YYYY-MM-DD (midnight in the display zone) or an ISO 8601 datetime."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{text[:50]!r} is not a date like 2024-05-31") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise FilterError(f"{text[:50]!r} is out of range (years {FIRST_YEAR}-{LAST_YEAR})")
    return value if value.tzinfo else value.replace(tzinfo=display_zone())


def parse_until(text: str) -> datetime:
    """Like :func:`parse_since`, but a bare date means the end of that day (inclusive)."""
    value = parse_since(text)
    return value + timedelta(days=1) if len(text.strip()) == 10 else value


def check_range(since: datetime | None, until: datetime | None) -> None:
    """Refuse an empty or reversed period."""
    if since and until and since >= until:
        raise FilterError("since must be before until")


def parse_min_score(text: str) -> float:
    """A finite number (``nan`` and ``inf`` would silently match nothing or everything)."""
    try:
        value = float(text)
    except ValueError:
        raise FilterError(f"{text.strip()[:50]!r} is not a number") from None
    if not math.isfinite(value):
        raise FilterError(f"{text.strip()[:50]!r} is not a finite number")
    return value


def dimensions(values: Iterable[str]) -> list[str]:
    """Dimension names, case and a leading "smart " forgiven; an unknown one is an error."""
    names = [v.strip().lower().removeprefix("smart ").strip() for v in values if v.strip()]
    for name in names:
        if name not in DIMENSION_CHOICES:
            raise FilterError(f"unknown dimension {name[:50]!r}: use one of {', '.join(DIMENSION_CHOICES)}")
    return list(dict.fromkeys(names))


def area_codes(values: Sequence[str], *, provinces: bool) -> list[str]:
    """BPS codes of region (or province) values: codes, official names or short forms such
    as Muba or Sumsel; an unknown name is an error."""
    if not values:
        return []
    from crawler.relevance import load_gazetteer

    gazetteer = load_gazetteer()
    codes: list[str] = []
    for value in values:
        found = gazetteer.codes_for(value, provinces=provinces)
        if not found:
            what = "province" if provinces else "kabupaten/kota"
            example = "Sumatera Selatan" if provinces else "Musi Banyuasin"
            raise FilterError(f"unknown {what} {value[:50]!r} (give a name such as {example} or a BPS code)")
        codes.extend(found)
    return list(dict.fromkeys(codes))
