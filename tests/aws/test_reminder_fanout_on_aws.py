"""Issue 21 in AWS mode: the daily schedule plans batches onto an SQS queue (no Scan: the owing index is
queried), the queue's function claims each batch (25 units to a transaction), and a batch delivered twice reminds
nobody twice; reminder e-mails go to SES fifty to a call."""
import datetime as dt

from chalicelib import bootstrap
from chalicelib.settings import Settings
from tests import factories
from tests.aws.test_reminders_on_aws import scheduled_event
from tests.aws_emulator import SENDER_EMAIL


def test_the_daily_schedule_queues_batches_and_the_queue_function_reminds_once(aws_app, aws_adapters, clock):
    api, c, aws = aws_app
    for serial in (1, 2, 3):
        assert api.call("POST", "/employers/register", factories.registration(serial, founded_on="2025-01-15"))[0] == 201  # owes 2025 only
    sqs = aws.clients.boto3.client("sqs")
    url = sqs.create_queue(QueueName="reminder-batches")["QueueUrl"]
    settings = Settings("aws", "https://filing.example.cn", "aws-test-secret-" + "y" * 32, table_name=aws.table_name,
                        bucket_name=aws.bucket, mail_from=SENDER_EMAIL, reminder_queue_url=url)
    queued = bootstrap.build(settings, clock=clock, aws_session=aws.clients.boto3)
    calls: list[str] = []
    queued.store.client.meta.events.register("before-call.dynamodb", lambda model, **kw: calls.append(model.name))
    bootstrap.override(queued)

    clock.current = dt.datetime(2026, 6, 23, 1, 0, tzinfo=dt.timezone.utc)  # D-7
    planned = api.client.lambda_.invoke("daily_reminders", scheduled_event(api.client)).payload
    assert (planned["planned"], planned["batches"], planned["reminded"]) == (3, 1, 0)
    assert "Scan" not in calls
    records = [{"body": m["Body"]} for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert len(records) == 1
    calls.clear()
    assert api.client.lambda_.invoke("remind_batch", {"Records": records}).payload == {"reminded": 3}
    assert calls.count("TransactWriteItems") == 1  # three units' claims and messages in one transaction
    assert api.client.lambda_.invoke("remind_batch", {"Records": records}).payload == {"reminded": 0}  # redelivered
    reminders = [m for m in queued.store.list_messages(50) if "年度劳动用工备案" in m.subject]
    assert len(reminders) == 6 and all(m.expires_at for m in reminders)


def test_reminder_emails_go_to_ses_fifty_to_a_call(aws_app, aws_adapters, clock):
    api, c, aws = aws_app
    for serial in range(1, 4):
        assert api.call("POST", "/employers/register", factories.registration(serial, founded_on="2025-01-15"))[0] == 201  # owes 2025 only
    ses = aws.clients.boto3.client("ses")
    ses.create_template(Template={"TemplateName": "labor-filing-message", "SubjectPart": "{{subject}}",
                                  "TextPart": "{{{body}}}"})
    settings = Settings("aws", "https://filing.example.cn", "aws-test-secret-" + "y" * 32, table_name=aws.table_name,
                        bucket_name=aws.bucket, mail_from=SENDER_EMAIL, channels=("email",),
                        ses_bulk_template="labor-filing-message")
    bulk = bootstrap.build(settings, clock=clock, aws_session=aws.clients.boto3)
    calls: list[str] = []
    bulk.sender.senders["email"].client.meta.events.register("before-call.ses",
                                                             lambda model, **kw: calls.append(model.name))
    clock.current = dt.datetime(2026, 6, 23, 1, 0, tzinfo=dt.timezone.utc)  # D-7
    report = bulk.reminders.run_daily()
    assert len(report.reminded) == 3 and report.delivered >= 3
    assert calls.count("SendBulkTemplatedEmail") == 1 and "SendEmail" not in calls
    reminders = [m for m in bulk.store.list_messages(50) if m.channel == "email" and "年度劳动用工备案" in m.subject]
    assert len(reminders) == 3 and {m.status for m in reminders} == {"sent"}
