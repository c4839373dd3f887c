"""Organizations, people and places a release names, each with every span that mentions it.

No statistical model: candidates are runs of capitalized words, and what a run is comes
from what press releases give away. An organization ends in a legal form or an
organization word ('Corporation', 'Fund', 'Alliance'), heads an 'About X' section, is the
contact's company, opens the body ('Kin, the pioneering …, today announced'), or is
defined by a parenthesis ('Central Intelligence Agency (CIA)'). A person starts with an
honorific or a known first name, or is the contact person. A place is in the gazetteer
(countries, US states, cities, regions) and stands alone, not inside an organization's
name. Once an entity is known, its other mentions are found by name (and people by their
surname or first name alone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.extract import gazetteer, lexicon
from kg.extract.contact import agency_parts
from kg.model import Entity, Facts, Span
from kg.read.text import NAME_WORD, PARTICLES, SURNAME

WORD = r"(?:[A-Z][\w&'’.\-]*[\w.]|[A-Z]|\d+[A-Z][\w]*|[A-Z]+&[A-Z]+)"
CONNECTOR = r"(?:of|and|&|for|de|du|la|der|von|van|the)"
LEGAL = r"(?:,\s(?:Inc|Ltd|LLC|L\.P|LP|PLC|GmbH|S\.A)\.?| plc\b)"
PHRASE = re.compile(rf"(?<![\w’'])(?:{WORD})(?:(?: {CONNECTOR})* (?:{WORD}))*{LEGAL}?")
SENTENCE_CUT = re.compile(
    r"(?<!\b[A-Z])(?<!\.[A-Z])(?<!Inc)(?<!Ltd)(?<!Corp)(?<!Dr)(?<!Mr)(?<!Ms)(?<!St)"
    r"(?<!Jr)(?<!Sr)(?<!Co)\. (?=[A-Z])"
)
AND_CUT = re.compile(r" (?:and|&) ")
CITYBIZ = re.compile(r"appeared first on (?P<name>\w[\w.]*?)\.?$", re.MULTILINE)
LEADING = re.compile(
    r"^(?:(?:The|This|That|These|Our|Its|In|At|On|By|For|From|With|As|And|But|"
    r"Since|After|When|While|Through|Under|Over|About|If|All|Both|Each|Every|"
    r"Led|Recently|Today|Additionally|Besides|Meanwhile|However|Also|Through|"
    r"Join|Visit|Contact|Please|Follow|Learn|Read|See|Dear|Like|Unlike|Per) )+"
)
ABOUT = re.compile(
    r"(?:^|(?<=\s\s))About (?:the )?(?P<name>[A-Z][^\n:]{1,80}?)(?::|\s*$|(?=\s{2})|"
    r"(?=(?P=name)\b)|(?= is\b))",
    re.MULTILINE,
)
OPENING = re.compile(
    rf"(?<![\w’'])(?P<name>{PHRASE.pattern})(?:\s\([^)]*\))?"
    rf"(?:, (?:a|an|the|operator|one|provider|maker|"
    r"developer|leader)\b| (?:today |recently |has |have |will |is |are |officially )?(?:announced|"
    r"announces|launched|launches|unveiled|unveils|introduced|introduces|is launching|is bringing|"
    r"is providing|hires|hired|welcomes|expands|expanded|secures|secured|partners|provides))"
)
CITY_STATE = re.compile(
    r"(?P<city>[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}),\s(?P<region>[A-Z][a-z]+(?: [A-Z][a-z]+)?)\b"
)
TITLE_OF = re.compile(rf"^(?:(?:{'|'.join(lexicon.TITLE_WORDS)})\b[\w\s-]*? (?:of|at|for) )")
HEAD_OF = re.compile(rf"\b(?:{'|'.join(map(re.escape, lexicon.ORG_HEADS))}) of [A-Z]")
RELATION = re.compile(
    rf"\b(?:subsidiary of|subsidiary,|division of|a unit of|affiliate of|partnered with|"
    rf"partnership with|collaboration with|conjunction with|acquired by|backed by|funded by|"
    rf"co-led by|led by|investors including|member of|joint venture with|contract with|"
    rf"has acquired|acquired|acquires|to acquire|acquisition of|merger with|"
    rf"agreement with|deal with)\s+(?:the\s+)?"
    rf"(?P<name>{PHRASE.pattern})"
)
ALIAS = re.compile(r"\s\((?:the\s)?[“\"]?(?P<alias>[A-Z][\w&.\- ]{1,40}?)[”\"]?(?:\)|\s+or\s)")
POSSESSIVE = re.compile(r"['’]s$")
STATE_PAIR = re.compile(r"(?P<city>[A-Z][A-Za-z.'\- ]{2,30}?),\s(?P<state>[A-Z]{2})\b(?![a-z])")
NAME = rf"{NAME_WORD}(?: [A-Z]\.)?(?: \([A-Z][a-z]+\))?{SURNAME}{{1,2}}"
ATTRIBUTED = re.compile(
    rf"(?:\b(?:said|says|added|according to|by|from|{'|'.join(lexicon.TITLE_WORDS)})\s+)?"
    rf"(?P<name>(?:Dr|Mr|Ms|Mrs|Prof)\.? {NAME}|(?<=said )(?:Dr\. )?{NAME}|(?<=says ){NAME}|"
    rf"(?<=according to ){NAME}|(?<=[a-zA-Z] ){NAME}(?=,? (?:said|says|added)\b))"
)
ACRONYM_STOP = {
    "AI",
    "CEO",
    "CFO",
    "COO",
    "CTO",
    "CMO",
    "AMA",
    "EV",
    "MW",
    "GW",
    "IT",
    "HR",
    "PR",
    "FAQ",
    "USD",
    "ID",
    "TV",
    "OK",
    "AM",
    "PM",
    "LLC",
    "INC",
    "NFT",
    "API",
    "APP",
}


@dataclass
class _Found:
    kind: str
    name: str
    spans: list[Span]
    place_type: str | None = None


def phrases(text: str) -> list[Span]:
    """Runs of capitalized words, without a leading function word ('The', 'In') or trailing 's."""
    out = []
    for match in PHRASE.finditer(text):
        offset = match.start()
        for piece in SENTENCE_CUT.split(match[0]):
            out.extend(_trim(piece, offset + match[0].find(piece, offset - match.start())))
    return out


