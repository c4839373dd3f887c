"""The build: a new folder per build with store, dumps, report and manifest, and an atomic switch.

A failing build must never replace, change or litter the published one; the
dumps must hold exactly what the store holds; each release lives in its own
named graph.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import itertools
import json
import os
import re
import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, SH, XSD

import kg.build
import kg.dumps
from kg.build import BuildResult, build, current_build, read_manifest
from kg.config import Settings
from kg.encode import release_graph
from kg.errors import BuildError, InputError, KgError, ValidationFailed
from kg.extract import extract
from kg.read import read_release
from kg.resolve import load_links, resolve
from kg.store import OxigraphStore, from_ox
from kg.uris import Uris, slugify
from kg.validate import check
from kg.vocab import PF
from tests.conftest import BASE, DATA, SEED_ID, TEST_DATA, copy_data

URIS = Uris(BASE)
SEED_FILE = DATA / "releases" / f"{SEED_ID}.txt"
ACME = TEST_DATA / "releases" / "100_acme_plant.txt"
NO_HEADLINE = TEST_DATA / "releases" / "200_no_headline.txt"
BAD_DATE = TEST_DATA / "releases" / "300_impossible_date.txt"
DUMP_FILES = ["dataset.nq.gz", "dataset.nt.gz", "dataset.trig", "dataset.ttl"]


def settings_for(root: Path, releases: list[Path], **extra: Any) -> Settings:
    """Settings over a private data/ holding ``releases`` (plus the repo's facts) and no build."""
    return Settings(
        base_uri=BASE,
        data_dir=copy_data(root / "data", releases),
        build_dir=root / "build",
        **extra,
    )


def open_store(folder: Path) -> OxigraphStore:
    return OxigraphStore.open_read_only(folder / "store")


def union_graph(store: OxigraphStore) -> Graph:
    """The distinct triples of all graphs of the store, as an rdflib graph."""
    graph = Graph()
    for row in store.select("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"):
        graph.add((from_ox(row["s"]), from_ox(row["p"]), from_ox(row["o"])))
    return graph


def named_graph(store: OxigraphStore, graph_iri: str) -> set[tuple[Any, Any, Any]]:
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
    return {(from_ox(r["s"]), from_ox(r["p"]), from_ox(r["o"])) for r in rows}


def ground(graph: Graph) -> set[tuple[Any, Any, Any]]:
    return {t for t in graph if not any(isinstance(x, BNode) for x in t)}


def snapshot(build_dir: Path) -> dict[str, str]:
    """Every entry under build_dir: link target, file SHA-256 or 'dir' (proves nothing changed)."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(build_dir):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(build_dir))
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[key] = "dir"
    return found


def build_folders(build_dir: Path) -> list[str]:
    return sorted(p.name for p in build_dir.iterdir() if p.is_dir() and not p.is_symlink())


@pytest.fixture()
def increasing_stamps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Folder suffixes that sort in build order, so same-second builds sort deterministically."""
    counter = itertools.count()
    monkeypatch.setattr(
        kg.build, "secrets", SimpleNamespace(token_hex=lambda n: f"{next(counter):06x}")
    )


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, BuildResult]:
    """One published build of the seed and the small Acme release."""
    settings = settings_for(tmp_path_factory.mktemp("two"), [SEED_FILE, ACME])
    return settings, build(settings)


# -- a good build ----------------------------------------------------------------------------


def test_build_folder_layout(two: tuple[Settings, BuildResult]) -> None:
    """build_dir/<stamp>/ holds store/, dumps/ (4 files), report.ttl and manifest.json."""
    settings, result = two
    folder = result.folder
    assert folder.parent == settings.build_dir
    assert (folder / "store").is_dir()
    assert sorted(p.name for p in (folder / "dumps").iterdir() if p.is_file()) == DUMP_FILES
    per_release = sorted(p.name for p in (folder / "dumps" / "releases").iterdir())
    releases = (settings.data_dir / "releases").glob("*.txt")
    assert per_release == sorted(slugify(p.stem) + ".ttl" for p in releases)
    assert (folder / "search.sqlite").is_file()
    assert (folder / "report.ttl").is_file()
    assert (folder / "manifest.json").is_file()
    assert result.skipped == []


