"""Facts -> the RDF graph of one release (stored later as that release's named graph).

One function per fact family, each adding the triples for one concern; only
terms of :class:`kg.vocab.PF` and of standard vocabularies are used. Every fact
node gets ``pf:evidence`` pointing at the span of the release text that states it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from kg.model import ContactPoint, Entity, Facts, Post, Quantity, Quote, Span
from kg.uris import Uris, slugify
from kg.vocab import PF, PREFIXES

CLASSES = {"organization": PF.Organization, "person": PF.Person, "place": PF.Place}
LABEL_LENGTH = 80
Triple = tuple[URIRef, URIRef, URIRef | Literal]


def release_graph(facts: Facts, uris: Uris) -> Graph:
    """The triples of one release: the release itself, its entities and every fact with evidence."""
    graph = new_graph()
    for triple in release_triples(facts, uris):
        graph.add(triple)
    return graph


def release_triples(facts: Facts, uris: Uris) -> set[Triple]:
    """The same triples as a plain set: the build's form (adding to an rdflib graph costs
    more than working the triples out; the build only needs them for Oxigraph)."""
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
        self.labelled: set[URIRef] = set()
        self.release_iri = URIRef(uris.release(facts.release.id))
        self.release_slug = slugify(facts.release.id)

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal | None) -> None:
        if o is not None:
            self.triples.add((s, p, o))

    def evidence(self, subject: URIRef, span: Span, prop: URIRef | None = None) -> None:
        """Link ``subject`` to the span that states it (and, if given, which property it states)."""
        node = URIRef(self.uris.evidence(self.facts.release.id, span.start, span.end))
        self.add(subject, PF.evidence, node)
        self.add(node, RDF.type, PF.Evidence)
        self.add(node, PF.inRelease, self.release_iri)
        self.add(node, PF.start, Literal(span.start, datatype=XSD.integer))
        self.add(node, PF.end, Literal(span.end, datatype=XSD.integer))
        self.add(node, PF.exact, Literal(span.text))
        self.add(node, PF.forProperty, prop)

    def iri(self, kind: str, name: str) -> URIRef:
        return URIRef(self.uris.mint(kind, name))

    def ref(self, kind: str, name: str) -> URIRef:
        """The IRI of an entity a fact refers to, typed and labelled in this graph."""
        iri = self.iri(kind, name)
        self.add(iri, RDF.type, CLASSES[kind])
        if iri not in self.labelled:
            self.labelled.add(iri)
            self.add(iri, RDFS.label, Literal(name))
        return iri

    def release(self) -> None:
        release, r = self.facts.release, self.release_iri
        self.add(r, RDF.type, PF.PressRelease)
        self.add(r, PF.sourceFile, Literal(release.path.rsplit("/", 1)[-1]))
        self.add(r, PF.text, Literal(release.text))
        self.add(r, PF.body, Literal(release.body))
        if release.headline and release.headline_span:
            self.add(r, PF.headline, Literal(release.headline))
            self.add(r, RDFS.label, Literal(release.headline))
            self.evidence(r, release.headline_span, PF.headline)
        if release.published is not None and release.published_span:
            self.add(r, PF.datePublished, _date_literal(release.published))
            self.evidence(r, release.published_span, PF.datePublished)
        self.add(r, PF.timeZone, Literal(release.timezone) if release.timezone else None)
        if release.timezone and release.timezone_span:
            self.evidence(r, release.timezone_span, PF.timeZone)
        if release.dateline_city and release.dateline_span:
            place = self.ref("place", release.dateline_city)
            self.add(r, PF.datelinePlace, place)
            self.evidence(r, release.dateline_span, PF.datelinePlace)
            self.evidence(place, release.dateline_span)
        if release.distributor and release.distributor_span:  # a wire the text does not name has no evidence
            wire = self.ref("organization", release.distributor)
            self.add(r, PF.distributor, wire)
            self.evidence(r, release.distributor_span, PF.distributor)
            self.evidence(wire, release.distributor_span)
        if release.body_span:
            self.evidence(r, release.body_span, PF.body)
        for name in self.facts.about:
            self.add(r, PF.about, self.ref("organization", name))

    def entity(self, entity: Entity) -> None:
        iri = self.ref(entity.kind, entity.name)
        self.add(self.release_iri, PF.mentions, iri)
        for surface in sorted({s.text for s in entity.spans} - {entity.name}):
            self.add(iri, SKOS.altLabel, Literal(surface))
        for span in entity.spans:
            self.evidence(iri, span)
        if entity.kind == "place":
            self.add(iri, PF.placeType, Literal(entity.place_type) if entity.place_type else None)
            code = entity.country_code
            self.add(iri, PF.countryCode, Literal(code) if code else None)
        for other in entity.same_as:
            self.add(iri, OWL.sameAs, URIRef(other))

    def contact(self, contact: ContactPoint) -> None:
        c = URIRef(self.uris.entity("contact", self.release_slug))
        self.add(self.release_iri, PF.contactPoint, c)
        self.add(c, RDF.type, PF.ContactPoint)
        self.add(c, RDFS.label, Literal(f"Media contact of release {self.facts.release.id}"))
        self.evidence(c, contact.span)
        refs = (("company", "organization", PF.company), ("person", "person", PF.contactPerson),
                ("country", "place", PF.country), ("city", "place", PF.city))
        known = {e.key for e in self.facts.entities}
        for field, kind, prop in refs:
            value = getattr(contact, field)
            if value and (kind, value[0]) in known:  # a team or desk is no person
                self.add(c, prop, self.ref(kind, value[0]))
                self.evidence(c, value[1], prop)
        literals = (("email", PF.email), ("phone", PF.telephone))
        for field, prop in literals:
            value = getattr(contact, field)
            if value:
                self.add(c, prop, Literal(value[0]))
                self.evidence(c, value[1], prop)
        if contact.website:
            self.add(c, PF.website, URIRef(contact.website[0]))
            self.evidence(c, contact.website[1], PF.website)

    def post(self, post: Post) -> None:
        key = " ".join(x for x in (post.person, post.title, post.organization) if x)
        p = URIRef(self.uris.entity("post", slugify(key)))
        person = self.ref("person", post.person)
        self.add(p, RDF.type, PF.Post)
        label = ", ".join(x for x in (post.title, post.organization) if x)
        self.add(p, RDFS.label, Literal(f"{post.person}: {label}"))
        self.add(p, PF.heldBy, person)
        self.add(person, PF.holdsPost, p)
        self.add(p, PF.postTitle, Literal(post.title) if post.title else None)
        if post.organization:
            self.add(p, PF.postIn, self.ref("organization", post.organization))
        self.add(p, PF.statedIn, self.release_iri)
        self.evidence(p, post.span)

    def quote(self, quote: Quote) -> None:
        q = URIRef(self.uris.entity("quote", f"{self.release_slug}-{quote.span.start}"))
        self.add(q, RDF.type, PF.Quote)
        self.add(q, RDFS.label, Literal(f"“{short(quote.text)}”"))
        self.add(q, PF.quoteText, Literal(quote.text))
        self.add(q, PF.speaker, self.ref(quote.speaker_kind, quote.speaker))
        self.add(q, PF.statedIn, self.release_iri)
        self.evidence(q, quote.span, PF.quoteText)

    def quantity(self, quantity: Quantity) -> None:
        c = URIRef(self.uris.entity("claim", f"{self.release_slug}-{quantity.span.start}"))
        self.add(c, RDF.type, PF.QuantitativeClaim)
        self.add(c, RDFS.label, Literal(short(quantity.span.text)))
        self.add(c, PF.value, _number(quantity.value))
        if quantity.value_max is not None:
            self.add(c, PF.maxValue, _number(quantity.value_max))
        self.add(c, PF.unit, Literal(quantity.unit))
        self.add(c, PF.counts, Literal(quantity.counts))
        if quantity.subject:
            self.add(c, PF.claimSubject, self.ref(quantity.subject_kind or "organization",
                                                  quantity.subject))
        for prop, value in ((PF.scope, quantity.scope), (PF.qualifier, quantity.qualifier)):
            self.add(c, prop, Literal(value) if value else None)
        if quantity.as_of:
            self.add(c, PF.asOf, Literal(quantity.as_of.isoformat(), datatype=XSD.date))
        self.add(c, PF.statedIn, self.release_iri)
        self.evidence(c, quantity.span)


def _number(value: int | float) -> Literal:
    """Integers as xsd:integer, everything else as xsd:decimal (never a binary float)."""
    if isinstance(value, int) or float(value).is_integer():
        return Literal(int(value), datatype=XSD.integer)
    return Literal(Decimal(str(value)), datatype=XSD.decimal)


def _date_literal(value: dt.datetime | dt.date | str) -> Literal:
    if isinstance(value, str):  # a month alone
        return Literal(value, datatype=XSD.gYearMonth)
    if isinstance(value, dt.datetime):
        return Literal(value.isoformat(), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)
