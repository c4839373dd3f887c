"""The contact point's company, person and places become entities of the release."""

from __future__ import annotations

import re

from kg.model import Facts

TEAM = re.compile(r"\b(?:Team|Department|Desk|Office|Staff|Relations|Communications|Support)\b")


def add_contact_entities(facts: Facts) -> None:
    """Make the contact's company an organization, its person a person, its country a place.

    A contact 'person' that is a team or a desk ('Unity Connect Team') is no person.
    """
    contact = facts.release.contact
    if contact is None:
        return
    if contact.company:
        name, span = contact.company
        facts.entity("organization", name).spans.append(span)
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
