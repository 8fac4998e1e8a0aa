"""The SQL field rules of store/bulk.py against their Python references in store/fields.py.

Hypothesis draws text from an alphabet rich in what the rules care about (``//``, ``@``, colons,
white space of several kinds, CJK, letters, digits, ``-`` and ``_``) and the SQL macro must give
exactly what the Python function gives.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.bulk import bulk_connection, fix_slow_text_rows, text_columns_sql
from store.fields import COUNT_OVERFLOW, SHANGHAI, as_count, mention_names, own_mentions, repost_chain_names


@pytest.fixture(scope="module")
def con():
    c = bulk_connection()
    yield c
    c.close()


ALPHABET = st.sampled_from([*"//@@::：：  \u3000\t\n,-_aZ9小红明宝妈", "\u00a0", "#", "。"])
TEXT = st.text(ALPHABET, max_size=60)
LONG_NAME = st.builds(lambda n, a, b: f"{a}//@{'名' * n}:{b}", st.integers(25, 40), TEXT, TEXT)


def sql_text_columns(con, texts: list[str], listed: list[str | None] | None = None) -> list[tuple]:
    """(chain, own, names) of each text, in one query (a query costs more than many rows)."""
    rows = pa.table(
        {
            "i": list(range(len(texts))),
            "body": pa.array(texts, pa.string()),
            "listed": pa.array(listed or [None] * len(texts), pa.string()),
        }
    )
    con.register("many", rows)
    try:
        col = "listed" if listed is not None else None
        con.execute(f"CREATE OR REPLACE TEMP TABLE staged AS {text_columns_sql('many', listed=col)}")
        fix_slow_text_rows(con, "staged", listed=col)
        return [tuple(r) for r in con.execute("SELECT chain, own, names FROM staged ORDER BY i").fetchall()]
    finally:
        con.unregister("many")


def one(con, text: str, listed: str | None = None) -> tuple:
    return sql_text_columns(con, [text], None if listed is None else [listed])[0]


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(TEXT, LONG_NAME), min_size=1, max_size=40))
def test_chain_own_and_mentions_match_python(con, texts: list[str]) -> None:
    for text, (chain, own, names) in zip(texts, sql_text_columns(con, texts), strict=True):
        own_py, chain_py = repost_chain_names(text)
        assert (chain, own, names) == (chain_py, own_py if chain_py else text, own_mentions(text)), text


@settings(max_examples=10, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=20))
def test_macros_match_the_staged_columns(con, texts: list[str]) -> None:
    staged = sql_text_columns(con, texts)
    con.register("many", pa.table({"i": list(range(len(texts))), "x": pa.array(texts, pa.string())}))
    try:
        got = con.execute(
            "SELECT tj_chain(x), tj_own(x), tj_mentions(tj_own(x)) FROM many ORDER BY i"
        ).fetchall()
    finally:
        con.unregister("many")
    assert [tuple(r) for r in got] == staged


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(TEXT, st.lists(st.text(ALPHABET, max_size=8), max_size=4).map(",".join)),
        min_size=1,
        max_size=40,
    )
)
def test_listed_mentions_match_python(con, pairs: list[tuple[str, str]]) -> None:
    got = sql_text_columns(con, [t for t, _ in pairs], [x for _, x in pairs])
    for (text, listed), (_, _, names) in zip(pairs, got, strict=True):
        assert names == mention_names(text, listed), (text, listed)


def test_chain_examples(con) -> None:
    assert one(con, "说得对//@小红:我家也是//@小明：转发") == (["小红", "小明"], "说得对", [])
    assert one(con, "@小红 看这个 @小明 @小红//@小刚:好") == (
        ["小刚"],
        "@小红 看这个 @小明 @小红",
        ["小红", "小明"],
    )
    long = "a//@" + "x" * 31 + ":b//@c:d"
    assert one(con, long)[:2] == (["c"], "a//@" + "x" * 31 + ":b")
    assert one(con, "@小红 @小明 好", "小明,@小红,小刚") == ([], "@小红 @小明 好", ["小明", "小红"])


COUNTS = st.one_of(
    st.from_regex(r"[0-9]{1,12}(\.[0-9]{1,3})?(万|亿)?\+?", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}(,[0-9]{3}){1,3}", fullmatch=True),
    st.text(st.sampled_from(list("0123456789.,万亿+ -ab")), max_size=10),
)


def reference_count(text: str) -> int | None:
    """:func:`store.fields.as_count`, rounding halves away from zero (as DuckDB does; 12.7 → 13,
    0.5 → 1), within the readers' bound |x| < 2**62 (COUNT_OVERFLOW beyond it)."""
    if as_count(text) is None:
        return None
    v = text.strip().replace(",", "").rstrip("+")
    unit = {"万": 10_000, "亿": 100_000_000}.get(v[-1:], 1)
    x = float(v[:-1] if unit > 1 else v) * unit
    if math.isnan(x):
        return None
    if not math.isfinite(x) or abs(x) >= 2**62:
        return COUNT_OVERFLOW
    n = int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return n if abs(n) < 2**62 else COUNT_OVERFLOW


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(COUNTS, min_size=1, max_size=40))
def test_counts_match_python(con, texts: list[str]) -> None:
    con.register("many", pa.table({"i": list(range(len(texts))), "x": pa.array(texts, pa.string())}))
    try:
        got = [r[0] for r in con.execute("SELECT tj_count(x) FROM many ORDER BY i").fetchall()]
    finally:
        con.unregister("many")
    assert got == [reference_count(t) for t in texts]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-11-13 10:00", datetime(2026, 11, 13, 10, 0, tzinfo=SHANGHAI)),
        (" 2026-11-13 10:00:05 ", datetime(2026, 11, 13, 10, 0, 5, tzinfo=SHANGHAI)),
        ("2026-11-13T10:00", datetime(2026, 11, 13, 10, 0, tzinfo=SHANGHAI)),
        ("2026-11-13", datetime(2026, 11, 13, tzinfo=SHANGHAI)),
        ("2026-11-13 10:00+02", None),
        ("昨天 10:00", None),
        ("", None),
    ],
)
def test_local_times_are_shanghai(con, text: str, want: datetime | None) -> None:
    assert con.execute("SELECT tj_local_time(?)", [text]).fetchone()[0] == want


