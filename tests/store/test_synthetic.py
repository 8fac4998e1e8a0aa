"""Tests of the seeded synthetic Weibo generator (store/synthetic/, vocabulary in data/synthetic/) and of the
shipped sample."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.synthetic import (
    HARD_NEGATIVE_KINDS,
    SEGMENTS,
    GroundTruth,
    generate_weibo_sample,
    main,
    read_ground_truth,
    write_ground_truth,
)
from store.synthetic.vocabulary import VOCABULARY_DIR, VocabularyError, load_vocabulary

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "data" / "samples" / "weibo_api"
SAMPLE_TRUTH = ROOT / "data" / "samples" / "sample_truth.json"
TIME_FMT = "%a %b %d %H:%M:%S %z %Y"
CHAIN_RE = re.compile(r"//@([^:：\s]+):")

# "Clearly about the writer's own child": first-person child references and parenting words.
# (Posts that only say "我家豆豆" are ambiguous - 豆豆 could be a cat - and do not count.)
OWN_CHILD = re.compile(
    r"(我家|我们家|俺家)(宝宝|宝贝|娃|崽|小朋友|儿子|闺女|女儿|丫头|小子|大宝|二宝|小公主)"
    r"|我(儿子|闺女|女儿)|娃|宝宝|孕|胎动|产检|辅食|母乳|奶粉|喂奶|夜奶|哄睡|当妈|当爹|宝妈|带娃"
    r"|月子|顺产|剖腹产|断奶|早教|幼儿园|(\d+|[一二三四五六七八九十两]+)个月|岁"
)

STATUS_FIELDS = {
    "created_at": str,
    "id": int,
    "idstr": str,
    "mid": str,
    "text": str,
    "source": str,
    "favorited": bool,
    "truncated": bool,
    "in_reply_to_status_id": str,
    "in_reply_to_user_id": str,
    "in_reply_to_screen_name": str,
    "pic_urls": list,
    "user": dict,
    "reposts_count": int,
    "comments_count": int,
    "attitudes_count": int,
    "isLongText": bool,
    "mlevel": int,
    "visible": dict,
}
USER_FIELDS = {
    "id": int,
    "idstr": str,
    "screen_name": str,
    "name": str,
    "province": str,
    "city": str,
    "location": str,
    "description": str,
    "url": str,
    "profile_image_url": str,
    "gender": str,
    "followers_count": int,
    "friends_count": int,
    "statuses_count": int,
    "favourites_count": int,
    "created_at": str,
    "verified": bool,
    "verified_type": int,
}
COMMENT_FIELDS = {
    "created_at": str,
    "id": int,
    "idstr": str,
    "mid": str,
    "text": str,
    "source": str,
    "user": dict,
    "status": dict,
}


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _when(obj: dict) -> datetime:
    return datetime.strptime(obj["created_at"], TIME_FMT)


class Sample:
    def __init__(self, out: Path, truth: GroundTruth) -> None:
        self.out = out
        self.truth = truth
        self.statuses = _read_jsonl(out / "weibo_statuses.jsonl")
        self.comments = _read_jsonl(out / "weibo_comments.jsonl")
        self.by_id = {s["id"]: s for s in self.statuses}
        self.originals = [s for s in self.statuses if "retweeted_status" not in s]
        self.reposts = [s for s in self.statuses if "retweeted_status" in s]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    out = tmp_path_factory.mktemp("synthetic")
    truth = generate_weibo_sample(out, n_users=1200, days=30, seed=11)
    return Sample(out, truth)


def _check_user(user: dict) -> None:
    for key, typ in USER_FIELDS.items():
        assert isinstance(user[key], typ), (key, user)
    assert 1_000_000_000 <= user["id"] <= 9_999_999_999
    assert user["idstr"] == str(user["id"])
    assert user["screen_name"] == user["name"]
    assert user["gender"] in ("m", "f")
    assert user["verified_type"] in (-1, 0, 1, 2, 3, 4, 5, 6, 7, 220)
    datetime.strptime(user["created_at"], TIME_FMT)


def _check_status(s: dict) -> None:
    for key, typ in STATUS_FIELDS.items():
        assert isinstance(s[key], typ), (key, s)
    assert s["geo"] is None
    assert len(str(s["id"])) == 16
    assert s["idstr"] == s["mid"] == str(s["id"])
    assert s["source"].startswith('<a href="http://app.weibo.com/t/feed/')
    assert s["visible"] == {"type": 0, "list_id": 0}
    assert s["text"]
    _check_user(s["user"])


def _validate(out: Path, truth: GroundTruth) -> tuple[list[dict], list[dict]]:
    """Invariants every generated export must satisfy; returns (statuses, comments)."""
    statuses = _read_jsonl(out / "weibo_statuses.jsonl")
    comments = _read_jsonl(out / "weibo_comments.jsonl")
    lo, hi = truth.start_date, truth.end_date
    ids = [s["id"] for s in statuses] + [c["id"] for c in comments]
    assert len(ids) == len(set(ids))
    by_id = {s["id"]: s for s in statuses}
    names: dict[str, str] = {}
    for s in statuses:
        _check_status(s)
        names[s["user"]["screen_name"]] = s["user"]["idstr"]
    for c in comments:
        names[c["user"]["screen_name"]] = c["user"]["idstr"]
    for lines in (statuses, comments):
        times = [_when(x) for x in lines]
        assert times == sorted(times)
        assert [x["id"] for x in lines] == sorted(x["id"] for x in lines)
        for t in times:
            assert t.utcoffset() == timedelta(hours=8)
            assert lo <= t.date() <= hi
    for s in statuses:
        rt = s.get("retweeted_status")
        if rt is None:
            continue
        _check_status(rt)
        assert "retweeted_status" not in rt
        assert rt == by_id[rt["id"]]
        assert _when(rt) < _when(s)
        for name in CHAIN_RE.findall(s["text"]):
            assert name in names, (name, s["text"])
    for c in comments:
        for key, typ in COMMENT_FIELDS.items():
            assert isinstance(c[key], typ), (key, c)
        _check_user(c["user"])
        target = by_id[c["status"]["id"]]
        for key in ("id", "idstr", "mid", "created_at", "text", "user"):
            assert c["status"][key] == target[key]
        assert _when(c) > _when(target)
    assert truth.n_users >= len({s["user"]["idstr"] for s in statuses})
    return statuses, comments


# ------------------------------------------------------------------------------------------


def test_determinism(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    ta = generate_weibo_sample(a, n_users=250, days=10, seed=5)
    tb = generate_weibo_sample(b, n_users=250, days=10, seed=5)
    tc = generate_weibo_sample(c, n_users=250, days=10, seed=6)
    for name in ("weibo_statuses.jsonl", "weibo_comments.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
        assert (a / name).read_bytes() != (c / name).read_bytes()
    assert ta == tb
    assert ta.to_json() == tb.to_json()
    assert ta != tc


def test_valid_output(sample: Sample) -> None:
    _statuses, comments = _validate(sample.out, sample.truth)
    assert len(sample.originals) > 500
    assert len(sample.reposts) > 50
    assert len(comments) > 100


def test_lines_are_compact_utf8(sample: Sample) -> None:
    raw = (sample.out / "weibo_statuses.jsonl").read_text(encoding="utf-8")
    assert "\\u" not in raw  # ensure_ascii=False
    first = raw.splitlines()[0]
    assert first.startswith('{"created_at":"')


def test_user_snapshots_consistent_and_names_unique(sample: Sample) -> None:
    seen: dict[str, dict] = {}
    objs = []
    for s in sample.statuses:
        objs.append(s["user"])
        if "retweeted_status" in s:
            objs.append(s["retweeted_status"]["user"])
    for c in sample.comments:
        objs += [c["user"], c["status"]["user"]]
        if "reply_comment" in c:
            objs.append(c["reply_comment"]["user"])
    for user in objs:
        assert seen.setdefault(user["idstr"], user) == user
    names = Counter(u["screen_name"] for u in seen.values())
    assert names.most_common(1)[0][1] == 1
    assert all(":" not in n and "@" not in n and " " not in n for n in names)
    assert set(seen) <= set(sample.truth.circles)


def test_reposts(sample: Sample) -> None:
    texts = [s["text"] for s in sample.reposts]
    assert "转发微博" in texts  # pure reposts
    chained = [t for t in texts if "//@" in t]
    assert chained
    # a chain names the intermediate reposters, newest first: the first name reposted the
    # status that the reposter saw, and that repost exists earlier in the file
    by_name_root: dict[tuple[str, int], datetime] = {}
    for s in sample.reposts:
        by_name_root[(s["user"]["screen_name"], s["retweeted_status"]["id"])] = _when(s)
    for s in sample.reposts:
        names = CHAIN_RE.findall(s["text"])
        if names:
            key = (names[0], s["retweeted_status"]["id"])
            assert key in by_name_root
            assert by_name_root[key] < _when(s)


def test_comments_and_replies(sample: Sample) -> None:
    by_cid = {c["id"]: c for c in sample.comments}
    replies = [c for c in sample.comments if "reply_comment" in c]
    assert replies
    for c in replies:
        rc = c["reply_comment"]
        parent = by_cid[rc["id"]]
        assert rc["text"] == parent["text"]
        assert rc["user"] == parent["user"]
        assert _when(parent) < _when(c)
        assert c["text"].startswith("回复@" + rc["user"]["screen_name"] + ":")


def test_heavy_tailed_followers(sample: Sample) -> None:
    followers = [
        u["followers_count"] for u in {s["user"]["idstr"]: s["user"] for s in sample.statuses}.values()
    ]
    median = statistics.median(followers)
    assert 50 <= median <= 2_000
    assert max(followers) >= 100 * median
    assert max(followers) >= 100_000


def test_circles_hold_most_interactions(sample: Sample) -> None:
    circles = sample.truth.circles
    pairs = [(s["retweeted_status"]["user"]["idstr"], s["user"]["idstr"]) for s in sample.reposts]
    pairs += [
        (c["status"]["user"]["idstr"], c["user"]["idstr"])
        for c in sample.comments
        if c["status"]["user"]["idstr"] != c["user"]["idstr"]
    ]
    same = sum(circles[a] == circles[b] for a, b in pairs)
    assert same / len(pairs) > 0.6
    # circles are mostly same-city
    members: dict[int, list[str]] = defaultdict(list)
    for uid, cid in circles.items():
        members[cid].append(sample.truth.cities[uid])
    modal = [Counter(v).most_common(1)[0][1] / len(v) for v in members.values() if len(v) >= 5]
    assert statistics.mean(modal) > 0.6


def test_mothers_interact_with_mothers(sample: Sample) -> None:
    moms = sample.truth.segments["mothers"]
    reactors = [s["user"]["idstr"] for s in sample.reposts if s["retweeted_status"]["user"]["idstr"] in moms]
    reactors += [c["user"]["idstr"] for c in sample.comments if c["status"]["user"]["idstr"] in moms]
    assert sum(r in moms for r in reactors) / len(reactors) > 0.7
    # and mothers are the most active reactors overall
    all_reactors = Counter(s["user"]["idstr"] for s in sample.reposts)
    all_reactors.update(c["user"]["idstr"] for c in sample.comments)
    mom_share = sum(v for k, v in all_reactors.items() if k in moms) / sum(all_reactors.values())
    assert mom_share > 0.5


def test_daily_rhythm(sample: Sample) -> None:
    hours = Counter(_when(s).hour for s in sample.statuses)
    total = sum(hours.values())
    assert sum(hours[h] for h in range(2, 6)) / total < 0.05
    assert sum(hours[h] for h in range(19, 24)) / total > 0.25


def test_roles(sample: Sample) -> None:
    truth = sample.truth
    users = {s["user"]["idstr"]: s["user"] for s in sample.statuses}
    users.update({c["user"]["idstr"]: c["user"] for c in sample.comments})
    for uid in truth.verified_orgs & users.keys():
        assert users[uid]["verified"] and 1 <= users[uid]["verified_type"] <= 7
    for uid in truth.celebrities & users.keys():
        assert users[uid]["verified_type"] == 0 and users[uid]["followers_count"] >= 100_000
    bots = truth.bots & users.keys()
    assert bots
    for uid in bots:
        b = users[uid]
        assert not b["verified"] and b["friends_count"] > 10 * max(b["followers_count"], 1)
    assert not any(uid in truth.bots for c in sample.comments for uid in [c["user"]["idstr"]])
    # bots repost with duplicated words
    bot_texts = Counter(s["text"].split("//@")[0] for s in sample.reposts if s["user"]["idstr"] in truth.bots)
    assert bot_texts.most_common(1)[0][1] >= 2
    assert any("母婴" in users[uid]["screen_name"] for uid in truth.verified_orgs if uid in users)


def test_segments_and_hard_negatives_in_truth(sample: Sample) -> None:
    truth = sample.truth
    assert set(truth.segments) == set(SEGMENTS)
    counts = Counter(uid for members in truth.segments.values() for uid in members)
    assert max(counts.values()) <= 2
    assert any(v == 2 for v in counts.values())
    assert set(truth.hard_negatives.values()) == set(HARD_NEGATIVE_KINDS)
    assert not set(truth.hard_negatives) & truth.segments["mothers"]
    assert not truth.bots & truth.segments["mothers"]
    assert not truth.verified_orgs & truth.segments["mothers"]
    assert truth.start_date == truth.end_date - timedelta(days=29)


HARD_NEGATIVE_MARKERS = {
    "idol_fan": r"(儿子|宝宝|闺女|宝贝|妈妈粉)",
    "pet_owner": r"(儿子|闺女|宝宝)",
    "heat_pad": r"暖宝宝",
    "endearment": r"宝宝",
    "hypothetical": r"以后",
    "other_child": r"(侄子|外甥女|同事家|闺蜜家|表姐家|邻居家|朋友家|表弟家)",
    "shop": r"(宝妈|宝宝|母婴|孕妈)",
}


def test_hard_negatives_present_in_text(sample: Sample) -> None:
    texts: dict[str, list[str]] = defaultdict(list)
    for s in sample.originals:
        kind = sample.truth.hard_negatives.get(s["user"]["idstr"])
        if kind:
            texts[kind].append(s["text"])
    for kind, marker in HARD_NEGATIVE_MARKERS.items():
        assert any(re.search(marker, t) for t in texts[kind]), kind


def test_segment_posts_of_others_never_look_like_own_child(sample: Sample) -> None:
    """The pools shared with mothers (chatter, beauty, food, ...) have no child words, so a
    mother's non-child posts cannot inflate the density figure."""
    truth = sample.truth
    excluded = (
        truth.segments["mothers"]
        | truth.hard_negatives.keys()
        | truth.bots
        | truth.verified_orgs
        | truth.celebrities
    )
    others = [s["text"] for s in sample.originals if s["user"]["idstr"] not in excluded]
    assert len(others) > 100
    assert [t for t in others if OWN_CHILD.search(t)] == []


