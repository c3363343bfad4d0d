"""Checks across tables and years (docs/rules.md §5): 表一 vs 表二, routing changes, the roster diff."""
import pytest

from chalicelib.domain.checks import (RosterDiff, RosterSummary, contract_bucket, cross_table_warnings,
                                      routing_warning)
from tests import factories


@pytest.mark.parametrize("term,start,end,bucket", [
    ("以完成一定工作任务为期限", "2021-03-01", None, "signed_task"),
    ("无固定期限", "2021-03-01", None, "signed_fixed_ge10_open"),
    ("固定期限", "2021-03-01", "2024-02-28", "signed_fixed_lt3"),  # one day short of 3 years
    ("固定期限", "2021-03-01", "2024-02-29", "signed_fixed_3to10"),  # exactly 3 years (end day counts)
    ("固定期限", "2020-02-29", "2023-02-28", "signed_fixed_3to10"),  # from a leap day: 3 years end 28 Feb
    ("固定期限", "2021-01-01", "2030-12-30", "signed_fixed_3to10"),  # one day short of 10 years
    ("固定期限", "2021-01-01", "2030-12-31", "signed_fixed_ge10_open"),  # exactly 10 years
    ("固定期限", "2021-01-01", None, None),  # no end: no bucket (and 表二's own check reports it)
])
def test_contract_bucket_edges(term, start, end, bucket):
    assert contract_bucket(term, start, end) == bucket


def table1(**over):
    return {**factories.table1(4, male=2, female=2, signed_fixed_lt3=4), **over}


def summary_of(people):
    s = RosterSummary()
    s.add(people[:1])  # counts add up over batches
    s.add(people[1:])
    return s.as_dict()


PEOPLE = [factories.person(i, contract_start="2024-01-01", contract_end="2025-12-31") for i in range(4)]


def test_cross_table_passes_when_table2_bears_table1_out():
    assert summary_of(PEOPLE) == {"rows": 4, "male": 2, "female": 2, "signed_task": 0, "signed_fixed_lt3": 4,
                                  "signed_fixed_3to10": 0, "signed_fixed_ge10_open": 0}
    assert cross_table_warnings(table1(), summary_of(PEOPLE)) == []


def test_cross_table_row_count():
    three = [*PEOPLE[:2], PEOPLE[3]]  # one woman fewer: 3 rows for 4 employees
    warnings = {w["column"]: w["message"] for w in cross_table_warnings(table1(), summary_of(three))}
    assert warnings["在册职工人数"] == "表一在册职工人数（4）与表二人数（3）不一致"
    assert cross_table_warnings(table1(), summary_of(PEOPLE)) == []


def test_cross_table_gender_counts():
    swapped = [*PEOPLE[:3], {**PEOPLE[3], "gender": "男" if PEOPLE[3]["gender"] == "女" else "女"}]
    assert {w["column"] for w in cross_table_warnings(table1(), summary_of(swapped))} == {"其中男", "其中女"}


def test_cross_table_contract_type_counts():
    open_ended = [*PEOPLE[:3], {**PEOPLE[3], "contract_term": "无固定期限", "contract_end": None}]
    warnings = cross_table_warnings(table1(), summary_of(open_ended))
    assert {w["column"] for w in warnings} == {"固定期限3年以下", "固定期限10年以上及无固定期限"}
    assert "表一固定期限3年以下（4）与表二固定期限3年以下劳动合同人数（3）不一致" in [w["message"] for w in warnings]
    assert cross_table_warnings(table1(signed_fixed_lt3=3, signed_fixed_ge10_open=1), summary_of(open_ended)) == []


def test_cross_table_needs_both_sides():
    assert cross_table_warnings(None, summary_of(PEOPLE)) == [] and cross_table_warnings(table1(), None) == []


def test_routing_warning_when_table1_points_elsewhere():
    same = factories.table1(affiliation="其他", foreign_invested="否", economic_type="私营",
                            registration_division="140105")
    assert routing_warning(same, "140105") is None
    moved = routing_warning({**same, "registration_division": "140106"}, "140105")
    assert "迎泽区人力资源和社会保障局" in moved["message"] and "本次备案仍由太原市小店区人力资源和社会保障局审核" in moved["message"]
    assert "山西省人力资源和社会保障厅" in routing_warning({**same, "foreign_invested": "是"}, "140105")["message"]


def test_roster_diff_joined_left_changed():
    base = [factories.person(i) for i in range(4)]
    diff = RosterDiff(iter(base), base_filing_id="f2024", base_year=2024)
    diff.add(base[0])  # unchanged
    diff.add({**base[1], "contract_end": "2030-02-28"})  # renewed
    diff.add({**base[2], "name": "改名的职工"})  # same person, same contract: not a change
    newcomer = factories.person(9)
    diff.add(newcomer)
    result = diff.result()
    assert (result["joined"], result["left"], result["changed"]) == (1, 1, 1)
    assert result["samples"]["left"][0]["id_number"] == base[3]["id_number"]
    assert result["samples"]["joined"][0]["id_number"] == newcomer["id_number"]
    assert result["samples"]["changed"][0]["after"][2] == "2030-02-28"
    assert result["base_year"] == 2024


def test_roster_diff_counts_beyond_the_samples():
    base = [factories.person(i) for i in range(150)]
    diff = RosterDiff(iter(base), base_filing_id="f", base_year=2024)
    result = diff.result()
    assert result["left"] == 150 and len(result["samples"]["left"]) == RosterDiff.SAMPLES


def test_summary_counts_rows_without_gender_or_contract():
    assert summary_of([{**PEOPLE[0], "gender": None, "contract_term": None}]) == {
        "rows": 1, "male": 0, "female": 0, "signed_task": 0, "signed_fixed_lt3": 0, "signed_fixed_3to10": 0,
        "signed_fixed_ge10_open": 0}
