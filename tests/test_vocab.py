"""kg.vocab.PF and ontology/kg.ttl must not drift apart, and every class has a shape.

PF is a closed namespace: a term in code that is not in the ontology raises; a term
in the ontology that code does not list is caught here.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from kg.validate import ONTOLOGY_FILE, SHAPES_FILE
from kg.vocab import NS, ONTOLOGY_IRI, PF, PREFIXES, sparql_prologue


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def pf_terms(ontology: Graph) -> set[str]:
    return {str(s) for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(NS)}


def test_pf_terms_equal_the_ontology_terms(ontology: Graph) -> None:
    """The names annotated on PF are exactly the pf: subjects defined in kg.ttl."""
    in_code = {NS + name for name in PF.__annotations__}
    assert in_code == pf_terms(ontology)


def test_every_term_has_label_and_comment(ontology: Graph) -> None:
    """Each pf: term has an rdfs:label, an rdfs:comment and rdfs:isDefinedBy the ontology."""
    for term in map(URIRef, pf_terms(ontology)):
        assert ontology.value(term, RDFS.label) is not None, term
        assert ontology.value(term, RDFS.comment) is not None, term
        assert ontology.value(term, RDFS.isDefinedBy) == URIRef(ONTOLOGY_IRI), term


def test_every_term_is_a_class_or_a_property(ontology: Graph) -> None:
    """Each pf: term is typed owl:Class, owl:ObjectProperty or owl:DatatypeProperty."""
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    for term in map(URIRef, pf_terms(ontology)):
        assert set(ontology.objects(term, RDF.type)) & kinds, term


def test_every_class_has_a_node_shape(ontology: Graph, shapes: Graph) -> None:
    """Each owl:Class of the ontology is the sh:targetClass of a sh:NodeShape in shapes.ttl."""
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(NS)}
    assert len(classes) == 9
    targeted = {
        shapes.value(shape, SH.targetClass) for shape in shapes.subjects(RDF.type, SH.NodeShape)
    }
    assert classes <= targeted


def test_shapes_only_use_defined_terms(ontology: Graph, shapes: Graph) -> None:
    """Every pf: term the shapes mention (paths, classes) is defined in kg.ttl: no typos."""
    mentioned = {
        str(o) for o in shapes.objects() if isinstance(o, URIRef) and str(o).startswith(NS)
    }
    assert mentioned
    assert mentioned <= pf_terms(ontology)


def test_pf_is_closed() -> None:
    """A term PF does not define raises instead of minting an IRI."""
    assert PF.headline == URIRef(NS + "headline")
    with pytest.raises(AttributeError):
        PF.headLine  # noqa: B018


def test_prologue_declares_every_prefix() -> None:
    """sparql_prologue() has one PREFIX line per entry of PREFIXES, pf first."""
    lines = sparql_prologue().splitlines()
    assert lines[0] == f"PREFIX pf: <{NS}>"
    assert len(lines) == len(PREFIXES)
