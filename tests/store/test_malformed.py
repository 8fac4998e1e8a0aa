"""Malformed CSV exports lose nothing (issue 17, points 2 and 3): a row with a runaway quote or an
over-long cell is quarantined with the real reason and every other row is loaded, in every
CSV-based reader (weibo-search, weibo-crawler, MediaCrawler CSV, both CED files), through both
ways a CSV is read (the csv module for small files; DuckDB or Arrow for large ones).

Every row of these files is on one physical line, so "every line accounted for" is exact here:
rows read = loaded + duplicates + quarantined = the file's non-blank data lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from store.readers import read_export
from store.warehouse import load_batch, open_warehouse


def columns(names: str) -> list[str]:
    return names.split(",")


SEARCH_HEADER = columns(
    "id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,点赞数,发布时间,"
    "发布工具,微博图片url,微博视频url,retweet_id,ip,user_authentication,会员类型,会员等级"
)
CRAWLER_HEADER = columns(
    "id,bid,正文,头条文章url,原始图片url,视频url,Live Photo视频url,位置,日期,工具,点赞数,评论数,转发数,"
    "话题,@用户,完整日期,是否编辑过,编辑次数"
)
MC_HEADER = columns(
    "note_id,content,create_time,create_date_time,liked_count,comments_count,shared_count,"
    "last_modify_ts,note_url,creator_hash,nickname,source_keyword"
)
CED_REPOSTS_HEADER = columns("cascade,root_bid,root_uid,mid,uid,parent,n_kids,date,text")
CED_ORIGINAL_HEADER = columns(
    "cascade,idx,bid,uid,label,time_raw,time_unix,time_cst,text,reposts,comments,likes,pics,source,"
    "has_url,user_gender,user_followers,user_friends,user_messages,user_location,user_verified,"
    "user_verified_type,user_created_unix"
)


@dataclass(frozen=True)
class Format:
    """How to write one CSV export: its file name, header, a valid row and its text column."""

    name: str
    fmt: str
    header: list[str]
    row: Callable[[int], list[str]]
    text: str

    def cells(self, i: int, text: str | None = None) -> list[str]:
        cells = self.row(i)
        if text is not None:
            cells[self.header.index(self.text)] = text
        return cells


FORMATS = [
    Format(
        "结果文件/宝宝/宝宝.csv",
        "weibo-search",
        SEARCH_HEADER,
        lambda i: [
            f"{5000 + i}",
            f"Nb{i}",
            f"{1000 + i}",
            f"阿花{i}",
            f"宝宝第{i}次走路",
            *[""] * 4,
            "1",
            "2",
            "3",
            "2026-11-13 10:00",
            "iPhone",
            *[""] * 3,
            "上海",
            "普通用户",
            "",
            "",
        ],
        "微博正文",
    ),
    Format(
        "weibo/阿花妈妈/1001.csv",
        "weibo-crawler",
        CRAWLER_HEADER,
        lambda i: [
            f"{5000 + i}\t",
            f"Nb{i}",
            f"宝宝第{i}次走路",
            *[""] * 5,
            "2026-11-13T10:00:00",
            "iPhone",
            "1",
            "2",
            "3",
            "",
            "",
            "2026-11-13 10:00:00",
            "False",
            "0",
        ],
        "正文",
    ),
    Format(
        "data/weibo/csv/search_contents_2026-08-14.csv",
        "mediacrawler",
        MC_HEADER,
        lambda i: [
            f"{5012000000000000 + i}",
            f"今天带娃去公园{i}",
            "1786681000",
            "2026-08-14 12:16:40+08:00",
            "5",
            "2",
            "0",
            "1786700000000",
            f"https://m.weibo.cn/detail/{5012000000000000 + i}",
            f"{i:016x}",
            "多***夜",
            "育儿",
        ],
        "content",
    ),
    Format(
        "ced/ced_reposts.csv",
        "ced",
        CED_REPOSTS_HEADER,
        lambda i: ["c1", "R", "1", f"m{i}", f"{100 + i}", "", "0", "2013-07-01 07:47:55", f"转发{i}"],
        "text",
    ),
    Format(
        "ced/ced_original.csv",
        "ced",
        CED_ORIGINAL_HEADER,
        lambda i: [
            f"{i}_B{i}_{100 + i}",
            f"{i}",
            f"B{i}",
            f"{100 + i}",
            "rumor",
            "1347334462",
            "1347334462",
            "2012-09-11 11:34:22",
            f"原帖{i}",
            "225",
            "55",
            "0",
            "1",
            "微博 weibo.com",
            "False",
            "f",
            "227833",
            "907",
            "5653",
            "上海",
            "False",
            "-1",
            "1312112304",
        ],
        "text",
    ),
]


def csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def unterminated(fmt: Format, i: int) -> str:
    """A row whose text cell opens a quote it never closes (everything else as the tool writes it)."""
    cells = fmt.cells(i)
    j = fmt.header.index(fmt.text)
    before = csv_line(cells[:j]).rstrip("\n") + "," if j else ""
    return before + '"' + cells[j] + "," + csv_line(cells[j + 1 :])


@pytest.fixture(params=["small", "bulk"])
def engine(request, monkeypatch):
    """``small``: the csv module reads the file; ``bulk``: DuckDB (CsvTable) or Arrow (MediaCrawler)
    read it first (the file gets 800 more rows, to be past MediaCrawler's 64 KB bound)."""
    import store.csv

    if request.param == "bulk":
        monkeypatch.setattr(store.csv, "DUCKDB_MIN_CHARS", 0)
        return 800
    return 0


def write(tmp_path: Path, fmt: Format, lines: list[str], padding: int) -> Path:
    path = tmp_path / fmt.name
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(lines) + "".join(csv_line(fmt.cells(1000 + k)) for k in range(padding))
    path.write_text("\ufeff" + csv_line(fmt.header) + body, encoding="utf-8")
    return path


def load(tmp_path: Path, path: Path, fmt: Format):
    batch = read_export(path, fmt.fmt)
    con = open_warehouse(tmp_path / "w.duckdb")
    try:
        report = load_batch(con, batch)
    finally:
        con.close()
    return batch, report


def data_lines(path: Path) -> int:
    """Non-blank lines after the header."""
    return sum(1 for x in path.read_text(encoding="utf-8-sig").split("\n")[1:] if x.strip())


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name.rsplit("/", 1)[-1])
def test_an_unterminated_quote_quarantines_its_row_and_the_rows_after_it_load(tmp_path, fmt, engine):
    rows = [unterminated(fmt, 1), csv_line(fmt.cells(2)), csv_line(fmt.cells(3))]
    # a later well-quoted cell: the runaway quote would close there, in the middle of a row
    rows += [csv_line(fmt.cells(4, text=f"有,逗号{4}")), csv_line(fmt.cells(5))]
    path = write(tmp_path, fmt, rows, engine)
    batch, report = load(tmp_path, path, fmt)
    assert report.rows_read == data_lines(path) == 5 + engine
    assert (report.loaded, report.duplicates, report.quarantined) == (4 + engine, 0, 1)
    q = batch.quarantine.iloc[0]
    assert q["line"] == 2 and q["raw"] == unterminated(fmt, 1).rstrip("\n")
    assert f"{path}, line 2: an unterminated quote: field {fmt.text!r}" in q["reason"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name.rsplit("/", 1)[-1])
