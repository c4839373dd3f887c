"""Hubs' precomputed answers (kg/hubs.py): the same rows as the live queries, and the site
uses them instead of running the queries, on both stores."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup

from kg.build import CURRENT
from kg.hubs import CONSTRUCTS, HUBS_FILE, QUERIES, HubAnswers, hubs, query_text, write_hubs
from kg.store import OxigraphStore
from kg.vocab import PREFIXES

PF = "https://w3id.org/pressfacts/ns#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
HUB = "http://x/id/organization/hub"
SMALL = "http://x/id/organization/small"


def _store(releases: int) -> OxigraphStore:
    """``releases`` releases that mention HUB (each with a date and a claim about it), and
    one that mentions SMALL."""
    store = OxigraphStore.in_memory(PREFIXES)
    triples = []
    for n in range(releases):
        release = ox.NamedNode(f"http://x/id/release/r{n:03d}")
        claim = ox.NamedNode(f"http://x/id/claim/r{n:03d}-1")
        triples += [
            ox.Triple(release, RDF_TYPE, ox.NamedNode(PF + "PressRelease")),
            ox.Triple(release, LABEL, ox.Literal(f"Release {n}")),
            ox.Triple(release, ox.NamedNode(PF + "datePublished"),
                      ox.Literal(f"2020-01-{n % 28 + 1:02d}",
                                 datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
            ox.Triple(release, ox.NamedNode(PF + "mentions"), ox.NamedNode(HUB)),
            ox.Triple(claim, ox.NamedNode(PF + "claimSubject"), ox.NamedNode(HUB)),
            ox.Triple(claim, ox.NamedNode(PF + "value"), ox.Literal(str(n))),
            ox.Triple(claim, ox.NamedNode(PF + "statedIn"), release),
        ]
    triples.append(ox.Triple(ox.NamedNode("http://x/id/release/r000"), ox.NamedNode(PF + "mentions"),
                             ox.NamedNode(SMALL)))
    triples.append(ox.Triple(ox.NamedNode(HUB), LABEL, ox.Literal("Hub")))
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return store


def test_hubs_are_the_things_with_many_links() -> None:
    store = _store(30)
    assert hubs(store, min_links=20) == [HUB]
    assert hubs(store, min_links=1) == [HUB, SMALL]


def test_precomputed_answers_are_the_live_queries_rows(tmp_path: Path) -> None:
    store = _store(30)
    assert write_hubs(store, tmp_path, min_links=20) == 1
    answers = HubAnswers(tmp_path / HUBS_FILE)
    this = {"this": ox.NamedNode(HUB)}
    for name, limit in QUERIES:
        assert answers.select(name, HUB, limit) == store.select(query_text(name, limit), this), name
    outgoing = answers.construct("outgoing", HUB)
    assert outgoing and outgoing == store.construct(query_text("outgoing", None), this)
    assert answers.construct("outgoing", SMALL) is None
    timeline = answers.select("timeline", HUB, 100)
    assert timeline is not None and len(timeline) == 30
    assert answers.select("timeline", SMALL, 100) is None  # not a hub: the server runs the query
    assert answers.select("timeline", HUB, 99) is None  # another LIMIT is another query
    assert HubAnswers(tmp_path / "absent.sqlite").select("timeline", HUB, 100) is None


@pytest.fixture()
def precomputed(app, seed_settings):
    """The seed build with every thing's answers precomputed (min_links=1), removed after."""
    folder = (seed_settings.build_dir / CURRENT).resolve()
    store = OxigraphStore.open_read_only(folder / "store", PREFIXES)
    count = write_hubs(store, folder, min_links=1)
    assert count > 0
    try:
        yield folder
    finally:
        (folder / HUBS_FILE).unlink()


def _page(client, path: str) -> str:
    """The page's main element, rendered afresh."""
    from server.store import get_build

    with client.application.app_context():
        get_build().cache.clear()
    main = BeautifulSoup(client.get(path).data, "html.parser").main
    assert main is not None and main.select("section.timeline, section.posts")
    return str(main)


PAGES = ["/page/person/wang-ping", "/page/organization/g60-s-t-innovation-valley-of-yangtze-river-delta"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_read_precomputed_answers_and_look_the_same(client, request, path, monkeypatch) -> None:
    """With the file, a hub's page asks the store none of the section queries or counts
    (the ones that sort all its links) and shows exactly what the live queries show."""
    live = _page(client, path)
    request.getfixturevalue("precomputed")
    from server.store import get_build

    asked: list[str] = []
    with client.application.app_context():
        store = type(get_build().store)
    for method in ("select", "construct"):
        real = getattr(store, method)

        def asking(self, query, bindings=None, real=real):
            asked.append(query)
            return real(self, query, bindings)

        monkeypatch.setattr(store, method, asking)
    assert _page(client, path) == live
    costly = [query_text(name, limit) for name, limit in QUERIES]
    costly += [query_text(name, None) for name in CONSTRUCTS]
    assert asked and not [q for q in asked if any(c in q for c in costly)]


def test_a_remote_store_holding_another_build_gets_the_live_queries(client, monkeypatch) -> None:
    """Between `kg build` and `kg publish` the remote store holds the previous build: its
    pages must not mix in this build's precomputed answers. The embedded store always holds
    its own build."""
    import server.store
    from kg.remote import RemoteStore

    with client.application.app_context():
        build = server.store.get_build()
    if not isinstance(build.store, RemoteStore):
        assert build.hubs.path is not None
        return
    build.cache.pop("remote_holds_build", None)
    assert build.hubs.path is not None  # the fixture published this very build
    monkeypatch.setattr(server.store, "published_build", lambda store, base: "an-older-build")
    assert build.hubs.path is not None  # asked again only after REMOTE_CHECK seconds
    build.cache.pop("remote_holds_build", None)
    assert build.hubs.path is None
    assert build.hubs.select("timeline", "http://x/id/organization/hub", 100) is None


def test_a_stopped_write_works_out_no_more_hubs(tmp_path: Path) -> None:
    """A build that failed elsewhere sets ``stop``: no hub's queries run after that (the
    build's folder is removed anyway, without waiting for every hub)."""
    import threading

    stop = threading.Event()
    stop.set()
    write_hubs(_store(30), tmp_path, min_links=20, stop=stop)
    assert HubAnswers(tmp_path / HUBS_FILE).select("timeline", HUB, 100) is None
