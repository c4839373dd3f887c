"""Scale benchmark: the site on the embedded store and on Virtuoso, side by side, per corpus size.

For each --releases size: a generated build (bench/generate.py, completed with the dumps,
per-release dumps and search index the real build writes), the start-up time of
`kg serve --workers 2` on it, then wrk (a separate process) against entity pages and
documents (an ordinary person, the most mentioned organization with paging), search, dumps
and the SPARQL mix of bench/sparql.py, served by `kg serve --workers 2` on the embedded store
and on a Virtuoso (tests/virtuoso.py, bulk-loaded with the build's N-Quads dump). Baselines
measured in the same run: bench/bare_app.py (pyoxigraph CONSTRUCT), bench/bare_rdflib_app.py
(rdflib memory store), Virtuoso's own /sparql, and the mix on rdflib in-process. Every figure
is a median with min–max over repeats; peak RSS is VmHWM from /proc.

    .venv/bin/python bench/scale.py --releases 1000 10000 [--seconds 5 --repeats 3]
    .venv/bin/python bench/scale.py --quick            # a small, short run while developing
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import sparql as mix  # noqa: E402  (mix, endpoint_figures, rdflib_figures)

BIN = Path(sys.executable).parent
BASE = "http://127.0.0.1:5000/"
PF = "https://w3id.org/pressfacts/ns#"
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
SIZES = {"KB": 1e-3, "MB": 1.0, "GB": 1e3, "B": 1e-6}


# -- figures ---------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """A median with the smallest and largest of the repeated measurements."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    def cell(self, digits: int = 2) -> str:
        if not self.values:
            return "–"
        lo, hi = min(self.values), max(self.values)
        if len(self.values) == 1 or lo == hi:
            return f"{self.median:,.{digits}f}"
        return f"{self.median:,.{digits}f} ({lo:,.{digits}f}–{hi:,.{digits}f})"


@dataclass(frozen=True)
class Load:
    """wrk's figures over the repeats: latency p50 and p99 (ms), requests/s, MB/s, errors."""

    p50: Spread
    p99: Spread
    rate: Spread
    transfer: Spread
    errors: int
    first_ms: float = math.nan
    bulk: bool = False
    first_status: int = 200  # when not 200 (or 206), the case was not loaded

    def ratio(self, bare: Load | None) -> str:
        if bare is None or not bare.rate.values or not self.rate.values:
            return "–"
        return f"{self.rate.median / bare.rate.median:.2f}x"


@dataclass(frozen=True)
class Case:
    """One thing to load: a path on the site, how to ask for it, and where the store matters."""

    title: str
    path: str
    accept: str = "*/*"
    method: str = "GET"
    paths: tuple[str, ...] = ()  # several paths taken in turn (the SPARQL mix)
    headers: tuple[str, ...] = ()  # more request headers, "Name: value"
    bulk: bool = False  # a download: MB/s is shown with requests/s


@dataclass
class Options:
    seconds: float
    repeats: int
    threads: int
    connections: int
    starts: int
    mix_runs: int
    rdflib_runs: int
    rdflib_max_quads: int
    rdflib_max_triples: int
    virtuoso: bool
    virtuoso_buffers: int
    workdir: Path | None


@dataclass
class SizeReport:
    """Everything measured for one corpus size, printed as tables at the end."""

    releases: int
    quads: int = 0  # in the store: the named graphs and their merge as the default graph
    named_quads: int = 0  # in the named graphs: what the N-Quads dump, Virtuoso and rdflib hold
    build_seconds: float = 0.0
    build_peak_mb: float = 0.0
    picks: dict[str, str] = field(default_factory=dict)
    startup: Spread = Spread(())
    virtuoso_load_seconds: float = math.nan
    virtuoso_quads: int = 0
    loads: dict[tuple[str, str], Load] = field(default_factory=dict)  # (store, case title)
    references: dict[str, tuple[str, Load]] = field(default_factory=dict)  # title -> (column, load)
    mix: dict[str, dict[str, Spread]] = field(default_factory=dict)  # column -> query -> ms
    memory: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# -- processes -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_of(port: int, path: str, headers: dict[str, str] | None = None,
              method: str = "GET", timeout: float = 60) -> int:
    """The HTTP status of one request to 127.0.0.1 (0 when nothing answers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        conn.close()


@dataclass
class Server:
    """A server process this bench started (in its own process group) and the port it serves."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    started_in: float = math.nan

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:  # whatever its workers left behind in the group it was started in
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_server(name: str, command: list[str], env: dict[str, str], ready: str,
                 log: Path, timeout: float = 300) -> Server:
    """Start ``command`` ({port} replaced) and wait for a 200 on ``ready``; time it."""
    port = free_port()
    command = [c.replace("{port}", str(port)) for c in command]
    started = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, process, port)
    deadline = started + timeout
    while status_of(port, ready, timeout=timeout) != 200:
        if process.poll() is not None or time.perf_counter() > deadline:
            server.stop()
            raise RuntimeError(f"{name} did not answer {ready}; see {log}")
        time.sleep(0.02)
    server.started_in = time.perf_counter() - started
    return server


