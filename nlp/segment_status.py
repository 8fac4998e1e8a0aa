"""Where a segment stands: a draft or not, scored by its model or by its rules, and why.

A segment file whose first comment lines hold ``# DRAFT`` is a *draft*: its definition has not
been measured on real posts. Drafts say so wherever an analyst looks (``--help``, the labelling
page, the run's output, the report's headline). A segment whose ``post_scorer`` is
``"classifier"`` but that has no model file yet is scored by its rules, with a note saying how to
train it (``tajian train --segment S``); a model that no longer matches its segment file or this
environment is still refused (:func:`nlp.model_files.load_model`).

Example:
    >>> s = segment_status("food")
    >>> s["draft"], s["scorer"] in ("rules", "classifier", "rules (no model yet)")
    (True, True)
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
    """``{segment, draft, scorer, note, measured}``: what scores the segment's posts and what an
    analyst should be told (``note``, zh-CN; empty when nothing needs saying). ``measured`` is the
    model sidecar's ``measured`` figures when ``tajian evaluate`` recorded some, else None."""
    folder = Path(segments_dir) if segments_dir is not None else _DEFAULT_SEGMENTS
    seg = load_segment(segment, folder)
    models = Path(models_dir) if models_dir is not None else folder.parent / "models"
    model = models / f"{segment}.joblib"
    draft = is_draft(seg.source)
    notes = []
    if draft:
        notes.append(
            f"「{segment}」是草稿人群：定义还没有在真实帖子上测量过 (tajian label / train / evaluate)。"
        )
    scorer = seg.post_scorer
    if scorer == "classifier" and not model.is_file():
        scorer = "rules (no model yet)"
        notes.append(
            f"「{segment}」还没有训练好的模型，本次按关键词规则打分；训练：tajian train --segment {segment}。"
        )
    measured = None
    side = model.with_name(model.name + ".json")
    if side.is_file():
        try:
            measured = json.loads(side.read_text(encoding="utf-8")).get("measured")
        except (OSError, ValueError):
            measured = None
    return {
        "segment": segment,
        "draft": draft,
        "scorer": scorer,
        "note": " ".join(notes),
        "draft_note": notes[0] if draft else "",
        "measured": measured,
    }
