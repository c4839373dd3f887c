"""The ``kg`` command: build, validate, query and serve.

Exit codes (as pySHACL documents its own): 0 success; 1 the SHACL gate refused
a release; 2 bad input, usage or configuration; 3 internal error (a bug: please
report it). Every option also reads its ``KG_*`` variable; a flag wins.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox

from kg.config import PUBLISH_METHODS, Settings
from kg.errors import KgError, ValidationFailed

log = logging.getLogger(__name__)


def _settings(ctx: click.Context, **flags: Any) -> Settings:
    try:
        return Settings.from_env(**flags)
    except KgError as err:
        raise click.UsageError(str(err), ctx) from None


def _run(action: Callable[[], int | None]) -> None:
    """Run a command body, mapping our error families to the documented exit codes."""
    try:
        code = action() or 0
    except ValidationFailed as err:
        click.secho("SHACL validation failed", fg="red", bold=True, err=True)
        click.echo(str(err), err=True)
        sys.exit(err.exit_code)
    except KgError as err:
        click.secho("Error", fg="red", bold=True, err=True)
        click.echo(str(err), err=True)
        sys.exit(err.exit_code)
    except (click.exceptions.Exit, click.ClickException):
        raise
    except Exception as err:  # the last resort: a bug, reported as one
        log.exception("internal error")
        click.echo(f"Internal error: {err!r}. This is a bug; please report it.", err=True)
        sys.exit(3)
    sys.exit(code)


data_dir_option = click.option("--data-dir", type=click.Path(path_type=Path), envvar="KG_DATA_DIR",
                               show_envvar=True, help="Input folder (releases/, facts/).")
build_dir_option = click.option("--build-dir", type=click.Path(path_type=Path), envvar="KG_BUILD_DIR",
                                show_envvar=True, help="Folder of builds and the 'current' link.")
releases_option = click.option(
    "--releases", "extra_dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
    help="Another folder of releases to build from, after data/releases (repeatable).")
base_uri_option = click.option("--base-uri", envvar="KG_BASE_URI", show_envvar=True,
                               help="Base of every minted IRI; must end with '/'.")


@click.group()
@click.version_option(package_name="kg-pressfacts")
@click.option("--log-level", envvar="KG_LOG_LEVEL", show_envvar=True, default=None,
              help="DEBUG, INFO, WARNING or ERROR.")
def main(log_level: str | None) -> None:
    """Publish the facts of press releases as linked data."""
    logging.basicConfig(level=(log_level or "INFO").upper(), format="%(levelname)s %(name)s: %(message)s")


@main.command()
@data_dir_option
@build_dir_option
@base_uri_option
@releases_option
@click.option("--skip-invalid", is_flag=True,
              help="Publish the valid releases and list each one left out, instead of failing.")
@click.option("--jobs", type=int, envvar="KG_JOBS", show_envvar=True,
              help="Processes to read, extract and validate with (0: one per core).")
@click.pass_context
def build(ctx: click.Context, data_dir: Path | None, build_dir: Path | None,
          base_uri: str | None, extra_dirs: tuple[Path, ...], skip_invalid: bool,
          jobs: int | None) -> None:
    """Read, extract, validate and publish data/releases into a new build."""
    settings = _settings(ctx, data_dir=data_dir, build_dir=build_dir, base_uri=base_uri, jobs=jobs)

    def action() -> int:
        from kg.build import build as run_build

        result = run_build(settings, skip_invalid=skip_invalid, extra_dirs=extra_dirs)
        manifest = result.manifest
        click.echo(
            f"Published build {manifest['build']}: {len(manifest['releases'])} release(s), "  # type: ignore[arg-type]
            f"{manifest['triples']} triples, in {result.folder}"
        )
        for skipped in result.skipped:
            click.secho(f"Left out {skipped.path}:", fg="yellow", err=True)
            for reason in skipped.reasons():
                click.echo(f"  {reason}", err=True)
        return 0

    _run(action)


@main.command()
@data_dir_option
@base_uri_option
@releases_option
@click.pass_context
def validate(ctx: click.Context, data_dir: Path | None, base_uri: str | None,
             extra_dirs: tuple[Path, ...]) -> None:
    """Check every release against the SHACL shapes and print the report; publish nothing."""
    settings = _settings(ctx, data_dir=data_dir, base_uri=base_uri)

    def action() -> int:
        from kg.build import prepare

        outcomes = prepare(settings, extra_dirs)
        failed = 0
        for outcome in outcomes:
            status = "ok" if outcome.ok else "FAILED"
            click.echo(f"{outcome.path}: {status}")
            for reason in outcome.reasons():
                click.echo(f"  {reason}")
            for warning in (p for p in outcome.problems if p.severity != "Violation"):
                click.echo(f"  {warning}")
            failed += not outcome.ok
        click.echo(f"{len(outcomes) - failed} of {len(outcomes)} release(s) conform.")
        if any(o.error for o in outcomes):
            return 2
        return 1 if failed else 0

    _run(action)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True,
              help="Output format: one JSON array, an object per file in the gold-annotation format.")
@data_dir_option
@click.pass_context
def extract(ctx: click.Context, files: tuple[Path, ...], fmt: str, data_dir: Path | None) -> None:
    """Extract the facts of release FILES and print them (curated facts of data/facts included)."""
    settings = _settings(ctx, data_dir=data_dir)

    def action() -> int:
        from kg.extract.gold import extract_file

        facts_dir = settings.data_dir / "facts"
        docs = [extract_file(path, facts_dir if facts_dir.is_dir() else None) for path in files]
        click.echo(json.dumps(docs, ensure_ascii=False, indent=2))
        return 0

    _run(action)


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "turtle"]),
              default="table", show_default=True, help="Output format.")
@build_dir_option
@click.pass_context
def query(ctx: click.Context, query: str, fmt: str, build_dir: Path | None) -> None:
    """Run a SPARQL query against the published build and print the results."""
    settings = _settings(ctx, build_dir=build_dir)

    def action() -> int:
        from kg.build import current_build
        from kg.store import OxigraphStore
        from kg.vocab import PREFIXES

        store = OxigraphStore.open_read_only(current_build(settings.build_dir) / "store", PREFIXES)
        click.echo(render(store.run(query), fmt), nl=False)
        return 0

    _run(action)


def render(result: ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean, fmt: str) -> str:
    """Query results as text in the requested format."""
    if isinstance(result, ox.QueryBoolean):
        value = bool(result)
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": value}) + "\n"
        return f"{str(value).lower()}\n"
    if isinstance(result, ox.QueryTriples):
        rdf = ox.RdfFormat.JSON_LD if fmt == "json" else ox.RdfFormat.TURTLE
        if fmt == "csv":
            raise click.UsageError("CONSTRUCT and DESCRIBE results print as turtle or json")
        from kg.vocab import PREFIXES

        return ox.serialize(result, format=rdf, prefixes=PREFIXES).decode("utf-8")
    if fmt == "json":
        return result.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8") + "\n"
    if fmt == "csv":
        return result.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
    if fmt == "turtle":
        raise click.UsageError("SELECT results print as table, json or csv")
    return _table(result)


def _table(result: ox.QuerySolutions) -> str:
    names = [v.value for v in result.variables]
    rows = [[_cell(solution[n]) for n in names] for solution in result]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    out = io.StringIO()
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out.write(line(names) + "\n" + "-+-".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")
    return out.getvalue()


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return " ".join(term.value.split())
    return str(getattr(term, "value", term))


@main.command()
@build_dir_option
@click.option("--query-url", envvar="KG_SPARQL_QUERY_URL", show_envvar=True,
              help="Query endpoint of the remote store.")
@click.option("--update-url", envvar="KG_SPARQL_UPDATE_URL", show_envvar=True,
              help="Update endpoint of the remote store.")
@click.option("--user", envvar="KG_SPARQL_USER", show_envvar=True, help="User (digest auth).")
@click.option("--batch-triples", type=int, envvar="KG_PUBLISH_BATCH", show_envvar=True,
              help="About how many triples go in one update request (default 10000).")
@click.option("--threads", type=int, envvar="KG_PUBLISH_THREADS", show_envvar=True,
              help="Update requests in flight at once (default 2).")
@click.option("--method", type=click.Choice(PUBLISH_METHODS), envvar="KG_PUBLISH_METHOD",
              show_envvar=True, help="SPARQL 1.1 Update (any store), Virtuoso's N-Quads loader "
              "for graphs the store lacks, or auto (the default): the loader where the store "
              "offers it, else Update.")
@click.pass_context
def publish(ctx: click.Context, build_dir: Path | None, query_url: str | None,
            update_url: str | None, user: str | None, batch_triples: int | None,
            threads: int | None, method: str | None) -> None:
    """Load the published build into a remote SPARQL store, release graph by release graph.

    The password comes from KG_SPARQL_PASSWORD. Each release graph is replaced in one
    update; running it again after a failure resumes where it stopped.
    """
    settings = _settings(ctx, build_dir=build_dir, sparql_query_url=query_url,
                         sparql_update_url=update_url, sparql_user=user,
                         publish_batch=batch_triples, publish_threads=threads,
                         publish_method=method)

    def action() -> int:
        from kg.build import current_build, read_manifest
        from kg.errors import ConfigError
        from kg.publish import publish as run_publish
        from kg.remote import Endpoint, RemoteStore

        if not settings.sparql_query_url or not settings.sparql_update_url:
            raise ConfigError("kg publish needs KG_SPARQL_QUERY_URL and KG_SPARQL_UPDATE_URL "
                              "(or --query-url and --update-url)")
        endpoint = Endpoint(settings.sparql_query_url, settings.sparql_update_url,
                            settings.sparql_user or None, settings.sparql_password or None,
                            timeout=max(settings.query_timeout, 300))
        total = int(read_manifest(current_build(settings.build_dir))["quads"])
        with click.progressbar(length=total, label="Publishing", file=sys.stderr) as bar:
            result = run_publish(settings.build_dir, RemoteStore(endpoint), settings.publish_batch,
                                 progress=bar.update, threads=settings.publish_threads,
                                 method=settings.publish_method)
        click.echo(f"Published build {result.build} to {settings.sparql_update_url}: "
                   f"{len(result.loaded)} graph(s) loaded ({result.triples} triples; "
                   f"{len(result.patched)} replaced by their differences), "
                   f"{len(result.unchanged)} unchanged, {len(result.dropped)} dropped "
                   f"(method: {result.method})")
        return 0

    _run(action)


@main.command()
@click.option("--host", envvar="KG_HOST", show_envvar=True, help="Address to listen on.")
@click.option("--port", type=int, envvar="KG_PORT", show_envvar=True, help="Port to listen on.")
@click.option("--workers", type=int, envvar="KG_WORKERS", show_envvar=True,
              help="Worker processes (gunicorn).")
@click.option("--threads", type=int, envvar="KG_THREADS", show_envvar=True,
              help="Threads per worker process.")
@build_dir_option
@base_uri_option
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None,
          threads: int | None, build_dir: Path | None, base_uri: str | None) -> None:
    """Serve the published build: SPARQL endpoint, entity pages and dumps (gunicorn)."""
    settings = _settings(ctx, host=host, port=port, workers=workers, threads=threads,
                         build_dir=build_dir, base_uri=base_uri)

    def action() -> int:
        from kg.build import current_build
        from server.serve import run

        current_build(settings.build_dir)  # fail early, with a sentence, when nothing is built
        click.echo(f"Serving {settings.build_dir / 'current'} at http://{settings.host}:{settings.port}/ "
                   f"with {settings.workers} worker(s) of {settings.threads} thread(s)")
        run(settings)
        return 0

    _run(action)


if __name__ == "__main__":
    main()
