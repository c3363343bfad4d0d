"""Reviewing through the pages and the API, on both backends: the queue, masked rows and audited reveal, signed
single-use action links (GET confirms, POST acts), the audit log for the auditor only, and sender outages."""
from __future__ import annotations

import re

import pytest
from chalice.test import Client

from chalicelib.domain.model import Role
from tests import factories
from tests.api_client import Api
from tests.web.test_pages import Browser, location, text

PASSWORD = "Review-Passw0rd"


@pytest.fixture
def container(backend_container):
    """Every test here runs on the embedded and on the AWS backend."""
    return backend_container


def api_for(client, container) -> Api:
    api = Api(client)
    api.bucket = container.settings.bucket_name  # AWS mode: where presigned uploads land
    return api


@pytest.fixture
def app_client(container):
    from app import app
    c = container
    c.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员", email="xd@hrss.example.cn")
    c.accounts.create_reviewer("xiaodian2", PASSWORD, "140105", "小店区审核员二", email="xd2@hrss.example.cn")
    c.accounts.create_reviewer("taiyuan", PASSWORD, "140100", "太原市审核员", email="ty@hrss.example.cn")
    c.accounts.create_reviewer("auditor", PASSWORD, "140000", "省审计员", role=Role.AUDITOR)
    with Client(app) as client:
        yield client


def submitted_filing(api: Api, serial: int = 1, **unit) -> str:
    api.call("POST", "/employers/register", factories.registration(serial, **unit))
    filer = api.login(factories.uscc(serial), "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2025}, filer)
    api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(2), filer)
    api.upload(filing["id"], "table2", factories.table2_workbook([factories.person(0), factories.person(1)]), filer)
    status, body = api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=filer)
    assert status == 200, body
    return filing["id"]


def review_link(container, to: str) -> str:
    mail = next(m for m in container.store.list_messages() if m.to == to and m.subject == "新的劳动用工备案待审核")
    return re.search(r"https?://[^/\s]+(/act/[^\s（]+)", mail.body).group(1)


def signed_in(client, username: str) -> Browser:
    b = Browser(client)
    b.get("/login")
    assert b.post("/login", {"username": username, "password": PASSWORD}).status_code == 303
    return b


def test_queue_filters_counts_and_masked_rows(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    submitted_filing(api, 2, name="小店区民办幼儿园", unit_type="民办非企业单位")
    token = api.login("xiaodian", PASSWORD)
    status, body = api.call("GET", "/filings?unit_type=民办非企业单位", token=token)
    assert [f["unit_name"] for f in body["items"]] == ["小店区民办幼儿园"]
    assert body["counts"]["submitted"] == 2
    status, body = api.call("GET", "/filings?q=山西演示", token=token)
    assert [f["id"] for f in body["items"]] == [fid]
    status, rows = api.call("GET", f"/filings/{fid}/rows/table2", token=token)
    full = factories.person(0)["id_number"]
    assert rows["items"][0]["id_number"] == full[:6] + "********" + full[-4:]
    status, found = api.call("GET", f"/filings/{fid}/rows/table2?q=职工2", token=token)
    assert [r["name"] for r in found["items"]] == ["职工2"]

    status, revealed = api.call("POST", f"/filings/{fid}/rows/table2/0/reveal", token=token)
    assert revealed == {"id_number": full}
    event = container.store.list_audit(5)[0]
    assert (event.actor, event.action, event.target, event.scope) == ("xiaodian", "reveal_id", fid, "140105")

    city = api.login("taiyuan", PASSWORD)
    status, body = api.call("GET", "/filings?division=140106", token=city)
    assert status == 200 and body["items"] == []
    assert api.call("GET", "/filings?division=140202", token=city)[0] == 403


def test_action_link_get_confirms_and_post_acts_once(app_client, container):
    fid = submitted_filing(api_for(app_client, container))
    link = review_link(container, "xd@hrss.example.cn")

    anonymous = Browser(app_client)
    response = anonymous.get(link)
    assert response.status_code == 303 and location(response).startswith("/login?next=/act/")

    reviewer = signed_in(app_client, "xiaodian")
    page = reviewer.get(link)
    assert page.status_code == 200 and 'id="review-form"' in text(page)
    assert container.store.get_filing(fid).status == "submitted"  # GET never acts

    version = container.store.get_filing(fid).version
    refused = reviewer.post(link, {"decision": "reject", "reason": "", "version": version})
    assert refused.status_code == 422 and "必须填写原因" in text(refused)  # the link is not used up
    done = reviewer.post(link, {"decision": "reject", "reason": "表二缺人", "version": version})
    assert done.status_code == 303
    assert container.store.get_filing(fid).status == "rejected"

    again = reviewer.get(link)
    assert again.status_code == 410 and "已使用" in text(again)


def test_action_link_refuses_tampered_expired_and_other_accounts(app_client, container, clock):
    submitted_filing(api_for(app_client, container))
    link = review_link(container, "xd@hrss.example.cn")
    other = signed_in(app_client, "xiaodian2")
    page = other.get(link)
    assert page.status_code == 410 and "发给其他审核员" in text(page)

    reviewer = signed_in(app_client, "xiaodian")
    tampered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    page = reviewer.get(tampered)
    assert page.status_code == 410 and "篡改" in text(page)

    clock.advance(days=7, minutes=1)
    reviewer = signed_in(app_client, "xiaodian")
    page = reviewer.get(link)
    assert page.status_code == 410 and "已过期" in text(page)


def test_two_reviewers_at_once_exactly_one_wins_and_the_other_is_told(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api)
    version = container.store.get_filing(fid).version
    first, second = api.login("xiaodian", PASSWORD), api.login("xiaodian2", PASSWORD)
    ok = api.call("POST", f"/filings/{fid}/review", {"decision": "approve", "version": version}, first)
    lost = api.call("POST", f"/filings/{fid}/review", {"decision": "reject", "reason": "x", "version": version}, second)
    assert ok[0] == 200 and lost[0] == 409 and "已被其他审核员处理" in lost[1]["error"]["message"]


def test_resubmitted_filing_shows_the_previous_rejection(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api)
    token = api.login("xiaodian", PASSWORD)
    version = container.store.get_filing(fid).version
    api.call("POST", f"/filings/{fid}/review", {"decision": "reject", "reason": "合同期限有误", "version": version}, token)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)
    page = signed_in(app_client, "xiaodian").get(f"/review/filings/{fid}")
    assert 'id="previous-rejection"' in text(page) and "合同期限有误" in text(page)


