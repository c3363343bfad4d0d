"""Reviewer-side accounts through the JSON API: applications (附件2) from creation to execution, separation of
duties, lockout and unlock, revocation of tokens, session expiry, the one-time initial password."""
import pytest
from chalice.test import Client

from tests.api_client import Api

PASSWORD = "Staff-Passw0rd"
ID_NUMBER = "11010519491231002X"
STAFF = {  # username: (division, role)
    "xd-op": ("140105", "operator"), "yz-op": ("140106", "operator"),
    "ty-sys": ("140100", "system_admin"), "ty-biz": ("140100", "business_admin"),
    "ty-biz2": ("140100", "business_admin"), "ty-sec": ("140100", "security"), "ty-aud": ("140100", "auditor"),
    "dt-biz": ("140200", "business_admin"), "sx-sec": ("140000", "security"),
}


@pytest.fixture
def api(container):
    from app import app
    for username, (division, role) in STAFF.items():
        container.accounts.create_reviewer(username, PASSWORD, division, username, role=role)
    with Client(app) as client:
        yield Api(client)


def new_operator(**over) -> dict:
    return {"kind": "create", "username": "xd-new", "contact_name": "王五", "contact_phone": "0351-1234567",
            "applying_unit": "太原市小店区人力资源和社会保障局", "reason": "新增审核员", "role": "operator",
            "division": "140105", "person_name": "赵六", "person_unit": "小店区人社局劳动关系股", "person_position": "科员",
            "person_id_number": ID_NUMBER, "person_mobile": "13900000001", **over}


def apply(api, body, as_="xd-op"):
    return api.call("POST", "/admin/applications", body, api.login(as_, PASSWORD))


def approve_all(api, application) -> dict:
    """The two opinions (太原市 business admin, then security officer)."""
    status, body = api.call("POST", f"/admin/applications/{application['id']}/business-review",
                            {"decision": "approve", "version": application["version"]}, api.login("ty-biz", PASSWORD))
    assert status == 200, body
    status, body = api.call("POST", f"/admin/applications/{application['id']}/it-review",
                            {"decision": "approve", "comment": "同意", "version": body["version"]},
                            api.login("ty-sec", PASSWORD))
    assert status == 200 and body["status"] == "approved", body
    return body


def execute(api, application) -> dict:
    status, body = api.call("POST", f"/admin/applications/{application['id']}/execute",
                            {"version": application["version"]}, api.login("ty-sys", PASSWORD))
    assert status == 200, body
    return body


def test_new_reviewer_account_from_application_to_first_sign_in(api, container):
    status, created = apply(api, new_operator())
    assert status == 201, created
    assert created["number"] == "ZH-140100-2026-000001" and created["status"] == "pending_business"
    assert created["managing_division"] == "140100" and created["person_id_number"] == "110105********002X"
    assert created["permissions"] == ["application.create", "filing.read", "filing.review"]

    done = execute(api, approve_all(api, created))
    assert done["application"]["status"] == "done" and done["application"]["executed_by"] == "ty-sys"
    initial = done["initial_password"]
    assert initial and initial not in str(container.store.list_audit(50))  # never written anywhere in clear

    status, body = api.call("POST", "/auth/login", {"username": "xd-new", "password": initial})
    assert status == 200 and body["password_change_required"] is True
    first = body["token"]
    status, body = api.call("GET", "/filings", token=first)
    assert status == 403 and body["error"]["code"] == "password_change_required"
    status, body = api.call("POST", "/auth/password", {"old_password": initial, "new_password": "xd-new-Pass1"}, first)
    assert status == 422 and body["error"]["details"][0]["field"] == "new_password"  # contains the username
    status, body = api.call("POST", "/auth/password", {"old_password": initial, "new_password": "Better-Passw0rd"},
                            first)
    assert status == 200
    assert api.call("GET", "/filings", token=body["token"])[0] == 200
    assert api.call("GET", "/me", token=first)[0] == 401  # the initial session ended with the change

    status, me = api.call("GET", "/me", token=body["token"])
    assert (me["role"], me["scope"]) == ("operator", "140105")
    steps = [e.action for e in container.store.list_audit(50) if e.target == created["id"]]
    assert steps == ["account_application.execute", "account_application.it_review",
                     "account_application.business_review", "account_application.apply"]


