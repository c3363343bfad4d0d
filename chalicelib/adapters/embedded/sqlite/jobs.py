"""Jobs held under a lease (imports, the person index), on SQLite: one row per unfinished job.

The holder, heartbeat and checkpoint are columns, so renewing a lease is a narrow UPDATE that leaves the rest
of the row alone; heartbeats are fixed-width UTC strings, so string order is time order."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ....domain.model import Job
from ....ports import AlreadyExists, JobStore
from .base import SqliteBase, stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, holder TEXT NOT NULL, heartbeat TEXT NOT NULL,
    checkpoint TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_by_heartbeat ON jobs (heartbeat);
"""
_INSERT = "INSERT INTO jobs VALUES (?, ?, ?, ?, ?)"


def _values(job: Job) -> tuple[str, str, str, str, str]:
    return (job.id, job.holder, stamp(job.heartbeat_at), json.dumps(job.checkpoint, ensure_ascii=False),
            job.model_dump_json(include={"kind", "target", "created_at"}))


def _job(holder: str, heartbeat: str, checkpoint: str, doc: str) -> Job:
    at = dt.datetime.strptime(heartbeat, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    return Job.model_validate({**json.loads(doc), "holder": holder, "heartbeat_at": at,
                               "checkpoint": json.loads(checkpoint)})


def put_jobs(db: sqlite3.Connection, jobs: Iterable[Job]) -> None:
    """Inside another aggregate's transaction (an approval and its person index job)."""
    db.executemany(_INSERT.replace("INSERT", "INSERT OR REPLACE"), [_values(j) for j in jobs])


class SqliteJobs(SqliteBase, JobStore):
    def start_job(self, job: Job) -> None:
        try:
            with self._write() as db:
                db.execute(_INSERT, _values(job))
        except sqlite3.IntegrityError:
            raise AlreadyExists(job.id) from None

    def get_job(self, kind: str, target: str) -> Job | None:
        found = self._db.execute("SELECT holder, heartbeat, checkpoint, doc FROM jobs WHERE id = ?",
                                 (f"{kind}:{target}",)).fetchone()
        return _job(*found) if found else None

    def renew_job(self, job: Job, at: dt.datetime, checkpoint: dict[str, Any] | None = None) -> bool:
        with self._write() as db:
            cur = db.execute("UPDATE jobs SET heartbeat = ?, checkpoint = COALESCE(?, checkpoint)"
                             " WHERE id = ? AND holder = ?",
                             (stamp(at), None if checkpoint is None else json.dumps(checkpoint, ensure_ascii=False),
                              job.id, job.holder))
            return cur.rowcount == 1

    def take_over_job(self, job: Job, holder: str, at: dt.datetime) -> bool:
        with self._write() as db:
            cur = db.execute("UPDATE jobs SET holder = ?, heartbeat = ? WHERE id = ? AND holder = ? AND heartbeat = ?",
                             (holder, stamp(at), job.id, job.holder, stamp(job.heartbeat_at)))
            return cur.rowcount == 1

    def end_job(self, job: Job) -> None:
        with self._write() as db:
            db.execute("DELETE FROM jobs WHERE id = ? AND holder = ?", (job.id, job.holder))

    def jobs_idle_since(self, cutoff: dt.datetime, *, limit: int = 100) -> list[Job]:
        rows = self._db.execute("SELECT holder, heartbeat, checkpoint, doc FROM jobs WHERE heartbeat < ?"
                                " ORDER BY heartbeat LIMIT ?", (stamp(cutoff), limit)).fetchall()
        return [_job(*r) for r in rows]