def _trim(value: str, start: int) -> list[Span]:
    lead = LEADING.match(value)
    if lead:
        value, start = value[lead.end() :], start + lead.end()
    glued = re.search(r"(?<=[a-z])(?=[A-Z])", value)
    if glued and value.split()[0] and value[glued.start() :].startswith(value.split()[0][:4]):
        value = value[: glued.start()]  # 'About KinKin is', 'Pegasus TechnologiesPegasus …'
    value = POSSESSIVE.sub("", value)
    if not value.endswith(("Inc.", "Corp.", "Co.", "Ltd.", "U.S.", "D.C.")):
        value = value.rstrip(".-& ")
    if value and value[0].isupper():
        return [Span(start, start + len(value), value)]
    return []


def heading_lines(text: str) -> list[tuple[int, int]]:
    """Lines in title case (headlines, sub-headings): every word capitalized, so no clue."""
    out, offset = [], 0
    for line in text.split("\n"):
        words = re.findall(r"[A-Za-z][\w'’&.-]*", line)
        small = sum(
            1
            for w in words
            if w[0].islower()
            and w
            not in ("of", "and", "the", "for", "to", "in", "on", "with", "a", "an", "at", "by")
        )
        if words and len(words) <= 25 and small == 0 and not line.rstrip().endswith((".", ":")):
            out.append((offset, offset + len(line)))
        offset += len(line) + 1
    return out


def add_mentions(facts: Facts) -> None:
    """Find organizations, then people, then places; later kinds never overlap earlier ones."""
    release = facts.release
    text = release.text
    cands = phrases(text)
    taken: list[tuple[int, int]] = []
    if release.headline_span:
        taken.append((release.headline_span.start, release.headline_span.end))
    headings = heading_lines(text)
    if release.headline:  # the headline, wherever the page repeats it
        headings += [(m.start(), m.end()) for m in re.finditer(re.escape(release.headline), text)]
    if release.dateline_span and release.body_span:
        headings.append((release.dateline_span.start, release.body_span.start))
    if release.contact:
        headings.append((release.contact.span.start, release.contact.span.end))
    seedable = [c for c in cands if _free(c, headings)]
    orgs = _organizations(facts, text, seedable)
    _claim(orgs, taken)
    people = _people(facts, text, seedable, taken)
    _claim(people, taken)
    places = _places(facts, text, cands, taken)
    for found in [*orgs, *people, *places]:
        entity = facts.entity(found.kind, found.name)
        known = {(s.start, s.end) for s in entity.spans}
        entity.spans.extend(s for s in found.spans if (s.start, s.end) not in known)
        if found.place_type and not entity.place_type:
            entity.place_type = found.place_type
    _qualify_cities(facts, _city_regions(facts, text))


def issuer(facts: Facts) -> str | None:
    """The organization a release is from: its 'About' section's, else the first the body names
    (a wire's contact company may be a PR agency), else the contact's company."""
    text = facts.release.text
    orgs = [e for e in facts.entities if e.kind == "organization"]
    for org in orgs:
        if any(text[max(0, s.start - 6) : s.start].endswith("About ") for s in org.spans):
            return org.name
    body = facts.release.body_span
    if body is not None:
        named = [
            (s.start, o.name) for o in orgs for s in o.spans if body.start <= s.start < body.end
        ]
        if named:
            return min(named)[1]
    contact = facts.release.contact
    return contact.company[0] if contact and contact.company else None


def _city_regions(facts: Facts, text: str) -> dict[str, str]:
    """City -> 'City, Region' where the text says which ('VIENNA, Va.', 'Dayton, OH', contact country)."""
    table, codes = lexicon.places(), lexicon.state_codes()
    out: dict[str, str] = {}

    def region_of(part: str) -> str | None:
        if part in codes:
            return codes[part]
        hit = table.get(part) or table.get(part.title())
        return hit[0] if hit and hit[1] in ("state", "country") else None

    release = facts.release
    if release.dateline_span and release.dateline_city:
        parts = [p.strip() for p in re.split(r"[,/]", release.dateline_span.text)]
        region = region_of(parts[1]) if len(parts) > 1 else None
        if region and region != release.dateline_city:
            out[release.dateline_city] = f"{release.dateline_city}, {region}"
    for match in STATE_PAIR.finditer(text):
        city = match["city"].title() if match["city"].isupper() else match["city"]
        if match["state"] in codes and len(city.split()) <= 3:
            out.setdefault(city, f"{city}, {codes[match['state']]}")
    for match in CITY_STATE.finditer(text):  # 'Dayton, Ohio'
        region = region_of(match["region"])
        if region and table.get(match["city"], ("", ""))[1] == "city":
            out.setdefault(match["city"], f"{match['city']}, {region}")
    contact = release.contact
    if contact and contact.city and contact.country:
        out.setdefault(contact.city[0], f"{contact.city[0]}, {contact.country[0]}")
    return out


