"""The job worker and crash recovery (docs/architecture.md, "Crash recovery"): the sweep that takes over jobs
nobody works on — queued ones (an embedded upload's import, an approval's person index, an export) and those
whose worker died.

An import or a person index whose lease ran out (its process was killed, its Lambda timed out, the server
restarted) is taken over by a conditional write, so two sweeps, or a sweep and a late worker, never both act.
An interrupted import is marked failed and its orphan rows and stored file are removed, so the filer simply
uploads again; an interrupted person index is resumed from its checkpoint. Runs at the embedded server's start
and at every poll of its scheduler, and on a schedule in AWS mode (app.py).
"""
from __future__ import annotations

import logging
import time
from typing import NamedTuple

from ..domain.model import LEASE, JobKind
from ..ports import Clock, Store
from .exports import ExportService
from .imports import ImportService
from .jobs import QUEUED, LeaseLost, taken_over
from .persons import PersonIndex
from .reminders import ReminderBatch, ReminderService

log = logging.getLogger(__name__)


class SweepReport(NamedTuple):
    imports_abandoned: int = 0
    indexes_finished: int = 0
    indexes_unfinished: int = 0  # resumed, then stopped by the time budget: the next sweep goes on
    exports_built: int = 0  # queued or interrupted exports (services/exports.py), built or failed for good
    imports_run: int = 0  # queued imports (embedded mode: ImportService.queue)
    reminder_batches: int = 0  # the daily job's batches (embedded mode: services/reminders.py JobQueue)

    @property
    def acted(self) -> bool:
        return any(self)

    def line(self) -> str:
        done = [f"{label}{n}个" for label, n in (
            ("导入", self.imports_run), ("提醒批次", self.reminder_batches), ("生成导出", self.exports_built),
            ("写完人员索引", self.indexes_finished),
            ("人员索引待下次继续", self.indexes_unfinished), ("清理中断的导入", self.imports_abandoned)) if n]
        return "后台任务：" + "，".join(done)


class RecoveryService:
    def __init__(self, store: Store, clock: Clock, imports: ImportService, person_index: PersonIndex,
                 exports: ExportService, reminders: ReminderService):
        self.store, self.clock, self.imports, self.person_index, self.exports = (store, clock, imports, person_index,
                                                                               exports)
        self.reminders = reminders

    def sweep(self, *, seconds: float = 60) -> SweepReport:
        """Take over every job idle for longer than LEASE and finish it, for about `seconds` at most."""
        deadline = time.monotonic() + seconds
        abandoned = imported = finished = unfinished = exported = batches = 0
        for job in self.store.jobs_idle_since(self.clock.now() - LEASE):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if job.kind == JobKind.EXPORT and self.exports.queue:  # AWS: the export worker's 15 minutes, not ours
                self.exports.queue(job.target)
                continue
            mine = taken_over(self.store, self.clock, job)
            if mine is None:
                continue  # renewed by its worker meanwhile, or taken by another sweep
            try:
                if job.kind == JobKind.IMPORT and job.checkpoint == QUEUED:
                    self.imports.run_queued(mine)
                    imported += 1
                elif job.kind == JobKind.IMPORT:
                    self.imports.abandon(mine)
                    abandoned += 1
                elif job.kind == JobKind.REMINDERS:  # interrupted or not, a batch runs again from the start
                    self.reminders.run_batch(ReminderBatch.from_dict(job.checkpoint["batch"]))
                    self.store.end_job(mine)
                    batches += 1
                elif job.kind == JobKind.EXPORT:
                    self.exports.run(mine)
                    exported += 1
                elif self.person_index.write(mine, seconds=left):
                    finished += 1
                else:
                    unfinished += 1
            except LeaseLost:
                continue
            except Exception:  # its lease runs out again and the next sweep retries
                log.exception("recovering %s failed", job.id)
        report = SweepReport(abandoned, finished, unfinished, exported, imported, batches)
        if report.acted:  # an interrupted import is worth a warning; queued work done is routine
            log.log(logging.WARNING if abandoned else logging.INFO, report.line())
        return report
