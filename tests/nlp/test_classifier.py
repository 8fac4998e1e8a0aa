"""nlp.classifier: the scikit-learn contract, exact behaviour on a tiny set; with its features
(nlp.features), weak labels (nlp.weak_labels), gold files and splits (nlp.corpora), scores
(nlp.evaluation) and its model files and sidecars (nlp.model_files)."""

from __future__ import annotations

import doctest
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import nlp.classifier as classifier
import nlp.model_files as model_files
from nlp.classifier import PostClassifier
from nlp.corpora import gold_groups, gold_split, read_gold, read_posts_csv
from nlp.evaluation import binary_scores
from nlp.features import fast_tfidf
from nlp.model_files import (
    DEFAULT_MODELS_DIR,
    ModelMismatchError,
    load_model,
    model_environment,
    save_model,
)
from nlp.weak_labels import weak_labels

POSITIVE = [
    "我家宝宝今天会翻身了",
    "宝宝夜奶三次，好累",
    "孕32周，胎动好厉害",
    "给娃做了南瓜泥辅食",
    "儿子两岁了，终于会叫妈妈",
    "早上送闺女去幼儿园，哭了一路",
]
NEGATIVE = [
    "今天股市大跌",
    "这家火锅真好吃",
    "周末去爬山了，风景很美",
    "新手机到了，开心",
    "加班到十点，地铁上全是人",
    "电影院的爆米花太贵了",
]
TEXTS = POSITIVE + NEGATIVE
LABELS = [1] * len(POSITIVE) + [0] * len(NEGATIVE)
PARAMS = {"rule_features": False, "C": 1.0, "min_df": 1, "max_features": None, "calibration_cv": 3,
          "random_state": 0}


@pytest.fixture(scope="module")
def tiny() -> PostClassifier:
    return PostClassifier("mothers", **PARAMS).fit(TEXTS, LABELS)


# -- the scikit-learn contract ------------------------------------------------------------------


def test_init_only_stores_params() -> None:
    m = PostClassifier("mothers", C=0.3, char_ngram_range=(2, 3))
    assert sorted(vars(m)) == sorted(m.get_params())
    assert m.get_params()["C"] == 0.3 and m.get_params()["char_ngram_range"] == (2, 3)
    assert not [k for k in vars(m) if k.endswith("_")]


def test_clone_and_set_params(tiny: PostClassifier) -> None:
    c = clone(tiny)
    assert c.get_params() == tiny.get_params()
    assert not hasattr(c, "calibrated_")
    c.set_params(C=2.0, threshold=0.7)
    assert (c.C, c.threshold, tiny.C) == (2.0, 0.7, 1.0)


def test_fit_returns_self_and_sets_fitted_state() -> None:
    m = PostClassifier(**PARAMS)
    assert m.fit(TEXTS, LABELS) is m
    assert m.classes_.tolist() == [0, 1]
    assert m.n_training_rows_ == 12 and m.n_positive_ == 6 and len(m.training_sha256_) == 64


def test_unfitted_model_refuses_to_predict() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PostClassifier().predict(["宝宝"])


def test_bad_inputs_say_what_was_expected() -> None:
    m = PostClassifier(**PARAMS)
    with pytest.raises(TypeError, match="not one string"):
        m.fit("我家宝宝", [1])
    with pytest.raises(ValueError, match="one label per text: 12 texts"):
        m.fit(TEXTS, LABELS[:-1])
    with pytest.raises(ValueError, match=r"labels must be 0 or 1; got \[2\]"):
        m.fit(TEXTS, [2, *LABELS[1:]])
    with pytest.raises(ValueError, match="at least calibration_cv=3 posts of each label"):
        m.fit(TEXTS[:8], LABELS[:8])
    with pytest.raises(ValueError, match="C must be a number > 0"):
        PostClassifier(C=0).fit(TEXTS, LABELS)
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str or None; got int"):
        m.fit(["a", 3, *TEXTS[2:]], LABELS)


# -- exact behaviour on a tiny hand-made set ----------------------------------------------------


