"""What the server says about one resource: its RDF document and the model of its HTML page.

Everything is read with the named queries of ``kg/queries`` and the resource's
IRI bound as ``?this``; nothing is formatted into query text.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.hubs import PAGE_SIZE
from kg.queries import load
from kg.sparql import bind_many
from kg.validate import ONTOLOGY_FILE
from kg.vocab import NS, PREFIXES
from server.store import PublishedBuild

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
EVIDENCE = NS + "evidence"
DESCRIPTIONS = ("http://www.w3.org/2000/01/rdf-schema#comment", "https://schema.org/description",
                "http://purl.org/dc/terms/description")
HIDDEN_ON_PAGE = {RDF_TYPE, RDFS_LABEL, ALT_LABEL, EVIDENCE, NS + "text", NS + "body",
                  *DESCRIPTIONS}
STANDARD_LABELS = {
    RDF_TYPE: "type",
    RDFS_LABEL: "label",
    ALT_LABEL: "also known as",
    "http://www.w3.org/2002/07/owl#sameAs": "same as",
    "http://www.w3.org/2000/01/rdf-schema#comment": "description",
}




@dataclass
class Document:
    """A resource's triples plus one page of the links pointing at it."""

    triples: list[ox.Triple]
    incoming_total: int
    page: int
    pages: int

    @property
    def paged(self) -> bool:
        return self.pages > 1


