"""Linked data over real HTTP (`kg serve`): every entity of the seed graph dereferences in every
format, the dataset metadata, search, sitemap and gzip work as a crawler meets them."""

from __future__ import annotations

import gzip
import http.client
import json
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}


def request(
    base: str, path: str, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    """One request, redirects not followed (so a 303 is seen as a 303)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


@pytest.fixture(scope="module")
def entity_iris(live_server) -> list[str]:
    query = f"""SELECT DISTINCT ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ ?x ?y ?s }}
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{live_server}id/") && !CONTAINS(STR(?s), "#")) }}"""
    url = live_server + "sparql?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(
        urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    ) as response:
        rows = json.load(response)["results"]["bindings"]
    return [r["s"]["value"] for r in rows]


def test_every_entity_dereferences_in_every_format(live_server, entity_iris) -> None:
    assert len(entity_iris) > 15
    for iri in entity_iris:
        path = iri[len(live_server) - 1 :]
        html = request(live_server, path, {"Accept": "text/html"})
        assert html.status == 303 and html.getheader("Location") == path.replace(
            "/id/", "/page/", 1
        )
        assert request(live_server, html.getheader("Location")).status == 200, iri
        for media, (extension, parser) in FORMATS.items():
            redirect = request(live_server, path, {"Accept": media})
            assert redirect.status == 303, (iri, media)
            target = redirect.getheader("Location")
            assert target.endswith("." + extension)
            document = request(live_server, target)
            assert document.status == 200 and document.getheader("Content-Type").startswith(media)
            graph = Graph().parse(data=document.body, format=parser)
            assert (URIRef(iri), None, None) in graph or (None, None, URIRef(iri)) in graph, (
                iri,
                media,
            )


def test_gzip_over_http(live_server) -> None:
    response = request(live_server, "/page/person/wang-ping", {"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert b"Wang Ping" in gzip.decompress(response.body)


def test_search_json_over_http(live_server) -> None:
    response = request(live_server, "/search.json?q=wang")
    assert json.loads(response.body)["results"][0]["iri"] == live_server + "id/person/wang-ping"


def test_void_sitemap_and_dumps_over_http(live_server) -> None:
    void = request(live_server, "/.well-known/void", {"Accept": "text/turtle"})
    assert void.status == 200
    graph = Graph().parse(data=void.body, format="turtle")
    assert (URIRef(live_server + "dataset"), None, None) in graph
    sitemap = ET.fromstring(request(live_server, "/sitemap.xml").body)
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert live_server + "page/person/wang-ping" in locs
    dump = request(live_server, "/dumps/releases/000-634751f1f0fbc018.ttl", {"Range": "bytes=0-9"})
    assert dump.status == 206 and len(dump.body) == 10


def test_ontology_terms_over_http(live_server) -> None:
    response = request(live_server, "/ontology/Person", {"Accept": "text/html"})
    assert response.status == 303 and response.getheader("Location") == "/ontology#Person"
    assert request(live_server, "/ontology/Person", {"Accept": "text/turtle"}).status == 200
