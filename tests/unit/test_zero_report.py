"""零申报 in the domain (docs/rules.md §11): 表二 is required unless 表一 says 在册 = 0, and then a roster of people
contradicts it; saving 表一 with 0 takes 表二 out of the filing."""
import datetime as dt

from chalicelib.domain.filing import Filing, RowSet
from chalicelib.domain.tables import TABLE1_COUNTS, clean_table1
from tests import factories

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
UNIT = {"unit_name": "U", "uscc": "91140105MA0K00001X"}


def filing(kind: str = "annual", employees: int | None = None, **changes) -> Filing:
    table1 = None if employees is None else {**UNIT, "employees": employees}
    return Filing(id="f1", uscc="X", unit_name="U", authority_code="140105", year=2025, kind=kind,
                  tables=("table1", "table2", "table3") if kind == "annual" else ("table3",), table1=table1,
                  created_at=NOW, updated_at=NOW, **changes)


def messages(f: Filing) -> list[str]:
    return [e["message"] for e in f.completeness_errors()]


def test_the_roster_is_required_unless_the_payroll_is_empty():
    assert messages(filing()) == ["请填写表一", "请上传表二（劳动关系人员名册）"]
    assert messages(filing(employees=3)) == ["请上传表二（劳动关系人员名册）"]
    zero = filing(employees=0)
    assert zero.zero_report and messages(zero) == []
    assert not filing(employees=3).zero_report and not filing().zero_report


def test_zero_with_people_on_the_roster_is_a_contradiction():
    zero = filing(employees=0, row_sets={"table2": RowSet(upload_id="u1", rows=5)})
    [problem] = zero.completeness_errors()
    assert problem["field"] == "employees" and "零申报" in problem["message"] and "5人" in problem["message"]


def test_an_interim_filing_is_never_a_zero_report():
    assert not filing("interim").zero_report
    assert messages(filing("interim")) == ["请上传表三（终止或解除劳动合同名册）"]


def test_saving_zero_lets_a_carried_roster_go_and_keeps_an_uploaded_one():
    carried = RowSet(upload_id="base-rows", rows=4, carried_from="base")
    f = filing(row_sets={"table2": carried, "table3": RowSet(upload_id="t3", rows=1)})
    after = f.edited(NOW, **f.table1_changes({**UNIT, "employees": 0}))
    assert set(after.row_sets) == {"table3"}  # let go by reference: base's rows are the base's
    back = after.edited(NOW, **after.table1_changes({**UNIT, "employees": 4}, carried))
    assert back.row_sets["table2"] == carried

    own = filing(row_sets={"table2": RowSet(upload_id="own", rows=4)})
    after = own.edited(NOW, **own.table1_changes({**UNIT, "employees": 0}))
    assert after.row_sets["table2"].upload_id == "own"  # a mistyped 0 loses nothing
    assert "table2" not in after.edited(NOW, **after.without_rows("table2")).row_sets  # removing it is explicit


def test_with_nobody_on_the_payroll_every_head_and_contract_count_is_zero():
    """表一's identities already hold the counts of people who would be listed in 表二 at 0 when 在册 = 0."""
    defaults = {**factories.table1(0), "unit_name": "U", "uscc": "91140105MA0K00001X", "unit_type": "企业",
                "economic_type": "私营", "industry": "I", "affiliation": "其他", "foreign_invested": "否",
                "labor_dispatch": "否", "registration_division": "140105", "registered_address": "太原",
                "legal_representative": "张三"}
    bound = ("male", "female", "on_post", "off_post", "migrant_workers", "contracts_due", "contracts_signed",
             "signed_task", "signed_fixed_lt3", "signed_fixed_3to10", "signed_fixed_ge10_open", "insured_pension", "insured_medical", "insured_injury",
             "insured_unemployment")
    assert clean_table1(defaults, defaults)[1] == []
    for key in bound:
        _, errors = clean_table1({**defaults, key: 1}, defaults)
        assert errors, key
    assert {c.key for c in TABLE1_COUNTS} - set(bound) == {
        "employees", "dispatched", "part_time", "average_wage"}  # not tied to 在册 (docs/rules.md §11)
