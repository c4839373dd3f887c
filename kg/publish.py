"""``kg publish``: load the published build into a remote SPARQL store, release graph by release graph.

Readers of the remote store never see half a release: each release graph is
written within one SPARQL Update request (a store runs a request as one
transaction), and graphs go in batches of about ``batch_triples`` triples so that
no request is huge. A publication graph in the store records, for every graph it
holds, the SHA-256 of the graph's canonical N-Triples. That record is written in the
same request as the graph, so a publish that fails half-way leaves every graph
either old or new; running ``kg publish`` again resumes: graphs whose checksum
already matches are skipped. Graphs of releases that were withdrawn from the build
are dropped.

Speed (issue: 100,000 triples/s into Virtuoso). A graph the store does not hold is
written with INSERT DATA alone: Virtuoso's DROP of a graph costs it 7 to 40 ms (CLEAR
more; more than inserting the graph's 130 triples), and a graph that is absent needs
no clearing. A graph the store holds in another version gets only its differences
(DELETE DATA, then INSERT DATA, in one request) when a build kept on disk
(KG_KEEP_BUILDS) has that version, known by the checksum recorded for it; otherwise it is
dropped and inserted again. Batches are sent by ``threads`` requests at a time; a store
that picks one as a deadlock victim rolls it back and it is sent again (see ``kg.remote``).

On Virtuoso, ``method="virtuoso"`` (KG_PUBLISH_METHOD) sends the graphs the store lacks
as N-Quads to its Turtle loader instead, at under half of INSERT DATA's server CPU
(see :func:`virtuoso_request` and bench/README.md); replaced graphs go by Update.
The default, ``"auto"``, asks the store first (:func:`detect_method`) and takes the loader
when the store is a Virtuoso that lets this account call it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from kg.build import current_build, kept_builds, read_manifest
from kg.errors import ConfigError, KgError
from kg.remote import RemoteStore, RemoteStoreError
from kg.store import OxigraphStore

HAS_VERSION = "http://purl.org/dc/terms/hasVersion"
IDENTIFIER = "http://purl.org/dc/terms/identifier"
log = logging.getLogger(__name__)

T = TypeVar("T")
PRESENCE_CHUNK = 500  # graph IRIs per query asking which graphs the store already holds


@dataclass
class PublishResult:
    """What a publish did, for the CLI's summary."""

    build: str
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    triples: int = 0
    method: str = "update"  # how the graphs were written (after "auto" was resolved)
    patched: list[str] = field(default_factory=list)  # of loaded: replaced by their differences


@dataclass(frozen=True)
class GraphDump:
    """One graph as canonical N-Triples (UTF-8 bytes, sorted lines) and its SHA-256."""

    name: str
    ntriples: bytes
    triples: int
    digest: str


@dataclass(frozen=True)
class GraphWrite:
    """One graph to write: its dump, whether the store holds it (so it is dropped first,
    unless ``patch`` is known) and whether it has a checksum record (so the old record is
    removed). ``patch`` takes the version the store holds to this one, when a build kept on
    disk has that version (see :class:`EarlierBuilds`): then only the differences are sent."""

    dump: GraphDump
    held: bool
    had_record: bool
    patch: Patch | None = None


@dataclass(frozen=True)
class Patch:
    """The N-Triples lines a graph loses and gains between two versions, sorted."""

    deleted: list[bytes]
    inserted: list[bytes]

    @classmethod
    def between(cls, previous: GraphDump, dump: GraphDump) -> Patch:
        old, new = set(previous.ntriples.split(b"\n")), set(dump.ntriples.split(b"\n"))
        return cls(sorted(line for line in old - new if line.strip()),
                   sorted(line for line in new - old if line.strip()))

    @property
    def size(self) -> int:
        return len(self.deleted) + len(self.inserted)


@dataclass
class Batch:
    """Graphs sent together. Each graph is replaced atomically; with method "update" the
    batch is one request (one transaction), with "virtuoso" it may take several (the
    replaced graphs by Update, the new ones by the loader)."""

    writes: list[GraphWrite] = field(default_factory=list)
    triples: int = 0