def kg_command() -> list[str]:
    return [str(BIN / "kg"), "serve", "--host", "127.0.0.1", "--port", "{port}", "--workers", "2"]


def kg_env(build_dir: Path, **extra: str) -> dict[str, str]:
    return {"KG_BUILD_DIR": str(build_dir), "KG_LOG_LEVEL": "WARNING", "KG_BASE_URI": BASE, **extra}


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def vmhwm_mb(pid: int) -> float:
    """Peak resident set size of a live process (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def tree_memory(pid: int) -> str:
    """Peak RSS of a gunicorn master, each worker, and the processes below them (query workers)."""
    workers = children(pid)
    below = [c for w in workers for c in children(w)]
    text = f"master {vmhwm_mb(pid):,.0f} MB, workers " + \
           " + ".join(f"{vmhwm_mb(w):,.0f}" for w in workers) + " MB"
    if below:
        text += f", {len(below)} query workers {sum(vmhwm_mb(b) for b in below):,.0f} MB"
    return text


def pid_with(argument: str) -> int | None:
    """The process whose command line holds ``argument`` (the Virtuoso started on our ini)."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if argument.encode() in (proc / "cmdline").read_bytes():
                return int(proc.name)
        except OSError:
            continue
    return None


def child_figures(command: list[str]) -> tuple[float, float, str]:
    """Run a child process to its end: (wall seconds, its peak RSS in MB, its stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert process.stdout is not None
    out = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} … failed ({process.returncode})")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, out


# -- the build (run in a child process, for its time and peak RSS) ---------------


def make_build(folder: Path, releases: int) -> dict[str, Any]:
    """A published build of generated releases, made by the real build's second half
    (``kg.build.build_facts``: encode, SHACL gate, store, dumps, per-release dumps, search
    index, manifest), so the site serves exactly what ``kg build`` publishes."""
    import random

    from bench.generate import release_facts, vocabulary
    from kg.build import build_facts
    from kg.config import Settings

    rng = random.Random(7)
    orgs, people, places = vocabulary(rng, releases)
    facts = [release_facts(rng, index, orgs, people, places) for index in range(releases)]
    settings = Settings(base_uri=BASE, data_dir=folder, build_dir=folder / "build", keep_builds=1,
                        jobs=2)
    result = build_facts(settings, facts)
    picks = pick(result.folder / "store")
    picks["build_dir"] = str(settings.build_dir)
    picks["named_quads"] = str(result.manifest["quads"])
    return picks


def pick(store_path: Path) -> dict[str, str]:
    """An ordinary person, the most mentioned organization (a hub), a release, search words."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_path))
    hub = next(iter(store.query(
        f"SELECT ?o ?name (COUNT(?r) AS ?n) WHERE {{ ?r <{PF}mentions> ?o . ?o a <{PF}Organization> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name } GROUP BY ?o ?name "
        "ORDER BY DESC(?n) LIMIT 1")))
    person = next(iter(store.query(
        f"SELECT ?p ?name WHERE {{ ?p a <{PF}Person> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY DESC(?p) LIMIT 1")))
    release = next(iter(store.query(f"SELECT ?r WHERE {{ ?r a <{PF}PressRelease> }} LIMIT 1")))
    local = lambda term: term.value.split("/id/", 1)[1]  # noqa: E731
    return {"person": local(person["p"]), "person_iri": person["p"].value,
            "person_name": person["name"].value, "hub": local(hub["o"]),
            "hub_name": hub["name"].value, "hub_mentions": hub["n"].value,
            "release": local(release["r"]).split("/", 1)[1], "quads": str(len(store))}


def rdflib_mix(source: Path, runs: int, queries: dict[str, str], merged: bool = False
               ) -> dict[str, Any]:
    """The mix on rdflib's memory Dataset (N-Quads), or with ``merged`` a Graph of the merged
    N-Triples, in this process (bench/sparql.py's rdflib_figures)."""
    timings, load = mix.rdflib_figures(source, runs, queries, merged)
    return {"load": load, "timings": timings}


# -- wrk -------------------------------------------------------------------