def test_current_points_at_the_build(two: tuple[Settings, BuildResult]) -> None:
    """'current' is a relative symlink to the new folder; current_build resolves it."""
    settings, result = two
    link = settings.build_dir / "current"
    assert link.is_symlink()
    assert os.readlink(link) == result.folder.name
    assert current_build(settings.build_dir) == result.folder.resolve()
    assert build_folders(settings.build_dir) == [result.folder.name]


def test_manifest_lists_releases_and_counts(two: tuple[Settings, BuildResult]) -> None:
    """The manifest on disk is the one returned; it lists each release with IRI, graph and count."""
    _, result = two
    manifest = read_manifest(result.folder)
    assert manifest == result.manifest
    assert manifest["build"] == result.folder.name
    assert manifest["base_uri"] == BASE
    assert [r["id"] for r in manifest["releases"]] == [SEED_ID, "100_acme_plant"]
    store = open_store(result.folder)
    for release in manifest["releases"]:
        assert release["graph"] == URIS.graph(release["id"])
        assert release["iri"] == URIS.release(release["id"])
        assert release["triples"] == len(named_graph(store, release["graph"]))
    assert manifest["triples"] == len(union_graph(store))
    assert manifest["quads"] == len(list(store.quads()))
    assert manifest["skipped"] == []


def test_manifest_sizes_and_hashes_match_files(two: tuple[Settings, BuildResult]) -> None:
    """Every dump in the manifest has the byte size and SHA-256 of the file on disk."""
    _, result = two
    dumps = result.manifest["dumps"]
    assert sorted(d["filename"] for d in dumps) == DUMP_FILES
    for dump in dumps:
        data = (result.folder / "dumps" / dump["filename"]).read_bytes()
        assert dump["bytes"] == len(data)
        assert dump["sha256"] == hashlib.sha256(data).hexdigest()
        assert (dump["encoding"] == "gzip") == dump["filename"].endswith(".gz")


def test_turtle_dump_equals_the_store_union(two: tuple[Settings, BuildResult]) -> None:
    """dataset.ttl, parsed by rdflib, holds exactly the distinct triples of all store graphs."""
    _, result = two
    dump = Graph().parse(result.folder / "dumps" / "dataset.ttl", format="turtle")
    store = union_graph(open_store(result.folder))
    assert len(dump) == len(store) == result.manifest["triples"]
    assert ground(dump) == ground(store)
    assert isomorphic(dump, store)  # the ontology's blank nodes too


def test_ntriples_dump_equals_the_turtle_dump(two: tuple[Settings, BuildResult]) -> None:
    """dataset.nt.gz holds the same graph as dataset.ttl."""
    _, result = two
    with gzip.open(result.folder / "dumps" / "dataset.nt.gz", "rb") as handle:
        nt = Graph().parse(data=handle.read(), format="nt")
    ttl = Graph().parse(result.folder / "dumps" / "dataset.ttl", format="turtle")
    assert isomorphic(nt, ttl)


def parse_dataset(data: bytes, fmt: str) -> Dataset:
    dataset = Dataset()
    with warnings.catch_warnings():  # rdflib's own parser touches its deprecated default_context
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=data, format=fmt)
    return dataset


def test_trig_dump_has_one_graph_per_release_and_the_ontology(
    two: tuple[Settings, BuildResult],
) -> None:
    """dataset.trig: a named graph per release plus the ontology graph; no default graph."""
    _, result = two
    dataset = parse_dataset((result.folder / "dumps" / "dataset.trig").read_bytes(), "trig")
    graphs = {str(q[3]) for q in dataset.quads((None, None, None, None))}
    assert graphs == {URIS.graph(SEED_ID), URIS.graph("100_acme_plant"), URIS.ontology_graph}
    assert len(list(dataset.quads((None, None, None, None)))) == result.manifest["quads"]


def test_nquads_dump_keeps_the_named_graphs(two: tuple[Settings, BuildResult]) -> None:
    """dataset.nq.gz holds every quad of the store, in the same named graphs as the TriG dump."""
    _, result = two
    with gzip.open(result.folder / "dumps" / "dataset.nq.gz", "rb") as handle:
        dataset = parse_dataset(handle.read(), "nquads")
    quads = list(dataset.quads((None, None, None, None)))
    assert len(quads) == result.manifest["quads"]
    assert {str(q[3]) for q in quads} == {
        URIS.graph(SEED_ID),
        URIS.graph("100_acme_plant"),
        URIS.ontology_graph,
    }


