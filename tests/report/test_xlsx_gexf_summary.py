"""seeds.xlsx as Excel reads it (ids as text, no formulas), circles.gexf, the run summary and the
cross-infection estimate."""

from __future__ import annotations

import json

import igraph as ig
import networkx as nx
import numpy as np
import openpyxl
import pytest

from graph.diffusion import edge_probabilities
from graph.overlap import seed_overlap
from report.gexf import write_circles_gexf
from report.summary import md_escape, run_summary
from report.xlsx import XLSX_COLUMNS, write_seeds_xlsx

NASTY = ('=HYPERLINK("http://evil","x")', "+1", "-1+2", "@SUM(A1)", "\tx", "\r=1")


def _rows():
    rows = []
    for i, bad in enumerate(NASTY, 1):
        rows.append(
            {
                "rank": i,
                "user_id": f"53664869050597{i:02d}",
                "screen_name": bad,
                "profile_url": f"https://weibo.com/u/53664869050597{i:02d}",
                "followers": 1200 * i,
                "city": "=杭州" if i == 1 else "杭州",
                "circle": 3,
                "segment_score": 0.875,
                "n_hits": 7,
                "engagement_rate": 0.0123,
                "bot_score": None,
                "marginal_reach": 12.3456,
                "cumulative_reach": 12.3456 * i,
                "reason": bad,
                "evidence": [
                    {"kind": "post", "text": f"{bad} 我家宝宝今天会走路了", "hits": ["我家宝宝"]},
                    {"kind": "profile", "text": "bio: 二胎妈妈"},
                ],
            }
        )
    return rows


def test_xlsx_ids_are_text_and_no_cell_is_a_formula(tmp_path):
    meetups = [{"city": "杭州", "n_seeds": 6, "circles": "3", "seeds_text": "=cmd|' /C calc'!A0"}]
    path = write_seeds_xlsx(
        _rows(), tmp_path / "seeds.xlsx", meetups=meetups, about=[("run", "=1+1")], notes=["@note"]
    )
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]  # the list first: a header row, then one row per seed
    header = [c.value for c in ws[1]]
    assert ws.title == "Seeds" and ws.max_row == len(NASTY) + 1
    assert len(header) == len(XLSX_COLUMNS) and header[1] == "user id"
    assert header[4:7] == ["status", "contact person", "notes"]
    col = {name: i for i, name in enumerate(XLSX_COLUMNS)}
    for r, row in enumerate(ws.iter_rows(min_row=2), 1):
        uid = row[col["user_id"]]
        assert uid.data_type == "s" and uid.value == f"53664869050597{r:02d}"  # all 16 digits
        assert uid.number_format == "@"
        assert row[col["followers"]].value == 1200 * r  # numbers stay numbers
        assert row[col["bot_score"]].value is None
        assert row[col["profile_url"]].hyperlink.target == row[col["profile_url"]].value
        assert row[col["status"]].value is None and row[col["outreach_notes"]].value is None
        assert "我家宝宝今天会走路了" in row[col["evidence"]].value  # the post, not the bio
        assert "二胎妈妈" not in row[col["evidence"]].value
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    names = [ws.cell(r, col["screen_name"] + 1).value for r in range(2, len(NASTY) + 2)]
    # XML stores a CR as a line break: the guard still leads the cell
    assert names == ["'" + bad.replace("\r", "\n") for bad in NASTY]
    assert ws.cell(2, col["city"] + 1).value == "'=杭州"
    assert wb["Meet-ups"]["D2"].value.startswith("'=")
    assert wb.sheetnames == ["Seeds", "Meet-ups", "About"]


