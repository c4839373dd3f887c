"""Precomputed answers for hubs: the page queries whose cost grows with a thing's links.

A hub (an organization mentioned by thousands of releases) makes its page's section
queries (posts, quotes, claims, timeline: ORDER BY over every release that mentions it)
and its link counts cost seconds on a first view. Their answers never change within a
build, so the build computes them once for every thing with at least ``MIN_LINKS``
links and keeps them in ``hubs.sqlite`` next to the search index; the server reads them
from there, whichever store answers the rest of its questions (embedded or Virtuoso),
and runs the query itself for everything else. The answers are those of the very
queries the server would run (``kg/queries/*.rq`` with the same LIMIT), kept as SPARQL
JSON results, so a page is the same with or without the file. Posts are the one reading
the server makes of its query's rows (:func:`posts`: the first 200 posts, merged and
ordered in Python), kept as that reading.

The pages of a hub's links (``incoming_links.rq``, ``evidence_links.rq``, PAGE_SIZE a page)
are kept too, in the order the embedded store reads them: a remote store promises no order,
so the server sorts every link of the thing to cut one page out (at 100,000 releases, a hub's
106,056 links and 60,809 spans: 0.26 s a page on Virtuoso). Read from here, a hub's pages
are cheap and the same on both stores.

The build calls :func:`write_hubs` once its store is complete; anything that changes a
store after the build must write the file again.
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from kg.queries import load
from kg.store import Answers, OxigraphStore, Row, rows_of
from kg.vocab import sparql_prologue

HUBS_FILE = "hubs.sqlite"
MIN_LINKS = 100  # as many as a page of links (PAGE_SIZE): below, the live queries take a few ms

# (named query, LIMIT the server adds or None; for posts, how many posts :func:`posts` keeps):
# the per-thing queries whose cost grows with the thing's links. The server looks answers up
# by the same pair, so a LIMIT changed on one side only means a miss (the live query), never
# a wrong answer.
QUERIES: tuple[tuple[str, int | None], ...] = (
    ("posts", 200), ("quotes", 200), ("claims", 200), ("timeline", 100),
    ("timeline_count", None), ("incoming_count", None), ("evidence_count", None),
)
# CONSTRUCT queries kept as N-Triples: outgoing.rq reads every evidence link of a hub only to
# leave them out (12 ms at 100,000 releases, the page's slowest query once the rest is here).
CONSTRUCTS: tuple[str, ...] = ("outgoing",)
# Paged queries (the server adds LIMIT PAGE_SIZE OFFSET k; a remote store also an ORDER BY):
# every page of a hub's, as the embedded store answers them, in the table ``pages``.
PAGED: tuple[str, ...] = ("incoming_links", "evidence_links")
PAGE_SIZE = 100  # links per page of a document or an HTML page (server.describe pages by it)

# Things with many links by the predicates the costly queries follow, most first. The
# threshold is a whole number of ours, formatted in; nothing else is.
_HUBS = """
SELECT ?this (COUNT(*) AS ?n) WHERE {
  VALUES ?p { pf:mentions pf:about pf:claimSubject pf:speaker pf:heldBy pf:postIn }
  ?s ?p ?this .
} GROUP BY ?this HAVING (COUNT(*) >= %d) ORDER BY DESC(?n)
"""

_SCHEMA = """
CREATE TABLE answers (iri TEXT NOT NULL, query TEXT NOT NULL, results BLOB NOT NULL,
                      PRIMARY KEY (iri, query)) WITHOUT ROWID;
CREATE TABLE pages (iri TEXT NOT NULL, query TEXT NOT NULL, page INTEGER NOT NULL,
                    results BLOB NOT NULL, PRIMARY KEY (iri, query, page));
