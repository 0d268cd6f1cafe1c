"""A bare Scrapy spider that only fetches a list of URLs (no parsing, no archive, no pipelines),
with the concurrency a ``kabar crawl`` of the example config has (8 requests at a time per site,
each site its own download slot, kabar's downloader): the baseline that shows what fetching
alone costs. Usage: ``python -m bench.fetchonly URLS_FILE`` (one URL a line); prints the count."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess

SETTINGS = {
    "CONCURRENT_REQUESTS": 6 * 16,  # kabar's 16 per crawl of one source, six sources
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,  # the example config's
    "DOWNLOADER": "crawler.downloader.SlotLimitedDownloader",
    "CONCURRENT_ITEMS": 1,  # kabar's (Scrapy's 100 spends CPU on asyncio tasks per response)
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
}


class FetchOnly(scrapy.Spider):
    name = "fetchonly"

    def __init__(self, urls: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.fetched = 0

    async def start(self):
        for url in self.urls:
            # the sites share 127.0.0.1: a slot per port, as each kabar spider has its own
            yield scrapy.Request(url, dont_filter=True, meta={"download_slot": urlsplit(url).netloc})

    def parse(self, response):
        self.fetched += 1
        return None


def main(path: str) -> int:
    urls = Path(path).read_text().split()
    process = CrawlerProcess(SETTINGS)
    crawler = process.create_crawler(FetchOnly)
    process.crawl(crawler, urls=urls)
    process.start()
    print(crawler.spider.fetched)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
