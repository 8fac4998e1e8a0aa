"""The ``tajian`` command line: the typer ``app`` and its commands, each in a module of its own
(flows/demo_cli.py, ingest_cli.py, run_cli.py, backfill_cli.py, runs_cli.py, serve_cli.py,
select_cli.py, classify_cli.py, evaluate_cli.py, backtest_cli.py, label_cli.py, train_cli.py; what they share in
flows/console.py).

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

from flows.backfill_cli import backfill
from flows.backtest_cli import backtest_command
from flows.classify_cli import classify_command
from flows.demo_cli import demo
from flows.evaluate_cli import evaluate_command
from flows.ingest_cli import ingest
from flows.label_cli import label_command
from flows.run_cli import run
from flows.runs_cli import runs
from flows.select_cli import select_command
from flows.serve_cli import serve
from flows.train_cli import train_command

__all__ = ["app"]


app = typer.Typer(
    name="tajian",
    help=(
        "塔尖 Tajian: find the ordinary people whose word of mouth reaches a target audience "
        "best. Load Weibo exports into a DuckDB warehouse, tag a segment (e.g. mothers) by "
        "language, map who spreads whose posts, and pick the top amplifiers; each run writes a "
        "seed list (CSV/JSON) and a self-contained HTML report under out/<segment>/<as_of>/."
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
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="print the version and exit"),
    ] = False,
) -> None:
    """塔尖 Tajian: find the ordinary people whose word of mouth reaches a target audience best."""


# in the order `tajian --help` lists them
app.command()(demo)
app.command()(ingest)
app.command()(run)
app.command()(backfill)
app.command()(runs)
app.command()(serve)
app.command(name="select")(select_command)
app.command(name="classify")(classify_command)
app.command(name="evaluate")(evaluate_command)
app.command(name="backtest")(backtest_command)
app.command(name="label")(label_command)
app.command(name="train")(train_command)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
