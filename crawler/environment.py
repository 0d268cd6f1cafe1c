"""The environment variables a crawl honours, laid over ``crawler/settings.py`` by a Scrapy add-on.

``crawler/settings.py`` is plain data; :class:`EnvironmentSettings` (listed in its ``ADDONS``)
reads the environment once, when the crawl process's settings are built (before any crawler or
run record exists, so a bad value stops the crawl with one clear line), whoever starts the
crawl: ``kabar crawl``, ``scrapy crawl news -a source=NAME`` or a Scrapyd node. The values take
the settings module's priority, so ``-s NAME=VALUE`` and the spider's own settings beat them.
(KABAR_DATABASE_URL, KABAR_CONFIG and KABAR_DATA_DIR are read by ``crawler.config.resolve``.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from scrapy.settings import BaseSettings

from crawler.config import ConfigError

#: Environment variable -> the Scrapy setting it overrides (a number of seconds each).
SECONDS_FROM_ENVIRONMENT = {
    "KABAR_DOWNLOAD_TIMEOUT": "DOWNLOAD_TIMEOUT",
    "KABAR_RETRY_BACKOFF": "KABAR_RETRY_BACKOFF",
    "KABAR_RETRY_MAX_DELAY": "KABAR_RETRY_MAX_DELAY",
}


def environment_settings(environ: Mapping[str, str]) -> dict[str, float]:
    """The settings ``environ`` overrides; an unset or empty variable overrides nothing."""
    settings = {}
    for variable, setting in SECONDS_FROM_ENVIRONMENT.items():
        value = environ.get(variable)
        if not value:
            continue
        try:
            settings[setting] = float(value)
        except ValueError:
            raise ConfigError(f"{variable}: expected a number of seconds, not {value!r}") from None
    return settings


class EnvironmentSettings:
    """Scrapy add-on: apply :func:`environment_settings` of this process's environment."""

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        settings.setdict(environment_settings(os.environ), priority="project")