def _qualify_cities(facts: Facts, regions: dict[str, str]) -> None:
    """Name each city by its region, so Vienna (Austria) and Vienna (Virginia) stay two places."""
    if not regions:
        return
    merged: dict[str, Entity] = {}
    kept = []
    for entity in facts.entities:
        if entity.kind == "place" and entity.name in regions:
            name = regions[entity.name]
            target = merged.get(name) or next(
                (e for e in facts.entities if e.key == ("place", name)), None
            )
            if target is None:
                target = merged.setdefault(
                    name, Entity("place", name, [], entity.place_type or "city")
                )
                kept.append(target)
            target.spans.extend(s for s in entity.spans if s not in target.spans)
        else:
            kept.append(entity)
    facts.entities = kept
    release = facts.release
    if release.dateline_city in regions:
        release.dateline_city = regions[release.dateline_city]
    if release.contact and release.contact.city and release.contact.city[0] in regions:
        release.contact.city = (regions[release.contact.city[0]], release.contact.city[1])


def _claim(found: list[_Found], taken: list[tuple[int, int]]) -> None:
    taken.extend((s.start, s.end) for f in found for s in f.spans)


def _free(span: Span, taken: list[tuple[int, int]]) -> bool:
    return all(span.end <= start or span.start >= end for start, end in taken)


UTILITY = re.compile(
    r"\b[A-Z][\w.]*(?: [A-Z][\w.]*)* (?:Power|Gas|Water|Light|Electric) (?:and|&) "
    r"(?:Light|Electric|Power|Gas|Water)$"
)


def _is_org_phrase(value: str) -> bool:
    words = value.replace(",", "").split()
    if (
        len(words) >= 2
        and words[-2].lower() == "the"
        or value.endswith(lexicon.VENUE_HEADS)
        or "Board of Directors" in value
    ):
        return False  # 'Part I of the Company', 'White Manor Country Club'
    if re.fullmatch(r"[A-Z][\w.]+(?:,? [A-Z][\w.]+)* & [A-Z][\w.]+", value):
        return True  # 'Latham & Watkins'
    if HEAD_OF.search(value):
        return True  # 'U.S. Army Corps of Engineers', 'University of Alabama'
    if UTILITY.search(value):
        return True  # 'Lakeside Gas and Electric': a utility's name
    return (
        len(words) >= 2
        and words[-1] in lexicon.ORG_HEADS
        or bool(
            re.match(
                r"(?:University|Department|Ministry|Bank|Institute|Office|Bureau|Division) of ",
                value,
            )
        )
    )


THE_NAME = re.compile(r"the [A-Z]\w+(?: [A-Z]\w+)+")


def _org_seeds(value: str) -> list[str]:
    """An organization-like candidate, cut at a title ('CEO of X') and between two names."""
    title = TITLE_OF.match(value)
    if title:
        value = re.sub(r"^the ", "", value[title.end() :])  # 'Chairwoman of the X Committee'

    part_of = re.match(r"^[A-Z]\w*(?: [A-Z]\w*)? of (?:the )?", value)
    if (
        part_of
        and value.split()[0] not in lexicon.ORG_HEADS
        and _is_org_phrase(value[part_of.end() :])
    ):
        value = value[part_of.end() :]
    parts = AND_CUT.split(value)
    if (
        len(parts) == 2
        and _is_org_phrase(parts[1])
        and (
            _is_org_phrase(parts[0])
            or parts[1].startswith("the ")
            or re.fullmatch(r"[A-Z]{2,5}", parts[0])
        )
    ):
        return [re.sub(r"^the ", "", p) for p in parts if _is_org_phrase(p)]
    if len(parts) == 2 and _is_org_phrase(parts[0]) and THE_NAME.fullmatch(parts[1]):
        return [parts[0], parts[1][4:]]  # 'Bank of America and the Wilmington Blue Rocks'

    return [value] if _is_org_phrase(value) else []


