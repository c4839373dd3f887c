"""Runs untrusted SPARQL queries in worker processes, so that none can harm the server.

Oxigraph cannot interrupt a query once started, so each query runs in a worker
process of a small pool. The server waits for the answer at most
``KG_QUERY_TIMEOUT`` seconds; a worker that runs out of time is killed and
replaced, and the client gets an error. Only ``KG_MAX_CONCURRENT_QUERIES``
queries run at once; entity pages and the rest of the site never wait for them.

An uncapped answer comes back in chunks, so a large result need not fit in memory.
With a row cap (``KG_MAX_ROWS``) the worker first takes at most cap + 1 rows (or
triples), so the reply can say whether it cut, and sends the capped answer in one
message; serialization is Oxigraph's own.
"""

from __future__ import annotations

import ctypes
import io
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import resource
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import Busy, QueryRejected, QueryTimeout
from kg.plan import Planner
from kg.sparql import deep_check
from kg.store import OxigraphStore

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
_SPAWN = multiprocessing.get_context("spawn")  # never fork a process that holds a RocksDB handle


@dataclass(frozen=True)
class Job:
    """One query to run: the text, the dataset to run it on, the output format and the cap."""

    store: str
    query: str
    output: str  # a QueryResultsFormat or RdfFormat name, e.g. "JSON" or "TURTLE"
    max_rows: int  # 0: no cap
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


@dataclass
class Answer:
    """The head of a reply (kind, how many rows, whether cut) and an iterator over its bytes."""

    kind: str  # "solutions" | "boolean" | "graph"
    rows: int | None
    truncated: bool
    chunks: Iterator[bytes] = field(repr=False)


# -- the worker side ------------------------------------------------------------------

class _Pipe:
    """A binary file-like object that sends what is written in chunks through a connection."""

    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        self.conn = conn
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self.conn.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()


class _Enough(Exception):
    """Stops Oxigraph's serializer once :class:`_FirstLines` holds all the lines it wants."""


class _FirstLines:
    """A binary writer that keeps the first ``wanted`` lines written to it, then stops the writer.

    SPARQL TSV writes one solution a line (a newline inside a literal is escaped), so
    the lines kept are the header and the first ``wanted - 1`` solutions, written by
    Oxigraph itself: a capped answer costs no Python per term.
    """

    def __init__(self, wanted: int) -> None:
        self.wanted = wanted
        self.lines = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        room = self.wanted - self.lines
        found = data.count(b"\n")
        if found < room:
            self.parts.append(bytes(data))
            self.lines += found
            return len(data)
        end = -1
        for _ in range(room):
            end = data.index(b"\n", end + 1)
        self.parts.append(bytes(data[: end + 1]))
        self.lines = self.wanted
        raise _Enough

    def flush(self) -> None:
        """Nothing buffered here."""


def _first_solutions(result: ox.QuerySolutions, cap: int) -> tuple[bytes, int, bool]:
    """At most ``cap`` solutions as SPARQL TSV, how many, and whether there were more."""
    lines = _FirstLines(cap + 2)  # the header, the cap, and one more to know it was cut
    try:
        result.serialize(lines, ox.QueryResultsFormat.TSV)
    except _Enough:
        pass
    tsv = b"".join(lines.parts)
    rows = lines.lines - 1
    if rows <= cap:
        return tsv, rows, False
    return tsv[: tsv.rindex(b"\n", 0, len(tsv) - 1) + 1], cap, True


def _answer(store: OxigraphStore, job: Job, pipe: _Pipe, planner: Planner | None) -> None:
    query = job.query
    if planner is not None and not job.default_graphs and not job.named_graphs:
        query = planner.plan(query)  # its sizes are those of the store's own default graph
    result = store.run(query, default_graphs=list(job.default_graphs or []) or None,
                       named_graphs=list(job.named_graphs or []) or None)
    if job.max_rows > 0 or isinstance(result, ox.QueryBoolean):
        # the server reads a capped answer (or a boolean) whole before it replies, so it goes
        # as one message: the server wakes once, not for a head, each chunk and an end
        head: list[Any] = []
        whole = io.BytesIO()
        emit(result, job, lambda *parts: head.extend(parts), whole, store.prefixes)
        body = whole.getvalue()
        whole.close()  # pickling copies the body once more: hold two copies at most, not three
        pipe.conn.send(("whole", *head, body))
        return
    emit(result, job, lambda *head: pipe.conn.send(("head", *head)), pipe, store.prefixes)
    pipe.flush()
    pipe.conn.send(("end",))


