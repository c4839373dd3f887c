"""Asks Oxigraph for hash joins where its planner would look every row up one at a time.

Oxigraph joins the triple patterns of a basic graph pattern by looking each row of
one pattern up in the index of the next (about 4 µs a lookup in a store of 100,000
releases). A query that needs every row of a large join (ORDER BY, GROUP BY, an
aggregate) pays that for each row: "the releases, their headlines and dates, newest
first" joins 100,000 rows twice, 0.8 s. Each pattern in a subquery of its own is
scanned once and the subqueries are joined by hashing: 0.3 s, the same answers.

Only the plainest queries are rewritten, where the two forms are equal by the
definition of a basic graph pattern (the join of its triple patterns; no blank node,
so nothing is shared across patterns but variables): a SELECT whose one group holds
two or more triple patterns ``?s <p> ?o`` or ``?s a <Class>``, all linked by their
variables, and FILTERs that each read the variables of one pattern only (moved into
that pattern's subquery; none that draws random numbers, the time or new terms), and
nothing else; no FROM, ordered, grouped or aggregated; nothing that rdflib's parser,
which finds the patterns, might read otherwise than Oxigraph, which runs the query
(escapes, BASE, relative IRIs, undeclared prefixes; the FILTERs and patterns it reads
must be those written). Whether to rewrite is decided from each pattern's size in the
store, after its FILTERs (counted once per store and query prologue): scanning every
pattern must cost less than half of looking up the rows of the pattern Oxigraph starts
from (a class pattern when there is one: its order knows no FILTER, see ``first_rows``).
The text of every other query is left as it is. The pattern whose object the query
sorts by first is written last, so that the sort finds its input in that pattern's
index order (see ``_sort_key_last``).

The answers are the same solutions. Where an ORDER BY leaves rows tied and a LIMIT cuts
among them, which of the tied rows are kept may differ from the query as written (SPARQL
leaves their order open; at 100,000 releases "the 20 largest claims" has 5000 twenty times
over): the same query text is always planned, and answered, the same way.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox
from pyparsing import ParseResults
from rdflib import RDF, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from kg.errors import QueryRejected
from kg.sparql import (
    KEYWORD,
    NONDETERMINISTIC,
    PARSER_LOCK,
    blank_out,
    comparison_as_iri,
    mask_terms,
)
from kg.store import OxigraphStore

# a lookup costs about as much as scanning and hashing eight rows (4 µs against 0.5 µs);
# rewritten only when that leaves the hash join less than half the cost
SCAN_ROWS_PER_LOOKUP = 8
MARGIN = 2
MIN_ROWS = 10_000  # below, a pattern's lookups take a few ms whichever way it is joined

# (a subquery, OPTIONAL, UNION, ... need braces of their own, FILTER and BIND parentheses: the
# checks below refuse those too; the words are looked for in the group and after it)
_NOT_PLAIN = re.compile(KEYWORD.format(
    "(?:OPTIONAL|UNION|MINUS|BIND|VALUES|GRAPH|SERVICE|EXISTS|SELECT)"), re.IGNORECASE)
_FILTER = re.compile(KEYWORD.format("FILTER"), re.IGNORECASE)
# between FILTER and its "(": nothing, a built-in's or a function's name, or an IRI (blanked)
_CALLED = re.compile(r"\s*(?:[A-Za-z_][\w\-.]*(?::[\w\-.]*)?\s*)?")
_FROM = re.compile(KEYWORD.format("FROM"), re.IGNORECASE)  # FROM <g>, anywhere
_SELECT = re.compile(r"^\s*" + KEYWORD.format("SELECT"), re.IGNORECASE)
_NEEDS_ALL = re.compile(KEYWORD.format(r"(?:ORDER\s+BY|GROUP\s+BY|COUNT|SUM|MIN|MAX|AVG|SAMPLE"
                                     r"|GROUP_CONCAT)"), re.IGNORECASE)
# the prologue once blank_out has turned its IRIs into spaces
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:|BASE)\s*)*", re.IGNORECASE)


@dataclass(frozen=True)
class Pattern:
    """``?subject <predicate> ?object``, or ``?subject a <object>`` when ``is_class``, and
    the query's FILTERs over its variables only (their text as written)."""

    subject: str
    predicate: str
    object: str
    is_class: bool = False
    filters: tuple[str, ...] = ()

    def variables(self) -> list[str]:
        return [self.subject] if self.is_class else list(dict.fromkeys([self.subject, self.object]))

    def text(self) -> str:
        end = str(ox.NamedNode(self.object)) if self.is_class else f"?{self.object}"
        # a line end after each FILTER: nothing that follows can fall into a comment of its
        return "".join([f"?{self.subject} {ox.NamedNode(self.predicate)} {end}",
                        *(f" {text}\n" for text in self.filters)])

    def count_query(self, prologue: str = "") -> str:
        """How many rows the pattern has, after its FILTERs (whose names need ``prologue``)."""
        return f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {{ {self.text()} }}"


