"""The baseline for bench/pages.py: the least a web app can do to serve an entity as RDF.

A WSGI function that answers every GET with the pyoxigraph CONSTRUCT of the entity named
by the path, in Turtle. No negotiation, no labels, no incoming links, no HTML: the
ceiling the real site is measured against.

    KG_BARE_STORE=build/current/store gunicorn -w 2 bench.bare_app:app
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

STORE = ox.Store.read_only(os.environ["KG_BARE_STORE"])
BASE = os.environ.get("KG_BARE_BASE", "http://127.0.0.1:5000/")
QUERY = "CONSTRUCT { ?this ?p ?o } WHERE { ?this ?p ?o }"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/").lstrip("/").removeprefix("data/")
    this = ox.NamedNode(BASE + "id/" + path.removesuffix(".ttl"))
    triples = STORE.query(QUERY, substitutions={ox.Variable("this"): this})
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE)
    start_response("200 OK", [("Content-Type", "text/turtle"), ("Content-Length", str(len(body)))])
    return [body]
