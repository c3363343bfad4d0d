"""Import an uploaded 表二/表三 workbook into a filing (报盘).

Runs where the file landed: from the local upload endpoint (embedded) or the S3 event (AWS).
Rows are written in batches under the upload's own id and only become the filing's rows when the
whole file passed; a failed or abandoned import leaves the filing's previous rows as they were.
"""
from __future__ import annotations

import datetime as dt
import logging

from ..domain.errors import DomainError
from ..domain.filing import RowSet
from ..ports import BlobStore, Clock, StaleVersion, Store
from .audit import audit_event

log = logging.getLogger(__name__)
BATCH = 1000
MAX_LISTED_ERRORS = 1000


class ImportService:
    def __init__(self, store: Store, blobs: BlobStore, clock: Clock):
        self.store, self.blobs, self.clock = store, blobs, clock

    @staticmethod
    def upload_id_of(blob_key: str) -> str | None:
        name = blob_key.rsplit("/", 1)[-1]
        return name.removesuffix(".xlsx") if blob_key.startswith("uploads/") else None

    def import_blob(self, blob_key: str) -> None:
        upload_id = self.upload_id_of(blob_key)
        upload = self.store.get_upload(upload_id) if upload_id else None
        if upload is None or upload.status not in ("waiting", "failed"):
            log.info("ignoring blob %s (no waiting upload)", blob_key)
            return
        self._update(upload, status="processing", rows_done=0, errors=[], message=None)
        try:
            rows, errors = self._read_and_store(upload)
        except DomainError as e:  # the workbook as a whole is refused (not .xlsx, wrong headers…)
            self.store.delete_rows(upload.id)
            self._fail(upload, e.message, e.details)
            return
        except Exception:
            log.exception("import of %s failed", upload.id)
            self.store.delete_rows(upload.id)
            self._fail(upload, "文件无法读取，请确认是用模板填写的.xlsx文件后重新上传", [])
            return
        if errors:
            self.store.delete_rows(upload.id)
            self._fail(upload, f"共发现{len(errors)}处错误，请修改后重新上传（原有数据未受影响）",
                       errors[:MAX_LISTED_ERRORS], rows_total=rows)
            return
        self._attach(upload, rows)

    def _read_and_store(self, upload) -> tuple[int, list[dict]]:
        from ..domain.roster import RowChecker
        from ..excel.reader import read_rows

        filing = self.store.get_filing(upload.filing_id)
        checker = RowChecker(upload.table, period_end=dt.date(filing.year, 12, 31))
        errors: list[dict] = []
        batch: list[dict] = []
        read = stored = 0
        with self.blobs.open(upload.blob_key) as f:
            for row_no, raw in read_rows(f, upload.table):
                read += 1
                clean, problems = checker.check(row_no, raw)
                if problems:
                    errors.extend(problems)
                    continue
                if errors:
                    continue  # the file will be refused; keep checking, stop writing
                batch.append({**clean, "row": row_no})
                if len(batch) >= BATCH:
                    self.store.put_rows(upload.id, stored, batch)
                    stored += len(batch)
                    batch = []
                    self._update(upload, rows_done=stored)
        if batch and not errors:
            self.store.put_rows(upload.id, stored, batch)
            stored += len(batch)
        return read, errors

    def _attach(self, upload, rows: int) -> None:
        """Point the filing at the new rows (retrying if the filing was edited meanwhile)."""
        for _ in range(5):
            filing = self.store.get_filing(upload.filing_id)
            if not filing.editable:
                self.store.delete_rows(upload.id)
                self._fail(upload, "备案已提交，不能再替换数据", [])
                return
            previous = filing.row_sets.get(upload.table)
            after = filing.edited(self.clock.now(),
                                  row_sets={**filing.row_sets, upload.table: RowSet(upload_id=upload.id, rows=rows)})
            try:
                self.store.save_filing(after, expected_version=filing.version, audit=audit_event(
                    self.clock.now(), filing.uscc, "import_rows", filing.id,
                    detail={"table": upload.table, "rows": rows, "upload_id": upload.id}))
            except StaleVersion:
                continue
            self._update(upload, status="done", rows_total=rows, rows_done=rows,
                         message=f"已导入{rows}行")
            if previous:
                self.store.delete_rows(previous.upload_id)
            return
        self.store.delete_rows(upload.id)
        self._fail(upload, "备案正在被修改，请稍后重新上传", [])

    def _update(self, upload, **changes) -> None:
        for name, value in changes.items():  # keep the caller's object current for later updates
            setattr(upload, name, value)
        upload.updated_at = self.clock.now()
        self.store.put_upload(upload)

    def _fail(self, upload, message: str, errors: list[dict], **changes) -> None:
        self._update(upload, status="failed", message=message, errors=errors, **changes)
