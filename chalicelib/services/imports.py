"""Import an uploaded 表一/表二/表三 workbook into a filing (报盘).

Runs where the file landed: on a background thread after the local upload (embedded) or from the S3
event (AWS), never inside the upload request. Rows are written in batches under the upload's own id
and only become the filing's rows when the whole file passed; a failed import leaves the filing's previous
rows as they were. Rows are checked and stored, and progress (rows_done of rows_total) written, BATCH at a
time. A file with row errors gets an error report workbook (the user's rows, bad cells red, a 错误说明 column)
under exports/.

An import is a job held under a lease (services/jobs.py), renewed every few seconds while it runs: if its
process dies, the upload is shown as interrupted once the lease runs out (Upload.stalled), and the recovery
sweep marks it failed and removes its rows and stored file (`abandon`; docs/architecture.md, "Crash recovery").
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..domain import calendar
from ..domain.checks import RosterDiff, RosterSummary
from ..domain.errors import DomainError, problem
from ..domain.filing import Filing, RowSet
from ..domain.model import STALLED_MESSAGE, Job, JobKind, Upload
from ..domain.roster import RowChecker
from ..domain.tables import clean_table1
from ..excel.reader import read_rows
from ..ports import AlreadyExists, BlobStore, Clock, StaleVersion, Store
from . import prefill
from .row_reader import RowReader
from .audit import audit_event
from .jobs import Lease, LeaseLost, new_job, queued_job

log = logging.getLogger(__name__)
BATCH = 1000
MAX_LISTED_ERRORS = 1000  # listed on the page and in the API; the error report has them all
NAME_SHOWN = 20  # characters of a listed error's 姓名
MAX_LISTED_WARNINGS = 200
SAVE_ATTEMPTS = 5  # saves of the filing that lost to a concurrent edit before the import gives up
REPORT_PREFIX = "exports/error-reports/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Outcome:
    def __init__(self) -> None:
        self.read = self.stored = self.error_count = 0
        self.listed: list[dict[str, Any]] = []
        self.by_row: dict[int, list[tuple[str, str]]] = {}  # compact: all errors, for the report
        self.warnings: list[dict[str, Any]] = []
        self.warning_count = 0
        self.summary: RosterSummary | None = None
        self.diff: RosterDiff | None = None

    def add_errors(self, row_no: int, problems: list[dict[str, Any]], name: object = None) -> None:
        """A row's problems; the listed ones carry the row's 姓名 (cut short: the listed errors share one stored
        item), so that a clerk finds the person, not only the Excel row number."""
        self.error_count += len(problems)
        room = MAX_LISTED_ERRORS - len(self.listed)
        if room > 0:
            shown = name[:NAME_SHOWN] if isinstance(name, str) else None
            self.listed.extend({**p, "name": shown} for p in problems[:room])
        self.by_row[row_no] = [(p["field"], p["message"]) for p in problems]


class _NotSaved(Exception):
    """The filing could not take the imported data (submitted meanwhile, or kept changing)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ImportService:
    def __init__(self, store: Store, blobs: BlobStore, clock: Clock):
        self.store, self.blobs, self.clock = store, blobs, clock
        self._leases: dict[str, Lease] = {}  # upload id → the lease of its running import (one per worker thread)

    @staticmethod
    def upload_id_of(blob_key: str) -> str | None:
        name = blob_key.rsplit("/", 1)[-1]
        return name.removesuffix(".xlsx") if blob_key.startswith("uploads/") else None

    def refuse(self, blob_key: str, message: str) -> None:
        """Storage refused the file itself (too big): the upload fails with `message`, nothing is read."""
        upload = self.store.get_upload(self.upload_id_of(blob_key) or "")
        if upload is not None and upload.status == "waiting":
            self._fail(upload, message, [problem(message, column="文件", field="file")])

    def queue(self, blob_key: str) -> None:
        """Queue the import of a stored file as a job (embedded mode: a job worker runs it, never the request that
        received the file); a second delivery finds the job there and adds nothing."""
        upload = self._waiting(blob_key)
        if upload is not None:
            try:
                self.store.start_job(queued_job(JobKind.IMPORT, upload.id, self.clock))
            except AlreadyExists:
                log.info("upload %s is already queued or being imported", upload.id)

    def run_queued(self, job: Job) -> None:
        """Import the upload a queued job is for (the job worker holds `job`); cleaned up as interrupted if the
        upload is no longer waiting (an earlier worker started it and died)."""
        upload = self.store.get_upload(job.target)
        if upload is None or upload.status != "waiting":
            self.abandon(job)
            return
        self.import_blob(upload.blob_key, job)

    def import_blob(self, blob_key: str, job: Job | None = None) -> None:
        """Import the file stored for a waiting upload, once: an upload's policy is single use, and a second
        delivery of the storage event finds the import's job taken. The stored file is deleted when the import
        ends, and a file posted again with a used policy (storage cannot refuse a second POST before the policy
        expires) is deleted unread. `job`: the queued job a job worker took over for it (else one is started)."""
        upload = self._waiting(blob_key)
        if upload is None:
            return
        if job is None:
            job = new_job(JobKind.IMPORT, upload.id, self.clock)
            try:
                self.store.start_job(job)  # before the upload says "processing": a crash in between leaves the job
            except AlreadyExists:
                log.info("upload %s is already being imported", upload.id)
                return
        lease = self._leases[upload.id] = Lease(self.store, self.clock, job)
        try:
            with lease.kept_alive():
                self._update(upload, status="processing", rows_total=0, rows_done=0, errors=[], message=None,
                             error_report_key=None, masked_report_key=None)
                self._import(upload)
        except LeaseLost:  # presumed dead and taken over by the sweep, which reports the upload failed
            log.warning("import of %s was taken over; stopping", upload.id)
            self._drop_unattached_rows(upload)
            return
        finally:
            del self._leases[upload.id]
        self.blobs.delete(upload.blob_key)
        lease.end()

    def _waiting(self, blob_key: str) -> Upload | None:
        """The waiting upload `blob_key` was stored for; None (and the file deleted if its upload is over)."""
        upload_id = self.upload_id_of(blob_key)
        upload = self.store.get_upload(upload_id) if upload_id else None
        if upload is None or upload.status != "waiting":
            log.info("ignoring blob %s (no waiting upload)", blob_key)
            if upload is not None and upload.status in ("done", "failed"):
                self.blobs.delete(blob_key)
            return None
        return upload

    def abandon(self, job: Job) -> None:
        """Clean up after an import whose process died (the recovery sweep holds `job` now): the upload is marked
        failed, unless the filing already took its rows (the import died just after saving it), and its rows and
        stored file are removed."""
        upload = self.store.get_upload(job.target)
        if upload is not None:
            attached = self._attached(upload)
            if upload.status in ("waiting", "processing"):
                if attached is not None:
                    self._write(upload, status="done", rows_total=attached, rows_done=attached,
                                message=f"已导入{attached}行")
                else:
                    self._write(upload, status="failed", message=STALLED_MESSAGE, errors=[])
            self._drop_unattached_rows(upload)
            self.blobs.delete(upload.blob_key)
        Lease(self.store, self.clock, job).end()

    def _attached(self, upload: Upload) -> int | None:
        """How many rows the filing took from this upload; None if it points at other rows."""
        filing = self.store.get_filing(upload.filing_id)
        row_set = filing.row_sets.get(upload.table) if filing else None
        return row_set.rows if row_set is not None and row_set.upload_id == upload.id else None

    def _drop_unattached_rows(self, upload: Upload) -> None:
        if upload.table != "table1" and self._attached(upload) is None:
            self.store.delete_rows(upload.id)

    def _import(self, upload: Upload) -> None:
        try:
            if upload.table == "table1":
                self._import_table1(upload)
                return
            outcome = self._read_and_store(upload)
        except LeaseLost:
            raise
        except DomainError as e:  # the workbook as a whole is refused (not .xlsx, wrong headers…)
            self.store.delete_rows(upload.id)
            self._fail(upload, e.message, e.details)
            return
        except Exception:
            log.exception("import of %s failed", upload.id)
            self.store.delete_rows(upload.id)
            self._fail(upload, "文件无法读取，请确认是用模板填写的.xlsx文件后重新上传（原有数据未受影响）", [])
            return
        if outcome.read == 0:
            self._fail(upload, self._empty_message(upload), [])
            return
        if outcome.error_count:
            self.store.delete_rows(upload.id)
            self._update(upload, message="正在生成错误报告……")
            own, masked = self._error_reports(upload, outcome.by_row)
            self._fail(upload, f"共发现{outcome.error_count}处错误，请修改后重新上传（原有数据未受影响）",
                       outcome.listed, rows_total=outcome.read, rows_done=outcome.read,
                       error_report_key=own, masked_report_key=masked)
            return
        self._attach(upload, outcome)

    def _empty_message(self, upload: Upload) -> str:
        """An empty file is refused; for a 零申报 filing's 表二, saying that none is needed (docs/rules.md §11)."""
        message = "文件中没有填写任何数据（未改动的模板示例行不计），请在表头下方逐行填写后重新上传（原有数据未受影响）"
        if upload.table == "table2" and self._filing(upload.filing_id).zero_report:
            message = ("文件中没有填写任何数据。表一在册职工人数为0（零申报）的年度备案不需要上传表二，"
                       "可直接提交备案；如有在册职工，请先在表一中填写实际人数，再上传表二")
        return message

    # -- 表二/表三 -------------------------------------------------------------------------------
    def _read_and_store(self, upload: Upload) -> _Outcome:
        filing = self._filing(upload.filing_id)
        _, period_end = calendar.period(filing.kind, filing.year, calendar.local_today(self.clock.now()))
        checker = RowChecker(upload.table, period_end=period_end)
        out = _Outcome()
        known: set[str] | None = None
        if upload.table == "table2":
            out.summary = RosterSummary()
            base = self.store.get_filing(filing.base_filing_id) if filing.base_filing_id else None
            if base and "table2" in base.row_sets:
                out.diff = RosterDiff(RowReader(self.store).rows(base.row_sets["table2"]),
                                      base_filing_id=base.id, base_year=base.year)
        else:
            known = prefill.roster_ids(self.store, filing.uscc)
        with self.blobs.open(upload.blob_key) as f:
            rows = read_rows(f, upload.table)
            self._update(upload, rows_total=rows.total)
            for row_nos, cleans, problems in checker.batches(rows.values(), BATCH):
                out.read += len(row_nos)
                if out.error_count or any(problems):  # the file will be refused: keep checking, stop writing
                    for row_no, clean, found in zip(row_nos, cleans, problems):
                        if found:
                            out.add_errors(row_no, found, clean.get("name"))
                else:
                    self._store(upload, out, known, row_nos, cleans)
                self._update(upload, rows_done=out.read)
        return out

    def _store(self, upload: Upload, out: _Outcome, known: set[str] | None, row_nos: list[int],
               cleans: list[dict[str, Any]]) -> None:
        """A batch of rows without problems: counted, compared, and stored with their Excel row numbers."""
        if out.summary:
            out.summary.add(cleans)
        for row_no, clean in zip(row_nos, cleans):
            if out.diff:
                out.diff.add(clean)
            if known is not None and clean["id_number"] not in known:
                self._warn(out, row_no)
            clean["row"] = row_no
        self.store.put_rows(upload.id, out.stored, cleans)
        out.stored += len(cleans)

    @staticmethod
    def _warn(out: _Outcome, row_no: int) -> None:
        out.warning_count += 1
        if len(out.warnings) < MAX_LISTED_WARNINGS:
            out.warnings.append(problem("该人员不在本单位已备案的任何表二名册中，请核对证件号码", row=row_no,
                                        column="证件号码", field="id_number"))

    def _error_reports(self, upload: Upload, by_row: dict[int, list[tuple[str, str]]]) -> tuple[str | None, str | None]:
        """The error report workbooks in the blob store, the filer's and the reviewers' masked copy; (None, None)
        if they could not be written (the listed errors are still shown)."""
        # excel.workbooks imports openpyxl: loaded only when a file with errors needs its report
        from ..excel.workbooks import error_reports

        try:
            with self.blobs.open(upload.blob_key) as f:
                own, masked = error_reports(upload.table, read_rows(f, upload.table), by_row)
            keys = f"{REPORT_PREFIX}{upload.id}.xlsx", f"{REPORT_PREFIX}{upload.id}-masked.xlsx"
            self.blobs.put(keys[0], own, XLSX)
            self.blobs.put(keys[1], masked, XLSX)
            return keys
        except Exception:
            log.exception("error report for %s failed", upload.id)
            return None, None

    def _attach(self, upload: Upload, out: _Outcome) -> None:
        """Point the filing at the new rows (retrying if the filing was edited meanwhile)."""
        warnings = list(out.warnings)
        if out.warning_count > len(warnings):
            warnings.append(problem(f"另有{out.warning_count - len(warnings)}人不在本单位已备案的表二名册中",
                                    column="证件号码", field="id_number"))
        row_set = RowSet(upload_id=upload.id, rows=out.stored, warnings=warnings,
                         summary=out.summary.as_dict() if out.summary else None,
                         diff=out.diff.result() if out.diff else None)
        try:
            before = self._save_filing(upload, "import_rows", {
                "table": upload.table, "rows": out.stored, "upload_id": upload.id},
                lambda filing: {"row_sets": {**filing.row_sets, upload.table: row_set}})
        except _NotSaved as e:
            self.store.delete_rows(upload.id)
            self._fail(upload, e.message, [])
            return
        self._update(upload, status="done", rows_total=out.stored, rows_done=out.stored,
                     message=f"已导入{out.stored}行")
        previous = before.row_sets.get(upload.table)
        if previous and before.disposable(previous) and previous.upload_id != upload.id:
            self.store.delete_rows(previous.upload_id)  # carried rows, or rows a reviewer decided on, stay
        if previous and before.disposable_edits(previous):
            self.store.delete_rows(previous.edits_id or "")

    # -- 表一 (one row) ----------------------------------------------------------------------------
    def _import_table1(self, upload: Upload) -> None:
        filing = self._filing(upload.filing_id)
        with self.blobs.open(upload.blob_key) as f:
            rows = list(read_rows(f, "table1"))
        if len(rows) != 1:
            self._fail(upload, "表一模板应在表头下方填写且只填写一行" if rows else "表一模板中没有填写内容", [])
            return
        row_no, raw = rows[0]
        values, errors = clean_table1(raw, prefill.defaults_for(self.store, filing))
        if errors:
            self._fail(upload, f"共发现{len(errors)}处错误，请修改后重新上传（原有数据未受影响）",
                       [{**e, "row": row_no} for e in errors], rows_total=1, rows_done=1)
            return
        carried = prefill.carried_table2(self.store, filing)
        try:
            # as saving 表一 on the form does: 在册 = 0 (零申报) lets a carried roster go (docs/rules.md §11)
            self._save_filing(upload, "import_table1", {"upload_id": upload.id},
                              lambda current: current.table1_changes(values, carried))
        except _NotSaved as e:
            self._fail(upload, e.message, [])
            return
        self._update(upload, status="done", rows_total=1, rows_done=1, message="已导入表一")

    # -- shared ------------------------------------------------------------------------------------
    def _save_filing(self, upload: Upload, action: str, detail: dict[str, Any],
                     changes: Callable[[Filing], dict[str, Any]]) -> Filing:
        """Save the upload's filing with `changes` (worked out from the filing as stored) and its audit
        event, reading it again when a concurrent edit saved first. Returns the filing as it was before
        the save; _NotSaved when it is no longer editable or lost SAVE_ATTEMPTS times."""
        for _ in range(SAVE_ATTEMPTS):
            self._renew(upload)  # the save lands well within the lease just renewed, never after a take-over
            filing = self._filing(upload.filing_id)
            if not filing.editable:
                raise _NotSaved("备案已提交，不能再替换数据")
            after = filing.edited(self.clock.now(), **changes(filing))
            try:
                self.store.save_filing(after, expected_version=filing.version, audit=audit_event(
                    self.clock.now(), filing.uscc, action, filing.id, scope=filing.authority_code, detail=detail))
            except StaleVersion:
                continue
            return filing
        raise _NotSaved("备案正在被修改，请稍后重新上传")

    def _filing(self, filing_id: str) -> Filing:
        filing = self.store.get_filing(filing_id)
        if filing is None:  # uploads are made for an existing filing, and filings are never deleted
            raise LookupError(f"filing {filing_id} not found")
        return filing

    def _renew(self, upload: Upload) -> None:
        """Renew the running import's lease (LeaseLost once the sweep took the import over)."""
        lease = self._leases.get(upload.id)
        if lease is not None:
            lease.renew()

    def _update(self, upload: Upload, **changes: Any) -> None:
        """The running import's write: only while it holds its lease (never over the sweep's verdict)."""
        self._renew(upload)
        self._write(upload, **changes)

    def _write(self, upload: Upload, **changes: Any) -> None:
        for name, value in changes.items():  # keep the caller's object current for later updates
            setattr(upload, name, value)
        upload.updated_at = self.clock.now()
        self.store.put_upload(upload)

    def _fail(self, upload: Upload, message: str, errors: list[dict[str, Any]], **changes: Any) -> None:
        self._update(upload, status="failed", message=message, errors=errors, **changes)