def emit(result: Any, job: Job, head: Any, out: Any, prefixes: dict[str, str]) -> None:
    """Write a query's answer in the job's format, after announcing its head (kind, rows, cut).

    The same for the embedded store (in a worker) and a remote one (its parsed answer), so
    the cap, the cut report and the serialization never differ between the two.
    """
    if isinstance(result, ox.QueryBoolean):
        head("boolean", None, False)
        result.serialize(out, getattr(ox.QueryResultsFormat, job.output))
    elif isinstance(result, ox.QuerySolutions):
        fmt = getattr(ox.QueryResultsFormat, job.output)
        if job.max_rows <= 0:
            head("solutions", None, False)
            result.serialize(out, fmt)
        else:
            tsv, rows, cut = _first_solutions(result, job.max_rows)
            head("solutions", rows, cut)
            ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(out, fmt)
    else:
        fmt = getattr(ox.RdfFormat, job.output)
        triples: Any = result
        rows_sent: int | None = None
        cut = False
        if job.max_rows > 0:
            triples = list(itertools.islice(result, job.max_rows + 1))
            cut = len(triples) > job.max_rows
            triples = triples[: job.max_rows]
            rows_sent = len(triples)
        if fmt.supports_datasets:
            triples = (ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        head("graph", rows_sent, cut)
        ox.serialize(triples, out, fmt, prefixes=prefixes)


CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def isolate_network() -> bool:
    """Move this process into a network namespace of its own: no route anywhere.

    As root a new network namespace is enough; otherwise a new user namespace comes
    with it (the user keeps its own uid and gid inside, so files stay readable).
    Returns False where the kernel refuses both; the caller then checks queries deeply.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        log.warning("query worker: could not map its user into the new namespace")
    return True


def limit_memory(megabytes: int) -> None:
    """Cap the worker's address space, so a runaway query fails instead of the machine."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_main(conn: multiprocessing.connection.Connection, prefixes: dict[str, str],
                memory_mb: int = 0, plan: bool = True) -> None:
    """A worker's loop: open the store a job names (once), run the job, stream the answer."""
    isolated = isolate_network()
    limit_memory(memory_mb)
    conn.send(("ready", isolated))
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items())
    opened: dict[str, tuple[OxigraphStore, Planner]] = {}  # the store of the last job's build
    while True:
        try:
            job: Job | None = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            if not isolated:
                deep_check(job.query, prologue)  # no namespace to fall back on: parse for real
            if job.store not in opened:
                opened.clear()
                store = OxigraphStore.open_read_only(Path(job.store), prefixes)
                opened[job.store] = (store, Planner(store, prologue))
            store, planner = opened[job.store]
            _answer(store, job, _Pipe(conn), planner if plan else None)
        except QueryRejected as err:
            conn.send(("error", err.status, err.code, str(err)))
        except (SyntaxError, ValueError, RuntimeError) as err:
            conn.send(("error", 400, "query_failed", f"the query failed: {err}"))
        except MemoryError:
            conn.send(("error", 503, "query_memory",
                       f"the query needed more than {memory_mb} MB (KG_QUERY_MEMORY) and was stopped"))
        except Exception as err:  # the worker must outlive any one query  # noqa: BLE001
            log.exception("query worker error")
            conn.send(("error", 500, "internal", f"the query could not be answered: {err}"))


# -- the server side ------------------------------------------------------------------

