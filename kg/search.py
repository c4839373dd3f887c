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
from typing import NamedTuple

import pyoxigraph as ox

from kg.queries import load
from kg.store import OxigraphStore
from kg.uris import Uris

INDEX_FILE = "search.sqlite"
CANDIDATES = 1000  # rows re-ranked per search; also how far matches are counted and paged

_SCHEMA = """
CREATE TABLE entities (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, kind TEXT NOT NULL);
CREATE VIRTUAL TABLE names USING fts5(label, alts, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO names(names, rank) VALUES ('rank', 'bm25(2.0, 1.0)');
"""

# Re-ranks candidates best first: the whole name typed, then a name that starts with it, then
# bm25 relevance (labels weigh twice alternative names; rank is negative: lower is better).
# The candidates are every match when there are at most CANDIDATES (_BEST: bm25 over all of
# them); for a common word, the first CANDIDATES in the index's order (_FIRST), which puts
# things with the shortest names first (see ordered): bm25 over all of a word's 50,000
# matches, to keep a thousand, was what cost (the count stops at CANDIDATES + 1 too).
_MATCHES = "SELECT rowid AS id, label, alts, rank AS relevance FROM names WHERE names MATCH :match"
_BEST = _MATCHES + " ORDER BY rank LIMIT :candidates"
_FIRST = _MATCHES + " LIMIT :candidates"
_RANKED = """
WITH hits AS MATERIALIZED ({candidates})
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
_COUNT = "SELECT COUNT(*) FROM (SELECT 1 FROM names WHERE names MATCH :match LIMIT :cap)"
_SEARCH = {False: _RANKED.format(candidates=_BEST), True: _RANKED.format(candidates=_FIRST)}


@dataclass(frozen=True)
class Hit:
    """One thing found: its IRI, label, kind and the name that matched."""

    iri: str
    label: str
    kind: str
    matched: str


class Found(NamedTuple):
    """What a search found: how many things match (at most CANDIDATES), the hits asked for,
    and whether more than ``total`` match (then only the first ``total`` in index order,
    shortest names first, are ranked and can be paged to)."""

    total: int
    hits: list[Hit]
    more: bool = False


def _words(text: str) -> list[str]:
    """The words of a name, lower case, without diacritics (close to what the index's tokenizer
    sees: its words, not Python's, split at ``_``)."""
    # ASCII text has no diacritics to take off: most names, and the build orders half a million
    # of them
    lowered = text.lower()
    if lowered.isascii():
        return re.findall(r"\w+", lowered)
    folded = unicodedata.normalize("NFKD", lowered)
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
    solutions = store.run(load("names"))
    assert isinstance(solutions, ox.QuerySolutions)
    # by position (s, name, is_label), not as rows_of dicts: half a million rows at 100,000 releases
    for subject, name_term, is_label in solutions:
        iri = subject.value
        local = uris.split(iri)
        if local is None or "#" in iri or not isinstance(subject, ox.NamedNode):
            continue
        kind, label, alts = things.setdefault(iri, (local[0], None, []))
        name = name_term.value
        if is_label.value == "true" and label is None:
            things[iri] = (kind, name, alts)
        else:
            alts.append(name)
    rows = []
    for iri, (kind, label, alts) in sorted(things.items()):
        if label is None:  # only alternative names: the first one stands for the label
            label, alts = sorted(alts)[0], sorted(alts)[1:]
        rows.append((iri, kind, label, sorted(set(alts) - {label})))
    write_rows(path, rows)
    return len(rows)


def ordered(rows: Iterable[tuple[str, str, str, list[str]]]) -> list[tuple[str, str, str, list[str]]]:
    """Rows in the index's order: the thing with the fewest words in a name first, then the
    shortest name, then by label and IRI. A common word's first CANDIDATES matches in this
    order are the ones ranked (not all of them), so they should be the likeliest best: a
    name equal to the typed words has no more words than any other name that matches them.

    >>> [r[2] for r in ordered([("b", "k", "Acme River Holdings", []), ("a", "k", "Acme River", [])])]
    ['Acme River', 'Acme River Holdings']
    """

    def key(row: tuple[str, str, str, list[str]]) -> tuple[int, int, str, str]:
        names = [row[2], *row[3]]
        return (min(len(_words(n)) for n in names), min(len(n) for n in names), row[2], row[0])

    return sorted(rows, key=key)


def write_rows(path: Path, rows: Iterable[tuple[str, str, str, list[str]]]) -> None:
    """Write the index file from (iri, kind, label, alternative names) rows, numbered in the
    order of ``ordered``."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executescript(_SCHEMA)
            numbered = list(enumerate(ordered(rows), start=1))
            connection.executemany("INSERT INTO entities VALUES (?, ?, ?)",
                                   ((number, iri, kind) for number, (iri, kind, _, _) in numbered))
            connection.executemany("INSERT INTO names(rowid, label, alts) VALUES (?, ?, ?)",
                                   ((number, label, "\n".join(alts))
                                    for number, (_, _, label, alts) in numbered))
            connection.execute("INSERT INTO names(names) VALUES ('optimize')")
    finally:
        connection.close()


class SearchIndex:
    """A build's search index, opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def search(self, text: str, limit: int = 20, offset: int = 0, loose: bool = False) -> Found:
        """How many things match (up to CANDIDATES, saying when more do) and the hits from
        ``offset``, best first (see match_expression and _RANKED); the hits stop at the
        CANDIDATES-th, so a common word costs what a thousand matches cost."""
        match = match_expression(text, loose)
        if match is None or not self.path.exists():
            return Found(0, [])
        params = {
            "match": match,
            "text": text.strip(),
            "like": re.sub(r"([\\%_])", r"\\\1", text.strip()),
            "limit": limit,
            "offset": offset,
            "candidates": CANDIDATES,
            "cap": CANDIDATES + 1,
        }
        connection = self._connect()
        try:
            total = int(connection.execute(_COUNT, params).fetchone()[0])
            more = total > CANDIDATES
            rows = connection.execute(_SEARCH[more], params).fetchall() if offset < CANDIDATES else []
        finally:
            connection.close()
        hits = [Hit(iri, label, kind, matched_name(text, label, alts.split("\n") if alts else []))
                for iri, label, kind, alts, _ in rows]
        return Found(min(total, CANDIDATES), hits, more)

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
