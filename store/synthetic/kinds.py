"""The codes the generator keeps in its numpy arrays: user roles, the content kinds of original posts,
the word groups of reactions, and the kinds of organisations and celebrities.

A code is an index into one of the tuples here; the words behind each kind live in
``data/synthetic/`` (see :mod:`store.synthetic.vocabulary`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "BOT",
    "BOT_WORDS",
    "CELEBRITY",
    "CELEBRITY_TYPES",
    "CONTENT_KINDS",
    "KIND",
    "KIND_APPEAL",
    "KIND_REACTION_GROUP",
    "KIND_TOPICS",
    "MICRO_SELLER",
    "MOTHERS",
    "MOTHER_TO_PARENT_WORDS",
    "NO_HARD_NEGATIVE",
    "NO_SEGMENT",
    "ORDINARY",
    "ORGANISATION",
    "ORGANISATION_TYPES",
    "ORGANISATION_TYPE_WEIGHTS",
    "REACTION_GROUP",
    "REACTION_GROUPS",
    "REPLY_WORDS",
    "CelebrityType",
    "OrganisationType",
]

# Roles (Users.role). A micro-seller (微商) is an ordinary-looking account selling baby products.
ORDINARY, CELEBRITY, ORGANISATION, BOT, MICRO_SELLER = 0, 1, 2, 3, 4
# Segment codes are indices into truth.SEGMENTS; the hard-negative codes index HARD_NEGATIVE_KINDS.
MOTHERS, NO_SEGMENT = 0, -1
NO_HARD_NEGATIVE = -1

# Content kinds of original posts (code = index). Their templates: data/synthetic/posts.toml
# ([mothers] and [fathers] for mom and dad, [kinds] for the others).
CONTENT_KINDS: tuple[str, ...] = (
    "mom",
    "dad",
    "chat",
    "beauty",
    "food",
    "gaming",
    "fitness",
    "idol",
    "pet",
    "heat",
    "love",
    "hypo",
    "otherkid",
    "shop",
    "giveaway",
    "giveaway_baby",
    "bot",
    "celeb",
    "org_beauty",
    "org_media",
    "org_game",
    "org_gov",
    "org_fitness",
)
KIND = {k: i for i, k in enumerate(CONTENT_KINDS)}

# Word groups of comments and reposts (data/synthetic/reactions.toml), chosen by the root post's kind.
REACTION_GROUPS: tuple[str, ...] = (
    "mom",
    "generic",
    "beauty",
    "food",
    "gaming",
    "fitness",
    "fan",
    "giveaway",
    "shop",
    "pet",
)
REACTION_GROUP = {g: i for i, g in enumerate(REACTION_GROUPS)}
# Word codes past the groups: a mother reacting to a parent's post, a bot, a reply to a comment.
MOTHER_TO_PARENT_WORDS = len(REACTION_GROUPS)  # the "mom_mother" words
BOT_WORDS = len(REACTION_GROUPS) + 1
REPLY_WORDS = len(REACTION_GROUPS) + 2

_GROUP_OF_KIND = {
    "mom": "mom",
    "dad": "mom",
    "beauty": "beauty",
    "food": "food",
    "gaming": "gaming",
    "fitness": "fitness",
    "pet": "pet",
    "shop": "shop",
    "giveaway": "giveaway",
    "giveaway_baby": "giveaway",
    "celeb": "fan",
    "org_beauty": "beauty",
    "org_game": "gaming",
    "org_fitness": "fitness",
}
KIND_REACTION_GROUP = np.array(
    [REACTION_GROUP[_GROUP_OF_KIND.get(k, "generic")] for k in CONTENT_KINDS], dtype=np.int8
)

# Appeal multiplier per kind (how much a post of that kind invites reactions).
_APPEAL = {
    "mom": 1.0,
    "dad": 1.0,
    "chat": 0.6,
    "beauty": 0.9,
    "food": 0.9,
    "gaming": 0.8,
    "fitness": 0.8,
    "idol": 0.7,
    "pet": 0.9,
    "heat": 0.5,
    "love": 0.6,
    "hypo": 0.5,
    "otherkid": 0.6,
    "shop": 0.25,
    "giveaway": 1.0,
    "giveaway_baby": 1.0,
    "bot": 0.03,
    "celeb": 1.5,
    "org_beauty": 0.5,
    "org_media": 0.7,
    "org_game": 0.8,
    "org_gov": 0.4,
    "org_fitness": 0.4,
}
KIND_APPEAL = np.array([_APPEAL[k] for k in CONTENT_KINDS])

# Which #topics# (posts.toml [topics]) a kind's posts may carry; kinds not listed carry none.
KIND_TOPICS: dict[str, str] = {
    "mom": "mom",
    "dad": "dad",
    "chat": "chat",
    "beauty": "beauty",
    "food": "food",
    "gaming": "gaming",
    "fitness": "fitness",
    "pet": "pet",
    "heat": "heat",
    "love": "love",
    "hypo": "chat",
    "otherkid": "chat",
    "shop": "shop",
    "giveaway_baby": "shop",
}


class OrganisationType(NamedTuple):
    """A kind of verified organisation: its Weibo ``verified_type`` and the kind of its posts."""

    kind: str
    verified_type: int
    content_kind: str


ORGANISATION_TYPES: tuple[OrganisationType, ...] = (
    OrganisationType("baby", 2, "shop"),  # the first kind: baby-product shops
    OrganisationType("beauty", 2, "org_beauty"),
    OrganisationType("media", 3, "org_media"),
    OrganisationType("game", 2, "org_game"),
    OrganisationType("gov", 1, "org_gov"),
    OrganisationType("fitness", 7, "org_fitness"),
    OrganisationType("campus", 4, "org_media"),
    OrganisationType("web", 5, "org_beauty"),
    OrganisationType("app", 6, "org_fitness"),
)
ORGANISATION_TYPE_WEIGHTS = np.array([3.0, 1.5, 2.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5])


class CelebrityType(NamedTuple):
    """A kind of celebrity: the segment it belongs to (or ``NO_SEGMENT``) and its posts' kind code."""

    kind: str
    segment: int
    content_kind: int


CELEBRITY_TYPES: tuple[CelebrityType, ...] = (
    CelebrityType("idol", NO_SEGMENT, KIND["celeb"]),  # the first kind: idols (fans follow them)
    CelebrityType("beauty", 1, KIND["beauty"]),
    CelebrityType("food", 2, KIND["food"]),
    CelebrityType("gaming", 3, KIND["gaming"]),
    CelebrityType("fitness", 4, KIND["fitness"]),
)
