"""The newswire reader: what it finds in the seed release, how it refuses bad files, and spans.

Every fact the product publishes cites a span of the release text, so the core
invariant here is ``release.text[span.start:span.end] == span.text`` for every
span the reader returns (checked on the seed and, with Hypothesis, on generated
releases).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.model import Release, Span
from kg.read import read_release, release_files
from tests.conftest import DATA, SEED_ID, TEST_DATA

SEED_FILE = DATA / "releases" / f"{SEED_ID}.txt"
SEED_HEADLINE = "G60 S&T Innovation Valley of Yangtze River Delta has Made Strong Development."


@pytest.fixture(scope="module")
def seed() -> Release:
    return read_release(SEED_FILE)


def all_spans(release: Release) -> list[Span]:
    """Every span the reader attached to a release (headline, date, body, paragraphs, contact)."""
    spans = [release.headline_span, release.published_span, release.body_span, *release.paragraphs]
    contact = release.contact
    if contact is not None:
        spans.append(contact.span)
        for field in ("company", "person", "email", "phone", "country", "city", "website"):
            value = getattr(contact, field)
            if value is not None:
                spans.append(value[1])
    return [s for s in spans if s is not None]


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# -- the seed -----------------------------------------------------------------


def test_seed_headline(seed: Release) -> None:
    """The headline is the first line of the page, exactly."""
    assert seed.headline == SEED_HEADLINE
    assert seed.id == SEED_ID


def test_seed_published_from_split_date_lines(seed: Release) -> None:
    """'November 12' + '05:27 2020' on two lines become one naive local datetime and one span."""
    assert seed.published == dt.datetime(2020, 11, 12, 5, 27)
    assert seed.published_span is not None
    assert seed.published_span.text == "November 12\n05:27 2020"
    assert seed.published_span.prop == "datePublished"


def test_seed_body_has_no_page_debris(seed: Release) -> None:
    """Breaking News, 'No posts were found', repeated headline and Related Articles are dropped."""
    assert seed.body.startswith("Since")
    for debris in (
        "Breaking News",
        "No posts were found",
        "Related Articles",
        "Media Contact",
        "Company Name:",
        SEED_HEADLINE,
    ):
        assert debris not in seed.body
    assert seed.body.endswith("cluster progress.")
    assert len(seed.paragraphs) == 5


def test_seed_contact_block(seed: Release) -> None:
    """The 'Media Contact' block: company, person, E.164 phone, country with code, website."""
    contact = seed.contact
    assert contact is not None
    assert (
        contact.company is not None
        and contact.company[0] == "Guangzhou Taikunchi Advertising Co., Ltd"
    )
    assert contact.person is not None and contact.person[0] == "Ziyu Yan"
    assert contact.phone is not None and contact.phone[0] == "+8613922218503"
    assert contact.phone[1].text == "+86139 2221 8503"  # the span keeps the number as written
    assert contact.country is not None and contact.country[0] == "China"
    assert contact.country_code == "CN"
    assert contact.website is not None and contact.website[0] == "http://g60.songjiang.gov.cn"
    assert contact.city is None


def test_seed_send_email_is_not_an_address(seed: Release) -> None:
    """'Email: Send Email' is a web form on the page, so the contact has no e-mail."""
    assert seed.contact is not None
    assert seed.contact.email is None


def test_seed_every_span_indexes_the_text(seed: Release) -> None:
    """Every span the reader returns is exactly the characters start..end of the text."""
    spans = all_spans(seed)
    assert len(spans) >= 12
    for span in spans:
        assert 0 <= span.start < span.end <= len(seed.text)
        assert seed.text[span.start : span.end] == span.text


def test_crlf_and_bom_give_the_same_release(tmp_path: Path, seed: Release) -> None:
    """A Windows copy of the seed (BOM, CRLF) reads to the same facts as the original."""
    raw = "\ufeff" + SEED_FILE.read_text(encoding="utf-8").replace("\n", "\r\n")
    copy = read_release(write(tmp_path, f"{SEED_ID}.txt", raw.encode("utf-8")))
    assert copy.text == seed.text
    assert (copy.headline, copy.published, copy.body) == (seed.headline, seed.published, seed.body)
    assert copy.contact == seed.contact


def test_release_files_are_sorted_txt_and_html_only(tmp_path: Path) -> None:
    """Only *.txt and *.html files are releases, in name order; a missing folder is an InputError."""
    for name in ("b.txt", "a.txt", "notes.md", "c.txt.bak", "d.html"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in release_files(tmp_path)] == ["a.txt", "b.txt", "d.html"]
    with pytest.raises(InputError) as caught:
        release_files(tmp_path / "missing")
    assert str(tmp_path / "missing") in str(caught.value)


# -- bad inputs ---------------------------------------------------------------


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """An empty file is an InputError naming the file."""
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(InputError) as caught:
        read_release(path)
    assert caught.value.path == path
    assert str(caught.value).startswith(str(path))
    assert "empty" in str(caught.value)


def test_whitespace_only_file_is_refused(tmp_path: Path) -> None:
    """A file of blank lines is as empty as an empty file."""
    path = write(tmp_path, "blank.txt", b"\n  \n\t\n")
    with pytest.raises(InputError, match="empty") as caught:
        read_release(path)
    assert str(path) in str(caught.value)


def test_binary_file_is_refused_with_line(tmp_path: Path) -> None:
    """NUL bytes mean a binary file; the error names the file and the line of the first NUL."""
    path = write(tmp_path, "binary.txt", b"Headline\nNovember 12\n05:27 2020\n\x00\x01\x02body")
    with pytest.raises(InputError) as caught:
        read_release(path)
    assert caught.value.line == 4
    assert str(caught.value).startswith(f"{path} line 4:")
    assert "NUL" in str(caught.value)


def test_invalid_utf8_is_refused_with_line(tmp_path: Path) -> None:
    """A Latin-1 byte is not UTF-8: the error names the file, the line and the byte."""
    path = write(tmp_path, "latin1.txt", b"Headline\n\nNovember 12\n05:27 2020\n\nCaf\xe9 opens.\n")
    with pytest.raises(InputError) as caught:
        read_release(path)
    assert caught.value.line == 6
    message = str(caught.value)
    assert message.startswith(f"{path} line 6:")
    assert "UTF-8" in message and "0xe9" in message


def test_impossible_date_is_refused_with_line(tmp_path: Path) -> None:
    """'November 31' / '05:27 2020' is no date: the message names the file, line 8 and says so."""
    text = SEED_FILE.read_text(encoding="utf-8").replace("November 12\n", "November 31\n")
    path = write(tmp_path, f"{SEED_ID}.txt", text)
    with pytest.raises(InputError) as caught:
        read_release(path)
    assert caught.value.line == 8
    message = str(caught.value)
    assert message.startswith(f"{path} line 8:")
    assert "not a real date" in message
    assert "November 31" in message


def test_test_data_impossible_date_file(tmp_path: Path) -> None:
    """The small test release with 'November 31' is refused the same way (used by build tests)."""
    path = TEST_DATA / "releases" / "300_impossible_date.txt"
    with pytest.raises(InputError, match="not a real date") as caught:
        read_release(path)
    assert caught.value.line == 8
    assert str(path) in str(caught.value)


def test_unknown_month_is_refused(tmp_path: Path) -> None:
    """A 'Month D' line whose month is no month names the line."""
    path = write(tmp_path, "month.txt", "Headline\n\nFoo 12\n05:27 2020\n\nBody.\n")
    with pytest.raises(InputError, match="'Foo' is not a month") as caught:
        read_release(path)
    assert caught.value.line == 3


def test_text_in_no_known_format_is_refused(tmp_path: Path) -> None:
    """A text without newswire date lines is refused, saying what is expected."""
    path = write(tmp_path, "memo.txt", "Memo\n\nPlease remember the meeting on Friday.\n")
    with pytest.raises(InputError) as caught:
        read_release(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "not in a release format" in message
    assert "newswire" in message


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    """A release path that does not exist is an InputError, not an OSError."""
    path = tmp_path / "gone.txt"
    with pytest.raises(InputError, match="cannot be read") as caught:
        read_release(path)
    assert caught.value.path == path


def test_first_line_blank_gives_no_headline() -> None:
    """A release whose first line is blank has no headline (the SHACL gate refuses it later)."""
    release = read_release(TEST_DATA / "releases" / "200_no_headline.txt")
    assert release.headline is None
    assert release.headline_span is None
    assert release.published == dt.datetime(2021, 3, 3, 9, 15)


def test_contact_value_with_no_break_space_keeps_its_span(tmp_path: Path) -> None:
    """'Contact Person: Jane<NBSP>Doe' gives a span whose text is the release's own characters."""
    text = (
        "Acme ships widgets\n\nNovember 12\n05:27 2020\n\nAcme shipped widgets.\n\n"
        "Media Contact\nCompany Name: Acme Inc\nContact Person: Jane\u00a0Doe\n"
        "Country: United States\n"
    )
    release = read_release(write(tmp_path, "nbsp.txt", text))
    assert release.contact is not None and release.contact.person is not None
    span = release.contact.person[1]
    assert release.text[span.start : span.end] == span.text