def lua_script(folder: Path, case: Case) -> Path | None:
    """A wrk script for a method other than GET, or for several paths taken in turn."""
    if case.method == "GET" and not case.paths:
        return None
    lines = [f'wrk.method = "{case.method}"']  # (wrk waits for a body after HEAD: not used)
    if case.paths:
        quoted = ", ".join(json.dumps(p) for p in case.paths)
        lines += [f"local paths = {{{quoted}}}", "local i = 0",
                  "request = function()", "  i = i + 1",
                  "  return wrk.format(nil, paths[(i % #paths) + 1])", "end"]
    script = folder / f"case-{abs(hash(case)) % 10**8}.lua"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return script


def parse_wrk(out: str) -> tuple[float, float, float, float, int]:
    """(p50 ms, p99 ms, requests/s, MB/s, errors) from wrk --latency output."""
    def latency(share: str) -> float:
        found = re.search(rf"^\s*{share}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
        return float(found.group(1)) * UNITS[found.group(2)] if found else math.nan

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += int(socket_errors.group(1)) + int(socket_errors.group(3)) + int(socket_errors.group(4))
    return (latency("50"), latency("99"), float(rate.group(1)) if rate else 0.0,
            float(transfer.group(1)) * SIZES[transfer.group(2)] if transfer else 0.0, errors)


def wrk_once(url: str, case: Case, opts: Options, script: Path | None) -> tuple[float, ...]:
    command = ["wrk", f"-t{opts.threads}", f"-c{opts.connections}",
               f"-d{max(1, round(opts.seconds))}s", "--latency", "--timeout", "30s",
               "-H", f"Accept: {case.accept}"]
    for header in case.headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run(command + [url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def first_request(port: int, case: Case) -> tuple[int, float]:
    """One request before the load, on a page or document not yet in the server's cache:
    (status, ms); status 0 when nothing answered within FIRST_TIMEOUT seconds."""
    headers = dict(h.split(": ", 1) for h in case.headers)
    started = time.perf_counter()
    status = status_of(port, case.paths[0] if case.paths else case.path,
                       {"Accept": case.accept, **headers}, case.method, timeout=FIRST_TIMEOUT)
    return status, (time.perf_counter() - started) * 1000


FIRST_TIMEOUT = 60.0


def load(port: int, case: Case, opts: Options, folder: Path) -> Load:
    """wrk against one case, --repeats times; median with min–max of each figure."""
    status, first = first_request(port, case)
    if status not in (200, 206):  # a page that does not answer would hold every thread of
        nothing = Spread(())       # the server and spoil the cases after it: not loaded
        return Load(nothing, nothing, nothing, nothing, 0, first, case.bulk, status)
    script = lua_script(folder, case)
    runs = [wrk_once(f"http://127.0.0.1:{port}{case.path}", case, opts, script)
            for _ in range(opts.repeats)]
    ok = [r for r in runs if r[2] > 0 and not math.isnan(r[0])]  # latencies of runs that had answers
    return Load(Spread(tuple(r[0] for r in ok)), Spread(tuple(r[1] for r in ok)),
                Spread(tuple(r[2] for r in runs)), Spread(tuple(r[3] for r in runs)),
                sum(int(r[4]) for r in runs), first, case.bulk)


# -- what is loaded -------------------------------------------------------


def mix_paths(queries: dict[str, str]) -> tuple[str, ...]:
    """The SPARQL mix of bench/sparql.py as GET /sparql URLs (JSON or Turtle answers)."""
    paths = []
    for query in queries.values():
        graph = query.lstrip().upper().startswith("CONSTRUCT")
        paths.append("/sparql?" + urllib.parse.urlencode(
            {"query": query, "format": "turtle" if graph else "json"}))
    return tuple(paths)


def site_cases(picks: dict[str, str]) -> list[Case]:
    person, hub, release = picks["person"], picks["hub"], picks["release"]
    word = picks["hub_name"].split()[0]
    typed = picks["person_name"][:-1]
    paths = mix_paths(mix.mix(picks["person_name"]))
    return [
        Case("person, RDF (Accept: text/turtle)", f"/data/{person}", "text/turtle"),
        Case("person, HTML page", f"/page/{person}", "text/html"),
        Case("hub organization, RDF page 1", f"/data/{hub}", "text/turtle"),
        Case("hub organization, RDF page 2", f"/data/{hub}?page=2", "text/turtle"),
        Case(f"search HTML (q={word})", f"/search?q={urllib.parse.quote(word)}", "text/html"),
        Case("search.json (a name being typed)",
             f"/search.json?q={urllib.parse.quote(typed)}", "application/json"),
        Case("per-release dump (Turtle)", f"/dumps/releases/{release}.ttl", "text/turtle"),
        # wrk hangs on HEAD (it waits for the body the Content-Length announces): a one-byte
        # range GET stands for it (the same headers, ETag and Content-Range, no body)
        Case("graph dump, HEAD-like (Range: bytes=0-0)", "/dumps/dataset.nq.gz",
             headers=("Range: bytes=0-0",)),
        Case("graph dump GET (dataset.nq.gz)", "/dumps/dataset.nq.gz", bulk=True),
        Case("hub organization, HTML page 1", f"/page/{hub}", "text/html"),
        Case("hub organization, HTML page 2", f"/page/{hub}?page=2", "text/html"),
        # last: requests the load leaves unanswered when its run ends (on Virtuoso "orgs by
        # mentions", over the site's time limit) keep the site's threads and the store busy
        # for up to KG_QUERY_TIMEOUT, and the next case's first request was charged with
        # them (a hub page's first view: 3.0 s at 100,000 releases, 0.4 s on an idle store)
        Case("SPARQL mix (6 queries in turn)", paths[0], paths=paths),
    ]


def virtuoso_construct_path(iri: str) -> str:
    query = f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"
    return "/sparql?" + urllib.parse.urlencode({"query": query, "format": "text/turtle"})


# -- Virtuoso ---------------------------------------------------------------


@contextmanager
def loaded_virtuoso(root: Path, nq_gz: Path, buffers: int) -> Iterator[tuple[Any, float, int, int]]:
    """A Virtuoso (tests/virtuoso.py) bulk-loaded with the build's N-Quads dump:
    yields (server, load seconds, quads loaded in our graphs, SQL port)."""
    from tests import virtuoso

    ini = virtuoso.INI.replace("NumberOfBuffers = 20000", f"NumberOfBuffers = {buffers}") \
        .replace("MaxDirtyBuffers = 15000", f"MaxDirtyBuffers = {buffers * 3 // 4}")
    sql_port = free_port()
    original, virtuoso.INI = virtuoso.INI, ini
    try:
        with virtuoso.running_virtuoso(root, sql_port, free_port()) as server:
            virtuoso.INI = original
            started = time.perf_counter()
            bulk_load(root, nq_gz, sql_port)
            seconds = time.perf_counter() - started
            yield server, seconds, count_our_quads(sql_port), sql_port
    finally:
        virtuoso.INI = original


def mark_published(server: Any, build_dir: Path) -> None:
    """Write the name of the build into the publication graph, as `kg publish` does last: the
    site reads a remote store's hub answers from the build's hubs.sqlite only while the store
    holds that very build (a bulk load writes no such name)."""
    from kg.publish import _finish, publication_graph
    from kg.remote import Endpoint, RemoteStore

    manifest = json.loads(((build_dir / "current").resolve() / "manifest.json").read_text())
    store = RemoteStore(Endpoint(server.query_url, server.update_url, server.user, server.password))
    store.update(_finish(str(manifest["build"]), publication_graph(str(manifest["base_uri"]))))


def isql(sql_port: int, statements: str) -> str:
    done = subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba", "VERBOSE=OFF",
                           "BANNER=OFF", "PROMPT=OFF", f"exec={statements}"],
                          capture_output=True, text=True, timeout=7200)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    return done.stdout


def bulk_load(root: Path, nq_gz: Path, sql_port: int) -> None:
    """Virtuoso's bulk loader (ld_dir + rdf_loader_run) on the gzipped N-Quads, then a checkpoint."""
    folder = root / "load"
    folder.mkdir()
    target = folder / nq_gz.name
    try:
        os.link(nq_gz, target)
    except OSError:
        shutil.copy(nq_gz, target)
    isql(sql_port, f"ld_dir('{folder}', '*.nq.gz', 'urn:x-bench:unused'); rdf_loader_run(); "
                   "checkpoint;")
    errors = isql(sql_port, "SELECT COUNT(*) FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;")
    if errors.split()[-1:] != ["0"]:
        raise RuntimeError(f"Virtuoso's bulk loader reported errors: {errors}")


def count_our_quads(sql_port: int) -> int:
    out = isql(sql_port, "SPARQL SELECT COUNT(*) WHERE { GRAPH ?g { ?s ?p ?o } "
                         f"FILTER(STRSTARTS(STR(?g), '{BASE}graph/')) }};")
    numbers = [int(w) for w in out.split() if w.isdigit()]
    return numbers[-1] if numbers else 0


def direct_mix(port: int, runs: int, queries: dict[str, str], timeout: float = 120
               ) -> dict[str, list[float]]:
    """The mix on Virtuoso's own /sparql (with the prefixes the site predeclares). A query
    that takes longer than ``timeout`` is left without figures (its cells print as –)
    rather than ending the run: at 100,000 releases one did, after everything else ran."""
    from kg.vocab import sparql_prologue

    timings: dict[str, list[float]] = {}
    for name, query in queries.items():
        graph = query.lstrip().upper().startswith("CONSTRUCT")
        path = "/sparql?" + urllib.parse.urlencode({
            "query": sparql_prologue() + query,
            "format": "text/turtle" if graph else "application/sparql-results+json"})
        timings[name] = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            for attempt in range(runs + 1):  # the first one warms up
                started = time.perf_counter()
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"Virtuoso answered {response.status} to {name}")
                if attempt:
                    timings[name].append(time.perf_counter() - started)
        except TimeoutError:
            print(f"  Virtuoso's /sparql: {name} took over {timeout:.0f} s; left out", flush=True)
            timings[name] = []
        finally:
            conn.close()
    return timings


