"""Generate a corpus shaped like real releases, as the encoder would publish it.

Each synthetic release gets a text, entities (organizations, people, places) drawn
with a long-tailed popularity, so that a few are hubs mentioned by thousands of
releases, plus posts, quotes, claims and a contact point, each with evidence spans
into its text. The graphs come from the real encoder (kg.encode), so they have
exactly the shape the build publishes.

    .venv/bin/python bench/generate.py --releases 3500 --out /tmp/gen.nq
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import itertools
import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.build import switch_current
from kg.encode import release_graph
from kg.model import ContactPoint, Facts, Post, Quantity, Quote, Release, Span
from kg.store import OxigraphStore, quads_of
from kg.uris import Uris

FIRST = ("Ana Ben Chen Dara Eli Fatima Gus Hana Ivan Jae Kofi Lena Mateo Nia Omar Priya Quinn Ravi "
         "Sara Tomas").split()
LAST = "Ali Brown Costa Diaz Evans Fischer Garcia Haddad Ito Jensen Kim Lopez Mehta Novak Okafor Park".split()
WORDS = "Acme Blue Cedar Delta Ember Falcon Granite Harbor Iris Juniper Keystone Lumen Meridian Nova".split()
KINDS = "Robotics Energy Health Capital Foods Logistics Labs Media Systems Partners".split()
CITIES = "Austin Berlin Chicago Denver Lagos Lisbon Madrid Nairobi Osaka Paris Seoul Toronto".split()
TITLES = ["Chief Executive Officer", "Chief Financial Officer", "Founder", "President",
          "Head of Research", "Director of Marketing"]


def zipf_pick(rng: random.Random, items: list[str], skew: float = 1.2) -> str:
    """An item with probability falling off as a power of its rank: a few hubs, a long tail."""
    return rng.choices(items, cum_weights=_cumulative(len(items), skew))[0]


@functools.cache
def _cumulative(count: int, skew: float) -> list[float]:
    """The running sums of the rank weights, once per list size: summing them for every
    pick made generating 100,000 releases quadratic (hours instead of a minute)."""
    return list(itertools.accumulate(1 / (rank + 1) ** skew for rank in range(count)))


def vocabulary(rng: random.Random, releases: int) -> tuple[list[str], list[str], list[str]]:
    orgs = sorted({f"{rng.choice(WORDS)} {rng.choice(KINDS)} {i}" for i in range(max(50, releases // 3))})
    people = sorted({f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}" for i in range(max(50, releases // 2))})
    places = [f"{c} {i}" if i else c for i in range(max(1, releases // 200)) for c in CITIES]
    rng.shuffle(orgs)
    rng.shuffle(people)
    return orgs, people, places


class _Text:
    """Builds a release text and hands out the span of each piece appended."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, piece: str) -> Span:
        self.parts.append(piece)
        start = self.length
        self.length += len(piece)
        return Span(start, self.length, piece)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def release_facts(rng: random.Random, index: int, orgs: list[str], people: list[str],
                  places: list[str]) -> Facts:
    org, other, person = zipf_pick(rng, orgs), zipf_pick(rng, orgs), zipf_pick(rng, people, 1.05)
    place, title = zipf_pick(rng, places), rng.choice(TITLES)
    value = rng.randint(2, 5000)
    t = _Text()
    headline = t.add(f"{org} announces results for quarter {index % 4 + 1}")
    t.add("\n\n")
    date = dt.datetime(2020, 1, 1) + dt.timedelta(hours=7 * index)
    date_span = t.add(date.strftime("%B %d %Y %H:%M"))
    t.add("\n\n")
    body_start = t.length
    org_span = t.add(org)
    t.add(", based in ")
    place_span = t.add(place)
    t.add(", said today that it now serves ")
    claim_span = t.add(f"{value} customers")
    t.add(" and works with ")
    other_span = t.add(other)
    t.add('. "')
    quote_span = t.add(f"We grew faster than planned in release {index}")
    t.add('," said ')
    post_span = t.add(f"{person}, {title} of {org}")
    t.add(".\n\nMedia Contact\nCompany Name: ")
    company_span = t.add(org)
    t.add("\nPhone: ")
    phone_span = t.add(f"+1 512 555 {index % 10000:04d}")
    t.add("\n")
    text = t.text
    body_end = post_span.end + 1
    release = Release(
        id=f"{index:07d}_gen", path=f"{index:07d}_gen.txt", text=text, headline=headline.text,
        headline_span=Span(headline.start, headline.end, headline.text, "headline"),
        published=date, published_span=date_span, body=text[body_start:body_end],
        body_span=Span(body_start, body_end, text[body_start:body_end], "body"))
    block = Span(company_span.start, phone_span.end, text[company_span.start:phone_span.end])
    release.contact = ContactPoint(span=block, company=(org, company_span),
                                   phone=(f"+1512555{index % 10000:04d}", phone_span))
    facts = Facts(release=release, about=[org])
    for kind, name, span in (("organization", org, org_span), ("organization", other, other_span),
                             ("place", place, place_span), ("person", person, post_span)):
        entity = facts.entity(kind, name)
        if kind == "person":
            span = Span(post_span.start, post_span.start + len(person), person)
        entity.spans.append(span)
    facts.entity("organization", org).spans.append(company_span)
    facts.posts.append(Post(person, title, org, post_span))
    facts.quotes.append(Quote(quote_span.text, person, "person", quote_span))
    facts.quantities.append(Quantity(value, "count", "customers", claim_span, subject=org,
                                     subject_kind="organization", as_of=date.date()))
    return facts


