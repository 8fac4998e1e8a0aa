"""Tests for nlp.clean: repost chains, URLs, emoji codes, topics, mentions, folding."""

from __future__ import annotations

import csv
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.clean import (
    CleanedText,
    clean_own_text,
    clean_weibo_text,
    extract_mentions,
    split_repost_chain,
    to_simplified,
)


def test_chain_split_simple() -> None:
    assert split_repost_chain("太好了//@小明:哈哈//@小红:真的") == (
        "太好了",
        (("小明", "哈哈"), ("小红", "真的")),
    )


@pytest.mark.parametrize(
    "text",
    [
        "太好了//@小明：哈哈",  # full-width colon
        "太好了//@小明 :哈哈",  # space before the colon
        "太好了 // @小明: 哈哈",  # spaces around the marker
        "太好了//@小明 哈哈",  # no colon at all
    ],
)
def test_chain_split_variants(text: str) -> None:
    own, chain = split_repost_chain(text)
    assert own == "太好了"
    assert chain == (("小明", "哈哈"),)


def test_chain_with_unreadable_name_is_still_split() -> None:
    own, chain = split_repost_chain("好//@?氏??:我家宝宝")
    assert own == "好"
    assert chain == (("?氏??", "我家宝宝"),)


def test_real_repost_from_weibo_senti() -> None:
    # weibo_senti_100k dev-2 (not reserved)
    text = "好书法！[鼓掌] //@清滢滢: @北京大小事 @北京老样子 @老头夜话 各位好友。赵老师大观园个展哦。转起来"
    c = clean_weibo_text(text)
    assert c.own_text == "好书法!"
    assert c.chain[0][0] == "清滢滢"
    assert "各位好友" in c.chain[0][1]
    assert c.mentions == ()


def test_only_own_text_before_first_chain() -> None:
    c = clean_weibo_text("哈哈//@某妈妈:我家宝宝会翻身了")
    assert c.own_text == "哈哈"
    assert "宝宝" not in c.own_text


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("看这个 http://t.cn/zQioeVf 好", "看这个 好"),
        ("看这个t.cn/zQioeVf好", "看这个 好"),
        ("详情:https://weibo.com/a/b?c=1&d=2 完", "详情: 完"),
        ("链接 www.example.com/x 完", "链接 完"),
        ("http://t.cn/zQioeVf[哈哈]好", "好"),
    ],
)
def test_urls_stripped(text: str, own: str) -> None:
    assert clean_weibo_text(text).own_text == own


def test_emoji_codes_stripped() -> None:
    assert clean_weibo_text("[哈哈]宝宝会走路了[心][good]").own_text == "宝宝会走路了"


def test_topics_kept_as_words_without_marks() -> None:
    c = clean_weibo_text("#宝宝辅食#南瓜泥 #宝宝辅食# ＃育儿＃")
    assert c.own_text == "宝宝辅食 南瓜泥 宝宝辅食 育儿"
    assert c.topics == ("宝宝辅食", "育儿")


def test_mentions_removed_and_recorded() -> None:
    c = clean_weibo_text("谢谢@小明 和 @Lily_2012，邮件 a@b.com")
    assert c.mentions == ("小明", "Lily_2012")
    assert c.own_text == "谢谢 和 ,邮件 a@b.com"
    assert extract_mentions("@小明 @小明 @ab-c") == ("小明", "ab-c")


def test_reply_prefix_is_a_mention() -> None:
    c = clean_weibo_text("回复@super熟宅:人家都说中国孩子去国外百毒不侵了")
    assert c.own_text == "人家都说中国孩子去国外百毒不侵了"
    assert c.mentions == ("super熟宅",)


@pytest.mark.parametrize(
    "text", ["转发微博", "转发微博。", "Repost", "repost ", "轉發微博", "[哈哈][心]", "。。。", "", "  "]
)
def test_no_own_text(text: str) -> None:
    assert clean_weibo_text(text).own_text == ""


def test_repost_without_words_keeps_chain() -> None:
    c = clean_weibo_text("转发微博//@小红:我家宝宝会走路了")
    assert c.own_text == ""
    assert c.chain == (("小红", "我家宝宝会走路了"),)


def test_full_width_folding_and_zero_width() -> None:
    assert clean_weibo_text("ＡＢＣ１２３！").own_text == "ABC123!"
    assert clean_weibo_text("宝\u200b宝\u200c夜\u200d奶\ufeff").own_text == "宝宝夜奶"
    assert clean_own_text("\ufeff宝\u2060宝") == "宝宝"


