"""The ground truth of a generated sample: who is who (segments, circles, cities, organisations,
celebrities, bots, hard negatives), and how it is saved as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

__all__ = [
    "HARD_NEGATIVE_KINDS",
    "SEGMENTS",
    "GroundTruth",
    "read_ground_truth",
    "write_ground_truth",
]

SEGMENTS: tuple[str, ...] = ("mothers", "beauty", "food", "gaming", "fitness")
HARD_NEGATIVE_KINDS: tuple[str, ...] = (
    "idol_fan",
    "pet_owner",
    "heat_pad",
    "endearment",
    "hypothetical",
    "other_child",
    "shop",
)


@dataclass(frozen=True)
class GroundTruth:
    """Who is who in a generated sample (user ids are strings, as in the ``idstr`` field).

    ``segments`` maps each name in :data:`SEGMENTS` to its members (a user is in 0..2 segments);
    ``circles`` maps every user to a circle id; ``cities`` to a city name (``"其他"`` if unknown);
    ``hard_negatives`` maps users whose language looks like a segment's but is not to a kind
    in :data:`HARD_NEGATIVE_KINDS`.

    Example:
        >>> t = GroundTruth(seed=1, n_users=0, start_date=date(2026, 1, 1),
        ...                 end_date=date(2026, 1, 2), segments={}, circles={}, cities={},
        ...                 verified_orgs=frozenset(), celebrities=frozenset(), bots=frozenset(),
        ...                 hard_negatives={})
        >>> GroundTruth.from_json(t.to_json()) == t
        True
    """

    seed: int
    n_users: int
    start_date: date
    end_date: date
    segments: dict[str, frozenset[str]]
    circles: dict[str, int]
    cities: dict[str, str]
    verified_orgs: frozenset[str]
    celebrities: frozenset[str]
    bots: frozenset[str]
    hard_negatives: dict[str, str]

    def to_json(self) -> str:
        """Serialise to a JSON string (sorted, stable: same truth, same text)."""
        doc = {
            "synthetic": True,
            "seed": self.seed,
            "n_users": self.n_users,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "segments": {k: sorted(v) for k, v in sorted(self.segments.items())},
            "circles": dict(sorted(self.circles.items())),
            "cities": dict(sorted(self.cities.items())),
            "verified_orgs": sorted(self.verified_orgs),
            "celebrities": sorted(self.celebrities),
            "bots": sorted(self.bots),
            "hard_negatives": dict(sorted(self.hard_negatives.items())),
        }
        return json.dumps(doc, ensure_ascii=False, indent=0, separators=(",", ":"))

    @classmethod
    def from_json(cls, source: str | Path) -> GroundTruth:
        """Read a truth from a JSON string or from the path of a file holding one."""
        if isinstance(source, Path) or not source.lstrip().startswith("{"):
            source = Path(source).read_text(encoding="utf-8")
        doc = json.loads(source)
        return cls(
            seed=int(doc["seed"]),
            n_users=int(doc["n_users"]),
            start_date=date.fromisoformat(doc["start_date"]),
            end_date=date.fromisoformat(doc["end_date"]),
            segments={k: frozenset(v) for k, v in doc["segments"].items()},
            circles={k: int(v) for k, v in doc["circles"].items()},
            cities=dict(doc["cities"]),
            verified_orgs=frozenset(doc["verified_orgs"]),
            celebrities=frozenset(doc["celebrities"]),
            bots=frozenset(doc["bots"]),
            hard_negatives=dict(doc["hard_negatives"]),
        )


def write_ground_truth(truth: GroundTruth, path: str | Path) -> Path:
    """Write ``truth`` as JSON to ``path`` (parents created) and return the path.

    Example:
        >>> import tempfile
        >>> t = GroundTruth(1, 0, date(2026, 1, 1), date(2026, 1, 2), {}, {}, {},
        ...                 frozenset(), frozenset(), frozenset(), {})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     read_ground_truth(write_ground_truth(t, Path(tmp) / "t.json")) == t
        True
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(truth.to_json() + "\n", encoding="utf-8")
    return path


def read_ground_truth(path: str | Path) -> GroundTruth:
    """Read a truth written by :func:`write_ground_truth`."""
    return GroundTruth.from_json(Path(path))
