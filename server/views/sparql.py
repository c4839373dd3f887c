"""``/sparql``: the SPARQL 1.1 query endpoint (GET and POST), its HTML form and service description.

The endpoint is read-only (updates get 403) and never fetches anything
(SERVICE is refused). Queries run in worker processes with a time limit and a
row cap (see :mod:`kg.runner`); an uncapped answer streams to the client, a capped one
is sent whole. The format
comes from ``format=`` or from ``Accept``; a browser gets an HTML table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request

from kg.errors import QueryRejected
from kg.queries import examples, load
from kg.runner import Answer, Job
from kg.sparql import QueryShape, check
from kg.vocab import PREFIXES, sparql_prologue
from server.describe import Describer
from server.negotiation import (
    BY_KEY,
    FORMATS,
    GRAPH_FORMATS,
    HTML,
    RESULT_FORMATS,
    Format,
    choose,
    describe,
)
from server.store import PublishedBuild, get_build, get_pool

bp = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
CONSTRUCT_FORMATS = (*GRAPH_FORMATS, *(f for f in FORMATS if f.kind == "dataset"))

# names clients use in format= (SPARQLWrapper sends json-ld, rdf+xml, xml, n3 …) -> our keys
FORMAT_ALIASES: dict[str, tuple[str, ...]] = {
    "json": ("json", "jsonld"), "xml": ("xml", "rdfxml"), "json-ld": ("jsonld",),
    "rdf+xml": ("rdfxml",), "rdf": ("rdfxml",), "ttl": ("turtle",), "n3": ("turtle",),
    "nt": ("ntriples",), "n-triples": ("ntriples",), "nq": ("nquads",), "n-quads": ("nquads",),
}


@bp.after_request
def cors(response: Response) -> Response:
    """Let browser clients on other origins (YASGUI and the like) use the endpoint."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, KG-Rows, KG-Truncated, Warning"
    return response


