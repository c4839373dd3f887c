"""Dataset metadata for machines and crawlers: VoID + DCAT at ``/dataset`` and
``/.well-known/void``, ``/sitemap.xml`` and ``/robots.txt``.

The description is made from the build's manifest (dumps, sizes, checksums, build time)
and its class counts; nothing comes from the request but the format.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request

from kg.vocab import NS, PREFIXES
from server.describe import class_counts
from server.negotiation import (
    BY_EXTENSION,
    DOCUMENT_FORMATS,
    GRAPH_FORMATS,
    HTML,
    Format,
    choose,
    describe,
)
from server.store import PublishedBuild, get_build

bp = Blueprint("dataset", __name__)

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
IANA = "https://www.iana.org/assignments/media-types/"
METADATA_PREFIXES = {**PREFIXES, "void": VOID, "dcat": DCAT, "spdx": SPDX}
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)


def absolute(build: PublishedBuild, path: str) -> str:
    """The public URL of one of our paths (the base URI the build was made with)."""
    return build.uris.base + path.lstrip("/")


def void_triples(build: PublishedBuild, license_iri: str) -> list[ox.Triple]:
    """The VoID + DCAT description of the published build."""
    node, lit = ox.NamedNode, ox.Literal
    dataset = node(absolute(build, "/dataset"))
    triples: list[ox.Triple] = []

    def add(s: Any, p: str, o: Any) -> None:
        triples.append(ox.Triple(s, node(p), o))

    def integer(n: int) -> ox.Literal:
        return lit(str(n), datatype=node(XSD + "integer"))

    manifest = build.manifest
    for kind in (VOID + "Dataset", DCAT + "Dataset"):
        add(dataset, RDF_TYPE, node(kind))
    add(dataset, DCT + "title", lit("Press-release facts", language="en"))
    add(
        dataset,
        DCT + "description",
        lit(
            "Facts stated by news releases (posts, quotes, quantitative claims, contacts), each "
            "linked to the characters of the release that state it.",
            language="en",
        ),
    )
    add(dataset, DCT + "license", node(license_iri))
    add(dataset, DCT + "modified", lit(build.built_at.isoformat(), datatype=node(XSD + "dateTime")))
    add(dataset, VOID + "triples", integer(int(manifest["triples"])))
    add(dataset, VOID + "entities", integer(int(manifest.get("entities", 0))))
    add(dataset, VOID + "uriSpace", lit(build.uris.base + "id/"))
    add(dataset, VOID + "vocabulary", node(NS))
    add(dataset, VOID + "sparqlEndpoint", node(absolute(build, "/sparql")))
    add(dataset, DCAT + "landingPage", node(absolute(build, "/")))
    for release in manifest.get("releases", [])[:1]:
        add(dataset, VOID + "exampleResource", node(release["iri"]))
    service = node(absolute(build, "/sparql"))
    add(service, RDF_TYPE, node(DCAT + "DataService"))
    add(service, DCAT + "endpointURL", service)
    add(service, DCAT + "servesDataset", dataset)
    add(dataset, DCAT + "service", service)
    for number, row in enumerate(class_counts(build)):
        part = ox.BlankNode(f"class{number}")  # stable labels: same build, same bytes, same ETag
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", node(row["class"]))
        add(part, VOID + "entities", integer(row["count"]))
    for dump in manifest.get("dumps", []):
        add(dataset, VOID + "dataDump", _distribution(build, dataset, dump, add, integer))
    by_file = {d["filename"]: d for d in manifest.get("release_dumps", [])}
    for release in manifest.get("releases", []):
        subset = node(release["graph"])
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE, node(VOID + "Dataset"))
        add(subset, DCT + "source", node(release["iri"]))
        dump = by_file.get(f"releases/{release['graph'].rsplit('/', 1)[-1]}.ttl")
        if dump:
            add(subset, VOID + "dataDump", _distribution(build, subset, dump, add, integer))
    return triples


def _distribution(
    build: PublishedBuild, dataset: ox.NamedNode, dump: dict[str, Any], add: Any, integer: Any
) -> ox.NamedNode:
    url = ox.NamedNode(absolute(build, "/dumps/" + dump["filename"]))
    add(dataset, DCAT + "distribution", url)
    add(url, RDF_TYPE, ox.NamedNode(DCAT + "Distribution"))
    add(url, DCAT + "downloadURL", url)
    add(url, DCAT + "mediaType", ox.NamedNode(IANA + dump["media_type"]))
    if dump.get("encoding") == "gzip":
        add(url, DCAT + "compressFormat", ox.NamedNode(IANA + "application/gzip"))
    add(
        url,
        DCAT + "byteSize",
        ox.Literal(str(dump["bytes"]), datatype=ox.NamedNode(XSD + "nonNegativeInteger")),
    )
    add(url, VOID + "triples", integer(int(dump["triples"])))
    add(url, DCT + "description", ox.Literal(dump["description"], language="en"))
    checksum = ox.BlankNode("sha256-" + dump["sha256"][:16])
    add(url, SPDX + "checksum", checksum)
    add(checksum, RDF_TYPE, ox.NamedNode(SPDX + "Checksum"))
    add(checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
    add(
        checksum,
        SPDX + "checksumValue",
        ox.Literal(dump["sha256"], datatype=ox.NamedNode(XSD + "hexBinary")),
    )
    return url


def _respond(fmt: Format | None, build: PublishedBuild) -> Response:
    license_iri = current_app.config["KG"].license
    if fmt is None:
        abort(406, f"the dataset description is available as {describe(DOCUMENT_FORMATS)}")
    if fmt is HTML:
        body = render_template(
            "dataset.html",
            build=build,
            license=license_iri,
            counts=class_counts(build),
            alternates=_alternates(),
        )
        response = Response(body, mimetype="text/html")
    else:
        assert fmt.rdf is not None
        body = ox.serialize(
            void_triples(build, license_iri), format=fmt.rdf, prefixes=METADATA_PREFIXES
        )
        response = Response(body, mimetype=fmt.media_type)
    response.headers["Link"] = ", ".join(
        f'<{h}>; rel="alternate"; type="{m}"' for h, m in _alternates()
    )
    response.vary.add("Accept")
    response.last_modified = build.built_at
    response.set_etag(f"{build.name}-dataset-{fmt.key}")
    return response.make_conditional(request)


def _alternates() -> list[tuple[str, str]]:
    return [("/dataset", "text/html")] + [
        (f"/dataset.{f.extension}", f.media_type) for f in GRAPH_FORMATS
    ]


@bp.get("/dataset")
@bp.get("/dataset.<extension>")
def dataset(extension: str | None = None) -> Response:
    """The VoID/DCAT description: HTML for browsers, RDF by Accept or extension."""
    if extension:
        fmt = BY_EXTENSION.get(extension)
        if fmt is None or fmt not in GRAPH_FORMATS:
            abort(404, f"the dataset description is not available as .{extension}")
        return _respond(fmt, get_build())
    return _respond(choose(request.accept_mimetypes, DOCUMENT_FORMATS), get_build())


@bp.get("/.well-known/void")
def well_known_void() -> Response:
    """RFC 8615 / VoID §7.2: the dataset description; Turtle unless the client asks otherwise."""
    return _respond(choose(request.accept_mimetypes, (*GRAPH_FORMATS, HTML)), get_build())


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every entity page for crawlers; a sitemap index when there are more than SITEMAP_LIMIT."""
    build = get_build()
    total = build.search.count()
    if total > SITEMAP_LIMIT:
        parts = [
            absolute(build, f"/sitemap-{n}.xml") for n in range(1, -(-total // SITEMAP_LIMIT) + 1)
        ]
        body = render_template("sitemapindex.xml", parts=parts, build=build)
    else:
        body = render_template(
            "sitemap.xml",
            urls=_urls(build, 0),
            build=build,
            extra=[absolute(build, p) for p in ("/", "/dumps/", "/ontology", "/dataset")],
        )
    return Response(body, mimetype="application/xml")


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """One part of a large sitemap (SITEMAP_LIMIT pages each)."""
    build = get_build()
    urls = _urls(build, (number - 1) * SITEMAP_LIMIT) if number >= 1 else []
    if not urls:
        abort(404, f"there is no sitemap part {number}")
    return Response(
        render_template("sitemap.xml", urls=urls, build=build, extra=[]), mimetype="application/xml"
    )


def _urls(build: PublishedBuild, offset: int) -> list[str]:
    pages = []
    for iri in build.search.iris(SITEMAP_LIMIT, offset):
        local = build.uris.split(iri)
        if local:
            pages.append(absolute(build, build.uris.page_path(*local)))
    return pages


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawlers are welcome; the sitemap says where the pages are; the endpoint is not for them."""
    build = get_build()
    text = f"User-agent: *\nDisallow: /sparql\nSitemap: {absolute(build, '/sitemap.xml')}\n"
    return Response(text, mimetype="text/plain")
