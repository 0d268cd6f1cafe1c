"""``kabar sources add`` and ``kabar sources check``: find a site's feeds, sitemaps and listing
pages from its homepage, and tell whether each configured source still yields articles.

``fetch`` is the only module that touches the network; ``discover`` and ``pattern`` are pure;
``add`` and ``check`` drive them with a fetcher passed in; ``configfile`` writes sources.toml;
``rules`` holds the vocabulary and thresholds.
"""
