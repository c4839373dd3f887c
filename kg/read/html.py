"""A release saved as an HTML page: its main text, taken with trafilatura, read as a wire release.

Navigation, footers and other page furniture are left out by trafilatura's extractor
(no hand-written tag stripping). The release text that facts cite is the extracted
text: the page title (or first heading) as the first line, then one paragraph a line.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import InputError
from kg.model import Release
from kg.read import wire


def page_text(path: Path, markup: str) -> str:
    """The headline and main text of a page, or InputError when the page has none."""
    import trafilatura

    document = trafilatura.bare_extraction(
        markup, with_metadata=True, include_comments=False, include_tables=False, favor_recall=True
    )
    body = (getattr(document, "text", None) or "").strip() if document is not None else ""
    if not body:
        raise InputError(path, "is an HTML page with no main text to read as a release")
    title = (getattr(document, "title", None) or "").strip()
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    if title and lines[0] != title:
        lines.insert(0, title)
    return "\n\n".join(lines) + "\n"


def read(path: Path, release_id: str, markup: str) -> Release:
    """Parse an HTML release; spans index into the extracted text, kept as the release text."""
    text = page_text(path, markup)
    if not wire.looks_like(text):
        raise InputError(
            path,
            "is an HTML page whose main text does not read as a release "
            "(no dateline, contact section or body of some length)",
        )
    return wire.read(path, release_id, text)
