"""Small files load in one transaction per batch of files (issue 20) and give the warehouse
exactly what loading them one by one, each in its own transaction, gives: the same posts,
users, interactions, quarantine and ``loads`` rows, the same report per file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import store.load_sets
import store.stream
from store.readers import read_export
from store.stream import load_exports
from store.warehouse import LoadReport, load_batch, open_warehouse
from tests.store.test_weibo_api import lines, status, user

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "weibo_api"
TABLES = ("posts", "users", "interactions", "quarantine", "loads")


#: a reason quoting the load's time (a post dated after it): loads a second apart say another time
LOAD_TIME = re.compile(r"after the load \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)")


def untimed(value):
    return LOAD_TIME.sub("after the load (…)", value) if isinstance(value, str) else value


def contents(con) -> dict[str, list[tuple]]:
    """Every row of the tables a load writes, sorted, without the load times."""
    out = {}
    for table in TABLES:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "loaded_at"]
        rows = con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
        out[table] = sorted((tuple(untimed(v) for v in row) for row in rows), key=repr)
    return out


def _untimed(report: dict) -> dict:
    return report | {"reasons": tuple(untimed(r) for r in report["reasons"])}


@pytest.fixture
def files(tmp_path) -> list[Path]:
    """16 small Weibo API files: statuses and comments of the sample, each file repeating a line
    of the one before (a duplicate across files) and one a repost count changed (an update),
    one file with a line that is not JSON, an empty file, a CSV no reader knows (each of those
    quarantined) and a file that is gone before it is read (an error, nothing loaded)."""
    statuses = (SAMPLE / "weibo_statuses.jsonl").read_text(encoding="utf-8").splitlines()[:32]
    comments = (SAMPLE / "weibo_comments.jsonl").read_text(encoding="utf-8").splitlines()[:16]
    lines = [x for pair in zip(statuses[::2], statuses[1::2], comments, strict=True) for x in pair]
    out = []
    for k in range(16):
        mine = lines[3 * k : 3 * k + 3]
        if k:
            mine.append(lines[3 * k - 1])
        if k == 7:
            mine.append("{not json")
        if k == 9:
            status = json.loads(statuses[0])
            status["reposts_count"] = int(status.get("reposts_count") or 0) + 5
            mine.append(json.dumps(status, ensure_ascii=False))
        f = tmp_path / f"f{k:02d}.jsonl"
        f.write_text("\n".join(mine) + "\n", encoding="utf-8")
        out.append(f)
    (tmp_path / "f11.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "f12.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return [*out[:12], tmp_path / "f12.csv", tmp_path / "gone.jsonl", *out[12:]]


def one_by_one(con, files: list[Path]) -> list[tuple[str, object]]:
    """The reference: each file read and loaded alone, in a transaction of its own."""
    outcomes: list[tuple[str, object]] = []
    for f in files:
        try:
            outcomes.append((f.name, _untimed(load_batch(con, read_export(f)).as_dict())))
        except (ValueError, OSError) as exc:
            outcomes.append((f.name, type(exc).__name__))
    return outcomes


def outcomes_of(pairs) -> list[tuple[str, object]]:
    return [
        (p.name, _untimed(r.as_dict()) if isinstance(r, LoadReport) else type(r).__name__) for p, r in pairs
    ]


def test_files_loaded_in_batches_give_what_one_by_one_loads_give(files):
    ref, batched = open_warehouse(":memory:"), open_warehouse(":memory:")
    expected = one_by_one(ref, files)
    got = outcomes_of(load_exports(batched, files, batch_files=4))
    assert got == expected
    assert contents(batched) == contents(ref)
    reports = [r for _, r in got if isinstance(r, dict)]
    assert all(r["rows_read"] == r["loaded"] + r["duplicates"] + r["quarantined"] for r in reports)
    # the fixture does what it says: duplicates across files, an update, a bad line, a bad file
    # (15 repeated lines, but f11 is empty and f12 repeats a line of f11 as written; 1 updated)
    assert sum(r["duplicates"] for r in reports) == 14 and sum(r["updated"] for r in reports) == 1
    assert sum(r["quarantined"] for r in reports) == 3 and ("gone.jsonl", "FileNotFoundError") in got
    assert batched.execute("SELECT count(*) FROM loads").fetchone()[0] == len(files) - 1


def test_a_file_that_fails_to_load_leaves_nothing_and_the_others_of_its_batch_load(files, monkeypatch):
    broken = files[5]
    real, real_files = store.stream.load_batch, store.stream.load_files

    def failing(con, batch, **kw):  # the disk fills up while this one file loads
        if batch.source == str(broken):
            raise OSError("no space left on device")
        return real(con, batch, **kw)

    def failing_files(con, batches):  # ... alone or in a set of files
        if any(b.source == str(broken) for b in batches):
            raise OSError("no space left on device")
        return real_files(con, batches)

    monkeypatch.setattr(store.stream, "load_batch", failing)
    monkeypatch.setattr(store.stream, "load_files", failing_files)
    con, ref = open_warehouse(":memory:"), open_warehouse(":memory:")
    got = outcomes_of(load_exports(con, files, batch_files=4))
    assert [name for name, _ in got] == [f.name for f in files]
    assert dict(got)[broken.name] == "OSError"
    expected = one_by_one(ref, [f for f in files if f != broken])
    assert [x for x in got if x[0] != broken.name] == expected
    assert contents(con) == contents(ref)


def _write(folder: Path, name: str, lines: list[str]) -> Path:
    f = folder / name
    f.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return f


def _sample_lines() -> tuple[list[str], list[str]]:
    statuses = (SAMPLE / "weibo_statuses.jsonl").read_text(encoding="utf-8").splitlines()[:60]
    comments = (SAMPLE / "weibo_comments.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    return statuses, comments


#: a mention of a name no user has yet (a placeholder), then a user of that name (a merge),
#: then mentions of both names (resolved), each file of one line
MENTIONS = lines(
    status(9001, 901, "阿花妈妈", "@小红妈妈 你好"),
    status(9002, 902, "小红妈妈", "宝宝睡了"),
    status(9003, 903, "小明爸爸", "@阿花妈妈 @小红妈妈 周末见"),
)


def _with_more_reposts(line: str) -> str:
    status = json.loads(line)
    status["reposts_count"] = int(status.get("reposts_count") or 0) + 5
    return json.dumps(status, ensure_ascii=False)


def _spy_sets(monkeypatch) -> list[int]:
    """The number of files of each set :mod:`store.load_sets` loads."""
    sizes: list[int] = []
    real = store.load_sets._load_set

    def spy(con, files, loaded_at):
        sizes.append(len(files))
        return real(con, files, loaded_at)

    monkeypatch.setattr(store.load_sets, "_load_set", spy)
    return sizes


def test_files_loaded_as_sets_give_what_one_by_one_loads_give(tmp_path, monkeypatch):
    """Sets of several files form (and split where files meet), and give each file and the
    warehouse what loading the files one by one gives: a repost's source post carried by one file
    and then completed by its own row in a later one, a user in several files, a post repeated (a
    duplicate) and repeated with more reposts (an update), comments on posts of other files, a
    bad line, an empty file, a placeholder merged by a later file; the second half of the files
    meets what the first half loaded."""
    s, c = _sample_lines()
    # line 5 reposts line 0, line 10 reposts line 3; 17 is reposted by 28, 37 and 38
    plan = [
        [s[5]],
        [s[0]],
        [s[1], s[2]],
        [s[3]],
        [s[10]],
        [c[0]],
        [],
        [s[4], "{not json"],
        [s[28], s[37]],
        [s[38]],
        [s[17]],
        [s[0]],
        [_with_more_reposts(s[0])],
        [c[1], c[2]],
        *([line] for line in s[40:52]),
        [s[10], s[11]],
        [_with_more_reposts(s[3])],
        [c[3], s[5]],
        *([line] for line in MENTIONS),
        lines(status(9004, 904, "未来", "明天见", when="Fri Nov 13 10:00:00 +0800 2099")),  # screened out
        [s[53]],
    ]
    files = [_write(tmp_path, f"g{k:02d}.jsonl", lines) for k, lines in enumerate(plan)]
    sizes = _spy_sets(monkeypatch)
    ref, sets = open_warehouse(":memory:"), open_warehouse(":memory:")
    expected = one_by_one(ref, files)
    formats: dict[Path, str] = {}
    got = outcomes_of(load_exports(sets, files, formats=formats))
    assert got == expected
    assert contents(sets) == contents(ref)
    # each file's format as its reader told it (the empty file has none)
    assert formats == {f: "weibo-api" for f in files if f.stat().st_size}
    reports = [r for _, r in got if isinstance(r, dict)]
    # the bad line, the post dated 2099 and the empty file (quarantined as a file that gives no row)
    assert sum(r["updated"] for r in reports) == 2 and sum(r["quarantined"] for r in reports) == 3
    assert sum(r["duplicates"] for r in reports) >= 4
    assert max(sizes) >= 5 and sum(sizes) >= len(files) // 2  # most files went in sets
    mention, merge = (dict(got)[f.name] for f in files[-5:-3])  # the placeholder, then its user
    assert merge["interactions_pending"] == mention["interactions_pending"] - 1


def _day(day: int) -> str:
    return f"Wed Nov {day:02d} 10:00:00 +0800 2026"


def _by(pid: int, uid: int, name: str, day: int, text: str = "宝宝睡了", **profile) -> str:
    """A status of user ``uid`` named ``name`` on 2026-11-``day`` (the user's row has that time)."""
    return json.dumps(
        status(pid, uid, name, text, when=_day(day)) | {"user": user(uid, name, **profile)},
        ensure_ascii=False,
    )


#: users seen again: later, with a field missing and a coarser place, earlier, without a name,
#: renamed; names in repost chains and mentions (placeholders, then merges; one interaction
#: between two placeholders)
RECURRING = [
    _by(9301, 902, "小红妈妈", 10, followers_count=5, location="浙江 杭州"),
    _by(9302, 902, "小红妈妈", 12, location="浙江"),
    _by(9303, 902, None, 11, followers_count=7),
    _by(9304, 902, "小红妈妈2", 13),
    _by(9305, 904, "小丽妈妈", 12, "转发//@小红妈妈2:好//@阿花妈妈:哈"),
    _by(9306, 905, "路人", 12, "@小红妈妈2 @小丽妈妈"),
    _by(9401, 907, "阿强", 10, followers_count=5, location="浙江 杭州"),
    _by(9402, 907, "阿强", 12, location="浙江"),
    _by(9403, 907, None, 11, followers_count=7),
    _by(9404, 907, "阿强", 14, followers_count=9),
    _by(9501, 908, "阿甲", 10, "转发//@阿乙:好//@阿丙:哈"),
    _by(9502, 909, "阿乙", 11),
    _by(9503, 910, "阿丙", 11),
]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_small_files_as_sets_give_what_one_by_one_gives(tmp_path_factory, data):
    """Random small files drawn from a few lines (reposts and their sources, users seen in
    several files with other times, fields, names, comments, mentions and repost chains of
    their names, a line with more reposts, a bad line), loaded in two loads as sets and one by
    one: the same."""
    s, c = _sample_lines()
    future = lines(status(9004, 904, "未来", "明天见", when="Fri Nov 13 10:00:00 +0800 2099"))  # screened out
    pool = [
        *s[:12],
        s[17],
        s[28],
        s[37],
        *c[:4],
        *MENTIONS,
        *RECURRING,
        *future,
        _with_more_reposts(s[0]),
        "{not json",
    ]
    _same_as_one_by_one(tmp_path_factory, data, st.sampled_from(pool) | SEEN | st.sampled_from(RECURRING))


#: statuses of a few users at other times, with or without their name (or another), a count, a place
SEEN = st.builds(
    lambda pid, who, day, named, followers, place: _by(
        pid,
        who[0],
        who[1] if named else None,
        day,
        **({} if followers is None else {"followers_count": followers}),
        **({} if place is None else {"location": place}),
    ),
    st.integers(9600, 9700),
    st.sampled_from([(902, "小红妈妈"), (902, "小红妈妈2"), (907, "阿强"), (909, "阿乙")]),
    st.integers(8, 14),
    st.booleans(),
    st.none() | st.integers(1, 9),
    st.sampled_from([None, "浙江", "浙江 杭州"]),
)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_users_and_names_as_sets_give_what_one_by_one_gives(tmp_path_factory, data):
    """Random small files of a few users seen at other times (:data:`SEEN`) and of the lines
    that name them (mentions, a repost chain, the users who bring the names: placeholders and
    merges), loaded in two loads as sets and one by one: the same."""
    _same_as_one_by_one(tmp_path_factory, data, SEEN | st.sampled_from([*MENTIONS, *RECURRING[4:]]))


def _same_as_one_by_one(tmp_path_factory, data, line) -> None:
    """Files of up to 3 lines drawn from ``line``, loaded in two loads as sets and one by one:
    the same outcomes and tables."""
    plan = data.draw(st.lists(st.lists(line, max_size=3), min_size=2, max_size=10), label="files")
    split = data.draw(st.integers(0, len(plan)), label="first load")
    folder = tmp_path_factory.mktemp("sets")
    files = [_write(folder, f"h{k:02d}.jsonl", lines) for k, lines in enumerate(plan)]
    ref, sets = open_warehouse(":memory:"), open_warehouse(":memory:")
    got = outcomes_of(load_exports(sets, files[:split])) + outcomes_of(load_exports(sets, files[split:]))
    assert got == one_by_one(ref, files)
    assert contents(sets) == contents(ref)


def _loads(tmp_path, before: list[list[str]], *then: list[list[str]], monkeypatch):
    """``before`` loaded, then each of ``then`` in a load of its own (as sets, and one by one
    into another warehouse): the outcomes of ``then``'s files, each way, the sizes of their
    sets, and the two warehouses."""
    first = [_write(tmp_path, f"a{k:02d}.jsonl", x) for k, x in enumerate(before)]
    ref, sets = open_warehouse(":memory:"), open_warehouse(":memory:")
    one_by_one(ref, first)
    list(load_exports(sets, first))
    sizes = _spy_sets(monkeypatch)
    got, expected = [], []
    for n, group in enumerate(then):
        files = [_write(tmp_path, f"b{n}{k:02d}.jsonl", x) for k, x in enumerate(group)]
        got += outcomes_of(load_exports(sets, files))
        expected += one_by_one(ref, files)
    return got, expected, sizes, sets, ref


def test_a_user_in_several_files_of_a_set_is_updated_file_after_file(tmp_path, monkeypatch):
    """Users recur across a day's files with rows that differ by their time and their counts:
    such files share a set, each later row applied after the earlier ones, with the counts one
    by one gives: a known user seen later with the same profile (no update), with a field the
    new row lacks (counted as an update that keeps the value) and a coarser place (the finer one
    stays), an older row (no update), a newer count; a new user seen twice. A file renaming a
    user starts a new set."""
    known = dict(followers_count=50, location="浙江 杭州")
    then = [
        [_by(9102, 911, "阿花妈妈", 11, **known)],
        [_by(9103, 911, "阿花妈妈", 12, location="浙江")],
        [_by(9104, 911, "阿花妈妈", 9, followers_count=60)],
        [_by(9105, 912, "小红妈妈", 11, followers_count=5)],
        [_by(9106, 911, None, 13, followers_count=70)],  # (a row without the name keeps it)
        [_by(9107, 912, "小红妈妈", 12, followers_count=6)],
        [_by(9108, 912, "小红妈妈2", 13)],
        [_by(9109, 913, "小明爸爸", 13, "@小红妈妈 @小红妈妈2 周末见")],
    ]
    got, expected, sizes, sets, ref = _loads(
        tmp_path, [[_by(9101, 911, "阿花妈妈", 10, **known)]], then, monkeypatch=monkeypatch
    )
    assert got == expected
    assert contents(sets) == contents(ref)
    updated = [r["users_updated"] for _, r in got]
    added = [r["users_added"] for _, r in got]
    assert updated == [0, 1, 0, 0, 1, 1, 1, 0] and added == [0, 0, 0, 1, 0, 0, 0, 1]
    assert sizes == [6, 2]  # the rename (b06) is no later file of the first set
    location, followers = sets.execute(
        "SELECT location, followers FROM users WHERE user_id = '911'"
    ).fetchone()
    assert (location, followers) == ("浙江 杭州", 70)


def test_files_merging_placeholders_share_a_set(tmp_path, monkeypatch):
    """Mentions left placeholders (@阿花妈妈, @小红妈妈, @小芳妈妈, @小丽妈妈, and an interaction
    between the last two from a repost chain); later files whose users bring those names share
    a set, each merging its placeholder where one by one does: the pending interactions each
    file reports are the same. Merges that touch one interaction (the chain) merge file after
    file, others all at once."""
    before = [
        [_by(9201, 921, "小明爸爸", 10, "@阿花妈妈 @小红妈妈 你们好")],
        [_by(9202, 922, "大壮妈妈", 10, "@阿花妈妈 在吗")],
        [_by(9203, 923, "小刚妈妈", 10, "@小芳妈妈 @小丽妈妈 好")],
        [_by(9204, 924, "小强妈妈", 10, "转发//@小芳妈妈:好//@小丽妈妈:哈")],
    ]
    then = [
        [_by(9211, 925, "路人", 11)],
        [_by(9212, 911, "阿花妈妈", 11)],
        [_by(9213, 926, "路人2", 11)],
        [_by(9214, 912, "小红妈妈", 11)],
        [_by(9215, 927, "路人3", 11, "@阿花妈妈 谢谢")],
    ]
    chained = [
        [_by(9216, 928, "路人4", 11)],
        [_by(9217, 931, "小芳妈妈", 11)],
        [_by(9218, 932, "小丽妈妈", 11)],
    ]
    merges = []
    real = store.load_sets._merge_placeholders

    def spy(con):
        merges.append(con.execute("SELECT count(*) FROM b_users").fetchone()[0])
        return real(con)

    monkeypatch.setattr(store.load_sets, "_merge_placeholders", spy)
    got, expected, sizes, sets, ref = _loads(tmp_path, before, then, chained, monkeypatch=monkeypatch)
    assert got == expected
    assert contents(sets) == contents(ref)
    pending = [r["interactions_pending"] for _, r in got]
    assert pending[0] > pending[1] > pending[3] > pending[6] > pending[7] == 0
    assert sizes == [5, 3]
    # one merge for the two files that bring 阿花妈妈 and 小红妈妈 (their users' names), then
    # the chain's two, one file at a time
    assert merges == [2, 1, 1]
