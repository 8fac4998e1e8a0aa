"""``tajian classify`` and ``tajian evaluate`` on small CSVs of real posts (the shipped model)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.classify_cli import OUTPUT_COLUMNS
from flows.cli import app
from nlp.clean import clean_own_text
from nlp.evaluation import binary_scores
from nlp.model_files import load_model
from nlp.post_rules import score_post
from nlp.prior import adjust_to_prior, f1_threshold
from nlp.segments import load_segment

REPO = Path(__file__).resolve().parents[2]
# real, non-reserved Weibo posts labelled by hand (see tests/nlp/test_real_data.py)
LABELLED = REPO / "tests" / "nlp" / "mothers_labelled.csv"

runner = CliRunner(env={"TAJIAN_LANG": "en"})  # English lines checked


@pytest.fixture(scope="module")
def real_posts() -> pd.DataFrame:
    df = pd.read_csv(LABELLED, dtype=str, keep_default_na=False)
    picked = pd.concat([df[df["label"] == "1"].head(8), df[df["label"] == "0"].head(12)])
    return picked.reset_index(drop=True)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _classify(posts: pd.DataFrame, tmp_path: Path, *extra: str):
    src = tmp_path / "posts.csv"
    posts.rename(columns={"id": "mid", "text": "content"})[["mid", "content"]].to_csv(
        src, index=False, encoding="utf-8"
    )
    out = tmp_path / "out" / "scored.csv"
    result = runner.invoke(
        app,
        ["classify", "--segment", "mothers", str(src), "--id-column", "mid", "--text-column", "content",
         "--output", str(out), *extra],
    )  # fmt: skip
    return result, out


def test_classify_writes_scores_labels_and_evidence(real_posts: pd.DataFrame, tmp_path: Path) -> None:
    result, out = _classify(real_posts, tmp_path)
    assert result.exit_code == 0, result.output
    got = _read(out)
    assert tuple(got.columns) == OUTPUT_COLUMNS
    assert got["id"].tolist() == real_posts["id"].tolist()
    # 19 of the 20 posts pass the prefilter: too few to estimate a prior, the model's default is used
    model = load_model("mothers")
    proba = model.predict_proba(real_posts["text"].tolist())[:, 1]
    decision = model.decide(proba, "auto")
    assert (decision.n_relevant, decision.estimated, decision.prior) == (19, False, 0.5)
    assert got["score"].tolist() == [f"{p:.4f}" for p in decision.probability]
    assert got["label"].astype(int).tolist() == decision.labels.tolist()
    assert set(got["prior"]) == {"0.5000"} and set(got["threshold"]) == {f"{decision.cut:.4f}"}
    # at the training prior (0.5) the threshold is the model's own: labels are the scores reaching it
    scores = got["score"].astype(float)
    assert ((scores >= decision.threshold - 1e-4) == (got["label"] == "1")).all()
    # posts the prefilter drops score exactly 0, label 0, and have no model evidence
    dropped = proba == 0
    assert dropped.sum() == 1
    assert (got.loc[dropped, "score"] == "0.0000").all() and (got.loc[dropped, "label"] == "0").all()
    assert (got.loc[dropped, "top_ngrams"] == "").all()
    seg = load_segment("mothers")
    rules = [score_post(t, seg) for t in real_posts["text"]]
    assert got["rule_positive"].astype(int).tolist() == [int(r.positive) for r in rules]
    assert got["rule_hits"].tolist() == [" ".join(r.hits) for r in rules]
    # evidence: the terms pushing the way of the post's label (+ for a 1, - for a 0), rule terms out
    labels = got["label"].astype(int).to_numpy()
    for terms, label in zip(got["top_ngrams"], labels, strict=True):
        signs = re.findall(r"\(([+-])\d+\.\d\d\)", terms)  # name(+0.12) name(-0.05) ...
        assert len(signs) <= 5 and (len(signs) == 0) == (terms == "")
        assert set(signs) <= ({"+"} if label else {"-"})
    assert (got.loc[labels == 1, "top_ngrams"] != "").all() and labels.sum() >= 5
    assert not got["top_ngrams"].str.contains("rule:").any()  # the rule_* columns carry those
    assert "20 posts" in result.output
    assert (
        f"{int(decision.labels.sum())} labelled 1 (mothers; prior 0.500 (too few posts: the model default; "
        "19 posts passed the prefilter), threshold" in result.output
    )


def test_classify_with_a_given_prior(real_posts: pd.DataFrame, tmp_path: Path) -> None:
    model = load_model("mothers")
    proba = model.predict_proba(real_posts["text"].tolist())[:, 1]
    counts = {}
    for prior in ("0.05", "0.9"):
        result, out = _classify(real_posts, tmp_path, "--prior", prior)
        assert result.exit_code == 0, result.output
        got = _read(out)
        decision = model.decide(proba, float(prior))
        assert set(got["prior"]) == {f"{float(prior):.4f}"}
        assert set(got["threshold"]) == {f"{decision.cut:.4f}"}
        assert got["label"].astype(int).tolist() == decision.labels.tolist()
        assert got["score"].tolist() == [f"{p:.4f}" for p in decision.probability]
        # the threshold column is the F1-best threshold of the model's curve at this prior, on the
        # scale of the score column: a post is 1 when its score reaches it
        best = f1_threshold(model.curve_, float(prior))
        cut = float(adjust_to_prior([best], float(prior), 0.5)[0])
        assert set(got["threshold"]) == {f"{cut:.4f}"}
        score = got["score"].astype(float)
        clear = (score - cut).abs() > 1e-4
        assert ((score >= cut) == (got["label"] == "1"))[clear].all() and clear.sum() >= 15
        assert f"prior {float(prior):.3f} (given; 19 posts passed the prefilter)" in result.output
        counts[prior] = int(decision.labels.sum())
    assert counts["0.05"] < counts["0.9"]  # a rarer segment is labelled more sparingly


def test_classify_estimates_the_prior_of_a_large_enough_file(tmp_path: Path) -> None:
    posts = pd.read_csv(LABELLED, dtype=str, keep_default_na=False)  # 118 posts, 116 pass the prefilter
    result, out = _classify(posts, tmp_path)
    assert result.exit_code == 0, result.output
    model = load_model("mothers")
    decision = model.decide(model.predict_proba(posts["text"].tolist())[:, 1], "auto")
    assert decision.estimated and decision.n_relevant == 116
    got = _read(out)
    assert set(got["prior"]) == {f"{decision.prior:.4f}"} and decision.prior != 0.5
    assert got["label"].astype(int).tolist() == decision.labels.tolist()
    assert f"prior {decision.prior:.3f} (estimated from this file; 116 posts passed the prefilter)" in (
        result.output
    )


@pytest.mark.parametrize("value", ["1.5", "0", "often", "-0.2"])
def test_classify_and_evaluate_reject_a_bad_prior(
    real_posts: pd.DataFrame, tmp_path: Path, value: str
) -> None:
    line = f"expected auto or a share strictly between 0 and 1 (e.g. 0.6); got {value!r}"
    result, out = _classify(real_posts, tmp_path, "--prior", value)
    assert result.exit_code == 2 and line in result.output and not out.exists()
    src = tmp_path / "gold.csv"
    real_posts[["id", "text", "label"]].to_csv(src, index=False, encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(src), "--prior", value])
    assert result.exit_code == 2 and line in result.output


def test_classify_reads_bom_and_gb18030_and_guards_formulas(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "id": ['=HYPERLINK("http://x")', "@2", "3"],
            "text": ["我家宝宝8个月了，昨晚夜奶三次[泪]", "今天股市大跌", "-宝宝好乖 +1"],
        }
    )
    for encoding in ("utf-8-sig", "gb18030"):
        src = tmp_path / f"{encoding}.csv"
        rows.to_csv(src, index=False, encoding=encoding)
        out = tmp_path / f"{encoding}-out.csv"
        result = runner.invoke(app, ["classify", str(src), "--output", str(out)])
        assert result.exit_code == 0, result.output
        got = _read(out)
        assert got["id"].tolist() == ['\'=HYPERLINK("http://x")', "'@2", "3"]
        assert got["label"].tolist()[:2] == ["1", "0"]
        assert (
            not got.drop(columns=["score", "rule_score"])
            .map(lambda c: c[:1] in ("=", "+", "-", "@"))
            .any()
            .any()
        )


def test_classify_missing_column_or_file(tmp_path: Path) -> None:
    src = tmp_path / "posts.csv"
    src.write_text("mid,body\n1,宝宝\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(src), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "posts.csv: missing column(s) id, text; expected id, text, got mid, body" in result.output
    result = runner.invoke(app, ["classify", str(tmp_path / "nope.csv"), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "nope.csv: no such file" in result.output
    result = runner.invoke(
        app,
        [
            "classify",
            str(src),
            "--id-column",
            "mid",
            "--text-column",
            "body",
            "--segment",
            "astronauts",
            "--output",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 1 and "unknown segment 'astronauts'" in result.output


def _row(lines: list[str], name: str) -> list[str]:
    return next(ln for ln in lines if ln.startswith(name))[len(name) :].split()


def _expected(scores: dict) -> list[str]:
    r = scores
    return [f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
            str(r["tp"]), str(r["fp"]), str(r["fn"]), str(r["tn"])]  # fmt: skip


def test_evaluate_prints_classifier_rules_and_keyword_regex(real_posts: pd.DataFrame, tmp_path: Path) -> None:
    src = tmp_path / "gold.csv"
    real_posts[["id", "text", "label"]].to_csv(src, index=False, encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--segment", "mothers", str(src)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "20 posts, 8 labelled 1" in lines[0]
    assert (
        "classifier at prior 0.500 (too few posts: the model default; 19 posts passed the prefilter)"
        in lines[0]
    )
    assert lines[1].split() == ["precision", "recall", "F1", "TP", "FP", "FN", "TN"]
    assert [ln.split()[0] for ln in lines[2:]] == ["classifier", "rules", "keyword"]
    gold = real_posts["label"].astype(int)
    seg = load_segment("mothers")
    rule_labels = [int(score_post(t, seg).positive) for t in real_posts["text"]]
    assert _row(lines, "rules") == _expected(binary_scores(gold, rule_labels))
    regex = [int(bool(seg.prefilter.search(clean_own_text(t)))) for t in real_posts["text"]]
    assert sum(regex) == 19
    assert _row(lines, "keyword regex") == _expected(binary_scores(gold, regex))
    model = load_model("mothers")
    decision = model.decide(model.predict_proba(real_posts["text"].tolist())[:, 1], "auto")
    assert _row(lines, "classifier") == _expected(binary_scores(gold, decision.labels))


def test_evaluate_with_a_given_prior(tmp_path: Path) -> None:
    gold = pd.read_csv(LABELLED, dtype=str, keep_default_na=False)
    src = tmp_path / "gold.csv"
    gold[["id", "text", "label"]].to_csv(src, index=False, encoding="utf-8")
    model = load_model("mothers")
    proba = model.predict_proba(gold["text"].tolist())[:, 1]
    y = gold["label"].astype(int)
    for args, prior in (([], "auto"), (["--prior", "0.3"], 0.3)):
        result = runner.invoke(app, ["evaluate", str(src), *args])
        assert result.exit_code == 0, result.output
        decision = model.decide(proba, prior)
        how = "estimated from this file" if prior == "auto" else "given"
        assert (
            f"classifier at prior {decision.prior:.3f} ({how}; 116 posts passed the prefilter)"
            in result.output
        )
        assert _row(result.output.splitlines(), "classifier") == _expected(binary_scores(y, decision.labels))


def test_evaluate_rejects_bad_labels(tmp_path: Path) -> None:
    src = tmp_path / "gold.csv"
    src.write_text("id,text,label\n1,宝宝,maybe\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(src)])
    assert result.exit_code == 2 and "label must be 0 or 1; got 'maybe'" in result.output


def test_commands_do_not_import_prefect_sklearn_or_numba_at_startup() -> None:
    """Nor when they read the settings (every command does): numba's kernels cost 0.6 s."""
    code = (
        "import sys, flows.cli, flows.classify_cli; from flows.settings import load_settings; "
        "load_settings().replace(lang='en'); "
        "sys.exit(1 if {'prefect', 'sklearn', 'numba'} & set(sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_evaluate_on_the_warehouse_counts_only_the_held_out_random_labels(tmp_path):
    """Random labels are split by post id (a, b train the model; c, d are held out: see
    nlp.label_training.calibration_side); only c and d are measured, the rest said to be left out."""
    from store.labels import Label, write_ops
    from store.warehouse import open_warehouse

    wh = tmp_path / "w.duckdb"
    open_warehouse(wh).close()
    given = [("a", "yes", "random"), ("b", "no", "random"), ("c", "yes", "random"), ("d", "no", "random")]
    given += [("e", "yes", "active"), ("f", "unsure", "random")]
    text = {"yes": "今天带儿子去打疫苗，他一声没哭", "no": "今天的晚饭很好吃", "unsure": "宝宝"}
    write_ops(wh, [Label("mothers", pid, lab, "t", how, text[lab]) for pid, lab, how in given])
    result = runner.invoke(
        app, ["evaluate", "--segment", "mothers", "--warehouse", str(wh), "--model", str(tmp_path / "none")]
    )
    assert result.exit_code == 0, result.output
    assert "no model at" in result.output  # the rules, measured on c (yes) and d (no)
    assert "TP 1 FP 0 FN 0 TN 1; 4 other labels" in " ".join(result.output.split())
