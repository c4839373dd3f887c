"""End to end over HTTP: `kg build` + `kg serve`, used by SPARQLWrapper, rdflib and urllib."""

from __future__ import annotations

import csv
import http.client
import io
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TURTLE, XML, SPARQLWrapper

# rdflib's JSON-LD and RDF/XML result parsing builds ConjunctiveGraphs, which rdflib 7 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

PF = Namespace("https://w3id.org/pressfacts/ns#")
HEADLINE = "G60 S&T Innovation Valley of Yangtze River Delta has Made Strong Development."
PREFIX = "PREFIX pf: <https://w3id.org/pressfacts/ns#> "
SELECT = PREFIX + "SELECT ?h WHERE { ?r a pf:PressRelease ; pf:headline ?h }"
CONSTRUCT = PREFIX + "CONSTRUCT { ?r pf:headline ?h } WHERE { ?r pf:headline ?h }"
ASK = PREFIX + "ASK { ?p a pf:Person }"


def wrapper(base: str, query: str, fmt: str, only_conneg: bool = False) -> SPARQLWrapper:
    sparql = SPARQLWrapper(base + "sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setOnlyConneg(only_conneg)
    return sparql


def results(sparql: SPARQLWrapper):
    """Run the query and convert its result, closing the HTTP response (also on an HTTP error)."""
    try:
        result = sparql.query()
    except Exception as err:
        if isinstance(err.__context__, urllib.error.HTTPError):
            err.__context__.close()  # SPARQLWrapper leaves the error response open
        raise
    try:
        return result.convert()
    finally:
        result.response.close()


def test_sparqlwrapper_select_json(live_server) -> None:
    """SPARQLWrapper SELECT in JSON returns the seed headline."""
    data = results(wrapper(live_server, SELECT, JSON))
    assert [b["h"]["value"] for b in data["results"]["bindings"]] == [HEADLINE]


def test_sparqlwrapper_select_xml(live_server) -> None:
    """SPARQLWrapper SELECT in XML returns the seed headline."""
    document = results(wrapper(live_server, SELECT, XML))
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == [HEADLINE]


def test_sparqlwrapper_select_csv(live_server) -> None:
    """SPARQLWrapper SELECT in CSV returns a header row and the headline."""
    body = results(wrapper(live_server, SELECT, CSV))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows == [["h"], [HEADLINE]]


def test_sparqlwrapper_ask(live_server) -> None:
    """SPARQLWrapper ASK answers true."""
    assert results(wrapper(live_server, ASK, JSON))["boolean"] is True


def test_sparqlwrapper_construct_turtle(live_server) -> None:
    """SPARQLWrapper CONSTRUCT in Turtle returns the headline triple."""
    body = results(wrapper(live_server, CONSTRUCT, TURTLE))
    graph = Graph().parse(data=body, format="turtle")
    assert list(graph.objects(None, PF.headline)) == [Literal(HEADLINE)]


@pytest.mark.parametrize("fmt", [JSONLD, RDFXML])
def test_sparqlwrapper_construct_by_content_negotiation(live_server, fmt) -> None:
    """SPARQLWrapper CONSTRUCT in JSON-LD or RDF/XML works when it negotiates by Accept only."""
    graph = results(wrapper(live_server, CONSTRUCT, fmt, only_conneg=True))
    assert list(graph.objects(None, PF.headline)) == [Literal(HEADLINE)]


@pytest.mark.parametrize("fmt", [JSONLD, RDFXML, XML])
def test_sparqlwrapper_construct_with_default_settings(live_server, fmt) -> None:
    """SPARQLWrapper CONSTRUCT with its default settings (JSON-LD, RDF/XML) returns the graph."""
    graph = results(wrapper(live_server, CONSTRUCT, fmt))
    assert list(graph.objects(None, PF.headline)) == [Literal(HEADLINE)]


def test_rdflib_sparqlstore(live_server) -> None:
    """An rdflib Graph over SPARQLStore queries the endpoint: the headline, ASK and the size."""
    graph = Graph(store=SPARQLStore(query_endpoint=live_server + "sparql"))
    rows = list(graph.query(SELECT))
    assert [str(row[0]) for row in rows] == [HEADLINE]
    assert graph.query(ASK).askAnswer is True
    with urllib.request.urlopen(urllib.request.Request(
            live_server + "dumps/", headers={"Accept": "application/json"})) as response:
        listing = json.load(response)
    ttl = next(d for d in listing["dumps"] if d["filename"] == "dataset.ttl")
    assert len(graph) == ttl["triples"]


def test_urllib_follows_303_to_turtle(live_server) -> None:
    """Plain urllib with Accept text/turtle follows the 303 of /id/… to a Turtle document."""
    iri = live_server + "id/person/wang-ping"
    request = urllib.request.Request(iri, headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
        assert response.url == live_server + "data/person/wang-ping.ttl"
        assert response.headers.get_content_type() == "text/turtle"
        body = response.read().decode("utf-8")
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef(iri), RDFS.label, Literal("Wang Ping")) in graph


def test_raw_303_over_http(live_server) -> None:
    """On the wire, /id/… is a 303 with Location and Vary: Accept."""
    parts = urlsplit(live_server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/id/person/wang-ping", headers={"Accept": "application/ld+json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 303
        assert response.getheader("Location").endswith("/data/person/wang-ping.jsonld")
        assert "Accept" in response.getheader("Vary")
    finally:
        connection.close()


def test_html_page_over_http(live_server) -> None:
    """A browser-like GET of /id/… lands on the HTML page, which names Wang Ping with his IRI."""
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    request = urllib.request.Request(live_server + "id/person/wang-ping",
                                     headers={"Accept": browser})
    with urllib.request.urlopen(request) as response:
        assert response.url == live_server + "page/person/wang-ping"
        assert response.headers.get_content_type() == "text/html"
        soup = BeautifulSoup(response.read().decode("utf-8"), "html.parser")
    assert soup.h1.get_text(strip=True) == "Wang Ping"
    assert soup.select_one("p.iri code").get_text(strip=True) == live_server + "id/person/wang-ping"


def test_dump_range_over_http(live_server) -> None:
    """A ranged download of the Turtle dump over HTTP gets 206 and the right bytes."""
    with urllib.request.urlopen(live_server + "dumps/dataset.ttl") as response:
        whole = response.read()
    request = urllib.request.Request(live_server + "dumps/dataset.ttl",
                                     headers={"Range": "bytes=0-99"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 206
        assert response.read() == whole[:100]
