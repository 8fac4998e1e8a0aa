"""A user-level stage after the post model (issue 16): does evidence across a user's window beat the
chance test? Measured on the dev halves of the labelled users, then once on their test halves.

Steps (``--work`` holds the warehouses of ``bench/bench_prior.py held``: ``<work>/<set>/warehouse.duckdb``,
and for the fixture ``<work>/fixture/export``):

* ``cache``: the window's posts of each set read as the run reads them (flows.tagging.read_tag_shards),
  its prior estimated as the run does (nlp.tagger.window_prior) and tagged by flows.tagging.tag_shard
  with the shipped model. The tagger's per-post frame (each post's probability at the window's
  prior, positive, relevant, day) is the run's own: it is read by wrapping ``nlp.tagger._per_user``
  for the call. Stored as parquet with the members the run tags (today's rule: the chance test).
* ``dev``: per-user features (below); the rules and the logistic-regression stage compared on the
  dev halves only (5-fold stratified CV repeated 10 times for the classifier); the post-level rate of
  each marker on the gold dev halves (mothers_gold.csv, mothers_crawl.csv; no labelled user's post).
* ``test``: the rule chosen on dev (``CHOSEN``), with the variants not chosen beside it, on the test
  halves and on the user fixture (built from the gold test halves: all of it is held out).

Dev / test halves of the labelled users (tests/data/mothers_users_timelines.csv,
mothers_users_santai.csv): the split of tests/data/mothers_user_posts.csv by
``nlp.corpora.gold_split`` (its groups are users: ``wcu-<user>/…``, ``s3u-<user>/…``), the split
the earlier tables of issue 16 used; users not in that file (unsure labels, no prefiltered post)
go by ``sha256("<GOLD_SPLIT_SEED>:user:<user_id>")`` even → dev, odd → test. The fixture has no
dev side (its posts are the gold test halves; the gold dev halves trained the post model, so
their probabilities are in-sample).

Features per user (posts with own words in the window): counts of posts, relevant (prefiltered)
and positive posts, distinct days with a positive post, max / second / sum of the relevant posts'
probabilities, posts with probability >= 0.3; posts in first-person parent words (``OWN_CHILD``:
我女儿, 我家娃, 带娃, 孕32周, 俩娃…) and such positive posts; shares of posts with fandom, news /
hot-topic, adult-child and pet markers (``FANDOM``, ``NEWS``, ``CHILD_OF``, ``PET``), among all
and among relevant posts; the profile score (the segment's ``[[profile]]`` patterns) and the
commerce flag (nlp.commerce). Word lists were written on the dev users only.

Usage: python bench/bench_user_stage.py cache|dev|test [--work DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TAJIAN_REAL_DATA", REPO.parent / "shared" / "data"))
SETS = {  # name: (as-of, window days), as bench/bench_users.py runs them
    "fixture": (date(2026, 11, 30), 30),
    "timelines": (date(2021, 5, 31), 900),
    "santai": (date(2021, 6, 20), 30),
}
LABELS = {"timelines": "mothers_users_timelines.csv", "santai": "mothers_users_santai.csv"}

OWN_CHILD = re.compile(
    r"(?:我|俺|咱|自己)(?:家|的|们家)?(?:儿子|女儿|闺女|宝宝|宝贝儿?|娃|孩子|大宝|二宝|小宝|女鹅|儿砸|崽|小朋友|丫头|小子|姑娘)"
    r"|(?:我|俺|自己)(?:怀孕|怀了|生了|产检|坐月子|顺产|剖腹产|预产期|孕[早中晚]期|的孕期|孕吐|孕反|当妈|当爸|做妈妈|做了妈妈)"
    r"|(?:带|遛|哄|陪|接|送)娃|娃(?:爸|他爸|她爸|妈)|孩子(?:他|她)(?:爸|妈)|宝爸|宝妈|孕\d+周|怀孕\d+"
    r"|怀孕[一二三四五六七八九十]+个|二胎妈|两娃|俩娃"
    r"|[0-9一二两三四五六七八九十]+个?月(?:大)?的(?:宝宝|娃)|头胎|(?:我们)?母[女子]平安|我们母[女子]"
)
FANDOM = re.compile(
    r"超话|打call|应援|爱豆|打榜|饭圈|站姐|出道|偶像|粉丝|哥哥|姐姐们|cp|CP|舞台|演唱会|新歌|专辑|"
    r"王一博|肖战|熊猫|动物园|本宝宝|崽崽|官宣"
)
NEWS = re.compile(
    r"^#|^【|网页链接|的微博视频|腾讯新闻|头条文章|新闻|记者|报道|网友|热搜|发布了|转发微博|来自"
)
CHILD_OF = re.compile(r"我(?:妈|爸|老妈|老爸|爸妈|父母|妈妈|爸爸|奶奶|爷爷|外婆|姥姥)|老妈|老爸|爸妈|小时候")
PET = re.compile(r"猫|狗|铲屎|喵|汪|狗子|主子")
MARKERS = {"own": OWN_CHILD, "fan": FANDOM, "news": NEWS, "childof": CHILD_OF, "pet": PET}

LOG_COLUMNS = ("n_posts", "n_rel", "n_hits", "sum", "n_mid", "own", "own_pos", "days")
FEATURE_SETS = {
    "A probabilities": ["max", "second", "n_hits", "sum"],
    "B + activity": ["max", "second", "n_hits", "sum", "n_posts", "n_rel", "days", "n_mid"],
    "C + first person": [
        *["max", "second", "n_hits", "sum", "n_posts", "n_rel", "days", "n_mid", "own", "own_pos"],
    ],
    "D + non-parent shares": [
        *["max", "second", "n_hits", "sum", "n_posts", "n_rel", "days", "n_mid", "own", "own_pos"],
        *["fan", "news", "childof", "pet", "fan_rel", "news_rel", "childof_rel"],
    ],
    "E + profile, commerce": [
        *["max", "second", "n_hits", "sum", "n_posts", "n_rel", "days", "n_mid", "own", "own_pos"],
        *["fan", "news", "childof", "pet", "fan_rel", "news_rel", "childof_rel", "profile", "biz"],
    ],
}
CS = (0.03, 0.1, 0.3, 1.0)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)


def _rules(d: pd.DataFrame) -> dict[str, np.ndarray]:
    """Admission rules over a frame of user features (``base``: today's chance test)."""
    base = d["base"].to_numpy(bool)
    own = d["own_pos"].to_numpy() >= 1
    prof = d["profile"].to_numpy() > 0
    shares = (d[["fan_rel", "news_rel", "childof_rel"]].to_numpy() >= 0.5).any(axis=1)
    return {
        "chance test (today)": base,
        "chance test & a positive post in first-person parent words": base & own,
        "chance test & (first-person positive post | profile signal)": base & (own | prof),
        "... & news share of relevant posts < 0.5": base & (own | prof) & (d["news_rel"].to_numpy() < 0.5),
        "chance test & no non-parent share >= 0.5 (fandom, news, adult child)": base & ~shares,
        "first-person positive post (no chance test) | chance test & profile": own | (base & prof),
    }


CHOSEN = "chance test & (first-person positive post | profile signal)"
CHOSEN_MODEL = ("C + first person", 1.0, 0.4)  # feature set, C, threshold: best dev CV F1 of the classifier


def _capture_frame():
    """Wrap nlp.tagger._per_user so the next tag_users call leaves its per-post frame here."""
    import nlp.tagger as tagger

    box: dict[str, pd.DataFrame] = {}
    original = tagger._per_user

    def spy(df: pd.DataFrame, chance: float) -> pd.DataFrame:
        box["df"] = df.copy()
        return original(df, chance)

    tagger._per_user = spy
    return box


def cache(work: Path, names: list[str]) -> None:
    from flows.tagging import load_post_classifier, read_tag_shards, tag_shard
    from nlp.segments import load_segment
    from nlp.tagger import window_prior

    segments = REPO / "data" / "segments"
    seg = load_segment("mothers", segments)
    model = load_post_classifier(seg, segments)
    box = _capture_frame()
    for name in names:
        started = time.monotonic()
        as_of, days = SETS[name]
        shards = read_tag_shards(work / name / "warehouse.duckdb", as_of, days, 1)
        posts = pd.concat(shards, ignore_index=True)
        prior = window_prior(posts, seg, model)
        result = tag_shard(posts, "mothers", segments, prior)
        df = box["df"]
        own = dict(zip(posts["post_id"].astype(str), posts["own_text"], strict=True))
        df["own_text"] = df["post_id"].map(own)
        df.to_parquet(work / name / "posts_scored.parquet")
        profiles = posts[["user_id", "screen_name", "bio"]].astype(object)
        profiles = profiles.where(profiles.notna(), None).astype({"user_id": str})
        profiles.drop_duplicates("user_id", keep="last").to_parquet(work / name / "profiles.parquet")
        result.tags[["user_id", "rule"]].to_parquet(work / name / "members.parquet")
        print(f"{name}: prior {prior:.3f}, {len(result.tags)} members ({time.monotonic() - started:.0f} s)")


def _sides() -> dict[str, str]:
    from nlp.corpora import gold_groups, gold_split, read_gold

    dev, test = gold_split(read_gold(REPO / "tests/data/mothers_user_posts.csv"))
    halves = (("dev", dev), ("test", test))
    return {g.split(":", 1)[1]: side for side, h in halves for g in gold_groups(h["id"])}


def side_of(user_id: str, sides: dict[str, str]) -> str:
    """The half of a labelled user (see the module's docstring)."""
    from nlp.corpora import GOLD_SPLIT_SEED

    if user_id in sides:
        return sides[user_id]
    digest = hashlib.sha256(f"{GOLD_SPLIT_SEED}:user:{user_id}".encode()).hexdigest()
    return "dev" if int(digest, 16) % 2 == 0 else "test"


def _truth(work: Path, name: str, n_posts: pd.Series) -> pd.DataFrame:
    from tests.e2e.user_fixture import activity_band, build_user_fixture

    if name == "fixture":
        kept = work / "fixture" / "truth.parquet"
        if not kept.exists():
            build_user_fixture(DATA, work / "fixture" / "rebuilt").to_parquet(kept)
        truth = pd.read_parquet(kept)[["user_id", "member"]].assign(side="test")
    else:
        lab = pd.read_csv(REPO / "tests/data" / LABELS[name], dtype=str, keep_default_na=False)
        sides = _sides()
        truth = pd.DataFrame(
            {
                "user_id": lab["user_id"],
                "member": lab["label"] == "1",
                "side": [side_of(u, sides) for u in lab["user_id"]],
            }
        )
    n = n_posts.reindex(truth["user_id"]).fillna(0).astype(int)
    return truth.assign(band=[activity_band(max(1, x)) for x in n])


def features(df: pd.DataFrame, profile_scores: dict[str, float]) -> pd.DataFrame:
    """Per-user features (see the module's docstring) from the tagger's per-post frame."""
    d = df[df["has_own"]].copy()
    text = d["own_text"].fillna("")
    for name, regex in MARKERS.items():
        d[name] = text.map(lambda s, rx=regex: rx.search(s) is not None)
    d["rs"] = np.where(d["relevant"], d["score"], 0.0)
    g = d.groupby("user_id")
    rel = d[d["relevant"]].groupby("user_id")
    pos = d[d["positive"]].groupby("user_id")
    out = pd.DataFrame(
        {
            "n_posts": g.size(),
            "n_rel": g["relevant"].sum(),
            "n_hits": g["positive"].sum(),
            "max": g["rs"].max(),
            "second": g["rs"].apply(lambda s: np.sort(s.to_numpy())[-2] if len(s) > 1 else 0.0),
            "sum": g["rs"].sum(),
            "n_mid": g["rs"].apply(lambda s: int((s >= 0.3).sum())),
            "own": g["own"].sum(),
            "own_pos": pos["own"].sum(),
            "fan": g["fan"].mean(),
            "news": g["news"].mean(),
            "childof": g["childof"].mean(),
            "pet": g["pet"].mean(),
            "fan_rel": rel["fan"].mean(),
            "news_rel": rel["news"].mean(),
            "childof_rel": rel["childof"].mean(),
            "days": pos["day"].nunique(),
        }
    ).fillna(0.0)
    out["profile"] = pd.Series(profile_scores, dtype="float64").reindex(out.index).fillna(0.0)
    return out


def _user_frame(work: Path, name: str, side: str) -> pd.DataFrame:
    from nlp.commerce import business_accounts
    from nlp.segments import load_segment
    from nlp.tagger import _profile_evidence

    df = pd.read_parquet(work / name / "posts_scored.parquet")
    profiles = pd.read_parquet(work / name / "profiles.parquet")
    members = set(pd.read_parquet(work / name / "members.parquet")["user_id"])
    seg = load_segment("mothers")
    evidence = _profile_evidence(profiles, seg, pd.Index(df["user_id"].unique()))
    f = features(df, {u: s for u, (s, _) in evidence.items()})
    biz = business_accounts(df[["user_id", "text"]], profiles).set_index("user_id")["business"]
    f["biz"] = biz.reindex(f.index).fillna(False).astype(float)
    truth = _truth(work, name, df.groupby("user_id").size())
    t = truth[truth["side"] == side].set_index("user_id")
    out = f.reindex(t.index).fillna(0.0)
    return out.assign(
        y=t["member"].astype(int),
        band=t["band"],
        set=name,
        cand=(out["n_rel"] > 0) | (out["profile"] > 0),
        base=out.index.isin(members),
    )


def _matrix(d: pd.DataFrame, columns: list[str]) -> np.ndarray:
    x = d[columns].copy()
    for c in LOG_COLUMNS:
        if c in x:
            x[c] = np.log1p(x[c])
    return x.to_numpy(float)


def _model(c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))


