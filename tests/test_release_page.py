"""The release page: the full text, mentions linked, facts highlighted, well formed and escaped."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from kg.build import build
from kg.config import Settings
from server import create_app
from tests.conftest import BASE, copy_data

RELEASE = BASE + "id/release/000-634751f1f0fbc018"
PAGE = "/page/release/000-634751f1f0fbc018"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def select(client, query: str) -> list[dict[str, str]]:
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in rows]


def page_path(iri: str) -> str:
    return "/page/" + iri[len(BASE + "id/"):]


@pytest.fixture(scope="module")
def html(app) -> str:
    response = app.test_client().get(PAGE)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def soup(html) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.fixture(scope="module")
def text_div(soup) -> BeautifulSoup:
    div = soup.select_one("div.release-text")
    assert div is not None
    return div


@pytest.fixture(scope="module")
def release_text(app) -> str:
    rows = select(app.test_client(), f"SELECT ?text WHERE {{ <{RELEASE}> pf:text ?text }}")
    return rows[0]["text"]


def shown_text(div) -> str:
    """The text a reader sees in the release body, without the [↗] links to fact pages."""
    copy = BeautifulSoup(str(div), "html.parser")
    for fact in copy.select("a.fact"):
        fact.decompose()
    return copy.get_text()


def test_headline_is_the_title(soup) -> None:
    """The page's heading is the release's headline."""
    assert soup.h1.get_text(strip=True) == \
        "G60 S&T Innovation Valley of Yangtze River Delta has Made Strong Development."


def test_page_shows_the_exact_release_text(text_div, release_text) -> None:
    """Markup aside, the text block is exactly pf:text: nothing is lost, added or re-spaced."""
    assert shown_text(text_div) == release_text


def test_page_text_contains_whole_body(app, soup) -> None:
    """Every paragraph of the body (pf:body) appears in the page's text (the [↗] links aside)."""
    body = select(app.test_client(), f"SELECT ?b WHERE {{ <{RELEASE}> pf:body ?b }}")[0]["b"]
    page_text = shown_text(soup)
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    assert len(paragraphs) >= 5
    for paragraph in paragraphs:
        assert paragraph in page_text


def test_wang_ping_mention_is_a_link(text_div) -> None:
    """A person's mention is <a class="mention" href="/page/person/wang-ping">Wang Ping</a>."""
    links = text_div.select('a.mention[href="/page/person/wang-ping"]')
    assert len(links) == 1
    assert links[0].get_text() == "Wang Ping"
    assert links[0]["title"] == "Wang Ping"


@pytest.mark.parametrize("slug", [
    "organization/g60-s-t-innovation-valley-of-yangtze-river-delta",
    "organization/science-and-technology-innovation-development-office-of-songjiang-district",
    "organization/yangtze-river-delta-g60-jinhua-shanghai-science-and-technology-innovation-center",
    "organization/guangzhou-taikunchi-advertising-co-ltd",
    "person/ziyu-yan",
    "place/shanghai",
    "place/yangtze-river-delta",
    "place/china",
])
def test_mentions_link_to_entity_pages(app, text_div, slug) -> None:
    """Each span citing an entity (not nested in another entity's name) is a link to its page,
    and the linked text is exactly the span's words."""
    spans = select(app.test_client(), f"""SELECT ?start ?end ?exact WHERE {{
        <{BASE}id/{slug}> pf:evidence ?e . ?e pf:start ?start ; pf:end ?end ; pf:exact ?exact }}""")
    assert spans
    for span in spans:
        link = text_div.find("a", id=f"char={span['start']},{span['end']}")
        assert link is not None, span
        assert "mention" in link["class"]
        assert link["href"] == f"/page/{slug}"
        assert link.get_text() == span["exact"]


def test_every_g60_mention_is_linked(text_div) -> None:
    """All seven mentions of the valley in the text are links to its page."""
    href = "/page/organization/g60-s-t-innovation-valley-of-yangtze-river-delta"
    links = text_div.select(f'a.mention[href="{href}"]')
    assert len(links) == 7
    assert {a.get_text() for a in links} == {"G60 S&T Innovation Valley of Yangtze River Delta"}


@pytest.mark.parametrize("slug", ["place/jinhua", "place/songjiang-district"])
def test_nested_mentions_keep_an_anchor(app, text_div, slug) -> None:
    """A mention inside another entity's name still gets an element with its char= id."""
    spans = select(app.test_client(), f"""SELECT ?start ?end WHERE {{
        <{BASE}id/{slug}> pf:evidence ?e . ?e pf:start ?start ; pf:end ?end }}""")
    assert spans
    for span in spans:
        assert text_div.find(id=f"char={span['start']},{span['end']}") is not None


def test_quote_is_highlighted(app, text_div) -> None:
    """The quote is a <mark id="char=start,end"> around its words, then a link to its page."""
    rows = select(app.test_client(), """SELECT ?q ?text ?start ?end WHERE {
        ?q a pf:Quote ; pf:quoteText ?text ; pf:evidence ?e . ?e pf:start ?start ; pf:end ?end }""")
    assert len(rows) == 1
    quote = rows[0]
    mark = text_div.find("mark", id=f"char={quote['start']},{quote['end']}")
    assert mark is not None
    assert mark.get_text() == quote["text"]
    assert mark.get_text().startswith("Through the agglomeration of head enterprises")
    fact_link = mark.find_next_sibling("a")
    assert "fact" in fact_link["class"]
    assert fact_link["href"] == page_path(quote["q"])
    # the mentions inside the quote are still links
    assert mark.find("a", class_="mention", href="/page/place/shanghai")


