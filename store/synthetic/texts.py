"""The words of the sample: original posts, the own words of reposts and comments, profile
descriptions. Templates and words come from the vocabulary (``data/synthetic/``); the writer's own
facts (their child's nickname and age, their city, pet, idol, ...) fill the rest.

Every text is a pure function of its arguments: its randomness is a :class:`SplitMix64` seeded with
the text's own seed, so the writer can render texts in any order and cache them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.synthetic.kinds import (
    BOT,
    BOT_WORDS,
    CELEBRITY,
    CONTENT_KINDS,
    KIND_TOPICS,
    MICRO_SELLER,
    MOTHER_TO_PARENT_WORDS,
    MOTHERS,
    ORGANISATION,
    REACTION_GROUPS,
)
from store.synthetic.rng import SplitMix64
from store.synthetic.truth import HARD_NEGATIVE_KINDS, SEGMENTS
from store.synthetic.vocabulary import Vocabulary, Words

if TYPE_CHECKING:
    from store.synthetic.people import Users

__all__ = ["SlotValues", "TextRenderer", "age_band", "child_age_text"]

_CHINESE_NUMBERS = ("零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_IDOL_FAN = HARD_NEGATIVE_KINDS.index("idol_fan")
_PET_OWNER = HARD_NEGATIVE_KINDS.index("pet_owner")
# Chance that a post carries a #topic#, by kind (others: 0.2).
_TOPIC_CHANCE = {"mom": 0.3, "dad": 0.3, "bot": 0.0, "celeb": 0.1}
# Kinds whose posts often carry a short link (others: 0.03).
_LINK_KINDS = ("shop", "bot", "giveaway", "giveaway_baby")


def child_age_text(days: int, r: SplitMix64) -> str:
    """How a parent writes their child's age (``days`` since birth), e.g. ``"3个月"``, ``"两岁半"``.

    Example:
        >>> child_age_text(400, SplitMix64(1)), child_age_text(10, SplitMix64(1))
        ('一岁一个月', '满月前')
    """
    if days < 30:
        return r.pick((f"{max(days, 1)}天", "满月前"))
    months = days // 30
    if months < 12:
        return r.pick((f"{months}个月", f"{_CHINESE_NUMBERS[months]}个月", f"{months}个月大"))
    years, rem = divmod(months, 12)
    cy = _CHINESE_NUMBERS[years] if years <= 12 else str(years)
    if rem == 0:
        return r.pick((f"{years}岁", f"{cy}岁"))
    if rem == 6:
        return r.pick((f"{cy}岁半", f"{years}岁半"))
    return r.pick((f"{years}岁{rem}个月", f"{cy}岁{_CHINESE_NUMBERS[rem]}个月"))


def age_band(age_days: int) -> str:
    """The band of a child's age (days since birth; negative while pregnant) that picks its parent's
    templates: pregnant_early (before week 24), pregnant_late, newborn (< 3 months), infant (< 1 year),
    toddler (< 3 years), child.

    Example:
        >>> [age_band(d) for d in (-200, -10, 30, 200, 800, 2000)]
        ['pregnant_early', 'pregnant_late', 'newborn', 'infant', 'toddler', 'child']
    """
    if age_days < -112:  # before week 24
        return "pregnant_early"
    if age_days < 0:
        return "pregnant_late"
    if age_days < 90:
        return "newborn"
    if age_days < 365:
        return "infant"
    if age_days < 1095:
        return "toddler"
    return "child"


class SlotValues(dict[str, str]):
    """The values of a template's {slots} for one text: the writer's own facts first, then words
    drawn from the vocabulary's [slots] (each slot drawn once per text, on first use)."""

    def __init__(
        self, r: SplitMix64, vocab: Vocabulary, users: Users, user: int, day: int, kind: str
    ) -> None:
        super().__init__()
        self.r, self.vocab, self.users, self.user, self.day, self.kind = r, vocab, users, user, day, kind

    def __missing__(self, key: str) -> str:
        r, v, u, i = self.r, self.vocab, self.users, self.user
        age_days = int(u.child_age_at_start[i]) + self.day
        if key == "kid":
            ref = r.pick(v.child_references[(bool(u.is_father[i]), bool(u.child_is_girl[i]))])
            val = ref.replace("{nick}", v.child_nicknames[u.child_nickname[i]])
        elif key == "nick":
            val = v.child_nicknames[u.child_nickname[i]]
        elif key == "age":
            val = child_age_text(max(age_days, 0), r)
        elif key == "days":
            val = str(max(age_days, 1))
        elif key == "ta":  # he / she / it
            val = "它" if self.kind == "pet" else ("她" if u.child_is_girl[i] else "他")
        elif key == "ta0":  # a child not born yet
            val = r.pick(("他", "她", "孩子"))
        elif key == "pregw":
            val = f"孕{min(max((280 + age_days) // 7, 6), 41)}周"
        elif key == "wleft":
            val = str(max(1, -age_days // 7))
        elif key == "city":
            c = v.cities[u.city[i]].label
            val = c if c != "其他" else "这边"
        elif key == "pet":
            val = v.pet_names[u.pet[i]]
        elif key == "breed":
            val = v.pet_breeds[u.breed[i]]
        elif key == "idol":
            val = v.idols[max(int(u.idol[i]), 0)]
        elif key == "partner":
            val = r.pick(v.slots["partner_m"] if u.female[i] else v.slots["partner_f"])
        else:
            val = r.pick(v.slots[key])
        self[key] = val
        return val


class TextRenderer:
    """Renders the texts of one generated population with one vocabulary."""

    def __init__(self, vocab: Vocabulary, users: Users) -> None:
        self.vocab, self.users = vocab, users

    def original_post(self, user: int, kind: int, seed: int, day: int, mention: str | None) -> str:
        """Text of an original post of content ``kind`` written on ``day`` (days since the start)."""
        v = self.vocab
        r = SplitMix64(seed)
        kind_name = CONTENT_KINDS[kind]
        topic = KIND_TOPICS.get(kind_name, "none")
        if kind_name in ("mom", "dad"):
            band = age_band(int(self.users.child_age_at_start[user]) + day)
            pregnant = band.startswith("pregnant")
            if kind_name == "mom":
                pool = v.mother_posts_by_band[band]
            else:
                pool = v.father_posts["pregnant" if pregnant else "any_age"]
            if pregnant:
                topic = "preg"
        else:
            pool = v.posts_by_kind[kind_name]
        text = r.pick(pool).format_map(SlotValues(r, v, self.users, user, day, kind_name))
        topics = v.topics[topic]
        if topics and "#" not in text and r.chance(_TOPIC_CHANCE.get(kind_name, 0.2)):
            tag = "#" + r.pick(topics) + "#"
            text = tag + text if r.chance(0.5) else text + " " + tag
        p_link = 0.5 if kind_name in _LINK_KINDS or kind_name.startswith("org_") else 0.03
        if r.chance(p_link):
            text += " http://t.cn/A6" + "".join(_BASE62[r.below(62)] for _ in range(6))
        if mention is not None:
            style = r.below(3)
            if style == 0:
                text = f"{text} @{mention}"
            elif style == 1:
                text = f"@{mention} {text}"
            else:
                text = f"{text} @{mention} 你看看"
        return text

    def reaction_words(self, code: int, table: dict[str, Words]) -> Words:
        """The words a reaction with word ``code`` draws from (``table``: comments or reposts)."""
        if code < len(REACTION_GROUPS):
            return table[REACTION_GROUPS[code]]
        if code == MOTHER_TO_PARENT_WORDS:
            return table["mom_mother"]
        if code == BOT_WORDS:
            return table.get("bot", table["generic"])
        return self.vocab.replies

    def reaction(
        self,
        user: int,
        code: int,
        seed: int,
        day: int,
        table: dict[str, Words],
        p_pure: float,
        mention: str | None,
    ) -> str:
        """Own words of a repost or a comment ("" for a pure repost, with chance ``p_pure``)."""
        r = SplitMix64(seed)
        if p_pure > 0 and r.chance(p_pure):
            words = ""
        else:
            template = r.pick(self.reaction_words(code, table))
            words = template.format_map(SlotValues(r, self.vocab, self.users, user, day, "words"))
        if mention is not None:
            words = f"{words} @{mention}" if words else f"@{mention}"
        return words

    def profile_description(self, i: int) -> str:
        """Profile description of user ``i`` (rendered on demand: cheap, and saves memory)."""
        v, u = self.vocab, self.users
        pool = v.descriptions[self._profile_kind(i)]
        pick = int(u.description_pick[i])
        nick = int(u.child_nickname[i])
        return pool[pick % len(pool)].format(
            nick=v.child_nicknames[nick],
            nick2=v.child_nicknames[(nick + 7) % len(v.child_nicknames)],
            city=v.cities[u.city[i]].label,
            pet=v.pet_names[u.pet[i]],
            idol=v.idols[max(int(u.idol[i]), 0)],
            skin=v.slots["skin"][pick % len(v.slots["skin"])],
        )

    def _profile_kind(self, i: int) -> str:
        """Which [descriptions] list user ``i``'s profile is drawn from."""
        u = self.users
        role, segment, hard_negative = int(u.role[i]), int(u.segment[i]), int(u.hard_negative[i])
        if role == ORGANISATION:
            return "organisation"
        if role == BOT:
            return "bot"
        if role == MICRO_SELLER:
            return "weishang"
        if role == CELEBRITY:
            return "celeb"
        if hard_negative == _IDOL_FAN:
            return "idol_fan"
        if hard_negative == _PET_OWNER:
            return "pet_owner"
        if segment == MOTHERS:
            return "fathers" if u.is_father[i] else "mothers"
        if segment >= 1:
            return SEGMENTS[segment]
        return "none"
