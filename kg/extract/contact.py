"""The contact point's company, person and places become entities of the release."""

from __future__ import annotations

import re

from kg.model import Facts, Span

TEAM = re.compile(r"\b(?:Team|Department|Desk|Office|Staff|Relations|Communications|Support)\b")


AGENCY = re.compile(r"^(?P<agency>.+?) (?:for|on behalf of) (?P<client>[A-Z].+)$")


def agency_parts(text: str, company: Span) -> list[Span]:
    """'Bright Signal PR for Quarry Labs': a PR agency writing for a client the release
    names elsewhere is two organizations, each with its own span.

    >>> text = "Quarry Labs grew. Bright PR for Quarry Labs"
    >>> [s.text for s in agency_parts(text, Span(18, 43, text[18:]))]
    ['Bright PR', 'Quarry Labs']
    """
    match = AGENCY.match(company.text)
    if match is None or text.count(match["client"]) < 2:
        return [company]
    return [
        Span(company.start + match.start(group), company.start + match.end(group), match[group])
        for group in ("agency", "client")
    ]


def add_contact_entities(facts: Facts) -> None:
    """Make the contact's company an organization, its person a person, its country a place.

    A contact 'person' that is a team or a desk ('Unity Connect Team') is no person.
    """
    contact = facts.release.contact
    if contact is None:
        return
    if contact.company:
        for part in agency_parts(facts.release.text, contact.company[1]):
            facts.entity("organization", part.text).spans.append(part)
    if contact.person and not TEAM.search(contact.person[0]):
        name, span = contact.person
        facts.entity("person", name).spans.append(span)
    if contact.country:
        name, span = contact.country
        place = facts.entity("place", name)
        place.spans.append(span)
        if contact.country_code:
            place.place_type = "country"
            place.country_code = contact.country_code
    if contact.city:
        name, span = contact.city
        city = facts.entity("place", name)
        city.spans.append(span)
        city.place_type = city.place_type or "city"
