"""A plain SPARQL 1.1 store over HTTP for the tests: pyoxigraph behind the Protocol's query
and update operations, on 127.0.0.1, in a thread of the test process.

It stands for the stores that are not Virtuoso (Fuseki, Oxigraph server, GraphDB): it
knows no SQL functions, so whatever kg does there must be standard SPARQL. Its default
graph is the union of the named graphs, as ``oxigraph serve --union-default-graph``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

UPDATE_BODY = "application/sparql-update"


@dataclass(frozen=True)
class PlainStore:
    """Where the running store answers, and the pyoxigraph store behind it."""

    port: int
    store: ox.Store
    user: str = ""
    password: str = ""

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/update"


def _update(store: ox.Store, request: Request) -> Response:
    """An update sent directly, urlencoded, or (as kg's loader path does) as a multipart form."""
    text = request.get_data(as_text=True) if request.mimetype == UPDATE_BODY else request.form.get("update")
    if not text:
        return Response("no update", status=400)
    store.update(text)
    return Response(status=204)


def _query(store: ox.Store, request: Request) -> Response:
    text = request.values.get("query")
    if not text:
        return Response("no query", status=400)
    result = store.query(text, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        body = ox.serialize(result, format=ox.RdfFormat.TURTLE) or b""
        return Response(body, mimetype="text/turtle")
    return Response(result.serialize(format=ox.QueryResultsFormat.JSON),
                    mimetype="application/sparql-results+json")


def _application(store: ox.Store) -> object:
    @Request.application  # type: ignore[arg-type]
    def application(request: Request) -> Response:
        try:
            return (_update if request.path == "/update" else _query)(store, request)
        except (SyntaxError, ValueError, RuntimeError, OSError) as err:  # as a store answers
            return Response(f"refused: {err}", status=400)

    return application


@contextmanager
def running_plain_store() -> Iterator[PlainStore]:
    """The store, listening on a free loopback port until the block ends."""
    store = ox.Store()
    server = make_server("127.0.0.1", 0, _application(store), threaded=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield PlainStore(server.server_port, store)
    finally:
        server.shutdown()
        thread.join(timeout=10)
