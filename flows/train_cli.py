"""``tajian train --segment S``: fit a segment's post model from its rules and the warehouse's labels.

Wiring only: the labels and the unlabelled posts come from the warehouse (:mod:`store.labels`),
the fitting is :func:`nlp.label_training.train_from_labels`, the file and its sidecar are written
by :func:`nlp.model_files.save_model` (the sidecar's ``training`` says which labels, by digest and
count, and which code made the model). Runs use the model when the segment's ``post_scorer`` is
``"classifier"``, and refuse it once the segment file or the environment changed.

Example::

    tajian train --segment food --warehouse data/warehouse.duckdb
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_errors import fail
from flows.console import SEGMENT_HELP, LangOption
from flows.messages import say, tr, use_lang
from report.i18n import N_

__all__ = ["train_command"]


#: the help of ``tajian train`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "Train the segment's post model from its rules plus your labels (tajian label); the randomly "
    "chosen labels are held out for tajian evaluate."
)


def train_command(
    segment: Annotated[str, typer.Option(help=SEGMENT_HELP)],
    warehouse: Annotated[Path | None, typer.Option(help=N_("warehouse file (default from settings)"))] = None,
    output: Annotated[
        Path | None, typer.Option(help=N_("model file (default data/models/<segment>.joblib)"))
    ] = None,
    seed: Annotated[int, typer.Option(help=N_("random seed of the folds and word vectors"))] = 0,
    lang: LangOption = None,
) -> None:
    """``tajian train``: see :data:`HELP`."""
    from flows.label_inputs import segment_labels
    from flows.settings import SettingsError, load_settings
    from store.labels import read_candidate_posts
    from store.warehouse import WarehouseError

    started = time.monotonic()
    try:
        settings = load_settings().replace(lang=lang)
    except SettingsError as exc:
        raise fail(str(exc), 1) from None
    use_lang(settings.lang)
    no_warehouse = tr("{path}: no warehouse there; load posts with tajian ingest first")
    seg, wh, labels = segment_labels(segment, warehouse, settings, no_warehouse)
    try:
        corpus = read_candidate_posts(wh)["text"].tolist()
    except WarehouseError as exc:
        raise fail(str(exc), 1) from None
    from nlp.label_training import train_from_labels
    from nlp.model_files import save_model

    try:
        model, training = train_from_labels(
            segment, labels, corpus, seed=seed, segments_dir=settings.segments_dir
        )
    except ValueError as exc:
        raise fail(str(exc), 1) from None
    training["warehouse"] = str(wh)
    path = save_model(model, output or settings.data_dir / "models" / f"{segment}.joblib", training=training)
    used = training["labels_used"]
    done = tr(
        "{segment}: trained on {yes} yes + {no} no labels and {weak:,} rule-labelled posts of {unlabelled:,} "
        "unlabelled; {held} random labels held out for tajian evaluate; wrote {path} in {seconds:.0f} s"
    )
    print(
        done.format(
            segment=segment,
            yes=used["yes"],
            no=used["no"],
            weak=training["weak_rows"],
            unlabelled=training["unlabelled_posts"],
            held=training["labels_held_out_random"],
            path=path,
            seconds=time.monotonic() - started,
        )
    )
    if seg.post_scorer != "classifier":
        rules = tr(
            '{file} has post_scorer = "{scorer}": runs keep using the rules until it says "classifier" '
            "(then train again: the model records the segment file it was made with)"
        )
        print(say("note", detail=rules.format(file=seg.source, scorer=seg.post_scorer)))
