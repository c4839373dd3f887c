"""Time `kg publish` into a real Virtuoso: the baseline commit's method against today's.

A build of N generated releases (bench/generate.py, about 130 triples each) is published
into a Virtuoso started for the run (tests/virtuoso.py: Debian's virtuoso-opensource,
its own ini in a temporary folder). Each repeat publishes with the old method (the
kg/publish.py and kg/remote.py of ``--baseline`` loaded from git, so the baseline is
exactly the code that was replaced) and with today's ``update`` (SPARQL 1.1 Update),
``virtuoso`` (KG_PUBLISH_METHOD=virtuoso: Virtuoso's N-Quads loader) and ``auto`` (the
default: a probe, then the loader where the store offers it) methods, in rotating
order, each into a store whose release graphs were dropped first (a first publish: every
graph new). Every publish is checked: the store must then hold every triple of the build's
release graphs.

    .venv/bin/python bench/publish.py --releases 2000 --repeats 5

With ``--replace``: a rebuild instead of a first publish. A second build beside the first
changes two triples of every release (bench/generate.py ``REVISE``); each repeat brings
the store back to the first build, then times publishing the second one with the first
kept on disk (each graph gets its differences) and with it out of reach (each graph is
dropped and written whole), in rotating order. Every publish is checked as above.

    .venv/bin/python bench/publish.py --releases 2000 --repeats 5 --replace
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import next_build, published_build  # noqa: E402
from kg.build import switch_current  # noqa: E402
from kg.publish import publication_graph, publish  # noqa: E402
from kg.remote import Endpoint, RemoteStore  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.virtuoso import Virtuoso, running_virtuoso  # noqa: E402

BASE = "http://127.0.0.1:5000/"
BASELINE = "d4e00d2"  # main when branch publish-fast started (SPARQL Update, 2 threads)


def baseline_publish(commit: str, folder: Path) -> Callable[..., object]:
    """The ``publish`` function of ``commit``, with that commit's RemoteStore (SPARQLWrapper)."""
    package = folder / "kg_baseline"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name in ("remote", "publish"):
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:kg/{name}.py"],
                              check=True, capture_output=True, text=True).stdout
        text = text.replace("from kg.remote import", "from kg_baseline.remote import")
        (package / f"{name}.py").write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    module: ModuleType = importlib.import_module("kg_baseline.publish")
    store_module = importlib.import_module("kg_baseline.remote")

    def run(build_dir: Path, endpoint: Endpoint) -> object:
        return module.publish(build_dir, store_module.RemoteStore(endpoint), threads=2)
    return run


def release_triples(build_dir: Path) -> tuple[list[str], int]:
    """The build's release graphs and how many triples they hold together."""
    store = ox.Store.read_only(str(build_dir / "current" / "store"))
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    total = sum(1 for q in store if not isinstance(q.graph_name, ox.DefaultGraph))
    return names, total


def remote_triples(store: RemoteStore, prefix: str) -> int:
    """Triples in the store's graphs under ``prefix`` but the publication graph (the releases)."""
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                        f"FILTER(STRSTARTS(STR(?g), \"{prefix}\") "
                        f"&& ?g != <{publication_graph(BASE)}>) }}")
    return int(rows[0]["n"].value)


def drop_all(store: RemoteStore, names: list[str]) -> float:
    """Drop the release graphs and the publication graph; seconds it took."""
    started = time.perf_counter()
    graphs = [*names, publication_graph(BASE)]
    for start in range(0, len(graphs), 200):
        store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs[start:start + 200]))
    return time.perf_counter() - started


def server_seconds(ini: Path) -> float:
    """CPU seconds (user + system) the Virtuoso started with ``ini`` has used so far."""
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(ini) in (proc / "cmdline").read_text():
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return float("nan")


def today(build_dir: Path, batch: int, threads: int, method: str, endpoint: Endpoint) -> object:
    """A publish by today's code with ``method`` (KG_PUBLISH_METHOD)."""
    return publish(build_dir, RemoteStore(endpoint), batch, threads=threads, method=method)


def timed_run(label: str, run: Callable[[Endpoint], object], server: Virtuoso, root: Path,
              names: list[str], total: int) -> float:
    """One publish into ``server`` (its folder ``root``) after its release graphs were
    dropped, checked; triples/s."""
    endpoint = Endpoint(server.query_url, server.update_url, server.user, server.password, timeout=600)
    store = RemoteStore(endpoint)
    dropped = drop_all(store, names)
    ini = root / "virtuoso.ini"
    server_cpu, client_cpu = server_seconds(ini), time.process_time()
    started = time.perf_counter()
    run(endpoint)
    seconds = time.perf_counter() - started
    server_cpu, client_cpu = server_seconds(ini) - server_cpu, time.process_time() - client_cpu
    held = remote_triples(store, f"{BASE}graph/")
    assert held == total, f"{label}: the store holds {held} triples, not {total}"
    print(f"{label}: {seconds:6.2f} s, {total / seconds:9,.0f} triples/s, CPU s: Virtuoso "
          f"{server_cpu:.2f}, client {client_cpu:.2f} (graphs dropped before in {dropped:.1f} s)",
          flush=True)
    return total / seconds


