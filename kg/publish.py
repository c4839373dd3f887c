"""``kg publish``: load the published build into a remote SPARQL store, release graph by release graph.

Readers of the remote store never see half a release: each release graph is
replaced (DROP + INSERT DATA) within one SPARQL Update request, and graphs go in
batches of about ``batch_triples`` triples so that no request is huge. A
publication graph in the store records, for every graph it holds, the SHA-256
of the graph's canonical N-Triples. That record is written in the same request as
the graph, so a publish that fails half-way leaves every graph either old or new;
running ``kg publish`` again resumes: graphs whose checksum already matches are
skipped. Graphs of releases that were withdrawn from the build are dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.build import current_build, read_manifest
from kg.remote import RemoteStore, RemoteStoreError
from kg.store import OxigraphStore

HAS_VERSION = "http://purl.org/dc/terms/hasVersion"
IDENTIFIER = "http://purl.org/dc/terms/identifier"


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
    name: str
    ntriples: str
    triples: int
    digest: str


def publication_graph(base_uri: str) -> str:
    return f"{base_uri}graph/publication"


def graph_dumps(store: OxigraphStore, names: list[str]) -> Iterator[GraphDump]:
    """Each graph as canonical N-Triples (sorted lines) with its checksum."""
    for name in names:
        raw = store._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
        # "\n" only: N-Triples keeps U+2028, U+2029 and U+0085 raw inside literals
        lines = sorted(line for line in raw.decode("utf-8").split("\n") if line.strip())
        text = "\n".join(lines) + "\n"
        yield GraphDump(name, text, len(lines), hashlib.sha256(text.encode("utf-8")).hexdigest())


def remote_versions(remote: RemoteStore, publication: str) -> dict[str, str]:
    """The checksum of every graph the remote store holds from earlier publishes."""
    rows = remote.select(
        f"SELECT ?g ?v WHERE {{ GRAPH <{publication}> {{ ?g <{HAS_VERSION}> ?v }} }}")
    return {row["g"].value: row["v"].value for row in rows}


def _replace(dump: GraphDump, publication: str) -> str:
    """One graph's replacement and its checksum record, as SPARQL Update operations.

    INSERT DATA where possible; a graph with blank nodes goes in as an INSERT template
    with an empty WHERE, since some stores (Virtuoso) refuse blank nodes in INSERT DATA.
    """
    insert = (f"INSERT {{ GRAPH <{dump.name}> {{\n{dump.ntriples}}} }} WHERE {{}}"
              if "_:" in dump.ntriples and _has_blank_nodes(dump.ntriples)
              else f"INSERT DATA {{ GRAPH <{dump.name}> {{\n{dump.ntriples}}} }}")
    return (
        f"DROP SILENT GRAPH <{dump.name}> ;\n"
        f"{insert} ;\n"
        f"DELETE WHERE {{ GRAPH <{publication}> {{ <{dump.name}> <{HAS_VERSION}> ?v }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{publication}> {{ <{dump.name}> <{HAS_VERSION}> "
        f"\"{dump.digest}\" }} }} ;\n"
    )


def _has_blank_nodes(ntriples: str) -> bool:
    """True when a line of N-Triples starts with, or ends its object with, a blank node."""
    return any(line.startswith("_:") or " _:" in line.rsplit('"', 1)[-1]
               for line in ntriples.split("\n"))


def _drop(name: str, publication: str) -> str:
    return (f"DROP SILENT GRAPH <{name}> ;\n"
            f"DELETE WHERE {{ GRAPH <{publication}> {{ <{name}> <{HAS_VERSION}> ?v }} }} ;\n")


def publish(build_dir: Path, remote: RemoteStore, batch_triples: int = 10_000,
            progress: Callable[[int], None] | None = None) -> PublishResult:
    """Bring the remote store to the current build; ``progress`` gets triples sent so far."""
    folder = current_build(build_dir)
    manifest = read_manifest(folder)
    base = str(manifest["base_uri"])
    publication = publication_graph(base)
    store = OxigraphStore.open_read_only(folder / "store")
    names = store.named_graphs()
    result = PublishResult(build=str(manifest["build"]))
    versions = remote_versions(remote, publication)
    batch: list[str] = []
    in_batch = 0
    for dump in graph_dumps(store, names):
        if versions.get(dump.name) == dump.digest:
            result.unchanged.append(dump.name)
            continue
        batch.append(_replace(dump, publication))
        in_batch += dump.triples
        result.loaded.append(dump.name)
        if in_batch >= batch_triples:
            _send(remote, batch)
            result.triples += in_batch
            if progress:
                progress(in_batch)
            batch, in_batch = [], 0
    for name in sorted(set(versions) - set(names)):
        batch.append(_drop(name, publication))
        result.dropped.append(name)
    batch.append(
        f"DELETE WHERE {{ GRAPH <{publication}> {{ <{publication}> <{IDENTIFIER}> ?b }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{publication}> {{ <{publication}> <{IDENTIFIER}> "
        f"\"{result.build}\" }} }}")
    _send(remote, batch)
    result.triples += in_batch
    if progress and in_batch:
        progress(in_batch)
    return result


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
