"""Downloadable dumps of a build, each described by size, SHA-256 and triple count.

Turtle and gzipped N-Triples hold the union of all graphs (what most tools load);
gzipped N-Quads and TriG keep each release in its named graph (the provenance).

The merged dumps are written from the store at the end of a build. The named-graph
dumps and the per-release Turtle files are written batch by batch while the build
checks releases (:class:`GraphDumps`): the worker that checked a batch already
serialized it, so no step walks the whole dataset in Python.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

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


def write_dumps(store: OxigraphStore, folder: Path, triples: int) -> list[Dump]:
    """Write the merged dumps (Turtle, N-Triples) from the store into ``folder``; describe
    them (``triples``: the merged graph's size). The named-graph dumps are written batch by
    batch (:class:`GraphDumps`)."""
    folder.mkdir(parents=True, exist_ok=True)
    specs = [spec for spec in DUMP_FORMATS if not spec.fmt.supports_datasets]
    # one thread per format: Oxigraph serializes and zlib compresses without holding the GIL
    with ThreadPoolExecutor(max_workers=len(specs)) as pool:
        list(pool.map(lambda spec: _write(store, spec, folder / spec.filename), specs))
    return [_describe(spec, folder / spec.filename, triples) for spec in specs]


RELEASES_DIR = "releases"


def _describe(spec: DumpFormat, path: Path, triples: int) -> Dump:
    return Dump(filename=spec.filename, format=spec.fmt.name, media_type=spec.media_type,
                encoding="gzip" if spec.gzipped else None, description=spec.description,
                bytes=path.stat().st_size, sha256=sha256(path), triples=triples)


@dataclass
class GraphDumps:
    """The dumps that keep named graphs, fed a batch of graphs at a time.

    N-Quads and TriG documents stay valid when concatenated (TriG allows prefix
    directives between graphs), so each batch's serialization is appended as it is; so
    is each batch's N-Quads gzipped by the worker that made it, since a gzip file may
    hold several members one after another (RFC 1952) and gunzip reads them as one.
    """

    folder: Path
    quads: int = 0
    releases: list[Dump] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.folder / RELEASES_DIR).mkdir(parents=True, exist_ok=True)
        # thousands of small files: opening each one waits on the file system, so a few
        # threads write them while the build goes on
        self._writers = ThreadPoolExecutor(max_workers=4)
        self._written: list[Future[int]] = []
        spec = {s.fmt: s for s in DUMP_FORMATS}
        self.nquads_spec, self.trig_spec = spec[ox.RdfFormat.N_QUADS], spec[ox.RdfFormat.TRIG]
        self._nquads: IO[bytes] = (self.folder / self.nquads_spec.filename).open("wb")
        self._trig: IO[bytes] = (self.folder / self.trig_spec.filename).open("wb")

    def add(self, nquads_gz: bytes, trig: bytes, quads: int) -> None:
        """Graphs serialized as gzipped N-Quads (see :func:`gzipped`) and as TriG (the same
        ``quads`` quads)."""
        self._nquads.write(nquads_gz)
        self._trig.write(trig)
        self.quads += quads

    def add_release(self, slug: str, graph: str, turtle: bytes, triples: int) -> None:
        """A release graph's own Turtle file, ``releases/{slug}.ttl``."""
        filename = f"{RELEASES_DIR}/{slug}.ttl"
        self._written.append(self._writers.submit((self.folder / filename).write_bytes, turtle))
        self.releases.append(Dump(
            filename=filename, format=ox.RdfFormat.TURTLE.name, media_type="text/turtle",
            encoding=None, description=f"Turtle, the named graph {graph}", bytes=len(turtle),
            sha256=hashlib.sha256(turtle).hexdigest(), triples=triples))

    def close(self) -> list[Dump]:
        """Finish the files; describe the N-Quads and TriG dumps."""
        self._writers.shutdown(wait=True)
        for written in self._written:
            written.result()  # a failed write fails the build
        self._nquads.close()
        self._trig.close()
        return [_describe(spec, self.folder / spec.filename, self.quads)
                for spec in (self.nquads_spec, self.trig_spec)]

    def discard(self) -> None:
        self._writers.shutdown(wait=True, cancel_futures=True)
        self._nquads.close()
        self._trig.close()


def gzipped(data: bytes) -> bytes:
    """One gzip member; mtime=0 makes its bytes, and so a dump's SHA-256, depend on the
    content only."""
    return gzip.compress(data, compresslevel=6, mtime=0)


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
