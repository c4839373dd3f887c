"""The home page: counts by class, releases, the endpoint, example queries that run, dumps."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from kg.queries import examples
from kg.vocab import NS
from tests.conftest import BASE, SEED_ID


@pytest.fixture(scope="module")
def home(app) -> BeautifulSoup:
    response = app.test_client().get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def counts_on_page(home: BeautifulSoup) -> dict[str, int]:
    """{class local name: count} from the counts table (each class links to /ontology#Name)."""
    counts = {}
    for row in home.select("table.counts tr"):
        link = row.find("a", href=True)
        if link is None:
            continue
        assert link["href"].startswith("/ontology#")
        number = row.find("td", class_="num").get_text(strip=True)
        counts[link["href"].split("#", 1)[1]] = int(number)
    return counts


def test_counts_by_class_match_sparql(client, home) -> None:
    """Each class's count on the page equals COUNT(DISTINCT ?s) by SPARQL, for every class used."""
    query = f"""SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?class
        FILTER(STRSTARTS(STR(?class), "{NS}")) }} GROUP BY ?class"""
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    expected = {b["class"]["value"][len(NS):]: int(b["n"]["value"])
                for b in response.get_json()["results"]["bindings"]}
    assert counts_on_page(home) == expected


def test_counts_of_the_seed(home) -> None:
    """The seed holds 2 people, 4 organizations, 5 places, 1 quote, 4 claims, 1 post, 1 release."""
    counts = counts_on_page(home)
    expected = {"Person": 2, "Organization": 4, "Place": 5, "Quote": 1, "QuantitativeClaim": 4,
                "Post": 1, "PressRelease": 1, "ContactPoint": 1}
    assert {name: counts.get(name) for name in expected} == expected


def test_count_links_land_on_ontology_anchors(client, home) -> None:
    """Every class link of the counts table names an anchor of the ontology page."""
    response = client.get("/ontology", headers={"Accept": "text/html"})
    ontology = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    ids = {tag["id"] for tag in ontology.find_all(id=True)}
    assert set(counts_on_page(home)) <= ids


def test_class_names_are_words(home) -> None:
    """Classes are named by their labels in words ('quantitative claim'), not by IRIs."""
    names = {row.find("a").get_text(strip=True) for row in home.select("table.counts tr")
             if row.find("a")}
    assert {"person", "organization", "place", "quantitative claim"} <= names


def test_releases_are_listed_and_dereference(client, home) -> None:
    """The seed release is listed, linking to its IRI, which dereferences with a 303."""
    links = [a for a in home.find_all("a", href=True) if a.get_text(strip=True) == SEED_ID]
    assert len(links) == 1
    iri = links[0]["href"]
    assert iri == BASE + "id/release/000-634751f1f0fbc018"
    response = client.get(iri[len(BASE) - 1:], headers={"Accept": "text/html"})
    assert response.status_code == 303


def test_links_to_endpoint(home) -> None:
    """The page links to the SPARQL endpoint."""
    assert home.find("a", href="/sparql")


def test_example_queries_run(client, home) -> None:
    """Each example link runs a query with at least one result (as JSON, and as HTML)."""
    links = [a["href"] for a in home.select("ul.examples a")]
    titles = [a.get_text(strip=True) for a in home.select("ul.examples a")]
    assert titles == [title for _, title, _ in examples()]
    for href in links:
        assert href.startswith("/sparql?query=")
        response = client.get(href, headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, (href, response.get_data(as_text=True))
        assert len(response.get_json()["results"]["bindings"]) >= 1, href
        page = client.get(href, headers={"Accept": "text/html"})
        soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
        rows = soup.select("table.results tbody tr")
        assert len(rows) >= 1, href


def test_links_to_every_dump(client, home) -> None:
    """The page links to /dumps/ and to each dump of the listing; each link downloads."""
    assert home.find("a", href="/dumps/")
    listed = client.get("/dumps/", headers={"Accept": "application/json"}).get_json()["dumps"]
    hrefs = {a["href"] for a in home.find_all("a", href=True)}
    for dump in listed:
        href = f"/dumps/{dump['filename']}"
        assert href in hrefs
        with client.get(href) as response:
            assert response.status_code == 200


def test_build_summary(app, home) -> None:
    """The page names the build and its number of triples, as in the manifest."""
    from server.store import get_build

    with app.test_request_context():
        build = get_build()
    meta = home.select_one("p.meta").get_text(" ", strip=True)
    assert build.name in meta
    assert str(build.manifest["triples"]) in meta


def test_navigation_links(home) -> None:
    """Every page's header links to the endpoint, the dumps and the ontology."""
    nav = {a["href"] for a in home.select("header nav a")}
    assert nav >= {"/sparql", "/dumps/", "/ontology"}
