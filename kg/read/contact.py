"""The labelled contact block ('Company Name: …', 'Phone: …'), with a span for every value.

'Email: Send Email' is a web form on the page, not an address, so it yields no e-mail;
phones are normalized to E.164 with the phonenumbers library, using the block's country.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import phonenumbers
import pycountry

from kg.model import ContactPoint, Span
from kg.read.text import Line

log = logging.getLogger(__name__)

LABELS = {
    "company name": "company",
    "company": "company",
    "contact person": "person",
    "contact": "person",
    "email": "email",
    "e-mail": "email",
    "phone": "phone",
    "telephone": "phone",
    "tel": "phone",
    "country": "country",
    "city": "city",
    "website": "website",
    "web": "website",
}
LABELLED = re.compile(r"^(?P<label>[A-Za-z][A-Za-z \-]{1,20}?)\s*[:：]\s*(?P<value>.*\S)?\s*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NOT_A_WEBSITE = re.compile(r"^(?:visit (?:our )?website|website|n/?a|none)$", re.IGNORECASE)


def parse_contact_block(path: Path, text: str, block: list[Line]) -> ContactPoint | None:
    """Read 'Label: value' lines after the contact heading until the block ends."""
    values: dict[str, tuple[str, Span, Line]] = {}
    last = block[0]
    for line in block[1:]:
        match = LABELLED.match(line.text.replace("\u00a0", " "))
        if not match:
            if values and line.stripped:
                break
            continue
        field = LABELS.get(match["label"].strip().lower())
        if field is None or match["value"] is None or field in values:
            continue
        # the match ran on a copy with no-break spaces made plain; spans cite the original
        value = line.text[match.start("value"):match.end("value")]
        start = line.start + match.start("value")
        span = Span(start, start + len(value), value, None)
        values[field] = (" ".join(value.split()), span, line)
        last = line
    if not values:
        return None
    heading = block[0].span()
    contact = ContactPoint(span=Span(heading.start, last.end, text[heading.start:last.end]))
    _fill(path, contact, values)
    return contact


def _fill(path: Path, contact: ContactPoint, values: dict[str, tuple[str, Span, Line]]) -> None:
    for field in ("company", "person", "city"):
        if field in values:
            value, span, _ = values[field]
            setattr(contact, field, (value, span))
    if "country" in values:
        value, span, _ = values["country"]
        contact.country = (value, span)
        contact.country_code = country_code(value)
    if "email" in values and EMAIL.match(values["email"][0]):
        contact.email = values["email"][:2]
    if "website" in values and not NOT_A_WEBSITE.match(values["website"][0]):
        value, span, _ = values["website"]
        contact.website = (value if "://" in value else f"http://{value}", span)
    if "phone" in values:
        value, span, line = values["phone"]
        number = e164(value, contact.country_code)
        if number is None:
            log.warning("%s line %d: phone %r is not a phone number; left out", path, line.number, value)
        else:
            contact.phone = (number, span)


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name, or None when it is not a country.

    >>> country_code("China"), country_code("United States"), country_code("Atlantis")
    ('CN', 'US', None)
    """
    try:
        return str(pycountry.countries.lookup(name.strip()).alpha_2)
    except LookupError:
        return None


def e164(raw: str, region: str | None) -> str | None:
    """The phone in E.164 form, or None when the value cannot be a phone ('N/A', a web form).

    The region is the contact's country, the United States when none is given.

    >>> e164("+86139 2221 8503", "CN"), e164("(740) 801-2242", None), e164("N/A", None)
    ('+8613922218503', '+17408012242', None)
    """
    try:
        number = phonenumbers.parse(raw, region or "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
