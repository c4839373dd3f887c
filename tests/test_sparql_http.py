"""Every SPARQL 1.1 Protocol case, over real HTTP against `kg serve` (negative cases included)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

SELECT = "SELECT ?h WHERE { ?r a pf:PressRelease ; pf:headline ?h }"
CONSTRUCT = "CONSTRUCT { ?r pf:headline ?h } WHERE { ?r pf:headline ?h }"
ASK = "ASK { ?p a pf:Person }"
HEADLINE = "G60 S&T Innovation Valley of Yangtze River Delta has Made Strong Development."


def headlines(body: bytes) -> bool:
    """True when SPARQL XML results hold the seed headline (parsed, so '&' is unescaped)."""
    return HEADLINE in {s["h"].value for s in ox.parse_query_results(body, ox.QueryResultsFormat.XML)}


def call(base: str, method: str = "GET", params: dict[str, str] | list[tuple[str, str]] | None = None,
         body: bytes | None = None, headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    url = base + "sparql"
    if params is not None and method == "GET":
        url += "?" + urllib.parse.urlencode(params)
    elif params is not None:
        body = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


@pytest.mark.parametrize(("accept", "media", "check"), [
    ("application/sparql-results+json", "application/sparql-results+json",
     lambda b: json.loads(b)["results"]["bindings"][0]["h"]["value"] == HEADLINE),
    ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: headlines(b)),
    ("text/csv", "text/csv", lambda b: HEADLINE in b.decode()),
    ("text/tab-separated-values", "text/tab-separated-values", lambda b: HEADLINE in b.decode()),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml",
     lambda b: headlines(b)),
])
def test_select_by_accept(live_server: str, accept: str, media: str, check) -> None:  # type: ignore[no-untyped-def]
    status, headers, body = call(live_server, params={"query": SELECT}, headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(media) and check(body)
    assert "accept" in headers["vary"].lower()


@pytest.mark.parametrize(("fmt", "media"), [("json", "application/sparql-results+json"),
                                            ("xml", "application/sparql-results+xml"),
                                            ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_select_by_format_parameter(live_server: str, fmt: str, media: str) -> None:
    status, headers, _ = call(live_server, params={"query": SELECT, "format": fmt})
    assert status == 200 and headers["content-type"].startswith(media)


@pytest.mark.parametrize(("accept", "rdf"), [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/trig", ox.RdfFormat.TRIG), ("application/n-quads", ox.RdfFormat.N_QUADS),
])
def test_construct_by_accept(live_server: str, accept: str, rdf: ox.RdfFormat) -> None:
    status, headers, body = call(live_server, params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(accept)
    assert HEADLINE in {q.object.value for q in ox.parse(body, rdf)}


def test_the_three_ways_of_sending_a_query(live_server: str) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = call(live_server, params={"query": ASK}, headers=accept)
    by_form = call(live_server, "POST", params={"query": ASK}, headers=accept)
    by_body = call(live_server, "POST", body=ASK.encode(),
                   headers={**accept, "Content-Type": "application/sparql-query"})
    for status, _, body in (by_get, by_form, by_body):
        assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize(("method", "params", "body", "headers", "status", "words"), [
    ("GET", {"query": "SELEC ?x WHERE"}, None, {}, 400, "error at"),
    ("GET", [("query", ASK), ("query", ASK)], None, {}, 400, "one 'query'"),
    ("GET", {"update": "DROP ALL"}, None, {}, 403, "read-only"),
    ("POST", None, b"DROP ALL", {"Content-Type": "application/sparql-update"}, 403, "read-only"),
    ("GET", {"query": "INSERT DATA { <http://a/> <http://b/> <http://c/> }"}, None, {}, 403,
     "read-only"),
    ("POST", None, ASK.encode(), {"Content-Type": "text/plain"}, 415, "application/sparql-query"),
    ("GET", {"query": SELECT}, None, {"Accept": "image/png"}, 406, "application/sparql-results+json"),
    ("GET", {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, None, {}, 400,
     "SERVICE"),
    ("GET", {"query": ASK, "default-graph-uri": "no iri"}, None, {}, 400, "default-graph-uri"),
    ("POST", None, b"#" * 1_100_000, {"Content-Type": "application/sparql-query"}, 413, ""),
])
def test_errors(live_server: str, method: str, params, body, headers, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    got, response_headers, content = call(live_server, method, params, body,
                                          {"Accept": "application/json", **headers})
    assert got == status
    message = json.loads(content)["message"]
    assert words in message


def test_service_description_and_form(live_server: str) -> None:
    status, headers, body = call(live_server, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert b"sparql-service-description" in body
    status, headers, body = call(live_server, headers={"Accept": "text/html"})
    assert status == 200 and b"<form" in body


def test_cors_and_etag(live_server: str) -> None:
    status, headers, _ = call(live_server, "OPTIONS", headers={
        "Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"})
    assert status == 204 and headers["access-control-allow-origin"] == "*"
    status, headers, _ = call(live_server, params={"query": SELECT},
                              headers={"Accept": "application/sparql-results+json"})
    etag = headers["etag"]
    again, _, _ = call(live_server, params={"query": SELECT},
                       headers={"Accept": "application/sparql-results+json", "If-None-Match": etag})
    assert again == 304
