"""Curated facts (``data/facts/<release>.json``): spans are located and checked against the text.

A curated fact must never point at the wrong words: a stated offset that does not
hold the stated text, or a text the release does not contain, stops the release.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, SpanMismatch
from kg.extract import extract
from kg.model import Facts, Release
from kg.read import read_release
from tests.conftest import DATA, SEED_ID

SEED_FILE = DATA / "releases" / f"{SEED_ID}.txt"


@pytest.fixture(scope="module")
def seed() -> Release:
    return read_release(SEED_FILE)


def curate(tmp_path: Path, release: Release, doc: dict[str, Any] | str) -> tuple[Path, Facts]:
    """Write ``doc`` as the release's facts file in a fresh folder and extract with it."""
    facts_dir = tmp_path / "facts"
    facts_dir.mkdir(exist_ok=True)
    path = facts_dir / f"{release.id}.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2), encoding="utf-8")
    return path, extract(release, facts_dir)


def person(mention: dict[str, Any]) -> dict[str, Any]:
    return {"people": [{"name": "Wang Ping", "mentions": [mention]}]}


def spans_of(facts: Facts, kind: str, name: str) -> list[tuple[int, int, str]]:
    entity = facts.entity(kind, name)
    return [(s.start, s.end, s.text) for s in entity.spans]


def test_repository_facts_load(seed: Release) -> None:
    """The seed's own curated file loads: its entities, post, quote and four claims."""
    facts = extract(seed, DATA / "facts")
    assert facts.about == ["G60 S&T Innovation Valley of Yangtze River Delta"]
    assert len(facts.posts) == 1 and len(facts.quotes) == 1
    assert sorted(q.value for q in facts.quantities) == [9, 11, 13, 1280]
    for entity in facts.entities:
        for span in entity.spans:
            assert seed.text[span.start : span.end] == span.text


def test_stated_offsets_are_kept(tmp_path: Path, seed: Release) -> None:
    """A span with correct start and end is used as given."""
    _, facts = curate(tmp_path, seed, person({"text": "Wang Ping", "start": 2170, "end": 2179}))
    assert spans_of(facts, "person", "Wang Ping") == [(2170, 2179, "Wang Ping")]


def test_start_without_end_uses_the_text_length(tmp_path: Path, seed: Release) -> None:
    """With only 'start', the span ends len(text) later."""
    _, facts = curate(tmp_path, seed, person({"text": "Wang Ping", "start": 2170}))
    assert spans_of(facts, "person", "Wang Ping") == [(2170, 2179, "Wang Ping")]


def test_wrong_offset_raises_span_mismatch(tmp_path: Path, seed: Release) -> None:
    """An offset one off: SpanMismatch naming the facts file and showing found vs stated text."""
    with pytest.raises(SpanMismatch) as caught:
        curate(tmp_path, seed, person({"text": "Wang Ping", "start": 2171, "end": 2180}))
    error = caught.value
    path = tmp_path / "facts" / f"{SEED_ID}.json"
    assert isinstance(error, InputError)
    assert error.path == path
    message = str(error)
    assert message.startswith(str(path))
    assert "'ang Ping,'" in message  # what the offsets hold
    assert "'Wang Ping'" in message  # what the file states
    assert "people[0].mentions[0]" in message


def test_offset_past_the_end_raises(tmp_path: Path, seed: Release) -> None:
    """A span beyond the end of the text is a mismatch, not an IndexError or an empty match."""
    with pytest.raises(SpanMismatch, match="not the stated text"):
        curate(tmp_path, seed, person({"text": "Wang Ping", "start": len(seed.text) + 5}))


def test_non_integer_offset_raises(tmp_path: Path, seed: Release) -> None:
    """Offsets must be integers: a string offset is an InputError naming the key."""
    with pytest.raises(InputError, match="'start' must be an integer offset"):
        curate(tmp_path, seed, person({"text": "Wang Ping", "start": "2170"}))


def test_span_without_start_uses_first_occurrence(tmp_path: Path, seed: Release) -> None:
    """'Shanghai' without offsets is its first occurrence in the text."""
    doc = {"places": [{"name": "Shanghai", "type": "city", "mentions": [{"text": "Shanghai"}]}]}
    _, facts = curate(tmp_path, seed, doc)
    first = seed.text.index("Shanghai")
    assert first == 1266
    assert (first, first + 8, "Shanghai") in spans_of(facts, "place", "Shanghai")


def test_occurrence_picks_the_nth(tmp_path: Path, seed: Release) -> None:
    """'occurrence': 2 locates the second appearance of the text."""
    doc = {"places": [{"name": "Shanghai", "mentions": [{"text": "Shanghai", "occurrence": 2}]}]}
    _, facts = curate(tmp_path, seed, doc)
    second = seed.text.index("Shanghai", 1267)
    assert second == 1888
    assert (second, second + 8, "Shanghai") in spans_of(facts, "place", "Shanghai")


