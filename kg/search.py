"""The search index: every label and alternative name of a build, in an SQLite FTS5 table.

Written once by the build (``build/<stamp>/search.sqlite``) and opened read-only by
the server, so a search costs one indexed lookup however large the graph is; the
store is never scanned per request. One FTS row per thing (its label, and its
alternative names one a line), so counting hits is counting rows. Values are always
bound (``?`` parameters); the FTS5 match expression is made only of word characters.
``bench/search.py`` times it at a million things.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.queries import load
from kg.store import OxigraphStore
from kg.uris import Uris

INDEX_FILE = "search.sqlite"
CANDIDATES = 1000  # best bm25 rows re-ranked per search

_SCHEMA = """
CREATE TABLE entities (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, kind TEXT NOT NULL);
CREATE VIRTUAL TABLE names USING fts5(label, alts, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO names(names, rank) VALUES ('rank', 'bm25(2.0, 1.0)');
"""

# The CANDIDATES most relevant things by bm25 (labels weigh twice alternative names), then
# best first: the whole name typed, then a name that starts with it, then relevance.
# rank is negative: lower is better.
_SEARCH = """
WITH hits AS MATERIALIZED (SELECT rowid AS id, label, alts, rank AS relevance
                           FROM names WHERE names MATCH :match ORDER BY rank LIMIT :candidates)
SELECT e.iri, hits.label, e.kind, hits.alts,
       hits.relevance
       - CASE WHEN lower(hits.label) = lower(:text) THEN 1000
              WHEN instr(lower(char(10) || hits.alts || char(10)),
                         lower(char(10) || :text || char(10))) THEN 500
              WHEN lower(hits.label) LIKE lower(:like) || '%' ESCAPE '\\' THEN 100
              ELSE 0 END AS score
FROM hits JOIN entities e ON e.id = hits.id
ORDER BY score, hits.label
LIMIT :limit OFFSET :offset
"""
_COUNT = "SELECT COUNT(*) FROM names WHERE names MATCH :match"


@dataclass(frozen=True)
class Hit:
    """One thing found: its IRI, label, kind and the name that matched."""

    iri: str
    label: str
    kind: str
    matched: str


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    return re.findall(r"\w+", "".join(c for c in folded if not unicodedata.combining(c)))


def match_expression(text: str, loose: bool = False) -> str | None:
    """The FTS5 query for what a user typed: every word, as a prefix, all required.

    Loose, for a second try when nothing matched: any word, each a letter shorter
    (a typo at the end of a word is forgiven).

    >>> match_expression('Wang  pi')
    '"wang"* "pi"*'
    >>> match_expression('wang pingg', loose=True)
    '"wan"* OR "ping"*'
    >>> match_expression('") OR name:*')
    '"or"* "name"*'
    >>> match_expression('  !? ') is None
    True
    """
    words = re.findall(r"\w+", text.lower())
    if not words:
        return None
    if loose:
        return " OR ".join(f'"{w[: max(3, len(w) - 1)]}"*' for w in words)
    return " ".join(f'"{w}"*' for w in words)


def matched_name(text: str, label: str, alts: list[str]) -> str:
    """Which of a thing's names the words match (the label when it does).

    >>> matched_name("shang", "Songjiang District", ["SONGJIANG · SHANGHAI District"])
    'SONGJIANG · SHANGHAI District'
    """
    wanted = _words(text)
    for name in [label, *alts]:
        tokens = _words(name)
        if all(any(t.startswith(w) for t in tokens) for w in wanted):
            return name
    return label


def write_index(store: OxigraphStore, path: Path, uris: Uris) -> int:
    """Index every label and alternative name of our things; return how many things."""
    things: dict[str, tuple[str, str | None, list[str]]] = {}
    for row in store.select(load("names")):
        iri = row["s"].value
        local = uris.split(iri)
        if local is None or "#" in iri or not isinstance(row["s"], ox.NamedNode):
            continue
        kind, label, alts = things.setdefault(iri, (local[0], None, []))
        name = row["name"].value
        if row["is_label"].value == "true" and label is None:
            things[iri] = (kind, name, alts)
        else:
            alts.append(name)
    rows = []
    for number, (iri, (kind, label, alts)) in enumerate(sorted(things.items()), start=1):
        if label is None:  # only alternative names: the first one stands for the label
            label, alts = sorted(alts)[0], sorted(alts)[1:]
        rows.append((number, iri, kind, label, sorted(set(alts) - {label})))
    write_rows(path, rows)
    return len(rows)


def write_rows(path: Path, rows: Iterable[tuple[int, str, str, str, list[str]]]) -> None:
    """Write the index file from (id, iri, kind, label, alternative names) rows."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executescript(_SCHEMA)
            for number, iri, kind, label, alts in rows:
                connection.execute("INSERT INTO entities VALUES (?, ?, ?)", (number, iri, kind))
                connection.execute(
                    "INSERT INTO names(rowid, label, alts) VALUES (?, ?, ?)",
                    (number, label, "\n".join(alts)),
                )
            connection.execute("INSERT INTO names(names) VALUES ('optimize')")
    finally:
        connection.close()


class SearchIndex:
    """A build's search index, opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def search(
        self, text: str, limit: int = 20, offset: int = 0, loose: bool = False
    ) -> tuple[int, list[Hit]]:
        """(how many things match, the hits from ``offset``), best first (see match_expression)."""
        match = match_expression(text, loose)
        if match is None or not self.path.exists():
            return 0, []
        params = {
            "match": match,
            "text": text.strip(),
            "like": re.sub(r"([\\%_])", r"\\\1", text.strip()),
            "limit": limit,
            "offset": offset,
            "candidates": max(CANDIDATES, offset + limit),
        }
        connection = self._connect()
        try:
            total = connection.execute(_COUNT, params).fetchone()[0]
            rows = connection.execute(_SEARCH, params).fetchall()
        finally:
            connection.close()
        return int(total), [
            Hit(iri, label, kind, matched_name(text, label, alts.split("\n") if alts else []))
            for iri, label, kind, alts, _ in rows
        ]

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
            rows = connection.execute(
                "SELECT iri FROM entities ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
        finally:
            connection.close()
        return [iri for (iri,) in rows]
