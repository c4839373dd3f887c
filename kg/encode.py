"""Facts -> the RDF graph of one release (stored later as that release's named graph).

One function per fact family, each adding the triples for one concern; only
terms of :class:`kg.vocab.PF` and of standard vocabularies are used. Every fact
node gets ``pf:evidence`` pointing at the span of the release text that states it.

The triples are made of pyoxigraph terms, which the build stores and gates as they
are: making rdflib terms and converting them cost more than working the facts out.
:func:`release_graph` gives the same triples as an rdflib graph, for pyshacl and tests.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from kg.model import ContactPoint, Entity, Facts, Post, Quantity, Quote, Span
from kg.store import from_ox
from kg.uris import Uris, slugify
from kg.vocab import PF, PREFIXES

LABEL_LENGTH = 80
Iri = ox.NamedNode
Object = ox.NamedNode | ox.Literal
Triple = tuple[ox.NamedNode, ox.NamedNode, Object]


class _Terms:
    """The terms of an rdflib namespace as pyoxigraph IRIs, each made once on first use
    (an unknown name fails as it does in the namespace itself)."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> ox.NamedNode:
        term = ox.NamedNode(str(getattr(self._namespace, name)))
        setattr(self, name, term)
        return term


P, R, RS, SK, OW, X = (_Terms(ns) for ns in (PF, RDF, RDFS, SKOS, OWL, XSD))
CLASSES = {"organization": P.Organization, "person": P.Person, "place": P.Place}


def release_graph(facts: Facts, uris: Uris) -> Graph:
    """The triples of one release: the release itself, its entities and every fact with evidence."""
    graph = new_graph()
    for s, p, o in release_triples(facts, uris):
        graph.add((from_ox(s), from_ox(p), from_ox(o)))
    return graph


def release_triples(facts: Facts, uris: Uris) -> set[Triple]:
    """The same triples as a plain set of pyoxigraph terms: the build's form."""
    encoder = _Encoder(facts, uris)
    encoder.release()
    for entity in facts.entities:
        encoder.entity(entity)
    if facts.release.contact:
        encoder.contact(facts.release.contact)
    for post in facts.posts:
        encoder.post(post)
    for quote in facts.quotes:
        encoder.quote(quote)
    for quantity in facts.quantities:
        encoder.quantity(quantity)
    return encoder.triples


def new_graph(prefixes: bool = True) -> Graph:
    """An empty graph; with ``prefixes``, one that serializes with the project's prefixes.

    The build's graphs go to Oxigraph, which has its own prefixes: binding them in
    every release graph cost more than encoding a small release.
    """
    graph = Graph(bind_namespaces="none")
    if prefixes:
        for prefix, iri in PREFIXES.items():
            graph.bind(prefix, iri, override=True)
    return graph


