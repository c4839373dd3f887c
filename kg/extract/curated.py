"""Curated facts: ``data/facts/<release id>.json``, hand-made facts with evidence spans.

A span is ``{"text": "…", "start": 12, "end": 30}``; ``start``/``end`` may be left out,
and then the text's first occurrence (or its ``"occurrence"``-th) is used. The build
fails when ``text[start:end]`` is not exactly the stated text, so a curated fact can
never point at the wrong words. Curated facts extend or override what the reader found.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, TypeVar

from kg.errors import InputError, SpanMismatch
from kg.model import Facts, Post, Quantity, Quote, Span

_Fact = TypeVar("_Fact", Post, Quote, Quantity)
ENTITY_KEYS = {"organizations": "organization", "people": "person", "places": "place"}
TOP_KEYS = {"release", "about", "posts", "quotes", "quantities", *ENTITY_KEYS}


def facts_file(facts_dir: Path, release_id: str) -> Path:
    return facts_dir / f"{release_id}.json"


def merge(facts: Facts, facts_dir: Path) -> None:
    """Add the curated facts of this release, if it has a file, after checking every span.

    A curated mention overrides what extraction found inside it: an extracted span that
    lies within a curated mention of another entity ('Shanghai' inside a curated
    organization's name) is dropped.
    """
    path = facts_file(facts_dir, facts.release.id)
    if not path.exists():
        return
    before = {id(e): list(e.spans) for e in facts.entities}
    doc = _load(path)
    loader = _Loader(path, facts)
    for key, kind in ENTITY_KEYS.items():
        for index, item in enumerate(_list(path, doc, key)):
            loader.entity(kind, item, f"{key}[{index}]")
    about = [loader.name(doc, "about", i) for i in range(len(doc.get("about", [])))]
    if about:  # the curated subject replaces the extracted one
        facts.about = about
    posts = [loader.post(item, f"posts[{i}]") for i, item in enumerate(_list(path, doc, "posts"))]
    facts.posts = _override(facts.posts, posts)
    quotes = [loader.quote(item, f"quotes[{i}]") for i, item in enumerate(_list(path, doc, "quotes"))]
    facts.quotes = _override(facts.quotes, quotes)
    quantities = [loader.quantity(item, f"quantities[{i}]")
                  for i, item in enumerate(_list(path, doc, "quantities"))]
    facts.quantities = _override(facts.quantities, quantities)
    _drop_nested(facts, before)


def _override(extracted: list[_Fact], curated: list[_Fact]) -> list[_Fact]:
    """Curated facts replace the extracted facts whose evidence overlaps theirs."""
    kept = [e for e in extracted if not any(
        e.span.start < c.span.end and c.span.start < e.span.end for c in curated)]
    return curated + kept


def _drop_nested(facts: Facts, before: dict[int, list[Span]]) -> None:
    curated = [(e, s) for e in facts.entities for s in e.spans if s not in before.get(id(e), [])]
    for entity in facts.entities:
        entity.spans = [
            s for s in entity.spans
            if s not in before.get(id(entity), []) or not any(
                other is not entity and c.start <= s.start and s.end <= c.end and (c.start, c.end) !=
                (s.start, s.end) for other, c in curated)
        ]
    facts.entities = [e for e in facts.entities if e.spans]


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(path, f"is not valid JSON: {err.msg} (column {err.colno})", err.lineno) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot be read: {err}") from None
    if not isinstance(doc, dict):
        raise InputError(path, "must hold a JSON object")
    unknown = set(doc) - TOP_KEYS
    if unknown:
        raise InputError(path, f"unknown keys {sorted(unknown)}; expected some of {sorted(TOP_KEYS)}")
    return doc


def _list(path: Path, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(path, f"'{key}' must be a list of objects")
    return value


class _Loader:
    """Reads curated items of one file, locating and checking each span in the release text."""

    def __init__(self, path: Path, facts: Facts) -> None:
        self.path = path
        self.facts = facts
        self.text = facts.release.text

    def field(self, item: dict[str, Any], key: str, where: str, required: bool = True) -> Any:
        if key not in item or item[key] is None:
            if required:
                raise InputError(self.path, f"{where}: '{key}' is required")
            return None
        return item[key]

    def name(self, doc: dict[str, Any], key: str, index: int) -> str:
        value = doc[key][index]
        if not isinstance(value, str) or not value.strip():
            raise InputError(self.path, f"{key}[{index}] must be a non-empty name")
        return value

    def span(self, spec: Any, where: str, prop: str | None = None) -> Span:
        """Locate a span and check that the release text holds exactly its stated text."""
        if not isinstance(spec, dict) or not isinstance(spec.get("text"), str) or not spec["text"]:
            raise InputError(self.path, f"{where}: a span needs a non-empty 'text'")
        stated: str = spec["text"]
        if "start" in spec:
            start = _int(self.path, spec, "start", where)
            end = _int(self.path, spec, "end", where) if "end" in spec else start + len(stated)
        else:
            occurrence = spec.get("occurrence", 1)
            if isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence < 1:
                raise InputError(self.path, f"{where}: 'occurrence' must be a whole number from 1, "
                                            f"not {occurrence!r}")
            if "end" in spec:
                raise InputError(self.path, f"{where}: 'end' is given without 'start'")
            start = self._occurrence(stated, occurrence, where)
            end = start + len(stated)
        found = self.text[start:end]
        if not 0 <= start < end <= len(self.text) or found != stated:
            raise SpanMismatch(
                self.path,
                f"{where}: span {start}..{end} of release {self.facts.release.id} holds "
                f"{found!r}, not the stated text {stated!r}",
            )
        return Span(start, end, stated, prop)

    def _occurrence(self, stated: str, occurrence: int, where: str) -> int:
        at = -1
        for _ in range(max(occurrence, 1)):
            at = self.text.find(stated, at + 1)
            if at < 0:
                raise SpanMismatch(
                    self.path,
                    f"{where}: the release text does not contain {stated!r}"
                    + (f" {occurrence} times" if occurrence > 1 else ""),
                )
        return at

    def entity(self, kind: str, item: dict[str, Any], where: str) -> None:
        entity = self.facts.entity(kind, str(self.field(item, "name", where)))
        for index, mention in enumerate(self.field(item, "mentions", where)):
            span = self.span(mention, f"{where}.mentions[{index}]")
            if all((s.start, s.end) != (span.start, span.end) for s in entity.spans):
                entity.spans.append(span)
        entity.place_type = item.get("type") or entity.place_type
        entity.country_code = item.get("country_code") or entity.country_code
        entity.same_as.extend(item.get("same_as", []))

    def post(self, item: dict[str, Any], where: str) -> Post:
        return Post(
            person=self.field(item, "person", where),
            title=self.field(item, "title", where, required=False),
            organization=self.field(item, "organization", where, required=False),
            span=self.span(self.field(item, "evidence", where), f"{where}.evidence"),
        )

    def quote(self, item: dict[str, Any], where: str) -> Quote:
        text = self.field(item, "text", where)
        evidence = item.get("evidence") or {"text": text}
        return Quote(
            text=text,
            speaker=self.field(item, "speaker", where),
            speaker_kind=item.get("speaker_kind", "person"),
            span=self.span(evidence, f"{where}.evidence", "quoteText"),
        )

    def quantity(self, item: dict[str, Any], where: str) -> Quantity:
        """A curated claim; without a 'value' it completes the extracted claim its evidence overlaps
        (so a curated file can add only a 'scope' that no rule finds)."""
        span = self.span(self.field(item, "evidence", where), f"{where}.evidence")
        base = self._extracted_claim(span) if item.get("value") is None else None
        if base is not None:
            item = {**{k: v for k, v in vars(base).items() if v is not None}, **item}
            item.setdefault("as_of", base.as_of.isoformat() if base.as_of else None)
        value = self.field(item, "value", where)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(self.path, f"{where}: 'value' must be a number, not {value!r}")
        as_of = item.get("as_of")
        return Quantity(
            value=value,
            unit=self.field(item, "unit", where),
            counts=self.field(item, "counts", where),
            span=span,
            subject=item.get("subject"),
            subject_kind=item.get("subject_kind", "organization") if item.get("subject") else None,
            scope=item.get("scope"),
            as_of=as_of if isinstance(as_of, dt.date) else self._as_of(as_of, where),
            value_max=item.get("value_max"),
            qualifier=item.get("qualifier"),
        )

    def _extracted_claim(self, span: Span) -> Quantity | None:
        return next((q for q in self.facts.quantities
                     if q.span.start < span.end and span.start < q.span.end), None)

    def _as_of(self, value: Any, where: str) -> dt.date | None:
        """'release' means the release's publication date; otherwise an ISO date."""
        if value is None:
            return None
        if value == "release":
            published = self.facts.release.published
            if published is None or isinstance(published, str):
                raise InputError(self.path, f"{where}: as_of 'release' but the release has no date")
            return published.date() if isinstance(published, dt.datetime) else published
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise InputError(self.path, f"{where}: as_of {value!r} is not an ISO date") from None


def _int(path: Path, spec: dict[str, Any], key: str, where: str) -> int:
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(path, f"{where}: '{key}' must be an integer offset, not {value!r}")
    return value
