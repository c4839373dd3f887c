"""The search index: every label and alternative name of a build, in an SQLite FTS5 table.

Written once by the build (``build/<stamp>/search.sqlite``) and opened read-only by
the server, so a search costs one indexed lookup however large the graph is; the
store is never scanned per request. Values are always bound (``?`` parameters);
the FTS5 match expression is made only of the query's word characters.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.queries import load
from kg.store import OxigraphStore
from kg.uris import Uris

INDEX_FILE = "search.sqlite"

_SCHEMA = """
CREATE TABLE entities (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
                       kind TEXT NOT NULL);
CREATE VIRTUAL TABLE names USING fts5(name, entity UNINDEXED, is_label UNINDEXED,
                                      tokenize = 'unicode61 remove_diacritics 2');
"""

# Best first: the whole name typed, then a name that starts with it, then bm25 relevance;
# a label beats an alternative name. rank (bm25) is negative: lower is better.
_SEARCH = """
WITH hits AS MATERIALIZED (SELECT entity, name, is_label, rank AS relevance
              FROM names WHERE names MATCH :match)
SELECT e.iri, e.label, e.kind, MIN(
         hits.relevance
         - CASE WHEN lower(hits.name) = lower(:text) THEN 1000
                WHEN lower(hits.name) LIKE lower(:text) || '%' ESCAPE '\\' THEN 100 ELSE 0 END
         - CASE WHEN hits.is_label THEN 1 ELSE 0 END) AS score,
       hits.name AS matched
FROM hits JOIN entities e ON e.id = hits.entity
GROUP BY e.id
ORDER BY score, e.label
LIMIT :limit OFFSET :offset
"""
_COUNT = "SELECT COUNT(DISTINCT entity) FROM names WHERE names MATCH :match"


@dataclass(frozen=True)
class Hit:
    """One entity found: its IRI, label, kind and the name that matched."""

    iri: str
    label: str
    kind: str
    matched: str


def match_expression(text: str) -> str | None:
    """The FTS5 query for what a user typed: every word, as a prefix, all required.

    >>> match_expression('Wang  pi')
    '"wang"* "pi"*'
    >>> match_expression('") OR name:*') is None
    False
    >>> match_expression('  !? ') is None
    True
    """
    words = re.findall(r"\w+", text.lower())
    return " ".join(f'"{w}"*' for w in words) if words else None


def write_index(store: OxigraphStore, path: Path, uris: Uris) -> int:
    """Index every label and alternative name of our things; return how many things."""
    entities: dict[str, tuple[int, str, str]] = {}
    names: list[tuple[str, int, int]] = []
    for row in store.select(load("names")):
        iri = row["s"].value
        local = uris.split(iri)
        if local is None or "#" in iri or not isinstance(row["s"], ox.NamedNode):
            continue
        name, is_label = row["name"].value, row["is_label"].value == "true"
        if iri not in entities:
            entities[iri] = (len(entities) + 1, name, local[0])
        elif is_label:
            entities[iri] = (entities[iri][0], name, local[0])
        names.append((name, entities[iri][0], int(is_label)))
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executescript(_SCHEMA)
            connection.executemany("INSERT INTO entities VALUES (?, ?, ?, ?)",
                                   [(i, iri, label, kind) for iri, (i, label, kind) in entities.items()])
            connection.executemany("INSERT INTO names VALUES (?, ?, ?)", names)
            connection.execute("INSERT INTO names(names) VALUES ('optimize')")
    finally:
        connection.close()
    return len(entities)


class SearchIndex:
    """A build's search index, opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def search(self, text: str, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]:
        """(how many things match, the hits from ``offset``), best first."""
        match = match_expression(text)
        if match is None or not self.path.exists():
            return 0, []
        like = re.sub(r"([\\%_])", r"\\\1", text.strip())
        connection = self._connect()
        try:
            total = connection.execute(_COUNT, {"match": match}).fetchone()[0]
            rows = connection.execute(_SEARCH, {"match": match, "text": like,
                                                "limit": limit, "offset": offset}).fetchall()
        finally:
            connection.close()
        return int(total), [Hit(iri, label, kind, matched) for iri, label, kind, _, matched in rows]

    def count(self) -> int:
        """How many things the index holds."""
        if not self.path.exists():
            return 0
        connection = self._connect()
        try:
            return int(connection.execute("SELECT COUNT(*) FROM entities").fetchone()[0])
        finally:
            connection.close()

    def iris(self, limit: int, offset: int = 0) -> list[str]:
        """IRIs of indexed things in a stable order (for the sitemap)."""
        if not self.path.exists():
            return []
        connection = self._connect()
        try:
            rows = connection.execute("SELECT iri FROM entities ORDER BY id LIMIT ? OFFSET ?",
                                      (limit, offset)).fetchall()
        finally:
            connection.close()
        return [iri for (iri,) in rows]
