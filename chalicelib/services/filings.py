"""Use cases of a filing: create, fill 表一, upload 表二/表三, submit, withdraw, read. (Reviewing: review.py)

chalicelib/excel is imported inside the methods that use it: it is the openpyxl/python_calamine side of the
package, kept off the cold-start path.
"""
from __future__ import annotations

import builtins
import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from ..domain import calendar, jurisdiction, transfers, unit_life
from ..domain.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed, problem
from ..domain.filing import Filing, Status, receipt_number
from ..domain.identifiers import listed_row, masked_text
from ..domain.model import JobKind, Unit, Upload
from ..domain.reference import policy
from ..domain.checks import BUCKETS, cross_table_warnings, routing_warning
from ..domain.tables import COLUMNS, TABLE_TITLES, clean_table1, signing_rate
from ..ports import AlreadyExists, BlobStore, Clock, StaleVersion, Store
from .accounts import Principal
from . import prefill
from .audit import audit_event, transition_audit
from .links import REVIEW, ActionLinks
from .messages import review_requested
from .outbox import Outbox
from .row_reader import RowReader

log = logging.getLogger(__name__)
BLANK_FORM_NAMES = {"table1": "表一.xlsx", "table2": "表二.xlsx", "table3": "表三.xlsx"}  # filename* (RFC 6266)
_NO_SUMMARY = {"rows": 0, "male": 0, "female": 0, **dict.fromkeys(BUCKETS, 0)}


@dataclass(frozen=True)
class EmployerHome:
    """What the employer's home page shows: the unit, its filings and what it should file next."""
    unit: Unit
    authority: jurisdiction.Authority
    filings: list[Filing]
    today: dt.date
    year: int  # the annual filing due now: last year's
    due: dt.date
    has_annual: bool
    overdue: bool
    missed: list[int]  # earlier years not filed (补报), newest first
    interim_years: list[int]  # years a 表三-only filing can be made for

    # the home is a task list (docs/rules.md §1): what needs doing now comes first
    @property
    def sent_back(self) -> list[Filing]:
        """Rejected (or revoked) filings: the reason and 修改并重新提交, before anything else."""
        return [f for f in self.filings if f.status == Status.REJECTED]

    @property
    def drafts(self) -> list[Filing]:
        """Filings begun and not submitted, corrections (更正) included."""
        return [f for f in self.filings if f.status == Status.DRAFT]

    @property
    def due_soon(self) -> bool:
        """The year's annual filing is not begun and its due date is near (the first reminder's distance) or past."""
        return not self.has_annual and (self.due - self.today).days <= max(policy().reminder_days_before_due)


