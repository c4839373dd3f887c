"""SHACL shapes compiled into SPARQL queries that find the graphs holding a violation.

The SHACL gate has to check every release graph; pyshacl walks each focus node and
constraint in Python and costs milliseconds per release, which caps a build at a few
dozen releases per second. The SHACL recommendation defines each core constraint
component by a SPARQL query ("SPARQL definitions", section 4 and appendix); this
module writes those definitions out for our shapes, so that Oxigraph can check a
whole batch of release graphs, each in its own named graph, in one query per shape.

The answer is only a verdict per graph. A graph that any query flags is then
validated by pyshacl, which writes the authoritative report (and warnings too);
a graph that no query flags conforms. So this module must never miss a
violation: a shape using any SHACL feature it does not translate makes
:func:`compile_shapes` raise :class:`Unsupported`, and the gate falls back to
pyshacl for every graph. ``tests/test_shape_queries.py`` compares both verdicts
on graphs broken in every way the shapes forbid.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

# Parameters that describe a shape without constraining anything.
_DESCRIPTIVE = {SH.name, SH.description, SH.message, SH.severity, SH.order, SH.group,
                SH.defaultValue, SH.deactivated, SH.path, SH.property, SH.sparql, SH.declare,
                SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                SH.prefixes}
_VALUE_PARAMS = {SH.datatype, SH["class"], SH.nodeKind, SH.pattern, SH.flags, SH.minLength,
                 SH.maxLength, SH.minInclusive, SH.minExclusive, SH.maxInclusive,
                 SH.maxExclusive, SH["in"], SH["or"], SH["and"], SH["not"], SH.xone, SH.node}
_SET_PARAMS = {SH.minCount, SH.maxCount, SH.lessThan, SH.lessThanOrEquals, SH.equals,
               SH.disjoint, SH.hasValue, SH.uniqueLang}
# Datatypes whose lexical forms Oxigraph checks when casting a literal to them.
_CHECKED_DATATYPES = {XSD[name] for name in (
    "string", "boolean", "integer", "decimal", "float", "double", "date", "dateTime", "time",
    "duration", "gYear", "gYearMonth", "dayTimeDuration", "yearMonthDuration")}
# Counts are checked with one variable per value: fine for the small counts shapes use.
_MOST_COUNTED = 6
_COMPARISONS = {SH.minInclusive: ">=", SH.minExclusive: ">", SH.maxInclusive: "<=",
                SH.maxExclusive: "<"}
_NODE_KINDS = {SH.IRI: "!isIRI({t})", SH.BlankNode: "!isBlank({t})",
               SH.Literal: "!isLiteral({t})", SH.BlankNodeOrIRI: "isLiteral({t})",
               SH.BlankNodeOrLiteral: "isIRI({t})", SH.IRIOrLiteral: "isBlank({t})"}


class Unsupported(Exception):
    """The shapes use a SHACL feature this module does not translate into SPARQL."""


@dataclass(frozen=True)
class ShapeQuery:
    """One query: ``SELECT DISTINCT ?g`` for the named graphs where ``shape`` is violated.

    A query with ``per_graph`` is instead an ASK, run once for each graph as the
    default graph: SHACL-SPARQL constraints are whole SELECT queries, and Oxigraph
    (0.5) does not scope a subquery to the graph of an enclosing ``GRAPH ?g``.
    """

    shape: str
    sparql: str
    per_graph: bool = False


def compile_shapes(shapes: Graph, subclasses: bool = True) -> list[ShapeQuery]:
    """Every query needed to find each graph that does not conform to ``shapes``.

    SHACL counts an instance of a subclass (``rdfs:subClassOf`` in the data) as an
    instance of the class. The property path that follows subclasses costs Oxigraph
    more than half the time of a check, so with ``subclasses=False`` the queries
    match ``rdf:type`` alone: correct only for data holding no ``rdfs:subClassOf``.
    """
    return _Compiler(shapes, subclasses).queries()


def term(node: Node) -> str:
    """A term in SPARQL syntax; shapes' blank nodes have no meaning in the data."""
    if isinstance(node, (URIRef, Literal)):
        return node.n3()
    raise Unsupported(f"a blank node {node} where SHACL expects an IRI or a literal")


