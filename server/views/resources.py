"""Dereferenceable IRIs: ``/id/…`` answers 303 to ``/page/…`` (HTML) or ``/data/…`` (RDF).

After Pubby and 'Cool URIs for the Semantic Web': the IRI names the thing, the
page and the data are documents about it. Every negotiated answer says
``Vary: Accept``; documents list their other formats in ``Link`` headers.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request

from kg.errors import NotFound
from kg.uris import KINDS
from kg.vocab import PREFIXES
from server.cache import Rendered, memoized, rendered
from server.describe import Describer, Document, document, exists, release_tokens
from server.negotiation import (
    BY_EXTENSION,
    DOCUMENT_FORMATS,
    GRAPH_FORMATS,
    Format,
    choose,
    describe,
)
from server.sections import SectionBuilder
from server.store import PublishedBuild, get_build

bp = Blueprint("resources", __name__)

HYDRA = "http://www.w3.org/ns/hydra/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def _page_number() -> int:
    """The ``page`` query parameter (1 when absent); 400 when it is not a positive integer."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        abort(400, f"page must be a positive integer, not {raw!r}")
    return int(raw)


def _document(build: PublishedBuild, iri: str) -> Document:
    """One page of a resource's document; 404 for a page beyond the last."""
    try:
        return document(build, iri, _page_number())
    except ValueError as err:
        abort(404, str(err))


def _paging_links(path: str, doc: Document) -> list[str]:
    """Link header values (RFC 8288) for first, prev, next and last pages of a paged document."""
    if not doc.paged:
        return []
    targets = {"first": 1, "last": doc.pages}
    if doc.page > 1:
        targets["prev"] = doc.page - 1
    if doc.page < doc.pages:
        targets["next"] = doc.page + 1
    return [f'<{path}?page={n}>; rel="{rel}"' for rel, n in targets.items()]


def _paging_triples(build: PublishedBuild, path: str, doc: Document) -> list[ox.Triple]:
    """Hydra terms for a paged document: the collection of links, its size, this view and its
    neighbours. Unpaged documents (at most PAGE_SIZE incoming links) carry none."""
    if not doc.paged:
        return []
    base = build.uris.base.rstrip("/")
    collection = ox.NamedNode(base + path)

    def view(n: int) -> ox.NamedNode:
        return ox.NamedNode(f"{base}{path}?page={n}")

    this = view(doc.page)
    triples = [
        ox.Triple(collection, ox.NamedNode(RDF_TYPE), ox.NamedNode(HYDRA + "Collection")),
        ox.Triple(collection, ox.NamedNode(HYDRA + "totalItems"),
                  ox.Literal(str(doc.incoming_total), datatype=ox.NamedNode(XSD_INTEGER))),
        ox.Triple(collection, ox.NamedNode(HYDRA + "view"), this),
        ox.Triple(this, ox.NamedNode(RDF_TYPE), ox.NamedNode(HYDRA + "PartialCollectionView")),
        ox.Triple(this, ox.NamedNode(HYDRA + "first"), view(1)),
        ox.Triple(this, ox.NamedNode(HYDRA + "last"), view(doc.pages)),
    ]
    if doc.page > 1:
        triples.append(ox.Triple(this, ox.NamedNode(HYDRA + "previous"), view(doc.page - 1)))
    if doc.page < doc.pages:
        triples.append(ox.Triple(this, ox.NamedNode(HYDRA + "next"), view(doc.page + 1)))
    return triples


def _iri(build: PublishedBuild, kind: str, slug: str) -> str:
    """The IRI behind a URL, or 404 when the kind is unknown or nothing is said about it."""
    if kind not in KINDS:
        abort(404, f"there are no resources of kind {kind!r}; kinds are {', '.join(KINDS)}")
    iri = build.uris.entity(kind, slug)
    if not exists(build, iri):
        raise NotFound(f"nothing is known about {iri}")
    return iri


def _conditional(response: Response, build: PublishedBuild, *parts: str) -> Response:
    """ETag from the build and the request, Last-Modified from the build time; 304 when fresh."""
    key = "\x00".join((build.name, request.full_path, *parts))
    tag = hashlib.sha1(key.encode()).hexdigest()[:20]
    response.set_etag(tag)
    response.last_modified = build.built_at
    response.vary.add("Accept")
    return response.make_conditional(request)


