"""Publication date-time (with its time zone when stated), dateline city and distributor.

The reader finds where the dateline's parts are; this module says what they mean:
``July 1st 2025`` is 2025-07-01, ``Tuesday Jul 15, 2025 @ 7:00 AM US/Central`` is
2025-07-15T07:00 in 'US/Central' (kept as words: no offset is inferred), ``VIENNA, Va.``
is the city Vienna, and ``PRNewswire`` is the wire PR Newswire.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from dateparser.date import DateDataParser

from kg.model import Facts, Release

CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
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


@functools.cache
def _parser() -> DateDataParser:
    """English only (a release's dateline is in the release's language, and trying every
    language is slow and finds dates in words), absolute dates only; a month and a year
    are required, and a month alone is the first of it, with the precision kept apart."""
    return DateDataParser(
        languages=["en"],
        settings={
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["month", "year"],
            "RETURN_AS_TIMEZONE_AWARE": False,
            "PARSERS": ["absolute-time"],  # a dateline is never 'yesterday' or a timestamp
        },
    )


def parse_date(surface: str, timezone: str | None = None) -> dt.datetime | dt.date | str | None:
    """The date a dateline states, at the precision it states (a month alone is 'YYYY-MM').

    dateparser reads the words; the time-zone words are taken out first, so that the
    local time stays as written (no offset is inferred or applied).

    >>> parse_date("July 1st 2025"), parse_date("13 July 2026"), parse_date("Aug. 08, 2025")
    (datetime.date(2025, 7, 1), datetime.date(2026, 7, 13), datetime.date(2025, 8, 8))
    >>> parse_date("Tuesday Mar 5, 2024 @ 5:00 PM Central", "Central"), parse_date("July 2026")
    (datetime.datetime(2024, 3, 5, 17, 0), '2026-07')
    >>> parse_date("November 31, 2020") is None
    True
    """
    words = surface.replace(timezone, " ") if timezone else surface
    data = _parser().get_date_data(words.replace("@", " "))
    value = data.date_obj
    if value is None:
        return None
    if data.period == "month":
        return f"{value.year:04d}-{value.month:02d}"
    if CLOCK.search(words):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    return value.date()


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
        tz = release.timezone_span.text if release.timezone_span else None
        value = parse_date(release.published_span.text, tz)
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