def short(text: str, length: int = LABEL_LENGTH) -> str:
    """A label-sized version of a long text.

    >>> short("a" * 100, 10)
    'aaaaaaaaa…'
    """
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class _Encoder:
    """Adds the triples of one release to one graph; knows the release's IRIs."""

    def __init__(self, facts: Facts, uris: Uris) -> None:
        self.facts = facts
        self.uris = uris
        self.triples: set[Triple] = set()
        self.labelled: set[Iri] = set()
        self.release_iri = Iri(uris.release(facts.release.id))
        self.release_slug = slugify(facts.release.id)

    def add(self, s: Iri, p: Iri, o: Object | None) -> None:
        if o is not None:
            self.triples.add((s, p, o))

    def evidence(self, subject: Iri, span: Span, prop: Iri | None = None) -> None:
        """Link ``subject`` to the span that states it (and, if given, which property it states)."""
        node = Iri(self.uris.evidence(self.facts.release.id, span.start, span.end))
        self.add(subject, P.evidence, node)
        self.add(node, R.type, P.Evidence)
        self.add(node, P.inRelease, self.release_iri)
        self.add(node, P.start, _integer(span.start))
        self.add(node, P.end, _integer(span.end))
        self.add(node, P.exact, ox.Literal(span.text))
        self.add(node, P.forProperty, prop)

    def iri(self, kind: str, name: str) -> Iri:
        return Iri(self.uris.mint(kind, name))

    def ref(self, kind: str, name: str) -> Iri:
        """The IRI of an entity a fact refers to, typed and labelled in this graph."""
        iri = self.iri(kind, name)
        self.add(iri, R.type, CLASSES[kind])
        if iri not in self.labelled:
            self.labelled.add(iri)
            self.add(iri, RS.label, ox.Literal(name))
        return iri

    def release(self) -> None:
        release, r = self.facts.release, self.release_iri
        self.add(r, R.type, P.PressRelease)
        self.add(r, P.sourceFile, ox.Literal(release.path.rsplit("/", 1)[-1]))
        self.add(r, P.text, ox.Literal(release.text))
        self.add(r, P.body, ox.Literal(release.body))
        if release.headline and release.headline_span:
            self.add(r, P.headline, ox.Literal(release.headline))
            self.add(r, RS.label, ox.Literal(release.headline))
            self.evidence(r, release.headline_span, P.headline)
        if release.published is not None and release.published_span:
            self.add(r, P.datePublished, _date_literal(release.published))
            self.evidence(r, release.published_span, P.datePublished)
        self.add(r, P.timeZone, ox.Literal(release.timezone) if release.timezone else None)
        if release.timezone and release.timezone_span:
            self.evidence(r, release.timezone_span, P.timeZone)
        if release.dateline_city and release.dateline_span:
            place = self.ref("place", release.dateline_city)
            self.add(r, P.datelinePlace, place)
            self.evidence(r, release.dateline_span, P.datelinePlace)
            self.evidence(place, release.dateline_span)
        if release.distributor and release.distributor_span:  # a wire the text does not name has no evidence
            wire = self.ref("organization", release.distributor)
            self.add(r, P.distributor, wire)
            self.evidence(r, release.distributor_span, P.distributor)
            self.evidence(wire, release.distributor_span)
        if release.body_span:
            self.evidence(r, release.body_span, P.body)
        for name in self.facts.about:
            self.add(r, P.about, self.ref("organization", name))

    def entity(self, entity: Entity) -> None:
        iri = self.ref(entity.kind, entity.name)
        self.add(self.release_iri, P.mentions, iri)
        for surface in sorted({s.text for s in entity.spans} - {entity.name}):
            self.add(iri, SK.altLabel, ox.Literal(surface))
        for span in entity.spans:
            self.evidence(iri, span)
        if entity.kind == "place":
            self.add(iri, P.placeType, ox.Literal(entity.place_type) if entity.place_type else None)
            code = entity.country_code
            self.add(iri, P.countryCode, ox.Literal(code) if code else None)
        for other in entity.same_as:
            self.add(iri, OW.sameAs, Iri(other))

    def contact(self, contact: ContactPoint) -> None:
        c = Iri(self.uris.entity("contact", self.release_slug))
        self.add(self.release_iri, P.contactPoint, c)
        self.add(c, R.type, P.ContactPoint)
        self.add(c, RS.label, ox.Literal(f"Media contact of release {self.facts.release.id}"))
        self.evidence(c, contact.span)
        refs = (("company", "organization", P.company), ("person", "person", P.contactPerson),
                ("country", "place", P.country), ("city", "place", P.city))
        known = {e.key for e in self.facts.entities}
        for field, kind, prop in refs:
            value = getattr(contact, field)
            if value and (kind, value[0]) in known:  # a team or desk is no person
                self.add(c, prop, self.ref(kind, value[0]))
                self.evidence(c, value[1], prop)
        literals = (("email", P.email), ("phone", P.telephone))
        for field, prop in literals:
            value = getattr(contact, field)
            if value:
                self.add(c, prop, ox.Literal(value[0]))
                self.evidence(c, value[1], prop)
        if contact.website:
            self.add(c, P.website, Iri(contact.website[0]))
            self.evidence(c, contact.website[1], P.website)

    def post(self, post: Post) -> None:
        key = " ".join(x for x in (post.person, post.title, post.organization) if x)
        p = Iri(self.uris.entity("post", slugify(key)))
        person = self.ref("person", post.person)
        self.add(p, R.type, P.Post)
        label = ", ".join(x for x in (post.title, post.organization) if x)
        self.add(p, RS.label, ox.Literal(f"{post.person}: {label}"))
        self.add(p, P.heldBy, person)
        self.add(person, P.holdsPost, p)
        self.add(p, P.postTitle, ox.Literal(post.title) if post.title else None)
        if post.organization:
            self.add(p, P.postIn, self.ref("organization", post.organization))
        self.add(p, P.statedIn, self.release_iri)
        self.evidence(p, post.span)

    def quote(self, quote: Quote) -> None:
        q = Iri(self.uris.entity("quote", f"{self.release_slug}-{quote.span.start}"))
        self.add(q, R.type, P.Quote)
        self.add(q, RS.label, ox.Literal(f"“{short(quote.text)}”"))
        self.add(q, P.quoteText, ox.Literal(quote.text))
        self.add(q, P.speaker, self.ref(quote.speaker_kind, quote.speaker))
        self.add(q, P.statedIn, self.release_iri)
        self.evidence(q, quote.span, P.quoteText)

    def quantity(self, quantity: Quantity) -> None:
        c = Iri(self.uris.entity("claim", f"{self.release_slug}-{quantity.span.start}"))
        self.add(c, R.type, P.QuantitativeClaim)
        self.add(c, RS.label, ox.Literal(short(quantity.span.text)))
        self.add(c, P.value, _number(quantity.value))
        if quantity.value_max is not None:
            self.add(c, P.maxValue, _number(quantity.value_max))
        self.add(c, P.unit, ox.Literal(quantity.unit))
        self.add(c, P.counts, ox.Literal(quantity.counts))
        if quantity.subject:
            self.add(c, P.claimSubject, self.ref(quantity.subject_kind or "organization",
                                                  quantity.subject))
        for prop, value in ((P.scope, quantity.scope), (P.qualifier, quantity.qualifier)):
            self.add(c, prop, ox.Literal(value) if value else None)
        if quantity.as_of:
            self.add(c, P.asOf, ox.Literal(quantity.as_of.isoformat(), datatype=X.date))
        self.add(c, P.statedIn, self.release_iri)
        self.evidence(c, quantity.span)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=X.integer)


def _number(value: int | float) -> ox.Literal:
    """Integers as xsd:integer, everything else as xsd:decimal (never a binary float)."""
    if isinstance(value, int) or float(value).is_integer():
        return _integer(int(value))
    return ox.Literal(format(Decimal(str(value)), "f"), datatype=X.decimal)


def _date_literal(value: dt.datetime | dt.date | str) -> ox.Literal:
    if isinstance(value, str):  # a month alone
        return ox.Literal(value, datatype=X.gYearMonth)
    if isinstance(value, dt.datetime):
        return ox.Literal(value.isoformat(), datatype=X.dateTime)
    return ox.Literal(value.isoformat(), datatype=X.date)
