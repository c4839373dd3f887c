"""Posts: a person holds a title in an organization, as one span of the text states it.

The shapes press releases use, around a person already recognized:

* ``Wang Ping, Secretary and Director of <Org>``, ``Michael Roberts, Chief Financial
  Officer at Unity Connect``, ``Le Thu Thuy, SeABank's Vice Chairwoman of the Board``;
* ``Exovera CEO Bob Sogegian``, ``Trump Media's CEO and Chairman Devin Nunes``;
* ``hired Jennifer Moffatt as Vice President for Business Development``;
* ``CMO Mr. Sato`` (a title alone before the name).

A title with no organization stated is held in the release's issuer (its 'About'
organization, else the first organization the body names), which is what a release means.
"""

from __future__ import annotations

import re

from kg.extract import lexicon, mentions
from kg.model import Entity, Facts, Post, Span

TITLE_WORD = "|".join(sorted(lexicon.TITLE_WORDS, key=len, reverse=True))
TITLE = (
    rf"(?:(?:[A-Z][\w\-]*|of|and|for|the|&) )*?(?:{TITLE_WORD})"
    rf"(?:(?: (?:of|for|and|&|the)(?: the)?)?(?: [A-Z][\w\-]*)+)*"
)
# AP style writes titles after a name in lower case: 'managing director of X',
# 'co-founder and chief executive officer of X'.
LOWER_WORD = "|".join(
    sorted({w.lower() for w in lexicon.TITLE_WORDS if not w.isupper()}, key=len, reverse=True)
)
LOWER_TITLE = (
    rf"(?:[a-z][\w-]*\s){{0,3}}?(?:{LOWER_WORD})"
    rf"(?:\s(?:and|&)\s(?:[a-z][\w-]*\s){{0,3}}?(?:{LOWER_WORD}))?(?![\w-])"
)
AFTER = re.compile(
    rf"^,? (?:(?:the|a|an|our|its|their) )?(?:(?:new|respected|former|current|"
    rf"incoming|newly appointed) )?(?:(?P<owner>[A-Z][\w&.\- ]*?)['’]s )?"
    rf"(?P<title>{TITLE}|{LOWER_TITLE}(?=,| (?:of|at|for|with)\b))"
)
BEFORE = re.compile(
    rf"(?:(?P<owner>[A-Z][\w&.\-]*(?: [A-Z][\w&.\-]*)*?)(?:['’]s)? )?(?P<title>{TITLE}),? $"
)
AS = re.compile(
    rf"^,? (?:(?:has |had |will )?(?:served|serves|serve|joins|joined|join|was named|"
    rf"has been named|is|was|acted|worked|returns|returned) )?(?:as|to) "
    rf"(?:(?:its|the|our|their|a|an) )?(?:[Nn]ew )?(?P<title>{TITLE})"
)
# A mayor, governor or senator holds a public office, not a post in the release's issuer.
PUBLIC_OFFICE = re.compile(
    r"^(?:Mayor|Governor|Senator|Congressman|Congresswoman|Representative|Minister|"
    r"Ambassador|President of the United States)\b"
)
MEMBERS = re.compile(r"\b(?P<title>team|board|staff|founding team) members?,?\s+(?:including\s+)?")


def add_posts(facts: Facts) -> None:
    """One post per person and title, from the first span that states it."""
    text = facts.release.text
    orgs = [e for e in facts.entities if e.kind == "organization"]
    issuer = mentions.issuer(facts)
    seen: set[tuple[str, str | None]] = set()
    headline = facts.release.headline_span
    people = [e for e in facts.entities if e.kind == "person"]
    for person in people:
        for span in sorted(person.spans):
            in_headline = headline is not None and headline.start <= span.start < headline.end
            for title, org, evidence in _stated(text, span, orgs, only_as=in_headline):
                title = _clean_title(title)
                held_in = org or (None if PUBLIC_OFFICE.match(title) else issuer)
                if not title or (person.name, held_in) in seen:
                    continue
                seen.add((person.name, held_in))
                facts.posts.append(
                    Post(person=person.name, title=title, organization=held_in, span=evidence)
                )

    _members(facts, text, people, issuer, seen)


def _members(
    facts: Facts,
    text: str,
    people: list[Entity],
    issuer: str | None,
    seen: set[tuple[str, str | None]],
) -> None:
    """'team members Frank Heckman, Mindy Gallagher, and Erik Gudmundson' all hold 'team member'."""
    for match in MEMBERS.finditer(text):
        end = match.end()
        while True:
            person = next((p for p in people for s in p.spans if s.start == end), None)
            if person is None:
                break
            mention = next(s for s in person.spans if s.start == end)
            if (person.name, issuer) not in seen:
                seen.add((person.name, issuer))
                facts.posts.append(
                    Post(
                        person=person.name,
                        title=f"{match['title']} member",
                        organization=issuer,
                        span=Span(match.start(), mention.end, text[match.start() : mention.end]),
                    )
                )
            gap = re.match(r",?\s+(?:and\s+)?|,\s*", text[mention.end : mention.end + 6])
            if not gap:
                break
            end = mention.end + gap.end()


