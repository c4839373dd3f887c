"""``/search`` and ``/search.json``: ranked over labels and alternative names, from the build's
index."""

from __future__ import annotations

import sqlite3

from bs4 import BeautifulSoup

from kg.build import CURRENT
from kg.search import match_expression
from tests.conftest import BASE


def hits(client, q: str, **params) -> dict:
    response = client.get("/search.json", query_string={"q": q, **params})
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_label_search_ranks_the_exact_name_first(client) -> None:
    """'Wang Ping' finds the person first, then things whose names contain him (his post)."""
    found = hits(client, "Wang Ping")
    assert found["results"][0]["iri"] == BASE + "id/person/wang-ping"
    assert found["results"][0]["page"] == "/page/person/wang-ping"
    assert found["total"] >= 2


def test_prefix_search_for_autocomplete(client) -> None:
    """A word being typed ('Songj') matches by prefix; the name that starts with it ranks first."""
    found = hits(client, "Songj")
    assert found["results"][0]["iri"] == BASE + "id/place/songjiang-district"


def test_alternative_names_are_searched(client) -> None:
    """'Yangtze River delta' is an alternative name (skos:altLabel); the place is found by it."""
    found = hits(client, "Yangtze River delta")
    assert BASE + "id/place/yangtze-river-delta" in [r["iri"] for r in found["results"]]


def test_search_ignores_accents_and_case(client) -> None:
    assert hits(client, "SHÀNGHAI")["results"][0]["iri"] == BASE + "id/place/shanghai"


def test_search_limit_and_no_match(client) -> None:
    assert len(hits(client, "g60", limit=1)["results"]) == 1
    assert hits(client, "g60", limit=1)["total"] > 1
    assert hits(client, "zzzqqq") == {"q": "zzzqqq", "total": 0, "loose": False, "results": []}
    assert hits(client, "")["total"] == 0


def test_fts_syntax_in_the_query_is_just_words(client) -> None:
    """Quotes, operators and column filters typed by a user are not FTS5 syntax."""
    for q in ['"', "name:wang", "wang OR NOT", "*", "NEAR(a b)", "'; DROP TABLE names; --"]:
        assert hits(client, q)["total"] >= 0
    assert match_expression('name:"x') == '"name"* "x"*'


def test_html_search_page(client) -> None:
    """/search?q= shows an ordered list of links to entity pages, with the query kept in the box."""
    response = client.get("/search", query_string={"q": "songjiang"})
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    links = [a["href"] for a in soup.select("ol.hits li > a")]
    assert links[0] == "/page/place/songjiang-district"
    assert soup.select_one("#q-main")["value"] == "songjiang"
    for href in links:
        assert client.get(href).status_code == 200


def test_search_text_is_escaped(client) -> None:
    response = client.get("/search", query_string={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert" not in response.get_data(as_text=True)


def test_every_page_has_a_search_box(client) -> None:
    for path in ("/", "/page/person/wang-ping", "/dumps/", "/ontology", "/dataset"):
        soup = BeautifulSoup(
            client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True), "html.parser"
        )
        form = soup.select_one("header form.search")
        assert (
            form is not None
            and form["action"] == "/search"
            and form.find("input", attrs={"name": "q"})
        )


def test_index_holds_every_named_thing(client, seed_settings) -> None:
    """Every IRI under /id/ with an rdfs:label is in the index (so every page is findable)."""
    response = client.get(
        "/sparql",
        headers={"Accept": "application/sparql-results+json"},
        query_string={
            "query": f"""SELECT DISTINCT ?s WHERE {{ ?s rdfs:label ?l
                              FILTER(STRSTARTS(STR(?s), "{BASE}id/")
                                     && !CONTAINS(STR(?s), "#")) }}"""
        },
    )
    labelled = {b["s"]["value"] for b in response.get_json()["results"]["bindings"]}
    index = seed_settings.build_dir / CURRENT / "search.sqlite"
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as connection:
        indexed = {iri for (iri,) in connection.execute("SELECT iri FROM entities")}
    assert labelled == indexed


def test_search_paging(client) -> None:
    """page=2 of a short result list is empty but still answers, and page numbers are clamped."""
    assert client.get("/search", query_string={"q": "g60", "page": "2"}).status_code == 200
    assert client.get("/search", query_string={"q": "g60", "page": "x"}).status_code == 200


def test_unknown_iri_404_page_offers_search(client) -> None:
    """A browser asking for an unknown thing gets a 404 page with a search box filled in."""
    response = client.get("/page/person/wang-pingg", headers={"Accept": "text/html"})
    assert response.status_code == 404
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one("#q-404")["value"] == "wang pingg"
    assert client.get("/id/person/nobody", headers={"Accept": "text/html"}).status_code == 404


def test_ranking_on_a_larger_index(tmp_path) -> None:
    """Among 20,000 things sharing words, the exact name comes first, then names starting with it,
    and an exact alternative name beats a mere word match; counts are exact."""
    from kg.search import SearchIndex, write_rows

    rows = [
        (i, f"http://b/id/organization/o{i}", "organization", f"Acme River Holdings {i}", [])
        for i in range(1, 20_001)
    ]
    rows += [
        (20_001, "http://b/id/organization/exact", "organization", "Acme River", []),
        (
            20_002,
            "http://b/id/organization/alias",
            "organization",
            "Something Else",
            ["Acme River Group"],
        ),
    ]
    write_rows(tmp_path / "s.sqlite", rows)
    index = SearchIndex(tmp_path / "s.sqlite")
    total, found = index.search("acme river", 5)
    assert total == 20_002
    assert found[0].iri == "http://b/id/organization/exact"
    total, found = index.search("Acme River Group", 3)
    assert (total, found[0].iri, found[0].matched) == (
        1,
        "http://b/id/organization/alias",
        "Acme River Group",
    )
    assert index.search("acme", 10, offset=19_995)[1][-1].iri.startswith(
        "http://b/id/organization/"
    )


def test_typo_falls_back_to_some_words(client) -> None:
    """'wang pingg' matches nothing exactly; a loose second try finds Wang Ping first, saying so."""
    found = hits(client, "wang pingg")
    assert found["loose"] is True
    assert found["results"][0]["iri"] == BASE + "id/person/wang-ping"
    page = client.get("/search", query_string={"q": "wang pingg"}).get_data(as_text=True)
    assert "No thing has a name with every word" in page
