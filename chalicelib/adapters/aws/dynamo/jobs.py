"""Jobs held under a lease (imports, the person index), on DynamoDB: one item per unfinished job.

The holder, heartbeat and checkpoint are attributes of their own, so renewing a lease is a narrow UpdateItem
conditional on the holder that leaves the rest of the item alone; each renewal also moves the job's place in
the JOBS listing (keys.py), which the recovery sweep reads longest idle first."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from botocore.exceptions import ClientError

from ....domain.model import Job
from ....ports import AlreadyExists, JobStore
from .. import keys
from .base import DynamoBase, Op, av, doc_of, error_code, item


def job_put(job: Job) -> Op:
    """The job as a transaction item (an approval writes its person index job with itself)."""
    return {"Item": item(keys.job_item(job.id, job.heartbeat_at),
                         job.model_dump_json(include={"kind", "target", "created_at"}), holder=job.holder,
                         heartbeat=keys.stamp(job.heartbeat_at),
                         checkpoint=json.dumps(job.checkpoint, ensure_ascii=False))}


def _job(found: dict[str, Any]) -> Job:
    return Job.model_validate({**json.loads(doc_of(found)), "holder": found["holder"]["S"],
                               "heartbeat_at": keys.unstamp(found["heartbeat"]["S"]),
                               "checkpoint": json.loads(found["checkpoint"]["S"])})


class DynamoJobs(DynamoBase, JobStore):
    def start_job(self, job: Job) -> None:
        try:
            self._put(job_put(job)["Item"], condition="attribute_not_exists(PK)")
        except ClientError as e:
            if error_code(e) == "ConditionalCheckFailedException":
                raise AlreadyExists(job.id) from None
            raise

    def get_job(self, kind: str, target: str) -> Job | None:
        found = self.client.get_item(TableName=self.table, Key=av(keys.job(f"{kind}:{target}")),
                                     ConsistentRead=True).get("Item")
        return _job(found) if found else None

    def _conditional_update(self, job: Job, expression: str, condition: str, values: dict[str, str]) -> bool:
        try:
            self.client.update_item(TableName=self.table, Key=av(keys.job(job.id)), UpdateExpression=expression,
                                    ConditionExpression=condition, ExpressionAttributeValues=av(values))
        except ClientError as e:
            if error_code(e) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def renew_job(self, job: Job, at: dt.datetime, checkpoint: dict[str, Any] | None = None) -> bool:
        values = {":at": keys.stamp(at), ":order": keys.job_order(job.id, at), ":holder": job.holder}
        expression = "SET heartbeat = :at, GSI1SK = :order"
        if checkpoint is not None:
            expression += ", checkpoint = :checkpoint"
            values[":checkpoint"] = json.dumps(checkpoint, ensure_ascii=False)
        return self._conditional_update(job, expression, "holder = :holder", values)

    def take_over_job(self, job: Job, holder: str, at: dt.datetime) -> bool:
        return self._conditional_update(
            job, "SET holder = :new, heartbeat = :at, GSI1SK = :order", "holder = :holder AND heartbeat = :before",
            {":new": holder, ":at": keys.stamp(at), ":order": keys.job_order(job.id, at), ":holder": job.holder,
             ":before": keys.stamp(job.heartbeat_at)})

    def end_job(self, job: Job) -> None:
        try:
            self.client.delete_item(TableName=self.table, Key=av(keys.job(job.id)),
                                    ConditionExpression="holder = :holder",
                                    ExpressionAttributeValues=av({":holder": job.holder}))
        except ClientError as e:
            if error_code(e) != "ConditionalCheckFailedException":  # taken over: the new holder ends it
                raise

    def jobs_idle_since(self, cutoff: dt.datetime, *, limit: int = 100) -> list[Job]:
        found = []
        for listed in self._query(keys.JOBS, index="GSI1", sk_condition="#sk < :cutoff",
                                  values={":cutoff": keys.stamp(cutoff)}, page_size=limit):
            found.append(_job(listed))
            if len(found) == limit:
                break
        return found
