"""Dereferenceable IRIs: every entity of the seed graph has a 303, a page and data documents.

The entities are discovered through the SPARQL endpoint (every IRI under ``{BASE}id/``
without a fragment), so a new kind of thing in the build is checked without editing
this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg.uris import KINDS
from tests.conftest import BASE

# rdflib's JSON-LD parser builds a ConjunctiveGraph internally, which rdflib 7 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

PF = Namespace("https://w3id.org/pressfacts/ns#")
WANG = BASE + "id/person/wang-ping"
RELEASE = BASE + "id/release/000-634751f1f0fbc018"
OFFICE = (BASE + "id/organization/"
          "science-and-technology-innovation-development-office-of-songjiang-district")
G60 = BASE + "id/organization/g60-s-t-innovation-valley-of-yangtze-river-delta"

# extension, media type, rdflib parser
DATA_FORMATS = [
    ("ttl", "text/turtle", "turtle"),
    ("jsonld", "application/ld+json", "json-ld"),
    ("nt", "application/n-triples", "nt"),
    ("rdf", "application/rdf+xml", "xml"),
]


def select(client, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT through the endpoint, each as {variable: value}."""
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in rows]


def construct(client, query: str) -> Graph:
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return Graph().parse(data=response.get_data(as_text=True), format="nt")


def local(iri: str) -> str:
    """'kind/slug' of one of our IRIs."""
    assert iri.startswith(BASE + "id/")
    return iri[len(BASE + "id/"):]


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def row_for(soup: BeautifulSoup, term: str) -> Iterator:
    """Table rows whose header links to the ontology term (e.g. 'holdsPost')."""
    for th in soup.select("table.properties th"):
        if th.find("a", href=f"/ontology#{term}"):
            yield th.parent


@pytest.fixture(scope="module")
def entities(app) -> list[str]:
    """Every IRI under {BASE}id/ (no fragment) that the seed graph says anything about."""
    query = f"""SELECT DISTINCT ?s WHERE {{
        {{ ?s ?p ?o }} UNION {{ ?x ?y ?s }}
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/") && !CONTAINS(STR(?s), "#"))
    }} ORDER BY ?s"""
    return [row["s"] for row in select(app.test_client(), query)]


def test_seed_entities_cover_every_kind(entities) -> None:
    """The discovery query finds the seed's things, at least one of every kind."""
    assert {local(iri).split("/")[0] for iri in entities} == set(KINDS)
    for iri in (WANG, RELEASE, G60, BASE + "id/place/shanghai", BASE + "id/place/china",
                BASE + "id/contact/000-634751f1f0fbc018"):
        assert iri in entities


def test_every_entity_id_answers_303(client, entities) -> None:
    """Each /id/… answers 303: HTML clients to /page/…, Turtle clients to /data/….ttl."""
    for iri in entities:
        path = local(iri)
        html = client.get(f"/id/{path}", headers={"Accept": "text/html"})
        data = client.get(f"/id/{path}", headers={"Accept": "text/turtle"})
        assert (html.status_code, html.headers.get("Location")) == (303, f"/page/{path}"), iri
        assert (data.status_code, data.headers.get("Location")) == (303, f"/data/{path}.ttl"), iri


def test_every_entity_page_is_html_about_it(client, entities) -> None:
    """Each /page/… is 200 HTML whose heading is the thing's label and which shows its IRI."""
    query = f"""SELECT ?s ?label WHERE {{ ?s rdfs:label ?label
        FILTER(STRSTARTS(STR(?s), "{BASE}id/")) }}"""
    labels = {r["s"]: r["label"] for r in select(client, query)}
    for iri in entities:
        soup = soup_of(client.get(f"/page/{local(iri)}"))
        assert soup.h1.get_text(strip=True) == labels[iri], iri
        assert soup.select_one("p.iri code").get_text(strip=True) == iri


