"""``tajian demo``: load the shipped synthetic sample and run the mothers pipeline on it.

Example::

    tajian demo
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_errors import quiet_prefect as _quiet_prefect
from flows.cli_errors import user_errors as _user_errors
from flows.console import SAMPLE_WAREHOUSE, DebugOption, LangOption
from flows.console import cli_settings as _settings
from flows.console import consoles as _c
from flows.console import people as _people
from flows.console import prefect_env as _prefect_env
from flows.console import print_outputs as _print_outputs
from flows.ingest_table import print_loads as _print_loads
from flows.messages import say, tr
from report.i18n import N_

__all__ = ["demo"]


#: the help of ``tajian demo`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "Load the shipped synthetic sample, run the mothers pipeline, print where the outputs are.\n\n"
    "This is what `make run` calls. The sample is synthetic (data/samples/), and the report says so. "
    "It goes into its own warehouse (data/sample.duckdb), never into the one `tajian ingest` and "
    "`tajian run` use for your exports (data/warehouse.duckdb)."
)


def demo(
    warehouse: Annotated[
        Path,
        typer.Option(
            help=N_("warehouse file of the sample, never your own data's (default data/sample.duckdb)")
        ),
    ] = SAMPLE_WAREHOUSE,
    out_dir: Annotated[Path | None, typer.Option(help=N_("where outputs go (default out/)"))] = None,
    seed: Annotated[int, typer.Option(help=N_("random seed of the selection"))] = 42,
    lang: LangOption = None,
    debug: DebugOption = False,
) -> None:
    """``tajian demo``: see :data:`HELP`."""
    settings = _settings(lang)
    sample = settings.samples_dir / "weibo_api"
    if not sample.is_dir():
        gone = tr("the sample data is missing: {path} (reinstall the project)").format(path=sample)
        _c.err.print(tr("error: {why}").format(why=gone), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    _prefect_env(debug)
    started = time.monotonic()
    _c.out.print(say("demo_loading", path=sample), soft_wrap=True)
    with _user_errors("demo", debug):
        from flows.pipeline import pipeline

        _quiet_prefect(debug)
        result = pipeline(
            segment="mothers",
            seed=seed,
            ingest=[str(sample)],
            warehouse=str(warehouse),
            out_dir=str(out_dir) if out_dir else None,
            lang=settings.lang,
        )
    _print_loads(result["loads"])
    _print_outputs(result, time.monotonic() - started, _people(settings, result["segment"]))
