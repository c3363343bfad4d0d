"""The AWS-invoked functions of app.py: upload keys from S3 events (direct or through SQS) and the outbox's
metric line (chalicelib/lambda_io.py; the alarms on it: infra/README.md)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from chalicelib.domain.model import Message
from chalicelib.lambda_io import BACKLOG_CAP, metric_line, outbox_run, upload_keys
from chalicelib.services.outbox import MAX_ATTEMPTS, Outbox

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def s3_event(*keys: str) -> dict:
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                         "s3": {"bucket": {"name": "b"}, "object": {"key": k, "size": 1}}} for k in keys]}


def sqs_event(*bodies: dict | str) -> dict:
    return {"Records": [{"eventSource": "aws:sqs", "messageId": str(i),
                         "body": b if isinstance(b, str) else json.dumps(b)} for i, b in enumerate(bodies)]}


def test_a_direct_s3_event_gives_its_keys_decoded():
    assert list(upload_keys(s3_event("uploads/a%2Bb/%E8%A1%A8+2.xlsx", "uploads/c.xlsx"))) == [
        "uploads/a+b/表 2.xlsx", "uploads/c.xlsx"]


def test_an_sqs_batch_of_s3_notifications_gives_every_key_in_order():
    event = sqs_event(s3_event("uploads/1.xlsx"), s3_event("uploads/2.xlsx", "uploads/3.xlsx"))
    assert list(upload_keys(event)) == ["uploads/1.xlsx", "uploads/2.xlsx", "uploads/3.xlsx"]


def test_s3s_test_message_and_empty_events_give_nothing():
    test_message = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-03-02T02:00:00.000Z",
                    "Bucket": "b", "RequestId": "r", "HostId": "h"}
    assert list(upload_keys(sqs_event(test_message))) == []
    assert list(upload_keys({})) == [] and list(upload_keys({"Records": None})) == []


def test_on_upload_imports_each_key_and_lets_a_failure_raise(monkeypatch):
    import app

    imported = []

    class Imports:
        def import_blob(self, key):
            if key == "uploads/bad.xlsx":
                raise RuntimeError("table unavailable")
            imported.append(key)

    monkeypatch.setattr(app, "container", lambda: type("C", (), {"imports": Imports()})())
    app.on_upload(sqs_event(s3_event("uploads/1.xlsx")), None)
    app.on_upload(s3_event("uploads/2.xlsx"), None)
    assert imported == ["uploads/1.xlsx", "uploads/2.xlsx"]
    with pytest.raises(RuntimeError):  # SQS delivers the record again, then to the dead-letter queue
        app.on_upload(sqs_event(s3_event("uploads/bad.xlsx")), None)


def test_the_metric_line_is_one_emf_document():
    line = metric_line({"OutboxPending": 3, "OutboxFailed": 1}, namespace="LaborFiling/prod", now=1_700_000_000.5)
    assert "\n" not in line
    doc = json.loads(line)
    assert doc["OutboxPending"] == 3 and doc["OutboxFailed"] == 1
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert doc["_aws"]["Timestamp"] == 1_700_000_000_500
    assert directive == {"Namespace": "LaborFiling/prod", "Dimensions": [[]],
                         "Metrics": [{"Name": "OutboxPending", "Unit": "Count"},
                                     {"Name": "OutboxFailed", "Unit": "Count"}]}


def test_the_namespace_comes_from_the_stack(monkeypatch):
    monkeypatch.setenv("METRICS_NAMESPACE", "LaborFiling/dev")
    assert json.loads(metric_line({"X": 0}))["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "LaborFiling/dev"


class _Store:
    """Just what the outbox uses."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = {m.id: m for m in messages}

    def pending_messages(self, limit: int = 100) -> list[Message]:
        return [m for m in self.messages.values() if m.status == "pending"][:limit]

    def mark_message(self, message: Message) -> None:
        self.messages[message.id] = message

    def claim(self, key, at) -> None:
        pass

    def next_sequence(self, name: str) -> int:
        return 1


class _Clock:
    def now(self) -> dt.datetime:
        return NOW


class _Down:
    def send(self, message: Message) -> None:
        raise ConnectionError("SMS provider down")


def _message(id: str, attempts: int) -> Message:
    return Message(id=id, channel="sms", to="+8613800000000", subject="s", body="b", created_at=NOW,
                   attempts=attempts, next_attempt_at=None if not attempts else NOW - dt.timedelta(minutes=1))


def test_the_outbox_run_counts_the_backlog_and_the_messages_out_of_attempts():
    store = _Store([_message("last-try", MAX_ATTEMPTS - 1), _message("first-try", 0), _message("again", 2)])
    outbox = Outbox(store, _Down(), _Clock(), channels=("sms",))
    counts = outbox_run(outbox, seconds=5)
    assert counts == {"OutboxSent": 0, "OutboxFailed": 1, "OutboxDropped": 0, "OutboxPending": 2}
    assert store.messages["last-try"].status == "failed"
    assert BACKLOG_CAP >= 100


def test_deliver_outbox_prints_the_counts_as_metrics(monkeypatch, capsys):
    import app

    store = _Store([_message("a", MAX_ATTEMPTS - 1)])
    outbox = Outbox(store, _Down(), _Clock(), channels=("sms",))
    monkeypatch.setattr(app, "container", lambda: type("C", (), {"outbox": outbox})())
    monkeypatch.setenv("METRICS_NAMESPACE", "LaborFiling/prod")
    scheduled = {"version": "0", "id": "e", "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": "1", "time": "2026-03-02T02:00:00Z", "region": "cn-north-1", "resources": [], "detail": {}}
    assert app.deliver_outbox(scheduled, None) == {"OutboxSent": 0, "OutboxFailed": 1, "OutboxDropped": 0, "OutboxPending": 0}
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (doc["OutboxFailed"], doc["OutboxPending"]) == (1, 0)
    assert doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "LaborFiling/prod"