Writer = Callable[[RemoteStore, list[GraphWrite], str], None]


def publication_graph(base_uri: str) -> str:
    return f"{base_uri}graph/publication"


def iri(value: str) -> str:
    """An IRI of our own build in SPARQL syntax; pyoxigraph refuses an invalid one.

    >>> iri("http://example.org/graph/a")
    '<http://example.org/graph/a>'
    """
    return str(ox.NamedNode(value))


def canonical(raw: bytes) -> tuple[bytes, int]:
    """N-Triples with its lines sorted, and the number of triples.

    Sorted as bytes: UTF-8 sorts as its code points do, so the digest is the same as
    sorting the decoded text (what earlier publishes recorded), without decoding.
    Lines end at "\\n" only: N-Triples keeps U+2028, U+2029 and U+0085 raw in literals.

    >>> canonical(b'<b> <p> "y" .\\n<a> <p> "x" .\\n')
    (b'<a> <p> "x" .\\n<b> <p> "y" .\\n', 2)
    """
    lines = sorted(line for line in raw.split(b"\n") if line.strip())
    return b"\n".join(lines) + b"\n", len(lines)


def graph_dump(store: OxigraphStore, name: str) -> GraphDump:
    """The graph as canonical N-Triples with its checksum."""
    raw = store._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
    text, count = canonical(raw)
    return GraphDump(name, text, count, hashlib.sha256(text).hexdigest())


READ_THREADS = 2  # graphs read from the stores at once: reading them was half a publish's time


def read_ahead(work: Callable[[str], T], names: Iterable[str], threads: int = READ_THREADS
               ) -> Generator[T, None, None]:
    """``work(name)`` for each name, in order, computed by ``threads`` threads a few names
    ahead of the consumer (not all at once: a build's graphs need not fit in memory).

    pyoxigraph lets go of the GIL while it dumps a graph (two threads took 0.60 s where one
    took 1.19 for 2,000 graphs), and dumping each graph was most of the client's time.
    Closed early (a failed publish), it drops the work not yet started.
    """
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish-read")
    try:
        ahead: deque[Future[T]] = deque()
        for name in names:
            ahead.append(pool.submit(work, name))
            if len(ahead) > 4 * threads:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class EarlierBuilds:
    """The builds kept beside the current one (KG_KEEP_BUILDS), newest first, as the source
    of the version of a graph the remote store holds: the one whose checksum is the store's
    record of it. The record is trusted here as it is for skipping unchanged graphs.

    Only a shortcut: a build that cannot be read (pruned meanwhile) is passed over, and a
    graph no build has is replaced whole.
    """

    def __init__(self, build_dir: Path, current: Path) -> None:
        try:
            kept = kept_builds(build_dir)
        except OSError:  # a build pruned while listed
            kept = []
        self.folders = [f for f in reversed(kept) if f.resolve() != current]
        self._stores: dict[Path, OxigraphStore | None] = {}
        self._lock = threading.Lock()

    def find(self, name: str, digest: str) -> GraphDump | None:
        """The graph ``name`` as an earlier build holds it with checksum ``digest``, or None
        (no such build kept, or the version has blank nodes, which DELETE DATA cannot name)."""
        for folder in self.folders:
            store = self._open(folder)
            if store is None:
                continue
            try:
                dump = graph_dump(store, name)
            except OSError as err:
                self._forget(folder, err)
                continue
            if dump.triples and dump.digest == digest:
                return None if _blank(dump) else dump
        return None

    def _open(self, folder: Path) -> OxigraphStore | None:
        with self._lock:  # read_ahead's threads ask at once
            if folder not in self._stores:
                try:
                    self._stores[folder] = OxigraphStore.open_read_only(folder / "store")
                except (OSError, KgError) as err:
                    self._stores[folder] = None
                    log.info("kg publish: earlier build %s not read (%s)", folder.name, err)
            return self._stores[folder]

    def _forget(self, folder: Path, err: Exception) -> None:
        with self._lock:
            self._stores[folder] = None
        log.info("kg publish: earlier build %s not read (%s)", folder.name, err)


