"""Who is not an ordinary person: shops, 微商, 代购 and marketing accounts, from their own posts.

The usual fake "ordinary mother" in a parenting niche sells things: her posts carry prices, 包邮,
私信下单, 加微信, links and the same text again and again. :func:`business_accounts` reads every post
of each user in the window (not only the segment's posts) and the profile where the export has one,
and marks a user as a business when

* the screen name or bio names a shop (``PROFILE_WORDS``: 旗舰店, 代购, 微商, 招代理, …); or
* at least ``MIN_COMMERCE_POSTS`` posts, and at least ``MIN_COMMERCE_SHARE`` of their posts, carry
  a commerce signal (``COMMERCE``: a price, 包邮, 私信下单, 加微信 / VX, 团购, 优惠券, 现货, a shop link…);
* or at least ``MIN_REPEATED_POSTS`` of their posts, and ``MIN_REPEATED_SHARE`` of all, repeat a
  selling text they posted before (copy-paste advertising; repeated texts alone are not enough:
  fans post the same 打榜 vote text hundreds of times).

The ``why`` column says which held, with an example, for the report. These rules are not segment
specific. Measured on real posts: see tests/data/LABELS.md ("Businesses").

Example:
    >>> import pandas as pd
    >>> posts = pd.DataFrame({"user_id": ["s"] * 3 + ["m"],
    ...     "text": ["宝宝辅食机现货包邮，私信下单", "婴儿湿巾买二送一，加VX：ab123", "奶粉代购，价格私聊",
    ...              "宝宝今天会叫妈妈了"]})
    >>> business_accounts(posts)[["user_id", "business"]].values.tolist()
    [['m', False], ['s', True]]
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

__all__ = [
    "COMMERCE",
    "MIN_COMMERCE_POSTS",
    "MIN_COMMERCE_SHARE",
    "MIN_REPEATED_POSTS",
    "MIN_REPEATED_SHARE",
    "PROFILE_WORDS",
    "business_accounts",
]

#: A post that sells: prices, shipping, ordering, contact for orders, group buys, shop links.
COMMERCE = re.compile(
    r"代购|包邮|私信(?:下单|咨询|订购|购买|了解)|下单|(?<![参增追更])(?:加|➕)\s*(?:微信|薇信|薇|vx|VX|wx|WX|[vV](?![A-Za-z]))|微信号|"
    r"(?:vx|VX|wx|WX|v信|V信|薇信)\s*[:：]?\s*[A-Za-z0-9_-]{5,}|团购|拼团|开团|优惠券|券后|领券|现货|秒杀|"
    r"买[一二两三1-3]送[一二两1-2]|[￥¥]\s*\d|\d+(?:\.\d+)?\s*(?:元|块)(?:/|一|包邮|起)|原价|到手价|"
    r"淘宝|天猫|拼多多|店铺|小店|旗舰店|招(?:代理|商)|批发|货源|直播间|专柜价|下单链接|购买链接|"
    r"m\.tb\.cn|taobao\.com|tmall\.com|jd\.com"
)
#: A screen name or bio that names a shop or a sales account.
PROFILE_WORDS = re.compile(
    r"旗舰店|专卖店|官方店|小店|店铺|代购|微商|招代理|批发|货源|工作室|客服|商城|母婴店|专营|优选|"
    r"官方微博|官微|品牌"
)
MIN_COMMERCE_POSTS = 2
MIN_COMMERCE_SHARE = 0.3
MIN_REPEATED_POSTS = 3
MIN_REPEATED_SHARE = 0.1


def _fold(text: object) -> str:
    return unicodedata.normalize("NFKC", text) if isinstance(text, str) else ""


def _profile_reasons(profiles: pd.DataFrame | None) -> dict[str, str]:
    if profiles is None or profiles.empty:
        return {}
    why: dict[str, str] = {}
    for uid, name, bio in zip(
        profiles["user_id"].astype(str),
        profiles.get("screen_name", pd.Series([None] * len(profiles))),
        profiles.get("bio", pd.Series([None] * len(profiles))),
        strict=True,
    ):
        for field, value in (("screen name", _fold(name)), ("bio", _fold(bio))):
            m = PROFILE_WORDS.search(value)
            if m is not None:
                why[uid] = f"{field} names a shop ({m.group()})"
                break
    return why


def business_accounts(posts: pd.DataFrame, profiles: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per user of ``posts`` (columns ``user_id``, ``text``), sorted by user_id: columns
    ``user_id, business, why, n_posts, commerce_posts, repeated_posts``. ``profiles`` (optional:
    ``user_id, screen_name, bio``) adds the profile rule. ``why`` is None for non-businesses."""
    if posts.empty:
        return pd.DataFrame(
            columns=["user_id", "business", "why", "n_posts", "commerce_posts", "repeated_posts"]
        )
    df = pd.DataFrame({"user_id": posts["user_id"].astype(str), "text": posts["text"].map(_fold)})
    df = df[df["text"].str.strip() != ""]
    matches = df["text"].map(lambda t: m.group() if (m := COMMERCE.search(t)) else None)
    df = df.assign(commerce=matches.notna(), match=matches)
    df["repeated"] = df["commerce"] & df.duplicated(["user_id", "text"])
    per = df.groupby("user_id", sort=True).agg(
        n_posts=("text", "size"),
        commerce_posts=("commerce", "sum"),
        repeated_posts=("repeated", "sum"),
        example=("match", "first"),
    )
    share_c = per["commerce_posts"] / per["n_posts"]
    selling = (per["commerce_posts"] >= MIN_COMMERCE_POSTS) & (share_c >= MIN_COMMERCE_SHARE)
    share_r = per["repeated_posts"] / per["n_posts"]
    copying = (per["repeated_posts"] >= MIN_REPEATED_POSTS) & (share_r >= MIN_REPEATED_SHARE)
    by_profile = _profile_reasons(profiles)
    why: list[str | None] = []
    for uid, sell, copy, row in zip(per.index, selling, copying, per.itertuples(), strict=True):
        if uid in by_profile:
            why.append(by_profile[uid])
        elif sell:
            why.append(f"{row.commerce_posts} of {row.n_posts} posts sell ({row.example})")
        elif copy:
            why.append(f"{row.repeated_posts} of {row.n_posts} posts repeat a selling text")
        else:
            why.append(None)
    out = per.drop(columns="example").reset_index()
    out.insert(1, "business", [w is not None for w in why])
    out.insert(2, "why", pd.Series(why, index=out.index, dtype=object))  # None, not NaN (pandas 3)
    return out.astype({"n_posts": "int64", "commerce_posts": "int64", "repeated_posts": "int64"})
