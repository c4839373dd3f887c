"""Release files to :class:`~kg.model.Release` records, with character offsets kept.

``read_release`` sniffs the format and dispatches; every failure names the file
(and the line when there is one).
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import InputError
from kg.model import Release
from kg.read import html, newswire, wire
from kg.read.text import decode

SUFFIXES = (".txt", ".html", ".htm")
HTML = (".html", ".htm")


def release_id(path: Path) -> str:
    """A release's identifier is its file name without the extension (stable across builds)."""
    return path.stem


def read_release(path: Path) -> Release:
    """Read one release file; raise InputError naming the file when it is not a release."""
    text = decode(path)
    if path.suffix.lower() in HTML:
        return html.read(path, release_id(path), text)
    if not text.split("\n", 1)[0].strip() and not text.strip():
        raise InputError(path, "is empty")
    if newswire.looks_like(text):
        return newswire.read(path, release_id(path), text)
    if wire.looks_like(text):
        return wire.read(path, release_id(path), text)
    raise InputError(
        path,
        "is not in a release format this version reads: expected the newswire layout "
        "(headline, 'Month D' and 'HH:MM YYYY' date lines, body, 'Media Contact' block) or the "
        "wire layout (headline, a dateline such as 'CITY, Month D, YYYY /PRNewswire/ --', body, "
        "'About' and contact sections)",
    )


def release_files(folder: Path) -> list[Path]:
    """The release files (text or HTML) of a folder, in name order (the seed, 000_…, first)."""
    if not folder.is_dir():
        raise InputError(folder, "is not a folder of releases")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)
