"""A small per-build cache of rendered documents and pages.

A published build never changes, so a page rendered once is right for as long as
that build is served; the cache lives in the build (``PublishedBuild.cache``) and goes
when a new build is opened. Hub pages, which take the most queries, are also the most
visited, so this is where it pays.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from server.store import PublishedBuild

MAX_ENTRIES = 2048


@dataclass(frozen=True)
class Rendered:
    """What a view produced: the body, its media type and the headers that go with it."""

    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]


_LOCK = threading.Lock()
T = TypeVar("T")


def rendered(build: PublishedBuild, key: Hashable, render: Callable[[], Rendered]) -> Rendered:
    """The cached rendering for ``key`` in this build, rendering it on first use."""
    return memoized(build, ("rendered", key), render)


def memoized(build: PublishedBuild, key: Hashable, compute: Callable[[], T]) -> T:
    """The value for ``key`` in this build, computed on first use (least recently used go
    first when there are more than MAX_ENTRIES).

    One thread computes a key while the others asking for it wait for it (a burst of
    requests for a cold hub page renders it once, not once per request).
    """
    with _LOCK:
        entries: OrderedDict[Hashable, Any] = build.cache.setdefault("rendered", OrderedDict())
        if key in entries:
            entries.move_to_end(key)
            return entries[key]  # type: ignore[no-any-return]
        pending: dict[Hashable, threading.Lock] = build.cache.setdefault("rendering", {})
        lock = pending.setdefault(key, threading.Lock())
    with lock:  # the first thread renders; the others wait here, then find the result
        with _LOCK:
            if key in entries:
                return entries[key]  # type: ignore[no-any-return]
        made = compute()
        with _LOCK:
            entries[key] = made
            pending.pop(key, None)
            while len(entries) > MAX_ENTRIES:
                entries.popitem(last=False)
    return made