# -- one size ---------------------------------------------------------------


def ms_spread(timings: dict[str, list[float]]) -> dict[str, Spread]:
    return {name: Spread(tuple(t * 1000 for t in values)) for name, values in timings.items()}


def measure_startup(build_dir: Path, ready: str, opts: Options, logs: Path) -> Spread:
    """Seconds from starting `kg serve --workers 2` to the first 200 on ``ready`` (median of starts)."""
    times = []
    for _ in range(opts.starts):
        server = start_server("kg serve", kg_command(), kg_env(build_dir), ready, logs / "kg.log")
        times.append(server.started_in)
        server.stop()
    return Spread(tuple(times))


def run_cases(report: SizeReport, store: str, server: Server, cases: list[Case],
              opts: Options, folder: Path) -> None:
    for case in cases:
        report.loads[(store, case.title)] = load(server.port, case, opts, folder)
        print(f"  {store:<8} {case.title:<40} {report.loads[(store, case.title)].rate.cell(0)} req/s",
              flush=True)


def embedded_part(report: SizeReport, build_dir: Path, cases: list[Case], opts: Options,
                  tmp: Path) -> None:
    site_part(report, "embedded", kg_env(build_dir), cases, opts, tmp)


def site_part(report: SizeReport, store: str, env: dict[str, str], cases: list[Case],
              opts: Options, tmp: Path) -> None:
    """`kg serve` on one store: the mix one query at a time, the wrk cases, its memory."""
    titles = {"embedded": ("kg serve (embedded)", "kg serve, embedded", "kg.log"),
              "virtuoso": ("kg serve (Virtuoso)", "kg serve, on Virtuoso", "kg-virtuoso.log")}
    name, memory, log = titles[store]
    server = start_server(name, kg_command(), env, f"/data/{report.picks['person']}", tmp / log)
    try:
        report.mix[store] = ms_spread(mix.endpoint_figures(server.port, opts.mix_runs,
                                                           mix.mix(report.picks["person_name"])))
        run_cases(report, store, server, cases, opts, tmp)
        report.memory[memory] = tree_memory(server.process.pid)
    finally:
        server.stop()