def test_ids_and_counts_examples(con) -> None:
    assert con.execute(
        "SELECT tj_id(?), tj_is_id(tj_id(?)), tj_is_id('5.37E+15'), tj_count('1.2万'), tj_count('100万+')",
        ["5366486905059756\t", "5366486905059756\t"],
    ).fetchone() == ("5366486905059756", True, False, 12000, 1000000)


_JSON_LEAVES = st.one_of(
    st.integers(-(10**21), 10**21).map(str),
    st.from_regex(r'"[0-9]{0,22}"', fullmatch=True),
    st.text(max_size=12).map(lambda s: json.dumps(s, ensure_ascii=False)),
    st.text(max_size=12).map(lambda s: json.dumps(s)),
    st.floats(allow_nan=False, allow_infinity=False).map(json.dumps),
    st.sampled_from(["true", "false", "null", "[]", "{}", '" 12 "', '"\\t12\\t"', "0", "-0", "007"]),
)


@pytest.fixture(scope="module")
def json_con():
    c = bulk_connection()
    yield c
    c.close()


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(_JSON_LEAVES, min_size=1, max_size=30))
def test_json_id_fast_path_equals_the_general_rule(json_con, leaves):
    """tj_jid reads a quoted or bare run of digits directly; everything else goes through the
    general rule (tj_jid_general), and both agree on every JSON leaf."""
    json_con.register("leaves", pa.table({"x": pa.array(leaves, pa.string())}))
    got = json_con.execute("SELECT tj_jid(x), tj_jid_general(x) FROM leaves").fetchall()
    json_con.unregister("leaves")
    assert all(a == b for a, b in got), [(x, a, b) for x, (a, b) in zip(leaves, got, strict=True) if a != b]
