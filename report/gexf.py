"""``circles.gexf``: the seeds and the circles they sit in, for Gephi (GEXF 1.2, written directly).

The file holds what networkx's ``write_gexf`` of :func:`circles_graph` holds (the same nodes, node
attributes, edges, edge ids and weights, in the same order), written line by line instead of
through a networkx graph and an XML tree: at 20k circle members that was 3.6% of a run.

Example:
    >>> import tempfile, networkx as nx
    >>> path = write_circles_gexf(
    ...     [{"id": "1", "label": "<b>", "circle": 0, "rank": 1, "city": None, "member": True}],
    ...     [("1", "2", 1.5)], tempfile.mkdtemp() + "/circles.gexf")
    >>> h = nx.read_gexf(path)
    >>> h.nodes["1"]["label"], h.nodes["1"]["seed"], h.nodes["2"]["seed"], h.edges["1", "2"]["weight"]
    ('<b>', True, False, 1.5)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["circles_graph", "write_circles_gexf"]

#: The node attributes, in the file's order: (name, GEXF type).
_NODE_ATTRIBUTES = (
    ("user_id", "string"),
    ("circle", "long"),
    ("city", "string"),
    ("seed", "boolean"),
    ("rank", "long"),
    ("member", "boolean"),
    ("followers", "long"),
)
#: Characters XML 1.0 cannot hold at all (control characters, lone surrogates): dropped from
#: user text, or the file would not open.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTR_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}


def _node_attributes(nd: Mapping[str, Any]) -> dict[str, Any]:
    rank = nd.get("rank")
    return {
        "label": str(nd.get("label") or nd["id"]),
        "user_id": str(nd["id"]),
        "circle": int(nd["circle"]) if nd.get("circle") is not None else -1,
        "city": str(nd.get("city") or ""),
        "seed": rank is not None,
        "rank": int(rank) if rank is not None else 0,
        "member": bool(nd.get("member", False)),
        "followers": int(nd["followers"]) if nd.get("followers") is not None else -1,
    }


def _edge_end(node: str) -> dict[str, Any]:
    return {
        "label": node,
        "user_id": node,
        "circle": -1,
        "city": "",
        "seed": False,
        "rank": 0,
        "member": False,
        "followers": -1,
    }


def _nodes_and_edges(
    nodes: Sequence[Mapping[str, Any]], edges: Sequence[tuple[str, str, float]]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, float]]]:
    """Nodes by id (a repeated id keeps its first place and its last attributes; an edge's end
    that is not a node is added plainly) and each node's out-edges (a repeated edge keeps its
    first place and its last weight): a directed graph's order of nodes and of edges."""
    by_id: dict[str, dict[str, Any]] = {}
    for nd in nodes:
        by_id[str(nd["id"])] = _node_attributes(nd)
    out: dict[str, dict[str, float]] = {}
    for a, b, w in edges:
        for end in (str(a), str(b)):
            if end not in by_id:
                by_id[end] = _edge_end(end)
        out.setdefault(str(a), {})[str(b)] = float(w)
    return by_id, out


def circles_graph(nodes: Sequence[Mapping[str, Any]], edges: Sequence[tuple[str, str, float]]) -> nx.DiGraph:
    """A networkx graph of the seeds' circles: what :func:`write_circles_gexf` writes, as a graph
    (node attributes have no missing values)."""
    import networkx as nx  # only when a graph object is asked for

    by_id, out = _nodes_and_edges(nodes, edges)
    h = nx.DiGraph()
    h.add_nodes_from(by_id.items())
    h.add_weighted_edges_from((a, b, w) for a, targets in out.items() for b, w in targets.items())
    return h


def _text(value: Any) -> str:
    return escape(_NOT_XML.sub("", str(value)), _ATTR_ENTITIES)


def write_circles_gexf(
    nodes: Sequence[Mapping[str, Any]], edges: Sequence[tuple[str, str, float]], path: str | Path
) -> Path:
    """Write the seeds' circles to ``path`` (GEXF 1.2, UTF-8): nodes with their label and
    :data:`_NODE_ATTRIBUTES`, directed edges with ids 0, 1, … (grouped by source, in node order)
    and weights. User text is escaped; characters XML cannot hold are dropped."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    by_id, out = _nodes_and_edges(nodes, edges)
    lines = [
        "<?xml version='1.0' encoding='utf-8'?>",
        '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd"'
        ' version="1.2">',
        f'  <meta lastmodifieddate="{date.today().isoformat()}">',
        "    <creator>Tajian</creator>",
        "  </meta>",
        '  <graph defaultedgetype="directed" mode="static" name="">',
    ]
    if by_id:  # declared only when some node has them, as networkx does
        lines.append('    <attributes mode="static" class="node">')
        lines.extend(
            f'      <attribute id="{i}" title="{name}" type="{kind}" />'
            for i, (name, kind) in enumerate(_NODE_ATTRIBUTES)
        )
        lines.append("    </attributes>")
    lines.append("    <nodes>")
    # each distinct value escaped once (an id is written once per node and per edge end, a
    # circle or city for many nodes): typed, so 1, 1.0 and True stay apart
    text = functools.lru_cache(maxsize=None, typed=True)(_text)

    def value(v: Any) -> str:
        return ("true" if v else "false") if isinstance(v, bool) else text(v)

    for node, attrs in by_id.items():
        lines.append(f'      <node id="{text(node)}" label="{text(attrs["label"])}">')
        lines.append("        <attvalues>")
        lines.extend(
            f'          <attvalue for="{i}" value="{value(attrs[name])}" />'
            for i, (name, _) in enumerate(_NODE_ATTRIBUTES)
        )
        lines.append("        </attvalues>")
        lines.append("      </node>")
    lines.append("    </nodes>")
    lines.append("    <edges>")
    edge_id = 0
    for a in by_id:
        for b, w in out.get(a, {}).items():
            lines.append(
                f'      <edge source="{text(a)}" target="{text(b)}" id="{edge_id}" weight="{w!s}" />'
            )
            edge_id += 1
    lines.append("    </edges>")
    lines.append("  </graph>")
    lines.append("</gexf>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
