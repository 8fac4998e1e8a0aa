"""``tajian classify`` and ``tajian evaluate``: the post classifier on any CSV of posts.

How an analyst tests a segment definition: score a CSV of posts (each row gets the classifier's
probability, a 0/1 label and the evidence: rule hits, vetoes and the n-grams behind the score),
or measure precision/recall/F1 against hand labels, next to the keyword rules and the keyword
regex (the segment's prefilter: "any child word") for comparison.

The corpus decides the threshold: a random timeline has well under 1% parent posts, a keyword
crawl more than half. ``--prior auto`` (the default) estimates the file's own share of segment
posts among those passing the prefilter; ``--prior P`` gives it. The threshold is the one with the
best expected F1 at that share; both are written into the output and printed.
Kept light (no Prefect, no warehouse); the model is ``data/models/<segment>.joblib`` (``make model``).

Example::

    tajian classify --segment mothers posts.csv --id-column mid --text-column text --output scored.csv
    tajian evaluate --segment mothers tests/data/mothers_gold.csv
    tajian evaluate --segment mothers labels.csv --context-column source_text

A post may come with its *context*, the text of the post it reposts or replies to (an optional
column named by ``--context-column``): short replies often only make sense with it, and the
segment's ``[context]`` rule reads it. An empty cell means no context.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from flows.console import LangOption
from flows.console import cli_settings as _settings
from flows.messages import current_lang, say, tr

__all__ = ["OUTPUT_COLUMNS", "classify_command", "evaluate_command", "safe_cell"]

#: Columns ``tajian classify`` writes, in order.
OUTPUT_COLUMNS = (
    "id",
    "score",
    "label",
    "prior",
    "threshold",
    "rule_score",
    "rule_positive",
    "rule_hits",
    "rule_vetoes",
    "top_ngrams",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Guard a CSV cell against formula injection: a leading = + - @ (or tab/CR) gets a ``'``.

    Example:
        >>> safe_cell("=HYPERLINK(1)"), safe_cell("宝宝")
        ("'=HYPERLINK(1)", '宝宝')
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def _fail(message: str, code: int = 2) -> typer.Exit:
    print(tr("error: {why}").format(why=message), file=sys.stderr)
    return typer.Exit(code)


def _load(segment: str, model_path: Path | None):
    from flows.settings import SettingsError, load_settings
    from nlp.model_files import ModelMismatchError, load_model
    from nlp.segments import SegmentDefinitionError, load_segment

    try:  # the segment and its model from the settings' data folder (TAJIAN_DATA_DIR)
        settings = load_settings()
        seg = load_segment(segment, settings.segments_dir)
        models = settings.data_dir / "models"
        model = load_model(segment, models, path=model_path, segments_dir=settings.segments_dir)
    except (SettingsError, SegmentDefinitionError, FileNotFoundError, ModelMismatchError) as exc:
        raise _fail(str(exc), 1) from None
    return seg, model


def _format_terms(terms: list[tuple[str, float]]) -> str:
    return " ".join(f"{name}({value:+.2f})" for name, value in terms)


def _prior(value: str) -> str | float:
    """``--prior``: "auto" or a share strictly between 0 and 1."""
    if value.strip().lower() == "auto":
        return "auto"
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0 < share < 1:
        raise typer.BadParameter(
            tr("expected auto or a share strictly between 0 and 1 (e.g. 0.6); got {value}").format(
                value=repr(value)
            )
        )
    return share


def _describe(decision, given: bool) -> str:
    if decision.estimated:
        how = tr("estimated from this file")
    else:
        how = tr("given") if given else tr("too few posts: the model default")
    return tr("prior {prior:.3f} ({how}; {n:,} posts passed the prefilter), threshold {cut:.3f}").format(
        prior=decision.prior, how=how, n=decision.n_relevant, cut=decision.cut
    )


ContextColumn = Annotated[
    str | None,
    typer.Option(
        help="optional column holding the text of the post each one reposts or replies to (empty: none)"
    ),
]
ModelFile = Annotated[Path | None, typer.Option(help="model file (default data/models/<segment>.joblib)")]
Prior = Annotated[
    str,
    typer.Option(
        help="share of segment posts among the posts passing the prefilter: auto (estimate it from this "
        "file) or a number, e.g. 0.6 for a keyword crawl"
    ),
]


def classify_command(
    posts_csv: Annotated[
        Path, typer.Argument(metavar="INPUT.csv", help="CSV of posts (UTF-8, UTF-8 with BOM or GB18030)")
    ],
    output: Annotated[
        Path, typer.Option(help="CSV to write: id,score,label + evidence columns (UTF-8 with BOM)")
    ],
    segment: Annotated[
        str, typer.Option(help="segment name (data/segments/<name>.toml, model data/models/<name>.joblib)")
    ] = "mothers",
    id_column: Annotated[str, typer.Option(help="column holding the post id")] = "id",
    text_column: Annotated[str, typer.Option(help="column holding the post text")] = "text",
    context_column: ContextColumn = None,
    model: ModelFile = None,
    prior: Prior = "auto",
    top: Annotated[int, typer.Option(help="n-grams listed as evidence per post")] = 5,
    lang: LangOption = None,
) -> None:
    """Score each post of a CSV: id, score (probability of the segment), label (0/1), evidence.

    score is the probability at the file's prior (``--prior``), label is 1 when score reaches
    threshold; both prior and threshold are written on every row. Evidence:
    rule_score/rule_positive/rule_hits/rule_vetoes from the segment's keyword rules and
    top_ngrams, the features that pushed the post towards its label most (w: words, c: characters,
    f:/kind:/veto: signals, e: word vectors; > 0 towards the segment). Posts without a child, pregnancy or
    parenting word (the segment's prefilter) score 0 and are not read by the model.
    Cells that start with = + - @ get a leading ' so spreadsheets do not run them as formulas.
    """
    _settings(lang)  # the messages' language
    share = _prior(prior)
    if top < 0:
        raise typer.BadParameter(tr("top must be >= 0; got {n}").format(n=top))
    from nlp.corpora import read_posts_csv
    from nlp.tagger import score_post

    started = time.monotonic()
    try:
        columns = [id_column, text_column, *([context_column] if context_column else [])]
        posts = read_posts_csv(posts_csv, columns)
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from None
    seg, clf = _load(segment, model)
    texts = posts[text_column].tolist()
    contexts = _contexts(posts, context_column)
    # the rule features' share is in the rule_* columns; top_ngrams lists the others
    proba, evidence = clf.predict_explained(texts, top=top + 3, context=contexts, prior=share)
    evidence = [[t for t in terms if not t[0].startswith("rule:")][:top] for terms in evidence]
    decision = clf.decide(proba, share)
    output.parent.mkdir(parents=True, exist_ok=True)
    n_pos = 0
    with open(output, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(OUTPUT_COLUMNS)
        rows = zip(
            posts[id_column],
            texts,
            contexts or [None] * len(texts),
            decision.probability,
            decision.labels,
            evidence,
            strict=True,
        )
        for post_id, text, context, p, label, terms in rows:
            rule = score_post(text, seg, context)
            n_pos += int(label)
            w.writerow(
                [
                    safe_cell(str(post_id)),
                    f"{p:.4f}",
                    int(label),
                    f"{decision.prior:.4f}",
                    f"{decision.cut:.4f}",
                    f"{rule.score:.4f}",
                    int(rule.positive),
                    safe_cell(" ".join(rule.hits)),
                    safe_cell(" ".join(rule.vetoes)),
                    safe_cell(_format_terms(terms)),
                ]
            )
    elapsed = time.monotonic() - started
    done = tr(
        "{file}: {n:,} posts, {positive:,} labelled 1 ({segment}; {how}) in {seconds:.1f} s; wrote {output}"
    )
    how = _describe(decision, share != "auto")
    print(
        done.format(
            file=posts_csv,
            n=len(posts),
            positive=n_pos,
            segment=segment,
            how=how,
            seconds=elapsed,
            output=output,
        ),
        file=sys.stderr,
    )


def _contexts(posts, column: str | None) -> list[str | None] | None:
    """The context column's texts (None for empty cells), or None without a column."""
    if not column:
        return None
    return [c if isinstance(c, str) and c.strip() else None for c in posts[column].tolist()]


def evaluate_command(
    labels: Annotated[
        Path | None,
        typer.Argument(
            metavar="[LABELS.csv]",
            help="CSV of gold labels: id,text,label (label 0 or 1); without it, the warehouse's labels "
            "of the segment (tajian label), only the randomly chosen ones",
        ),
    ] = None,
    segment: Annotated[str, typer.Option(help="segment name (data/segments/<name>.toml)")] = "mothers",
    context_column: ContextColumn = None,
    model: ModelFile = None,
    prior: Prior = "auto",
    warehouse: Annotated[
        Path | None, typer.Option(help="warehouse whose labels to use when no LABELS.csv is given")
    ] = None,
    lang: LangOption = None,
) -> None:
    """Precision, recall, F1 and confusion counts of the classifier, of the keyword rules and of the
    keyword regex (the segment's prefilter: any child word) against gold labels. Without a file:
    the warehouse's randomly chosen labels of the segment, with 95% intervals."""
    _settings(lang)  # the messages' language
    share = _prior(prior)
    if labels is None:
        _evaluate_warehouse(segment, warehouse, model)
        return
    from nlp.clean import clean_own_text
    from nlp.corpora import read_gold
    from nlp.evaluation import binary_scores
    from nlp.tagger import score_post

    try:
        gold = read_gold(labels)
        if context_column and context_column not in gold.columns:
            raise ValueError(
                tr("{file}: no column {column} (--context-column); got {columns}").format(
                    file=labels, column=repr(context_column), columns=", ".join(gold.columns)
                )
            )
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from None
    seg, clf = _load(segment, model)
    texts = gold["text"].tolist()
    contexts = _contexts(gold, context_column)
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
            how=_describe(decision, share != "auto"),
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
    from flows.settings import SettingsError, load_settings
    from nlp.measure import measure, segment_predictions
    from nlp.segment_status import segment_status
    from nlp.segments import SegmentDefinitionError, load_segment
    from report.segment_text import measured_text, segment_notes
    from store.labels import read_labels
    from store.warehouse import WarehouseError

    try:
        settings = load_settings()
        seg = load_segment(segment, settings.segments_dir)
        wh = Path(warehouse) if warehouse else settings.warehouse
        if not wh.is_file():
            raise FileNotFoundError(
                tr("{path}: no warehouse there; give --warehouse or a LABELS.csv").format(path=wh)
            )
        labels = read_labels(wh, segment)
    except (SettingsError, SegmentDefinitionError, FileNotFoundError, WarehouseError) as exc:
        raise _fail(str(exc), 1) from None
    held = labels[(labels["chosen_by"] == "random") & labels["label"].isin(["yes", "no"])]
    if held.empty:
        none = tr(
            "{path}: no randomly chosen yes/no labels of {segment} ({n} labels in all); label posts with "
            "tajian label --segment {segment} (about a third are drawn at random)"
        )
        raise _fail(none.format(path=wh, segment=segment, n=len(labels)), 1)
    path = model_path or settings.data_dir / "models" / f"{segment}.joblib"
    clf = None
    if path.is_file():
        clf = _load(segment, path)[1]
    else:
        rules = tr("no model at {path}; measuring the keyword rules (tajian train --segment {segment})")
        print(say("note", detail=rules.format(path=path, segment=segment)))
    texts = held["text"].fillna("").tolist()
    m = measure((held["label"] == "yes").astype(int), segment_predictions(texts, seg, clf))
    status = segment_status(segment, settings.segments_dir)
    if status["draft"]:
        print(segment_notes(status, current_lang())[0])
    what = tr("model {path}").format(path=path) if clf is not None else tr("rules")
    print(f"{segment} ({what}): {measured_text({**m, 'n': len(held)}, current_lang())}")
    counts = tr(
        "TP {tp} FP {fp} FN {fn} TN {tn}; {other} other labels (chosen by the model, imported, or unsure) "
        "are not counted"
    )
    print(counts.format(tp=m["tp"], fp=m["fp"], fn=m["fn"], tn=m["tn"], other=len(labels) - len(held)))
    if clf is not None:
        from nlp.measure import record_measure

        record_measure(path, {**m, "n": len(held), "labels": "random warehouse labels", "warehouse": str(wh)})
