"""Quantitative claims: the number (in digits or words), its unit, what it counts, and about whom.

``$3.5 million`` is 3500000 USD, ``59.5%`` is 59.5 percent, ``17.5MW`` is 17.5 MW,
``one gigawatt`` is 1 GW, ``two-day`` is 2 days, ``more than 950 professionals`` is 950
professionals with the qualifier 'more than', ``nine cities`` is 9 cities. Dates, years,
times, phone numbers, postal codes, list numbers, ordinals and model numbers ('iPhone 15',
'Class 1', 'FLQ-101') are not claims. The subject is the release's issuer and the claim
holds at the publication date when the release has one.
"""

from __future__ import annotations

import datetime as dt
import re

from kg.extract import mentions
from kg.model import Facts, Quantity, Span

WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a hundred": 100,
    "dozen": 12,
    "a dozen": 12,
}
SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "b": 1e9,
    "mn": 1e6,
    "bn": 1e9,
}
UNITS = {
    "mw": "MW",
    "megawatt": "MW",
    "megawatts": "MW",
    "mwh": "MWh",
    "gw": "GW",
    "gigawatt": "GW",
    "gigawatts": "GW",
    "gwh": "GWh",
    "kw": "kW",
    "kwh": "kWh",
    "meters": "meters",
    "meter": "meters",
    "metres": "meters",
    "metre": "meters",
    "kilometres": "km",
    "kilometre": "km",
    "square kilometers": "square kilometers",
    "square kilometres": "square kilometers",
    "square miles": "square miles",
    "square meters": "square meters",
    "square metres": "square meters",
    "hectares": "hectares",
    "pounds": "pounds",
    "lbs": "pounds",
    "gallons": "gallons",
    "liters": "liters",
    "litres": "liters",
    "miles": "miles",
    "mile": "miles",
    "square feet": "square feet",
    "square foot": "square feet",
    "sq. ft.": "square feet",
    "acres": "acres",
    "km": "km",
    "kilometers": "km",
    "tons": "tons",
    "hours": "hours",
    "hour": "hours",
    "days": "days",
    "day": "days",
    "weeks": "weeks",
    "week": "weeks",
    "months": "months",
    "month": "months",
    "years": "years",
    "year": "years",
    "minutes": "minutes",
    "minute": "minutes",
    "seconds": "seconds",
    "second": "seconds",
}
CURRENCIES = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "nt$": "TWD",
    "hk$": "HKD",
}
QUALIFIERS = (
    "more than",
    "over",
    "up to",
    "approximately",
    "nearly",
    "less than",
    "under",
    "starting at",
    "about",
    "around",
    "as quickly as",
    "at least",
    "almost",
    "roughly",
)
MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"

