"""Use cases of the reviewing authority: the queue, reading a filing's rows, revealing an ID, deciding
(directly, in a batch of clean filings, or through a signed action link from a notification)."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from ..domain import calendar, jurisdiction
from ..domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed, problem
from ..domain.filing import KIND_LABEL, Filing, Status
from ..domain.identifiers import listed_row, mask_id
from ..domain.roles import PERMISSION_LABEL, Permission
from ..domain.tables import TABLE_TITLES
from ..ports import AlreadyExists, Clock, StaleVersion, Store
from .row_reader import RowReader
from .accounts import Principal
from .audit import audit_event, transition_audit
from .filings import FilingService
from .links import REVIEW, ActionLinks, LinkRefused
from .messages import review_decided
from .outbox import Outbox
from .persons import PersonIndex
from .versions import superseded_on_approval
from .progress import NO_PROGRESS, Progress

log = logging.getLogger(__name__)
LOST_RACE = "该备案已被其他审核员处理，请刷新后查看"
BATCH_MAX = 100  # filings one batch approval may name (each is its own write)

_LOOKS_LIKE_AN_ID = re.compile(r"\d{6,}")  # six digits or more: part of an ID number, not a name


class ReviewService:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox, filings: FilingService, links: ActionLinks,
                 person_index: PersonIndex, base_url: str, wake_jobs: Callable[[], None] | None = None):
        """`wake_jobs`: have the job worker look for queued jobs now (embedded: a background sweep; AWS: None,
        the sweep runs every minute)."""
        self.store, self.clock, self.outbox, self.filings, self.links = store, clock, outbox, filings, links
        self.person_index, self.wake_jobs = person_index, wake_jobs
        self.base_url = base_url.rstrip("/")

    @staticmethod
    def _reviewer(who: Principal) -> jurisdiction.Scope:
        if not who.is_reviewer:
            raise Forbidden("只有审核员可以查看审核列表")
        return jurisdiction.Scope(who.scope)

    def queue(self, who: Principal, *, status: str | None = None, year: int | None = None,
              division: str | None = None, unit_type: str | None = None, search: str | None = None,
              kind: str | None = None,
              page_token: str | None = None, limit: int = 50) -> tuple[list[Filing], str | None, dict[str, int]]:
        """(filings, next_page_token, counts per status) in the caller's scope, oldest waiting first."""
        scope = self._reviewer(who)
        authorities = scope.visible_authorities(division)
        if authorities == []:
            raise Forbidden("该行政区划不在您的管辖范围内")
        search = (search or "").strip() or None
        try:
            page = self.store.list_authority_filings(authorities, status=status or None, year=year,
                                                     unit_type=unit_type or None, search=search,
                                                     kind=kind if kind in KIND_LABEL else None, limit=limit,
                                                     page_token=page_token)
        except ValueError:
            raise ValidationFailed("翻页参数无效，请从第一页重新查看",
                                   [problem("page_token 无效", field="page_token")]) from None
        return page.items, page.next_page_token, self.store.count_authority_filings(authorities, year=year)

    def waiting_days(self, filing: Filing) -> int | None:
        """Working days a submitted filing has waited for a decision (None once decided or withdrawn)."""
        if filing.status != Status.SUBMITTED or filing.submitted_at is None:
            return None
        now = self.clock.now()
        return calendar.working_days_between(calendar.local_today(filing.submitted_at), calendar.local_today(now))

    def next_filing(self, who: Principal, after: str, *, year: int | None = None, division: str | None = None,
                    unit_type: str | None = None, search: str | None = None, kind: str | None = None) -> Filing | None:
        """The next filing awaiting a decision in the queue the reviewer worked from (its filters), other than
        `after`, and one the reviewer can decide."""
        items, _, _ = self.queue(who, status=Status.SUBMITTED.value, year=year, division=division,
                                 unit_type=unit_type, search=search, kind=kind, limit=20)
        scope = jurisdiction.Scope(who.scope)
        return next((f for f in items if f.id != after and scope.can_review(f.authority_code)), None)

    def approve_batch(self, who: Principal, picked: list[tuple[str, int]]) -> list[dict[str, Any]]:
        """Approve each picked (filing id, version the queue showed) that has no errors and no warnings; each is
        its own conditional write with its audit event and message, so one refused leaves the others decided.
        Per filing, in the order picked: {filing_id, unit_name, outcome (approved / skipped / failed), message}."""
        self._reviewer(who)
        if not picked:
            raise ValidationFailed("请先勾选要批量审核通过的备案", [problem("请勾选备案", field="filings")])
        if len(picked) > BATCH_MAX:
            raise ValidationFailed(f"一次最多批量审核{BATCH_MAX}份备案",
                                   [problem(f"最多{BATCH_MAX}份", field="filings")])
        return [self._approve_if_clean(who, filing_id, version) for filing_id, version in dict(picked).items()]

    def _approve_if_clean(self, who: Principal, filing_id: str, version: int) -> dict[str, Any]:
        result: dict[str, Any] = {"filing_id": filing_id, "unit_name": None}
        try:
            filing = self.filings.get(who, filing_id)
            result["unit_name"] = filing.unit_name
            checks = self.filings.checks(filing)
            if checks["errors"] or checks["warnings"]:
                return {**result, "outcome": "skipped", "message": "该备案有错误或提示，请逐份审核"}
            self.review(who, filing_id, decision="approve", reason=None, version=version)
        except DomainError as e:
            return {**result, "outcome": "failed", "message": e.message}
        return {**result, "outcome": "approved", "message": "已审核通过"}

    def rows(self, who: Principal, filing_id: str, table: str, *, offset: int = 0, limit: int = 50,
             search: str | None = None) -> tuple[list[dict[str, Any]], int]:
        """A page of 表二/表三 rows with ID numbers masked; `search` finds a name or ID number."""
        self._reviewer(who)
        filing = self.filings.get(who, filing_id)
        row_set = filing.row_sets.get(table)
        if row_set is None:
            return [], 0
        search = (search or "").strip()
        if _LOOKS_LIKE_AN_ID.search(search):  # finding a person by ID number confirms it: audited like a reveal
            self.store.append_audit(audit_event(self.clock.now(), who.username, "search_id", filing.id,
                                                scope=filing.authority_code,
                                                detail={"table": table, "search": mask_id(search)}))
        reader = RowReader(self.store)
        rows = reader.search(row_set, search, limit) if search else reader.page(row_set, offset, limit)
        return [{**listed_row(r), "index": n} for n, r in rows], row_set.rows

    def reveal_id(self, who: Principal, filing_id: str, table: str, row: int) -> str:
        """The full ID number of one row: an explicit, audited action."""
        self._reviewer(who)
        filing = self.filings.get(who, filing_id)
        row_set = filing.row_sets.get(table)
        one = RowReader(self.store).one(row_set, row) if row_set and row >= 0 else None
        if one is None:
            raise NotFound("该行不存在")
        found = [one]
        self.store.append_audit(audit_event(self.clock.now(), who.username, "reveal_id", filing.id,
                                            scope=filing.authority_code,
                                            detail={"table": table, "row": found[0].get("row"),
                                                    "name": found[0].get("name")}))
        return str(found[0]["id_number"])

    def review(self, who: Principal, filing_id: str, *, decision: str, reason: str | None, version: int) -> Filing:
        self._reviewer(who)
        filing = self.filings.get(who, filing_id)
        if not jurisdiction.Scope(who.scope).can_review(filing.authority_code):
            raise Forbidden("该备案不由您所在的审核机关审核，您只能查看")
        if version != filing.version:
            raise Conflict(LOST_RACE)
        now = self.clock.now()
        after = filing.review(decision=decision, reason=reason, actor=who.username, now=now)
        unit = self.store.get_unit(filing.uscc)
        messages = review_decided(self.clock, after, unit, f"{self.base_url}/employer/filings/{filing.id}",
                                  self.store.list_accounts(unit.uscc)) if unit else []
        # an approval sets off the person index (services/persons.py): its job is queued with the approval, and a
        # job worker writes it, so the approval answers at once whatever the roster's size
        index_job = self.person_index.job_for(after) if after.status == Status.APPROVED else None
        # a correction's approval puts it in force and supersedes the earlier version, atomically (§11)
        together = superseded_on_approval(self.store, after, now) if after.status == Status.APPROVED else []
        try:
            self.store.save_filing(after, expected_version=filing.version, messages=messages,
                                   audit=transition_audit(after), together=together,
                                   jobs=[index_job] if index_job else [])
        except StaleVersion:
            raise Conflict(LOST_RACE) from None
        if index_job is not None and self.wake_jobs:
            self.wake_jobs()
        self.outbox.deliver_soon()
        return after

    # a filing's 表二/表三 as a workbook (an export job: services/exports.py; a roster runs to 500,000 rows)
    def check_rows_export(self, who: Principal, filing_id: str, table: str, full_ids: bool = False) -> dict[str, Any]:
        """Refused at once unless `who` reads the filing, it holds `table`, and full ID numbers come with the
        permission (roles.Permission.EXPORT_FULL_IDS, granted through an application, 附件2)."""
        self._reviewer(who)
        filing = self.filings.get(who, filing_id)
        if table not in ("table2", "table3") or table not in filing.row_sets:
            raise NotFound("该备案没有这张表的数据")
        if full_ids and not who.can(Permission.EXPORT_FULL_IDS):
            raise Forbidden(f"您的账号没有“{PERMISSION_LABEL[Permission.EXPORT_FULL_IDS]}”权限，只能下载脱敏名册")
        return {"filing_id": filing.id, "table": table, "full_ids": bool(full_ids)}

    def rows_export(self, who: Principal, filing_id: str, table: str, full_ids: bool = False, *,
                    progress: Progress = NO_PROGRESS) -> tuple[bytes, str]:
        """The rows as the blank form lays them out, written as they stream from the store; ID numbers masked
        (and birth dates cut to the month) unless `full_ids`, which is audited as a reveal of every row."""
        from ..excel.workbooks import rows_workbook  # openpyxl: loaded only when a workbook is built

        self.check_rows_export(who, filing_id, table, full_ids)
        filing = self.filings.get(who, filing_id)
        row_set = filing.row_sets[table]
        progress.expect(row_set.rows)
        rows = progress.counted(RowReader(self.store).rows(row_set))
        data = rows_workbook(table, enumerate(rows if full_ids else map(listed_row, rows), start=2))
        self.store.append_audit(audit_event(
            self.clock.now(), who.username, "reveal_id" if full_ids else "download_rows", filing.id,
            scope=filing.authority_code,
            detail={"table": table, "rows": row_set.rows, **({"all_rows": True} if full_ids else {})}))
        suffix = "（完整证件号码）" if full_ids else ""
        return data, f"{filing.unit_name}{filing.year}年度{TABLE_TITLES[table][:2]}{suffix}.xlsx"

    # action links from notifications
    def open_link(self, who: Principal, token: str) -> Filing:
        """The filing a link is for, if the link may still be used by `who` (else LinkRefused)."""
        link = self.links.read(token, purpose=REVIEW, username=who.username)
        if self.store.claimed(link.claim_key):
            raise LinkRefused("此链接已使用过，不能再次办理；请在审核列表中查看结果")
        try:
            filing = self.filings.get(who, link.filing_id)
        except (NotFound, Forbidden):
            raise LinkRefused("链接对应的备案不存在或不在您的管辖范围内") from None
        if filing.status != Status.SUBMITTED:
            raise LinkRefused(f"该备案已被其他审核员处理（当前状态：{filing.status_label}）")
        if link.submission != filing.receipt_no:  # withdrawn and submitted again since the link was sent
            raise LinkRefused("此链接对应的提交已被单位撤回后重新提交；请在审核列表中办理（短时间内重复提交不再另发通知）")
        return filing

    def link_filing_id(self, who: Principal, token: str) -> str:
        """The filing a still-usable link names (to show its form again after a refused decision)."""
        return self.links.read(token, purpose=REVIEW, username=who.username).filing_id

    def act_by_link(self, who: Principal, token: str, *, decision: str, reason: str | None, version: int) -> Filing:
        filing = self.open_link(who, token)
        link = self.links.read(token, purpose=REVIEW, username=who.username)
        # everything that could refuse the decision is checked before the link is used up, so the reviewer
        # can correct the form and try again (a bad decision, a missing reason, a stale page)
        if version != filing.version:
            raise Conflict(LOST_RACE)
        filing.review(decision=decision, reason=reason, actor=who.username, now=self.clock.now())
        try:
            self.store.claim(link.claim_key, self.clock.now())
        except AlreadyExists:
            raise LinkRefused("此链接已使用过，不能再次办理；请在审核列表中查看结果") from None
        return self.review(who, filing.id, decision=decision, reason=reason, version=version)
