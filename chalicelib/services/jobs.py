"""Leases on jobs that must survive their process (docs/architecture.md, "Crash recovery").

A worker starts a job (or is handed one in the transaction that sets it off), renews its lease while it works
and ends it when done. Renewing is a narrow conditional write on the job alone, so it never races the worker's
own writes; a renewal that finds the job taken over raises LeaseLost, and the worker stops. A job whose lease ran
out (domain/model.py LEASE) is taken over by the recovery sweep (services/recovery.py).
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..domain.model import LEASE, Job, JobKind
from ..ports import Clock, JobStore

log = logging.getLogger(__name__)
BEAT_SECONDS = LEASE.total_seconds() / 6  # a few missed beats (a slow store) do not lose the lease


class LeaseLost(Exception):
    """The job was taken over: this worker was presumed dead. It stops and leaves the job to the new holder."""


def new_job(kind: JobKind, target: str, clock: Clock) -> Job:
    """A job its creator goes on to work on (it holds the lease)."""
    now = clock.now()
    return Job(kind=kind, target=target, holder=new_holder(), heartbeat_at=now, created_at=now)


QUEUED = {"queued": True}  # the checkpoint of a job nobody has worked on yet


def queued_job(kind: JobKind, target: str, clock: Clock) -> Job:
    """A job nobody works on yet: its lease counts as run out, so the next sweep (services/recovery.py) takes it."""
    now = clock.now()
    return Job(kind=kind, target=target, holder=new_holder(), heartbeat_at=now - LEASE - LEASE,
               checkpoint=dict(QUEUED), created_at=now)


def new_holder() -> str:
    return uuid.uuid4().hex


def taken_over(store: JobStore, clock: Clock, job: Job) -> Job | None:
    """`job` held by a new worker (this one), if it is still as it was read; None if its worker renewed it
    meanwhile or another worker took it first."""
    now = clock.now()
    mine = job.model_copy(update={"holder": new_holder(), "heartbeat_at": now})
    return mine if store.take_over_job(job, mine.holder, now) else None


class Lease:
    """A worker's hold on `job`."""

    def __init__(self, store: JobStore, clock: Clock, job: Job):
        self.store, self.clock, self.job = store, clock, job
        self.lost = False

    def renew(self, checkpoint: dict[str, Any] | None = None) -> None:
        """Renew now (with how far the work got, if given); LeaseLost if another worker holds the job."""
        if not self.lost and self.store.renew_job(self.job, self.clock.now(), checkpoint):
            return
        self.lost = True
        raise LeaseLost(self.job.id)

    def end(self) -> None:
        self.store.end_job(self.job)

    @contextmanager
    def kept_alive(self, every: float = BEAT_SECONDS) -> Iterator[Lease]:
        """Renewed every `every` seconds on a thread of its own while the block runs, including phases that
        write nothing (opening a big workbook, writing an error report)."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(every):
                try:
                    self.renew()
                except LeaseLost:
                    return
                except Exception:  # a store hiccup: the lease outlasts several beats
                    log.exception("renewing the lease of %s failed", self.job.id)

        thread = threading.Thread(target=beat, name=f"lease-{self.job.id}", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()
