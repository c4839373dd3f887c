"""Downloadable dumps of a build, each described by size, SHA-256 and triple count.

Turtle and gzipped N-Triples hold the union of all graphs (what most tools load);
gzipped N-Quads and TriG keep each release in its named graph (the provenance).
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.queries import load
from kg.store import OxigraphStore


@dataclass(frozen=True)
class DumpFormat:
    """One kind of dump: its file name, RDF format, media type and whether it is gzipped."""

    filename: str
    fmt: ox.RdfFormat
    media_type: str
    gzipped: bool
    description: str


DUMP_FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("dataset.ttl", ox.RdfFormat.TURTLE, "text/turtle", False,
               "Turtle, all graphs merged"),
    DumpFormat("dataset.nt.gz", ox.RdfFormat.N_TRIPLES, "application/n-triples", True,
               "N-Triples (gzip), all graphs merged"),
    DumpFormat("dataset.nq.gz", ox.RdfFormat.N_QUADS, "application/n-quads", True,
               "N-Quads (gzip), one named graph per release"),
    DumpFormat("dataset.trig", ox.RdfFormat.TRIG, "application/trig", False,
               "TriG, one named graph per release"),
)


@dataclass(frozen=True)
class Dump:
    """A written dump, as listed in the build manifest and on /dumps/."""

    filename: str
    format: str
    media_type: str
    encoding: str | None
    description: str
    bytes: int
    sha256: str
    triples: int


def write_dumps(store: OxigraphStore, folder: Path) -> list[Dump]:
    """Write every dump format into ``folder``; return their descriptions."""
    folder.mkdir(parents=True, exist_ok=True)
    triples, quads = store.triple_count(), store.quad_count()
    written = []
    for spec in DUMP_FORMATS:
        path = folder / spec.filename
        _write(store, spec, path)
        count = quads if spec.fmt.supports_datasets else triples
        written.append(
            Dump(
                filename=spec.filename,
                format=spec.fmt.name,
                media_type=spec.media_type,
                encoding="gzip" if spec.gzipped else None,
                description=spec.description,
                bytes=path.stat().st_size,
                sha256=sha256(path),
                triples=count,
            )
        )
    return written


RELEASES_DIR = "releases"


def write_release_dumps(
    store: OxigraphStore, folder: Path, graphs: list[tuple[str, str]]
) -> list[Dump]:
    """One Turtle file per release graph, ``{folder}/releases/{slug}.ttl``: a release, its facts."""
    (folder / RELEASES_DIR).mkdir(parents=True, exist_ok=True)
    written = []
    for slug, graph in graphs:
        filename = f"{RELEASES_DIR}/{slug}.ttl"
        path = folder / filename
        store.dump(path, ox.RdfFormat.TURTLE, graph=graph)
        rows = store.select(load("graph_size"), {"g": ox.NamedNode(graph)})
        written.append(Dump(filename=filename, format=ox.RdfFormat.TURTLE.name,
                            media_type="text/turtle", encoding=None,
                            description=f"Turtle, the named graph {graph}",
                            bytes=path.stat().st_size, sha256=sha256(path),
                            triples=int(rows[0]["n"].value)))
    return written


def _write(store: OxigraphStore, spec: DumpFormat, path: Path) -> None:
    if not spec.gzipped:
        store.dump(path, spec.fmt)
        return
    plain = path.with_suffix("")
    store.dump(plain, spec.fmt)
    # mtime=0 makes the gzip bytes, and so the SHA-256, depend on the content only
    with plain.open("rb") as source, gzip.GzipFile(path, "wb", mtime=0) as target:
        shutil.copyfileobj(source, target, 1 << 20)
    plain.unlink()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def as_records(dumps: list[Dump]) -> list[dict[str, object]]:
    return [asdict(d) for d in dumps]
