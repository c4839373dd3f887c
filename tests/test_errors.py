"""Errors: one JSON shape for API clients, plain text on request, HTML for browsers, 503 unbuilt."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from kg.build import build
from kg.config import Settings
from server import create_app
from tests.conftest import BASE

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# (path, method, status, error code) of errors the server answers
CASES = [
    ("/id/person/nobody", "GET", 404, "not_found"),
    ("/page/spaceship/x", "GET", 404, "not_found"),
    ("/no/such/route", "GET", 404, "not_found"),
    ("/dumps/nope.ttl", "GET", 404, "not_found"),
    ("/sparql?query=SELEC", "GET", 400, "bad_query"),
    ("/sparql?update=DROP+ALL", "GET", 403, "forbidden"),
    ("/id/person/wang-ping", "POST", 405, "method_not_allowed"),
]


def call(client, path: str, method: str, accept: str):
    return client.open(path, method=method, headers={"Accept": accept})


@pytest.mark.parametrize(("path", "method", "status", "code"), CASES)
def test_json_error_shape(client, path, method, status, code) -> None:
    """API clients get {ok: false, error, message, status} with the HTTP status repeated."""
    response = call(client, path, method, "application/json")
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"ok", "error", "message", "status"}
    assert body["ok"] is False
    assert body["error"] == code
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]


@pytest.mark.parametrize(("path", "method", "status", "code"), CASES)
def test_html_error_page_for_browsers(client, path, method, status, code) -> None:
    """A browser gets an HTML page with the status as heading, the message and a way home."""
    response = call(client, path, method, BROWSER)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.h1.get_text(strip=True).startswith(str(status))
    assert soup.select_one("p.error").get_text(strip=True)
    assert soup.find("a", href="/")


def test_html_error_message_matches_json(client) -> None:
    """The HTML page and the JSON body carry the same message."""
    as_json = call(client, "/id/person/nobody", "GET", "application/json").get_json()["message"]
    response = call(client, "/id/person/nobody", "GET", BROWSER)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("p.error").get_text(strip=True) == as_json


def test_plain_text_error_on_request(client) -> None:
    """A client that prefers text/plain gets '<status> <code>: <message>'."""
    response = call(client, "/id/person/nobody", "GET", "text/plain")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("404 not_found: ")


@pytest.mark.parametrize("accept", [None, "*/*", "application/sparql-results+json"])
def test_non_browser_clients_get_json(client, accept) -> None:
    """No Accept, */* or a SPARQL client's Accept: the error is JSON, not HTML."""
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": "SELEC"}, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_query"


def test_errors_vary_on_accept(client) -> None:
    """Since the error's format depends on Accept, the answer says Vary: Accept."""
    assert "Accept" in call(client, "/id/person/nobody", "GET", "application/json").vary


def test_405_keeps_allow_header(client) -> None:
    """A 405 still lists the allowed methods in Allow."""
    response = call(client, "/id/person/wang-ping", "POST", "application/json")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_html_error_escapes_the_message(client) -> None:
    """A message that echoes the request (a kind with markup) is shown as text, not as markup."""
    markup = "<img src=x onerror=alert(1)>"
    response = client.get(f"/page/{markup}/x", headers={"Accept": BROWSER})
    assert response.status_code == 404
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find_all("img") == []
    assert markup in soup.select_one("p.error").get_text()


@pytest.fixture()
def empty_settings(tmp_path: Path) -> Settings:
    """Settings over an empty build folder: nothing published yet."""
    return Settings(base_uri=BASE, data_dir=tmp_path / "data", build_dir=tmp_path / "build")


@pytest.mark.parametrize("path", ["/", "/id/person/wang-ping", "/page/person/wang-ping",
                                  "/data/person/wang-ping.ttl", "/sparql?query=ASK{}", "/dumps/",
                                  "/dumps/dataset.ttl"])
def test_503_without_a_build(empty_settings, path) -> None:
    """With no published build every data route is 503 no_build, saying to run `kg build`."""
    client = create_app(empty_settings).test_client()
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 503
    body = response.get_json()
    assert body == {"ok": False, "error": "no_build", "message": body["message"], "status": 503}
    assert "kg build" in body["message"]


def test_503_page_for_browsers(empty_settings) -> None:
    """A browser sees the 503 as an HTML page."""
    response = create_app(empty_settings).test_client().get("/", headers={"Accept": BROWSER})
    assert response.status_code == 503
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.h1.get_text(strip=True).startswith("503")
    assert "kg build" in soup.select_one("p.error").get_text()


def test_pages_without_data_work_without_a_build(empty_settings) -> None:
    """The ontology and the SPARQL form do not need a build."""
    client = create_app(empty_settings).test_client()
    assert client.get("/ontology", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/sparql", headers={"Accept": "text/html"}).status_code == 200


def test_first_build_is_served_without_restart(fresh_settings) -> None:
    """An app started before any build answers 503, then serves the build once it is published."""
    client = create_app(fresh_settings).test_client()
    assert client.get("/page/person/wang-ping").status_code == 503
    build(fresh_settings)
    assert client.get("/page/person/wang-ping").status_code == 200
