"""Preloaded by the extraction workers' fork server (:mod:`crawler.extractpool`): extracts and
tags one small page at import, so that every worker forked from the server starts with
trafilatura's stop lists, compiled patterns and lazy imports, the shipped relevance vocabulary,
the gazetteer and the MinHash permutations ready instead of building them per worker (about a
second of CPU each)."""

from crawler.extractpool import analyse

_PAGE = (
    b"<html lang='id'><head><title>Kabar</title></head><body><article><h1>Kabar</h1>"
    + b"<p>Pemerintah kabupaten meluncurkan layanan kota cerdas untuk warga pada Senin (1/6/2026).</p>" * 8
    + b"</article></body></html>"
)

analyse(_PAGE, "http://localhost/2026/06/01/kabar", None, tag_with=None)