def integers_as_xsd_integer(triples: Any) -> set[tuple[Any, Any, Any]]:
    """Triples with xsd:nonNegativeInteger objects retyped xsd:integer (Oxigraph stores them so)."""
    return {
        (s, p, Literal(str(o), datatype=XSD.integer))
        if isinstance(o, Literal) and o.datatype == XSD.nonNegativeInteger
        else (s, p, o)
        for s, p, o in triples
    }


def test_each_release_lives_in_its_own_named_graph(two: tuple[Settings, BuildResult]) -> None:
    """The named graph of a release is exactly its encoded graph; the default graph is empty.

    (Up to the integer datatype of offsets; that difference is test_published_dump_conforms.
    The releases are resolved together and linked, as the build does.)
    """
    settings, result = two
    store = open_store(result.folder)
    all_facts = [extract(read_release(path), settings.data_dir / "facts") for path in (SEED_FILE, ACME)]
    resolve(all_facts, load_links(settings.data_dir / "links"))
    for facts in all_facts:
        encoded = release_graph(facts, URIS)
        assert named_graph(store, URIS.graph(facts.release.id)) == integers_as_xsd_integer(encoded)
    assert all(isinstance(q.graph_name, ox.NamedNode) for q in store.quads())
    rows = store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?r a <{PF.PressRelease}> }} }}")
    assert {r["g"].value for r in rows} == {URIS.graph(SEED_ID), URIS.graph("100_acme_plant")}


def test_published_dump_conforms_to_the_shapes(two: tuple[Settings, BuildResult]) -> None:
    """The Turtle dump, as downloaded, passes the same SHACL gate its releases passed."""
    _, result = two
    dump = Graph().parse(result.folder / "dumps" / "dataset.ttl", format="turtle")
    assert [str(p) for p in check(dump, "dataset.ttl").problems] == []


def test_ontology_graph_is_loaded(two: tuple[Settings, BuildResult]) -> None:
    """The ontology is in its own graph, so queries can read class labels."""
    _, result = two
    triples = named_graph(open_store(result.folder), URIS.ontology_graph)
    assert (
        URIRef(PF.Quote),
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("quote", lang="en"),
    ) in triples


def test_report_holds_a_conforming_report_per_release(two: tuple[Settings, BuildResult]) -> None:
    """report.ttl keeps one SHACL report per release, naming the release graph it checked;
    for a good build all conform."""
    _, result = two
    report = Graph().parse(result.folder / "report.ttl", format="turtle")
    reports = list(report.subjects(None, SH.ValidationReport))
    assert len(reports) == 2
    assert all(report.value(r, SH.conforms) == Literal(True) for r in reports)
    assert {report.value(r, DCTERMS.subject) for r in reports} == {
        URIRef(r["graph"]) for r in result.manifest["releases"]}  # type: ignore[union-attr]


def test_no_releases_is_a_build_error(tmp_path: Path) -> None:
    """An empty releases/ folder stops the build with a BuildError naming the folder."""
    (tmp_path / "data" / "releases").mkdir(parents=True)  # copy_data([]) would copy every release
    settings = Settings(base_uri=BASE, data_dir=tmp_path / "data", build_dir=tmp_path / "build")
    with pytest.raises(BuildError) as caught:
        build(settings)
    assert str(settings.data_dir / "releases") in str(caught.value)
    assert not (settings.build_dir / "current").exists()


# -- failure atomicity -----------------------------------------------------------------------


def add_no_headline(settings: Settings) -> str:
    shutil.copy(NO_HEADLINE, settings.data_dir / "releases")
    return str(settings.data_dir / "releases" / NO_HEADLINE.name)


def add_bad_date(settings: Settings) -> str:
    shutil.copy(BAD_DATE, settings.data_dir / "releases")
    return str(settings.data_dir / "releases" / BAD_DATE.name)


