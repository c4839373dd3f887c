"""The URL scheme: slugs are stable and readable, and every minted IRI splits back to (kind, slug).

Slugs are part of published IRIs, so the examples below pin them: a change that
alters one breaks every link to that resource.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.uris import KINDS, MAX_SLUG, Uris, slugify
from tests.conftest import BASE, SEED_ID

URIS = Uris(BASE)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        (
            "G60 S&T Innovation Valley of Yangtze River Delta",
            "g60-s-t-innovation-valley-of-yangtze-river-delta",
        ),
        (SEED_ID, "000-634751f1f0fbc018"),
        ("Guangzhou Taikunchi Advertising Co., Ltd", "guangzhou-taikunchi-advertising-co-ltd"),
        ("Wang Ping", "wang-ping"),
        ("SONGJIANG · SHANGHAI District", "songjiang-shanghai-district"),
        ("Société Générale", "societe-generale"),
        ("王平", "王平"),
        ("  --Hello__World--  ", "hello-world"),
        ("!!!", "x-9a7b006d"),
    ],
)
def test_slug_examples(text: str, slug: str) -> None:
    """Known names keep their slugs (published IRIs depend on them)."""
    assert slugify(text) == slug


def test_long_names_are_cut_with_a_digest() -> None:
    """A name longer than MAX_SLUG is cut and gets an 8-hex digest of the full name."""
    name = (
        "Wang Ping Secretary and Director Science and technology Innovation Development "
        "Office of Songjiang District"
    )
    slug = slugify(name)
    assert (
        slug == "wang-ping-secretary-and-director-science-and-technology-innovation-"
        "development-o-7ec1ef45"
    )
    other = slugify(name + " Two")
    assert other != slug and other[:-8] == slug[:-8]  # same prefix, different digest


@given(st.text(max_size=200))
def test_slug_shape(text: str) -> None:
    """Any text gives a non-empty slug of word characters joined by single '-', never '/' or '#'."""
    slug = slugify(text)
    assert slug
    assert re.fullmatch(r"[^\W_]+(?:-[^\W_]+)*", slug), slug
    assert len(slug) <= MAX_SLUG + 9
    assert slugify(text) == slug  # deterministic


@given(kind=st.sampled_from(KINDS), text=st.text(max_size=120))
def test_entity_iri_splits_back(kind: str, text: str) -> None:
    """Uris.split(Uris.entity(kind, slugify(x))) == (kind, slugify(x)) for any text x and kind."""
    slug = slugify(text)
    assert URIS.split(URIS.entity(kind, slug)) == (kind, slug)


@given(kind=st.sampled_from(KINDS), text=st.text(max_size=60))
def test_split_under_a_deeper_base(kind: str, text: str) -> None:
    """A base with a path (https://example.org/kg/) splits the same way."""
    uris = Uris("https://example.org/kg/")
    assert uris.split(uris.mint(kind, text)) == (kind, slugify(text))


@given(
    release_id=st.text(min_size=1, max_size=60),
    start=st.integers(0, 10**6),
    length=st.integers(1, 999),
)
def test_evidence_iri_splits_to_its_release(release_id: str, start: int, length: int) -> None:
    """An evidence IRI (release IRI + #char=start,end) splits to ('release', release slug)."""
    iri = URIS.evidence(release_id, start, start + length)
    assert iri == f"{URIS.release(release_id)}#char={start},{start + length}"
    assert URIS.split(iri) == ("release", slugify(release_id))


def test_seed_iris() -> None:
    """The seed's release IRI, graph name and an evidence IRI as published."""
    assert URIS.release(SEED_ID) == f"{BASE}id/release/000-634751f1f0fbc018"
    assert URIS.graph(SEED_ID) == f"{BASE}graph/000-634751f1f0fbc018"
    assert URIS.ontology_graph == f"{BASE}graph/ontology"
    assert URIS.evidence(SEED_ID, 0, 77) == f"{BASE}id/release/000-634751f1f0fbc018#char=0,77"


@pytest.mark.parametrize(
    "iri",
    [
        "https://schema.org/Person",
        f"{BASE}id/unicorn/x",
        f"{BASE}id/person/",
        f"{BASE}id/person/a/b",
        f"{BASE}page/person/wang-ping",
        "http://other.example/id/person/wang-ping",
    ],
)
def test_foreign_iris_do_not_split(iri: str) -> None:
    """IRIs of other sites, unknown kinds, empty or nested slugs and page URLs are not entities."""
    assert URIS.split(iri) is None


def test_unknown_kind_is_refused() -> None:
    """Minting an IRI of a kind not in KINDS raises, naming the kind."""
    with pytest.raises(ValueError, match="'unicorn'"):
        URIS.entity("unicorn", "x")


def test_page_and_data_paths() -> None:
    """Pages live under /page/, RDF under /data/ with an optional extension."""
    assert URIS.page_path("person", "wang-ping") == "/page/person/wang-ping"
    assert URIS.data_path("person", "wang-ping") == "/data/person/wang-ping"
    assert URIS.data_path("person", "wang-ping", "ttl") == "/data/person/wang-ping.ttl"