@dataclass(frozen=True)
class Plain:
    """A plain query: where its one group opens and closes in the text, its patterns, and
    its own prologue (the PREFIX declarations its FILTERs' names may need)."""

    start: int
    end: int
    patterns: tuple[Pattern, ...]
    prologue: str = ""


MAX_LENGTH = 4096  # a plain query is short; longer texts are not parsed (nor kept) here
# Where rdflib's parser and Oxigraph's read a query differently, the patterns rdflib finds
# may not be the query Oxigraph runs: escapes (rdflib expands \u even in comments and keeps
# the backslash of a name's escape), a comment ended by a bare CR (a line end for Oxigraph,
# not for rdflib), BASE and relative IRIs (resolved differently), a prefix the query does not
# declare (rdflib knows dc:, sh:, ...). A query with any of them is left as written.
_DIVERGENT = re.compile(r"\\|\r(?!\n)|<(?![A-Za-z][A-Za-z0-9+.\-]*:)[^<>\"{}|^`\x00-\x20]*>")
_BASE = re.compile(KEYWORD.format("BASE"), re.IGNORECASE)


def plain_query(query: str, prologue: str = "") -> Plain | None:
    """The query's one group and its triple patterns, when it is plain (see the module)."""
    if len(query) > MAX_LENGTH or _DIVERGENT.search(query) or _DIVERGENT.search(prologue):
        return None
    if comparison_as_iri(prologue + query):  # the lexer's view of the text is not the parsers'
        return None
    return _plain(query, prologue)


@functools.lru_cache(maxsize=256)  # rdflib's parser takes a few ms: once per query text
def _plain(query: str, prologue: str) -> Plain | None:
    code = blank_out(query)
    if _BASE.search(code):
        return None
    declared = _PROLOGUE.match(code).end()  # type: ignore[union-attr]
    body = code[declared:]
    if not _SELECT.match(body) or not _NEEDS_ALL.search(code):
        return None
    if code.count("{") != 1 or code.count("}") != 1:
        return None
    start, end = code.index("{"), code.index("}")
    if end < start or _NOT_PLAIN.search(code[start:]) or _FROM.search(code):
        return None
    filters = _filter_spans(code, start + 1, end)
    if filters is None:
        return None
    group = _without(code, filters)[start + 1:end]
    if any(mark in group for mark in ("[", "(", ")", "_:", "/", "|", "^", "!", "*", "+")):
        return None  # blank nodes, property paths, expressions (a path's "?" is rdflib's to see)
    algebra = _algebra(prologue + query)
    found = None if algebra is None else _patterns(algebra)
    if found is None:
        return None
    patterns, filtered = found
    if len(patterns) < 2 or not _linked(patterns):
        return None
    if len(patterns) != _written(_without(mask_terms(query), filters)[start + 1:end]):
        return None  # rdflib read another number of patterns than are written: not the same query
    written = []
    for a, b in filters:
        names = _filter_variables(f"{prologue}{query[:declared]}ASK {{ {query[a:b]}\n}}")
        if names is None or NONDETERMINISTIC.search(query, a, b):  # as written, strings and all
            return None
        written.append((query[a:b], names))
    if filtered != (set().union(*(names for _, names in written)) if filters else None):
        return None  # rdflib read other filters in the query than in the FILTERs on their own
    placed = _with_filters(patterns, written)
    if placed is None:
        return None
    plain = Plain(start, end, placed, query[:declared])
    return plain if _reads_the_same(prologue, query, hash_joined(query, plain), algebra) else None


def _reads_the_same(prologue: str, query: str, rewritten: str, read: object = None) -> bool:
    """Whether rdflib reads the rewrite with the query's triple patterns and FILTER
    conditions, each as many times (``read``: the query's algebra, when parsed already)."""
    original = read if read is not None else _algebra(prologue + query)
    again = _algebra(prologue + rewritten)
    return original is not None and again is not None and _reading(again) == _reading(original)


