"""`tajian select` on a plain edge list."""

from __future__ import annotations

import csv
import subprocess
import sys

from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner(env={"COLUMNS": "200", "TAJIAN_LANG": "en"})  # English lines checked

EDGES = "# toy\n" + "".join(f"hub {v}\n" for v in "abcdef") + "x y\ny z\n007 hub\n"


def test_select_writes_ranked_seeds_with_labels_as_in_the_file(tmp_path):
    edges = tmp_path / "g.txt"
    edges.write_text(EDGES)
    out = tmp_path / "seeds.csv"
    args = [
        "select",
        "--edges",
        str(edges),
        "--probability",
        "uniform:1",
        "--max-hops",
        "1",
        "--k",
        "2",
        "--seed",
        "3",
        "--output",
        str(out),
        "--theta-min",
        "40000",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert [r["node"] for r in rows] == ["hub", "x"]
    assert list(rows[0]) == ["rank", "node", "marginal_reach", "cumulative_reach"]
    assert abs(float(rows[0]["marginal_reach"]) - 7.0) < 0.25  # hub + a..f
    again = tmp_path / "again.csv"
    runner.invoke(app, [*args[:-3], str(again), "--theta-min", "40000"])
    assert again.read_text() == out.read_text()
    # targets: only y and z count; 007 ('007' kept as text) is no use
    targets = tmp_path / "t.txt"
    targets.write_text("# members\ny\nz\n")
    result = runner.invoke(app, [*args, "--targets", str(targets)])
    assert result.exit_code == 0
    assert next(r["node"] for r in csv.DictReader(out.open())) in {"x", "y"}


def test_select_errors_are_clear(tmp_path):
    result = runner.invoke(
        app, ["select", "--edges", str(tmp_path / "no.txt"), "--output", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 2 and "no such edge-list file" in result.output
    edges = tmp_path / "g.txt"
    edges.write_text(EDGES)
    result = runner.invoke(
        app,
        ["select", "--edges", str(edges), "--output", str(tmp_path / "o.csv"), "--probability", "uniform:3"],
    )
    assert result.exit_code == 2 and "probability must be 'wc' or 'uniform:P'" in result.output
    result = runner.invoke(
        app, ["select", "--edges", str(edges), "--output", str(tmp_path / "o.csv"), "--k", "99"]
    )
    assert result.exit_code == 2 and "k must be at most the number of nodes (11)" in result.output


def test_select_path_does_not_import_prefect():
    code = (
        "import sys; from flows.cli import app; import flows.select_cli; "
        "import graph.select, graph.snap; print('prefect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
