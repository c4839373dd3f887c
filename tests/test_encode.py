"""Encoding: the seed release and its curated facts become one RDF graph holding every seed fact.

The graph is then checked against ``ontology/shapes.ttl`` (the ckanext-dcat pattern:
validate what you generate), both through the build's gate and with the published
shapes file as an external validator would run it.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.encode import release_graph
from kg.extract import extract
from kg.model import Release
from kg.read import read_release
from kg.uris import Uris
from kg.validate import check, shapes_graph
from kg.vocab import NS, PF
from tests.conftest import BASE, DATA, SEED_ID, TEST_DATA

URIS = Uris(BASE)
R = URIRef(URIS.release(SEED_ID))
G60 = "G60 S&T Innovation Valley of Yangtze River Delta"
OFFICE = "Science and technology Innovation Development Office of Songjiang District"
CENTER = "Yangtze river delta G60 Jinhua (Shanghai) science and technology innovation center"


@pytest.fixture(scope="module")
def seed() -> Release:
    return read_release(DATA / "releases" / f"{SEED_ID}.txt")


@pytest.fixture(scope="module")
def graph(seed: Release) -> Graph:
    return release_graph(extract(seed, DATA / "facts"), URIS)


def iri(kind: str, name: str) -> URIRef:
    return URIRef(URIS.mint(kind, name))


def label_of(graph: Graph, node: object) -> str:
    return str(graph.value(node, RDFS.label))  # type: ignore[arg-type]


def test_release_headline_and_date(graph: Graph) -> None:
    """The release has its headline (also its label) and datePublished as an xsd:dateTime."""
    assert (R, RDF.type, PF.PressRelease) in graph
    headline = Literal(
        "G60 S&T Innovation Valley of Yangtze River Delta has Made Strong Development."
    )
    assert list(graph.objects(R, PF.headline)) == [headline]
    assert (R, RDFS.label, headline) in graph
    published = list(graph.objects(R, PF.datePublished))
    assert published == [Literal("2020-11-12T05:27:00", datatype=XSD.dateTime)]
    assert str(published[0]) == "2020-11-12T05:27:00"


def test_release_text_body_and_source(graph: Graph, seed: Release) -> None:
    """pf:text is the text as read, pf:body the debris-free body, pf:sourceFile the file name."""
    assert graph.value(R, PF.text) == Literal(seed.text)
    body = graph.value(R, PF.body)
    assert body == Literal(seed.body) and str(body).startswith("Since")
    assert "Breaking News" not in str(body)
    assert graph.value(R, PF.sourceFile) == Literal(f"{SEED_ID}.txt")


def test_contact_point(graph: Graph) -> None:
    """The contact point: company organization, person Ziyu Yan, E.164 phone, China, website IRI."""
    contact = graph.value(R, PF.contactPoint)
    assert contact == URIRef(URIS.entity("contact", "000-634751f1f0fbc018"))
    assert (contact, RDF.type, PF.ContactPoint) in graph
    company = graph.value(contact, PF.company)
    assert company == iri("organization", "Guangzhou Taikunchi Advertising Co., Ltd")
    assert (company, RDF.type, PF.Organization) in graph
    assert label_of(graph, company) == "Guangzhou Taikunchi Advertising Co., Ltd"
    person = graph.value(contact, PF.contactPerson)
    assert (person, RDF.type, PF.Person) in graph
    assert label_of(graph, person) == "Ziyu Yan"
    assert list(graph.objects(contact, PF.telephone)) == [Literal("+8613922218503")]
    assert graph.value(contact, PF.website) == URIRef("http://g60.songjiang.gov.cn")


def test_contact_country_is_a_place(graph: Graph) -> None:
    """The contact's country is a pf:Place 'China', type country, code CN."""
    contact = graph.value(R, PF.contactPoint)
    china = graph.value(contact, PF.country)
    assert china == iri("place", "China")
    assert (china, RDF.type, PF.Place) in graph
    assert label_of(graph, china) == "China"
    assert graph.value(china, PF.countryCode) == Literal("CN")
    assert graph.value(china, PF.placeType) == Literal("country")


def test_no_email_anywhere(graph: Graph) -> None:
    """'Email: Send Email' is a form, so the graph has no pf:email at all."""
    assert list(graph.subject_objects(PF.email)) == []