def _algebra(text: str) -> object | None:
    """rdflib's algebra of a query, or None when rdflib cannot read it or it uses a prefix
    it does not declare (one only rdflib knows: an error for Oxigraph, left to it)."""
    try:
        with PARSER_LOCK:
            tree = parseQuery(text)
            if not _prefixes_used(tree) <= {str(d["prefix"] or "") for d in tree[0]}:
                return None
            return translateQuery(tree).algebra
    except Exception:  # noqa: BLE001 (pyparsing's errors have no common base: Oxigraph will say)
        return None


def _reading(algebra: object) -> tuple[list[str], list[str]]:
    """The triple patterns and FILTER conditions rdflib read, each as many times. A rewrite
    is kept only when it reads as the query does: a last guard against the lexical steps
    above having cut the text elsewhere than the parsers do."""
    triples = sorted(_canonical(list(t)) for bgp in _bgps(algebra) for t in bgp)
    conditions = sorted(_canonical(c) for node in _all(algebra, "Filter")
                        for c in _conjuncts(node["expr"]))  # type: ignore[index]
    return triples, conditions


def _all(node: object, name: str) -> list[object]:
    """Every node called ``name`` in rdflib's algebra."""
    found = [node] if getattr(node, "name", None) == name else []
    if isinstance(node, dict):
        found += [n for value in node.values() for n in _all(value, name)]
    elif isinstance(node, list | tuple):
        found += [n for value in node for n in _all(value, name)]
    return found


def _conjuncts(expression: object) -> list[object]:
    """``a && b && c`` as [a, b, c]: FILTERs of one group are one conjunction for rdflib."""
    if getattr(expression, "name", None) != "ConditionalAndExpression":
        return [expression]
    parts = [expression["expr"], *(expression["other"] or [])]  # type: ignore[index]
    return [c for part in parts for c in _conjuncts(part)]


def _canonical(node: object) -> str:
    """A text for a node of rdflib's algebra that does not depend on set or dict order (its
    bookkeeping keys, which start with "_", left out)."""
    if isinstance(node, dict):
        items = sorted((str(k), _canonical(v)) for k, v in node.items() if not str(k).startswith("_"))
        return f"{getattr(node, 'name', '')}{{{', '.join(f'{k}: {v}' for k, v in items)}}}"
    if isinstance(node, list | tuple):
        return "[" + ", ".join(_canonical(v) for v in node) + "]"
    n3 = getattr(node, "n3", None)
    return n3() if callable(n3) else repr(node)


def _filter_spans(code: str, start: int, end: int) -> list[tuple[int, int]] | None:
    """Where each FILTER of the group starts and ends (its keyword to its closing
    parenthesis); None for one that is not a plain call or bracketed expression, or that
    draws random numbers, the time or new terms (its rows would differ once moved).

    Found in the blanked text, which may take ``?a<ex:f(?b)&&?c>0`` for an IRI: each span
    is then read on its own by rdflib (:func:`_filter_variables`), and the group without
    the spans must hold nothing but triple patterns."""
    spans: list[tuple[int, int]] = []
    for match in _FILTER.finditer(code, start, end):
        opening = code.find("(", match.end(), end)
        if opening < 0 or (spans and match.start() < spans[-1][1]) \
                or not _CALLED.fullmatch(code, match.end(), opening):
            return None
        depth = 0
        for index in range(opening, end):
            depth += {"(": 1, ")": -1}.get(code[index], 0)
            if depth == 0:
                break
        else:
            return None
        spans.append((match.start(), index + 1))
    return spans


