"""The generated users: ids, roles (ordinary, celebrity, organisation, bot, micro-seller), segments
and hard negatives, cities, profile counts, verification, children, pets, idols, how much each
reacts to others, and screen names.

Every property is a numpy array with one entry per user (index = user number), drawn in a fixed
order from one ``numpy.random.Generator``: same seed, same users.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np

from store.synthetic.kinds import (
    BOT,
    CELEBRITY,
    CELEBRITY_TYPES,
    MICRO_SELLER,
    MOTHERS,
    NO_HARD_NEGATIVE,
    NO_SEGMENT,
    ORDINARY,
    ORGANISATION,
    ORGANISATION_TYPE_WEIGHTS,
    ORGANISATION_TYPES,
)
from store.synthetic.rng import weighted_indices
from store.synthetic.truth import HARD_NEGATIVE_KINDS
from store.synthetic.vocabulary import Vocabulary

__all__ = ["Users", "draw_users"]

_PET_OWNER = HARD_NEGATIVE_KINDS.index("pet_owner")
_IDOL_FAN = HARD_NEGATIVE_KINDS.index("idol_fan")
_SHOP = HARD_NEGATIVE_KINDS.index("shop")


@dataclass
class Users:
    """The generated users, one entry per user in each array."""

    n: int
    user_id: np.ndarray  # int64, 10 digits
    screen_names: list[str]  # unique (names resolve @mentions)
    role: np.ndarray  # int8: kinds.ORDINARY, CELEBRITY, ORGANISATION, BOT, MICRO_SELLER
    segment: np.ndarray  # int8 index into truth.SEGMENTS, kinds.NO_SEGMENT for none
    second_segment: np.ndarray  # int8, likewise
    hard_negative: np.ndarray  # int8 index into truth.HARD_NEGATIVE_KINDS, kinds.NO_HARD_NEGATIVE for none
    is_father: np.ndarray  # bool: a parent who is the father
    city: np.ndarray  # int16 index into Vocabulary.cities
    female: np.ndarray  # bool
    followers: np.ndarray  # int64
    friends: np.ndarray  # int64 (accounts followed)
    statuses: np.ndarray  # int64, before adding the posts in the sample
    favourites: np.ndarray  # int64
    created: np.ndarray  # int64 local seconds since 1970 (account creation)
    verified: np.ndarray  # bool
    verified_type: np.ndarray  # int16, Weibo's codes (-1 none, 0 person, 1-7 organisations, 220 达人)
    description_pick: np.ndarray  # int64: which profile description (TextRenderer.profile_description)
    client: np.ndarray  # int8 index into Vocabulary.clients: the app this user usually posts from
    child_nickname: np.ndarray  # int16 index into Vocabulary.child_nicknames
    child_is_girl: np.ndarray  # bool
    child_age_at_start: np.ndarray  # int32 days since the child's birth on day 0 (negative: pregnant)
    pet: np.ndarray  # int16 index into Vocabulary.pet_names
    breed: np.ndarray  # int16 index into Vocabulary.pet_breeds
    idol: np.ndarray  # int16 index into Vocabulary.idols, -1 none
    organisation_type: np.ndarray  # int8 index into kinds.ORGANISATION_TYPES, -1 none
    celebrity_type: np.ndarray  # int8 index into kinds.CELEBRITY_TYPES, -1 none
    rarely_posts: np.ndarray  # bool: a parent who rarely posts
    activity: np.ndarray  # float64: how much this user reacts to others' posts
    circle: np.ndarray  # int32 circle id (set by follows.assign_circles)


@dataclass
class _Roles:
    """Who is what. ``parents`` and ``others`` are the ordinary users who are parents and who are not,
    in the order they were drawn (later draws assign values in that order)."""

    role: np.ndarray
    segment: np.ndarray
    second_segment: np.ndarray
    celebrity_type: np.ndarray
    organisation_type: np.ndarray
    parents: np.ndarray
    others: np.ndarray
    hard_negative: np.ndarray
    is_father: np.ndarray
    rarely_posts: np.ndarray


def draw_users(
    rng: np.random.Generator,
    vocab: Vocabulary,
    n: int,
    *,
    mothers_share: float,
    bot_share: float,
    celebrity_share: float,
    org_share: float,
    hard_negative_share: float,
    start_local: int,
) -> Users:
    """Draw ``n`` users (circles not assigned yet); ``start_local`` is the first day's local midnight
    in seconds since 1970 (bots' accounts are recent)."""
    user_id = _draw_user_ids(rng, n)
    roles = _draw_roles(rng, n, mothers_share, bot_share, celebrity_share, org_share, hard_negative_share)
    city = weighted_indices(rng, vocab.city_weights, n).astype(np.int16)
    female = _draw_gender(rng, roles)
    followers, bloggers, daren = _draw_followers(rng, roles)
    friends, statuses, favourites = _draw_account_counts(rng, roles)
    verified, verified_type = _draw_verification(rng, roles, bloggers, daren)
    created = _draw_account_creation(rng, roles, start_local)
    client = weighted_indices(rng, vocab.client_weights, n).astype(np.int8)
    child_nickname = rng.integers(0, len(vocab.child_nicknames), n).astype(np.int16)
    child_is_girl = rng.random(n) < 0.5
    child_age_at_start = _draw_child_ages(rng, n)
    pet = rng.integers(0, len(vocab.pet_names), n).astype(np.int16)
    breed = rng.integers(0, len(vocab.pet_breeds), n).astype(np.int16)
    idol = _draw_idols(rng, roles, len(vocab.idols))
    activity = _draw_reaction_activity(rng, roles)
    names = _draw_screen_names(rng, vocab, roles, user_id, city, child_nickname, pet)
    return Users(
        n=n,
        user_id=user_id,
        screen_names=names,
        role=roles.role,
        segment=roles.segment,
        second_segment=roles.second_segment,
        hard_negative=roles.hard_negative,
        is_father=roles.is_father,
        city=city,
        female=female,
        followers=followers,
        friends=friends,
        statuses=statuses,
        favourites=favourites,
        created=created,
        verified=verified,
        verified_type=verified_type,
        description_pick=rng.integers(0, 1 << 30, n),
        client=client,
        child_nickname=child_nickname,
        child_is_girl=child_is_girl,
        child_age_at_start=child_age_at_start,
        pet=pet,
        breed=breed,
        idol=idol,
        organisation_type=roles.organisation_type,
        celebrity_type=roles.celebrity_type,
        rarely_posts=roles.rarely_posts,
        activity=activity,
        circle=np.zeros(n, dtype=np.int32),
    )


def _draw_user_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique 10-digit ids in random order."""
    cand = np.unique(rng.integers(1_000_000_000, 7_999_999_999, size=n + n // 10 + 64))
    uid = rng.permutation(cand)[:n].astype(np.int64)
    while uid.size < n:  # practically never
        extra = rng.integers(1_000_000_000, 7_999_999_999, size=n)
        uid = np.unique(np.concatenate([uid, extra]))[:n]
    return uid


def _draw_roles(
    rng: np.random.Generator,
    n: int,
    mothers_share: float,
    bot_share: float,
    celebrity_share: float,
    org_share: float,
    hard_negative_share: float,
) -> _Roles:
    """Who is what (samples under 20 users have no celebrities, organisations or bots)."""
    role, parents, others = _draw_role_of_each(rng, n, mothers_share, bot_share, celebrity_share, org_share)
    segment, second_segment = _draw_segments(rng, role, parents, others)
    celebrity_type = _draw_celebrity_types(rng, role, segment)
    organisation_type = np.full(n, -1, dtype=np.int8)
    orgs = np.flatnonzero(role == ORGANISATION)
    ok = weighted_indices(rng, ORGANISATION_TYPE_WEIGHTS, orgs.size).astype(np.int8)
    ok[: min(1, ok.size)] = 0  # at least one baby-products shop
    organisation_type[orgs] = ok
    # hard negatives among ordinary non-parents; micro-sellers and baby shops count as shops
    hard_negative = np.full(n, NO_HARD_NEGATIVE, dtype=np.int8)
    chosen = others[rng.random(others.size) < hard_negative_share]
    hard_negative[chosen] = weighted_indices(rng, np.array([0.26, 0.26, 0.13, 0.16, 0.09, 0.10]), chosen.size)
    hard_negative[role == MICRO_SELLER] = _SHOP
    hard_negative[orgs[ok == 0]] = _SHOP
    is_father = np.zeros(n, dtype=bool)
    is_father[parents] = rng.random(parents.size) < 0.12
    rarely_posts = np.zeros(n, dtype=bool)
    rarely_posts[parents] = rng.random(parents.size) < 0.07
    return _Roles(
        role=role,
        segment=segment,
        second_segment=second_segment,
        celebrity_type=celebrity_type,
        organisation_type=organisation_type,
        parents=parents,
        others=others,
        hard_negative=hard_negative,
        is_father=is_father,
        rarely_posts=rarely_posts,
    )


def _draw_role_of_each(
    rng: np.random.Generator,
    n: int,
    mothers_share: float,
    bot_share: float,
    celebrity_share: float,
    org_share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(role of each user, ordinary parents, other ordinary users), the last two in draw order."""
    n_celeb = max(1, round(celebrity_share * n)) if n >= 20 else 0
    n_org = max(2, round(org_share * n)) if n >= 20 else 0
    n_bot = max(1, round(bot_share * n)) if n >= 20 else 0
    n_micro_sellers = round(0.005 * n)
    role = np.zeros(n, dtype=np.int8)
    perm = rng.permutation(n)
    a = 0
    for r_, k in ((CELEBRITY, n_celeb), (ORGANISATION, n_org), (BOT, n_bot), (MICRO_SELLER, n_micro_sellers)):
        role[perm[a : a + k]] = r_
        a += k
    ordinary = perm[a:]
    n_parents = min(round(mothers_share * n), ordinary.size)
    return role, ordinary[:n_parents], ordinary[n_parents:]


def _draw_segments(
    rng: np.random.Generator, role: np.ndarray, parents: np.ndarray, others: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(segment, second segment): parents are in "mothers"; the others in beauty, food, gaming,
    fitness or none; some ordinary users have a second segment."""
    n = role.size
    segment = np.full(n, NO_SEGMENT, dtype=np.int8)
    second = np.full(n, NO_SEGMENT, dtype=np.int8)
    segment[parents] = MOTHERS
    pick = weighted_indices(rng, np.array([0.14, 0.14, 0.11, 0.08, 0.53]), others.size)
    segment[others] = np.where(pick < 4, pick + 1, NO_SEGMENT)
    has_second = (segment >= 0) & (rng.random(n) < 0.18) & (role == ORDINARY)
    cand = rng.integers(1, 5, size=n).astype(np.int8)
    cand = np.where(cand == segment, (cand % 4) + 1, cand).astype(np.int8)
    cand[(segment == MOTHERS) & (cand == 3)] = 2  # mothers rarely game: pick food
    second[has_second] = cand[has_second]
    return segment, second


def _draw_celebrity_types(rng: np.random.Generator, role: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Celebrity kinds: idols and bloggers; bloggers join their segment (``segment`` is updated)."""
    celebrity_type = np.full(role.size, -1, dtype=np.int8)
    celebs = np.flatnonzero(role == CELEBRITY)
    ck = weighted_indices(rng, np.array([0.5, 0.15, 0.15, 0.1, 0.1]), celebs.size).astype(np.int8)
    ck[: min(2, ck.size)] = 0  # at least a couple of idols for the fans
    celebrity_type[celebs] = ck
    for i, kind in enumerate(CELEBRITY_TYPES):
        if kind.segment >= 0:
            segment[celebs[ck == i]] = kind.segment
    return celebrity_type


def _draw_gender(rng: np.random.Generator, roles: _Roles) -> np.ndarray:
    """Female or not: depends on segment and hard-negative kind; parents are mothers unless fathers."""
    segment, hard_negative, parents = roles.segment, roles.hard_negative, roles.parents
    p_female = np.full(segment.size, 0.52)
    p_female[segment == 1] = 0.92
    p_female[segment == 2] = 0.6
    p_female[segment == 3] = 0.25
    p_female[segment == 4] = 0.5
    by_hard_negative = np.array([0.9, 0.6, 0.8, 0.75, 0.75, 0.6, 0.9])
    p_female[hard_negative >= 0] = by_hard_negative[hard_negative[hard_negative >= 0]]
    female = rng.random(segment.size) < p_female
    female[parents] = ~roles.is_father[parents]
    return female


def _draw_followers(rng: np.random.Generator, roles: _Roles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(follower counts, parenting bloggers, 达人): heavy tailed; a few parents are bloggers with
    many followers (not "ordinary"), a few ordinary users are popular (达人)."""
    role, parents = roles.role, roles.parents
    n = role.size
    followers = np.exp(rng.normal(np.log(260), 1.05, n))
    followers = np.clip(followers, 8, 48_000)
    bloggers = np.zeros(n, dtype=bool)
    bloggers[parents] = rng.random(parents.size) < 0.025
    followers[bloggers] = np.exp(rng.uniform(np.log(60_000), np.log(800_000), bloggers.sum()))
    daren = (role == ORDINARY) & ~bloggers & (rng.random(n) < 0.012)
    followers[daren] = np.exp(rng.uniform(np.log(8_000), np.log(45_000), daren.sum()))
    celebs = role == CELEBRITY
    followers[celebs] = np.minimum(100_000 * (1 + rng.pareto(0.9, celebs.sum())), 10_000_000)
    orgs = role == ORGANISATION
    followers[orgs] = np.exp(rng.uniform(np.log(20_000), np.log(2_000_000), orgs.sum()))
    bots = role == BOT
    followers[bots] = rng.integers(0, 80, bots.sum())
    sellers = role == MICRO_SELLER
    followers[sellers] = rng.integers(200, 3_000, sellers.sum())
    return followers.astype(np.int64), bloggers, daren


def _draw_account_counts(
    rng: np.random.Generator, roles: _Roles
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(friends, statuses, favourites) counts; bots follow many and post a lot."""
    role = roles.role
    n = role.size
    bots, celebs, orgs = role == BOT, role == CELEBRITY, role == ORGANISATION
    friends = np.exp(rng.normal(np.log(220), 0.8, n)).clip(5, 3_000)
    friends[bots] = rng.integers(1_200, 2_000, bots.sum())
    friends[celebs] = rng.integers(50, 800, celebs.sum())
    friends[orgs] = rng.integers(10, 400, orgs.sum())
    statuses = np.exp(rng.normal(np.log(900), 1.0, n)).astype(np.int64) + 10
    statuses[bots] += rng.integers(5_000, 40_000, bots.sum())
    favourites = np.exp(rng.normal(np.log(60), 1.3, n)).astype(np.int64)
    return friends.astype(np.int64), statuses, favourites


def _draw_verification(
    rng: np.random.Generator, roles: _Roles, bloggers: np.ndarray, daren: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(verified, verified_type): celebrities are verified people (0), half the bloggers too (the
    others and 达人 have type 220, not verified), organisations their kind's type."""
    role = roles.role
    n = role.size
    celebs, orgs = role == CELEBRITY, role == ORGANISATION
    verified = np.zeros(n, dtype=bool)
    verified_type = np.full(n, -1, dtype=np.int16)
    verified[celebs] = True
    verified_type[celebs] = 0
    verified[bloggers] = True
    verified_type[bloggers] = np.where(rng.random(bloggers.sum()) < 0.5, 0, 220)
    verified[bloggers & (verified_type == 220)] = False
    verified_type[daren] = 220
    verified[orgs] = True
    types = np.array([t.verified_type for t in ORGANISATION_TYPES], dtype=np.int16)
    verified_type[orgs] = types[roles.organisation_type[orgs]]
    return verified, verified_type


def _draw_account_creation(rng: np.random.Generator, roles: _Roles, start_local: int) -> np.ndarray:
    """Account creation times (local seconds): 2009-09 .. 2025-06; bots' accounts are recent."""
    bots = roles.role == BOT
    lo = int((date(2009, 9, 1) - date(1970, 1, 1)).days) * 86400
    hi = int((date(2025, 6, 30) - date(1970, 1, 1)).days) * 86400
    created = rng.integers(lo, hi, bots.size).astype(np.int64)
    created[bots] = rng.integers(start_local - 400 * 86400, start_local - 20 * 86400, bots.sum())
    return created


def _draw_child_ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Every user's child's age on day 0 in days (only parents write about it): pregnant, 0-1, 1-3
    or 3-6 years."""
    band = weighted_indices(rng, np.array([0.12, 0.38, 0.35, 0.15]), n)
    lo_hi = np.array([[-270, -5], [5, 365], [365, 1095], [1095, 2100]])
    return rng.integers(lo_hi[band, 0], lo_hi[band, 1]).astype(np.int32)


def _draw_idols(rng: np.random.Generator, roles: _Roles, n_idols: int) -> np.ndarray:
    """Each idol fan's idol: mostly an idol present in the sample (idol celebrities are named after
    the first idols, in order), else any idol of the vocabulary."""
    n = roles.role.size
    idol = np.full(n, -1, dtype=np.int16)
    n_present = min(int((roles.celebrity_type == 0).sum()), n_idols)
    fans = roles.hard_negative == _IDOL_FAN
    if n_present:
        idol[fans] = np.where(
            rng.random(n) < 0.8,
            rng.integers(0, n_present, n),
            rng.integers(0, n_idols, n),
        )[fans]
    else:
        idol[fans] = rng.integers(0, n_idols, n)[fans]
    return idol


def _draw_reaction_activity(rng: np.random.Generator, roles: _Roles) -> np.ndarray:
    """How much each user reacts: mothers most, bots to almost anything, brands and stars hardly."""
    role, segment = roles.role, roles.segment
    activity = np.exp(rng.normal(0.0, 0.45, role.size))
    base = np.full(role.size, 0.45)
    base[segment == MOTHERS] = 1.5
    base[(segment >= 1)] = 0.8
    base[roles.hard_negative >= 0] = 0.7
    base[role == CELEBRITY] = 0.05
    base[role == ORGANISATION] = 0.02
    base[role == MICRO_SELLER] = 0.2
    base[role == BOT] = 6.0
    activity = activity * base
    activity[roles.rarely_posts] *= 0.4
    return activity


def _draw_screen_names(
    rng: np.random.Generator,
    vocab: Vocabulary,
    roles: _Roles,
    user_id: np.ndarray,
    city: np.ndarray,
    child_nickname: np.ndarray,
    pet: np.ndarray,
) -> list[str]:
    """Unique screen names: ordinary users from name parts, parents often after their child, pet
    owners after their pet, bots as default phone-user names, then celebrities and organisations."""
    n = user_id.size
    parts = _NameParts(
        pattern=rng.integers(0, 10, n),
        modifier=rng.integers(0, len(vocab.name_modifiers), n),
        core=rng.integers(0, len(vocab.name_cores), n),
        tail=rng.integers(0, len(vocab.name_tails), n),
        latin=rng.integers(0, len(vocab.latin_names), n),
        number=rng.integers(0, 10_000, n),
        year=rng.integers(1985, 2021, n),
        parent_style=rng.integers(0, 6, n),
    )
    names = _ordinary_names(vocab, roles, parts, user_id, city, child_nickname, pet)
    _name_celebrities(vocab, roles, parts, names)
    _name_organisations(vocab, roles, city, names)
    return _unique_names(names, roles.role)


@dataclass
class _NameParts:
    """Per-user draws that pick the parts of a screen name."""

    pattern: np.ndarray
    modifier: np.ndarray
    core: np.ndarray
    tail: np.ndarray
    latin: np.ndarray
    number: np.ndarray
    year: np.ndarray
    parent_style: np.ndarray


def _ordinary_names(
    vocab: Vocabulary,
    roles: _Roles,
    parts: _NameParts,
    user_id: np.ndarray,
    city: np.ndarray,
    child_nickname: np.ndarray,
    pet: np.ndarray,
) -> list[str]:
    """Every user's name as if ordinary (celebrities and organisations are renamed after)."""
    mods, cores, tails, latin = vocab.name_modifiers, vocab.name_cores, vocab.name_tails, vocab.latin_names
    pattern, m, c, t, lat = parts.pattern, parts.modifier, parts.core, parts.tail, parts.latin
    num, year, parent_style = parts.number, parts.year, parts.parent_style
    role_l, seg_l, hn_l = roles.role.tolist(), roles.segment.tolist(), roles.hard_negative.tolist()
    names: list[str] = [""] * len(role_l)
    for i in range(len(role_l)):
        r_ = role_l[i]
        if r_ == BOT:
            names[i] = ("用户" if num[i] % 3 else "手机用户") + str(user_id[i])
            continue
        if r_ == MICRO_SELLER:
            names[i] = f"{cores[c[i]]}母婴好物{num[i] % 100}"
            continue
        p = pattern[i]
        if seg_l[i] == MOTHERS and parent_style[i] < 4:  # named after the child: 豆豆妈, 糖糖爸_上海 ...
            tails_ = vocab.father_name_tails if roles.is_father[i] else vocab.mother_name_tails
            name = vocab.child_nicknames[child_nickname[i]] + tails_[int(num[i]) % len(tails_)]
            if p >= 4:
                name += (
                    ("_" + vocab.cities[city[i]].label)
                    if p < 6
                    else str(year[i] % 100)
                    if p < 8
                    else str(num[i] % 1000)
                )
            names[i] = name
            continue
        if hn_l[i] == _PET_OWNER and p < 4:
            names[i] = vocab.pet_names[pet[i]] + vocab.pet_owner_name_tails[p]
            continue
        if p <= 2:
            names[i] = mods[m[i]] + cores[c[i]] + tails[t[i]]
        elif p <= 4:
            names[i] = cores[c[i]] + tails[t[i]] + (str(year[i]) if p == 4 else "")
        elif p <= 6:
            names[i] = latin[lat[i]] + ("_" if p == 5 else "") + cores[c[i]]
        elif p == 7:
            names[i] = cores[c[i]] + "_" + str(num[i])
        elif p == 8:
            names[i] = mods[m[i]] + cores[c[i]]
        else:
            names[i] = latin[lat[i]] + str(num[i] % 1000)
    return names


def _name_celebrities(vocab: Vocabulary, roles: _Roles, parts: _NameParts, names: list[str]) -> None:
    """Idols take the vocabulary's idol names in order (fans refer to idols by that index);
    bloggers get their kind's prefix."""
    n_idol = 0
    celebs = np.flatnonzero(roles.role == CELEBRITY)
    for i, k in zip(celebs.tolist(), roles.celebrity_type[celebs].tolist(), strict=True):
        if k == 0:
            names[i] = (
                vocab.idols[n_idol] if n_idol < len(vocab.idols) else f"歌手{vocab.name_cores[parts.core[i]]}"
            )
            n_idol += 1
        else:
            kind = CELEBRITY_TYPES[k].kind
            own = vocab.latin_names[parts.latin[i]] if kind == "fitness" else vocab.name_cores[parts.core[i]]
            names[i] = vocab.celebrity_name_prefixes[kind] + own


def _name_organisations(vocab: Vocabulary, roles: _Roles, city: np.ndarray, names: list[str]) -> None:
    """Organisations take their kind's names in turn, then the same names prefixed by their city."""
    used_of_kind: Counter[str] = Counter()
    taken: set[str] = set()
    orgs = np.flatnonzero(roles.role == ORGANISATION)
    for i, k in zip(orgs.tolist(), roles.organisation_type[orgs].tolist(), strict=True):
        kind = ORGANISATION_TYPES[k].kind
        pool = vocab.organisation_names[kind]
        turn = used_of_kind[kind]
        used_of_kind[kind] += 1
        place = vocab.cities[city[i]].label.replace("其他", "同城")
        # go through the pool, then branch out by city (a clash left is settled by _unique_names)
        options = [pool[(turn + m) % len(pool)].format(city=place) for m in range(len(pool))]
        options += [place + o for o in options if not o.startswith(place)]
        names[i] = next((o for o in options if o not in taken), options[0])
        taken.add(names[i])


def _unique_names(names: list[str], role: np.ndarray) -> list[str]:
    """Names made unique with deterministic suffixes (names resolve @mentions): name_2, name_3, ...
    for people, name2号店 ... for organisations."""
    role_l = role.tolist()
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, name in enumerate(names):
        base = name
        if base in seen:
            k = seen[base]
            while True:
                k += 1
                cand = f"{base}_{k}" if role_l[i] != ORGANISATION else f"{base}{k}号店"
                if cand not in seen:
                    break
            seen[base] = k
            name = cand
        seen[name] = seen.get(name, 0)
        out.append(name)
    return out