def test_mothers_write_about_their_children(sample: Sample) -> None:
    moms = sample.truth.segments["mothers"]
    posts = [s["text"] for s in sample.originals if s["user"]["idstr"] in moms]
    clear = sum(bool(OWN_CHILD.search(t)) for t in posts)
    assert clear / len(posts) > 0.75
    text = "\n".join(posts)
    assert re.search(r"[一二三四五六七八九十两\d]+个月", text)
    assert re.search(r"[一二三四五两\d]岁半?", text)
    assert re.search(r"\[[^\]]+\]", text)  # emoji codes
    assert re.search(r"#[^#]+#", text)  # topics
    assert "@" in text
    assert "http://t.cn/" in "\n".join(s["text"] for s in sample.originals)


def test_truth_round_trip(sample: Sample, tmp_path: Path) -> None:
    path = write_ground_truth(sample.truth, tmp_path / "sub" / "truth.json")
    assert read_ground_truth(path) == sample.truth
    assert GroundTruth.from_json(sample.truth.to_json()) == sample.truth
    assert GroundTruth.from_json(str(path)) == sample.truth
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["synthetic"] is True and doc["seed"] == 11


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "api"
    truth_path = tmp_path / "t.json"
    rc = main(
        [
            "--out",
            str(out),
            "--users",
            "80",
            "--days",
            "5",
            "--end",
            "2026-01-31",
            "--seed",
            "3",
            "--truth",
            str(truth_path),
        ]
    )
    assert rc == 0
    truth = read_ground_truth(truth_path)
    assert truth.end_date == date(2026, 1, 31) and truth.n_users == 80
    _validate(out, truth)


