"""Downloadable dumps of a build, each described by size, SHA-256 and triple count.

Turtle and gzipped N-Triples hold the union of all graphs (what most tools load);
gzipped N-Quads and TriG keep each release in its named graph (the provenance).

Every dump is written batch by batch while the build checks releases: the worker that
checked a batch already serialized it, so no step walks the whole dataset at the end.
The named-graph dumps and the per-release Turtle files simply append each batch
(:class:`GraphDumps`). The merged dumps must hold each triple once although several
releases state the same triples about an entity (its name, its type): each worker
splits its batch's merge into triples about one of its own releases, which no other
batch can hold, and triples about shared entities, which the main process keeps only
the first time it sees them (:class:`MergedDumps`). The build checks the result against
the store's own count of the merged graph and rewrites the merged dumps from the store
if the two ever differ (:func:`write_dumps`).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import shutil
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.store import OxigraphStore
from kg.uris import Uris
from kg.vocab import PREFIXES


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
    return _record(spec, path.stat().st_size, sha256(path), triples)


def _record(spec: DumpFormat, size: int, digest: str, triples: int) -> Dump:
    return Dump(filename=spec.filename, format=spec.fmt.name, media_type=spec.media_type,
                encoding="gzip" if spec.gzipped else None, description=spec.description,
                bytes=size, sha256=digest, triples=triples)


class _Output:
    """A dump file being written, with its SHA-256 and size kept as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] = path.open("wb")
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        if data:
            self._file.write(data)
            self._digest.update(data)
            self.size += len(data)

    def close(self) -> None:
        self._file.close()

    def describe(self, spec: DumpFormat, triples: int) -> Dump:
        return _record(spec, self.size, self._digest.hexdigest(), triples)


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
    releases: list[Dump] = field(default_factory=list)  # filled in by close()

    def __post_init__(self) -> None:
        (self.folder / RELEASES_DIR).mkdir(parents=True, exist_ok=True)
        # thousands of small files: opening each one waits on the file system, so a few
        # threads write (and hash) them while the build goes on
        self._writers = ThreadPoolExecutor(max_workers=4)
        self._written: list[tuple[Future[str], Dump]] = []
        spec = {s.fmt: s for s in DUMP_FORMATS}
        self.nquads_spec, self.trig_spec = spec[ox.RdfFormat.N_QUADS], spec[ox.RdfFormat.TRIG]
        self._nquads = _Output(self.folder / self.nquads_spec.filename)
        self._trig = _Output(self.folder / self.trig_spec.filename)

    def add(self, nquads_gz: bytes, trig: bytes, quads: int) -> None:
        """Graphs serialized as gzipped N-Quads (see :func:`gzipped`) and as TriG (the same
        ``quads`` quads)."""
        self._nquads.write(nquads_gz)
        self._trig.write(trig)
        self.quads += quads

    def add_release(self, slug: str, graph: str, turtle: bytes, triples: int) -> None:
        """A release graph's own Turtle file, ``releases/{slug}.ttl``."""
        filename = f"{RELEASES_DIR}/{slug}.ttl"
        written = self._writers.submit(_write_hashed, self.folder / filename, turtle)
        self._written.append((written, Dump(
            filename=filename, format=ox.RdfFormat.TURTLE.name, media_type="text/turtle",
            encoding=None, description=f"Turtle, the named graph {graph}", bytes=len(turtle),
            sha256="", triples=triples)))

    def close(self) -> list[Dump]:
        """Finish the files; describe the N-Quads and TriG dumps (and fill in releases)."""
        self._writers.shutdown(wait=True)
        # a failed write fails the build
        self.releases = [replace(dump, sha256=written.result()) for written, dump in self._written]
        self._nquads.close()
        self._trig.close()
        return [self._nquads.describe(self.nquads_spec, self.quads),
                self._trig.describe(self.trig_spec, self.quads)]

    def discard(self) -> None:
        self._writers.shutdown(wait=True, cancel_futures=True)
        self._nquads.close()
        self._trig.close()


def _write_hashed(path: Path, data: bytes) -> str:
    """Write a file and return its SHA-256 (in a writer thread: hashlib lets go of the GIL)."""
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


# the kinds of things minted from one release's own id: a triple naming one of them as its
# subject or object belongs to that release alone (see kg/encode.py)
RELEASE_SCOPED = frozenset({"release", "quote", "claim", "contact"})


