"""The daily job's batches on SQS (AWS mode): one queue message per batch, ten to a SendMessageBatch request, so
planning 200,000 owing units costs 400 messages in 40 requests. The queue (a dead-letter queue behind it: infra)
invokes app.py's `remind_batch`; a batch that fails is delivered again, and claiming is idempotent
(services/reminders.py)."""
from __future__ import annotations

import json
from typing import Any

from ...services.reminders import ReminderBatch

SEND_BATCH = 10  # SendMessageBatch's limit


class QueueRefused(RuntimeError):
    """SQS did not take some of the batches: the daily job fails, and its rerun plans them again."""


class SqsReminderQueue:
    def __init__(self, client: Any, url: str):
        self.client, self.url = client, url

    def enqueue(self, batches: list[ReminderBatch]) -> None:
        for start in range(0, len(batches), SEND_BATCH):
            entries = [{"Id": str(n), "MessageBody": json.dumps(b.to_dict(), ensure_ascii=False)}
                       for n, b in enumerate(batches[start:start + SEND_BATCH])]
            if failed := self.client.send_message_batch(QueueUrl=self.url, Entries=entries).get("Failed"):
                raise QueueRefused(f"SQS refused {len(failed)} reminder batch(es): {failed[0].get('Message')}")
