"""Entity resolution across releases: one name (so one URI) per organization, person or place.

Names are grouped when they are the same name written differently: the same letters
and digits regardless of case and punctuation, the same company without its legal form
(cleanco: 'Beyond Next Ventures Inc.' is 'Beyond Next Ventures'), a shorter name that the
longer one continues with 'of …' ('G60 S&T Innovation Valley' and 'G60 S&T Innovation
Valley of Yangtze River Delta'), or a near spelling (rapidfuzz ratio of 96 or more with
the same first word). Names that merely share words ('OPEC Fund', 'OPEC') stay apart. The
group's name is its fullest form; every surface form stays on the entity, so it becomes an
alternative label. Curated links (``data/links/*.json``) then add ``owl:sameAs`` to
Wikidata or GeoNames.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cleanco import basename
from rapidfuzz import fuzz

from kg.errors import InputError
from kg.extract.lexicon import ORG_HEADS
from kg.model import ContactPoint, Entity, Facts

KINDS = ("organization", "person", "place")


@functools.lru_cache(maxsize=65536)
def key(kind: str, name: str) -> str:
    """The comparison form of a name: legal form dropped (organizations), letters and digits only.

    >>> key("organization", "Beyond Next Ventures Inc."), key("person", "Wang  Ping")
    ('beyondnextventures', 'wangping')
    """
    if kind == "organization":
        name = basename(name) or name
    return re.sub(r"[\W_]+", "", name.casefold().replace("&", " and "))


def canonical_names(names_by_kind: dict[str, Iterable[str]]) -> dict[tuple[str, str], str]:
    """(kind, name) -> the name of its group, for every name given.

    Names are taken longest first; each joins the group of the first longer name it is
    the same as, compared only with names of the same key or the same first word.
    """
    out: dict[tuple[str, str], str] = {}
    for kind, names in names_by_kind.items():
        heads_by_key: dict[str, str] = {}
        heads_by_first: dict[str, list[str]] = {}
        for name in sorted(set(names), key=lambda n: (-len(n), n)):
            name_key = key(kind, name)
            first = name.split()[0].casefold() if name.split() else ""
            head = heads_by_key.get(name_key) or next(
                (h for h in heads_by_first.get(first, []) if _same(kind, name, h, name_key)), None
            )
            if head is None:
                head = name
                heads_by_first.setdefault(first, []).append(name)
            heads_by_key.setdefault(name_key, head)
            out[(kind, name)] = head
        if kind == "place":
            _bare_cities(out)
    return out


def _bare_cities(out: dict[tuple[str, str], str]) -> None:
    """A bare 'Dayton' is 'Dayton, Ohio' when the releases know one Dayton only."""
    regions: dict[str, set[str]] = {}
    for (kind, _), head in out.items():
        if kind == "place" and ", " in head:
            regions.setdefault(head.split(", ")[0], set()).add(head)
    for (kind, name), head in list(out.items()):
        if kind == "place" and head == name and len(regions.get(name, ())) == 1:
            out[(kind, name)] = next(iter(regions[name]))


def _same(kind: str, short: str, long: str, short_key: str) -> bool:
    """A shorter name of the same thing: continued by 'of …', or a near spelling."""
    long_key = key(kind, long)
    if not short_key or not long_key:
        return False
    if kind != "person" and re.match(re.escape(short) + r"\s+of\s", long):
        return True
    if kind == "organization" and long_key.startswith(short_key) and len(short.split()) >= 2:
        rest = long[len(long) - len(long.split()[-1]) :]  # 'Japan Science & Technology' + 'Agency'
        if len(long.split()) == len(short.replace("&", "and").split()) + 1 and rest in ORG_HEADS:
            return True
    return min(len(short_key), len(long_key)) >= 10 and fuzz.ratio(short_key, long_key) >= 96


def resolve(all_facts: list[Facts], links: dict[tuple[str, str], list[str]] | None = None) -> None:
    """Rename every entity and every reference to it to the name of its group, across releases."""
    names: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for facts in all_facts:
        for entity in facts.entities:
            names[entity.kind].append(entity.name)
    mapping = canonical_names(names)
    for facts in all_facts:
        _rename(facts, mapping)
        if links:
            _link(facts, links)


def _rename(facts: Facts, mapping: dict[tuple[str, str], str]) -> None:
    def new(kind: str, name: str | None) -> str | None:
        return mapping.get((kind, name), name) if name is not None else None

    merged: dict[tuple[str, str], Entity] = {}
    for entity in facts.entities:
        target = merged.setdefault(
            (entity.kind, new(entity.kind, entity.name) or entity.name),
            Entity(kind=entity.kind, name=new(entity.kind, entity.name) or ""),
        )
        target.spans.extend(s for s in entity.spans if s not in target.spans)
        target.place_type = target.place_type or entity.place_type
        target.country_code = target.country_code or entity.country_code
        target.same_as.extend(x for x in entity.same_as if x not in target.same_as)
    facts.entities = list(merged.values())
    facts.about = [new("organization", n) or n for n in facts.about]
    for post in facts.posts:
        post.person = new("person", post.person) or post.person
        post.organization = new("organization", post.organization)
    for quote in facts.quotes:
        quote.speaker = new(quote.speaker_kind, quote.speaker) or quote.speaker
    for quantity in facts.quantities:
        if quantity.subject:
            quantity.subject = new(quantity.subject_kind or "organization", quantity.subject)
    release = facts.release
    release.dateline_city = new("place", release.dateline_city)
    release.distributor = new("organization", release.distributor)
    if release.contact:
        _rename_contact(release.contact, new)


def _rename_contact(contact: ContactPoint, new: Any) -> None:
    for field, kind in (
        ("company", "organization"),
        ("person", "person"),
        ("country", "place"),
        ("city", "place"),
    ):
        value = getattr(contact, field)
        if value:
            setattr(contact, field, (new(kind, value[0]), value[1]))


def _link(facts: Facts, links: dict[tuple[str, str], list[str]]) -> None:
    for entity in facts.entities:
        forms = {entity.name.casefold(), *(s.text.casefold() for s in entity.spans)}
        for form in forms:
            for iri in links.get((entity.kind, form), []):
                if iri not in entity.same_as:
                    entity.same_as.append(iri)


def load_links(folder: Path) -> dict[tuple[str, str], list[str]]:
    """Curated alignments ``[{"kind", "name", "same_as": [IRI, …]}]`` from JSON files."""
    links: dict[tuple[str, str], list[str]] = {}
    if not folder.is_dir():
        return links
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InputError(path, f"cannot be read as JSON: {err}") from None
        if not isinstance(doc, list):
            raise InputError(path, "must hold a JSON list of {kind, name, same_as} objects")
        for index, item in enumerate(doc):
            if not (
                isinstance(item, dict)
                and item.get("kind") in KINDS
                and isinstance(item.get("name"), str)
                and isinstance(item.get("same_as"), list)
            ):
                raise InputError(
                    path,
                    f"[{index}] needs 'kind' ({', '.join(KINDS)}), 'name' and "
                    "a 'same_as' list of IRIs",
                )
            for iri in item["same_as"]:
                if not re.match(r"^https?://\S+$", str(iri)):
                    raise InputError(path, f"[{index}] same_as {iri!r} is not an http(s) IRI")
            names = [item["name"], *item.get("aliases", [])]
            for name in names:
                links.setdefault((item["kind"], name.casefold()), []).extend(item["same_as"])
    return links