def _filter_variables(text: str) -> set[str] | None:
    """The variables of the one FILTER that ``text`` (a prologue, then ``ASK { FILTER … }``)
    holds, as rdflib reads it on its own; None unless it reads exactly that."""
    algebra = _algebra(text)
    condition = None if algebra is None else _filter_over_bgp(algebra)
    if condition is None or condition["p"]["triples"]:  # type: ignore[index]
        return None
    return _variables(condition["expr"])  # type: ignore[index]


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span turned into a statement end and spaces (offsets kept), as the
    patterns read once their FILTERs are gone."""
    for a, b in spans:
        text = text[:a] + "." + " " * (b - a - 1) + text[b:]
    return text


def _with_filters(patterns: tuple[Pattern, ...], filters: list[tuple[str, set[str]]]
                  ) -> tuple[Pattern, ...] | None:
    """Each FILTER moved into the first pattern that binds all its variables. A FILTER of a
    group holds for its every solution, and a solution of the join has each pattern's
    variables as that pattern bound them, so filtering that pattern's rows first keeps the
    same solutions. None when no one pattern binds them all."""
    moved = list(patterns)
    for text, names in filters:
        home = next((i for i, p in enumerate(moved) if names <= set(p.variables())), None)
        if home is None:
            return None
        moved[home] = dataclasses.replace(moved[home], filters=(*moved[home].filters, text))
    return tuple(moved)


_STATEMENT_END = re.compile(r"(?<![\w\-])\.|\.(?![\w\-])")  # not the dot inside ex:a.b


def _written(group: str) -> int:
    """How many triple patterns a group of plain triples holds as written: an object each,
    objects after "," and predicates after ";" included (a trailing ";" or "." adds none).

    >>> _written(mask_terms(" ?r a ex:R ; ex:h ?h, ?g . ?h <p;q> ?o.?o ex:a.b ?x ; . "))
    5
    """
    count = 0
    for statement in _STATEMENT_END.split(group):
        for predicate_objects in statement.split(";"):
            if predicate_objects.strip():
                count += len(predicate_objects.split(","))
    return count


def _patterns(algebra: object) -> tuple[tuple[Pattern, ...], set[str] | None] | None:
    """The triple patterns of the query's one basic graph pattern, as rdflib's parser reads
    them, and the variables of its FILTERs (None without one); None when the group holds
    any other kind of pattern."""
    found, key = _bgps(algebra), _first_sort_key(algebra)
    condition = _filter_over_bgp(algebra)  # the group's FILTERs, not a HAVING
    filtered = None if condition is None else _variables(condition["expr"])  # type: ignore[index]
    if len(found) != 1:
        return None
    patterns: list[Pattern] = []
    for subject, predicate, obj in found[0]:
        if not isinstance(subject, Variable) or not isinstance(predicate, URIRef):
            return None
        if isinstance(obj, Variable):
            patterns.append(Pattern(str(subject), str(predicate), str(obj)))
        elif isinstance(obj, URIRef) and predicate == RDF.type:
            patterns.append(Pattern(str(subject), str(predicate), str(obj), is_class=True))
        else:
            return None
    return _sort_key_last(patterns, key), filtered


def _filter_over_bgp(algebra: object) -> object | None:
    """The Filter node of rdflib's algebra that holds a basic graph pattern's FILTERs."""
    found = [node for node in _all(algebra, "Filter")
             if getattr(node["p"], "name", None) == "BGP"]  # type: ignore[index]
    return found[0] if found else None


def _variables(node: object) -> set[str]:
    """The names of the variables anywhere in an expression of rdflib's algebra."""
    if isinstance(node, Variable):
        return {str(node)}
    if isinstance(node, dict):
        return {name for value in node.values() for name in _variables(value)}
    if isinstance(node, list | tuple | set):
        return {name for value in node for name in _variables(value)}
    return set()


def _first_sort_key(algebra: object) -> str | None:
    """The variable the query sorts its joined rows by first (``ORDER BY ?d``, ``DESC(?d)``);
    None for an expression, or when it sorts groups (there the join's order is lost anyway)."""
    order = _find(algebra, "OrderBy")
    if order is None or _find(order, "AggregateJoin") is not None:
        return None
    first = order["expr"][0]  # type: ignore[index]
    return str(first["expr"]) if isinstance(first["expr"], Variable) else None


def _find(node: object, name: str) -> object | None:
    """The first node called ``name`` in rdflib's algebra, depth first."""
    found = _all(node, name)
    return found[0] if found else None


def _sort_key_last(patterns: list[Pattern], key: str | None) -> tuple[Pattern, ...]:
    """The patterns with the one whose object is the first sort key written last.

    Oxigraph joins equal-sized subqueries in the order written and the last one drives
    the output, which then comes in that pattern's index order: sorted by its object. An
    ORDER BY on that object then finds its input (nearly) sorted already: "releases,
    newest first" at 100,000 releases sorts in 5 ms instead of 90. The answers are the
    same whatever the order; only the time differs.
    """
    last = [p for p in patterns if not p.is_class and p.object == key and p.subject != key]
    if len(last) != 1:
        return tuple(patterns)
    return (*(p for p in patterns if p is not last[0]), last[0])