def add_bad_span(settings: Settings) -> str:
    shutil.copy(ACME, settings.data_dir / "releases")
    facts = settings.data_dir / "facts" / "100_acme_plant.json"
    doc = {
        "people": [{"name": "Jane Doe", "mentions": [{"text": "Jane Doe", "start": 0, "end": 8}]}]
    }
    facts.write_text(json.dumps(doc), encoding="utf-8")
    return str(facts)


@pytest.mark.parametrize(
    ("add_bad", "error_type", "words"),
    [
        (add_no_headline, ValidationFailed, "pf:headline"),
        (add_bad_date, BuildError, "not a real date"),
        (add_bad_span, BuildError, "'Jane Doe'"),
    ],
    ids=["missing-headline", "impossible-date", "span-mismatch"],
)
def test_failed_build_leaves_the_published_build_alone(
    tmp_path: Path, add_bad: Any, error_type: type[KgError], words: str
) -> None:
    """A bad release after a good build: raises naming the file; nothing on disk changes."""
    settings = settings_for(tmp_path, [SEED_FILE])
    good = build(settings)
    before = snapshot(settings.build_dir)
    bad_file = add_bad(settings)

    with pytest.raises(error_type) as caught:
        build(settings)

    assert bad_file in str(caught.value)
    assert words in str(caught.value)
    assert "nothing was published" in str(caught.value)
    assert current_build(settings.build_dir) == good.folder.resolve()
    assert (
        snapshot(settings.build_dir) == before
    )  # same link, manifest, store, dumps; no new folder


def test_failure_while_publishing_removes_the_half_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If writing dumps fails midway, the new folder is removed and 'current' is untouched."""
    settings = settings_for(tmp_path, [SEED_FILE])
    good = build(settings)
    before = snapshot(settings.build_dir)

    appended = kg.dumps.MergedDumps._append

    def broken(self: kg.dumps.MergedDumps, *args: Any) -> None:
        if self.triples:  # the ontology went in: now the disk is full
            raise OSError(28, "No space left on device")
        appended(self, *args)

    monkeypatch.setattr(kg.dumps.MergedDumps, "_append", broken)
    with pytest.raises(BuildError, match="No space left on device"):
        build(settings)
    assert current_build(settings.build_dir) == good.folder.resolve()
    assert snapshot(settings.build_dir) == before


def test_failure_opening_the_dumps_closes_what_was_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up while the build opens its dump files: a BuildError, the folder gone,
    and the files already opened closed (an unclosed file would fail this test as a warning)."""
    settings = settings_for(tmp_path, [SEED_FILE])
    good = build(settings)
    before = snapshot(settings.build_dir)
    opened = kg.dumps._Output.__init__

    def second_fails(self: kg.dumps._Output, path: Path) -> None:
        if path.name == "dataset.nt.gz":
            raise OSError(28, "No space left on device")
        opened(self, path)

    monkeypatch.setattr(kg.dumps._Output, "__init__", second_fails)
    with pytest.raises(BuildError, match="No space left on device"):
        build(settings)
    assert current_build(settings.build_dir) == good.folder.resolve()
    assert snapshot(settings.build_dir) == before


def test_skip_invalid_publishes_the_valid_releases(tmp_path: Path) -> None:
    """skip_invalid=True: the seed is published; both bad files are listed with their reasons."""
    settings = settings_for(tmp_path, [SEED_FILE, NO_HEADLINE, BAD_DATE])
    result = build(settings, skip_invalid=True)
    assert [r["id"] for r in result.manifest["releases"]] == [SEED_ID]
    skipped = {o.path.name: o.reasons() for o in result.skipped}
    assert set(skipped) == {NO_HEADLINE.name, BAD_DATE.name}
    assert any("pf:headline" in r for r in skipped[NO_HEADLINE.name])
    assert any("not a real date" in r for r in skipped[BAD_DATE.name])
    report = Graph().parse(result.folder / "report.ttl", format="turtle")
    verdicts = {report.value(r, DCTERMS.subject): report.value(r, SH.conforms)
                for r in report.subjects(None, SH.ValidationReport)}
    assert verdicts == {URIRef(URIS.graph(SEED_ID)): Literal(True),  # the bad date: no graph
                        URIRef(URIS.graph(NO_HEADLINE.stem)): Literal(False)}
    assert {s["file"] for s in result.manifest["skipped"]} == set(skipped)
    assert open_store(result.folder).named_graphs() == sorted(
        [URIS.graph(SEED_ID), URIS.ontology_graph]
    )
    assert current_build(settings.build_dir) == result.folder.resolve()


