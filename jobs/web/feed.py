"""Atom 1.0 (RFC 4287) documents for a search: one entry per story hit, and the exact number
of hits as OpenSearch 1.1's totalResults."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from jobs.output import iso, plain

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
# characters XML 1.0 does not allow, which scraped text sometimes carries
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: Any) -> str:
    return _NOT_XML.sub("", str(text or ""))


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _clean(text)
    return el


def atom(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    html_url: str,
    base_url: str,
    results: list[dict[str, Any]],
    total: int,
) -> bytes:
    """The feed document. ``results`` are search hits with regions and dimensions, ``total``
    the number of hits of the whole search; ``base_url`` (ending in "/") starts the address
    of each entry's article page."""
    ET.register_namespace("", ATOM)
    ET.register_namespace("opensearch", OPENSEARCH)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    dates = [r["published"] for r in results if r.get("published")]
    updated = max(dates) if dates else datetime(2000, 1, 1, tzinfo=UTC)
    _sub(feed, "updated", iso(updated))
    _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=html_url, type="text/html")
    author = _sub(feed, "author")
    _sub(author, "name", "kabar")
    _sub(feed, "generator", "kabar")
    ET.SubElement(feed, f"{{{OPENSEARCH}}}totalResults").text = str(total)
    ordered = sorted(results, key=lambda r: r.get("published") or updated, reverse=True)
    for hit in ordered:
        entry = _sub(feed, "entry")
        page = f"{base_url}article/{hit['id']}"
        _sub(entry, "id", page)
        _sub(entry, "title", hit.get("title") or hit["url"], type="text")
        _sub(entry, "link", rel="alternate", href=page, type="text/html")
        _sub(entry, "link", rel="related", href=hit["url"], title=hit["source"])
        published = hit.get("published")
        _sub(entry, "updated", iso(published or updated))
        if published:
            _sub(entry, "published", iso(published))
        entry_author = _sub(entry, "author")
        _sub(entry_author, "name", hit["source"])
        outlets = [hit["source"], *hit.get("also_in", [])]
        summary = plain(hit.get("snippet"))
        if len(outlets) > 1:
            summary += f" (also in {', '.join(outlets[1:])})"
        _sub(entry, "summary", summary, type="text")
        for dimension in hit.get("dimensions", []):
            _sub(entry, "category", term=dimension, label=f"smart {dimension}")
        for region in hit.get("regions", []):
            _sub(entry, "category", term=region["code"], label=region["name"], scheme="https://www.bps.go.id/")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