@pytest.mark.parametrize(("extension", "media_type", "parser"), DATA_FORMATS)
def test_every_entity_data_document(client, entities, extension, media_type, parser) -> None:
    """Each /data/….ext is 200 in its media type, parses, and holds all its thing's triples."""
    for iri in entities:
        response = client.get(f"/data/{local(iri)}.{extension}")
        assert response.status_code == 200, iri
        assert response.mimetype == media_type, iri
        document = Graph().parse(data=response.get_data(as_text=True), format=parser)
        own = construct(client, f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
        assert len(own) > 0, iri
        missing = set(own) - set(document)
        assert not missing, (iri, extension, sorted(missing)[:3])


@pytest.mark.parametrize(("extension", "media_type", "parser"), DATA_FORMATS)
def test_data_without_extension_negotiates(client, extension, media_type, parser) -> None:
    """/data/… without extension serves the format of Accept, parseable, with Vary: Accept."""
    response = client.get("/data/person/wang-ping", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    assert (URIRef(WANG), RDFS.label, Literal("Wang Ping")) in graph


def test_data_extension_overrides_accept(client) -> None:
    """A file extension wins over Accept: .nt is N-Triples even when HTML is asked for."""
    response = client.get("/data/person/wang-ping.nt", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "application/n-triples"


def parse_link_header(value: str) -> list[dict[str, str]]:
    """The links of an HTTP Link header as dicts with 'href' and their parameters."""
    links = []
    for match in re.finditer(r"<([^>]*)>((?:\s*;\s*[\w-]+=\"[^\"]*\")*)", value):
        params = dict(re.findall(r"([\w-]+)=\"([^\"]*)\"", match.group(2)))
        links.append({"href": match.group(1), **params})
    return links


@pytest.mark.parametrize("path", ["/data/person/wang-ping.ttl", "/data/person/wang-ping",
                                  "/page/person/wang-ping"])
def test_link_header_lists_alternates(client, path) -> None:
    """Documents list their other formats as rel=alternate links with their media types."""
    response = client.get(path)
    links = parse_link_header(response.headers["Link"])
    alternates = {(link["href"], link.get("type")) for link in links
                  if link.get("rel") == "alternate"}
    expected = {(f"/data/person/wang-ping.{ext}", media) for ext, media, _ in DATA_FORMATS}
    assert expected <= alternates
    if path.startswith("/data/"):
        assert ("/page/person/wang-ping", "text/html") in alternates


def test_page_head_links_to_alternates(client) -> None:
    """The HTML page's <head> carries <link rel=alternate> to each data format."""
    soup = soup_of(client.get("/page/person/wang-ping"))
    found = {(link["href"], link["type"]) for link in soup.head.find_all("link", rel="alternate")}
    assert found == {(f"/data/person/wang-ping.{ext}", media) for ext, media, _ in DATA_FORMATS}


def test_link_header_names_the_described_thing(client) -> None:
    """A data document's Link header points to the IRI it describes with rel=describes."""
    links = parse_link_header(client.get("/data/person/wang-ping.ttl").headers["Link"])
    assert {"href": WANG, "rel": "describes"} in links


@pytest.mark.parametrize("path", ["/data/person/wang-ping.ttl", "/data/person/wang-ping",
                                  "/page/person/wang-ping"])
def test_conditional_get(client, path) -> None:
    """Documents carry ETag and Last-Modified; a request with either validator gets 304."""
    first = client.get(path)
    assert first.status_code == 200
    etag, modified = first.headers.get("ETag"), first.headers.get("Last-Modified")
    assert etag and modified
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_etags_differ_between_formats(client) -> None:
    """Turtle and JSON-LD of one thing have different ETags (one is not a 304 for the other)."""
    ttl = client.get("/data/person/wang-ping.ttl").headers["ETag"]
    jsonld = client.get("/data/person/wang-ping.jsonld")
    assert jsonld.headers["ETag"] != ttl
    again = client.get("/data/person/wang-ping.jsonld", headers={"If-None-Match": ttl})
    assert again.status_code == 200


@pytest.mark.parametrize("path", ["/id/person/nobody", "/page/person/nobody",
                                  "/data/person/nobody.ttl", "/data/person/nobody",
                                  "/id/place/wang-ping"])
def test_unknown_slug_is_404(client, path) -> None:
    """A slug nothing is known about is 404 not_found, naming the IRI."""
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "not_found"
    assert BASE + "id/" in body["message"]


@pytest.mark.parametrize("path", ["/id/spaceship/wang-ping", "/page/spaceship/wang-ping",
                                  "/data/spaceship/wang-ping.ttl"])
def test_unknown_kind_is_404(client, path) -> None:
    """An unknown kind is 404, and the message lists the kinds there are."""
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "person" in response.get_json()["message"]


# --- the page of Wang Ping, the post, the claims, the quote -----------------------------

@pytest.fixture(scope="module")
def quote_iri(app) -> str:
    rows = select(app.test_client(), f"SELECT ?q WHERE {{ ?q pf:speaker <{WANG}> }}")
    assert len(rows) == 1
    return rows[0]["q"]


@pytest.fixture(scope="module")
def post_iri(app) -> str:
    rows = select(app.test_client(), f"SELECT ?p WHERE {{ <{WANG}> pf:holdsPost ?p }}")
    assert len(rows) == 1
    return rows[0]["p"]


@pytest.fixture(scope="module")
def wang_page(app) -> BeautifulSoup:
    return soup_of(app.test_client().get("/page/person/wang-ping"))


def test_wang_ping_page_label_and_type(wang_page) -> None:
    """The page names Wang Ping and links his type to the ontology's documentation of Person."""
    assert wang_page.h1.get_text(strip=True) == "Wang Ping"
    type_link = wang_page.select_one("p.types a")
    assert type_link["href"] == "/ontology#Person"
    assert type_link.get_text(strip=True) == "person"


def test_wang_ping_page_property_labels_in_words(wang_page, post_iri) -> None:
    """Properties show their label in words ('holds post') and link to the post's page."""
    rows = list(row_for(wang_page, "holdsPost"))
    assert len(rows) == 1
    assert "holds post" in rows[0].th.get_text(" ", strip=True)
    assert rows[0].td.find("a", href=f"/page/{local(post_iri)}")


def test_wang_ping_page_incoming_links(wang_page, quote_iri) -> None:
    """Incoming links are shown: the quote points at Wang Ping as its 'speaker'."""
    rows = list(row_for(wang_page, "speaker"))
    assert len(rows) == 1
    assert "speaker" in rows[0].th.get_text(" ", strip=True)
    assert rows[0].td.find("a", href=f"/page/{local(quote_iri)}")
    mentions = list(row_for(wang_page, "mentions"))
    assert mentions and mentions[0].td.find("a", href="/page/release/000-634751f1f0fbc018")


def test_wang_ping_page_evidence_sentence(client, wang_page) -> None:
    """The evidence shows the sentence with <mark>Wang Ping</mark> and links to the release page."""
    span = select(client, f"""SELECT ?start ?end WHERE {{ <{WANG}> pf:evidence ?e .
        ?e pf:start ?start ; pf:end ?end ; pf:exact "Wang Ping" }}""")
    assert len(span) == 1
    items = wang_page.select("ul.evidence li")
    assert len(items) == 1
    item = items[0]
    assert item.blockquote.mark.get_text() == "Wang Ping"
    sentence = item.blockquote.get_text()
    assert "Secretary and Director" in sentence
    assert "Through the agglomeration of head enterprises" in sentence
    anchor = f"/page/release/000-634751f1f0fbc018#char={span[0]['start']},{span[0]['end']}"
    assert item.find("a", href=anchor)


def test_post_page(client, post_iri) -> None:
    """The post's page shows its title 'Secretary and Director' and links to the office."""
    soup = soup_of(client.get(f"/page/{local(post_iri)}"))
    titles = list(row_for(soup, "postTitle"))
    assert titles and titles[0].td.get_text(strip=True) == "Secretary and Director"
    organizations = list(row_for(soup, "postIn"))
    assert organizations and organizations[0].td.find("a", href=f"/page/{local(OFFICE)}")
    holders = list(row_for(soup, "heldBy"))
    assert holders and holders[0].td.find("a", href="/page/person/wang-ping")


def test_claim_pages_show_their_values(client) -> None:
    """Each claim page shows its value (1280, 13, 11, 9), as-of date, subject and evidence mark."""
    claims = select(client, """SELECT ?c ?value ?exact WHERE {
        ?c a pf:QuantitativeClaim ; pf:value ?value ; pf:evidence/pf:exact ?exact }""")
    assert sorted(int(c["value"]) for c in claims) == [9, 11, 13, 1280]
    for claim in claims:
        soup = soup_of(client.get(f"/page/{local(claim['c'])}"))
        value_row = next(row_for(soup, "value"))
        assert value_row.td.find("span", class_="literal").get_text(strip=True) == claim["value"]
        assert next(row_for(soup, "asOf")).td.get_text(" ", strip=True).startswith("2020-11-12")
        assert next(row_for(soup, "claimSubject")).td.find("a", href=f"/page/{local(G60)}")
        assert soup.select_one("ul.evidence mark").get_text() == claim["exact"]


def test_quote_page(client, quote_iri) -> None:
    """The quote's page shows its full text and links to its speaker, Wang Ping."""
    soup = soup_of(client.get(f"/page/{local(quote_iri)}"))
    text = next(row_for(soup, "quoteText")).td.get_text(strip=True)
    assert text.startswith("Through the agglomeration of head enterprises")
    assert text.endswith("in the new development pattern")
    assert next(row_for(soup, "speaker")).td.find("a", href="/page/person/wang-ping")


def test_internal_links_of_every_page_resolve(client, entities) -> None:
    """Every /page/, /data/ or /ontology link on every entity page answers 200 (no dead links)."""
    targets: set[str] = set()
    for iri in entities:
        soup = soup_of(client.get(f"/page/{local(iri)}"))
        targets |= {a["href"].split("#")[0] for a in soup.find_all("a", href=True)
                    if a["href"].startswith(("/page/", "/data/", "/ontology"))}
    assert targets
    dead = [t for t in sorted(targets) if client.get(t).status_code != 200]
    assert not dead


# --- what the data documents hold -----------------------------------------------------

@pytest.fixture(scope="module")
def wang_data(app) -> Graph:
    response = app.test_client().get("/data/person/wang-ping.ttl")
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def test_data_document_has_incoming_triples(wang_data, quote_iri, post_iri) -> None:
    """Triples pointing at the thing are in its document: speaker, heldBy, mentions."""
    assert (URIRef(quote_iri), PF.speaker, URIRef(WANG)) in wang_data
    assert (URIRef(post_iri), PF.heldBy, URIRef(WANG)) in wang_data
    assert (URIRef(RELEASE), PF.mentions, URIRef(WANG)) in wang_data


def test_data_document_has_labels_of_neighbours(wang_data, quote_iri, post_iri) -> None:
    """Linked things come with their labels and types, so a client can show them by name."""
    for neighbour in (quote_iri, post_iri, RELEASE):
        assert wang_data.value(URIRef(neighbour), RDFS.label) is not None, neighbour
    assert (URIRef(post_iri), RDF.type, PF.Post) in wang_data
    assert (URIRef(quote_iri), RDF.type, PF.Quote) in wang_data


def test_data_document_has_evidence_nodes(wang_data) -> None:
    """The evidence span is described: pf:inRelease, pf:start, pf:end and pf:exact."""
    spans = list(wang_data.objects(URIRef(WANG), PF.evidence))
    assert len(spans) == 1
    span = spans[0]
    assert str(span).startswith(RELEASE + "#char=")
    assert wang_data.value(span, PF.inRelease) == URIRef(RELEASE)
    start, end = wang_data.value(span, PF.start), wang_data.value(span, PF.end)
    assert start is not None and end is not None
    assert str(span).endswith(f"#char={start},{end}")
    assert int(end) - int(start) == len("Wang Ping")
    assert wang_data.value(span, PF.exact) == Literal("Wang Ping")


def test_every_data_document_describes_its_evidence(client, entities) -> None:
    """For every thing, each of its evidence spans has start, end and exact in its document."""
    for iri in entities:
        document = Graph().parse(data=client.get(f"/data/{local(iri)}.nt").get_data(as_text=True),
                                 format="nt")
        for span in document.objects(URIRef(iri), PF.evidence):
            for prop in (PF.start, PF.end, PF.exact, PF.inRelease):
                assert document.value(span, prop) is not None, (iri, span, prop)


def test_release_data_document_has_date(client) -> None:
    """The release's document carries its publication date as an xsd:dateTime."""
    response = client.get("/data/release/000-634751f1f0fbc018.ttl")
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (URIRef(RELEASE), PF.datePublished,
            Literal("2020-11-12T05:27:00", datatype=XSD.dateTime)) in graph


# --- the reader's sections: posts, quotes, figures, timeline -------------------------------

def test_person_page_lists_posts_and_quotes(client) -> None:
    """Wang Ping's page: his post with its organization, and his quote with a link to its words."""
    soup = soup_of(client.get("/page/person/wang-ping"))
    post = soup.select_one("section.posts li")
    assert "Secretary and Director" in post.get_text()
    assert post.find("a", href=f"/page/{local(OFFICE)}")
    quote = soup.select_one("section.quotes figure")
    assert quote.blockquote.get_text(strip=True).startswith("“Through the agglomeration")
    source = quote.find("a", class_="source")["href"]
    assert source.startswith("/page/release/000-634751f1f0fbc018#char=")
    release = BeautifulSoup(client.get(source.split("#")[0]).get_data(as_text=True), "html.parser")
    assert release.find(id=source.split("#")[1]).name == "mark"  # the words are highlighted there


def test_organization_page_lists_who_holds_posts(client) -> None:
    soup = soup_of(client.get(f"/page/{local(OFFICE)}"))
    assert soup.select_one("section.posts li a[href='/page/person/wang-ping']")


def test_claims_table_with_dates_and_sources(client) -> None:
    """The valley's figures: a row per claim with its value, as-of date and a link to its words."""
    soup = soup_of(client.get(f"/page/{local(G60)}"))
    rows = soup.select("table.claims tbody tr")
    values = {r.find("td").get_text(" ", strip=True) for r in rows}
    assert {"1280", "13", "11", "9"} <= values
    for row in rows:
        assert row.find("time")["datetime"] == "2020-11-12"
        href = row.find("a", class_="source")["href"]
        assert re.fullmatch(r"/page/release/000-634751f1f0fbc018#char=\d+,\d+", href)


def test_timeline_lists_mentioning_releases(client) -> None:
    for path in (f"/page/{local(G60)}", "/page/person/wang-ping", "/page/place/shanghai"):
        soup = soup_of(client.get(path))
        item = soup.select_one("ol.timeline li")
        assert item.find("time")["datetime"] == "2020-11-12", path
        assert item.find("a", href="/page/release/000-634751f1f0fbc018"), path


def test_entity_types_link_to_the_ontology(client, entities) -> None:
    for iri in entities:
        soup = soup_of(client.get(f"/page/{local(iri)}"))
        for link in soup.select("p.types a"):
            assert link["href"].startswith("/ontology#"), iri
