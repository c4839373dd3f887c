"""The embedded store: a pyoxigraph (RocksDB) dataset on disk, one named graph per release.

The protocol is small on purpose (after rdflib's ``Store`` and Prez's ``Repo``):
the web app asks for SELECT rows, CONSTRUCT triples, ASK answers and dumps, and
never learns which store answers (``kg/remote.py`` is the remote SPARQL store).
Values are bound with a VALUES clause built from terms (:func:`kg.sparql.bind`),
never formatted into query text by hand.

The default graph holds the merge of all named graphs, materialized when the build
loads the store (each batch brings its share, see ``kg/build.py``; for a store filled
otherwise, :meth:`OxigraphStore.merge_into_default_graph`). Oxigraph's
``use_default_graph_as_union`` would instead repeat a triple once per graph that
holds it (an organization typed in 3,000 releases is counted 3,000 times) and
multiply joins over such hubs; the materialized merge is a set and is fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from kg.errors import NoBuild, QueryRejected
from kg.sparql import bind

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term]


class Store(Protocol):
    """What the server and the CLI need from a store."""

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[Row]: ...
    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]: ...
    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool: ...
    def run(self, query: str) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean: ...
    def dump(self, output: IO[bytes] | Path, fmt: ox.RdfFormat, graph: str | None = None) -> None: ...
    def triple_count(self) -> int: ...


def rows_of(solutions: ox.QuerySolutions) -> list[Row]:
    """Solutions as rows: variable name to term, unbound variables left out."""
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


class Answers:
    """select / construct / ask on top of a store's ``run``, shared by both stores so that
    they turn answers into rows, triples and booleans the same way."""

    def run(self, query: str, bindings: Mapping[str, Term] | None = None) -> Any:
        raise NotImplementedError

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[Row]:
        result = self.run(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryRejected("expected a SELECT query")
        return rows_of(result)

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        result = self.run(query, bindings)
        if not isinstance(result, ox.QueryTriples | list):
            raise QueryRejected("expected a CONSTRUCT or DESCRIBE query")
        return list(result)

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        result = self.run(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryRejected("expected an ASK query")
        return bool(result)


class OxigraphStore(Answers):
    """A pyoxigraph store opened read-write (to build) or read-only (to serve)."""

    # A read-only store answers a query in its index order, the same every time, so pages
    # can be cut with LIMIT/OFFSET without a costly ORDER BY.
    stable_order = True

    def __init__(self, store: ox.Store, prefixes: Mapping[str, str] | None = None) -> None:
        self._store = store
        self.prefixes = dict(prefixes or {})

    @classmethod
    def create(cls, path: Path, prefixes: Mapping[str, str] | None = None) -> OxigraphStore:
        """A new, empty store in ``path`` (the build writes here, then closes it)."""
        path.mkdir(parents=True, exist_ok=False)
        return cls(ox.Store(str(path)), prefixes)

    @classmethod
    def open_read_only(cls, path: Path, prefixes: Mapping[str, str] | None = None) -> OxigraphStore:
        """Open a published store for reading; several processes may do so at once."""
        if not path.is_dir():
            raise NoBuild(f"no store at {path}: run `kg build` first")
        return cls(ox.Store.read_only(str(path)), prefixes)

    @classmethod
    def in_memory(cls, prefixes: Mapping[str, str] | None = None) -> OxigraphStore:
        return cls(ox.Store(), prefixes)

    # -- loading ---------------------------------------------------------
    def load_nquads(self, source: Path | bytes) -> None:
        """Bulk-load N-Quads (the build's staging file) without holding it all in memory."""
        if isinstance(source, Path):
            self._store.bulk_load(path=str(source), format=ox.RdfFormat.N_QUADS)
        else:
            self._store.bulk_load(input=source, format=ox.RdfFormat.N_QUADS)

    def load_graph(self, data: bytes | str, fmt: ox.RdfFormat, graph: str) -> None:
        self._store.bulk_load(input=data, format=fmt, to_graph=ox.NamedNode(graph))

    def load_default(self, data: bytes | str, fmt: ox.RdfFormat) -> None:
        self._store.bulk_load(input=data, format=fmt, to_graph=ox.DefaultGraph())

    def load_quads(self, data: bytes, lenient: bool = False) -> None:
        """N-Quads, each quad into the graph it names (the build loads releases this way).

        ``lenient`` skips checking each IRI and language tag again: only for N-Quads that
        Oxigraph wrote itself from terms it had checked (the build's workers serialize their
        batches), since it would let a relative IRI or an IRI with a space through. It takes
        6.5–10% less CPU to load, the build's largest cost after the workers' at 100,000
        releases."""
        self._store.bulk_load(input=data, format=ox.RdfFormat.N_QUADS, lenient=lenient)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction (a release graph at a time during the build)."""
        self._store.extend(quads)

    def merge_into_default_graph(self) -> None:
        """Make the default graph the merge (set union) of every named graph."""
        self._store.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object) for q in self._store
            if not isinstance(q.graph_name, ox.DefaultGraph))

    def flush(self) -> None:
        self._store.flush()
        self._store.optimize()

    # -- querying --------------------------------------------------------
    def run(
        self,
        query: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
        """Evaluate a query; syntax errors become QueryRejected.

        The default graph is the merge of all graphs unless the protocol names graphs
        (``default_graphs``/``named_graphs``) or the query has FROM / FROM NAMED.
        """
        try:
            return self._store.query(
                bind(query, bindings),
                prefixes=self.prefixes,
                default_graph=_default_graph(default_graphs, named_graphs),
                named_graphs=[ox.NamedNode(g) for g in named_graphs] if named_graphs else None,
            )
        except SyntaxError as err:
            raise QueryRejected(f"SPARQL syntax error: {err}") from None

    def quads(self) -> Iterator[ox.Quad]:
        """The quads of the named graphs (the merged default graph is derived from them)."""
        return (q for q in self._store if not isinstance(q.graph_name, ox.DefaultGraph))

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def triple_count(self) -> int:
        """Distinct triples over all graphs: the merged default graph (what Turtle dumps hold)."""
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(rows[0]["n"].value)

    def quad_count(self, triples: int | None = None) -> int:
        """Quads in the named graphs (what N-Quads and TriG dumps hold)."""
        return len(self._store) - (self.triple_count() if triples is None else triples)

    # -- dumping ---------------------------------------------------------
    def dump(self, output: IO[bytes] | Path, fmt: ox.RdfFormat, graph: str | None = None) -> None:
        """Serialize the named graphs (quad formats), one graph, or their merge (triple formats)."""
        target: IO[bytes] | str = str(output) if isinstance(output, Path) else output
        if graph is not None:
            self._store.dump(target, fmt, from_graph=ox.NamedNode(graph), prefixes=self.prefixes)
        elif fmt.supports_datasets:
            named = (q for q in self._store if not isinstance(q.graph_name, ox.DefaultGraph))
            ox.serialize(named, target, fmt, prefixes=self.prefixes)
        else:
            self._store.dump(target, fmt, from_graph=ox.DefaultGraph(), prefixes=self.prefixes)


EMPTY_GRAPH = "urn:x-kg:empty-default-graph"


def _default_graph(default_graphs: list[str] | None, named_graphs: list[str] | None
                   ) -> list[ox.NamedNode] | None:
    """The protocol's default graph: the graphs named, else, when only named graphs are given,
    an empty one (SPARQL 1.1 Protocol 2.1.4); else the store's own (the merged graphs)."""
    if default_graphs:
        return [ox.NamedNode(g) for g in default_graphs]
    if named_graphs:
        return [ox.NamedNode(EMPTY_GRAPH)]
    return None


def to_ox(term: object) -> Term:
    """An rdflib term as the pyoxigraph term with the same meaning."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def from_ox(term: Term) -> Any:
    """A pyoxigraph term as the rdflib term with the same meaning (for pyshacl and tests)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def quads_of(graph_iri: str, triples: Iterable[tuple[object, object, object]]) -> Iterator[ox.Quad]:
    """rdflib triples as pyoxigraph quads in the named graph ``graph_iri``."""
    graph = ox.NamedNode(graph_iri)
    for s, p, o in triples:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph)  # type: ignore[arg-type]
