"""Page benchmark: entity pages and documents under concurrent load, against a bare baseline.

Publishes a generated corpus (bench/generate.py), serves it with `kg serve --workers 2`,
and loads it with wrk (Debian's package, a separate process) for: an ordinary
entity's RDF document and HTML page, a hub organization's (mentioned by a large share
of all releases) RDF document and HTML page, and a release page. The baseline is
bench/bare_app.py under gunicorn with 2 workers: a bare pyoxigraph CONSTRUCT of the
same entity. Prints p50, p99 and requests/s of each, median over --repeats runs.

Before that, the first (cold) view of the hub's HTML pages after a start-up, each from a
fresh server (an ordinary page is asked first, so that templates are compiled), with the
build's precomputed hub answers (kg/hubs.py, ``hubs.sqlite``) and without them (the
baseline, the same run): median (min–max) over --repeats starts.

    .venv/bin/python bench/pages.py [--releases 10000] [--seconds 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.generate import published_build  # noqa: E402
from kg.hubs import HUBS_FILE, write_hubs  # noqa: E402
from kg.store import OxigraphStore  # noqa: E402

BIN = Path(sys.executable).parent
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [c.replace("{port}", str(port)) for c in command]
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{command[0]} did not start")


def wrk(url: str, seconds: float, accept: str) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, requests/s) of wrk hitting ``url`` with 2 threads, 16 connections."""
    done = subprocess.run(["wrk", "-t2", "-c16", f"-d{max(1, round(seconds))}s", "--latency", "-H",
                           f"Accept: {accept}", url], capture_output=True, text=True, check=True)
    out = done.stdout

    def latency(share: str) -> float:
        match = re.search(rf"^\s*{share}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        assert match, out
        return float(match.group(1)) * UNITS[match.group(2)]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    assert rate, out
    return latency("50"), latency("99"), float(rate.group(1))


def pick(store_path: Path) -> dict[str, str]:
    """An ordinary person, the most mentioned organization (a hub), and a release."""
    store = ox.Store.read_only(str(store_path))
    hub = next(iter(store.query(
        "SELECT ?o (COUNT(?r) AS ?n) WHERE { ?r <https://w3id.org/pressfacts/ns#mentions> ?o . "
        "?o a <https://w3id.org/pressfacts/ns#Organization> } GROUP BY ?o ORDER BY DESC(?n) LIMIT 1")))
    person = next(iter(store.query(
        "SELECT ?p WHERE { ?p a <https://w3id.org/pressfacts/ns#Person> } ORDER BY DESC(?p) LIMIT 1")))
    release = next(iter(store.query(
        "SELECT ?r WHERE { ?r a <https://w3id.org/pressfacts/ns#PressRelease> } LIMIT 1")))
    print(f"hub {hub['o'].value} is mentioned by {hub['n'].value} releases")
    path = lambda term: term.value.split("/id/", 1)[1]  # noqa: E731
    return {"person": path(person["p"]), "hub": path(hub["o"]), "release": path(release["r"])}


def get_ms(url: str) -> float:
    """Milliseconds to GET ``url`` as a browser would (HTML), body read; fails on non-2xx."""
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/html"})) as answer:
        answer.read()
    return (time.perf_counter() - started) * 1000


def cold_views(build_dir: Path, warm: str, paths: list[str], repeats: int) -> list[list[float]]:
    """For each of ``repeats`` fresh `kg serve` processes: ms of the first GET of each path
    (after one GET of ``warm``, an ordinary page). One list of times per path."""
    times: list[list[float]] = [[] for _ in paths]
    for _ in range(repeats):
        process, port = start([str(BIN / "kg"), "serve", "--port", "{port}", "--workers", "1"],
                              {"KG_BUILD_DIR": str(build_dir), "KG_LOG_LEVEL": "WARNING"})
        try:
            get_ms(f"http://127.0.0.1:{port}/{warm}")
            for spent, path in zip(times, paths, strict=True):
                spent.append(get_ms(f"http://127.0.0.1:{port}/{path}"))
        finally:
            process.terminate()
            process.wait()
    return times


def spread(times: list[float]) -> str:
    return f"{statistics.median(times):8.1f} ({min(times):.1f}–{max(times):.1f})"


def compare_cold(build_dir: Path, things: dict[str, str], repeats: int) -> None:
    """First views of the hub's pages with the precomputed answers and without them."""
    folder = (build_dir / "current").resolve()
    started = time.perf_counter()
    hubs = write_hubs(OxigraphStore.open_read_only(folder / "store"), folder)
    print(f"hubs.sqlite: {hubs} hubs in {time.perf_counter() - started:.1f} s, "
          f"{(folder / HUBS_FILE).stat().st_size / 1e6:.1f} MB")
    paths = [f"page/{things['hub']}", f"page/{things['hub']}?page=2"]
    warm = f"page/{things['person']}"
    with_hubs = cold_views(build_dir, warm, paths, repeats)
    (folder / HUBS_FILE).rename(folder / "hubs.sqlite.aside")
    try:
        without = cold_views(build_dir, warm, paths, repeats)
    finally:
        (folder / "hubs.sqlite.aside").rename(folder / HUBS_FILE)
    print(f"\nfirst view after start-up, ms, median (min–max) of {repeats} starts")
    print(f"{'page':<30} {'with hubs.sqlite':>26} {'without (baseline)':>26} {'ratio':>7}")
    for path, now, before in zip(paths, with_hubs, without, strict=True):
        title = "hub HTML page " + ("2" if "page=2" in path else "1")
        print(f"{title:<30} {spread(now):>26} {spread(before):>26} "
              f"{statistics.median(before) / statistics.median(now):6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as name:
        build_dir = published_build(Path(name), args.releases)
        store = (build_dir / "current").resolve() / "store"
        things = pick(store)
        compare_cold(build_dir, things, args.repeats)
        if args.seconds <= 0:
            return
        cases = [
            ("bare: pyoxigraph CONSTRUCT, person", "bare", f"data/{things['person']}.ttl", "text/turtle"),
            ("person, RDF document", "kg", f"data/{things['person']}.ttl", "text/turtle"),
            ("person, HTML page", "kg", f"page/{things['person']}", "text/html"),
            ("bare: pyoxigraph CONSTRUCT, hub", "bare", f"data/{things['hub']}.ttl", "text/turtle"),
            ("hub organization, RDF document", "kg", f"data/{things['hub']}.ttl", "text/turtle"),
            ("hub organization, HTML page", "kg", f"page/{things['hub']}", "text/html"),
            ("release page", "kg", f"page/{things['release']}", "text/html"),
        ]
        servers = {
            "kg": start([str(BIN / "kg"), "serve", "--port", "{port}", "--workers", "2"],
                        {"KG_BUILD_DIR": str(build_dir), "KG_LOG_LEVEL": "WARNING"}),
            "bare": start([str(BIN / "gunicorn"), "-w", "2", "-b", "127.0.0.1:{port}",
                           "bench.bare_app:app"],
                          {"KG_BARE_STORE": str(store), "PYTHONPATH": str(Path(__file__).parent.parent)}),
        }
        try:
            print(f"\n{args.releases} generated releases; wrk -t2 -c16, {args.seconds:g} s, "
                  f"median of {args.repeats} runs (min-max of requests/s)\n")
            print(f"{'case':<38} {'p50':>9} {'p99':>9} {'requests/s':>22}")
            for title, server, path, accept in cases:
                url = f"http://127.0.0.1:{servers[server][1]}/{path}"
                runs = [wrk(url, args.seconds, accept) for _ in range(args.repeats)]
                p50 = statistics.median(r[0] for r in runs)
                p99 = statistics.median(r[1] for r in runs)
                rates = sorted(r[2] for r in runs)
                print(f"{title:<38} {p50:>6.2f} ms {p99:>6.2f} ms {statistics.median(rates):>8.0f} "
                      f"({rates[0]:.0f}-{rates[-1]:.0f})")
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait()


if __name__ == "__main__":
    main()