class FilingService:
    def __init__(self, store: Store, blobs: BlobStore, clock: Clock, outbox: Outbox, links: ActionLinks):
        self.store, self.blobs, self.clock, self.outbox, self.links = store, blobs, clock, outbox, links

    # access
    def get(self, who: Principal, filing_id: str) -> Filing:
        """The filing if `who` may read it; 404 otherwise (and 403 for a reviewer outside scope). A reviewer
        sees a unit's filing once it has been submitted: a draft is the unit's own business until then."""
        filing = self.store.get_filing(filing_id)
        if filing is None:
            raise NotFound("备案不存在")
        if who.is_filer and filing.uscc == who.scope:
            return filing
        if who.is_reviewer:
            if not transfers.reads_filing(who.scope, filing, self.store.get_unit):
                raise Forbidden("该备案不在您的管辖范围内")
            if filing.submitted_at is None:
                raise NotFound("该备案尚未提交，提交前审核机关看不到其内容")
            return filing
        raise NotFound("备案不存在")

    def _own_editable(self, who: Principal, filing_id: str) -> Filing:
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以修改备案")
        filing = self.get(who, filing_id)
        filing.require_editable()
        return filing

    def list(self, who: Principal, *, status: str | None = None, year: int | None = None) -> list[Filing]:
        """The unit's own filings (reviewers use ReviewService.queue)."""
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以查看本单位备案")
        return [f for f in self.store.list_unit_filings(who.scope)
                if (not status or f.status == status) and (not year or f.year == year)]

    # employer side
    def home(self, who: Principal) -> EmployerHome:
        filings = self.list(who)
        unit = self.store.get_unit(who.scope)
        if unit is None:
            raise NotFound("单位不存在")
        today = calendar.local_today(self.clock.now())
        year, first = today.year - 1, policy().first_filing_year
        filed = {f.year for f in filings if f.kind == "annual"}
        owed = set(unit_life.years_owed(unit, today))  # founding date, closure (docs/rules.md §11)
        if unit.founded_on is None:  # the rule it registered under: earlier years may be filed late
            owed |= set(range(first, year))
        return EmployerHome(unit=unit, authority=jurisdiction.authority(unit.authority_code), filings=filings,
                            today=today, year=year, due=calendar.due_date(year),
                            has_annual=year in filed or year not in owed, overdue=calendar.is_overdue(year, today),
                            missed=[y for y in range(year - 1, first - 1, -1) if y not in filed and y in owed],
                            interim_years=[] if unit_life.is_closed(unit) else
                            [y for y in (today.year, today.year - 1) if y >= first])

    @staticmethod
    def blank_form(table: str) -> tuple[bytes, str]:
        """The blank 表一/表二/表三 workbook to fill in and upload, and its file name."""
        from ..excel.blank_forms import blank_form

        if table not in TABLE_TITLES:
            raise NotFound("没有这个模板（可下载 table1、table2、table3）")
        return blank_form(table), BLANK_FORM_NAMES[table]

    def actor_names(self, filing: Filing) -> dict[str, str]:
        """Who acted in the filing's history, by display name (a unit's name, a reviewer's name), not login name."""
        names = {}
        for username in {t.actor for t in filing.history}:
            account = self.store.get_account(username)
            names[username] = account.display_name if account and account.display_name else username
        return names

    def table1_start(self, filing: Filing) -> dict[str, Any]:
        """What the 表一 form starts with: the saved 表一, else the last approved 表一's unit fields, else
        the registration."""
        return filing.table1 or prefill.defaults_for(self.store, filing)

    def create(self, who: Principal, year: int, kind: str = "annual") -> Filing:
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以创建备案")
        unit = self.store.get_unit(who.scope)
        if unit is None:
            raise NotFound("单位不存在")
        today = calendar.local_today(self.clock.now())
        if kind not in ("annual", "interim"):
            raise ValidationFailed("备案类型只能是年度备案或单独填报表三",
                                   [problem("kind 只能是 annual 或 interim", column="备案类型", field="kind")])
        error = calendar.annual_year_error(year, today) if kind == "annual" else calendar.interim_year_error(year, today)
        if error := error or unit_life.filing_refusal(unit, year, kind):
            raise ValidationFailed(error, [problem(error, column="备案年度", field="year")])
        earlier = [f for f in self.store.list_unit_filings(unit.uscc) if f.kind == "annual" and f.year < year]
        now = self.clock.now()
        base = prefill.base_filing(self.store, unit.uscc, year) if kind == "annual" else None
        filing = Filing(id=uuid.uuid4().hex, uscc=unit.uscc, unit_name=unit.name, unit_type=unit.unit_type,
                        authority_code=unit.authority_code,
                        year=year, kind=kind, tables=calendar.tables_for(kind, first_annual=not earlier),
                        created_at=now, updated_at=now, base_filing_id=base.id if base else None,
                        row_sets=prefill.carried_roster(base))
        try:
            self.store.create_filing(filing, audit=audit_event(now, who.username, "create_filing", filing.id, scope=filing.authority_code,
                                                               detail={"year": year, "kind": kind}))
        except AlreadyExists:
            raise Conflict(f"{year}年度的年度备案已存在；已审核通过的备案如需修改，请在该备案页面办理更正") from None
        return filing

    def save_table1(self, who: Principal, filing_id: str, data: dict[str, Any]) -> Filing:
        filing = self._own_editable(who, filing_id)
        if "table1" not in filing.tables:
            raise ValidationFailed("本次备案不含表一")
        values, errors = clean_table1(data, prefill.defaults_for(self.store, filing))
        if errors:
            raise ValidationFailed("表一填写有误，请按提示修改", errors)
        # 在册 = 0 (零申报) lets a carried roster go; 在册 > 0 again brings it back (§11)
        return self._save(filing, filing.edited(self.clock.now(), **filing.table1_changes(
            values, prefill.carried_table2(self.store, filing))))

    def remove_rows(self, who: Principal, filing_id: str, table: str) -> Filing:
        """The filer takes an uploaded 表二 or 表三 out of its filing (a 零申报's roster, a wrong file); rows carried
        over from the approved filing stay that filing's, uploaded ones are deleted. Audited."""
        filing = self._own_editable(who, filing_id)
        if table not in ("table2", "table3"):
            raise NotFound("没有这张表")
        removed = filing.row_sets.get(table)
        after = filing.edited(self.clock.now(), **filing.without_rows(table))
        try:
            self.store.save_filing(after, expected_version=filing.version, audit=audit_event(
                self.clock.now(), who.username, "remove_rows", filing.id, scope=filing.authority_code,
                detail={"table": table, "rows": removed.rows if removed else 0}))
        except StaleVersion:
            raise Conflict("备案已在别处被修改，请刷新后重试") from None
        if removed is not None and filing.disposable(removed):
            self.store.delete_rows(removed.upload_id)
        if removed is not None and filing.disposable_edits(removed):
            self.store.delete_rows(removed.edits_id or "")
        return after

    def _save(self, before: Filing, after: Filing) -> Filing:
        try:
            self.store.save_filing(after, expected_version=before.version)
        except StaleVersion:
            raise Conflict("备案已在别处被修改，请刷新后重试") from None
        return after

    def start_upload(self, who: Principal, filing_id: str, table: str, filename: str,
                     redirect: str | None = None) -> tuple[Upload, dict[str, Any]]:
        """A new upload and the presigned form to post its file with (`redirect`: where storage sends the browser
        after, `{upload_id}` filled in)."""
        upload = self.new_upload(who, filing_id, table, filename)
        return upload, self.upload_post(who, upload, redirect and redirect.replace("{upload_id}", upload.id))

    def upload_post(self, who: Principal, upload: Upload, redirect: str | None = None) -> dict[str, Any]:
        """The presigned form for `upload`'s file (again on every call: the upload page may be reloaded)."""
        self._own_editable(who, upload.filing_id)
        return self.blobs.presigned_post(upload.blob_key, max_bytes=policy().upload_max_bytes, redirect=redirect)

    def new_upload(self, who: Principal, filing_id: str, table: str, filename: str) -> Upload:
        from ..excel.reader import check_filename
        filing = self._own_editable(who, filing_id)
        if table not in filing.tables:
            raise ValidationFailed("本次备案不能上传该表", [problem("table 只能是本次备案包含的 table1、table2 或 table3",
                                                                   column="表", field="table")])
        if message_ := check_filename(filename or ""):
            raise ValidationFailed(message_, [problem(message_, column="文件", field="filename")])
        now = self.clock.now()
        upload_id = uuid.uuid4().hex
        upload = Upload(id=upload_id, filing_id=filing.id, table=table, filename=filename,
                        blob_key=f"uploads/{upload_id}.xlsx", created_at=now, updated_at=now)
        self.store.put_upload(upload)
        return upload

    def get_upload(self, who: Principal, filing_id: str, upload_id: str) -> Upload:
        """The upload as its filer or a reviewer sees it (an import whose process died shows as failed). The error
        messages may quote an ID number or a birth date: a reviewer reads them masked, and its error report is
        the masked copy (docs/rules.md §10)."""
        self.get(who, filing_id)
        upload = self.store.get_upload(upload_id)
        if upload is None or upload.filing_id != filing_id:
            raise NotFound("上传记录不存在")
        job = self.store.get_job(JobKind.IMPORT, upload.id) if upload.status == "processing" else None
        upload = upload.as_seen_at(self.clock.now(), job)
        if who.is_filer:
            return upload
        return upload.model_copy(update={
            "errors": [{**e, "message": masked_text(str(e.get("message", "")))} for e in upload.errors],
            "error_report_key": upload.masked_report_key})

    def rows(self, who: Principal, filing_id: str, table: str, *, offset: int = 0, limit: int = 50
             ) -> tuple[builtins.list[dict[str, Any]], int]:  # builtins: `list` here is the method above
        filing = self.get(who, filing_id)
        if table not in COLUMNS or table == "table1":
            raise NotFound("没有这张表")
        row_set = filing.row_sets.get(table)
        if row_set is None:
            return [], 0
        rows = RowReader(self.store).page(row_set, offset, limit)
        return [{**listed_row(r), "index": n} for n, r in rows], row_set.rows

    def checks(self, filing: Filing) -> dict[str, Any]:
        """What stands between the filing and submission (errors) and what a reviewer should look at."""
        # what is missing or contradictory (表二 unless 零申报, docs/rules.md §11) is the domain's rule
        errors: builtins.list[dict[str, Any]] = filing.completeness_errors()
        warnings: builtins.list[dict[str, Any]] = []
        roster = filing.row_sets.get("table2")
        cross: builtins.list[dict[str, Any]] = []
        if "table2" in filing.tables and filing.table1 and roster and not filing.zero_report:
            cross = cross_table_warnings(filing.table1, roster.summary)
            if roster.summary is None:  # a roster imported before summaries were kept: the count only
                cross = [w for w in cross_table_warnings(filing.table1, {**_NO_SUMMARY, "rows": roster.rows})
                         if w["field"] == "employees"]
        if policy().cross_table_checks_block_submit:
            errors += cross
        else:
            warnings += cross
        if "table1" in filing.tables and (moved := routing_warning(filing.table1, filing.authority_code)):
            warnings.append(moved)
        if "table3" in filing.row_sets:
            warnings += filing.row_sets["table3"].warnings
        rate = signing_rate(filing.table1) if filing.table1 else None
        return {"errors": errors, "warnings": warnings, "signing_rate": rate}

    def submit(self, who: Principal, filing_id: str, *, declaration_accepted: bool) -> Filing:
        """Submit with the 承诺 accepted (docs/rules.md §4): its text goes into the history and the audit event."""
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以提交备案")
        filing = self.get(who, filing_id)
        if filing.status == Status.SUBMITTED:
            return filing  # a repeated submit answers with the same receipt
        filing.require_editable()
        # a unit's life may forbid a first submission; one withdrawn or rejected goes back in (§11)
        unit = None if any(t.action == "submit" for t in filing.history) else self.store.get_unit(filing.uscc)
        if unit is not None and (refusal := unit_life.filing_refusal(unit, filing.year, filing.kind)):
            raise Conflict(refusal)
        if errors := self.checks(filing)["errors"]:
            raise ValidationFailed("备案内容不完整，不能提交", errors)
        if declaration_accepted is not True:
            raise ValidationFailed("请阅读并勾选承诺后再提交", [problem("请勾选“本单位承诺所填报的信息真实、准确、完整”",
                                                                 column="承诺", field="declaration_accepted")])
        now = self.clock.now()
        # each submission notifies every reviewer of the authority: a unit cannot flood them by
        # withdrawing and submitting again and again
        limit = policy().submits_per_filing_per_hour
        if self.store.next_sequence(f"submits#{filing.id}#{now:%Y%m%d%H}") > limit:
            raise RateLimited(f"提交过于频繁：同一备案每小时最多提交{limit}次，请稍后再试")
        receipt = receipt_number(filing.authority_code, filing.year,
                                 self.store.next_sequence(f"receipt#{filing.authority_code}#{filing.year}"))
        after = filing.submit(actor=who.username, now=now, receipt_no=receipt)
        messages = [m for reviewer in self.store.list_accounts(filing.authority_code)
                    if reviewer.role == "operator" and reviewer.status == "active"
                    for m in review_requested(self.clock, after, reviewer,
                                              self.links.url(REVIEW, filing.id, reviewer.username, receipt))]
        try:
            self.store.save_filing(after, expected_version=filing.version, messages=messages,
                                   audit=transition_audit(after))
        except StaleVersion:
            current = self.store.get_filing(filing.id)
            # a double click or a retry won: answer with its receipt
            if current is not None and current.status == Status.SUBMITTED:
                return current
            raise Conflict("备案已在别处被修改，请刷新后重试") from None
        self.outbox.deliver_soon()
        return after

    def withdraw(self, who: Principal, filing_id: str) -> Filing:
        if not who.is_filer:
            raise Forbidden("只有用人单位备案填报员可以撤回备案")
        filing = self.get(who, filing_id)
        now = self.clock.now()
        after = filing.withdraw(actor=who.username, now=now)
        try:
            self.store.save_filing(after, expected_version=filing.version, audit=transition_audit(after))
        except StaleVersion:
            raise Conflict("审核机关已处理该备案，不能撤回") from None
        return after


