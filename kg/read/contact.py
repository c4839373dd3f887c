"""The contact section of a release, labelled or in free form, with a span for every value.

Labelled blocks ('Company Name: …', 'Contact Person: …') are read even when the archive
glued them onto one line ('Company Name: Unity ConnectContact Person: …'). A free-form
section ('Contact:' then a company line, 'Portland, Maine', a bare phone number) is read
by what each piece looks like. 'Email: Send Email' and 'Email Us Here' are web forms,
not addresses, and 'Visit Our Website' is no website; phones become E.164 with the
phonenumbers library, in the contact's country (the United States when none is given).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import phonenumbers
import pycountry

from kg.model import ContactPoint, Span
from kg.read.text import NAME_WORD, SURNAME

log = logging.getLogger(__name__)

LABELS = {
    "company name": "company",
    "company": "company",
    "organization": "company",
    "contact person": "person",
    "contact name": "person",
    "contact": "person",
    "name": "person",
    "email": "email",
    "e-mail": "email",
    "contact email": "email",
    "email address": "email",
    "phone": "phone",
    "phone number": "phone",
    "telephone": "phone",
    "tel": "phone",
    "mobile": "phone",
    "country": "country",
    "city": "city",
    "state": "state",
    "website": "website",
    "website url": "website",
    "website link": "website",
    "web": "website",
    "address": "address",
}
_LABEL_WORDS = "|".join(
    sorted((re.escape(k).replace(r"\ ", " ") for k in LABELS), key=len, reverse=True)
)
LABEL = re.compile(rf"(?:(?<![A-Za-z])|(?<=[A-Za-z/.]))(?=[A-Z])(?i:{_LABEL_WORDS})(?=\s*[:：])")
COLON = re.compile(r"\s*[:：]\s*")
HEADING = re.compile(
    r"(?:^|(?<=\s\s)|(?<=\.\s))(?:(?:Media|Press|Company|Investor)\s+Contacts?(?:\s+Information)?|"
    r"Contacts?(?:\s+(?:Information|Info|Details))?|CONTACTS?|Corporate Communications|"
    r"For (?:further|more) information(?:,? (?:please )?contact)?(?=\s*:)|"
    r"(?:Media|Press) (?:[Ii]nquiries|[Ee]nquiries|[Rr]elations)(?=\s*:?\s*$))"
    r"(?:\b|(?=[A-Z][a-z]))[ \t]*[:：*]?",
    re.MULTILINE,
)
STOP = re.compile(
    r"^(?:Disclaimer|View the original|View source|Related Articles|The post |About |###|Inquiries|SOURCE:|"
    r"SOURCE |Forward-Looking|Certain statements|Visit us on social media|Follow us on)",
    re.IGNORECASE | re.MULTILINE,
)
GLUED_LABELS = ("Office", "Mobile", "Cell", "Direct", "Fax", "Tel", "Email")
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# A phone's label glued to the address after it when the archive lost a line break:
# '310.299.1717 OfficeEditor@…' is the office phone, then 'Editor@…'.
GLUED_LABEL = re.compile(rf"(?:{'|'.join(GLUED_LABELS)})(?=[A-Z])")
AFTER_PHONE = re.compile(r"\d\)?[ \t]?\Z")
PHONE = re.compile(r"\+?\(?\d{1,4}\)?[\d\s().-]{6,}\d")
TLD = r"(?:com|org|net|io|ai|co|us|fm|info|biz|gov|edu|uk|de|jp|cn|hk|ca|au|app|tech)"
WEBSITE = re.compile(
    rf"(?:https?://|www\.)[A-Za-z0-9.-]+?\.{TLD}(?![A-Za-z])(?:/[^\s]*)?|https?://\S+"
)
CONTACT_SENTENCE = re.compile(
    r"\bcontact\s+(?P<person>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2})\s+(?:at|via|on)\s+"
    r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
NOT_A_WEBSITE = re.compile(r"^(?:visit (?:our )?website|website|n/?a|none)$", re.IGNORECASE)
NOT_AN_EMAIL = re.compile(r"^(?:send(?: email)?|email us here)$", re.IGNORECASE)
DEPARTMENT = re.compile(
    r"(?:Investor|Media|Public|Press|Corporate|Government)\s+(?:Relations|Office|Affairs|"
    r"Communications|Team|Desk)|(?:Corporate\s+)?Communications|Marketing|Press|Media"
)
DESK = re.compile(
    r"^(?:Press|Media|Communications|Investor|Public|Corporate)\s+(?:Office|Relations|Team|Desk|"
    r"Department|Affairs)\s*,\s*(?P<company>[A-Z].+)$"
)
ORG_WORDS = re.compile(
    r"\b(?:Inc|LLC|Ltd|Corp|Corporation|Company|Co|Group|Technologies|GmbH|"
    r"Network|Chiropractic|Team|Media|Agency|Associates|Partners|Systems|Labs|Bank|plc)\b\.?"
)
PERSON = re.compile(rf"^(?:(?:Mr|Ms|Mrs|Dr)\.?\s+)?{NAME_WORD}(?:\s+[A-Z]\.)?{SURNAME}{{1,2}}")


def email_start(text: str, match: re.Match[str]) -> int:
    """Where an address found by EMAIL starts, past a phone label glued to it.

    The label is cut only right after a phone number, and not when the whole mailbox is
    the domain's name: 'OfficeMax@officemax.example' after a number is one address.

    >>> def start(t): return email_start(t, EMAIL.search(t))
    >>> start("310.299.1717 OfficeEditor@ibn.example"), start("Email: OfficeMax@example.com")
    (19, 7)
    >>> start("(937) 555-0100 OfficeMax@officemax.example")
    15
    """
    mailbox, domain = match[0].split("@", 1)
    label = GLUED_LABEL.match(mailbox)
    if (
        label is None
        or not AFTER_PHONE.search(text, 0, match.start())
        or mailbox.lower() in domain.lower()
    ):
        return match.start()
    return match.start() + label.end()


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name, or None when it is not a country.

    >>> country_code("China"), country_code("United States"), country_code("Atlantis")
    ('CN', 'US', None)
    """
    name = name.strip()
    if len(name) < 4 and name not in ("USA", "UK", "US"):
        return None
    try:
        return str(pycountry.countries.lookup({"UK": "GB"}.get(name, name)).alpha_2)
    except LookupError:
        return None


