"""The compiled shape queries must flag exactly the graphs pyshacl finds non-conforming.

The gate trusts a graph that no query flags without asking pyshacl, so a query that
misses a violation would let a bad release through. These tests break the seed graph
in every way the shapes forbid, and run random small graphs through a shapes graph
using the SHACL features the compiler translates, comparing both verdicts each time.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyshacl import validate as shacl_validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from kg.encode import release_graph
from kg.extract import extract
from kg.read import read_release
from kg.shape_queries import Unsupported, compile_shapes
from kg.uris import Uris
from kg.validate import Batch, check, check_many, shape_queries, shapes_graph
from kg.vocab import PF
from tests.conftest import BASE, DATA, SEED_ID

URIS = Uris(BASE)
EX = "http://example.org/"


@pytest.fixture(scope="module")
def seed() -> Graph:
    release = read_release(DATA / "releases" / f"{SEED_ID}.txt")
    return release_graph(extract(release, DATA / "facts"), URIS)


def mutants(graph: Graph) -> list[tuple[str, Graph]]:
    """The seed broken one way at a time: each triple of a kind dropped, each value made
    wrong (another datatype, ill-formed, a literal for a node, a second value), each
    node's type changed."""
    found: list[tuple[str, Graph]] = []
    seen: set[tuple[object, str]] = set()
    for s, p, o in sorted(graph, key=str):
        key = (p, type(o).__name__ + str(getattr(o, "datatype", "")))
        if key in seen:
            continue  # one mutant per kind of triple is enough to cover each constraint
        seen.add(key)
        found.append((f"drop {p}", _without(graph, (s, p, o))))
        for name, other in _wrong_values(o):
            found.append((f"{p} {name}", _replaced(graph, (s, p, o), other)))
        found.append((f"second {p}", _plus(graph, (s, p, _another(o)))))
    return found


def _wrong_values(o: object) -> list[tuple[str, object]]:
    if isinstance(o, URIRef):
        return [("as literal", Literal(str(o))), ("as blank", BNode()),
                ("as unknown IRI", URIRef(EX + "nothing"))]
    assert isinstance(o, Literal)
    return [("as IRI", URIRef(EX + "x")), ("as lang", Literal(str(o), lang="en")),
            ("ill-formed", Literal("not a value", datatype=o.datatype or XSD.string)),
            ("empty", Literal("", datatype=o.datatype)),
            ("negative", Literal(-1)), ("as decimal", Literal("2.5", datatype=XSD.decimal))]


def _another(o: object) -> object:
    if isinstance(o, Literal):
        return Literal(str(o) + "x", datatype=o.datatype, lang=o.language)
    return URIRef(str(o) + "-other")


def _without(graph: Graph, triple: tuple) -> Graph:
    copy = Graph()
    copy += graph
    copy.remove(triple)
    return copy


def _replaced(graph: Graph, triple: tuple, new_object: object) -> Graph:
    copy = _without(graph, triple)
    copy.add((triple[0], triple[1], new_object))
    return copy


def _plus(graph: Graph, triple: tuple) -> Graph:
    copy = Graph()
    copy += graph
    copy.add(triple)
    return copy


def test_seed_conforms_without_pyshacl(seed: Graph) -> None:
    queries = shape_queries(False)
    assert queries is not None and len(queries) > 50
    assert Batch([("urn:g:0", seed, "seed")]).flagged(queries) == set()
    assert check_many([(seed, "seed")])[0].problems == []


def test_every_mutant_flagged_exactly_when_pyshacl_objects(seed: Graph) -> None:
    """All mutants in one batch (so graphs must not see each other) against the old gate."""
    cases = mutants(seed) + [("untouched", seed)]
    assert len(cases) > 100
    batch = Batch([(f"urn:g:{i}", graph, name) for i, (name, graph) in enumerate(cases)])
    objected = {i for i, (name, graph) in enumerate(cases) if check(graph, name).problems}
    for subclasses in (False, True):
        queries = shape_queries(subclasses)
        assert queries is not None
        flagged = batch.flagged(queries)
        assert [cases[i][0] for i in sorted(flagged ^ objected)] == []
    assert len(flagged) > len(cases) // 2  # the mutants really break things


def test_reports_of_flagged_graphs_come_from_pyshacl(seed: Graph) -> None:
    broken = _without(seed, next(iter(seed.triples((None, PF.headline, None)))))
    reports = check_many([(seed, "good"), (broken, "bad")])
    assert reports[0].conforms and reports[0].problems == []
    assert reports[0].graph is None  # pyshacl never ran for the clean graph
    assert not reports[1].conforms
    assert [p.path for p in reports[1].problems] == ["pf:headline"]
    assert reports[1].graph is not None and (None, SH.resultPath, PF.headline) in reports[1].graph