def _organizations(facts: Facts, text: str, cands: list[Span]) -> list[_Found]:
    names: dict[str, str] = {}  # surface -> normalized name
    release = facts.release
    seeds = [seed for c in cands if not _is_person(c.text) for seed in _org_seeds(c.text)]
    strong = [m["name"].strip() for m in ABOUT.finditer(text)]
    if release.contact and release.contact.company:
        for part in agency_parts(text, release.contact.company[1]):
            strong.append(re.sub(r"\s*\(.*\)$", "", " ".join(part.text.split())))
            strong.append(" ".join(part.text.split()))
    protected = set(strong)
    body = release.body_span.start if release.body_span else 0
    strong += [
        m["name"].strip()
        for m in OPENING.finditer(text, body, body + 400)
        if _opens_sentence(text, m.start(), body)
        and LEADING.sub("", m["name"] + " ").strip()
        and m["name"].split()[0] not in lexicon.HONORIFICS
        and not AND_CUT.search(m["name"])
        and not (m["name"].isupper() and " " in m["name"].strip())
    ]
    strong += [
        name
        for m in RELATION.finditer(text)
        for name in _listed(m["name"])
        if not _is_person(name) and not LEAD_TITLE.match(name)
    ]
    strong += [m["name"] for m in CITYBIZ.finditer(text)]
    strong += _based_in(text)
    strong += _defined_by_initials(text)
    strong += _acronyms(text, cands)
    strong += _brands(text, cands)
    strong += _repeated(cands, text)
    for seed in strong + [s for s in seeds if not _is_person(s)]:
        seed = POSSESSIVE.sub("", seed.strip(" ,"))
        if seed.startswith("The ") and not re.search(rf"[a-z,] {re.escape(seed)}", text):
            seed = seed[4:]
        seed = LEADING.sub("", seed) if not seed.startswith("The ") else seed
        if not seed or not seed[0].isalpha() or len(seed) <= 1 or seed in lexicon.places():
            continue
        first = seed.split()[0]
        if (
            seed not in protected
            and POSSESSIVE.search(first)
            and POSSESSIVE.sub("", first) in lexicon.places()
        ):
            continue  # 'Canada’s Largest Credit Union': a description, not a name
        if seed not in protected and _only_indefinite(text, seed):
            continue  # 'join an HR Alliance': a kind of thing, not a name
        if seed in protected or not _called_a_product(text, seed):
            names.setdefault(seed, seed)
    for name in list(names):  # 'IBN (InvestorBrandNetwork)': both parts name it
        both = re.fullmatch(r"(.+?) \((.+)\)", name)
        if both:
            for part in both.groups():
                names[part] = name
    _short_names(text, names)
    _issuer_word(text, names, protected)
    _defined_across_dash(text, names)
    _aliases(text, names)
    _dash_names(text, names)
    _merge_prefixes(names)
    _parents(names)
    for name in list(names):  # 'OTE Corp.' at a sentence end is 'OTE Corp'
        if name.endswith(".") and name[:-1] in names:
            names[name] = names[name[:-1]]
    for name in list(names):  # 'EMERALTRADE' is 'Emeraltrade'
        if not name.isupper() and name.upper() in text and name.upper() not in names:
            names[name.upper()] = names[name]
    return _locate(text, names, "organization")


PRODUCT_AFTER = re.compile(
    r"\s(?:service|services|platform|app|application|program|campaign|token|coin|system|"
    r"technology|product|model|feature|tool|package|experience|event|award)\b"
)


PRODUCT_BEFORE = re.compile(
    r"\b(?:platform|app|application|brand|product|service|token|coin|campaign|program|show|"
    r"podcast|game|network of)\s+$"
)


WORDISH = re.compile(r"[\w&]")


def _uses(text: str, name: str) -> list[int]:
    """Where ``name`` stands alone in ``text`` (not inside a longer word), left to right and
    without overlaps: what ``(?<![\\w&])name(?![\\w&])`` finds, without compiling a pattern
    per name."""
    out: list[int] = []
    if not name:
        return out
    at = text.find(name)
    while at >= 0:
        end = at + len(name)
        if (at == 0 or not WORDISH.match(text, at - 1)) and not WORDISH.match(text, end):
            out.append(at)
            at = text.find(name, end)
        else:
            at = text.find(name, at + 1)
    return out


def _only_indefinite(text: str, name: str) -> bool:
    """Every use is after 'a' or 'an' ('start a Growth Fund'): a kind of thing, not a name."""
    if not any(f"{a} {name}" in text for a in ("a", "an", "A", "An")):
        return False
    uses = _uses(text, name)
    return bool(uses) and all(
        re.search(r"(?:^|\s)(?:a|an|A|An)\s$", text[max(0, at - 4) : at]) for at in uses
    )


def _called_a_product(text: str, name: str) -> bool:
    """'the social media platform Truth Social', 'the X service': a product, not an organization."""
    for at in _uses(text, name):
        if PRODUCT_BEFORE.search(text[max(0, at - 30) : at]) or PRODUCT_AFTER.match(
            text, at + len(name)
        ):
            return True
    return False


def _repeated(cands: list[Span], text: str) -> list[str]:
    """A long name the body repeats (three times or more) is the name of something organized,
    unless the text calls it a service, a platform or a product ('the X service')."""
    counts: dict[str, int] = {}
    for cand in cands:
        if len(cand.text.split()) >= 4 and not _is_person(cand.text):
            counts[cand.text] = counts.get(cand.text, 0) + 1
    return [
        name
        for name, n in counts.items()
        if n >= 3 and not any(PRODUCT_AFTER.match(text, c.end) for c in cands if c.text == name)
    ]


FUNCTION_WORDS = {
    "and",
    "or",
    "in",
    "to",
    "of",
    "for",
    "is",
    "has",
    "was",
    "will",
    "with",
    "on",
    "at",
    "by",
    "as",
    "that",
    "which",
    "who",
    "said",
    "says",
    "announced",
    "the",
    "a",
    "an",
}


def _tickers(text: str) -> set[str]:
    """Ticker symbols ('NASDAQ: MULN'): they name a listing, not an organization."""
    return set(
        re.findall(
            r"(?:NASDAQ|NYSE|OTC\w*|TSX|CSE|FSE|Cboe CA|OTCQB|AMEX):\s*([A-Z0-9]{1,5})", text
        )
    )


