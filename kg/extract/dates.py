"""Publication date-time (with its time zone when stated), dateline city and distributor.

The reader finds where the dateline's parts are; this module says what they mean:
``July 1st 2025`` is 2025-07-01, ``Tuesday Jul 15, 2025 @ 7:00 AM US/Central`` is
2025-07-15T07:00 in 'US/Central' (kept as words: no offset is inferred), ``VIENNA, Va.``
is the city Vienna, and ``PRNewswire`` is the wire PR Newswire.
"""

from __future__ import annotations

import datetime as dt
import re

from kg.model import Facts, Release

MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
PARTS = re.compile(
    r"(?:(?P<d1>\d{1,2})\s+(?P<m1>[A-Za-z]+)\.?\s+(?P<y1>\d{4})|"
    r"(?P<m2>[A-Za-z]+)\.?\s+(?:(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+)?(?P<y2>\d{4}))"
    r"(?:\s*@?\s*(?P<h>\d{1,2}):(?P<min>\d{2})(?:\s*(?P<ampm>[AaPp])\.?[Mm]\.?)?)?"
)
WIRES = {
    "prnewswire": "PR Newswire",
    "pr newswire": "PR Newswire",
    "globe newswire": "GlobeNewswire",
    "business wire": "Business Wire",
    "newmediawire": "NewMediaWire",
    "accesswire": "ACCESSWIRE",
    "24-7pressrelease": "24-7PressRelease",
    "newsworthy.ai": "Newsworthy.ai",
    "pr karma": "PR Karma",
    "ein presswire": "EIN Presswire",
    "media outreach newswire": "Media OutReach Newswire",
}
STATE_ABBREVIATION = re.compile(r",\s*(?:[A-Z]{2}|[A-Z][a-z]{1,4}\.|[A-Z][a-z]+(?: [A-Z][a-z]+)?)$")


def parse_date(surface: str) -> dt.datetime | dt.date | str | None:
    """The date a dateline states, at the precision it states (a month alone is 'YYYY-MM').

    >>> parse_date("July 1st 2025"), parse_date("13 July 2026"), parse_date("Aug. 08, 2025")
    (datetime.date(2025, 7, 1), datetime.date(2026, 7, 13), datetime.date(2025, 8, 8))
    >>> parse_date("Tuesday Mar 5, 2024 @ 5:00 PM Central"), parse_date("July 2026")
    (datetime.datetime(2024, 3, 5, 17, 0), '2026-07')
    """
    match = PARTS.search(surface)
    if match is None:
        return None
    month_name = (match["m1"] or match["m2"]).lower()[:3]
    if month_name not in MONTHS:
        return None
    month, year = MONTHS.index(month_name) + 1, int(match["y1"] or match["y2"])
    day = match["d1"] or match["d2"]
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        if match["h"] is None:
            return dt.date(year, month, int(day))
        hour = (
            int(match["h"]) % 12 + (12 if (match["ampm"] or "").lower() == "p" else 0)
            if match["ampm"]
            else int(match["h"])
        )
        return dt.datetime(year, month, int(day), hour, int(match["min"]))
    except ValueError:
        return None


def wire_name(surface: str) -> str:
    """The usual name of a wire from the words of its dateline tag.

    >>> wire_name("GLOBE NEWSWIRE"), wire_name("PRNewswire")
    ('GlobeNewswire', 'PR Newswire')
    """
    return WIRES.get(" ".join(surface.lower().split()), surface)


def dateline_city(surface: str) -> str:
    """The city of a dateline place, title-cased when the dateline shouts it.

    >>> dateline_city("GRAND RAPIDS, Mich."), dateline_city("Fukuoka, Japan/New York")
    ('Grand Rapids', 'Fukuoka')
    """
    city = re.split(r"[,/]", surface, maxsplit=1)[0].strip()
    return city.title() if city.isupper() else city


def add_dates(facts: Facts) -> None:
    """Fill the release's date, time zone, dateline city and distributor from the reader's spans."""
    release: Release = facts.release
    if release.published is None and release.published_span is not None:
        value = parse_date(release.published_span.text)
        if value is None:
            release.published_span = None
        else:
            release.published = value
    if release.timezone is None and release.timezone_span is not None:
        release.timezone = release.timezone_span.text
    if release.dateline_span is not None:
        release.dateline_city = dateline_city(release.dateline_span.text)
    if release.distributor is None and release.distributor_span is not None:
        release.distributor = wire_name(release.distributor_span.text)
