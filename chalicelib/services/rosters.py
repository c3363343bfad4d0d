"""Use cases around a filing's rosters: the error report of an upload, the roster diff, the leavers' 表三."""
from __future__ import annotations

from typing import Any

from ..domain.errors import Forbidden, NotFound
from ..domain.filing import Filing
from ..domain.identifiers import listed_row
from ..domain.tables import TABLE_TITLES
from ..ports import BlobStore, Clock, Download, Store
from .row_reader import RowReader
from .accounts import Principal
from .audit import audit_event
from .filings import FilingService
from .progress import NO_PROGRESS, Progress

REPORT_SECONDS = 300  # presigned download links live five minutes: enough to start the download
_SHORT = {"table1": "表一", "table2": "表二", "table3": "表三"}


class RosterService:
    def __init__(self, store: Store, blobs: BlobStore, clock: Clock, filings: FilingService):
        self.store, self.blobs, self.clock, self.filings = store, blobs, clock, filings

    def error_report(self, who: Principal, filing_id: str, upload_id: str) -> Download:
        """An upload's error report, for whoever may read the filing: the filer's own rows as typed, or for a
        reviewer the masked copy (FilingService.get_upload), whose download is audited."""
        upload = self.filings.get_upload(who, filing_id, upload_id)
        if not upload.error_report_key:
            raise NotFound("该次上传没有错误报告")
        if not who.is_filer:
            filing = self.filings.get(who, filing_id)
            self.store.append_audit(audit_event(self.clock.now(), who.username, "download_error_report", filing.id,
                                                scope=filing.authority_code, detail={"upload_id": upload.id}))
        return self.blobs.download(upload.error_report_key, f"{_SHORT[upload.table]}错误报告.xlsx", REPORT_SECONDS)

    def diff(self, who: Principal, filing_id: str) -> dict[str, Any]:
        """Joined / left / changed contract against the last approved roster (counts, and the first
        people of each group, ID numbers masked), for whoever may read the filing."""
        return self.diff_of(self.filings.get(who, filing_id))

    @staticmethod
    def diff_of(filing: Filing) -> dict[str, Any]:
        """`diff` of a filing the caller has already read."""
        rs = filing.row_sets.get("table2")
        diff = rs.diff if rs else None
        if rs is None or diff is None:
            return {"base_filing_id": filing.base_filing_id, "base_year": None, "joined": None, "left": None,
                    "changed": None, "samples": {"joined": [], "left": [], "changed": []},
                    "carried_over": False}
        samples = {k: [listed_row(p) for p in v] for k, v in diff["samples"].items()}
        return {**diff, "samples": samples, "carried_over": bool(rs.carried_from)}

    def leavers(self, who: Principal, filing_id: str) -> list[dict[str, Any]]:
        """People on the last approved roster but not on this filing's, less those already in its 表三,
        as 表三 rows with what is known filled in (name, masked ID, gender, contract dates)."""
        return [listed_row(r) for r in self._leavers(who, filing_id)]

    def _leavers(self, who: Principal, filing_id: str) -> list[dict[str, Any]]:
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以下载离职人员表三")
        filing = self.filings.get(who, filing_id)
        base = self.store.get_filing(filing.base_filing_id) if filing.base_filing_id else None
        base_rs = base.row_sets.get("table2") if base else None
        rs = filing.row_sets.get("table2")
        if base_rs is None or rs is None or rs.version_key == base_rs.version_key:
            return []
        reader = RowReader(self.store)
        staying = {r["id_number"] for r in reader.rows(rs)}
        staying |= {r["id_number"] for r in reader.rows(filing.row_sets.get("table3"))}
        out: list[dict[str, Any]] = []
        for r in reader.rows(base_rs):
            if r["id_number"] not in staying:
                out.append({"seq": len(out) + 1, "name": r.get("name"), "id_type": r.get("id_type"),
                            "id_number": r["id_number"], "gender": r.get("gender"),
                            "contract_start": r.get("contract_start"), "contract_end": r.get("contract_end")})
        return out

    def check_leavers(self, who: Principal, filing_id: str) -> dict[str, Any]:
        """Whether `who` may have the leavers' workbook (refused at once, before its export is queued)."""
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以下载离职人员表三")
        return {"filing_id": self.filings.get(who, filing_id).id}

    def leavers_workbook(self, who: Principal, filing_id: str, *,
                         progress: Progress = NO_PROGRESS) -> tuple[bytes, str]:
        """The leavers as a 表三 workbook to complete (终止或解除日期, 类别, 原因代码, 补偿) and upload. Built by
        an export job (services/exports.py): it reads two rosters of up to 500,000 rows."""
        # excel.workbooks imports openpyxl: loaded only when the workbook is downloaded
        from ..excel.workbooks import rows_workbook

        filing = self.filings.get(who, filing_id)
        rows = self._leavers(who, filing_id)  # full ID numbers: the filer completes and uploads this file
        progress.expect(len(rows))
        data = rows_workbook("table3", ((i, r) for i, r in enumerate(progress.counted(rows), start=2)))
        self.store.append_audit(audit_event(self.clock.now(), who.username, "download_leavers", filing.id,
                                            scope=filing.authority_code, detail={"rows": len(rows)}))
        return data, f"{filing.year}年度离职人员{TABLE_TITLES['table3'][:2]}.xlsx"
