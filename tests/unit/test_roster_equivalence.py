"""The row checks and the error report answer exactly as before import was made fast (issue 20: a streaming reader,
checks by column, remembered cells, a compact ID set).

`roster_checks_before.json.gz` holds what RowChecker returned — clean rows and problems, row by row, in order — on two
mixed rosters (表二, 表三) before issue 20 changed it; the rosters are rebuilt here from a fixed seed. Every kind of
cell the reader can hand over appears (text, numbers, booleans, dates, datetimes, empty and blank cells), valid and
invalid, and values repeat, so that a remembered cell and a cell seen for the first time are both checked, and an
error is reported each time its value comes back. `error_report_before.json.gz` holds the error report workbooks
(the filer's and the masked one: every cell, the red ones, 错误说明) of the same rosters written to .xlsx, as the
reader and checker before made them.
"""
import datetime as dt
import gzip
import io
import json
import random
from pathlib import Path

import openpyxl
import pytest

from chalicelib.domain.identifiers import id_check_char
from chalicelib.domain.roster import RowChecker
from chalicelib.domain.tables import COLUMNS
from chalicelib.excel.reader import read_rows
from chalicelib.excel.workbooks import BAD_FILL, error_reports

BEFORE = Path(__file__).with_name("roster_checks_before.json.gz")
REPORT_BEFORE = Path(__file__).with_name("error_report_before.json.gz")
END = dt.date(2025, 12, 31)


def _rid(rnd: random.Random, born: dt.date) -> str:
    first17 = f"{rnd.choice(['140105', '140106', '140212'])}{born:%Y%m%d}{rnd.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def _cell(rnd: random.Random, col, row: int):
    """A cell value for `col`: mostly valid, often not, in every type a workbook gives."""
    pick = rnd.random()
    if pick < 0.06:
        return rnd.choice([None, "", "  ", "\u3000"])
    if pick < 0.1:
        return rnd.choice([True, False, 1.0, 20230101.0, 44197.0, 1.5, dt.time(12, 0), "#N/A"])
    if col.kind == "code":
        choices = col.choices()
        return rnd.choice([*choices[:6], " " + choices[0], choices[0] + "\u3000", "不知道", "是", "男性", "本科",
                           "城镇户口", "T1", "t02", "Ｔ03", "R07", "无固定", "否 "])
    if col.kind == "date":
        day = dt.date(1985, 1, 1) + dt.timedelta(days=rnd.randrange(14000))
        return rnd.choice([day, day, dt.datetime.combine(day, dt.time(8, 30)), day.isoformat(),
                           f"{day.year}年{day.month}月{day.day}日", f"{day:%Y/%m/%d}", f"{day:%Y%m%d}", "2023-02-30",
                           "明天", 45000.0, 60.0, 0.5, "２０２３－０１－０５", dt.date(1899, 12, 31), dt.date(2024, 1, 1)])
    if col.kind == "int":
        return rnd.choice([row, float(row), str(row), "１２", "-3", "3.5", 3.5, "十", 10 ** 9, 45])
    if col.kind == "money":
        return rnd.choice([0, 1234.5, "1,234.56元", "￥88", "-5", "abc", 1e12, "NaN", 3000.0])
    if col.key == "phone":
        return rnd.choice(["13800000000", 13800000000.0, "0351-1234567", "１３８００００００００", "电话", "12"])
    if col.key == "name":
        return rnd.choice([f"职工{row % 40}", "王五", "  李四 ", "Zhang San", "a\u200bb", "x" * 201, "e\u0301", "行\n二"])
    return rnd.choice(["太原市小店区", "大同市", "=1+1", "a\tb", "x" * 201, "工地"])


def mixed_roster(table: str, rows: int = 260, seed: int = 20) -> list[tuple[int, dict]]:
    rnd = random.Random(seed)
    out = []
    ids: list[str] = []
    for n in range(rows):
        row = {c.key: _cell(rnd, c, n) for c in COLUMNS[table]}
        born = dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randrange(20000))
        number = _rid(rnd, born)
        kind = rnd.random()
        if kind < 0.55:  # a consistent person: gender and birth date agree with the number
            row.update(id_type="居民身份证", id_number=number, gender="男" if int(number[16]) % 2 else "女")
            if "birth_date" in row:
                row["birth_date"] = born
        elif kind < 0.65 and ids:
            row.update(id_type="居民身份证", id_number=rnd.choice(ids))  # the same person again
        elif kind < 0.8:
            row.update(id_type="居民身份证", id_number=rnd.choice([
                number[:17] + ("0" if number[17] != "0" else "1"), number[:15], number.lower(), " " + number,
                "１４０１" + number[4:], float(number[:17]), "1.40105E+17", number[:6] + "19991340" + number[14:]]))
        elif kind < 0.9:
            row.update(id_type=rnd.choice(["护照", "港澳居民来往内地通行证"]), id_number=rnd.choice(["E1234567", "ab-1",
                                                                                   "G12345678", "护照号"]))
        ids.append(row["id_number"] if isinstance(row["id_number"], str) else number)
        out.append((n + 2, row))
    return out


