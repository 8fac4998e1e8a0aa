"""The Weibo API reader's SQL fast path gives exactly the batch of the line-by-line reference.

The lines are made to hit every branch of both: each value in each type the API or a hand-made
export might use (ids as numbers and as text with spaces, counts as ``"1.2万"``, a boolean where
a string belongs, missing keys, JSON ``null``), comments with and without the commented post,
and lines DuckDB reads but the reference refuses (``NaN``, trailing commas, huge numbers).
"""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import weibo_api
from store.weibo_api import parse_weibo_api, read_weibo_api
from store.weibo_api_sql import parse_api_lines_sql

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "weibo_api"

_MISSING = object()
NAMES = ["小明", "小红", "阿花", "Bob_1", "多***夜", "x" * 31, "妈妈-2"]


def _pick(rng: random.Random, common, *rare):
    """Mostly ``common``, sometimes (4%) one of ``rare``: about half the lines have no rare value
    that sends them to the reference parser, so both paths read many lines."""
    return common if rng.random() < 0.96 or not rare else rng.choice(rare)


def _id_value(rng: random.Random, n: int):
    return _pick(
        rng, str(n), n, f" {n}\t", "", None, _MISSING, float(n), True, 2**64 + n, "abc", -n, "\u3000" + str(n)
    )


def _count(rng: random.Random):
    return _pick(rng, rng.randrange(0, 10**6), None, _MISSING, "1.2万", "100万+", 3.0, 2.5, True, "12", -4)


def _time(rng: random.Random):
    day = rng.randrange(1, 29)
    return _pick(
        rng,
        f"Fri Nov {day:02d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:07 +0800 2026",
        "Sat Nov 14 25:00:00 +0800 2026",
        "2026-11-13 10:00",
        "2026-11-13T10:00:00+08:00",
        "Fri Nov 13 10:00:00 +0000 2026",
        "Fri Nov  3 10:00:00 +0800 2026",
        "",
        None,
        _MISSING,
        1700000000,
        "Fri Feb 30 10:00:00 +0800 2026",
        "fri nov 13 10:00:00 +0800 2026",
    )


def _text(rng: random.Random):
    parts = [
        rng.choice(
            [
                "好",
                "我家宝宝",
                "哈哈 ",
                "看 @{}",
                "@{} 你好",
                "//@{}:",
                "//@{}: 转",
                " //@{} :",
                "回复@{}:",
                "\\n",
                "[哈哈]",
                "http://t.cn/x",
                "\u3000",
                "😀𠮷",
            ]
        ).format(rng.choice(NAMES))
        for _ in range(rng.randrange(0, 6))
    ]
    return _pick(rng, "".join(parts), None, _MISSING, 12, "", "转发微博")


def _user(rng: random.Random, n: int):
    u = {
        "idstr": _pick(rng, str(n), f" {n} ", None, _MISSING, 7.5),
        "id": _pick(rng, n, _MISSING, "x"),
        "screen_name": _pick(rng, rng.choice(NAMES), "", None, _MISSING, 5, False),
        "name": _pick(rng, rng.choice(NAMES), _MISSING, 0),
        "followers_count": _count(rng),
        "friends_count": _count(rng),
        "statuses_count": _count(rng),
        "verified": _pick(rng, rng.random() < 0.5, "true", None, 1, _MISSING),
        "verified_type": _pick(rng, rng.choice([-1, 0, 220]), None, "2", _MISSING),
        "description": _pick(rng, "全职妈妈", "", None, 0, ["x"], _MISSING),
        "gender": _pick(rng, rng.choice("mf"), "", None, _MISSING, 1),
        "location": _pick(rng, "北京 东城区", " 上海 ", "\u3000", "", None, 3, _MISSING),
    }
    return _pick(rng, u, _MISSING, None, "9", {}, [u])


