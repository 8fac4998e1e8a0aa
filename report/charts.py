"""The report's charts, drawn by plotly and embedded in the one HTML file.

Each function takes plain data and returns an HTML fragment (a ``<div>`` and the small inline
script that draws it); :func:`plotly_js` is plotly's own JavaScript from the wheel, which the
report inlines once, so the file opens offline. Plotly reads ``<b>``-style tags in text, so all
user text is HTML-escaped before it reaches a chart (plotly shows the entities as characters).

Example:
    >>> div = reach_curve_chart({"ours": [(1, 2.0), (2, 3.5)]}, ours="ours")
    >>> 'id="chart-reach"' in div, "cdn.plot.ly" in div
    (True, False)
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

__all__ = [
    "OURS",
    "circles_picture",
    "city_chart",
    "follower_chart",
    "members_over_time_chart",
    "overlap_chart",
    "plotly_js",
    "reach_curve_chart",
    "share_chart",
    "top_words_chart",
]

OURS = "#c2410c"
BASE_COLOURS = ("#64748b", "#0f766e", "#7c3aed", "#94a3b8")
FONT = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
    '"Microsoft YaHei", system-ui, sans-serif'
)
CIRCLE_COLOURS = (
    "#c2410c",
    "#0f766e",
    "#7c3aed",
    "#b45309",
    "#be185d",
    "#1d4ed8",
    "#4d7c0f",
    "#0e7490",
    "#a21caf",
    "#9f1239",
    "#15803d",
    "#6d28d9",
)


def _same(text: str) -> str:
    return text


#: a chart's texts go through ``tr`` (the report's gettext; English ids by default)
Tr = Callable[[str], str]

_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toImage"],
}


def plotly_js() -> str:
    """Plotly's JavaScript bundle (from the installed wheel), to inline once in the report."""
    return get_plotlyjs()


def esc(text: Any) -> str:
    """User text made safe for a plotly label (plotly renders a few HTML tags)."""
    return html.escape("" if text is None else str(text), quote=True)


def _layout(fig: go.Figure, *, height: int = 320, legend: bool = True, **kw: Any) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 13, "color": "#1f2933"},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": FONT}},
        **kw,
    )
    fig.update_xaxes(gridcolor="#eef2f6", zerolinecolor="#e4e7eb", automargin=True)
    fig.update_yaxes(gridcolor="#eef2f6", zerolinecolor="#e4e7eb", automargin=True)
    return fig


def _div(fig: go.Figure, div_id: str) -> str:
    return pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=_CONFIG,
        default_width="100%",
        default_height=f"{fig.layout.height}px",
    )


def reach_curve_chart(curves: Mapping[str, Sequence[tuple[int, float]]], *, ours: str, tr: Tr = _same) -> str:
    """Expected reach against k for our list and the naive lists (``label → [(k, reach)]``)."""
    fig = go.Figure()
    colours = iter(BASE_COLOURS)
    for label, points in curves.items():
        xs = [int(k) for k, _ in points]
        ys = [float(v) for _, v in points]
        is_ours = label == ours
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=esc(label),
                line={
                    "color": OURS if is_ours else next(colours, "#94a3b8"),
                    "width": 3.5 if is_ours else 2,
                    "dash": "solid" if is_ours else "dot",
                },
                marker={"size": 6 if is_ours else 4},
                hovertemplate=tr("first %{x} seeds: %{y:,.1f} reached") + "<extra>" + esc(label) + "</extra>",
            )
        )
    _layout(fig, height=360)
    fig.update_xaxes(title_text=tr("number of seed users invited"), rangemode="tozero")
    fig.update_yaxes(title_text=tr("members expected to be reached"), rangemode="tozero")
    return _div(fig, "chart-reach")


