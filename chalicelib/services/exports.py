"""Exports built off the request path (docs/architecture.md, "Heavy work"): a province's statistics export or
its 未依法备案单位名单 holds up to millions of rows — minutes of work, and more than a Lambda response may carry.
Asking for one queues a job (services/jobs.py) and answers at once with the export's id; its page shows how far
it got (rows written of those expected) and, once built, the download; 我的导出 lists the asker's exports.

An export is two blobs: exports/jobs/<id>.json (who asked, for what, how it goes) and exports/jobs/<id>.xlsx (the
file), and one marker exports/asked/<asker>/<asked at>-<id> that the history lists by prefix (newest last). The
job worker (the export queue's function in AWS mode, a background thread or `cli run-worker` in embedded mode;
the recovery sweep for anything left) builds the file with the asker's rights as the account has them then; if
the worker dies, the sweep takes the job over (AWS: sends it to the queue again) and builds it from the start.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import IO, Any, NamedTuple

from ..domain.errors import DomainError, NotFound, ValidationFailed, problem
from ..domain.model import LEASE, Job, JobKind
from ..ports import BlobStore, Clock, Download, Store
from .accounts import AccountService, Principal
from .audit import audit_event
from .jobs import Lease, queued_job, taken_over
from .progress import Progress

log = logging.getLogger(__name__)
PREFIX = "exports/jobs/"
ASKED = "exports/asked/"
DOWNLOAD_SECONDS = 300  # the download link's life: handed out only after the asker is checked
KEPT_DAYS = 7  # the file's life (AWS: the bucket's lifecycle rule deletes exports/ after 7 days, infra)
HISTORY = 30  # exports shown in 我的导出
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INTERRUPTED = "导出中断，请重新导出"
ATTEMPTS = 3  # builds of one export: a worker that dies every time (too big for its timeout) is not retried forever


class Builder(NamedTuple):
    """One kind of export: `check` refuses a request at once (rights, parameters) and returns the parameters to
    keep; `build(who, progress=…, **parameters)` makes the workbook (bytes or a rewound file, file name), counting
    its rows on `progress`, and audits it."""
    title: str
    check: Callable[..., dict[str, Any]]
    build: Callable[..., tuple[bytes | IO[bytes], str]]


class ExportStatus(NamedTuple):
    id: str
    kind: str
    title: str
    status: str  # queued / running / done / failed
    message: str | None
    filename: str | None
    requested_at: dt.datetime
    subject: str = ""  # what was asked for, in Chinese (year, division, filters…)
    rows: int = 0  # rows written so far (the file's, once done)
    expected: int | None = None  # rows the export will hold, once the builder knows
    size: int | None = None  # the file's bytes, once done
    finished_at: dt.datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def label(self) -> str:
        return {"queued": "排队中", "running": "正在生成", "done": "已生成", "failed": "未能生成"}[self.status]

    @property
    def percent(self) -> int | None:
        if self.status == "done":
            return 100
        return min(99, self.rows * 100 // self.expected) if self.expected else None

    def downloadable(self, now: dt.datetime) -> bool:
        """Built and not yet past its KEPT_DAYS."""
        return self.status == "done" and now - (self.finished_at or self.requested_at) < dt.timedelta(days=KEPT_DAYS)


class ExportService:
    def __init__(self, store: Store, blobs: BlobStore, clock: Clock, accounts: AccountService,
                 builders: dict[str, Builder], wake_jobs: Callable[[], None] | None = None,
                 queue: Callable[[str], None] | None = None):
        self.store, self.blobs, self.clock, self.accounts = store, blobs, clock, accounts
        # how a queued export reaches a worker at once: AWS sends its id to the export worker's queue
        # (adapters/aws/export_queue.py); embedded mode wakes a background sweep (or `cli run-worker` polls)
        self.builders, self.wake_jobs, self.queue = builders, wake_jobs, queue

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
                  "subject": self._subject(who, kept), "status": "queued", "message": None, "filename": None,
                  "requested_at": now.isoformat(), "rows": 0, "expected": None}
        self._save(record)
        self.blobs.put(f"{_asked(who.username)}{now:%Y%m%d%H%M%S%f}-{export_id}", export_id.encode(), "text/plain")
        self.store.start_job(queued_job(JobKind.EXPORT, export_id, self.clock))
        self.store.append_audit(audit_event(now, who.username, "export_requested", export_id, scope=who.scope,
                                            detail={"kind": kind, **kept}))
        if self.queue:
            self.queue(export_id)
        elif self.wake_jobs:
            self.wake_jobs()
        return _status(record)

    def status(self, who: Principal, export_id: str) -> ExportStatus:
        return self._followed(self._record(who, export_id))

    def history(self, who: Principal) -> list[ExportStatus]:
        """`who`'s latest HISTORY exports, newest first."""
        markers = self.blobs.keys(_asked(who.username))[-HISTORY:]
        records = (self._load(key.rsplit("-", 1)[1]) for key in reversed(markers))
        return [self._followed(r) for r in records if r is not None and r["by"] == who.username]

    def download(self, who: Principal, export_id: str) -> Download:
        status = self.status(who, export_id)
        if not status.downloadable(self.clock.now()):
            raise NotFound("导出文件尚未生成" if status.status != "done" else f"导出文件只保留{KEPT_DAYS}天，请重新导出")
        self.store.append_audit(audit_event(self.clock.now(), who.username, "download_export", export_id,
                                            scope=who.scope, detail={"kind": status.kind, "rows": status.rows}))
        return self.blobs.download(f"{PREFIX}{export_id}.xlsx", status.filename or "", DOWNLOAD_SECONDS)

    def run_queued(self, export_id: str) -> bool:
        """The export worker's part (AWS: a message of the export queue): build the export unless another worker
        holds its job or it is done. False if there was nothing to do."""
        job = self.store.get_job(JobKind.EXPORT, export_id)
        if job is None or job.heartbeat_at > self.clock.now() - LEASE:  # done, or a live worker holds it
            return False
        mine = taken_over(self.store, self.clock, job)
        if mine is None:
            return False
        self.run(mine)
        return True

    def run(self, job: Job) -> None:
        """Build the export `job` is for (the job worker calls this holding the job); the job ends either way."""
        lease = Lease(self.store, self.clock, job)
        record = self._load(job.target)
        if record is None or _status(record).finished:
            lease.end()
            return
        attempts = record.get("attempts", 0) + 1
        if attempts > ATTEMPTS:
            self._save({**record, "status": "failed", "message": "导出多次未能完成，请缩小范围后重新导出"})
            lease.end()
            return
        record = {**record, "status": "running", "rows": 0, "attempts": attempts}
        self._save(record)
        builder, who = self.builders[record["kind"]], self.accounts.acting(record["by"])

        def saved(rows: int, expected: int | None) -> None:
            self._save({**record, "rows": rows, "expected": expected})
        progress = Progress(saved)
        try:
            if who is None:
                raise NotFound("账号已停用，导出取消")
            with lease.kept_alive():
                made, filename = builder.build(who, progress=progress, **record["params"])
                lease.renew()  # still ours: the sweep did not take the job over meanwhile
                size = self._store_file(job.target, made)
            self._save({**record, "status": "done", "filename": filename, "rows": progress.rows,
                        "expected": progress.expected, "size": size, "finished_at": self.clock.now().isoformat()})
        except DomainError as e:  # the asker lost the right meanwhile, or the parameters no longer hold
            self._save({**record, "status": "failed", "message": e.message})
        except Exception:
            log.exception("export %s failed", job.target)
            self._save({**record, "status": "failed", "message": "导出失败，请稍后重新导出"})
        lease.end()

    def _store_file(self, export_id: str, made: bytes | IO[bytes]) -> int:
        key = f"{PREFIX}{export_id}.xlsx"
        if isinstance(made, bytes):
            self.blobs.put(key, made, XLSX)
            return len(made)
        with made:  # a streamed workbook's temporary file
            size = made.seek(0, 2)
            made.seek(0)
            self.blobs.put_file(key, made, XLSX)
        return size

    def _subject(self, who: Principal, params: dict[str, Any]) -> str:
        """What was asked for, in words: 我的导出 shows it."""
        from ..domain.audit import action_name
        from ..domain.enforcement import FILTERS
        from ..domain.jurisdiction import division
        from ..domain.tables import TABLE_TITLES

        words = []
        if params.get("filing_id"):
            filing = self.store.get_filing(params["filing_id"])
            words.append(f"{filing.unit_name}（{filing.year}年度）" if filing else "")
        if params.get("table"):
            words.append(TABLE_TITLES[params["table"]][:2] + ("，完整证件号码" if params.get("full_ids") else "，证件号码脱敏"))
        if params.get("year"):
            words.append(f"{params['year']}年度")
        if not params.get("filing_id"):
            words.append(f"范围：{division(params.get('division') or who.scope).name}")
        if params.get("step"):
            words.append(f"处理环节：{FILTERS.get(params['step'], params['step'])}")
        labels = {"actor": "操作人", "target": "对象", "date_from": "起始日期", "date_to": "截止日期"}
        words += [f"{label}：{params[key]}" for key, label in labels.items() if params.get(key)]
        if params.get("action"):
            words.append(f"操作：{action_name(params['action'])}")
        return "；".join(w for w in words if w)

    # -- the record ----------------------------------------------------------------------------
    def _followed(self, record: dict[str, Any]) -> ExportStatus:
        if not _status(record).finished and self.store.get_job(JobKind.EXPORT, record["id"]) is None:
            record = {**record, "status": "failed", "message": INTERRUPTED}  # its job is gone: it will not finish
        return _status(record)

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


def _asked(username: str) -> str:
    """The folder of an asker's markers: a digest, as a username may hold any character."""
    return f"{ASKED}{hashlib.sha256(username.encode()).hexdigest()[:32]}/"


def _status(record: dict[str, Any]) -> ExportStatus:
    finished = record.get("finished_at")
    return ExportStatus(record["id"], record["kind"], record["title"], record["status"], record.get("message"),
                        record.get("filename"), dt.datetime.fromisoformat(record["requested_at"]),
                        record.get("subject") or "", record.get("rows") or 0, record.get("expected"),
                        record.get("size"), dt.datetime.fromisoformat(finished) if finished else None)
