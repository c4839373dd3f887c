"""``/search``: find things by label or alternative name, ranked; ``/search.json`` for autocomplete.

The ranking and the index live in ``kg/search.py`` (an FTS5 table written by the build),
so a search is one index lookup, not a scan of the store.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from kg.search import Found
from server.store import get_build

bp = Blueprint("search", __name__)

PAGE_SIZE = 20
MAX_JSON = 50


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    """A bounded integer query parameter; anything unreadable means the default."""
    try:
        return min(max(int(request.args.get(name, default)), low), high)
    except ValueError:
        return default


def _search(text: str, limit: int, offset: int) -> tuple[Found, bool]:
    """Hits for every word; when there are none, hits for some words (loose is then True)."""
    if not text:
        return Found(0, []), False
    index = get_build().search
    found = index.search(text, limit, offset)
    if found.total:
        return found, False
    found = index.search(text, limit, offset, loose=True)
    return found, bool(found.total)


@bp.get("/search")
def search() -> Response:
    """The HTML result list, PAGE_SIZE hits a page, best first."""
    build = get_build()
    text = request.args.get("q", "").strip()
    page = _int_arg("page", 1, 1, 10_000)
    found, loose = _search(text, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    hits = found.hits
    pages = max(1, -(-found.total // PAGE_SIZE))  # a common word: the best found.total only
    body = render_template(
        "search.html",
        q=text,
        total=found.total,
        more=found.more,
        page=page,
        pages=pages,
        loose=loose,
        hits=[(h, build.uris.page_path(*build.uris.split(h.iri) or ("", ""))) for h in hits],
        first=(page - 1) * PAGE_SIZE + 1,
    )
    return Response(body, mimetype="text/html")


@bp.get("/search.json")
def search_json() -> Response:
    """Hits as JSON for autocomplete:
    ``{"q", "total", "more", "loose", "results": [{iri, label, kind, page, matched}]}``."""
    build = get_build()
    text = request.args.get("q", "").strip()
    limit = _int_arg("limit", 10, 1, MAX_JSON)
    found, loose = _search(text, limit, 0)
    results = [
        {
            "iri": h.iri,
            "label": h.label,
            "kind": h.kind,
            "matched": h.matched,
            "page": build.uris.page_path(*build.uris.split(h.iri) or ("", "")),
        }
        for h in found.hits
    ]
    # "more": more than "total" things match (the count stops there, as the HTML says)
    response = jsonify(q=text, total=found.total, more=found.more, loose=loose, results=results)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
