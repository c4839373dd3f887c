"""Content negotiation: ``server.negotiation.choose`` and the 303 answers of ``/id/…``.

The Accept matrix is checked twice: on the pure function, and on the redirect a
client really gets. Every negotiated response must say ``Vary: Accept``.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.negotiation import (
    DOCUMENT_FORMATS,
    GRAPH_FORMATS,
    HTML,
    RESULT_FORMATS,
    choose,
    describe,
)
from tests.conftest import BASE

WANG = ("person", "wang-ping")
RDF_KEYS = {"turtle", "jsonld", "ntriples", "rdfxml"}
ALL_DOCUMENT_TYPES = ("text/html", "text/turtle", "application/ld+json",
                      "application/n-triples", "application/rdf+xml")


def accept(header: str) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


def key(header: str, offered=DOCUMENT_FORMATS) -> str | None:
    chosen = choose(accept(header), offered)
    return chosen.key if chosen else None


# --- the pure function -----------------------------------------------------------------

@pytest.mark.parametrize(("header", "expected"), [
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
    ("text/turtle", "turtle"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "ntriples"),
    ("application/rdf+xml", "rdfxml"),
    ("text/html;q=0.5, text/turtle", "turtle"),
    ("text/turtle;q=0.5, application/ld+json;q=0.6", "jsonld"),
    ("application/rdf+xml;q=0.9, text/turtle;q=0.8", "rdfxml"),
    ("text/*;q=0.5, text/turtle", "turtle"),
    ("*/*;q=0.1, text/turtle;q=0.2", "turtle"),
    ("*/*", "html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
    ("image/png", None),
])
def test_choose_document_format(header: str, expected: str | None) -> None:
    """choose() picks the offered format the Accept header likes best, honouring q-values."""
    assert key(header) == expected


def test_choose_without_accept_takes_first_offered() -> None:
    """No Accept header at all means no preference: the first offered format wins."""
    assert choose(MIMEAccept(), DOCUMENT_FORMATS) is HTML
    assert choose(MIMEAccept(), GRAPH_FORMATS).key == "turtle"


def test_choose_application_wildcard_among_graph_formats() -> None:
    """application/* among the RDF formats picks an application/… RDF format (JSON-LD first)."""
    assert key("application/*", GRAPH_FORMATS) == "jsonld"


def test_choose_application_wildcard_prefers_rdf_over_html() -> None:
    """Accept: application/* (a data client) gets an RDF format, not HTML."""
    assert key("application/*") in RDF_KEYS


def test_choose_respects_explicit_refusal_of_html() -> None:
    """text/html;q=0 means 'not HTML': */* must then fall to an RDF format."""
    assert key("text/html;q=0, */*;q=0.1") in RDF_KEYS


def test_choose_refused_turtle_falls_to_next_rdf_format() -> None:
    """text/turtle;q=0 with */* still gets RDF, just not Turtle."""
    assert key("text/turtle;q=0, */*", GRAPH_FORMATS) in RDF_KEYS - {"turtle"}