def _acronyms(text: str, cands: list[Span]) -> list[str]:
    """All-capital words of 3 to 5 letters used as names: no tickers, no modifiers."""
    tickers = _tickers(text)
    out = []
    for cand in cands:
        word = cand.text
        if (
            not re.fullmatch(r"[A-Z]{3,5}", word)
            or word in ACRONYM_STOP
            or word in tickers
            or word.title() in lexicon.places()
            or word in lexicon.places()
            or text[cand.start - 1 : cand.start] == "("
            or text[cand.end : cand.end + 1] in (":", ")")
        ):
            continue
        found = list(re.finditer(rf"\b{word}\b", text))
        uses = [text[m.end() : m.end() + 20] for m in found]
        modifiers = [
            u for u in uses if re.match(r"\s[a-z]+", u) and u.split()[0] not in FUNCTION_WORDS
        ]
        cited = any(text[max(0, m.start() - 13) : m.start()] == "according to " for m in found)
        if not modifiers or cited or word in lexicon.AGENCIES:  # 'according to NOAA data'
            out.append(word)
    return list(dict.fromkeys(out))


HOME = re.compile(
    rf"(?<![\w’'])(?P<name>{PHRASE.pattern}) \((?P<city>[A-Z][\w.'’ -]{{1,30}}), "
    r"(?P<region>[A-Z][\w.]*(?: [A-Z][\w.]*){0,2})\)"
)


def _listed(value: str) -> list[str]:
    """The names a relation lists ('with the University of Michigan and the American Kidney
    Fund.'): cut at 'and the', or at 'and' between two capitalized names, without the period
    that ends the sentence."""
    if not value.endswith(("Inc.", "Corp.", "Co.", "Ltd.", "U.S.", "D.C.")):
        value = value.rstrip(".")
    parts = re.split(r" (?:and|&) the ", value)
    if len(parts) == 1:
        parts = AND_CUT.split(value) if len(AND_CUT.split(value)) == 2 else [value]
        if len(parts) == 2 and not all(_is_org_phrase(p) for p in parts):
            parts = [value]
    return [p.strip() for p in parts if p.strip()]


# What a launch or a date names is a product or a day: 'today launched Ledgerline, an
# assistant', 'opened on Tuesday, a …'. An acquisition names a company: 'acquired Studyhall, a
# tutoring marketplace'.
NOT_SUBJECT_AFTER = frozenset(
    "launch launches launched launching unveil unveils unveiled introduce introduces introduced "
    "release releases released debut debuts debuted on in at by until since from to of for "
    "with the a an its our their".split()
)


def _opens_sentence(text: str, at: int, body: int) -> bool:
    """A name that opens the body, a sentence or a clause ('Recently, X has announced') is
    its subject, and so is the company a verb acquires; after a launch, a preposition or an
    article it is a product or a day, not an organization."""
    words = text[body:at].split()
    return not words or words[-1] not in NOT_SUBJECT_AFTER


def _based_in(text: str) -> list[str]:
    """'Borealis Freight (Fargo, ND) will haul …': a name with its home town in parentheses
    is a company's (people are 'of Fargo'); the region must be a known place."""
    table, codes = lexicon.places(), lexicon.state_codes()
    out = []
    for match in HOME.finditer(text):
        if not (match["region"] in codes or match["region"] in table):
            continue
        name = LEADING.sub("", match["name"])
        if name and not _is_person(name) and name not in table:
            out.append(name)
    return out


CAMEL = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]+)+")
CHANNELS = {"LinkedIn", "YouTube", "TikTok", "WhatsApp", "WeChat", "SoundCloud", "GitHub"}


def _brands(text: str, cands: list[Span]) -> list[str]:
    """One-word names with an inner capital ('NovaPay', 'BrightLedger'): brands, which in a
    release are companies, unless the word is a surname ('McKenzie'), a channel ('YouTube'),
    two words glued by a lost line break ('ServicesAcme', where 'Acme' stands alone
    elsewhere) or only ever a modifier ('the FinTech brand')."""
    out = []
    for cand in cands:
        word = cand.text
        if (
            not CAMEL.fullmatch(word)
            or word in CHANNELS
            or re.match(r"(?:Mc|Mac|De|Di|La|Le|Van|Von)[A-Z]", word)
        ):
            continue
        cut = re.search(r"(?<=[a-z])[A-Z]\w*$", word)
        if cut and all(
            re.search(rf"(?<![\w&]){part}(?![\w&])", text)
            for part in (word[: cut.start()], cut[0])
        ):
            continue  # 'ConnectContact', 'KinKin': both halves stand alone elsewhere
        uses = [
            text[m.end() : m.end() + 20]
            for m in re.finditer(rf"(?<![\w&]){word}(?![\w&])", text)
        ]
        if all(re.match(r"\s[a-z]+", u) and u.split()[0] not in FUNCTION_WORDS for u in uses):
            continue
        out.append(word)
    return list(dict.fromkeys(out))


def _issuer_word(text: str, names: dict[str, str], protected: set[str]) -> None:
    """'Tidewater's President', 'Northlake has signed': a release calls its own company
    (its 'About' name or its contact's company) by the first word of the name. The word
    must stand alone somewhere, not open another capitalized run, and be no common word,
    first name or surname; a word that is also a town counts only where it is used as a
    name is (possessive, or before a verb), not 'in Denver, Colorado'."""
    from spacy.lang.en.stop_words import STOP_WORDS

    for full in [n for n in protected if n in names and " " in n]:
        word = full.split()[0]
        if (
            len(word) < 4
            or not word[0].isupper()
            or word in names
            or word.lower() in STOP_WORDS
            or word in lexicon.NOT_NAMES
            or word in lexicon.first_names()
            or word in lexicon.ORG_HEADS
            or word in lexicon.TITLE_WORDS
        ):
            continue
        uses = [text[at + len(word) : at + len(word) + 3] for at in _uses(text, word)]
        alone = [u for u in uses if not re.match(r" [A-Z]", u)]
        if word in lexicon.places():
            alone = [u for u in alone if re.match(r"['’]s| [a-z]", u)]
        if alone:
            names[word] = names[full]


