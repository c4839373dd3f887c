"""The SPARQL 1.1 endpoint: protocol, result formats, errors, HTML form, service description."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, Namespace, URIRef

from kg.queries import examples
from server import create_app
from tests.conftest import BASE

# rdflib's JSON-LD parser builds a ConjunctiveGraph internally, which rdflib 7 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

PF = Namespace("https://w3id.org/pressfacts/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SRX = "{http://www.w3.org/2005/sparql-results#}"
RELEASE = BASE + "id/release/000-634751f1f0fbc018"
HEADLINE = "G60 S&T Innovation Valley of Yangtze River Delta has Made Strong Development."
SELECT_HEADLINE = "SELECT ?h WHERE { ?r a pf:PressRelease ; pf:headline ?h }"
CONSTRUCT_HEADLINE = "CONSTRUCT { ?r pf:headline ?h } WHERE { ?r pf:headline ?h }"
JSON = "application/sparql-results+json"


def bindings(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == JSON
    rows = response.get_json()["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in rows]


def run(client, query: str, accept: str = JSON, **params):
    return client.get("/sparql", query_string={"query": query, **params},
                      headers={"Accept": accept})


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# --- the three ways of sending a query ------------------------------------------------

def test_get_with_query_parameter(client) -> None:
    """GET /sparql?query=… answers a SELECT."""
    assert bindings(run(client, SELECT_HEADLINE)) == [{"h": HEADLINE}]


def test_post_form(client) -> None:
    """POST application/x-www-form-urlencoded with query=… answers the same."""
    response = client.post("/sparql", data={"query": SELECT_HEADLINE}, headers={"Accept": JSON})
    assert bindings(response) == [{"h": HEADLINE}]


def test_post_sparql_query_body(client) -> None:
    """POST application/sparql-query with the query as the body answers the same."""
    response = client.post("/sparql", data=SELECT_HEADLINE.encode(), headers={"Accept": JSON},
                           content_type="application/sparql-query; charset=utf-8")
    assert bindings(response) == [{"h": HEADLINE}]


# --- result formats -------------------------------------------------------------------

def _parse_json(body: str) -> list[str]:
    return [b["h"]["value"] for b in json.loads(body)["results"]["bindings"]]


def _parse_xml(body: str) -> list[str]:
    root = ET.fromstring(body)
    return [lit.text for lit in root.iter(f"{SRX}literal")]


def _parse_csv(body: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["h"]
    return [r[0] for r in rows[1:]]


def _parse_tsv(body: str) -> list[str]:
    lines = body.strip("\n").split("\n")
    assert lines[0] == "?h"
    return [line.strip('"') for line in lines[1:]]


RESULT_FORMATS = [
    ("json", JSON, _parse_json),
    ("xml", "application/sparql-results+xml", _parse_xml),
    ("csv", "text/csv", _parse_csv),
    ("tsv", "text/tab-separated-values", _parse_tsv),
]


def test_comments_naming_another_query_form(client) -> None:
    """A SELECT whose comments name other forms is still a SELECT (SPARQLWrapper, which
    speaks to a remote store, guessed the form from the comments and words like 'task')."""
    query = ("# not a CONSTRUCT:\n# this line names CONSTRUCT once more\n# a task to ASK\n"
             + SELECT_HEADLINE)
    assert [row["h"] for row in bindings(client.post("/sparql", data={"query": query}))] == [HEADLINE]


@pytest.mark.parametrize(("key", "media", "parse"), RESULT_FORMATS)
def test_select_by_accept(client, key, media, parse) -> None:
    """SELECT answers in the result format named by Accept, with that Content-Type."""
    response = run(client, SELECT_HEADLINE, accept=media)
    assert response.status_code == 200
    assert response.mimetype == media
    assert parse(response.get_data(as_text=True)) == [HEADLINE]


@pytest.mark.parametrize(("key", "media", "parse"), RESULT_FORMATS)
def test_select_by_format_parameter(client, key, media, parse) -> None:
    """format=json|xml|csv|tsv picks the result format whatever Accept says (for browsers)."""
    response = run(client, SELECT_HEADLINE, accept="text/html", format=key)
    assert response.status_code == 200
    assert response.mimetype == media
    assert parse(response.get_data(as_text=True)) == [HEADLINE]


def test_select_default_format_is_json(client) -> None:
    """Accept */* gets SPARQL JSON results."""
    assert run(client, SELECT_HEADLINE, accept="*/*").mimetype == JSON


