"""``/ontology``: the ontology documented in HTML from itself, and in Turtle or JSON-LD for machines."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from kg.store import to_ox
from kg.validate import ONTOLOGY_FILE, SHAPES_FILE
from kg.vocab import NS, ONTOLOGY_IRI, PREFIXES
from server.negotiation import BY_EXTENSION, GRAPH_FORMATS, HTML, choose, describe

bp = Blueprint("ontology", __name__)


def _graph() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@bp.get("/ontology")
@bp.get("/ontology.<extension>")
def ontology(extension: str | None = None) -> Response:
    """HTML documentation for browsers; the ontology itself in any RDF format for machines."""
    if extension:
        fmt = BY_EXTENSION.get(extension)
        if fmt is None or fmt not in (HTML, *GRAPH_FORMATS):
            abort(404, f"the ontology is not available as .{extension}")
    else:
        fmt = choose(request.accept_mimetypes, (HTML, *GRAPH_FORMATS))
        if fmt is None:
            abort(406, f"the ontology is available as {describe((HTML, *GRAPH_FORMATS))}")
    if fmt is HTML:
        response = Response(render_template("ontology.html", **_document()), mimetype="text/html")
    else:
        assert fmt.rdf is not None
        triples = ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)
        response = Response(ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES),
                            mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


@bp.get("/ontology/shapes.ttl")
def shapes() -> Response:
    """The SHACL shapes every release graph is checked against."""
    return Response(SHAPES_FILE.read_bytes(), mimetype="text/turtle")


@bp.get("/ontology/<name>")
def term(name: str) -> Response:
    """One class or property of ``pf:``: 303 to its section of /ontology for browsers, its triples
    (and the SHACL shapes that apply to it) for RDF clients; ``/ontology/{Term}.ttl`` etc. too."""
    stem, _, extension = name.partition(".")
    graph = _graph()
    iri = URIRef(NS + stem)
    if not stem or (iri, RDF.type, None) not in graph:
        abort(404, f"{NS}{stem} is not a term of the ontology; see /ontology for its terms")
    if extension:
        fmt = BY_EXTENSION.get(extension)
        if fmt not in GRAPH_FORMATS:
            abort(404, f"{NS}{stem} is not available as .{extension}")
    else:
        fmt = choose(request.accept_mimetypes, (HTML, *GRAPH_FORMATS))
        if fmt is None:
            abort(406, f"{NS}{stem} is available as {describe((HTML, *GRAPH_FORMATS))}")
    if fmt is HTML:
        response = redirect(f"/ontology#{stem}", code=303)
    else:
        assert fmt is not None and fmt.rdf is not None
        triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in _term_graph(graph, iri)]
        response = Response(ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES),
                            mimetype=fmt.media_type)
        response.headers["Link"] = ", ".join(
            [f'</ontology#{stem}>; rel="alternate"; type="text/html"']
            + [f'</ontology/{stem}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
               for f in GRAPH_FORMATS])
    response.vary.add("Accept")
    return response


def _term_graph(graph: Graph, iri: URIRef) -> Graph:
    """The term's description (CBD), its neighbours' labels, and the shapes that apply to it."""
    found = graph.cbd(iri)
    for _, _, other in list(found):
        if isinstance(other, URIRef):
            for label in graph.objects(other, RDFS.label):
                found.add((other, RDFS.label, label))
    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    for shape in shapes.subjects(SH.targetClass, iri):
        found += shapes.cbd(shape)
    for prop_shape in shapes.subjects(SH.path, iri):
        for shape in shapes.subjects(SH.property, prop_shape):
            found.add((shape, SH.property, prop_shape))
            for target in shapes.objects(shape, SH.targetClass):
                found.add((shape, SH.targetClass, target))
        found += shapes.cbd(prop_shape)
    return found


def _document() -> dict[str, Any]:
    """Classes and properties with their labels, comments, alignments, domains and ranges."""
    graph = _graph()
    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    constrained = defaultdict(list)
    for shape in shapes.subjects(SH.targetClass, None):
        for prop_shape in shapes.objects(shape, SH.property):
            path = shapes.value(prop_shape, SH.path)
            message = shapes.value(prop_shape, SH.message)
            if path is not None and message is not None:
                constrained[str(shapes.value(shape, SH.targetClass))].append(str(message))

    def terms(kind: URIRef | tuple[URIRef, ...]) -> list[dict[str, Any]]:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        found = {s for k in kinds for s in graph.subjects(RDF.type, k) if str(s).startswith(NS)}
        return [_term(graph, s, constrained.get(str(s), [])) for s in sorted(found)]

    header = URIRef(ONTOLOGY_IRI)
    return {
        "iri": ONTOLOGY_IRI,
        "namespace": NS,
        "title": graph.value(header, URIRef("http://purl.org/dc/terms/title")),
        "description": graph.value(header, URIRef("http://purl.org/dc/terms/description")),
        "version": graph.value(header, OWL.versionInfo),
        "classes": terms(OWL.Class),
        "properties": terms((OWL.ObjectProperty, OWL.DatatypeProperty)),
    }


def _term(graph: Graph, term: URIRef, constraints: list[str]) -> dict[str, Any]:
    def names(prop: URIRef) -> list[list[dict[str, str]]]:
        """Each value as a list of linked names (a union class gives several, read 'or')."""
        values = []
        for value in graph.objects(term, prop):
            members = [value] if isinstance(value, URIRef) else _list(graph, value)
            values.append([{"text": _compact(m), "href": _href(m)} for m in members]
                          or [{"text": "…", "href": ""}])
        return sorted(values, key=lambda v: [n["text"] for n in v])

    return {
        "name": term[len(NS):],
        "iri": str(term),
        "label": str(graph.value(term, RDFS.label) or term[len(NS):]),
        "comment": str(graph.value(term, RDFS.comment) or ""),
        "parents": names(RDFS.subClassOf) + names(RDFS.subPropertyOf),
        "domain": names(RDFS.domain),
        "range": names(RDFS.range),
        "constraints": constraints,
    }


def _href(iri: URIRef) -> str:
    """Our own terms link to their section; others (schema.org, PROV, ORG…) to their IRI."""
    return "#" + iri[len(NS):] if str(iri).startswith(NS) else str(iri)


def _list(graph: Graph, node: Any) -> list[URIRef]:
    head = graph.value(node, OWL.unionOf)
    return [m for m in graph.items(head) if isinstance(m, URIRef)] if head is not None else []


def _compact(iri: URIRef) -> str:
    for prefix, namespace in PREFIXES.items():
        if str(iri).startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return str(iri)