def test_tiny_set_predictions(tiny: PostClassifier) -> None:
    assert tiny.predict(TEXTS).tolist() == LABELS
    new = ["宝宝昨晚又夜醒了", "我家宝宝爱吃辅食", "火锅和爆米花", "股市今天涨了"]
    assert tiny.predict(new).tolist() == [1, 1, 0, 0]
    proba = tiny.predict_proba(new)
    assert proba.shape == (4, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (np.sign(tiny.decision_function(new)) == [1, 1, -1, -1]).all()
    # a bare repost has no own text: it scores like an empty post, whatever the chain says
    assert tiny.predict_proba(["转发微博//@某妈妈:我家宝宝会翻身了"])[0, 1] == pytest.approx(
        tiny.predict_proba([""])[0, 1]
    )


def test_tiny_set_explain(tiny: PostClassifier) -> None:
    why = tiny.explain("我家宝宝爱吃辅食", top=3)
    assert [name for name, _ in why] == ["w:宝宝", "c:宝", "w:我家"]
    assert all(value > 0 for _, value in why)
    against = tiny.explain("火锅和爆米花", top=2)
    assert against and all(value < 0 for _, value in against)
    assert tiny.explain(None) == []  # no own text: no terms
    proba, evidence = tiny.predict_explained(["我家宝宝爱吃辅食"], top=3)
    assert evidence == [why] and proba[0] > 0.5


def test_explain_follows_the_threshold(tiny: PostClassifier) -> None:
    """Evidence points the way of the predicted label, which the threshold decides, not the way of
    the SVM's sign: below 0.5 a post can be 1 with a negative decision function."""
    text = "新手机和宝宝"
    low = pickle.loads(pickle.dumps(tiny))
    low.threshold = 0.3
    proba = low.predict_proba([text])[0, 1]
    assert 0.3 <= proba < 0.5 and low.decision_function([text])[0] < 0  # the case this is about
    assert low.predict([text]).tolist() == [1] and tiny.predict([text]).tolist() == [0]
    why = low.explain(text, top=3)
    assert why and all(value > 0 for _, value in why) and why[0][0] == "w:宝宝"
    assert all(value < 0 for _, value in tiny.explain(text, top=3))


def test_train_model_picks_the_threshold_with_the_best_f1() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "train_model", Path(__file__).resolve().parents[2] / "scripts" / "train_model.py")
    train_model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_model)
    proba = np.array([0.9, 0.04, 0.02, 0.012, 0.6, 0.001])
    best, scores = train_model.best_threshold([1, 1, 1, 0, 0, 0], proba)
    assert best == 0.015 and scores[best]["f1"] == pytest.approx(0.8571, abs=1e-4)
    assert scores[0.5]["f1"] == 0.4 and set(scores) == set(train_model.THRESHOLD_GRID)
    # ties: the lowest threshold (here every threshold from 0.01 to 0.5 gives F1 1)
    assert train_model.best_threshold([1, 0], np.array([0.55, 0.001]))[0] == 0.01


def test_rule_features_and_sample_weight() -> None:
    m = PostClassifier(**{**PARAMS, "rule_features": True}).fit(TEXTS, LABELS, sample_weight=[2.0] * 12)
    assert m.predict(TEXTS).tolist() == LABELS
    assert m._feature_names()[-3:].tolist() == ["rule:score", "rule:positive", "rule:vetoed"]
    with pytest.raises(ValueError, match="sample_weight must hold one finite weight"):
        PostClassifier(**PARAMS).fit(TEXTS, LABELS, sample_weight=[-1.0] * 12)


def test_pickle_round_trip(tiny: PostClassifier) -> None:
    again = pickle.loads(pickle.dumps(tiny))
    probe = ["宝宝昨晚又夜醒了", "股市今天涨了", None]
    np.testing.assert_array_equal(again.predict_proba(probe), tiny.predict_proba(probe))
    assert again.explain("宝宝夜醒") == tiny.explain("宝宝夜醒")