def replace_runs(folder: Path, build_dir: Path, args: argparse.Namespace) -> None:
    """Publishing a rebuild over the build before it: by differences against whole graphs."""
    first = (build_dir / "current").resolve()
    second = next_build(build_dir)
    names, total = release_triples(build_dir)
    rates: dict[str, list[float]] = {"differences": [], "whole": []}
    with running_virtuoso(folder / "virtuoso", free_port(), free_port()) as server:
        endpoint = Endpoint(server.query_url, server.update_url, server.user, server.password,
                            timeout=600)
        store = RemoteStore(endpoint)
        for repeat in range(args.repeats):
            for mode in sorted(rates, reverse=repeat % 2 == 1):
                switch_current(build_dir, first)
                publish(build_dir, store, args.batch, threads=args.threads, method="auto")  # first
                switch_current(build_dir, second)
                hidden = folder / f"hidden-{first.name}"
                if mode == "whole":
                    first.rename(hidden)  # out of KG_BUILD_DIR: not a kept build
                try:
                    started = time.perf_counter()
                    result = publish(build_dir, store, args.batch, threads=args.threads, method="auto")
                    seconds = time.perf_counter() - started
                finally:
                    if hidden.exists():
                        hidden.rename(first)
                held = remote_triples(store, f"{BASE}graph/")
                assert held == total, f"{mode}: the store holds {held} triples, not {total}"
                assert len(result.patched) == (len(names) if mode == "differences" else 0)
                rates[mode].append(total / seconds)
                print(f"repeat {repeat + 1} {mode:<11}: {seconds:6.2f} s, {total / seconds:9,.0f} "
                      f"triples/s of replaced graphs ({result.method})", flush=True)
    for mode, values in rates.items():
        print(summary(mode, values))
    ratio = statistics.median(rates["differences"]) / statistics.median(rates["whole"])
    print(f"differences / whole (medians): {ratio:.1f}x")


def summary(label: str, rates: list[float]) -> str:
    return (f"{label:<8} median {statistics.median(rates):>9,.0f} triples/s "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}; {len(rates)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="KG_PUBLISH_THREADS of today's methods")
    parser.add_argument("--batch", type=int, default=10_000, help="KG_PUBLISH_BATCH of today's methods")
    parser.add_argument("--baseline", default=BASELINE, help="commit whose kg publish is the baseline")
    parser.add_argument("--skip-old", action="store_true", help="time today's methods only")
    parser.add_argument("--fresh", action="store_true",
                        help="a new, empty Virtuoso for every run (a first publish: IRIs new to it)")
    parser.add_argument("--replace", action="store_true",
                        help="time a rebuild's publish over the build before it (see above)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-bench-publish-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        build_dir = published_build(folder, args.releases)
        names, total = release_triples(build_dir)
        print(f"build: {args.releases} releases, {total:,} triples in release graphs "
              f"({time.perf_counter() - started:.1f} s to generate)")
        if args.replace:
            replace_runs(folder, build_dir, args)
            return
        old = None if args.skip_old else baseline_publish(args.baseline, folder)
        methods: dict[str, Callable[[Endpoint], object]] = {
            name: partial(today, build_dir, args.batch, args.threads, name)
            for name in ("update", "virtuoso", "auto")}
        if old is not None:
            methods["old"] = partial(old, build_dir)
        rates: dict[str, list[float]] = {name: [] for name in methods}
        with ExitStack() as stack:
            shared = None if args.fresh else stack.enter_context(
                running_virtuoso(folder / "virtuoso", free_port(), free_port()))
            for repeat in range(args.repeats):
                names_in_order = sorted(methods)
                for name in names_in_order[repeat % 3:] + names_in_order[:repeat % 3]:
                    label = f"repeat {repeat + 1} {name:<8}"
                    if shared is not None:
                        rates[name].append(timed_run(label, methods[name], shared,
                                                     folder / "virtuoso", names, total))
                        continue
                    root = folder / f"virtuoso-{repeat}-{name}"  # empty: IRIs new to the store
                    with running_virtuoso(root, free_port(), free_port()) as server:
                        rates[name].append(timed_run(label, methods[name], server, root, names, total))
        for name, values in rates.items():
            print(summary(name, values))
        if "old" in rates:
            for name in ("update", "virtuoso", "auto"):
                ratio = statistics.median(rates[name]) / statistics.median(rates["old"])
                print(f"{name} / old (medians): {ratio:.1f}x")


if __name__ == "__main__":
    main()
