"""``tajian serve``: register the daily deployment with the Prefect server and execute its runs.

Example::

    tajian serve --segment mothers
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from flows.console import LangOption
from flows.console import cli_settings as _settings
from flows.console import consoles as _c
from flows.console import prefect_env as _prefect_env
from flows.messages import tr
from report.i18n import N_

__all__ = ["serve"]


#: the help of ``tajian serve`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "Register the daily deployment (tajian-daily/daily) with the Prefect server at PREFECT_API_URL "
    "and execute its runs until stopped: each run loads new files from the inbox (loaded ones move to"
    " processed/, bad ones to failed/ with the reason), then runs each segment for the previous day. "
    "Stopping leaves the schedule active. Needs `prefect server start`."
)


def serve(
    cron: Annotated[
        str | None,
        typer.Option(help=N_("cron schedule of the daily run (default from settings: '0 2 * * *')")),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help=N_("timezone of the cron schedule (default Asia/Shanghai)"))
    ] = None,
    segment: Annotated[
        list[str] | None,
        typer.Option(
            "--segment", help=N_("segment to run daily; repeat for several (default from settings: mothers)")
        ),
    ] = None,
    lang: LangOption = None,
) -> None:
    """``tajian serve``: see :data:`HELP`."""
    settings = _settings(lang)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # a long-running service: log its runs
    _prefect_env()
    from flows.serve import ServerNotReadyError, require_server, serve_daily, serve_options

    try:
        options = serve_options(settings, cron=cron, timezone=timezone, segments=segment)
        require_server()
        schedule = options["schedules"][0]
        serving = tr(
            "Serving tajian-daily/{name}: cron '{cron}' ({timezone}), segments {segments}; inbox "
            "{inbox}, warehouse {warehouse}, outputs {out}. Ctrl-C stops serving; the schedule stays active."
        ).format(
            name=options["name"],
            cron=schedule.cron,
            timezone=schedule.timezone,
            segments=", ".join(options["parameters"]["segments"]),
            inbox=settings.inbox,
            warehouse=settings.warehouse,
            out=settings.out_dir,
        )
        _c.out.print(serving, soft_wrap=True, markup=False, highlight=False)
        serve_daily(settings, cron=cron, timezone=timezone, segments=segment)
    except (ServerNotReadyError, ValueError) as exc:
        _c.err.print(tr("error: {why}").format(why=exc), soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(2) from None
