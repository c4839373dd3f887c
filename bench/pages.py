"""Page benchmark: entity pages and documents under concurrent load, against a bare baseline.

Publishes a generated corpus (bench/generate.py), serves it with `kg serve --workers 2`,
and loads it with wrk (Debian's package, a separate process) for: an ordinary
entity's RDF document and HTML page, a hub organization's (mentioned by a large share
of all releases) RDF document and HTML page, and a release page. The baseline is
bench/bare_app.py under gunicorn with 2 workers: a bare pyoxigraph CONSTRUCT of the
same entity. Prints p50, p99 and requests/s of each, median over --repeats runs.

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
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.generate import published_build  # noqa: E402

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
