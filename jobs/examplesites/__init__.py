"""The bundled example news sites: stories as data, six site templates, an HTTP server, gold.

See README.md in this directory for the sites, URL schemes and story format.
"""

from .gold import copy_gold, gold_copies, write_gold
from .server import ExampleSites, Request
from .sites import SITES, Site, article_path
from .stories import Copy, Story, StoryError, load_stories

__all__ = [
    "SITES", "Copy", "ExampleSites", "Request", "Site", "Story", "StoryError", "article_path",
    "copy_gold", "gold_copies", "load_stories", "write_gold",
]
