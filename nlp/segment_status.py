"""Where a segment stands: a draft or not, scored by its model or by its rules, and measured or not
(facts only: :mod:`report.segment_text` words them in the analyst's language).

A segment file whose first comment lines hold ``# DRAFT`` is a *draft*: its definition has not
been measured on real posts. Drafts say so wherever an analyst looks (``--help``, the labelling
page, the run's output, the report). A segment whose ``post_scorer`` is ``"classifier"`` but that
has no model file yet is scored by its rules (``model_missing``; ``tajian train --segment S``
trains it); a model that no longer matches its segment file or this environment is still refused
(:func:`nlp.model_files.load_model`).

Example:
    >>> s = segment_status("mothers")
    >>> s["draft"], s["scorer"], s["model_missing"]
    (False, 'classifier', False)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlp.segments import load_segment

__all__ = ["draft_segments", "is_draft", "segment_status"]

_DEFAULT_SEGMENTS = Path(__file__).resolve().parents[1] / "data" / "segments"


def is_draft(path: str | Path) -> bool:
    """True when a ``# DRAFT`` comment line comes before the first TOML key of the file.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.toml"
    >>> _ = p.write_text('# DRAFT: new\\nname = "x"\\n', encoding="utf-8")
    >>> is_draft(p)
    True
    """
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return False
        if stripped.upper().startswith("# DRAFT"):
            return True
    return False


def draft_segments(segments_dir: str | Path | None = None) -> list[str]:
    """Names of the draft segments in ``segments_dir`` (default data/segments), sorted."""
    folder = Path(segments_dir) if segments_dir is not None else _DEFAULT_SEGMENTS
    return sorted(p.stem for p in folder.glob("*.toml") if is_draft(p))


def segment_status(
    segment: str, segments_dir: str | Path | None = None, models_dir: str | Path | None = None
) -> dict[str, Any]:
    """The segment's facts, no words (:mod:`report.segment_text` says them in the analyst's
    language): ``{segment, draft, scorer, model_missing, measured}``. ``scorer`` is what scores
    the posts now: ``"classifier"`` (its trained model) or ``"rules"``; ``model_missing`` is True
    when the segment asks for a model that is not trained yet (its rules score meanwhile);
    ``measured`` is the model sidecar's figures when ``tajian evaluate`` recorded some
    (``precision``, ``precision_ci``, …, ``n``, ``at``), else None.

    Example:
        >>> s = segment_status("food")
        >>> s["draft"], s["scorer"], round(s["measured"]["precision"], 2), s["measured"]["n"]
        (True, 'classifier', 0.79, 680)
    """
    folder = Path(segments_dir) if segments_dir is not None else _DEFAULT_SEGMENTS
    seg = load_segment(segment, folder)
    models = Path(models_dir) if models_dir is not None else folder.parent / "models"
    model = models / f"{segment}.joblib"
    missing = seg.post_scorer == "classifier" and not model.is_file()
    measured = None
    side = model.with_name(model.name + ".json")
    if seg.post_scorer == "classifier" and model.is_file() and side.is_file():
        try:
            measured = json.loads(side.read_text(encoding="utf-8")).get("measured")
        except (OSError, ValueError):
            measured = None
    return {
        "segment": segment,
        "draft": is_draft(seg.source),
        "scorer": "rules" if missing else seg.post_scorer,
        "model_missing": missing,
        "measured": measured,
    }
