"""The SHACL gate: each release graph is checked against ``ontology/shapes.ttl`` before publishing.

pyshacl runs on the small in-memory rdflib graph of one release, never on the
store (a store-backed graph is orders of magnitude slower).

One constraint is evaluated here natively instead of by pyshacl: the shapes'
SHACL-SPARQL constraint ``pfsh:EvidenceShape-spanMatchesText`` (a span's
``pf:exact`` must be the characters ``start..end`` of its release's ``pf:text``).
pyshacl re-parses a SPARQL constraint for every focus node (about 70 ms each with
rdflib's parser, seconds per release), so the gate drops ``sh:sparql`` from its
copy of the shapes and applies the same rule in :func:`span_problems`.
``tests/test_validate.py`` checks that both give the same verdicts. External
validators run the shapes file as it is. Violations stop the build; warnings
are reported but do not.

A build checks releases in batches with :func:`check_many`: the shapes, compiled
into SPARQL by :mod:`kg.shape_queries`, run on Oxigraph over the whole batch (each
release in its own named graph) and flag the releases with any failure; only those
go through pyshacl, which writes their report. That keeps pyshacl the authority
for every report while a clean release costs a fraction of a millisecond. When the
shapes use a feature the compiler does not translate, every release goes through
pyshacl.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kg.encode import Triple, new_graph
from kg.errors import Problem
from kg.shape_queries import ShapeQuery, Unsupported, compile_shapes
from kg.store import from_ox, quads_of
from kg.vocab import ONTOLOGY_DIR, PF, PREFIXES

log = logging.getLogger(__name__)

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"
SPAN_SHAPE = "pfsh:EvidenceShape-spanMatchesText"


@dataclass
class Report:
    """The outcome of validating one release: its problems and the SHACL report as RDF.

    ``graph`` is pyshacl's report. It is None when the compiled gate found nothing and
    pyshacl never ran: that report would only say "conforms true", and whoever keeps
    reports writes that one line itself (kg.build), instead of every clean release of
    a build paying for an rdflib graph nobody reads.
    """

    release: str
    problems: list[Problem]
    graph: Graph | None = None

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "Violation" for p in self.problems)


@functools.cache
def shapes_graph(path: Path = SHAPES_FILE) -> Graph:
    """The shapes as published, parsed once per process."""
    return Graph().parse(path, format="turtle")


@functools.cache
def gate_shapes(path: Path = SHAPES_FILE) -> Graph:
    """The shapes without their SHACL-SPARQL constraints (applied natively by the gate)."""
    shapes = Graph()
    for triple in shapes_graph(path):
        if triple[1] != SH.sparql:
            shapes.add(triple)
    return shapes


def check(graph: Graph, release: str, shapes: Graph | None = None) -> Report:
    """Validate one release graph; return its problems in words, with the report graph kept."""
    try:
        _, results, _ = shacl_validate(
            graph,
            shacl_graph=shapes if shapes is not None else gate_shapes(),
            inference="none",
            allow_warnings=True,
        )
    except ReportableRuntimeError as err:  # e.g. sh:lessThan given a blank node to compare
        problem = Problem(release=release, focus=release, path=None,
                          message=f"SHACL validation could not finish: {err.message}")
        return Report(release, [problem], Graph())
    assert isinstance(results, Graph)
    found = problems(results, release)
    if shapes is None:
        found += span_problems(graph, release)
    return Report(release, found, results)


@functools.cache
def shape_queries(subclasses: bool, path: Path = SHAPES_FILE) -> tuple[ShapeQuery, ...] | None:
    """The shapes as SPARQL queries, or None when they use a feature not translated."""
    try:
        return tuple(compile_shapes(shapes_graph(path), subclasses))
    except Unsupported as err:
        log.warning("%s: the SHACL gate uses pyshacl for every release (%s)", path, err)
        return None


class Batch:
    """Release graphs checked together, each in its own named graph of an in-memory store.

    After :meth:`keep`, the store holds the valid graphs, which a build's worker
    serializes from it (much cheaper to send and to load than rdflib graphs).
    """

    def __init__(self, items: Sequence[tuple[str, Graph | Collection[Triple], str]]) -> None:
        """``items``: (named graph IRI, graph or set of triples, release name for reports) each."""
        self.items = list(items)
        self.store = ox.Store()
        for name, graph, _ in self.items:
            if isinstance(graph, Graph):
                self.store.extend(quads_of(name, graph))
            else:  # the encoder's own pyoxigraph terms
                iri = ox.NamedNode(name)
                self.store.extend([ox.Quad(s, p, o, iri) for s, p, o in graph])

    def reports(self) -> list[Report]:
        """One report per graph, in order; only flagged graphs go through :func:`check`."""
        subclasses = self.store.query(  # type: ignore[union-attr]
            "ASK { GRAPH ?g { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b } }")
        queries = shape_queries(bool(subclasses))
        flagged = set(range(len(self.items))) if queries is None else self.flagged(queries)
        return [check(_graph(graph), release) if index in flagged
                else Report(release, [])
                for index, (_, graph, release) in enumerate(self.items)]

    def flagged(self, queries: Sequence[ShapeQuery]) -> set[int]:
        """The positions of the graphs in which any of ``queries`` finds a violation."""
        position = {name: index for index, (name, _, _) in enumerate(self.items)}
        found: set[int] = set()
        for query in queries:
            if query.per_graph:
                found.update(index for index, (name, _, _) in enumerate(self.items)
                             if self.store.query(query.sparql, prefixes=_QUERY_PREFIXES,
                                                 default_graph=ox.NamedNode(name)))
                continue
            for row in self.store.query(query.sparql, prefixes=_QUERY_PREFIXES):  # type: ignore[union-attr]
                found.add(position[row["g"].value])
        return found

    def keep(self, positions: Sequence[int]) -> None:
        """Drop every graph but those at ``positions`` from the store (the valid ones)."""
        kept = set(positions)
        for index, (name, _, _) in enumerate(self.items):
            if index not in kept:
                self.store.remove_graph(ox.NamedNode(name))


def _graph(triples: Graph | Collection[Triple]) -> Graph:
    if isinstance(triples, Graph):
        return triples
    graph = new_graph(prefixes=False)
    for s, p, o in triples:
        graph.add((from_ox(s), from_ox(p), from_ox(o)))
    return graph


def check_many(graphs: Sequence[tuple[Graph, str]]) -> list[Report]:
    """Validate many release graphs, one report each, in the order given."""
    return Batch([(f"urn:kg:gate:{index}", graph, release)
                  for index, (graph, release) in enumerate(graphs)]).reports()


_QUERY_PREFIXES = {"rdf": str(RDF), "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def span_problems(graph: Graph, release: str) -> list[Problem]:
    """The span rule of the shapes, natively: each span holds exactly its stated text."""
    found = []
    for node in graph.subjects(RDF.type, PF.Evidence):
        source = graph.value(node, PF.inRelease)
        text = graph.value(source, PF.text) if source is not None else None
        start, end, exact = (graph.value(node, p) for p in (PF.start, PF.end, PF.exact))
        if not all(isinstance(v, Literal) for v in (text, start, end, exact)):
            continue  # missing values are reported by the core constraints
        try:
            first, last = int(start), int(end)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue  # ill-typed offsets are reported by the datatype constraints
        body = str(text)
        if first < last <= len(body) and body[first:last] == str(exact):
            continue
        path = "pf:end" if not first < last <= len(body) else "pf:exact"
        found.append(Problem(
            release=release, focus=str(node), path=path, shape=SPAN_SHAPE,
            message=f"Evidence span {first}..{last} does not hold its stated text in the release "
                    f"(it holds {body[first:last][:60]!r}, the span states {str(exact)[:60]!r})"))
    return sorted(found, key=lambda p: p.focus)


def problems(results: Graph, release: str) -> list[Problem]:
    """Each sh:ValidationResult as a Problem, sorted so reports read the same every run."""
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        message = results.value(result, SH.resultMessage)
        path = results.value(result, SH.resultPath)
        severity = results.value(result, SH.resultSeverity)
        found.append(
            Problem(
                release=release,
                focus=str(results.value(result, SH.focusNode)),
                path=compact(path) if isinstance(path, URIRef) else None,
                message=str(message) if isinstance(message, Literal) else "constraint not met",
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                shape=compact(results.value(result, SH.sourceShape)),
            )
        )
    return sorted(found, key=lambda p: (p.focus, p.path or "", p.message))


def compact(term: object) -> str | None:
    """An IRI as prefix:name when we know the prefix.

    >>> compact(URIRef("https://w3id.org/pressfacts/ns#headline"))
    'pf:headline'
    """
    if not isinstance(term, URIRef):
        return None
    prefixes = {**PREFIXES, "pfsh": "https://w3id.org/pressfacts/shapes#"}
    for prefix, namespace in prefixes.items():
        if term.startswith(namespace):
            return f"{prefix}:{term[len(namespace):]}"
    return str(term)