def test_claims_are_highlighted(app, text_div) -> None:
    """Each quantitative claim is a <mark> with its char= id around the words that state it."""
    rows = select(app.test_client(), """SELECT ?c ?exact ?start ?end WHERE {
        ?c a pf:QuantitativeClaim ; pf:evidence ?e .
        ?e pf:start ?start ; pf:end ?end ; pf:exact ?exact }""")
    assert len(rows) == 4
    for claim in rows:
        mark = text_div.find("mark", id=f"char={claim['start']},{claim['end']}")
        assert mark is not None, claim
        assert mark.get_text() == claim["exact"]
        assert text_div.find("a", class_="fact", href=page_path(claim["c"]))


def test_post_is_highlighted_with_mention_inside(text_div) -> None:
    """The post's span is highlighted and Wang Ping's name inside it stays a link."""
    mark = text_div.find("a", href="/page/person/wang-ping").find_parent("mark")
    assert mark is not None
    assert mark.get_text().startswith("Wang Ping, Secretary and Director of")


def test_fact_links_resolve(client, text_div) -> None:
    """Every [↗] link after a highlight goes to a page that exists."""
    hrefs = {a["href"] for a in text_div.select("a.fact")}
    assert len(hrefs) >= 7  # 4 claims, a quote, a post, the contact
    for href in hrefs:
        assert client.get(href).status_code == 200, href


def test_no_anchor_inside_an_anchor(soup) -> None:
    """Links never nest (nested <a> is invalid HTML and browsers split them)."""
    anchors = soup.find_all("a")
    assert anchors
    assert [a for a in anchors if a.find_parent("a") is not None] == []


class _NestingChecker(HTMLParser):
    """Records every end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def test_html_is_well_formed(html) -> None:
    """Every element is closed in order (marks and links interleave without crossing)."""
    checker = _NestingChecker()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []


def test_ids_are_unique(soup) -> None:
    """Each char= anchor appears once, so fragment links are unambiguous."""
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))


def test_evidence_links_of_all_pages_land_on_anchors(client, soup) -> None:
    """Each 'where the releases say so' link of every entity page names an id of the release
    page."""
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    rows = select(client, f"""SELECT DISTINCT ?s WHERE {{ ?s pf:evidence ?e
        FILTER(STRSTARTS(STR(?s), "{BASE}id/") && ?s != <{RELEASE}>) }}""")
    dangling = []
    for row in rows:
        page = BeautifulSoup(client.get(page_path(row["s"])).get_data(as_text=True), "html.parser")
        for link in page.select("ul.evidence a"):
            path, _, fragment = link["href"].partition("#")
            if path == PAGE and fragment not in ids:
                dangling.append((row["s"], link["href"]))
    assert dangling == []


def test_fragment_links_on_release_page_resolve(soup) -> None:
    """Links from the release page to its own fragments land on an element with that id."""
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    fragments = [a["href"].partition("#")[2] for a in soup.find_all("a", href=True)
                 if a["href"].startswith(PAGE + "#")]
    assert [f for f in fragments if f not in ids] == []


# --- escaping: a release whose text is HTML ------------------------------------------

XSS_HEADLINE = "<script>alert(1)</script> and <b>x</b> announce things"
XSS_BODY = "The <b>x</b> Corp said <script>alert(1)</script> today & more."
XSS_RELEASE = f"""{XSS_HEADLINE}

November 12
05:27 2020

{XSS_BODY}

Media Contact
Company Name: <b>x</b> Corp
Contact Person: Ann Lee
Phone: +1 555 0100
Country: China
Website: http://example.com
"""


@pytest.fixture(scope="module")
def xss_client(tmp_path_factory) -> FlaskClient:
    """An app over a build whose only release has HTML in headline, body and an entity name."""
    root = tmp_path_factory.mktemp("xss")
    source = root / "source" / "001_xss.txt"
    source.parent.mkdir()
    source.write_text(XSS_RELEASE, encoding="utf-8")
    data = copy_data(root / "data", releases=[source])
    facts = {"release": "001_xss", "organizations": [
        {"name": "<b>x</b> Corp", "mentions": [{"text": "<b>x</b> Corp"}]}]}
    (data / "facts" / "001_xss.json").write_text(json.dumps(facts), encoding="utf-8")
    settings = Settings(base_uri=BASE, data_dir=data, build_dir=Path(root / "build"))
    build(settings)
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def _page(client: FlaskClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_release_text_from_data_is_escaped(xss_client) -> None:
    """Markup in a release is shown as text: no <script> or <b> element comes from the data."""
    soup = _page(xss_client, "/page/release/001-xss")
    assert soup.find_all("script") == []
    assert soup.find_all("b") == []
    assert soup.h1.get_text() == XSS_HEADLINE
    text = soup.select_one("div.release-text").get_text()
    assert XSS_HEADLINE in text
    assert XSS_BODY in text


def test_entity_names_from_data_are_escaped(xss_client) -> None:
    """An entity named with markup is linked by its literal name, in text and title attributes."""
    release = _page(xss_client, "/page/release/001-xss")
    links = release.select('a.mention[href="/page/organization/b-x-b-corp"]')
    assert links
    assert all(a.get_text() == "<b>x</b> Corp" and a["title"] == "<b>x</b> Corp" for a in links)
    entity = _page(xss_client, "/page/organization/b-x-b-corp")
    assert entity.find_all("script") == [] and entity.find_all("b") == []
    assert entity.h1.get_text() == "<b>x</b> Corp"
    assert entity.title.get_text().startswith("<b>x</b> Corp")
