"""The SHACL gate: each kind of bad release graph is caught, with a Problem a person can act on.

The gate applies the shapes' span rule natively (``kg.validate.span_problems``)
instead of through pyshacl's SHACL-SPARQL; the last tests check that both give the
same verdicts, so the published shapes file and the gate never disagree.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.encode import new_graph, release_graph
from kg.errors import Problem
from kg.extract import extract
from kg.read import read_release
from kg.uris import Uris
from kg.validate import Report, check, shapes_graph, span_problems
from kg.vocab import PF
from tests.conftest import BASE, DATA, SEED_ID, TEST_DATA

URIS = Uris(BASE)
R = URIRef(URIS.release(SEED_ID))


@pytest.fixture()
def seed_graph() -> Graph:
    """A fresh encoded seed graph per test, so tests can tamper with it."""
    release = read_release(DATA / "releases" / f"{SEED_ID}.txt")
    return release_graph(extract(release, DATA / "facts"), URIS)


def only_violation(report: Report) -> Problem:
    violations = [p for p in report.problems if p.severity == "Violation"]
    assert len(violations) == 1, violations
    assert not report.conforms
    return violations[0]


def test_untampered_seed_conforms(seed_graph: Graph) -> None:
    """The baseline the tampering tests start from has no problem."""
    assert check(seed_graph, SEED_ID).problems == []


def test_missing_headline() -> None:
    """A release whose first line is blank has no pf:headline: one violation on the release."""
    path = TEST_DATA / "releases" / "200_no_headline.txt"
    release = read_release(path)
    graph = release_graph(extract(release, None), URIS)
    problem = only_violation(check(graph, str(path)))
    assert problem.focus == URIS.release("200_no_headline")
    assert problem.path == "pf:headline"
    assert "headline" in problem.message
    text = str(problem)
    assert str(path) in text and f"<{problem.focus}>" in text and "pf:headline" in text


def test_phone_not_in_e164(seed_graph: Graph) -> None:
    """A telephone written with spaces is refused on the contact point, path pf:telephone."""
    contact = seed_graph.value(R, PF.contactPoint)
    seed_graph.set((contact, PF.telephone, Literal("+86 139 2221 8503")))
    problem = only_violation(check(seed_graph, SEED_ID))
    assert problem.focus == str(contact)
    assert problem.path == "pf:telephone"
    assert "E.164" in problem.message


def test_span_exact_does_not_match_text(seed_graph: Graph) -> None:
    """A span whose pf:exact is not text[start:end] is named by its IRI, showing both texts."""
    node = URIRef(URIS.evidence(SEED_ID, 0, 77))
    assert (node, PF.exact, None) in seed_graph
    seed_graph.set((node, PF.exact, Literal("G70 S&T Innovation Valley")))
    problem = only_violation(check(seed_graph, SEED_ID))
    assert problem.focus == str(node)
    assert problem.path == "pf:exact"
    assert "0..77" in problem.message
    assert "G70 S&T Innovation Valley" in problem.message
    assert "G60 S&T Innovation Valley" in problem.message


def test_span_end_past_the_text(seed_graph: Graph) -> None:
    """An end offset beyond the text is reported on pf:end."""
    node = URIRef(URIS.evidence(SEED_ID, 0, 77))
    seed_graph.set((node, PF.end, Literal(99999, datatype=XSD.nonNegativeInteger)))
    paths = {p.path for p in check(seed_graph, SEED_ID).problems if p.focus == str(node)}
    assert "pf:end" in paths


def test_date_published_ill_typed(seed_graph: Graph, caplog: pytest.LogCaptureFixture) -> None:
    """'2020-11-31T05:27:00'^^xsd:dateTime is no real dateTime: refused on pf:datePublished."""
    with caplog.at_level(
        logging.CRITICAL, logger="rdflib.term"
    ):  # rdflib logs the bad lexical form
        bad = Literal("2020-11-31T05:27:00", datatype=XSD.dateTime)
    assert bad.ill_typed
    seed_graph.set((R, PF.datePublished, bad))
    problem = only_violation(check(seed_graph, SEED_ID))
    assert problem.focus == str(R)
    assert problem.path == "pf:datePublished"
    assert "xsd:dateTime" in problem.message


def test_date_published_as_plain_string(seed_graph: Graph) -> None:
    """A date given as a plain string is refused too."""
    seed_graph.set((R, PF.datePublished, Literal("November 12, 2020")))
    assert only_violation(check(seed_graph, SEED_ID)).path == "pf:datePublished"


def test_quote_without_speaker(seed_graph: Graph) -> None:
    """A quote with its pf:speaker removed: one violation on the quote, path pf:speaker."""
    quote = next(seed_graph.subjects(RDF.type, PF.Quote))
    seed_graph.remove((quote, PF.speaker, None))
    problem = only_violation(check(seed_graph, SEED_ID))
    assert problem.focus == str(quote)
    assert problem.path == "pf:speaker"
    assert "speaker" in problem.message


def test_problem_reads_as_a_sentence() -> None:
    """str(Problem) is 'release: Severity on <focus> path: message'."""
    problem = Problem(
        "data/releases/x.txt", "http://x.org/id/release/x", "pf:headline", "needs one"
    )
    assert (
        str(problem)
        == "data/releases/x.txt: Violation on <http://x.org/id/release/x> pf:headline: needs one"
    )


# -- the native span rule agrees with the SHACL-SPARQL constraint of shapes.ttl ---------------


def span_verdicts(problems: list[Problem]) -> set[tuple[str, str | None]]:
    """(focus, path) of the span rule's results, from either validator."""
    return {(p.focus, p.path) for p in problems if p.message.startswith("Evidence span")}


