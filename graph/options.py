"""What a run's selection may be asked for, and the one source of its defaults: the seed rules
(:class:`EligibilityRules`) and the selection's settings (:class:`SelectOptions`).

``flows/settings.py`` takes its defaults from here and passes the values back down; this module
imports nothing heavy (no pandas, no igraph), so reading the settings stays fast.

Example:
    >>> SelectOptions().k, SelectOptions().eligibility.follower_cap, gender_of("女")
    (100, 50000, 'f')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_KIND_WEIGHTS",
    "GENDERS",
    "EligibilityRules",
    "SelectOptions",
    "gender_of",
    "parse_probability",
]

#: gender codes the filters take (the warehouse's ``users.gender``: f / m; exports also say 女 / 男)
GENDERS = ("f", "m")
_GENDER_WORDS = {"f": "f", "female": "f", "女": "f", "m": "m", "male": "m", "男": "m"}
#: how much each kind of interaction counts towards an edge's weight
DEFAULT_KIND_WEIGHTS: Mapping[str, float] = {"repost": 1.0, "comment": 0.5, "mention": 0.5, "follow": 0.2}


def gender_of(value: Any) -> str | None:
    """f, m, or None (unknown) for a profile's gender as exports write it.

    >>> gender_of("女"), gender_of("M"), gender_of(""), gender_of(None)
    ('f', 'm', None, None)
    """
    if not isinstance(value, str):
        return None
    return _GENDER_WORDS.get(value.strip().lower())


@dataclass(frozen=True)
class EligibilityRules:
    """The rules a seed must pass; every one is stated in the report."""

    min_score: float = 0.0
    follower_cap: int | None = 50_000
    exclude_verified_organisations: bool = True
    #: keep out members whose posts or profile say they sell (shops, 微商, 代购: the tags'
    #: ``business`` column, :mod:`nlp.commerce`)
    exclude_businesses: bool = True
    #: keep out members whose own first-person words (a post in the segment's first-person
    #: patterns) or profile do not confirm them (the tags' ``confirmed_by`` column)
    require_confirmed: bool = True
    bot_score_max: float | None = 0.6
    min_posts: int = 1
    # the analyst's filters (tajian run --min-followers …): each keeps only the people it can
    # check, so an unknown value is a reason to leave someone out, counted as "unknown"
    min_followers: int | None = None
    max_followers: int | None = None
    #: (reposts + comments + likes) per post per follower, e.g. 0.02 = 2%
    min_engagement: float | None = None
    regions: tuple[str, ...] = ()
    gender: str | None = None
    #: leave out every verified account (orange and blue V), not only organisations
    exclude_verified: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", tuple(str(r).strip() for r in self.regions if str(r).strip()))
        self._check_filters()
        if not 0 <= self.min_score <= 1:
            raise ValueError(f"min_score must be between 0 and 1; got {self.min_score!r}")
        if self.follower_cap is not None and self.follower_cap < 1:
            raise ValueError(
                f"follower_cap must be a positive number of followers or None; got {self.follower_cap!r}"
            )

        if self.bot_score_max is not None and not 0 <= self.bot_score_max <= 1:
            raise ValueError(f"bot_score_max must be between 0 and 1 or None; got {self.bot_score_max!r}")
        if not isinstance(self.min_posts, int) or self.min_posts < 0:
            raise ValueError(f"min_posts must be a whole number >= 0; got {self.min_posts!r}")

    def _check_filters(self) -> None:
        for name in ("min_followers", "max_followers"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or v < 0):
                raise ValueError(f"{name} must be a whole number of followers >= 0; got {v!r}")
        lo, hi = self.min_followers, self.max_followers
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(
                f"min_followers ({self.min_followers:,}) is above max_followers "
                f"({self.max_followers:,}); swap them or drop one"
            )
        if self.min_engagement is not None and self.min_engagement < 0:
            raise ValueError(
                "min_engagement must be a rate >= 0 (0.02 = 2% per post per follower); "
                f"got {self.min_engagement!r}"
            )
        if self.gender is not None and self.gender not in GENDERS:
            raise ValueError(f"gender must be f or m (or none for anyone); got {self.gender!r}")

    @property
    def filters(self) -> dict[str, Any]:
        """The analyst's filters that are set (name → value)."""
        names = ("min_followers", "max_followers", "min_engagement", "regions", "gender", "exclude_verified")
        return {n: getattr(self, n) for n in names if getattr(self, n) not in (None, (), False)}

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["regions"] = list(self.regions)
        return d

    def _describe_filters(self) -> list[str]:
        out = []
        if self.min_followers is not None or self.max_followers is not None:
            lo = f"{self.min_followers:,}" if self.min_followers is not None else "0"
            hi = f"{self.max_followers:,}" if self.max_followers is not None else "any number of"
            out.append(f"filter: {lo} to {hi} followers (unknown follower counts are left out)")
        if self.min_engagement is not None:
            out.append(
                f"filter: an engagement rate of at least {self.min_engagement:.2%} per post per follower "
                "(unknown rates are left out)"
            )
        if self.regions:
            out.append(f"filter: located in {' / '.join(self.regions)} (unknown locations are left out)")
        if self.gender is not None:
            out.append(f"filter: gender {self.gender} (unknown genders are left out)")
        if self.exclude_verified:
            out.append("filter: no verified accounts at all, orange or blue V")
        return out

    def describe(self) -> list[str]:
        """The rules in words an analyst understands."""
        out = [f"tagged as a member of the segment with a score of at least {self.min_score:g}"]
        if self.follower_cap is not None:
            out.append(f"at most {self.follower_cap:,} followers (no celebrities)")
        if self.exclude_verified_organisations:
            out.append("not a verified organisation, brand, shop or media account (blue V)")
        if self.exclude_businesses:
            out.append("not a shop, 微商 or 代购 (posts that sell, or a shop's name or bio)")
        if self.require_confirmed:
            out.append(
                "confirmed in their own words: a post in the segment's first-person patterns "
                "(我女儿…, 孕32周…) or a profile that says so"
            )
        if self.bot_score_max is not None:
            out.append(
                f"not bot-like: a bot score of at most {self.bot_score_max:g} (repost-only posts, "
                "duplicate texts, posting bursts, following/follower ratio)"
            )
        if self.min_posts > 0:
            out.append(f"active: at least {self.min_posts} post(s) in the window")
        out += self._describe_filters()
        out.append(
            "a house rule on a profile field the export does not give passes the user, and is counted; "
            "a filter does not (unknown values are left out and counted as unknown)"
        )
        return out