def _alternates(build: PublishedBuild, kind: str, slug: str) -> list[tuple[str, str]]:
    links = [(build.uris.page_path(kind, slug), "text/html")]
    links += [(build.uris.data_path(kind, slug, f.extension), f.media_type) for f in GRAPH_FORMATS]
    return links


def _link_header(links: list[tuple[str, str]], canonical: str) -> str:
    parts = [f'<{href}>; rel="alternate"; type="{media}"' for href, media in links]
    parts.append(f'<{canonical}>; rel="describes"')  # RFC 6892: this document describes the thing
    return ", ".join(parts)


@bp.get("/id/<kind>/<slug>")
def identify(kind: str, slug: str) -> Response:
    """303 See Other to the page or the data, by Accept (q-values honoured)."""
    build = get_build()
    iri = _iri(build, kind, slug)
    chosen = choose(request.accept_mimetypes, DOCUMENT_FORMATS)
    if chosen is None:
        abort(406, f"{iri} is available as {describe(DOCUMENT_FORMATS)}")
    if chosen.kind == "html":
        target = build.uris.page_path(kind, slug)
    else:
        target = build.uris.data_path(kind, slug, chosen.extension)
    response = redirect(target, code=303)
    response.set_data(f"303 See Other: for a description of {iri}, see {target}\n")
    response.mimetype = "text/plain"
    response.vary.add("Accept")
    return response


@bp.get("/data/<kind>/<name>")
def data(kind: str, name: str) -> Response:
    """The RDF document about a resource, in the format of the extension or of Accept."""
    build = get_build()
    slug, _, extension = name.rpartition(".") if "." in name else (name, "", "")
    fmt: Format | None
    if extension and BY_EXTENSION.get(extension) in GRAPH_FORMATS:
        fmt = BY_EXTENSION[extension]
    else:
        slug = name
        fmt = choose(request.accept_mimetypes, GRAPH_FORMATS)
    iri = _iri(build, kind, slug)
    if fmt is None:
        abort(406, f"the data about {iri} is available as {describe(GRAPH_FORMATS)}")
    chosen: Format = fmt

    def render() -> Rendered:
        assert chosen.rdf is not None
        doc = _document(build, iri)
        triples = doc.triples + _paging_triples(build, request.path, doc)
        prefixes = {**PREFIXES, "hydra": HYDRA} if doc.paged else PREFIXES
        link = ", ".join([_link_header(_alternates(build, kind, slug), iri),
                          *_paging_links(request.path, doc)])
        return Rendered(ox.serialize(triples, format=chosen.rdf, prefixes=prefixes),
                        chosen.media_type, (("Link", link),))

    made = rendered(build, ("data", request.path, request.args.get("page"), fmt.key), render)
    return _conditional(_response(made), build, request.path, fmt.key)


def _response(made: Rendered) -> Response:
    response = Response(made.body, mimetype=made.mimetype)
    for name, value in made.headers:
        response.headers[name] = value
    return response


@bp.get("/page/<kind>/<slug>")
def page(kind: str, slug: str) -> Response:
    """The HTML page about a resource (a release page shows its text with mentions linked)."""
    build = get_build()
    iri = _iri(build, kind, slug)
    number = _page_number()

    def render() -> Rendered:
        try:
            model = Describer(build).page(iri, number)
        except ValueError as err:
            abort(404, str(err))
        alternates = _alternates(build, kind, slug)[1:]
        tokens = release_tokens(build, iri) if kind == "release" else None
        # the same on every page of a hub, and its queries are the costly part of a first view
        sections = (memoized(build, ("sections", iri), lambda: SectionBuilder(build).sections(iri))
                    if kind != "release" else None)
        template = "release.html" if kind == "release" else "entity.html"
        body = render_template(template, page=model, tokens=tokens, alternates=alternates,
                               data_formats=GRAPH_FORMATS, slug=slug, sections=sections)
        doc = Document([], model.incoming_total, model.page, model.pages)
        link = ", ".join([_link_header(alternates, iri), *_paging_links(request.path, doc)])
        return Rendered(body.encode("utf-8"), "text/html", (("Link", link),))

    made = rendered(build, ("page", request.path, number), render)
    return _conditional(_response(made), build, request.path)
