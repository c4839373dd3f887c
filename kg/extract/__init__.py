"""Release -> Facts: what the reader parsed, then the curated facts for that release.

Automatic extraction of body facts is a later step; for now the body's facts come
from ``data/facts/<release>.json`` (see :mod:`kg.extract.curated`), each with a
span the loader checks against the release text.
"""

from __future__ import annotations

from pathlib import Path

from kg.extract import contact, curated, dates, mentions, posts, quantities, quotes
from kg.model import Facts, Release


def extract(release: Release, facts_dir: Path | None) -> Facts:
    """All facts of one release, in a fixed order: parsed structure first, curated facts last."""
    facts = Facts(release=release)
    dates.add_dates(facts)
    contact.add_contact_entities(facts)
    mentions.add_mentions(facts)
    quotes.add_quotes(facts)
    posts.add_posts(facts)
    quantities.add_quantities(facts)
    if facts_dir is not None:
        curated.merge(facts, facts_dir)
    return facts