# -- the span property, on generated releases ---------------------------------

_FREE = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
_EXTRA = st.sampled_from(["\u00a0", " ", "é", "王", "“", "”", "–", "&", "·", ":"])
# Contact values: no U+00A0 inside (that case has its own test above).
_VALUE = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")) | st.just(
    " "
)


def _line(chars: st.SearchStrategy[str], max_size: int = 60) -> st.SearchStrategy[str]:
    return st.text(chars, min_size=1, max_size=max_size).filter(
        lambda s: s.strip(" \u00a0\t\u3000")
    )


@st.composite
def releases(draw: st.DrawFn) -> tuple[str, dt.datetime]:
    """A newswire page with generated headline, date, paragraphs and contact values."""
    headline = draw(_line(_FREE | _EXTRA))
    when = draw(
        st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31))
    )
    when = when.replace(second=0, microsecond=0)
    month = when.strftime("%B")
    paragraphs = draw(st.lists(_line(_FREE | _EXTRA, 200), min_size=1, max_size=3))
    company = draw(_line(_VALUE))
    person = draw(_line(_VALUE))
    phone = draw(
        st.sampled_from(
            ["+86139 2221 8503", "+1 (937) 555-0142", "+49 30 1234567", "+44 20 7946 0958"]
        )
    )
    email = draw(st.sampled_from(["Send Email", "press@example.org", "a.b@c-d.example"]))
    country = draw(st.sampled_from(["China", "United States", "Germany", "Atlantis"]))
    website = draw(
        st.sampled_from(["http://g60.songjiang.gov.cn", "www.example.org", "Visit Website"])
    )
    lead = draw(st.sampled_from(["", " ", "\u00a0"]))
    lines = [
        f"{lead}{headline}",
        "",
        "\u00a0Breaking News",
        "  • No posts were found",
        "",
        headline,
        "",
        f"{month} {when.day}",
        f"{when:%H:%M} {when.year}",
        "",
    ]
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    lines += [
        "Media Contact",
        f"Company Name: {company}",
        f"Contact Person: {person}",
        f"Email: {email}",
        f"Phone: {phone}",
        f"Country: {country}",
        f"Website: {website}",
        "",
        "Related Articles",
    ]
    return "\n".join(lines) + "\n", when


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=releases())
def test_every_span_is_its_slice_of_the_text(tmp_path: Path, case: tuple[str, dt.datetime]) -> None:
    """For generated headline, body and contact values, every span is text[start:end]."""
    text, when = case
    path = tmp_path / "generated.txt"
    path.write_text(text, encoding="utf-8")
    release = read_release(path)
    assert release.published == when
    spans = all_spans(release)
    assert release.headline_span is not None and release.contact is not None
    for span in spans:
        assert 0 <= span.start <= span.end <= len(release.text)
        assert release.text[span.start : span.end] == span.text, span
