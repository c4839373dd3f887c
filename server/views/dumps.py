"""``/dumps/``: the build's dump files, listed from its manifest and served with range support."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request, send_from_directory

from server.store import get_build

bp = Blueprint("dumps", __name__, url_prefix="/dumps")


def _dumps() -> list[dict[str, Any]]:
    return list(get_build().manifest.get("dumps", []))


def _release_dumps() -> list[dict[str, Any]]:
    return list(get_build().manifest.get("release_dumps", []))


@bp.get("/")
def listing() -> Response:
    """Every dump with its format, size, triple count and SHA-256 (JSON for API clients)."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if best == "application/json":
        response = jsonify(build=get_build().name, dumps=_dumps(), release_dumps=_release_dumps())
        response.vary.add("Accept")
        return response
    page = Response(render_template("dumps.html", build=get_build(), dumps=_dumps(),
                                    release_dumps=_release_dumps()), mimetype="text/html")
    page.vary.add("Accept")
    return page


@bp.get("/<filename>")
def download(filename: str) -> Response:
    """One dump file; ETag, Last-Modified and Range requests come from send_from_directory."""
    entry = next((d for d in _dumps() if d["filename"] == filename), None)
    if entry is None:
        abort(404, f"no dump named {filename!r}; see /dumps/ for the list")
    return _send(filename, entry)


@bp.get("/releases/<filename>")
def release_download(filename: str) -> Response:
    """The dump of one release's named graph (Turtle)."""
    name = f"releases/{filename}"
    entry = next((d for d in _release_dumps() if d["filename"] == name), None)
    if entry is None:
        abort(404, f"no release dump named {filename!r}; see /dumps/ for the list")
    return _send(name, entry)


def _send(filename: str, entry: dict[str, Any]) -> Response:
    mimetype = "application/gzip" if entry["encoding"] == "gzip" else entry["media_type"]
    response = send_from_directory(get_build().dumps_dir, filename, mimetype=mimetype,
                                   as_attachment=False, conditional=True, etag=entry["sha256"])
    basename = filename.rsplit("/", 1)[-1]
    response.headers["Content-Disposition"] = f'attachment; filename="{basename}"'
    return response
