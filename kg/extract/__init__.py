"""Release -> Facts: what the reader parsed, what the extractors find, then curated facts.

One module per fact family, run in a fixed order (later ones use earlier ones: quotes
and posts refer to the people and organizations found): :mod:`~kg.extract.dates`,
:mod:`~kg.extract.contact`, :mod:`~kg.extract.mentions`, :mod:`~kg.extract.quotes`,
:mod:`~kg.extract.posts`, :mod:`~kg.extract.quantities`. Curated facts from
``data/facts/<release>.json`` (:mod:`kg.extract.curated`) come last: they add what no
rule finds and replace extracted facts they overlap.
"""

from __future__ import annotations

from pathlib import Path

from kg.extract import contact, curated, dates, mentions, posts, quantities, quotes
from kg.model import Facts, Release
from kg.resolve import resolve


def extract(release: Release, facts_dir: Path | None) -> Facts:
    """All facts of one release, in a fixed order: parsed structure first, curated facts last."""
    facts = Facts(release=release)
    dates.add_dates(facts)
    contact.add_contact_entities(facts)
    mentions.add_mentions(facts)
    quotes.add_quotes(facts)
    posts.add_posts(facts)
    quantities.add_quantities(facts)
    issuer = mentions.issuer(facts)
    if issuer:
        facts.about.append(issuer)
    resolve([facts])  # forms of one name within the release ('Cobalt Health', '…, Inc.')
    if facts_dir is not None:
        curated.merge(facts, facts_dir)
    return facts
