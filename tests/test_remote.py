"""The remote store's query runner, against a plain SPARQL store over HTTP (tests/sparql_store.py)."""

from __future__ import annotations

import gc
import sys
import threading
from typing import Any

import pyoxigraph as ox

from kg.remote import Endpoint, RemoteRunner, RemoteStore
from kg.runner import Job
from kg.vocab import PREFIXES
from tests.sparql_store import running_plain_store


def test_answers_on_request_threads_are_freed_there() -> None:
    """A parsed answer may only be freed on the thread that parsed it (pyoxigraph's results
    are "unsendable"). The runner's local parse (rdflib's pyparsing) leaves reference cycles
    that hold its frames until the garbage collector runs, on whatever thread: no answer may
    be in those frames, or it is leaked and reported when the collector frees it here."""
    reported: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = reported.append
    try:
        with running_plain_store() as server:
            server.store.add(ox.Quad(ox.NamedNode("http://x.org/s"), ox.NamedNode("http://x.org/p"),
                                     ox.Literal("o"), ox.NamedNode("http://x.org/g")))
            runner = RemoteRunner(RemoteStore(Endpoint(server.query_url), PREFIXES), timeout=10)
            answers: list[bytes] = []

            def ask(number: int) -> None:
                query = f"SELECT ?s ?o WHERE {{ ?s ?p ?o FILTER(?o != {number}) }}"
                answers.append(b"".join(runner.run(Job("", query, "JSON", 100)).chunks))

            threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            gc.collect()
    finally:
        sys.unraisablehook = previous
    assert len(answers) == 8 and all(b"http://x.org/s" in a for a in answers)
    assert [str(r.exc_value) for r in reported] == []
