"""One place for settings: defaults, then ``tajian.toml``, then ``TAJIAN_*`` environment variables.

Settings are read here and passed down as arguments; libraries never read them.

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

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["PROJECT_ROOT", "Settings", "SettingsError", "load_settings"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A setting has the wrong type or value; the message names where it came from."""


@dataclass(frozen=True)
class Settings:
    """Every setting of a Tajian run, with its default."""

    warehouse: Path = Path("data/warehouse.duckdb")
    out_dir: Path = Path("out")
    data_dir: Path = PROJECT_ROOT / "data"
    samples_dir: Path = PROJECT_ROOT / "data" / "samples"
    segment: str = "mothers"
    window_days: int = 30
    k: int = 100
    seed: int = 42
    method: str = "ris"
    # wc | uniform:P | learned (learned: from the warehouse's repost history before the window
    # ends, graph/learned.py; the estimator and its Beta prior's pseudo-counts below)
    probability: str = "wc"
    learned_estimator: str = "bernoulli"
    learned_prior_successes: float = 0.1
    learned_prior_failures: float = 1.0
    max_hops: int = 2
    decay: float = 1.0
    sample_size: int = 20_000
    n_simulations: int = 500
    epsilon: float = 0.1
    theta_min: int = 65_536
    rr_per_target: float = 32.0
    bot_score_max: float = 0.6
    min_posts: int = 1
    follower_cap: int = 50_000
    min_score: float = 0.0
    exclude_verified_organisations: bool = True
    kind_weights: tuple[tuple[str, float], ...] = (
        ("repost", 1.0),
        ("comment", 0.5),
        ("mention", 0.5),
        ("follow", 0.2),
    )
    # scheduled runs (tajian serve): the inbox it loads first, the segments it runs, and when
    inbox: Path = Path("data/inbox")
    segments: tuple[str, ...] = ("mothers",)
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "Asia/Shanghai"
    # scale-out: tag the window's posts in this many user shards (each a task; 1 = no overhead),
    # run on the workers of the Dask scheduler at this address (HOST:PORT; "" = in this process)
    tag_shards: int = 1
    dask_address: str = ""
    # the language of the report, the seed-list files and the command line's messages: zh | en
    lang: str = "zh"

    @property
    def segments_dir(self) -> Path:
        return self.data_dir / "segments"

    def to_plain(self) -> dict[str, Any]:
        """JSON-ready values (paths as text), e.g. to pass as Prefect task parameters."""
        return {
            f.name: (
                str(v) if isinstance(v, Path) else [list(p) for p in v] if f.name == "kind_weights" else v
            )
            for f in fields(self)
            for v in [getattr(self, f.name)]
        }

    @classmethod
    def from_plain(cls, values: Mapping[str, Any]) -> Settings:
        """Inverse of :meth:`to_plain`."""
        types = {f.name: f.type for f in fields(cls)}
        return cls(**{k: _coerce(k, v, types[k], "settings") for k, v in values.items()})

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, raw: Any, typ: Any, where: str) -> Any:
    try:
        if typ in (Path, "Path"):
            return Path(str(raw)).expanduser()
        if typ in (bool, "bool"):
            if isinstance(raw, bool):
                return raw
            s = str(raw).strip().lower()
            if s in ("1", "true", "yes", "on"):
                return True
            if s in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if typ in (int, "int"):
            if isinstance(raw, bool):
                raise ValueError
            return int(str(raw).strip())
        if typ in (float, "float"):
            return float(str(raw).strip())
        if typ in (str, "str"):
            return str(raw)
        if name == "segments":
            items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
            names = tuple(str(x).strip() for x in items if str(x).strip())
            if names:
                return names
            raise ValueError
        if name == "kind_weights":
            if isinstance(raw, list | tuple):
                return tuple((str(k), float(v)) for k, v in raw)
            items = (
                raw.items()
                if isinstance(raw, Mapping)
                else ((p.split("=")[0].strip(), p.split("=")[1]) for p in str(raw).split(","))
            )
            return tuple((str(k), float(v)) for k, v in items)
    except (ValueError, TypeError, IndexError):
        pass
    expected = {
        "kind_weights": "kind=weight pairs, e.g. repost=1,comment=0.5",
        "segments": "segment names, e.g. mothers,beauty",
    }.get(name, getattr(typ, "__name__", str(typ)))
    raise SettingsError(f"{where}: setting '{name}' must be {expected}; got {raw!r}")


def load_settings(
    *, env: Mapping[str, str] | None = None, config_path: str | Path | None = "tajian.toml"
) -> Settings:
    """Defaults ← ``tajian.toml`` (if it exists) ← ``TAJIAN_*`` environment variables."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    types = {f.name: f.type for f in fields(Settings)}
    path = (
        Path(env["TAJIAN_CONFIG"])
        if env.get("TAJIAN_CONFIG")
        else (Path(config_path) if config_path else None)
    )
    if path is not None and path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML ({exc})") from None
        for key, raw in data.items():
            if key not in types:
                raise SettingsError(
                    f"{path}: unknown setting '{key}'; expected one of {', '.join(sorted(types))}"
                )
            values[key] = _coerce(key, raw, types[key], str(path))
    elif env.get("TAJIAN_CONFIG"):
        raise SettingsError(f"TAJIAN_CONFIG names {path}, which does not exist")
    where = dict.fromkeys(values, str(path))
    for key, typ in types.items():
        var = f"TAJIAN_{key.upper()}"
        if var in env and env[var] != "":
            values[key] = _coerce(key, env[var], typ, f"environment variable {var}")
            where[key] = f"environment variable {var}"
    _check_model(values, where)
    if values.get("lang", "zh") not in ("zh", "en"):
        raise SettingsError(
            f"{where['lang']}: setting 'lang' must be zh (中文) or en (English); got {values['lang']!r}"
        )
    return Settings(**values)


_PROBABILITY = re.compile(r"^(wc|learned|uniform:(0(\.\d+)?|1(\.0+)?|\.\d+))$")


def _check_model(values: Mapping[str, Any], where: Mapping[str, str]) -> None:
    """The spread model's settings, checked here so that a bad value fails before a run starts."""
    prob = values.get("probability")
    m = _PROBABILITY.match(str(prob)) if prob is not None else None
    if prob is not None and (m is None or (m.group(2) is not None and float(m.group(2)) <= 0)):
        raise SettingsError(
            f"{where['probability']}: setting 'probability' must be wc, uniform:P (0 < P <= 1) or "
            f"learned (from the warehouse's repost history); got {prob!r}"
        )
    est = values.get("learned_estimator")
    if est is not None and est not in ("bernoulli", "jaccard"):
        raise SettingsError(
            f"{where['learned_estimator']}: setting 'learned_estimator' must be bernoulli or jaccard; "
            f"got {est!r}"
        )
    for key in ("learned_prior_successes", "learned_prior_failures"):
        if key in values and values[key] < 0:
            raise SettingsError(f"{where[key]}: setting '{key}' must be >= 0; got {values[key]!r}")
