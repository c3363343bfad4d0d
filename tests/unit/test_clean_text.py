"""Clean text (docs/rules.md §17): NFC on the way in, invisible and control characters refused by name, and
every workbook writer able to write whatever was stored before the checks existed."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from chalicelib.domain.roster import RowChecker
from chalicelib.domain.tables import TABLE2, clean_table1
from chalicelib.domain.text import nfc, text_problem
from chalicelib.excel.exports import export_workbook
from chalicelib.excel.overdue import overdue_workbook
from chalicelib.excel.workbooks import rows_workbook
from tests import factories

POISON = ["\u000b", "\x00", "\u202e", "\u2066", "\u200b", "\ufeff", "\ud800", "\x85", "\u2028"]


@pytest.mark.parametrize("bad", POISON)
def test_invisible_and_control_characters_are_refused_naming_the_field(bad):
    assert "单位名称含有不可见字符" in text_problem(f"山西{bad}公司", "单位名称")


def test_ordinary_text_passes_and_line_breaks_only_where_a_field_has_lines():
    assert text_problem("山西省太原市（小店区）No.1 — 张三·李", "地址") is None
    assert text_problem("第一行\n第二行", "审核意见") is not None
    assert text_problem("第一行\r\n第二行\t", "审核意见", multiline=True) is None


def test_text_is_stored_composed():
    assert nfc("Cafe\u0301") == "Café" and nfc("山西") == "山西"


def test_table1_and_roster_text_name_the_field_and_row():
    errors = clean_table1(factories.table1(3, business_address="太原市\u000b小店区"), {"uscc": factories.uscc(1)})[1]
    assert [e["field"] for e in errors if "不可见" in e["message"]] == ["business_address"]
    person = factories.person(1, name="张\u202e三")
    clean, problems = RowChecker("table2", period_end=dt.date(2025, 12, 31)).check(7, person)
    assert [(p["row"], p["column"]) for p in problems] == [(7, "姓名")]


def _cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [c.value for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def test_every_workbook_writer_takes_text_stored_before_the_checks():
    """A unit name with \\u000b once broke the overdue export of its county, city and province for good."""
    poison = "坏\x0b名\ud800字\x00"
    overdue = overdue_workbook(f"标题{poison}", [[poison] * 14])
    with export_workbook([[poison] * 3], ["姓名"], [[poison]]) as f:
        export = f.read()
    rows = {c.key: poison for c in TABLE2}
    report = rows_workbook("table2", [(2, rows)], errors={2: [("name", f"姓名{poison}不对")]})
    for data in (overdue, export, report):
        assert any("坏名字" in v for v in _cells(data))


def test_review_reasons_and_opinions_are_checked_too():
    from chalicelib.domain.errors import ValidationFailed
    from tests.contract.test_store_contract import filing
    now = dt.datetime(2026, 3, 2, 2, tzinfo=dt.timezone.utc)
    submitted = filing().submit(actor="u", now=now, receipt_no="R1")
    with pytest.raises(ValidationFailed) as refused:
        submitted.review(decision="reject", reason="表二\u202e不全", actor="r", now=now)
    assert refused.value.details[0]["field"] == "reason"
    assert submitted.review(decision="reject", reason="表二不全\n请补充", actor="r", now=now).last_rejection


def test_masked_text_gives_no_birth_digits_back():
    from chalicelib.domain.identifiers import masked_text
    full = "11010519491231002X"
    text = masked_text(f"出生日期与证件号码不符（证件号码显示为1949-12-31）；与第3行{full}重复；19491231；1949年12月31日")
    assert "31" not in text.replace("002X", "") and full not in text
    assert "110105********002X" in text and "1949-12-**" in text and "194912**" in text and "1949年12月**日" in text
    assert masked_text("入职日期2020-03-04", dates=False) == "入职日期2020-03-04"
