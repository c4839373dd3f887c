"""The error families of the product, with messages written for the person who must act.

Raise deep, translate once at the edge: ``kg/cli.py`` maps these to exit codes,
``server/errors.py`` to HTTP statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class KgError(Exception):
    """Base of every error the product reports to a user (not a bug)."""

    exit_code = 3
    code = "internal"


class ConfigError(KgError):
    """A setting or a command-line parameter has a value we cannot use."""

    exit_code = 2
    code = "bad_config"


class InputError(KgError):
    """A release or a curated-facts file cannot be read; names the file and line."""

    exit_code = 2
    code = "bad_input"

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = message
        where = f"{self.path}" + (f" line {line}" if line is not None else "")
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[object, ...]:  # crosses process boundaries (kg build --jobs)
        return (self.__class__, (self.path, self.reason, self.line))


class SpanMismatch(InputError):
    """A fact's evidence span does not contain the text the fact states."""


@dataclass(frozen=True)
class Problem:
    """One SHACL result, in words: which release, which node, which path, what was wrong."""

    release: str
    focus: str
    path: str | None
    message: str
    severity: str = "Violation"
    shape: str | None = None

    def __str__(self) -> str:
        path = f" {self.path}" if self.path else ""
        return f"{self.release}: {self.severity} on <{self.focus}>{path}: {self.message}"


class ValidationFailed(KgError):
    """The SHACL gate refused one or more release graphs; nothing was published."""

    exit_code = 1
    code = "shacl_violation"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        releases = sorted({p.release for p in problems})
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"SHACL validation failed for {len(releases)} release(s); nothing was published:\n{lines}"
        )


class BuildError(KgError):
    """The build could not finish (no releases, unwritable folder, …); nothing was published."""

    exit_code = 2
    code = "build_failed"


class NoBuild(KgError):
    """There is no published build to serve or query yet."""

    exit_code = 2
    code = "no_build"


class QueryRejected(KgError):
    """A SPARQL request that we refuse: malformed, an update, or reaching outside the dataset."""

    exit_code = 2
    code = "bad_query"
    status = 400

    def __init__(self, message: str, status: int = 400, code: str = "bad_query") -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (str(self), self.status, self.code))


class NotFound(KgError):
    """No resource with this IRI in the published graph."""

    exit_code = 2
    code = "not_found"


class QueryTimeout(KgError):
    """The query ran out of its time and was stopped."""

    exit_code = 2
    code = "query_timeout"


class Busy(KgError):
    """Every query worker is taken; the client should retry later."""

    exit_code = 2
    code = "busy"
