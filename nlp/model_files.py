"""Post classifier model files: ``data/models/<segment>.joblib`` and its JSON sidecar.

:func:`save_model` writes a fitted :class:`nlp.classifier.PostClassifier` (joblib, xz) and a
sidecar ``<segment>.joblib.json`` recording what the model depends on (scikit-learn version,
model format, tokenizer backend and version, dictionary and segment file hashes, training data
hash). :func:`load_model` refuses a model whose sidecar does not match the running environment
(:func:`model_environment`) with :class:`ModelMismatchError`.

The model file pickles the estimator by its class path, ``nlp.classifier.PostClassifier``, and
its word tokenizer as ``nlp.classifier._segment_tokens``: both must stay importable there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import types
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from sklearn.utils.validation import check_is_fitted

import nlp.tokenize as _tokenize_module
from nlp.classifier import PostClassifier
from nlp.segments import load_segment
from nlp.tokenize import dictionary_path

__all__ = [
    "DEFAULT_MODELS_DIR",
    "MODEL_FORMAT_VERSION",
    "ModelMismatchError",
    "load_model",
    "model_environment",
    "save_model",
]

#: Version of the model file layout; bump it when PostClassifier's fitted state changes.
MODEL_FORMAT_VERSION = 3  # 3: prefilter, signals, word vectors, logistic model, operating curve
#: Where ``make model`` writes models: ``<repo>/data/models``.
DEFAULT_MODELS_DIR: Path = Path(__file__).resolve().parents[1] / "data" / "models"

_RETRAIN = "run `make model` to retrain it"


class ModelMismatchError(RuntimeError):
    """A saved model does not fit the running environment (or its files are missing/damaged)."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_PEOPLE_LINE = re.compile(rb"^people\s*=.*\n?", re.M)


def _segment_sha256(path: Path) -> str:
    """sha256 of a segment file without its ``people = …`` line: what the members are called in
    the report is never read by the model, so naming them does not make a trained model stale."""
    return hashlib.sha256(_PEOPLE_LINE.sub(b"", Path(path).read_bytes())).hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _tokenizer_backend() -> tuple[str, str]:
    """(backend, version) that ``nlp.tokenize`` cuts words with: rjieba or jieba."""
    declared = getattr(_tokenize_module, "BACKEND", None)
    if isinstance(declared, str) and declared:
        return declared, _version(declared)
    names = vars(_tokenize_module)
    for name in ("rjieba", "jieba"):
        if isinstance(names.get(name), types.ModuleType):
            return name, _version(name)
    return "unknown", "unknown"


def model_environment(segment: str, segments_dir: str | Path | None = None) -> dict[str, object]:
    """What a model of ``segment`` (in ``segments_dir``, default ``<repo>/data/segments``) depends
    on in this environment (the sidecar's checked fields).

    Example:
        >>> env = model_environment("mothers")
        >>> sorted(env)[:3], len(env["segment_sha256"])
        (['dictionary_sha256', 'model_format_version', 'scikit_learn_version'], 64)
    """
    import sklearn

    seg = load_segment(segment, segments_dir)
    backend, version = _tokenizer_backend()
    dictionary = dictionary_path(seg.dictionary, seg.data_dir) if seg.dictionary else None
    return {
        "model_format_version": MODEL_FORMAT_VERSION,
        "scikit_learn_version": sklearn.__version__,
        "tokenizer_backend": backend,
        "tokenizer_version": version,
        "dictionary_sha256": _sha256_file(dictionary) if dictionary else "none",
        "segment_sha256": _segment_sha256(Path(seg.source)),
    }


_CHECKED = (
    "model_format_version",
    "scikit_learn_version",
    "tokenizer_backend",
    "tokenizer_version",
    "dictionary_sha256",
    "segment_sha256",
)


