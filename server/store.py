"""The published build, opened read-only and re-opened when ``current`` moves (flaskr's get_db).

A new build is picked up without a restart: each request checks where the
``current`` link points (one readlink) and, when it has moved, opens the new
store. A request never sees half a build, since builds are complete before the
link moves.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from kg.build import CURRENT, read_manifest
from kg.config import Settings
from kg.errors import NoBuild
from kg.hubs import HUBS_FILE, HubAnswers
from kg.publish import published_build
from kg.remote import Endpoint, RemoteRunner, RemoteStore
from kg.runner import QueryPool
from kg.search import INDEX_FILE, SearchIndex
from kg.store import OxigraphStore
from kg.uris import Uris
from kg.vocab import PREFIXES


REMOTE_CHECK = 10.0  # seconds between asking a remote store which build it holds


@dataclass
class PublishedBuild:
    """One opened build: its store, manifest and the URL scheme it was built with."""

    folder: Path
    store: OxigraphStore | RemoteStore  # the same questions, answered the same way
    manifest: dict[str, Any]
    uris: Uris
    cache: dict[str, Any] = field(default_factory=dict)  # per-build memo (counts, labels)

    @property
    def name(self) -> str:
        return str(self.manifest["build"])

    @property
    def built_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(str(self.manifest["built_at"]))

    @property
    def dumps_dir(self) -> Path:
        return self.folder / "dumps"

    @property
    def search(self) -> SearchIndex:
        return SearchIndex(self.folder / INDEX_FILE)

    @property
    def hubs(self) -> HubAnswers:
        """Answers the build precomputed for hubs (kg/hubs.py); none in older builds. With a
        remote store, only while it holds this very build: between `kg build` and the
        `kg publish` that follows, the live queries answer, so a page never mixes two builds."""
        if isinstance(self.store, RemoteStore) and not self._remote_holds_this_build():
            return HubAnswers(None)
        return HubAnswers(self.folder / HUBS_FILE)

    def _remote_holds_this_build(self) -> bool:
        """Asked of the remote store at most every REMOTE_CHECK seconds."""
        assert isinstance(self.store, RemoteStore)
        checked: tuple[float, bool] | None = self.cache.get("remote_holds_build")
        now = time.monotonic()
        if checked is None or now - checked[0] > REMOTE_CHECK:
            held = published_build(self.store, self.uris.base) == self.name
            checked = self.cache["remote_holds_build"] = (now, held)
        return checked[1]


class BuildHolder:
    """Holds the opened build and swaps it when the ``current`` link changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.link = settings.build_dir / CURRENT
        self._lock = threading.Lock()
        self._target: str | None = None
        self._build: PublishedBuild | None = None

    def get(self) -> PublishedBuild:
        try:
            target = os.readlink(self.link)
        except OSError:
            raise NoBuild(f"no published build at {self.link}: run `kg build` first") from None
        build = self._build
        if build is not None and target == self._target:
            return build
        with self._lock:
            if self._build is None or target != self._target:
                self._build = _open(self.link.parent / target, self.settings)
                self._target = target
            return self._build


def _open(folder: Path, settings: Settings) -> PublishedBuild:
    """The build's manifest and dumps from its folder; its triples from the configured store."""
    manifest = read_manifest(folder)
    store: OxigraphStore | RemoteStore
    if settings.store == "sparql":
        store = RemoteStore(remote_endpoint(settings), PREFIXES)
    else:
        store = OxigraphStore.open_read_only(folder / "store", PREFIXES)
    return PublishedBuild(folder, store, manifest, Uris(str(manifest["base_uri"])))


def remote_endpoint(settings: Settings) -> Endpoint:
    return Endpoint(settings.sparql_query_url, settings.sparql_update_url or None,
                    settings.sparql_user or None, settings.sparql_password or None,
                    timeout=settings.query_timeout)


class PoolHolder:
    """The query worker pool of this server process, started on the first SPARQL query."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: QueryPool | RemoteRunner | None = None
        self._lock = threading.Lock()

    def get(self) -> QueryPool | RemoteRunner:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = self._start()
                    atexit.register(self._pool.close)
        return self._pool

    def _start(self) -> QueryPool | RemoteRunner:
        if self.settings.store == "sparql":
            endpoint = remote_endpoint(self.settings)
            return RemoteRunner(RemoteStore(endpoint, PREFIXES), self.settings.query_timeout)
        return QueryPool(self.settings.max_concurrent_queries, self.settings.query_timeout,
                         PREFIXES, queue_wait=min(self.settings.query_timeout / 2, 5.0),
                         memory_mb=self.settings.query_memory,
                         planner=self.settings.query_planner == "on")


def init_app(app: Flask) -> None:
    app.extensions["kg_build"] = BuildHolder(app.config["KG"])
    app.extensions["kg_pool"] = PoolHolder(app.config["KG"])


def get_pool() -> QueryPool | RemoteRunner:
    """The pool that runs this process's SPARQL endpoint queries."""
    holder: PoolHolder = current_app.extensions["kg_pool"]
    return holder.get()


def get_build() -> PublishedBuild:
    """The build that answers this request."""
    holder: BuildHolder = current_app.extensions["kg_build"]
    return holder.get()