def test_audit_log_is_for_the_auditor_only(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api)
    api.call("POST", "/auth/login", {"username": "xiaodian", "password": "wrong"})
    auditor = api.login("auditor", PASSWORD)
    status, body = api.call("GET", "/audit", token=auditor)
    actions = [(e["action"], e["outcome"]) for e in body["items"]]
    assert ("submit", "ok") in actions and ("sign_in", "denied") in actions
    assert api.call("GET", "/audit", token=api.login("xiaodian", PASSWORD))[0] == 403
    assert signed_in(app_client, "xiaodian").get("/audit").status_code == 403
    page = signed_in(app_client, "auditor").get("/audit")
    assert page.status_code == 200 and fid in text(page)
    for method in ("PUT", "DELETE", "PATCH"):
        assert app_client.http.request(method, "/api/v1/audit", headers={}, body=b"").status_code in (403, 405)


def test_a_sender_outage_never_blocks_the_action_and_is_retried(container, clock):
    from app import app

    class Down:
        calls = 0

        def send(self, message):
            if message.template == "verification_code":  # the registration's code, before the outage
                return
            Down.calls += 1
            raise ConnectionError("mail server down")

    container.outbox.sender = Down()
    container.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "审核员", email="xd@hrss.example.cn")
    with Client(app) as client:
        fid = submitted_filing(api_for(client, container))
    assert container.store.get_filing(fid).status == "submitted"
    pending = container.store.pending_messages()
    assert pending and pending[0].attempts == 1 and Down.calls == 1

    assert container.outbox.deliver_pending() == 0 and Down.calls == 1  # waiting out the backoff
    sent = []
    container.outbox.sender = type("Up", (), {"send": lambda self, m: sent.append(m)})()
    clock.advance(minutes=2)
    assert container.outbox.deliver_pending() == 1 and sent[0].subject == "新的劳动用工备案待审核"
    assert container.store.pending_messages() == []


def test_where_email_is_not_offered_the_sms_goes_out_and_the_email_is_skipped(container, clock):
    from chalicelib.services.outbox import Outbox
    sent = []
    container.outbox.channels = ("sms",)  # CHANNELS=sms, as the AWS China stage sets it
    container.outbox.sender = type("Sms", (), {"send": lambda self, m: sent.append(m)})()
    assert isinstance(container.outbox, Outbox)
    from app import app
    container.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "审核员", email="xd@hrss.example.cn")
    with Client(app) as client:
        fid = submitted_filing(api_for(client, container))
        token = Api(client).login("xiaodian", PASSWORD)
        version = container.store.get_filing(fid).version
        Api(client).call("POST", f"/filings/{fid}/review", {"decision": "approve", "version": version}, token)
    # the filer's SMS (after the registration's code); the reviewer had no mobile
    assert [(m.channel, m.template) for m in sent] == [("sms", "verification_code"), ("sms", "approved")]
    assert container.store.pending_messages() == []
    statuses = {(m.channel, m.status) for m in container.store.list_messages()}
    assert ("email", "skipped") in statuses and ("sms", "sent") in statuses


