"""Which eligibility rules the data let apply: a rule on a profile field nobody's export filled
(weibo-search has no follower counts) passes everyone, and the run must say so, not look as if
the rule had kept the celebrities out.

Example:
    >>> import pandas as pd
    >>> from graph.eligibility import EligibilityRules
    >>> judged = pd.DataFrame({"user_id": ["a", "b"], "unknown_fields": ["followers", "followers,verified"]})
    >>> [(c["rule"], c["unknown"], c["of"], c["applies"]) for c in rule_checks(judged, EligibilityRules())]
    [('follower_cap', 2, 2, False), ('exclude_verified_organisations', 1, 2, True)]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from graph.eligibility import EligibilityRules

__all__ = ["RULE_FIELDS", "rule_checks"]

#: each eligibility rule that reads a profile field, and that field
RULE_FIELDS = (("follower_cap", "followers"), ("exclude_verified_organisations", "verified"))


def rule_checks(judged: pd.DataFrame, rules: EligibilityRules) -> list[dict[str, Any]]:
    """For each rule of ``rules`` that is on and reads a profile field: ``{rule, field, value,
    unknown, of, applies}``: how many of the ``judged`` members (:func:`judge_eligibility`'s
    ``unknown_fields`` column) lack that field, and whether the rule applied to anyone at all
    (``applies`` False: the field is unknown for every member, so the rule passed them all)."""
    fields = judged["unknown_fields"].fillna("").astype(str).str.split(",")
    n = len(judged)
    out = []
    for rule, field in RULE_FIELDS:
        value = getattr(rules, rule)
        if value is None or value is False:
            continue  # the rule is off: nothing to apply
        unknown = int(sum(field in f for f in fields))
        out.append(
            {
                "rule": rule,
                "field": field,
                "value": value,
                "unknown": unknown,
                "of": n,
                "applies": unknown < n,
            }
        )
    return out
