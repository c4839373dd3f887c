"""The query policy for untrusted SPARQL: what the public endpoint refuses before running a query.

Oxigraph evaluates ``SERVICE`` by opening HTTP connections to the named
endpoint; a public endpoint must never do that on a stranger's behalf.
Three lines of defence, because a lexical scan alone can be fooled (an escaped
``\\#`` in a prefixed name, a ``<`` comparison read as an IRI):

1. :func:`check`, a fast lexical scan: escapes, comments, strings and IRIs are
   blanked out, then the reserved words are looked for.
2. Query workers run in a network namespace of their own with no interface but a
   down loopback (:func:`kg.runner.isolate_network`), so even a SERVICE that got
   through cannot connect anywhere.
3. Where a worker cannot be isolated, and before a query goes to a remote store
   (which would do the fetching), :func:`deep_check` parses the query with a real
   SPARQL parser (rdflib's) and refuses any SERVICE in the parse tree, and any
   query that parser cannot read.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import parseQuery

from kg.errors import QueryRejected

Term = ox.NamedNode | ox.BlankNode | ox.Literal

_LEXEMES = re.compile(
    r"""
      (?P<escape>\\.)
    | (?P<long1>'''(?:[^'\\]|\\.|'(?!''))*''')
    | (?P<long2>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
    | (?P<str1>'(?:[^'\\\n\r]|\\.)*')
    | (?P<str2>"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n\r]*)
    """,
    re.VERBOSE,
)
# a keyword (formatted in), not part of a variable, prefixed name or longer word
KEYWORD = r"(?<![\w?$:\-]){}(?![\w:\-])"
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
_FIRST = re.compile(KEYWORD.format("(" + "|".join(FORMS + UPDATES) + ")"), re.IGNORECASE)
_SERVICE = re.compile(KEYWORD.format("SERVICE"), re.IGNORECASE)
_FROM = re.compile(KEYWORD.format("FROM"), re.IGNORECASE)
NONDETERMINISTIC = re.compile(KEYWORD.format(r"(?:RAND|NOW|UUID|STRUUID|BNODE)") + r"\s*\(",
                              re.IGNORECASE)


@dataclass(frozen=True)
class QueryShape:
    """What the policy learnt about a query: its form (SELECT, ASK, CONSTRUCT or DESCRIBE)."""

    form: str
    has_dataset: bool = False  # FROM or FROM NAMED: the query names its own dataset
    nondeterministic: bool = False  # RAND, NOW, UUID, STRUUID or BNODE: no two answers alike

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def decode_codepoints(query: str) -> str:
    """The query with its ``\\u`` and ``\\U`` escapes decoded: SPARQL decodes them before it
    parses (SPARQL 1.1, 19.2), so ``<http:\\u002F\\u002Fx/#a>`` is an IRI, not the start of a
    comment that would hide the rest of the line from a lexical scan.

    >>> decode_codepoints("SELECT * { ?s ?p \\u0022x\\u0022 }")
    'SELECT * { ?s ?p "x" }'
    """
    if "\\" not in query:
        return query
    return _CODEPOINT.sub(lambda m: _char(m.group(1) or m.group(2)), query)


def _char(hexadecimal: str) -> str:
    code = int(hexadecimal, 16)
    return chr(code) if code <= 0x10FFFF else "\ufffd"  # an invalid one: the parser will say


def blank_out(query: str) -> str:
    """The query with comments, strings and IRIs replaced by spaces (offsets kept).

    >>> blank_out('SELECT * { ?s ?p "SERVICE" } # SERVICE')
    'SELECT * { ?s ?p           }          '
    """
    return _LEXEMES.sub(lambda m: " " * len(m.group(0)), query)


_SCHEME = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]*):")
_DECLARED = re.compile(r"PREFIX\s+([^\s:]*):", re.IGNORECASE)


def comparison_as_iri(query: str, predeclared: Iterable[str] = ()) -> bool:
    """Whether the lexer may have read a comparison as an IRI: a ``<...>`` it takes for an
    IRI starts with a declared prefix, as ``?a<xsd:integer(?b)&&?c>0`` does (a ``#`` or a
    quote inside would then hide the rest of the line from it, or more).

    >>> comparison_as_iri("SELECT * { ?a ?p ?c FILTER(?a<xsd:integer(?b)&&?c>0) }", ["xsd"])
    True
    >>> comparison_as_iri("PREFIX x: <http://x/> SELECT * { ?a x:p <http://y/#z> }")
    False
    """
    declared = {*predeclared, *_DECLARED.findall(blank_out(query))}
    for lexeme in _LEXEMES.finditer(query):
        scheme = _SCHEME.match(lexeme.group(0)) if lexeme.lastgroup == "iri" else None
        if scheme and scheme.group(1) in declared:
            return True
    return False


def mask_terms(query: str) -> str:
    """As :func:`blank_out`, but an IRI or a string becomes a word of x's of its length (a term
    is still there to count, with no punctuation inside it).

    >>> mask_terms('SELECT * { ?s <a;b> "c,d" } # e')
    'SELECT * { ?s xxxxx xxxxx }    '
    """
    return _LEXEMES.sub(lambda m: (" " if m.lastgroup in ("comment", "escape") else "x")
                        * len(m.group(0)), query)


def check(query: str) -> QueryShape:
    """Refuse what a read-only public endpoint must not run; say what kind of query it is.

    >>> check("PREFIX s: <http://x/> SELECT ?service WHERE { ?service s:SERVICE ?x }").form
    'SELECT'
    >>> check("SELECT * { SERVICE <http://evil/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryRejected: SERVICE (federated query) is not allowed: this endpoint never fetches remote data
    """
    decoded = decode_codepoints(query)
    code = blank_out(decoded)
    first = _FIRST.search(code)
    if first is None:  # not a query at all: the parser's message says where and why
        return QueryShape("UNKNOWN")
    form = first.group(1).upper()
    if form in UPDATES:
        raise QueryRejected("this endpoint is read-only: SPARQL Update is not accepted",
                            status=403, code="update_refused")
    if _SERVICE.search(code):
        raise QueryRejected(
            "SERVICE (federated query) is not allowed: this endpoint never fetches remote data",
            code="service_refused")
    return QueryShape(form, has_dataset=bool(_FROM.search(code)),
                      # looked for in the text as written: the lexer may take an expression
                      # such as ?a<xsd:double(RAND())&&?b>0 for an IRI (a string naming RAND()
                      # costs an ETag, nothing more)
                      nondeterministic=bool(NONDETERMINISTIC.search(decoded)))


PARSER_LOCK = threading.Lock()  # rdflib's pyparsing grammar: one thread at a time (kg.plan too)


@functools.lru_cache(maxsize=4096)
def deep_check(query: str, prologue: str = "") -> None:
    """Refuse a query whose parse tree holds a SERVICE clause, or that cannot be parsed.

    Slower than :func:`check` (rdflib's parser: a few to tens of ms), so verdicts are
    cached by query text.
    """
    try:
        with PARSER_LOCK:  # rdflib's pyparsing grammar is not safe to use on two threads at once
            tree = parseQuery(prologue + query)
    except Exception as err:  # pyparsing's errors have no common base worth naming  # noqa: BLE001
        raise QueryRejected(f"SPARQL syntax error: {err}") from None
    if _has_service(tree):
        raise QueryRejected(
            "SERVICE (federated query) is not allowed: this endpoint never fetches remote data",
            code="service_refused")


def _has_service(node: object) -> bool:
    """Walk rdflib's parse tree (CompValue dicts inside pyparsing ParseResults)."""
    if getattr(node, "name", None) == "ServiceGraphPattern":
        return True
    if isinstance(node, dict):
        return any(_has_service(v) for v in node.values())
    if isinstance(node, ParseResults | list | tuple):
        return any(_has_service(v) for v in node)
    return False


def values_clause(bindings: Mapping[str, Term]) -> str:
    """A VALUES clause binding each variable to its term, terms written in N-Triples syntax.

    pyoxigraph terms print themselves in N-Triples syntax with every character escaped,
    so a value can never escape its term.

    >>> values_clause({"this": ox.NamedNode("http://x.org/a")})
    'VALUES (?this) { (<http://x.org/a>) }'
    """
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


def bind(query: str, bindings: Mapping[str, Term] | None) -> str:
    """The query with its values bound by a VALUES clause opening its WHERE group.

    Inside the group rather than after the query: some stores (Virtuoso) accept a
    trailing VALUES only on SELECT, and Oxigraph plans a leading VALUES into every
    pattern, OPTIONAL ones included, where its ``substitutions`` are applied only after
    (measured: 0.3 ms against 180 ms for an entity's quotes at 260k triples).
    Meant for our own named queries (``kg/queries``).

    >>> bind("CONSTRUCT { ?this ?p ?o } WHERE { ?this ?p ?o }", {"this": ox.NamedNode("http://a/")})
    'CONSTRUCT { ?this ?p ?o } WHERE { VALUES (?this) { (<http://a/>) } ?this ?p ?o }'
    >>> bind("ASK { ?this ?p ?o }", {"this": ox.NamedNode("http://a/")})
    'ASK { VALUES (?this) { (<http://a/>) } ?this ?p ?o }'
    """
    if not bindings:
        return query
    code = blank_out(query)
    where = re.search(r"(?<![\w?$:])WHERE(?![\w:])", code, re.IGNORECASE)
    brace = code.index("{", where.end() if where else 0)
    return f"{query[:brace + 1]} {values_clause(bindings)}{query[brace + 1:]}"


def bind_many(query: str, name: str, terms: list[Term]) -> str:
    """The query with ``?name`` bound to each of ``terms`` (one VALUES row each), as :func:`bind`.

    >>> bind_many("ASK { ?x ?p ?o }", "x", [ox.NamedNode("http://a/"), ox.NamedNode("http://b/")])
    'ASK { VALUES ?x { <http://a/> <http://b/> } ?x ?p ?o }'
    """
    code = blank_out(query)
    where = re.search(r"(?<![\w?$:])WHERE(?![\w:])", code, re.IGNORECASE)
    brace = code.index("{", where.end() if where else 0)
    values = f"VALUES ?{name} {{ {' '.join(str(t) for t in terms)} }}"
    return f"{query[:brace + 1]} {values}{query[brace + 1:]}"
