"""Infer a source's ``article_pattern`` (a regex on the URL path) from sampled article URLs:
generalise each path segment by its shape (years, months, numbers, ids, slugs), keep a
constant leading word literal, and accept the result only when it matches every sample and
none of the listing pages. Pure code."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_SHAPES = 3  # different path shapes (segment counts) joined into one pattern
_EXTENSION = re.compile(r"\.(html?|php|aspx?|shtml)$", re.IGNORECASE)
_WORD = re.compile(r"^[A-Za-z]+$")
_ID_SLUG = re.compile(r"^\d+-.+$")


def infer_pattern(articles: list[str], non_articles: list[str] = ()) -> str | None:
    """A regex matching the paths of ``articles`` and none of ``non_articles`` (URLs or paths),
    or None when the samples give no such pattern (the generic default then applies)."""
    paths = sorted({_path(u) for u in articles})
    if not paths:
        return None
    shapes: dict[tuple[int, str], list[list[str]]] = {}
    for path in paths:
        segments = [s for s in path.split("/") if s]
        if not segments:
            return None  # the homepage is no article
        extension = _EXTENSION.search(segments[-1])
        ext = extension.group(0).lower() if extension else ""
        if ext:
            segments[-1] = segments[-1][: -len(ext)]
        shapes.setdefault((len(segments), ext), []).append(segments)
    if len(shapes) > MAX_SHAPES:
        return None
    others = [_path(u) for u in non_articles]
    for strict in (False, True):
        bodies = []
        for (count, ext), group in sorted(shapes.items()):
            slash = {p.endswith("/") for p in paths if _shape(p) == (count, ext)}
            tail = "/" if slash == {True} else "/?" if len(slash) == 2 else ""
            bodies.append(
                "/"
                + "/".join(_segment(i, count, [g[i] for g in group], strict) for i in range(count))
                + re.escape(ext)
                + tail
            )
        pattern = "^" + (bodies[0] if len(bodies) == 1 else "(?:" + "|".join(bodies) + ")") + "$"
        regex = re.compile(pattern)
        if all(regex.search(p) for p in paths) and not any(regex.search(o) for o in others):
            return pattern
    return None


def _path(url: str) -> str:
    return urlsplit(url).path or "/" if "://" in url else url.split("?", 1)[0]


def _shape(path: str) -> tuple[int, str]:
    segments = [s for s in path.split("/") if s]
    extension = _EXTENSION.search(segments[-1]) if segments else None
    return len(segments), extension.group(0).lower() if extension else ""


def _segment(index: int, count: int, values: list[str], strict: bool) -> str:
    """The regex of one path position, from the values the samples have there."""
    last = index == count - 1
    if all(v.isdigit() for v in values):
        return _number(values)
    if all(_ID_SLUG.match(v) for v in values):
        return r"\d+-" + _slug([v.split("-", 1)[1] for v in values], strict)
    if index == 0 and not last and len(set(values)) == 1 and _WORD.match(values[0]):
        return re.escape(values[0])  # a constant leading word: /berita/, /read/, /news/
    if last:
        return _slug(values, strict)
    return _slug(values, strict=False)  # an id or a section word: /r0j0ojukm/, /nusantara/


def _number(values: list[str]) -> str:
    numbers = [int(v) for v in values]
    lengths = {len(v) for v in values}
    if lengths == {4} and all(1990 <= n <= 2100 for n in numbers):
        return r"\d{4}"  # a year
    if lengths == {2} and all(1 <= n <= 31 for n in numbers):
        return r"\d{2}"  # a month or day
    if lengths <= {1, 2} and all(1 <= n <= 31 for n in numbers):
        return r"\d{1,2}"
    return r"\d+"  # an id: ids grow, so no fixed width


def _slug(values: list[str], strict: bool) -> str:
    """Words joined by hyphens; ``strict`` demands at least two words (to keep one-word
    section names out)."""
    chars = _chars(values, base="a-z0-9")
    if not strict:
        return chars[:-1] + "-]+"
    return f"{chars}+(?:-{chars}+)+"


def _chars(values: list[str], base: str = "") -> str:
    """A character class covering what the values use (lower case and digits at least for
    slugs, so a sample without digits still lets later ones through)."""
    seen = "".join(values)
    parts = [base] if base else []
    if not base and any(c.islower() for c in seen):
        parts.append("a-z")
    if any(c.isupper() for c in seen):
        parts.append("A-Z")
    if not base and any(c.isdigit() for c in seen):
        parts.append("0-9")
    for extra, token in (("_", "_"), ("%", "%"), (".", r"\.")):
        if extra in seen:
            parts.append(token)
    return "[" + "".join(parts) + "]"
