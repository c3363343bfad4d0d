"""The mini-program's server side on the AWS backend (DynamoDB in the emulator), WeChat faked at its server: bind
once, subscribe, and a rejection reaches WeChat as a subscribe message instead of an SNS SMS; the approval after
it, with the acceptance used up, goes by SMS again."""
from __future__ import annotations

import pytest
from chalice.test import Client

from tests import factories
from tests.api_client import Api
from tests.aws_emulator import SENDER_EMAIL, sent_messages
from tests.senders.fake_wechat import APP_ID, APP_SECRET, fake_wechat  # noqa: F401 (fixture)

TEMPLATES = {"review_result": "TPL-RESULT", "deadline_reminder": "TPL-REMIND"}
REVIEWER_PASSWORD = "Review-Passw0rd-7"


@pytest.fixture
def wechat_app(aws_adapters, clock, fake_wechat):  # noqa: F811
    from app import app
    from chalicelib import bootstrap
    from chalicelib.settings import Settings, WechatSettings
    settings = Settings("aws", "https://filing.example.cn", "aws-test-secret-" + "y" * 32,
                        table_name=aws_adapters.table_name, bucket_name=aws_adapters.bucket, mail_from=SENDER_EMAIL,
                        wechat=WechatSettings(APP_ID, APP_SECRET, fake_wechat.url, TEMPLATES))
    c = bootstrap.build(settings, clock=clock, aws_session=aws_adapters.clients.boto3)
    bootstrap.override(c)
    with Client(app) as client:
        api = Api(client)
        api.bucket = aws_adapters.bucket
        yield api, c, aws_adapters
    bootstrap.override(None)


def test_a_decision_goes_by_wechat_to_the_subscribed_filer_on_aws(wechat_app, fake_wechat):  # noqa: F811
    api, c, aws = wechat_app
    c.accounts.create_reviewer("demo-xiaodian", REVIEWER_PASSWORD, "140105", "小店区审核员")
    api.call("POST", "/employers/register", factories.registration())
    fake_wechat.codes["c-1"] = "o-aws"
    _, first = api.call("POST", "/auth/wechat", {"code": "c-1"})
    status, bound = api.call("POST", "/auth/wechat/bind", {"bind_token": first["bind_token"],
                                                           "username": factories.uscc(1), "password": "Passw0rd!26"})
    assert status == 200, bound
    token = bound["token"]
    assert api.call("POST", "/wechat/subscriptions", {"template_ids": ["TPL-RESULT"]}, token)[0] == 200
    assert c.store.get_wechat_binding("o-aws").accepted == {"TPL-RESULT": 1}

    _, filing = api.call("POST", "/filings", {"year": 2025}, token)
    fid = filing["id"]
    api.call("PUT", f"/filings/{fid}/table1", factories.table1(1), token)
    assert api.upload(fid, "table2", factories.table2_workbook([factories.person(0)]), token)["status"] == "done"
    reviewer = api.login("demo-xiaodian", REVIEWER_PASSWORD)
    for decision in ("reject", "approve"):
        status, submitted = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token)
        assert status == 200, submitted
        version = api.call("GET", f"/filings/{fid}", token=reviewer)[1]["version"]
        status, body = api.call("POST", f"/filings/{fid}/review",
                                {"decision": decision, "reason": "表二缺少部分人员", "version": version}, reviewer)
        assert status == 200, body
        c.outbox.deliver_pending()

    [sent] = fake_wechat.sent
    assert (sent["touser"], sent["data"]["phrase3"]["value"]) == ("o-aws", "审核不通过")
    channels = {m.template: m.channel for m in c.store.list_messages(100) if m.template in ("rejected", "approved")}
    assert channels == {"rejected": "wechat", "approved": "sms"}
    sms = [m["body"] for m in sent_messages(aws.endpoint).sms]
    assert any("已审核通过" in b for b in sms) and not any("审核不通过" in b for b in sms)