def _drop_missing(value):
    if isinstance(value, dict):
        return {k: _drop_missing(v) for k, v in value.items() if v is not _MISSING}
    if isinstance(value, list):
        return [_drop_missing(v) for v in value]
    return value


def _post(rng: random.Random, n: int, *, source: bool = False):
    p = {
        "created_at": _time(rng),
        "id": _id_value(rng, n),
        "idstr": _id_value(rng, n),
        "mid": _pick(rng, _MISSING, str(n), None),
        "text": _text(rng),
        "reposts_count": _count(rng),
        "comments_count": _count(rng),
        "attitudes_count": _count(rng),
        "user": _user(rng, 10**9 + n % 50),
    }
    if source:
        p["retweeted_status"] = _pick(rng, _MISSING, {"idstr": str(n + 1)}, {}, None)
    return p


def _line(rng: random.Random, n: int) -> str:
    kind = rng.random()
    if kind < 0.45:
        obj = _post(rng, n)
        if rng.random() < 0.4:
            obj["retweeted_status"] = _pick(rng, _post(rng, 10**6 + n % 97, source=True), None, "x", {})
    else:
        obj = {
            "created_at": _time(rng),
            "id": _id_value(rng, n),
            "idstr": _id_value(rng, n),
            "text": _text(rng),
            "like_count": _count(rng),
            "user": _user(rng, 2 * 10**9 + n % 40),
            "status": _pick(
                rng,
                _post(rng, 10**6 + n % 97, source=True),
                {"idstr": str(10**6 + n % 97), "user": {"idstr": "5"}},
                {"idstr": str(n), "created_at": ""},
                {"id": 7, "user": "x"},
                None,
                "x",
                {},
            ),
        }
        if rng.random() < 0.3:
            obj["reply_comment"] = _pick(
                rng,
                {"user": {"idstr": str(3 * 10**9 + n % 5)}},
                {"user": {"idstr": "5"}},
                {"user": "x"},
                "x",
                {"user": {}},
            )
        if rng.random() < 0.05:
            obj["retweeted_status"] = None
    obj = _drop_missing(obj)
    line = json.dumps(obj, ensure_ascii=rng.random() < 0.1)
    mutation = rng.random()
    if mutation < 0.02:
        return line[: rng.randrange(len(line))]  # truncated
    if mutation < 0.03:
        return line[:-1] + ', "x": NaN}'
    if mutation < 0.04:
        return line[:-1] + ', "x": [1, ], "y": 1}'
    if mutation < 0.05:
        return line[:-1] + ', "big": 1e999}'
    if mutation < 0.06:
        return json.dumps({"statuses": [obj, obj]}, ensure_ascii=False)
    if mutation < 0.07:
        return rng.choice(
            [
                "",
                "   ",
                "\u3000",
                "[1, 2]",
                "null",
                '"text"',
                "{}",
                "\ufeff" + line,
                line + "\r",
                " " + line,
                line + " \t",
                '{"a": "\\ud800"}',
                '{"a": 1} x',
            ]
        )
    if mutation < 0.08:
        return line[:-1] + ', "id": 99}'  # the same key twice: DuckDB reads the first, Python the last
    return line


def _frames(batch) -> dict[str, pd.DataFrame]:
    frames = {
        "posts": batch.posts,
        "users": batch.users,
        "interactions": batch.interactions,
        "quarantine": batch.quarantine,
        "keys": pd.DataFrame({"key": batch.row_keys}),
    }
    for df in frames.values():  # pandas infers s or us from Python datetimes: compare values
        for col in ("created_at", "seen_at"):
            if col in df:
                df[col] = df[col].astype("datetime64[us, UTC]")
    return frames