@dataclass
class MergedShare:
    """One batch's share of the merged graph, serialized by the worker that checked it."""

    own: bytes  # N-Triples (lines sorted) of the triples about the batch's own releases
    own_gz: bytes  # the same, gzipped
    own_turtle: bytes  # the same as Turtle, without the prefix directives
    own_count: int
    shared: list[bytes]  # N-Triples lines about shared entities, each with its newline

    @classmethod
    def of(cls, ntriples: bytes, uris: Uris) -> MergedShare:
        """Split a batch's merge (N-Triples, as Oxigraph writes it: one triple a line)."""
        scoped = _scoped_pattern(uris.base)
        own: list[bytes] = []
        shared: list[bytes] = []
        for line in ntriples.splitlines(keepends=True):
            (own if scoped.search(line) else shared).append(line)
        own.sort()
        shared.sort()
        own_nt = b"".join(own)
        return cls(own_nt, gzipped(own_nt) if own else b"", turtle_of(own_nt), len(own), shared)


@functools.lru_cache(maxsize=4)
def _scoped_pattern(base: str) -> re.Pattern[bytes]:
    """Finds a subject or object that is one of a release's own things, or a blank node
    (never shared between graphs). Text in a literal that happens to look like one only makes
    a shared triple look like a release's own: the build's final count would catch it."""
    kinds = b"|".join(kind.encode() for kind in sorted(RELEASE_SCOPED))
    own = b"<" + re.escape(f"{base}id/".encode()) + b"(?:" + kinds + b")[/>#]"
    return re.compile(b"(?:^|\\s)(?:" + own + b"|_:)")


def turtle_of(ntriples: bytes) -> bytes:
    """N-Triples as Turtle, without the prefix directives (the dump writes them once). An
    in-memory store does it without a Python object per triple, a subject's triples together."""
    if not ntriples:
        return b""
    store = ox.Store()
    store.load(ntriples, ox.RdfFormat.N_TRIPLES)
    return without_prefixes(store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
                                       prefixes=PREFIXES) or b"")


def _prefix_directives() -> bytes:
    """What Oxigraph writes before the first triple of a Turtle document with our prefixes."""
    probe = ox.Triple(ox.NamedNode("urn:x-kg:probe"), ox.NamedNode("urn:x-kg:probe"),
                      ox.Literal("probe"))
    text = ox.serialize([probe], format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
    return text[:text.index(b"<urn:x-kg:probe>")]


PREFIX_DIRECTIVES = _prefix_directives()


def without_prefixes(turtle: bytes) -> bytes:
    """A Turtle chunk to append after the dump's own prefix directives (if Oxigraph ever wrote
    them differently they stay: repeating a prefix directive is valid Turtle)."""
    return turtle[len(PREFIX_DIRECTIVES):] if turtle.startswith(PREFIX_DIRECTIVES) else turtle


class MergedDumps:
    """The merged dumps (Turtle and gzipped N-Triples), fed one batch's share at a time.

    Triples about shared entities are kept the first time they come; a 16-byte BLAKE2
    digest per distinct such triple (about 90 bytes each in a Python set) is the memory
    this takes: a few hundred MB at most for millions of distinct names and types.
    """

    def __init__(self, folder: Path) -> None:
        spec = {s.fmt: s for s in DUMP_FORMATS}
        self.turtle_spec, self.ntriples_spec = spec[ox.RdfFormat.TURTLE], spec[ox.RdfFormat.N_TRIPLES]
        self._turtle = _Output(folder / self.turtle_spec.filename)
        try:
            self._ntriples = _Output(folder / self.ntriples_spec.filename)
        except BaseException:
            self._turtle.close()
            raise
        self._turtle.write(PREFIX_DIRECTIVES)
        self._seen: set[bytes] = set()
        self.triples = 0

    def add_shared(self, lines: Iterable[bytes]) -> bytes:
        """Append the lines not seen before; return them (N-Triples) for the store."""
        fresh = []
        for line in lines:
            key = hashlib.blake2b(line, digest_size=16).digest()
            if key not in self._seen:
                self._seen.add(key)
                fresh.append(line)
        data = b"".join(fresh)
        if data:
            self._append(data, gzipped(data), turtle_of(data), len(fresh))
        return data

    def add(self, share: MergedShare) -> bytes:
        """Append a batch's share; return the N-Triples the store should load for it."""
        if share.own_count:
            self._append(share.own, share.own_gz, share.own_turtle, share.own_count)
        return share.own + self.add_shared(share.shared)

    def _append(self, ntriples: bytes, ntriples_gz: bytes, turtle: bytes, count: int) -> None:
        self._ntriples.write(ntriples_gz)  # gzip members one after another read as one file
        self._turtle.write(turtle)
        self.triples += count

    def close(self) -> list[Dump]:
        self._turtle.close()
        self._ntriples.close()
        return [self._turtle.describe(self.turtle_spec, self.triples),
                self._ntriples.describe(self.ntriples_spec, self.triples)]


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
