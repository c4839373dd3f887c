"""Hubs' precomputed answers (kg/hubs.py): the same rows as the live queries, and the site
uses them instead of running the queries, on both stores."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup

from kg.build import CURRENT
from kg.config import Settings
from kg.hubs import (
    CONSTRUCTS,
    HUBS_FILE,
    PAGE_SIZE,
    PAGED,
    QUERIES,
    first_posts,
    posts,
    HubAnswers,
    hubs,
    query_text,
    write_hubs,
)
from kg.queries import load
from kg.store import OxigraphStore
from kg.vocab import PREFIXES
from tests.conftest import BASE

PF = "https://w3id.org/pressfacts/ns#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
HUB = "http://x/id/organization/hub"
SMALL = "http://x/id/organization/small"


def _store(releases: int, posts: bool = False) -> OxigraphStore:
    """``releases`` releases that mention HUB (each with a date, a claim about it and an
    evidence span of HUB), and one that mentions SMALL; with ``posts``, a post in HUB every
    tenth release."""
    store = OxigraphStore.in_memory(PREFIXES)
    triples = []
    for n in range(releases):
        release = ox.NamedNode(f"http://x/id/release/r{n:03d}")
        claim = ox.NamedNode(f"http://x/id/claim/r{n:03d}-1")
        span = ox.NamedNode(f"http://x/id/release/r{n:03d}#char=0,3")
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
            ox.Triple(ox.NamedNode(HUB), ox.NamedNode(PF + "evidence"), span),
            ox.Triple(span, ox.NamedNode(PF + "inRelease"), release),
        ]
        if posts and n % 10 == 0:  # a post in HUB, with its title
            post = ox.NamedNode(f"http://x/id/post/p{n:03d}")
            triples += [ox.Triple(post, ox.NamedNode(PF + "postIn"), ox.NamedNode(HUB)),
                        ox.Triple(post, ox.NamedNode(PF + "postTitle"), ox.Literal(f"Title {99 - n}"))]
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
    store = _store(30, posts=True)
    assert write_hubs(store, tmp_path, min_links=20) == 1
    answers = HubAnswers(tmp_path / HUBS_FILE)
    this = {"this": ox.NamedNode(HUB)}
    for name, limit in QUERIES:
        if name == "posts":  # a row per fact of a post: the hub keeps them as the site reads them
            assert limit is not None
            live = posts(store, HUB, limit)
            assert len(live) == 3 and [r["title"].value for r in live] == ["Title 79", "Title 89", "Title 99"]
        else:
            live = store.select(query_text(name, limit), this)
        assert answers.select(name, HUB, limit) == live, name
    outgoing = answers.construct("outgoing", HUB)
    assert outgoing and outgoing == store.construct(query_text("outgoing", None), this)
    assert answers.construct("outgoing", SMALL) is None
    timeline = answers.select("timeline", HUB, 100)
    assert timeline is not None and len(timeline) == 30
    assert answers.select("timeline", SMALL, 100) is None  # not a hub: the server runs the query
    assert answers.select("timeline", HUB, 99) is None  # another LIMIT is another query
    assert HubAnswers(tmp_path / "absent.sqlite").select("timeline", HUB, 100) is None


def test_precomputed_pages_are_the_live_pages(tmp_path: Path) -> None:
    """Every page of a hub's links is what the embedded store answers for that LIMIT and
    OFFSET, in the same order; anything else is a miss (the server runs the query)."""
    store = _store(130)  # 260 links and 130 evidence spans: three and two pages
    write_hubs(store, tmp_path, min_links=20)
    answers = HubAnswers(tmp_path / HUBS_FILE)
    this = {"this": ox.NamedNode(HUB)}
    for name in PAGED:
        for offset in range(0, 300, PAGE_SIZE):
            live = store.select(load(name) + f" LIMIT {PAGE_SIZE} OFFSET {offset}", this)
            assert answers.page(name, HUB, PAGE_SIZE, offset) == (live or None), (name, offset)
    assert len(answers.page("incoming_links", HUB, PAGE_SIZE, 200) or []) == 60
    assert answers.page("incoming_links", HUB, 50, 0) is None  # another page size
    assert answers.page("incoming_links", SMALL, PAGE_SIZE, 0) is None  # not a hub


def test_a_file_without_pages_is_a_miss(tmp_path: Path) -> None:
    """A hubs.sqlite written before pages were kept has no table for them: a miss, not an error."""
    import sqlite3

    connection = sqlite3.connect(tmp_path / HUBS_FILE)
    connection.execute("CREATE TABLE answers (iri TEXT, query TEXT, results BLOB)")
    connection.close()
    assert HubAnswers(tmp_path / HUBS_FILE).page("incoming_links", HUB, PAGE_SIZE, 0) is None


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
    """With the file, a hub's page asks the store none of the section queries, counts or
    pages of links (the ones that sort all its links) and shows exactly what the live
    queries show."""
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
    costly = [load(name) for name, _ in QUERIES]  # with its LIMIT or not (posts.rq: none)
    costly += [query_text(name, None) for name in CONSTRUCTS]
    costly += [load(name) for name in PAGED]
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


COPIES = 8000  # more graphs that state the hub's label and type, as 8,000 releases naming it would


@pytest.fixture(scope="module")
def both_stores(tmp_path_factory, scratch_virtuoso):
    """A generated build of 300 releases with its hubs' answers, served from its embedded
    store and from a Virtuoso it was published to: (client per store, the embedded store,
    the most linked thing, the Virtuoso as a RemoteStore). Virtuoso's default graph holds a triple once per graph stating
    it; COPIES more graphs there state the hub's label and type, as a hub of a large corpus
    has them (the build's own 300 releases would hide what multiplies those copies)."""
    from bench.generate import published_build
    from kg.publish import publish
    from kg.remote import Endpoint, RemoteStore
    from server import create_app

    build_dir = published_build(tmp_path_factory.mktemp("generated"), 300)
    folder = (build_dir / CURRENT).resolve()
    store = OxigraphStore.open_read_only(folder / "store", PREFIXES)
    hub = hubs(store)[0]
    write_hubs(store, folder)
    server = scratch_virtuoso
    remote_store = RemoteStore(Endpoint(server.query_url, server.update_url, server.user,
                                        server.password), PREFIXES)
    publish(build_dir, remote_store)
    _copy_into_graphs(remote_store, store.construct(
        "CONSTRUCT { ?this ?p ?o } WHERE { VALUES ?p { rdfs:label rdf:type } ?this ?p ?o }",
        {"this": ox.NamedNode(hub)}))
    settings = Settings(base_uri=BASE, build_dir=build_dir)
    remote = settings.replace(store="sparql", sparql_query_url=server.query_url, query_timeout=10.0)
    clients = {name: create_app(s).test_client() for name, s in
               (("embedded", settings), ("virtuoso", remote))}
    return clients, store, hub, remote_store


def _copy_into_graphs(store, triples: list[ox.Triple]) -> None:  # type: ignore[no-untyped-def]
    """``triples`` stated in COPIES graphs of their own (urn:x-copy:n) of the remote store."""
    lines = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    step = max(1, 20_000 // len(triples))  # graphs a request: Virtuoso refuses bodies over 10 MB
    for first in range(0, COPIES, step):
        store.update("INSERT DATA { " + " ".join(
            f"GRAPH <urn:x-copy:{n}> {{ {lines} }}" for n in range(first, min(first + step, COPIES))) + " }")


def _same_on_both_stores(clients, path: str) -> None:  # type: ignore[no-untyped-def]
    """The page (its main element) and the N-Triples document at ``path`` (a /page/ path) are
    the same on both stores (the document as a set: its order is the store's)."""
    pages, documents = {}, {}
    for name, client in clients.items():
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
        pages[name] = str(BeautifulSoup(response.data, "html.parser").main)
        page, _, query = path.partition("?")
        data = client.get(page.replace("/page/", "/data/", 1) + ".nt" + (f"?{query}" if query else ""))
        assert data.status_code == 200, (name, path, data.status_code)
        documents[name] = sorted(data.get_data(as_text=True).splitlines())
    assert pages["virtuoso"] == pages["embedded"], path
    assert documents["virtuoso"] == documents["embedded"], path


@pytest.mark.virtuoso
@pytest.mark.parametrize("page", [1, 2, 3])
def test_a_hubs_pages_are_the_same_on_both_stores(both_stores, page: int) -> None:
    """The HTML page and the RDF document of each page of a hub's links list the same links
    on Virtuoso as on the embedded store (Virtuoso's own order, and its default graph's copies
    of a link, once per release graph that states it, made them differ)."""
    clients, _, hub, _ = both_stores
    path = f"/page/{hub.split('/id/', 1)[1]}?page={page}"
    pager = re.search(r"links; page (\d+) of (\d+)", clients["embedded"].get(path).get_data(as_text=True))
    assert pager and int(pager[1]) == page and int(pager[2]) >= 3  # a hub of several pages
    _same_on_both_stores(clients, path)


@pytest.mark.virtuoso
@pytest.mark.parametrize("link", ["mentions", "postIn", "claimSubject"])
def test_pages_linking_to_a_hub_are_the_same_on_both_stores(both_stores, link: str) -> None:
    """A release that names the hub, a post in it and a claim about it: their pages and
    documents name the hub with its label and type. On Virtuoso the queries doing so read
    the hub's label once per graph stating it times its type once per graph (no answer in
    time), now each once."""
    clients, store, hub, _ = both_stores
    rows = store.select(f"SELECT ?s WHERE {{ ?s pf:{link} ?hub }} ORDER BY ?s LIMIT 1",
                        {"hub": ox.NamedNode(hub)})
    assert rows, link
    _same_on_both_stores(clients, "/page/" + rows[0]["s"].value.split("/id/", 1)[1])


@pytest.mark.virtuoso
def test_links_stated_in_several_releases_count_once_on_both_stores(both_stores) -> None:
    """A thing that is no hub, whose links (a post held by a person, say) are stated again
    by several releases: Virtuoso's default graph holds such a link once per release graph,
    and its page counted and listed every copy (69 links for a person with 62 in a 300-release
    build, a page more for some). Its count, its pages and its document are the embedded store's."""
    from kg.hubs import MIN_LINKS
    from server.describe import count, document

    clients, store, hub, _ = both_stores
    rows = store.select(
        "SELECT ?o (COUNT(*) AS ?copies) WHERE { GRAPH ?g1 { ?s ?p ?o } GRAPH ?g2 { ?s ?p ?o }"
        " FILTER(?g1 != ?g2 && ?p != pf:inRelease && isIRI(?o) && STRSTARTS(STR(?o), ?base)) }"
        " GROUP BY ?o ORDER BY DESC(?copies) ?o", {"base": ox.Literal(hub.split("/id/", 1)[0] + "/id/")})
    things = [r["o"].value for r in rows
              if int(store.select(load("incoming_count"), {"this": r["o"]})[0]["n"].value) < MIN_LINKS]
    assert things, "no thing below the hub threshold has a link stated by two releases"
    thing = things[0]
    totals = {}
    for name, client in clients.items():
        with client.application.app_context():
            from server.store import get_build

            build = get_build()
            assert build.hubs.select("incoming_count", thing) is None  # the live queries answer
            totals[name] = (count(build, "incoming_count", thing), document(build, thing).pages)
    assert totals["virtuoso"] == totals["embedded"]
    _same_on_both_stores(clients, "/page/" + thing.split("/id/", 1)[1])


@pytest.mark.virtuoso
def test_posts_stated_by_thousands_of_releases_answer_on_both_stores(both_stores) -> None:
    """A person (no hub: its queries run live) whose posts are stated by COPIES more graphs,
    as a well-known person's are in a large corpus: posts.rq joined a post's title, holder and
    organization as OPTIONALs, copies⁴ rows a post on Virtuoso (no answer in time); now copies
    times three. The page is the embedded store's."""
    clients, store, _, remote_store = both_stores
    rows = store.select("SELECT ?person (COUNT(*) AS ?n) WHERE { ?person pf:holdsPost ?post } "
                        "GROUP BY ?person HAVING (COUNT(*) >= 2) ORDER BY DESC(?n) ?person")
    with clients["embedded"].application.app_context():
        from server.store import get_build

        person = next(r["person"] for r in rows  # no hub: not in the precomputed answers
                      if get_build().hubs.select("timeline", r["person"].value, 100) is None)
    facts = store.construct(
        "CONSTRUCT { ?this pf:holdsPost ?post . ?post ?p ?o } WHERE { ?this pf:holdsPost ?post . "
        "?post ?p ?o FILTER(?p IN (pf:postTitle, pf:heldBy, pf:postIn)) }", {"this": person})
    assert len(facts) >= 8
    _copy_into_graphs(remote_store, facts)
    path = "/page/" + person.value.split("/id/", 1)[1]
    _same_on_both_stores(clients, path)
    assert '<section class="posts">' in clients["virtuoso"].get(path).get_data(as_text=True)


@pytest.mark.parametrize("name, inner", [
    ("posts", "SELECT DISTINCT ?this ?post WHERE {"),
    ("timeline", "SELECT DISTINCT ?this ?release WHERE {"),
])
def test_bind_binds_this_inside_the_subquery(name: str, inner: str) -> None:
    """These queries rely on kg.sparql.bind putting ?this into their subquery (the outer query
    has no WHERE keyword): bound outside, the subquery would list every post or release of the
    store."""
    from kg.sparql import bind

    text = bind(load(name), {"this": ox.NamedNode(HUB)})
    assert text.index("VALUES (?this)") > text.index(inner)
    assert text.count("VALUES (?this)") == 1


def test_timeline_lists_a_release_once_however_often_it_is_stated() -> None:
    """A release stated by two graphs, mentioning the thing and holding three of its evidence
    spans, is one row of the timeline and counts once, also where the default graph is the bag
    of all graphs (as Virtuoso's); a release never lists itself."""
    from kg.sparql import bind
    from kg.vocab import sparql_prologue

    release, this = ox.NamedNode("http://x/id/release/r1"), ox.NamedNode(HUB)
    store = ox.Store()
    for graph in (ox.NamedNode("http://x/graph/a"), ox.NamedNode("http://x/graph/b")):
        facts = [(release, RDF_TYPE, ox.NamedNode(PF + "PressRelease")),
                 (release, LABEL, ox.Literal("Title")),
                 (release, ox.NamedNode(PF + "datePublished"),
                  ox.Literal("2024-05-01",
                             datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
                 (release, ox.NamedNode(PF + "mentions"), this),
                 (release, ox.NamedNode(PF + "about"), release)]  # itself: never listed
        for span in ("e1", "e2", "e3"):
            evidence = ox.NamedNode(f"http://x/id/release/r1/{span}")
            facts += [(this, ox.NamedNode(PF + "evidence"), evidence),
                      (evidence, ox.NamedNode(PF + "inRelease"), release)]
        store.extend(ox.Quad(s, p, o, graph) for s, p, o in facts)
    for union in (False, True):
        if not union:  # the merge as a set, as the build makes it
            store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in list(store))
        for who in (this, release):
            rows = list(store.query(sparql_prologue() + bind(load("timeline"), {"this": who}),
                                    use_default_graph_as_union=union))
            count = list(store.query(
                sparql_prologue() + bind(load("timeline_count"), {"this": who}),
                use_default_graph_as_union=union))
            expected = [release] if who == this else []
            assert [row["release"] for row in rows] == expected
            assert [int(row["n"].value) for row in count] == ([1] if expected else [])


def test_first_posts_merges_a_posts_rows_and_orders_them() -> None:
    """A row per fact of a post: one row a post, with its first title, holder and organization
    in code-point order; untitled posts first (as SPARQL orders unbound values), then by title
    and IRI; cut at the limit."""
    this = ox.NamedNode(HUB)

    def iri(name: str) -> ox.NamedNode:
        return ox.NamedNode(f"http://x/id/{name}")

    rows = [{"this": this, "post": iri("post/b"), "title": ox.Literal("Zeta")},
            {"this": this, "post": iri("post/b"), "title": ox.Literal("Alpha")},
            {"this": this, "post": iri("post/b"), "person": iri("person/z")},
            {"this": this, "post": iri("post/b"), "person": iri("person/a")},
            {"this": this, "post": iri("post/a"), "title": ox.Literal("Beta")},
            {"this": this, "post": iri("post/c")},
            {"this": this, "post": iri("post/d"), "org": iri("organization/o")}]
    first = first_posts(rows, 3)
    assert [r["post"].value.rsplit("/", 1)[1] for r in first] == ["c", "d", "b"]
    assert first[2] == {"this": this, "post": iri("post/b"), "title": ox.Literal("Alpha"),
                        "person": iri("person/a")}
    assert [r["post"].value.rsplit("/", 1)[1] for r in first_posts(rows, 10)] == ["c", "d", "b", "a"]


def test_a_hubs_posts_come_back_from_the_file_as_they_went_in(tmp_path: Path) -> None:
    """Titles with quotes, backslashes, newlines, a language tag and a datatype survive the
    VALUES query the build writes a hub's posts through."""
    store = _store(30, posts=True)
    odd = ['He said "so" \\ then\nleft', "Directeur", "Chef \U0001f600"]
    for n, text in enumerate(odd):
        post = ox.NamedNode(f"http://x/id/post/odd{n}")
        literal = (ox.Literal(text, language="fr-CA") if n == 1 else
                   ox.Literal(text, datatype=ox.NamedNode("urn:x:title")) if n == 2 else ox.Literal(text))
        store._store.add(ox.Quad(post, ox.NamedNode(PF + "postIn"), ox.NamedNode(HUB), ox.DefaultGraph()))
        store._store.add(ox.Quad(post, ox.NamedNode(PF + "postTitle"), literal, ox.DefaultGraph()))
    write_hubs(store, tmp_path, min_links=20)
    kept = HubAnswers(tmp_path / HUBS_FILE).select("posts", HUB, 200)
    assert kept is not None and len(kept) == 6
    assert kept == posts(store, HUB, 200)
