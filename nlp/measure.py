"""Precision, recall and F1 with 95% intervals, from hand labels (``tajian evaluate``).

Precision and recall are proportions: their intervals are Wilson score intervals
(:func:`nlp.evaluation.wilson_interval`) of TP out of TP + FP and of TP out of TP + FN. F1 is
TP / (TP + (FP + FN) / 2), a proportion in which each error counts as half a trial: its interval
is the Wilson interval of TP successes in TP + (FP + FN) / 2 trials (an approximation; exact for
neither, but it shrinks with the number of labels as it should and needs no resampling).

Example:
    >>> m = measure([1, 1, 1, 0, 0, 1], [1, 1, 0, 0, 1, 1])
    >>> m["tp"], m["fp"], m["fn"], round(m["precision"], 3), [round(x, 3) for x in m["precision_ci"]]
    (3, 1, 1, 0.75, [0.301, 0.954])
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nlp.evaluation import binary_scores, wilson_interval

__all__ = ["measure", "record_measure", "segment_predictions"]


def measure(y_true: Iterable[int], y_pred: Iterable[int]) -> dict[str, Any]:
    """Confusion counts, precision / recall / F1 and their 95% intervals (``*_ci``: (low, high))."""
    s = binary_scores(y_true, y_pred)
    tp, fp, fn = int(s["tp"]), int(s["fp"]), int(s["fn"])
    half = tp + (fp + fn) / 2
    return {
        **s,
        "precision_ci": wilson_interval(tp, tp + fp),
        "recall_ci": wilson_interval(tp, tp + fn),
        "f1_ci": wilson_interval(tp, half) if half else (0.0, 1.0),
    }


def segment_predictions(texts: list[str], segment: Any, classifier: Any | None = None) -> list[int]:
    """0/1 of each post: the model's decision at its own prior setting (``tajian train`` sets it
    from the random labels) when there is a model, else the keyword rules'
    (:func:`nlp.post_rules.score_post`)."""
    if classifier is None:
        from nlp.post_rules import score_post

        return [int(score_post(t, segment).positive) for t in texts]
    proba = classifier.predict_proba(texts)[:, 1]
    return [int(x) for x in classifier.decide(proba, None).labels]


def record_measure(model_path: str | Path, measured: dict[str, Any]) -> Path:
    """Write ``measured`` (with the time) into the model's sidecar (``<model>.json``, key
    ``measured``), for the report; the sidecar's checked fields are left as they are."""
    side = Path(model_path).with_name(Path(model_path).name + ".json")
    meta = json.loads(side.read_text(encoding="utf-8"))
    meta["measured"] = {
        **{k: list(v) if isinstance(v, tuple) else v for k, v in measured.items()},
        "at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    tmp = side.with_name(side.name + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, side)
    return side
