"""The home page: what the dataset is, what it holds, and where to go next."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from kg.queries import examples, load
from server.describe import class_counts
from server.store import PublishedBuild, get_build

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    """Counts by class, the dumps, the endpoint and example queries that run."""
    build = get_build()
    return render_template("home.html", build=build, counts=class_counts(build),
                           examples=examples(), latest=latest_releases(build))


def latest_releases(build: PublishedBuild) -> list[dict[str, Any]]:
    """The newest releases: headline, date, page, IRI and source id (memoized per build)."""
    if "latest" not in build.cache:
        by_iri = {r["iri"]: r for r in build.manifest.get("releases", [])}
        rows = []
        for row in build.store.select(load("releases")):
            iri = row["release"].value
            local = build.uris.split(iri)
            entry = by_iri.get(iri, {})
            rows.append({"iri": iri, "page": build.uris.page_path(*local) if local else iri,
                         "title": row["title"].value if "title" in row else iri,
                         "date": row["date"].value[:10] if "date" in row else None,
                         "id": entry.get("id", iri), "triples": entry.get("triples")})
        build.cache["latest"] = rows
    return build.cache["latest"]  # type: ignore[no-any-return]