def remote_versions(remote: RemoteStore, publication: str) -> dict[str, str]:
    """The checksum of every graph the remote store holds from earlier publishes."""
    rows = remote.select(
        f"SELECT ?g ?v WHERE {{ GRAPH {iri(publication)} {{ ?g {iri(HAS_VERSION)} ?v }} }}")
    return {row["g"].value: row["v"].value for row in rows}


def held_graphs(remote: RemoteStore, names: list[str]) -> set[str]:
    """Which of ``names`` the store holds triples in (asked in chunks, with VALUES).

    A graph with no record may still be there: a hand-made load, or a record lost.
    Such a graph must be dropped before it is written, so it is asked for.
    """
    held: set[str] = set()
    for start in range(0, len(names), PRESENCE_CHUNK):
        values = " ".join(iri(name) for name in names[start:start + PRESENCE_CHUNK])
        rows = remote.select(f"SELECT DISTINCT ?g WHERE {{ VALUES ?g {{ {values} }} "
                             "GRAPH ?g { ?s ?p ?o } }")
        held.update(row["g"].value for row in rows)
    return held


def _insert(dump: GraphDump) -> str:
    """The graph's triples as one insert operation.

    INSERT DATA where possible; a graph with blank nodes goes in as an INSERT template
    with an empty WHERE, since some stores (Virtuoso) refuse blank nodes in INSERT DATA.
    """
    text = dump.ntriples.decode("utf-8")
    if _blank(dump):
        return f"INSERT {{ GRAPH {iri(dump.name)} {{\n{text}}} }} WHERE {{}}"
    return f"INSERT DATA {{ GRAPH {iri(dump.name)} {{\n{text}}} }}"


def _record(dump: GraphDump, publication: str, had_record: bool) -> str:
    """The graph's checksum record (the old one removed first when there is one)."""
    insert = (f"INSERT DATA {{ GRAPH {iri(publication)} {{ {iri(dump.name)} "
              f"{iri(HAS_VERSION)} \"{dump.digest}\" }} }}")
    if not had_record:
        return insert
    return (f"DELETE WHERE {{ GRAPH {iri(publication)} {{ {iri(dump.name)} "
            f"{iri(HAS_VERSION)} ?v }} }} ;\n{insert}")


def _write(write: GraphWrite, publication: str) -> str:
    """One graph's replacement and its checksum record, as SPARQL Update operations."""
    dump = write.dump
    if write.patch is not None:
        return f"{_patched(dump.name, write.patch)}{_record(dump, publication, write.had_record)} ;\n"
    drop = f"DROP SILENT GRAPH {iri(dump.name)} ;\n" if write.held else ""
    return f"{drop}{_insert(dump)} ;\n{_record(dump, publication, write.had_record)} ;\n"


def _patched(name: str, patch: Patch) -> str:
    """The operations that apply ``patch`` to graph ``name``: DELETE DATA of the triples that
    went, INSERT DATA of those that came (neither version has blank nodes, see _versions).

    Virtuoso takes about 60 µs a triple to DROP a graph and 20 to insert it again (11,000
    triples/s for graphs of 130 triples), 13 to DELETE DATA one: a rebuild changes a few
    triples of a release, and those few are all that is sent. Deletes come first, in the
    same request as the inserts: one transaction, and a triple written in another lexical
    form of the same value (which a store may hold as one) is deleted, then inserted.
    """
    graph = iri(name)
    operations = []
    for verb, lines in (("DELETE", patch.deleted), ("INSERT", patch.inserted)):
        if lines:
            text = b"\n".join(lines).decode("utf-8")
            operations.append(f"{verb} DATA {{ GRAPH {graph} {{\n{text}\n}} }} ;\n")
    return "".join(operations)


def _blank(dump: GraphDump) -> bool:
    """True when the graph has a blank node (decoded only when it may)."""
    return b"_:" in dump.ntriples and _has_blank_nodes(dump.ntriples.decode("utf-8"))