def _stated(
    text: str, span: Span, orgs: list[Entity], only_as: bool = False
) -> list[tuple[str, str | None, Span]]:
    out = []
    after = text[span.end : span.end + 200].split("\n")[0]
    for pattern in (AS,) if only_as else (AFTER, AS):
        match = pattern.match(after)
        if match:
            title, org = _split_title(match["title"], span.end + match.start("title"), orgs)
            if org is None:
                org, title = _lead_org(title, span.end + match.start("title"), orgs)
            owner = match.groupdict().get("owner")
            org = (
                org
                or _org_named(owner, orgs)
                or (
                    _org_ending_at(span.end + match.start("title") - 1, text, orgs)
                    if owner
                    else None
                )
            )
            end = span.end + match.end()
            if org is None:  # 'served as Talent Acquisition Director at TMF Group'
                org, end = _org_after(text, end, orgs)
            out.append((title, org, Span(span.start, end, text[span.start : end])))
    before = text[max(0, span.start - 120) : span.start].split("\n")[-1]
    match = None if only_as else BEFORE.search(before)
    if match:
        start = span.start - len(before) + match.start()
        org = _org_named(match["owner"], orgs) or _org_ending_at(
            span.start - len(before) + match.start("title") - 1, text, orgs
        )
        title = match["title"]
        if org is None:
            org, title = _lead_org(title, span.start - len(before) + match.start("title"), orgs)
        out.append((title, org, Span(start, span.end, text[start : span.end])))
    return out


def _split_title(title: str, start: int, orgs: list[Entity]) -> tuple[str, str | None]:
    """'Chief Financial Officer at Unity Connect' -> (title, 'Unity Connect')."""
    for org in orgs:
        for mention in org.spans:
            at = mention.start - start
            if 0 < at <= len(title):
                head = re.sub(r"\s+(?:of|at|for|with|,)(?:\s+the)?\s*$", "", title[:at])
                if head != title[:at].rstrip():
                    return head, org.name
    cut = re.search(r"\s(?:at|with)\s", title)
    if cut:
        return title[: cut.start()], None
    return title, None


def _org_after(text: str, end: int, orgs: list[Entity]) -> tuple[str | None, int]:
    """An organization named right after a title ('… at TMF Group'), and where its mention ends."""
    link = re.match(r"\s+(?:at|of|with|for)\s+(?:the\s+)?", text[end : end + 20])
    if link:
        for org in orgs:
            for mention in org.spans:
                if mention.start == end + link.end():
                    return org.name, mention.end
    return None, end


def _lead_org(title: str, start: int, orgs: list[Entity]) -> tuple[str | None, str]:
    """'GB News CEO', 'OPEC Fund President': an organization's mention opens the title run."""
    best: tuple[int, str] | None = None
    for org in orgs:
        for mention in org.spans:
            offset = mention.end - start
            if (
                mention.start <= start < mention.end
                and 0 < offset < len(title)
                and (best is None or offset > best[0])
            ):
                best = (offset, org.name)
    if best is None:
        return None, title
    rest = re.sub(r"^(?:['’]s)?\s+", "", title[best[0] :])
    return (best[1], rest) if rest else (None, title)


def _org_ending_at(end: int, text: str, orgs: list[Entity]) -> str | None:
    """The organization whose mention ends just before a title ('SeABank's', 'Exovera')."""
    for org in orgs:
        for mention in org.spans:
            gap = text[mention.end : end + 1]
            if mention.end <= end + 1 and gap in ("", " ", "'s", "’s", "'s ", "’s "):
                return org.name
    return None


def _org_named(owner: str | None, orgs: list[Entity]) -> str | None:
    if not owner:
        return None
    owner = owner.strip()
    for org in orgs:
        if owner == org.name or owner in {s.text for s in org.spans}:
            return org.name
    return None


def _clean_title(title: str) -> str:
    title = re.sub(r"^(?:the|a|an)\s+", "", title.strip(" ,"))
    lower = title.lower()
    return (
        title
        if any(w in lexicon.TITLE_WORDS for w in re.split(r"[\s-]", title))
        or any(w in title for w in lexicon.TITLE_WORDS)
        or title == lower and any(w.lower() in lower for w in lexicon.TITLE_WORDS if len(w) > 3)
        else ""
    )
