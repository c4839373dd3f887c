"""The wire layout of the large distributors and of the paid wires, and plain releases.

The first line is the headline. The first lines of the body may hold a dateline::

    CHICAGO, June 17, 2025 /PRNewswire/ —
    VIENNA, Va.–(BUSINESS WIRE)–
    SARASOTA, Fla., Aug. 08, 2025 (GLOBE NEWSWIRE) —
    GILBERT, AZ - March 11, 2025 (NEWMEDIAWIRE) -
    Minnetonka, MN (Newsworthy.ai) Tuesday Jul 15, 2025 @ 7:00 AM US/Central —
    PHILADELPHIA, PA / PR Karma / January 14, 2025 15:45
    HANOI, VIETNAM - Media OutReach Newswire - 13 July 2026 -
    Kennett Square, United States - June 18, 2026 / Pegasus Technologies /

Then come body paragraphs (one per line, or one line whose paragraphs are joined by two
spaces, as 24-7PressRelease texts are), 'About <Company>' boilerplate, and a contact
section, labelled or in free form (read by :mod:`kg.read.contact`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kg.model import Release, Span
from kg.read.contact import find_contact
from kg.read.text import lines, strip_span

MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sep(?:tember|t\.|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)"
CLOCK = (
    r"(?:\s*@?\s*\d{1,2}:\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?"
    r"(?:\s+(?P<tz>(?:US/)?[A-Z][a-z]+|[A-Z]{2,4}T))?)"
)
DATE = re.compile(
    rf"(?P<date>{WEEKDAY}?(?:{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{MONTH}\s+\d{{4}}|"
    rf"{MONTH}\s+\d{{4}})(?!\d){CLOCK}?)"
)
WIRE_TAG = re.compile(
    r"(?P<sep>[/(]|[-–—]\s)\s*(?P<wire>PRNewswire|PR Newswire|GLOBE NEWSWIRE|Globe Newswire|"
    r"BUSINESS WIRE|Business Wire|NEWMEDIAWIRE|NewMediaWire|ACCESSWIRE|ACCESS Newswire|"
    r"24-7PressRelease|Newsworthy\.ai|PR Karma|EIN Presswire|Newsfile|Media OutReach Newswire|"
    r"[A-Z][\w.&' ]{1,40}?)\s*(?:[/)]|\s[-–—])"
)
LEAD_OUT = re.compile(r"^[\s,]*(?:[-–—]+|/)?\s*")
TAIL_OUT = re.compile(r"\s*(?:[-–—]+|/)\s*$")
DEBRIS = re.compile(
    r"^(?:>|The post .* appeared first on .*|View (?:the )?(?:original|source version).*|"
    r"Related Articles|Breaking News|[•·]?\s*No posts were found|Disseminated on behalf of .*)$",
    re.IGNORECASE,
)
PARAGRAPH_JOIN = re.compile(r" {2,}")


@dataclass
class Dateline:
    """What a dateline line states, each part with its span (None when not stated)."""

    line_end: int
    place: Span | None
    date: Span | None
    timezone: Span | None
    wire: Span | None


def looks_like(text: str) -> bool:
    """True when the text reads as a release: a dateline, a contact section or a real body."""
    content = [line.stripped for line in lines(text) if line.stripped]
    if len(content) < 2:
        return False
    if any(find_dateline_in(line) for line in content[1:6]):
        return True
    body = sum(len(line) for line in content[1:])
    return body >= 400 and ("About " in text or "contact" in text.lower() or len(content) >= 4)


def find_dateline_in(line: str) -> bool:
    return _parse_dateline(line, 0) is not None


def _parse_dateline(line: str, offset: int) -> Dateline | None:
    """A dateline at the start of ``line``: a short place, then a date and/or a wire tag."""
    head = line[:260]
    date = DATE.search(head)
    wire = WIRE_TAG.search(head)
    if wire and not _is_wire(wire["wire"]):
        wire = None  # '/ Pegasus Technologies /' names the issuer, not a wire
    starts = [m.start() for m in (date, wire) if m]
    if not starts:
        return None
    cut = min(starts)
    place_text = TAIL_OUT.sub("", line[:cut].rstrip(" ,"))
    if (
        not (0 < len(place_text) <= 60)
        or ":" in place_text
        or not place_text[0].isupper()
        or place_text.endswith(".")
        and not re.search(r"\b(?:[A-Z][a-z]{1,4}|(?:[A-Z]\.)*[A-Z])\.$", place_text)
    ):
        return None
    words = re.findall(r"[^\s,/]+", place_text)
    if len(words) > 7 or any(
        w[0].islower() and w not in ("of", "de", "la", "du", "da") for w in words
    ):
        return None  # a sentence, not a place
    if date is None and wire is None:
        return None
    end = max(m.end() for m in (date, wire) if m)
    rest = LEAD_OUT.match(line, end)
    line_end = rest.end() if rest else end
    return Dateline(
        line_end=offset + line_end,
        place=Span(offset, offset + len(place_text), place_text, "datelinePlace"),
        date=_span(date, "date", offset, "datePublished"),
        timezone=_span(date, "tz", offset, "timeZone"),
        wire=_span(wire, "wire", offset, "distributor") if wire else None,
    )


def _is_wire(name: str) -> bool:
    return (
        bool(re.search(r"wire|press|news|pr\b|media|karma", name, re.IGNORECASE)) or name.isupper()
    )


def _span(match: re.Match[str] | None, group: str, offset: int, prop: str) -> Span | None:
    if match is None or match[group] is None:
        return None
    text = match[group].rstrip()
    return Span(offset + match.start(group), offset + match.start(group) + len(text), text, prop)


def read(path: Path, release_id: str, text: str) -> Release:
    """Parse a wire release into a :class:`Release` whose spans index into ``text``."""
    release = Release(id=release_id, path=str(path), text=text)
    all_lines = [line for line in lines(text) if line.stripped]
    first = all_lines[0]
    release.headline_span = first.span("headline")
    release.headline = release.headline_span.text
    body_start = first.end
    for line in all_lines[1:3]:
        dateline = _parse_dateline(line.text, line.start)
        if dateline is not None:
            release.dateline_span = dateline.place
            release.published_span = dateline.date
            release.timezone_span = dateline.timezone
            release.distributor_span = dateline.wire
            body_start = dateline.line_end
            break
    contact = find_contact(path, text, body_start)
    body_end = contact.span.start if contact else len(text)
    release.contact = contact
    _read_body(release, body_start, body_end)
    return release


def _read_body(release: Release, start: int, end: int) -> None:
    """Paragraphs: the non-debris lines of the body, split where two spaces join paragraphs."""
    text = release.text
    for line in lines(text[start:end]):
        offset = start + line.start
        pieces = PARAGRAPH_JOIN.split(line.text) if len(line.text) > 300 else [line.text]
        for piece in pieces:
            at = text.find(piece, offset)
            offset = at + len(piece)
            span = strip_span(piece, at)
            if span.text and not DEBRIS.match(span.text):
                release.paragraphs.append(span)
    if release.paragraphs:
        first, last = release.paragraphs[0].start, release.paragraphs[-1].end
        release.body_span = Span(first, last, text[first:last], "body")
        release.body = "\n\n".join(p.text for p in release.paragraphs)