LEGAL_FORM = re.compile(
    r",?\s(?:Corporation|Corp\.?|Inc\.?|Incorporated|LLC|L\.L\.C\.|Ltd\.?|Limited|"
    r"Co\.,? Ltd\.?|Co\.|PLC|plc|GmbH|AG|S\.A\.|LLP|LP)$"
)


def _short_names(text: str, names: dict[str, str]) -> None:
    """'Borealis Freight' in the text is 'Borealis Freight Corporation' without its legal form."""
    for name in list(names):
        short = LEGAL_FORM.sub("", name)
        if short != name and short and re.search(rf"(?<![\w&]){re.escape(short)}(?![\w&])", text):
            names.setdefault(short, names[name])


def _initials(value: str) -> str:
    """'U.S. Army Garrison' -> 'USAG'."""
    words = re.findall(r"[A-Z][\w.]*", value)
    return "".join(re.sub(r"[^A-Z]", "", w) if "." in w else w[0] for w in words)


DEFINED = re.compile(rf"(?<![\w’'])(?P<name>{PHRASE.pattern}) \((?P<acr>[A-Z]{{2,6}})\)")


def _defined_by_initials(text: str) -> list[str]:
    """'Electricity of Vietnam (EVN)', 'Bank of Thailand (BOT)': a name 'X of <place>'
    defined by its initials in parentheses is a public body's or a company's. Without the
    place, such names are as often techniques or roles ('Battery Energy Storage System
    (BESS)', 'Managed Service Provider (MSP)'), and those with an organization word are
    found anyway. The initials must all be in the acronym, in order and from its first
    letter ('Viet Nam' may be one word or two)."""
    out = []
    for match in DEFINED.finditer(text):
        name = LEADING.sub("", match["name"])
        initials = "".join(w[0] for w in name.split() if w[0].isupper())
        acr = match["acr"]
        if len(initials) < 2 or not acr.startswith(initials[0]) or len(acr) > len(initials) + 1:
            continue
        letters = iter(acr)
        of_a_place = re.search(r" of (?:the )?(?P<place>[A-Z].*)$", name)
        if (
            all(c in letters for c in initials)
            and of_a_place
            and of_a_place["place"] in lexicon.places()
            and not _is_person(name)
        ):
            out.append(name)
    return out


DASH_DEFINED = re.compile(r" - (?P<rest>[A-Z]\w*(?: [A-Z]\w*){0,3}) \((?P<acr>[A-Z][A-Z.\-]+)\)")


def _defined_across_dash(text: str, names: dict[str, str]) -> None:
    """'Fort Acme Garrison - Blue Lake (FAG-BL)': the initials in parentheses span the dash,
    so the name does too."""
    for match in DASH_DEFINED.finditer(text):
        before = text[: match.start()]
        for name in [n for n in names if before.endswith(n)]:
            whole = f"{name} - {match['rest']}"
            if re.sub(r"\W", "", match["acr"]) == _initials(whole):
                names.setdefault(whole, whole)


def _parents(names: dict[str, str]) -> None:
    """'Acme Army Corps of Engineers' and 'Acme Army Garrison' are both units of 'Acme Army':
    the words two names open with, when they end in an organization word, name a parent."""
    full = sorted({n for n in names.values()})
    for i, one in enumerate(full):
        for other in full[i + 1 :]:
            a, b = one.split(), other.split()
            k = 0
            while k < min(len(a), len(b)) and a[k] == b[k]:
                k += 1
            prefix = " ".join(a[:k])
            if 2 <= k < min(len(a), len(b)) and a[k - 1] in lexicon.ORG_HEADS:
                names.setdefault(prefix, prefix)


def _dash_names(text: str, names: dict[str, str]) -> None:
    """'ABTCOIN Trading Center - AI Trading Center': two names of one organization, side by side."""
    dashes = [m.start() for m in re.finditer(" - ", text)]  # one scan, not one per name
    for name in list(names):
        for at in dashes:
            if not text.endswith(name, 0, at):
                continue
            for other in list(names):
                if other != name and text.startswith(other, at + 3):
                    names[other] = names[name]


def _aliases(text: str, names: dict[str, str]) -> None:
    """'Ocean Thermal Energy Corporation (OTE Corp)' and initials that the text uses."""
    defined = list(ALIAS.finditer(text))  # one scan, not one pattern per name
    for name in list(names):
        for match in defined:
            if not text.endswith(name, 0, match.start()):
                continue
            alias = match["alias"].strip()
            if (
                alias not in lexicon.places()
                and not re.fullmatch(r"[A-Z]+:.*|NASDAQ|NYSE", alias)
                and alias not in _tickers(text)
                and names.get(alias, alias) == alias
            ):
                names[alias] = names[name]
    squashed = {n: re.sub(r"\W", "", n).lower() for n in names}
    for short in names:  # 'Hui Zhou Wealth' is 'Hong Kong Huizhou Wealth Technology Co., Ltd.'
        host = [
            n
            for n in names
            if n != short
            and len(squashed[short]) >= 6
            and squashed[short] in squashed[n]
            and squashed[short] != squashed[n]
            and names[n] == n
        ]
        if host and names[short] == short:
            names[short] = max(host, key=len)