def test_subclass_instances_are_targets() -> None:
    """An instance of a subclass is checked as an instance of the class (SHACL 2.1.3.3)."""
    shapes = _shapes("""ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ex:p ; sh:minCount 1 ] .""")
    data = Graph()
    data.add((URIRef(EX + "D"), RDFS.subClassOf, URIRef(EX + "C")))
    data.add((URIRef(EX + "a"), RDF.type, URIRef(EX + "D")))
    assert not _pyshacl_conforms(data, shapes)
    batch = Batch([("urn:g:0", data, "d")])
    assert batch.flagged(compile_shapes(shapes, subclasses=True)) == {0}


@pytest.mark.parametrize("feature", [
    "sh:closed true", "sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 1",
    "sh:languageIn ( \"en\" )", "sh:minCount 9",
])
def test_untranslated_features_are_refused(feature: str) -> None:
    """Never a silent pass: the gate then sends every graph through pyshacl."""
    shapes = _shapes(f"ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
                     f"{feature} ] .")
    with pytest.raises(Unsupported):
        compile_shapes(shapes)


def _shapes(body: str) -> Graph:
    prefixes = (f"@prefix ex: <{EX}> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n")
    return Graph().parse(data=prefixes + body, format="turtle")


def _pyshacl_conforms(data: Graph, shapes: Graph) -> bool:
    """pyshacl's verdict; it gives up on values it cannot compare (a blank node for
    sh:lessThan), which SHACL counts as a violation (4.4, "not comparable")."""
    try:
        conforms, _, _ = shacl_validate(data, shacl_graph=shapes, inference="none")
    except ReportableRuntimeError:
        return False
    return bool(conforms)


# Every constraint the compiler translates, on a tiny vocabulary that random graphs hit often.
RICH_SHAPES = """
ex:Node a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:maxCount 2 ; sh:datatype xsd:integer ;
                  sh:minInclusive 0 ; sh:maxExclusive 10 ; sh:lessThan ex:q ] ,
                [ sh:path ex:q ; sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:string ] ) ] ,
                [ sh:path ex:r ; sh:class ex:C ; sh:nodeKind sh:IRI ; sh:maxCount 1 ] ,
                [ sh:path ( ex:r ex:s ) ; sh:pattern "^a" ; sh:flags "i" ; sh:maxLength 3 ] ,
                [ sh:path [ sh:inversePath ex:r ] ; sh:maxCount 1 ] ,
                [ sh:path [ sh:alternativePath ( ex:s ex:q ) ] ; sh:minLength 1 ] ,
                [ sh:path ex:s ; sh:in ( "a" "ab" 3 ) ; sh:uniqueLang true ; sh:disjoint ex:q ] .
ex:Other a sh:NodeShape ; sh:targetSubjectsOf ex:s ;
    sh:xone ( [ sh:path ex:p ; sh:minCount 1 ] [ sh:path ex:q ; sh:minCount 1 ] ) ;
    sh:not [ sh:path ex:s ; sh:hasValue "zz" ] .
ex:Objects a sh:NodeShape ; sh:targetObjectsOf ex:r ; sh:node ex:Named ;
    sh:and ( [ sh:nodeKind sh:BlankNodeOrIRI ] ) .
ex:Named a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:equals ex:q ; sh:minExclusive -1 ] .
ex:Fixed a sh:NodeShape ; sh:targetNode ex:b ; sh:property [ sh:path ex:s ; sh:maxCount 0 ] .
"""

_NODES = [URIRef(EX + n) for n in "abc"]
_VALUES = [*_NODES, Literal(1), Literal(5), Literal(12), Literal(-3), Literal("a"),
           Literal("ab"), Literal("A", lang="en"), Literal("a", lang="en"), Literal(3),
           Literal("x", datatype=XSD.integer), Literal("abcd"), Literal(2.5), BNode("z")]
_PROPS = [URIRef(EX + p) for p in "pqrs"]
_triples = st.tuples(st.sampled_from(_NODES), st.sampled_from(_PROPS), st.sampled_from(_VALUES))
_types = st.tuples(st.sampled_from(_NODES), st.just(RDF.type),
                   st.sampled_from([URIRef(EX + "C"), URIRef(EX + "D")]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_triples, _types), min_size=1, max_size=12))
def test_random_graphs_get_pyshacls_verdict(triples: list[tuple]) -> None:
    shapes = _shapes(RICH_SHAPES)
    data = Graph()
    for triple in triples:
        data.add(triple)
    flagged = Batch([("urn:g:0", data, "random")]).flagged(compile_shapes(shapes))
    assert (flagged == set()) == _pyshacl_conforms(data, shapes), data.serialize(format="nt")


def test_a_value_pyshacl_cannot_compare_is_a_problem_not_a_crash(seed: Graph) -> None:
    start = next(iter(seed.triples((None, PF.start, None))))
    report = check_many([(_replaced(seed, start, BNode()), "blank start")])[0]
    assert not report.conforms
    assert any("could not finish" in p.message for p in report.problems)


def test_published_shapes_compile() -> None:
    """The project's own shapes use only translated features (else the gate is slow)."""
    assert compile_shapes(shapes_graph())