def _has_blank_nodes(ntriples: str) -> bool:
    """True when a line of N-Triples starts with, or ends its object with, a blank node."""
    return any(line.startswith("_:") or " _:" in line.rsplit('"', 1)[-1]
               for line in ntriples.split("\n"))


def _drop(name: str, publication: str) -> str:
    return (f"DROP SILENT GRAPH {iri(name)} ;\n"
            f"DELETE WHERE {{ GRAPH {iri(publication)} {{ {iri(name)} {iri(HAS_VERSION)} ?v }} }} ;\n")


def published_build(remote: RemoteStore, base_uri: str) -> str | None:
    """The name of the build the remote store holds in full (the marker :func:`_finish`
    writes last), or None if no publish has finished."""
    publication = publication_graph(base_uri)
    rows = remote.select(
        f"SELECT ?b WHERE {{ GRAPH {iri(publication)} {{ {iri(publication)} {iri(IDENTIFIER)} ?b }} }}")
    return rows[0]["b"].value if rows else None


def _finish(build: str, publication: str) -> str:
    """The build marker: which build the store now holds in full."""
    return (f"DELETE WHERE {{ GRAPH {iri(publication)} {{ {iri(publication)} {iri(IDENTIFIER)} ?b }} }} ;\n"
            f"INSERT DATA {{ GRAPH {iri(publication)} {{ {iri(publication)} {iri(IDENTIFIER)} "
            f"\"{build}\" }} }}")


def publish(build_dir: Path, remote: RemoteStore, batch_triples: int = 10_000,
            progress: Callable[[int], None] | None = None, threads: int = 1,
            method: str = "update") -> PublishResult:
    """Bring the remote store to the current build; ``progress`` gets triples sent so far.

    ``threads`` batches are in flight at once: the store works on one while the next is
    prepared and sent. The withdrawn graphs and the build marker go last, once every
    batch has been accepted. ``method`` is ``"update"`` (SPARQL 1.1 Update, any store),
    ``"virtuoso"`` (Virtuoso's N-Quads loader, see :func:`virtuoso_request`) or ``"auto"``
    (the loader where the store offers it, see :func:`detect_method`).
    """
    if method != "auto":
        _writer(method)  # an unknown method fails before the store is touched
    folder = current_build(build_dir)
    manifest = read_manifest(folder)
    publication = publication_graph(str(manifest["base_uri"]))
    if method == "auto":
        method = detect_method(remote, publication)
    writer = _writer(method)
    store = OxigraphStore.open_read_only(folder / "store")
    names = store.named_graphs()
    result = PublishResult(build=str(manifest["build"]), method=method)
    versions = remote_versions(remote, publication)
    held = held_graphs(remote, [n for n in names if n not in versions])
    earlier = EarlierBuilds(build_dir, folder.resolve())
    versioned = read_ahead(lambda name: _versions(store, name, versions.get(name), earlier), names)
    try:
        batches = _batches(versioned, versions, held, batch_triples, result)
        _send_all(remote, batches, max(1, threads), progress, result, writer, publication)
    finally:
        versioned.close()  # after a failure: the reading threads stop now
    tail = [_drop(name, publication) for name in sorted(set(versions) - set(names))]
    result.dropped.extend(sorted(set(versions) - set(names)))
    _update_in_halves(remote, [*tail, _finish(result.build, publication)])
    return result


def detect_method(remote: RemoteStore, publication: str) -> str:
    """``"virtuoso"`` when the store runs Virtuoso's loader for this account, else ``"update"``.

    Nothing in the SPARQL protocol says which store answers, and the loader needs a right
    (calling SQL functions) that not every account has, so the probe tries the very call
    the loader path makes first: the syntax check on an empty file, whose answer (the
    graph name) it writes as a triple of the publication graph. A store without that
    function leaves the variable unbound and writes nothing, or refuses the update; an
    account without the right gets an error. Either way: standard Update.
    """
    probe = iri("urn:kg:probe")
    forget = f"DELETE WHERE {{ GRAPH {iri(publication)} {{ {iri(publication)} {probe} ?ok }} }}"
    try:
        remote.update(forget)  # a probe an earlier run left would answer for this one
        remote.update_with_file(
            f"INSERT {{ GRAPH {iri(publication)} {{ {iri(publication)} {probe} ?ok }} }} "
            f"WHERE {{ {_validated(publication)} }}", QUADS_PART, b"", "application/n-quads")
    except RemoteStoreError as err:
        log.warning("kg publish: Virtuoso's loader is not available here (%s); "
                    "using SPARQL Update", err)
        return "update"
    try:
        found = remote.ask(f"ASK {{ GRAPH {iri(publication)} {{ {iri(publication)} {probe} ?ok }} }}")
    finally:
        remote.update(forget)
    return "virtuoso" if found else "update"


