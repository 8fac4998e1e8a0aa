"""``tajian label``: teach a segment by labelling posts one at a time in a local web page.

Starts a small HTTP server (standard library) bound to 127.0.0.1 only, on a random port, prints
its URL and opens it in a browser when one is available. No account, no network: the page and
its script are served by this process, and every request must come from 127.0.0.1, name this
server in its Host header (no DNS rebinding) and carry the session's random token.

Posts come from the warehouse (those passing the segment's prefilter), chosen by
:func:`nlp.active.choose_posts`: mostly where the model (or, without one, the keyword rules) is
least sure, plus a fixed share of random posts, the only ones measured figures count. Each label
is written by a background thread in its own short transaction (:func:`store.labels.write_label`):
while an ingest or a run holds the warehouse, labels wait in memory (the page shows how many) and
are written as soon as it is free; Ctrl-C writes what is still waiting before it exits.

Example::

    tajian label --segment food --warehouse data/warehouse.duckdb
    tajian label --segment food --export food_labels.csv
    tajian label --segment food --import food_labels.csv
"""

from __future__ import annotations

import secrets
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Annotated, Any

import typer

from flows.cli_errors import fail
from flows.console import SEGMENT_HELP, LangOption
from flows.label_server import LabelSession, make_server
from flows.messages import current_lang, tr, use_lang
from report.i18n import N_

__all__ = ["label_command"]


def _start_session(
    segment: str,
    warehouse: Path,
    who: str,
    seed: int,
    random_share: float,
    segments_dir: Path,
    held_out: bool = False,
) -> tuple[LabelSession, str, str]:
    from nlp.label_pool import score_pool
    from nlp.segment_status import segment_status
    from nlp.segments import SegmentDefinitionError, load_segment
    from report.label_page import label_page
    from report.segment_text import segment_notes
    from store.labels import read_candidate_posts, read_labels
    from store.warehouse import WarehouseError

    try:
        seg = load_segment(segment, segments_dir)
        status = segment_status(segment, segments_dir)
        if not warehouse.is_file():
            raise FileNotFoundError(
                tr("{path}: no warehouse there; load posts first with tajian ingest").format(path=warehouse)
            )
        posts = read_candidate_posts(warehouse)
        labelled = read_labels(warehouse, segment)
    except (SegmentDefinitionError, FileNotFoundError, WarehouseError) as exc:
        raise fail(str(exc), 1) from None
    classifier, note = _classifier(segment, segments_dir)
    pool = score_pool(posts, seg, classifier)
    scorer = tr(_SCORERS[pool.scorer]) if pool.scorer in _SCORERS else pool.scorer
    pooled = tr(
        "{segment}: {n:,} of {of:,} posts pass the prefilter; {done:,} already labelled; scored by {scorer}"
    )
    line = pooled.format(segment=segment, n=len(pool.posts), of=len(posts), done=len(labelled), scorer=scorer)
    print(line + (tr(" ({note})").format(note=note) if note else ""))
    for line in segment_notes(status, current_lang()):
        print(line)
    token = secrets.token_urlsafe(16)
    session = LabelSession(
        warehouse, seg, pool, labelled, who=who, seed=seed, random_share=random_share, held_out=held_out
    )
    return session, label_page(segment, seg.description, token=token, draft=status["draft"]), token


#: what scored the labelling pool (:class:`nlp.label_pool.LabelPool`'s ``scorer``)
_SCORERS = {"model": N_("the model"), "rules": N_("the keyword rules")}


def _classifier(segment: str, segments_dir: Path) -> tuple[Any | None, str]:
    """The segment's model when there is a fresh one, else (None, why)."""
    path = segments_dir.parent / "models" / f"{segment}.joblib"
    if not path.is_file():
        return None, tr("no model yet")
    from nlp.model_files import ModelMismatchError, load_model

    try:
        return load_model(segment, path=path, segments_dir=segments_dir), ""
    except ModelMismatchError as exc:
        return None, tr("the model is stale, retrain it with tajian train: {why}").format(why=str(exc)[:200])


#: the help of ``tajian label`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "Label posts for a segment in a local web page (127.0.0.1 only): y 是 / n 否 / u 不确定 / space 跳过 / z"
    " 撤销. Labels go to the warehouse's labels table, one short write each, so ingests and runs go on "
    "meanwhile. Ctrl-C ends the session."
)


def label_command(
    segment: Annotated[str, typer.Option(help=SEGMENT_HELP)],
    warehouse: Annotated[Path | None, typer.Option(help=N_("warehouse file (default from settings)"))] = None,
    who: Annotated[str, typer.Option(help=N_("your name, recorded with each label"))] = "analyst",
    export: Annotated[
        Path | None, typer.Option("--export", help=N_("write the segment's labels to this CSV and exit"))
    ] = None,
    import_: Annotated[
        Path | None, typer.Option("--import", help=N_("load labels from this CSV (id,text,label) and exit"))
    ] = None,
    random_share: Annotated[
        float, typer.Option(help=N_("share of posts drawn at random (the ones measured figures use)"))
    ] = 0.3,
    seed: Annotated[int, typer.Option(help=N_("random seed of the choice of posts"))] = 0,
    held_out: Annotated[
        bool,
        typer.Option(
            "--held-out",
            help=N_(
                "draw every post at random into a fresh held-out set: once a segment has one, tajian "
                "evaluate measures on it alone and the other random labels train"
            ),
        ),
    ] = False,
    port: Annotated[int, typer.Option(help=N_("port (default 0: a free one)"))] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help=N_("print the URL only"))] = False,
    lang: LangOption = None,
) -> None:
    """``tajian label``: see :data:`HELP`."""
    from flows.settings import SettingsError, load_settings

    try:
        settings = load_settings().replace(lang=lang)
    except SettingsError as exc:
        raise fail(str(exc)) from None
    use_lang(settings.lang)
    if not 0 <= random_share <= 1:
        raise typer.BadParameter(
            tr("random-share must be between 0 and 1; got {value}").format(value=random_share)
        )
    wh = Path(warehouse) if warehouse else settings.warehouse
    if export or import_:
        _export_import(segment, wh, export, import_, who)
        return
    session, page, token = _start_session(
        segment, wh, who, seed, random_share, settings.segments_dir, held_out=held_out
    )
    server = make_server(session, page, token, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/?t={token}"
    print(tr("labelling page: {url}\nCtrl-C ends the session").format(url=url), flush=True)
    if not no_browser:
        threading.Thread(target=lambda: webbrowser.open(url), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if not session.flush(60):
            lost = tr("{n} labels could not be written: the warehouse stayed locked")
            print(tr("error: {why}").format(why=lost.format(n=session.writes.qsize())), file=sys.stderr)
            raise typer.Exit(1)
        print(tr("{n} labels written to {path}").format(n=sum(1 for h in session.history if h[2]), path=wh))


def _export_import(segment: str, wh: Path, export: Path | None, import_: Path | None, who: str) -> None:
    from store.labels import LabelFileError, export_labels, import_labels
    from store.warehouse import WarehouseError

    try:
        if import_:
            n = import_labels(wh, segment, import_, labelled_by=who)
            print(
                tr("{file}: {n} labels of {segment} loaded into {path}").format(
                    file=import_, n=n, segment=segment, path=wh
                )
            )
        if export:
            n = export_labels(wh, segment, export)
            print(
                tr("{file}: wrote {n} labels of {segment} from {path}").format(
                    file=export, n=n, segment=segment, path=wh
                )
            )
    except (LabelFileError, FileNotFoundError, WarehouseError) as exc:
        raise fail(str(exc), 1) from None
