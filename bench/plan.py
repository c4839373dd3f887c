"""Planner benchmark: query shapes as written and as kg.plan rewrites them, on one build.

Each query runs in this process on the build's store (no HTTP, no worker), first as
written, then as the planner would run it; the median of ``--runs`` each. The planner's
decision (rewrite or not) is printed, so a shape it leaves alone shows the same time twice.

    .venv/bin/python bench/plan.py --build DIR [--runs 5]

DIR is a build folder (``DIR/current``), e.g. one kept by
``bench/build.py --generated 100000 --jobs 2 --repeats 1 --no-baseline --keep DIR``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kg.plan import Planner  # noqa: E402
from kg.store import OxigraphStore  # noqa: E402
from kg.vocab import PREFIXES, sparql_prologue  # noqa: E402


def shapes(store: OxigraphStore) -> dict[str, str]:
    """Queries a reader of press releases asks, with dates taken from the graph itself."""
    span = store.select("SELECT (MIN(?d) AS ?first) (MAX(?d) AS ?last) "
                        "WHERE { ?r pf:datePublished ?d }")[0]
    first, last = int(span["first"].value[:4]), int(span["last"].value[:4])
    since = 'FILTER(?d >= "{}-01-01T00:00:00"^^xsd:dateTime)'
    newest = ("SELECT ?r ?h ?d WHERE {{ ?r a pf:PressRelease ; pf:headline ?h ; "
              "pf:datePublished ?d {} }} ORDER BY DESC(?d) LIMIT 100")
    return {
        "releases, newest first": newest.format(""),
        "second half, newest first": newest.format(since.format((first + last) // 2)),
        "last year, newest first": newest.format(since.format(last)),
        "top claims": "SELECT ?c ?v ?counts WHERE { ?c a pf:QuantitativeClaim ; pf:value ?v ; "
                      "pf:counts ?counts } ORDER BY DESC(?v) LIMIT 20",
        "claims over 5, counted": "SELECT (COUNT(*) AS ?n) WHERE { ?c a pf:QuantitativeClaim ; "
                                  "pf:value ?v ; pf:counts ?x FILTER(?v > 5) }",
        "a word in headlines, oldest first": "SELECT ?r ?d WHERE { ?r pf:headline ?h ; "
                                             "pf:datePublished ?d FILTER(CONTAINS(?h, \"Lumen\")) }"
                                             " ORDER BY ?d LIMIT 10",
        "orgs by mentions": "SELECT ?o (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r pf:mentions ?o . "
                            "?o a pf:Organization } GROUP BY ?o ORDER BY DESC(?n) LIMIT 10",
    }


def timed(store: OxigraphStore, query: str, runs: int) -> tuple[float, int]:
    """Median milliseconds over ``runs`` (every row read), and the number of rows."""
    times, rows = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        rows = sum(1 for _ in store.run(query))  # type: ignore[union-attr]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, required=True, help="a build folder (DIR/current)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    store = OxigraphStore.open_read_only((args.build / "current").resolve() / "store", PREFIXES)
    planner = Planner(store, sparql_prologue())
    print(f"{'query':<36} {'planned':>8} {'as written':>12} {'as planned':>12} {'ratio':>7}  rows")
    for name, query in shapes(store).items():
        planned = planner.plan(query)
        before, rows = timed(store, query, args.runs)
        after, rows_after = timed(store, planned, args.runs)
        assert rows == rows_after, name
        print(f"{name:<36} {'yes' if planned != query else 'no':>8} {before:>9.1f} ms "
              f"{after:>9.1f} ms {before / after:>6.1f}x  {rows}")


if __name__ == "__main__":
    main()
