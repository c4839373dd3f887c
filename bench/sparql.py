"""SPARQL benchmark: a fixed query mix through the endpoint, side by side with plain rdflib.

For each graph (the seed build, and a generated graph of about 1M triples) it
starts `kg serve` on a published build, sends every query of the mix over HTTP
from this separate process, and prints per query the median and p99 latency,
then the requests per second of the whole mix with concurrent clients. The same
queries then run on rdflib's in-memory Dataset (default graph = union, as on our
endpoint), in this process and without HTTP, as the baseline.

    .venv/bin/python bench/sparql.py [--releases 7800] [--runs 30] [--rdflib-runs 3]

With ``--build DIR`` it measures one existing build folder (``DIR/current``) instead.
``--rdflib merged`` loads rdflib with the build's merged graph into a plain Graph
(the default graph our endpoint answers the mix from: the mix names no graph) instead of
every named graph into a Dataset: a Dataset holds about 1.75 KB a quad in memory (an
estimated 22.8 GB for the 13M quads of 100,000 releases, on a 24 GB machine), a Graph of the
merge about 1.3 KB a triple (16 GB for its 12M).
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import rdflib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.generate import published_build  # noqa: E402
from kg.build import build  # noqa: E402
from kg.config import Settings  # noqa: E402
from kg.store import OxigraphStore  # noqa: E402
from kg.vocab import sparql_prologue  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
def mix(person: str) -> dict[str, str]:
    """The six queries; "one entity" reads the triples of the person labelled ``person``.

    The name must be one the graph holds: with a name it lacks (as "Wang Ping", the seed's,
    in a generated graph) the query stops at the label lookup and times next to nothing.
    The name goes into the query as pyoxigraph writes a literal (escaped).
    """
    return {
        "releases by date": "SELECT ?r ?h ?d WHERE { ?r a pf:PressRelease ; pf:headline ?h ; "
                            "pf:datePublished ?d } ORDER BY DESC(?d) LIMIT 100",
        "posts with names": "SELECT ?name ?title ?org WHERE { ?post a pf:Post ; pf:heldBy ?p ; "
                            "pf:postTitle ?title ; pf:postIn ?o . ?p rdfs:label ?name . "
                            "?o rdfs:label ?org } LIMIT 100",
        "top claims": "SELECT ?c ?v ?counts WHERE { ?c a pf:QuantitativeClaim ; pf:value ?v ; "
                      "pf:counts ?counts } ORDER BY DESC(?v) LIMIT 20",
        "orgs by mentions": "SELECT ?o (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r pf:mentions ?o . "
                            "?o a pf:Organization } GROUP BY ?o ORDER BY DESC(?n) LIMIT 10",
        "one entity": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s rdfs:label {ox.Literal(person)} ; ?p ?o }}",
        "count by class": "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
    }


NAMES = tuple(mix(""))


def person_name(store: OxigraphStore) -> str:
    """The label of an ordinary person of the graph (the last by IRI), for "one entity"."""
    rows = store.select("SELECT ?name WHERE { ?p a <https://w3id.org/pressfacts/ns#Person> ; "
                        "<http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY DESC(?p) LIMIT 1")
    return rows[0]["name"].value


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(build_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    kg = Path(sys.executable).parent / "kg"
    env = {**os.environ, "KG_BUILD_DIR": str(build_dir), "KG_MAX_ROWS": "100000",
           "KG_LOG_LEVEL": "WARNING", "KG_MAX_CONCURRENT_QUERIES": str(CLIENTS)}
    process = subprocess.Popen([str(kg), "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("kg serve did not start")


CLIENTS = 4


class Refused(RuntimeError):
    """The endpoint answered with an error status (e.g. 503 when a query ran out of time)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"{status}: {body[:200]!r}")
        self.status = status


def ask(conn: http.client.HTTPConnection, query: str) -> None:
    accept = "text/turtle" if query.lstrip().upper().startswith("CONSTRUCT") else \
        "application/sparql-results+json"
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                 headers={"Accept": accept})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise Refused(response.status, body)


def endpoint_figures(port: int, runs: int, queries: dict[str, str]) -> dict[str, list[float]]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    timings: dict[str, list[float]] = {}
    for name, query in queries.items():
        timings[name] = []
        try:
            ask(conn, query)  # warm-up (worker start, caches)
            for _ in range(runs):
                start = time.perf_counter()
                ask(conn, query)
                timings[name].append(time.perf_counter() - start)
        except Refused as refused:
            if refused.status != 503:  # only a query over the time limit is left out
                raise
            print(f"  {name}: over the endpoint's time limit; left out", flush=True)
            timings[name] = []
    conn.close()
    return timings