def _prf(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float, int]:
    tp = int((y & pred).sum())
    fp = int((~y & pred).sum())
    fn = int((y & ~pred).sum())
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    return p, r, 2 * tp / (2 * tp + fp + fn) if tp else 0.0, int(pred.sum())


def _line(label: str, d: pd.DataFrame, pred: np.ndarray, by: str = "set") -> str:
    y = d["y"].to_numpy(bool)
    parts = [("all", np.ones(len(d), bool))] + [(k, (d[by] == k).to_numpy()) for k in sorted(d[by].unique())]
    cells = []
    for key, mask in parts:
        p, r, f, n = _prf(y[mask], pred[mask])
        cells.append(f"{key}: tagged {n} P {p:.2f} R {r:.2f} F1 {f:.2f}")
    return f"{label}\n    " + " | ".join(cells)


def dev(work: Path) -> None:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import RepeatedStratifiedKFold

    warnings.filterwarnings("ignore")
    d = pd.concat([_user_frame(work, n, "dev") for n in ("timelines", "santai")])
    y = d["y"].to_numpy(bool)
    n_cand = int(d["cand"].sum())
    print(f"dev halves: {len(d)} labelled users, {int(y.sum())} parents ({n_cand} with a relevant post)")
    print("\nrules:")
    for label, pred in _rules(d).items():
        print(_line(label, d, pred))
    print("\nlogistic regression on the candidates (a relevant post or a profile signal), 5x10 CV:")
    c = d[d["cand"]]
    where = np.flatnonzero(d["cand"].to_numpy())
    for name, columns in FEATURE_SETS.items():
        x, yc = _matrix(c, columns), c["y"].to_numpy()
        for reg in CS:
            oof = np.zeros((10, len(c)))
            cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=10, random_state=0)
            for i, (tr, te) in enumerate(cv.split(x, yc)):
                oof[i // 5, te] = _model(reg).fit(x[tr], yc[tr]).predict_proba(x[te])[:, 1]
            full = np.zeros(len(d))
            full[where] = oof.mean(0)
            cells = []
            for th in THRESHOLDS:
                f1s = []
                for rep in oof:
                    pred = np.zeros(len(d), bool)
                    pred[where] = rep >= th
                    f1s.append(_prf(y, pred)[2])
                cells.append(f"F1@{th} {np.mean(f1s):.2f}")
            print(f"  {name:24s} C={reg:<5} AUC {roc_auc_score(y, full):.3f}  " + "  ".join(cells))
    print("\nmarkers on the gold dev halves' prefiltered posts (share of posts holding one):")
    print(_gold_dev_markers().round(3).to_string())


def _gold_dev_markers() -> pd.DataFrame:
    from nlp.clean import clean_own_text
    from nlp.corpora import read_gold, split_gold_files
    from nlp.segments import load_segment

    prefilter = load_segment("mothers").prefilter
    golds = [read_gold(REPO / "tests/data" / f) for f in ("mothers_gold.csv", "mothers_crawl.csv")]
    g = pd.concat([dev_half for dev_half, _ in split_gold_files(golds)], ignore_index=True)
    g["ot"] = g["text"].map(lambda t: clean_own_text(t) if isinstance(t, str) else "")
    g = g[g["ot"].map(lambda o: bool(prefilter.search(o)))]
    for name, regex in MARKERS.items():
        g[name] = g["ot"].map(lambda o, rx=regex: rx.search(o) is not None)
    out = g.groupby("label")[list(MARKERS)].mean()
    out["posts"] = g.groupby("label").size()
    return out


def test(work: Path) -> None:
    warnings.filterwarnings("ignore")
    d = pd.concat([_user_frame(work, n, "dev") for n in ("timelines", "santai")])
    name, reg, th = CHOSEN_MODEL
    columns = FEATURE_SETS[name]
    c = d[d["cand"]]
    model = _model(reg).fit(_matrix(c, columns), c["y"].to_numpy())
    for s in ("timelines", "santai", "fixture"):
        t = _user_frame(work, s, "test")
        rules = _rules(t)
        proba = np.zeros(len(t))
        cand = t["cand"].to_numpy()
        proba[cand] = model.predict_proba(_matrix(t[cand], columns))[:, 1]
        print(f"\n== {s}, test half: {len(t)} users, {int(t['y'].sum())} parents")
        for label in ("chance test (today)", CHOSEN, "... & news share of relevant posts < 0.5"):
            mark = " (chosen on dev)" if label == CHOSEN else ""
            print(_line(label + mark, t, rules[label], by="band"))
        print(_line(f"logistic regression {name}, C={reg}, >= {th} (not chosen)", t, proba >= th, by="band"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["cache", "dev", "test"])
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-prior"))
    ap.add_argument("--sets", default="fixture,timelines,santai")
    args = ap.parse_args()
    if args.step == "cache":
        cache(args.work, args.sets.split(","))
    elif args.step == "dev":
        dev(args.work)
    else:
        test(args.work)


if __name__ == "__main__":
    main()