def e164(raw: str, region: str | None) -> str | None:
    """The phone in E.164 form, or None when the value cannot be a phone ('N/A', a web form).

    The region is the contact's country, the United States when none is given.

    >>> e164("+86139 2221 8503", "CN"), e164("(740) 801-2242", None), e164("N/A", None)
    ('+8613922218503', '+17408012242', None)
    """
    try:
        number = phonenumbers.parse(raw, region or "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def find_contact(path: Path, text: str, start: int = 0) -> ContactPoint | None:
    """The contact section at or after ``start``: after its heading, else a labelled block."""
    headings = [m for m in HEADING.finditer(text, start) if _heads_a_section(text, m)]
    labelled = [
        m for m in LABEL.finditer(text, start) if LABELS[m[0].lower()] in ("company", "person")
    ]
    if headings:
        chosen = next(
            (h for h in headings if _labelled(text, h.end(), _section_end(text, h.end()))),
            headings[-1],
        )
        begin, values_at = chosen.start(), chosen.end()
        if labelled and labelled[0].start() < begin and _labelled_run(text, labelled[0].start()):
            begin = values_at = labelled[0].start()
    elif labelled and _labelled_run(text, labelled[0].start()):
        begin = values_at = labelled[0].start()
    else:
        block = _trailing_block(text, start)
        if block is None:
            return _contact_sentence(path, text, start)
        begin = values_at = block
    end = _section_end(text, values_at)
    values = _labelled(text, values_at, end)
    first_label = min((v.start for v in values.values()), default=end)
    for field, span in _free_form(text, values_at, first_label, needs_address=not values).items():
        values.setdefault(field, span)
    if not values:
        return None
    _second_block(text, values, end)
    last = max(span.end for span in values.values())
    contact = ContactPoint(span=Span(begin, last, text[begin:last]))
    _fill(path, contact, values)
    return contact


def _trailing_block(text: str, start: int) -> int | None:
    """Where a contact block with no heading starts: the short lines that end a release
    (EIN Presswire's 'Angela Brooks / Harvest Table Food Bank / +1 302-555-0148 / email
    us here'), when they hold a phone or an address. A sentence is never part of it."""
    end = _section_end(text, start)
    block, cursor = None, end
    for line in reversed(text[start:end].rstrip().split("\n")):
        line_start = text.rfind(line, start, cursor)
        cursor = max(line_start, start)
        stripped = line.strip()
        if not stripped:
            if block is not None:
                break
            continue
        if len(stripped) > 80 or stripped.endswith((".", "!", "?", "”", '"')) and not EMAIL.search(
            stripped
        ):
            break
        block = line_start
    if block is None or block <= start:
        return None
    lines = [x for x in text[block:end].split("\n") if x.strip()]
    contactable = EMAIL.search(text, block, end) or PHONE.search(text, block, end)
    return block if len(lines) >= 2 and contactable else None


def _second_block(text: str, values: dict[str, Span], end: int) -> None:
    """A labelled block without a town, then a 'Contact Information:' block naming the same
    company or person with its address: the town and country are the contact's."""
    if {"city", "country"} <= set(values):
        return
    tail = max(span.end for span in values.values())
    heading = next((h for h in HEADING.finditer(text, tail, end) if _heads_a_section(text, h)), None)
    names = [values[f].text.strip() for f in ("company", "person") if f in values]
    if heading is None or not any(n and n in text[heading.end() : end] for n in names):
        return
    more = _free_form(text, heading.end(), end, needs_address=False)
    for field in ("city", "country"):
        if field in more:
            values.setdefault(field, more[field])


def _section_end(text: str, start: int) -> int:
    stop = STOP.search(text, start)
    return stop.start() if stop else len(text)


def _contact_sentence(path: Path, text: str, start: int) -> ContactPoint | None:
    """'For media inquiries, please contact María Briones at mbriones@hco.com'."""
    match = CONTACT_SENTENCE.search(text, start)
    if match is None:
        return None
    values = {
        field: Span(match.start(field), match.end(field), match[field])
        for field in ("person", "email")
    }
    contact = ContactPoint(span=Span(match.start(), match.end(), match[0]))
    _fill(path, contact, values)
    return contact


def _heads_a_section(text: str, match: re.Match[str]) -> bool:
    """A heading ends its line, or is followed by labelled values or glued contact details."""
    after = text[match.end() : match.end() + 200]
    line_rest = after.split("\n", 1)[0].strip()
    glued = text[match.end() - 1 : match.end() + 1].isalpha() and after[:1].isupper()
    if not line_rest or glued or match[0].rstrip().endswith((":", "：", "*")):
        return True
    return bool(LABEL.match(line_rest) or EMAIL.search(line_rest) or PHONE.search(line_rest))


def _labelled_run(text: str, at: int) -> bool:
    """At least two labelled values close together (a block, not a stray 'Company:' in prose)."""
    return len(LABEL.findall(text[at : at + 400])) >= 2


def _labelled(text: str, start: int, end: int) -> dict[str, Span]:
    """Values between each label and the next label (or the end of the line)."""
    values: dict[str, Span] = {}
    labels = list(LABEL.finditer(text, start, end))
    for index, label in enumerate(labels):
        field = LABELS[label[0].lower()]
        colon = COLON.match(text, label.end())
        value_start = colon.end() if colon else label.end()
        stop = labels[index + 1].start() if index + 1 < len(labels) else end
        newline = text.find("\n", value_start, stop)
        value_end = newline if newline >= 0 else stop
        raw = text[value_start:value_end]
        raw = raw.rstrip(" \u00a0\t*,;")
        if field == "person" and "," in raw:  # 'Matthew Tucker, CEO'
            raw = raw.split(",", 1)[0]
        if raw.strip() and field not in values:
            values[field] = Span(value_start, value_start + len(raw), raw)
    return values


def _free_form(text: str, start: int, end: int, needs_address: bool = True) -> dict[str, Span]:
    """Pieces of a free-form section: e-mail, phone, website, country, 'City, State', names."""
    values: dict[str, Span] = {}
    chunk = original = text[start:end]
    for pattern, field in ((PHONE, "phone"), (WEBSITE, "website"), (EMAIL, "email")):
        match = pattern.search(chunk)
        if match:
            cut = email_start(original, match) if field == "email" else match.start()
            values[field] = Span(start + cut, start + match.end(), original[cut : match.end()])
            chunk = chunk[: match.start()] + " " * len(match[0]) + chunk[match.end() :]
    taken = [(s.start, s.end) for s in values.values()]
    for line_start, line in _pieces(text, start, end, taken):
        if len(line) > 120:
            break
        _free_piece(line_start, line, values)
    if needs_address and not ({"email", "phone"} & set(values)):
        return {}
    return values


def _pieces(text: str, start: int, end: int, taken: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """The parts of each line that are not already read as an e-mail, phone or website."""
    out: list[tuple[int, str]] = []
    cursor = start
    for raw in text[start:end].split("\n"):
        line_start, line_end = cursor, cursor + len(raw)
        cursor = line_end + 1
        cuts = sorted((s, e) for s, e in taken if line_start <= s < line_end)
        position = line_start
        for s, e in [*cuts, (line_end, line_end)]:
            piece = text[position:s]
            lead = len(piece) - len(piece.lstrip())
            # 'IBN (…)Los Angeles', '… PA 19348United States': glued where a line broke
            for part in re.split(r"(?<=\))(?=[A-Z])|(?<=\d{4})(?=[A-Z][a-z])", piece.strip()):
                out.append((position + lead, part))
                lead += len(part)
            position = max(position, e)
    return out


def _free_piece(at: int, piece: str, values: dict[str, Span]) -> None:
    piece = re.sub(r"\s*(?:Email Us Here|Visit Our Website|Office)$", "", piece)
    if not piece or piece.endswith((":", "：")):  # 'Media:', 'Investors:' head a sub-block
        return
    if DEPARTMENT.fullmatch(piece):  # 'Investor Relations' under a name is no company
        return
    desk = DESK.match(piece)  # 'Press Office, Meridian Rail Systems': a desk, then the company
    if desk and "company" not in values:
        values["company"] = Span(at + desk.start("company"), at + len(piece), desk["company"])
        return
    if country_code(piece) and "country" not in values:
        values["country"] = Span(at, at + len(piece), piece)
        return
    street = re.search(  # '415 Elm Rd # 2  Mill Creek, PA 19348': a street, then the town
        r"(?:^|\s{2,}|,\s*)(?P<city>[A-Z][A-Za-z .'-]*[a-z]),\s*(?P<state>[A-Z]{2})\s+\d{5}(?:-\d{4})?$",
        piece,
    )
    if street and "city" not in values and street["state"] in _state_codes():
        values["city"] = Span(at + street.start("city"), at + street.end("city"), street["city"])
        return
    city = re.match(r"^([A-Z][A-Za-z .'-]+),\s*[A-Z][A-Za-z .]+$", piece)
    if city and "city" not in values and not ORG_WORDS.search(piece) and not _named(piece):
        values["city"] = Span(at, at + len(city[1]), city[1])
        return
    if not ORG_WORDS.search(piece) and _titled(piece):  # 'Director of Communications'
        return
    if ORG_WORDS.search(piece) and len(piece.split()) <= 4 and "company" not in values:
        values["company"] = Span(at, at + len(piece), piece)
        return
    person = PERSON.match(piece)
    if person and len(person[0].split()) == 3 and ORG_WORDS.search(piece[person.end() :] or piece):
        person = re.match(r"\S+\s+\S+", piece)  # 'Kevin Kelley Ocean Thermal Energy Corporation'
    if person and "person" not in values and not ORG_WORDS.search(person[0]):
        values["person"] = Span(at, at + len(person[0]), person[0])
        rest = piece[person.end() :]
        lead = len(rest) - len(rest.lstrip())
        if rest.strip() and "company" not in values and not rest.lstrip().startswith(","):
            values["company"] = Span(at + person.end() + lead, at + len(piece), rest.strip())
        return
    if "company" not in values and piece[0].isupper() and len(piece.split()) <= 8:
        values["company"] = Span(at, at + len(piece), piece)


def _state_codes() -> dict[str, str]:
    from kg.extract.lexicon import state_codes

    return state_codes()


def _titled(piece: str) -> bool:
    """A job title line: 'Director of Communications', 'VP, Marketing'."""
    from kg.extract.lexicon import TITLE_WORDS

    return any(word in TITLE_WORDS for word in re.findall(r"[\w-]+", piece)[:3])


def _named(piece: str) -> bool:
    """'Sarah Chen, Investor Relations' starts with a first name: a person, not 'City, State'."""
    from kg.extract.lexicon import first_names

    return piece.split()[0] in first_names()


def _fill(path: Path, contact: ContactPoint, values: dict[str, Span]) -> None:
    def pair(span: Span) -> tuple[str, Span]:
        return (" ".join(span.text.split()), span)

    for field in ("company", "person", "city"):
        if field in values:
            setattr(contact, field, pair(values[field]))
    if "country" in values:
        contact.country = pair(values["country"])
        contact.country_code = country_code(contact.country[0])
    if "address" in values:
        _from_address(contact, values["address"])
    if "email" in values and EMAIL.fullmatch(values["email"].text.strip()):
        contact.email = pair(values["email"])
    if "website" in values and not NOT_A_WEBSITE.match(values["website"].text.strip()):
        value, span = pair(values["website"])
        contact.website = (value if "://" in value else f"http://{value}", span)
    if "phone" in values:
        span = values["phone"]
        number = e164(span.text, contact.country_code)
        if number is None:
            log.warning("%s: phone %r is not a phone number; left out", path, span.text)
        else:
            contact.phone = (number, span)


def _from_address(contact: ContactPoint, address: Span) -> None:
    """City and country read off 'Tuchlauben 7A, 1010, Vienna, Austria' or '…, Dayton, OH 45402'."""
    parts = []
    offset = address.start
    for part in address.text.split(","):
        lead = len(part) - len(part.lstrip())
        parts.append(Span(offset + lead, offset + lead + len(part.strip()), part.strip()))
        offset += len(part) + 1
    if contact.country is None and parts and country_code(parts[-1].text):
        contact.country = (parts[-1].text, parts[-1])
        contact.country_code = country_code(parts[-1].text)
        parts = parts[:-1]
    elif len(parts) >= 2 and re.fullmatch(r"[A-Z]{2}\s+\d{5}(?:-\d{4})?", parts[-1].text):
        parts = parts[:-1]
    if (
        contact.city is None
        and len(parts) >= 2
        and re.fullmatch(r"[A-Z][A-Za-z .'-]+", parts[-1].text)
    ):
        contact.city = (parts[-1].text, parts[-1])