@dataclass(frozen=True)
class SelectOptions:
    """The settings a run's selection uses (read once in ``flows/settings.py``, passed down)."""

    k: int = 100
    method: str = "ris"
    probability: str = "wc"
    max_hops: int = 2
    decay: float = 1.0
    seed: int = 42
    epsilon: float = 0.1
    theta_min: int = 65_536
    rr_per_target: float = 32.0
    n_simulations: int = 500
    kind_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_KIND_WEIGHTS))
    eligibility: EligibilityRules = field(default_factory=EligibilityRules)
    learned_estimator: str = "bernoulli"
    learned_prior: tuple[float, float] = (0.1, 1.0)
    #: threads of the kernels (None: every CPU this process may use); never changes the result
    threads: int | None = None


#: the spread models: wc, learned or uniform:P (the one definition; graph.diffusion uses it)
_UNIFORM = re.compile(r"^uniform:(0(\.\d+)?|1(\.0+)?|\.\d+)$")


def parse_probability(spec: str) -> tuple[str, float | None]:
    """Parse ``wc``, ``uniform:P`` (0 < P ≤ 1) or ``learned``.

    >>> parse_probability("uniform:0.05")
    ('uniform', 0.05)
    """
    if spec in ("wc", "learned"):
        return spec, None
    m = _UNIFORM.match(spec.strip())
    if not m or float(m.group(1)) <= 0:
        raise ValueError(
            f"probability must be 'wc' or 'uniform:P' with 0 < P <= 1 (or 'learned', from a "
            f"repost history); got {spec!r}"
        )
    return "uniform", float(m.group(1))
