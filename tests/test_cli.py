"""The ``kg`` command: output and exit codes (0 ok, 1 SHACL refused, 2 bad input/usage, 3 bug).

Every run points --data-dir/--build-dir (or KG_* variables) at temporary copies,
never at the repository's build/.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef

from kg.build import current_build
from kg.cli import main
from kg.config import SETTINGS, Settings
from kg.uris import Uris
from kg.vocab import PF
from tests.conftest import BASE, DATA, SEED_ID, TEST_DATA, copy_data, kg_command

SEED_FILE = DATA / "releases" / f"{SEED_ID}.txt"
HEADLINE = "G60 S&T Innovation Valley of Yangtze River Delta has Made Strong Development."
SELECT_HEADLINE = "SELECT ?headline WHERE { ?release pf:headline ?headline }"


@pytest.fixture(autouse=True)
def no_kg_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No KG_* variable of the surrounding shell leaks into these runs."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.envvar, raising=False)


def kg(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def data_with(tmp_path: Path, *extra: Path) -> Path:
    """A private data/ with the seed and the given extra release files."""
    return copy_data(tmp_path / "data", [SEED_FILE, *extra])


# -- kg build --------------------------------------------------------------------------------


def test_build_prints_the_build(tmp_path: Path) -> None:
    """`kg build` exits 0 and prints the build's name, release count, triples and folder."""
    result = kg("build", "--data-dir", data_with(tmp_path), "--build-dir", tmp_path / "build")
    assert result.exit_code == 0, result.output
    folder = current_build(tmp_path / "build")
    assert f"Published build {folder.name}: 1 release(s)" in result.stdout
    assert "triples" in result.stdout and str(tmp_path / "build") in result.stdout


def test_build_refused_by_shacl_exits_1(tmp_path: Path) -> None:
    """A SHACL-invalid release: exit 1; stderr names the file, the focus node and the message."""
    data = data_with(tmp_path, TEST_DATA / "releases" / "200_no_headline.txt")
    result = kg("build", "--data-dir", data, "--build-dir", tmp_path / "build")
    assert result.exit_code == 1
    assert "SHACL validation failed" in result.stderr
    assert str(data / "releases" / "200_no_headline.txt") in result.stderr
    assert f"<{Uris(BASE).release('200_no_headline')}>" in result.stderr
    assert "A press release needs exactly one headline" in result.stderr
    assert "Published" not in result.stdout
    assert not (tmp_path / "build" / "current").exists()


def test_build_with_unreadable_release_exits_2(tmp_path: Path) -> None:
    """A release that is not UTF-8: exit 2 and the file and line in the message."""
    data = data_with(tmp_path)
    bad = data / "releases" / "500_latin1.txt"
    bad.write_bytes(b"Headline\n\nNovember 12\n05:27 2020\n\nCaf\xe9.\n")
    result = kg("build", "--data-dir", data, "--build-dir", tmp_path / "build")
    assert result.exit_code == 2
    assert f"{bad} line 6" in result.stderr
    assert "UTF-8" in result.stderr
    assert "Traceback" not in result.output


def test_build_skip_invalid_lists_left_out_files(tmp_path: Path) -> None:
    """--skip-invalid publishes the seed (exit 0) and lists the left-out file on stderr."""
    data = data_with(tmp_path, TEST_DATA / "releases" / "300_impossible_date.txt")
    result = kg("build", "--skip-invalid", "--data-dir", data, "--build-dir", tmp_path / "build")
    assert result.exit_code == 0, result.output
    assert "1 release(s)" in result.stdout
    assert "Left out" in result.stderr and "300_impossible_date.txt" in result.stderr
    assert "not a real date" in result.stderr


