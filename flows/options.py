"""Settings → the libraries' option objects: what a step passes down from :class:`Settings`.

:mod:`flows.settings` reads the settings; this module only regroups them into the options a
library function takes (``graph.options.SelectOptions`` for the selection), so the libraries never
see the settings themselves.

Example:
    >>> from flows.settings import Settings
    >>> options = select_options(Settings(k=10, gender="女", min_followers=0))
    >>> options.k, options.eligibility.gender, options.eligibility.min_followers
    (10, 'f', None)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.options import EligibilityRules, SelectOptions

if TYPE_CHECKING:
    from flows.settings import Settings

__all__ = ["select_options"]


def select_options(settings: Settings) -> SelectOptions:
    """The selection's settings, for :func:`graph.run_select.select_for_run` (0 / "" filters: off)."""

    rules = EligibilityRules(
        min_score=settings.min_score,
        follower_cap=settings.follower_cap,
        exclude_verified_organisations=settings.exclude_verified_organisations,
        require_confirmed=settings.require_confirmed,
        bot_score_max=settings.bot_score_max,
        min_posts=settings.min_posts,
        min_followers=settings.min_followers or None,
        max_followers=settings.max_followers or None,
        min_engagement=settings.min_engagement or None,
        regions=settings.regions,
        gender=settings.gender or None,
        exclude_verified=settings.exclude_verified,
    )
    return SelectOptions(
        k=settings.k,
        method=settings.method,
        probability=settings.probability,
        max_hops=settings.max_hops,
        decay=settings.decay,
        seed=settings.seed,
        epsilon=settings.epsilon,
        theta_min=settings.theta_min,
        rr_per_target=settings.rr_per_target,
        n_simulations=settings.n_simulations,
        kind_weights=dict(settings.kind_weights),
        eligibility=rules,
        learned_estimator=settings.learned_estimator,
        learned_prior=(settings.learned_prior_successes, settings.learned_prior_failures),
        threads=settings.threads or None,
    )