"""
# pages.results is SPARQL JSON compressed with zlib (a twentieth of its size: the hubs' pages
# hold a million links at 100,000 releases, whose IRIs repeat a few prefixes). A rowid table:
# without rowid, rows of a kilobyte took 40 MB there instead of 15.


def query_key(name: str, limit: int | None) -> str:
    """How an answer is filed: the query's name and the LIMIT it runs with.

    >>> query_key("timeline", 100), query_key("timeline_count", None)
    ('timeline LIMIT 100', 'timeline_count')
    """
    return name if limit is None else f"{name} LIMIT {int(limit)}"


def query_text(name: str, limit: int | None) -> str:
    """The text the server runs for ``name`` (the named query, then its LIMIT)."""
    return load(name) if limit is None else load(name) + f" LIMIT {int(limit)}"


def hubs(store: OxigraphStore, min_links: int = MIN_LINKS) -> list[str]:
    """IRIs of the things with at least ``min_links`` links, most linked first."""
    rows = store.select(sparql_prologue() + _HUBS % int(min_links))
    return [row["this"].value for row in rows if isinstance(row["this"], ox.NamedNode)]


def write_hubs(store: OxigraphStore, folder: Path, min_links: int = MIN_LINKS,
               threads: int = 2, stop: threading.Event | None = None) -> int:
    """Write ``folder/hubs.sqlite`` with the answers of QUERIES and CONSTRUCTS and every page
    of the PAGED queries for every hub; return how many hubs. ``store`` is the build's
    complete store (read-only is enough). Oxigraph lets go of the GIL while it evaluates, so
    ``threads`` hubs are worked out at once. Once ``stop`` is set (the build failed
    elsewhere) no further hub is worked out."""
    path = folder / HUBS_FILE
    path.unlink(missing_ok=True)
    found = hubs(store, min_links)
    connection = sqlite3.connect(path)
    try:
        with connection, ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            connection.executescript(_SCHEMA)
            for rows, pages in pool.map(
                    lambda iri: ([], []) if stop and stop.is_set() else _answers(store, iri), found):
                connection.executemany("INSERT INTO answers VALUES (?, ?, ?)", rows)
                connection.executemany("INSERT INTO pages VALUES (?, ?, ?, ?)", pages)
    finally:
        connection.close()
    return len(found)


def _answers(store: OxigraphStore, iri: str
             ) -> tuple[list[tuple[str, str, bytes]], list[tuple[str, str, int, bytes]]]:
    """One hub's rows: (IRI, query key, the answer as SPARQL JSON results) for ``answers``,
    and (IRI, query key, page number, a page's answer compressed) for ``pages``."""
    this = {"this": ox.NamedNode(iri)}
    rows = []
    for name, limit in QUERIES:
        answer = (_posts_json(store, iri, int(limit)) if name == "posts" and limit else
                  _json(store, sparql_prologue() + query_text(name, limit), this))
        if answer is not None:
            rows.append((iri, query_key(name, limit), answer))
    for name in CONSTRUCTS:
        triples = store.construct(sparql_prologue() + load(name), this)
        rows.append((iri, name, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)))
    pages = [(iri, query_key(name, PAGE_SIZE), number, zlib.compress(page))
             for name in PAGED for number, page in _pages(store, name, iri)]
    return rows, pages


POST_FACTS = ("title", "person", "org")


def first_posts(rows: list[Row], limit: int) -> list[Row]:
    """The first ``limit`` posts of a ``posts.rq`` answer by title (untitled ones first, as
    SPARQL orders unbound values), then IRI, each in one row with the first of its titles,
    holders and organizations in code-point order. The query answers a row per fact of a
    post, so that a store holding each fact once per release graph does not multiply them."""
    merged: dict[str, Row] = {}
    for row in rows:
        kept = merged.setdefault(row["post"].value, {"this": row["this"], "post": row["post"]})
        for name in POST_FACTS:
            if name in row and (name not in kept or row[name].value < kept[name].value):
                kept[name] = row[name]
    ordered = sorted(merged.values(), key=lambda row: (
        "title" in row, row["title"].value if "title" in row else "", row["post"].value))
    return ordered[:limit]


def posts(store: Answers, iri: str, limit: int) -> list[Row]:
    """:func:`first_posts` of ``iri`` live, on either store: the site's reading of its posts."""
    return first_posts(store.select(sparql_prologue() + load("posts"), {"this": ox.NamedNode(iri)}),
                       limit)