def bare_part(report: SizeReport, build_dir: Path, opts: Options, tmp: Path) -> None:
    store = (build_dir / "current").resolve() / "store"
    env = {"KG_BARE_STORE": str(store), "KG_BARE_BASE": BASE, "PYTHONPATH": str(ROOT)}
    command = [str(BIN / "gunicorn"), "-w", "2", "-b", "127.0.0.1:{port}", "bench.bare_app:app"]
    server = start_server("bare pyoxigraph", command, env, f"/data/{report.picks['person']}",
                          tmp / "bare.log")
    try:
        for who in ("person", "hub"):
            case = Case(f"bare: pyoxigraph CONSTRUCT, {who}", f"/data/{report.picks[who]}.ttl",
                        "text/turtle")
            report.references[case.title] = ("embedded", load(server.port, case, opts, tmp))
        report.memory["bare pyoxigraph app"] = tree_memory(server.process.pid)
    finally:
        server.stop()


def rdflib_part(report: SizeReport, nq_gz: Path, opts: Options, tmp: Path) -> None:
    """The mix on rdflib in a child process, and the bare app on rdflib, when the data fits."""
    if report.named_quads > opts.rdflib_max_quads:
        rdflib_merged_mix(report, nq_gz.with_name("dataset.nt.gz"), opts, tmp)
        return
    nquads = tmp / "dataset.nq"
    with gzip.open(nq_gz, "rb") as source, nquads.open("wb") as target:
        shutil.copyfileobj(source, target, 1 << 20)
    _, peak, out = child_figures([sys.executable, __file__, "--child-rdflib", str(nquads),
                                  str(opts.rdflib_runs), report.picks["person_name"], "dataset"])
    figures = json.loads(out.strip().splitlines()[-1])
    report.mix["rdflib"] = ms_spread(figures["timings"])
    report.memory["rdflib in-process mix"] = f"{peak:,.0f} MB (load {figures['load']:.1f} s)"
    env = {"KG_BARE_NQUADS": str(nquads), "KG_BARE_BASE": BASE, "PYTHONPATH": str(ROOT)}
    command = [str(BIN / "gunicorn"), "--preload", "-w", "2", "-b", "127.0.0.1:{port}",
               "--timeout", "600", "bench.bare_rdflib_app:app"]
    server = start_server("bare rdflib", command, env, f"/data/{report.picks['person']}",
                          tmp / "bare-rdflib.log", timeout=3600)
    try:
        case = Case("bare: rdflib CONSTRUCT, person", f"/data/{report.picks['person']}.ttl",
                    "text/turtle")
        report.references[case.title] = ("embedded", load(server.port, case, opts, tmp))
        report.memory["bare rdflib app"] = tree_memory(server.process.pid)
    finally:
        server.stop()
        nquads.unlink()


