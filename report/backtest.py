"""The backtest page: did the spread model's picks and predictions come true on real cascades?

``render_backtest`` takes plain data (what :meth:`graph.backtest.BacktestResult.to_dict` gives,
plus ``source`` and ``generated_at``) and returns one self-contained HTML page in the segment
report's style: plotly charts inlined once, every piece of text escaped (Jinja2 autoescaping in
the page, :func:`report.charts.esc` in the charts). :func:`model_check_text` is the sentence a
run's report can quote about its model from the last backtest's summary.

Example:
    >>> html = render_backtest(example_data())
    >>> "&lt;b&gt;" in html and "<b>x</b>" not in html, 'id="chart-reach-all"' in html
    (True, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go

from report import charts
from report.charts import OURS, esc
from report.i18n import DEFAULT_LANG, N_, translations

__all__ = [
    "example_data",
    "list_label",
    "model_check_text",
    "render_backtest",
    "verdict",
    "write_backtest_report",
]

_NAIVE = {"followers": N_("most followers"), "pagerank": "PageRank", "degree": N_("most people spread to")}
_MODEL = {
    "wc": N_("weighted cascade"),
    "learned": N_("learned (Bernoulli)"),
    "learned:bernoulli": N_("learned (Bernoulli)"),
    "learned:jaccard": N_("learned (Jaccard)"),
}
_TRACKS = {"all": N_("no limit"), "ordinary": N_("ordinary users")}
_NAIVE_COLOURS = {"followers": "#64748b", "pagerank": "#0f766e", "degree": "#7c3aed"}
_MODEL_COLOURS = ("#c2410c", "#ea580c", "#f59e0b", "#b45309", "#9a3412")


def model_label(spec: str, lang: str = DEFAULT_LANG) -> str:
    """A probability model in words: ``uniform:0.01`` → "uniform 0.01" (均匀 0.01)."""
    _ = translations(lang).gettext
    if spec in _MODEL:
        return _(_MODEL[spec])
    if spec.startswith("uniform:"):
        return _("uniform {p}").format(p=spec.removeprefix("uniform:"))
    return spec


def list_label(row: Mapping[str, Any], lang: str = DEFAULT_LANG) -> str:
    """How a compared list is named on the page."""
    _ = translations(lang).gettext
    if row.get("method") == "ris":
        return _("Tajian, {model}").format(model=model_label(str(row.get("model", "")), lang))
    method = str(row.get("method"))
    return _(_NAIVE[method]) if method in _NAIVE else method


def _num(v: Any, fmt: str = "{:,.0f}") -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(x) else fmt.format(x)


def _ci(ci: Sequence[Any] | None, fmt: str = "{:,.0f}") -> str:
    if not ci or len(ci) != 2:
        return ""
    return f"{_num(ci[0], fmt)} – {_num(ci[1], fmt)}"


def reach_chart(rows: Sequence[Mapping[str, Any]], track: str, lang: str = DEFAULT_LANG) -> str:
    """Distinct people really reached in the test cascades, per list (depth 1 and ≤ 2, with
    95% bootstrap intervals)."""
    _ = translations(lang).gettext
    rows = [r for r in rows if r["track"] == track]
    labels = [esc(list_label(r, lang)) for r in rows]
    fig = go.Figure()
    for depth, key, ci, opacity in (
        (_("depth 1"), "reach1", "ci1", 0.55),
        (_("depth ≤ 2"), "reach2", "ci2", 1.0),
    ):
        ys = [float(r[key]) for r in rows]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=ys,
                name=depth,
                opacity=opacity,
                marker_color=[
                    OURS if r["method"] == "ris" else _NAIVE_COLOURS.get(r["method"], "#94a3b8") for r in rows
                ],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [max(0.0, float(r[ci][1]) - y) for r, y in zip(rows, ys, strict=True)],
                    "arrayminus": [max(0.0, y - float(r[ci][0])) for r, y in zip(rows, ys, strict=True)],
                    "color": "#334155",
                    "thickness": 1,
                },
                hovertemplate=_("%{x}: %{y:,} people") + " (" + esc(depth) + ")<extra></extra>",
            )
        )
    charts._layout(fig, height=360, barmode="group")
    fig.update_yaxes(title_text=_("distinct people who really reposted"), rangemode="tozero")
    return charts._div(fig, f"chart-reach-{track}")


def calibration_chart(spread: Sequence[Mapping[str, Any]], depth: int = 2, lang: str = DEFAULT_LANG) -> str:
    """Mean real spread against mean predicted spread, test cascades binned by prediction."""
    t = translations(lang)
    _ = t.gettext
    fig = go.Figure()
    top, low = 1.0, 1.0
    for i, f in enumerate(spread):
        bins = f.get(f"bins{depth}") or []
        xs = [max(float(b[0]), 0.1) for b in bins]
        ys = [max(float(b[1]), 0.1) for b in bins]
        top, low = max([top, *xs, *ys]), min([low, *xs, *ys])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=esc(model_label(f["model"], lang)),
                text=[int(b[2]) for b in bins],
                line={"color": _MODEL_COLOURS[i % len(_MODEL_COLOURS)] if i else "#64748b", "width": 2},
                hovertemplate=_("predicted %{x:,.1f}, real %{y:,.1f} (%{text} cascades)")
                + "<extra>"
                + esc(model_label(f["model"], lang))
                + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[low, top],
            y=[low, top],
            mode="lines",
            name=_("perfect"),
            line={"color": "#cbd5e1", "dash": "dot"},
            hoverinfo="skip",
        )
    )
    charts._layout(fig, height=380)
    fig.update_xaxes(
        type="log",
        title_text=t.ngettext(
            "mean predicted reach within {n} hop", "mean predicted reach within {n} hops", depth
        ).format(n=depth),
    )
    fig.update_yaxes(type="log", title_text=_("mean real reposters"))
    return charts._div(fig, f"chart-calibration-{depth}")


def exposure_chart(rows: Sequence[Mapping[str, Any]], lang: str = DEFAULT_LANG) -> str:
    """Repost rate by number of exposures, beside what independent exposures would give."""
    t = translations(lang)
    _ = t.gettext
    rows = [r for r in rows if r["exposures"] != "2+" and r["pairs"]]
    xs = [
        t.ngettext("{n} exposure", "{n} exposures", int(r["exposures"])).format(n=r["exposures"])
        for r in rows
    ]
    rate = [float(r["rate"]) for r in rows]
    fig = go.Figure(
        go.Bar(
            x=xs,
            y=rate,
            name=_("real repost rate"),
            marker_color=OURS,
            text=[_("{n} pairs").format(n=f"{r['pairs']:,}") for r in rows],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [max(0.0, float(r["ci"][1]) - y) for r, y in zip(rows, rate, strict=True)],
                "arrayminus": [max(0.0, y - float(r["ci"][0])) for r, y in zip(rows, rate, strict=True)],
                "color": "#334155",
                "thickness": 1,
            },
            hovertemplate=_("%{x}: %{y:.2%} reposted (%{text})") + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[float(r["independent"]) for r in rows],
            mode="lines+markers",
            name=_("if exposures acted independently"),
            line={"color": "#64748b", "dash": "dot"},
            hovertemplate=_("%{x}: %{y:.2%} expected") + "<extra></extra>",
        )
    )
    charts._layout(fig, height=300)
    fig.update_yaxes(title_text=_("share who reposted"), tickformat=".1%", rangemode="tozero")
    return charts._div(fig, "chart-exposure")


def _best(rows: Sequence[Mapping[str, Any]], key: str) -> Mapping[str, Any] | None:
    naive = [r for r in rows if r["method"] != "ris"]
    return max(naive, key=lambda r: (r[key], r["name"])) if naive else None


def verdict(data: Mapping[str, Any], lang: str = DEFAULT_LANG) -> list[str]:
    """Plain sentences: did ours beat every naive list, which model ranked spread best, and
    what repeated exposure did."""
    _ = translations(lang).gettext
    out = []
    reach = data.get("reach") or []
    prob = str((data.get("params") or {}).get("probability", "wc"))
    tracks = (("all", N_("With no eligibility limit")), ("ordinary", N_("Among ordinary users")))
    for track, words in tracks:
        rows = [r for r in reach if r["track"] == track]
        ours = [r for r in rows if r["method"] == "ris"]
        best = _best(rows, "reach2")
        if not ours or best is None:
            continue
        top = max(ours, key=lambda r: r["reach2"])
        beats = all(
            top["reach2"] > r["reach2"] and top["reach1"] > r["reach1"] for r in rows if r["method"] != "ris"
        )
        line = _(
            "{where}: the best of our lists ({ours}) really reached {ours1} / {ours2} people (depth 1 / "
            "≤ 2); the best naive list ({naive}) {naive1} / {naive2}."
        ).format(
            where=_(words),
            ours=list_label(top, lang),
            ours1=f"{top['reach1']:,}",
            ours2=f"{top['reach2']:,}",
            naive=list_label(best, lang),
            naive1=f"{best['reach1']:,}",
            naive2=f"{best['reach2']:,}",
        )
        won = (
            _("Ours beat every naive list at both depths.")
            if beats
            else _("Ours did not beat every naive list.")
        )
        out.append(line + ("" if line.endswith("。") else " ") + won)  # no space after a Chinese stop
    spread = {f["model"]: f for f in data.get("spread") or []}
    if spread:
        ranked = sorted(spread.values(), key=lambda f: -_finite(f["spearman2"]))
        models = _(", ").join(
            f"{model_label(f['model'], lang)} {_num(f['spearman2'], '{:.2f}')}" for f in ranked
        )
        if prob in spread:
            text = _(
                "Spread prediction (Spearman of predicted vs real 2-hop spread): {models}; this run's "
                "model is {model}."
            ).format(models=models, model=model_label(prob, lang))
        else:
            text = _("Spread prediction (Spearman of predicted vs real 2-hop spread): {models}.").format(
                models=models
            )
        out.append(text)
    ex = {r["exposures"]: r for r in data.get("exposure") or []}
    one, two = ex.get("1"), ex.get("2+")
    if one and two and two["pairs"]:
        out.append(
            _(
                "Hearing it more than once: people exposed by two or more earlier reposters they had "
                "reposted before reposted {rate2} of the time ({pairs2} cases), against {rate1} for one "
                "exposure ({pairs1}); independent exposures would give {independent}."
            ).format(
                rate2=_num(two["rate"], "{:.2%}"),
                pairs2=f"{two['pairs']:,}",
                rate1=_num(one["rate"], "{:.2%}"),
                pairs1=f"{one['pairs']:,}",
                independent=_num(two["independent"], "{:.2%}"),
            )
        )
    return out


def _finite(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return -2.0
    return -2.0 if math.isnan(v) else v


def _env(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def _reach_rows(data: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    _ = translations(lang).gettext
    rows = []
    for r in data.get("reach") or []:
        track = str(r["track"])
        rows.append(
            {
                "label": list_label(r, lang),
                "file": f"seeds_{r['name']}.csv",
                "track": _(_TRACKS[track]) if track in _TRACKS else track,
                "ours": r["method"] == "ris",
                "reach1": _num(r["reach1"]),
                "ci1": _ci(r.get("ci1")),
                "reach2": _num(r["reach2"]),
                "ci2": _ci(r.get("ci2")),
                "seen": _num(r.get("seen2"), "{:.0%}"),
                "posting": _num(r.get("seeds_posting")),
            }
        )
    return rows


def _spread_rows(data: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    return [
        {
            "model": model_label(f["model"], lang),
            "n": _num(f["n_cascades"]),
            "s1": _num(f["spearman1"], "{:.3f}"),
            "s2": _num(f["spearman2"], "{:.3f}"),
            "mae1": _num(f["mae1"], "{:,.1f}"),
            "mae2": _num(f["mae2"], "{:,.1f}"),
            "pred2": _num(f["mean_predicted2"], "{:,.1f}"),
            "real2": _num(f["mean_real2"], "{:,.1f}"),
        }
        for f in data.get("spread") or []
    ]


def render_backtest(data: Mapping[str, Any], lang: str = DEFAULT_LANG) -> str:
    """The backtest page as one HTML string, in ``lang`` (zh by default, or en)."""
    reach = data.get("reach") or []
    spread = data.get("spread") or []
    exposure = data.get("exposure") or []
    chart = {
        "reach_all": reach_chart(reach, "all", lang) if any(r["track"] == "all" for r in reach) else "",
        "reach_ordinary": reach_chart(reach, "ordinary", lang)
        if any(r["track"] == "ordinary" for r in reach)
        else "",
        "calibration2": calibration_chart(spread, 2, lang) if spread else "",
        "calibration1": calibration_chart(spread, 1, lang) if spread else "",
        "exposure": exposure_chart(exposure, lang) if any(r["pairs"] for r in exposure) else "",
    }
    generated = data.get("generated_at") or datetime.now(UTC)
    return (
        _env(lang)
        .get_template("backtest.html.j2")
        .render(
            html_lang="zh-CN" if lang == "zh" else "en",
            source=str(data.get("source", "")),
            generated_at=generated.strftime("%Y-%m-%d %H:%M UTC")
            if isinstance(generated, datetime)
            else str(generated),
            params=sorted((str(k), str(v)) for k, v in (data.get("params") or {}).items()),
            counts=[(str(k).replace("_", " "), _num(v)) for k, v in (data.get("counts") or {}).items()],
            timings=[(str(k), _num(v, "{:,.1f} s")) for k, v in (data.get("timings") or {}).items()],
            split=str((data.get("params") or {}).get("split", "")),
            k=(data.get("params") or {}).get("k", ""),
            verdict=verdict(data, lang),
            reach_rows=_reach_rows(data, lang),
            spread_rows=_spread_rows(data, lang),
            exposure_rows=[
                {
                    "e": r["exposures"],
                    "pairs": _num(r["pairs"]),
                    "reposted": _num(r["reposted"]),
                    "rate": _num(r["rate"], "{:.2%}"),
                    "ci": _ci(r.get("ci"), "{:.2%}"),
                    "independent": _num(r["independent"], "{:.2%}"),
                }
                for r in exposure
            ],
            notes=[str(n) for n in data.get("notes") or []],
            chart=chart,
            plotly_js=charts.plotly_js() if any(chart.values()) else "",
        )
    )


def write_backtest_report(data: Mapping[str, Any], path: str | Path, lang: str = DEFAULT_LANG) -> Path:
    """Write :func:`render_backtest` (in ``lang``) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_backtest(data, lang), encoding="utf-8")
    return path