def document(build: PublishedBuild, iri: str, page: int = 1) -> Document:
    """The RDF document of a resource: its triples, evidence, one page of incoming links
    (PAGE_SIZE of them, in a stable order), and the labels and types of its neighbours.

    Raises ValueError when ``page`` is not one of the pages there are.
    """
    this = {"this": ox.NamedNode(iri)}
    store = build.store
    own = build.hubs.construct("outgoing", iri)  # a hub's: reading it skips all its evidence
    if own is None:
        own = store.construct(load("outgoing"), this)
    seen: dict[ox.Triple, None] = dict.fromkeys(own)
    named: dict[Any, None] = {t.object: None for t in own if isinstance(t.object, ox.NamedNode)}
    incoming, evidence = count(build, "incoming_count", iri), count(build, "evidence_count", iri)
    pages = max(1, -(-incoming // PAGE_SIZE), -(-evidence // PAGE_SIZE))
    if not 1 <= page <= pages:
        raise ValueError(f"there are {pages} page(s) of links to {iri}, not {page}")
    for row in links(build, "incoming_links", "?p ?s", iri, page, incoming):
        seen.setdefault(ox.Triple(row["s"], row["p"], this["this"]))
        if isinstance(row["s"], ox.NamedNode):
            named.setdefault(row["s"])
    spans = [row["e"] for row in links(build, "evidence_links", "?e", iri, page, evidence)]
    for span in spans:  # a hub's evidence is paged with its incoming links
        seen.setdefault(ox.Triple(this["this"], ox.NamedNode(EVIDENCE), span))
    seen.update(dict.fromkeys(neighbours(build, list(named))))
    if spans:
        seen.update(dict.fromkeys(store.construct(bind_many(load("evidence"), "e", spans))))
    return Document(list(seen), incoming, page, pages)


def _order(term: Term) -> tuple[str, str, str, str]:
    """A total order of a property's values: by label, then the term itself."""
    return term.label.lower(), term.value, term.language or "", term.datatype or ""


def neighbours(build: PublishedBuild, things: list[ox.NamedNode]) -> list[ox.Triple]:
    """The labels and types of ``things`` as triples (``neighbour.rq``, one query for all)."""
    if not things:
        return []
    found = []
    for row in build.store.select(bind_many(load("neighbour"), "this", things)):
        if "label" in row:
            found.append(ox.Triple(row["this"], ox.NamedNode(RDFS_LABEL), row["label"]))
        if "type" in row:
            found.append(ox.Triple(row["this"], ox.NamedNode(RDF_TYPE), row["type"]))
    return found


def labels(build: PublishedBuild, iris: set[str]) -> dict[str, ox.Literal]:
    """The label of each of ``iris`` that has one (``labels.rq``, one query for all), the
    first in code-point order when it has several: the same on every store (a SAMPLE was
    whichever one the store met first)."""
    if not iris:
        return {}
    query = bind_many(load("labels"), "x", [ox.NamedNode(i) for i in sorted(iris)])
    found: dict[str, ox.Literal] = {}
    for row in build.store.select(query):
        kept = found.get(row["x"].value)
        if kept is None or row["label"].value < kept.value:
            found[row["x"].value] = row["label"]
    return found


def links(build: PublishedBuild, query: str, order: str, iri: str, page: int,
          total: int) -> list[dict[str, Any]]:
    """Page ``page`` of a paged links query (PAGE_SIZE rows) about ``iri``, of ``total``.

    A hub's pages come from the build's precomputed answers: a store without a stable
    order gets ``ORDER BY order``, and sorting all of a hub's links for every page cost
    most of its first view on Virtuoso. No query runs for a page past ``total``.
    """
    offset = (page - 1) * PAGE_SIZE
    if offset >= total:
        return []
    rows = build.hubs.page(query, iri, PAGE_SIZE, offset)
    if rows is not None:
        return rows
    store = build.store
    window = f" LIMIT {PAGE_SIZE} OFFSET {offset}"  # whole numbers we computed
    text = load(query) + ("" if store.stable_order else f" ORDER BY {order}") + window
    return store.select(text, {"this": ox.NamedNode(iri)})


def count(build: PublishedBuild, query: str, iri: str) -> int:
    """The ?n of a counting query about one resource (0 when nothing matches); a hub's
    count comes from the build's precomputed answers (counting its links takes seconds)."""
    rows = build.hubs.select(query, iri)
    if rows is None:
        rows = build.store.select(load(query), {"this": ox.NamedNode(iri)})
    return int(rows[0]["n"].value) if rows else 0


def class_counts(build: PublishedBuild) -> list[dict[str, Any]]:
    """Resources per class of our ontology, most first (memoized per build)."""
    if "counts" not in build.cache:
        build.cache["counts"] = [
            {"class": r["class"].value,
             "label": r["label"].value if "label" in r else r["class"].value,
             "count": int(r["count"].value)}
            for r in build.store.select(load("counts_by_class"))
        ]
    return build.cache["counts"]  # type: ignore[no-any-return]


def exists(build: PublishedBuild, iri: str) -> bool:
    return build.store.ask(load("exists"), {"this": ox.NamedNode(iri)})


def term_labels(build: PublishedBuild) -> dict[str, str]:
    """Labels of the ontology's terms, read from ``ontology/kg.ttl`` (the file every build
    loads as its ontology graph) once per process: asking the store meant scanning every
    label of every graph, seconds at 100k releases."""
    return _ontology_labels()


@functools.cache
def _ontology_labels() -> dict[str, str]:
    labels = dict(STANDARD_LABELS)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for triple in ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE):
        if triple.predicate == label and triple.subject.value.startswith(NS):
            labels[triple.subject.value] = triple.object.value
    return labels


def label_of(iri: str, labels: dict[str, str]) -> str:
    """A readable name for an IRI we have no label for: its last segment, words split.

    >>> label_of("https://schema.org/datePublished", {})
    'date published'
    """
    if iri in labels:
        return labels[iri]
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", tail).lower()


@dataclass
class Term:
    """An RDF term ready for a template: link target (if any), text, and datatype or language."""

    value: str
    kind: str  # "iri" | "literal" | "bnode"
    label: str
    href: str | None = None
    datatype: str | None = None
    language: str | None = None


@dataclass
class Evidence:
    """A span that backs a fact: where it is, the sentence around it, a link to it."""

    release: str
    release_label: str
    href: str
    start: int
    end: int
    exact: str
    before: str = ""
    after: str = ""
    prop: str | None = None


@dataclass
class Page:
    """The model of an entity page."""

    iri: str
    kind: str
    label: str
    types: list[Term] = field(default_factory=list)
    alt_labels: list[str] = field(default_factory=list)
    properties: list[tuple[Term, list[Term]]] = field(default_factory=list)
    incoming: list[tuple[Term, list[Term]]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    incoming_total: int = 0
    page: int = 1
    pages: int = 1
    description: str | None = None


class Describer:
    """Turns a resource's triples into page models, resolving labels and links."""

    def __init__(self, build: PublishedBuild) -> None:
        self.build = build
        self.uris = build.uris
        self.labels = term_labels(build)

    def href(self, iri: str) -> str | None:
        """Where a link to ``iri`` goes: our page, our ontology docs, or the IRI itself."""
        local = self.uris.split(iri)
        if local:
            page = self.uris.page_path(*local)
            return page + ("#" + iri.split("#", 1)[1] if "#" in iri else "")
        if iri.startswith(NS):
            return "/ontology#" + iri[len(NS):]
        return iri if iri.startswith(("http://", "https://")) else None

    def term(self, node: Any, names: dict[str, str]) -> Term:
        if isinstance(node, ox.NamedNode):
            iri = node.value
            return Term(iri, "iri", names.get(iri) or label_of(iri, self.labels), self.href(iri))
        if isinstance(node, ox.Literal):
            datatype = node.datatype.value if node.datatype else None
            short = _compact(datatype) if datatype and not datatype.endswith("#string") else None
            return Term(node.value, "literal", node.value, None, short, node.language)
        return Term(str(node), "bnode", str(node))

    def page(self, iri: str, number: int = 1) -> Page:
        doc = document(self.build, iri, number)
        triples = doc.triples
        names = {t.subject.value: t.object.value for t in triples
                 if t.predicate.value == RDFS_LABEL and isinstance(t.subject, ox.NamedNode)}
        kind = (self.uris.split(iri) or ("resource", ""))[0]
        page = Page(iri, kind, names.get(iri) or label_of(iri, self.labels),
                    incoming_total=doc.incoming_total, page=doc.page, pages=doc.pages)
        outgoing: dict[str, list[Term]] = defaultdict(list)
        incoming: dict[str, list[Term]] = defaultdict(list)
        for t in triples:
            subject, predicate = t.subject, t.predicate.value
            if isinstance(subject, ox.NamedNode) and subject.value == iri:
                if predicate == RDF_TYPE:
                    page.types.append(self.term(t.object, names))
                elif predicate == ALT_LABEL:
                    page.alt_labels.append(t.object.value)
                elif predicate in DESCRIPTIONS and page.description is None:
                    page.description = t.object.value
                elif predicate not in HIDDEN_ON_PAGE:
                    outgoing[predicate].append(self.term(t.object, names))
            elif isinstance(t.object, ox.NamedNode) and t.object.value == iri:
                if predicate != NS + "inRelease":  # spans are shown in place, not as links
                    incoming[predicate].append(self.term(subject, names))
        page.properties = self._grouped(outgoing, names)
        page.incoming = self._grouped(incoming, names)
        page.evidence = self.evidence(triples, iri, names)
        page.alt_labels.sort()
        return page

    def _grouped(self, groups: dict[str, list[Term]], names: dict[str, str]) -> list[tuple[Term, list[Term]]]:
        """Properties by label, each one's values by label then value: releases often share a
        headline, and ties kept the store's order, which differs from store to store."""
        rows = [(self.term(ox.NamedNode(p), names), sorted(v, key=_order))
                for p, v in groups.items()]
        return sorted(rows, key=lambda row: row[0].label)

    def evidence(self, triples: list[ox.Triple], iri: str, names: dict[str, str]) -> list[Evidence]:
        """The spans backing this resource, each with its sentence from the release text."""
        nodes = {t.object.value for t in triples
                 if t.predicate.value == EVIDENCE and t.subject.value == iri}
        props: dict[str, dict[str, Any]] = defaultdict(dict)
        for t in triples:
            if t.subject.value in nodes:
                props[t.subject.value][t.predicate.value] = t.object.value
        release_texts(self.build, [v.get(NS + "inRelease", "") for v in props.values()])
        found = []
        for node, values in props.items():
            release = values.get(NS + "inRelease", "")
            start, end = int(values.get(NS + "start", 0)), int(values.get(NS + "end", 0))
            before, after = self._context(release, start, end)
            prop = values.get(NS + "forProperty")
            found.append(Evidence(
                release, names.get(release) or label_of(release, self.labels),
                self.href(node) or node, start, end, values.get(NS + "exact", ""),
                before, after, label_of(prop, self.labels) if prop else None))
        return sorted(found, key=lambda e: (e.release_label, e.release, e.start, e.end, e.href))

    def _context(self, release: str, start: int, end: int) -> tuple[str, str]:
        text = release_text(self.build, release)
        if not text:
            return "", ""
        left, right = sentence_bounds(text, start, end)
        return text[left:start], text[end:right]


TEXTS_KEPT = 2048  # release texts a worker keeps (a hub page cites a hundred): a crawl of
# every page must not end up holding every release's text in every worker
_TEXTS_LOCK = threading.Lock()


def release_texts(build: PublishedBuild, releases: list[str]) -> None:
    """Read the texts of ``releases`` not read yet in one query: a hub's page cites a
    hundred releases, and a query each cost more than the rest of the page."""
    with _TEXTS_LOCK:
        cache = _texts(build)
        wanted = sorted({r for r in releases if r and r not in cache})
    if not wanted:
        return
    query = bind_many(load("release_text"), "this", [ox.NamedNode(r) for r in wanted])
    found = {row["this"].value: row["text"].value for row in build.store.select(query)}
    _keep(build, {release: found.get(release, "") for release in wanted})


def release_text(build: PublishedBuild, release: str) -> str:
    """The full text of a release (kept per build, least recently used dropped first)."""
    with _TEXTS_LOCK:
        cache = _texts(build)
        if release in cache:
            cache.move_to_end(release)
            return cache[release]
    release_texts(build, [release])
    with _TEXTS_LOCK:
        return _texts(build).get(release, "")


def _texts(build: PublishedBuild) -> OrderedDict[str, str]:
    return build.cache.setdefault("texts", OrderedDict())  # type: ignore[no-any-return]


def _keep(build: PublishedBuild, texts: dict[str, str]) -> None:
    with _TEXTS_LOCK:
        cache = _texts(build)
        cache.update(texts)
        for release in texts:
            cache.move_to_end(release)
        while len(cache) > TEXTS_KEPT:
            cache.popitem(last=False)


_SENTENCE_END = re.compile(r"(?<=[.!?…。])[”\"’)]?\s+|\n")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or line) around ``text[start:end]``.

    >>> t = "One. Two words here. Three."
    >>> l, r = sentence_bounds(t, 9, 14); t[l:r]
    'Two words here.'
    """
    left = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        left = match.end()
    match = _SENTENCE_END.search(text, end)
    right = match.start() if match else len(text)
    right = max(right, end)
    while right > end and text[right - 1].isspace():
        right -= 1
    return left, right


def _compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


ENTITY_KINDS = {"organization", "person", "place"}


@dataclass
class Mark:
    """A span of a release text cited by resources: entities become links, facts highlights."""

    start: int
    end: int
    things: list[Term]
    nested: bool = False  # inside another link: an anchor only, since links cannot nest

    @property
    def anchor(self) -> str:
        return f"char={self.start},{self.end}"

    @property
    def entity(self) -> Term | None:
        """The organization, person or place this span names, if it names one."""
        for thing in self.things:
            parts = (thing.href or "").split("/")
            if len(parts) > 2 and parts[1] == "page" and parts[2] in ENTITY_KINDS:
                return thing
        return None

    @property
    def link(self) -> Term | None:
        """The entity the span links to (None when it is nested in another link)."""
        return None if self.nested else self.entity

    @property
    def tag(self) -> str:
        """``a`` for a mention, ``span`` for a mention inside a mention, ``mark`` for a fact."""
        if self.entity is None:
            return "mark"
        return "span" if self.nested else "a"


def release_tokens(build: PublishedBuild, iri: str) -> list[tuple[str, Any]]:
    """The release text as a flat list of ("text", str), ("open", Mark) and ("close", Mark).

    Spans nest (a mention inside a quote); a span that crosses another is left out, so
    the HTML is always well formed. The template escapes every text token.
    """
    text = release_text(build, iri)
    describer = Describer(build)
    marks: dict[tuple[int, int], Mark] = {}
    rows = build.store.select(load("mentions"), {"this": ox.NamedNode(iri)})
    things = {row["thing"].value for row in rows if isinstance(row["thing"], ox.NamedNode)}
    names = {thing: label.value for thing, label in labels(build, things).items()}
    for row in rows:
        start, end = int(row["start"].value), int(row["end"].value)
        if not 0 <= start < end <= len(text):
            continue
        mark = marks.setdefault((start, end), Mark(start, end, []))
        term = describer.term(row["thing"], names)
        if all(t.value != term.value for t in mark.things):
            mark.things.append(term)
    return _tokens(text, sorted(marks.values(), key=lambda m: (m.start, -m.end)))


def _tokens(text: str, marks: list[Mark]) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    stack: list[Mark] = []
    position = 0

    def emit_until(offset: int) -> None:
        nonlocal position
        if offset > position:
            tokens.append(("text", text[position:offset]))
            position = offset

    for mark in marks:
        while stack and stack[-1].end <= mark.start:
            emit_until(stack[-1].end)
            tokens.append(("close", stack.pop()))
        if stack and mark.end > stack[-1].end:
            continue  # crosses the enclosing span: leave it out
        if mark.entity and any(m.link for m in stack):
            mark.nested = True
        emit_until(mark.start)
        tokens.append(("open", mark))
        stack.append(mark)
    while stack:
        emit_until(stack[-1].end)
        tokens.append(("close", stack.pop()))
    emit_until(len(text))
    return tokens
