"""Search benchmark: the FTS5 index at a million things.

Writes an index of N synthetic things (organizations, people and places with names made
of common words, a third of them with an alternative name) into a temporary folder, then
prints the time to write it, its size, and the median (and worst) time of searches a user
would type: whole names, prefixes being typed, rare and common words.

    .venv/bin/python bench/search.py [--things 1000000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from kg.search import SearchIndex, write_rows

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--things", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.sqlite"
        rows = [
            (i, iri, kind, label, [label.upper().replace(" ", " · ")] if i % 3 == 0 else [])
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
        queries = [
            rows[7][3],
            rows[len(rows) // 2][3],
            "inno",
            "river del",
            "golden star",
            f"x{args.things // 3:07d}",
            "zzz",
            "science",
            "un",
        ]
        for q in queries:
            times = []
            for _ in range(5):
                started = time.perf_counter()
                total, hits = index.search(q, 20)
                times.append(time.perf_counter() - started)
            print(
                f"  {q!r:60} {total:>9,} hits  median {statistics.median(times) * 1000:7.1f} ms"
                f"  worst {max(times) * 1000:7.1f} ms"
            )


if __name__ == "__main__":
    main()
