"""``/sparql``: the SPARQL 1.1 query endpoint (GET and POST), its HTML form and service description.

The endpoint is read-only: updates are refused with 403. Results come in the
format asked for by ``format=`` or by ``Accept``; a browser gets an HTML table.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request

from kg.errors import QueryRejected
from kg.sparql import check
from kg.queries import examples
from kg.vocab import PREFIXES, sparql_prologue
from server.describe import Describer
from server.negotiation import BY_KEY, GRAPH_FORMATS, HTML, RESULT_FORMATS, Format, choose, describe
from server.store import get_build

bp = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"


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


# names clients use in format= (SPARQLWrapper sends json-ld, rdf+xml, xml, n3 …) -> our keys
FORMAT_ALIASES: dict[str, tuple[str, ...]] = {
    "json": ("json", "jsonld"), "xml": ("xml", "rdfxml"), "json-ld": ("jsonld",),
    "rdf+xml": ("rdfxml",), "rdf": ("rdfxml",), "ttl": ("turtle",), "n3": ("turtle",),
    "nt": ("ntriples",), "n-triples": ("ntriples",),
}


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


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query, or show the form (browsers) or the service description (RDF clients)."""
    query = _query_text()
    if query is None or not query.strip():
        return _no_query()
    shape = check(query)
    build = get_build()
    result = build.store.run(query, union=not shape.has_dataset, **_protocol_dataset())
    if isinstance(result, ox.QueryTriples):
        fmt = _format((*GRAPH_FORMATS, HTML))
        if fmt is HTML:
            return _html(query, triples=list(result))
        assert fmt.rdf is not None
        body = ox.serialize(result, format=fmt.rdf, prefixes=PREFIXES)
        return _respond(body, fmt)
    fmt = _format((*RESULT_FORMATS, HTML))
    if fmt is HTML:
        return _html(query, result=result)
    assert fmt.results is not None
    return _respond(_results(result, fmt.results), fmt)


def _protocol_dataset() -> dict[str, list[str] | None]:
    """``default-graph-uri`` and ``named-graph-uri``: graphs of this dataset only.

    A graph the dataset does not hold is an empty graph: nothing is ever fetched.
    """
    chosen: dict[str, list[str] | None] = {}
    for param, key in (("default-graph-uri", "default_graphs"), ("named-graph-uri", "named_graphs")):
        values = request.values.getlist(param)
        for value in values:
            if not value.startswith(("http://", "https://", "urn:")) or any(c in value for c in ' <>"{}|^`\\'):
                raise QueryRejected(f"{param}={value!r} is not an absolute IRI")
        chosen[key] = values or None
    return chosen


def _results(result: ox.QuerySolutions | ox.QueryBoolean, fmt: ox.QueryResultsFormat) -> bytes:
    return result.serialize(format=fmt)


def _respond(body: bytes, fmt: Format) -> Response:
    media = fmt.media_type + ("; charset=utf-8" if fmt.media_type.startswith("text/") else "")
    response = Response(body, content_type=media)
    response.vary.add("Accept")
    return response


def _html(query: str, result: Any = None, triples: list[ox.Triple] | None = None) -> Response:
    """The query page with its results as a table, every IRI linked to its page."""
    build = get_build()
    describer = Describer(build)
    limit = current_app.config["KG"].max_rows
    table: dict[str, Any] = {"columns": [], "rows": [], "boolean": None, "truncated": False}
    if isinstance(result, ox.QueryBoolean):
        table["boolean"] = bool(result)
    elif isinstance(result, ox.QuerySolutions):
        table["columns"] = [v.value for v in result.variables]
        for index, solution in enumerate(result):
            if index >= limit:
                table["truncated"] = True
                break
            table["rows"].append([
                describer.term(solution[c], {}) if solution[c] is not None else None
                for c in table["columns"]])
    elif triples is not None:
        table["columns"] = ["subject", "predicate", "object"]
        table["truncated"] = len(triples) > limit
        table["rows"] = [[describer.term(t.subject, {}), describer.term(t.predicate, {}),
                          describer.term(t.object, {})] for t in triples[:limit]]
    kinds = GRAPH_FORMATS if triples is not None else RESULT_FORMATS
    body = render_template("sparql.html", query=query, table=table, examples=examples(),
                           download_formats=kinds, limit=limit)
    response = Response(body, mimetype="text/html")
    response.vary.add("Accept")
    return response


def _no_query() -> Response:
    fmt = choose(request.accept_mimetypes, (HTML, *GRAPH_FORMATS))
    if fmt is None or fmt is HTML:
        body = render_template("sparql.html", query=sparql_prologue() + "\n" + examples()[0][2],
                               table=None, examples=examples(), download_formats=RESULT_FORMATS,
                               limit=current_app.config["KG"].max_rows)
        response = Response(body, mimetype="text/html")
    else:
        assert fmt.rdf is not None
        response = Response(ox.serialize(_service_description(), format=fmt.rdf,
                                         prefixes={"sd": SD, **PREFIXES}), mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def _service_description() -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of this endpoint."""
    endpoint = ox.NamedNode(request.base_url)
    service = ox.BlankNode()
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), endpoint),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
    ]
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        assert fmt.results is not None or fmt.rdf is not None
        iri = (fmt.results or fmt.rdf).iri  # type: ignore[union-attr]
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(iri)))
    return triples
