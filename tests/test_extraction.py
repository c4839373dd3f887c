"""Readers and extractors on small releases written for the tests (tests/data/wire/).

Each file imitates one format the wires use: a PR Newswire dateline with an 'About'
section and a free-form contact (101), a 24-7PressRelease one-line body with a glued
labelled contact (102), a Newsworthy.ai dateline with time and time zone and a labelled
block (103), and a release saved as an HTML page (104).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import InputError
from kg.extract import extract
from kg.extract.gold import extract_file
from kg.extract.quantities import add_quantities
from kg.model import Facts, Release
from kg.read import read_release
from kg.resolve import canonical_names, load_links, resolve
from tests.conftest import TEST_DATA

WIRE = TEST_DATA / "wire"
PRN, ONE_LINE, NEWSWORTHY, PAGE = (
    WIRE / name
    for name in (
        "101_borealis_prn.txt",
        "102_lumen_247.txt",
        "103_quill_newsworthy.txt",
        "104_harbor_page.html",
    )
)


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    return {path.name[:3]: extract_file(path) for path in (PRN, ONE_LINE, NEWSWORTHY, PAGE)}


def names(doc: dict[str, Any], key: str) -> set[str]:
    return {entity["name"] for entity in doc[key]}


# -- readers ------------------------------------------------------------------


def test_wire_dateline_date_and_distributor(docs: dict[str, dict[str, Any]]) -> None:
    """'DENVER, Feb. 4, 2025 /PRNewswire/ --' gives the date, the city and the wire."""
    doc = docs["101"]
    assert doc["headline"] == "Borealis Freight Opens Northern Logistics Hub"
    assert doc["published"] == "2025-02-04"
    assert doc["dateline"] == {"surface": "DENVER", "city": "Denver"}
    assert doc["distributor"] == {"name": "PR Newswire", "surface": "PRNewswire"}


def test_time_and_time_zone_in_words(docs: dict[str, dict[str, Any]]) -> None:
    """'Wednesday Apr 9, 2025 @ 9:30 AM Eastern' is 09:30 in 'Eastern' (no offset inferred)."""
    doc = docs["103"]
    assert (doc["published"], doc["published_tz"]) == ("2025-04-09T09:30", "Eastern")
    assert doc["dateline"]["city"] == "Austin"


def test_free_form_contact_section(docs: dict[str, dict[str, Any]]) -> None:
    """Name, company, phone and e-mail on lines of their own, without labels."""
    contact = docs["101"]["contact"]
    assert contact["person"] == "Anna Berg"
    assert contact["company"] == "Borealis Freight Corporation"
    assert contact["phone_e164"] == "+13035550199"
    assert contact["email"] == "press@borealis-freight.example"


def test_glued_labels_on_a_one_line_body(docs: dict[str, dict[str, Any]]) -> None:
    """'… Lumen Orchard LLCContact Person: …' splits at the glued label; 'Email: Send' is none."""
    contact = docs["102"]["contact"]
    assert contact["company"] == "Lumen Orchard LLC"
    assert contact["person"] == "Marco Diaz"
    assert contact["email"] is None
    assert contact["country"] == "United States"
    assert contact["website"] == "www.lumen-orchard.example"


def test_a_contact_team_is_no_person() -> None:
    """'Contact Person: Northwind Press Team' is the contact person field, not a person."""
    doc = extract_file(WIRE / "105_team_contact.txt")
    assert doc["contact"]["person"] == "Northwind Press Team"
    assert doc["contact"]["company"] == "Northwind Tea Company"
    assert "Northwind Press Team" not in names(doc, "people")


def test_labelled_block_phone_in_e164(docs: dict[str, dict[str, Any]]) -> None:
    contact = docs["103"]["contact"]
    assert contact["phone"] == "+1 512 555 0147" and contact["phone_e164"] == "+15125550147"
    assert contact["city"] == "Austin" and contact["website"] == "https://quill-labs.example"


def test_html_page_main_text(docs: dict[str, dict[str, Any]]) -> None:
    """The page's navigation and footer are not part of the release text."""
    release = read_release(PAGE)
    assert release.headline == "Harbor Bank Names New Chief Risk Officer"
    assert "Privacy policy" not in release.text and "Home" not in release.text
    assert docs["104"]["distributor"]["name"] == "GlobeNewswire"
    assert docs["104"]["published"] == "2025-09-15"


