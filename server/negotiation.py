"""Content negotiation: one FORMATS table, one ``choose`` function.

Each row: a short key (also the ``format=`` value and, for RDF, the file
extension), its media types (canonical first), and whether it serves graphs or
result sets. ``choose`` honours q-values and wildcards through werkzeug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    key: str
    media_types: tuple[str, ...]
    extension: str
    kind: str  # "html" | "graph" | "dataset" | "results"
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def ox_name(self) -> str:
        """The name of the pyoxigraph format constant (``TURTLE``, ``JSON`` …), for worker jobs."""
        holder: Any = ox.RdfFormat if self.rdf is not None else ox.QueryResultsFormat
        value = self.rdf if self.rdf is not None else self.results
        return next(n for n in dir(holder) if n.isupper() and getattr(holder, n) == value)


FORMATS: tuple[Format, ...] = (
    Format("html", ("text/html", "application/xhtml+xml"), "html", "html"),
    Format("turtle", ("text/turtle",), "ttl", "graph", rdf=ox.RdfFormat.TURTLE),
    Format("jsonld", ("application/ld+json", "application/json"), "jsonld", "graph",
           rdf=ox.RdfFormat.JSON_LD),
    Format("ntriples", ("application/n-triples", "text/plain"), "nt", "graph",
           rdf=ox.RdfFormat.N_TRIPLES),
    Format("rdfxml", ("application/rdf+xml",), "rdf", "graph", rdf=ox.RdfFormat.RDF_XML),
    Format("trig", ("application/trig",), "trig", "dataset", rdf=ox.RdfFormat.TRIG),
    Format("nquads", ("application/n-quads",), "nq", "dataset", rdf=ox.RdfFormat.N_QUADS),
    Format("json", ("application/sparql-results+json", "application/json"), "srj", "results",
           results=ox.QueryResultsFormat.JSON),
    Format("xml", ("application/sparql-results+xml", "application/xml"), "srx", "results",
           results=ox.QueryResultsFormat.XML),
    Format("csv", ("text/csv",), "csv", "results", results=ox.QueryResultsFormat.CSV),
    Format("tsv", ("text/tab-separated-values",), "tsv", "results", results=ox.QueryResultsFormat.TSV),
)
BY_KEY = {f.key: f for f in FORMATS}
BY_EXTENSION = {f.extension: f for f in FORMATS if f.kind in ("graph", "html")}
HTML = BY_KEY["html"]
GRAPH_FORMATS = tuple(f for f in FORMATS if f.kind == "graph")
DOCUMENT_FORMATS = (HTML, *GRAPH_FORMATS)
RESULT_FORMATS = tuple(f for f in FORMATS if f.kind == "results")


def choose(accept: MIMEAccept, offered: tuple[Format, ...]) -> Format | None:
    """The offered format the client likes best; the first offered when it states no preference.

    A format's main media type is matched with wildcards; its aliases only when the client
    names them exactly. The most specific range decides a type's quality (RFC 9110 12.5.1),
    and ties go to the earlier offered format.

    >>> from werkzeug.datastructures import MIMEAccept
    >>> choose(MIMEAccept([("text/turtle", 1), ("text/html", 0.5)]), DOCUMENT_FORMATS).key
    'turtle'
    >>> choose(MIMEAccept([("application/*", 0.5)]), DOCUMENT_FORMATS).key
    'jsonld'
    >>> choose(MIMEAccept([("text/html", 0), ("*/*", 0.1)]), DOCUMENT_FORMATS).key
    'turtle'
    >>> choose(MIMEAccept([("image/png", 1)]), DOCUMENT_FORMATS) is None
    True
    """
    if not accept:
        return offered[0]
    best, best_quality = None, 0.0
    for fmt in offered:
        quality = max([quality_of(accept, fmt.media_type, wildcards=True)]
                      + [quality_of(accept, alias, wildcards=False) for alias in fmt.media_types[1:]])
        if quality > best_quality:
            best, best_quality = fmt, quality
    return best


def quality_of(accept: MIMEAccept, media_type: str, wildcards: bool) -> float:
    """The q-value the client gives ``media_type``: that of the most specific matching range."""
    kind, _, sub = media_type.partition("/")
    found: tuple[int, float] | None = None
    for value, quality in accept:
        rkind, _, rsub = value.split(";")[0].strip().lower().partition("/")
        if (rkind, rsub) == (kind, sub):
            specificity = 2
        elif wildcards and rkind == kind and rsub == "*":
            specificity = 1
        elif wildcards and rkind == "*" and rsub in ("*", ""):
            specificity = 0
        else:
            continue
        if found is None or specificity > found[0]:
            found = (specificity, float(quality))
    return found[1] if found else 0.0


def describe(offered: tuple[Format, ...]) -> str:
    """The offered media types in words, for a 406 message."""
    return ", ".join(f.media_type for f in offered)
