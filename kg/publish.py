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
written with INSERT DATA alone: Virtuoso's DROP/CLEAR of a graph costs it 10 to 40 ms
each (more than inserting the graph's 130 triples), and a graph that is absent needs
no clearing. Only graphs the store holds in another version are dropped and inserted
again. Batches are sent by ``threads`` requests at a time; a store that picks one as a
deadlock victim rolls it back and it is sent again (see ``kg.remote``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.build import current_build, read_manifest
from kg.remote import RemoteStore, RemoteStoreError
from kg.store import OxigraphStore

HAS_VERSION = "http://purl.org/dc/terms/hasVersion"
IDENTIFIER = "http://purl.org/dc/terms/identifier"
PRESENCE_CHUNK = 500  # graph IRIs per query asking which graphs the store already holds


@dataclass
class PublishResult:
    """What a publish did, for the CLI's summary."""

    build: str
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    triples: int = 0


@dataclass(frozen=True)
class GraphDump:
    """One graph as canonical N-Triples (UTF-8 bytes, sorted lines) and its SHA-256."""

    name: str
    ntriples: bytes
    triples: int
    digest: str


@dataclass
class Batch:
    """Update operations for some graphs, sent as one request (one transaction)."""

    operations: list[str] = field(default_factory=list)
    triples: int = 0


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


def graph_dumps(store: OxigraphStore, names: Iterable[str]) -> Iterator[GraphDump]:
    """Each graph as canonical N-Triples with its checksum."""
    for name in names:
        raw = store._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
        text, count = canonical(raw)
        yield GraphDump(name, text, count, hashlib.sha256(text).hexdigest())


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
    if b"_:" in dump.ntriples and _has_blank_nodes(text):
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


def _write(dump: GraphDump, publication: str, held: bool, had_record: bool) -> str:
    """One graph's replacement and its checksum record, as SPARQL Update operations."""
    drop = f"DROP SILENT GRAPH {iri(dump.name)} ;\n" if held else ""
    return f"{drop}{_insert(dump)} ;\n{_record(dump, publication, had_record)} ;\n"


def _has_blank_nodes(ntriples: str) -> bool:
    """True when a line of N-Triples starts with, or ends its object with, a blank node."""
    return any(line.startswith("_:") or " _:" in line.rsplit('"', 1)[-1]
               for line in ntriples.split("\n"))


def _drop(name: str, publication: str) -> str:
    return (f"DROP SILENT GRAPH {iri(name)} ;\n"
            f"DELETE WHERE {{ GRAPH {iri(publication)} {{ {iri(name)} {iri(HAS_VERSION)} ?v }} }} ;\n")


def _finish(build: str, publication: str) -> str:
    """The build marker: which build the store now holds in full."""
    return (f"DELETE WHERE {{ GRAPH {iri(publication)} {{ {iri(publication)} {iri(IDENTIFIER)} ?b }} }} ;\n"
            f"INSERT DATA {{ GRAPH {iri(publication)} {{ {iri(publication)} {iri(IDENTIFIER)} "
            f"\"{build}\" }} }}")


def publish(build_dir: Path, remote: RemoteStore, batch_triples: int = 10_000,
            progress: Callable[[int], None] | None = None, threads: int = 1) -> PublishResult:
    """Bring the remote store to the current build; ``progress`` gets triples sent so far.

    ``threads`` batches are in flight at once: the store works on one while the next is
    prepared and sent. The withdrawn graphs and the build marker go last, once every
    batch has been accepted.
    """
    folder = current_build(build_dir)
    manifest = read_manifest(folder)
    publication = publication_graph(str(manifest["base_uri"]))
    store = OxigraphStore.open_read_only(folder / "store")
    names = store.named_graphs()
    result = PublishResult(build=str(manifest["build"]))
    versions = remote_versions(remote, publication)
    held = held_graphs(remote, [n for n in names if n not in versions])
    batches = _batches(graph_dumps(store, names), versions, held, publication, batch_triples, result)
    _send_all(remote, batches, max(1, threads), progress, result)
    tail = [_drop(name, publication) for name in sorted(set(versions) - set(names))]
    result.dropped.extend(sorted(set(versions) - set(names)))
    _send(remote, [*tail, _finish(result.build, publication)])
    return result


def _batches(dumps: Iterable[GraphDump], versions: dict[str, str], held: set[str],
             publication: str, batch_triples: int, result: PublishResult) -> Iterator[Batch]:
    """The graphs that changed, grouped into batches of about ``batch_triples`` triples."""
    batch = Batch()
    for dump in dumps:
        if versions.get(dump.name) == dump.digest:
            result.unchanged.append(dump.name)
            continue
        had_record = dump.name in versions
        batch.operations.append(_write(dump, publication, had_record or dump.name in held, had_record))
        batch.triples += dump.triples
        result.loaded.append(dump.name)
        if batch.triples >= batch_triples:
            yield batch
            batch = Batch()
    if batch.operations:
        yield batch


def _send_all(remote: RemoteStore, batches: Iterator[Batch], threads: int,
              progress: Callable[[int], None] | None, result: PublishResult) -> None:
    """Send the batches with at most ``threads`` requests in flight; stop at the first failure.

    Batches touch disjoint graphs, so their order does not matter. After a failure the
    batches in flight finish (each all or nothing) and no new one starts.
    """
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish") as pool:
        pending: dict[Future[None], Batch] = {}
        for batch in batches:
            if len(pending) >= threads:
                _collect(pending, progress, result, FIRST_COMPLETED)
            pending[pool.submit(_send, remote, batch.operations)] = batch
        _collect(pending, progress, result, ALL_COMPLETED)


def _collect(pending: dict[Future[None], Batch], progress: Callable[[int], None] | None,
             result: PublishResult, return_when: str) -> None:
    """Wait for one (or all) requests in flight, count what they loaded, raise a failure."""
    done, _ = wait(pending, return_when=return_when)
    for future in done:
        batch = pending.pop(future)
        future.result()
        result.triples += batch.triples
        if progress:
            progress(batch.triples)


def _send(remote: RemoteStore, operations: list[str]) -> None:
    """One update request; a store that finds it too large gets it again in halves.

    Each operation replaces whole graphs, so any split keeps every graph old-or-new.
    (Virtuoso refuses requests of about 50,000 triples: "Query too large".)
    """
    if not operations:
        return
    try:
        remote.update("".join(operations).rstrip().rstrip(";"))
    except RemoteStoreError:
        if len(operations) < 2:
            raise
        middle = len(operations) // 2
        _send(remote, operations[:middle])
        _send(remote, operations[middle:])
