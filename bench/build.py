"""Build benchmark: time each pipeline step per release, and the whole `kg build`.

Makes a corpus of N copies of the seed release (with its curated facts) in a
temporary folder, then prints medians (with min-max over repeats) of: read +
extract + encode per release; the SHACL gate per release; the same release
validated by pyshacl with the full shapes (SHACL-SPARQL included) as the
baseline the gate replaced; and a whole build (store load and dumps) in
releases per second.

    .venv/bin/python bench/build.py [--releases 200] [--repeats 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyshacl import validate as shacl_validate

from kg.build import build
from kg.config import Settings
from kg.encode import release_graph
from kg.extract import extract
from kg.read import read_release
from kg.uris import Uris
from kg.validate import check, shapes_graph

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                        help="kg build --jobs values to compare")
    args = parser.parse_args()
    path = ROOT / "data" / "releases" / f"{SEED}.txt"
    uris = Uris("http://127.0.0.1:5000/")
    facts_dir = ROOT / "data" / "facts"
    graph = release_graph(extract(read_release(path), facts_dir), uris)
    check(graph, "warm-up")
    full_shapes = shapes_graph()
    print(f"seed release graph: {len(graph)} triples")
    encode_runs = timed(lambda: release_graph(extract(read_release(path), facts_dir), uris),
                        args.repeats * 20)
    gate_runs = timed(lambda: check(graph, "bench"), args.repeats * 4)
    full_runs = timed(lambda: shacl_validate(graph, shacl_graph=full_shapes, inference="none"),
                      max(2, args.repeats // 2))
    print(figure("read + extract + encode, per release", encode_runs))
    print(figure("SHACL gate (core + native span rule)", gate_runs))
    print(figure("baseline: pyshacl with SHACL-SPARQL", full_runs))
    speed_up = statistics.median(full_runs) / statistics.median(gate_runs)
    print(f"{'gate speed-up over baseline':<42} {speed_up:9.1f}x")
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
