"""Other departments' accounts (数据共享账号, docs/rules.md §16) come through the 附件2 workflow like every
reviewer-side account, at county, city or province level, naming their department; once signed in they use the
department API over their division: unit and person look-ups, statistics, the overdue list and background
exports."""
from __future__ import annotations

import pytest

from tests import factories
from tests.job_worker import finish_jobs
from tests.web.test_accounts import PASSWORD, api, apply, approve_all, execute, new_operator  # noqa: F401

DEPARTMENT_HOLDER = "440524188001010014"


def new_department_account(**over) -> dict:
    return new_operator(**{"username": "xd-jc", "role": "data_sharing", "department": "劳动保障监察",
                           "reason": "监察大队查询备案", "person_unit": "小店区劳动保障监察大队",
                           "person_id_number": DEPARTMENT_HOLDER, **over})


def signed_in_first_time(api, username: str, initial: str) -> str:
    token = api.call("POST", "/auth/login", {"username": username, "password": initial})[1]["token"]
    status, body = api.call("POST", "/auth/password", {"old_password": initial, "new_password": "Dept-Passw0rd-26"},
                            token)
    assert status == 200, body
    return body["token"]


def test_a_county_department_account_is_applied_for_approved_twice_and_carried_out(api, container):
    status, created = apply(api, new_department_account())
    assert status == 201, created
    # a county's accounts, the department's too, are handled by its city (the notice: 市级系统管理员创建)
    assert (created["managing_division"], created["department"], created["role"]) == ("140100", "劳动保障监察",
                                                                                      "data_sharing")
    assert created["permissions"] == ["overdue.read", "person.lookup"]
    status, body = api.call("POST", f"/admin/applications/{created['id']}/business-review",
                            {"decision": "approve", "version": 1}, api.login("xd-op", PASSWORD))
    assert status == 403  # the applicant never approves
    done = execute(api, approve_all(api, created))
    account = container.store.get_account("xd-jc")
    assert (account.role, account.scope, account.department) == ("data_sharing", "140105", "劳动保障监察")
    token = signed_in_first_time(api, "xd-jc", done["initial_password"])
    status, unit = api.call("POST", "/share/units", {"uscc": factories.uscc(1)}, token)
    assert status == 200 and unit["registered"] is False
    assert api.call("GET", "/share/stats?year=2025", token=token)[0] == 200
    assert api.call("GET", "/overdue?year=2025", token=token)[0] == 200
    assert api.call("GET", "/overdue?year=2025&division=140106", token=token)[0] == 403  # not its division
    status, asked = api.call("POST", "/exports", {"kind": "stats", "year": 2025}, token)
    assert status == 202 and asked["subject"] == "2025年度；范围：小店区"
    finish_jobs(container)
    status, export = api.call("GET", f"/exports/{asked['export_id']}", token=token)
    assert export["status"] == "done" and export["download_url"]
    assert [x["export_id"] for x in api.call("GET", "/exports", token=token)[1]["items"]] == [asked["export_id"]]


def test_a_city_department_account_is_handled_by_its_city(api):
    status, created = apply(api, new_department_account(username="ty-sb", department="社会保险", division="140100"),
                            as_="ty-biz")
    assert status == 201 and created["managing_division"] == "140100"
    done = execute(api, _approved_by_others(api, created))
    assert done["application"]["status"] == "done"


def _approved_by_others(api, created):
    """ty-biz applied, so its colleague ty-biz2 signs the business opinion."""
    status, body = api.call("POST", f"/admin/applications/{created['id']}/business-review",
                            {"decision": "approve", "version": created["version"]}, api.login("ty-biz2", PASSWORD))
    assert status == 200, body
    status, body = api.call("POST", f"/admin/applications/{created['id']}/it-review",
                            {"decision": "approve", "comment": "同意", "version": body["version"]},
                            api.login("ty-sec", PASSWORD))
    assert status == 200, body
    return body


@pytest.mark.parametrize("over, field, message", [
    ({"department": ""}, "department", "数据共享账号请选择所属部门"),
    ({"department": "公安"}, "department", "数据共享账号请选择所属部门"),
    ({"role": "operator"}, "department", "只有数据共享账号填写所属部门"),
])
def test_the_department_is_named_for_a_department_account_only(api, over, field, message):
    status, body = apply(api, new_department_account(**over))
    assert status == 422
    assert any(d["field"] == field and d["message"].startswith(message) for d in body["error"]["details"])


def test_the_application_form_names_the_department_and_its_page_shows_it(container):
    from chalice.test import Client

    from app import app
    from tests.web.test_accounts import STAFF
    from tests.web.test_admin_pages import FORM, browser, text
    for username, (division, role) in STAFF.items():
        container.accounts.create_reviewer(username, PASSWORD, division, username, role=role)
    with Client(app) as client:
        applicant = browser(client, "xd-op")
        form = text(applicant.get("/admin/applications/new"))
        assert 'name="department"' in form and '<option value="劳动保障监察"' in form
        assert '<option value="data_sharing"' in form
        asked = applicant.post("/admin/applications/new", {**FORM, "role": "data_sharing", "department": "就业失业",
                                                            "person_id_number": DEPARTMENT_HOLDER})
        assert asked.status_code == 303, text(asked)[-600:]
        page = text(applicant.get(asked.headers["Location"].split("?")[0]))
        assert "数据共享账号（其他部门）：就业失业" in page


def test_a_department_account_exports_its_divisions_statistics_from_the_statistics_page(backend_container):
    from chalice.test import Client

    from app import app
    from chalicelib.domain.model import Role
    from tests.job_worker import exported
    from tests.web.test_admin_pages import browser
    backend_container.accounts.create_reviewer("ty-share", PASSWORD, "140100", "社保", role=Role.DATA_SHARING)
    with Client(app) as client:
        department = browser(client, "ty-share")
        assert 'id="export"' in department.get("/stats?year=2025").body.decode()
        export_id, data = exported(department, backend_container, "/stats/export", {"year": "2025"})
    assert data[:2] == b"PK"
    assert backend_container.exports.status(backend_container.accounts.acting("ty-share"), export_id).subject == \
        "2025年度；范围：太原市"
