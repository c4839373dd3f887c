"""The query policy for untrusted SPARQL: what the public endpoint refuses before running a query.

Oxigraph evaluates ``SERVICE`` by opening HTTP connections to the named
endpoint; a public endpoint must never do that on a stranger's behalf. The
check is lexical: comments, strings and IRIs are blanked out, then the reserved
words are looked for. In SPARQL 1.1 ``SERVICE`` is a keyword that can appear
only as the federated-query clause (a prefixed name such as ``service:x`` or a
variable such as ``?service`` is not the keyword), so the scan cannot be
fooled by data. Oxigraph's own parser then checks the syntax for real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import QueryRejected

_LEXEMES = re.compile(
    r"""
      (?P<long1>'''(?:[^'\\]|\\.|'(?!''))*''')
    | (?P<long2>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
    | (?P<str1>'(?:[^'\\\n\r]|\\.)*')
    | (?P<str2>"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n\r]*)
    """,
    re.VERBOSE,
)
_WORD = r"(?<![\w?$:.\-]){}(?![\w:\-])"
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
_FIRST = re.compile(_WORD.format("(" + "|".join(FORMS + UPDATES) + ")"), re.IGNORECASE)
_SERVICE = re.compile(_WORD.format("SERVICE"), re.IGNORECASE)
_FROM = re.compile(_WORD.format("FROM"), re.IGNORECASE)


@dataclass(frozen=True)
class QueryShape:
    """What the policy learnt about a query: its form (SELECT, ASK, CONSTRUCT or DESCRIBE)."""

    form: str
    has_dataset: bool = False  # FROM or FROM NAMED: the query names its own dataset

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def blank_out(query: str) -> str:
    """The query with comments, strings and IRIs replaced by spaces (offsets kept).

    >>> blank_out('SELECT * { ?s ?p "SERVICE" } # SERVICE')
    'SELECT * { ?s ?p           }          '
    """
    return _LEXEMES.sub(lambda m: " " * len(m.group(0)), query)


def check(query: str) -> QueryShape:
    """Refuse what a read-only public endpoint must not run; say what kind of query it is.

    >>> check("PREFIX s: <http://x/> SELECT ?service WHERE { ?service s:SERVICE ?x }").form
    'SELECT'
    >>> check("SELECT * { SERVICE <http://evil/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryRejected: SERVICE (federated query) is not allowed: this endpoint never fetches remote data
    """
    code = blank_out(query)
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
    return QueryShape(form, has_dataset=bool(_FROM.search(code)))