def test_a_quote_left_open_on_the_last_line_quarantines_that_line_only(tmp_path, fmt, engine):
    rows = [csv_line(fmt.cells(1)), csv_line(fmt.cells(2)), unterminated(fmt, 3).rstrip("\n")]
    path = write(tmp_path, fmt, [], engine)  # the padding first, the cut-off row last
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(rows))
    batch, report = load(tmp_path, path, fmt)
    assert report.rows_read == data_lines(path) == 3 + engine
    assert (report.loaded, report.quarantined) == (2 + engine, 1)
    assert batch.quarantine.iloc[0]["line"] == 4 + engine
    assert "an unterminated quote" in batch.quarantine.iloc[0]["reason"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name.rsplit("/", 1)[-1])
def test_one_over_long_cell_quarantines_its_row_not_the_file(tmp_path, fmt, engine):
    big = "宝" * 1_200_000  # past the csv module's own limit and MAX_FIELD_CHARS
    rows = [csv_line(fmt.cells(1, text=big)), csv_line(fmt.cells(2)), csv_line(fmt.cells(3))]
    path = write(tmp_path, fmt, rows, engine)
    batch, report = load(tmp_path, path, fmt)
    assert report.rows_read == data_lines(path) == 3 + engine
    assert (report.loaded, report.quarantined) == (2 + engine, 1)
    q = batch.quarantine.iloc[0]
    assert q["line"] == 2 and len(q["raw"]) <= 4000
    assert f"field {fmt.text!r} holds 1,200,000 characters; expected at most 1,000,000" in q["reason"]


def test_a_long_cell_within_the_limit_loads(tmp_path):
    fmt = FORMATS[0]
    text = "宝" * 200_000  # longer than the csv module's default field limit (131,072)
    path = write(tmp_path, fmt, [csv_line(fmt.cells(1, text=text)), csv_line(fmt.cells(2))], 0)
    batch, report = load(tmp_path, path, fmt)
    assert (report.loaded, report.quarantined) == (2, 0)
    assert batch.posts["text"].str.len().max() == 200_000


def test_a_real_multi_line_cell_is_one_row_not_a_runaway(tmp_path, engine):
    fmt = FORMATS[1]  # weibo-crawler joins a post's text nodes with "\n"
    rows = [csv_line(fmt.cells(1, text='第一行\n第二行, 有逗号和"引号"')), csv_line(fmt.cells(2))]
    path = write(tmp_path, fmt, rows, engine)
    batch, report = load(tmp_path, path, fmt)
    assert (report.rows_read, report.loaded, report.quarantined) == (2 + engine, 2 + engine, 0)
    assert batch.posts.loc[0, "text"] == '第一行\n第二行, 有逗号和"引号"'
    assert batch.posts["line"].tolist()[:2] == [2, 4]
