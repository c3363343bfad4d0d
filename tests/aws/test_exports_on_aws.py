"""Exports in AWS mode: asking sends the export's id to the export queue, whose function (app.py build_export)
builds it at once and streams the file to S3 in parts; a message delivered twice builds nothing twice; a worker
that died is sent to the queue again by the recover_interrupted schedule, never built inside the sweep's
5 minutes."""
import datetime as dt
import json

from chalicelib import bootstrap
from chalicelib.domain.model import LEASE, JobKind
from chalicelib.settings import Settings
from tests.aws_emulator import SENDER_EMAIL

PASSWORD = "Review-Passw0rd"


def _records(sqs, url) -> list[dict]:
    return [{"body": m["Body"]} for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]


def _with_export_queue(aws_app, clock):
    """The app's container built with EXPORT_QUEUE_URL set (a queue on the emulator), and a city reviewer signed in:
    (api, container, sqs client, queue url, token)."""
    api, _, aws = aws_app
    sqs = aws.clients.boto3.client("sqs")
    url = sqs.create_queue(QueueName="exports")["QueueUrl"]
    settings = Settings("aws", "https://filing.example.cn", "aws-test-secret-" + "y" * 32, table_name=aws.table_name,
                        bucket_name=aws.bucket, mail_from=SENDER_EMAIL, export_queue_url=url)
    queued = bootstrap.build(settings, clock=clock, aws_session=aws.clients.boto3)
    bootstrap.override(queued)
    queued.accounts.create_reviewer("taiyuan", PASSWORD, "140100", "太原市审核员")
    return api, queued, sqs, url, api.login("taiyuan", PASSWORD)


def test_an_export_is_sent_to_the_export_queue_and_built_by_its_function(aws_app, aws_adapters, clock):
    api, queued, sqs, url, token = _with_export_queue(aws_app, clock)
    status, asked = api.call("POST", "/exports", {"kind": "stats", "year": 2025}, token)
    assert status == 202 and asked["status"] == "queued"
    records = _records(sqs, url)
    assert [json.loads(r["body"]) for r in records] == [{"export_id": asked["export_id"]}]
    assert api.client.lambda_.invoke("build_export", {"Records": records}).payload == {"built": 1}
    assert api.client.lambda_.invoke("build_export", {"Records": records}).payload == {"built": 0}  # redelivered
    status, done = api.call("GET", f"/exports/{asked['export_id']}", token=token)
    assert done["status"] == "done" and done["size"] > 1000
    assert api.call("GET", "/exports", token=token)[1]["items"][0]["export_id"] == asked["export_id"]


def test_a_dead_export_worker_is_sent_to_the_queue_again_not_built_by_the_sweep(aws_app, aws_adapters, clock):
    api, queued, sqs, url, token = _with_export_queue(aws_app, clock)
    asked = api.call("POST", "/exports", {"kind": "overdue"}, token)[1]
    _records(sqs, url)  # the first message: its worker "died"
    job = queued.store.get_job(JobKind.EXPORT, asked["export_id"])
    queued.store.take_over_job(job, "dead-worker", clock.now())
    clock.current += LEASE + dt.timedelta(seconds=1)
    report = queued.recovery.sweep()
    assert report.exports_built == 0
    again = _records(sqs, url)
    assert [json.loads(r["body"])["export_id"] for r in again] == [asked["export_id"]]
    assert api.client.lambda_.invoke("build_export", {"Records": again}).payload == {"built": 1}
    assert api.call("GET", f"/exports/{asked['export_id']}", token=token)[1]["status"] == "done"