def test_a_refused_decision_through_a_link_leaves_the_link_usable(app_client, container):
    fid = submitted_filing(api_for(app_client, container))
    link = review_link(container, "xd@hrss.example.cn")
    reviewer = signed_in(app_client, "xiaodian")
    version = container.store.get_filing(fid).version
    for form, status in (({"decision": "", "version": version}, 422),
                         ({"decision": "approve", "version": version - 1}, 409)):
        page = reviewer.post(link, form)
        assert page.status_code == status
    assert reviewer.get(link).status_code == 200  # still usable
    assert reviewer.post(link, {"decision": "approve", "version": version}).status_code == 303
    assert container.store.get_filing(fid).status == "approved"


def test_every_transition_is_audited_with_where_it_came_from_and_went(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    reviewer = api.login("xiaodian", PASSWORD)
    api.call("POST", f"/filings/{fid}/withdraw", token=filer)
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)[0] == 200
    version = api.call("GET", f"/filings/{fid}", token=reviewer)[1]["version"]
    api.call("POST", f"/filings/{fid}/review", {"decision": "reject", "reason": "表二缺少合同日期", "version": version},
             reviewer)
    events = [e for e in reversed(container.store.list_audit(50)) if e.target == fid and e.action in (
        "submit", "withdraw", "approve", "reject")]
    assert [(e.action, e.detail["from"], e.detail["to"]) for e in events] == [
        ("submit", "draft", "submitted"), ("withdraw", "submitted", "draft"), ("submit", "draft", "submitted"),
        ("reject", "submitted", "rejected")]
    assert events[-1].detail["reason"] == "表二缺少合同日期" and events[-1].actor == "xiaodian"
    assert events[0].detail["receipt_no"] and events[2].detail["receipt_no"]


def test_a_withdrawn_filing_shows_no_receipt_until_it_is_submitted_again(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    first = api.call("GET", f"/filings/{fid}", token=filer)[1]["receipt_no"]
    withdrawn = api.call("POST", f"/filings/{fid}/withdraw", token=filer)[1]
    assert api.call("GET", f"/filings/{fid}", token=filer)[1]["receipt_no"] is None, withdrawn
    again = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)[1]["receipt_no"]
    assert again and again != first
    history = container.store.get_filing(fid).history
    assert [(t.action, t.receipt_no) for t in history] == [("submit", first), ("withdraw", first), ("submit", again)]


def test_an_interim_filing_is_named_as_such_and_its_table3_rows_are_shown(app_client, container):
    api = api_for(app_client, container)
    api.call("POST", "/employers/register", factories.registration(5))
    filer = api.login(factories.uscc(5), "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2026, "kind": "interim"}, filer)
    leaver = factories.person(3, contract_start="2020-03-01", contract_end="2026-02-28")
    rows = [factories.ended(leaver, ended_on="2026-02-01")]
    assert api.upload(filing["id"], "table3", factories.workbook("table3", rows), filer)["status"] == "done"
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=filer)[0] == 200
    title = "2026年终止或解除劳动合同备案（单独报送表三）"
    mail = next(m for m in container.store.list_messages() if m.subject == "新的劳动用工备案待审核")
    assert title in mail.body and "年度劳动用工备案" not in mail.body
    page = text(signed_in(app_client, "xiaodian").get(f"/review/filings/{filing['id']}"))
    assert title in page and "表三（共1人" in page and leaver["name"] in page and "2026-02-01" in page
    assert "表三类别与原因代码不符" in page and "表一人数与表二名册人数不一致" not in page  # reasons for its kind
    queue = text(signed_in(app_client, "xiaodian").get("/review"))
    assert "终止或解除劳动合同备案（单独报送表三）" in queue


def test_the_queue_filters_by_kind(app_client, container):
    api = api_for(app_client, container)
    annual = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    _, interim = api.call("POST", "/filings", {"year": 2026, "kind": "interim"}, filer)
    rows = [factories.ended(factories.person(1), ended_on="2026-02-01")]
    api.upload(interim["id"], "table3", factories.workbook("table3", rows), filer)
    assert api.call("POST", f"/filings/{interim['id']}/submit", {"declaration_accepted": True}, token=filer)[0] == 200
    token = api.login("xiaodian", PASSWORD)
    for kind, expected in (("interim", [interim["id"]]), ("annual", [annual]), ("", [annual, interim["id"]])):
        items = api.call("GET", f"/filings?status=submitted&kind={kind}", token=token)[1]["items"]
        assert sorted(f["id"] for f in items) == sorted(expected), kind
    page = text(signed_in(app_client, "xiaodian").get("/review?kind=interim"))
    assert factories.registration(1)["name"] in page and 'value="interim" selected' in page
