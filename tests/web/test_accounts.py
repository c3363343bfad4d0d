"""Reviewer-side accounts through the JSON API: applications (附件2) from creation to execution, separation of
duties, sign-in waits and throttles, revocation of tokens, session expiry, the one-time initial password."""
import dataclasses
import io
import json

import pytest
from chalice.test import Client

from tests.api_client import Api

PASSWORD = "Staff-Passw0rd"
ID_NUMBER = "11010519491231002X"
HOLDER = "140105198001011233"  # one person behind two staff accounts
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


def test_after_five_failures_each_sign_in_waits_longer_and_the_security_officer_can_lift_the_wait(api, container,
                                                                                                  clock):
    for attempt in range(5):
        assert api.call("POST", "/auth/login", {"username": "xd-op", "password": "wrong"})[0] == 401
    response = api.http.request("POST", "/api/v1/auth/login", headers={"Content-Type": "application/json"},
                                body=json.dumps({"username": "xd-op", "password": PASSWORD}).encode())
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert json.loads(response.body)["error"]["message"] == "该账号登录失败次数过多，请30秒后再试"
    clock.advance(seconds=30)
    assert api.call("POST", "/auth/login", {"username": "xd-op", "password": "wrong"})[0] == 401
    status, body = api.call("POST", "/auth/login", {"username": "xd-op", "password": PASSWORD})
    assert status == 429 and "请1分钟后再试" in body["error"]["message"]  # the wait doubles

    status, _ = api.call("POST", "/admin/accounts/xd-op/unlock", token=api.login("sx-sec", PASSWORD))
    assert status == 403  # the province's security officer does not manage 小店区's reviewers
    status, body = api.call("POST", "/admin/accounts/xd-op/unlock", token=api.login("ty-sec", PASSWORD))
    assert status == 200 and body["status"] == "active"
    assert api.call("POST", "/admin/accounts/xd-op/unlock", token=api.login("ty-sec", PASSWORD))[0] == 409
    api.login("xd-op", PASSWORD)
    outcomes = [(e.action, e.outcome) for e in container.store.list_audit(30) if e.target == "xd-op"]
    assert ("unlock_account", "ok") in outcomes and ("sign_in", "denied") in outcomes


def test_an_unknown_name_is_answered_exactly_like_a_known_one(api):
    answers = []
    for username in ("xd-op", "no-such-user"):
        for _ in range(5):
            status, body = api.call("POST", "/auth/login", {"username": username, "password": "wrong"})
            answers.append((status, body))
        response = api.http.request("POST", "/api/v1/auth/login", headers={"Content-Type": "application/json"},
                                    body=json.dumps({"username": username, "password": "wrong"}).encode())
        answers.append((response.status_code, response.headers["Retry-After"], json.loads(response.body)))
    assert answers[:6] == answers[6:]
    assert answers[0][0] == 401 and answers[5][0] == 429