def members_over_time_chart(days: Sequence[tuple[str, int, int]], *, label: str, tr: Tr = _same) -> str:
    """Per day: members who posted (bars; their posts on hover)."""
    fig = go.Figure(
        go.Bar(
            x=[d for d, _, _ in days],
            y=[m for _, m, _ in days],
            customdata=[p for _, _, p in days],
            marker_color=OURS,
            name=esc(label),
            hovertemplate=tr("%{x}: %{y} people wrote %{customdata} posts") + "<extra></extra>",
        )
    )
    _layout(fig, height=300, legend=False, bargap=0.15)
    fig.update_yaxes(title_text=tr("people posting"), rangemode="tozero")
    fig.update_xaxes(type="date", tickformat="%m-%d")
    return _div(fig, "chart-over-time")


def top_words_chart(words: Sequence[tuple[str, int, float]], *, n: int = 20, tr: Tr = _same) -> str:
    """The most distinctive words of the segment, as horizontal bars (score; count on hover)."""
    top = list(words)[:n][::-1]
    fig = go.Figure(
        go.Bar(
            x=[round(float(s), 2) for _, _, s in top],
            y=[esc(w) for w, _, _ in top],
            orientation="h",
            marker_color=OURS,
            customdata=[int(c) for _, c, _ in top],
            hovertemplate=tr("%{y}: in %{customdata} posts, distinctiveness %{x}") + "<extra></extra>",
        )
    )
    _layout(fig, height=max(300, 21 * len(top) + 70), legend=False)
    fig.update_xaxes(title_text=tr("how much more often than in all posts"))
    return _div(fig, "chart-words")


FOLLOWER_BUCKETS = (
    (0, 100, "< 100"),
    (100, 500, "100–499"),
    (500, 1000, "500–999"),
    (1000, 5000, "1k–5k"),
    (5000, 10_000, "5k–10k"),
    (10_000, 50_000, "10k–50k"),
    (50_000, math.inf, "50k +"),
)


def follower_buckets(values: Sequence[int | None]) -> list[int]:
    """Counts per :data:`FOLLOWER_BUCKETS` bucket, plus a last count of unknowns."""
    counts = [0] * (len(FOLLOWER_BUCKETS) + 1)
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            counts[-1] += 1
            continue
        for i, (lo, hi, _) in enumerate(FOLLOWER_BUCKETS):
            if lo <= v < hi:
                counts[i] += 1
                break
    return counts


def follower_chart(
    members: Sequence[int | None], seeds: Sequence[int | None], *, label: str, tr: Tr = _same
) -> str:
    """Follower counts of the members and of the seeds, as shares of each group."""
    names = [b[2] for b in FOLLOWER_BUCKETS] + [tr("unknown")]
    fig = go.Figure()
    for group, values, colour in ((tr("all members"), members, "#94a3b8"), (tr("seed users"), seeds, OURS)):
        counts = follower_buckets(values)
        total = max(1, sum(counts))
        fig.add_trace(
            go.Bar(
                x=names,
                y=[c / total for c in counts],
                name=f"{esc(group)} ({sum(counts):,})",
                marker_color=colour,
                customdata=counts,
                hovertemplate=tr("%{x} followers: %{customdata} (%{y:.0%})")
                + "<extra>"
                + esc(group)
                + "</extra>",
            )
        )
    _layout(fig, height=300, barmode="group")
    fig.update_yaxes(tickformat=".0%", title_text=tr("share of group"))
    fig.update_xaxes(title_text=tr("followers"))
    return _div(fig, "chart-followers")


def city_chart(cities: Sequence[tuple[str, int, int]], *, label: str, n: int = 15, tr: Tr = _same) -> str:
    """Members and seeds per city (``[(city, members, seeds)]``, most members first)."""
    top = list(cities)[:n][::-1]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=[esc(c) for c, _, _ in top],
            x=[m for _, m, _ in top],
            orientation="h",
            name=tr("members"),
            marker_color="#94a3b8",
            hovertemplate=tr("%{y}: %{x} members") + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=[esc(c) for c, _, _ in top],
            x=[s for _, _, s in top],
            orientation="h",
            name=tr("seed users"),
            marker_color=OURS,
            hovertemplate=tr("%{y}: %{x} seed users") + "<extra></extra>",
        )
    )
    _layout(fig, height=max(300, 28 * len(top) + 70), barmode="overlay")
    fig.update_traces(selector={"name": tr("seed users")}, width=0.45)
    return _div(fig, "chart-cities")


