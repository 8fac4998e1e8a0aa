"""``tajian classify``: the post classifier on any CSV of posts (``tajian evaluate``, its
measurement against hand labels, is :mod:`flows.evaluate_cli`; it shares the helpers here).

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

from flows.cli_errors import fail
from flows.console import LangOption
from flows.console import cli_settings as _settings
from flows.messages import tr
from report.i18n import N_

__all__ = [
    "OUTPUT_COLUMNS",
    "ContextColumn",
    "ModelFile",
    "Prior",
    "classify_command",
    "context_texts",
    "describe_decision",
    "load_scorer",
    "parse_prior",
    "safe_cell",
]

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


def load_scorer(segment: str, model_path: Path | None):
    from flows.settings import SettingsError, load_settings
    from nlp.model_files import ModelMismatchError, load_model
    from nlp.segments import SegmentDefinitionError, load_segment

    try:  # the segment and its model from the settings' data folder (TAJIAN_DATA_DIR)
        settings = load_settings()
        seg = load_segment(segment, settings.segments_dir)
        models = settings.data_dir / "models"
        model = load_model(segment, models, path=model_path, segments_dir=settings.segments_dir)
    except (SettingsError, SegmentDefinitionError, FileNotFoundError, ModelMismatchError) as exc:
        raise fail(str(exc), 1) from None
    return seg, model


def _format_terms(terms: list[tuple[str, float]]) -> str:
    return " ".join(f"{name}({value:+.2f})" for name, value in terms)


def parse_prior(value: str) -> str | float:
    """--prior: "auto" or a share strictly between 0 and 1."""
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


def describe_decision(decision, given: bool) -> str:
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
        help=N_("optional column holding the text of the post each one reposts or replies to (empty: none)")
    ),
]
ModelFile = Annotated[Path | None, typer.Option(help=N_("model file (default data/models/<segment>.joblib)"))]
Prior = Annotated[
    str,
    typer.Option(
        help=N_(
            "share of segment posts among the posts passing the prefilter: auto (estimate it from this "
            "file) or a number, e.g. 0.6 for a keyword crawl"
        )
    ),
]


#: the help of ``tajian classify`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "Score each post of a CSV: id, score (probability of the segment), label (0/1), evidence.\n\n"
    "score is the probability at the file's prior (--prior), label is 1 when score reaches "
    "threshold; both prior and threshold are written on every row. Evidence: "
    "rule_score/rule_positive/rule_hits/rule_vetoes from the segment's keyword rules and top_ngrams, "
    "the features that pushed the post towards its label most (w: words, c: characters, "
    "f:/kind:/veto: signals, e: word vectors; > 0 towards the segment). Posts without a child, "
    "pregnancy or parenting word (the segment's prefilter) score 0 and are not read by the model. "
    "Cells that start with = + - @ get a leading ' so spreadsheets do not run them as formulas."
)


def classify_command(
    posts_csv: Annotated[
        Path, typer.Argument(metavar="INPUT.csv", help=N_("CSV of posts (UTF-8, UTF-8 with BOM or GB18030)"))
    ],
    output: Annotated[
        Path, typer.Option(help=N_("CSV to write: id,score,label + evidence columns (UTF-8 with BOM)"))
    ],
    segment: Annotated[
        str,
        typer.Option(help=N_("segment name (data/segments/<name>.toml, model data/models/<name>.joblib)")),
    ] = "mothers",
    id_column: Annotated[str, typer.Option(help=N_("column holding the post id"))] = "id",
    text_column: Annotated[str, typer.Option(help=N_("column holding the post text"))] = "text",
    context_column: ContextColumn = None,
    model: ModelFile = None,
    prior: Prior = "auto",
    top: Annotated[int, typer.Option(help=N_("n-grams listed as evidence per post"))] = 5,
    lang: LangOption = None,
) -> None:
    """``tajian classify``: see :data:`HELP`."""
    _settings(lang)  # the messages' language
    share = parse_prior(prior)
    if top < 0:
        raise typer.BadParameter(tr("top must be >= 0; got {n}").format(n=top))
    from nlp.corpora import read_posts_csv
    from nlp.post_rules import score_post

    started = time.monotonic()
    try:
        columns = [id_column, text_column, *([context_column] if context_column else [])]
        posts = read_posts_csv(posts_csv, columns)
    except (ValueError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    seg, clf = load_scorer(segment, model)
    texts = posts[text_column].tolist()
    contexts = context_texts(posts, context_column)
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
    how = describe_decision(decision, share != "auto")
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


def context_texts(posts, column: str | None) -> list[str | None] | None:
    """The context column's texts (None for empty cells), or None without a column."""
    if not column:
        return None
    return [c if isinstance(c, str) and c.strip() else None for c in posts[column].tolist()]
