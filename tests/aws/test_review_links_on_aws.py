"""On the AWS backend: the reviewer's notification goes out through SES (read back from the emulator),
its signed link is followed in a browser session, confirmed, and acts once."""
import re

from tests.aws_emulator import sent_messages
from tests.web.test_pages import Browser, text
from tests.web.test_review import PASSWORD, submitted_filing


def test_ses_link_is_followed_and_acts_once(aws_app):
    api, c, aws = aws_app
    c.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店区审核员", email="xd@hrss.example.cn")
    fid = submitted_filing(api)
    mail = next(m for m in sent_messages(aws.endpoint).emails
                if "xd@hrss.example.cn" in m["to"] and m["subject"] == "新的劳动用工备案待审核")
    path = re.search(r"https://filing\.example\.cn(/act/[^\s（]+)", mail["body"]).group(1)

    browser = Browser(api.client)
    browser.get("/login")
    assert browser.post(f"/login?next={path}", {"username": "xiaodian", "password": PASSWORD}).status_code == 303
    confirm = browser.get(path)
    assert confirm.status_code == 200 and 'id="review-form"' in text(confirm)
    version = c.store.get_filing(fid).version
    assert browser.post(path, {"decision": "approve", "version": version}).status_code == 303
    assert c.store.get_filing(fid).status == "approved"
    assert browser.get(path).status_code == 410

    decided = [m for m in sent_messages(aws.endpoint).emails if m["subject"] == "劳动用工备案审核通过"]
    assert decided and decided[0]["to"] == ["filer1@example.com"]
    assert any(s["body"].startswith("【劳动用工备案】") for s in sent_messages(aws.endpoint).sms)