def test_failures_from_one_address_over_many_names_are_throttled(api, clock):
    """Through the embedded server (web/wsgi.py), which tells the app the connection's address."""
    from app import app
    from chalicelib.web.wsgi import wsgi_application
    server = wsgi_application(app)

    def attempt(username, address="203.0.113.7", **environ):
        body = json.dumps({"username": username, "password": "wrong"}).encode()
        answer = {}
        server({"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/auth/login", "QUERY_STRING": "",
                "REMOTE_ADDR": address, "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                "HTTP_X_CLIENT_ADDRESS": "198.51.100.99",  # what a client claims is ignored
                "wsgi.input": io.BytesIO(body), **environ},
               lambda status, headers: answer.update(status=status, headers=headers))
        return int(answer["status"].split()[0]), dict(answer["headers"]).get("Retry-After")
    assert [attempt(f"name-{i}")[0] for i in range(30)] == [401] * 30  # sign_in_per_address_per_window
    status, retry_after = attempt("xd-op")
    assert status == 429 and 0 < int(retry_after) <= 15 * 60
    assert attempt("xd-op", address="198.51.100.1")[0] == 401  # another address is not held up
    # through nginx on this machine: the address nginx saw (last), whatever the client put first
    assert attempt("xd-op", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2, 203.0.113.7")[0] == 429
    clock.advance(minutes=15)
    assert attempt("name-x")[0] == 401


def test_the_province_wide_throttle_answers_429(api, monkeypatch):
    from chalicelib.domain.reference import policy
    capped = dataclasses.replace(policy(), sign_in_global_per_minute=3)
    monkeypatch.setattr("chalicelib.services.accounts.policy", lambda: capped)
    for i in range(3):
        assert api.call("POST", "/auth/login", {"username": f"name-{i}", "password": "wrong"})[0] == 401
    status, body = api.call("POST", "/auth/login", {"username": "xd-op", "password": PASSWORD})
    assert status == 429 and "登录尝试过于频繁" in body["error"]["message"]


def test_failures_spread_beyond_the_window_do_not_lock(api, clock):
    for _ in range(8):
        assert api.call("POST", "/auth/login", {"username": "xd-op", "password": "wrong"})[0] == 401
        clock.advance(minutes=4)  # never five within 15 minutes
    api.login("xd-op", PASSWORD)


def test_a_filers_wait_lifts_by_itself(api, clock):
    from tests import factories
    api.call("POST", "/employers/register", factories.registration())
    uscc = factories.uscc(1)
    for _ in range(5):
        api.call("POST", "/auth/login", {"username": uscc, "password": "wrong"})
    status, body = api.call("POST", "/auth/login", {"username": uscc, "password": "Passw0rd!26"})
    assert status == 429 and "30秒后再试" in body["error"]["message"]  # no security officer to call
    clock.advance(seconds=30)
    api.login(uscc, "Passw0rd!26")


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


def test_a_new_password_is_refused_naming_the_rule_it_breaks(api):
    from tests import factories
    data = factories.registration()
    status, body = api.call("POST", "/employers/register", {**data, "password": "x" + data["uscc"]})
    assert status == 422
    assert [d["message"] for d in body["error"]["details"] if d["field"] == "password"] == ["密码不能包含统一社会信用代码"]
    token = api.login("xd-op", PASSWORD)
    status, body = api.call("POST", "/auth/password", {"old_password": PASSWORD, "new_password": "woaini1314"},
                            token=token)
    assert status == 422 and body["error"]["message"] == "该密码过于常见，容易被猜中，请换一个"


def test_one_person_with_two_accounts_cannot_sign_both_opinions(api, container):
    for username in ("ty-biz", "ty-sec"):  # one person holds a 业务管理员 and a 系统安全员 account
        held = container.store.get_account(username)
        container.store.put_account(held.model_copy(update={"id_number": HOLDER}))
    _, created = apply(api, new_operator(), as_="ty-sys")
    status, body = api.call("POST", f"/admin/applications/{created['id']}/business-review",
                            {"decision": "approve", "version": created["version"]}, api.login("ty-biz", PASSWORD))
    assert status == 200 and "person" not in body["business"]
    status, refused = api.call("POST", f"/admin/applications/{created['id']}/it-review",
                               {"decision": "approve", "comment": "同意", "version": body["version"]},
                               api.login("ty-sec", PASSWORD))
    assert status == 403 and refused["error"]["message"] == "同一人不能办理同一申请单的两个环节"
    status, body = api.call("GET", f"/admin/applications/{created['id']}", token=api.login("ty-sec", PASSWORD))
    assert body["status"] == "pending_it" and HOLDER not in json.dumps(body)


def test_nobody_approves_an_application_about_another_account_of_theirs(api, container):
    held = container.store.get_account("ty-biz")
    container.store.put_account(held.model_copy(update={"id_number": ID_NUMBER}))
    _, created = apply(api, new_operator(person_id_number=ID_NUMBER), as_="ty-sys")
    status, refused = api.call("POST", f"/admin/applications/{created['id']}/business-review",
                               {"decision": "approve", "version": created["version"]}, api.login("ty-biz", PASSWORD))
    assert status == 403 and refused["error"]["message"] == "不能审批或办理涉及本人账号的申请"