def _merge_prefixes(names: dict[str, str]) -> None:
    """'Trump Media' is 'Trump Media and Technology Group Corp.'; the fullest form names both."""
    for short in sorted(names, key=len):
        longer = [
            n
            for n in names
            if n != short and n.startswith(short + " ") or n.startswith(short + ",")
        ]
        if longer and len(short) >= 3:
            full = names[max(longer, key=len)]
            for surface, name in names.items():
                if name == names[short] or surface == short:
                    names[surface] = full


def _locate(text: str, names: dict[str, str], kind: str) -> list[_Found]:
    """Every occurrence of each surface (longest first, not inside a longer one)."""
    found: dict[str, _Found] = {}
    taken: list[tuple[int, int]] = []
    for surface in sorted(names, key=len, reverse=True):
        for at in _uses(text, surface):
            span = Span(at, at + len(surface), surface)
            if _free(span, taken):
                taken.append((span.start, span.end))
                found.setdefault(names[surface], _Found(kind, names[surface], [])).spans.append(
                    span
                )
    return list(found.values())


def _is_person(value: str) -> bool:
    words = value.split()
    if not 2 <= len(words) <= 4 or any(
        w in lexicon.ORG_HEADS or w in PLACE_HEADS for w in words
    ):
        return False
    if words[0] in lexicon.HONORIFICS:
        return True
    return (
        words[0] in lexicon.first_names()
        and words[-1][:1].isupper()
        and all(w[:1].isupper() or w in PARTICLES for w in words)
        and not any(w.isupper() and len(w) > 1 for w in words)
        and value not in lexicon.places()
    )


def _people(
    facts: Facts, text: str, cands: list[Span], taken: list[tuple[int, int]]
) -> list[_Found]:
    names: dict[str, str] = {}
    contact = facts.release.contact
    if (
        contact
        and contact.person
        and len(contact.person[0].split()) >= 2
        and not re.search(r"\b(?:Team|Department|Desk|Office)\b", contact.person[0])
    ):
        names[contact.person[0]] = contact.person[0]
    for cand in cands:
        for value in AND_CUT.split(
            re.sub(r",.*$", "", cand.text)
        ):  # 'Brock Berryhill and Andy Albert'
            value = LEAD_TITLE.sub("", value)  # 'Executive Director Angela Brooks'
            if _free(cand, taken) and _is_person(value):
                names.setdefault(value, _strip_honorific(value))
    titles = re.compile(rf"\b(?:(?:{'|'.join(lexicon.TITLE_WORDS)}) )+(?P<name>{NAME})")
    for match in [*ATTRIBUTED.finditer(text), *titles.finditer(text), *TITLED.finditer(text)]:
        span = Span(match.start("name"), match.end("name"), match["name"])
        words = span.text.split()
        if (
            _free(span, taken)
            and not any(w in lexicon.ORG_HEADS or w in lexicon.TITLE_WORDS for w in words)
            and span.text not in lexicon.places()
        ):
            names.setdefault(span.text, _normal_person(span.text))
    found = _locate(text, names, "person")
    _short_forms(text, found, taken)
    return found


# A name, then its title: 'Nguyen Thi Lan, Vice Chairwoman of …', 'Jane Doe, CEO of …'.
TITLED = re.compile(
    rf"(?<![\w’'])(?P<name>{NAME}), (?:the |its |our )?(?:(?:Senior|Executive|Deputy|Vice|Chief|"
    rf"Managing|General) )*(?:{'|'.join(lexicon.TITLE_WORDS)})\b"
)


# Title words before a name: 'Executive Director Angela Brooks', 'Mayor John Carney'.
LEAD_TITLE = re.compile(
    rf"^(?:(?:{'|'.join(lexicon.TITLE_WORDS)}|Senior|Managing|Deputy|Assistant|Associate|"
    r"General|Interim|Acting|Former) )+(?=[A-Z])"
)


def _normal_person(value: str) -> str:
    """'Dr. Ken-ichiro (Nobu) Kuninobu' is Ken-ichiro Kuninobu."""
    return _strip_honorific(re.sub(r" \([^)]*\)", "", value))


def _strip_honorific(value: str) -> str:
    words = value.split()
    return " ".join(words[1:]) if words[0] in lexicon.HONORIFICS and len(words) > 2 else value


def _short_forms(text: str, people: list[_Found], taken: list[tuple[int, int]]) -> None:
    """'Moffatt' and 'Jennifer' alone, after 'Jennifer Moffatt' was named, are her."""
    spoken = [s for p in people for s in p.spans]
    owners: dict[str, list[_Found]] = {}
    for person in people:
        words = [w for w in person.name.split() if w not in lexicon.HONORIFICS and len(w) > 2]
        for word in {words[0], words[-1]} if words else set():
            owners.setdefault(word, []).append(person)
    for word, persons in owners.items():
        if len(persons) != 1 or word in lexicon.places() or word in lexicon.NOT_NAMES:
            continue
        for at in _uses(text, word):
            span = Span(at, at + len(word), word)
            if (
                _free(span, taken)
                and all(span.end <= s.start or span.start >= s.end for s in spoken)
                and not text[span.end : span.end + 2].strip()[:1].isupper()
            ):
                persons[0].spans.append(span)


