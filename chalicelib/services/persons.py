"""Person look-up by ID number across employers (docs/rules.md §9), for the other departments' data-sharing accounts.

The index: when a filing is approved, each row of its 表二 and 表三 becomes a record under the person's ID
number (Store.put_person_records), written in batches of INDEX_BATCH after the approval's own transaction —
a filing can carry tens of thousands of rows, too many for one transaction. The approval queues a person index
job in that transaction (`PersonIndex.job_for`); the job worker (the recovery sweep, services/recovery.py) writes
the index under the job's lease, which records how far it got (table, row number) after every batch. If the
writing stops (a crash, the worker's time budget), the next sweep resumes it from there once the lease runs out. Records are keyed by
(ID number, filing, table, row), so a batch written twice is harmless.

Every look-up is audited (who, which ID number masked, how many records) and rate-limited per account and
minute through a store counter. Only a data-sharing account sees full ID numbers; a 业务操作员 may look up
within its own jurisdiction and sees them masked.
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Any

from ..domain import jurisdiction
from ..domain.errors import Forbidden, RateLimited, ValidationFailed, problem
from ..domain.filing import Filing, Status
from ..domain.identifiers import mask_id
from ..domain.model import Job, JobKind, Role
from ..ports import Clock, Store
from .row_reader import RowReader
from .accounts import Principal
from .audit import audit_event
from .jobs import Lease, queued_job

INDEX_BATCH = 500
INDEXED_TABLES = ("table2", "table3")
LOOKUPS_PER_MINUTE = 30
FIELDS = ("name", "gender", "hire_date", "contract_term", "contract_start", "contract_end", "ended_on", "category")


class PersonIndex:
    """Writes an approved filing's person index as a resumable job."""

    def __init__(self, store: Store, clock: Clock):
        self.store, self.clock = store, clock

    def job_for(self, filing: Filing) -> Job:
        """The job an approval of `filing` writes with itself, queued: a job worker indexes, not the request
        (a 500,000-row roster takes minutes on DynamoDB; API Gateway waits 29 s)."""
        return queued_job(JobKind.PERSON_INDEX, filing.id, self.clock)

    def write(self, job: Job, *, seconds: float) -> bool:
        """Index from the job's checkpoint for about `seconds` at most; True once finished (the job ended).
        Unfinished, the job keeps its checkpoint and the sweep resumes it when its lease runs out.
        LeaseLost if another worker took the job over."""
        lease = Lease(self.store, self.clock, job)
        deadline = time.monotonic() + seconds
        filing = self.store.get_filing(job.target)
        if filing is None or filing.status != Status.APPROVED:  # nothing (any more) to index
            lease.end()
            return True
        from_table = str(job.checkpoint.get("table", INDEXED_TABLES[0]))
        tables = INDEXED_TABLES[INDEXED_TABLES.index(from_table):] if from_table in INDEXED_TABLES else INDEXED_TABLES
        for table in tables:
            row_set = filing.row_sets.get(table)
            if row_set is None:
                continue
            n = int(job.checkpoint.get("n", 0)) if table == from_table else 0
            while n < row_set.span:  # by row number: the online edits laid over the upload (row_reader.py)
                if time.monotonic() > deadline:
                    return False
                rows = RowReader(self.store).page(row_set, n, INDEX_BATCH)
                records = [_record(filing, table, i, row) for i, row in rows if row.get("id_number")]
                if records:
                    self.store.put_person_records(records)
                n += INDEX_BATCH
                lease.renew({"table": table, "n": n})
        lease.end()
        return True


def _record(filing: Filing, table: str, n: int, row: dict[str, Any]) -> dict[str, Any]:
    return {"id_number": str(row["id_number"]).upper(), "filing_id": filing.id, "table": table, "n": n,
            "uscc": filing.uscc, "unit_name": filing.unit_name, "year": filing.year, "kind": filing.kind,
            "authority_code": filing.authority_code, **{f: row.get(f) for f in FIELDS if row.get(f) is not None}}


def limit_lookups(store: Store, who: Principal, now: dt.datetime, action: str, target: str) -> None:
    """At most LOOKUPS_PER_MINUTE look-ups (of persons and units together) per account and minute; the refusal
    is audited."""
    if store.next_sequence(f"lookup:{who.username}:{now:%Y%m%d%H%M}") > LOOKUPS_PER_MINUTE:
        store.append_audit(audit_event(now, who.username, action, target, outcome="rate_limited", scope=who.scope))
        raise RateLimited(f"查询过于频繁：每分钟最多{LOOKUPS_PER_MINUTE}次，请稍后再试")


class PersonService:
    def __init__(self, store: Store, clock: Clock):
        self.store, self.clock = store, clock

    def _in_force(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records of filings still in force (docs/rules.md §11): an approval revoked, or a version superseded
        by an approved correction, no longer speaks for the unit (its records stay, and count again should it
        come back into force)."""
        filings = {fid: self.store.get_filing(fid) for fid in {r["filing_id"] for r in records}}
        return [r for r in records if (f := filings[r["filing_id"]]) is not None
                and f.status == Status.APPROVED and f.superseded_by is None]

    def lookup(self, who: Principal, id_number: str) -> dict[str, Any]:
        sharing = who.role == Role.DATA_SHARING
        if not (sharing and who.can("person.lookup")) and not (who.role == Role.OPERATOR and who.can("filing.read")):
            raise Forbidden("只有数据共享账号和审核员可以按身份证号查询")
        id_number = (id_number or "").strip().upper()
        if not 15 <= len(id_number) <= 18 or not id_number[:-1].isdigit():
            text = "请输入15或18位身份证号码"
            raise ValidationFailed(text, [problem(text, column="身份证号码", field="id_number")])
        now = self.clock.now()
        limit_lookups(self.store, who, now, "person_lookup", mask_id(id_number))
        records = self._in_force(self.store.person_records(id_number))
        scope = jurisdiction.Scope(who.scope)  # a reviewer or department account: its own division only
        records = [r for r in records if scope.can_read(r["authority_code"])]
        account = self.store.get_account(who.username) if sharing else None
        self.store.append_audit(audit_event(
            now, who.username, "person_lookup", mask_id(id_number), scope=who.scope,
            detail={"records": len(records), "department": account.department if account else None}))
        shown = id_number if sharing else mask_id(id_number)
        return {"id_number": shown, "records": [
            {**{k: v for k, v in r.items() if k not in ("id_number", "n")}, "id_number": shown,
             "authority_name": jurisdiction.authority(r["authority_code"]).name} for r in records]}
