"""Log lines about items that name the page, not the whole item (which holds the raw body)."""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter


def _label(item: Any) -> str:
    url = getattr(item, "url", None)
    return str(url) if url is not None else type(item).__name__


class PageLogFormatter(LogFormatter):
    """Scrapy's formatter with items shown by their URL."""

    def scraped(self, item, response, spider):
        result = super().scraped(item, response, spider)
        result["args"] = {**result["args"], "item": _label(item)}
        return result

    def dropped(self, item, exception, response, spider):
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        return result

    def item_error(self, item, exception, response, spider):
        result = super().item_error(item, exception, response, spider)
        result["args"] = {**result["args"], "item": _label(item)}
        return result
