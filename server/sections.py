"""The reader's sections of an entity page: posts, quotes, claims and the releases that mention it.

Each section is one named query (``kg/queries/{posts,quotes,claims,timeline}.rq``) with the
entity bound as ``?this``; rows become small records the template lays out. The posts query
answers a row per fact of a post, merged and ordered by ``kg.hubs.posts``. Every fact
carries a link to the words of its release (``/page/release/…#char=start,end``), where
the release page highlights it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.hubs import posts, query_text
from server.describe import count, label_of, labels
from server.store import PublishedBuild

TIMELINE_LIMIT = 100  # releases listed on a page; the count says when there are more
SECTION_LIMIT = 200  # rows of a section query (posts, quotes, claims) read for one page


@dataclass
class Link:
    """A link with its words: where it goes and what it says."""

    href: str | None
    text: str


@dataclass
class PostRow:
    title: str
    post: Link
    person: Link | None
    organization: Link | None


@dataclass
class QuoteRow:
    text: str
    quote: Link
    release: Link | None
    date: str | None
    source: str | None  # the release page, at the quote's words


@dataclass
class ClaimRow:
    claim: Link
    value: str
    unit: str | None
    counts: str | None
    as_of: str | None
    scope: str | None
    qualifier: str | None
    release: Link | None
    source: str | None


@dataclass
class TimelineRow:
    date: str | None
    release: Link


@dataclass
class Sections:
    posts: list[PostRow] = field(default_factory=list)
    quotes: list[QuoteRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    timeline: list[TimelineRow] = field(default_factory=list)
    timeline_total: int = 0


def _value(row: dict[str, Any], name: str) -> str | None:
    return row[name].value if name in row else None


class SectionBuilder:
    """Runs the section queries for one entity and turns rows into records."""

    def __init__(self, build: PublishedBuild) -> None:
        self.build = build
        self.uris = build.uris

    def _link(self, row: dict[str, Any], iri_name: str, label_name: str | None) -> Link | None:
        iri = _value(row, iri_name)
        if iri is None:
            return None
        local = self.uris.split(iri)
        text = (_value(row, label_name) if label_name else None) or label_of(iri, {})
        return Link(self.uris.page_path(*local) if local else None, text)

    def _source(self, row: dict[str, Any]) -> str | None:
        """The release page at the fact's words (RFC 5147 fragment the release page carries)."""
        release, start, end = _value(row, "release"), _value(row, "start"), _value(row, "end")
        local = self.uris.split(release) if release else None
        if local is None or start is None or end is None:
            return None
        return f"{self.uris.page_path(*local)}#char={start},{end}"

    def _rows(self, name: str, iri: str, limit: int = SECTION_LIMIT) -> list[dict[str, Any]]:
        """The rows of a section query, at most ``limit`` (hubs have thousands): a hub's from
        the build's precomputed answers, where the live query would sort all its links."""
        rows = self.build.hubs.select(name, iri, limit)
        if rows is not None:
            return rows
        return self.build.store.select(query_text(name, limit), {"this": ox.NamedNode(iri)})

    def _posts(self, iri: str) -> list[dict[str, Any]]:
        """The first SECTION_LIMIT posts of ``iri`` (kg.hubs.posts): a hub's as the build
        worked them out, another's live (the order needs every title)."""
        rows = self.build.hubs.select("posts", iri, SECTION_LIMIT)
        if rows is None:
            rows = posts(self.build.store, iri, SECTION_LIMIT)
        return [dict(row) for row in rows]

    def _labels(self, rows: list[dict[str, Any]], *names: str) -> None:
        """Put the label of each IRI under ``{name}Label`` in the rows (one query for all)."""
        found = labels(self.build, {row[name].value for row in rows for name in names if name in row})
        for row in rows:
            for name in names:
                if name in row and row[name].value in found:
                    row[f"{name}Label"] = found[row[name].value]

    def sections(self, iri: str) -> Sections:
        found = Sections()
        seen: set[str] = set()
        held = self._posts(iri)
        self._labels(held, "person", "org")
        for row in held:
            if row["post"].value in seen:  # a hubs.sqlite of an older build has a row per combination
                continue
            seen.add(row["post"].value)
            link = self._link(row, "post", "title")
            assert link is not None
            found.posts.append(
                PostRow(
                    _value(row, "title") or link.text,
                    link,
                    self._link(row, "person", "personLabel"),
                    self._link(row, "org", "orgLabel"),
                )
            )
        for row in self._rows("quotes", iri):
            if row["quote"].value in seen:
                continue
            seen.add(row["quote"].value)
            link = self._link(row, "quote", None)
            assert link is not None
            found.quotes.append(
                QuoteRow(
                    _value(row, "text") or "",
                    link,
                    self._link(row, "release", "title"),
                    (_value(row, "date") or "")[:10] or None,
                    self._source(row),
                )
            )
        for row in self._rows("claims", iri):
            if row["claim"].value in seen:
                continue
            seen.add(row["claim"].value)
            link = self._link(row, "claim", "label")
            assert link is not None
            value = _value(row, "value") or ""
            if "maxValue" in row:
                value = f"{value}–{row['maxValue'].value}"
            found.claims.append(
                ClaimRow(
                    link,
                    value,
                    _value(row, "unit"),
                    _value(row, "counts"),
                    _value(row, "asOf"),
                    _value(row, "scope"),
                    _value(row, "qualifier"),
                    self._link(row, "release", "title"),
                    self._source(row),
                )
            )
        found.timeline_total = count(self.build, "timeline_count", iri)
        for row in self._rows("timeline", iri, TIMELINE_LIMIT):
            link = self._link(row, "release", "title")
            assert link is not None
            found.timeline.append(TimelineRow((_value(row, "date") or "")[:10] or None, link))
        return found