def rdflib_merged_mix(report: SizeReport, nt_gz: Path, opts: Options, tmp: Path) -> None:
    """Above --rdflib-max-quads a Dataset of every named graph does not fit in memory (about
    1.75 KB a quad); the mix then runs on a Graph of the merged graph (about 1.3 KB a triple),
    the default graph the endpoint answers the mix from, and the bare rdflib app is skipped
    (each of its workers would hold the graph)."""
    triples = int(report.quads - report.named_quads)
    if triples > opts.rdflib_max_triples:
        report.notes.append(f"rdflib skipped: {report.named_quads:,} quads > --rdflib-max-quads "
                            f"{opts.rdflib_max_quads:,} and {triples:,} merged triples > "
                            f"--rdflib-max-triples {opts.rdflib_max_triples:,}")
        return
    ntriples = tmp / "dataset.nt"
    with gzip.open(nt_gz, "rb") as source, ntriples.open("wb") as target:
        shutil.copyfileobj(source, target, 1 << 20)
    try:
        _, peak, out = child_figures([sys.executable, __file__, "--child-rdflib", str(ntriples),
                                      str(opts.rdflib_runs), report.picks["person_name"],
                                      "merged"])
    finally:
        ntriples.unlink()
    figures = json.loads(out.strip().splitlines()[-1])
    report.mix["rdflib"] = ms_spread(figures["timings"])
    report.memory["rdflib in-process mix (a Graph of the merged graph)"] = (
        f"{peak:,.0f} MB (load {figures['load']:.1f} s)")
    report.notes.append(f"rdflib: the mix on a Graph of the {triples:,} merged triples (its Dataset "
                        f"of {report.named_quads:,} quads is over --rdflib-max-quads); "
                        "bare rdflib app skipped")


def virtuoso_part(report: SizeReport, build_dir: Path, nq_gz: Path, cases: list[Case],
                  opts: Options, tmp: Path) -> None:
    if not opts.virtuoso or shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        report.notes.append("Virtuoso skipped (--no-virtuoso, or virtuoso-t / isql-vt missing)")
        return
    root = tmp / "virtuoso"
    with loaded_virtuoso(root, nq_gz, opts.virtuoso_buffers) as (server, seconds, quads, _):
        report.virtuoso_load_seconds, report.virtuoso_quads = seconds, quads
        print(f"  Virtuoso loaded in {seconds:.1f} s ({quads:,} quads)", flush=True)
        mark_published(server, build_dir)
        # Virtuoso alone first: the site's cold hub pages may leave it busy afterwards
        own = Case("Virtuoso's own /sparql: CONSTRUCT, person",
                   virtuoso_construct_path(report.picks["person_iri"]), "text/turtle")
        report.references[own.title] = ("virtuoso", load(server.http_port, own, opts, tmp))
        report.mix["virtuoso direct"] = ms_spread(direct_mix(server.http_port, opts.mix_runs,
                                                             mix.mix(report.picks["person_name"])))
        env = kg_env(build_dir, KG_STORE="sparql", KG_SPARQL_QUERY_URL=server.query_url)
        site_part(report, "virtuoso", env, cases, opts, tmp)
        pid = pid_with(str(root / "virtuoso.ini"))
        if pid is not None:
            report.memory["Virtuoso"] = f"{vmhwm_mb(pid):,.0f} MB"


