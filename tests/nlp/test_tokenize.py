"""Tests for nlp.tokenize: user dictionaries, pickling, isolation between dictionaries."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from nlp.tokenize import DEFAULT_DATA_DIR, STOPWORDS, dictionary_path, set_data_dir, tokenize


def test_user_dictionary_keeps_words_whole() -> None:
    words = tokenize("宝宝换了尿不湿，又贴了暖宝宝，中午吃辅食", "mothers")
    for w in ("尿不湿", "暖宝宝", "辅食", "宝宝"):
        assert w in words


def test_blockers_hide_keywords() -> None:
    assert "百天" not in tokenize("坚持锻炼一百天", "mothers")
    assert "百天" in tokenize("宝宝百天啦", "mothers")
    assert "娃" not in tokenize("来一瓶娃哈哈", "mothers")


def test_punctuation_and_spaces_dropped() -> None:
    assert tokenize("你好！！ 世界。。。", None) == ["你好", "世界"]
    assert tokenize("", "mothers") == []
    assert tokenize(None, "mothers") == []  # type: ignore[arg-type]


def test_pickle_round_trip() -> None:
    clone = pickle.loads(pickle.dumps(tokenize))
    assert clone is tokenize
    text = "宝宝夜奶三次，好累"
    assert clone(text, "mothers") == tokenize(text, "mothers")


def _cut(text: str) -> list[str]:
    return tokenize(text, "mothers")


def test_works_in_worker_processes() -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")
    texts = ["宝宝换了尿不湿", "辅食吃了小半碗"]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_cut, texts))
    assert results == [tokenize(t, "mothers") for t in texts]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        assert list(pool.map(tokenize, texts, ["mothers"] * 2)) == results


def test_no_cross_talk_between_dictionaries(tmp_path: Path) -> None:
    (tmp_path / "dict").mkdir()
    (tmp_path / "dict" / "odd.txt").write_text("# a comment line\n咕噜咪呀 100000 n\n", "utf-8")
    text = "今天咕噜咪呀真好"
    plain_before = tokenize(text)
    assert "咕噜咪呀" in tokenize(text, "odd", data_dir=tmp_path)
    assert "咕噜咪呀" not in tokenize(text)
    assert "咕噜咪呀" not in tokenize(text, "mothers")
    assert tokenize(text) == plain_before


def test_set_data_dir(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_DATA_DIR / "dict", tmp_path / "dict")
    (tmp_path / "dict" / "extra.txt").write_text("噗噜噗噜 100000 n\n", "utf-8")
    try:
        set_data_dir(tmp_path)
        assert "噗噜噗噜" in tokenize("好噗噜噗噜啊", "extra")
    finally:
        set_data_dir(None)
    with pytest.raises(FileNotFoundError, match="extra"):
        tokenize("好噗噜噗噜啊", "extra")


def test_bad_dictionary_names() -> None:
    with pytest.raises(ValueError, match="dictionary name"):
        tokenize("好", "../etc/passwd")
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        tokenize("好", "nope")
    assert dictionary_path("mothers").name == "mothers.txt"


def test_no_jieba_noise(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "dict").mkdir()
    (tmp_path / "dict" / "quiet.txt").write_text("安安静静 1000 n\n", "utf-8")
    tokenize("安安静静的", "quiet", data_dir=tmp_path)  # builds a fresh tokenizer
    captured = capfd.readouterr()
    assert "prefix dict" not in captured.err
    assert "prefix dict" not in captured.out


def test_stopwords() -> None:
    for w in ("的", "了", "是", "我", "在", "吗", "啊", "呢", "吧"):
        assert w in STOPWORDS
    assert "宝宝" not in STOPWORDS
