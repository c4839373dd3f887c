"""The query policy (kg/sparql.py) and the protocol's dataset parameters on /sparql."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from kg.errors import QueryRejected
from kg.sparql import check

JSON = "application/sparql-results+json"
BASE = "http://127.0.0.1:5000/"


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "select * { service silent <http://x/> { ?s ?p ?o } }",
    "PREFIX : <http://x/>\nSELECT * {\n  ?s ?p ?o .\n  SERVICE ?endpoint { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { {SERVICE<http://x/>{?s ?p ?o}} }",
])
def test_service_is_refused_however_written(query: str) -> None:
    with pytest.raises(QueryRejected, match="SERVICE"):
        check(query)


@pytest.mark.parametrize("query", [
    'SELECT * { ?s ?p "SERVICE <http://x/>" }',
    "SELECT * { ?s ?p ?o } # SERVICE <http://x/> { }",
    "PREFIX service: <http://x/> SELECT * { ?s service:SERVICE ?service }",
    "SELECT * { ?s <http://x/SERVICE> ?o }",
    "SELECT * { ?s ?p '''multi\nSERVICE\nline''' }",
])
def test_the_word_service_in_data_is_not_a_service_clause(query: str) -> None:
    assert check(query).form == "SELECT"


@pytest.mark.parametrize(("query", "form", "dataset"), [
    ("PREFIX x: <http://x/> ASK { ?s ?p ?o }", "ASK", False),
    ("describe <http://x/a>", "DESCRIBE", False),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", False),
    ("SELECT * FROM <http://x/g> WHERE { ?s ?p ?o }", "SELECT", True),
    ("SELECT * FROM NAMED <http://x/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "SELECT", True),
    ('SELECT * { ?s ?p "FROM" }', "SELECT", False),
])
def test_form_and_dataset_clause(query: str, form: str, dataset: bool) -> None:
    shape = check(query)
    assert (shape.form, shape.has_dataset) == (form, dataset)


def test_updates_are_refused_with_403() -> None:
    with pytest.raises(QueryRejected) as caught:
        check("DELETE WHERE { ?s ?p ?o }")
    assert caught.value.status == 403


def count(client: FlaskClient, **params: str | list[str]) -> int:
    response = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **params}, headers={"Accept": JSON})
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_uri_restricts_the_default_graph(client: FlaskClient) -> None:
    """default-graph-uri picks graphs of the dataset; the ontology graph alone is smaller than all."""
    everything = count(client)
    ontology_only = count(client, **{"default-graph-uri": BASE + "graph/ontology"})
    release_only = count(client, **{"default-graph-uri": BASE + "graph/000-634751f1f0fbc018"})
    assert 0 < ontology_only < everything
    assert 0 < release_only < everything
    both = count(client, **{"default-graph-uri": [BASE + "graph/ontology",
                                                  BASE + "graph/000-634751f1f0fbc018"]})
    assert both == ontology_only + release_only


def test_a_graph_outside_the_dataset_is_empty(client: FlaskClient) -> None:
    """A graph the dataset does not hold is empty: nothing is fetched."""
    assert count(client, **{"default-graph-uri": "http://127.0.0.1:9/elsewhere"}) == 0


def test_named_graph_uri_limits_graph_patterns(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        "named-graph-uri": BASE + "graph/ontology"}, headers={"Accept": JSON})
    graphs = [b["g"]["value"] for b in response.get_json()["results"]["bindings"]]
    assert graphs == [BASE + "graph/ontology"]


def test_a_bad_graph_iri_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={
        "query": "ASK { ?s ?p ?o }", "default-graph-uri": "not an iri"}, headers={"Accept": JSON})
    assert response.status_code == 400
    assert "default-graph-uri" in response.get_json()["message"]
