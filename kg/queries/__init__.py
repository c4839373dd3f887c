"""Named SPARQL queries, kept as ``.rq`` files; values are bound at run time, never formatted in."""

from __future__ import annotations

import functools
from pathlib import Path

HERE = Path(__file__).resolve().parent


@functools.cache
def load(name: str) -> str:
    """The text of ``{name}.rq`` (``examples/x`` for an example query)."""
    return (HERE / f"{name}.rq").read_text(encoding="utf-8")


def examples() -> list[tuple[str, str, str]]:
    """(name, title, query) of every example query; the title is the first comment line."""
    found = []
    for path in sorted((HERE / "examples").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title = text.splitlines()[0].lstrip("# ").strip() if text.startswith("#") else path.stem
        found.append((path.stem, title, text))
    return found
