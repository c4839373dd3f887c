"""One place for configuration: the SETTINGS table, read from ``KG_*`` variables.

Precedence (documented in the README): a CLI flag the user passed, then the
``KG_*`` environment variable, then the default in :data:`SETTINGS`. This is
the only module that reads ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import ConfigError

PREFIX = "KG_"
PUBLISH_METHODS = ("auto", "update", "virtuoso")


@dataclass(frozen=True)
class Setting:
    """One configuration entry: its name (without prefix), type, default and help text."""

    name: str
    type: type
    default: Any
    help: str

    @property
    def envvar(self) -> str:
        return PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("base_uri", str, "http://127.0.0.1:5000/",
            "Base of every minted IRI ({base}id/{kind}/{slug}); must end with '/'."),
    Setting("data_dir", Path, Path("data"),
            "Input folder: releases/ (texts), facts/ (curated facts per release)."),
    Setting("build_dir", Path, Path("build"),
            "Output folder: one sub-folder per build and a 'current' link to the published one."),
    Setting("host", str, "127.0.0.1", "Address `kg serve` listens on."),
    Setting("port", int, 5000, "Port `kg serve` listens on."),
    Setting("workers", int, 1, "Worker processes of `kg serve` (gunicorn); each shares the store."),
    Setting("threads", int, 8, "Threads per worker process of `kg serve`."),
    Setting("query_timeout", float, 30.0,
            "Seconds a SPARQL query may run; then it is stopped and the client gets an error."),
    Setting("max_rows", int, 10000,
            "Most rows (or triples) a SPARQL query returns; a cut is reported. 0: no cap."),
    Setting("query_memory", int, 2048,
            "Address space, in MB, each SPARQL query worker may use; 0: no limit."),
    Setting("query_planner", str, "on",
            "on: plain ordered or grouped joins over large patterns are run as hash joins "
            "(kg/plan.py); off: every query as written."),
    Setting("max_concurrent_queries", int, 2,
            "SPARQL queries run at once, each in a worker process; others wait, then get 503."),
    Setting("max_body", int, 1_000_000, "Largest request body accepted, in bytes."),
    Setting("jobs", int, 1,
            "Processes `kg build` reads, extracts and validates releases with; 0: one per core."),
    Setting("keep_builds", int, 3, "Published builds kept on disk (the current one included)."),
    Setting("log_level", str, "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR."),
    Setting("store", str, "embedded",
            "Where the site reads its data: 'embedded' (the build's own store) or 'sparql' "
            "(the remote store at KG_SPARQL_QUERY_URL, loaded with `kg publish`)."),
    Setting("sparql_query_url", str, "", "Query endpoint of a remote SPARQL store (`kg publish`)."),
    Setting("sparql_update_url", str, "", "Update endpoint of the remote SPARQL store (`kg publish`)."),
    Setting("sparql_user", str, "", "User for the remote store (HTTP digest authentication)."),
    Setting("sparql_password", str, "", "Password for the remote store; give it in the environment."),
    Setting("publish_batch", int, 10_000,
            "About how many triples `kg publish` sends in one update request (whole graphs)."),
    Setting("publish_threads", int, 2,
            "Update requests `kg publish` keeps in flight at once; 1 sends them one by one."),
    Setting("publish_method", str, "auto",
            "How `kg publish` writes graphs: 'update' (SPARQL 1.1 Update, any store), 'virtuoso' "
            "(new graphs through Virtuoso's N-Quads loader, called from SPARQL Update; the update "
            "account must be allowed to call SQL functions, as dba is) or 'auto' (the loader when "
            "the store turns out to be a Virtuoso that lets the account call it, else 'update')."),
    Setting("license", str, "https://creativecommons.org/licenses/by/4.0/",
            "License of the published data (an IRI), stated in the VoID/DCAT description."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Typed, immutable configuration handed to the build and to ``create_app``."""

    base_uri: str = "http://127.0.0.1:5000/"
    data_dir: Path = Path("data")
    build_dir: Path = Path("build")
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    threads: int = 8
    query_timeout: float = 30.0
    max_rows: int = 10000
    query_memory: int = 2048
    query_planner: str = "on"
    max_concurrent_queries: int = 2
    max_body: int = 1_000_000
    keep_builds: int = 3
    jobs: int = 1
    log_level: str = "INFO"
    store: str = "embedded"
    sparql_query_url: str = ""
    sparql_update_url: str = ""
    sparql_user: str = ""
    sparql_password: str = ""
    publish_batch: int = 10_000
    publish_threads: int = 2
    publish_method: str = "auto"
    license: str = "https://creativecommons.org/licenses/by/4.0/"

    def __post_init__(self) -> None:
        if not self.base_uri.startswith(("http://", "https://")) or not self.base_uri.endswith("/"):
            raise ConfigError(
                f"KG_BASE_URI has value {self.base_uri!r}; expected an http(s) URI ending with '/'"
            )
        if self.store not in ("embedded", "sparql"):
            raise ConfigError(f"KG_STORE has value {self.store!r}; expected 'embedded' or 'sparql'")
        if self.store == "sparql" and not self.sparql_query_url:
            raise ConfigError("KG_STORE is 'sparql' but KG_SPARQL_QUERY_URL is not set")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"KG_PORT has value {self.port!r}; expected a port from 0 to 65535")
        if self.jobs < 0:
            raise ConfigError(f"KG_JOBS has value {self.jobs!r}; expected 0 (one per core) or more")
        for name in ("max_body", "keep_builds", "max_concurrent_queries", "workers", "threads",
                     "publish_batch", "publish_threads"):
            if getattr(self, name) < 1:
                raise ConfigError(f"KG_{name.upper()} has value {getattr(self, name)!r}; "
                                  "expected at least 1")
        if self.query_planner not in ("on", "off"):
            raise ConfigError(f"KG_QUERY_PLANNER has value {self.query_planner!r}; "
                              "expected 'on' or 'off'")
        if self.publish_method not in PUBLISH_METHODS:
            raise ConfigError(f"KG_PUBLISH_METHOD has value {self.publish_method!r}; "
                              "expected 'auto', 'update' or 'virtuoso'")
        if self.max_rows < 0:
            raise ConfigError(f"KG_MAX_ROWS has value {self.max_rows!r}; expected 0 (no cap) or more")
        if self.query_timeout <= 0:
            raise ConfigError(f"KG_QUERY_TIMEOUT has value {self.query_timeout!r}; "
                              "expected a number of seconds above 0")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(
                f"KG_LOG_LEVEL has value {self.log_level!r}; expected DEBUG, INFO, WARNING or ERROR"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``KG_*`` variables, then the overrides that are not None (CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(setting.envvar)
            if raw is not None:
                values[setting.name] = cast(setting, raw)
        for name, value in overrides.items():
            if name not in _BY_NAME:
                raise ConfigError(f"unknown setting {name!r}")
            if value is not None:
                values[name] = value
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed; None values are ignored (flags not given)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def cast(setting: Setting, raw: str) -> Any:
    """Turn an environment string into the setting's type, or say which key was wrong.

    >>> cast(_BY_NAME["port"], "8080")
    8080
    >>> cast(_BY_NAME["port"], "abc")
    Traceback (most recent call last):
    ...
    kg.errors.ConfigError: KG_PORT has value 'abc'; expected an integer
    """
    expected = {int: "an integer", float: "a number", Path: "a path", str: "a string"}
    try:
        if setting.type is Path:
            if not raw.strip():
                raise ValueError(raw)
            return Path(raw)
        return setting.type(raw)
    except ValueError:
        raise ConfigError(
            f"{setting.envvar} has value {raw!r}; expected {expected[setting.type]}"
        ) from None