def test_invalid_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_users"):
        generate_weibo_sample(tmp_path, n_users=0)
    with pytest.raises(ValueError, match="days"):
        generate_weibo_sample(tmp_path, days=0)


# sha256 of small generations, recorded at commit f3b8846 (before the generator was split into the
# store/synthetic/ package). Benchmarks and checks outside the project call bench/bench_synthetic.py and
# compare its files: a refactor must not change a byte. If a deliberate change to the generator moves
# them, regenerate data/samples/ (see its README) and record the new digests here.
PINNED_GENERATION = {
    "weibo_statuses.jsonl": "f283fd53a9d9682ce2943c51b16641d98b138be581293c35c88009d6e424e3a7",
    "weibo_comments.jsonl": "c851812de47e8e42e3483b496dfc805f82441df2fcbbe4018a593f07fc43948c",
    "truth": "28969d34f3d6468c0766dac4a15be3fd6e0767f7556f69854a6cd9bb2f9407cf",
}
PINNED_BENCH = {
    "weibo_statuses.jsonl": "a76327d6165b5f40f97fcf5f0c35c9cbbc3e4bf474d284c1143892d99350e262",
    "weibo_comments.jsonl": "396274e536d2d99c6d5a9719b60d70da6b0c819cdcbfbfeef95cd3a70f999e5b",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_output_bytes_are_pinned(tmp_path: Path) -> None:
    truth = generate_weibo_sample(tmp_path, n_users=800, days=14, end_date=date(2026, 3, 1), seed=2)
    got = {name: _sha256(tmp_path / name) for name in ("weibo_statuses.jsonl", "weibo_comments.jsonl")}
    got["truth"] = hashlib.sha256(truth.to_json().encode()).hexdigest()
    assert got == PINNED_GENERATION


def test_bench_command_output_is_pinned(tmp_path: Path) -> None:
    """``bench/bench_synthetic.py USERS --days D --seed S --keep DIR``, as outside checks call it."""
    cmd = [sys.executable, str(ROOT / "bench" / "bench_synthetic.py"), "600", "--days", "9", "--seed", "4"]
    done = subprocess.run([*cmd, "--keep", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "users=600 days=9 seed=4" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PINNED_BENCH)
    assert {name: _sha256(tmp_path / name) for name in PINNED_BENCH} == PINNED_BENCH


def test_module_command_output_is_pinned(tmp_path: Path) -> None:
    """``python -m store.synthetic`` (the package's __main__) run from another folder writes the pinned
    bytes and the truth file."""
    args = [
        "--out",
        "api",
        "--users",
        "800",
        "--days",
        "14",
        "--end",
        "2026-03-01",
        "--seed",
        "2",
        "--truth",
        "t.json",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "store.synthetic", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    got = {
        name: _sha256(tmp_path / "api" / name) for name in ("weibo_statuses.jsonl", "weibo_comments.jsonl")
    }
    got["truth"] = hashlib.sha256((tmp_path / "t.json").read_bytes().removesuffix(b"\n")).hexdigest()
    assert got == PINNED_GENERATION


# ------------------------------------------------------------------------------------------
# The vocabulary (data/synthetic/*.toml)


def _vocabulary_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "vocabulary"
    shutil.copytree(VOCABULARY_DIR, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_vocabulary_lives_in_data_files() -> None:
    assert VOCABULARY_DIR == ROOT / "data" / "synthetic"
    assert sorted(p.name for p in VOCABULARY_DIR.glob("*.toml")) == [
        "names.toml",
        "places.toml",
        "posts.toml",
        "profiles.toml",
        "reactions.toml",
        "slots.toml",
    ]
    v = load_vocabulary()
    assert v is load_vocabulary()  # read once per process
    assert v.cities[0].label == "北京" and v.city_labels[-1] == "其他"
    assert len(v.idols) == 12 and len(v.child_nicknames) == 56


def test_a_changed_vocabulary_changes_the_words(tmp_path: Path) -> None:
    """The generator says what the files say: with one emoji left, every post uses it."""
    folder = _vocabulary_copy(tmp_path)
    slots = folder / "slots.toml"
    text = slots.read_text(encoding="utf-8")
    start = text.index("emo = [")
    slots.write_text(
        text[:start] + 'emo = ["[测试]"]' + text[text.index("]\n", start) + 1 :], encoding="utf-8"
    )
    out = tmp_path / "out"
    generate_weibo_sample(out, n_users=200, days=10, seed=1, vocabulary=load_vocabulary(folder))
    raw = (out / "weibo_statuses.jsonl").read_text(encoding="utf-8")
    assert "[测试]" in raw and "[哈哈]" not in raw


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("slots.toml", "emo = [", "emoji = [", r"slot \{emo\}, which is neither a writer fact"),
        ("places.toml", "weight = 3.5", 'weight = "3.5"', r"cities\[0\]\.weight` must be a number >= 0"),
        (
            "reactions.toml",
            "mom_mother = [",
            "mom_parent = [",
            r"\[comments\]: field `mom_mother` must be present",
        ),
        (
            "names.toml",
            "idols = [",
            "idols = 3\nx = [",
            r"names\.toml \[people\]: field `idols` must be a non-empty",
        ),
        ("posts.toml", "[mothers]", "[mothers", r"posts\.toml: not valid TOML"),
    ],
)
def test_vocabulary_errors_name_the_file_and_field(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    folder = _vocabulary_copy(tmp_path)
    _edit(folder / file, old, new)
    with pytest.raises(VocabularyError, match=message):
        load_vocabulary(folder)


def test_missing_vocabulary_file(tmp_path: Path) -> None:
    folder = _vocabulary_copy(tmp_path)
    (folder / "names.toml").unlink()
    with pytest.raises(VocabularyError, match=r"vocabulary file is missing: expected .*names\.toml"):
        load_vocabulary(folder)


def test_nlp_never_reads_the_generator_vocabulary() -> None:
    """DESIGN: nlp/ never reads the generator's words, so the classifiers cannot learn them."""
    for path in sorted((ROOT / "nlp").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"synthetic|^\s*(from|import) store\b", text, re.M | re.I), path
    segments = {p.name for p in (ROOT / "data" / "segments").iterdir()}
    assert not segments & {p.name for p in VOCABULARY_DIR.iterdir()}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_users=st.integers(50, 300), seed=st.integers(0, 2**32 - 1), days=st.integers(1, 12))
def test_any_size_and_seed_is_valid(n_users: int, seed: int, days: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        truth = generate_weibo_sample(Path(tmp), n_users=n_users, days=days, seed=seed)
        assert truth.n_users == n_users == len(truth.circles) == len(truth.cities)
        _validate(Path(tmp), truth)


# ------------------------------------------------------------------------------------------
# The shipped sample (data/samples/)


@pytest.fixture(scope="module")
def shipped() -> Sample:
    if not (SAMPLE_DIR / "weibo_statuses.jsonl").exists():
        pytest.fail(f"shipped sample missing: {SAMPLE_DIR}")
    return Sample(SAMPLE_DIR, read_ground_truth(SAMPLE_TRUTH))


def eligible_mothers(sample: Sample, as_of: date, window_days: int = 30) -> set[str]:
    """Ground-truth mothers with >= 3 own-words posts clearly about their own child on >= 2
    distinct days in the window, <= 50,000 followers, not a verified organisation, not a bot."""
    truth = sample.truth
    lo = as_of - timedelta(days=window_days - 1)
    days: dict[str, list[date]] = defaultdict(list)
    for s in sample.originals:
        user = s["user"]
        uid = user["idstr"]
        if (
            uid not in truth.segments["mothers"]
            or user["followers_count"] > 50_000
            or uid in truth.verified_orgs
            or uid in truth.bots
        ):
            continue
        d = _when(s).date()
        if lo <= d <= as_of and OWN_CHILD.search(s["text"]):
            days[uid].append(d)
    return {uid for uid, ds in days.items() if len(ds) >= 3 and len(set(ds)) >= 2}


def test_shipped_sample_density(shipped: Sample) -> None:
    assert shipped.truth.end_date == date(2026, 11, 15)
    for back in range(7):
        as_of = date(2026, 11, 15) - timedelta(days=back)
        n = len(eligible_mothers(shipped, as_of))
        assert n >= 300, (as_of, n)


def test_shipped_sample_mothers_are_reached_by_mothers(shipped: Sample) -> None:
    moms = shipped.truth.segments["mothers"]
    as_of = date(2026, 11, 15)
    lo = as_of - timedelta(days=29)
    eligible = eligible_mothers(shipped, as_of)
    reactors: dict[str, set[str]] = defaultdict(set)
    for s in shipped.reposts:
        if lo <= _when(s).date():
            reactors[s["retweeted_status"]["user"]["idstr"]].add(s["user"]["idstr"])
    for c in shipped.comments:
        if lo <= _when(c).date():
            reactors[c["status"]["user"]["idstr"]].add(c["user"]["idstr"])
    n_mom_reactors = [len((reactors[m] & moms) - {m}) for m in eligible]
    assert statistics.median(n_mom_reactors) >= 2
    assert sum(n >= 1 for n in n_mom_reactors) / len(n_mom_reactors) > 0.85
    depth = max(s["text"].count("//@") for s in shipped.reposts)
    assert depth >= 2  # cascades deeper than two hops


def test_shipped_sample_size_and_docs(shipped: Sample) -> None:
    total = sum((SAMPLE_DIR / n).stat().st_size for n in ("weibo_statuses.jsonl", "weibo_comments.jsonl"))
    assert total <= 10.5e6
    assert sorted(p.name for p in SAMPLE_DIR.iterdir()) == ["weibo_comments.jsonl", "weibo_statuses.jsonl"]
    readme = (ROOT / "data" / "samples" / "README.md").read_text(encoding="utf-8")
    assert "python -m store.synthetic" in readme and "synthetic" in readme.lower()
    assert shipped.truth.n_users == 2000


def test_shipped_sample_is_reproducible(shipped: Sample, tmp_path: Path) -> None:
    """The files match the generator: regenerate with the README command and compare bytes."""
    truth = generate_weibo_sample(tmp_path, n_users=2000, days=40, end_date=date(2026, 11, 15), seed=7)
    assert truth == shipped.truth
    for name in ("weibo_statuses.jsonl", "weibo_comments.jsonl"):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name
