import pytest

from chalicelib.domain.jurisdiction import Scope, UnknownDivision, authority, route


def r(**kw):
    base = {"affiliation": "其他", "foreign_invested": False, "economic_type": "私营", "registration_division": "140105"}
    return route(**{**base, **kw}).code


@pytest.mark.parametrize("kw,expected", [
    ({"affiliation": "中央"}, "140000"),  # 中央驻晋
    ({"affiliation": "省"}, "140000"),  # 省属
    ({"foreign_invested": True}, "140000"),  # 外商投资
    ({"economic_type": "外商投资"}, "140000"),
    ({"economic_type": "港澳台投资"}, "140000"),  # counts as foreign (configurable)
    ({"affiliation": "市"}, "140100"),  # 市属 → the city of registration
    ({"affiliation": "县"}, "140105"),  # 县属 → that county
    ({}, "140105"),  # 民营 → territorial
    ({"registration_division": "140171"}, "140100"),  # statistical zone → parent city
    ({"affiliation": "市", "foreign_invested": True}, "140000"),  # 外商 before 市属
    ({"affiliation": "省", "registration_division": "140171"}, "140000"),  # 省属 first
])
def test_routing_rules_in_their_order(kw, expected):
    assert r(**kw) == expected


def test_registration_must_be_a_shanxi_county():
    with pytest.raises(UnknownDivision):
        r(registration_division="140100")
    with pytest.raises(UnknownDivision):
        r(registration_division="110105")


def test_authority_names():
    assert authority("140105").name == "太原市小店区人力资源和社会保障局"
    assert authority("140100").name == "太原市人力资源和社会保障局"
    assert authority("140000").name == "山西省人力资源和社会保障厅"


def test_visibility():
    assert Scope("140105").can_review("140105") and not Scope("140105").can_read("140106")
    assert Scope("140100").can_read("140105") and not Scope("140100").can_review("140105")
    assert not Scope("140100").can_read("140202")
    assert Scope("140000").can_read("140202") and not Scope("140000").can_review("140202")
