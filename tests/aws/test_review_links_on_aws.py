"""On the AWS backend: the reviewer's notification goes out through SES (read back from the emulator),
its signed link is followed in a browser session, confirmed, and acts once."""
import re

from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.settings import Settings
from tests.aws_emulator import SENDER_EMAIL, sent_messages
from tests.api_client import Api
from tests.web.test_pages import Browser, text
from tests.web.test_review import PASSWORD, submitted_filing


def test_ses_link_is_followed_and_acts_once(aws_adapters, clock):
    settings = Settings("aws", "https://filing.example.cn", "aws-test-secret-" + "z" * 32,
                        table_name=aws_adapters.table_name, bucket_name=aws_adapters.bucket, mail_from=SENDER_EMAIL)
    c = bootstrap.build(settings, clock=clock, aws_session=aws_adapters.clients.boto3)
    bootstrap.override(c)
    try:
        from app import app
        c.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员", email="xd@hrss.example.cn")
        with Client(app) as client:
            api = Api(client)
            api.bucket = aws_adapters.bucket
            fid = submitted_filing(api)
            mail = next(m for m in sent_messages(aws_adapters.endpoint).emails
                        if "xd@hrss.example.cn" in m["to"] and m["subject"] == "新的劳动用工备案待审核")
            path = re.search(r"https://filing\.example\.cn(/act/[^\s（]+)", mail["body"]).group(1)

            browser = Browser(client)
            browser.get("/login")
            assert browser.post(f"/login?next={path}", {"username": "xiaodian", "password": PASSWORD}).status_code == 303
            confirm = browser.get(path)
            assert confirm.status_code == 200 and 'id="review-form"' in text(confirm)
            version = c.store.get_filing(fid).version
            assert browser.post(path, {"decision": "approve", "version": version}).status_code == 303
            assert c.store.get_filing(fid).status == "approved"
            assert browser.get(path).status_code == 410

        decided = [m for m in sent_messages(aws_adapters.endpoint).emails if m["subject"] == "劳动用工备案审核通过"]
        assert decided and decided[0]["to"] == ["filer1@example.com"]
        assert any(s["body"].startswith("【劳动用工备案】") for s in sent_messages(aws_adapters.endpoint).sms)
    finally:
        bootstrap.override(None)