class _Compiler:
    def __init__(self, shapes: Graph, subclasses: bool) -> None:
        self.g = shapes
        self.counter = itertools.count(1)
        self.instance_of = "rdf:type/rdfs:subClassOf*" if subclasses else "rdf:type"

    def fresh(self) -> str:
        """A variable name not used elsewhere in the query (nested EXISTS must not capture)."""
        return f"?v{next(self.counter)}"

    # -- top level ---------------------------------------------------------------------------

    def queries(self) -> list[ShapeQuery]:
        found: list[ShapeQuery] = []
        for shape in sorted(self._shapes_with_targets(), key=str):
            if self._deactivated(shape):
                continue
            targets = self._target_patterns(shape)
            for name, condition in self._conditions(shape):
                where = " UNION ".join(f"{{ {pattern} }}" for pattern in targets)
                found.append(ShapeQuery(name, (
                    "SELECT DISTINCT ?g WHERE { GRAPH ?g { "
                    f"{where} FILTER ({condition}) }} }}")))
            found.extend(self._sparql_constraints(shape, targets))
        return found

    def _shapes_with_targets(self) -> set[Node]:
        targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
        shapes = {s for p in targets for s in self.g.subjects(p, None)}
        for kind in (SH.NodeShape, SH.PropertyShape):
            for shape in self.g.subjects(RDF.type, kind):
                if self._is_class(shape):
                    shapes.add(shape)  # implicit class target
        return shapes

    def _target_patterns(self, shape: Node) -> list[str]:
        """Graph patterns binding ?this to each focus node of ``shape``."""
        patterns = [f"?this {self.instance_of} {term(c)} ."
                    for c in self.g.objects(shape, SH.targetClass)]
        if self._is_class(shape):
            patterns.append(f"?this {self.instance_of} {term(shape)} .")
        nodes = " ".join(term(n) for n in self.g.objects(shape, SH.targetNode))
        if nodes:
            # a target node is a focus node of every graph, mentioned or not; the triple
            # pattern is there so that Oxigraph binds ?g (it leaves ?g unbound around VALUES)
            patterns.append(f"VALUES ?this {{ {nodes} }} ?anySubject ?anyPredicate ?anyObject .")
        patterns += [f"?this {term(p)} [] ." for p in self.g.objects(shape, SH.targetSubjectsOf)]
        patterns += [f"[] {term(p)} ?this ." for p in self.g.objects(shape, SH.targetObjectsOf)]
        return patterns

    def _conditions(self, shape: Node) -> Iterator[tuple[str, str]]:
        """The shape's own constraints as one condition, then one per property shape, so
        that a flagged graph names the part of the shape that failed."""
        own = self.violation(shape, "?this", with_properties=False)
        if own != "false":
            yield str(shape), own
        for prop in sorted(self.g.objects(shape, SH.property), key=str):
            if not self._deactivated(prop):
                yield str(prop), self.violation(prop, "?this")

    # -- one shape at one node -------------------------------------------------------------

    def violation(self, shape: Node, t: str, with_properties: bool = True) -> str:
        """A SPARQL expression, true when the node held by variable ``t`` violates ``shape``."""
        if self._deactivated(shape):
            return "false"
        self._refuse_unknown(shape)
        parts: list[str] = []
        path = self.g.value(shape, SH.path)
        if path is not None:
            parts += self._property_parts(shape, self.path(path), t)
        else:
            parts += self._value_parts(shape, t)
        if with_properties:
            parts += [self.violation(p, t) for p in self.g.objects(shape, SH.property)]
        if self.g.value(shape, SH.sparql) is not None and with_properties:
            raise Unsupported(f"SHACL-SPARQL constraint inside a nested shape {shape}")
        parts = [p for p in parts if p != "false"]
        return " || ".join(f"({p})" for p in parts) if parts else "false"

    def _property_parts(self, shape: Node, path: str, t: str) -> list[str]:
        parts: list[str] = []
        value = self.fresh()
        conditions = self._value_parts(shape, value)
        if conditions:
            either = " || ".join(f"({c})" for c in conditions)
            parts.append(f"EXISTS {{ {t} {path} {value} . FILTER ({either}) }}")
        parts += self._count_parts(shape, path, t)
        parts += self._pair_parts(shape, path, t)
        return parts

    def _count_parts(self, shape: Node, path: str, t: str) -> list[str]:
        parts = []
        low, high = self._integer(shape, SH.minCount), self._integer(shape, SH.maxCount)
        if max(low or 0, (high or 0) + 1) > _MOST_COUNTED:
            raise Unsupported(f"a count above {_MOST_COUNTED - 1} on shape {shape}")
        if low is not None and low > 0:
            parts.append(f"NOT {self._distinct_values(t, path, low)}")
        if high is not None:
            parts.append(self._distinct_values(t, path, high + 1))
        for required in self.g.objects(shape, SH.hasValue):
            parts.append(f"NOT EXISTS {{ {t} {path} {term(required)} . }}")
        return parts

    def _distinct_values(self, t: str, path: str, count: int) -> str:
        """EXISTS pattern: ``t`` has at least ``count`` distinct values over ``path``."""
        values = [self.fresh() for _ in range(count)]
        distinct = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(values, 2))
        triples = " ".join(f"{t} {path} {v} ." for v in values)
        return f"EXISTS {{ {triples} {f'FILTER ({distinct})' if distinct else ''} }}"

    def _pair_parts(self, shape: Node, path: str, t: str) -> list[str]:
        """lessThan, lessThanOrEquals, equals, disjoint, uniqueLang: pairs of values."""
        parts = []
        for param, op in ((SH.lessThan, "<"), (SH.lessThanOrEquals, "<=")):
            for other in self.g.objects(shape, param):
                a, b = self.fresh(), self.fresh()
                parts.append(f"EXISTS {{ {t} {path} {a} . {t} {term(other)} {b} . "
                             f"FILTER (!COALESCE({a} {op} {b}, false)) }}")
        for other in self.g.objects(shape, SH.equals):
            a = self.fresh()
            parts.append(f"EXISTS {{ {t} {path} {a} . FILTER NOT EXISTS {{ {t} {term(other)} {a} }} }}")
            parts.append(f"EXISTS {{ {t} {term(other)} {a} . FILTER NOT EXISTS {{ {t} {path} {a} }} }}")
        for other in self.g.objects(shape, SH.disjoint):
            a = self.fresh()
            parts.append(f"EXISTS {{ {t} {path} {a} . {t} {term(other)} {a} . }}")
        if self.g.value(shape, SH.uniqueLang) == Literal(True):
            a, b = self.fresh(), self.fresh()
            parts.append(f"EXISTS {{ {t} {path} {a} . {t} {path} {b} . FILTER (!sameTerm({a}, {b}) "
                         f"&& lang({a}) != \"\" && lcase(lang({a})) = lcase(lang({b}))) }}")
        return parts

    def _value_parts(self, shape: Node, t: str) -> list[str]:
        """Constraints on one value node, each as an expression true when it fails."""
        g, parts = self.g, []
        for datatype in g.objects(shape, SH.datatype):
            parts.append(self._datatype(datatype, t))
        for cls in g.objects(shape, SH["class"]):
            parts.append(f"NOT EXISTS {{ {t} {self.instance_of} {term(cls)} . }}")
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {kind}")
            parts.append(_NODE_KINDS[kind].format(t=t))
        flags = g.value(shape, SH.flags)
        for pattern in g.objects(shape, SH.pattern):
            extra = f", {term(Literal(str(flags)))}" if flags is not None else ""
            parts.append(f"isBlank({t}) || !REGEX(STR({t}), {term(Literal(str(pattern)))}{extra})")
        for param, op in ((SH.minLength, "<"), (SH.maxLength, ">")):
            for limit in g.objects(shape, param):
                parts.append(f"isBlank({t}) || STRLEN(STR({t})) {op} {int(limit)}")
        for param, op in _COMPARISONS.items():
            for limit in g.objects(shape, param):
                parts.append(f"!COALESCE({t} {op} {term(limit)}, false)")
        for members in g.objects(shape, SH["in"]):
            allowed = " || ".join(f"sameTerm({t}, {term(m)})" for m in self._list(members))
            parts.append(f"!({allowed or 'false'})")
        parts += self._logical_parts(shape, t)
        return parts

    def _logical_parts(self, shape: Node, t: str) -> list[str]:
        parts = []
        for members in self.g.objects(shape, SH["or"]):
            fails = [self.violation(m, t) for m in self._list(members)]
            parts.append(" && ".join(f"({f})" for f in fails) or "true")
        for members in self.g.objects(shape, SH["and"]):
            parts += [self.violation(m, t) for m in self._list(members)]
        for members in self.g.objects(shape, SH.xone):
            conforming = " + ".join(f"IF({self.violation(m, t)}, 0, 1)" for m in self._list(members))
            parts.append(f"({conforming or '0'}) != 1")
        for other in self.g.objects(shape, SH["not"]):
            parts.append(f"!({self.violation(other, t)})")
        for other in self.g.objects(shape, SH.node):
            parts.append(self.violation(other, t))
        return parts

    def _datatype(self, datatype: Node, t: str) -> str:
        dt = term(datatype)
        check = f"!isLiteral({t}) || datatype({t}) != {dt}"
        if datatype in _CHECKED_DATATYPES and datatype != XSD.string:
            check += f" || !COALESCE(isLiteral({dt}({t})), false)"  # ill-formed lexical form
        return check

    # -- SHACL-SPARQL ------------------------------------------------------------------------

    def _sparql_constraints(self, shape: Node, targets: list[str]) -> list[ShapeQuery]:
        found = []
        for constraint in self.g.objects(shape, SH.sparql):
            if self._deactivated(constraint):
                continue
            select = self.g.value(constraint, SH.select)
            if select is None:
                raise Unsupported(f"SHACL-SPARQL constraint {constraint} without sh:select")
            prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self._prefixes(constraint))
            where = " UNION ".join(f"{{ {pattern} }}" for pattern in targets)
            found.append(ShapeQuery(str(constraint), f"{prefixes}ASK {{ {where} {{ {select} }} }}",
                                    per_graph=True))
        return found

    def _prefixes(self, constraint: Node) -> Iterator[tuple[str, str]]:
        for source in self.g.objects(constraint, SH.prefixes):
            for declaration in self.g.objects(source, SH.declare):
                yield str(self.g.value(declaration, SH.prefix)), str(
                    self.g.value(declaration, SH.namespace))

    # -- helpers -----------------------------------------------------------------------------

    def path(self, node: Node) -> str:
        """A SHACL property path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return term(node)
        g = self.g
        if (node, RDF.first, None) in g:
            return "(" + "/".join(self.path(step) for step in self._list(node)) + ")"
        for param, template in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"),
                                (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
            inner = g.value(node, param)
            if inner is not None:
                return "(" + template.format(self.path(inner)) + ")"
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(step) for step in self._list(alternatives)) + ")"
        raise Unsupported(f"property path {node}")

    def _list(self, node: Node) -> list[Node]:
        return list(Collection(self.g, node)) if isinstance(node, (BNode, URIRef)) else []

    def _integer(self, shape: Node, param: URIRef) -> int | None:
        value = self.g.value(shape, param)
        return None if value is None else int(value)

    def _is_class(self, shape: Node) -> bool:
        return any((shape, RDF.type, c) in self.g for c in (RDFS.Class, OWL.Class))

    def _deactivated(self, shape: Node) -> bool:
        return self.g.value(shape, SH.deactivated) == Literal(True)

    def _refuse_unknown(self, shape: Node) -> None:
        """Any sh: parameter we do not translate would make the queries miss violations."""
        known = _DESCRIPTIVE | _VALUE_PARAMS | _SET_PARAMS
        for param in self.g.predicates(shape, None):
            if str(param).startswith(str(SH)) and param not in known:
                raise Unsupported(f"{param} on shape {shape}")