def assert_same_batch(sql, ref) -> None:
    a, b = _frames(sql), _frames(ref)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def _without_duplicate_keys(lines: list[str]) -> list[str]:
    return [ln for ln in lines if not ln.endswith(', "id": 99}')]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_path_matches_the_reference_on_varied_lines(seed):
    rng = random.Random(seed)
    lines = _without_duplicate_keys([_line(rng, n) for n in range(1500)])
    sql = parse_weibo_api(lines, "v.jsonl", engine="sql")
    ref = parse_weibo_api(lines, "v.jsonl", engine="python")
    assert len(ref.row_keys) > 1000 and len(ref.quarantine) > 100
    assert_same_batch(sql, ref)


def test_a_key_given_twice_is_the_one_known_difference():
    line = (
        '{"idstr": "1", "created_at": "Fri Nov 13 10:00:00 +0800 2026", "user": {"idstr": "9"}, "idstr": "2"}'
    )
    assert parse_weibo_api([line], "d.jsonl", engine="python").row_keys == ["2"]
    assert parse_weibo_api([line], "d.jsonl", engine="sql").row_keys == ["1"]


@pytest.mark.slow
def test_sql_path_matches_the_reference_on_the_shipped_sample():
    for path in sorted(SAMPLE.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").split("\n")
        sql = parse_weibo_api(lines, str(path), engine="sql")
        assert_same_batch(sql, parse_weibo_api(lines, str(path), engine="python"))
        assert len(sql.row_keys) > 2000


@pytest.mark.slow
def test_large_files_are_read_through_sql(tmp_path, monkeypatch):
    monkeypatch.setattr(weibo_api, "SQL_MIN_LINES", 1000)
    rng = random.Random(9)
    lines = _without_duplicate_keys([_line(rng, n) for n in range(1200)])
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_same_batch(read_weibo_api(big), parse_weibo_api(lines, str(big), engine="python"))
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(("\ufeff" + "\r\n".join(lines)).encode("utf-8"))
    ref = parse_weibo_api("\r\n".join(lines).split("\n"), str(crlf), engine="python")
    assert_same_batch(read_weibo_api(crlf), ref)  # the BOM is no part of line 1
    padded = tmp_path / "padded.jsonl"  # blank lines and spaces before the first object
    padded.write_text("\n \n\t" + "\n".join(lines), encoding="utf-8")
    ref = parse_weibo_api(("\n \n\t" + "\n".join(lines)).split("\n"), str(padded), engine="python")
    assert_same_batch(read_weibo_api(padded), ref)
    doc = tmp_path / "doc.json"  # one pretty-printed document over many lines: not JSON lines
    items = []
    for x in lines[:400]:
        with contextlib.suppress(weibo_api._JSONError):  # the generator's damaged lines (NaN, cut, ...)
            items.append(weibo_api._loads(x))
    doc.write_text(json.dumps({"statuses": items}, ensure_ascii=False, indent=2), encoding="utf-8")
    assert doc.read_text(encoding="utf-8").count("\n") > 1000
    ref = parse_weibo_api([json.dumps({"statuses": items}, ensure_ascii=False)], str(doc))
    assert_same_batch(read_weibo_api(doc), ref)
    calls = []
    monkeypatch.setattr(
        weibo_api,
        "parse_api_lines_sql",
        lambda con, lines: calls.append(len(lines)) or parse_api_lines_sql(con, lines),
    )
    read_weibo_api(big)
    monkeypatch.setattr(weibo_api, "SQL_MIN_LINES", 2000)
    read_weibo_api(big)
    assert calls == [len(lines)]  # only the first read went through SQL


def test_engine_must_be_known():
    with pytest.raises(ValueError, match="engine must be 'auto', 'sql' or 'python'; got 'fast'"):
        parse_weibo_api([], "x.jsonl", engine="fast")


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=25))
def test_sql_path_matches_the_reference_property(seeds):
    lines = _without_duplicate_keys([_line(random.Random(s), n) for n, s in enumerate(seeds)])
    assert_same_batch(
        parse_weibo_api(lines, "h.jsonl", engine="sql"), parse_weibo_api(lines, "h.jsonl", engine="python")
    )
