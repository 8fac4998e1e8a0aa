"""Tests for nlp.commerce: who sells (shops, 微商, 代购), on hand-made posts checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from nlp.commerce import COMMERCE, PROFILE_WORDS, business_accounts

ORDINARY = [
    "宝宝今天会叫妈妈了",
    "周末带娃去公园",
    "今天天气真好",
    "加班到十点，好累",
    "晚饭吃了红烧肉",
    "看了一部好电影",
    "宝宝夜奶三次",
    "下雨了，在家看书",
    "跑步五公里",
    "煮了一锅汤",
]


def posts(rows: dict[str, list[str | None]]) -> pd.DataFrame:
    """{user_id: [text, …]} as a posts frame (columns user_id, text)."""
    return pd.DataFrame(
        [(user, text) for user, texts in rows.items() for text in texts], columns=["user_id", "text"]
    )


def judged(rows: dict[str, list[str | None]], profiles: pd.DataFrame | None = None) -> pd.DataFrame:
    return business_accounts(posts(rows), profiles).set_index("user_id")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("宝宝辅食机现货包邮，私信下单", "现货"),  # the first signal in the text
        ("婴儿湿巾买二送一，加VX：ab123", "买二送一"),
        ("奶粉代购，价格私聊", "代购"),
        ("有需要的宝妈加微信", "加微信"),
        ("加薇 了解一下", "加薇"),
        ("39元包邮", "39元包邮"),
        ("到手价¥99", "到手价"),
        ("￥ 128", "￥ 1"),  # a price: the currency sign and its first digit
        ("ＶＸ：ａｂ１２３４５", None),  # full-width: COMMERCE itself reads folded text only
        ("VX:ab12345", "VX:ab12345"),
        ("链接 m.tb.cn/h.abc", "m.tb.cn"),
        ("参加微博抽奖活动", None),  # 参加 + 微博 is not 加微(信)
        ("增加v字领", None),
        ("加vip会员", None),  # a v followed by letters is not VX
        ("为哥哥打榜！冲冲冲", None),
        ("宝宝今天会叫妈妈了", None),
    ],
)
def test_commerce_signals(text: str, found: str | None) -> None:
    m = COMMERCE.search(text)
    assert (m.group() if m else None) == found


def test_a_seller_is_a_business_with_the_reason() -> None:
    out = judged(
        {
            "shop": ["宝宝辅食机现货包邮，私信下单", "婴儿湿巾买二送一，加VX：ab123", "奶粉代购，价格私聊"],
            "mum": ["宝宝今天会叫妈妈了", "周末带娃去公园"],
        }
    )
    assert out.loc["shop", ["business", "n_posts", "commerce_posts", "repeated_posts"]].tolist() == [
        True,
        3,
        3,
        0,
    ]
    assert out.loc["shop", "why"] == "3 of 3 posts sell (现货)"  # the first selling post's signal
    assert not out.loc["mum", "business"] and out.loc["mum", "why"] is None
    assert out.index.tolist() == ["mum", "shop"]  # sorted by user_id
    assert list(business_accounts(posts({"a": ["x"]})).columns) == [
        "user_id",
        "business",
        "why",
        "n_posts",
        "commerce_posts",
        "repeated_posts",
    ]


def test_selling_needs_two_posts_and_thirty_percent() -> None:
    wechat = "有需要的加微信"
    price = "39元包邮，今晚截止"
    out = judged(
        {
            "one": [wechat, *ORDINARY[:1]],  # 1 selling post: never enough
            "two_of_3": [wechat, price, ORDINARY[0]],  # 2 of 3 = 0.67
            "two_of_7": [wechat, price, *ORDINARY[:5]],  # 2 of 7 = 0.286 < 0.3
            "three_of_10": [wechat, price, "到手价¥99", *ORDINARY[:7]],  # 3 of 10 = 0.3: inclusive
        }
    )
    assert out["business"].to_dict() == {
        "one": False,
        "three_of_10": True,
        "two_of_3": True,
        "two_of_7": False,
    }
    assert out.loc["two_of_3", "why"] == "2 of 3 posts sell (加微信)"
    assert out.loc["three_of_10", "why"] == "3 of 10 posts sell (加微信)"


def test_repeated_selling_text_is_copy_paste_advertising() -> None:
    ad = "团购价¥59，今晚开团"
    # 4 copies among 30 posts: 4 selling posts (0.13 < 0.3) but 3 repeats of a selling text (0.1)
    out = judged({"copier": [ad] * 4 + [f"{ORDINARY[i % 10]}{i}" for i in range(26)]})
    row = out.loc["copier"]
    assert (row["n_posts"], row["commerce_posts"], row["repeated_posts"]) == (30, 4, 3)
    assert row["business"] and row["why"] == "3 of 30 posts repeat a selling text"
    # 3 copies among 30: 2 repeats, not enough
    out = judged({"copier": [ad] * 3 + [f"{ORDINARY[i % 10]}{i}" for i in range(27)]})
    assert not out.loc["copier", "business"]


def test_a_fans_repeated_text_is_not_business() -> None:
    """Fans post the same 打榜 text hundreds of times; repetition alone never makes a business."""
    fan = ["为哥哥打榜！冲冲冲"] * 50 + ["参加微博抽奖活动"] * 5 + ORDINARY[:3]
    row = judged({"fan": fan}).loc["fan"]
    assert (row["n_posts"], row["commerce_posts"], row["repeated_posts"]) == (58, 0, 0)
    assert not row["business"] and row["why"] is None


def test_text_is_folded_and_blank_posts_do_not_count() -> None:
    out = judged({"u": ["ＶＸ：ａｂ１２３４５", "现货秒杀", None, "   ", ""]})
    assert out.loc["u", ["n_posts", "commerce_posts"]].tolist() == [2, 2]
    assert out.loc["u", "why"] == "2 of 2 posts sell (VX:ab12345)"


def test_a_profile_that_names_a_shop() -> None:
    profiles = pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "d"],
            "screen_name": ["小美母婴店", "豆豆妈", "豆豆妈", None],
            "bio": [None, "澳洲代购，正品保证", "两个娃的妈", None],
        }
    )
    out = judged({u: ["宝宝今天会叫妈妈了"] for u in "abcde"}, profiles)
    assert out["business"].to_dict() == {"a": True, "b": True, "c": False, "d": False, "e": False}
    assert out.loc["a", "why"] == "screen name names a shop (母婴店)"
    assert out.loc["b", "why"] == "bio names a shop (代购)"
    assert PROFILE_WORDS.search("宝妈一枚") is None


def test_no_posts() -> None:
    out = business_accounts(pd.DataFrame({"user_id": [], "text": []}))
    assert out.empty and "business" in out.columns
