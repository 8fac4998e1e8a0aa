"""``tajian backtest``: does the spread model's predicted reach come true on real cascades?

Splits a repost history by time, learns on the past and scores on the future
(:mod:`graph.backtest`). No Prefect: it reads a CED folder or a warehouse file, computes, and
writes into ``--output-dir``:

* ``seeds_tajian.csv`` — Tajian's list (RIS under ``--probability``), no eligibility limit, and
  ``seeds_tajian_ordinary.csv`` — the same among ordinary users; each one column ``node``, best
  first;
* ``seeds_<list>.csv`` for every other list compared (``ris_<model>``, ``followers``,
  ``pagerank``, ``degree``, each also ``…_ordinary``);
* ``backtest.csv`` (every figure, one per row), ``backtest.json`` (the same with the lists),
  ``spread.csv`` (per test cascade: real and predicted spread), ``backtest.html`` (the page).

When the history is a warehouse (or ``--warehouse`` names one), the summary is recorded there,
for runs' reports to quote.

Example::

    tajian backtest ../shared/data/ced --split 2013-03-01 --k 100 --output-dir out/backtest
"""

from __future__ import annotations

import csv
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from flows.cli_errors import fail
from flows.console import LangOption, print_progress
from flows.messages import current_lang, tr
from report.i18n import N_

__all__ = ["backtest_command", "write_outputs"]

DEFAULT_MODELS = "wc,uniform:0.01,learned,learned:jaccard"