def test_skip_invalid_with_nothing_valid_is_a_build_error(tmp_path: Path) -> None:
    """When no release passes, even skip_invalid publishes nothing."""
    settings = settings_for(tmp_path, [NO_HEADLINE, BAD_DATE])
    with pytest.raises(BuildError, match="no release passed"):
        build(settings, skip_invalid=True)
    assert not settings.build_dir.exists() or build_folders(settings.build_dir) == []


def test_input_errors_and_shacl_failures_are_reported_together(tmp_path: Path) -> None:
    """With one unreadable and one SHACL-invalid release, the one error names both files."""
    settings = settings_for(tmp_path, [SEED_FILE, NO_HEADLINE, BAD_DATE])
    with pytest.raises(BuildError) as caught:
        build(settings)
    message = str(caught.value)
    assert NO_HEADLINE.name in message and BAD_DATE.name in message
    assert "--skip-invalid" in message
    assert isinstance(caught.value, KgError) and not isinstance(caught.value, InputError)


# -- switching and pruning -------------------------------------------------------------------


def test_second_build_switches_current_and_prunes(tmp_path: Path, increasing_stamps: None) -> None:
    """Each good build becomes current; with keep_builds=2 only the two newest folders remain."""
    settings = settings_for(tmp_path, [SEED_FILE], keep_builds=2)
    first = build(settings)
    second = build(settings)
    assert current_build(settings.build_dir) == second.folder.resolve()
    assert build_folders(settings.build_dir) == sorted([first.folder.name, second.folder.name])
    third = build(settings)
    assert current_build(settings.build_dir) == third.folder.resolve()
    assert build_folders(settings.build_dir) == sorted([second.folder.name, third.folder.name])
    assert not first.folder.exists()
    assert [p.name for p in settings.build_dir.iterdir() if p.name.startswith(".")] == []


def test_prune_keeps_the_newest_builds_made_at_one_instant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three builds in one second with keep_builds=2 keep the second and third, not the first."""
    frozen = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> dt.datetime:  # type: ignore[override]
            return frozen

    suffixes = iter(["00000c", "00000a", "00000b"])  # what token_hex may well return
    monkeypatch.setattr(kg.build, "dt", SimpleNamespace(datetime=Clock, UTC=dt.UTC))
    monkeypatch.setattr(kg.build, "secrets", SimpleNamespace(token_hex=lambda n: next(suffixes)))
    settings = settings_for(tmp_path, [SEED_FILE], keep_builds=2)
    builds = [build(settings).folder.name for _ in range(3)]
    assert build_folders(settings.build_dir) == sorted(builds[1:])


# -- identity across releases ----------------------------------------------------------------


def test_release_ids_with_the_same_slug_are_refused(tmp_path: Path) -> None:
    """Two release files whose ids slugify alike are a BuildError naming both files."""
    settings = settings_for(tmp_path, [ACME])
    shutil.copy(ACME, settings.data_dir / "releases" / "100-acme-plant.txt")
    with pytest.raises(BuildError) as caught:
        build(settings)
    assert "100_acme_plant.txt" in str(caught.value) and "100-acme-plant.txt" in str(caught.value)


def test_a_post_stated_by_two_releases_is_one_post_citing_both(tmp_path: Path) -> None:
    """A post is a real-world position: two releases stating it give one pf:Post naming both,
    each with its own evidence span, and the published union still conforms to the shapes."""
    settings = settings_for(tmp_path, [ACME])
    shutil.copy(ACME, settings.data_dir / "releases" / "101_acme_plant_syndicated.txt")
    facts = {
        "people": [{"name": "Jane Doe", "mentions": [{"text": "Jane Doe"}]}],
        "organizations": [{"name": "Acme Robotics", "mentions": [{"text": "Acme Robotics"}]}],
        "posts": [
            {
                "person": "Jane Doe",
                "title": "Chief Executive Officer",
                "organization": "Acme Robotics",
                "evidence": {"text": "Jane Doe, Chief Executive Officer of Acme Robotics"},
            }
        ],
    }
    for release_id in ("100_acme_plant", "101_acme_plant_syndicated"):
        (settings.data_dir / "facts" / f"{release_id}.json").write_text(
            json.dumps(facts), encoding="utf-8"
        )
    result = build(settings)
    rows = open_store(result.folder).select(
        f"SELECT ?post (COUNT(DISTINCT ?release) AS ?n) WHERE {{ ?post a <{PF.Post}> ; "
        f"<{PF.statedIn}> ?release }} GROUP BY ?post"
    )
    assert len(rows) == 1
    assert int(rows[0]["n"].value) == 2
    spans = open_store(result.folder).select(
        f"SELECT DISTINCT ?e WHERE {{ ?post a <{PF.Post}> ; <{PF.evidence}> ?e }}")
    assert len(spans) == 2


def merged_lines(folder: Path) -> tuple[list[bytes], set[bytes]]:
    """The lines of dataset.nt.gz, and the store's merged graph as N-Triples lines."""
    with gzip.open(folder / "dumps" / "dataset.nt.gz", "rb") as handle:
        dumped = handle.read().splitlines()
    store = ox.Store.read_only(str(folder / "store"))
    merged = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    return dumped, set(merged.splitlines())