def save_model(
    model: PostClassifier, path: str | Path | None = None, *, training: dict[str, object] | None = None
) -> Path:
    """Write a fitted model to ``path`` (default ``data/models/<segment>.joblib``) plus its sidecar.

    The sidecar ``<path>.json`` records the environment (:func:`model_environment`), the training
    data's sha256 and row count, the model file's sha256, when it was made and ``training`` (a
    JSON-able description of the training sources, e.g. which gold half was used). Returns the path.
    """
    import joblib

    if not isinstance(model, PostClassifier):
        raise TypeError(f"save_model expects a PostClassifier; got {type(model).__name__}")
    check_is_fitted(model, "model_")
    path = Path(path) if path is not None else DEFAULT_MODELS_DIR / f"{model.segment}.joblib"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(model, tmp, compress=("xz", 6))
    sidecar = {
        # the segment file the model was fitted on (fit's segments_dir), as load_model checks it
        **model_environment(model.segment, getattr(model, "segments_dir_", None)),
        "segment": model.segment,
        "training_data_sha256": model.training_sha256_,
        "n_training_rows": model.n_training_rows_,
        "n_training_positive": model.n_positive_,
        "n_prefiltered": model.n_prefiltered_,
        "n_features": {"word": model.n_word_features_, "char": model.n_char_features_},
        "default_prior": model.default_prior,
        "prior_recalibration": _recalibration(model),
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()},
        "training": training or {},
        "model_sha256": _sha256_file(tmp),
        "python_version": ".".join(map(str, sys.version_info[:3])),
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    side = path.with_name(path.name + ".json")
    side_tmp = side.with_name(side.name + ".tmp")
    side_tmp.write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    os.replace(side_tmp, side)
    return path


def _recalibration(model: PostClassifier) -> dict[str, float] | None:
    """The model's prior recalibration for the sidecar (None: it has none, EM on its calibration)."""
    found = getattr(model, "prior_recalibration_", None)
    return None if found is None else {"temperature": found[0], "bias": found[1]}


def load_model(
    segment: str,
    models_dir: str | Path | None = None,
    *,
    path: str | Path | None = None,
    segments_dir: str | Path | None = None,
) -> PostClassifier:
    """Load ``<models_dir>/<segment>.joblib`` after checking its sidecar against this environment.

    The model reads its segment from ``segments_dir`` (default ``<repo>/data/segments``): the
    folder the caller's settings name, never a default of its own when one is given.

    Raises :class:`ModelMismatchError` naming each field that differs (the model's value vs this
    environment's) when the scikit-learn version, model format, tokenizer, dictionary or segment
    file changed since the model was trained, and ``FileNotFoundError`` when there is no model;
    both say to run ``make model``.
    """
    import joblib

    if path is None:
        folder = Path(models_dir) if models_dir is not None else DEFAULT_MODELS_DIR
        path = folder / f"{segment}.joblib"
    path = Path(path)
    side = path.with_name(path.name + ".json")
    if not path.is_file():
        raise FileNotFoundError(f"no classifier model for segment {segment!r}: {path} is missing; {_RETRAIN}")
    if not side.is_file():
        raise ModelMismatchError(
            f"{path}: its sidecar {side.name} is missing, so it cannot be checked; {_RETRAIN}"
        )
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelMismatchError(f"{side}: unreadable sidecar ({exc}); {_RETRAIN}") from None
    if not isinstance(meta, dict):
        raise ModelMismatchError(f"{side}: the sidecar must be a JSON object; {_RETRAIN}")
    problems = []
    if meta.get("segment") != segment:
        problems.append(f"segment: the model is for {meta.get('segment')!r}, asked for {segment!r}")
    env = model_environment(segment) if segments_dir is None else model_environment(segment, segments_dir)
    for key in _CHECKED:
        if meta.get(key) != env[key]:
            problems.append(f"{key}: model has {meta.get(key)!r}, this environment has {env[key]!r}")
    if not problems and meta.get("model_sha256") != _sha256_file(path):
        problems.append(f"model_sha256: the sidecar says {meta.get('model_sha256')!r}, the file differs")
    if problems:
        raise ModelMismatchError(
            f"the {segment} model {path} does not match this environment: "
            + "; ".join(problems)
            + f"; {_RETRAIN}"
        )
    model = joblib.load(path)
    if not isinstance(model, PostClassifier):
        raise ModelMismatchError(f"{path}: holds a {type(model).__name__}, not a PostClassifier; {_RETRAIN}")
    if segments_dir is not None:
        model.segments_dir_ = Path(segments_dir)
    return model
