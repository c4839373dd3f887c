"""The seed's newswire syndication page: headline, debris, split date lines, body, contact block.

The page looks like this (ABNewswire syndication)::

    Headline
    Breaking News / • No posts were found      <- page debris
    Headline                                   <- repeated
    November 12                                <- month and day
    05:27 2020                                 <- time and year
    body paragraphs …
    Media Contact
    Company Name: … / Contact Person: … / Email: … / Phone: … / Country: … / Website: …
    Related Articles                           <- page debris
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from kg.errors import InputError
from kg.model import Release, Span
from kg.read.contact import find_contact
from kg.read.text import Line, lines

DEBRIS = re.compile(
    r"^(?:[•·\-\s]*)(?:Breaking News|No posts were found|Related Articles|Share this article|"
    r"Share on (?:Facebook|Twitter|LinkedIn)|Tweet|Print|Previous Post|Next Post)\b.*$",
    re.IGNORECASE,
)
MONTHS = (
    "january february march april may june july august september october november december"
).split()
MONTH_DAY = re.compile(r"^(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})$")
TIME_YEAR = re.compile(r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})\s+(?P<year>\d{4})$")
CONTACT_HEADING = re.compile(r"^(?:Media|Press|Company)?\s*Contacts?\s*:?$", re.IGNORECASE)


def looks_like(text: str) -> bool:
    """True when the text has the split 'Month D' / 'HH:MM YYYY' date lines of the seed format."""
    stripped = [line.stripped for line in lines(text)]
    return any(
        MONTH_DAY.match(a) and TIME_YEAR.match(b) for a, b in zip(stripped, stripped[1:], strict=False)
    )


def read(path: Path, release_id: str, text: str) -> Release:
    """Parse a newswire page into a :class:`Release` whose spans index into ``text``."""
    all_lines = list(lines(text))
    release = Release(id=release_id, path=str(path), text=text)
    first = all_lines[0]
    if first.stripped:
        release.headline_span = first.span("headline")
        release.headline = release.headline_span.text
    body_start = _read_date(path, release, all_lines)
    contact_at = _find_contact_heading(all_lines, body_start)
    body_lines = all_lines[body_start:contact_at]
    _read_body(release, body_lines)
    if contact_at < len(all_lines):
        release.contact = find_contact(path, text, all_lines[contact_at].start)
    return release


def _read_date(path: Path, release: Release, all_lines: list[Line]) -> int:
    """Find the split date lines; return the index of the first body line after them."""
    for index in range(1, len(all_lines) - 1):
        day_line, time_line = all_lines[index], all_lines[index + 1]
        day = MONTH_DAY.match(day_line.stripped)
        clock = TIME_YEAR.match(time_line.stripped)
        if not (day and clock):
            continue
        release.published = _datetime(path, day_line, day, clock)
        start = day_line.span().start
        end = time_line.span().end
        release.published_span = Span(start, end, release.text[start:end], "datePublished")
        return index + 2
    return 1


def _datetime(path: Path, line: Line, day: re.Match[str], clock: re.Match[str]) -> dt.datetime:
    """The two date lines as one date-time, read by dateparser (through the date
    extractor); a name that is no month, or a day the month does not have, is an error
    naming the line."""
    from kg.extract.dates import parse_date

    month_name = day["month"].lower()
    if len(month_name) < 3 or not any(name.startswith(month_name) for name in MONTHS):
        raise InputError(path, f"publication date: {day['month']!r} is not a month", line.number)
    value = parse_date(f"{day['month']} {day['day']}, {clock['year']} {clock['hour']}:{clock['minute']}")
    if not isinstance(value, dt.datetime):
        raise InputError(
            path,
            f"publication date {line.stripped!r} {clock['year']} at {clock['hour']}:"
            f"{clock['minute']} is not a real date or time",
            line.number,
        )
    return value


def _find_contact_heading(all_lines: list[Line], start: int) -> int:
    for index in range(start, len(all_lines)):
        if CONTACT_HEADING.match(all_lines[index].stripped):
            return index
    return len(all_lines)


def _read_body(release: Release, body_lines: list[Line]) -> None:
    """Paragraphs are the non-empty lines that are neither debris nor a repeat of the headline."""
    for line in body_lines:
        content = line.stripped
        if not content or DEBRIS.match(content) or content == release.headline:
            continue
        release.paragraphs.append(line.span())
    if release.paragraphs:
        start, end = release.paragraphs[0].start, release.paragraphs[-1].end
        release.body_span = Span(start, end, release.text[start:end], "body")
        release.body = "\n\n".join(p.text for p in release.paragraphs)