def copies_of_acme(root: Path, count: int) -> Settings:
    """The seed and ``count`` copies of the Acme release: each copy in a batch of its own,
    and all of them stating the same triples about Acme's people, places and company."""
    settings = settings_for(root, [SEED_FILE])
    for index in range(count):
        shutil.copy(ACME, settings.data_dir / "releases" / f"{200 + index}_acme_copy.txt")
    return settings


def test_merged_dumps_hold_each_triple_once(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                           ) -> None:
    """Triples that several releases (in several batches) state are dumped once: the merged
    N-Triples dump, as streamed, is exactly the store's merged graph, without repeats."""
    result = build(copies_of_acme(tmp_path, 8))
    assert "writing them again from the store" not in caplog.text
    dumped, merged = merged_lines(result.folder)
    assert len(dumped) == len(set(dumped)) == len(merged) == result.manifest["triples"]
    assert {line for line in dumped if b"_:" not in line} == {  # blank nodes are relabelled
        line for line in merged if b"_:" not in line}
    ttl = Graph().parse(result.folder / "dumps" / "dataset.ttl", format="turtle")
    assert len(ttl) == len(merged)


def test_merged_dumps_are_rewritten_from_the_store_when_they_disagree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Were a shared triple ever taken for one release's own, the streamed dumps would repeat
    it; the build sees the count differ from the store's and writes them from the store."""
    monkeypatch.setattr(kg.dumps, "_scoped_pattern", lambda base: re.compile(b""))
    result = build(copies_of_acme(tmp_path, 3))
    assert "writing them again from the store" in caplog.text
    dumped, merged = merged_lines(result.folder)
    assert len(dumped) == len(set(dumped)) == len(merged) == result.manifest["triples"]
    ttl = Graph().parse(result.folder / "dumps" / "dataset.ttl", format="turtle")
    assert len(ttl) == len(merged)
    listed = {d["filename"]: d for d in result.manifest["dumps"]}  # type: ignore[union-attr]
    data = (result.folder / "dumps" / "dataset.ttl").read_bytes()
    assert listed["dataset.ttl"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_parallel_build_publishes_the_same_graph(tmp_path: Path) -> None:
    """--jobs 2 over enough releases to start processes gives the same triples as one job,
    and a bad release among them is still reported with its file."""
    source = settings_for(tmp_path / "one", [SEED_FILE])
    for index in range(8):
        shutil.copy(ACME, source.data_dir / "releases" / f"{200 + index}_acme_copy.txt")
    serial = build(source)
    parallel_settings = source.replace(build_dir=tmp_path / "two-build", jobs=2)
    parallel = build(parallel_settings)
    def releases(folder: Path) -> set[object]:  # the ontology's blank nodes differ by load
        return {q for q in open_store(folder).quads() if "graph/ontology" not in q.graph_name.value}

    assert releases(serial.folder) == releases(parallel.folder)
    (source.data_dir / "releases" / "299_bad.txt").write_bytes(b"\x00binary")
    with pytest.raises(BuildError, match="299_bad.txt"):
        build(parallel_settings)
