"""`kg publish`'s default method finds out what the store offers: standard SPARQL Update on a
plain store (no SQL functions there), Virtuoso's loader on Virtuoso (tests/test_publish.py)."""

from __future__ import annotations

from pathlib import Path

from kg.publish import detect_method, publication_graph, publish
from kg.remote import Endpoint, RemoteStore
from kg.vocab import PREFIXES
from tests.conftest import BASE
from tests.sparql_store import running_plain_store
from tests.test_publish import generated_build, local_graphs, remote_graphs


def test_auto_on_a_plain_store_publishes_by_standard_update(tmp_path: Path) -> None:
    build_dir = generated_build(tmp_path, releases=12)
    expected = local_graphs(build_dir)
    with running_plain_store() as server:
        store = RemoteStore(Endpoint(server.query_url, server.update_url), PREFIXES)
        assert detect_method(store, publication_graph(BASE)) == "update"
        result = publish(build_dir, store, batch_triples=500, method="auto")
        assert result.method == "update"
        assert sorted(result.loaded) == sorted(expected)
        assert remote_graphs(store, sorted(expected)) == expected
        assert not store.ask("ASK { ?s <urn:kg:probe> ?o }")  # the probe wrote nothing here
