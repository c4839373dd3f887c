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
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from kg import __version__
from kg.config import Settings
from kg.dumps import as_records, write_dumps, write_release_dumps
from kg.encode import release_graph
from kg.errors import BuildError, InputError, KgError, NoBuild, Problem, ValidationFailed
from kg.extract import extract
from kg.model import Facts
from kg.read import read_release, release_files
from kg.resolve import load_links, resolve
from kg.search import INDEX_FILE, write_index
from kg.store import OxigraphStore
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
class Prepared:
    """Every release file's outcome, and the valid graphs as N-Quads blobs ready to load."""

    outcomes: list[Outcome]
    nquads: list[bytes]


@dataclass
class BuildResult:
    """What a published build holds, as written to its manifest."""

    folder: Path
    manifest: dict[str, object]
    skipped: list[Outcome]


def prepare(settings: Settings, extra_dirs: tuple[Path, ...] = ()) -> Prepared:
    """Read, extract, encode and validate every release; never raises for a bad release.

    The releases are those of ``data/releases`` and then those of each extra folder.
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
        blobs = _encode_and_gate(pool, read, Uris(settings.base_uri), settings.jobs)
    return Prepared(outcomes, blobs)


def prepare_facts(settings: Settings, facts: list[Facts]) -> Prepared:
    """Encode and validate facts extracted (and resolved) elsewhere: the build's second half,
    on its own for benchmarks and for callers that bring their own extraction."""
    outcomes = [Outcome(path=Path(f.release.path), release_id=f.release.id) for f in facts]
    with _pool(settings.jobs, len(facts)) as pool:
        blobs = _encode_and_gate(pool, list(zip(outcomes, facts, strict=True)),
                                 Uris(settings.base_uri), settings.jobs)
    return Prepared(outcomes, blobs)


def _encode_and_gate(pool: Any, read: list[tuple[Outcome, Facts]], uris: Uris, jobs: int) -> list[bytes]:
    """Fill in each outcome's size, problems and report; return the valid graphs as N-Quads."""
    batches = _batches([(facts, str(outcome.path)) for outcome, facts in read], jobs)
    checked = pool.map(_encode_and_check, batches, [uris] * len(batches))
    results = (r for batch in checked for r in _unpack(batch))
    blobs = []
    for (outcome, _), (triples, problems, report, blob) in zip(read, results, strict=True):
        outcome.triples, outcome.problems, outcome.report = triples, problems, report
        if blob:
            blobs.append(blob)
    return blobs


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


def _batches(items: list[Any], jobs: int) -> list[list[Any]]:
    """Split into batches of at most BATCH, at least two per worker so that none idles."""
    workers = max(1, jobs or os.cpu_count() or 1)
    size = max(1, min(BATCH, -(-len(items) // (2 * workers))))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _unpack(checked: tuple[list[tuple[int, list[Problem], Graph]], bytes]) -> Iterator[
        tuple[int, list[Problem], Graph, bytes]]:
    """Each release's result; the batch's N-Quads travel with its first release."""
    rows, blob = checked
    for index, (triples, problems, report) in enumerate(rows):
        yield triples, problems, report, blob if index == 0 else b""


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


def _encode_and_check(batch: list[tuple[Facts, str]], uris: Uris) -> tuple[
        list[tuple[int, list[Problem], Graph]], bytes]:
    """Encode a batch of resolved releases and pass them through the SHACL gate together.

    Returns each release's size, problems and SHACL report, and the valid
    graphs of the batch as one N-Quads blob."""
    graphs = [(uris.graph(facts.release.id), release_graph(facts, uris), path)
              for facts, path in batch]
    gate = Batch(graphs)
    reports = gate.reports()
    rows = [(len(graph), report.problems, report.graph)
            for (_, graph, _), report in zip(graphs, reports, strict=True)]
    keep = [index for index, report in enumerate(reports) if report.conforms]
    return rows, gate.nquads(keep)


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
    return publish_prepared(settings, prepare(settings, extra_dirs), skip_invalid)


def publish_prepared(settings: Settings, prepared: Prepared, skip_invalid: bool = False) -> BuildResult:
    """Store, dump and index the valid releases in a new build folder, then make it current."""
    outcomes = prepared.outcomes
    bad = [o for o in outcomes if not o.ok]
    if bad and not skip_invalid:
        raise _failure(bad)
    good = [o for o in outcomes if o.ok]
    if not good:
        raise BuildError("no release passed the checks; nothing was published")
    folder = _new_folder(settings.build_dir)
    try:
        manifest = _publish(folder, prepared.nquads, good, bad, settings)
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


def _publish(folder: Path, nquads: list[bytes], good: list[Outcome], bad: list[Outcome],
             settings: Settings) -> dict[str, object]:
    """Load the store, write dumps, report and manifest into ``folder`` (not yet current)."""
    uris = Uris(settings.base_uri)
    store = OxigraphStore.create(folder / "store", PREFIXES)
    try:
        _load(store, nquads, uris)
        dumps = write_dumps(store, folder / "dumps")
        release_dumps = write_release_dumps(
            store, folder / "dumps", [(slugify(o.release_id), uris.graph(o.release_id)) for o in good])
        entities = write_index(store, folder / INDEX_FILE, uris)
        triples, quads = store.triple_count(), store.quad_count()
    finally:
        del store  # closes the store, so a failed build's folder can really be removed
    _write_report(folder / "report.ttl", good + bad)
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
        "release_dumps": as_records(release_dumps),
        "entities": entities,
        "search_index": INDEX_FILE,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _load(store: OxigraphStore, nquads: list[bytes], uris: Uris) -> None:
    """The ontology and every valid release in its named graph, with the merge of all of them
    as the default graph (the batches bring their own part of it; the store keeps a set)."""
    ontology = ONTOLOGY_FILE.read_bytes()
    store.load_graph(ontology, ox.RdfFormat.TURTLE, uris.ontology_graph)
    store.load_default(ontology, ox.RdfFormat.TURTLE)
    for blob in nquads:
        store.load_quads(blob)
    store.flush()


def _write_report(path: Path, outcomes: list[Outcome]) -> None:
    """Keep the SHACL reports as RDF next to the build, for whoever wants to query them."""
    report = Graph()
    for outcome in outcomes:
        if outcome.report is not None:
            report += outcome.report
    report.serialize(path, format="turtle")


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


def prune(build_dir: Path, keep: int) -> None:
    """Remove old builds, keeping the newest ``keep`` (the current one always among them)."""
    current = current_build(build_dir)
    builds = sorted(
        (p for p in build_dir.iterdir() if p.is_dir() and not p.is_symlink() and (p / MANIFEST).exists()),
        key=lambda p: ((p / MANIFEST).stat().st_mtime_ns, p.name),  # the order they were made
    )
    for old in builds[: max(0, len(builds) - max(keep, 1))]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)