def _posts_json(store: OxigraphStore, iri: str, limit: int) -> bytes | None:
    """A hub's :func:`posts` as SPARQL JSON, or None when a term is a blank node (VALUES
    cannot carry one: no answer is kept, and the page asks live). Kept whole, all of a hub's
    rows were a 30,000-row answer to parse at its first view (about 0.3 s at 100,000
    releases). The rows go back through the store as VALUES, so that they are written as
    any other answer."""
    rows = posts(store, iri, limit)
    if any(isinstance(term, ox.BlankNode) for row in rows for term in row.values()):
        return None
    names = ["this", "post", *POST_FACTS]
    data = " ".join("(" + " ".join(str(row[n]) if n in row else "UNDEF" for n in names) + ")"
                    for row in rows)
    variables = " ".join(f"?{n}" for n in names)
    return _json(store, f"SELECT {variables} WHERE {{ VALUES ({variables}) {{ {data} }} }}", {})


def _json(store: OxigraphStore, query: str, bindings: dict[str, ox.NamedNode]) -> bytes:
    """A SELECT's answer as SPARQL JSON. The pyoxigraph result never leaves this call: if a
    later query of the hub failed, a result still held by the caller's frame would travel
    with the error to another thread, and it may only be freed on the one that made it."""
    result = store.run(query, bindings)
    assert isinstance(result, ox.QuerySolutions)
    return result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[no-any-return]


def _pages(store: OxigraphStore, name: str, iri: str) -> list[tuple[int, bytes]]:
    """(number, SPARQL JSON) of every page of ``name`` for ``iri``: the query run once, cut
    into pages. The embedded store reads the query in the same order whatever LIMIT and
    OFFSET follow, so page n is what ``LIMIT PAGE_SIZE OFFSET (n-1)*PAGE_SIZE`` answers
    (running each page instead would skip over every earlier page once more)."""
    document = json.loads(_json(store, sparql_prologue() + load(name), {"this": ox.NamedNode(iri)}))
    head, bindings = document["head"], document["results"]["bindings"]
    return [(start // PAGE_SIZE + 1,
             json.dumps({"head": head, "results": {"bindings": bindings[start:start + PAGE_SIZE]}},
                        separators=(",", ":")).encode("utf-8"))
            for start in range(0, len(bindings), PAGE_SIZE)]


class HubAnswers:
    """A build's precomputed answers, opened read-only; a miss is None (run the query).
    Without a path every question is a miss."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _answer(self, iri: str, key: str) -> bytes | None:
        return self._fetch("SELECT results FROM answers WHERE iri = ? AND query = ?", (iri, key))

    def _fetch(self, sql: str, parameters: tuple[str | int, ...]) -> bytes | None:
        """The one blob ``sql`` finds, or None (no file, no row, or a table that a file
        written before it existed lacks)."""
        if self.path is None or not self.path.exists():
            return None
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            found = connection.execute(sql, parameters).fetchone()
        except sqlite3.OperationalError as err:
            if "no such table" not in str(err):
                raise
            return None
        finally:
            connection.close()
        return None if found is None else bytes(found[0])

    def construct(self, name: str, iri: str) -> list[ox.Triple] | None:
        """The triples of CONSTRUCT query ``name`` for ``?this`` = ``iri``, as
        ``Store.construct`` gives them, or None when they were not precomputed."""
        found = self._answer(iri, name)
        if found is None:
            return None
        return [quad.triple for quad in ox.parse(found, format=ox.RdfFormat.N_TRIPLES)]

    def select(self, name: str, iri: str, limit: int | None = None) -> list[Row] | None:
        """The rows of ``name`` (with ``limit``) for ``?this`` = ``iri``, as
        ``Store.select`` gives them, or None when they were not precomputed."""
        found = self._answer(iri, query_key(name, limit))
        return None if found is None else _rows(found)

    def page(self, name: str, iri: str, limit: int, offset: int) -> list[Row] | None:
        """The rows of paged query ``name`` with ``LIMIT limit OFFSET offset`` for ``?this`` =
        ``iri``, as the embedded store gives them, or None when that page was not
        precomputed (not a hub, a page past the last, another page size)."""
        if limit != PAGE_SIZE or offset % PAGE_SIZE:
            return None
        found = self._fetch("SELECT results FROM pages WHERE iri = ? AND query = ? AND page = ?",
                            (iri, query_key(name, limit), offset // PAGE_SIZE + 1))
        return None if found is None else _rows(zlib.decompress(found))


def _rows(results: bytes) -> list[Row]:
    """SPARQL JSON results as ``Store.select`` gives rows (unbound variables left out)."""
    solutions = ox.parse_query_results(io.BytesIO(results), format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    return rows_of(solutions)
