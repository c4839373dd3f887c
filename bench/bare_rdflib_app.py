"""The rdflib baseline for bench/scale.py: bench/bare_app.py with rdflib's memory store.

The same least a web app can do (the CONSTRUCT of the entity named by the path, in
Turtle), with the data in rdflib's in-memory Dataset (default graph = union of the
release graphs) instead of pyoxigraph. Load it once in the master (``--preload``):

    KG_BARE_NQUADS=dataset.nq gunicorn --preload -w 2 bench.bare_rdflib_app:app
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import rdflib

BASE = os.environ.get("KG_BARE_BASE", "http://127.0.0.1:5000/")
QUERY = "CONSTRUCT { ?this ?p ?o } WHERE { ?this ?p ?o }"
DATASET = rdflib.Dataset(default_union=True)
DATASET.parse(os.environ["KG_BARE_NQUADS"], format="nquads")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/").lstrip("/").removeprefix("data/")
    this = rdflib.URIRef(BASE + "id/" + path.removesuffix(".ttl"))
    result = DATASET.query(QUERY, initBindings={"this": this})
    body = result.serialize(format="turtle") or b""
    start_response("200 OK", [("Content-Type", "text/turtle"), ("Content-Length", str(len(body)))])
    return [body]