def test_fit_is_deterministic() -> None:
    a = PostClassifier(**PARAMS).fit(TEXTS, LABELS).predict_proba(["宝宝好乖", "晚饭吃面"])
    b = PostClassifier(**PARAMS).fit(TEXTS, LABELS).predict_proba(["宝宝好乖", "晚饭吃面"])
    np.testing.assert_array_equal(a, b)


# -- labels, gold files, scores ----------------------------------------------------------------


def test_weak_labels() -> None:
    texts = [
        "宝宝夜奶三次好累",  # positive
        "今天股市大跌",  # nothing
        "哥哥的舞台太棒了，我儿子最帅",  # vetoed: idol fan
        "奶瓶好贵",  # one middling word: abstain
        "转发微博//@某妈妈:我家宝宝会翻身了",  # repost: no own text
        None,
    ]
    assert weak_labels(texts, "mothers").tolist() == [1, 0, 0, -1, 0, 0]


def test_read_gold_and_errors(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_text("id,text,label,notes\na,我家宝宝会走了,1,x\nb,股市, 0 ,\n", encoding="utf-8-sig")
    g = read_gold(p)
    assert g[["id", "label"]].values.tolist() == [["a", 1], ["b", 0]] and "notes" in g
    p.write_text("id,text,label\na,x,yes\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"label must be 0 or 1; got 'yes' on data row 1 \(id 'a'\)"):
        read_gold(p)
    p.write_text("id,body,label\na,x,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"g\.csv: missing column\(s\) text; expected id, text, label"):
        read_gold(p)
    p.write_text("id,text\n1,宝宝\n".encode("gb18030").decode("latin-1"), encoding="latin-1")
    assert read_posts_csv(p, ["id", "text"])["text"].tolist() == ["宝宝"]
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_gold(tmp_path / "none.csv")


def test_gold_split_is_stable_and_stratified() -> None:
    g = pd.DataFrame({"id": [f"r{i}" for i in range(40)], "text": "x", "label": [1] * 15 + [0] * 25})
    dev, test = gold_split(g)
    assert (len(dev), len(test)) == (21, 19)
    assert (int(dev["label"].sum()), int(test["label"].sum())) == (8, 7)
    assert set(dev["id"]).isdisjoint(test["id"])
    dev2, _ = gold_split(g.sample(frac=1.0, random_state=1))  # row order does not matter
    assert set(dev2["id"]) == set(dev["id"])
    dev3, _ = gold_split(g, seed=1)
    assert set(dev3["id"]) != set(dev["id"])


def test_binary_scores_edge_cases() -> None:
    assert binary_scores([0, 0], [0, 0])["f1"] == 0.0
    assert binary_scores([1, 0, 1], [1, 0, 1]) == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 2, "fp": 0, "fn": 0, "tn": 1, "n": 3,
    }


def test_docstring_examples() -> None:
    result = doctest.testmod(classifier)
    assert result.attempted > 0 and result.failed == 0


# -- model files and the sidecar ----------------------------------------------------------------


def test_save_load_round_trip(tiny: PostClassifier, tmp_path: Path) -> None:
    path = save_model(tiny, tmp_path / "mothers.joblib")
    assert path == tmp_path / "mothers.joblib"
    meta = json.loads((tmp_path / "mothers.joblib.json").read_text(encoding="utf-8"))
    for key, value in model_environment("mothers").items():
        assert meta[key] == value
    assert meta["n_training_rows"] == 12 and meta["training_data_sha256"] == tiny.training_sha256_
    assert {"created", "model_sha256", "tokenizer_backend", "tokenizer_version"} <= set(meta)
    loaded = load_model("mothers", tmp_path)
    probe = ["宝宝昨晚又夜醒了", "股市今天涨了"]
    np.testing.assert_array_equal(loaded.predict_proba(probe), tiny.predict_proba(probe))
    assert loaded.get_params() == tiny.get_params()


def _edit_sidecar(folder: Path, **changes: object) -> None:
    side = folder / "mothers.joblib.json"
    meta = json.loads(side.read_text(encoding="utf-8"))
    meta.update(changes)
    side.write_text(json.dumps(meta), encoding="utf-8")


def test_sidecar_mismatch_refuses(tiny: PostClassifier, tmp_path: Path) -> None:
    save_model(tiny, tmp_path / "mothers.joblib")
    _edit_sidecar(tmp_path, scikit_learn_version="0.24.2")
    with pytest.raises(ModelMismatchError, match=r"scikit_learn_version: model has '0\.24\.2', this "
                       r"environment has '[0-9.]+'.*run `make model` to retrain"):
        load_model("mothers", tmp_path)
    save_model(tiny, tmp_path / "mothers.joblib")
    _edit_sidecar(tmp_path, dictionary_sha256="0" * 64, tokenizer_backend="jieba-rs")
    with pytest.raises(ModelMismatchError,
                       match=r"tokenizer_backend: model has 'jieba-rs'.*dictionary_sha256: model has '0+'"):
        load_model("mothers", tmp_path)
    save_model(tiny, tmp_path / "mothers.joblib")
    _edit_sidecar(tmp_path, segment="beauty")
    with pytest.raises(ModelMismatchError, match="the model is for 'beauty', asked for 'mothers'"):
        load_model("mothers", tmp_path)


def test_changed_segment_file_or_model_bytes_refuse(tiny: PostClassifier, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    save_model(tiny, tmp_path / "mothers.joblib")
    real = model_files.model_environment

    def edited(segment: str) -> dict[str, object]:
        return {**real(segment), "segment_sha256": "f" * 64}

    monkeypatch.setattr(model_files, "model_environment", edited)
    with pytest.raises(ModelMismatchError,
                       match=r"segment_sha256: model has '[0-9a-f]{64}', this environment has 'f{64}'"):
        load_model("mothers", tmp_path)
    monkeypatch.setattr(model_files, "model_environment", real)
    with open(tmp_path / "mothers.joblib", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelMismatchError, match=r"model_sha256: .*the file differs"):
        load_model("mothers", tmp_path)


def test_missing_model_or_sidecar(tiny: PostClassifier, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no classifier model for segment 'mothers'.*make model"):
        load_model("mothers", tmp_path)
    save_model(tiny, tmp_path / "mothers.joblib")
    (tmp_path / "mothers.joblib.json").unlink()
    with pytest.raises(ModelMismatchError, match=r"sidecar mothers\.joblib\.json is missing.*make model"):
        load_model("mothers", tmp_path)
    (tmp_path / "mothers.joblib.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelMismatchError, match="unreadable sidecar"):
        load_model("mothers", tmp_path)


def test_shipped_model_loads_and_is_small() -> None:
    path = DEFAULT_MODELS_DIR / "mothers.joblib"
    assert path.stat().st_size < 5_000_000
    model = load_model("mothers")
    assert model.predict(["我家宝宝8个月了，昨晚夜奶三次", "今天股市大跌"]).tolist() == [1, 0]


def test_empty_input_gives_empty_output(tiny: PostClassifier) -> None:
    assert tiny.predict_proba([]).shape == (0, 2)
    assert tiny.predict([]).tolist() == [] and tiny.decision_function([]).shape == (0,)
    assert tiny.predict_explained([])[1] == []


#: Texts that stress the fast transform: empty, emoji and non-BMP characters (😀, 𠮷), full- and
#: half-width, runs of spaces and tabs, case changes that alter the length ("İ"), final sigma,
#: NUL and the largest code point, very long texts.
TRICKY = [
    "", " ", "a", "😀", "😀😀宝宝😀", "𠮷野家的𠮷", "𠮷", "ＡＢＣ 宝宝", "ABC 宝宝", "  A  b  ",
    "a\t\tb c\td", "宝宝\u3000\u3000辅食", "  宝宝   夜奶  ", "İstanbul İİ", "ΑΣ ΟΔΟΣ", "a\x00b\x00",
    "\U0010ffff宝\U0010ffff", "我家宝宝😀会翻身了 " * 400, "宝" * 5000, "Hello WORLD hello", "1 2 3 4 5",
    "\n\n宝宝\r\n",
    "\x01\x00", "\x00\U00010000",  # would share one code if a character took fewer than 21 bits
]


def _assert_same_matrix(got, expected) -> None:
    assert got.shape == expected.shape and got.nnz == expected.nnz
    assert (got.indptr == expected.indptr).all() and (got.indices == expected.indices).all()
    assert abs(got - expected).max() < 1e-6 if got.nnz else True


def _overlapping_words(text: str) -> list[str]:
    """A tokenizer whose words may hold spaces: overlapping 3-character pieces."""
    return [text[i : i + 3] for i in range(0, len(text), 2)]


def test_fast_tfidf_equals_scikit_learn_transform() -> None:
    """The fast transform used at prediction time agrees with TfidfVectorizer.transform: word and
    char n-grams of a fitted model, char vectorizers fitted on the tricky texts themselves (so
    that their emoji, non-BMP and space n-grams are in the vocabulary), every n-gram range the
    numpy path packs and one it does not (falls back to a dict lookup), word vectorizers with
    scikit-learn's own tokenizer and with one whose words hold spaces."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlp.clean import clean_own_text

    labelled = pd.read_csv(Path(__file__).parent / "mothers_labelled.csv", dtype=str, keep_default_na=False)
    own = [clean_own_text(t) for t in labelled["text"]] + TRICKY
    model = PostClassifier(**{**PARAMS, "min_df": 1, "word_ngram_range": (1, 3)}).fit(
        labelled["text"].tolist() + TRICKY[3:], labelled["label"].astype(int).tolist() + [0] * len(TRICKY[3:])
    )
    vectorizers = [model.word_vectorizer_, model.char_vectorizer_]
    for lo, hi in ((1, 1), (1, 2), (1, 3), (2, 3), (3, 3), (2, 5)):
        for sublinear, norm in ((True, "l2"), (False, None)):
            vectorizers.append(TfidfVectorizer(analyzer="char", ngram_range=(lo, hi), sublinear_tf=sublinear,
                                               norm=norm, dtype=np.float32).fit(own))
    # word vectorizers with other tokenizers: scikit-learn's token pattern, words holding spaces
    # (their n-grams are joined and looked up, not packed)
    for options in ({"token_pattern": r"(?u)\b\w+\b"},
                    {"tokenizer": _overlapping_words, "token_pattern": None}):
        for lo, hi in ((1, 1), (1, 2), (2, 3)):
            vectorizers.append(TfidfVectorizer(ngram_range=(lo, hi), sublinear_tf=True, dtype=np.float32,
                                               **options).fit(own))
    odd = ["a\ud800b", "\udfff", "宝宝\ud83d"]  # lone surrogates: char n-grams only
    for vectorizer in vectorizers:
        texts = own if vectorizer.analyzer == "word" else own + odd
        _assert_same_matrix(fast_tfidf(vectorizer, texts), vectorizer.transform(texts))
        _assert_same_matrix(fast_tfidf(vectorizer, texts[::-1]), vectorizer.transform(texts[::-1]))
        assert fast_tfidf(vectorizer, []).shape == (0, len(vectorizer.vocabulary_))


def test_fast_tfidf_of_the_shipped_model_equals_scikit_learn() -> None:
    """The shipped model's own vectorizers: the fast path and scikit-learn agree on real posts
    (the labelled ones) and on the tricky texts."""
    from nlp.clean import clean_own_text

    model = load_model("mothers")
    labelled = pd.read_csv(Path(__file__).parent / "mothers_labelled.csv", dtype=str, keep_default_na=False)
    own = [clean_own_text(t) for t in labelled["text"]] + TRICKY + [clean_own_text(t) for t in TRICKY]
    for vectorizer in (model.word_vectorizer_, model.char_vectorizer_):
        _assert_same_matrix(fast_tfidf(vectorizer, own), vectorizer.transform(own))


def test_rule_scores_from_the_tagger_never_change_probabilities() -> None:
    """``predict_proba(..., rule_scores=...)`` reuses rule scores only for the model's own segment
    and texts read without context; the probabilities are those computed from scratch."""
    from dataclasses import replace

    from nlp.clean import clean_own_text
    from nlp.segments import load_segment
    from nlp.tagger import score_own_text

    model = load_model("mothers")
    seg = load_segment("mothers")
    texts = POSITIVE + NEGATIVE + TRICKY + ["回复@小明:我家寶寶會走路了", None]
    own = [clean_own_text(t) for t in texts]
    scores = {o: score_own_text(o, seg) for o in own}
    expected = model.predict_proba(own)
    assert np.array_equal(model.predict_proba(own, rule_scores=(seg, scores)), expected)
    context = ["宝宝辅食奶粉尿不湿"] * len(own)
    assert np.array_equal(model.predict_proba(own, context, rule_scores=(seg, scores)),
                          model.predict_proba(own, context))
    # wrong scores for another segment are not used
    other = replace(seg, threshold=seg.threshold + 1)
    bogus = {o: score_own_text("我家宝宝夜奶三次", seg) for o in own}
    assert np.array_equal(model.predict_proba(own, rule_scores=(other, bogus)), expected)


def test_feature_names_are_cached_but_not_pickled(tiny: PostClassifier) -> None:
    names = tiny._feature_names()
    assert tiny._feature_names() is names and not names.flags.writeable
    assert "_feature_names" not in pickle.dumps(tiny).decode("latin-1")
    copy = pickle.loads(pickle.dumps(tiny))
    assert copy._feature_names().tolist() == names.tolist()
    copy.set_params(rule_features=not copy.rule_features)
    assert len(copy._feature_names()) != len(names)  # a changed parameter rebuilds them


def test_tokenize_codes_equals_tokenize() -> None:
    """The word codes the fast word n-grams read are exactly ``tokenize``'s words."""
    from nlp.tokenize import tokenize, tokenize_codes

    texts = POSITIVE + NEGATIVE + TRICKY + ["123 456", "!!!", "a, b; c"]
    for dictionary in ("mothers", None):
        words, codes, counts = tokenize_codes(texts, dictionary)
        assert len(set(words)) == len(words) and counts.sum() == len(codes)
        ends = np.cumsum(counts)
        got = [[words[c] for c in codes[end - n : end]] for n, end in zip(counts, ends, strict=True)]
        assert got == [tokenize(t, dictionary) for t in texts]
    assert tokenize_codes([], "mothers")[1].shape == (0,)
    with pytest.raises(TypeError, match="str"):
        tokenize_codes([b"bytes"], "mothers")  # type: ignore[list-item]


def test_predict_proba_in_batches_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_model("mothers")
    texts = POSITIVE + NEGATIVE + TRICKY + [None]
    context = [None, "宝宝辅食奶粉尿不湿", ""] * (len(texts) // 3) + [None] * (len(texts) % 3)
    whole = model.predict_proba(texts), model.predict_proba(texts, context)
    monkeypatch.setattr(classifier, "_PREDICT_BATCH", 7)
    assert np.array_equal(model.predict_proba(texts), whole[0])
    assert np.array_equal(model.predict_proba(texts, context), whole[1])
    with pytest.raises(ValueError, match="one text"):
        model.predict_proba(texts, context[:-1])


def test_gold_split_keeps_each_ced_thread_on_one_side() -> None:
    gold = read_gold(Path(__file__).resolve().parents[1] / "data" / "mothers_gold.csv")
    dev, test = gold_split(gold)
    assert set(gold_groups(dev["id"])).isdisjoint(gold_groups(test["id"]))
    assert (len(dev), len(test)) == (953, 953)
    assert (int(dev["label"].sum()), int(test["label"].sum())) == (90, 90)
    threads = {"ced:" + i.split("/")[0][len("ced-r-"):] for i in gold["id"] if i.startswith("ced-r-")}
    assert len(threads) > 100 and threads <= set(gold_groups(gold["id"]))
