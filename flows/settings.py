"""One place for settings: defaults, then ``tajian.toml``, then ``TAJIAN_*`` environment variables.

Settings are read here and passed down as arguments; libraries never read them. The values are
checked and converted by pydantic (:class:`Settings` is a pydantic-settings ``BaseSettings``; the
kinds of value, e.g. a list of places, and how each is read from text are in
:mod:`flows.setting_types`); an error names the setting, where its value came from and what it must
be. :mod:`flows.options` regroups the settings into the options a library function takes.

``tajian.toml`` (in the working directory, or the file named by ``TAJIAN_CONFIG``) holds the same
names as :class:`Settings`, e.g.::

    warehouse = "data/warehouse.duckdb"
    out_dir = "out"
    window_days = 30
    k = 100
    seed = 42

and each can be overridden by an environment variable: ``TAJIAN_WAREHOUSE``, ``TAJIAN_K``, …

Example:
    >>> s = load_settings(env={"TAJIAN_K": "50"}, config_path=None)
    >>> s.k, s.window_days
    (50, 30)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from flows.setting_types import Count, Gender, HomePath, KindWeights, Names, Places, SpreadModel, WholeNumber
from graph.options import SelectOptions

__all__ = ["PROJECT_ROOT", "Settings", "SettingsError", "load_settings"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A setting has the wrong type or value; the message names where it came from."""


#: the selection's and the seed rules' own defaults (graph/options.py): the one source of them
_SELECT = SelectOptions()
_RULES = _SELECT.eligibility


