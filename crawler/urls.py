"""Canonical URLs: one spelling per page, so tracking, AMP and mobile variants meet.

Pure code: no network. Used by the spider (seen-URL checks), by extraction (rel=canonical,
og:url) and by dedup (canonical URL is the first dedup key).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from courlan import scrub_url
from tld import get_fld
from w3lib.url import safe_url_string

__all__ = ["TRACKING_PARAMS", "TRACKING_PREFIXES", "MOBILE_SWITCHES", "canonicalize", "same_site", "site_key"]

# Query parameters that never select content: analytics and campaign tags, click ids,
# share-button and referrer markers. Compared lower-case.
TRACKING_PARAMS: tuple[str, ...] = (
    # ad-network click ids
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "wbraid",
    "gbraid",
    "igshid",
    "igsh",
    "srsltid",
    # mail and marketing tools
    "mc_cid",
    "mc_eid",
    "mkt_tok",
    "_hsenc",
    "_hsmi",
    "vero_id",
    "oly_anon_id",
    "oly_enc_id",
    # Google Analytics cross-domain linkers
    "_ga",
    "_gl",
    # referrer / share markers added by sites and share bars
    "ref",
    "ref_src",
    "ref_url",
    "referrer",
    "share",
    "shared",
    "src_ref",
    "cmpid",
    "spm",
    # AMP switches ("?amp", "?amp=1")
    "amp",
    "outputtype",
    # Jetpack / WordPress share-count markers
    "nb",
    "jetpack-share",
)

# Parameter-name prefixes that are always tracking (utm_source, utm_medium, ...).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "hsa_", "__twitter")

# (name, value) pairs that switch a page to its mobile or AMP rendering, e.g. Blogger's "?m=1".
# Dropped only with these values, since "m" or "output" can select content elsewhere.
MOBILE_SWITCHES: tuple[tuple[str, str], ...] = (
    ("m", "1"),
    ("m", "0"),
    ("mobile", "1"),
    ("output", "amp"),
    ("outputtype", "amp"),
)

# Path endings of AMP variants: "/berita/judul/amp", "/berita/judul/amp/".
_AMP_PATH = re.compile(r"/amp/?$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Host prefixes that name the same site's mobile/AMP/www rendering.
_HOST_VARIANTS = re.compile(r"^(?:www\d*|m|mobile|amp)\.", re.I)


def _is_tracking(name: str, value: str) -> bool:
    low = name.lower()
    if low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES):
        return True
    return (low, value.lower()) in MOBILE_SWITCHES


def canonicalize(url: str) -> str:
    """Return the canonical spelling of ``url``.

    Lower-cases scheme and host, drops the default port, the fragment, tracking and
    mobile-switch parameters and the AMP path suffix, sorts the remaining query
    parameters and percent-encodes what needs it. A string that is not an http(s)
    URL is returned stripped but otherwise unchanged.
    """
    if not url:
        return ""
    raw = scrub_url(url.strip())
    try:
        parts = urlsplit(safe_url_string(raw))
        port = parts.port
    except ValueError:
        return raw
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return raw
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"

    path = _AMP_PATH.sub("", parts.path) or "/"
    # re-quote so "%7e" and "~" or "é" and "%C3%A9" give one spelling
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~")

    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k, v)]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, quote_via=quote, safe="/:@!$'()*,;-._~"), ""))


def _registered(host: str) -> str:
    """Registrable domain of ``host`` (public-suffix aware); the host itself for IPs/localhost."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    fld = get_fld(host, fix_protocol=True, fail_silently=True)
    return fld or _HOST_VARIANTS.sub("", host)


def site_key(url: str) -> str:
    """The site a URL belongs to: registrable domain plus any non-default port."""
    try:
        parts = urlsplit(safe_url_string(url.strip()))
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return ""
    scheme = parts.scheme.lower() or "http"
    key = _registered(host)
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        key = f"{key}:{port}"
    return key


def same_site(a: str, b: str) -> bool:
    """True when both URLs belong to one site.

    One site is one registrable domain (``www.``, ``m.``, regional subdomains and http/https
    all count as the same site) on one port: pages served by local test servers on
    127.0.0.1 with different ports are different sites.
    """
    ka, kb = site_key(a), site_key(b)
    return bool(ka) and ka == kb
