"""Hub entities: incoming links are paged (PAGE_SIZE a page) in documents and pages, never cut
silently.

The hub is made by adding 250 generated releases that mention the valley to a published
seed build's store (each with a label and a type, as a real release has).
"""

from __future__ import annotations

import gc

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from kg.build import CURRENT, build
from kg.config import Settings
from kg.store import OxigraphStore
from server import create_app
from server.describe import PAGE_SIZE
from tests.conftest import BASE, copy_data

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PF = "https://w3id.org/pressfacts/ns#"
HUB = "organization/g60-s-t-innovation-valley-of-yangtze-river-delta"
GENERATED = 250


@pytest.fixture(scope="module")
def hub_client(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    settings = Settings(base_uri=BASE, data_dir=copy_data(root / "data"), build_dir=root / "build")
    build(settings)
    store = ox.Store(str((settings.build_dir / CURRENT / "store").resolve()))
    hub, graph = ox.NamedNode(BASE + "id/" + HUB), ox.NamedNode(BASE + "graph/generated")
    for n in range(GENERATED):
        release = ox.NamedNode(f"{BASE}id/release/gen-{n:03d}")
        store.add(ox.Quad(release, ox.NamedNode(PF + "mentions"), hub, graph))
        store.add(
            ox.Quad(release, ox.NamedNode(str(RDF.type)), ox.NamedNode(PF + "PressRelease"), graph)
        )
        store.add(
            ox.Quad(
                release, ox.NamedNode(str(RDFS.label)), ox.Literal(f"Generated release {n}"), graph
            )
        )
    OxigraphStore(store).merge_into_default_graph()  # as the build does
    store.flush()
    del store
    gc.collect()
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def links(response) -> dict[str, str]:
    found = {}
    for part in response.headers["Link"].split(","):
        href, _, params = part.strip().partition(";")
        if 'rel="' in params:
            found[params.split('rel="')[1].split('"')[0]] = href.strip("<> ")
    return found


def test_first_page_of_a_hub_document(hub_client) -> None:
    response = hub_client.get(f"/data/{HUB}.ttl")
    assert response.status_code == 200
    rels = links(response)
    assert rels["next"] == f"/data/{HUB}.ttl?page=2"
    assert rels["last"] == f"/data/{HUB}.ttl?page=3" and "prev" not in rels
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    hub = URIRef(BASE + "id/" + HUB)
    incoming = set(graph.subjects(None, hub))
    assert len(incoming) <= PAGE_SIZE
    assert all((s, RDFS.label, None) in graph for s in incoming)  # neighbours named
    collection = URIRef(f"{BASE}data/{HUB}.ttl")
    total = graph.value(collection, HYDRA.totalItems).toPython()
    assert total > GENERATED
    view = URIRef(f"{BASE}data/{HUB}.ttl?page=1")
    assert (collection, HYDRA.view, view) in graph
    assert graph.value(view, HYDRA.next) == URIRef(f"{BASE}data/{HUB}.ttl?page=2")
    assert (hub, RDFS.label, None) in graph  # the hub's own triples are on every page


def test_pages_together_hold_every_incoming_link(hub_client) -> None:
    """Following rel=next from page 1 to the end gathers every link exactly once."""
    hub = URIRef(BASE + "id/" + HUB)
    seen: list = []
    url, total = f"/data/{HUB}.nt", None
    while url:
        response = hub_client.get(url)
        assert response.status_code == 200
        graph = Graph().parse(data=response.get_data(as_text=True), format="nt")
        seen += [(s, p) for s, p in graph.subject_predicates(hub)]
        total = total or graph.value(URIRef(f"{BASE}data/{HUB}.nt"), HYDRA.totalItems).toPython()
        url = links(response).get("next")
    assert len(seen) == len(set(seen)) == total
    mentions = {s for s, p in seen if p == URIRef(PF + "mentions")}
    assert {URIRef(f"{BASE}id/release/gen-{n:03d}") for n in range(GENERATED)} <= mentions


def test_page_beyond_the_last_is_404_and_bad_page_400(hub_client) -> None:
    assert (
        hub_client.get(
            f"/data/{HUB}.ttl?page=4", headers={"Accept": "application/json"}
        ).status_code
        == 404
    )
    assert (
        hub_client.get(
            f"/data/{HUB}.ttl?page=0", headers={"Accept": "application/json"}
        ).status_code
        == 400
    )
    assert (
        hub_client.get(
            f"/data/{HUB}.ttl?page=x", headers={"Accept": "application/json"}
        ).status_code
        == 400
    )


def test_pages_have_their_own_etags(hub_client) -> None:
    one = hub_client.get(f"/data/{HUB}.ttl?page=1").headers["ETag"]
    two = hub_client.get(f"/data/{HUB}.ttl?page=2").headers["ETag"]
    assert one != two


def test_html_page_is_paged_with_count(hub_client) -> None:
    response = hub_client.get(f"/page/{HUB}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    pager = soup.select_one("nav.pager")
    total = int(pager.get_text().split()[0])
    assert total > GENERATED and "page 1 of 3" in pager.get_text()
    assert f"({total} links)" in soup.get_text()
    assert len(soup.select("table.properties th")) >= 1
    assert pager.find("a", rel="next")["href"] == "?page=2"
    assert soup.find("link", rel="next")["href"] == "?page=2"
    assert links(response)["next"] == f"/page/{HUB}?page=2"
    second = BeautifulSoup(
        hub_client.get(f"/page/{HUB}?page=2").get_data(as_text=True), "html.parser"
    )
    assert "page 2 of 3" in second.select_one("nav.pager").get_text()


def test_small_documents_are_not_paged(client) -> None:
    response = client.get("/data/person/wang-ping.ttl")
    assert 'rel="next"' not in response.headers["Link"]
    assert "hydra" not in response.get_data(as_text=True)


def test_sections_are_worked_out_once_for_all_pages_of_a_hub(hub_client, monkeypatch) -> None:
    """Every page of a hub shows the same posts, quotes, claims and timeline: their queries,
    the costly part of a first view, run for the first page only."""
    import server.views.resources as resources

    calls: list[str] = []
    real = resources.SectionBuilder.sections

    def counted(self, iri: str):
        calls.append(iri)
        return real(self, iri)

    monkeypatch.setattr(resources.SectionBuilder, "sections", counted)
    with hub_client.application.app_context():
        resources.get_build().cache.clear()  # nothing rendered yet
    first = hub_client.get(f"/page/{HUB}?page=2")
    second = hub_client.get(f"/page/{HUB}?page=3")
    assert first.status_code == second.status_code == 200
    assert len(calls) == 1
    timeline = [BeautifulSoup(r.data, "html.parser").select_one("section.timeline")
                for r in (first, second)]
    assert timeline[0] is not None and str(timeline[0]) == str(timeline[1])


def test_release_texts_kept_per_worker_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages quote sentences of release texts, kept per build; a crawl of every page must not
    keep every text: past TEXTS_KEPT the least recently used goes."""
    from types import SimpleNamespace

    import server.describe as describe

    monkeypatch.setattr(describe, "TEXTS_KEPT", 3)
    build = SimpleNamespace(cache={})
    for n in range(5):
        describe._keep(build, {f"r{n}": f"text {n}"})  # type: ignore[arg-type]
    assert list(build.cache["texts"]) == ["r2", "r3", "r4"]
    assert describe.release_text(build, "r2") == "text 2"  # type: ignore[arg-type]  # cached
    describe._keep(build, {"r5": "text 5"})  # type: ignore[arg-type]
    assert list(build.cache["texts"]) == ["r4", "r2", "r5"]
