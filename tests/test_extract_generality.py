"""`kg extract --format json` on releases it was not written against (tests/data/generality/).

Five releases written for these tests, each beside its expected facts in the corpus's gold
format (`NNN_*.json`): a PR Newswire dateline with a ticker and a free-form contact (201),
a GlobeNewswire mining release with C$ amounts, metric measures and names with particles
(202), a Business Wire release with lower-case titles and a PR agency as contact (203), an
EIN Presswire release whose contact block has no heading (204), a UK newsroom page in
HTML (205); then, written after the rules they were meant to test and scored before any
further fix, an ACCESSWIRE acquisition (206) and a Media OutReach Newswire release from
Vietnam with no contact section (207). Every expected fact is a test; the few that no rule
finds yet are strict xfails naming why, so that finding them later is noticed.

`bench/extraction.py --corpus tests/data/generality` prints the same comparison as scores.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from click.testing import CliRunner

from kg.cli import main
from tests.conftest import TEST_DATA

FOLDER = TEST_DATA / "generality"
RELEASES = sorted(p for p in FOLDER.iterdir() if p.suffix in (".txt", ".html"))
EXPECTED = {p.name: json.loads(p.with_suffix(".json").read_text(encoding="utf-8")) for p in RELEASES}

# Facts no rule finds yet, and why: (file, kind, name).
NOT_YET = {
    ("203_quarry_bw.txt", "organizations", "Intuit"): "a single word before a product's name",
    ("203_quarry_bw.txt", "organizations", "Xero"): "a single word with no cue",
    ("203_quarry_bw.txt", "organizations", "Plaid"): "a single word with no cue",
    ("203_quarry_bw.txt", "organizations", "Stripe"): "a single word with no cue",
    ("203_quarry_bw.txt", "organizations", "Hill Country Coffee Roasters"): "no organization word",
    ("202_northlake_gnw.txt", "places", "Cobre Alto"): "a project's name, no place word",
    ("205_meridian_page.html", "places", "Yorkshire"): "a region the gazetteer does not hold",
    ("206_brightpath_accesswire.txt", "posts", "Marco Bellini, founders"): "'X's founders, A and B'",
    ("206_brightpath_accesswire.txt", "posts", "Aisha Rahman, founders"): "'X's founders, A and B'",
    ("206_brightpath_accesswire.txt", "posts", "Marco Bellini, vice presidents of product"): (
        "a title shared by two names ('will join X as vice presidents')"
    ),
    ("206_brightpath_accesswire.txt", "posts", "Aisha Rahman, vice presidents of product"): (
        "a title shared by two names ('will join X as vice presidents')"
    ),
}


@pytest.fixture(scope="module")
def extracted() -> dict[str, dict[str, Any]]:
    """One `kg extract --format json` run over the five releases, by file name."""
    result = CliRunner().invoke(main, ["extract", *map(str, RELEASES), "--format", "json"])
    assert result.exit_code == 0, result.output
    return {doc["file"]: doc for doc in json.loads(result.stdout)}


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _forms(entity: dict[str, Any]) -> set[str]:
    return {_norm(f) for f in [entity["name"], *entity["mentions"]]}


def _found(expected: dict[str, Any], predicted: list[dict[str, Any]]) -> bool:
    """The corpus README's rule: a name or a mention in common."""
    return any(_forms(expected) & _forms(entity) for entity in predicted)


def _cases(kind: str) -> list[Any]:
    cases = []
    for name, doc in EXPECTED.items():
        for entity in doc[kind]:
            why = NOT_YET.get((name, kind, entity["name"]))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            cases.append(pytest.param(name, entity, id=f"{name[:3]}-{entity['name']}", marks=marks))
    return cases


@pytest.mark.parametrize("name", [p.name for p in RELEASES])
def test_headline_date_and_contact(extracted: dict[str, dict[str, Any]], name: str) -> None:
    expected, doc = EXPECTED[name], extracted[name]
    assert doc["headline"] == expected["headline"]
    assert doc["published"] == expected["published"]
    for field in ("company", "person", "email", "phone_e164", "country", "city", "website"):
        assert doc["contact"][field] == expected["contact"][field], field


