"""The Chalice app on the AWS backend (DynamoDB + S3 + SES in the emulator), driven like a client would:
JSON API calls, a presigned POST straight to S3, the S3 event handler, SES mail read back."""

from tests import scenarios
from tests.aws_emulator import sent_messages

REVIEWERS = {"demo-xiaodian": "140105", "demo-taiyuan": "140100", "demo-yingze": "140106"}


def test_full_flow_on_aws(aws_app):
    api, c, aws = aws_app
    passwords = {}
    for username, scope in REVIEWERS.items():
        passwords[username] = f"Review-Passw0rd-{len(passwords)}"  # never containing the username (§13)
        c.accounts.create_reviewer(username, passwords[username], scope, username, email=f"{username}@hrss.example.cn")
    scenarios.full_flow(api, c, passwords)

    subjects = {(to, m["subject"]) for m in sent_messages(aws.endpoint).emails for to in m["to"]}
    assert ("demo-xiaodian@hrss.example.cn", "新的劳动用工备案待审核") in subjects
    assert ("filer1@example.com", "劳动用工备案审核通过") in subjects


def test_local_upload_endpoint_does_not_exist_in_aws_mode(aws_app):
    api, _, _ = aws_app
    response = api.http.post("/api/v1/local-uploads", headers={"Content-Type": "multipart/form-data; boundary=x"},
                             body=b"--x--\r\n")
    assert response.status_code == 404


def test_mailbox_page_is_not_shown_in_aws_mode(aws_app):
    api, _, _ = aws_app
    assert api.http.get("/dev/mailbox").status_code == 404


def test_outbox_schedule_delivers_what_failed_before(aws_app):
    api, c, aws = aws_app
    from chalicelib.domain.model import Message
    pending = Message(id="m1", channel="email", to="someone@example.cn", subject="重试", body="正文",
                      created_at=c.clock.now())
    from tests.contract.test_store_contract import audit, filing, submitted
    f = filing()
    c.store.create_filing(f, audit=audit())
    c.store.save_filing(submitted(f, 1), expected_version=1, messages=[pending])
    api.client.lambda_.invoke("deliver_outbox", api.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert c.store.pending_messages() == []
    assert any(m["subject"] == "重试" for m in sent_messages(aws.endpoint).emails)