def _prefixes_used(node: object) -> set[str]:
    """The prefixes of the prefixed names in rdflib's parse tree."""
    if getattr(node, "name", None) == "pname":
        return {str(node["prefix"] or "")}  # type: ignore[index]
    if isinstance(node, dict):
        return {p for value in node.values() for p in _prefixes_used(value)}
    if isinstance(node, list | tuple | ParseResults):
        return {p for value in node for p in _prefixes_used(value)}
    return set()


def _bgps(algebra: object) -> list[list[tuple[object, object, object]]]:
    """Every BGP's triples in rdflib's algebra."""
    return [list(node["triples"]) for node in _all(algebra, "BGP")]  # type: ignore[index]


def _linked(patterns: tuple[Pattern, ...]) -> bool:
    """Every pattern shares a variable with the others, through some chain (no cross product)."""
    reached = set(patterns[0].variables())
    left = list(patterns[1:])
    while left:
        joined = [p for p in left if reached & set(p.variables())]
        if not joined:
            return False
        for pattern in joined:
            reached |= set(pattern.variables())
            left.remove(pattern)
    return True


def hash_joined(query: str, plain: Plain) -> str:
    """The query with its group's patterns each in a subquery of its own (projecting its
    variables), which Oxigraph then joins by hashing."""
    parts = " ".join(f"{{ SELECT {' '.join('?' + v for v in p.variables())} WHERE {{ {p.text()} }} }}"
                     for p in plain.patterns)
    return query[:plain.start] + "{ " + parts + " }" + query[plain.end + 1:]


def worth_it(sizes: list[int], start: int | None = None, min_rows: int = MIN_ROWS) -> bool:
    """Scanning every pattern (``sizes`` rows) against looking the ``start`` rows of the
    pattern Oxigraph starts from up in each of the others (by default the smallest).

    >>> worth_it([100_000, 100_000, 100_000])  # releases, their headlines and dates
    True
    >>> worth_it([13_637, 394_383])  # organizations and every mention: look the 13,637 up
    False
    >>> worth_it([2_000, 2_000])  # a few ms either way
    False
    >>> worth_it([100_000, 1_250, 100_000], start=100_000)  # the last year's releases
    True
    """
    start = min(sizes) if start is None else start
    lookups = start * (len(sizes) - 1)
    return start >= min_rows and sum(sizes) * MARGIN < lookups * SCAN_ROWS_PER_LOOKUP


def first_rows(patterns: tuple[Pattern, ...], sizes: list[int]) -> int:
    """The rows Oxigraph starts a join from, at the least. It orders the patterns by static
    estimates, which know no FILTER and no store: a class pattern (``?s a <C>``) first,
    whatever its size, else one of the others (the smallest, to err towards leaving the
    query as written)."""
    classes = [size for pattern, size in zip(patterns, sizes, strict=True) if pattern.is_class]
    return min(classes or sizes)


class Planner:
    """Rewrites plain queries for one store, counting each pattern's rows once."""

    def __init__(self, store: OxigraphStore, prologue: str = "", min_rows: int = MIN_ROWS) -> None:
        self.store = store
        self.prologue = prologue  # the PREFIX lines the store adds to every query
        self.min_rows = min_rows
        self._sizes: dict[tuple[str, Pattern], int] = {}

    def size(self, pattern: Pattern, prologue: str = "") -> int:
        """The pattern's rows; a FILTER's names mean what the query's prologue says."""
        key = (prologue if pattern.filters else "", pattern)
        if key not in self._sizes:
            if len(self._sizes) >= 10_000:  # a user naming ever new predicates: count again
                self._sizes.clear()
            rows = self.store.select(pattern.count_query(key[0]))
            self._sizes[key] = int(rows[0]["n"].value)
        return self._sizes[key]

    def plan(self, query: str) -> str:
        """The text to run: hash-joined when plain and worth it, else ``query`` itself."""
        plain = plain_query(query, self.prologue)
        if plain is None:
            return query
        try:
            sizes = [self.size(p, plain.prologue) for p in plain.patterns]
            if not worth_it(sizes, first_rows(plain.patterns, sizes), self.min_rows):
                return query
            return hash_joined(query, plain)
        except (ValueError, QueryRejected):  # Oxigraph refuses a part: it will say so, as written
            return query