def share_chart(
    div_id: str,
    categories: Sequence[str],
    groups: Mapping[str, Sequence[int]],
    *,
    axis: str = "",
    tr: Tr = _same,
) -> str:
    """Counts per category for a few groups (e.g. the segment and the seeds), drawn as shares of
    each group so groups of different sizes compare; hovering shows the counts. Categories are
    drawn in the order given (put "unknown" last: it is a category, not left out).

    >>> 'id="chart-gender"' in share_chart("chart-gender", ["f", "m"], {"all": [3, 1], "seeds": [1, 0]})
    True
    """
    fig = go.Figure()
    colours = ("#94a3b8", OURS, *BASE_COLOURS)
    for i, (group, counts) in enumerate(groups.items()):
        total = max(1, sum(counts))
        fig.add_trace(
            go.Bar(
                x=[esc(c) for c in categories],
                y=[c / total for c in counts],
                name=f"{esc(group)} ({sum(counts):,})",
                marker_color=colours[i % len(colours)],
                customdata=list(counts),
                hovertemplate="%{x}: %{customdata} (%{y:.0%})<extra>" + esc(group) + "</extra>",
            )
        )
    _layout(fig, height=280, barmode="group")
    fig.update_yaxes(tickformat=".0%", title_text=tr("share of group"))
    fig.update_xaxes(title_text=esc(axis), type="category")
    return _div(fig, div_id)


def overlap_chart(by_count: Mapping[int, float], *, label: str, tr: Tr = _same) -> str:
    """Expected members reached by exactly 1, 2, 3 and 4+ seeds."""
    keys = sorted(by_count)
    names = [
        tr("{k}+ seeds").format(k=k) if k == keys[-1] and k > 1 else tr("{k} seed(s)").format(k=k)
        for k in keys
    ]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=[by_count[k] for k in keys],
            marker_color=["#94a3b8" if k == 1 else OURS for k in keys],
            hovertemplate=tr("reached by %{x}: %{y:,.1f} members") + "<extra></extra>",
        )
    )
    _layout(fig, height=260, legend=False)
    fig.update_yaxes(title_text=tr("members expected"))
    return _div(fig, "chart-overlap")