def _day(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise fail(
            tr("--split must be a date as YYYY-MM-DD; got {value}").format(value=repr(value))
        ) from None


def _write_seeds(path: Path, seeds: list[str] | tuple[str, ...]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["node"])
        w.writerows([s] for s in seeds)


def write_outputs(result: Any, out: Path, *, source: str, lang: str | None = None) -> dict[str, Path]:
    """Write a :class:`graph.backtest.BacktestResult`'s files into ``out`` (the page in ``lang``,
    default the messages' language); returns them by name."""
    from report.backtest import write_backtest_report

    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for sl in result.lists:
        files[f"seeds_{sl.name}"] = out / f"seeds_{sl.name}.csv"
        _write_seeds(files[f"seeds_{sl.name}"], sl.seeds)
    files["backtest.csv"] = out / "backtest.csv"
    rows = result.rows()
    with files["backtest.csv"].open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["section"])
        w.writeheader()
        w.writerows(rows)
    files["spread.csv"] = out / "spread.csv"
    result.spread_table.to_csv(files["spread.csv"], index=False)
    data = {"source": source, "generated_at": datetime.now(UTC), **result.to_dict()}
    files["backtest.json"] = out / "backtest.json"
    files["backtest.json"].write_text(
        json.dumps({**data, "generated_at": data["generated_at"].isoformat()}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    files["backtest.html"] = write_backtest_report(data, out / "backtest.html", lang or current_lang())
    return files


def _record(warehouse: Path, source: str, split: date, summary: dict[str, Any]) -> None:
    from store import runs
    from store.history import record_backtest

    with runs.warehouse(warehouse) as con:
        record_backtest(con, source=source, split=split.isoformat(), summary={"source": source, **summary})


#: the help of ``tajian backtest`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "Backtest the spread model: learn on cascades before --split, check on those after.\n\n"
    "Compares Tajian's seeds (under each probability model, learned ones included) with the naive "
    "lists by the distinct people who really reposted from them later, checks how well each model "
    "predicted the real spread of held-out cascades, and measures cross-infection."
)


def backtest_command(
    source: Annotated[
        Path,
        typer.Argument(
            help=N_("the history: a CED folder (ced_reposts.csv + ced_original.csv) or a warehouse file"),
            show_default=False,
        ),
    ],
    split: Annotated[
        str,
        typer.Option(
            help=N_("train on cascades begun before this day (YYYY-MM-DD, Asia/Shanghai); test on the rest")
        ),
    ],
    output_dir: Annotated[
        Path, typer.Option(help=N_("folder for the seed lists, backtest.csv and backtest.html"))
    ],
    k: Annotated[int, typer.Option(help=N_("seeds per list"))] = 100,
    probability: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "model of Tajian's own list (seeds_tajian.csv): wc, uniform:P or learned (default: settings)"
            )
        ),
    ] = None,
    models: Annotated[
        str,
        typer.Option(help=N_("models compared, comma-separated (learned:jaccard = the Jaccard estimator)")),
    ] = DEFAULT_MODELS,
    max_hops: Annotated[
        int | None, typer.Option(help=N_("hop limit of the model (default from settings: 2)"))
    ] = None,
    follower_cap: Annotated[
        int | None,
        typer.Option(help=N_("most followers of an ordinary user (default from settings: 50,000)")),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help=N_("bootstrap samples over test cascades for the intervals"))
    ] = 1000,
    seed: Annotated[int | None, typer.Option(help=N_("random seed (default from settings: 42)"))] = None,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            help=N_("record the summary in this warehouse (default: the history, when it is a warehouse)")
        ),
    ] = None,
    lang: LangOption = None,
) -> None:
    """``tajian backtest``: see :data:`HELP`."""
    from flows.messages import use_lang
    from flows.settings import SettingsError, load_settings

    started = time.monotonic()
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail(f"settings: {exc}") from None
    if lang is not None and lang not in ("zh", "en"):
        raise fail(f"--lang must be zh (中文) or en (English); got {lang!r}")
    use_lang(lang or settings.lang)
    day = _day(split)
    if k < 1:
        raise fail(tr("--k must be at least 1; got {k}").format(k=k))
    if bootstrap < 0:
        raise fail(tr("--bootstrap must be 0 or more; got {n}").format(n=bootstrap))
    from graph.backtest import check_models, run_backtest
    from store.history import read_history
    from store.warehouse import WarehouseBusyError

    prob = probability or settings.probability
    try:
        model_list = check_models([prob, *models.split(",")])
        history = read_history(source)
    except (ValueError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    except WarehouseBusyError:
        raise fail(
            tr("a run is in progress (the warehouse is locked); try again when it finishes"), 1
        ) from None
    read = tr(
        "{source}: {posts:,} posts by {people:,} people ({quarantined:,} rows quarantined, "
        "{duplicates:,} duplicate post ids)"
    ).format(
        source=source,
        posts=len(history.posts),
        people=history.posts["user_id"].nunique(),
        quarantined=history.quarantined,
        duplicates=history.duplicates,
    )
    print(read, file=sys.stderr)
    try:
        result = run_backtest(
            history.posts,
            history.profiles,
            split=day,
            k=k,
            models=model_list,
            probability=prob,
            estimator=settings.learned_estimator,
            prior=(settings.learned_prior_successes, settings.learned_prior_failures),
            max_hops=settings.max_hops if max_hops is None else max_hops,
            follower_cap=settings.follower_cap if follower_cap is None else follower_cap,
            n_bootstrap=bootstrap,
            seed=settings.seed if seed is None else seed,
            progress=print_progress,
        )
    except ValueError as exc:
        raise fail(str(exc), 1) from None
    files = write_outputs(result, output_dir, source=str(source))
    target = warehouse or (source if source.is_file() else None)
    if target is not None:
        try:
            _record(target, str(source), day, result.summary())
        except WarehouseBusyError:
            raise fail(
                tr("{path}: the warehouse is locked by a run; the summary was not recorded").format(
                    path=target
                ),
                1,
            ) from None
    from report.backtest import verdict

    for line in verdict({"source": str(source), **result.to_dict()}, current_lang()):
        print(line)
    wrote = tr("wrote {page} and {n} seed lists in {seconds:.0f} s")
    print(wrote.format(page=files["backtest.html"], n=len(result.lists), seconds=time.monotonic() - started))
