"""Direct quotes and who said them.

A quote is text between quotation marks (straight or curly) of at least four words that
is not a title in capitals. Its speaker is the person the attribution names: after the
quote ('…,” said Michael Roberts, Chief Financial Officer'), before it ('Le Thu Thuy, …,
said: “…'), or, for a pronoun or no attribution at all, the speaker of the quote just
before (a quote split around 'said X' is two quotes with one speaker). A person is
resolved to the person entity whose mention falls in the attribution, so 'said Exovera
CEO Bob Sogegian' and 'Feakins said' both land on the right entity.
"""

from __future__ import annotations

import re

from kg.model import Entity, Facts, Quote, Span

QUOTE = re.compile(r"[“\"](?P<body>[^“”\"\n]{12,}?)[”\"]")
VERB = (
    r"(?:said|says|added|adds|explained|explains|noted|notes|stated|states|commented|comments|"
    r"shared|shares|continued|continues|concluded|emphasized|remarked|observed|according to|"
    r"highlighted|stressed|expressed|believes|announced)"
)
AFTER = re.compile(rf"^[\s,]*(?:{VERB}\b|[—–]\s*[A-Z]|[^“”\"]{{0,200}}?\b{VERB}\b)")
BEFORE = re.compile(rf"\b{VERB}\b[^.“”\"]{{0,60}}?[:,]?\s*$|:\s*$")
PRONOUN = re.compile(r"^[\s,]*(?:he|she|they)\s+(?:said|says|added|adds|explained|noted)\b", re.I)


def add_quotes(facts: Facts) -> None:
    """Find every attributed quote of the release body, in text order."""
    text = facts.release.text
    start = facts.release.body_span.start if facts.release.body_span else 0
    speakers = [e for e in facts.entities if e.kind == "person"]
    orgs = [e for e in facts.entities if e.kind == "organization"]
    previous: tuple[Entity, int] | None = None
    for match in QUOTE.finditer(text, start):
        body = match["body"]
        words = body.split()
        if len(words) < 4 or all(w[:1].isupper() or not w[:1].isalpha() for w in words):
            continue
        speaker = _speaker(text, match, speakers, orgs, previous)
        if speaker is None:
            continue
        content = body.rstrip()
        content = content[:-1].rstrip() if content.endswith(",") else content
        lead = len(content) - len(content.lstrip())
        span = Span(
            match.start("body") + lead,
            match.start("body") + len(content),
            content.lstrip(),
            "quoteText",
        )
        facts.quotes.append(
            Quote(text=span.text, speaker=speaker.name, speaker_kind=speaker.kind, span=span)
        )
        previous = (speaker, match.end())


def _speaker(
    text: str,
    match: re.Match[str],
    people: list[Entity],
    orgs: list[Entity],
    previous: tuple[Entity, int] | None,
) -> Entity | None:
    paragraph_end = _end_of_paragraph(text, match.end())
    after = text[match.end() : min(paragraph_end, match.end() + 240)]
    next_quote = QUOTE.search(after)
    after = after[: next_quote.start()] if next_quote else after
    if PRONOUN.match(after):
        return previous[0] if previous else None
    if AFTER.match(after):
        who = _first_in(people, match.end(), match.end() + len(after)) or _first_in(
            orgs, match.end(), match.end() + len(after)
        )
        if who:
            return who
    paragraph_start = _start_of_paragraph(text, match.start())
    before_start = max(paragraph_start, previous[1] if previous else 0)
    before = text[before_start : match.start()]
    if BEFORE.search(before):
        who = _last_in(people, before_start, match.start())
        if who:
            return who
    if previous and text[previous[1] : match.start()].count("\n") <= 2:
        return previous[0]  # the same speaker goes on
    return _last_in(people, paragraph_start, match.start())


def _end_of_paragraph(text: str, at: int) -> int:
    ends = [i for i in (text.find("\n", at), text.find("  ", at)) if i >= 0]
    return min(ends) if ends else len(text)


def _start_of_paragraph(text: str, at: int) -> int:
    return max(text.rfind("\n", 0, at), text.rfind("  ", 0, at)) + 1


def _first_in(entities: list[Entity], start: int, end: int) -> Entity | None:
    hits = [(s.start, e) for e in entities for s in e.spans if start <= s.start < end]
    return min(hits, key=lambda h: h[0])[1] if hits else None


def _last_in(entities: list[Entity], start: int, end: int) -> Entity | None:
    hits = [(s.start, e) for e in entities for s in e.spans if start <= s.start < end]
    return max(hits, key=lambda h: h[0])[1] if hits else None
