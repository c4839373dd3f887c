"""`kg publish` into a real Virtuoso: every graph arrives, a second run resumes, withdrawn
releases are dropped, and the store answers the seed facts the way the embedded one does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import build, current_build
from kg.config import Settings
from kg.errors import KgError
from kg.publish import publication_graph, publish
from kg.remote import Endpoint, RemoteStore
from kg.store import OxigraphStore
from kg.vocab import PREFIXES
from tests.conftest import BASE, copy_data, kg_command

pytestmark = pytest.mark.virtuoso

EXTRA = Path(__file__).resolve().parent / "data" / "releases" / "100_acme_plant.txt"


def remote(server, **changes) -> RemoteStore:  # type: ignore[no-untyped-def]
    endpoint = Endpoint(server.query_url, server.update_url, server.user, server.password)
    return RemoteStore(endpoint, PREFIXES)


def graph_triples(store, graph: str) -> set[str]:  # type: ignore[no-untyped-def]
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return {f"{r['s']} {r['p']} {r['o']}" for r in rows if not isinstance(r["o"], ox.BlankNode)
            and not isinstance(r["s"], ox.BlankNode)}


@pytest.fixture()
def two_release_build(tmp_path: Path) -> Settings:
    data = copy_data(tmp_path / "data")
    shutil.copy(EXTRA, data / "releases" / EXTRA.name)
    settings = Settings(base_uri=BASE, data_dir=data, build_dir=tmp_path / "build")
    build(settings)
    return settings


def test_publish_loads_every_graph_as_built(scratch_virtuoso, two_release_build: Settings) -> None:
    store = remote(scratch_virtuoso)
    result = publish(two_release_build.build_dir, store, batch_triples=100)
    local = OxigraphStore.open_read_only(current_build(two_release_build.build_dir) / "store")
    assert sorted(result.loaded) == local.named_graphs()
    for graph in local.named_graphs():
        expected = {f"{r['s']} {r['p']} {r['o']}" for r in local.select(
            f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
            if not isinstance(r["o"], ox.BlankNode) and not isinstance(r["s"], ox.BlankNode)}
        assert graph_triples(store, graph) == expected, graph
    rows = store.select("SELECT ?h WHERE { ?r a pf:PressRelease ; pf:headline ?h }")
    assert "G60 S&T Innovation Valley of Yangtze River Delta has Made Strong Development." in {
        r["h"].value for r in rows}


def test_a_second_publish_resumes_and_withdrawn_releases_are_dropped(
        scratch_virtuoso, two_release_build: Settings) -> None:
    store = remote(scratch_virtuoso)
    publish(two_release_build.build_dir, store)
    again = publish(two_release_build.build_dir, store)
    assert again.loaded == [] and len(again.unchanged) >= 3
    (two_release_build.data_dir / "releases" / EXTRA.name).unlink()
    build(two_release_build)
    third = publish(two_release_build.build_dir, store)
    assert third.dropped == [BASE + "graph/100-acme-plant"]
    assert not store.ask(f"ASK {{ GRAPH <{BASE}graph/100-acme-plant> {{ ?s ?p ?o }} }}")
    marker = store.select(f"SELECT ?b WHERE {{ GRAPH <{publication_graph(BASE)}> "
                          f"{{ <{publication_graph(BASE)}> dcterms:identifier ?b }} }}")
    assert [r["b"].value for r in marker] == [current_build(two_release_build.build_dir).name]


def test_a_failing_store_is_a_clear_error(two_release_build: Settings) -> None:
    dead = RemoteStore(Endpoint("http://127.0.0.1:9/sparql", "http://127.0.0.1:9/update"))
    with pytest.raises(KgError, match="127.0.0.1:9"):
        publish(two_release_build.build_dir, dead)


def test_kg_publish_command(scratch_virtuoso, two_release_build: Settings) -> None:
    env = {**os.environ, "KG_BUILD_DIR": str(two_release_build.build_dir),
           "KG_SPARQL_QUERY_URL": scratch_virtuoso.query_url,
           "KG_SPARQL_UPDATE_URL": scratch_virtuoso.update_url,
           "KG_SPARQL_USER": scratch_virtuoso.user, "KG_SPARQL_PASSWORD": scratch_virtuoso.password}
    done = subprocess.run([*kg_command(), "publish"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Published build" in done.stdout
    missing = subprocess.run([*kg_command(), "publish"], capture_output=True, text=True,
                             env={**os.environ, "KG_BUILD_DIR": str(two_release_build.build_dir)})
    assert missing.returncode == 2 and "KG_SPARQL_QUERY_URL" in missing.stderr


def test_line_separators_inside_literals_survive_publishing(scratch_virtuoso, tmp_path: Path) -> None:
    """U+2028, U+2029 and U+0085 stay raw inside N-Triples literals; they must not split lines."""
    data = copy_data(tmp_path / "data", [])
    odd = "Line\u2028separated\u2029and\u0085more."
    text = EXTRA.read_text(encoding="utf-8").replace("\n\n", f"\n\n{odd}\n\n", 1)
    (data / "releases" / "150_separators.txt").write_text(text, encoding="utf-8")
    settings = Settings(base_uri="http://separators.test/", data_dir=data, build_dir=tmp_path / "b")
    build(settings)
    store = remote(scratch_virtuoso)
    publish(settings.build_dir, store)
    rows = store.select("SELECT ?t WHERE { GRAPH <http://separators.test/graph/150-separators> "
                        "{ ?r pf:text ?t } }")
    assert [r["t"].value for r in rows] == [text]
