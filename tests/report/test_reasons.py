"""Issue 19: the readers' quarantine reasons are said in the analyst's language (tajian ingest and
the report's data-quality table); a reason of an unknown form stays as the reader wrote it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from report.html import ReportInputs, render_report
from report.reasons import reason_text


@pytest.mark.parametrize(
    ("reason", "zh"),
    [
        (
            "field 'note_id' is '5.01E+15', a number (Excel rewrites long ids like this); expected the id "
            "as text, e.g. '5012345678901234' (use the JSON export, or import the CSV with text columns)",
            "字段 'note_id' 的值是 '5.01E+15'，成了一个数字（Excel 会这样改写长 id）",
        ),
        (
            "field '发布时间' is 'x'; expected a time like '2026-11-13 10:00'",
            "应为形如 '2026-11-13 10:00' 的时间",
        ),
        (
            "field 'user.id' is missing; expected the author's numeric id",
            "缺少字段 'user.id'；应为作者的数字 id",
        ),
        ("field 'id' is empty; expected the weibo id (mid)", "字段 'id' 为空；应为微博 id（mid）"),
        (
            "field 'text' holds 9,000 characters; expected at most 8,000 (no post…)",
            "有 9,000 个字符；最多应为 8,000",
        ),
        ("field 'likes' is '-1'; expected something new", "字段 'likes' 的值是 '-1'；应为something new"),
        (
            "the row has more cells than the header; its cells do not line up with the columns",
            "单元格比表头多",
        ),
    ],
)
def test_known_forms_are_said_in_chinese_and_kept_in_english(reason, zh):
    assert zh in reason_text(reason, "zh")
    assert reason_text(reason, "en") == reason


def test_the_reports_quarantine_table_follows_the_language():
    ex = replace(
        ReportInputs.example(), network=None, quarantine=[("field 'id' is '4.91E+15'; expected digits", 3)]
    )
    assert "字段 &#39;id&#39; 的值是 &#39;4.91E+15&#39;；应为数字" in render_report(ex)
    english = render_report(replace(ex, lang="en", people="mothers"))
    assert "field &#39;id&#39; is &#39;4.91E+15&#39;; expected digits" in english