def test_nobody_approves_their_own_application_or_acts_outside_their_division(api):
    status, created = apply(api, new_operator(), as_="ty-biz")
    assert status == 201
    path = f"/admin/applications/{created['id']}/business-review"
    status, body = api.call("POST", path, {"decision": "approve", "version": 1}, api.login("ty-biz", PASSWORD))
    assert status == 403 and "申请人不能审批" in body["error"]["message"]
    status, _ = api.call("POST", path, {"decision": "approve", "version": 1}, api.login("dt-biz", PASSWORD))
    assert status == 403  # 大同市's business admin does not handle 太原市's accounts
    status, _ = api.call("POST", path, {"decision": "approve", "version": 1}, api.login("ty-sec", PASSWORD))
    assert status == 403  # the security officer gives the other opinion, not this one
    status, body = api.call("POST", path, {"decision": "approve", "version": 1}, api.login("ty-biz2", PASSWORD))
    assert status == 200 and body["business"]["by"] == "ty-biz2"
    status, body = api.call("POST", path, {"decision": "approve", "version": 1}, api.login("ty-biz2", PASSWORD))
    assert status == 409  # the step is done; a second click changes nothing


def test_a_refused_application_is_never_carried_out(api, container):
    _, created = apply(api, new_operator())
    token = api.login("ty-biz", PASSWORD)
    path = f"/admin/applications/{created['id']}/business-review"
    status, body = api.call("POST", path, {"decision": "reject", "version": 1}, token)
    assert status == 422 and body["error"]["details"][0]["field"] == "comment"
    status, body = api.call("POST", path, {"decision": "reject", "comment": "身份证号与本人不符", "version": 1}, token)
    assert status == 200 and body["status"] == "rejected"
    status, _ = api.call("POST", f"/admin/applications/{created['id']}/execute", {"version": body["version"]},
                         api.login("ty-sys", PASSWORD))
    assert status == 409 and container.store.get_account("xd-new") is None


def test_application_input_is_checked_field_by_field(api):
    status, body = apply(api, new_operator(person_id_number="110105194912310021", person_mobile="123",
                                           username="X", role="system_admin"))
    assert status == 422
    fields = {d["field"]: d["message"] for d in body["error"]["details"]}
    assert fields["person_id_number"] == "居民身份证号码校验位错误，请核对"
    assert fields["person_mobile"] == "请填写11位手机号码"
    assert "小写字母" in fields["username"]
    assert fields["division"] == "县（市、区）只设业务操作员（审核员）账号"
    status, body = apply(api, new_operator(division="140212"))  # 小店区's reviewer cannot apply for 大同市
    assert status == 403
    status, body = apply(api, {"kind": "freeze", "username": "dt-biz", "contact_name": "王五",
                               "contact_phone": "0351-1234567", "applying_unit": "小店区人社局"})
    assert status == 422 and body["error"]["details"][0]["message"] == "本辖区没有这个审核端账号"


def test_one_person_cannot_hold_an_administrator_and_the_auditor_account(api, container):
    _, first = apply(api, new_operator(username="ty-sec2", role="security", division="140100"), as_="ty-sys")
    assert first["managing_division"] == "140000"  # a city's administrators are handled by the province
    container.accounts.create_reviewer("ty-admin2", PASSWORD, "140100", "x", role="system_admin")
    admin = container.store.get_account("ty-admin2")
    container.store.put_account(admin.model_copy(update={"id_number": ID_NUMBER}))
    status, body = apply(api, new_operator(username="ty-aud2", role="auditor", division="140100"), as_="ty-sys")
    assert status == 422
    assert any("不能再担任业务审计员" in d["message"] for d in body["error"]["details"])


def test_five_failed_sign_ins_lock_the_account_until_the_security_officer_unlocks_it(api, container, clock):
    for attempt in range(4):
        assert api.call("POST", "/auth/login", {"username": "xd-op", "password": "wrong"})[0] == 401
        clock.advance(minutes=1)
    status, body = api.call("POST", "/auth/login", {"username": "xd-op", "password": "wrong"})
    assert status == 423 and "系统安全员" in body["error"]["message"]
    assert api.call("POST", "/auth/login", {"username": "xd-op", "password": PASSWORD})[0] == 423
    clock.advance(days=1)
    assert api.call("POST", "/auth/login", {"username": "xd-op", "password": PASSWORD})[0] == 423  # still locked

    status, body = api.call("GET", "/admin/accounts/xd-op", token=api.login("ty-sec", PASSWORD))
    assert status == 200 and body["status"] == "locked"
    status, _ = api.call("POST", "/admin/accounts/xd-op/unlock", token=api.login("sx-sec", PASSWORD))
    assert status == 403  # the province's security officer does not manage 小店区's reviewers
    status, body = api.call("POST", "/admin/accounts/xd-op/unlock", token=api.login("ty-sec", PASSWORD))
    assert status == 200 and body["status"] == "active"
    assert api.call("POST", "/admin/accounts/xd-op/unlock", token=api.login("ty-sec", PASSWORD))[0] == 409
    api.login("xd-op", PASSWORD)
    outcomes = [(e.action, e.outcome) for e in container.store.list_audit(20) if e.target == "xd-op"]
    assert ("unlock_account", "ok") in outcomes and ("sign_in", "locked") in outcomes


