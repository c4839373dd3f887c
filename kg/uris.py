"""The URL scheme in one place: minting IRIs and mapping them to page and data URLs.

Entity IRIs are ``{base}id/{kind}/{slug}``; the HTML page of an entity is at
``{base}page/{kind}/{slug}`` and its RDF at ``{base}data/{kind}/{slug}[.ext]``.
Evidence spans are fragments of their release's IRI, ``…/id/release/{slug}#char={start},{end}``,
after RFC 5147's fragment identifiers for plain text.
Templates and views never build these strings themselves.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass

KINDS = ("release", "organization", "person", "place", "post", "quote", "claim", "contact")
MAX_SLUG = 80

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


@functools.lru_cache(maxsize=1 << 16)  # the same names come back in release after release
def slugify(text: str) -> str:
    """A readable, stable slug: lower case, accents dropped, words joined by '-'.

    Letters of other scripts are kept (IRIs allow them); a slug never ends up empty.

    >>> slugify("G60 S&T Innovation Valley of Yangtze River Delta")
    'g60-s-t-innovation-valley-of-yangtze-river-delta'
    >>> slugify("Société Générale")
    'societe-generale'
    >>> slugify("王平")
    '王平'
    >>> slugify("!!!")
    'x-9a7b006d'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = _NON_WORD.sub("-", stripped.lower()).replace("_", "-").strip("-")
    slug = re.sub("-{2,}", "-", slug)
    if not slug:
        return "x-" + _digest(text)
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rstrip("-") + "-" + _digest(text)
    return slug


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Uris:
    """Builds every IRI and URL of a deployment from its base URI."""

    base: str

    def entity(self, kind: str, slug: str) -> str:
        """The IRI of an entity: the one name that dereferences, by 303, to page or data."""
        if kind not in KINDS:
            raise ValueError(f"unknown entity kind {kind!r}; expected one of {', '.join(KINDS)}")
        return f"{self.base}id/{kind}/{slug}"

    def mint(self, kind: str, name: str) -> str:
        """The IRI of an entity named ``name`` (the slug comes from the name)."""
        return self.entity(kind, slugify(name))

    def release(self, release_id: str) -> str:
        return self.entity("release", slugify(release_id))

    def graph(self, release_id: str) -> str:
        """The named graph that holds one release's facts (the unit of provenance)."""
        return f"{self.base}graph/{slugify(release_id)}"

    @property
    def ontology_graph(self) -> str:
        """The named graph that holds the ontology, so queries can read labels of classes."""
        return f"{self.base}graph/ontology"

    def evidence(self, release_id: str, start: int, end: int) -> str:
        """The IRI of a character span of a release (RFC 5147 ``char=`` fragment)."""
        return f"{self.release(release_id)}#char={start},{end}"

    def split(self, iri: str) -> tuple[str, str] | None:
        """(kind, slug) for an IRI of this deployment, else None.

        >>> Uris("http://x.org/").split("http://x.org/id/person/wang-ping")
        ('person', 'wang-ping')
        >>> Uris("http://x.org/").split("http://x.org/id/release/a#char=1,2")
        ('release', 'a')
        >>> Uris("http://x.org/").split("https://schema.org/Person") is None
        True
        """
        prefix = f"{self.base}id/"
        if not iri.startswith(prefix):
            return None
        kind, _, slug = iri[len(prefix):].partition("#")[0].partition("/")
        if kind not in KINDS or not slug or "/" in slug:
            return None
        return kind, slug

    def page_path(self, kind: str, slug: str) -> str:
        return f"/page/{kind}/{slug}"

    def data_path(self, kind: str, slug: str, extension: str | None = None) -> str:
        suffix = f".{extension}" if extension else ""
        return f"/data/{kind}/{slug}{suffix}"