def _cluster_layout(
    nodes: Sequence[Mapping[str, Any]], edges: Sequence[tuple[str, str]], seed: int
) -> tuple[dict[str, tuple[float, float]], dict[Any, tuple[float, float]]]:
    """Each circle laid out on its own (spring layout), circles placed on a grid, biggest first."""
    groups: dict[Any, list[str]] = {}
    for nd in nodes:
        groups.setdefault(nd.get("circle"), []).append(nd["id"])
    seeds_in = {
        c: sum(1 for nd in nodes if nd.get("circle") == c and nd.get("rank") is not None) for c in groups
    }
    order = sorted(groups, key=lambda c: (-seeds_in[c], -len(groups[c]), str(c)))
    cols = max(1, math.ceil(math.sqrt(len(order) * 1.6)))
    pos: dict[str, tuple[float, float]] = {}
    centres: dict[Any, tuple[float, float]] = {}
    for i, c in enumerate(order):
        h = nx.Graph()
        h.add_nodes_from(groups[c])
        h.add_edges_from((a, b) for a, b in edges if a in h and b in h)
        local = nx.spring_layout(h, seed=seed, k=0.9 / math.sqrt(max(1, len(h))), iterations=80)
        cx, cy = (i % cols) * 3.0, -(i // cols) * 3.0
        centres[c] = (cx, cy)
        for u, (x, y) in local.items():
            pos[u] = (cx + float(x), cy + float(y))
    return pos, centres


def circles_picture(
    nodes: Sequence[Mapping[str, Any]], edges: Sequence[tuple[str, str]], *, seed: int = 0, tr: Tr = _same
) -> str:
    """A small picture of the seeds and their circles.

    ``nodes``: ``{id, label, circle, rank (None unless a seed), city}``; ``edges``: pairs of ids.
    Each circle is drawn as its own cluster (networkx spring layout, seeded), labelled with its
    id and main city; big outlined dots are seeds, small dots their closest contacts.
    """
    pos, centres = _cluster_layout(nodes, edges, seed)
    circles = sorted({nd["circle"] for nd in nodes if nd.get("circle") is not None})
    colour = {c: CIRCLE_COLOURS[i % len(CIRCLE_COLOURS)] for i, c in enumerate(circles)}
    fig = go.Figure()
    for same in (False, True):
        ex: list[float | None] = []
        ey: list[float | None] = []
        circle_of = {nd["id"]: nd.get("circle") for nd in nodes}
        for a, b in edges:
            if a in pos and b in pos and (circle_of.get(a) == circle_of.get(b)) == same:
                ex += [pos[a][0], pos[b][0], None]
                ey += [pos[a][1], pos[b][1], None]
        fig.add_trace(
            go.Scatter(
                x=ex,
                y=ey,
                mode="lines",
                hoverinfo="skip",
                showlegend=False,
                line={
                    "color": "#cbd5e1" if same else "rgba(148,163,184,0.25)",
                    "width": 0.8 if same else 0.5,
                },
            )
        )
    for is_seed in (False, True):
        pick = [nd for nd in nodes if (nd.get("rank") is not None) == is_seed and nd["id"] in pos]
        if not pick:
            continue
        text = [
            (f"#{nd['rank']} " if is_seed else "")
            + esc(nd.get("label") or nd["id"])
            + "<br>"
            + tr("circle {c}").format(c=nd.get("circle"))
            + (f" · {esc(nd['city'])}" if nd.get("city") else "")
            for nd in pick
        ]
        fig.add_trace(
            go.Scatter(
                x=[pos[nd["id"]][0] for nd in pick],
                y=[pos[nd["id"]][1] for nd in pick],
                mode="markers",
                name=tr("seed users") if is_seed else tr("their closest contacts"),
                text=text,
                hovertemplate="%{text}<extra></extra>",
                marker={
                    "size": 12 if is_seed else 6,
                    "color": [colour.get(nd.get("circle"), "#94a3b8") for nd in pick],
                    "opacity": 1.0 if is_seed else 0.5,
                    "line": {"color": "#1f2933" if is_seed else "rgba(0,0,0,0)", "width": 1.2},
                },
            )
        )
    city_of: dict[Any, dict[str, int]] = {}
    for nd in nodes:
        if nd.get("city"):
            counts = city_of.setdefault(nd.get("circle"), {})
            counts[nd["city"]] = counts.get(nd["city"], 0) + 1
    labels = []
    for c, (cx, cy) in centres.items():
        if c is None:
            continue
        top = max(city_of.get(c, {}).items(), key=lambda kv: (kv[1], kv[0]), default=None)
        labels.append(
            {
                "x": cx,
                "y": cy + 1.25,
                "showarrow": False,
                "text": f"c{c}" + (f" · {esc(top[0])}" if top else ""),
                "font": {"size": 11, "color": colour.get(c, "#616e7c")},
            }
        )
    # the circles' labels set at once: one add_annotation each re-validated the whole layout
    # (0.6 s for 80 circles); the figure's JSON is the same
    fig.update_layout(annotations=labels)
    rows = math.ceil(len(centres) / max(1, math.ceil(math.sqrt(len(centres) * 1.6)))) or 1
    _layout(fig, height=min(900, max(360, 150 * rows + 60)))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return _div(fig, "chart-circles")