def quads(releases: int, seed: int = 7, base: str = "http://127.0.0.1:5000/") -> Iterator[ox.Quad]:
    """Every quad of a generated corpus of ``releases`` releases (one named graph each)."""
    rng = random.Random(seed)
    uris = Uris(base)
    orgs, people, places = vocabulary(rng, releases)
    for index in range(releases):
        facts = release_facts(rng, index, orgs, people, places)
        yield from quads_of(uris.graph(facts.release.id), release_graph(facts, uris))


def published_build(folder: Path, releases: int) -> Path:
    """A published build of a generated corpus, loaded straight into a store (no SHACL)."""
    build_dir = folder / "build"
    stamp = build_dir / "20260101T000000000000Z-genera"
    (stamp / "store").mkdir(parents=True)
    store = ox.Store(str(stamp / "store"))
    store.bulk_extend(quads(releases))
    published = OxigraphStore(store)
    published.merge_into_default_graph()  # as the build does
    published.flush()  # and compacted, as the build does: uncompacted, joins read 1.7x slower
    triples = len(store)
    del store
    manifest = {"build": stamp.name, "built_at": dt.datetime.now(dt.UTC).isoformat(),
                "base_uri": "http://127.0.0.1:5000/", "releases": [], "skipped": [],
                "triples": triples, "quads": triples, "dumps": []}
    (stamp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    switch_current(build_dir, stamp)
    return build_dir


REVISE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DELETE { GRAPH ?g { ?r rdfs:label ?l } }
INSERT { GRAPH ?g { ?r rdfs:label ?revised . ?r <urn:test:amount> 5 } }
WHERE { GRAPH ?g { ?r a <https://w3id.org/pressfacts/ns#PressRelease> ; rdfs:label ?l }
        BIND(CONCAT(?l, " (revised)") AS ?revised) }"""  # a rebuild: two triples of each release differ


def next_build(build_dir: Path, change: str = REVISE) -> Path:
    """A newer build beside the current one, made current, as `kg build` leaves them
    (KG_KEEP_BUILDS): a copy of the current one with ``change`` (a SPARQL update) applied."""
    old = (build_dir / "current").resolve()
    stamp, number = old.name.split("-")[0], 1
    while (build_dir / f"{stamp}-next{number:02d}").exists():
        number += 1
    folder = build_dir / f"{stamp}-next{number:02d}"
    shutil.copytree(old, folder)
    store = ox.Store(str(folder / "store"))
    store.update(change)
    store.flush()
    del store
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["build"] = folder.name
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    switch_current(build_dir, folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with args.out.open("wb") as out:
        ox.serialize(quads(args.releases), out, ox.RdfFormat.N_QUADS)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