class _Stream:
    """The body of an answer, chunk by chunk, that always settles its worker.

    ``close()`` runs even when nobody iterated (a HEAD request, a client gone before
    the first byte): a worker whose answer was not read to the end is killed and its
    slot freed, never left taken. Running out of time mid-answer raises, so the server
    drops the connection and the client sees an incomplete answer, not a short one.
    """

    def __init__(self, pool: QueryPool, worker: _Worker, deadline: float) -> None:
        self.pool = pool
        self.worker: _Worker | None = worker
        self.deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        while self.worker is not None:
            message = self.pool._receive(self.worker, self.deadline)
            if message[0] == "chunk":
                yield message[1]
                continue
            if message[0] == "error":
                self.close()
                raise QueryRejected(f"the query failed while its answer was sent: {message[3]}")
            self._settle(finished=True)

    def _settle(self, finished: bool) -> None:
        worker, self.worker = self.worker, None
        if worker is None:
            return
        if finished:
            self.pool._give_back(worker)
        else:
            self.pool._discard(worker)

    def close(self) -> None:
        self._settle(finished=False)

    def __del__(self) -> None:  # a safety net for callers that forget close()
        self._settle(finished=False)


class _Worker:
    def __init__(self, prefixes: dict[str, str], memory_mb: int, plan: bool = True) -> None:
        self.conn, child = _SPAWN.Pipe()
        self.process = _SPAWN.Process(target=worker_main, args=(child, prefixes, memory_mb, plan),
                                      daemon=True, name="kg-query-worker")
        self.process.start()
        child.close()
        if not self.conn.poll(30):
            self.kill()
            raise QueryRejected("a query worker did not start", status=503, code="busy")
        _, self.isolated = self.conn.recv()
        if not self.isolated:
            log.warning("query worker %s is not in a network namespace of its own; every query "
                        "is parsed and checked for SERVICE instead", self.process.pid)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A bounded set of worker processes; ``run`` gives a query at most ``timeout`` seconds."""

    def __init__(self, size: int, timeout: float, prefixes: dict[str, str],
                 queue_wait: float = 5.0, memory_mb: int = 0, planner: bool = True) -> None:
        self.size = size
        self.memory_mb = memory_mb
        self.planner = planner
        self.timeout = timeout
        self.queue_wait = queue_wait
        self.prefixes = prefixes
        self._idle: queue.LifoQueue[_Worker | None] = queue.LifoQueue()
        for _ in range(size):
            self._idle.put(None)  # a free slot; the worker is started when first needed
        self._closed = False
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()

    def _take(self) -> _Worker:
        try:
            worker = self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            raise Busy(f"all {self.size} query workers are busy; retry in a few seconds") from None
        if worker is not None and not worker.process.is_alive():
            self._forget(worker)  # died while idle
            worker = None
        if worker is None:
            try:
                worker = _Worker(self.prefixes, self.memory_mb, self.planner)
            except BaseException:
                self._give_back(None)  # keep the slot
                raise
            with self._lock:
                self._all.add(worker)
        return worker

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def _give_back(self, worker: _Worker | None) -> None:
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        self._forget(worker)
        self._give_back(None)  # the slot is free again; a fresh worker starts on demand

    def run(self, job: Job) -> Answer:
        """Send the job to a worker; return the head of the answer, or raise what went wrong."""
        worker = self._take()
        deadline = time.monotonic() + self.timeout
        try:
            worker.conn.send(job)
            message = self._receive(worker, deadline)
        except BaseException:
            self._discard(worker)
            raise
        if message[0] == "error":
            self._give_back(worker)
            _, status, code, text = message
            raise QueryRejected(text, status=status, code=code)
        if message[0] == "whole":
            # capped (at most KG_MAX_ROWS rows) or a boolean: the worker is free at once, so
            # that slow or idle clients never hold one
            self._give_back(worker)
            _, kind, rows, truncated, body = message
            return Answer(kind, rows, truncated, iter([body]))
        if message[0] != "head":
            self._discard(worker)
            raise QueryRejected(f"the query worker answered {message[0]!r}", status=500,
                                code="internal")
        _, kind, rows, truncated = message  # uncapped: stream while it is made
        return Answer(kind, rows, truncated, _Stream(self, worker, deadline))

    def _receive(self, worker: _Worker, deadline: float) -> tuple[Any, ...]:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not worker.conn.poll(remaining):
            raise QueryTimeout(
                f"the query ran longer than the limit of {self.timeout:g} s (KG_QUERY_TIMEOUT) "
                "and was stopped")
        try:
            message: tuple[Any, ...] = worker.conn.recv()
        except EOFError:
            raise QueryRejected("the query worker died while running the query", status=500,
                                code="worker_died") from None
        return message

    def close(self) -> None:
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
            worker.kill()