def model_check_text(summary: Mapping[str, Any] | None, probability: str, lang: str = DEFAULT_LANG) -> str:
    """What the last backtest said about ``probability``'s predictions, in one sentence for a
    run's method section, in ``lang`` (empty when there was no backtest or it did not test that
    model).

    >>> s = {"source": "ced", "params": {"split": "2013-03-01"},
    ...      "spread": {"wc": {"n_cascades": 366, "spearman2": 0.48, "mean_predicted2": 1236.0,
    ...                        "mean_real2": 399.0},
    ...                 "learned": {"n_cascades": 366, "spearman2": 0.52, "mean_predicted2": 236.0,
    ...                             "mean_real2": 399.0}}}
    >>> model_check_text(s, "wc", "en")[:80]
    'In the last backtest (ced, trained before 2013-03-01), this model (weighted casc'
    >>> model_check_text(s, "wc", "zh")[:50]
    '在最近一次回测中（ced，用 2013-03-01 之前的数据训练），这个模型（加权级联）给 366'
    """
    if not summary:
        return ""
    _ = translations(lang).gettext
    spread = summary.get("spread") or {}
    fit = spread.get(probability)
    if not fit:
        return ""
    others = _(", ").join(
        f"{model_label(m, lang)} {_num(v.get('spearman2'), '{:.2f}')}"
        for m, v in spread.items()
        if m != probability
    )
    return _(
        "In the last backtest ({source}, trained before {split}), this model ({model}) ranked the real "
        "2-hop spread of {n} held-out cascades with Spearman {spearman}{others}; it predicted {predicted} "
        "people per cascade on average against {real} who really reposted."
    ).format(
        source=summary.get("source") or _("unknown source"),
        split=(summary.get("params") or {}).get("split", "?"),
        model=model_label(probability, lang),
        n=_num(fit.get("n_cascades")),
        spearman=_num(fit.get("spearman2"), "{:.2f}"),
        others=_(" ({others})").format(others=others) if others else "",
        predicted=_num(fit.get("mean_predicted2"), "{:,.0f}"),
        real=_num(fit.get("mean_real2"), "{:,.0f}"),
    )