def test_xlsx_speaks_chinese_with_an_outreach_status_list(tmp_path):
    path = write_seeds_xlsx(_rows(), tmp_path / "seeds.xlsx", lang="zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["种子名单", "同城见面", "说明"]
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["排名", "用户ID", "昵称", "主页链接", "状态", "联系人", "备注"]
    assert header[-1] == "入选依据的帖子"
    (validation,) = ws.data_validations.dataValidation
    assert validation.formula1 == '"未联系,已联系,已同意,已拒绝"' and str(validation.sqref) == "E2:E7"


def test_gexf_opens_in_networkx_with_seed_attributes(tmp_path):
    nodes = [
        {
            "id": "1",
            "label": "<script>x</script>",
            "circle": 0,
            "rank": 1,
            "city": "杭州",
            "member": True,
            "followers": 10,
        },
        {"id": "2", "label": "b", "circle": 0, "rank": None, "city": None, "member": True, "followers": None},
    ]
    path = write_circles_gexf(nodes, [("1", "2", 2.0), ("2", "3", 1.0)], tmp_path / "c.gexf")
    h = nx.read_gexf(path)
    assert set(h.nodes) == {"1", "2", "3"} and h["1"]["2"]["weight"] == 2.0
    assert h.nodes["1"]["label"] == "<script>x</script>" and h.nodes["1"]["rank"] == 1
    assert h.nodes["2"]["followers"] == -1 and h.nodes["3"]["seed"] is False


def _networkx_gexf(nodes, edges, path):
    """circles.gexf as report/gexf.py wrote it before it wrote the XML itself: a networkx DiGraph
    through nx.write_gexf (the reference the direct writer must read back equal to)."""
    h = nx.DiGraph()
    default = {"circle": -1, "city": "", "seed": False, "rank": 0, "member": False, "followers": -1}
    for nd in nodes:
        rank = nd.get("rank")
        h.add_node(
            str(nd["id"]),
            label=str(nd.get("label") or nd["id"]),
            user_id=str(nd["id"]),
            circle=int(nd["circle"]) if nd.get("circle") is not None else -1,
            city=str(nd.get("city") or ""),
            seed=rank is not None,
            rank=int(rank) if rank is not None else 0,
            member=bool(nd.get("member", False)),
            followers=int(nd["followers"]) if nd.get("followers") is not None else -1,
        )
    for a, b, w in edges:
        for end in (a, b):
            if end not in h:
                h.add_node(str(end), label=str(end), user_id=str(end), **default)
        h.add_edge(str(a), str(b), weight=float(w))
    nx.write_gexf(h, path)
    return path


@pytest.mark.parametrize("n", [0, 1, 40])
def test_gexf_reads_back_as_networkx_wrote_it(tmp_path, n):
    rng = np.random.default_rng(n)
    names = ['a & b <"妈妈">', "x\ty\nz\r", "\U0001f476 宝宝", "", None, "'quote'", "]]>"]
    nodes = [
        {
            "id": str(1000 + i),
            "label": names[i % len(names)],
            "circle": None if i % 5 == 0 else int(rng.integers(0, 4)),
            "rank": i + 1 if i % 3 == 0 else None,
            "city": names[(i + 2) % len(names)],
            "member": bool(i % 2),
            "followers": None if i % 4 == 0 else int(rng.integers(0, 10**9)),
        }
        for i in range(n)
    ]
    nodes += nodes[:2]  # a repeated id keeps its place and its last attributes
    ends = [str(1000 + i) for i in range(n)] + ["999", "1"]  # some ends are not nodes
    edges = [
        (str(rng.choice(ends)), str(rng.choice(ends)), float(rng.choice([0.5, 1.0, 2.5, 1 / 3])))
        for _ in range(3 * n)
    ]
    edges += edges[:3]  # a repeated edge keeps its place and its last weight
    want = nx.read_gexf(_networkx_gexf(nodes, edges, tmp_path / "nx.gexf"))
    got = nx.read_gexf(write_circles_gexf(nodes, edges, tmp_path / "direct.gexf"))
    assert list(got.nodes(data=True)) == list(want.nodes(data=True))
    assert list(got.edges(data=True)) == list(want.edges(data=True))
    assert got.graph == want.graph and isinstance(got, nx.DiGraph)


def test_gexf_drops_characters_xml_cannot_hold(tmp_path):
    nodes = [
        {
            "id": "1",
            "label": "妈\x00妈\x1b[0m\ud800",
            "circle": 0,
            "rank": 1,
            "city": "杭\x0c州",
            "member": True,
        }
    ]
    h = nx.read_gexf(write_circles_gexf(nodes, [], tmp_path / "c.gexf"))
    assert h.nodes["1"]["label"] == "妈妈[0m" and h.nodes["1"]["city"] == "杭州"


def test_run_summary_escapes_user_text(tmp_path):
    doc = {
        "selection": {
            "segment": "mothers",
            "as_of": "2026-11-15",
            "method": "ris",
            "expected_reach": 10.0,
            "baselines": {"followers": {"expected_reach": 5.0}},
        },
        "seeds": [{"rank": 1, "user_id": "5366486905059756", "screen_name": "<img src=x>", "city": "杭州"}],
        "notes": ["n"],
        "report": {"headline": "h", "overlap": {"reached_by_two_or_more": 3}},
    }
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    md, rows = run_summary(path, tmp_path / "report.html")
    assert "most followers | 5.0" in md and "report.html](file://" in md
    assert rows[0]["user_id"] == "5366486905059756" and "<img" not in rows[0]["screen_name"]
    assert md_escape("[x](javascript:1)") == "\\[x\\](javascript:1)"


def _brute_force_overlap(g, seeds, targets, p, hops, runs, rng):
    """Forward reference: sample live edges, BFS from each seed separately, count members hit."""
    names = g.vs["name"]
    edges = g.get_edgelist()
    two_plus = reached = 0.0
    for _ in range(runs):
        live = [e for e, pe in zip(edges, p, strict=True) if rng.random() < pe]
        h = nx.DiGraph(live)
        h.add_nodes_from(range(g.vcount()))
        hits = {}
        for s in seeds:
            for v in nx.single_source_shortest_path_length(h, names.index(s), cutoff=hops):
                hits[v] = hits.get(v, 0) + 1
        mine = [c for v, c in hits.items() if names[v] in targets]
        reached += sum(1 for c in mine if c >= 1)
        two_plus += sum(1 for c in mine if c >= 2)
    return reached / runs, two_plus / runs


def test_overlap_matches_a_forward_simulation():
    g = ig.Graph.Erdos_Renyi(n=40, m=120, directed=True, loops=False)
    g.vs["name"] = [f"u{i}" for i in range(40)]
    g.es["weight"] = [1.0] * g.ecount()
    seeds = ["u0", "u1", "u2", "u3", "u4"]
    targets = {f"u{i}" for i in range(0, 40, 2)}
    circles = {f"u{i}": i % 3 for i in range(40)}
    o = seed_overlap(
        g,
        seeds,
        targets=targets,
        probability="uniform:0.3",
        max_hops=2,
        sample_size=20_000,
        seed=5,
        circles=circles,
    )
    p = edge_probabilities(g, "uniform:0.3")
    reached, two_plus = _brute_force_overlap(g, seeds, targets, p, 2, 3000, np.random.default_rng(1))
    assert o.reached == pytest.approx(reached, rel=0.06, abs=0.3)
    assert o.reached_by_two_or_more == pytest.approx(two_plus, rel=0.1, abs=0.3)
    assert sum(o.by_count.values()) == pytest.approx(o.reached)
    assert sum(r for r, _ in o.per_circle.values()) == pytest.approx(o.reached)