def test_failures_spread_beyond_the_window_do_not_lock(api, clock):
    for _ in range(8):
        assert api.call("POST", "/auth/login", {"username": "xd-op", "password": "wrong"})[0] == 401
        clock.advance(minutes=4)  # never five within 15 minutes
    api.login("xd-op", PASSWORD)


def test_a_filers_lock_lifts_by_itself_after_the_window(api, clock):
    from tests import factories
    api.call("POST", "/employers/register", factories.registration())
    uscc = factories.uscc(1)
    for _ in range(5):
        api.call("POST", "/auth/login", {"username": uscc, "password": "wrong"})
    assert api.call("POST", "/auth/login", {"username": uscc, "password": "Passw0rd!"})[0] == 423
    clock.advance(minutes=16)
    api.login(uscc, "Passw0rd!")


def test_freezing_an_account_ends_its_sessions_and_unlocking_restores_sign_in(api):
    victim = api.login("yz-op", PASSWORD)
    assert api.call("GET", "/me", token=victim)[0] == 200
    status, created = apply(api, {"kind": "freeze", "username": "yz-op", "contact_name": "王五",
                                  "contact_phone": "0351-1234567", "applying_unit": "迎泽区人社局"}, as_="ty-biz")
    assert status == 201, created
    execute(api, _approve_by(api, created, "ty-biz2"))  # ty-biz applied, so another business admin approves
    assert api.call("GET", "/me", token=victim)[0] == 401
    assert api.call("POST", "/auth/login", {"username": "yz-op", "password": PASSWORD})[0] == 403

    _, unfreeze = apply(api, {"kind": "unlock", "username": "yz-op", "contact_name": "王五",
                              "contact_phone": "0351-1234567", "applying_unit": "迎泽区人社局"}, as_="ty-biz2")
    execute(api, approve_all(api, unfreeze))
    api.login("yz-op", PASSWORD)


def _approve_by(api, application, business_admin):
    status, body = api.call("POST", f"/admin/applications/{application['id']}/business-review",
                            {"decision": "approve", "version": 1}, api.login(business_admin, PASSWORD))
    assert status == 200, body
    status, body = api.call("POST", f"/admin/applications/{application['id']}/it-review",
                            {"decision": "approve", "version": 2}, api.login("ty-sec", PASSWORD))
    assert status == 200, body
    return body


def test_changing_permissions_applies_them_and_ends_old_sessions(api):
    old = api.login("yz-op", PASSWORD)
    _, created = apply(api, {"kind": "permissions", "username": "yz-op", "contact_name": "王五",
                             "contact_phone": "0351-1234567", "applying_unit": "迎泽区人社局",
                             "permissions": ["filing.read"]}, as_="ty-biz2")
    assert created["permissions"] == ["filing.read"]
    execute(api, approve_all(api, created))
    assert api.call("GET", "/me", token=old)[0] == 401
    token = api.login("yz-op", PASSWORD)
    assert api.call("GET", "/filings", token=token)[0] == 200  # may still read
    status, body = api.call("POST", "/filings/any/review", {"decision": "approve", "version": 1}, token)
    assert status == 403  # but no longer review


def test_sign_out_revokes_the_token_and_sessions_expire(api, clock):
    token = api.login("xd-op", PASSWORD)
    assert api.call("POST", "/auth/logout", token=token)[0] == 200
    assert api.call("GET", "/me", token=token)[0] == 401
    token = api.login("xd-op", PASSWORD)
    clock.advance(hours=11)
    assert api.call("GET", "/me", token=token)[0] == 200
    clock.advance(hours=2)  # policy.json session_hours = 12
    assert api.call("GET", "/me", token=token)[0] == 401


def test_account_list_masks_id_numbers_and_stays_in_scope(api, container):
    account = container.store.get_account("xd-op")
    container.store.put_account(account.model_copy(update={"id_number": ID_NUMBER}))
    status, body = api.call("GET", "/admin/accounts?division=140105", token=api.login("ty-sys", PASSWORD))
    assert status == 200
    assert [(a["username"], a["id_number"]) for a in body["items"]] == [("xd-op", "110105********002X")]
    status, body = api.call("GET", "/admin/accounts", token=api.login("ty-sys", PASSWORD))
    assert {a["username"] for a in body["items"]} >= {"ty-sys", "xd-op", "yz-op"}
    assert "dt-biz" not in {a["username"] for a in body["items"]}
    assert api.call("GET", "/admin/accounts?division=140200", token=api.login("ty-sys", PASSWORD))[0] == 403
    assert api.call("GET", "/admin/accounts", token=api.login("ty-aud", PASSWORD))[0] == 403
