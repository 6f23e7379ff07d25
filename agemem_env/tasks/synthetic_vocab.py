"""Vocabulary of the synthetic generator: name pools, relation templates and small talk.

Data, not logic: a new relation is one more `Relation` in `RELATIONS`, a new value pool one
more entry in `VALUE_POOLS`. The pools are word-disjoint (no name, value or small-talk line
shares a word with another pool), so a value found in a turn names exactly one thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# The subject of the user's own facts; supporting facts speak of "the user" in third person.
USER = "the user"

FIRST_NAMES: tuple[str, ...] = tuple(
    "Dana Omar Priya Lukas Mei Tomas Aisha Felix Ingrid Kwame Leila Mateo Nadia Oscar Rosa"
    " Sanjay Tariq Ursula Viktor Wen Yara Zane Bruno Chloe Diego Elena Farah Gustav Hana Ivan"
    " Jonas Keiko Liam Marta Nikolai Olga Pablo Quinn Rafael Sofia Theo Uma Vera Malik Ximena"
    " Yusuf Zora Anton".split()
)
SURNAMES: tuple[str, ...] = tuple(
    "Ortiz Reyes Novak Haddad Lindqvist Okafor Tanaka Moreau Petrov Castillo Brennan Achebe"
    " Kowalski Nguyen Fischer Silva Mensah Larsen Ivanova Duarte Hassan Jensen Kaur Lopez"
    " Marchetti Nakamura Osei Pereira Quiroga Rossi Schmidt Toivonen Ulrich Varga Weber Xu"
    " Yilmaz Zielinski Abara Becker Costa Dimitrov Eriksen Ferreira Garcia Horvat Ibrahim"
    " Janssen".split()
)
# Invented company names (prefix + suffix) so no real company is slandered or memorised.
COMPANY_PREFIXES: tuple[str, ...] = tuple(
    "Veltrix Norvane Quorix Zentora Calyra Orbisa Lumeno Vantis Solvane Tervio Brixel Omnira"
    " Cobaltis Nexora Halcyra Mirevo Driftwell Stellix Korvane Pellucid Arvion Bexley Corvina"
    " Dravix Elvara Fintrel Glimmora Hexalon Isoline Jovira Kyntra Lorvex Maravel Nimbra Oxyra"
    " Pyntra Rivolo Sarnex Tavira Ulvane".split()
)
COMPANY_SUFFIXES: tuple[str, ...] = tuple(
    "Labs Systems Dynamics Analytics Robotics Logistics Foods Studios Energy Health Partners"
    " Networks".split()
)
# Generated kinds: name = first part + " " + last part (thousands of combinations).
NAME_PARTS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "person": (FIRST_NAMES, SURNAMES),
    "company": (COMPANY_PREFIXES, COMPANY_SUFFIXES),
}


def look_alikes(like: str, firsts: tuple[str, ...], lasts: tuple[str, ...]) -> list[str]:
    """Names sharing the first or the last word with ``like`` ("Dana Reyes" for "Dana Ortiz").

    >>> look_alikes("Dana Ortiz", ("Dana", "Omar"), ("Ortiz", "Reyes"))
    ['Dana Reyes', 'Omar Ortiz']
    """
    first, _, last = like.partition(" ")
    same_first = [f"{first} {x}" for x in lasts if x != last]
    return same_first + [f"{x} {last}" for x in firsts if x != first]


# Real cities with their real country, so a three-hop answer is true in the world too.
COUNTRY_OF: Mapping[str, str] = {
    **dict.fromkeys(("Porto", "Lisbon", "Braga", "Coimbra"), "Portugal"),
    **dict.fromkeys(("Lyon", "Marseille", "Nantes", "Toulouse"), "France"),
    **dict.fromkeys(("Munich", "Hamburg", "Cologne", "Leipzig"), "Germany"),
    **dict.fromkeys(("Seville", "Valencia", "Bilbao"), "Spain"),
    **dict.fromkeys(("Turin", "Naples", "Bologna"), "Italy"),
    **dict.fromkeys(("Rotterdam", "Utrecht", "Eindhoven"), "Netherlands"),
    **dict.fromkeys(("Gothenburg", "Malmo", "Uppsala"), "Sweden"),
    **dict.fromkeys(("Bergen", "Trondheim"), "Norway"),
    **dict.fromkeys(("Krakow", "Gdansk", "Wroclaw"), "Poland"),
    **dict.fromkeys(("Osaka", "Kyoto", "Sapporo"), "Japan"),
    **dict.fromkeys(("Toronto", "Vancouver", "Montreal"), "Canada"),
    **dict.fromkeys(("Melbourne", "Adelaide", "Brisbane"), "Australia"),
    **dict.fromkeys(("Curitiba", "Recife", "Salvador"), "Brazil"),
    **dict.fromkeys(("Rosario", "Mendoza"), "Argentina"),
    **dict.fromkeys(("Pune", "Jaipur", "Chennai"), "India"),
    **dict.fromkeys(("Salzburg", "Graz", "Innsbruck"), "Austria"),
    **dict.fromkeys(("Ghent", "Antwerp"), "Belgium"),
    **dict.fromkeys(("Tampere", "Turku"), "Finland"),
    **dict.fromkeys(("Aarhus", "Odense"), "Denmark"),
    **dict.fromkeys(("Guadalajara", "Monterrey"), "Mexico"),
}
CITIES: tuple[str, ...] = tuple(COUNTRY_OF)

# Preference categories: the word used in sentences -> the values a person may prefer.
PREFERENCES: Mapping[str, tuple[str, ...]] = {
    "music": tuple(
        "jazz blues techno reggae flamenco opera punk funk grunge ska disco soul metal folk".split()
    ),
    "food": tuple(
        "ramen sushi paella lasagne falafel dumplings tacos risotto curry pho gnocchi moussaka"
        " pierogi biryani".split()
    ),
    "drink": tuple(
        "espresso rooibos matcha lemonade kombucha cider chai horchata kefir lassi cocoa"
        " sangria".split()
    ),
    "sport": tuple(
        "tennis rugby cricket volleyball badminton hockey climbing rowing fencing surfing"
        " handball cycling".split()
    ),
    "colour": tuple(
        "teal crimson amber indigo turquoise lavender maroon ochre magenta olive".split()
    ),
}
PET_NAMES: tuple[str, ...] = tuple(
    "Biscuit Pickle Noodle Waffles Ziggy Luna Pudding Bandit Clover Dottie Gizmo Hobbes"
    " Juniper Kiwi Oreo Rascal Truffle Yoshi Zorro Fudge Nugget Sprocket Peaches Tinkerbell"
    " Muffin Chester Rocco Basil Mittens Scout".split()
)

# Value pools by object kind; "company" names are generated, "country" values derived.
VALUE_POOLS: Mapping[str, tuple[str, ...]] = {"city": CITIES, "pet": PET_NAMES, **PREFERENCES}


@dataclass(frozen=True)
class Relation:
    """One kind of fact, with every sentence needed to state, change, retract or ask it.

    Templates use ``{s}`` (subject), ``{o}`` (current value) and ``{old}`` (earlier value).
    Each ``says``/``changes`` line repeats most content words of ``fact``, so a memory that
    stores the turn supports the clean fact (the scorer's 60% word-overlap rule).

    Attributes:
        subject_kind: "person", "user", "company" or "city".
        object_kind: "company", a `VALUE_POOLS` key, or "country" (derived).
        fact: The clean third-person sentence used as a supporting fact.
        says: User-voice sentences stating the fact.
        topic: Noun phrase naming the fact in a retraction ("where {s} works").
        ask: The question whose answer is the value.
        changes: User-voice sentences moving the value from ``{old}`` to ``{o}``; empty
            when the fact cannot change (a birthplace).
        noun: Noun phrase for the value, so a longer chain can ask through it.
        derive: Subject -> value, for facts that are true by geography.
        group: "link" (entity facts), "preference" or "personal" (the user's own).
        other: For a user relation, the same relation about somebody else (distractors).
    """

    subject_kind: str
    object_kind: str
    fact: str
    says: tuple[str, ...]
    topic: str
    ask: str
    changes: tuple[str, ...] = ()
    noun: str = ""
    derive: Mapping[str, str] | None = None
    group: str = "link"
    other: str = ""


_LINKS: dict[str, Relation] = {
    "works_at": Relation(
        "person",
        "company",
        "{s} works at {o}.",
        says=(
            "My friend {s} works at {o}.",
            "Did I mention that {s} got a job at {o}?",
            "{s} from my running club works at {o}.",
        ),
        changes=(
            "{s} left {old} and now works at {o}.",
            "Update on {s}: no longer at {old}, works at {o} now.",
        ),
        topic="where {s} works",
        ask="Which company does {s} work for?",
        noun="the company {s} works for",
    ),
    "headquartered_in": Relation(
        "company",
        "city",
        "{s} is headquartered in {o}.",
        says=(
            "{s} has its headquarters in {o}.",
            "I read that {s} is headquartered in {o}.",
            "{s} is headquartered in {o}, if I remember right.",
        ),
        changes=(
            "{s} moved its headquarters from {old} to {o}.",
            "Turns out {s} is headquartered in {o} now, they left {old}.",
        ),
        topic="where {s} is headquartered",
        ask="In which city is {s} headquartered?",
        noun="the city where {s} is headquartered",
    ),
    "located_in": Relation(
        "city",
        "country",
        "{s} is in {o}.",
        says=(
            "Fun fact: {s} is in {o}, I always mix that up.",
            "I looked it up, {s} is a city in {o}.",
            "{s} is in {o}, right? Yes, I checked.",
        ),
        topic="which country {s} is in",
        ask="In which country is {s}?",
        derive=COUNTRY_OF,
    ),
    "lives_in": Relation(
        "person",
        "city",
        "{s} lives in {o}.",
        says=(
            "My cousin {s} lives in {o}.",
            "{s} lives in {o} these days.",
            "You'd like {s}, who lives in {o}.",
        ),
        changes=("{s} moved from {old} to {o}.", "{s} lives in {o} now, they left {old}."),
        topic="where {s} lives",
        ask="In which city does {s} live?",
        noun="the city {s} lives in",
    ),
    "born_in": Relation(
        "person",
        "city",
        "{s} was born in {o}.",
        says=("{s} was born in {o}, you know.", "My colleague {s} was born in {o}."),
        topic="where {s} was born",
        ask="In which city was {s} born?",
        noun="the city {s} was born in",
    ),
    "has_dog": Relation(
        "person",
        "pet",
        "{s} has a dog named {o}.",
        says=("My neighbour {s} has a dog named {o}.", "{s} just adopted a dog called {o}."),
        topic="{s}'s dog",
        ask="What is the name of {s}'s dog?",
    ),
}


def _favourites() -> dict[str, Relation]:
    """One relation per preference category for the user, and one for other people."""
    out: dict[str, Relation] = {}
    for cat in PREFERENCES:
        out[f"favourite_{cat}"] = Relation(
            "person",
            cat,
            f"{{s}}'s favourite {cat} is {{o}}.",
            says=(
                f"{{s}} can't stop talking about {{o}}, it's their favourite {cat}.",
                f"{{s}}'s favourite {cat} is {{o}}, apparently.",
            ),
            changes=(f"{{s}} has moved on from {{old}}; {{o}} is their favourite {cat} now.",),
            topic=f"{{s}}'s favourite {cat}",
            ask=f"What is {{s}}'s favourite {cat}?",
        )
        out[f"my_favourite_{cat}"] = Relation(
            "user",
            cat,
            f"The user's favourite {cat} is {{o}}.",
            says=(
                f"I'm really into {{o}} these days, it's my favourite {cat}.",
                f"If you ask me, {{o}} is my favourite {cat} by far.",
                f"My favourite {cat}? Easy, {{o}}.",
            ),
            changes=(
                f"Update: I've gone off {{old}}, my favourite {cat} is {{o}} now.",
                f"Actually my favourite {cat} is now {{o}}, not {{old}}.",
                f"Funny, {{o}} has replaced {{old}} as my favourite {cat}.",
            ),
            topic=f"my favourite {cat}",
            ask=f"What is my favourite {cat}?",
            group="preference",
            other=f"favourite_{cat}",
        )
    return out


RELATIONS: Mapping[str, Relation] = {
    **_LINKS,
    **_favourites(),
    "my_home_city": Relation(
        "user",
        "city",
        "The user's home city is {o}.",
        says=("My home city is {o} at the moment.", "These days {o} is my home city."),
        changes=("I moved from {old} to {o}, so {o} is my home city now.",),
        topic="my home city",
        ask="What is my home city?",
        group="personal",
        other="lives_in",
    ),
}


def chain_paths(hops: int) -> list[tuple[str, ...]]:
    """Relation paths of length ``hops`` starting at a person; inner links need a noun.

    >>> chain_paths(3)
    [('works_at', 'headquartered_in', 'located_in')]
    """
    paths = [(name,) for name, rel in RELATIONS.items() if rel.subject_kind == "person"]
    for _ in range(hops - 1):
        paths = [
            (*path, name)
            for path in paths
            if RELATIONS[path[-1]].noun
            for name, rel in RELATIONS.items()
            if rel.subject_kind == RELATIONS[path[-1]].object_kind
        ]
    return paths


RETRACTIONS: tuple[str, ...] = (
    "Forget what I said about {topic}, that was wrong.",
    "Scratch what I told you about {topic}, I got that wrong.",
    "Ignore what I mentioned about {topic}, it wasn't true.",
)

# Small talk for Stage-1 filler turns and Stage-2 chit-chat distractors. No line names a
# person, place or value from the pools above (a unit test checks), so chit-chat never
# states or contradicts a fact.
CHITCHAT: tuple[str, ...] = (
    "Ugh, Mondays always feel twice as long as other days.",
    "I finally fixed the squeaky door in the hallway.",
    "My phone battery dies so fast lately.",
    "I keep meaning to clean out the garage, maybe this weekend.",
    "Did you see how heavy the rain was last night?",
    "I started reading a mystery novel, it's pretty gripping.",
    "The neighbours are renovating again, so much drilling.",
    "I should really drink more water during the day.",
    "Traffic this morning was a nightmare.",
    "I've been trying to go to bed earlier, with mixed results.",
    "My laptop fan sounds like a jet engine right now.",
    "I bought a new plant and I'm already worried I'll kill it.",
    "Honestly I could use a long nap.",
    "The printer at work jammed three times today.",
    "I burnt the toast again this morning.",
    "Someone left a shopping trolley in the middle of our street.",
    "I can never remember where I put my keys.",
    "The sunset yesterday was really pretty.",
    "I'm thinking of rearranging the furniture in the living room.",
    "My inbox is completely out of control.",
    "I watched a documentary about octopuses, they're so clever.",
    "The lift in our building is broken again.",
    "I tried a new recipe and it came out surprisingly well.",
    "It's been windy all week, my umbrella gave up.",
    "I need to renew my passport at some point.",
    "The bakery down the road closed early today.",
    "I spent way too long choosing a birthday card.",
    "My headphones only work on one side now.",
    "I signed up for a pottery class on a whim.",
    "The heating in the flat takes forever to warm up.",
    "I found an old photo album while tidying up.",
    "I really need a haircut.",
    "Our team meeting ran an hour over today.",
    "I keep getting adverts for things I already bought.",
    "There was a huge queue at the post office.",
    "I finally finished that jigsaw puzzle.",
    "The wifi keeps dropping whenever it rains.",
    "I've been learning to juggle, badly.",
    "My shoes got soaked on the way home.",
    "Do you ever forget why you walked into a room?",
    "I ordered a desk lamp and it arrived broken.",
    "Weekends go by far too quickly.",
    "I think I left the oven light on.",
    "There's a pigeon that sits on my windowsill every morning.",
    "I spent the evening sorting out old cables.",
    "My handwriting has become unreadable.",
    "I've started keeping a journal, we'll see how long it lasts.",
    "The library had a book sale, I got five novels.",
    "I can hear the neighbour practising the trumpet.",
    "My calendar is way too full this month.",
    "I tried to assemble a bookshelf without the instructions.",
    "Why does every website want me to accept cookies?",
    "I misplaced my reading glasses twice today.",
    "The milk went off a day before the date on the carton.",
    "I had a strange dream about missing a train.",
    "I'm trying to cut down on screen time, not going well.",
    "My socks never come out of the wash in pairs.",
    "The kettle takes ages to boil in the mornings.",
    "I need to water the balcony plants before it gets dark.",
    "I forgot to charge my headphones again.",
)


def chitchat_lines(rng: np.random.Generator, n: int) -> list[str]:
    """Draw ``n`` small-talk lines, without repeats until the pool is used up.

    Args:
        rng: The only source of randomness.
        n: How many lines to return (non-negative).

    Returns:
        The lines, in drawn order.

    >>> len(chitchat_lines(np.random.default_rng(0), 3))
    3
    """
    if n < 0:
        raise ValueError(f"chitchat_lines: n must be >= 0, got {n}")
    lines: list[str] = []
    while len(lines) < n:
        # A fresh permutation per pass: no line repeats before every line was used once.
        order = rng.permutation(len(CHITCHAT))
        lines.extend(CHITCHAT[int(i)] for i in order[: n - len(lines)])
    return lines
