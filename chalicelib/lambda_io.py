"""What app.py's AWS-invoked functions read from their events and write for CloudWatch (docs/architecture.md,
"Where it runs"; the alarms built on it: infra/README.md).

- Uploads reach `on_upload` through an SQS queue (a dead-letter queue behind it); each SQS record's body is the
  S3 notification. A direct S3 event (the function invoked by the bucket itself, or by hand) still works.
- `deliver_outbox` prints one CloudWatch embedded-metric-format (EMF) line per run: how many messages are still
  pending and how many ran out of attempts in that run. CloudWatch Logs turns the line into metrics; nothing
  here calls AWS.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

NAMESPACE_VARIABLE = "METRICS_NAMESPACE"  # set by the stack, one namespace per stage: LaborFiling/<stage>
BACKLOG_CAP = 1000  # the backlog is counted up to this many messages (one index query)


def upload_keys(event: dict[str, Any]) -> Iterator[str]:
    """The object keys of an S3 ObjectCreated notification, delivered straight from S3 or wrapped in SQS
    records. S3's own test message (sent when a notification is configured) has no records: nothing."""
    for record in event.get("Records") or []:
        if "s3" in record:
            yield unquote_plus(record["s3"]["object"]["key"])  # S3 form-encodes keys in notifications
        elif "body" in record:
            body = json.loads(record["body"])
            if isinstance(body, dict):
                yield from upload_keys(body)


def queue_bodies(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The JSON bodies of an SQS event's records (the reminder batches: app.py remind_batch)."""
    for record in event.get("Records") or []:
        yield json.loads(record["body"])


def daily_metrics(report: Any) -> dict[str, int]:
    """The daily job's figures for CloudWatch (services/reminders.py DailyReport): units planned, batches,
    units left for later days of a step's window, and ReminderPlanLate = 1 when delivery at the configured
    rates would not finish before the reminders expire (the alarm: infra/README.md)."""
    return {"RemindersPlanned": report.planned.total(), "ReminderBatches": report.batches,
            "RemindersLater": report.later, "ReminderPlanLate": int(report.late)}


def metric_line(values: dict[str, int], namespace: str | None = None, now: float | None = None) -> str:
    """One EMF document: `values` as Count metrics of the stage's namespace, without dimensions."""
    namespace = namespace or os.environ.get(NAMESPACE_VARIABLE) or "LaborFiling/local"
    return json.dumps({"_aws": {"Timestamp": int((time.time() if now is None else now) * 1000),
                                "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": [[]],
                                                       "Metrics": [{"Name": k, "Unit": "Count"} for k in values]}]},
                       **values}, separators=(",", ":"))


def outbox_run(outbox: Any, seconds: float) -> dict[str, int]:
    """Run the outbox for `seconds` (services/outbox.py `Outbox.deliver_for`) and count what it leaves:
    {"OutboxSent", "OutboxFailed" (failed for good in this run), "OutboxDropped" (expired: not sent late),
    "OutboxPending" (still pending after it, up to
    BACKLOG_CAP)}."""
    done = outbox.deliver_for(seconds=seconds)
    return {"OutboxSent": done.sent, "OutboxFailed": done.failed, "OutboxDropped": done.dropped,
            "OutboxPending": outbox.backlog(BACKLOG_CAP)}
