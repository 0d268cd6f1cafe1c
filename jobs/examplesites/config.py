"""Write the kabar ``sources.toml`` that points at running example sites."""

from __future__ import annotations

from collections.abc import Mapping

from .sites import SITES

DEFAULT_BASE_PORT = 8701


def default_bases(base_port: int = DEFAULT_BASE_PORT) -> dict[str, str]:
    """Base URLs of the sites on consecutive ports from ``base_port`` (site order of SITES)."""
    return {key: f"http://127.0.0.1:{base_port + i}/" for i, key in enumerate(SITES)}


def _q(value: str) -> str:
    """A TOML literal string when possible (regexes), else a basic string."""
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def sources_toml(bases: Mapping[str, str], *, header: str | None = None) -> str:
    """A complete kabar sources.toml for the example sites at ``bases`` (site key -> base URL)."""
    lines = [
        header or "# kabar sources for the bundled example sites (jobs/examplesites), served on 127.0.0.1.",
        "# Every article is archived (min_score = 0) so the demo shows the whole test bed.",
        "",
        "[relevance]",
        "min_score = 0",
        "",
        "# The sites are local: politeness lifted so a crawl takes seconds.",
        "[crawl]",
        "download_delay = 0",
        "concurrent_requests_per_domain = 8",
        "autothrottle = false",
    ]
    for key, site in SITES.items():
        base = bases[key].rstrip("/")
        listings = [base + site.listing]  # the crawler follows the pagination itself
        lines += [
            "",
            f"# {site.name}: {site.tagline}",
            "[[sources]]",
            f'name = "{key}"',
            f'url = "{base}/"',
            f"feeds = {_list([base + site.feed])}",
            f"sitemaps = {_list([base + p for p in site.sitemaps])}",
            f"listings = {_list(listings)}",
            f"article_pattern = {_q(site.article_pattern)}",
        ]
        if site.region:
            lines.append(f'region = "{site.region}"')
        lines.append(f'schedule = {{ every = "{site.schedule}" }}')
    return "\n".join(lines) + "\n"
