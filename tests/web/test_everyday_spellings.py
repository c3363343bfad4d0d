"""Uploads in everyday spellings (docs/rules.md §17): a roster typed as a clerk types it (本科, 城镇户口, 全职, Y,
身份证 …, in a plain workbook such as LibreOffice saves, without the template's dropdowns) imports cleanly and is
stored in the code lists' values; in a mixed roster only the real mistakes are reported."""
from __future__ import annotations

import io

from openpyxl import Workbook

from chalicelib.domain.tables import COLUMNS, TABLE_TITLES
from tests import factories
from tests.web.test_filing_complete import api, filer, new_filing  # noqa: F401  (api is a fixture)

EVERYDAY = [  # (column, as typed, as stored), one per person, round and round
    {"id_type": "身份证", "hukou": "城镇户口", "education": "本科", "employment_form": "全职", "special_job": "N",
     "insured": "Y", "contract_term": "固定", "post_category": "专技"},
    {"id_type": "二代身份证", "hukou": "农业户口", "education": "大专", "employment_form": "兼职", "special_job": "0",
     "insured": 1, "contract_term": "固定期限合同", "post_category": "管理岗位"},
    {"id_type": "居民身份证", "hukou": "非农业", "education": "硕士", "employment_form": "派遣", "special_job": "无",
     "insured": "有", "contract_term": "有固定期限", "post_category": "其它"},
    {"id_type": "身份证", "hukou": "农村户口", "education": "中专", "employment_form": "全日制", "special_job": "否",
     "insured": "yes", "contract_term": "固定期限", "post_category": "负责人"},
]
CANONICAL = [
    {"id_type": "居民身份证", "hukou": "城镇", "education": "大学本科", "employment_form": "全日制", "special_job": "否",
     "insured": "是", "contract_term": "固定期限", "post_category": "专业技术人员"},
    {"id_type": "居民身份证", "hukou": "农村", "education": "大学专科", "employment_form": "非全日制", "special_job": "否",
     "insured": "是", "contract_term": "固定期限", "post_category": "管理人员"},
    {"id_type": "居民身份证", "hukou": "城镇", "education": "硕士研究生", "employment_form": "劳务派遣", "special_job": "否",
     "insured": "是", "contract_term": "固定期限", "post_category": "其他"},
    {"id_type": "居民身份证", "hukou": "农村", "education": "中等专科", "employment_form": "全日制", "special_job": "否",
     "insured": "是", "contract_term": "固定期限", "post_category": "单位负责人"},
]


def plain_workbook(people: list[dict]) -> bytes:
    """A 表二 as a clerk's own spreadsheet saves it: the header row and the rows, no dropdowns, no code sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = TABLE_TITLES["table2"]
    sheet.append([c.title for c in COLUMNS["table2"]])
    for p in people:
        sheet.append([p.get(c.key) for c in COLUMNS["table2"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_roster_in_everyday_spellings_imports_and_reads_back_canonical(api, container):  # noqa: F811
    token = filer(api)
    fid = new_filing(api, token)["id"]
    people = [factories.person(i, **EVERYDAY[i % 4]) for i in range(40)]
    people[1]["gender"] = "女性" if people[1]["gender"] == "女" else "男性"
    upload = api.upload(fid, "table2", plain_workbook(people), token)
    assert upload["status"] == "done" and upload["rows_done"] == 40, upload.get("errors")
    status, rows = api.call("GET", f"/filings/{fid}/rows/table2?limit=100", token=token)
    assert status == 200 and rows["total"] == 40
    for i, row in enumerate(rows["items"]):
        assert {k: row[k] for k in CANONICAL[0]} == CANONICAL[i % 4], (i, row)
    assert rows["items"][1]["gender"] == factories.person(1)["gender"]
    stored = container.store.get_rows(upload["upload_id"])
    assert {r["education"] for r in stored} == {"大学本科", "大学专科", "硕士研究生", "中等专科"}


def test_a_mixed_roster_reports_only_the_real_mistakes(api):  # noqa: F811
    token = filer(api)
    fid = new_filing(api, token)["id"]
    people = [factories.person(i, **EVERYDAY[i % 4]) for i in range(21)]
    people[4]["education"] = "幼儿园"  # no such level
    people[9]["hukou"] = "外籍"  # no such 户口性质
    people[15]["contract_end"] = None  # a fixed term without its end
    upload = api.upload(fid, "table2", plain_workbook(people), token)
    assert upload["status"] == "failed"
    assert sorted((e["row"], e["column"]) for e in upload["errors"]) == [
        (6, "文化程度"), (11, "户口性质"), (17, "合同终止日期")]  # header on row 1: person i is on row i + 2
    education = next(e for e in upload["errors"] if e["column"] == "文化程度")["message"]
    assert education == ("文化程度应为以下之一：博士研究生、硕士研究生、大学本科、大学专科、中等专科、技工学校、高中、初中、"
                         "小学、其他（填写的是“幼儿园”）")


def test_table1_takes_everyday_spellings_and_stores_the_canonical_values(api):  # noqa: F811
    token = filer(api)
    fid = new_filing(api, token)["id"]
    status, body = api.call("PUT", f"/filings/{fid}/table1",
                            factories.table1(3, unit_type="公司", economic_type="民营", foreign_invested="N",
                                             labor_dispatch=0), token)
    assert status == 200, body
    status, filing = api.call("GET", f"/filings/{fid}", token=token)
    table1 = filing["table1"]
    assert (table1["unit_type"], table1["economic_type"], table1["foreign_invested"], table1["labor_dispatch"]) == (
        "企业", "私营", "否", "否")