@pytest.mark.parametrize(("query", "expected"), [
    ("ASK { ?s a pf:Person }", True),
    ("ASK { ?s a pf:Spaceship }", False),
])
def test_ask(client, query, expected) -> None:
    """ASK answers a boolean in JSON and in XML."""
    response = run(client, query)
    assert response.status_code == 200
    assert response.get_json()["boolean"] is expected
    xml = run(client, query, accept="application/sparql-results+xml")
    boolean = ET.fromstring(xml.get_data(as_text=True)).find(f"{SRX}boolean")
    assert boolean.text == str(expected).lower()


@pytest.mark.parametrize(("media", "parser"), [
    ("text/turtle", "turtle"),
    ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"),
])
def test_construct_formats(client, media, parser) -> None:
    """CONSTRUCT answers in Turtle, JSON-LD, N-Triples or RDF/XML, each parseable by rdflib."""
    response = run(client, CONSTRUCT_HEADLINE, accept=media)
    assert response.status_code == 200
    assert response.mimetype == media
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    assert set(graph) == {(URIRef(RELEASE), PF.headline, Literal(HEADLINE))}


@pytest.mark.parametrize(("key", "parser"), [("turtle", "turtle"), ("jsonld", "json-ld"),
                                             ("ntriples", "nt"), ("rdfxml", "xml")])
def test_construct_by_format_parameter(client, key, parser) -> None:
    """format=turtle|jsonld|ntriples|rdfxml picks the graph format of a CONSTRUCT."""
    response = run(client, CONSTRUCT_HEADLINE, accept="*/*", format=key)
    assert response.status_code == 200
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    assert len(graph) == 1


def test_describe(client) -> None:
    """DESCRIBE of Wang Ping answers his triples in Turtle."""
    response = run(client, f"DESCRIBE <{BASE}id/person/wang-ping>", accept="text/turtle")
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (URIRef(BASE + "id/person/wang-ping"), None, None) in graph


# --- every seed fact ------------------------------------------------------------------

G60 = "G60 S&T Innovation Valley of Yangtze River Delta"
OFFICE = "Science and technology Innovation Development Office of Songjiang District"
CENTER = "Yangtze river delta G60 Jinhua (Shanghai) science and technology innovation center"
CONTACT = f"<{RELEASE}> pf:contactPoint ?c ."

SEED_FACTS = {
    "headline": f'<{RELEASE}> pf:headline "{HEADLINE}" .',
    "datePublished": f'<{RELEASE}> pf:datePublished "2020-11-12T05:27:00"^^xsd:dateTime .',
    "contact company": f"{CONTACT} ?c pf:company ?o . ?o a pf:Organization ; "
                       'rdfs:label "Guangzhou Taikunchi Advertising Co., Ltd" .',
    "contact person": f"{CONTACT} ?c pf:contactPerson ?p . "
                      '?p a pf:Person ; rdfs:label "Ziyu Yan" .',
    "contact phone": f"{CONTACT} ?c pf:telephone ?t . "
                     'FILTER(REPLACE(STR(?t), "[^0-9+]", "") = "+8613922218503")',
    "contact country": f'{CONTACT} ?c pf:country ?k . ?k a pf:Place ; rdfs:label "China" .',
    "contact website": f"{CONTACT} ?c pf:website <http://g60.songjiang.gov.cn> .",
    "subject organization": f"<{RELEASE}> pf:about ?o . "
                            f'?o a pf:Organization ; rdfs:label "{G60}" .',
    **{f"place {name}": f'<{RELEASE}> pf:mentions ?pl . ?pl a pf:Place ; rdfs:label "{name}" .'
       for name in ("Yangtze River Delta", "Shanghai", "Songjiang District", "Jinhua")},
    **{f"organization {name[:20]}":
       f'<{RELEASE}> pf:mentions ?o . ?o a pf:Organization ; rdfs:label "{name}" .'
       for name in (OFFICE, CENTER)},
    "post": '?w rdfs:label "Wang Ping" ; pf:holdsPost ?post . ?post a pf:Post ; pf:heldBy ?w ; '
            'pf:postTitle "Secretary and Director" ; pf:postIn ?office . '
            f'?office rdfs:label "{OFFICE}" .',
    "quote": f"?q a pf:Quote ; pf:speaker ?w ; pf:quoteText ?t ; pf:statedIn <{RELEASE}> . "
             '?w a pf:Person ; rdfs:label "Wang Ping" . '
             'FILTER(STRSTARTS(?t, "Through the agglomeration of head enterprises"))',
    **{f"claim {value}": f"?c a pf:QuantitativeClaim ; pf:value {value} ; "
                         'pf:asOf "2020-11-12"^^xsd:date ; '
                         f'pf:statedIn <{RELEASE}> ; pf:claimSubject ?s . ?s rdfs:label "{G60}" .'
       for value in (1280, 13, 11, 9)},
}