MONTH_BEFORE = re.compile(rf"{MONTHS}\s*$")
NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
WORD_NUMBER = "|".join(sorted(WORDS, key=len, reverse=True))
SCALE = r"(?:\s?(?:thousand|million|billion|trillion)\b|(?:K|M|B|bn|mn)\b)"
# 'square feet', 'square-foot' and 'square  feet' are one unit
UNIT = "|".join(
    sorted((re.escape(u).replace(r"\ ", r"[\s-]") for u in UNITS), key=len, reverse=True)
)
QUALIFIER = "|".join(QUALIFIERS)
# Every claim starts a word: the look-behind lets the engine skip the inside of words
# (most of a text) before it tries the alternatives.
CLAIM = re.compile(
    rf"(?<![A-Za-z0-9])(?:(?P<qual>{QUALIFIER})\s+)?"
    rf"(?:(?P<cur>US\$|C\$|CA\$|NT\$|HK\$|\$|€|£)\s?(?P<money>{NUMBER})"
    rf"{SCALE.replace('(?:', '(?P<mscale>', 1)}?"
    rf"|(?P<num>{NUMBER})(?P<plus>\+)?(?P<scale>{SCALE})?"
    rf"(?:(?P<pct>\s?%|\s(?:percent|per cent)\b)|[\s-]?(?P<unit>{UNIT})\b)?"
    rf"|(?P<word>\b(?:{WORD_NUMBER}))(?:[\s-](?P<wunit>{UNIT})\b)?)",
    re.IGNORECASE,
)
RANGE = re.compile(
    rf"(?<![A-Za-z0-9])(?:(?P<qual>between|from)\s+)?(?P<cur>US\$|C\$|CA\$|\$|€|£)?(?P<low>{NUMBER})"
    rf"(?P<lscale>{SCALE})?(?P<lpct>\s?%)?"
    rf"\s?(?:-|–|to|and)\s?(?:US\$|C\$|CA\$|\$|€|£)?(?P<high>{NUMBER})(?P<hscale>{SCALE})?"
    rf"(?:(?P<pct>\s?%|\s(?:percent|per cent)\b)|[\s-]?(?P<unit>{UNIT})\b)?",
    re.IGNORECASE,
)
# what a count counts: a plural noun phrase ('head enterprises'), plurals without an -s too
COUNTED = re.compile(
    r"\s((?:[A-Za-z][\w’'&-]*\s){0,3}?(?:[a-z][\w-]*s|people|staff|personnel|children|"
    r"men|women|crew))\b"
)
NOT_AFTER = re.compile(
    r"^(?:\s?(?:st|nd|rd|th)\b|:\d|/\d|-\d|\.\d|\s?(?:a\.m\.|p\.m\.|am|pm)\b|"
    r"\s(?:of|and|or|to|in|on|by|with)\b)",
    re.IGNORECASE,
)
MODEL_WORDS = {
    "Class",
    "Form",
    "Part",
    "Item",
    "Phase",
    "Series",
    "Tier",
    "Level",
    "Version",
    "No",
    "Number",
    "Chapter",
    "Section",
    "Room",
    "Suite",
    "Unit",
    "Route",
    "Highway",
}


def add_quantities(facts: Facts) -> None:
    """Every numeric claim of the release text, once per (value, unit)."""
    release = facts.release
    text = release.text
    skip = [(release.contact.span.start, release.contact.span.end)] if release.contact else []
    issuer = mentions.issuer(facts)
    seen: set[tuple[float, str]] = set()
    claims = []
    for match in RANGE.finditer(text):
        if not any(s <= match.start() < e for s, e in skip):
            claim = _range(text, match)
            if claim is not None:
                claims.append(claim)
                skip.append((match.start(), match.end()))
    for match in CLAIM.finditer(text):
        if any(s <= match.start() < e for s, e in skip) or _not_a_claim(text, match):
            continue
        claims.append(_claim(text, match))
    for claim in sorted((c for c in claims if c is not None), key=lambda c: c.span.start):
        if (claim.value, claim.unit) in seen:
            continue
        seen.add((claim.value, claim.unit))
        claim.subject = issuer
        claim.subject_kind = "organization" if issuer else None
        if isinstance(release.published, dt.date):  # a month alone gives no as-of day
            claim.as_of = (
                release.published
                if not isinstance(release.published, dt.datetime)
                else release.published.date()
            )
        facts.quantities.append(claim)


def _not_a_claim(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 12) : match.start()]
    after = text[match.end() : match.end() + 6]
    number = match["num"] or match["money"]
    paired = before[-1:] == "/" and before[-2:-1].isalpha() and match["unit"]  # '1 MW/2 MWh'
    if (
        before[-1:].isalnum()
        or before[-1:] in ("-", "#", "/", ".")
        and not paired
        or after[:1].isalnum()
        and not (match["unit"] or match["wunit"] or match["pct"])
    ):
        return True
    if match["num"] and not (match["scale"] or match["unit"] or match["pct"] or match["plus"]):
        value = float(match["num"].replace(",", ""))
        if "," not in match["num"] and 1900 <= value <= 2100:
            return True  # a year
        if MONTH_BEFORE.search(before) or NOT_AFTER.match(after):
            return True
    previous = re.findall(r"([A-Za-z][\w.]*)\s*$", before)
    if previous and previous[0].rstrip(".") in MODEL_WORDS | {"iPhone", "iPad", "Pixel", "Galaxy"}:
        return True
    if match["word"] and not match["wunit"]:
        return (
            match["word"].lower() in ("one", "a hundred", "hundred", "a dozen", "dozen")
            or NOT_AFTER.match(after) is not None
            or not COUNTED.match(text, match.end())
        )
    return number is None and match["word"] is None