def test_occurrence_beyond_count_raises(tmp_path: Path, seed: Release) -> None:
    """Asking for a third 'Shanghai' when there are two names the count in the error."""
    doc = {"places": [{"name": "Shanghai", "mentions": [{"text": "Shanghai", "occurrence": 3}]}]}
    with pytest.raises(SpanMismatch, match="3 times"):
        curate(tmp_path, seed, doc)


def test_absent_text_raises(tmp_path: Path, seed: Release) -> None:
    """A mention of words the release does not contain is a SpanMismatch quoting those words."""
    with pytest.raises(SpanMismatch) as caught:
        curate(tmp_path, seed, person({"text": "Wang Pingg"}))
    assert "does not contain 'Wang Pingg'" in str(caught.value)
    assert str(tmp_path / "facts" / f"{SEED_ID}.json") in str(caught.value)


def test_bad_json_names_file_and_line(tmp_path: Path, seed: Release) -> None:
    """A trailing comma on line 3: InputError with the file, line 3 and the parser's message."""
    text = '{\n  "people": [\n    {"name": "Wang Ping", "mentions": [],}\n  ]\n}\n'
    with pytest.raises(InputError) as caught:
        curate(tmp_path, seed, text)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{tmp_path / 'facts' / SEED_ID}.json line 3:")
    assert "not valid JSON" in str(caught.value)


def test_unknown_top_level_key_is_rejected(tmp_path: Path, seed: Release) -> None:
    """A misspelt key ('peopel') is refused instead of silently ignored."""
    with pytest.raises(InputError) as caught:
        curate(tmp_path, seed, {"peopel": []})
    assert "unknown keys ['peopel']" in str(caught.value)


def test_top_level_must_be_an_object(tmp_path: Path, seed: Release) -> None:
    """A JSON list is not a facts file."""
    with pytest.raises(InputError, match="must hold a JSON object"):
        curate(tmp_path, seed, "[]")


def test_required_field_is_named(tmp_path: Path, seed: Release) -> None:
    """A quote without a speaker names the item and the missing key."""
    doc = {"quotes": [{"text": "Through the agglomeration of head enterprises"}]}
    with pytest.raises(InputError, match=r"quotes\[0\]: 'speaker' is required"):
        curate(tmp_path, seed, doc)


def quantity(**extra: Any) -> dict[str, Any]:
    item = {
        "value": 1280,
        "unit": "count",
        "counts": "head enterprises",
        "evidence": {"text": "1280 head enterprises"},
    }
    return {"quantities": [{**item, **extra}]}


def test_as_of_release_is_the_publication_date(tmp_path: Path, seed: Release) -> None:
    """'as_of': 'release' becomes the release's date (2020-11-12), without the time."""
    _, facts = curate(tmp_path, seed, quantity(as_of="release"))
    assert facts.quantities[0].as_of == dt.date(2020, 11, 12)
    assert type(facts.quantities[0].as_of) is dt.date


def test_as_of_iso_date(tmp_path: Path, seed: Release) -> None:
    """An ISO date is taken as it is; anything else is an InputError naming the value."""
    _, facts = curate(tmp_path, seed, quantity(as_of="2020-10-31"))
    assert facts.quantities[0].as_of == dt.date(2020, 10, 31)
    with pytest.raises(InputError, match="'yesterday' is not an ISO date"):
        curate(tmp_path, seed, quantity(as_of="yesterday"))


def test_quantity_value_must_be_a_number(tmp_path: Path, seed: Release) -> None:
    """'value': '1280' (a string) or true is refused."""
    for bad in ("1280", True):
        with pytest.raises(InputError, match="'value' must be a number"):
            curate(tmp_path, seed, quantity(value=bad))


def test_quote_without_evidence_uses_its_text(tmp_path: Path, seed: Release) -> None:
    """A quote's evidence defaults to the quote text itself, located in the release."""
    text = "Through the agglomeration of head enterprises in various regions"
    _, facts = curate(tmp_path, seed, {"quotes": [{"text": text, "speaker": "Wang Ping"}]})
    span = facts.quotes[0].span
    assert (span.start, span.text) == (1766, text)


def test_no_facts_file_means_extracted_facts_only(tmp_path: Path, seed: Release) -> None:
    """Without a facts file the release has what extraction finds, the contact's entities included."""
    (tmp_path / "empty").mkdir()
    facts = extract(seed, tmp_path / "empty")
    keys = {e.key for e in facts.entities}
    assert {("organization", "Guangzhou Taikunchi Advertising Co., Ltd"), ("person", "Ziyu Yan"),
            ("place", "China"), ("person", "Wang Ping")} <= keys
    assert facts.about == ["G60 S&T Innovation Valley of Yangtze River Delta"]  # its issuer


def test_non_integer_occurrence_is_an_input_error(tmp_path: Path, seed: Release) -> None:
    """'occurrence': 'second' is a mistake in the facts file, reported as one."""
    doc = {
        "places": [{"name": "Shanghai", "mentions": [{"text": "Shanghai", "occurrence": "second"}]}]
    }
    with pytest.raises(InputError, match="occurrence"):
        curate(tmp_path, seed, doc)
