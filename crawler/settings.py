"""Scrapy settings of the kabar crawler: what runs, in what order, and how politely.

Plain data, read by every way of starting a crawl. The CLI overrides a few of these per run
(database, config, trigger); the spider applies the politeness of ``[crawl]`` in sources.toml;
the environment is read once, when a crawler's settings are built, by the add-on in ``ADDONS``
(crawler/environment.py). ``scrapy crawl news -a source=NAME`` takes the database and config
from KABAR_DATABASE_URL / KABAR_CONFIG / KABAR_DATA_DIR (``crawler.config.resolve``).
"""

from crawler import __version__
from storage.location import WARC_MAX_BYTES

BOT_NAME = "kabar"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = f"kabar/{__version__} (+https://github.com/kabar-news/kabar; smart-city news archiver)"
ROBOTSTXT_OBEY = True

# Politeness per domain; the example config lifts these for the local example sites.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Hostile servers: give up in time, retry a little, never hold a huge body (docs/reliability.md).
# The environment variables KABAR_DOWNLOAD_TIMEOUT, KABAR_RETRY_BACKOFF and KABAR_RETRY_MAX_DELAY
# (seconds) override these three (crawler/environment.py); the tests use them to keep hostile
# pages quick.
DOWNLOAD_TIMEOUT = 30.0
RETRY_ENABLED = True
RETRY_TIMES = 2
KABAR_RETRY_BACKOFF = 1.0  # 1 s, then 2 s
KABAR_RETRY_MAX_DELAY = 60.0  # longer Retry-After: not retried
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control: an HTTP server per crawl that runs the Python code it is sent
# (token-protected, on localhost) and writes a job file to the home directory. Not wanted in a
# crawler that runs unattended, and a crawl worker would start one per run.
REMOTE_CONTROL_ENABLED = False
# Scrapy's downloader with CONCURRENT_REQUESTS_PER_DOMAIN kept without a download delay too
# (crawler/downloader.py).
DOWNLOADER = "crawler.downloader.SlotLimitedDownloader"

# Scrapy starts this many asyncio tasks (and one more) for every response's output; a kabar
# page yields one item (an article page) or only requests (a listing, which are queued at
# once), so one is all it can use. The default of 100 spent more CPU on task set-up than kabar
# spends on storing an article; 8 still cost about 0.8 ms of the crawl process per article.
CONCURRENT_ITEMS = 1
# Downloads pause while this many bytes of pages of a source wait to be extracted and stored
# (Scrapy's default, 5 MB, let some 2,000 pages pile up in front of busy extraction workers:
# 140 MB more memory for no more speed).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000

# New articles are stored a few to a transaction on SQLite (crawler/groupstore.py): those
# handed over within KABAR_STORE_GROUP_DELAY seconds, at most KABAR_STORE_GROUP_SIZE; a size
# of 1 stores each alone. PostgreSQL always stores each alone (its story locks are taken per
# article). StorePipeline falls back on these two when a crawl's settings lack them.
KABAR_STORE_GROUP_SIZE = 32
KABAR_STORE_GROUP_DELAY = 0.05

ITEM_PIPELINES = {
    "crawler.pipelines.extract.ExtractPipeline": 300,
    "crawler.pipelines.relevance.RelevancePipeline": 400,
    "crawler.pipelines.revisit.RevisitPipeline": 450,
    "crawler.pipelines.dedup.DedupPipeline": 500,
    "crawler.pipelines.store.StorePipeline": 800,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RedirectMiddleware": 600,
    "crawler.middlewares.PrivateAddressGuard": 760,  # after HttpProxyMiddleware (750)
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
}
# Scrapy components kabar has no use for, each a cost on every request or item: depth stats
# (listing depth is the spider's own), HTTP auth, meta-copy warnings. (RefererMiddleware
# stays: the redirect middlewares warn on every crawl without it.)
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ADDONS = {
    "crawler.environment.EnvironmentSettings": 0,
}
EXTENSIONS = {
    "crawler.warcarchive.WarcArchive": 50,
    "crawler.runstate.RunRecorder": 100,
}

# WARC archive of every response (crawler/warcarchive.py): files go to <data_dir>/warc/ and a new
# file is started once the current one passes KABAR_WARC_MAX_BYTES.
KABAR_WARC_ENABLED = True
KABAR_WARC_MAX_BYTES = WARC_MAX_BYTES  # 1 GiB; the spider sets [archive] warc_max_mb

# The archive and the source registry: None takes the environment, the file or the default
# (crawler.config.resolve has the precedence rules).
KABAR_DATABASE_URL = None
KABAR_CONFIG = None
KABAR_DATA_DIR = None
KABAR_TRIGGER = "scrapy"
KABAR_BACKFILL = False
KABAR_SINCE = None  # ISO date: with backfill, skip feed and sitemap entries older than this

LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformat.PageLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
