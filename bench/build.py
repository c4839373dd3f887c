"""Build benchmark: time each pipeline step per release, and the whole `kg build`.

Makes a corpus of N copies of the seed release (with its curated facts) in a
temporary folder, then prints medians (with min-max over repeats) of: read +
extract + encode per release; the SHACL gate per release; the same release
validated by pyshacl with the full shapes (SHACL-SPARQL included) as the
baseline the gate replaced; and a whole build (store load and dumps) in
releases per second.

    .venv/bin/python bench/build.py [--releases 200] [--repeats 5]

With ``--generated N [N ...]`` it instead times the build's second half (encode,
SHACL gate, store, dumps, search index) on N generated releases
(bench/generate.py), each run in a fresh process, for ``--jobs`` 1 and 2: releases
and triples per second and the peak memory of the largest process, with the same
build gated by pyshacl alone (the gate before the compiled shape queries) as the
baseline at the smallest size.

    .venv/bin/python bench/build.py --generated 1000 10000 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyshacl import validate as shacl_validate

from kg.build import build, build_facts
from kg.config import Settings
from kg.encode import release_graph
from kg.extract import extract
from kg.read import read_release
from kg.uris import Uris
from kg.validate import check, check_many, shapes_graph

ROOT = Path(__file__).resolve().parent.parent
SEED = "000_634751f1f0fbc018"


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return runs


def figure(name: str, runs: list[float], per: int = 1, unit: str = "ms") -> str:
    scale = 1000 / per
    values = sorted(r * scale for r in runs)
    return (f"{name:<42} median {statistics.median(values):9.2f} {unit}"
            f"  (min {values[0]:.2f}, max {values[-1]:.2f}, n={len(values)})")


def make_corpus(folder: Path, count: int) -> Path:
    data = folder / "data"
    (data / "releases").mkdir(parents=True)
    (data / "facts").mkdir()
    text = (ROOT / "data" / "releases" / f"{SEED}.txt").read_bytes()
    facts = (ROOT / "data" / "facts" / f"{SEED}.json").read_bytes()
    for index in range(count):
        name = f"{index:06d}_{SEED.split('_')[1]}"
        (data / "releases" / f"{name}.txt").write_bytes(text)
        (data / "facts" / f"{name}.json").write_bytes(facts)
    return data


def one_generated_build(releases: int, jobs: int, pyshacl_only: bool,
                        keep: Path | None = None) -> dict[str, float]:
    """Time one build of generated facts in this process (run by --one in a fresh process);
    with ``keep``, the build folder is made there and kept (e.g. for bench/sparql.py --build)."""
    from bench.generate import release_facts, vocabulary
    import kg.validate

    if pyshacl_only:
        kg.validate.shape_queries = lambda *_: None  # type: ignore[assignment]
    rng = random.Random(7)
    orgs, people, places = vocabulary(rng, releases)
    facts = [release_facts(rng, i, orgs, people, places) for i in range(releases)]
    with tempfile.TemporaryDirectory() as tmp:
        build_dir = keep or Path(tmp) / "build"
        settings = Settings(data_dir=Path(tmp), build_dir=build_dir, keep_builds=1, jobs=jobs)
        start = time.perf_counter()
        result = build_facts(settings, facts)
        seconds = time.perf_counter() - start
    kib = max(resource.getrusage(who).ru_maxrss
              for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {"seconds": seconds, "quads": float(result.manifest["quads"]),  # type: ignore[arg-type]
            "peak_mib": kib / 1024}


def generated(sizes: list[int], jobs_list: list[int], repeats: int, baseline_run: bool = True,
              keep: Path | None = None) -> None:
    """Each size, each --jobs value, and the pyshacl-only baseline at the smallest size."""
    print(f"{'build of generated facts':<34} {'releases/s':>24} {'quads/s':>10} {'peak MiB':>9}")
    baseline: float | None = None
    for size in sizes:
        runs = [(jobs, False) for jobs in jobs_list]
        if baseline_run and size == min(sizes):
            runs.insert(0, (1, True))
        for jobs, pyshacl_only in runs:
            rows = [_child(size, jobs, pyshacl_only, keep) for _ in range(repeats)]
            rates = sorted(size / r["seconds"] for r in rows)
            rate = statistics.median(rates)
            quads = statistics.median(r["quads"] / r["seconds"] for r in rows)
            peak = max(r["peak_mib"] for r in rows)
            name = f"{size:,} releases, --jobs {jobs}" + (", pyshacl gate" if pyshacl_only else "")
            ratio = "" if baseline is None else f"  {rate / baseline:5.1f}x baseline"
            print(f"{name:<34} {rate:9.1f} ({rates[0]:.1f}-{rates[-1]:.1f}) {quads:10,.0f} "
                  f"{peak:9,.0f}{ratio}", flush=True)
            if pyshacl_only:
                baseline = rate


def _child(size: int, jobs: int, pyshacl_only: bool, keep: Path | None = None) -> dict[str, float]:
    command = [sys.executable, __file__, "--one", str(size), "--jobs", str(jobs)]
    if pyshacl_only:
        command.append("--pyshacl-only")
    if keep is not None:
        command += ["--keep", str(keep)]
    done = subprocess.run(command, check=True, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _one_run(args: argparse.Namespace) -> bool:
    return (len(args.generated or []) == 1 and len(args.jobs) == 1 and args.repeats == 1
            and args.no_baseline and not args.keep.exists())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                        help="kg build --jobs values to compare")
    parser.add_argument("--generated", type=int, nargs="+", metavar="N",
                        help="time the build of N generated releases instead (each size)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the pyshacl-gated baseline (slow at large sizes)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="with one --generated run (one size, one --jobs, --repeats 1, "
                             "--no-baseline): build into the new folder DIR and keep the build "
                             "(DIR/current), e.g. for bench/sparql.py --build")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pyshacl-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.keep and not args.one and not _one_run(args):
        # a second build into DIR would time the removal of the first one (keep_builds=1)
        parser.error("--keep needs exactly one run (one --generated size, one --jobs value, "
                     "--repeats 1, --no-baseline) and a DIR that does not exist yet")
    if args.one:
        print(json.dumps(one_generated_build(args.one, args.jobs[0], args.pyshacl_only, args.keep)))
        return
    if args.generated:
        generated(args.generated, args.jobs, args.repeats, not args.no_baseline, args.keep)
        return
    path = ROOT / "data" / "releases" / f"{SEED}.txt"
    uris = Uris("http://127.0.0.1:5000/")
    facts_dir = ROOT / "data" / "facts"
    graph = release_graph(extract(read_release(path), facts_dir), uris)
    check(graph, "warm-up")
    full_shapes = shapes_graph()
    print(f"seed release graph: {len(graph)} triples")
    encode_runs = timed(lambda: release_graph(extract(read_release(path), facts_dir), uris),
                        args.repeats * 20)
    batch = [(graph, f"copy {i}") for i in range(100)]
    check_many(batch)
    batch_runs = timed(lambda: check_many(batch), args.repeats)
    gate_runs = timed(lambda: check(graph, "bench"), args.repeats * 4)
    full_runs = timed(lambda: shacl_validate(graph, shacl_graph=full_shapes, inference="none"),
                      max(2, args.repeats // 2))
    print(figure("read + extract + encode, per release", encode_runs))
    print(figure("SHACL gate: compiled queries, batch of 100", batch_runs, per=100))
    print(figure("pyshacl (core + native span rule)", gate_runs))
    print(figure("baseline: pyshacl with SHACL-SPARQL", full_runs))
    speed_up = statistics.median(full_runs) / statistics.median(gate_runs)
    print(f"{'pyshacl core over SHACL-SPARQL baseline':<42} {speed_up:9.1f}x")
    speed_up = statistics.median(gate_runs) / (statistics.median(batch_runs) / 100)
    print(f"{'compiled gate over pyshacl core':<42} {speed_up:9.1f}x")
    with tempfile.TemporaryDirectory() as tmp:
        data = make_corpus(Path(tmp), args.releases)
        builds = Path(tmp) / "build"
        for jobs in args.jobs:
            settings = Settings(data_dir=data, build_dir=builds, keep_builds=1, jobs=jobs)
            runs = timed(lambda s=settings: build(s), max(1, args.repeats // 2))
            rates = sorted(args.releases / r for r in runs)
            title = f"kg build --jobs {jobs}, {args.releases} releases"
            print(f"{title:<42} median {statistics.median(rates):9.1f} releases/s "
                  f"(min {rates[0]:.1f}, max {rates[-1]:.1f})")
            shutil.rmtree(builds, ignore_errors=True)


if __name__ == "__main__":
    main()