def _claim(text: str, match: re.Match[str]) -> Quantity | None:
    qualifier = match["qual"].lower() if match["qual"] else None
    if match["money"]:
        value = _number(match["money"]) * SCALES.get((match["mscale"] or "").strip().lower(), 1)
        unit = CURRENCIES[match["cur"].lower()]
        counts = "money"
    elif match["word"]:
        value = WORDS[match["word"].lower()]
        unit = _unit(match["wunit"]) if match["wunit"] else "count"
        counts = _counted(text, match.end()) if unit == "count" else unit
    else:
        value = _number(match["num"]) * SCALES.get((match["scale"] or "").strip().lower(), 1)
        unit = (
            "percent"
            if match["pct"]
            else _unit(match["unit"])
            if match["unit"]
            else "count"
        )
        counts = _counted(text, match.end()) if unit == "count" else unit
        if unit == "count" and not counts and not match["plus"]:
            return None
    start = match.start("qual") if match["qual"] else match.start() if not match["qual"] else 0
    end = match.end()
    if unit == "count" and counts:
        end = text.index(counts, end) + len(counts)
    value = int(value) if float(value).is_integer() else round(value, 6)
    return Quantity(
        value=value,
        unit=unit,
        counts=counts or unit,
        span=Span(start, end, text[start:end]),
        qualifier=qualifier,
    )


def _range(text: str, match: re.Match[str]) -> Quantity | None:
    """'$5 million to $10 million', '5-10%', 'between 20 and 30 engineers', or None."""
    if (
        MONTH_BEFORE.search(text[max(0, match.start() - 12) : match.start()])
        or text[match.start() - 1 : match.start()].isalnum()
        or text[match.end() : match.end() + 1].isdigit()
    ):
        return None
    if (
        " and " in match[0]
        and match["qual"] != "between"
        or match[0].count("-")
        and ("," not in match["low"] and 1900 <= _number(match["low"]) <= 2100)
    ):
        return None
    low_scale = SCALES.get((match["lscale"] or match["hscale"] or "").strip().lower(), 1)
    high_scale = SCALES.get((match["hscale"] or "").strip().lower(), 1)
    unit = (
        CURRENCIES[match["cur"].lower()]
        if match["cur"]
        else "percent"
        if match["pct"] or match["lpct"]
        else _unit(match["unit"])
        if match["unit"]
        else "count"
    )
    counts = _counted(text, match.end()) if unit == "count" else "money" if match["cur"] else unit
    if unit == "count" and not counts:
        return None
    end = text.index(counts, match.end()) + len(counts) if unit == "count" else match.end()
    low, high = _number(match["low"]) * low_scale, _number(match["high"]) * high_scale
    if high <= low:
        return None
    return Quantity(
        value=_whole(low),
        unit=unit,
        counts=counts,
        value_max=_whole(high),
        span=Span(match.start(), end, text[match.start() : end]),
    )


def _unit(surface: str) -> str:
    """The unit's usual name ('Square-Foot' is 'square feet')."""
    return UNITS[re.sub(r"[\s-]+", " ", surface.lower())]


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 6)


def _number(raw: str) -> float:
    return float(raw.replace(",", ""))


def _counted(text: str, at: int) -> str:
    """The noun phrase after a count ('head enterprises', 'HR professionals'), or ''."""
    match = COUNTED.match(text, at)
    if not match:
        return ""
    words = match[1]
    return "" if re.match(MONTHS, words) else words
