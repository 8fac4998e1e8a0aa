"""``tajian classify`` and ``tajian evaluate`` on small CSVs of real posts (the shipped model)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.classify_cli import OUTPUT_COLUMNS
from flows.cli import app
from nlp.evaluation import binary_scores
from nlp.model_files import load_model
from nlp.segments import load_segment
from nlp.tagger import score_post

REPO = Path(__file__).resolve().parents[2]
# real, non-reserved Weibo posts labelled by hand (see tests/nlp/test_real_data.py)
LABELLED = REPO / "tests" / "nlp" / "mothers_labelled.csv"

runner = CliRunner()


@pytest.fixture(scope="module")
def real_posts() -> pd.DataFrame:
    df = pd.read_csv(LABELLED, dtype=str, keep_default_na=False)
    picked = pd.concat([df[df["label"] == "1"].head(8), df[df["label"] == "0"].head(12)])
    return picked.reset_index(drop=True)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_classify_writes_scores_labels_and_evidence(real_posts: pd.DataFrame, tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    real_posts.rename(columns={"id": "mid", "text": "content"})[["mid", "content"]].to_csv(
        src, index=False, encoding="utf-8"
    )
    out = tmp_path / "out" / "scored.csv"
    result = runner.invoke(app, ["classify", "--segment", "mothers", str(src), "--id-column", "mid",
                                 "--text-column", "content", "--output", str(out)])
    assert result.exit_code == 0, result.output
    got = _read(out)
    assert tuple(got.columns) == OUTPUT_COLUMNS
    assert got["id"].tolist() == real_posts["id"].tolist()
    scores = got["score"].astype(float)
    assert scores.between(0, 1).all()
    assert set(got["label"]) <= {"0", "1"}
    model = load_model("mothers")
    expected = (model.predict_proba(real_posts["text"].tolist())[:, 1] >= model.threshold).astype(int)
    assert got["label"].astype(int).tolist() == expected.tolist()
    seg = load_segment("mothers")
    rules = [score_post(t, seg) for t in real_posts["text"]]
    assert got["rule_positive"].astype(int).tolist() == [int(r.positive) for r in rules]
    assert got["rule_hits"].tolist() == [" ".join(r.hits) for r in rules]
    positive = got[got["label"] == "1"]
    assert len(positive) and positive["top_ngrams"].str.contains(r"[wc]:\S+\(\+\d").all()
    assert "20 posts" in result.output


def test_classify_reads_bom_and_gb18030_and_guards_formulas(tmp_path: Path) -> None:
    rows = pd.DataFrame({
        "id": ["=HYPERLINK(\"http://x\")", "@2", "3"],
        "text": ["我家宝宝8个月了，昨晚夜奶三次[泪]", "今天股市大跌", "-宝宝好乖 +1"],
    })
    for encoding in ("utf-8-sig", "gb18030"):
        src = tmp_path / f"{encoding}.csv"
        rows.to_csv(src, index=False, encoding=encoding)
        out = tmp_path / f"{encoding}-out.csv"
        result = runner.invoke(app, ["classify", str(src), "--output", str(out)])
        assert result.exit_code == 0, result.output
        got = _read(out)
        assert got["id"].tolist() == ["'=HYPERLINK(\"http://x\")", "'@2", "3"]
        assert got["label"].tolist()[:2] == ["1", "0"]
        assert not got.drop(columns=["score", "rule_score"]).map(
            lambda c: c[:1] in ("=", "+", "-", "@")).any().any()


def test_classify_missing_column_or_file(tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    src.write_text("mid,body\n1,宝宝\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(src), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "posts.csv: missing column(s) id, text; expected id, text, got mid, body" in result.output
    result = runner.invoke(app, ["classify", str(tmp_path / "nope.csv"), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "nope.csv: no such file" in result.output
    result = runner.invoke(app, ["classify", str(src), "--id-column", "mid", "--text-column", "body",
                                 "--segment", "astronauts", "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "unknown segment 'astronauts'" in result.output


def test_evaluate_prints_classifier_and_rules(real_posts: pd.DataFrame, tmp_path: Path) -> None:
    src = tmp_path / "gold.csv"
    real_posts[["id", "text", "label"]].to_csv(src, index=False, encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--segment", "mothers", str(src)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "20 posts, 8 labelled 1" in lines[0]
    assert lines[1].split() == ["precision", "recall", "F1", "TP", "FP", "FN", "TN"]
    seg = load_segment("mothers")
    rule_labels = [int(score_post(t, seg).positive) for t in real_posts["text"]]
    r = binary_scores(real_posts["label"].astype(int), rule_labels)
    rules = next(ln for ln in lines if ln.startswith("rules")).split()
    assert rules[1:] == [f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                         str(r["tp"]), str(r["fp"]), str(r["fn"]), str(r["tn"])]
    assert any(ln.startswith("classifier") for ln in lines)


def test_evaluate_rejects_bad_labels(tmp_path: Path) -> None:
    src = tmp_path / "gold.csv"
    src.write_text("id,text,label\n1,宝宝,maybe\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(src)])
    assert result.exit_code == 2 and "label must be 0 or 1; got 'maybe'" in result.output


def test_commands_do_not_import_prefect_or_sklearn_at_startup() -> None:
    code = ("import sys, flows.cli, flows.classify_cli; "
            "sys.exit(1 if {'prefect', 'sklearn'} & set(sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
