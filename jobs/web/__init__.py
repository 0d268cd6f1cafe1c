"""``kabar serve``: the read-only web application over the archive (FastAPI, server-rendered
Jinja2 pages, a JSON API under /api/, Atom feeds). Everything it shows comes from
storage.query; see docs/web.md."""

from jobs.web.app import create_app

__all__ = ["create_app"]