def _writer(method: str) -> Writer:
    """The request writer of a publish method (KG_PUBLISH_METHOD)."""
    writers: dict[str, Writer] = {"update": update_request, "virtuoso": virtuoso_request}
    if method not in writers:
        raise ConfigError(f"KG_PUBLISH_METHOD has value {method!r}; expected 'auto', 'update' "
                          "or 'virtuoso'")
    return writers[method]


def _versions(store: OxigraphStore, name: str, recorded: str | None, earlier: EarlierBuilds
              ) -> tuple[GraphDump, Patch | None]:
    """The graph as this build has it, and the patch to it from the version the store holds
    when an earlier build has that version (``recorded`` is its checksum), neither version
    has blank nodes and the patch is no larger than the graph."""
    dump = graph_dump(store, name)
    if recorded is None or recorded == dump.digest or _blank(dump):
        return dump, None  # DELETE DATA cannot name a blank node
    previous = earlier.find(name, recorded)
    patch = None if previous is None else Patch.between(previous, dump)
    if patch is None or patch.size > dump.triples:
        return dump, None  # a patch larger than the graph: a request could grow past the batch
    return dump, patch


def _batches(versioned: Iterable[tuple[GraphDump, Patch | None]], versions: dict[str, str],
             held: set[str], batch_triples: int, result: PublishResult) -> Iterator[Batch]:
    """The graphs that changed, grouped into batches of about ``batch_triples`` triples."""
    batch = Batch()
    for dump, patch in versioned:
        if versions.get(dump.name) == dump.digest:
            result.unchanged.append(dump.name)
            continue
        had_record = dump.name in versions
        batch.writes.append(GraphWrite(dump, had_record or dump.name in held, had_record, patch))
        batch.triples += dump.triples
        result.loaded.append(dump.name)
        if patch is not None:
            result.patched.append(dump.name)
        if batch.triples >= batch_triples:
            yield batch
            batch = Batch()
    if batch.writes:
        yield batch


def _send_all(remote: RemoteStore, batches: Iterator[Batch], threads: int,
              progress: Callable[[int], None] | None, result: PublishResult,
              writer: Writer, publication: str) -> None:
    """Send the batches with at most ``threads`` requests in flight; stop at the first failure.

    Batches touch disjoint graphs, so their order does not matter. After a failure the
    batches in flight finish (each all or nothing) and no new one starts.
    """
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish") as pool:
        pending: dict[Future[list[str]], Batch] = {}
        for batch in batches:
            if len(pending) >= threads:
                _collect(pending, progress, result, FIRST_COMPLETED)
            pending[pool.submit(_send_checked, remote, batch.writes, writer, publication)] = batch
        _collect(pending, progress, result, ALL_COMPLETED)


def _collect(pending: dict[Future[list[str]], Batch], progress: Callable[[int], None] | None,
             result: PublishResult, return_when: str) -> None:
    """Wait for one (or all) requests in flight, count what they loaded, raise a failure."""
    done, _ = wait(pending, return_when=return_when)
    for future in done:
        batch = pending.pop(future)
        for name in future.result():  # patched, then written whole after all
            result.patched.remove(name)
        result.triples += batch.triples
        if progress:
            progress(batch.triples)


