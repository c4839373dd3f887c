"""The SHACL gate: each release graph is checked against ``ontology/shapes.ttl`` before publishing.

pyshacl runs on the small in-memory rdflib graph of one release (a few ms),
never on the store: a store-backed graph is orders of magnitude slower.
Violations stop the build; warnings are reported but do not.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kg.errors import Problem
from kg.vocab import ONTOLOGY_DIR, PREFIXES

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"


@dataclass
class Report:
    """The outcome of validating one release: its problems and the SHACL report as RDF."""

    release: str
    problems: list[Problem]
    graph: Graph

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "Violation" for p in self.problems)


@functools.cache
def shapes_graph(path: Path = SHAPES_FILE) -> Graph:
    """The shapes, parsed once per process."""
    return Graph().parse(path, format="turtle")


def check(graph: Graph, release: str, shapes: Graph | None = None) -> Report:
    """Validate one release graph; return its problems in words, with the report graph kept."""
    _, results, _ = shacl_validate(
        graph,
        shacl_graph=shapes if shapes is not None else shapes_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    assert isinstance(results, Graph)
    return Report(release, problems(results, release), results)


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
    for prefix, namespace in PREFIXES.items():
        if term.startswith(namespace):
            return f"{prefix}:{term[len(namespace):]}"
    return str(term)
