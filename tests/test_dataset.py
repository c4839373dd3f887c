"""Dataset metadata: VoID + DCAT at /dataset and /.well-known/void, the sitemap and robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from tests.conftest import BASE

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
PF = Namespace("https://w3id.org/pressfacts/ns#")
DATASET = URIRef(BASE + "dataset")


def count(client, query: str) -> int:
    response = client.get(
        "/sparql",
        headers={"Accept": "application/sparql-results+json"},
        query_string={"query": query},
    )
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def void(app) -> Graph:
    response = app.test_client().get("/.well-known/void")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def test_void_and_dcat_dataset(void, app) -> None:
    assert (DATASET, RDF.type, VOID.Dataset) in void
    assert (DATASET, RDF.type, DCAT.Dataset) in void
    manifest_triples = app.test_client().get("/dumps/", headers={"Accept": "application/json"})
    assert manifest_triples.status_code == 200
    assert void.value(DATASET, VOID.triples).toPython() > 600
    assert void.value(DATASET, VOID.entities).toPython() == count(
        app.test_client(),
        f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o
        FILTER(STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#")) }}""",
    )
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert void.value(DATASET, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert void.value(DATASET, DCTERMS.modified).datatype == XSD.dateTime


def test_class_partitions_match_sparql_counts(void, client) -> None:
    partitions = {
        void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()
        for p in void.objects(DATASET, VOID.classPartition)
    }
    for name in ("Person", "Organization", "Place", "PressRelease", "QuantitativeClaim"):
        assert (
            partitions[PF[name]]
            == count(client, f"SELECT (COUNT(DISTINCT ?o) AS ?n) {{ ?o a pf:{name} }}")
            > 0
        ), name


def test_distributions_match_the_dump_listing(void, client) -> None:
    """Each dump is a dcat:Distribution and void:dataDump with its size, media type and SHA-256."""
    listing = client.get("/dumps/", headers={"Accept": "application/json"}).get_json()
    for dump in listing["dumps"] + listing["release_dumps"]:
        url = URIRef(BASE + "dumps/" + dump["filename"])
        assert (url, RDF.type, DCAT.Distribution) in void, url
        assert (None, VOID.dataDump, url) in void
        assert void.value(url, DCAT.downloadURL) == url
        assert void.value(url, DCAT.byteSize).toPython() == dump["bytes"]
        assert str(void.value(url, DCAT.mediaType)).endswith("/" + dump["media_type"])
        checksum = void.value(url, SPDX.checksum)
        assert void.value(checksum, SPDX.checksumValue) == Literal(
            dump["sha256"], datatype=XSD.hexBinary
        )
        with client.get(f"/dumps/{dump['filename']}") as served:
            assert served.status_code == 200


def test_each_release_graph_is_a_subset_with_its_dump(void) -> None:
    subset = URIRef(BASE + "graph/000-634751f1f0fbc018")
    assert (DATASET, VOID.subset, subset) in void
    assert void.value(subset, VOID.dataDump) == URIRef(
        BASE + "dumps/releases/000-634751f1f0fbc018.ttl"
    )


@pytest.mark.parametrize(
    ("path", "media", "parser"),
    [
        ("/dataset.ttl", "text/turtle", "turtle"),
        ("/dataset.jsonld", "application/ld+json", "json-ld"),
        ("/dataset.nt", "application/n-triples", "nt"),
        ("/dataset.rdf", "application/rdf+xml", "xml"),
    ],
)
def test_dataset_in_every_format(client, path, media, parser) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == media
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    assert (DATASET, RDF.type, VOID.Dataset) in graph


def test_dataset_negotiates_html_for_browsers(client) -> None:
    response = client.get("/dataset", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.vary and 'rel="alternate"' in response.headers["Link"]
    body = response.get_data(as_text=True)
    assert "creativecommons.org/licenses/by/4.0" in body
    assert client.get("/dataset", headers={"Accept": "text/turtle"}).mimetype == "text/turtle"
    etag = response.headers["ETag"]
    again = client.get("/dataset", headers={"Accept": "text/html", "If-None-Match": etag})
    assert again.status_code == 304


def test_sitemap_lists_every_entity_page(client) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in root.findall("s:url/s:loc", ns)]
    assert BASE + "page/person/wang-ping" in locs
    assert BASE + "page/release/000-634751f1f0fbc018" in locs
    for loc in locs[:40]:
        assert (
            client.get(loc[len(BASE) - 1 :], headers={"Accept": "text/html"}).status_code == 200
        ), loc


def test_robots_points_to_sitemap(client) -> None:
    text = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {BASE}sitemap.xml" in text