def roster_workbook(table: str) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([c.title for c in COLUMNS[table]])
    for row_no, raw in mixed_roster(table):
        for i, col in enumerate(COLUMNS[table], start=1):
            ws.cell(row_no, i, raw[col.key])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def error_report(table: str) -> list:
    """The cells of the error reports of the roster's workbook: [[row, [text of each cell], [red columns]]]."""
    data = roster_workbook(table)
    checker = RowChecker(table, period_end=END)
    by_row = {}
    for row_no, raw in read_rows(data, table):
        problems = checker.check(row_no, raw)[1]
        if problems:
            by_row[row_no] = [(p["field"], p["message"]) for p in problems]
    return [[[n, [None if c.value is None else str(c.value) for c in row],
              [i for i, c in enumerate(row) if str(c.fill.fgColor.rgb).endswith(BAD_FILL)]]
             for n, row in enumerate(openpyxl.load_workbook(io.BytesIO(report)).worksheets[0].iter_rows(), start=1)]
            for report in error_reports(table, read_rows(data, table), by_row)]


def _results(table: str) -> list:
    checker = RowChecker(table, period_end=END)
    rows = [(n, [raw[k] for k in checker.keys]) for n, raw in mixed_roster(table)]
    return [[row_no, clean, problems] for row_no, clean, problems in checker.checked(rows)]


def _comparable(results: list) -> list:
    return json.loads(json.dumps(results, ensure_ascii=False, default=str))


@pytest.mark.parametrize("table", ["table2", "table3"])
def test_the_checks_answer_as_before_on_a_mixed_roster(table):
    with gzip.open(BEFORE, "rt", encoding="utf-8") as f:
        before = json.load(f)[table]
    now = _comparable(_results(table))
    assert sum(bool(p) for _, _, p in now) > 100  # errors of many kinds, not a clean roster
    assert now == before


@pytest.mark.parametrize("table", ["table2", "table3"])
def test_the_error_report_of_a_mixed_roster_is_as_before(table):
    with gzip.open(REPORT_BEFORE, "rt", encoding="utf-8") as f:
        before = json.load(f)[table]
    now = json.loads(json.dumps(error_report(table), ensure_ascii=False))
    assert len(now[0]) > 200 and now == before


def test_rows_checked_in_batches_answer_as_rows_checked_one_by_one():
    rows = mixed_roster("table2", rows=1300, seed=3)  # more than one batch
    one_by_one = RowChecker("table2", period_end=END)
    checker = RowChecker("table2", period_end=END)
    assert [(n, c, p) for n, c, p in checker.checked((n, list(raw.values())) for n, raw in rows)] == [
        (n, *one_by_one.check(n, raw)) for n, raw in rows]


def test_a_roster_sorted_by_date_answers_as_rows_checked_one_by_one():
    """Sorted rosters bring a value new to its column many times within a batch: it is parsed once and remembered
    for the rest of the batch, a bad one reported on every row it is in; 序号 (numbers, never remembered) is checked a
    batch at a time after the first."""
    rows = mixed_roster("table2", rows=2600, seed=5)
    rows = [(n, raw) for n, (_, raw) in enumerate(sorted(rows, key=lambda r: (str(r[1]["hire_date"]),
                                                                              str(r[1]["birth_date"]))), start=2)]
    for n, raw in rows:
        raw["seq"] = float(n - 1) if n % 900 else "x"  # whole numbers but for one cell a batch
    one_by_one = RowChecker("table2", period_end=END)
    checker = RowChecker("table2", period_end=END)
    found = list(checker.checked((n, list(raw.values())) for n, raw in rows))
    assert found == [(n, *one_by_one.check(n, raw)) for n, raw in rows]
    assert sum(p["field"] == "hire_date" and "无法识别" in p["message"] for _, _, ps in found for p in ps) > 20


