"""The ``tajian`` command line: the typer ``app`` and its commands, each in a module of its own
(flows/demo_cli.py, ingest_cli.py, run_cli.py, backfill_cli.py, runs_cli.py, serve_cli.py,
select_cli.py, classify_cli.py, evaluate_cli.py, backtest_cli.py, label_cli.py, train_cli.py; what they share in
flows/console.py, how they stop on an error in flows/cli_errors.py).

Only ``demo``, ``run``, ``backfill`` and ``serve`` (flows, a server) import Prefect; the others start fast.

Example::

    tajian demo
    tajian ingest exports/ --warehouse data/warehouse.duckdb
    tajian run --segment mothers --as-of 2026-11-15
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from flows import (
    backfill_cli,
    backtest_cli,
    classify_cli,
    demo_cli,
    evaluate_cli,
    ingest_cli,
    label_cli,
    run_cli,
    runs_cli,
    select_cli,
    serve_cli,
    train_cli,
)
from flows.cli_help import LocalizedCommand, LocalizedGroup
from report.i18n import N_

__all__ = ["app"]


app = typer.Typer(
    name="tajian",
    cls=LocalizedGroup,
    help=(
        N_(
            "塔尖 Tajian: find the ordinary people whose word of mouth reaches a target audience "
            "best. Load Weibo exports into a DuckDB warehouse, tag a segment (e.g. mothers) by "
            "language, map who spreads whose posts, and pick the top amplifiers; each run writes a "
            "seed list (CSV/JSON) and a self-contained HTML report under out/<segment>/<as_of>/."
        )
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("tajian")
        except PackageNotFoundError:  # running from a source tree
            number = "dev"
        print(f"tajian {number}")
        raise typer.Exit(0)


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help=N_("print the version and exit")
        ),
    ] = False,
) -> None:
    """塔尖 Tajian: find the ordinary people whose word of mouth reaches a target audience best."""


# in the order `tajian --help` lists them: name, module (its HELP is the command's help), command,
# the short help of the command list
for _name, _module, _function, _short in (
    ("demo", demo_cli, demo_cli.demo, N_("load the synthetic sample and run the mothers pipeline on it")),
    ("ingest", ingest_cli, ingest_cli.ingest, N_("load exports into the warehouse")),
    ("run", run_cli, run_cli.run, N_("one pipeline run: tag → graph → select → report")),
    ("backfill", backfill_cli, backfill_cli.backfill, N_("one run per day over a range of days")),
    ("runs", runs_cli, runs_cli.runs, N_("the run history and the segment × day grid")),
    ("serve", serve_cli, serve_cli.serve, N_("run the daily schedule with a Prefect server")),
    ("select", select_cli, select_cli.select_command, N_("pick seeds on a SNAP edge list")),
    (
        "classify",
        classify_cli,
        classify_cli.classify_command,
        N_("score the posts of a CSV with a segment's model"),
    ),
    (
        "evaluate",
        evaluate_cli,
        evaluate_cli.evaluate_command,
        N_("precision and recall of a segment's model on labels"),
    ),
    (
        "backtest",
        backtest_cli,
        backtest_cli.backtest_command,
        N_("check the spread model on real repost cascades"),
    ),
    ("label", label_cli, label_cli.label_command, N_("label posts for a segment in a local web page")),
    (
        "train",
        train_cli,
        train_cli.train_command,
        N_("train a segment's model from its rules and your labels"),
    ),
):
    app.command(name=_name, help=_module.HELP, short_help=_short, cls=LocalizedCommand)(_function)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover - `python -m flows.cli` says `tajian` in its usage
    sys.exit(app(prog_name="tajian"))