def tiny_graph(text: str, start: int, end: int, exact: str) -> Graph:
    """A release with one evidence span, built by hand with any offsets and exact text."""
    graph = new_graph()
    release = URIRef(URIS.release("tiny"))
    node = URIRef(URIS.evidence("tiny", start, end))
    graph.add((release, RDF.type, PF.PressRelease))
    graph.add((release, PF.text, Literal(text)))
    graph.add((release, PF.evidence, node))
    graph.add((node, RDF.type, PF.Evidence))
    graph.add((node, PF.inRelease, release))
    graph.add((node, PF.start, Literal(start, datatype=XSD.nonNegativeInteger)))
    graph.add((node, PF.end, Literal(end, datatype=XSD.nonNegativeInteger)))
    graph.add((node, PF.exact, Literal(exact)))
    return graph


def test_native_and_sparql_agree_on_the_tampered_seed(seed_graph: Graph) -> None:
    """With two seed spans broken, gate and published shapes flag the same spans and paths."""
    wrong_exact = URIRef(URIS.evidence(SEED_ID, 0, 77))
    wrong_end = URIRef(URIS.evidence(SEED_ID, 2170, 2179))
    seed_graph.set((wrong_exact, PF.exact, Literal("G70")))
    seed_graph.set((wrong_end, PF.end, Literal(10**6, datatype=XSD.nonNegativeInteger)))
    native = span_verdicts(span_problems(seed_graph, SEED_ID))
    sparql = span_verdicts(check(seed_graph, SEED_ID, shapes=shapes_graph()).problems)
    assert native == sparql == {(str(wrong_exact), "pf:exact"), (str(wrong_end), "pf:end")}


# No backslash: pyshacl writes a result's ?value into sh:message with re.sub, which reads a
# backslash in it as an escape and fails ("bad escape"), so a mismatched exact text holding
# one stops pyshacl itself (our gate checks spans natively and is not affected).
CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\\")


@st.composite
def spans(draw: st.DrawFn) -> tuple[str, int, int, str]:
    text = draw(st.text(CHARACTERS, min_size=1, max_size=12))
    start = draw(st.integers(0, len(text) + 1))
    end = draw(st.integers(0, len(text) + 2))
    exact = draw(st.one_of(st.just(text[start:end]), st.text(CHARACTERS, min_size=1, max_size=4)))
    return text, start, end, exact


@settings(max_examples=40, deadline=None)
@given(case=spans())
def test_native_and_sparql_agree(case: tuple[str, int, int, str]) -> None:
    """For any text, offsets and exact text, both validators give the same span verdict."""
    graph = tiny_graph(*case)
    native = span_verdicts(span_problems(graph, "tiny"))
    sparql = span_verdicts(check(graph, "tiny", shapes=shapes_graph()).problems)
    assert native == sparql


def test_the_gate_reads_backslashes_in_spans_as_text() -> None:
    """What the property test above leaves out for pyshacl's sake, the gate's own check meets."""
    assert span_verdicts(span_problems(tiny_graph("a\\1b", 1, 3, "\\1"), "tiny")) == set()
    assert span_verdicts(span_problems(tiny_graph("a\\1b", 1, 3, "\\2"), "tiny")) != set()
    assert check(tiny_graph("a\\1b", 1, 3, "\\2"), "tiny").problems  # the gate's path


def test_gate_shapes_drop_only_the_sparql_constraint() -> None:
    """The gate's copy of the shapes is the published shapes minus the one sh:sparql link."""
    from rdflib.compare import isomorphic
    from rdflib.namespace import SH

    from kg.validate import gate_shapes

    published = shapes_graph()
    links = list(published.triples((None, SH.sparql, None)))
    assert len(links) == 1
    expected = Graph()
    for triple in published:
        if triple not in links:
            expected.add(triple)
    assert isomorphic(gate_shapes(), expected)
