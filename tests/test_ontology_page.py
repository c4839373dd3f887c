"""``/ontology``: the ontology documented in HTML, and served as RDF by Accept and by extension."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from kg.vocab import NS, ONTOLOGY_IRI, PF

# rdflib's JSON-LD parser builds a ConjunctiveGraph internally, which rdflib 7 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

RDF_FORMATS = [
    ("ttl", "text/turtle", "turtle"),
    ("jsonld", "application/ld+json", "json-ld"),
    ("nt", "application/n-triples", "nt"),
    ("rdf", "application/rdf+xml", "xml"),
]


@pytest.fixture(scope="module")
def page(app) -> BeautifulSoup:
    response = app.test_client().get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture(scope="module")
def ontology(app) -> Graph:
    response = app.test_client().get("/ontology.ttl")
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def local_terms(graph: Graph, *kinds: URIRef) -> set[str]:
    return {str(s)[len(NS):] for k in kinds for s in graph.subjects(RDF.type, k)
            if str(s).startswith(NS)}


def test_every_class_has_an_anchor(page, ontology) -> None:
    """Each owl:Class of the ontology has a section with its name as id (#Person …)."""
    classes = local_terms(ontology, OWL.Class)
    assert {"Person", "Organization", "Place", "Quote", "QuantitativeClaim", "Post", "PressRelease",
            "ContactPoint", "Evidence"} <= classes
    for name in classes:
        section = page.find(id=name)
        assert section is not None, name
        assert f"pf:{name}" in section.h3.get_text()


def test_every_property_has_an_anchor(page, ontology) -> None:
    """Each object and datatype property has a section (#holdsPost …), label and comment."""
    properties = local_terms(ontology, OWL.ObjectProperty, OWL.DatatypeProperty)
    assert "holdsPost" in properties
    for name in properties:
        section = page.find(id=name)
        assert section is not None, name
        label = ontology.value(URIRef(NS + name), RDFS.label)
        assert str(label) in section.h3.get_text()
        comment = ontology.value(URIRef(NS + name), RDFS.comment)
        if comment is not None:
            assert " ".join(str(comment).split()) in section.get_text(" ", strip=True)


def test_every_vocabulary_term_is_documented(page) -> None:
    """Every term of kg.vocab.PF (what the code writes) has an anchor on the page."""
    names = [name for name in PF.__annotations__]
    assert "holdsPost" in names and "Person" in names
    missing = [name for name in names if page.find(id=name) is None]
    assert missing == []


def test_every_term_used_in_the_data_is_documented(client, page) -> None:
    """Each pf: class or property the seed data uses links to an existing anchor."""
    query = f"""SELECT DISTINCT ?t WHERE {{ {{ ?s ?t ?o }} UNION {{ ?s a ?t }}
        FILTER(STRSTARTS(STR(?t), "{NS}")) }}"""
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    used = {b["t"]["value"][len(NS):] for b in response.get_json()["results"]["bindings"]}
    assert used
    assert [name for name in used if page.find(id=name) is None] == []


def test_page_header_and_machine_links(client, page) -> None:
    """The page names the ontology IRI and links to Turtle, JSON-LD and the shapes, which answer."""
    assert ONTOLOGY_IRI in page.select_one("p.iri").get_text()
    hrefs = {a["href"] for a in page.find_all("a", href=True)}
    for href in ("/ontology.ttl", "/ontology.jsonld", "/ontology/shapes.ttl"):
        assert href in hrefs
        assert client.get(href).status_code == 200


def test_domain_and_range_are_shown(page) -> None:
    """A property's section states its domain and range (pf:holdsPost: Person → Post)."""
    text = page.find(id="holdsPost").get_text(" ", strip=True)
    assert "pf:Person" in text and "pf:Post" in text


@pytest.mark.parametrize(("extension", "media", "parser"), RDF_FORMATS)
def test_ontology_by_extension(client, extension, media, parser) -> None:
    """/ontology.ext serves the ontology in that RDF format, parseable, with owl:Ontology."""
    response = client.get(f"/ontology.{extension}")
    assert response.status_code == 200
    assert response.mimetype == media
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    assert (URIRef(NS + "Person"), RDF.type, OWL.Class) in graph


@pytest.mark.parametrize(("extension", "media", "parser"), RDF_FORMATS)
def test_ontology_by_accept(client, ontology, extension, media, parser) -> None:
    """/ontology with an RDF Accept serves the same graph as the .ttl file."""
    response = client.get("/ontology", headers={"Accept": media})
    assert response.status_code == 200
    assert response.mimetype == media
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    assert len(graph) == len(ontology)


def test_ontology_html_extension(client) -> None:
    """/ontology.html is the HTML documentation."""
    response = client.get("/ontology.html")
    assert response.status_code == 200 and response.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/ontology.xyz", "/ontology.srj"])
def test_ontology_unknown_extension_is_404(client, path) -> None:
    """An extension that is not a document format is 404."""
    assert client.get(path, headers={"Accept": "application/json"}).status_code == 404


def test_ontology_unacceptable_is_406(client) -> None:
    """An Accept the ontology cannot meet is 406 listing its formats."""
    response = client.get("/ontology", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["message"]


def test_shapes_parse_and_cover_every_class(client, ontology) -> None:
    """/ontology/shapes.ttl is Turtle with a SHACL node shape targeting each class."""
    response = client.get("/ontology/shapes.ttl")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    shapes = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    targets = {str(t)[len(NS):] for t in shapes.objects(None, SH.targetClass)}
    assert local_terms(ontology, OWL.Class) <= targets
    assert set(shapes.subjects(RDF.type, SH.NodeShape))


def test_shacl_constraints_listed_per_class(page) -> None:
    """Classes with shapes list their SHACL constraint messages on the page."""
    section = page.find(id="Person")
    assert section.find("details") is not None
    assert section.select("details li")


@pytest.mark.parametrize("name", ["Person", "holdsPost", "QuantitativeClaim", "asOf"])
def test_ontology_terms_dereference(client, name) -> None:
    """/ontology/{Term} is 303 to its section for browsers, the term's triples for RDF clients."""
    html = client.get(f"/ontology/{name}", headers={"Accept": "text/html"})
    assert html.status_code == 303 and html.headers["Location"] == f"/ontology#{name}"
    data = client.get(f"/ontology/{name}", headers={"Accept": "text/turtle"})
    assert data.status_code == 200 and data.mimetype == "text/turtle" and "Accept" in data.vary
    graph = Graph().parse(data=data.get_data(as_text=True), format="turtle")
    term = URIRef("https://w3id.org/pressfacts/ns#" + name)
    assert (term, RDFS.label, None) in graph
    assert client.get(f"/ontology/{name}.jsonld").mimetype == "application/ld+json"


def test_class_term_document_carries_its_shape(client) -> None:
    data = client.get("/ontology/Person.ttl")
    graph = Graph().parse(data=data.get_data(as_text=True), format="turtle")
    assert (None, SH.targetClass, URIRef("https://w3id.org/pressfacts/ns#Person")) in graph


def test_every_ontology_term_dereferences(client) -> None:
    """Every class and property documented on /ontology has an /ontology/{Term} that answers."""
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    names = [s["id"] for s in soup.select("section.term")]
    assert len(names) > 30
    for name in names:
        response = client.get(f"/ontology/{name}", headers={"Accept": "text/turtle"})
        assert response.status_code == 200, name


def test_unknown_ontology_term_is_404(client) -> None:
    assert client.get("/ontology/Nope", headers={"Accept": "application/json"}).status_code == 404


def test_domains_ranges_and_alignments_are_links(client) -> None:
    """Our terms link to their sections (which exist); schema.org/PROV/ORG terms to their IRIs."""
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    ids = {s["id"] for s in soup.select("section.term")}
    holds = soup.find(id="holdsPost")
    assert holds.find("a", href="#Person") and holds.find("a", href="http://www.w3.org/ns/org#holds")
    for link in soup.select("section.term a[href^='#']"):
        assert link["href"][1:] in ids, link
    assert soup.find(id="Quote").find("a", href="https://schema.org/Quotation")