def test_about_the_valley(graph: Graph) -> None:
    """The release is about the G60 organization, which is typed, labelled and mentioned."""
    g60 = iri("organization", G60)
    assert list(graph.objects(R, PF.about)) == [g60]
    assert (g60, RDF.type, PF.Organization) in graph
    assert label_of(graph, g60) == G60
    assert (R, PF.mentions, g60) in graph
    assert len(list(graph.objects(g60, PF.evidence))) == 7


def test_places(graph: Graph) -> None:
    """Yangtze River Delta, Shanghai, Songjiang District, Jinhua: places the release mentions."""
    expected = {
        "Yangtze River Delta": "region",
        "Shanghai": "city",
        "Songjiang District": "district",
        "Jinhua": "city",
        "China": "country",
    }
    places = {
        label_of(graph, p): str(graph.value(p, PF.placeType))
        for p in graph.subjects(RDF.type, PF.Place)
    }
    assert places == expected
    for name in expected:
        assert (R, PF.mentions, iri("place", name)) in graph


def test_organizations(graph: Graph) -> None:
    """The office and the Jinhua (Shanghai) innovation center are organizations, with evidence."""
    names = {label_of(graph, o) for o in graph.subjects(RDF.type, PF.Organization)}
    assert names == {G60, OFFICE, CENTER, "Guangzhou Taikunchi Advertising Co., Ltd"}
    for name in (OFFICE, CENTER):
        assert graph.value(iri("organization", name), PF.evidence) is not None


def test_wang_ping_holds_a_post_in_the_office(graph: Graph) -> None:
    """Wang Ping holds a post 'Secretary and Director' in the office, stated in the release."""
    wang = iri("person", "Wang Ping")
    assert (wang, RDF.type, PF.Person) in graph
    posts = list(graph.objects(wang, PF.holdsPost))
    assert len(posts) == 1
    post = posts[0]
    assert (post, RDF.type, PF.Post) in graph
    assert graph.value(post, PF.heldBy) == wang
    assert graph.value(post, PF.postTitle) == Literal("Secretary and Director")
    assert graph.value(post, PF.postIn) == iri("organization", OFFICE)
    assert graph.value(post, PF.statedIn) == R


def test_quote_by_wang_ping(graph: Graph) -> None:
    """The quote starts 'Through the agglomeration of head enterprises'; Wang Ping said it."""
    quotes = list(graph.subjects(RDF.type, PF.Quote))
    assert len(quotes) == 1
    quote = quotes[0]
    text = str(graph.value(quote, PF.quoteText))
    assert text.startswith("Through the agglomeration of head enterprises")
    assert text.endswith("in the new development pattern")
    assert graph.value(quote, PF.speaker) == iri("person", "Wang Ping")
    assert graph.value(quote, PF.statedIn) == R


def test_claims(graph: Graph) -> None:
    """Claims 1280, 13, 11 and 9 are xsd:integer values as of 2020-11-12 (xsd:date), about G60."""
    claims = list(graph.subjects(RDF.type, PF.QuantitativeClaim))
    values = {}
    for claim in claims:
        value = graph.value(claim, PF.value)
        assert isinstance(value, Literal) and value.datatype == XSD.integer
        values[int(value)] = claim
        assert graph.value(claim, PF.asOf) == Literal("2020-11-12", datatype=XSD.date)
        assert graph.value(claim, PF.claimSubject) == iri("organization", G60)
        assert graph.value(claim, PF.unit) == Literal("count")
        assert graph.value(claim, PF.statedIn) == R
    assert sorted(values) == [9, 11, 13, 1280]
    assert graph.value(values[1280], PF.counts) == Literal("head enterprises")


def test_every_evidence_exact_is_its_slice(graph: Graph, seed: Release) -> None:
    """Every pf:Evidence node's pf:exact equals text[start:end]; its IRI has the same offsets."""
    nodes = list(graph.subjects(RDF.type, PF.Evidence))
    assert len(nodes) >= 20
    for node in nodes:
        start, end = int(graph.value(node, PF.start)), int(graph.value(node, PF.end))  # type: ignore[arg-type]
        assert str(graph.value(node, PF.exact)) == seed.text[start:end]
        assert graph.value(node, PF.inRelease) == R
        assert str(node) == URIS.evidence(SEED_ID, start, end)
        assert graph.value(node, PF.start).datatype == XSD.integer  # type: ignore[union-attr]


