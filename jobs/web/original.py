"""The archived original of an article, made safe to look at.

The page comes from the WARC record (storage.warc.read_response) and is served with
``Content-Security-Policy: sandbox; default-src 'none'; img-src data:; style-src
'unsafe-inline'`` (ORIGINAL_CSP), which on its own stops scripts and every request to the
original site. On top of that the markup is cleaned, so an older browser or a saved copy is
safe too: scripts, event handlers, ``javascript:`` URLs, frames, embeds, forms, ``<base>``,
``<meta http-equiv>`` and ``<link>`` are removed (lxml_html_clean); links keep their text
but lose ``href`` (the address goes to ``title``); images keep only ``data:`` sources; CSS
``url(...)`` and ``@import`` are dropped. A banner says what the page is and when it was
fetched.
"""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree
from lxml_html_clean import Cleaner

from jobs.output import human
from storage.warc import WarcResponse

ORIGINAL_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
_CSS_URL = re.compile(r"@\s*import[^;]*;?|url\s*\([^)]*\)|[\"'][^\"']*//[^\"']*[\"']", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_CLEANER = Cleaner(
    scripts=True,
    javascript=True,
    comments=True,
    style=False,
    inline_style=False,
    links=True,
    meta=True,
    page_structure=False,
    processing_instructions=True,
    embedded=True,
    frames=True,
    forms=True,
    annoying_tags=True,
    remove_unknown_tags=False,
    safe_attrs_only=True,
    kill_tags={"base", "noscript", "template", "object", "applet"},
)
_URL_ATTRS = ("src", "srcset", "href", "action", "formaction", "poster", "background", "data", "xlink:href", "ping")


def decode(response: WarcResponse) -> str:
    """The body as text: charset from Content-Type, else a <meta> charset, else UTF-8."""
    candidates = []
    for source in (response.header("content-type") or "", response.body[:2048].decode("ascii", "replace")):
        match = _CHARSET.search(source)
        if match:
            candidates.append(match.group(1))
    for charset in [*candidates, "utf-8"]:
        try:
            return response.body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return response.body.decode("utf-8", "replace")


def render(response: WarcResponse) -> str:
    """A self-contained, cleaned HTML page of the archived response, with a banner."""
    banner = (
        '<div style="all:initial;display:block;font:14px/1.4 sans-serif;background:#fff3bf;'
        'color:#222;padding:8px 12px;border-bottom:2px solid #e0b400">'
        f"Archived copy of <code>{html.escape(response.url)}</code>, fetched "
        f"{html.escape(human(response.date))} (HTTP {int(response.status)}). "
        "Scripts, links and outside resources are removed; nothing is loaded from the original site."
        "</div>"
    )
    content_type = (response.header("content-type") or "text/html").lower()
    text = decode(response)
    if "html" not in content_type and "xml" not in content_type:
        return _page(banner + f"<pre>{html.escape(text)}</pre>")
    try:
        doc = lxml.html.document_fromstring(text.replace("\x00", "")) if text.strip() else None
    except (etree.ParserError, ValueError):
        doc = None
    if doc is None:
        return _page(banner + "<p>(empty page)</p>")
    doc = _CLEANER.clean_html(doc)
    _neutralise(doc)
    body = doc.find("body")
    if body is None:
        body = doc
    head = doc.find("head")
    styles = "".join(
        etree.tostring(el, encoding="unicode", method="html") for el in (head.iter("style") if head is not None else [])
    )
    inner = "".join(etree.tostring(child, encoding="unicode", method="html") for child in body)
    title = doc.findtext(".//title") or response.url
    return _page(banner + (body.text and html.escape(body.text) or "") + inner, title=title, styles=styles)


def _neutralise(doc) -> None:
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in list(el.attrib):
            name = attr.lower()
            if name.startswith("on"):
                del el.attrib[attr]
            elif name in _URL_ATTRS:
                value = el.attrib[attr]
                if el.tag == "a" and name == "href":
                    el.set("title", value[:500])
                if not (el.tag == "img" and name == "src" and value.strip().lower().startswith("data:image/")):
                    del el.attrib[attr]
            elif name == "style":
                el.set(attr, _CSS_URL.sub("", el.attrib[attr]))
        if el.tag == "style" and el.text:
            el.text = _CSS_URL.sub("", el.text)


def _page(body: str, *, title: str = "Archived page", styles: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="referrer" content="no-referrer">'
        f"{styles}</head><body>{body}</body></html>"
    )