class Settings(BaseSettings):
    """Every setting of a Tajian run, with its default.

    ``Settings(...)`` is the defaults and the values given; :func:`load_settings` adds
    ``tajian.toml`` and the ``TAJIAN_*`` environment variables (pydantic-settings sources).
    """

    model_config = SettingsConfigDict(
        env_prefix="TAJIAN_", frozen=True, extra="forbid", env_ignore_empty=True
    )

    warehouse: HomePath = Path("data/warehouse.duckdb")
    out_dir: HomePath = Path("out")
    data_dir: HomePath = PROJECT_ROOT / "data"
    samples_dir: HomePath = PROJECT_ROOT / "data" / "samples"
    segment: str = "mothers"
    window_days: WholeNumber = 30
    k: WholeNumber = _SELECT.k
    seed: WholeNumber = _SELECT.seed
    method: str = _SELECT.method
    # wc | uniform:P | learned (learned: from the warehouse's repost history before the window
    # ends, graph/learned.py; the estimator and its Beta prior's pseudo-counts below)
    probability: SpreadModel = _SELECT.probability
    learned_estimator: Literal["bernoulli", "jaccard"] = "bernoulli"
    learned_prior_successes: Annotated[float, Field(ge=0)] = _SELECT.learned_prior[0]
    learned_prior_failures: Annotated[float, Field(ge=0)] = _SELECT.learned_prior[1]
    max_hops: WholeNumber = _SELECT.max_hops
    decay: float = _SELECT.decay
    sample_size: WholeNumber = 20_000
    n_simulations: WholeNumber = _SELECT.n_simulations
    epsilon: float = _SELECT.epsilon
    theta_min: WholeNumber = _SELECT.theta_min
    rr_per_target: float = _SELECT.rr_per_target
    bot_score_max: float = _RULES.bot_score_max or 0.0
    min_posts: WholeNumber = _RULES.min_posts
    follower_cap: WholeNumber = _RULES.follower_cap or 0
    min_score: float = _RULES.min_score
    exclude_verified_organisations: bool = _RULES.exclude_verified_organisations
    # seeds only among members their own first-person words or profile confirm
    require_confirmed: bool = _RULES.require_confirmed
    # the analyst's filters on who may be a seed (tajian run --min-followers …; 0 / "" / () = off);
    # each leaves out people whose value is unknown, and the report counts them
    min_followers: Count = 0
    max_followers: Count = 0
    # (reposts + comments + likes) per post per follower: 0.02 = 2%
    min_engagement: Annotated[float, Field(ge=0)] = 0.0
    regions: Places = ()  # provinces or cities: 广东, 上海, 杭州
    gender: Gender = ""  # f | m
    exclude_verified: bool = _RULES.exclude_verified  # every verified account, not only organisations
    kind_weights: KindWeights = tuple(_SELECT.kind_weights.items())
    # scheduled runs (tajian serve): the inbox it loads first, the segments it runs, and when
    inbox: HomePath = Path("data/inbox")
    segments: Names = ("mothers",)
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "Asia/Shanghai"
    # scale-out: tag the window's posts in this many user shards (each scored then tagged by tasks;
    # 1 = no overhead; > 1: in worker processes, at most one per CPU, flows.pipeline.pipeline_on),
    # or on the workers of the Dask scheduler at this address (HOST:PORT; "" = on this machine)
    tag_shards: WholeNumber = 1
    dask_address: str = ""
    # the language of the report, the seed-list files and the command line's messages: zh | en
    lang: Literal["zh", "en"] = "zh"
    # threads of the graph kernels (0: every CPU this process may use); results never depend on it
    threads: WholeNumber = _SELECT.threads or 0

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # only the values given: load_settings reads the file and the environment, so that
        # Settings() is the defaults wherever it runs
        return (init_settings,)

    @property
    def segments_dir(self) -> Path:
        return self.data_dir / "segments"

    def to_plain(self) -> dict[str, Any]:
        """JSON-ready values (paths as text), e.g. to pass as Prefect task parameters."""
        return self.model_dump(mode="json")

    @classmethod
    def from_plain(cls, values: Mapping[str, Any]) -> Settings:
        """Inverse of :meth:`to_plain`."""
        return _validated(dict(values), dict.fromkeys(values, "settings"))

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (``None`` values are ignored), checked like any setting."""
        given = {k: v for k, v in changes.items() if v is not None}
        return _validated({**self.model_dump(), **given}, dict.fromkeys(given, "replace()"))


#: What a setting must be, in words, where its type's name does not say it.
_EXPECTED = {
    "kind_weights": "kind=weight pairs, e.g. repost=1,comment=0.5",
    "segments": "segment names, e.g. mothers,beauty",
    "regions": "provinces or cities, e.g. 广东,上海",
    "gender": "f, m or empty (anyone)",
    "lang": "zh (中文) or en (English)",
    "probability": "wc, uniform:P (0 < P <= 1) or learned (from the warehouse's repost history)",
    "learned_estimator": "bernoulli or jaccard",
    "learned_prior_successes": ">= 0",
    "learned_prior_failures": ">= 0",
    "min_followers": ">= 0 (0 = no filter)",
    "max_followers": ">= 0 (0 = no filter)",
    "min_engagement": ">= 0 (0 = no filter; 0.02 = 2%)",
}


def _validated(values: dict[str, Any], where: Mapping[str, str]) -> Settings:
    """``Settings(**values)``, or a :class:`SettingsError` naming the first bad setting, where it
    came from, what it must be and the value given."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "?"
        if err["type"] == "extra_forbidden":
            raise SettingsError(
                f"{where.get(name, 'settings')}: unknown setting '{name}'; "
                f"expected one of {', '.join(sorted(Settings.model_fields))}"
            ) from None
        field = Settings.model_fields.get(name)
        typ = field.annotation if field is not None else None
        expected = _EXPECTED.get(name, getattr(typ, "__name__", str(typ)))
        raise SettingsError(
            f"{where.get(name, 'settings')}: setting '{name}' must be {expected}; got {values.get(name)!r}"
        ) from None


class _Environment(EnvSettingsSource):
    """The ``TAJIAN_*`` variables of a given mapping (``os.environ`` unless a test passes one)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._given = env
        super().__init__(Settings, env_prefix="TAJIAN_", env_ignore_empty=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._given.items() if v != ""}


def load_settings(
    *, env: Mapping[str, str] | None = None, config_path: str | Path | None = "tajian.toml"
) -> Settings:
    """Defaults ← ``tajian.toml`` (if it exists) ← ``TAJIAN_*`` environment variables."""
    env = os.environ if env is None else env
    path = (
        Path(env["TAJIAN_CONFIG"])
        if env.get("TAJIAN_CONFIG")
        else (Path(config_path) if config_path else None)
    )
    values: dict[str, Any] = {}
    if path is not None and path.is_file():
        try:
            values = TomlConfigSettingsSource(Settings, toml_file=path)()
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    elif env.get("TAJIAN_CONFIG"):
        raise SettingsError(f"TAJIAN_CONFIG names {path}, which does not exist")
    where = dict.fromkeys(values, str(path))
    from_env = {k: v for k, v in _Environment(env)().items() if k in Settings.model_fields}
    values.update(from_env)
    where.update((k, f"environment variable TAJIAN_{k.upper()}") for k in from_env)
    return _validated(values, where)
