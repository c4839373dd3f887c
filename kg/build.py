"""The pipeline, in order: read -> extract -> encode -> SHACL gate -> store + dumps -> switch.

Every build goes into a new folder ``{build_dir}/{stamp}``; the link
``{build_dir}/current`` is switched to it only after validation, loading and
dumps have all succeeded, so a failing build never replaces a good published one.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import multiprocessing
import os
import secrets
import shutil
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from kg import __version__
from kg.config import Settings
from kg.dumps import (DUMP_FORMATS, Dump, GraphDumps, MergedDumps, MergedShare, as_records, gzipped,
                      write_dumps)
from kg.encode import release_triples
from kg.errors import BuildError, InputError, KgError, NoBuild, Problem, ValidationFailed
from kg.extract import extract
from kg.hubs import HUBS_FILE, MIN_LINKS, write_hubs
from kg.model import Facts
from kg.read import read_release, release_files
from kg.resolve import load_links, resolve
from kg.search import INDEX_FILE, write_index
from kg.store import OxigraphStore, to_ox
from kg.uris import Uris, slugify
from kg.validate import ONTOLOGY_FILE, Batch
from kg.vocab import PREFIXES

log = logging.getLogger(__name__)

CURRENT = "current"
MANIFEST = "manifest.json"


@dataclass
class Outcome:
    """One release file after the gate: its graph when valid, else why it was left out."""

    path: Path
    release_id: str
    triples: int | None = None  # the size of its graph, once encoded
    problems: list[Problem] = field(default_factory=list)
    error: InputError | None = None
    report: Graph | None = None

    @property
    def ok(self) -> bool:
        return self.triples is not None and not self.error and not any(
            p.severity == "Violation" for p in self.problems
        )

    def reasons(self) -> list[str]:
        if self.error:
            return [str(self.error)]
        return [str(p) for p in self.problems if p.severity == "Violation"]


@dataclass
class Checked:
    """What a worker hands back for one batch of releases, ready to store and dump as it is."""

    # each release: triples, problems, and its SHACL report when it has problems (a clean
    # release's report is the same two triples for all: written by the main process, not sent)
    rows: list[tuple[int, list[Problem], Graph | None]]
    nquads: bytes  # the valid graphs; lines sorted, so dumps do not depend on batching
    nquads_gz: bytes  # the same, gzipped here in the worker (the dump appends it as it is)
    trig: bytes  # the same graphs as TriG
    merged: MergedShare  # their merge: this batch's share of the default graph
    quads: int
    turtle: list[bytes | None]  # each valid release graph as Turtle (its own dump)


Sink = Callable[[list["Outcome"], Checked], None]


@dataclass
class BuildResult:
    """What a published build holds, as written to its manifest."""

    folder: Path
    manifest: dict[str, object]
    skipped: list[Outcome]


def prepare(settings: Settings, extra_dirs: tuple[Path, ...] = (),
            sink: Sink | None = None) -> list[Outcome]:
    """Read, extract, encode and validate every release; never raises for a bad release.

    The releases are those of ``data/releases`` and then those of each extra folder.
    ``sink`` gets each checked batch as soon as it is ready (the build stores it).
    """
    files = _files(settings, extra_dirs)
    outcomes = [Outcome(path=path, release_id=path.stem) for path in files]
    facts_dir = settings.data_dir / "facts"
    with _pool(settings.jobs, len(files)) as pool:
        extracted = list(pool.map(_extract_file, files, [facts_dir] * len(files), chunksize=8))
        for outcome, result in zip(outcomes, extracted, strict=True):
            if isinstance(result, InputError):
                outcome.error = result
        read = [(o, r) for o, r in zip(outcomes, extracted, strict=True) if isinstance(r, Facts)]
        resolve([f for _, f in read], load_links(settings.data_dir / "links"))  # one process
        _encode_and_gate(pool, read, Uris(settings.base_uri), sink)
    return outcomes


def prepare_facts(settings: Settings, facts: list[Facts], sink: Sink | None = None) -> list[Outcome]:
    """Encode and validate facts extracted (and resolved) elsewhere: the build's second half,
    on its own for benchmarks and for callers that bring their own extraction."""
    outcomes = [Outcome(path=Path(f.release.path), release_id=f.release.id) for f in facts]
    with _pool(settings.jobs, len(facts)) as pool:
        _encode_and_gate(pool, list(zip(outcomes, facts, strict=True)), Uris(settings.base_uri),
                         sink)
    return outcomes


def _encode_and_gate(pool: Any, read: list[tuple[Outcome, Facts]], uris: Uris,
                     sink: Sink | None) -> None:
    """Fill in each outcome's size, problems and report, batch by batch, feeding ``sink``."""
    batches = _batches(read)
    jobs = [[(facts, str(outcome.path)) for outcome, facts in batch] for batch in batches]
    for batch, checked in zip(batches, pool.map(_encode_and_check, jobs, [uris] * len(jobs)),
                              strict=True):
        for (outcome, _), (triples, problems, report) in zip(batch, checked.rows, strict=True):
            outcome.triples, outcome.problems, outcome.report = triples, problems, report
        if sink is not None:
            sink([outcome for outcome, _ in batch], checked)