def example_data() -> dict[str, Any]:
    """A tiny, fully populated input (docs and tests), with markup in its text."""
    reach = [
        {"name": "tajian", "track": "all", "method": "ris", "model": "wc", "reach1": 10, "reach2": 14,
         "ci1": [6, 12], "ci2": [9, 18], "seen1": 0.5, "seen2": 0.4, "seeds_posting": 2},
        {"name": "followers", "track": "all", "method": "followers", "model": "", "reach1": 8, "reach2": 9,
         "ci1": [5, 10], "ci2": [6, 12], "seen1": 0.5, "seen2": 0.5, "seeds_posting": 2},
        {"name": "tajian_ordinary", "track": "ordinary", "method": "ris", "model": "wc", "reach1": 3,
         "reach2": 4, "ci1": [1, 5], "ci2": [2, 6], "seen1": 1.0, "seen2": 1.0, "seeds_posting": 1},
    ]  # fmt: skip
    spread = [
        {"model": m, "n_cascades": 5, "spearman1": 0.5, "spearman2": s, "mae1": 1.0, "mae2": 2.0,
         "mean_predicted1": 1.0, "mean_predicted2": 2.0, "mean_real1": 2.0, "mean_real2": 3.0,
         "bins2": [[1.0, 2.0, 3], [3.0, 4.0, 2]], "bins1": [[0.5, 1.0, 3], [2.0, 3.0, 2]]}
        for m, s in (("wc", 0.4), ("learned", 0.6))
    ]  # fmt: skip
    exposure = [
        {"exposures": "1", "pairs": 100, "reposted": 2, "rate": 0.02, "ci": [0.01, 0.03],
         "independent": 0.02},
        {"exposures": "2", "pairs": 10, "reposted": 1, "rate": 0.1, "ci": [0.0, 0.3], "independent": 0.0396},
        {"exposures": "2+", "pairs": 10, "reposted": 1, "rate": 0.1, "ci": [0.0, 0.3], "independent": 0.0396},
    ]  # fmt: skip
    return {
        "source": "<b>x</b>",
        "params": {"split": "2013-03-01", "k": 2, "probability": "wc"},
        "counts": {"test_cascades": 5},
        "spread": spread,
        "reach": reach,
        "exposure": exposure,
        "notes": ["<i>note</i>"],
    }