@pytest.mark.parametrize(("name", "entity"), _cases("organizations"))
def test_organization_is_found(extracted: dict[str, dict[str, Any]], name: str, entity: Any) -> None:
    assert _found(entity, extracted[name]["organizations"])


@pytest.mark.parametrize(("name", "entity"), _cases("people"))
def test_person_is_found(extracted: dict[str, dict[str, Any]], name: str, entity: Any) -> None:
    assert _found(entity, extracted[name]["people"])


@pytest.mark.parametrize(("name", "entity"), _cases("places"))
def test_place_is_found(extracted: dict[str, dict[str, Any]], name: str, entity: Any) -> None:
    assert _found(entity, extracted[name]["places"])


@pytest.mark.parametrize("name", [p.name for p in RELEASES])
def test_nothing_is_found_that_is_not_there(extracted: dict[str, dict[str, Any]], name: str) -> None:
    """Every organization, person and place extracted is one the release names."""
    for kind in ("organizations", "people", "places"):
        extra = [e["name"] for e in extracted[name][kind] if not _found(e, EXPECTED[name][kind])]
        assert not extra, kind


def _post_cases() -> list[Any]:
    cases = []
    for name, doc in EXPECTED.items():
        for person in doc["people"]:
            for role in person["roles"]:
                why = NOT_YET.get((name, "posts", f"{person['name']}, {role['title']}"))
                marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
                key = f"{name[:3]}-{person['name']}-{role['title']}"
                cases.append(pytest.param(name, person["name"], role, id=key, marks=marks))
    return cases


@pytest.mark.parametrize(("name", "person", "role"), _post_cases())
def test_post_is_found(
    extracted: dict[str, dict[str, Any]], name: str, person: str, role: dict[str, Any]
) -> None:
    doc = extracted[name]
    posts = [(p["name"], r["title"], r["organization"]) for p in doc["people"] for r in p["roles"]]
    assert any(_same_post(EXPECTED[name], person, role, post) for post in posts)


@pytest.mark.parametrize("name", [p.name for p in RELEASES])
def test_quotes_and_quantities(extracted: dict[str, dict[str, Any]], name: str) -> None:
    expected, doc = EXPECTED[name], extracted[name]
    quotes = {(_quote(q["text"]), q["speaker"]) for q in doc["quotes"]}
    assert {(_quote(q["text"]), q["speaker"]) for q in expected["quotes"]} <= quotes
    amounts = {(float(q["value"]), q.get("value_max"), q["unit"]) for q in doc["quantities"]}
    for quantity in expected["quantities"]:
        key = (float(quantity["value"]), quantity.get("value_max"), quantity["unit"])
        assert key in amounts, quantity["surface"]


def _same_post(expected: dict[str, Any], person: str, role: dict[str, Any], post: Any) -> bool:
    """The corpus README's rule: the title either way as a substring, the organization as an
    entity (an expected organization of null matches any)."""
    who, title, org = post
    wanted, said = _norm(role["title"]), _norm(title or "")
    if who != person or not (wanted in said or said in wanted):
        return False
    if role["organization"] is None:
        return True
    entity = next(e for e in expected["organizations"] if e["name"] == role["organization"])
    return _norm(org) in _forms(entity)


def _quote(text: str) -> str:
    return re.sub(r"^\W+|\W+$", "", _norm(text))


def test_every_expected_surface_is_in_its_release() -> None:
    """The expected facts cite the release's own characters (as the corpus's gold does)."""
    from kg.read import read_release

    for path in RELEASES:
        text, doc = read_release(path).text, EXPECTED[path.name]
        surfaces = [m for kind in ("organizations", "people", "places") for e in doc[kind]
                    for m in e["mentions"]]
        surfaces += [q["surface"] for q in doc["quantities"]] + [q["text"] for q in doc["quotes"]]
        assert [s for s in surfaces if s not in text] == [], path.name