def _files(settings: Settings, extra_dirs: tuple[Path, ...]) -> list[Path]:
    releases_dir = settings.data_dir / "releases"
    files = release_files(releases_dir) if releases_dir.is_dir() or not extra_dirs else []
    for folder in extra_dirs:
        files.extend(release_files(folder))
    if not files:
        folders = ", ".join(str(f) for f in (releases_dir, *extra_dirs))
        raise BuildError(f"{folders}: no release files (*.txt, *.html) to build from")
    _refuse_slug_collisions(files)
    return files


BATCH = 250  # releases per gate batch: large enough for the queries, small enough to spread


def _batches(items: list[Any]) -> list[list[Any]]:
    """Batches of at most BATCH, at least eight in all so that workers share them out.
    The split depends on the number of releases only, so dumps do not depend on --jobs."""
    size = max(1, min(BATCH, -(-len(items) // 8)))
    return [items[i:i + size] for i in range(0, len(items), size)]


class _InProcess:
    """The same interface as a process pool, for one job (no processes to start)."""

    def map(self, fn: Callable[..., Any], *iterables: Any, chunksize: int = 1) -> Iterator[Any]:
        return map(fn, *iterables)

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _pool(jobs: int, files: int) -> Any:
    """Worker processes for reading, extracting, encoding and validating (``--jobs``); with one
    job, or too few files to pay for starting processes, everything runs here."""
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or files < 4 * workers:
        return _InProcess()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _extract_file(path: Path, facts_dir: Path) -> Facts | InputError:
    """Read and extract one release; a bad file comes back as its error (picklable)."""
    try:
        return extract(read_release(path), facts_dir)
    except InputError as err:
        return err


def _encode_and_check(batch: list[tuple[Facts, str]], uris: Uris) -> Checked:
    """Encode a batch of resolved releases, pass them through the SHACL gate together, and
    serialize the valid ones every way the build stores and dumps them (here, in parallel)."""
    graphs = [(uris.graph(facts.release.id), release_triples(facts, uris), path)
              for facts, path in batch]
    gate = Batch(graphs)
    reports = gate.reports()
    rows = [(len(graph), report.problems, report.graph if report.problems else None)
            for (_, graph, _), report in zip(graphs, reports, strict=True)]
    gate.keep([index for index, report in enumerate(reports) if report.conforms])
    store = gate.store
    turtle = [store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.NamedNode(name),
                         prefixes=PREFIXES) if report.conforms else None
              for (name, _, _), report in zip(graphs, reports, strict=True)]
    nquads = _sorted_lines(store.dump(format=ox.RdfFormat.N_QUADS))
    trig = store.dump(format=ox.RdfFormat.TRIG, prefixes=PREFIXES) if nquads else None
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    merged = MergedShare.of(
        store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b"", uris)
    return Checked(rows, nquads, gzipped(nquads) if nquads else b"", trig or b"", merged,
                   nquads.count(b"\n"), turtle)


def _sorted_lines(data: bytes | None) -> bytes:
    """N-Quads with its lines sorted: the same graphs give the same bytes, however batched.
    (A newline inside a literal is escaped, so each line is one quad.)"""
    lines = sorted(line for line in (data or b"").split(b"\n") if line)
    return b"\n".join(lines) + b"\n" if lines else b""


def _refuse_slug_collisions(files: list[Path]) -> None:
    """Two files whose names give one release IRI would silently merge into one release."""
    seen: dict[str, Path] = {}
    for path in files:
        slug = slugify(path.stem)
        if slug in seen:
            raise BuildError(
                f"{seen[slug]} and {path} would both be release {slug!r}: rename one of them")
        seen[slug] = path


def build(settings: Settings, skip_invalid: bool = False,
          extra_dirs: tuple[Path, ...] = ()) -> BuildResult:
    """Build and publish; raise (publishing nothing) when a release fails and not skip_invalid."""
    return _build(settings, skip_invalid, lambda sink: prepare(settings, extra_dirs, sink))


def build_facts(settings: Settings, facts: list[Facts], skip_invalid: bool = False) -> BuildResult:
    """Build and publish facts extracted elsewhere (benchmarks time the build's second half)."""
    return _build(settings, skip_invalid, lambda sink: prepare_facts(settings, facts, sink))


def _build(settings: Settings, skip_invalid: bool,
           run: Callable[[Sink], list[Outcome]]) -> BuildResult:
    """Store each batch as it is checked, into a new folder that becomes current only when
    every step has succeeded; on any failure the folder is removed and nothing changes."""
    folder = _new_folder(settings.build_dir)
    try:
        writer = _Writer(folder, Uris(settings.base_uri))
        try:
            outcomes = run(writer.add)
            bad = [o for o in outcomes if not o.ok]
            if bad and not skip_invalid:
                raise _failure(bad)
            good = [o for o in outcomes if o.ok]
            if not good:
                raise BuildError("no release passed the checks; nothing was published")
            manifest = writer.finish(good, bad, settings)
        finally:
            writer.close()
            del writer  # closes the store, so a failed build's folder can really be removed
    except BaseException as err:
        _discard(folder, err)
        if isinstance(err, OSError):
            raise BuildError(
                f"writing the build into {folder} failed: {err}; nothing was published") from None
        raise
    switch_current(settings.build_dir, folder)
    prune(settings.build_dir, settings.keep_builds)
    return BuildResult(folder, manifest, bad)


def _discard(folder: Path, err: BaseException) -> None:
    """Remove a half-written build. The store must be closed first (RocksDB writes on close),
    and the failed frames still hold it: clear them so it closes now, not later."""
    traceback.clear_frames(err.__traceback__)
    gc.collect()
    shutil.rmtree(folder, ignore_errors=True)


def _failure(bad: list[Outcome]) -> KgError:
    """One error for all bad releases: SHACL problems win, since they have the fullest report."""
    problems = [p for o in bad for p in o.problems if p.severity == "Violation"]
    input_errors = [o.error for o in bad if o.error]
    if problems and not input_errors:
        return ValidationFailed(problems)
    lines = [f"  {r}" for o in bad for r in o.reasons()]
    return BuildError(
        f"{len(bad)} release file(s) could not be published; nothing was published "
        "(use --skip-invalid to publish the others):\n" + "\n".join(lines)
    )


def _new_folder(build_dir: Path) -> Path:
    # microseconds, so that builds sort by name in the order they were made
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)
    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        folder = build_dir / stamp
        folder.mkdir()
    except OSError as err:
        raise BuildError(f"cannot create a build folder in {build_dir}: {err.strerror}") from None
    return folder


class _Writer:
    """Fills a new build folder: the store, then the dumps, search index, report and manifest.

    Each checked batch is loaded and dumped as soon as it arrives (N-Quads for the release
    graphs, N-Triples for the triples it adds to the merged default graph), so the build
    never holds the whole dataset in memory (only a digest of each distinct triple about a
    shared entity, see MergedDumps).
    """

    def __init__(self, folder: Path, uris: Uris) -> None:
        self.folder, self.uris = folder, uris
        self.store: OxigraphStore | None = OxigraphStore.create(folder / "store", PREFIXES)
        self.graph_dumps: GraphDumps | None = None
        self.merged: MergedDumps | None = None
        try:
            self.graph_dumps = GraphDumps(folder / "dumps")
            self.merged = MergedDumps(folder / "dumps")
            self._ontology()
        except BaseException:
            self.close()  # the caller never gets this writer to close
            raise

    def _ontology(self) -> None:
        assert self.store is not None and self.graph_dumps is not None and self.merged is not None
        ontology = ONTOLOGY_FILE.read_bytes()
        self.store.load_graph(ontology, ox.RdfFormat.TURTLE, self.uris.ontology_graph)
        triples = list(ox.parse(ontology, ox.RdfFormat.TURTLE))
        lines = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        self.store.load_default(self.merged.add_shared(lines.splitlines(keepends=True)),
                                ox.RdfFormat.N_TRIPLES)
        graph = ox.NamedNode(self.uris.ontology_graph)
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
        self.graph_dumps.add(gzipped(ox.serialize(quads, format=ox.RdfFormat.N_QUADS)),
                             ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES),
                             len(quads))

    def add(self, outcomes: list[Outcome], checked: Checked) -> None:
        assert self.store is not None and self.graph_dumps is not None and self.merged is not None
        if checked.nquads:
            # N-Triples lines are N-Quads lines in the default graph: one bulk load for both.
            # Both were written by Oxigraph in the workers from checked terms: lenient
            self.store.load_quads(checked.nquads + self.merged.add(checked.merged), lenient=True)
            self.graph_dumps.add(checked.nquads_gz, checked.trig, checked.quads)
        for outcome, turtle in zip(outcomes, checked.turtle, strict=True):
            if turtle is not None and outcome.ok:
                self.graph_dumps.add_release(slugify(outcome.release_id),
                                             self.uris.graph(outcome.release_id), turtle,
                                             outcome.triples or 0)

    def finish(self, good: list[Outcome], bad: list[Outcome], settings: Settings) -> dict[str, object]:
        """Everything after the last batch: merged dumps, search index, report, manifest."""
        assert self.store is not None and self.graph_dumps is not None
        store, folder, uris = self.store, self.folder, self.uris
        # RocksDB compacts the store (for fast reads later) on its own threads, and Oxigraph
        # answers the hubs' queries without the GIL, while this thread reads the same store
        # for the counts and the search index
        stop = threading.Event()  # a failure here need not wait for every hub's answers
        with ThreadPoolExecutor(max_workers=2) as background:
            compacted = background.submit(store.flush)
            hubs = background.submit(write_hubs, store, folder, stop=stop)
            try:
                graph_dumps = self.graph_dumps.close()
                releases, self.graph_dumps = self.graph_dumps.releases, None
                triples = store.triple_count()  # one count of the merged graph serves all below
                quads = store.quad_count(triples)
                dumps = self._merged_dumps(triples) + graph_dumps
                dumps.sort(key=lambda d: [f.filename for f in DUMP_FORMATS].index(d.filename))
                entities = write_index(store, folder / INDEX_FILE, uris)
                _write_report(folder / "report.ttl", good + bad, uris)
            except BaseException:
                stop.set()
                raise
            compacted.result()
            hub_count = hubs.result()
        manifest: dict[str, object] = {
            "build": folder.name,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "version": __version__,
            "base_uri": settings.base_uri,
            "releases": [
                {"id": o.release_id, "file": o.path.name, "graph": uris.graph(o.release_id),
                 "iri": uris.release(o.release_id), "triples": o.triples}
                for o in good
            ],
            "skipped": [{"file": o.path.name, "reasons": o.reasons()} for o in bad],
            "triples": triples,
            "quads": quads,
            "dumps": as_records(dumps),
            "release_dumps": as_records(releases),
            "entities": entities,
            "search_index": INDEX_FILE,
            "hubs": {"file": HUBS_FILE, "things": hub_count, "min_links": MIN_LINKS},
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return manifest

    def _merged_dumps(self, triples: int) -> list[Dump]:
        """The merged dumps as streamed, unless they disagree with the store's own count of
        the merged graph (a triple about a release scoped thing stated by two releases):
        then they are written again from the store, which holds the merge as a set."""
        assert self.store is not None and self.merged is not None
        streamed, merged = self.merged.close(), self.merged
        self.merged = None
        if merged.triples == triples:
            return streamed
        log.warning("the merged dumps held %d triples, the merged graph %d: writing them "
                    "again from the store", merged.triples, triples)
        return write_dumps(self.store, self.folder / "dumps", triples)

    def close(self) -> None:
        if self.graph_dumps is not None:
            self.graph_dumps.discard()
            self.graph_dumps = None
        if self.merged is not None:
            self.merged.close()
            self.merged = None
        self.store = None


SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
REPORT_PREFIXES = {"sh": SH, "dcterms": "http://purl.org/dc/terms/",
                   "xsd": "http://www.w3.org/2001/XMLSchema#"}
ABOUT = ox.NamedNode("http://purl.org/dc/terms/subject")
REPORT_TYPE = ox.NamedNode(SH + "ValidationReport")


def _write_report(path: Path, outcomes: list[Outcome], uris: Uris) -> None:
    """Keep the SHACL reports as RDF next to the build, for whoever wants to query them:
    one report per validated release, naming (dcterms:subject) the release graph it checked."""
    triples: list[ox.Triple] = []
    for outcome in outcomes:
        if outcome.triples is None:  # never encoded: the manifest says why
            continue
        about = ox.NamedNode(uris.graph(outcome.release_id))
        if outcome.report is None:  # validated, no problem: what pyshacl would have written
            node = ox.BlankNode()
            triples += [ox.Triple(node, ox.NamedNode(RDF_TYPE), REPORT_TYPE),
                        ox.Triple(node, ox.NamedNode(SH + "conforms"), ox.Literal(True))]
            triples.append(ox.Triple(node, ABOUT, about))
            continue
        report = [ox.Triple(*(to_ox(term) for term in triple)) for triple in outcome.report]
        triples += report
        triples += [ox.Triple(t.subject, ABOUT, about) for t in report
                    if t.predicate.value == RDF_TYPE and t.object == REPORT_TYPE]
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE,
                                  prefixes=REPORT_PREFIXES) or b"")


