"""Versions of a filing (docs/rules.md §11): corrections after approval (更正), revoking an approval (撤销审核),
deleting a draft never submitted, and what a correction changes against the version in force.

A correction is a filing of kind "correction" that `corrects` the approved version in force; that version
names it as its `open_correction` (one at a time), written in the correction's create transaction. The
correction's approval supersedes the earlier version in the approval's transaction (`superseded_on_approval`):
statistics, the person index and the share API read the version in force. The owing index follows the year's
annual filing only, so a unit with an approved filing stays filed whatever happens to its correction.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ..domain import calendar, jurisdiction, versions
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed, problem
from ..domain.filing import Filing, Seen, Status
from ..domain.identifiers import listed_row
from ..domain.reference import policy
from ..ports import BlobStore, Clock, StaleVersion, Store
from .row_reader import RowReader
from .accounts import Principal
from .audit import audit_event, transition_audit
from .filings import FilingService
from .messages import review_decided
from .outbox import Outbox

STALE = "备案已在别处被修改，请刷新后重试"


def superseded_on_approval(store: Store, correction: Filing, now: dt.datetime) -> list[tuple[Filing, int]]:
    """What a correction's approval writes with it: the version it corrects, superseded. Conflict if that
    version is no longer the one in force (its approval was revoked meanwhile)."""
    if correction.kind != "correction":
        return []
    earlier = store.get_filing(correction.corrects or "")
    if earlier is None or not earlier.in_force or earlier.open_correction != correction.id:
        raise Conflict("该更正所针对的版本已不是现行有效的版本（审核通过可能已被撤销），不能审核通过")
    return [(earlier.marked(now, superseded_by=correction.id, open_correction=None), earlier.version)]


class VersionService:
    def __init__(self, store: Store, blobs: BlobStore, clock: Clock, outbox: Outbox, filings: FilingService,
                 base_url: str):
        self.store, self.blobs, self.clock, self.outbox, self.filings = store, blobs, clock, outbox, filings
        self.base_url = base_url.rstrip("/")

    def open_correction(self, who: Principal, filing_id: str) -> Filing:
        """The filer opens a correction of its approved annual filing (or of the correction in force),
        until the next year's due date."""
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以更正备案")
        filing = self.filings.get(who, filing_id)
        now = self.clock.now()
        if filing.in_force and (error := versions.correction_error(filing.year, calendar.local_today(now))):
            raise Conflict(error)
        correction = filing.correction(new_id=uuid.uuid4().hex, now=now)
        try:
            self.store.create_filing(
                correction, together=[(filing.marked(now, open_correction=correction.id), filing.version)],
                audit=audit_event(now, who.username, "open_correction", correction.id, scope=filing.authority_code,
                                  detail={"corrects": filing.id, "correction_no": correction.correction_no,
                                          "year": filing.year}))
        except StaleVersion:
            raise Conflict("该备案已有正在办理的更正，或已在别处被修改，请刷新后查看") from None
        return correction

    def delete_draft(self, who: Principal, filing_id: str) -> None:
        """The filer deletes a draft never submitted, with its uploads, their rows and files (rows carried by
        reference belong to the approved filing and are never touched)."""
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以删除备案")
        filing = self.filings.get(who, filing_id)
        if filing.ever_submitted:
            raise Conflict("该备案曾经提交过（已撤回或已审核），办理记录需要保留，不能删除；请修改后重新提交")
        if filing.status != Status.DRAFT:
            raise Conflict(f"备案当前状态为“{filing.status_label}”，只有未提交过的草稿可以删除")
        now = self.clock.now()
        together = []
        earlier = self.store.get_filing(filing.corrects) if filing.corrects else None
        if earlier is not None and earlier.open_correction == filing.id:  # the corrected version is free again
            together.append((earlier.marked(now, open_correction=None), earlier.version))
        uploads = self.store.list_uploads(filing.id)
        try:
            self.store.delete_filing(filing, expected_version=filing.version, together=together, audit=audit_event(
                now, who.username, "delete_filing", filing.id, scope=filing.authority_code,
                detail={"from": filing.status.value, "to": "deleted", "year": filing.year, "kind": filing.kind,
                        "uploads": len(uploads)}))
        except StaleVersion:
            raise Conflict(STALE) from None
        for row_set in filing.row_sets.values():  # its own online edits (rows added online included)
            if filing.disposable_edits(row_set):
                self.store.delete_rows(row_set.edits_id or "")
        for upload in uploads:  # only this filing's own uploads: carried rows are another filing's
            self.store.delete_rows(upload.id)
            for key in (upload.blob_key, upload.error_report_key, upload.masked_report_key):
                if key:
                    self.blobs.delete(key)
            self.store.delete_upload(upload.id)

    def revoke(self, who: Principal, filing_id: str, *, reason: str | None, version: int) -> Filing:
        """撤销审核: a reviewer of the filing's authority sends an approved filing back as rejected, within the
        window; the unit owes the year again (if it was its annual filing) and is told."""
        if not who.is_reviewer:
            raise Forbidden("只有审核员可以撤销审核")
        filing = self.filings.get(who, filing_id)
        if not jurisdiction.Scope(who.scope).can_review(filing.authority_code):
            raise Forbidden("该备案不由您所在的审核机关审核，不能撤销审核")
        if version != filing.version:
            raise Conflict(STALE)
        now = self.clock.now()
        after = filing.revoke(reason=reason, actor=who.username, now=now, window_days=policy().revoke_approval_days)
        together = []
        earlier = self.store.get_filing(filing.corrects) if filing.corrects else None
        if earlier is not None and earlier.superseded_by == filing.id:
            # the earlier version is in force again; the correction, rejected, is its open correction again
            together.append((earlier.marked(now, superseded_by=None, open_correction=filing.id), earlier.version))
        unit = self.store.get_unit(filing.uscc)
        messages = review_decided(self.clock, after, unit, f"{self.base_url}/employer/filings/{filing.id}",
                                  self.store.list_accounts(unit.uscc)) if unit else []
        try:
            self.store.save_filing(after, expected_version=filing.version, together=together, messages=messages,
                                   audit=transition_audit(after))
        except StaleVersion:
            raise Conflict(STALE) from None
        self.outbox.deliver_soon()
        return after

    def revocable(self, filing: Filing) -> bool:
        """Whether the page should offer 撤销审核 (the domain decides on the request)."""
        return filing.revoke_refusal(self.clock.now(), policy().revoke_approval_days) is None

    def correctable(self, filing: Filing) -> bool:
        """Whether the filer's page should offer 更正."""
        return (filing.in_force and not filing.open_correction
                and versions.correction_error(filing.year, calendar.local_today(self.clock.now())) is None)

    def changes(self, who: Principal, filing_id: str, table: str | None = None, *, paged: str | None = None,
                offset: int = 0, limit: int = 50) -> dict[str, Any]:
        """What a correction changes against the version it corrects: 表一 field by field and, for each of 表二/表三
        (or `table` alone), the rows added / removed / changed by ID number (masked), counted, and listed a page
        at a time (`offset` pages `table`, or `paged`; another table's list starts at its first row)."""
        filing = self.filings.get(who, filing_id)
        earlier = self.store.get_filing(filing.corrects) if filing.corrects else None
        if earlier is None:
            raise NotFound("该备案不是更正，没有可比较的版本")
        before = Seen(table1=earlier.table1, uploads={t: rs.upload_id for t, rs in earlier.row_sets.items()},
                      edits={t: rs.edits_id for t, rs in earlier.row_sets.items() if rs.edits_id})
        return {"against": "correction", "corrects": earlier.id, "corrects_title": earlier.title,
                "correction_no": filing.correction_no,
                **self._compare(before, filing, table, paged=paged or table, offset=offset, limit=limit)}

    def resubmission_changes(self, who: Principal, filing_id: str, table: str | None = None, *,
                             paged: str | None = None, offset: int = 0, limit: int = 50) -> dict[str, Any] | None:
        """What the unit changed since the authority last sent the filing back (a rejection or a revoked
        approval), in the same shape as `changes`; None if it never did (or did before this was kept)."""
        filing = self.filings.get(who, filing_id)
        seen, rejection = filing.last_seen, filing.last_rejection
        if seen is None or rejection is None:
            return None
        return {"against": "resubmission", "sent_back_at": rejection.at,
                **self._compare(seen, filing, table, paged=paged or table, offset=offset, limit=limit)}

    def _compare(self, before: Seen, filing: Filing, table: str | None, *, paged: str | None, offset: int,
                 limit: int) -> dict[str, Any]:
        if table is not None and table not in ("table2", "table3"):
            raise ValidationFailed("只能比较表二或表三", [problem("table 只能是 table2 或 table3", field="table")])
        after = {t: rs.version_key for t, rs in filing.row_sets.items()}
        tables = [t for t in ("table2", "table3") if t in filing.tables or t in before.uploads]
        return {"table1": versions.table1_changes(before.table1, filing.table1),
                "tables": {t: self._row_changes(_version(before, t), after.get(t), t, offset if t == paged else 0,
                                                limit)
                           for t in tables if table is None or t == table}}

    def _row_changes(self, before: RowVersion | None, after: RowVersion | None, table: str, offset: int,
                     limit: int) -> dict[str, Any]:
        if before is not None and before == after:  # the same upload: nothing changed
            return {"added": 0, "changed": 0, "removed": 0, "total": 0, "offset": offset, "limit": limit, "items": []}
        diff = versions.row_changes(self._rows(before), self._rows(after), table, offset=offset, limit=limit)
        for item in diff["items"]:
            item["before"] = item["before"] and listed_row(item["before"])
            item["after"] = item["after"] and listed_row(item["after"])
        return diff

    def _rows(self, version: RowVersion | None) -> versions.Rows:
        reader = RowReader(self.store)
        return (lambda: (r for _, r in reader.numbered(*version))) if version is not None else (lambda: ())


RowVersion = tuple[str, str | None]  # RowSet.version_key: an upload and the online edits over it


def _version(seen: Seen, table: str) -> RowVersion | None:
    upload = seen.uploads.get(table)
    return (upload, seen.edits.get(table)) if upload is not None else None