@pytest.mark.parametrize("name", list(SEED_FACTS))
def test_seed_fact_is_queryable(client, name) -> None:
    """Each fact of the seed release is found by a query through the endpoint."""
    response = run(client, f"ASK {{ {SEED_FACTS[name]} }}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["boolean"] is True


def test_one_query_finds_every_seed_fact(client) -> None:
    """A single ASK holding every seed fact (each in its own EXISTS) is true."""
    conditions = " && ".join(f"EXISTS {{ {pattern} }}" for pattern in SEED_FACTS.values())
    response = run(client, f"ASK {{ FILTER({conditions}) }}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["boolean"] is True


def test_select_lists_claims_and_places(client) -> None:
    """SELECT returns exactly the four claimed values and the four places the body mentions."""
    claims = bindings(run(client, """SELECT ?v ?asOf WHERE {
        ?c a pf:QuantitativeClaim ; pf:value ?v ; pf:asOf ?asOf }"""))
    assert sorted(int(r["v"]) for r in claims) == [9, 11, 13, 1280]
    assert {r["asOf"] for r in claims} == {"2020-11-12"}
    places = bindings(run(client, f"""SELECT ?name WHERE {{ <{RELEASE}> pf:mentions ?p .
        ?p a pf:Place ; rdfs:label ?name }}"""))
    assert {r["name"] for r in places} >= {"Yangtze River Delta", "Shanghai",
                                           "Songjiang District", "Jinhua"}


# --- refusals -------------------------------------------------------------------------

def test_malformed_query_is_400_with_parser_message(client) -> None:
    """A syntax error is 400 bad_query, and the message is the parser's (with the position)."""
    bad = "SELEC ?x WHERE { ?x ?y ?z }"
    with pytest.raises(SyntaxError) as parser_error:
        ox.Store().query(bad)
    response = run(client, bad)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["error"] == "bad_query"
    if client.application.config["KG"].store == "embedded":
        assert str(parser_error.value) in body["message"]
    else:  # checked by rdflib's parser before it goes to the remote store
        assert "line:1" in body["message"] and "col:" in body["message"]


def test_two_query_parameters_are_400(client) -> None:
    """Several 'query' parameters (GET or POST) are refused with 400."""
    response = client.get("/sparql",
                          query_string=[("query", SELECT_HEADLINE), ("query", SELECT_HEADLINE)])
    assert response.status_code == 400
    assert "one" in response.get_json()["message"]
    posted = client.post("/sparql", data={"query": [SELECT_HEADLINE, SELECT_HEADLINE]})
    assert posted.status_code == 400


@pytest.mark.parametrize("send", ["get_update", "post_form_update", "post_sparql_update"])
def test_updates_are_403(client, send) -> None:
    """The endpoint is read-only: update= (GET or form) and application/sparql-update get 403."""
    update = f'INSERT DATA {{ <{BASE}id/person/x> <{PF}speaker> "y" }}'
    if send == "get_update":
        response = client.get("/sparql", query_string={"update": update})
    elif send == "post_form_update":
        response = client.post("/sparql", data={"update": update})
    else:
        response = client.post("/sparql", data=update, content_type="application/sparql-update")
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert run(client, f"ASK {{ <{BASE}id/person/x> ?p ?o }}").get_json()["boolean"] is False


def test_update_sent_as_query_is_refused(client) -> None:
    """An update in query= is refused as an update (403, read-only), and nothing changes."""
    response = run(client, f'INSERT DATA {{ <{BASE}id/person/x> <{PF}speaker> "y" }}')
    assert response.status_code == 403
    assert "read-only" in response.get_json()["message"]
    assert run(client, f"ASK {{ <{BASE}id/person/x> ?p ?o }}").get_json()["boolean"] is False


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_post_of_other_types_is_415(client, content_type) -> None:
    """A POST body that is neither a form nor application/sparql-query is 415."""
    response = client.post("/sparql", data=SELECT_HEADLINE.encode(), content_type=content_type)
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_json()["message"]


def test_unacceptable_result_type_is_406(client) -> None:
    """Accept image/png for a SELECT is 406, naming the result formats on offer."""
    response = run(client, SELECT_HEADLINE, accept="image/png")
    assert response.status_code == 406
    message = response.get_json()["message"]
    for media in (JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"):
        assert media in message


@pytest.mark.parametrize(("query", "fmt"), [(SELECT_HEADLINE, "turtle"), (SELECT_HEADLINE, "bogus"),
                                            (CONSTRUCT_HEADLINE, "csv")])
def test_format_that_does_not_fit_falls_back_to_accept(client, query, fmt) -> None:
    """format= naming a format this kind of query has not is ignored in favour of Accept
    (SPARQLWrapper sends format=json with CONSTRUCT and Accept: text/turtle, meaning Turtle)."""
    response = run(client, query, accept="text/csv, text/turtle", format=fmt)
    assert response.status_code == 200
    assert response.mimetype in ("text/csv", "text/turtle")


def test_oversized_body_is_413(client) -> None:
    """A request body over KG_MAX_BODY is refused with 413 in the usual JSON error shape."""
    response = client.post("/sparql", data=b"#" * 1_100_000,
                           content_type="application/sparql-query",
                           headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["ok"] is False


def test_from_clause_restricts_the_default_graph(client) -> None:
    """SELECT … FROM <{base}graph/ontology> sees only the ontology graph, not the releases."""
    query = f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/ontology> WHERE {{ ?s pf:headline ?h }}"
    assert bindings(run(client, query)) == [{"n": "0"}]


@pytest.fixture()
def listener():
    """A TCP socket on 127.0.0.1 that records whether anybody connects to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.settimeout(5)
    connected: list[bool] = []

    def accept() -> None:
        try:
            conn, _ = sock.accept()
            connected.append(True)
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1], connected
    sock.close()
    thread.join(timeout=6)


def test_service_clause_is_refused_without_outbound_request(client, listener) -> None:
    """A federated SERVICE query is refused with 400 and the server contacts nobody."""
    port, connected = listener
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    response = run(client, query)
    assert connected == []
    assert response.status_code == 400


# --- the HTML form and results -------------------------------------------------------

def test_form_page_for_browsers(client) -> None:
    """GET /sparql with Accept text/html shows the form with a query and example links."""
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    form = soup.find("form", class_="sparql")
    assert form["method"] == "post" and form["action"] == "/sparql"
    assert "SELECT" in form.find("textarea", attrs={"name": "query"}).get_text()
    titles = [a.get_text(strip=True) for a in soup.select("details.examples a")]
    assert titles == [title for _, title, _ in examples()]


def _result_rows(client, href: str) -> list[list[str]]:
    response = client.get(href, headers={"Accept": "text/html"})
    assert response.status_code == 200, (href, response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    table = soup.select_one("table.results")
    assert table is not None
    return [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in table.tbody.find_all("tr")]


def test_every_example_query_link_runs(client) -> None:
    """Each example link of the form page runs and shows at least one row in the HTML table."""
    soup = soup_of(client.get("/sparql", headers={"Accept": "text/html"}))
    links = [a["href"] for a in soup.select("details.examples a")]
    assert links
    for href in links:
        assert href.startswith("/sparql?")
        assert len(_result_rows(client, href)) >= 1, href


def test_html_results_link_iris_to_pages(client) -> None:
    """In the HTML table, our IRIs link to their pages and literals are shown as text."""
    query = "SELECT ?p ?name WHERE { ?p a pf:Person ; rdfs:label ?name } ORDER BY ?name"
    soup = soup_of(run(client, query, accept="text/html"))
    assert [th.get_text() for th in soup.select("table.results thead th")] == ["p", "name"]
    rows = soup.select("table.results tbody tr")
    assert [r.find_all("td")[1].get_text(strip=True) for r in rows] == ["Wang Ping", "Ziyu Yan"]
    assert rows[0].find("a", href="/page/person/wang-ping")


def test_html_construct_results_are_a_triple_table(client) -> None:
    """A CONSTRUCT shown in HTML is a subject/predicate/object table."""
    href = "/sparql?" + urlencode({"query": CONSTRUCT_HEADLINE, "format": "html"})
    rows = _result_rows(client, href)
    assert len(rows) == 1
    assert rows[0][2] == HEADLINE


def test_html_ask_result(client) -> None:
    """An ASK shown in HTML says true."""
    soup = soup_of(run(client, "ASK { ?s a pf:Person }", accept="text/html"))
    assert soup.select_one("p.boolean").get_text(strip=True) == "true"


def test_html_results_escape_values_and_query(client) -> None:
    """Markup in a result value or in the query is shown as text, never run."""
    query = 'SELECT ?x WHERE { BIND("<script>alert(1)</script></textarea><b>x</b>" AS ?x) }'
    soup = soup_of(run(client, query, accept="text/html"))
    assert soup.find_all("script") == [] and soup.find_all("b") == []
    assert soup.select_one("table.results tbody td").get_text(strip=True) == \
        "<script>alert(1)</script></textarea><b>x</b>"
    assert soup.find("textarea").get_text() == query


def test_results_are_cut_at_max_rows_and_say_so(seed_settings) -> None:
    """With KG_MAX_ROWS=3 every format gets 3 rows and a header saying it was cut;
    the HTML table says so in words; with no cap (0) all rows come back."""
    app = create_app(seed_settings.replace(max_rows=3))
    client = app.test_client()
    query = "SELECT ?s WHERE { ?s a pf:Evidence }"
    soup = soup_of(run(client, query, accept="text/html"))
    assert len(soup.select("table.results tbody tr")) == 3
    assert "cut at 3" in soup.select_one("section.results").get_text()
    response = run(client, query)
    assert len(bindings(response)) == 3
    assert response.headers["KG-Truncated"] == "true" and response.headers["KG-Rows"] == "3"
    assert "KG_MAX_ROWS" in response.headers["Warning"]
    csv_response = run(client, query, accept="text/csv")
    assert len(csv_response.get_data(as_text=True).strip().splitlines()) == 4
    construct = run(client, "CONSTRUCT WHERE { ?s a pf:Evidence }", accept="application/n-triples")
    assert len(construct.get_data(as_text=True).strip().splitlines()) == 3
    assert construct.headers["KG-Truncated"] == "true"
    uncapped = create_app(seed_settings.replace(max_rows=0)).test_client()
    response = run(uncapped, query)
    assert len(bindings(response)) > 3 and "KG-Truncated" not in response.headers


# --- the service description ---------------------------------------------------------

@pytest.mark.parametrize(("media", "parser"), [("text/turtle", "turtle"),
                                               ("application/ld+json", "json-ld")])
def test_service_description(client, media, parser) -> None:
    """GET /sparql without a query, asking for RDF, is a service description naming the endpoint."""
    response = client.get("/sparql", headers={"Accept": media})
    assert response.status_code == 200 and response.mimetype == media
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    services = list(graph.subjects(predicate=SD.endpoint))
    assert len(services) == 1
    endpoint = graph.value(services[0], SD.endpoint)
    assert str(endpoint).endswith("/sparql")
    assert (services[0], SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert len(list(graph.objects(services[0], SD.resultFormat))) >= 8