def switch_current(build_dir: Path, folder: Path) -> None:
    """Point ``current`` at ``folder`` in one atomic rename (readers see old or new, never half)."""
    link = build_dir / CURRENT
    temporary = build_dir / f".{CURRENT}-{folder.name}"
    temporary.symlink_to(folder.name, target_is_directory=True)
    os.replace(temporary, link)
    log.info("published build %s", folder.name)


def current_build(build_dir: Path) -> Path:
    """The folder of the published build, or NoBuild when nothing was published yet."""
    link = build_dir / CURRENT
    if not link.exists():
        raise NoBuild(f"no published build in {build_dir}: run `kg build` first")
    return link.resolve()


def read_manifest(folder: Path) -> dict[str, object]:
    return dict(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))


def kept_builds(build_dir: Path) -> list[Path]:
    """The finished builds in ``build_dir``, oldest first (the order they were made): folders
    with a manifest, which a build writes last."""
    return sorted(
        (p for p in build_dir.iterdir() if p.is_dir() and not p.is_symlink() and (p / MANIFEST).exists()),
        key=lambda p: ((p / MANIFEST).stat().st_mtime_ns, p.name),
    )


def prune(build_dir: Path, keep: int) -> None:
    """Remove old builds, keeping the newest ``keep`` (the current one always among them)."""
    current = current_build(build_dir)
    builds = kept_builds(build_dir)
    for old in builds[: max(0, len(builds) - max(keep, 1))]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)
