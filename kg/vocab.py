"""Our ontology's terms as a closed rdflib namespace, plus the prefixes we print with.

Closed (``_fail = True``): a mistyped term raises instead of minting a new IRI.
``tests/test_vocab.py`` fails when this list and ``ontology/kg.ttl`` drift apart.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

NS = "https://w3id.org/pressfacts/ns#"
ONTOLOGY_IRI = "https://w3id.org/pressfacts/ns"
ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"


class PF(DefinedNamespace):
    """The press-release facts ontology (``ontology/kg.ttl``)."""

    _NS = Namespace(NS)
    _fail = True

    # classes
    PressRelease: URIRef
    Organization: URIRef
    Person: URIRef
    Post: URIRef
    Place: URIRef
    Quote: URIRef
    QuantitativeClaim: URIRef
    ContactPoint: URIRef
    Evidence: URIRef
    # press release
    headline: URIRef
    datePublished: URIRef
    timeZone: URIRef
    text: URIRef
    body: URIRef
    sourceFile: URIRef
    contactPoint: URIRef
    about: URIRef
    mentions: URIRef
    distributor: URIRef
    datelinePlace: URIRef
    # contact point
    company: URIRef
    contactPerson: URIRef
    email: URIRef
    telephone: URIRef
    country: URIRef
    city: URIRef
    website: URIRef
    # place
    countryCode: URIRef
    placeType: URIRef
    # post
    holdsPost: URIRef
    heldBy: URIRef
    postIn: URIRef
    postTitle: URIRef
    # quote
    quoteText: URIRef
    speaker: URIRef
    statedIn: URIRef
    # quantitative claim
    value: URIRef
    maxValue: URIRef
    unit: URIRef
    counts: URIRef
    claimSubject: URIRef
    scope: URIRef
    asOf: URIRef
    qualifier: URIRef
    # evidence
    evidence: URIRef
    inRelease: URIRef
    start: URIRef
    end: URIRef
    exact: URIRef
    forProperty: URIRef


PREFIXES: dict[str, str] = {
    "pf": NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "oa": "http://www.w3.org/ns/oa#",
}


def sparql_prologue() -> str:
    """PREFIX lines for every prefix we use, to put in front of example queries."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
