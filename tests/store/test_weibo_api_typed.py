"""The typed path of the Weibo API reader (pyarrow's strict JSON reader, then SQL) gives exactly
the batch of the line-by-line reference, on lines whose values all have the types the API
writes, with every edge value of those types (empty and padded ids, bad times, counts beyond
MAX_COUNT, null and missing objects, ``"status": null``), and on a generated file with broken
lines in it (each piece with one goes to the JSON path; the reference writes the quarantine)."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import weibo_api_sql
from store.fields import MAX_COUNT
from store.synthetic import generate_weibo_sample
from store.weibo_api import parse_weibo_api

from .test_weibo_api_sql import NAMES, _text, assert_same_batch

_MISSING = object()


def _pick(rng: random.Random, common, *edge):
    return common if rng.random() < 0.8 or not edge else rng.choice(edge)


def _sid(rng: random.Random, n: int):
    return _pick(rng, str(n), f" {n}\t", "", "\u3000" + str(n), "abc", f"-{n}", "1" * 25, None, _MISSING)


def _count(rng: random.Random):
    return _pick(rng, rng.randrange(10**6), 0, -4, MAX_COUNT, MAX_COUNT + 1, 2**63 - 1, None, _MISSING)


def _time(rng: random.Random):
    day = rng.randrange(1, 29)
    return _pick(
        rng,
        f"Fri Nov {day:02d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:07 +0800 2026",
        "Sat Nov 14 25:00:00 +0800 2026",
        "2026-11-13 10:00",
        "Fri Nov 13 10:00:00 +0000 2026",
        "",
        None,
        _MISSING,
    )


def _user(rng: random.Random, n: int):
    u = {
        "id": _pick(rng, n, -n, 0, None, _MISSING),
        "idstr": _sid(rng, n),
        "screen_name": _pick(rng, rng.choice(NAMES), "", None, _MISSING),
        "name": _pick(rng, rng.choice(NAMES), "", _MISSING),
        "followers_count": _count(rng),
        "friends_count": _count(rng),
        "statuses_count": _count(rng),
        "verified": _pick(rng, rng.random() < 0.5, None, _MISSING),
        "verified_type": _pick(rng, rng.choice([-1, 0, 220]), None, _MISSING),
        "description": _pick(rng, "全职妈妈", "", " ", None, _MISSING),
        "gender": _pick(rng, rng.choice("mf"), "", None, _MISSING),
        "location": _pick(rng, "北京 东城区", " 上海 ", "\u3000", "", None, _MISSING),
        "profile_image_url": "https://x/y.jpg",
    }
    return _pick(rng, u, None, _MISSING, {})


def _post(rng: random.Random, n: int, *, source: bool = False):
    text = _text(rng)
    p = {
        "created_at": _time(rng),
        "id": _pick(rng, n, None, _MISSING),
        "idstr": _sid(rng, n),
        "mid": _pick(rng, _MISSING, str(n), None),
        "text": text if isinstance(text, str) or text in (None, _MISSING) else str(text),
        "reposts_count": _count(rng),
        "comments_count": _count(rng),
        "attitudes_count": _count(rng),
        "user": _user(rng, 10**9 + n % 50),
        "pic_urls": [],
        "geo": _pick(rng, None, {"coordinates": [39.9, 116.4]}),
    }
    if source:
        p["retweeted_status"] = _pick(rng, _MISSING, {"idstr": str(n + 1)}, {}, None)
    return p


def _drop_missing(value):
    if isinstance(value, dict):
        return {k: _drop_missing(v) for k, v in value.items() if v is not _MISSING}
    if isinstance(value, list):
        return [_drop_missing(v) for v in value]
    return value


def _typed_line(rng: random.Random, n: int) -> str:
    """One status or comment line whose values have the API's types (or are null / missing)."""
    if rng.random() < 0.5:
        obj = _post(rng, n)
        if rng.random() < 0.4:
            obj["retweeted_status"] = _pick(rng, _post(rng, 10**6 + n % 97, source=True), None, {})
    else:
        obj = {
            "created_at": _time(rng),
            "id": _pick(rng, n, _MISSING),
            "idstr": _sid(rng, n),
            "text": _pick(rng, _text(rng), None, _MISSING),
            "like_count": _count(rng),
            "user": _user(rng, 2 * 10**9 + n % 40),
            "status": _pick(
                rng,
                _post(rng, 10**6 + n % 97, source=True),
                {"idstr": str(10**6 + n % 97), "user": {"idstr": "5"}},
                {"idstr": str(n), "created_at": ""},
                None,
                {},
            ),
        }
        if rng.random() < 0.3:
            obj["reply_comment"] = _pick(
                rng, {"user": {"idstr": str(3 * 10**9 + n % 5)}}, {"user": {"idstr": "5"}}, {"user": {}}, {}
            )
    if not isinstance(obj.get("text"), str | None):
        obj["text"] = None
    obj = _drop_missing(obj)
    line = json.dumps(obj, ensure_ascii=rng.random() < 0.1)
    extra = rng.random()
    # values the typed reader accepts but Python's parser does not, or that change what the line is
    if extra < 0.02:
        return line[:-1] + ', "x": NaN}'
    if extra < 0.04:
        return line[:-1] + ', "statuses": null}'
    if extra < 0.06:
        return line[:-1] + ', "retweeted_status": null}' if "retweeted_status" not in obj else line
    if extra < 0.08:
        return line[:-1] + ', "status": null}' if "status" not in obj else line
    if extra < 0.09:
        return line[:-1] + ', "note": "a\\u0000b"}'
    return line


