"""The export worker's queue (AWS mode): asking for an export sends its id here, and the queue invokes app.py's
`build_export` at once (a Lambda of its own, 15 minutes, flat memory: bench/README.md), instead of waiting for
the recover_interrupted schedule. A message delivered twice is harmless: only one worker takes the job
(services/exports.py `run_queued`)."""
from __future__ import annotations

import json
from typing import Any


class SqsExportQueue:
    def __init__(self, client: Any, url: str):
        self.client, self.url = client, url

    def send(self, export_id: str) -> None:
        self.client.send_message(QueueUrl=self.url, MessageBody=json.dumps({"export_id": export_id}))
