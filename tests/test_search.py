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
    assert hits(client, "zzzqqq") == {"q": "zzzqqq", "total": 0, "more": False, "loose": False,
                                      "results": []}
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
    """Among 20,000 things sharing words, the exact name comes first, then an exact alternative
    name, then names starting with the words; the count stops at CANDIDATES and says there are
    more, and the best CANDIDATES can be paged to (not beyond)."""
    from kg.search import CANDIDATES, SearchIndex, write_rows

    rows = [
        (f"http://b/id/organization/o{i}", "organization", f"Acme River Holdings {i}", [])
        for i in range(1, 20_001)
    ]
    rows += [  # written last, found first
        ("http://b/id/organization/exact", "organization", "Acme River", []),
        ("http://b/id/organization/alias", "organization", "Something Else", ["Acme River Group"]),
        ("http://b/id/organization/other", "organization", "Group Acme River Works", []),
    ]
    write_rows(tmp_path / "s.sqlite", rows)
    index = SearchIndex(tmp_path / "s.sqlite")
    found = index.search("acme river", 5)
    assert (found.total, found.more) == (CANDIDATES, True)
    assert found.hits[0].iri == "http://b/id/organization/exact"
    assert [h.iri for h in index.search("acme river group", 3).hits] == [
        "http://b/id/organization/alias", "http://b/id/organization/other"]
    found = index.search("Acme River Group", 3)
    assert (found.total, found.more, found.hits[0].matched) == (2, False, "Acme River Group")
    last = index.search("acme", 10, offset=CANDIDATES - 10)
    assert len(last.hits) == 10 and last.more
    assert index.search("acme", 10, offset=CANDIDATES).hits == []


def test_a_common_word_says_more_than_the_count(client, monkeypatch) -> None:
    """When more things match than are counted, the JSON says "more" and the page "more than"."""
    import kg.search

    monkeypatch.setattr(kg.search, "CANDIDATES", 1)
    found = hits(client, "g60")
    assert (found["total"], found["more"], len(found["results"])) == (1, True, 1)
    page = BeautifulSoup(client.get("/search", query_string={"q": "g60"}).data, "html.parser")
    assert "more than 1 things match" in page.select_one("p.count").get_text(" ", strip=True)
    assert len(page.select("ol.hits li")) == 1
    monkeypatch.setattr(kg.search, "CANDIDATES", 1000)
    found = hits(client, "g60")
    assert found["more"] is False and found["total"] == len(hits(client, "g60", limit=50)["results"])


def test_typo_falls_back_to_some_words(client) -> None:
    """'wang pingg' matches nothing exactly; a loose second try finds Wang Ping first, saying so."""
    found = hits(client, "wang pingg")
    assert found["loose"] is True
    assert found["results"][0]["iri"] == BASE + "id/person/wang-ping"
    page = client.get("/search", query_string={"q": "wang pingg"}).get_data(as_text=True)
    assert "No thing has a name with every word" in page
