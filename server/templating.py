"""Jinja set-up: globals the templates need, so that they never build URLs by hand."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask

from kg.vocab import sparql_prologue


def sparql_link(query: str, fmt: str | None = None) -> str:
    """The /sparql URL that runs ``query`` (and asks for ``fmt``), properly encoded."""
    params = {"query": query}
    if fmt:
        params["format"] = fmt
    return "/sparql?" + urlencode(params)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(sparql_link=sparql_link, sparql_prologue=sparql_prologue)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