def _lines(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [_typed_line(rng, k) for k in range(n)]


def _typed_share(lines: list[str], piece_bytes: int) -> float:
    typed, _ = weibo_api_sql._parse_typed(pa.array(lines, pa.large_string()), piece_bytes)
    return (typed.num_rows if typed is not None else 0) / len(lines)


def test_typed_lines_give_the_reference_batch(monkeypatch):
    lines = _lines(1, 300)
    monkeypatch.setattr(weibo_api_sql, "PIECE_BYTES", 1)  # each line a piece of its own
    assert _typed_share(lines, 1) > 0.9  # the typed reader reads them (the rest: the JSON path)
    sql = parse_weibo_api(lines, "t.jsonl", engine="sql")
    assert_same_batch(sql, parse_weibo_api(lines, "t.jsonl", engine="python"))
    assert sql.rows_read == sum(1 for ln in lines if ln.strip())


def test_a_generated_file_with_broken_lines_gives_the_reference_batch(tmp_path, monkeypatch):
    generate_weibo_sample(tmp_path, n_users=800, days=5, seed=5)
    lines = [
        line
        for name in ("weibo_statuses.jsonl", "weibo_comments.jsonl")
        for line in (tmp_path / name).read_text(encoding="utf-8").splitlines()
    ]
    lines[3] = lines[3][:50]  # truncated
    lines[10] = ""
    lines[20] = lines[20][:-1] + ', "x": NaN}'
    lines[30] = '{"statuses": [' + lines[31] + "]}"
    lines[40] = lines[40].replace('"reposts_count":', '"reposts_count":"1.2万","r0":', 1)
    monkeypatch.setattr(weibo_api_sql, "PIECE_BYTES", 4096)
    assert 0.5 < _typed_share(lines, 4096) < 1  # the pieces with a broken line go the JSON way
    sql = parse_weibo_api(lines, "g.jsonl", engine="sql")
    ref = parse_weibo_api(lines, "g.jsonl", engine="python")
    assert_same_batch(sql, ref)
    assert [int(x) for x in sql.quarantine["line"]] == [4, 21]
    assert sql.quarantine["reason"].str.contains("not valid JSON").all()


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 2**31), min_size=1, max_size=6), st.sampled_from([1, 300, 1 << 20]))
def test_the_typed_path_never_differs_from_the_reference(seeds, piece_bytes):
    lines = [_typed_line(random.Random(s), s % 1000) for s in seeds]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(weibo_api_sql, "PIECE_BYTES", piece_bytes)
        sql = parse_weibo_api(lines, "h.jsonl", engine="sql")
    assert_same_batch(sql, parse_weibo_api(lines, "h.jsonl", engine="python"))
