"""``tajian evaluate``: precision, recall and F1 of the segment's classifier, of its keyword rules
and of the keyword regex (its prefilter) against hand labels: a CSV of gold labels, or without one
the warehouse's randomly chosen labels of the segment (``tajian label``), with 95% intervals; the
latter are recorded in the model's sidecar for the report.

Example::

    tajian evaluate --segment mothers tests/data/mothers_gold.csv
    tajian evaluate --segment food --warehouse data/warehouse.duckdb
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.classify_cli import (
    ContextColumn,
    ModelFile,
    Prior,
    context_texts,
    describe_decision,
    load_scorer,
    parse_prior,
)
from flows.cli_errors import fail
from flows.console import SEGMENT_HELP, LangOption
from flows.console import cli_settings as _settings
from flows.messages import current_lang, say, tr
from report.i18n import N_

__all__ = ["evaluate_command"]


#: the help of ``tajian evaluate`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "Precision, recall, F1 and confusion counts of the classifier, of the keyword rules and of the "
    "keyword regex (the segment's prefilter: any child word) against gold labels. Without a file: the"
    " warehouse's randomly chosen labels of the segment, with intervals (95%)."
)


def evaluate_command(
    labels: Annotated[
        Path | None,
        typer.Argument(
            metavar="[LABELS.csv]",
            help=N_(
                "CSV of gold labels: id,text,label (label 0 or 1); without it, the warehouse's labels "
                "of the segment (tajian label), only the randomly chosen ones"
            ),
        ),
    ] = None,
    segment: Annotated[str, typer.Option(help=SEGMENT_HELP)] = "mothers",
    context_column: ContextColumn = None,
    model: ModelFile = None,
    prior: Prior = "auto",
    warehouse: Annotated[
        Path | None, typer.Option(help=N_("warehouse whose labels to use when no LABELS.csv is given"))
    ] = None,
    lang: LangOption = None,
) -> None:
    """``tajian evaluate``: see :data:`HELP`."""
    _settings(lang)  # the messages' language
    share = parse_prior(prior)
    if labels is None:
        _evaluate_warehouse(segment, warehouse, model)
        return
    from nlp.clean import clean_own_text
    from nlp.corpora import read_gold
    from nlp.evaluation import binary_scores
    from nlp.post_rules import score_post

    try:
        gold = read_gold(labels)
        if context_column and context_column not in gold.columns:
            raise ValueError(
                tr("{file}: no column {column} (--context-column); got {columns}").format(
                    file=labels, column=repr(context_column), columns=", ".join(gold.columns)
                )
            )
    except (ValueError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    seg, clf = load_scorer(segment, model)
    texts = gold["text"].tolist()
    contexts = context_texts(gold, context_column)
    rules = [
        int(score_post(t, seg, c).positive)
        for t, c in zip(texts, contexts or [None] * len(texts), strict=True)
    ]
    decision = clf.decide(clf.predict_proba(texts, context=contexts)[:, 1], share)
    rows = {
        tr("classifier"): binary_scores(gold["label"], decision.labels),
        tr("rules"): binary_scores(gold["label"], rules),
    }
    if seg.prefilter is not None:
        rows[tr("keyword regex")] = binary_scores(
            gold["label"], [int(bool(seg.prefilter.search(clean_own_text(t)))) for t in texts]
        )
    with_context = (
        tr(", {n:,} with context").format(n=sum(c is not None for c in contexts)) if contexts else ""
    )
    head = tr("{segment} on {file}: {n:,} posts, {positive:,} labelled 1{context}; classifier at {how}")
    print(
        head.format(
            segment=segment,
            file=labels,
            n=len(gold),
            positive=int(gold["label"].sum()),
            context=with_context,
            how=describe_decision(decision, share != "auto"),
        )
    )
    names = (tr("precision"), tr("recall"), "F1", "TP", "FP", "FN", "TN")
    print(
        _pad("", 14)
        + "".join(_pad(n, w, right=True) for n, w in zip(names, (10, 8, 8, 7, 7, 7, 7), strict=True))
    )
    for name, r in rows.items():
        print(
            f"{_pad(name, 14)}{r['precision']:>10.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}"
            f"{r['tp']:>7d}{r['fp']:>7d}{r['fn']:>7d}{r['tn']:>7d}"
        )


def _pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    from rich.cells import cell_len

    space = " " * max(0, width - cell_len(text))
    return space + text if right else text + space


def _evaluate_warehouse(segment: str, warehouse: Path | None, model_path: Path | None) -> None:
    """``tajian evaluate --segment S`` without a file: the warehouse's random labels, with intervals;
    the figures are recorded in the model's sidecar (``measured``) for the report."""
    from flows.label_inputs import segment_labels
    from flows.settings import SettingsError, load_settings
    from nlp.measure import measure, segment_predictions
    from nlp.segment_status import segment_status
    from report.segment_text import measured_text, segment_notes

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail(str(exc), 1) from None
    no_warehouse = tr("{path}: no warehouse there; give --warehouse or a LABELS.csv")
    seg, wh, labels = segment_labels(segment, warehouse, settings, no_warehouse)
    from nlp.label_training import held_out_labels

    held = held_out_labels(labels)  # half the random labels (by post id): the model never learns them
    if held.empty:
        none = tr(
            "{path}: no held-out random yes/no labels of {segment} ({n} labels in all); label posts with "
            "tajian label --segment {segment} (about a third are drawn at random, half of those held out)"
        )
        raise fail(none.format(path=wh, segment=segment, n=len(labels)), 1)
    path = model_path or settings.data_dir / "models" / f"{segment}.joblib"
    clf = None
    if path.is_file():
        clf = load_scorer(segment, path)[1]
    else:
        rules = tr("no model at {path}; measuring the keyword rules (tajian train --segment {segment})")
        print(say("note", detail=rules.format(path=path, segment=segment)))
    texts = held["text"].fillna("").tolist()
    m = measure((held["label"] == "yes").astype(int), segment_predictions(texts, seg, clf))
    status = segment_status(segment, settings.segments_dir)
    if status["draft"]:  # measured just now: the note says so, whatever the sidecar held before
        print(segment_notes({**status, "measured": m}, current_lang())[0])
    what = tr("model {path}").format(path=path) if clf is not None else tr("rules")
    print(f"{segment} ({what}): {measured_text({**m, 'n': len(held)}, current_lang())}")
    counts = tr(
        "TP {tp} FP {fp} FN {fn} TN {tn}; {other} other labels (chosen by the model, imported, unsure, or "
        "random ones on the training side) are not counted"
    )
    print(counts.format(tp=m["tp"], fp=m["fp"], fn=m["fn"], tn=m["tn"], other=len(labels) - len(held)))
    if clf is not None:
        from nlp.measure import record_measure

        record_measure(
            path, {**m, "n": len(held), "labels": "held-out random warehouse labels", "warehouse": str(wh)}
        )
