"""Facts as the gold-annotation JSON of the corpus README, for `kg extract` and the scorer.

One object per release: ``file``, ``headline``, ``published``, ``dateline``, ``distributor``,
``contact`` (with ``phone_e164``), ``organizations``, ``people`` (with ``roles``), ``places``,
``quantities`` and ``quotes``. Surfaces are the release's own characters.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from kg.extract import extract
from kg.model import ContactPoint, Facts
from kg.read import read_release

CONTACT_FIELDS = ("company", "person", "email", "phone", "country", "city", "website")


def extract_file(path: Path, facts_dir: Path | None = None) -> dict[str, Any]:
    """Read and extract one release file into its gold-format object."""
    return as_gold(extract(read_release(path), facts_dir), path.name)


def as_gold(facts: Facts, file_name: str) -> dict[str, Any]:
    release = facts.release
    return {
        "file": file_name,
        "headline": release.headline,
        "published": _iso(release.published),
        "published_surface": release.published_span.text if release.published_span else None,
        "published_tz": release.timezone,
        "dateline": {"surface": release.dateline_span.text,
                     "city": (release.dateline_city or "").split(",")[0] or None}
        if release.dateline_span
        else None,
        "distributor": {
            "name": release.distributor,
            "surface": release.distributor_span.text if release.distributor_span else None,
        }
        if release.distributor
        else None,
        "contact": _contact(release.contact),
        "organizations": _entities(facts, "organization"),
        "people": [{**p, "roles": _roles(facts, p["name"])} for p in _entities(facts, "person")],
        "places": _entities(facts, "place"),
        "quantities": [_quantity(q) for q in facts.quantities],
        "quotes": [{"text": q.text, "speaker": q.speaker} for q in facts.quotes],
    }


def _iso(value: dt.date | str | None) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    return value.isoformat() if value else None


def _contact(contact: ContactPoint | None) -> dict[str, Any]:
    out: dict[str, Any] = {field: None for field in CONTACT_FIELDS}
    out["phone_e164"] = None
    if contact is None:
        return out
    for field in CONTACT_FIELDS:
        value = getattr(contact, field)
        if value:
            out[field] = " ".join(value[1].text.split()) if field != "phone" else value[1].text
    if contact.phone:
        out["phone_e164"] = contact.phone[0]
    return out


def _entities(facts: Facts, kind: str) -> list[dict[str, Any]]:
    out = []
    for entity in facts.entities:
        if entity.kind != kind:
            continue
        mentions = list(dict.fromkeys(" ".join(s.text.split()) for s in entity.spans))
        item: dict[str, Any] = {"name": entity.name, "mentions": mentions}
        if kind == "place" and entity.place_type:
            item["type"] = entity.place_type
        out.append(item)
    return out


def _roles(facts: Facts, person: str) -> list[dict[str, Any]]:
    roles = [
        {"title": p.title, "organization": p.organization}
        for p in facts.posts
        if p.person == person
    ]
    return [dict(t) for t in dict.fromkeys(tuple(r.items()) for r in roles)]


def _quantity(quantity: Any) -> dict[str, Any]:
    return {
        "subject": quantity.subject,
        "value": quantity.value,
        "value_max": quantity.value_max,
        "unit": quantity.unit,
        "counts": quantity.counts,
        "surface": quantity.span.text,
        "qualifier": quantity.qualifier,
    }
