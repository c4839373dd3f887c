"""The home page: what the dataset is, what it holds, and where to go next."""

from __future__ import annotations

from flask import Blueprint, render_template

from kg.queries import examples, load
from server.store import get_build

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    """Counts by class, the dumps, the endpoint and example queries that run."""
    build = get_build()
    counts = build.cache.get("counts")
    if counts is None:
        counts = [
            {"class": r["class"].value, "label": r["label"].value if "label" in r else r["class"].value,
             "count": int(r["count"].value)}
            for r in build.store.select(load("counts_by_class"))
        ]
        build.cache["counts"] = counts
    return render_template("home.html", build=build, counts=counts, examples=examples())