def _send_checked(remote: RemoteStore, writes: list[GraphWrite], writer: Writer,
                  publication: str) -> list[str]:
    """:func:`_send`, then the patched graphs counted in the store: a patch is right only if
    each of its deletes matched a triple the store holds, and a store may match a literal
    otherwise than by its characters (Virtuoso holds "5" and "5.0" as one value). A patched
    graph holding other than the build's number of triples is written again whole, and its
    name returned: a graph must never end up neither old nor new under a record saying new."""
    _send(remote, writes, writer, publication)
    wrong = _miscounted(remote, [w for w in writes if w.patch is not None])
    if wrong:
        log.warning("kg publish: %d patched graph(s) do not hold the build's triples (first: %s); "
                    "writing them whole", len(wrong), wrong[0].dump.name)
        _send(remote, [GraphWrite(w.dump, True, True) for w in wrong], update_request, publication)
    return [w.dump.name for w in wrong]


def _miscounted(remote: RemoteStore, writes: list[GraphWrite]) -> list[GraphWrite]:
    """The writes whose graph the store holds with another number of triples than built.

    A UNION of one branch a graph: Virtuoso took 86 ms to count a batch's 77 graphs with
    ``VALUES ?g`` (or ``FILTER(?g IN …)``), 23 ms so.
    """
    if not writes:
        return []
    branches = " UNION ".join(f"{{ GRAPH {iri(w.dump.name)} {{ ?s ?p ?o }} BIND({iri(w.dump.name)} AS ?g) }}"
                              for w in writes)
    rows = remote.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ {branches} }} GROUP BY ?g")
    held = {row["g"].value: int(row["n"].value) for row in rows}
    return [w for w in writes if held.get(w.dump.name, 0) != w.dump.triples]


def _send(remote: RemoteStore, writes: list[GraphWrite], writer: Writer, publication: str) -> None:
    """One request; a store that refuses it gets it again in halves.

    Each write brings whole graphs from one version to the next (a patch with its record),
    so any split keeps every graph old-or-new.
    (Virtuoso refuses requests of about 50,000 triples: "Query too large".) A graph the
    store cannot take at all fails alone, with the store's message.
    """
    if not writes:
        return
    try:
        writer(remote, writes, publication)
    except RemoteStoreError:
        if len(writes) < 2:
            raise
        middle = len(writes) // 2
        _send(remote, writes[:middle], writer, publication)
        _send(remote, writes[middle:], writer, publication)


def update_request(remote: RemoteStore, writes: list[GraphWrite], publication: str) -> None:
    """The standard way: one SPARQL 1.1 Update request of DROP and INSERT DATA operations."""
    operations = [_write(w, publication) for w in writes]
    remote.update("".join(operations).rstrip().rstrip(";"))


def _update_in_halves(remote: RemoteStore, operations: list[str]) -> None:
    """Independent update operations in one request, or in halves if the store finds it too large."""
    if not operations:
        return
    try:
        remote.update("".join(operations).rstrip().rstrip(";"))
    except RemoteStoreError:
        if len(operations) < 2:
            raise
        middle = len(operations) // 2
        _update_in_halves(remote, operations[:middle])
        _update_in_halves(remote, operations[middle:])


# -- Virtuoso's loader (KG_PUBLISH_METHOD=virtuoso) -----------------------------------------

QUADS_PART = "kg-quads"  # the form field carrying the batch's N-Quads
TTLP_NQUADS = 512  # DB.DBA.TTLP flag: the text is N-Quads (each line names its graph)
TTLP_LOGGED = 1  # log_enable mode 1: logged, inside the caller's transaction
TTLP_TRANSACTIONAL = 1  # no loader threads (the rows still get one commit before them)
LOADER_MAX_ROWS = 900_000  # under the loader's flush of 1,000,000 rows (dc_max_batch_sz)
LOADER_MAX_BYTES = 25_000_000  # under its flush at 30 MB buffered