def test_build_reads_kg_variables_and_flags_win(tmp_path: Path) -> None:
    """KG_DATA_DIR/KG_BUILD_DIR are read; a --build-dir flag overrides KG_BUILD_DIR."""
    env = {"KG_DATA_DIR": str(data_with(tmp_path)), "KG_BUILD_DIR": str(tmp_path / "from-env")}
    result = kg("build", "--build-dir", tmp_path / "from-flag", env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-flag" / "current").is_symlink()
    assert not (tmp_path / "from-env").exists()


def test_bad_setting_is_a_usage_error(tmp_path: Path) -> None:
    """A base URI without a trailing slash is refused with exit 2, naming KG_BASE_URI."""
    result = kg(
        "build",
        "--data-dir",
        data_with(tmp_path),
        "--build-dir",
        tmp_path / "build",
        "--base-uri",
        "http://example.org/kg",
    )
    assert result.exit_code == 2
    assert "KG_BASE_URI" in result.output
    assert not (tmp_path / "build").exists()


def test_build_as_a_real_process(tmp_path: Path) -> None:
    """The installed `kg build` (a real subprocess, KG_* variables only) exits 0 and publishes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(
        {
            "KG_DATA_DIR": str(data_with(tmp_path)),
            "KG_BUILD_DIR": str(tmp_path / "build"),
            "KG_BASE_URI": BASE,
        }
    )
    done = subprocess.run(
        [*kg_command(), "build"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Published build" in done.stdout
    assert (current_build(tmp_path / "build") / "manifest.json").is_file()


def test_shacl_failure_as_a_real_process(tmp_path: Path) -> None:
    """As a real process, a SHACL-refused build exits 1 with the file on stderr."""
    data = data_with(tmp_path, TEST_DATA / "releases" / "200_no_headline.txt")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    done = subprocess.run(
        [*kg_command(), "build", "--data-dir", str(data), "--build-dir", str(tmp_path / "build")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "200_no_headline.txt" in done.stderr and "pf:headline" in done.stderr


# -- kg validate -----------------------------------------------------------------------------


def test_validate_all_ok_exits_0(tmp_path: Path) -> None:
    """`kg validate` prints 'ok' per release and a summary; nothing is built."""
    data = data_with(tmp_path, TEST_DATA / "releases" / "100_acme_plant.txt")
    result = kg("validate", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert f"{data / 'releases' / (SEED_ID + '.txt')}: ok" in result.stdout
    assert f"{data / 'releases' / '100_acme_plant.txt'}: ok" in result.stdout
    assert "2 of 2 release(s) conform." in result.stdout


def test_validate_failed_exits_1(tmp_path: Path) -> None:
    """A SHACL-invalid release is FAILED with its reason; the seed is still ok; exit 1."""
    data = data_with(tmp_path, TEST_DATA / "releases" / "200_no_headline.txt")
    result = kg("validate", "--data-dir", data)
    assert result.exit_code == 1
    assert f"{data / 'releases' / '200_no_headline.txt'}: FAILED" in result.stdout
    assert f"{data / 'releases' / (SEED_ID + '.txt')}: ok" in result.stdout
    assert "pf:headline" in result.stdout
    assert "1 of 2 release(s) conform." in result.stdout


def test_validate_unreadable_exits_2(tmp_path: Path) -> None:
    """An unreadable release is FAILED with the input error and the exit code is 2."""
    data = data_with(tmp_path, TEST_DATA / "releases" / "300_impossible_date.txt")
    result = kg("validate", "--data-dir", data)
    assert result.exit_code == 2
    assert "300_impossible_date.txt: FAILED" in result.stdout
    assert "not a real date" in result.stdout


# -- kg query --------------------------------------------------------------------------------


def query(settings: Settings, text: str, *args: str) -> Result:
    return kg("query", "--build-dir", settings.build_dir, *args, text)


def test_query_table(seed_settings: Settings) -> None:
    """A SELECT prints a table: header, rule, the headline, and the row count."""
    result = query(seed_settings, SELECT_HEADLINE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "headline"
    assert set(lines[1]) == {"-"}
    assert lines[2].strip() == HEADLINE
    assert lines[-1] == "(1 row)"


def test_query_json(seed_settings: Settings) -> None:
    """--format json prints SPARQL 1.1 JSON results."""
    result = query(seed_settings, SELECT_HEADLINE, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"] == ["headline"]
    assert [b["headline"]["value"] for b in doc["results"]["bindings"]] == [HEADLINE]


def test_query_csv(seed_settings: Settings) -> None:
    """--format csv prints a header row and one row per solution."""
    result = query(seed_settings, SELECT_HEADLINE, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [["headline"], [HEADLINE]]


def test_query_ask(seed_settings: Settings) -> None:
    """An ASK prints true/false, or SPARQL JSON with --format json."""
    ask = 'ASK { ?c pf:telephone "+8613922218503" }'
    assert query(seed_settings, ask).stdout == "true\n"
    assert json.loads(query(seed_settings, ask, "--format", "json").stdout)["boolean"] is True


def test_construct_as_turtle(seed_settings: Settings) -> None:
    """A CONSTRUCT with --format turtle prints Turtle that rdflib parses, with the asked triples."""
    text = "CONSTRUCT { ?release pf:headline ?headline } WHERE { ?release pf:headline ?headline }"
    result = query(seed_settings, text, "--format", "turtle")
    assert result.exit_code == 0, result.output
    graph = Graph().parse(data=result.stdout, format="turtle")
    release = URIRef(Uris(BASE).release(SEED_ID))
    assert set(graph) == {(release, PF.headline, Literal(HEADLINE))}


def test_malformed_query_exits_2(seed_settings: Settings) -> None:
    """A query that does not parse: exit 2, 'SPARQL syntax error' and where, no traceback."""
    result = query(seed_settings, "SELEC ?x WHERE { ?x ?y ?z }")
    assert result.exit_code == 2
    assert "SPARQL syntax error" in result.stderr
    assert "Traceback" not in result.output


def test_query_without_build_exits_2(tmp_path: Path) -> None:
    """Querying a build folder with nothing published says so and exits 2."""
    result = kg("query", "--build-dir", tmp_path / "none", SELECT_HEADLINE)
    assert result.exit_code == 2
    assert "run `kg build` first" in result.stderr


def test_query_as_a_real_process(seed_settings: Settings) -> None:
    """The installed `kg query`, as a real process, reads KG_BUILD_DIR and prints the table."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["KG_BUILD_DIR"] = str(seed_settings.build_dir)
    done = subprocess.run(
        [*kg_command(), "query", SELECT_HEADLINE],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert HEADLINE in done.stdout


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (SELECT_HEADLINE, "turtle"),
        ("CONSTRUCT { ?r pf:headline ?h } WHERE { ?r pf:headline ?h }", "csv"),
    ],
    ids=["select-as-turtle", "construct-as-csv"],
)
def test_format_that_does_not_fit_the_query_is_a_usage_error(
    seed_settings: Settings, text: str, fmt: str
) -> None:
    """A format the query form cannot give is a usage error (exit 2), not a bug (exit 3)."""
    result = query(seed_settings, text, "--format", fmt)
    assert result.exit_code == 2
    assert "Internal error" not in result.output


# -- kg serve --------------------------------------------------------------------------------


def test_serve_without_build_exits_2(tmp_path: Path) -> None:
    """`kg serve` with nothing built says to run `kg build` first; exit 2, no traceback."""
    result = kg("serve", "--build-dir", tmp_path / "empty", "--port", "0")
    assert result.exit_code == 2
    assert "no published build" in result.stderr
    assert "run `kg build` first" in result.stderr
    assert "Traceback" not in result.output


def test_version() -> None:
    """`kg --version` prints the package version."""
    result = kg("--version")
    assert result.exit_code == 0
    assert "0.1.0" in result.stdout
