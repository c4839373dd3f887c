"""The home page: what the dataset is, what it holds, and where to go next."""

from __future__ import annotations

from flask import Blueprint, render_template

from kg.queries import examples
from server.describe import class_counts
from server.store import get_build

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    """Counts by class, the dumps, the endpoint and example queries that run."""
    build = get_build()
    return render_template("home.html", build=build, counts=class_counts(build), examples=examples())