def test_every_span_is_exact() -> None:
    """Every fact of every test release cites exactly the characters it states."""
    for path in (PRN, ONE_LINE, NEWSWORTHY, PAGE):
        facts = extract(read_release(path), None)
        text = facts.release.text
        spans = [s for e in facts.entities for s in e.spans]
        spans += [q.span for q in facts.quotes] + [p.span for p in facts.posts]
        spans += [q.span for q in facts.quantities]
        assert spans
        for span in spans:
            assert text[span.start : span.end] == span.text, (path.name, span)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.html", "", "empty"),
        ("nav.html", "<html><body><nav>Home</nav></body></html>", "HTML page"),
        (
            "memo.html",
            "<html><body><article><p>Lunch is at noon on Friday in the small room, "
            "please be on time.</p></article></body></html>",
            "does not read as a release",
        ),
        ("latin1.txt", "Caf\xe9 news\n\nBody text.\n".encode("latin-1"), "not valid UTF-8"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    ],
)
def test_bad_inputs_name_the_file(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    with pytest.raises(InputError, match=reason) as caught:
        read_release(path)
    assert str(caught.value).startswith(str(path))


# -- extractors ---------------------------------------------------------------


def test_organizations_people_places(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["101"]
    assert "Borealis Freight Corporation" in names(doc, "organizations")
    org = next(o for o in doc["organizations"] if o["name"] == "Borealis Freight Corporation")
    assert "Borealis Freight" in org["mentions"]  # the name without its legal form
    assert {"Priya Raman", "Tomas Lindqvist", "Anna Berg"} <= names(doc, "people")
    raman = next(p for p in doc["people"] if p["name"] == "Priya Raman")
    assert "Raman" in raman["mentions"]  # the surname alone, later
    assert {"Denver, Colorado", "Colorado", "United States"} <= names(doc, "places")
    denver = next(p for p in doc["places"] if p["name"] == "Denver, Colorado")
    assert {"DENVER", "Denver"} <= set(denver["mentions"])  # a city is named by its region


def test_posts(docs: dict[str, dict[str, Any]]) -> None:
    """'X, Title of Org', 'Org Title X' and 'hired X as Title'."""
    roles = {
        (p["name"], r["title"], r["organization"])
        for d in docs.values()
        for p in d["people"]
        for r in p["roles"]
    }
    assert ("Priya Raman", "Chief Operating Officer", "Borealis Freight Corporation") in roles
    assert ("Tomas Lindqvist", "CEO", "Borealis Freight Corporation") in roles
    assert ("Dana Whitfield", "Vice President for Product Design", "Quill Labs") in roles
    assert ("Samuel Okafor", "President", "Harbor Bank") in roles


def test_quotes_split_around_said_and_said_before(docs: dict[str, dict[str, Any]]) -> None:
    quotes = [(q["text"], q["speaker"]) for q in docs["101"]["quotes"]]
    assert quotes == [
        (
            "This hub lets us reach customers across the Mountain West in a single day",
            "Priya Raman",
        ),
        ("It is the largest project in our history.", "Priya Raman"),
        ("We are proud to invest in Colorado.", "Tomas Lindqvist"),
    ]


def test_quantities(docs: dict[str, dict[str, Any]]) -> None:
    found = {(q["value"], q["unit"]) for q in docs["101"]["quantities"]}
    assert {
        (250000, "square feet"),
        (300, "count"),
        (12500000, "USD"),
        (9, "count"),
        (18, "percent"),
    } <= found
    assert not any(q["value"] == 2024 for q in docs["101"]["quantities"])  # a year is no claim
    workers = next(q for q in docs["101"]["quantities"] if q["value"] == 300)
    assert (workers["qualifier"], workers["counts"]) == ("more than", "workers")


def test_phone_numbers_dates_and_models_are_not_claims() -> None:
    text = (
        "Acme ships X\n\nCall 555-0142 on March 3, 2021. The Class 1 van and the iPhone 15 "
        "case sold 2 million units at 9:30.\n"
    )
    facts = Facts(release=Release(id="t", path="t.txt", text=text))
    add_quantities(facts)
    assert [(q.value, q.unit, q.counts) for q in facts.quantities] == [(2000000, "count", "units")]


# -- resolution across releases -------------------------------------------------


def test_resolution_groups_forms_and_keeps_different_names_apart() -> None:
    mapping = canonical_names(
        {
            "organization": [
                "Acme Widgets Inc.",
                "Acme Widgets",
                "ACME WIDGETS",
                "Acme Robotics",
                "G60 Valley",
                "G60 Valley of the Delta",
            ],
            "person": ["Jane Doe", "Jane  Doe", "John Doe"],
        }
    )
    assert {
        mapping[("organization", n)] for n in ("Acme Widgets Inc.", "Acme Widgets", "ACME WIDGETS")
    } == {"Acme Widgets Inc."}
    assert mapping[("organization", "Acme Robotics")] == "Acme Robotics"
    assert mapping[("organization", "G60 Valley")] == "G60 Valley of the Delta"
    assert mapping[("person", "John Doe")] == "John Doe"


def test_places_of_one_name_in_two_regions_stay_apart() -> None:
    """Vienna, Austria and Vienna, Virginia are two places; a bare 'Dayton' joins its one region."""
    mapping = canonical_names(
        {"place": ["Vienna, Austria", "Vienna, Virginia", "Vienna", "Dayton, Ohio", "Dayton"]}
    )
    assert mapping[("place", "Vienna, Austria")] != mapping[("place", "Vienna, Virginia")]
    assert mapping[("place", "Vienna")] == "Vienna"  # which one is not known
    assert mapping[("place", "Dayton")] == "Dayton, Ohio"


def test_resolution_renames_references_and_links(tmp_path: Path) -> None:
    """Two releases naming one company differently end with one name, and the curated link."""
    one = extract(read_release(ONE_LINE), None)
    other = extract(read_release(ONE_LINE), None)
    for entity in other.entities:
        if entity.name == "Lumen Orchard LLC":
            entity.name = "Lumen Orchard"
    (tmp_path / "links.json").write_text(
        json.dumps(
            [
                {
                    "kind": "organization",
                    "name": "Lumen Orchard LLC",
                    "same_as": ["http://www.wikidata.org/entity/Q4115189"],
                }
            ]
        ),
        encoding="utf-8",
    )
    resolve([one, other], load_links(tmp_path))
    for facts in (one, other):
        org = next(e for e in facts.entities if e.kind == "organization")
        assert org.name == "Lumen Orchard LLC"
        assert org.same_as == ["http://www.wikidata.org/entity/Q4115189"]
        assert {p.organization for p in facts.posts} == {"Lumen Orchard LLC"}


def test_bad_links_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "links.json").write_text('[{"kind": "planet", "name": "Mars"}]', encoding="utf-8")
    with pytest.raises(InputError, match="needs 'kind'"):
        load_links(tmp_path)


# -- the command line -----------------------------------------------------------


def test_kg_extract_prints_one_array_in_file_order(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["extract", str(NEWSWORTHY), str(PRN), "--format", "json", "--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    docs = json.loads(result.output)
    assert [d["file"] for d in docs] == [NEWSWORTHY.name, PRN.name]
    assert set(docs[0]) >= {
        "file",
        "headline",
        "published",
        "contact",
        "organizations",
        "people",
        "places",
        "quantities",
        "quotes",
    }


def test_build_with_releases_folder_and_skip_invalid(tmp_path: Path) -> None:
    """--releases adds a folder; with --skip-invalid a bad page is left out and listed."""
    folder = tmp_path / "more"
    folder.mkdir()
    for path in WIRE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "999_empty.html").write_text("<html><body></body></html>", encoding="utf-8")
    data = tmp_path / "data"
    (data / "releases").mkdir(parents=True)
    args = [
        "build",
        "--data-dir",
        str(data),
        "--build-dir",
        str(tmp_path / "build"),
        "--releases",
        str(folder),
    ]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2 and "999_empty.html" in refused.output
    assert not (tmp_path / "build" / "current").exists()
    published = CliRunner().invoke(main, [*args, "--skip-invalid"])
    assert published.exit_code == 0, published.output
    assert f"{len(list(WIRE.iterdir()))} release(s)" in published.output
    assert "Left out" in published.output
    assert "999_empty.html" in published.output


def test_release_dates_are_dates() -> None:
    assert read_release(PRN).published is None  # the reader finds where; extraction says what
    assert extract(read_release(PRN), None).release.published == dt.date(2025, 2, 4)


@pytest.mark.parametrize(
    "line, place, date, wire",
    [
        (
            "WASHINGTON, D.C., Jan. 5, 2025 /PRNewswire/ -- Acme",
            "WASHINGTON, D.C.",
            "Jan. 5, 2025",
            "PRNewswire",
        ),
        ("VIENNA, Va.--(BUSINESS WIRE)--Acme announced", "VIENNA, Va.", None, "BUSINESS WIRE"),
        (
            "NEW YORK, NY / ACCESSWIRE / May 1, 2024 / Acme",
            "NEW YORK, NY",
            "May 1, 2024",
            "ACCESSWIRE",
        ),
        (
            "HANOI, VIETNAM - Media OutReach Newswire - 13 July 2026 - Acme",
            "HANOI, VIETNAM",
            "13 July 2026",
            "Media OutReach Newswire",
        ),
        (
            "Springfield, United States - June 18, 2026 / Acme Roofing /",
            "Springfield, United States",
            "June 18, 2026",
            None,
        ),  # the issuer between slashes is no wire
    ],
)
def test_datelines(line: str, place: str, date: str | None, wire: str | None) -> None:
    from kg.read.wire import _parse_dateline

    found = _parse_dateline(line, 0)
    assert found is not None
    assert (
        found.place and found.place.text,
        found.date and found.date.text,
        found.wire and found.wire.text,
    ) == (place, date, wire)


def test_a_sentence_with_a_date_is_no_dateline() -> None:
    from kg.read.wire import _parse_dateline

    assert _parse_dateline("The company said on March 3, 2024 that it grew.", 0) is None


def test_month_only_date_is_published_as_a_month(tmp_path: Path) -> None:
    path = tmp_path / "month.txt"
    path.write_text(
        "Acme Opens Plant\n\nDAYTON, Ohio, July 2026 /PRNewswire/ -- Acme Robotics opened "
        "a plant that employs 40 people and serves customers in three states.\n",
        encoding="utf-8",
    )
    doc = extract_file(path)
    assert doc["published"] == "2026-07"


def test_ranges_have_both_ends() -> None:
    text = (
        "Acme ships X\n\nAcme raised $5 million to $10 million for a 5-10% stake, and hires "
        "between 20 and 30 engineers from March 5-6, 2024.\n"
    )
    facts = Facts(release=Release(id="t", path="t.txt", text=text))
    add_quantities(facts)
    assert [(q.value, q.value_max, q.unit) for q in facts.quantities] == [
        (5000000, 10000000, "USD"),
        (5, 10, "percent"),
        (20, 30, "count"),
    ]


# -- any text: extraction never fails and never cites the wrong characters ---------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(
    [
        "Acme Robotics Inc.",
        "Jane Doe",
        "said",
        "“",
        "”",
        '"',
        ", CEO of Acme Robotics,",
        "$5 million",
        "40%",
        "nine cities",
        "DAYTON, Ohio, March 3, 2021 /PRNewswire/ --",
        "About Acme Robotics",
        "Media Contact",
        "Company Name: Acme",
        "Contact Person: John Smith",
        "Email: Send",
        "Phone: 555",
        "(937) 555-0142",
        "press@acme.example",
        "www.acme.example",
        "Dayton",
        "U.S.",
        "Va.",
        "\u00a0",
        "  ",
        "\n",
        "\n\n",
        ".",
        ",",
        "-",
        "2024",
        "The",
        "and",
        "of",
        "Dr.",
        "team members",
        "as",
        "Vice President",
        "(the Acme)",
        "NASA",
        "between 2 and 3 robots",
        "Contact:",
        "王平",
        "é",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, min_size=5, max_size=60))
def test_any_release_text_gives_exact_spans(pieces: list[str]) -> None:
    from kg.read import wire

    text = "Acme Robotics opens a plant\n\n" + " ".join(pieces) + "\n"
    facts = extract(wire.read(Path("h.txt"), "h", text), None)
    release = facts.release
    spans = [
        s
        for s in (
            release.headline_span,
            release.published_span,
            release.dateline_span,
            release.distributor_span,
            release.timezone_span,
            release.body_span,
        )
        if s
    ]
    if release.contact:
        spans += [release.contact.span] + [
            v[1]
            for v in (
                release.contact.company,
                release.contact.person,
                release.contact.email,
                release.contact.phone,
                release.contact.country,
                release.contact.city,
                release.contact.website,
            )
            if v
        ]
    spans += [s for e in facts.entities for s in e.spans] + [q.span for q in facts.quotes]
    spans += [p.span for p in facts.posts] + [q.span for q in facts.quantities]
    for span in spans:
        assert 0 <= span.start < span.end <= len(text), span
        assert text[span.start : span.end] == span.text


def test_curated_claim_without_value_completes_the_extracted_one(tmp_path: Path) -> None:
    """A curated claim giving only evidence and a scope keeps the extracted value, unit and subject."""
    (tmp_path / f"{PRN.stem}.json").write_text(
        json.dumps(
            {
                "quantities": [
                    {"scope": "the Denver hub", "evidence": {"text": "more than 300 workers"}}
                ]
            }
        ),
        encoding="utf-8",
    )
    facts = extract(read_release(PRN), tmp_path)
    claim = next(q for q in facts.quantities if q.value == 300)
    assert (claim.unit, claim.counts, claim.scope) == ("count", "workers", "the Denver hub")
    assert claim.subject == "Borealis Freight Corporation"
    assert claim.as_of == dt.date(2025, 2, 4)
    assert sum(q.value == 300 for q in facts.quantities) == 1


def test_contacts_with_sub_headings_and_titles() -> None:
    """'Contacts' / 'Media:' and 'For further information:' / 'Sarah Chen, Investor Relations'."""
    cobalt = extract_file(WIRE / "106_cobalt_bw.txt")
    assert (cobalt["contact"]["company"], cobalt["contact"]["person"]) == (
        "Cobalt Health",
        "Lena Fischer",
    )
    assert names(cobalt, "organizations") == {"Cobalt Health, Inc.", "Riverside Clinics"}
    greenfield = extract_file(WIRE / "107_greenfield_gnw.txt")
    contact = greenfield["contact"]
    assert (contact["person"], contact["city"], contact["phone_e164"]) == (
        "Sarah Chen",
        None,
        "+14035550188",
    )
    ranges = [(q["value"], q["value_max"]) for q in greenfield["quantities"] if q["value_max"]]
    assert ranges == [(12, 15)]
    assert greenfield["published"] == "2025-10-02" and cobalt["published"] is None


def _orgs_of(body: str) -> set[str]:
    from kg.read import wire

    text = f"Acme Robotics Opens a Plant\n\nDAYTON, Ohio, March 3, 2021 /PRNewswire/ -- {body}\n"
    facts = extract(wire.read(Path("t.txt"), "t", text), None)
    return {e.name for e in facts.entities if e.kind == "organization"}


def test_products_are_not_organizations() -> None:
    orgs = _orgs_of(
        "Acme Robotics Inc. runs the social media platform Robo Social, a network "
        "for engineers, and the Robo Cloud Planning Suite service."
    )
    assert "Acme Robotics Inc." in orgs and "Robo Social" not in orgs


def test_sources_side_by_side_names_and_one_word_more() -> None:
    orgs = _orgs_of(
        "Acme Robotics Inc. - Acme Labs has grown, according to NOAA data. Funding came "
        "from Japan Science & Technology. The Japan Science and Technology Agency "
        "is a public body."
    )
    assert "NOAA" in orgs
    assert "Acme Labs" not in orgs  # another name of Acme Robotics Inc.
    assert (
        "Japan Science & Technology" not in orgs and "Japan Science and Technology Agency" in orgs
    )


def test_quote_attributed_by_a_dash() -> None:
    from kg.read import wire

    text = ("Acme Opens a Plant\n\nDAYTON, Ohio, March 3, 2021 /PRNewswire/ -- Acme Robotics Inc. "
            "opened a plant.\n\n“We are proud to build robots in Ohio.” — Jane Doe, CEO of Acme "
            "Robotics Inc.\n")
    facts = extract(wire.read(Path("t.txt"), "t", text), None)
    assert [(q.text, q.speaker) for q in facts.quotes] == [
        ("We are proud to build robots in Ohio.", "Jane Doe")]


def test_a_title_line_in_a_free_form_contact_is_no_company() -> None:
    contact = extract_file(WIRE / "108_title_line_contact.txt")["contact"]
    assert (contact["person"], contact["company"]) == ("Jane Doe", "Acme Robotics Inc.")
    assert contact["phone_e164"] == "+19375550100" and contact["email"] == "jane.doe@acme.example"


def test_one_word_brands_with_an_inner_capital() -> None:
    orgs = _orgs_of(
        "Acme Robotics Inc. now takes payments through NovaPay and ships with "
        "ParcelJet. Our FinTech team met Sarah McAllister on YouTube. Questions go to "
        "SupportSales now; Support and Sales answer them."
    )
    assert {"NovaPay", "ParcelJet"} <= orgs
    assert not orgs & {"FinTech", "McAllister", "YouTube", "SupportSales"}


def test_public_bodies_cited_by_initials_even_as_modifiers() -> None:
    orgs = _orgs_of(
        "Acme Robotics Inc. won FDA clearance and filed SEC reports. Its ROBO platform "
        "runs the XQL engine."
    )
    assert {"FDA", "SEC"} <= orgs and not orgs & {"XQL", "ROBO"}


def test_a_name_with_its_home_town_in_parentheses_is_a_company() -> None:
    orgs = _orgs_of(
        "Acme Robotics Inc. hired Borealis Freight (Fargo, ND) to haul the robots, and "
        "Kettle Rock Haulage (Sudbury, Ontario) will store them. Jane Doe (Fargo, ND) "
        "is the driver; Blue Tuesday (Rock, Paper) is a song."
    )
    assert {"Borealis Freight", "Kettle Rock Haulage"} <= orgs
    assert not orgs & {"Jane Doe", "Blue Tuesday"}


def test_a_place_possessive_opens_a_description_not_a_name() -> None:
    orgs = _orgs_of(
        "Acme Robotics Inc. became Ohio’s Leading Robot Company and Canada's Top "
        "Automation Group this year."
    )
    assert "Acme Robotics Inc." in orgs
    assert not {o for o in orgs if "’s" in o or "'s" in o}


def test_initials_that_span_a_dash_and_a_parent_named_by_two_units() -> None:
    from kg.read import wire

    text = (
        "Acme Robotics Wins Work for Northland Navy Bases\n\n"
        "DAYTON, Ohio, March 3, 2021 /PRNewswire/ -- Acme Robotics Inc. will build docks at "
        "the Northland Navy Garrison - Pike Harbor (NNG-PH) for the Northland Navy Supply "
        "Corps. The Ocean Wave Turbine (OWT) is its product.\n"
    )
    facts = extract(wire.read(Path("t.txt"), "t", text), None)
    orgs = {e.name: {s.text for s in e.spans} for e in facts.entities if e.kind == "organization"}
    assert orgs["Northland Navy Garrison - Pike Harbor"] >= {"NNG-PH"}
    assert "Northland Navy" in orgs and "Northland Navy Garrison" not in orgs
    assert "Ocean Wave Turbine" not in orgs


def test_utility_names() -> None:
    orgs = _orgs_of(
        "Acme Robotics Inc. buys its power from Lakeside Gas and Electric and from "
        "Northland Power & Light, not from the sun's Power and Light."
    )
    assert {"Lakeside Gas and Electric", "Northland Power & Light"} <= orgs
    assert "Power and Light" not in orgs


def test_a_name_only_ever_after_a_or_an_is_a_kind_of_thing() -> None:
    orgs = _orgs_of(
        "Acme Robotics Inc. helps members start an Ohio Robot Alliance of their own. "
        "It joined the Midwest Robot Alliance, and a Midwest Robot Alliance member spoke."
    )
    assert "Midwest Robot Alliance" in orgs and "Ohio Robot Alliance" not in orgs


def _contact_of(tail: str) -> Any:
    from kg.read import wire

    text = (
        "Acme Opens a Plant\n\nDAYTON, Ohio, March 3, 2021 /PRNewswire/ -- Acme Robotics Inc. "
        f"opened a plant.\n\n{tail}\n"
    )
    return wire.read(Path("t.txt"), "t", text).contact


def test_an_email_glued_to_the_label_before_it() -> None:
    contact = _contact_of(
        "Media Contact:\nJane Doe\nAcme Robotics Inc.\n(937) 555-0100 OfficeNews@AcmeRobots.example"
    )
    assert contact.email[0] == "News@AcmeRobots.example"


def test_a_second_contact_block_gives_the_town_glued_to_a_zip_and_country() -> None:
    contact = _contact_of(
        "Media Contact:\n* Contact Name: Jane Doe\n* Company: Acme Robotics Inc.\n"
        "* Email: jane@acme.example\n\nContact Information:\n\nAcme Robotics Inc.\n\n"
        "12 Elm Rd # 3  Mill Creek, OH 45402United States"
    )
    assert (contact.person[0], contact.company[0]) == ("Jane Doe", "Acme Robotics Inc.")
    assert (contact.city[0], contact.country[0]) == ("Mill Creek", "United States")


@pytest.mark.parametrize(
    ("tail", "email"),
    [
        ("Media Contact:\nJane Doe\nAcme Robotics Inc.\nOfficeMax@example.com", "OfficeMax@example.com"),
        (
            "Media Contact:\nJane Doe\nOffice: (937) 555-0100\nOfficeMax@example.com",
            "OfficeMax@example.com",
        ),
        ("Company Name: Acme Robotics Inc.\nEmail: OfficeMax@example.com\nPhone: (937) 555-0100",
         "OfficeMax@example.com"),
        (
            "Media Contact:\nJane Doe\n(937) 555-0100 OfficeMax@officemax.example",
            "OfficeMax@officemax.example",
        ),
    ],
)
def test_a_mailbox_that_starts_with_a_label_word_is_kept_whole(tail: str, email: str) -> None:
    """'OfficeMax@…' is cut after 'Office' only where a phone's label was glued to it."""
    assert _contact_of(tail).email[0] == email
