"""The search index: a tantivy index of the archive's articles, kept in step with the archive
(which stays the record) through the ``search_changes`` queue its triggers fill, answering
search, count and counts with the same definitions as storage.query and storage.counts, fast
at any size (BM25 top-k without ranking every match, exact counts from term aggregations).

Modules: ``schema`` (fields, one article's document), ``rows`` (what is read from the
archive), ``translate`` (requests as tantivy queries), ``read`` (search, count, counts),
``index`` (SearchIndex: the directory, sync and rebuild, one writer at a time).
"""

from storage.searchindex.index import SearchIndex, SyncReport

__all__ = ["SearchIndex", "SyncReport"]
