"""The kabar crawler: Scrapy spider, pipelines and pure extraction code."""

__version__ = "0.1.0"