@pytest.mark.parametrize(("header", "expected"), [
    ("application/sparql-results+json", "json"),
    ("application/json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("*/*", "json"),
])
def test_choose_result_format(header: str, expected: str) -> None:
    """SPARQL result formats are chosen by their media types; */* means JSON."""
    assert key(header, RESULT_FORMATS) == expected


@given(st.integers(1, 1000), st.integers(1, 1000))
def test_choose_follows_q_values(q_html: int, q_turtle: int) -> None:
    """Whatever the q-values of HTML and Turtle, the higher one wins (a tie goes to HTML)."""
    header = f"text/html;q={q_html / 1000}, text/turtle;q={q_turtle / 1000}"
    assert key(header) == ("turtle" if q_turtle > q_html else "html")


def test_describe_lists_canonical_media_types() -> None:
    """describe() names the canonical media type of every offered format, for 406 messages."""
    text = describe(DOCUMENT_FORMATS)
    for media in ALL_DOCUMENT_TYPES:
        assert media in text


# --- the /id/ redirects ----------------------------------------------------------------

@pytest.mark.parametrize(("header", "target"), [
    ("text/html", "/page/person/wang-ping"),
    ("text/turtle", "/data/person/wang-ping.ttl"),
    ("application/ld+json", "/data/person/wang-ping.jsonld"),
    ("application/n-triples", "/data/person/wang-ping.nt"),
    ("application/rdf+xml", "/data/person/wang-ping.rdf"),
    ("text/html;q=0.5, text/turtle", "/data/person/wang-ping.ttl"),
    ("application/rdf+xml;q=0.9, text/turtle;q=0.8", "/data/person/wang-ping.rdf"),
    ("*/*", "/page/person/wang-ping"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "/page/person/wang-ping"),
])
def test_id_redirects_by_accept(client, header: str, target: str) -> None:
    """/id/… answers 303 See Other to the page or the data in the format the client prefers."""
    response = client.get("/id/person/wang-ping", headers={"Accept": header})
    assert response.status_code == 303
    assert response.headers["Location"] == target


@pytest.mark.parametrize("path", [
    "/id/organization/g60-s-t-innovation-valley-of-yangtze-river-delta",
    "/id/place/shanghai",
    "/id/release/000-634751f1f0fbc018",
    "/id/contact/000-634751f1f0fbc018",
])
def test_id_redirects_other_kinds(client, path: str) -> None:
    """The same negotiation holds for other kinds of things."""
    slug_path = path.removeprefix("/id/")
    html = client.get(path, headers={"Accept": "text/html"})
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert (html.status_code, html.headers["Location"]) == (303, f"/page/{slug_path}")
    assert (turtle.status_code, turtle.headers["Location"]) == (303, f"/data/{slug_path}.ttl")


def test_id_without_accept_goes_to_page(client) -> None:
    """A client that states no preference (no Accept header) is sent to the HTML page."""
    response = client.get("/id/person/wang-ping")
    assert response.status_code == 303
    assert response.headers["Location"] == "/page/person/wang-ping"


def test_id_application_wildcard_goes_to_data_among_graph_formats(client) -> None:
    """/data/… without extension and Accept application/* answers JSON-LD."""
    response = client.get("/data/person/wang-ping", headers={"Accept": "application/*"})
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"


def test_id_application_wildcard_redirects_to_data(client) -> None:
    """An RDF client sending Accept: application/* is redirected to /data/…, not /page/…."""
    response = client.get("/id/person/wang-ping", headers={"Accept": "application/*"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/data/person/wang-ping.")


def test_id_unacceptable_type_is_406_listing_available_types(client) -> None:
    """Accept image/png gets 406, and the message lists every type the IRI is available as."""
    response = client.get("/id/person/wang-ping", headers={"Accept": "image/png"})
    assert response.status_code == 406
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 406
    for media in ALL_DOCUMENT_TYPES:
        assert media in body["message"]


def test_data_unacceptable_type_is_406(client) -> None:
    """/data/… without extension and an Accept it cannot meet gets 406 naming the RDF types."""
    response = client.get("/data/person/wang-ping", headers={"Accept": "image/png"})
    assert response.status_code == 406
    message = response.get_json()["message"]
    for media in ALL_DOCUMENT_TYPES[1:]:
        assert media in message


def test_303_body_is_plain_text_naming_target(client) -> None:
    """The 303 body is a short plain-text sentence naming the IRI and where its description is."""
    response = client.get("/id/person/wang-ping", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert response.headers["Location"] in text
    assert BASE + "id/person/wang-ping" in text


# --- Vary: Accept ----------------------------------------------------------------------

QUERY = "SELECT ?h WHERE { ?r pf:headline ?h }"


@pytest.mark.parametrize(("path", "header"), [
    ("/id/person/wang-ping", "text/html"),
    ("/id/person/wang-ping", "text/turtle"),
    ("/id/person/wang-ping", "image/png"),
    ("/data/person/wang-ping", "text/turtle"),
    ("/data/person/wang-ping", "application/ld+json"),
    ("/data/person/wang-ping", "image/png"),
    ("/data/person/wang-ping.ttl", "text/turtle"),
    ("/page/person/wang-ping", "text/html"),
    ("/sparql?query=" + QUERY, "application/sparql-results+json"),
    ("/sparql?query=" + QUERY, "text/csv"),
    ("/sparql?query=" + QUERY, "text/html"),
    ("/sparql?query=" + QUERY, "image/png"),
    ("/sparql", "text/html"),
    ("/sparql", "text/turtle"),
    ("/ontology", "text/html"),
    ("/ontology", "text/turtle"),
    ("/ontology", "image/png"),
    ("/dumps/", "application/json"),
])
def test_vary_accept_on_negotiated_responses(client, path: str, header: str) -> None:
    """Every answer whose content depends on Accept says so with Vary: Accept (errors too)."""
    response = client.get(path, headers={"Accept": header})
    assert "accept" in {v.lower() for v in response.vary}, (path, header, response.status_code)


def test_vary_accept_on_dump_listing_html(client) -> None:
    """The HTML listing of /dumps/ says Vary: Accept too, since the same URL also serves JSON."""
    response = client.get("/dumps/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "accept" in {v.lower() for v in response.vary}
