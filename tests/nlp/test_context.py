"""Posts read with their context: the post they repost or reply to (issue 4).

A short reply often only makes sense with the post it answers ("这是不是说我该囤点尿不湿" under
news of a diaper shortage). The segment's ``[context]`` rule and the classifier's optional
``context`` argument use it; without context everything scores as before.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nlp.classifier import PostClassifier
from nlp.corpora import ced_source_texts, read_gold
from nlp.post_rules import score_post, topic_weight
from nlp.segments import SegmentDefinitionError, load_segment, load_segment_file
from nlp.tagger import tag_user_segments
from tests.nlp import TINY_TRAIN

DIAPER_NEWS = (
    "【奶粉之后，下一个限购会是尿不湿吗？】据中国新闻网，自上月实施限奶令，缓解了香港奶粉"
    "供应紧张。但近日香港又出现内地人抢购纸尿裤的情况，婴儿用品店的纸尿裤常常缺货。"
)
STOCK_MARKET = "【今日股市】沪指收跌1.2%，两市成交额不足三千亿。"
REPLY = "我也准备从国外带点回来，国内太贵了"


@pytest.fixture(scope="module")
def mothers():
    return load_segment("mothers")


def test_topic_weight_sums_distinct_keywords(mothers) -> None:
    assert topic_weight("", mothers) == 0.0
    assert topic_weight(STOCK_MARKET, mothers) == 0.0
    w = mothers.keyword_weights
    assert topic_weight("尿不湿 尿不湿 奶粉", mothers) == pytest.approx(w["尿不湿"] + w["奶粉"])
    assert topic_weight(DIAPER_NEWS, mothers) >= mothers.context.min_topic


def test_a_first_person_reply_under_a_parenting_post_counts(mothers) -> None:
    alone = score_post(REPLY, mothers)
    assert not alone.positive and alone.hits == ()
    under_news = score_post(REPLY, mothers, context=DIAPER_NEWS)
    assert under_news.positive
    assert under_news.hits[-1].startswith(mothers.context.label)
    # the same reply under an unrelated post, or under a post we do not have, stays as it was
    assert score_post(REPLY, mothers, context=STOCK_MARKET) == alone
    assert score_post(REPLY, mothers, context=None) == alone
    assert score_post(REPLY, mothers, context="") == alone


def test_the_context_rule_keeps_its_limits(mothers) -> None:
    # not first person, too long, or vetoed: no points
    assert not score_post("太贵了，国内的东西都这样", mothers, context=DIAPER_NEWS).positive
    long = "我" + "觉得这件事情说明了很多问题" * 6
    assert len(long) > mothers.context.max_chars
    assert not score_post(long, mothers, context=DIAPER_NEWS).positive
    assert not score_post("我也想要，转发抽奖", mothers, context=DIAPER_NEWS).positive  # shop veto
    # a segment without [context] ignores the context
    plain = replace(mothers, context=None)
    assert score_post(REPLY, plain, context=DIAPER_NEWS) == score_post(REPLY, plain)


def test_context_table_is_validated(tmp_path) -> None:
    base = tmp_path / "x.toml"
    head = 'name = "x"\ndescription = "d"\nthreshold = 1.0\n[keywords]\n"甲" = 1.0\n'
    base.write_text(head + '[context]\nregex = "我"\nmin_topic = 2.0\nweight = 1.0\n', encoding="utf-8")
    rule = load_segment_file(base).context
    assert rule is not None and rule.max_chars == 140 and rule.label == "我"
    for bad, field in [
        ('regex = "我"\nweight = 1.0\n', "context.min_topic"),
        ('regex = "我"\nmin_topic = 2.0\nweight = 0\n', "context.weight"),
        ('regex = "我"\nmin_topic = 2.0\nweight = 1.0\ncolour = 1\n', "context.colour"),
        ('regex = "("\nmin_topic = 2.0\nweight = 1.0\n', "context.regex"),
    ]:
        base.write_text(head + "[context]\n" + bad, encoding="utf-8")
        with pytest.raises(SegmentDefinitionError, match=field.replace(".", r"\.")):
            load_segment_file(base)
    base.write_text(head, encoding="utf-8")
    assert load_segment_file(base).context is None


def _posts(context: list[str | None] | None) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "post_id": ["1", "2", "3"],
            "user_id": ["a", "b", "c"],
            "created_at": pd.to_datetime(["2013-05-01 09:00"] * 3).tz_localize("Asia/Shanghai"),
            "text": [REPLY, REPLY, "我家宝宝8个月了，夜奶三次"],
        }
    )
    if context is not None:
        df["context"] = context
    return df


def test_tagging_reads_an_optional_context_column(mothers) -> None:
    # one positive post of one makes a member (P = 0.02 <= max_chance)
    without = tag_user_segments(_posts(None), mothers)
    assert without["user_id"].tolist() == ["c"]
    with_ctx = tag_user_segments(_posts([DIAPER_NEWS, STOCK_MARKET, None]), mothers)
    assert sorted(with_ctx["user_id"]) == ["a", "c"]
    evidence = with_ctx.set_index("user_id").at["a", "evidence"]
    assert mothers.context.label in evidence
    # an all-empty context column changes nothing
    pd.testing.assert_frame_equal(tag_user_segments(_posts([None, None, None]), mothers), without)


def test_a_reply_positive_by_its_context_counts_as_relevant(mothers) -> None:
    """REPLY has no child word (it fails the prefilter) but the [context] rule makes it positive:
    the funnel counts it as relevant too, so positive posts never outnumber relevant ones, and the
    chance test reads n = 1 for its author."""
    from nlp.tagger import tag_users

    assert not mothers.prefilter.search(REPLY)
    result = tag_users(_posts([DIAPER_NEWS, STOCK_MARKET, None]), mothers)
    f = result.funnel
    assert (f.n_posts, f.n_relevant, f.n_positive_posts, f.n_authors, f.n_members) == (3, 2, 2, 2, 2)
    tags = result.tags.set_index("user_id")
    assert tags.at["a", "score"] == pytest.approx(
        0.98 * score_post(REPLY, mothers, context=DIAPER_NEWS).score
    )


TRAIN = TINY_TRAIN
LABELS = [1, 1, 1, 1, 0, 0, 0, 0]
CONTEXT = [None, None, DIAPER_NEWS, None, STOCK_MARKET, None, DIAPER_NEWS, None]
#: A reply with a child word (it passes the prefilter) that the rules only call positive under a
#: parenting post: the [context] rule adds its weight.
CHILD_REPLY = "我也准备给孩子囤点"


def test_classifier_reads_the_context_through_the_rule_features(mothers) -> None:
    from nlp.features import rule_matrix

    assert not score_post(CHILD_REPLY, mothers).positive
    assert score_post(CHILD_REPLY, mothers, context=DIAPER_NEWS).positive
    m = PostClassifier(cv=2, min_df=1).fit(TRAIN, LABELS, context=CONTEXT)
    texts = [CHILD_REPLY] * 3
    ctx = [DIAPER_NEWS, STOCK_MARKET, None]
    # the rule features of each post are its rule score read with its context
    rules = rule_matrix(texts, mothers, [DIAPER_NEWS, STOCK_MARKET, ""]).toarray()
    for row, c in zip(rules, ctx, strict=True):
        s = score_post(CHILD_REPLY, mothers, context=c)
        assert row.tolist() == pytest.approx([s.score, float(s.positive), float(bool(s.vetoes))])
    # so the log-odds move by exactly the rule features' weights times their change
    names = m._feature_names().tolist()
    w = {n: float(m.model_.coef_[0, names.index(n)]) for n in ("rule:score", "rule:positive")}
    z = m.decision_function(texts, context=ctx)
    expected = w["rule:score"] * (rules[0, 0] - rules[2, 0]) + w["rule:positive"] * (
        rules[0, 1] - rules[2, 1]
    )
    assert z[0] - z[2] == pytest.approx(expected, rel=1e-4) and expected > 0
    assert z[1] == z[2]  # an unrelated context is ignored
    p_ctx = m.predict_proba(texts, context=ctx)
    assert p_ctx.shape == (3, 2) and p_ctx[0, 1] > p_ctx[2, 1] and p_ctx[1, 1] == p_ctx[2, 1]
    # a model fitted without context still scores posts that come with one, and vice versa
    plain = PostClassifier(cv=2, min_df=1).fit(TRAIN, LABELS)
    assert plain.predict(["宝宝夜奶"], context=[DIAPER_NEWS], prior=0.5).tolist() == [1]
    assert m.predict(["宝宝夜奶"], prior=0.5).tolist() == [1]
    proba, why = m.predict_explained([CHILD_REPLY], top=3, context=[DIAPER_NEWS])
    assert len(why) == 1 and proba[0] == p_ctx[0, 1]
    with pytest.raises(ValueError, match=r"one text .* per post"):
        m.predict_proba(["a", "b"], context=[DIAPER_NEWS])


def test_a_reply_without_a_child_word_never_reaches_the_classifier(mothers) -> None:
    """The prefilter reads the post's own words only: a reply the [context] rule makes positive
    but that has no child word of its own scores 0 with a classifier, whatever its context."""
    assert score_post(REPLY, mothers, context=DIAPER_NEWS).positive
    m = PostClassifier(cv=2, min_df=1).fit(TRAIN, LABELS, context=CONTEXT)
    assert m.predict_proba([REPLY], context=[DIAPER_NEWS])[0, 1] == 0.0
    assert m.predict([REPLY], context=[DIAPER_NEWS], prior=0.99).tolist() == [0]


def test_ced_source_texts_skips_reserved_cascades(real_data_dir) -> None:
    reserved = pd.read_csv(real_data_dir / "reserved.csv", dtype=str)
    cascade = reserved.loc[reserved["source"] == "ced_original", "row_id"].iloc[0]
    orig = pd.read_csv(
        real_data_dir / "ced" / "ced_original.csv",
        dtype=str,
        keep_default_na=False,
        usecols=["cascade", "text"],
    )
    other = orig[~orig["cascade"].isin(reserved["row_id"])].iloc[0]
    ids = [
        f"ced-r-{other['cascade']}/abc",
        f"ced_repost:{other['cascade']}/x",
        f"ced-r-{cascade}/abc",
        f"ced-o-{other['cascade']}",
        "senti-dev-1",
    ]
    assert ced_source_texts(ids, real_data_dir) == [other["text"], other["text"], None, None, None]


def test_gold_ced_replies_mostly_have_a_context(real_data_dir) -> None:
    from pathlib import Path

    gold = read_gold(Path(__file__).resolve().parents[1] / "data" / "mothers_gold.csv")
    ctx = ced_source_texts(gold["id"], real_data_dir)
    replies = gold["source"] == "ced_repost"
    have = pd.Series([c is not None for c in ctx])
    assert not have[~replies].any()
    assert have[replies].mean() > 0.95  # the rest answer reserved source posts


def test_tagging_with_a_classifier_passes_the_context(mothers) -> None:
    from nlp.classifier import Decision

    seen: list[tuple[list, list | None]] = []
    decided: list[np.ndarray] = []

    class Recorder:
        def predict_proba(self, texts, context=None):
            seen.append((list(texts), None if context is None else list(context)))
            ctx = context or [None] * len(texts)
            return np.array([[0.0, 1.0 if c == DIAPER_NEWS else 0.0] for c in ctx])

        def __init__(self, fpr: float = 0.0) -> None:
            self.fpr = fpr

        def decide(self, proba, prior=None):  # re-weighs 1.0 to 0.8 (as a prior below 0.5 would)
            p = np.asarray(proba, dtype=float)
            decided.append(p)
            labels = (p >= 0.5).astype(np.int64)
            return Decision(0.3, False, 0.5, 0.4, int((p > 0).sum()), p * 0.8, labels, self.fpr)

        def predict_explained(self, texts, top=5):
            return np.zeros(len(texts)), [[] for _ in texts]

    seg = mothers
    tags = tag_user_segments(_posts([DIAPER_NEWS, STOCK_MARKET, None]), seg, classifier=Recorder())
    assert tags["user_id"].tolist() == ["a"]
    texts, context = seen[0]
    assert len(texts) == 3 and context == [DIAPER_NEWS, STOCK_MARKET, None]  # (own, context) pairs
    assert decided[0].tolist() == [1.0, 0.0, 0.0]  # all the window's posts decided at once
    # the post score is the decision's probability, not predict_proba's
    assert [e["score"] for e in json.loads(tags.at[0, "evidence"])] == [0.8]
    # one post of one: the chance is the model's false-positive rate, floored at 0.002
    assert tags.at[0, "score"] == pytest.approx(0.8 * (1 - 0.002))
    again = tag_user_segments(_posts([DIAPER_NEWS, STOCK_MARKET, None]), seg, classifier=Recorder(0.05))
    assert again.at[0, "score"] == pytest.approx(0.8 * (1 - 0.05))
    # a false-positive rate of 0.25 makes one positive post of one too likely by chance (> 0.2)
    assert tag_user_segments(_posts([DIAPER_NEWS, STOCK_MARKET, None]), seg, classifier=Recorder(0.25)).empty
    seen.clear()
    tag_user_segments(_posts(None), seg, classifier=Recorder())
    assert seen[0][1] is None and len(seen[0][0]) == 2  # without a context column: distinct texts