# --- traditional → simplified ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("我們的寶寶會走路了", "我们的宝宝会走路了"),
        ("懷孕三個月，產檢一切正常", "怀孕三个月,产检一切正常"),
        ("後來餵奶就順利了", "后来喂奶就顺利了"),
        ("頭髮乾了", "头发干了"),
        ("乾隆 皇后 著名 理发", "乾隆 皇后 著名 理发"),  # phrases OpenCC keeps, simplified already
        ("我家宝宝会走路了", "我家宝宝会走路了"),  # simplified text is left alone
    ],
)
def test_traditional_to_simplified(text: str, own: str) -> None:
    assert clean_weibo_text(text).own_text == own
    assert clean_own_text(text) == own


def test_names_and_ids_are_not_converted() -> None:
    c = clean_weibo_text("@張媽媽 #育兒日記# 寶寶長牙了 http://t.cn/AbCd //@劉寶寶:謝謝")
    assert c.own_text == "育儿日记 宝宝长牙了"
    assert c.mentions == ("張媽媽",)
    assert c.topics == ("育兒日記",)
    assert c.chain == (("劉寶寶", "謝謝"),)  # other people's words, as written


def test_traditional_reply_prefix_and_repost_marker() -> None:
    for prefix in ("回复", "回覆", "回復"):
        c = clean_weibo_text(f"{prefix}@小明:我們家也是")
        assert c.own_text == "我们家也是"
        assert c.mentions == ("小明",)
    assert clean_own_text("轉發微博") == ""


def test_to_simplified() -> None:
    assert to_simplified("") == ""
    assert to_simplified("abc 123") == "abc 123"
    assert to_simplified("臺灣網路") == "台湾网路"
    assert to_simplified("寶\ud800寶") == "宝\ud800宝"  # lone surrogates pass through
    with pytest.raises(TypeError, match="expects a str"):
        to_simplified(None)  # type: ignore[arg-type]


def _own(text: str) -> str:
    return clean_own_text(text)


@pytest.mark.slow
def test_converter_works_in_worker_processes() -> None:
    to_simplified("寶寶")  # build the converter before the fork
    texts = ["我們的寶寶", "後來"]
    for method in ("fork", "spawn"):
        if method not in multiprocessing.get_all_start_methods():
            continue
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method)) as pool:
            assert list(pool.map(_own, texts)) == ["我们的宝宝", "后来"]


@pytest.mark.real_data
def test_simplified_posts_barely_change(real_data_dir: Path) -> None:
    """weibo_senti_100k is simplified Chinese: t2s should change well under 1% of its posts."""
    with open(real_data_dir / "reserved.csv", encoding="utf-8", newline="") as f:
        reserved = {row["row_id"] for row in csv.DictReader(f) if row["source"] == "weibo_senti_100k"}
    with open(real_data_dir / "weibo_senti_100k" / "dev.csv", encoding="utf-8") as f:
        next(f)
        texts = [ln.rstrip("\n").partition("\t")[2] for i, ln in enumerate(f) if f"dev-{i}" not in reserved]
    own = [o for o in (clean_weibo_text(t).own_text for t in texts) if o]
    assert all(o == to_simplified(o) for o in own)  # the cleaned text is already simplified
    changed = sum(to_simplified(t) != t for t in texts) / len(texts)
    print(f"t2s changed {changed:.2%} of {len(texts)} simplified weibo_senti_100k posts")
    assert 0 < changed < 0.01, f"t2s changed {changed:.2%} of simplified posts; expected < 1%: wrong config?"


def test_whitespace_collapsed() -> None:
    assert clean_weibo_text("  宝宝 \n\t 睡了   ").own_text == "宝宝 睡了"


def test_none_and_non_strings() -> None:
    assert clean_weibo_text(None) == CleanedText("", (), (), ())
    assert clean_weibo_text(12) == CleanedText("", (), (), ())  # type: ignore[arg-type]
    assert clean_own_text(None) == ""
    with pytest.raises(TypeError, match="expects a str"):
        split_repost_chain(None)  # type: ignore[arg-type]


_WEIBOISH = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("/@:：#[]（）转发微博宝妈 \u200b\ufeff.tcnhps哈!，")),
        st.characters(),
    ),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(_WEIBOISH)
def test_never_crashes_and_own_text_has_no_chain(text: str) -> None:
    c = clean_weibo_text(text)
    assert isinstance(c.own_text, str)
    assert "//@" not in c.own_text
    assert c.own_text == c.own_text.strip()
    assert "\u200b" not in c.own_text
    assert clean_own_text(text) == c.own_text
    split_repost_chain(text)
    extract_mentions(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_folding_is_nfkc(text: str) -> None:
    import unicodedata

    from nlp.clean import _normalise

    expected = unicodedata.normalize("NFKC", text)
    for ch in "\u200b\u200c\u200d\u2060\ufeff":
        expected = expected.replace(ch, "")
    assert _normalise(text) == expected
