"""One place that turns errors into responses: JSON or plain text for clients, HTML for browsers.

The JSON body always has the same shape: ``{"ok": false, "error": code, "message": …, "status": n}``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kg.errors import Busy, KgError, NoBuild, NotFound, QueryRejected, QueryTimeout
from kg.remote import RemoteStoreError

log = logging.getLogger(__name__)


def wants_html() -> bool:
    """True for a browser: it prefers HTML over JSON and plain text."""
    best = request.accept_mimetypes.best_match(["application/json", "text/plain", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def search_hint(path: str) -> str:
    """Words to search for, guessed from the last segment of a path that was not found.

    >>> search_hint("/page/person/wang-pingg.ttl")
    'wang pingg'
    """
    last = path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return " ".join(w for w in last.replace("_", "-").split("-") if w)


def error_response(status: int, code: str, message: str) -> Response:
    if wants_html():
        body = render_template("error.html", status=status, code=code, message=message,
                               search_hint=search_hint(request.path))
        response = Response(body, status=status, mimetype="text/html")
    elif request.accept_mimetypes.best_match(["application/json", "text/plain"]) == "text/plain":
        response = Response(f"{status} {code}: {message}\n", status=status, mimetype="text/plain")
    else:
        response = jsonify(ok=False, error=code, message=message, status=status)
        response.status_code = status
    response.vary.add("Accept")
    return response


def _kg_error(err: KgError) -> Response:
    if isinstance(err, QueryRejected):
        return error_response(err.status, err.code, str(err))
    if isinstance(err, NotFound):
        return error_response(404, err.code, str(err))
    if isinstance(err, RemoteStoreError):
        log.warning("%s", err)  # the store's address and its answer stay in the log
        return error_response(502, err.code, "the data store behind this site did not answer; "
                                             "try again later")
    if isinstance(err, NoBuild | QueryTimeout):
        return error_response(503, err.code, str(err))
    if isinstance(err, Busy):
        response = error_response(503, err.code, str(err))
        response.headers["Retry-After"] = "5"
        return response
    log.exception("unexpected error")
    return error_response(500, err.code, str(err))


def _http_error(err: HTTPException) -> Response:
    code = (err.name or "error").lower().replace(" ", "_")
    response = error_response(err.code or 500, code, err.description or "")
    for header in ("Allow", "Location", "Retry-After"):
        value = err.get_response().headers.get(header)
        if value:
            response.headers[header] = value
    return response


def _internal(err: Exception) -> Response:
    log.exception("internal error")
    return error_response(500, "internal", "internal error; it has been logged")


def init_app(app: Flask) -> None:
    app.register_error_handler(KgError, _kg_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal)
