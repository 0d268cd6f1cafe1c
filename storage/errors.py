"""Errors a user can cause in the storage layer, each carrying one clear message."""

from __future__ import annotations


class StorageError(Exception):
    """The archive cannot be opened or used (bad URL, unreachable database, bad schema)."""


class QueryError(StorageError):
    """A search query that cannot be understood; the message says what is wrong."""