@bp.route("/sparql", methods=["OPTIONS"])
def preflight() -> Response:
    """CORS preflight: which methods and request headers a cross-origin client may use."""
    response = Response(status=204)
    response.headers["Allow"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _query_text() -> str | None:
    """The query of a GET or POST request, per the protocol's three ways of sending one."""
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == UPDATE_BODY or "update" in request.form:
            abort(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if mimetype == QUERY_BODY:
            return request.get_data(as_text=True)
        if mimetype not in (FORM, "multipart/form-data"):
            abort(415, f"POST a query as {FORM} or {QUERY_BODY}, not {mimetype or 'no type'}")
        values = request.form.getlist("query")
    else:
        if "update" in request.args:
            abort(403, "this endpoint is read-only: SPARQL Update is not accepted")
        values = request.args.getlist("query")
    if len(values) > 1:
        raise QueryRejected("give exactly one 'query' parameter, not several")
    return values[0] if values else None


def _format(offered: tuple[Format, ...]) -> Format:
    """The format named by ``format=`` when it fits the query, else the one Accept prefers.

    ``format=`` may be one of our keys, a common alias or a media type. A value that
    does not fit the query falls back to Accept, since clients such as SPARQLWrapper
    send both and mean the same thing by them. 406 when nothing fits.
    """
    wanted = request.values.get("format", "").strip().lower()
    if wanted:
        candidates = FORMAT_ALIASES.get(wanted, (wanted,))
        by_type = [f.key for f in offered if wanted in f.media_types]
        for key in (*candidates, *by_type):
            fmt = BY_KEY.get(key)
            if fmt is not None and fmt in offered:
                return fmt
    fmt = choose(request.accept_mimetypes, offered)
    if fmt is None:
        abort(406, f"this result is available as {describe(offered)}")
    return fmt


def _protocol_dataset() -> dict[str, tuple[str, ...] | None]:
    """``default-graph-uri`` and ``named-graph-uri``: graphs of this dataset only.

    A graph the dataset does not hold is an empty graph: nothing is ever fetched.
    """
    chosen: dict[str, tuple[str, ...] | None] = {}
    for param, key in (("default-graph-uri", "default_graphs"), ("named-graph-uri", "named_graphs")):
        values = request.values.getlist(param)
        for value in values:
            if not value.startswith(("http://", "https://", "urn:")) or any(
                    c in value for c in ' <>"{}|^`\\'):
                raise QueryRejected(f"{param}={value!r} is not an absolute IRI")
        chosen[key] = tuple(values) or None
    return chosen


def _etag(build: PublishedBuild, query: str, fmt: Format, shape: QueryShape) -> str | None:
    """The same query, dataset and format on the same build give the same answer, unless
    the query asks for randomness or the time, or the data lives in a remote store (which
    changes when `kg publish` runs, not when the build does): then there is no ETag."""
    if shape.nondeterministic or current_app.config["KG"].store != "embedded":
        return None
    parts = [build.name, query, fmt.key, *request.values.getlist("default-graph-uri"), "|",
             *request.values.getlist("named-graph-uri"), str(current_app.config["KG"].max_rows)]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query, or show the form (browsers) or the service description (RDF clients)."""
    query = _query_text()
    if query is None or not query.strip():
        return _no_query()
    shape = check(query)
    dataset = _protocol_dataset()  # validated before anything else answers
    fmt = _format((*_offered(shape), HTML))
    build = get_build()
    if fmt is HTML:
        return _html(build, query, shape)
    etag = _etag(build, query, fmt, shape)
    if etag and request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(etag):
        return _not_modified(etag)
    settings = current_app.config["KG"]
    job = Job(store=str(build.folder / "store"), query=query, output=fmt.ox_name,
              max_rows=settings.max_rows, **dataset)
    answer = get_pool().run(job)
    cacheable = etag if answer.rows is not None or answer.kind == "boolean" else None
    return _respond(answer, fmt, cacheable)


def _offered(shape: QueryShape) -> tuple[Format, ...]:
    """CONSTRUCT and DESCRIBE answer in RDF; SELECT in all four result formats; ASK in the
    two that can hold a boolean (the CSV and TSV result formats are for SELECT only)."""
    if shape.returns_graph:
        return CONSTRUCT_FORMATS
    if shape.form == "ASK":
        return tuple(f for f in RESULT_FORMATS if f.key in ("json", "xml"))
    return RESULT_FORMATS


def _run(build: PublishedBuild, query: str, shape: QueryShape, output: str, cap: int) -> Answer:
    job = Job(store=str(build.folder / "store"), query=query, output=output, max_rows=cap,
              **_protocol_dataset())
    return get_pool().run(job)


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.vary.add("Accept")
    return response


def _respond(answer: Answer, fmt: Format, etag: str | None) -> Response:
    """Stream the answer. Only answers known to be whole (capped or boolean) get an ETag:
    an uncapped stream could still be cut by the time limit."""
    media = fmt.media_type + ("; charset=utf-8" if fmt.media_type.startswith("text/") else "")
    response = Response(answer.chunks, content_type=media, direct_passthrough=True)
    if etag:
        response.set_etag(etag)
    response.vary.add("Accept")
    if answer.rows is not None:
        response.headers["KG-Rows"] = str(answer.rows)
    if answer.truncated:
        response.headers["KG-Truncated"] = "true"
        response.headers["Warning"] = (
            f'199 - "result cut at {answer.rows} rows by the endpoint\'s limit (KG_MAX_ROWS)"')
    return response


def _collect(chunks: Iterator[bytes]) -> bytes:
    return b"".join(chunks)


def _html(build: PublishedBuild, query: str, shape: QueryShape) -> Response:
    """The query page with its results as a table, every IRI linked to its page."""
    describer = Describer(build)
    limit = current_app.config["KG"].max_rows
    table: dict[str, Any] = {"columns": [], "rows": [], "boolean": None, "truncated": False}
    output = "N_TRIPLES" if shape.returns_graph else "TSV"
    answer = _run(build, query, shape, output, limit)
    body = _collect(answer.chunks)
    table["truncated"] = answer.truncated
    if answer.kind == "boolean":
        table["boolean"] = b"true" in body
    elif answer.kind == "solutions":
        table["columns"], table["rows"] = _solution_rows(describer, body)
    else:
        table["columns"] = ["subject", "predicate", "object"]
        table["rows"] = [[describer.term(t.subject, {}), describer.term(t.predicate, {}),
                          describer.term(t.object, {})]
                         for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)]
    kinds = CONSTRUCT_FORMATS if shape.returns_graph else RESULT_FORMATS
    page = render_template("sparql.html", query=query, table=table, examples=examples(),
                           download_formats=kinds, limit=limit)
    response = Response(page, mimetype="text/html")
    response.vary.add("Accept")
    return response


def _solution_rows(describer: Describer, tsv: bytes) -> tuple[list[str], list[list[Any]]]:
    """The columns and rows of a TSV answer, each term linked. In a function of its own, so
    that the parsed results (freed only on the thread that made them) are gone when it
    returns, whatever reference cycles hold the caller's frame (see kg.remote._answer)."""
    solutions = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
    columns = [v.value for v in solutions.variables]
    return columns, [[describer.term(s[c], {}) if s[c] is not None else None for c in columns]
                     for s in solutions]


def _no_query() -> Response:
    fmt = choose(request.accept_mimetypes, (HTML, *GRAPH_FORMATS))
    if fmt is None or fmt is HTML:
        body = render_template("sparql.html", query=sparql_prologue() + "\n" + examples()[0][2],
                               table=None, examples=examples(), download_formats=RESULT_FORMATS,
                               limit=current_app.config["KG"].max_rows)
        response = Response(body, mimetype="text/html")
    else:
        assert fmt.rdf is not None
        prefixes = {"sd": SD, "void": VOID, **PREFIXES}
        response = Response(ox.serialize(_service_description(get_build()), format=fmt.rdf,
                                         prefixes=prefixes), mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def _service_description(build: PublishedBuild) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of this endpoint, with VoID counts of its dataset."""
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    void = lambda name: ox.NamedNode(VOID + name)  # noqa: E731
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(request.base_url)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
        ox.Triple(default, void("triples"), _integer(int(build.manifest["triples"]))),
    ]
    for fmt in (*RESULT_FORMATS, *CONSTRUCT_FORMATS):
        iri = (fmt.results or fmt.rdf).iri  # type: ignore[union-attr]
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(iri)))
    for graph, count in _graph_sizes(build):
        named, description = ox.BlankNode(), ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, a, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(graph)),
            ox.Triple(named, sd("graph"), description),
            ox.Triple(description, a, sd("Graph")),
            ox.Triple(description, void("triples"), _integer(count)),
        ]
    return [t for t in triples if t is not None]


def _graph_sizes(build: PublishedBuild) -> list[tuple[str, int]]:
    if "graph_sizes" not in build.cache:
        rows = build.store.select(load("graph_sizes"))
        build.cache["graph_sizes"] = [(r["g"].value, int(r["n"].value)) for r in rows]
    return build.cache["graph_sizes"]  # type: ignore[no-any-return]


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
