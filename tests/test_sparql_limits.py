"""Limits that keep the endpoint alive: time limit, busy workers, streaming, CORS, ETag, and
no outbound connection, against a real `kg serve` on a graph big enough for a slow query."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from kg.build import switch_current
from kg.config import Settings
from kg.store import OxigraphStore
from server import create_app
from tests.conftest import free_port, kg_command, wait_for

JSON = "application/sparql-results+json"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = "SELECT ?s WHERE { ?s a <http://example.org/Thing> } LIMIT 3"


def make_build(build_dir: Path, triples: int) -> Path:
    """A published build folder holding ``triples`` generated triples (no release pipeline)."""
    folder = build_dir / "20260101T000000000000Z-bigbig"
    (folder / "store").mkdir(parents=True)
    store = ox.Store(str(folder / "store"))
    graph = ox.NamedNode("http://127.0.0.1:5000/graph/generated")
    thing = ox.NamedNode("http://example.org/Thing")
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    store.extend(ox.Quad(ox.NamedNode(f"http://127.0.0.1:5000/id/organization/o{i}"),
                         a if i % 2 else ox.NamedNode("http://example.org/p"),
                         thing if i % 2 else ox.Literal(str(i)), graph) for i in range(triples))
    OxigraphStore(store).merge_into_default_graph()  # as the build does
    store.flush()
    del store
    manifest = {"build": folder.name, "built_at": dt.datetime.now(dt.UTC).isoformat(),
                "base_uri": "http://127.0.0.1:5000/", "releases": [], "skipped": [],
                "triples": triples, "quads": triples, "dumps": []}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    switch_current(build_dir, folder)
    return folder


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kg serve` on a 3,000-triple graph with a 2 s query limit and two query workers."""
    root = tmp_path_factory.mktemp("slow")
    make_build(root / "build", 3000)
    port = free_port()
    env = {**os.environ, "KG_BUILD_DIR": str(root / "build"), "KG_QUERY_TIMEOUT": "2",
           "KG_MAX_CONCURRENT_QUERIES": "2"}
    log = (root / "serve.log").open("wb")
    process = subprocess.Popen([*kg_command(), "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(port, process)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def get(url: str, accept: str = JSON, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def sparql_url(base: str, query: str) -> str:
    return base + "sparql?" + urllib.parse.urlencode({"query": query})


def test_a_runaway_query_is_stopped_with_503_and_a_message(slow_server: str) -> None:
    started = time.monotonic()
    status, _, body = get(sparql_url(slow_server, RUNAWAY))
    elapsed = time.monotonic() - started
    assert status == 503
    assert "KG_QUERY_TIMEOUT" in json.loads(body)["message"]
    assert 1.5 < elapsed < 10


def test_other_requests_are_answered_while_a_runaway_runs(slow_server: str) -> None:
    """While one query runs out its 2 s, small queries and pages are answered: they finish
    before the runaway does (an order of events, not a timing, so a busy machine agrees)."""
    runaway_done: list[float] = []

    def run_away() -> None:
        get(sparql_url(slow_server, RUNAWAY))
        runaway_done.append(time.monotonic())

    runaway = threading.Thread(target=run_away)
    runaway.start()
    time.sleep(0.3)
    answered: list[float] = []
    try:
        while runaway.is_alive() and len(answered) < 10:
            status, _, body = get(sparql_url(slow_server, SMALL))
            assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 3
            assert get(slow_server + "page/organization/o1", accept="text/html")[0] == 200
            answered.append(time.monotonic())
    finally:
        runaway.join()
    assert answered and answered[0] < runaway_done[0]


def test_the_worker_is_replaced_after_a_timeout(slow_server: str) -> None:
    assert get(sparql_url(slow_server, RUNAWAY))[0] == 503
    status, _, body = get(sparql_url(slow_server, SMALL))
    assert status == 200 and json.loads(body)["results"]["bindings"]


def test_when_every_worker_is_busy_the_client_is_told_to_retry(tmp_path: Path) -> None:
    """With one worker taken by a runaway, the next query waits, then gets 503 and Retry-After."""
    make_build(tmp_path / "build", 3000)
    app = create_app(Settings(build_dir=tmp_path / "build", query_timeout=4,
                              max_concurrent_queries=1))
    client = app.test_client()
    runaway = threading.Thread(target=client.get, args=("/sparql",),
                               kwargs={"query_string": {"query": RUNAWAY}})
    runaway.start()
    time.sleep(0.5)
    try:
        response = app.test_client().get("/sparql", query_string={"query": SMALL},
                                          headers={"Accept": JSON})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.get_json()["error"] == "busy"
    finally:
        runaway.join()


def test_large_answers_stream(tmp_path: Path) -> None:
    """With no row cap a big CONSTRUCT streams: the response is iterated, not built in memory."""
    make_build(tmp_path / "build", 20000)
    client = create_app(Settings(build_dir=tmp_path / "build", max_rows=0)).test_client()
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                          headers={"Accept": "application/n-triples"}, buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) > 1
    assert b"".join(chunks).count(b"\n") == 20000


def test_cors_preflight_and_headers(client: FlaskClient) -> None:
    preflight = client.options("/sparql", headers={
        "Origin": "http://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    response = client.get("/sparql", query_string={"query": "ASK {}"},
                          headers={"Accept": JSON, "Origin": "http://yasgui.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_etag_and_304(client: FlaskClient) -> None:
    """Embedded store: an ETag from build and request, 304 on a repeat (weak comparison too).
    Remote store: no ETag, since its data changes when `kg publish` runs, not the build."""
    query = {"query": "SELECT ?s WHERE { ?s a pf:Person }"}
    first = client.get("/sparql", query_string=query, headers={"Accept": JSON})
    if client.application.config["KG"].store != "embedded":
        assert "ETag" not in first.headers
        return
    etag = first.headers["ETag"]
    weak = client.get("/sparql", query_string=query,
                      headers={"Accept": JSON, "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    posted = client.post("/sparql", data=query, headers={"Accept": JSON, "If-None-Match": etag})
    assert posted.status_code == 200
    again = client.get("/sparql", query_string=query,
                       headers={"Accept": JSON, "If-None-Match": etag})
    assert again.status_code == 304
    other_format = client.get("/sparql", query_string=query,
                              headers={"Accept": "text/csv", "If-None-Match": etag})
    assert other_format.status_code == 200 and other_format.headers["ETag"] != etag


@pytest.mark.parametrize(("accept", "fmt"), [("application/trig", ox.RdfFormat.TRIG),
                                              ("application/n-quads", ox.RdfFormat.N_QUADS)])
def test_construct_in_dataset_formats(client: FlaskClient, accept: str, fmt: ox.RdfFormat) -> None:
    response = client.get("/sparql", query_string={
        "query": "CONSTRUCT WHERE { ?s a pf:Person }"}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    quads = list(ox.parse(response.get_data(), fmt))
    assert len(quads) == 2


def test_service_description_counts_the_dataset(client: FlaskClient, seed_settings: Settings) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    store = ox.Store()
    store.load(response.get_data(), ox.RdfFormat.TURTLE)
    rows = list(store.query(
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
        "PREFIX void: <http://rdfs.org/ns/void#> "
        "SELECT ?name ?n WHERE { ?s sd:defaultDataset/sd:namedGraph ?g . ?g sd:name ?name ; "
        "sd:graph/void:triples ?n }"))
    names = {r["name"].value for r in rows}
    assert "http://127.0.0.1:5000/graph/000-634751f1f0fbc018" in names
    assert "http://127.0.0.1:5000/graph/ontology" in names
    assert all(int(r["n"].value) > 0 for r in rows)


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        self.sock.close()


@pytest.mark.parametrize("template", [
    "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <http://127.0.0.1:{port}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "LOAD <http://127.0.0.1:{port}/data.ttl>",
])
def test_no_connection_leaves_the_server(live_server: str, template: str) -> None:
    """Whatever the query names, nothing connects to the listener (checked over real HTTP)."""
    listener = Listener()
    try:
        status, _, _ = get(sparql_url(live_server, template.format(port=listener.port)))
        time.sleep(0.3)
        assert status in (200, 400, 403)
        assert listener.connections == 0
    finally:
        listener.close()


def test_no_etag_for_answers_that_change_by_themselves(client: FlaskClient) -> None:
    queries = ["SELECT (RAND() AS ?r) {}", "SELECT (NOW() AS ?t) {}", "SELECT (STRUUID() AS ?u) {}"]
    if client.application.config["KG"].store == "embedded":  # Virtuoso lacks BNODE()
        queries.append("CONSTRUCT { ?s <http://x/p> ?b } WHERE { ?s a pf:Person BIND(BNODE() AS ?b) }")
        # an expression a lexer could take for an IRI, <xsd:double(RAND())&&?x> (Virtuoso does)
        queries.append("SELECT ?x { VALUES ?x { 1 } FILTER(?x<xsd:double(RAND())&&?x>0) }")
    for query in queries:
        response = client.get("/sparql", query_string={"query": query})
        assert response.status_code == 200 and "ETag" not in response.headers, query


def test_no_etag_for_an_uncapped_stream(seed_settings: Settings) -> None:
    """An uncapped answer could still be cut by the time limit, so it is never cacheable."""
    client = create_app(seed_settings.replace(max_rows=0)).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert response.status_code == 200 and "ETag" not in response.headers


def test_head_requests_do_not_use_up_the_workers(seed_settings: Settings) -> None:
    """HEAD never reads the body; the worker must still come back (pool of one, three HEADs)."""
    client = create_app(seed_settings.replace(max_concurrent_queries=1)).test_client()
    query = {"query": "SELECT ?s WHERE { ?s a pf:Person }"}
    for _ in range(3):
        assert client.head("/sparql", query_string=query).status_code == 200
    assert client.get("/sparql", query_string=query, headers={"Accept": JSON}).status_code == 200


def test_named_graph_uri_alone_gives_an_empty_default_graph(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": JSON}, query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "named-graph-uri": "http://127.0.0.1:5000/graph/ontology"})
    assert response.get_json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_ask_has_no_csv_or_tsv_answer(client: FlaskClient) -> None:
    for accept in ("text/csv", "text/tab-separated-values"):
        response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": accept})
        assert response.status_code == 406


BYPASSES = [
    "ASK {{ {{}} .SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "PREFIX ex: <http://x/> SELECT * {{ {{ ?a ex:a\\' ?o }} UNION "
    "{{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }}",
    "SELECT * {{ ?x ?p ?o FILTER(?x<2)SERVICE#>\n<http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * {{ ?r <http:\\u002F\\u002Fx\\u002Fp#x> ?v . SERVICE <http://127.0.0.1:{port}/> "
    "{{ ?s ?p ?o }} }}",
]


def test_an_iri_written_with_escapes_hides_no_service() -> None:
    """SPARQL decodes \\u escapes before parsing: the '#' of such an IRI starts no comment, so
    the SERVICE after it on the same line is seen (a review found it hidden)."""
    from kg.errors import QueryRejected
    from kg.sparql import check

    with pytest.raises(QueryRejected, match="SERVICE"):
        check(BYPASSES[-1].format(port=9))


@pytest.mark.parametrize("template", BYPASSES)
def test_tricks_that_hide_service_connect_nowhere(live_server: str, template: str) -> None:
    """Queries that hid SERVICE from a lexical scan (a review found them): refused, or run by
    a worker with no network; either way nothing reaches the listener."""
    listener = Listener()
    try:
        status, _, _ = get(sparql_url(live_server, template.format(port=listener.port)))
        time.sleep(0.3)
        assert status in (200, 400, 503)
        assert listener.connections == 0
    finally:
        listener.close()


def _try_connect(port: int, out: Any) -> None:
    from kg.runner import isolate_network

    isolated = isolate_network()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        out.put((isolated, "connected"))
    except OSError as err:
        out.put((isolated, f"refused: {err}"))


def test_an_isolated_worker_cannot_connect_anywhere() -> None:
    """The network namespace of a query worker has no route, not even to 127.0.0.1."""
    import multiprocessing

    listener = Listener()
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_try_connect, args=(listener.port, out))
    process.start()
    process.join(30)
    isolated, outcome = out.get(timeout=5)
    listener.close()
    if not isolated:
        pytest.skip("this kernel refuses network namespaces; queries are parsed for SERVICE instead")
    assert outcome.startswith("refused") and listener.connections == 0
