"""gzip for clients that ask for it (``Accept-Encoding: gzip``), in one after_request hook.

Only buffered textual bodies are compressed: files sent from disk (the dumps, some of
them gzipped already) and streamed bodies pass through untouched. A compressed answer
says ``Vary: Accept-Encoding`` and turns its ETag weak (as nginx does), since its bytes
differ from the identity answer; weak comparison keeps conditional GETs working.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

MIN_SIZE = 512
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/xml",
    "application/sparql-results+",
    "application/trig",
    "application/n-quads",
    "application/javascript",
)


def compressible(response: Response) -> bool:
    return (response.mimetype or "").startswith(COMPRESSIBLE)


def compress(response: Response) -> Response:
    if not compressible(response) or response.direct_passthrough or response.is_streamed:
        return response
    response.vary.add("Accept-Encoding")
    if (
        response.status_code != 200
        or "Content-Encoding" in response.headers
        or "gzip" not in request.accept_encodings
    ):
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    tag, weak = response.get_etag()
    if tag and not weak:
        response.set_etag(tag, weak=True)
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress)
