"""Typed records of what a release states, with no RDF in them.

Every fact carries the :class:`Span` of the release text that states it, so
the graph can say where each fact comes from and the build can check it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Span:
    """Characters ``start`` (inclusive) to ``end`` (exclusive) of a release's text."""

    start: int
    end: int
    text: str
    prop: str | None = None  # the property whose value the span states (e.g. "headline")


@dataclass
class Release:
    """A release as read from its file: the full text plus the parts the reader found."""

    id: str
    path: str
    text: str
    headline: str | None = None
    headline_span: Span | None = None
    published: dt.datetime | dt.date | str | None = None  # str: a month alone, 'YYYY-MM'
    published_span: Span | None = None
    timezone: str | None = None
    timezone_span: Span | None = None
    dateline_span: Span | None = None  # the place part of the dateline ('GRAND RAPIDS, Mich.')
    dateline_city: str | None = None
    distributor: str | None = None
    distributor_span: Span | None = None  # None when the wire is not named in the text
    body: str = ""
    body_span: Span | None = None
    paragraphs: list[Span] = field(default_factory=list)
    contact: ContactPoint | None = None


@dataclass
class Entity:
    """An organization, person or place, with the spans that mention it."""

    kind: str  # "organization" | "person" | "place"
    name: str
    spans: list[Span] = field(default_factory=list)
    place_type: str | None = None
    country_code: str | None = None
    same_as: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)


@dataclass
class ContactPoint:
    """The media contact block: each value with the span it was read from."""

    span: Span
    company: tuple[str, Span] | None = None
    person: tuple[str, Span] | None = None
    email: tuple[str, Span] | None = None
    phone: tuple[str, Span] | None = None  # (E.164, span of the phone as written)
    country: tuple[str, Span] | None = None
    country_code: str | None = None
    city: tuple[str, Span] | None = None
    website: tuple[str, Span] | None = None


@dataclass
class Post:
    """A person holding a post (title) in an organization, as one span states it."""

    person: str
    title: str | None
    organization: str | None
    span: Span


@dataclass
class Quote:
    """Direct speech: the quoted text and who said it."""

    text: str
    speaker: str
    speaker_kind: str  # "person" | "organization"
    span: Span


@dataclass
class Quantity:
    """A quantitative claim: the number, its unit, what it counts, about whom, as of when."""

    value: int | float
    unit: str
    counts: str
    span: Span
    subject: str | None = None
    subject_kind: str | None = None
    scope: str | None = None
    as_of: dt.date | None = None
    value_max: int | float | None = None
    qualifier: str | None = None


@dataclass
class Facts:
    """Everything known about one release, ready to become its named graph."""

    release: Release
    entities: list[Entity] = field(default_factory=list)
    about: list[str] = field(default_factory=list)  # organization names the release is about
    posts: list[Post] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)

    def entity(self, kind: str, name: str) -> Entity:
        """The entity of that kind and name, added if new (so facts can refer to it by name)."""
        for existing in self.entities:
            if existing.key == (kind, name):
                return existing
        created = Entity(kind=kind, name=name)
        self.entities.append(created)
        return created