def _places(
    facts: Facts, text: str, cands: list[Span], taken: list[tuple[int, int]]
) -> list[_Found]:
    table = lexicon.places()
    found: dict[str, _Found] = {}

    def add(span: Span, name: str, kind: str) -> None:
        if _free(span, taken):
            found.setdefault(name, _Found("place", name, [], kind)).spans.append(span)

    for hit in gazetteer.place_hits(text):
        form = hit.text
        if form.isupper() and len(form) > 3 and form not in table:
            form = form.title()  # 'WEST CHESTER'
        if form not in table and " " in form and form[0].isupper():
            form = lexicon.places_by_lower().get(form.lower(), form)  # 'Yangtze River delta'
        if (
            form in table
            and not hit.inside_a_name
            and text[hit.end : hit.end + 1] not in ("$", ":")
            and not text[hit.end : hit.end + 2].startswith(("'s", "’s"))
            or form in table
            and form == hit.text
            and text[hit.end : hit.end + 2] in ("'s", "’s")
        ):
            add(Span(hit.start, hit.end, hit.text), *table[form])
    for cand in cands:  # 'White Manor Country Club', 'Fort Worth Stockyards', 'Kwajalein Atoll'
        if cand.text.endswith(lexicon.VENUE_HEADS) and len(cand.text.split()) >= 2:
            add(cand, cand.text, "region" if cand.text.endswith("Atoll") else "venue")
    codes = lexicon.state_codes()
    for match in STATE_PAIR.finditer(text):
        if match["state"] in codes:
            add(
                Span(match.start("state"), match.end("state"), match["state"]),
                codes[match["state"]],
                "state",
            )
            city = Span(match.start("city"), match.end("city"), match["city"])
            if city.text.split()[-1] not in lexicon.ORG_HEADS and len(city.text.split()) <= 3:
                add(city, city.text.title() if city.text.isupper() else city.text, "city")
    for city, name, kind in _placed(text, table):
        add(city, name, kind)
    for match in COUNTY.finditer(text):  # 'New Castle County', 'Chester County'
        add(Span(match.start(), match.end(), match[0]), match[0], "region")
    _repeat_places(text, found, taken)
    dateline = facts.release.dateline_span
    if dateline:
        first = re.split(r"[,/]", dateline.text)[0].strip()
        name = facts.release.dateline_city or first
        add(
            Span(dateline.start, dateline.start + len(first), first),
            table.get(name, (name,))[0],
            "city",
        )
        for part in _parts(dateline)[1:]:
            if part.text in table:
                add(part, *table[part.text])
            elif part.text in codes:
                add(part, codes[part.text], "state")
    return list(found.values())


PLACE_HEADS = ("County", "Parish", "Province", "Prefecture")
COUNTY = re.compile(rf"(?<![\w&])(?:[A-Z][a-z]+ ){{1,2}}(?:{'|'.join(PLACE_HEADS)})\b")


def _placed(text: str, table: dict[str, tuple[str, str]]) -> list[tuple[Span, str, str]]:
    """'Tunica, Mississippi', 'Malvern, Pennsylvania', 'Leeds, England': a capitalized name
    followed by a state or a country is a town there, though the gazetteer (towns of 50,000
    people or more) does not know it."""
    out = []
    for match in CITY_STATE.finditer(text):
        words = match["city"].split()
        hit = table.get(match["region"])
        if (
            hit is None
            or hit[1] not in ("state", "country")
            or words[-1] in lexicon.ORG_HEADS
            or words[0] in lexicon.NOT_NAMES
            or LEADING.match(match["city"] + " ")
        ):
            continue
        kind = "region" if words[-1] in ("County", "Parish") else "city"
        name = table.get(match["city"], (match["city"],))[0]
        out.append((Span(match.start("city"), match.end("city"), match["city"]), name, kind))
    return out


def _repeat_places(text: str, found: dict[str, _Found], taken: list[tuple[int, int]]) -> None:
    """A town found by its state ('Tunica, Mississippi') is the same town where the text
    names it alone again ('production in Tunica.'), not where it opens a longer name."""
    for place in found.values():
        known = {(s.start, s.end) for s in place.spans}
        for surface in {s.text for s in place.spans if " " not in s.text or s.text == place.name}:
            for at in _uses(text, surface):
                span = Span(at, at + len(surface), surface)
                if (span.start, span.end) in known or not _free(span, taken):
                    continue
                if re.match(r" [A-Z]", text[span.end : span.end + 2]) or any(
                    s.start <= span.start < s.end for p in found.values() for s in p.spans
                ):
                    continue
                place.spans.append(span)
                known.add((span.start, span.end))


PART_CUT = re.compile(r",\s*|\s+and\s+(?:the\s+)?|\.\s+|\s*/\s*|\s+-\s+|\s+(?:of|in|the)\s+")


def _parts(cand: Span) -> list[Span]:
    """A candidate and its parts ('Portland, Maine', 'Canada and the USA', 'California-based')."""
    out = [cand]
    offset = cand.start
    pieces = PART_CUT.split(cand.text)
    if len(pieces) > 1:
        at = 0
        for piece in pieces:
            at = cand.text.find(piece, at)
            if piece:
                out.append(Span(offset + at, offset + at + len(piece), piece))
            at += len(piece)
    trimmed = []
    for part in out:
        base = re.sub(r"-[a-z]+$", "", part.text)  # 'California-based'
        if base != part.text:
            trimmed.append(Span(part.start, part.start + len(base), base))
    return out + trimmed
