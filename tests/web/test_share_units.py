"""Other departments look a unit up by its 统一社会信用代码 (docs/rules.md §16), on both backends: registered or
not, each year's status with 回执号, approval date and the 表一 counts of the version in force; within the
account's division; audited; rate-limited together with the person look-up; departments' accounts only."""
from __future__ import annotations

from chalicelib.domain.model import Role
from chalicelib.services import persons
from tests import factories
from tests.api_client import Api
from tests.web.test_overdue import PASSWORD, signed_in
from tests.web.test_pages import text
from tests.web.test_share import shared  # noqa: F401  the fixture: two approved 2025 filings, 小店区 and 平城区

XIAODIAN_UNIT, PINGCHENG_UNIT = factories.uscc(1), factories.uscc(2)


def test_a_registered_unit_with_its_years_and_the_look_up_audited(shared, backend_container):
    api = Api(shared)
    token = api.login("shebao", PASSWORD)
    status, body = api.call("POST", "/share/units", {"uscc": XIAODIAN_UNIT.lower()}, token=token)
    assert status == 200 and body["registered"] and body["authority_name"] == "太原市小店区人力资源和社会保障局"
    (year,) = body["years"]
    assert (year["year"], year["status"], year["in_force"]) == (2025, "审核通过", True)
    assert year["receipt_no"] and year["approved_on"] == "2026-07-09"
    assert year["counts"]["应签劳动合同人数"] == 1 and year["counts"]["已签劳动合同人数"] == 1
    event = backend_container.store.list_audit(1)[0]
    assert (event.action, event.actor, event.target, event.detail) == (
        "unit_lookup", "shebao", XIAODIAN_UNIT, {"found": True, "years": 1})


def test_an_unregistered_unit_and_one_outside_the_division_read_alike(shared, backend_container):
    backend_container.accounts.create_reviewer("xd-shebao", PASSWORD, "140105", "小店社保", role=Role.DATA_SHARING)
    api = Api(shared)
    token = api.login("xd-shebao", PASSWORD)
    assert api.call("POST", "/share/units", {"uscc": XIAODIAN_UNIT}, token=token)[1]["registered"] is True
    for uscc in (PINGCHENG_UNIT, factories.uscc(77)):
        status, body = api.call("POST", "/share/units", {"uscc": uscc}, token=token)
        assert status == 200 and body == {"uscc": uscc, "registered": False, "message": "本区划内未查到该单位的注册信息"}


def test_bad_codes_reviewers_and_too_many_look_ups_are_refused(shared, backend_container, monkeypatch):
    api = Api(shared)
    token = api.login("shebao", PASSWORD)
    status, body = api.call("POST", "/share/units", {"uscc": "91140100X"}, token=token)
    assert status == 422 and body["error"]["details"][0]["field"] == "uscc" and "18位" in body["error"]["message"]
    assert api.call("POST", "/share/units", {"uscc": XIAODIAN_UNIT}, token=api.login("xiaodian", PASSWORD))[0] == 403
    monkeypatch.setattr(persons, "LOOKUPS_PER_MINUTE", 2)
    api.call("POST", "/share/persons", {"id_number": factories.person(1)["id_number"]}, token=token)
    statuses = [api.call("POST", "/share/units", {"uscc": XIAODIAN_UNIT}, token=token)[0] for _ in range(2)]
    assert statuses == [200, 429]  # the person look-up counted too
    assert backend_container.store.list_audit(1)[0].outcome == "rate_limited"


def test_the_page_shows_the_unit_and_its_years(shared):
    b = signed_in(shared, "shebao")
    page = text(b.get("/share/units"))
    assert "统一社会信用代码" in page
    page = text(b.post("/share/units", {"uscc": XIAODIAN_UNIT}))
    assert "2025年度：审核通过" in page and "审核通过日期：2026-07-09" in page and "在册职工人数" in page
    assert "本区划内未查到" in text(b.post("/share/units", {"uscc": factories.uscc(77)}))
