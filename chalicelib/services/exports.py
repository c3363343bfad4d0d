"""Exports built off the request path (docs/architecture.md, "Heavy work"): a province's statistics export or
its 未依法备案单位名单 holds up to millions of rows — minutes of work, and more than a Lambda response may carry.
Asking for one queues a job (services/jobs.py) and answers at once with the export's id; its page shows how it
goes and, once built, the download.

An export is two blobs: exports/<id>.json (who asked, for what, and how it went) and exports/<id>.xlsx (the
file). The job worker (the recovery sweep) builds the file with the asker's rights as the account has them then;
if the worker dies, the sweep takes the job over and builds the file again from the start.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from ..domain.errors import DomainError, NotFound, ValidationFailed, problem
from ..domain.model import JobKind, Job
from ..ports import BlobStore, Clock, Download, Store
from .accounts import AccountService, Principal
from .audit import audit_event
from .jobs import Lease, queued_job

log = logging.getLogger(__name__)
PREFIX = "exports/jobs/"
DOWNLOAD_SECONDS = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INTERRUPTED = "导出中断，请重新导出"


class Builder(NamedTuple):
    """One kind of export: `check` refuses a request at once (rights, parameters) and returns the parameters to
    keep; `build` makes the workbook (bytes, file name) and audits it."""
    title: str
    check: Callable[..., dict[str, Any]]
    build: Callable[..., tuple[bytes, str]]


class ExportStatus(NamedTuple):
    id: str
    kind: str
    title: str
    status: str  # queued / running / done / failed
    message: str | None
    filename: str | None
    requested_at: dt.datetime

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def label(self) -> str:
        return {"queued": "排队中", "running": "正在生成", "done": "已生成", "failed": "未能生成"}[self.status]


class ExportService:
    def __init__(self, store: Store, blobs: BlobStore, clock: Clock, accounts: AccountService,
                 builders: dict[str, Builder], wake_jobs: Callable[[], None] | None = None):
        self.store, self.blobs, self.clock, self.accounts = store, blobs, clock, accounts
        self.builders, self.wake_jobs = builders, wake_jobs

    def request(self, who: Principal, kind: str, **params: Any) -> ExportStatus:
        """Queue an export of `kind` for `who`; refused at once if `who` may not have it."""
        builder = self.builders.get(kind)
        if builder is None:
            text = f"导出类型应为以下之一：{'、'.join(self.builders)}"
            raise ValidationFailed(text, [problem(text, field="kind")])
        kept = builder.check(who, **params)
        export_id = uuid.uuid4().hex
        now = self.clock.now()
        record = {"id": export_id, "kind": kind, "title": builder.title, "params": kept, "by": who.username,
                  "status": "queued", "message": None, "filename": None, "requested_at": now.isoformat()}
        self._save(record)
        self.store.start_job(queued_job(JobKind.EXPORT, export_id, self.clock))
        self.store.append_audit(audit_event(now, who.username, "export_requested", export_id, scope=who.scope,
                                            detail={"kind": kind, **kept}))
        if self.wake_jobs:
            self.wake_jobs()
        return _status(record)

    def status(self, who: Principal, export_id: str) -> ExportStatus:
        record = self._record(who, export_id)
        if not _status(record).finished and self.store.get_job(JobKind.EXPORT, export_id) is None:
            record = {**record, "status": "failed", "message": INTERRUPTED}  # its job is gone: it will not finish
        return _status(record)

    def download(self, who: Principal, export_id: str) -> Download:
        record = self._record(who, export_id)
        if record["status"] != "done":
            raise NotFound("导出文件尚未生成")
        return self.blobs.download(f"{PREFIX}{export_id}.xlsx", record["filename"], DOWNLOAD_SECONDS)

    def run(self, job: Job) -> None:
        """Build the export `job` is for (the job worker calls this holding the job); the job ends either way."""
        lease = Lease(self.store, self.clock, job)
        record = self._load(job.target)
        if record is None or _status(record).finished:
            lease.end()
            return
        self._save({**record, "status": "running"})
        builder, who = self.builders[record["kind"]], self.accounts.acting(record["by"])
        try:
            if who is None:
                raise NotFound("账号已停用，导出取消")
            with lease.kept_alive():
                data, filename = builder.build(who, **record["params"])
                lease.renew()  # still ours: the sweep did not take the job over meanwhile
                self.blobs.put(f"{PREFIX}{job.target}.xlsx", data, XLSX)
            self._save({**record, "status": "done", "filename": filename,
                        "finished_at": self.clock.now().isoformat()})
        except DomainError as e:  # the asker lost the right meanwhile, or the parameters no longer hold
            self._save({**record, "status": "failed", "message": e.message})
        except Exception:
            log.exception("export %s failed", job.target)
            self._save({**record, "status": "failed", "message": "导出失败，请稍后重新导出"})
        lease.end()

    # -- the record ----------------------------------------------------------------------------
    def _record(self, who: Principal, export_id: str) -> dict[str, Any]:
        record = self._load(export_id) if export_id.isalnum() and len(export_id) == 32 else None
        if record is None or record["by"] != who.username:  # someone else's export does not exist for you
            raise NotFound("导出记录不存在")
        return record

    def _load(self, export_id: str) -> dict[str, Any] | None:
        try:
            with self.blobs.open(f"{PREFIX}{export_id}.json") as f:
                loaded: dict[str, Any] = json.loads(f.read())
                return loaded
        except FileNotFoundError:
            return None

    def _save(self, record: dict[str, Any]) -> None:
        self.blobs.put(f"{PREFIX}{record['id']}.json", json.dumps(record, ensure_ascii=False).encode(),
                       "application/json")


def _status(record: dict[str, Any]) -> ExportStatus:
    return ExportStatus(record["id"], record["kind"], record["title"], record["status"], record.get("message"),
                        record.get("filename"), dt.datetime.fromisoformat(record["requested_at"]))
