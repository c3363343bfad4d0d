"""The daily schedule handler on the AWS backend: invoked through chalice.test.Client as EventBridge would,
reminders read back from the emulator's SES and SNS, a second delivery of the event sends nothing more;
the overdue list from DynamoDB's sparse index."""
import datetime as dt

from chalice.test import Client

from tests import factories
from tests.api_client import Api
from tests.aws_emulator import REGION, SENDER_EMAIL, sent_messages


def scheduled_event(client: Client) -> dict:
    return client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, region=REGION,
        resources=[f"arn:aws:events:{REGION}:123456789012:rule/labor-filing-daily_reminders"])


def file_2025(api: Api, serial: int) -> None:
    filer = api.login(factories.uscc(serial), "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2025}, filer)
    api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(2), filer)
    api.upload(filing["id"], "table2", factories.table2_workbook([factories.person(0), factories.person(1)]), filer)
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=filer)[0] == 200


def test_daily_schedule_sends_reminders_once_through_ses_and_sns(aws_app, clock):
    api, c, aws = aws_app
    c.accounts.create_reviewer("xiaodian", "Review-Passw0rd", "140105", "小店区审核员", email="xd@hrss.example.cn")
    for serial in (1, 2):  # founded in 2025, registered 2 March 2026: both owe 2025 only
        status, _ = api.call("POST", "/employers/register", factories.registration(
            serial, filer_mobile=f"1390000000{serial}", founded_on="2025-01-15"))
        assert status == 201
    file_2025(api, 2)
    before = sent_messages(aws.endpoint)

    clock.current = dt.datetime(2026, 6, 23, 1, 0, tzinfo=dt.timezone.utc)  # the cron's 01:00 UTC, D-7
    result = api.client.lambda_.invoke("daily_reminders", scheduled_event(api.client))
    assert result.payload["today"] == "2026-06-23" and result.payload["reminded"] == 1

    sent = sent_messages(aws.endpoint)
    emails = [m for m in sent.emails[len(before.emails):] if "filer" in m["to"][0]]
    assert [(m["to"], m["subject"]) for m in emails] == [
        (["filer1@example.com"], "【备案提醒】请于2026年6月30日前完成2025年度劳动用工备案")]
    assert emails[0]["source"] == SENDER_EMAIL and "还有7天" in emails[0]["body"]
    sms = sent.sms[len(before.sms):]
    assert [m["to"] for m in sms] == ["+8613900000001"] and "2025年度劳动用工备案" in sms[0]["body"]

    again = api.client.lambda_.invoke("daily_reminders", scheduled_event(api.client))  # delivered twice
    assert again.payload["reminded"] == 0
    after = sent_messages(aws.endpoint)
    assert (len(after.emails), len(after.sms)) == (len(sent.emails), len(sent.sms))

    status, body = api.call("GET", "/overdue?year=2025", token=api.login("xiaodian", "Review-Passw0rd"))
    assert status == 200 and body["overdue"] is False
    assert [(i["uscc"], [r["step"] for r in i["reminders"]]) for i in body["items"]] == [(factories.uscc(1), ["D-7"])]
