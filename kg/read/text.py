"""Decoding a release file and finding lines with their character offsets.

Offsets everywhere count Unicode code points of the decoded text, so that
``text[start:end]`` is the span a fact cites, and SPARQL's SUBSTR agrees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.model import Span


@dataclass(frozen=True)
class Line:
    """One line of the text: its 1-based number, its offsets and its content (no newline)."""

    number: int
    start: int
    end: int
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip().replace("\u00a0", " ").strip()

    def span(self, prop: str | None = None) -> Span:
        """The span of the line's content without surrounding white space."""
        return strip_span(self.text, self.start, prop)


def decode(path: Path) -> str:
    """The text of a release file, refusing what is not UTF-8 text, with the line at fault."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(path, f"cannot be read ({err.strerror})") from None
    if not raw.strip():
        raise InputError(path, "is empty; a release needs at least a headline and a body")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(path, "contains NUL bytes: this is a binary file, not a release", line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            path, f"is not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start})", line
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def lines(text: str) -> Iterator[Line]:
    """Every line of ``text`` with its offsets.

    >>> [(l.number, l.start, l.text) for l in lines("a\\n\\nbc")]
    [(1, 0, 'a'), (2, 2, ''), (3, 3, 'bc')]
    """
    offset = 0
    for number, content in enumerate(text.split("\n"), start=1):
        yield Line(number, offset, offset + len(content), content)
        offset += len(content) + 1


_SPACE = re.compile(r"^[\s\u00a0]*")
_TRAILING = re.compile(r"[\s\u00a0]*$")


def strip_span(text: str, start: int, prop: str | None = None) -> Span:
    """The span of ``text`` (found at ``start``) without white space at either end.

    >>> strip_span("  ab \\u00a0", 10)
    Span(start=12, end=14, text='ab', prop=None)
    """
    lead = _SPACE.match(text)
    trail = _TRAILING.search(text)
    left = lead.end() if lead else 0
    right = trail.start() if trail else len(text)
    right = max(left, right)
    return Span(start + left, start + right, text[left:right], prop)


def find_span(text: str, needle: str, start: int = 0, prop: str | None = None) -> Span | None:
    """The first span of ``needle`` in ``text`` at or after ``start``, or None."""
    at = text.find(needle, start)
    if at < 0:
        return None
    return Span(at, at + len(needle), needle, prop)


# The shape of a personal name's word: capitalized, with the inner capital of 'McAllister',
# 'MacLeod', "O'Connor" or "D'Angelo"; and the lower-case particles that may stand between a
# first name and a surname ('Sophie van der Berg', 'Ana de la Cruz'). Readers and
# recognizers share them so that a contact person and a body mention are read alike.
NAME_WORD = r"(?:(?:Mc|Mac|O['’]|D['’])?[A-Z][a-zà-ÿ'’\-]+)"
PARTICLE = r"(?:van|von|der|den|de|del|della|la|le|du|da|di|dos|das|bin|ibn|al)"
PARTICLES = frozenset(PARTICLE[3:-1].split("|"))
SURNAME = rf"(?:(?: {PARTICLE}){{0,2}} {NAME_WORD})"