def run_size(releases: int, opts: Options) -> SizeReport:
    report = SizeReport(releases)
    with tempfile.TemporaryDirectory(prefix=f"kg-scale-{releases}-", dir=opts.workdir) as name:
        tmp = Path(name)
        print(f"\n{releases:,} releases: generating the build …", flush=True)
        seconds, peak, out = child_figures([sys.executable, __file__, "--child-build",
                                            str(releases), str(tmp / "gen")])
        report.build_seconds, report.build_peak_mb = seconds, peak
        report.picks = json.loads(out.strip().splitlines()[-1])
        report.quads = int(report.picks["quads"])
        report.named_quads = int(report.picks["named_quads"])
        build_dir = Path(report.picks["build_dir"])
        nq_gz = (build_dir / "current").resolve() / "dumps" / "dataset.nq.gz"
        print(f"  built in {seconds:.1f} s, peak {peak:,.0f} MB; hub {report.picks['hub_name']} "
              f"mentioned by {report.picks['hub_mentions']} releases", flush=True)
        cases = site_cases(report.picks)
        report.startup = measure_startup(build_dir, f"/data/{report.picks['person']}", opts, tmp)
        bare_part(report, build_dir, opts, tmp)
        embedded_part(report, build_dir, cases, opts, tmp)
        try:
            virtuoso_part(report, build_dir, nq_gz, cases, opts, tmp)
        except Exception as err:  # the embedded figures must still be printed
            print(f"  the Virtuoso part stopped: {err}", flush=True)
        rdflib_part(report, nq_gz, opts, tmp)
    return report


# -- tables -----------------------------------------------------------------


def geometric_mean(values: list[float]) -> float:
    values = [v for v in values if v > 0 and not math.isnan(v)]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else math.nan


def print_report(report: SizeReport, opts: Options) -> None:
    print(f"\n### {report.releases:,} releases ({report.named_quads:,} quads in the release graphs, "
          f"{report.quads:,} in the store with their merge)\n")
    print(f"wrk -t{opts.threads} -c{opts.connections} -d{max(1, round(opts.seconds))}s, "
          f"{opts.repeats} repeats: median (min–max). ×bare: requests/s over those of the bare "
          "pyoxigraph CONSTRUCT of the person, same run. first: one request before the load "
          "(cold cache), ms. err: non-2xx and socket errors over all repeats.\n")
    print(f"* build (generated facts through kg.build.build_facts: encode, SHACL gate, store, dumps, search index): {report.build_seconds:.1f} s, "
          f"peak RSS {report.build_peak_mb:,.0f} MB")
    print(f"* `kg serve --workers 2` start-up to the first 200 (person document), "
          f"{opts.starts} starts: {report.startup.cell(2)} s")
    if not math.isnan(report.virtuoso_load_seconds):
        print(f"* Virtuoso bulk load (ld_dir + rdf_loader_run + checkpoint of dataset.nq.gz): "
              f"{report.virtuoso_load_seconds:.1f} s, {report.virtuoso_quads:,} quads in our graphs")
    print(f"* hub: {report.picks['hub_name']} (mentioned by {report.picks['hub_mentions']} "
          f"releases); person: {report.picks['person_name']}")
    for note in report.notes:
        print(f"* {note}")
    print_loads(report)
    print_mix(report)
    print("\nPeak RSS (VmHWM):\n")
    for name, text in report.memory.items():
        print(f"* {name}: {text}")


def print_loads(report: SizeReport) -> None:
    bare = report.references.get("bare: pyoxigraph CONSTRUCT, person", ("", None))[1]
    stores = ["embedded"] + (["virtuoso"] if any(s == "virtuoso" for s, _ in report.loads) else [])
    head = "| case |" + "".join(
        f" {s} p50 ms | p99 ms | req/s | ×bare | first | err |" for s in stores)
    print("\n" + head)
    print("|---|" + "---:|" * 6 * len(stores))
    for title, (column, figures) in report.references.items():
        cells = [load_cells(figures, bare) if column == s else ["–"] * 6 for s in stores]
        print(f"| {title} | " + " | ".join(c for cs in cells for c in cs) + " |")
    titles = list(dict.fromkeys(t for _, t in report.loads))
    for title in titles:
        cells = [load_cells(report.loads[(s, title)], bare) if (s, title) in report.loads
                 else ["–"] * 6 for s in stores]
        print(f"| {title} | " + " | ".join(c for cs in cells for c in cs) + " |")


def load_cells(figures: Load, bare: Load | None) -> list[str]:
    rate = figures.rate.cell(0)
    if figures.bulk:  # a download: the bytes matter more than the requests
        rate += f" ({figures.transfer.median:,.0f} MB/s)"
    first = f"{figures.first_ms:,.1f}"
    if figures.first_status not in (200, 206):
        first = f"{first} ({figures.first_status or 'no answer'}: not loaded)"
    return [figures.p50.cell(2), figures.p99.cell(1), rate, figures.ratio(bare), first,
            str(figures.errors)]


