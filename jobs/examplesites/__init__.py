"""The bundled example news sites: stories as data, six site templates, an HTTP server.

See README.md in this directory for the sites, URL schemes and story format. What a perfect
extractor returns for each page (the gold) is the tests' business: tests/support/gold.py.
"""

from .server import ExampleSites, Request
from .sites import SITES, Site, article_path
from .stories import Copy, Story, StoryError, load_stories

__all__ = [
    "SITES",
    "Copy",
    "ExampleSites",
    "Request",
    "Site",
    "Story",
    "StoryError",
    "article_path",
    "load_stories",
]
