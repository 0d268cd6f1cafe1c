"""Twisted Deferreds driven by hand in tests (no reactor running)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from twisted.internet.defer import Deferred


def fired(deferreds: Iterable[Deferred]) -> list[Any]:
    """What each Deferred fires with (a result or a Failure), appended as it fires."""
    out: list[Any] = []
    for d in deferreds:
        d.addBoth(out.append)
    return out