def print_mix(report: SizeReport) -> None:
    columns = [c for c in ("embedded", "virtuoso", "virtuoso direct", "rdflib") if c in report.mix]
    names = {"embedded": "embedded /sparql", "virtuoso": "kg on Virtuoso /sparql",
             "virtuoso direct": "Virtuoso's own /sparql", "rdflib": "rdflib in-process"}
    print("\nSPARQL mix of bench/sparql.py, one query at a time (ms, median (min–max) over "
          "the runs); ratio = rdflib p50 / embedded p50\n")
    print("| query | " + " | ".join(names[c] for c in columns) + " | ratio |")
    print("|---|" + "---:|" * (len(columns) + 1))
    ratios = []
    for query in mix.NAMES:
        cells = [report.mix[c][query].cell(2) for c in columns]
        ratio = math.nan
        if "rdflib" in report.mix:
            ratio = report.mix["rdflib"][query].median / report.mix["embedded"][query].median
            ratios.append(ratio)
        print(f"| {query} | " + " | ".join(cells) + f" | {'–' if math.isnan(ratio) else f'{ratio:.1f}x'} |")
    if ratios:
        print("| geometric mean |" + " |" * len(columns) + f" {geometric_mean(ratios):.1f}x |")


# -- command line -------------------------------------------------------------


def options(args: argparse.Namespace) -> Options:
    quick = args.quick
    return Options(seconds=args.seconds or (2 if quick else 10), repeats=args.repeats or (2 if quick else 3),
                   threads=2, connections=args.connections, starts=args.starts or (2 if quick else 3),
                   mix_runs=args.mix_runs or (5 if quick else 20),
                   rdflib_runs=args.rdflib_runs or (2 if quick else 3),
                   rdflib_max_quads=args.rdflib_max_quads,
                   rdflib_max_triples=args.rdflib_max_triples, virtuoso=not args.no_virtuoso,
                   virtuoso_buffers=args.virtuoso_buffers, workdir=args.workdir)


def child(args: argparse.Namespace) -> bool:
    """The modes this script runs itself in, as a child process, to measure time and peak RSS."""
    if args.child_build:
        releases, folder = args.child_build
        print(json.dumps(make_build(Path(folder), int(releases))))
        return True
    if args.child_rdflib:
        source, runs, person, kind = args.child_rdflib
        print(json.dumps(rdflib_mix(Path(source), int(runs), mix.mix(person), kind == "merged")))
        return True
    return False


def stop_cleanly_on_signals() -> None:
    """SIGTERM and SIGINT (ignored in a background job) unwind the stack, so that every
    server started is stopped and every temporary folder removed by the finally blocks."""
    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, nargs="+", default=None,
                        help="corpus sizes (default 1000 10000 100000; 300 with --quick)")
    parser.add_argument("--quick", action="store_true", help="short runs for development")
    parser.add_argument("--seconds", type=float, default=None, help="wrk duration (10; 2 quick)")
    parser.add_argument("--repeats", type=int, default=None, help="wrk runs per case (3; 2 quick)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--starts", type=int, default=None, help="start-up measurements (3)")
    parser.add_argument("--mix-runs", type=int, default=None, help="runs of each mix query (20)")
    parser.add_argument("--rdflib-runs", type=int, default=None, help="rdflib runs of each query (3)")
    parser.add_argument("--rdflib-max-quads", type=int, default=2_000_000,
                        help="skip rdflib above this many quads (it holds them all in memory)")
    parser.add_argument("--rdflib-max-triples", type=int, default=14_000_000,
                        help="above --rdflib-max-quads, the mix on a Graph of the merged graph up "
                             "to this many triples (about 1.3 KB each in memory)")
    parser.add_argument("--no-virtuoso", action="store_true")
    parser.add_argument("--virtuoso-buffers", type=int, default=170_000,
                        help="Virtuoso NumberOfBuffers (8 KB pages; 170,000 is about 1.4 GB)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary folders go")
    parser.add_argument("--child-build", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-rdflib", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    stop_cleanly_on_signals()
    if child(args):
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    opts = options(args)
    sizes = args.releases or ([300] if args.quick else [1000, 10000, 100000])
    print(f"command: {' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}; "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}", flush=True)
    for size in sizes:
        print_report(run_size(size, opts), opts)
    print(f"\n(load average at the end: {os.getloadavg()[0]:.2f}; "
          f"bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)")


if __name__ == "__main__":
    main()