def _clean_row(n: int) -> dict:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=n * 3)
    first17 = f"140105{born:%Y%m%d}{n % 1000:03d}"
    number = first17 + id_check_char(first17)
    return {"seq": float(n), "name": f"职工{n}", "id_type": "居民身份证", "id_number": number,
            "gender": "男" if int(number[16]) % 2 else "女", "birth_date": born, "hukou": "城镇", "education": "大学本科",
            "phone": f"138{n:08d}", "employment_form": "全日制", "post_category": "其他", "special_job": "否",
            "workplace": "太原市小店区", "hire_date": dt.date(born.year + 20, 3, 1), "contract_term": "固定期限",
            "contract_start": dt.date(2021, 1, 1), "contract_end": dt.date(2026, 1, 1), "insured": "是"}


BREAKS = {  # one row of a plain batch made to fail one row check each (or to take another branch of one)
    "gender": {"gender": "男" if _clean_row(1500)["gender"] == "女" else "女"},
    "birth_date": {"birth_date": dt.date(1999, 1, 1)},
    "no birth date": {"birth_date": None},
    "check character": {"id_number": _clean_row(1500)["id_number"][:17] + "Y"},
    "no such birthday": {"id_number": "14010519990230" + "0001"},
    "other ID": {"id_type": "护照", "id_number": "E1234567"},
    "seen in an earlier batch": {"id_number": _clean_row(10)["id_number"], "birth_date": _clean_row(10)["birth_date"],
                                 "gender": _clean_row(10)["gender"]},
    "under 16": {"hire_date": dt.date(1975, 1, 1)},
    "no hire date": {"hire_date": None},
    "hired after the year": {"hire_date": dt.date(2026, 1, 2)},
    "contract after the year": {"contract_start": dt.date(2026, 1, 1), "contract_end": dt.date(2027, 1, 1)},
    "fixed term without end": {"contract_end": None},
    "open-ended with an end": {"contract_term": "无固定期限"},
    "open-ended": {"contract_term": "无固定期限", "contract_end": None},
    "ends before it starts": {"contract_end": dt.date(2020, 1, 1)},
    "no contract dates": {"contract_term": "以完成一定工作任务为期限", "contract_start": None, "contract_end": None},
}


@pytest.mark.parametrize("change", BREAKS)
def test_a_plain_batch_with_one_row_changed_answers_as_rows_checked_one_by_one(change):
    """A batch of 表二 whose rows are all plain is checked a column at a time; one row off the plain path sends its
    batch back to the rows one by one, with their exact messages."""
    rows = [(n + 1, _clean_row(n)) for n in range(2500)]
    rows[1500][1].update(BREAKS[change])
    one_by_one = RowChecker("table2", period_end=END)
    checker = RowChecker("table2", period_end=END)
    found = list(checker.checked((n, list(raw.values())) for n, raw in rows))
    assert found == [(n, *one_by_one.check(n, raw)) for n, raw in rows]
    plain_changes = ("other ID", "open-ended")  # allowed; the rest is a problem (a required cell left empty too)
    assert [n for n, _, problems in found if problems] == ([] if change in plain_changes else [1501])


def test_a_duplicate_within_a_plain_batch_is_reported():
    rows = [(n + 1, _clean_row(n)) for n in range(1500)]
    rows[1200][1].update({k: rows[1100][1][k] for k in ("id_number", "birth_date", "gender")})
    found = list(RowChecker("table2", period_end=END).checked((n, list(raw.values())) for n, raw in rows))
    assert [(n, [p["message"] for p in problems]) for n, _, problems in found if problems] == [
        (1201, ["与第1101行证件号码重复"])]


if __name__ == "__main__":  # wrote the file the first test compares with, with the checker as it was (row by row)
    def before(table: str) -> list:
        checker = RowChecker(table, period_end=END)
        return _comparable([[n, *checker.check(n, raw)] for n, raw in mixed_roster(table)])
    with gzip.open(BEFORE, "wt", encoding="utf-8") as f:
        json.dump({t: before(t) for t in ("table2", "table3")}, f, ensure_ascii=False, separators=(",", ":"))
    with gzip.open(REPORT_BEFORE, "wt", encoding="utf-8") as f:
        json.dump({t: error_report(t) for t in ("table2", "table3")}, f, ensure_ascii=False, separators=(",", ":"))
