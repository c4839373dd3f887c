"""A real browser: headless Chromium (Debian's package) driven by Playwright, against `kg serve`.

Opens the home page, a release page, an entity page and the search, follows links the way a
reader would, and fails on any console error or uncaught page error. Playwright never
downloads a browser here: it launches the system's ``chromium`` by its path. ``make test``
and ``.ci/run`` install Debian's chromium when it is missing; these tests skip (saying why)
only when no Chromium can be found at all.

Screenshots of the pages go to ``$SCREENSHOTS_DIR`` when it is set (else a temporary folder).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    None,
)
if CHROMIUM is None and os.environ.get("REQUIRE_BROWSER_TESTS") == "1":  # .ci/run sets it
    raise RuntimeError(
        "REQUIRE_BROWSER_TESTS=1 but no chromium is installed (apt-get install chromium)"
    )

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed"
)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine: `apt-get install -y chromium` (make test does)",
)

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Tab:
    """A page that records console errors and uncaught exceptions while a test drives it."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base = page, base.rstrip("/")
        self.errors: list[str] = []
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def open(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)

    def assert_clean(self) -> None:
        assert self.errors == []

    def assert_fits(self) -> None:
        """Nothing is wider than the window (no sideways scrolling on a phone)."""
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, overflow


@pytest.fixture()
def tab(browser, live_server) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield Tab(context.new_page(), live_server)
    context.close()


@pytest.fixture()
def phone(browser, live_server) -> Iterator[Tab]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield Tab(context.new_page(), live_server)
    context.close()


def test_home_to_release_to_entity(tab, shots) -> None:
    """Home -> the release (by its link) -> a mention in the text -> the entity page."""
    tab.open("/")
    assert tab.page.locator("h1").inner_text() == "Press-release facts"
    tab.page.screenshot(path=str(shots / "home.png"), full_page=True)
    tab.page.locator("ol.timeline a[href^='/page/release/']").first.click()
    tab.page.wait_for_url("**/page/release/**")
    assert tab.page.locator(".release-text a.mention").count() > 10
    tab.page.screenshot(path=str(shots / "release.png"), full_page=False)
    tab.page.locator(".release-text a.mention[href='/page/person/wang-ping']").first.click()
    tab.page.wait_for_url("**/page/person/wang-ping")
    assert tab.page.locator("h1").inner_text() == "Wang Ping"
    tab.assert_clean()


def test_entity_page_and_back_to_the_words(tab, shots) -> None:
    """The valley's page shows its figures; 'in the text' lands on the highlighted words."""
    tab.open("/page/organization/g60-s-t-innovation-valley-of-yangtze-river-delta")
    assert tab.page.locator("table.claims tbody tr").count() == 4
    tab.page.screenshot(path=str(shots / "entity.png"), full_page=True)
    tab.page.locator("table.claims a.source").first.click()
    tab.page.wait_for_url("**/page/release/**#char=*")
    fragment = tab.page.url.split("#", 1)[1]
    target = tab.page.locator(f"[id='{fragment}']")
    assert target.evaluate("e => e.tagName") == "MARK"
    assert target.evaluate("e => e.matches(':target')")
    tab.assert_clean()


def test_person_page(tab, shots) -> None:
    tab.open("/page/person/wang-ping")
    assert "Secretary and Director" in tab.page.locator("section.posts").inner_text()
    tab.page.screenshot(path=str(shots / "person.png"), full_page=True)
    tab.page.locator("section.posts a[href^='/page/organization/']").first.click()
    tab.page.wait_for_url("**/page/organization/**")
    tab.assert_clean()


def test_search_from_the_header(tab, shots) -> None:
    """Typing in the header's search box and pressing Enter lists hits; the first one opens."""
    tab.open("/")
    tab.page.locator("header input[name=q]").fill("songjiang")
    tab.page.locator("header input[name=q]").press("Enter")
    tab.page.wait_for_url("**/search?q=songjiang")
    assert tab.page.locator("ol.hits li").count() >= 2
    tab.page.screenshot(path=str(shots / "search.png"), full_page=True)
    tab.page.locator("ol.hits li > a").first.click()
    tab.page.wait_for_url("**/page/place/songjiang-district")
    tab.assert_clean()


def test_search_json_for_autocomplete(tab) -> None:
    tab.open("/")
    found = tab.page.evaluate("fetch('/search.json?q=wang').then(r => r.json())")
    assert found["results"][0]["page"] == "/page/person/wang-ping"
    tab.assert_clean()


def test_unknown_page_offers_search(tab) -> None:
    response = tab.page.goto(tab.base + "/page/person/wang-pingg")
    assert response is not None and response.status == 404
    assert tab.page.locator("#q-404").input_value() == "wang pingg"
    tab.page.locator("main form.search button").click()
    tab.page.wait_for_url("**/search?q=wang+pingg")


def test_works_without_javascript(browser, live_server) -> None:
    """Search and navigation are plain forms and links: all of it works with scripts off."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "search?q=wang")
    page.locator("ol.hits li > a").first.click()
    page.wait_for_url("**/page/person/wang-ping")
    assert page.locator("h1").inner_text() == "Wang Ping"
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/page/release/000-634751f1f0fbc018",
        "/page/organization/g60-s-t-innovation-valley-of-yangtze-river-delta",
        "/page/person/wang-ping",
        "/search?q=g60",
        "/dumps/",
        "/dataset",
        "/ontology",
    ],
)
def test_pages_fit_a_phone(phone, shots, path) -> None:
    phone.open(path)
    phone.assert_fits()
    if path == "/page/person/wang-ping":
        phone.page.screenshot(path=str(shots / "person-phone.png"), full_page=True)
    phone.assert_clean()


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory) -> Iterator[str]:
    """A server (in a thread) over a build whose release has <script> and <b> in text and names."""
    import json
    import threading

    from werkzeug.serving import make_server

    from kg.build import build
    from kg.config import Settings
    from server import create_app
    from tests.conftest import BASE, copy_data
    from tests.test_release_page import XSS_RELEASE

    root = tmp_path_factory.mktemp("xss-browser")
    source = root / "source" / "001_xss.txt"
    source.parent.mkdir()
    source.write_text(XSS_RELEASE, encoding="utf-8")
    data = copy_data(root / "data", releases=[source])
    facts = {
        "release": "001_xss",
        "organizations": [{"name": "<b>x</b> Corp", "mentions": [{"text": "<b>x</b> Corp"}]}],
    }
    (data / "facts" / "001_xss.json").write_text(json.dumps(facts), encoding="utf-8")
    settings = Settings(base_uri=BASE, data_dir=data, build_dir=root / "build")
    build(settings)
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=10)


def test_markup_in_the_data_is_shown_as_text(browser, xss_server, shots) -> None:
    """A release containing <script> shows it as text: no script runs, no element from data."""
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("page/release/001-xss", "page/organization/b-x-b-corp", "search?q=corp"):
        response = page.goto(xss_server + path)
        assert response is not None and response.status == 200, path
        assert page.locator("main script, main b").count() == 0, path
        assert "<b>x</b> Corp" in page.locator("main").inner_text(), path
    page.goto(xss_server + "page/release/001-xss")
    assert "<script>alert(1)</script>" in page.locator(".release-text").inner_text()
    page.screenshot(path=str(shots / "xss-release.png"))
    assert dialogs == []
    context.close()
