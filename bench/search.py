"""Search benchmark: the FTS5 index at a million things.

Writes an index of N synthetic things (organizations, people and places with names made
of common words, a third of them with an alternative name) into a temporary folder, then
prints the time to write it, its size, and the median (min–max) time of searches a user
would type (whole names, prefixes being typed, rare and common words), with the old way
(count and bm25 over every match) timed in the same run as a baseline.

    .venv/bin/python bench/search.py [--things 1000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kg.search import SearchIndex, match_expression, write_rows

WORDS = (
    "north south east west river delta valley city bank group holdings energy science "
    "technology innovation industrial park centre office district council university "
    "institute capital partners alliance network health medical foods motors digital "
    "green solar ocean mountain golden silver star united global pacific atlantic"
).split()
KINDS = ("organization", "person", "place")


def things(n: int, rng: random.Random):
    for i in range(1, n + 1):
        words = rng.sample(WORDS, rng.randint(2, 5)) + [f"x{i:07d}"]
        yield i, f"http://b/id/{KINDS[i % 3]}/t{i}", " ".join(words).title(), KINDS[i % 3]


# What SearchIndex.search did before the count stopped at CANDIDATES + 1 and a common word's
# candidates were its first CANDIDATES matches: count every match, bm25 over every match.
BASELINE_COUNT = "SELECT COUNT(*) FROM names WHERE names MATCH :match"
BASELINE = """
WITH hits AS MATERIALIZED (SELECT rowid AS id, label, alts, rank AS relevance
                           FROM names WHERE names MATCH :match ORDER BY rank LIMIT 1000)
SELECT e.iri, hits.label FROM hits JOIN entities e ON e.id = hits.id
ORDER BY hits.relevance, hits.label LIMIT 20
"""


def baseline(path: Path, text: str) -> int:
    """The old search's two statements (the re-ranking CASE left out: it costs little)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        params = {"match": match_expression(text)}
        total = connection.execute(BASELINE_COUNT, params).fetchone()[0]
        connection.execute(BASELINE, params).fetchall()
    finally:
        connection.close()
    return int(total)


def timed(run: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def spread(times: list[float]) -> str:
    return f"{statistics.median(times):7.1f} ({min(times):.1f}–{max(times):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--things", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.sqlite"
        rows = [
            (iri, kind, label, [label.upper().replace(" ", " · ")] if i % 3 == 0 else [])
            for i, iri, label, kind in things(args.things, rng)
        ]
        names = len(rows) + len(rows) // 3
        started = time.perf_counter()
        write_rows(path, rows)
        written = time.perf_counter() - started
        print(
            f"{args.things:,} things, {names:,} names: index written in {written:.1f} s, "
            f"{path.stat().st_size / 1e6:.0f} MB"
        )
        index = SearchIndex(path)
        queries = [rows[7][2], rows[len(rows) // 2][2], "inno", "river del", "golden star",
                   f"x{args.things // 3:07d}", "zzz", "science", "un"]
        print(f"ms, median (min–max) of {args.repeats}; baseline = count and bm25 over every match")
        print(f"  {'query':<52} {'matches':>9} {'search':>22} {'baseline':>22} {'ratio':>6}")
        for q in queries:
            found = index.search(q, 20)
            now = timed(lambda q=q: index.search(q, 20), args.repeats)
            before = timed(lambda q=q: baseline(path, q), args.repeats)
            count = baseline(path, q)
            shown = f"{'>' if found.more else ''}{count:,}"
            print(f"  {q!r:<52} {shown:>9} {spread(now):>22} {spread(before):>22} "
                  f"{statistics.median(before) / statistics.median(now):5.1f}x")


if __name__ == "__main__":
    main()
