"""Bytes to text: the declared charset when it fits, charset detection when it does not."""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

__all__ = ["declared_charset", "decode_html"]

logger = logging.getLogger(__name__)

# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">,
# <?xml version="1.0" encoding="x"?>; searched in the first bytes only, as browsers do.
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_SNIFF_BYTES = 4096
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Labels that browsers treat as windows-1252 (WHATWG Encoding Standard): its “ ” – ’ live in
# 0x80-0x9F, where Latin-1 has control characters.
_AS_CP1252 = {"latin_1", "iso8859_1", "iso8859_15", "ascii", "cp1252", "windows_1252", "cp819"}


def _norm(label: str) -> str | None:
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset the page declares in its first bytes (normalised codec name), if any."""
    for match in _DECLARED.finditer(data[:_SNIFF_BYTES]):
        name = _norm(match.group(1).decode("ascii", "ignore"))
        if name:
            return "cp1252" if name in _AS_CP1252 else name
    return None


def _detect(data: bytes) -> str:
    best = from_bytes(data[:200_000]).best()
    name = _norm(best.encoding) if best is not None else None
    if name is None or name in _AS_CP1252:
        return "cp1252"
    return name


# A UTF-8 page may carry this many invalid bytes (or one per thousand) and stay UTF-8, as
# long as it has valid multi-byte text too: a page in another charset has (almost) none.
STRAY_BYTES = 8


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode an HTML page.

    Order: a byte-order mark; the declared charset (``declared`` or the page's own
    declaration) when the bytes are valid in it; UTF-8 when the bytes are valid UTF-8 with
    non-ASCII text (a UTF-8 page mislabelled as Latin-1); otherwise charset-normalizer's
    guess, with Latin-1-like guesses read as windows-1252. Never raises.
    """
    if not data:
        return ""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, "replace")
    label = _norm(declared) if declared else None
    label = ("cp1252" if label in _AS_CP1252 else label) if label else declared_charset(data)
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None and (label in (None, "utf_8") or not utf8.isascii()):
        return utf8
    if utf8 is None and label in (None, "utf_8"):
        # a UTF-8 page with a few stray bytes stays UTF-8; a page that is really another
        # charset has (almost) no valid multi-byte sequences at all
        lossy = data.decode("utf-8", "replace")
        bad = lossy.count("\ufffd")
        good = sum(1 for ch in lossy if ord(ch) > 127) - bad
        if good >= 4 * bad or (good > 0 and bad <= max(STRAY_BYTES, len(data) // 1000)):
            return lossy
    if label and label != "utf_8":
        try:
            return data.decode(label)
        except (UnicodeDecodeError, LookupError):
            logger.debug("bytes do not fit declared charset %s", label)
    guess = _detect(data)
    logger.debug("charset guessed as %s (declared %s)", guess, label)
    try:
        return data.decode(guess, "replace")
    except LookupError:
        return data.decode("cp1252", "replace")