def test_evidence_for_properties(graph: Graph) -> None:
    """The headline, date, phone and website spans say which property they state."""

    def span_for(subject: URIRef, prop: URIRef) -> str:
        found = [
            str(graph.value(n, PF.exact))
            for n in graph.objects(subject, PF.evidence)
            if (n, PF.forProperty, prop) in graph
        ]
        assert len(found) == 1, (subject, prop, found)
        return found[0]

    contact = graph.value(R, PF.contactPoint)
    assert span_for(R, PF.headline).startswith("G60 S&T")
    assert span_for(R, PF.datePublished) == "November 12\n05:27 2020"
    assert span_for(contact, PF.telephone) == "+86139 2221 8503"
    assert span_for(contact, PF.website) == "http://g60.songjiang.gov.cn"


def test_only_defined_pf_terms_are_used(graph: Graph) -> None:
    """Every pf: predicate and class in the graph is a term of kg.vocab.PF."""
    defined = {str(PF[name]) for name in PF.__annotations__}
    used = {str(p) for p in graph.predicates() if str(p).startswith(NS)}
    used |= {str(c) for c in graph.objects(None, RDF.type) if str(c).startswith(NS)}
    assert used and used <= defined


def test_seed_graph_passes_the_gate(graph: Graph) -> None:
    """The build's SHACL gate finds no problem at all (not even a warning) in the seed graph."""
    report = check(graph, SEED_ID)
    assert report.problems == []
    assert report.conforms


def test_seed_graph_conforms_to_the_published_shapes(graph: Graph) -> None:
    """With ontology/shapes.ttl as published (SHACL-SPARQL span rule included) the seed conforms."""
    report = check(graph, SEED_ID, shapes=shapes_graph())
    assert report.problems == []


def test_small_release_without_facts_passes_the_gate() -> None:
    """A release with only what the reader finds (city, email, US phone) is valid too."""
    release = read_release(TEST_DATA / "releases" / "100_acme_plant.txt")
    graph = release_graph(extract(release, None), URIS)
    contact = graph.value(URIRef(URIS.release(release.id)), PF.contactPoint)
    assert graph.value(contact, PF.email) == Literal("press@acme-robotics.example")
    assert graph.value(contact, PF.telephone) == Literal("+19375550142")
    assert graph.value(contact, PF.website) == URIRef("http://www.acme-robotics.example")
    city = graph.value(contact, PF.city)
    assert label_of(graph, city) == "Dayton, Ohio"  # named by its state, as the body states it
    assert (city, SKOS.altLabel, Literal("Dayton")) in graph
    assert graph.value(graph.value(contact, PF.country), PF.countryCode) == Literal("US")
    assert check(graph, release.id).problems == []


def test_decimal_values_are_xsd_decimal(tmp_path: Path) -> None:
    """A non-whole value (2.5) is typed xsd:decimal, never xsd:double; 240.0 becomes xsd:integer."""
    release = read_release(TEST_DATA / "releases" / "100_acme_plant.txt")
    facts = {
        "quantities": [
            {
                "value": 2.5,
                "unit": "count",
                "counts": "plants",
                "evidence": {"text": "third widget plant"},
            },
            {
                "value": 240.0,
                "unit": "count",
                "counts": "employees",
                "evidence": {"text": "240 people"},
            },
        ]
    }
    (tmp_path / f"{release.id}.json").write_text(json.dumps(facts), encoding="utf-8")
    graph = release_graph(extract(release, tmp_path), URIS)
    values = sorted(graph.objects(None, PF.value), key=str)
    assert values == [
        Literal(Decimal("2.5"), datatype=XSD.decimal),
        Literal(240, datatype=XSD.integer),
    ]
    assert values[0].datatype == XSD.decimal and values[1].datatype == XSD.integer


def test_date_only_release_is_xsd_date(seed: Release) -> None:
    """A release dated without a time is encoded with an xsd:date, not a midnight dateTime."""
    dated = Release(**{**seed.__dict__, "published": dt.date(2020, 11, 12)})
    graph = release_graph(extract(dated, DATA / "facts"), URIS)
    assert graph.value(R, PF.datePublished) == Literal("2020-11-12", datatype=XSD.date)