def virtuoso_request(remote: RemoteStore, writes: list[GraphWrite], publication: str) -> None:
    """Graphs the store lacks through Virtuoso's loader; graphs it holds as :func:`update_request`.

    Virtuoso spends 15 to 30 us of CPU a triple on INSERT DATA (30 when the IRIs are new);
    its N-Quads loader (``DB.DBA.TTLP``, vectored) about 7. The new graphs of a batch go as
    N-Quads (with their checksum records) in a form field beside an update that calls the
    loader on it with ``bif:http_param``: sent as a SPARQL literal instead, the compiler's
    handling of the long string costs more than INSERT DATA. The loader (``rl_send_gs``)
    commits before it inserts its buffered rows, and it buffers up to 1,000,000 rows or
    30 MB: a request under both limits goes in at once, so new graphs appear whole. A
    replaced graph is not loaded this way, since that first commit would publish the drop
    of the old graph before the new one is in (seen by the readers' test as empty graphs).
    """
    replaced = [w for w in writes if w.held]
    if replaced:
        update_request(remote, replaced, publication)
    update = f"{_virtuoso_check(publication)} ;\n{_virtuoso_load(publication)}"
    for part in _under_loader_flush([w for w in writes if not w.held]):
        remote.update_with_file(update, QUADS_PART, _nquads(part, publication), "application/n-quads")


def _under_loader_flush(writes: list[GraphWrite]) -> Iterator[list[GraphWrite]]:
    """The writes in groups small enough for the loader to insert each group in one flush.

    (Only a KG_PUBLISH_BATCH far above its default makes more than one group.)
    """
    group: list[GraphWrite] = []
    rows = size = 0
    for write in writes:
        more_rows = write.dump.triples + 1  # and its record
        more_bytes = len(write.dump.ntriples) + more_rows * (len(write.dump.name) + 3) + 200
        if group and (rows + more_rows > LOADER_MAX_ROWS or size + more_bytes > LOADER_MAX_BYTES):
            yield group
            group, rows, size = [], 0, 0
        group.append(write)
        rows, size = rows + more_rows, size + more_bytes
    if group:
        yield group


def _virtuoso_check(publication: str) -> str:
    """An operation that parses the batch's N-Quads and fails on a syntax error, writing nothing."""
    return (f"DELETE {{ GRAPH {iri(publication)} {{ {iri(publication)} <urn:kg:checked> ?ok }} }} "
            f"WHERE {{ {_validated(publication)} }}")


def _validated(publication: str) -> str:
    """A BIND of ?ok to the loader's syntax check of the request's N-Quads field: the graph
    name when the field parses; an error, failing the update, when it does not."""
    return (f"BIND (<sql:TTLP_VALIDATE>(<bif:http_param>({_string(QUADS_PART)}), \"\", "
            f"{_string(publication)}, {TTLP_NQUADS}) AS ?ok)")


def _virtuoso_load(publication: str) -> str:
    """An operation that loads the batch's N-Quads with Virtuoso's vectored loader.

    A syntax error would make the loader commit what it has, so :func:`_virtuoso_check`
    comes first. The DELETE template names a triple that never exists: the operation is
    only there to call the loader from SPARQL Update.
    """
    return (f"DELETE {{ GRAPH {iri(publication)} {{ {iri(publication)} <urn:kg:loaded> ?n }} }} "
            f"WHERE {{ BIND (<sql:TTLP>(<bif:http_param>({_string(QUADS_PART)}), \"\", "
            f"{_string(publication)}, {TTLP_NQUADS}, {TTLP_LOGGED}, {TTLP_TRANSACTIONAL}) AS ?n) }}")


def _nquads(writes: list[GraphWrite], publication: str) -> bytes:
    """The graphs of a batch as N-Quads, each followed by its checksum record."""
    out: list[bytes] = []
    for write in writes:
        graph = b" " + iri(write.dump.name).encode("utf-8") + b" .\n"
        out.extend(line.rstrip()[:-1].rstrip() + graph
                   for line in write.dump.ntriples.split(b"\n") if line.strip())
        out.append(f"{iri(write.dump.name)} {iri(HAS_VERSION)} {_string(write.dump.digest)} "
                   f"{iri(publication)} .\n".encode("utf-8"))
    return b"".join(out)


def _string(value: str) -> str:
    """A string literal in SPARQL (and N-Quads) syntax, escaped by pyoxigraph.

    >>> _string('a "b"')
    '"a \\\\"b\\\\""'
    """
    return str(ox.Literal(value))