def throughput(port: int, clients: int, seconds: float, mixed: dict[str, str]) -> float:
    """Requests per second of the mix, round-robin, from ``clients`` concurrent connections."""
    done = [0] * clients
    stop = time.monotonic() + seconds
    queries = list(mixed.values())

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        index = slot
        while time.monotonic() < stop:
            ask(conn, queries[index % len(queries)])
            index += 1
            done[slot] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def rdflib_figures(source: Path, runs: int, queries: dict[str, str], merged: bool = False
                   ) -> tuple[dict[str, list[float]], float]:
    """The mix on rdflib in memory: a Dataset of N-Quads (default graph = the union), or with
    ``merged`` a Graph of the merged N-Triples."""
    started = time.perf_counter()
    dataset: rdflib.Graph = rdflib.Graph() if merged else rdflib.Dataset(default_union=True)
    dataset.parse(source, format="nt" if merged else "nquads")
    load = time.perf_counter() - started
    timings: dict[str, list[float]] = {}
    for name, query in queries.items():
        text = sparql_prologue() + query
        timings[name] = []
        for _ in range(runs):
            start = time.perf_counter()
            result = dataset.query(text)
            list(result)
            timings[name].append(time.perf_counter() - start)
    return timings, load


def report(title: str, ours: dict[str, list[float]], base: dict[str, list[float]]) -> None:
    print(f"\n## {title}\n")
    print(f"{'query':<20} {'endpoint p50':>13} {'p99':>9} {'rdflib p50':>11} {'ratio':>8}")
    ratios = []
    for name in NAMES:
        p50, p99 = statistics.median(ours[name]) * 1000, percentile(ours[name], 0.99) * 1000
        r50 = statistics.median(base[name]) * 1000
        ratios.append(r50 / p50)
        print(f"{name:<20} {p50:>10.2f} ms {p99:>6.2f} ms {r50:>8.1f} ms {r50 / p50:>7.1f}x")
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"{'geometric mean':<20} {'':>13} {'':>9} {'':>11} {geo:>7.1f}x")


def rdflib_source(build_dir: Path, target: Path, merged: bool) -> dict[str, str]:
    """Write what rdflib loads into ``target``: the build's named graphs as N-Quads, or with
    ``merged`` their merge (the store's default graph) as N-Triples. Return the mix for this
    graph."""
    store = OxigraphStore.open_read_only((build_dir / "current").resolve() / "store")
    # a quad format dumps the named graphs only; a triple format the merged default graph
    store.dump(target, ox.RdfFormat.N_TRIPLES if merged else ox.RdfFormat.N_QUADS)
    return mix(person_name(store))


def run_case(title: str, build_dir: Path, args: argparse.Namespace, tmp: Path) -> None:
    merged = args.rdflib == "merged"
    nquads = tmp / f"{title[:4]}.{'nt' if merged else 'nq'}"
    queries = rdflib_source(build_dir, nquads, merged)
    process, port = serve(build_dir)
    try:
        ours = endpoint_figures(port, args.runs, queries)
        rate = throughput(port, args.clients, args.seconds, queries)
    finally:
        process.terminate()
        process.wait()
    base, load = rdflib_figures(nquads, args.rdflib_runs, queries, merged)
    triples = sum(1 for _ in nquads.open("rb"))
    what = "triples in the merged graph" if merged else "quads"
    report(f"{title}: {triples:,} {what} (rdflib: {'Graph' if merged else 'Dataset'})", ours, base)
    print(f"\nmix throughput, {args.clients} clients: {rate:.0f} requests/s "
          f"(rdflib load of the same data: {load:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=7800, help="generated releases (~1M triples)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rdflib-runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--build", type=Path, metavar="DIR",
                        help="measure this build folder's published build only")
    parser.add_argument("--rdflib", choices=("dataset", "merged"), default="dataset",
                        help="what rdflib loads: every named graph, or the merged graph")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.build:
            run_case(f"build in {args.build}", args.build, args, tmp)
            return
        seed = Settings(data_dir=ROOT / "data", build_dir=tmp / "seed-build")
        build(seed)
        run_case("seed graph", seed.build_dir, args, tmp)
        run_case("generated graph", published_build(tmp / "gen", args.releases), args, tmp)


if __name__ == "__main__":
    main()
