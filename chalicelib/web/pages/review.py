"""The reviewer's pages: the queue, a filing under review, and the action links sent in notifications."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import Conflict, ValidationFailed
from ..http import form_lists, int_param, year_param
from ..page import FORM, Page, page

if TYPE_CHECKING:
    from ...domain.filing import Filing

routes = Blueprint(__name__)


QUEUE_FILTERS = ("status", "year", "division", "unit_type", "kind", "q")


def _queue_filters(query: dict[str, str]) -> dict[str, str]:
    """The queue's filters as a query string holds them (the queue's own, or a filing page's `back`)."""
    return {"status": query.get("status", "submitted"), **{k: query.get(k, "") for k in QUEUE_FILTERS[1:]}}


def _queue_args(filters: dict[str, str]) -> dict[str, Any]:
    """The filters as the review service takes them."""
    return {"year": year_param(filters["year"] or None, default=None, lenient=True),
            "division": filters["division"] or None, "unit_type": filters["unit_type"] or None,
            "search": filters["q"], "kind": filters["kind"] or None}


@routes.route("/review", methods=["GET"])
@page("reviewer")
def queue(p: Page) -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    from ...domain.filing import KIND_LABEL, STATUS_LABEL
    from ...domain.reference import codes

    c = container()
    filters = _queue_filters(p.query)
    items, token, counts = c.review.queue(p.user, status=filters["status"] or None, page_token=p.query.get("page_token"),
                                          **_queue_args(filters))
    visible = jurisdiction.Scope(p.user.scope).visible_authorities()
    division_groups = [] if visible is not None and len(visible) == 1 else jurisdiction.authority_groups(visible)
    next_url = f"/review?{urlencode({**filters, 'page_token': token})}" if token else None
    scope = jurisdiction.Scope(p.user.scope)
    clean = {f.id for f in items if f.status.value == "submitted" and scope.can_review(f.authority_code)
             and not (checks := c.filings.checks(f))["errors"] and not checks["warnings"]}
    return p.render("review_queue.html", items=items, next_url=next_url, filters=filters, counts=counts,
                    statuses=STATUS_LABEL, kinds=KIND_LABEL, division_groups=division_groups,
                    unit_types=codes()["unit_type"], authority=jurisdiction.authority(p.user.scope),
                    authority_of=jurisdiction.authority, back=urlencode(filters), clean=clean,
                    waiting={f.id: c.review.waiting_days(f) for f in items}, desks=c.desks.desks_of(items))


@routes.route("/review/batch", methods=["POST"], content_types=FORM)
@page("reviewer")
def batch(p: Page) -> Response:
    """Batch approval of the filings ticked in the queue (each "id:version"): per filing what happened."""
    picked = []
    for value in form_lists(p.request).get("filing", []):
        filing_id, _, version = value.partition(":")
        picked.append((filing_id, int_param(version, "version", "版本号", default=0, lenient=True)))
    try:
        results = container().review.approve_batch(p.user, picked)
    except ValidationFailed as e:
        return p.render("error.html", e.status, message=e.message)
    return p.render("review_batch.html", results=results, back=p.form.get("back", ""))


def _filing_page(p: Page, filing_id: str, *, status: int = 200, message: str | None = None,
                 revealed: dict[int, str] | None = None, link_token: str | None = None) -> Response:
    """The filing under review: its data first (what changed since the authority last saw it, 表一 with codes
    named, the rows), then the decision; after a decision, a confirmation with the next filing of the queue."""
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    from ...domain.reference import policy
    from ...domain.tables import TABLE1
    c = container()
    filing = c.filings.get(p.user, filing_id)
    table = _shown_table(p, filing)
    offset = int_param(p.query.get("offset"), "offset", "起始行", default=0, lenient=True)
    changes_offset = int_param(p.query.get("changes_offset"), "changes_offset", "起始行", default=0, lenient=True)
    search = (p.query.get("q") or "").strip()
    rows, total = c.review.rows(p.user, filing_id, table, offset=offset, limit=50, search=search)
    rejection = filing.last_rejection
    # a correction: what it changes against the version in force (docs/rules.md §11); a resubmission: what
    # changed since the authority sent it back (§9)
    changes = c.versions.changes(p.user, filing_id, limit=50, paged=table, offset=changes_offset) \
        if filing.corrects else None
    resubmitted = c.versions.resubmission_changes(p.user, filing_id, limit=50, paged=table, offset=changes_offset) \
        if filing.status.value == "submitted" and not changes else None
    can_review = jurisdiction.Scope(p.user.scope).can_review(filing.authority_code)
    back = p.query.get("back") or p.form.get("back") or ""
    decided = {"approve": "approved", "reject": "rejected"}.get(p.query.get("decided", ""))
    decided = p.query["decided"] if decided == filing.status.value else None  # only the decision the filing holds
    next_filing = c.review.next_filing(p.user, filing.id, **_queue_args(_queue_filters(dict(parse_qsl(back))))) \
        if decided else None
    return p.render("review_filing.html", status, filing=filing, checks=c.filings.checks(filing), rows=rows,
                    actor_names=c.filings.actor_names(filing),
                    changes=changes or resubmitted, revocable=c.versions.revocable(filing),
                    revoke_days=policy().revoke_approval_days,
                    table=table, reasons=REASONS[filing.kind],
                    total=total, offset=offset, search=search, message=message, revealed=revealed or {},
                    table1_columns=TABLE1, link_token=link_token,
                    previous_rejection=rejection if filing.status.value == "submitted" else None,
                    can_review=can_review, authority=jurisdiction.authority(filing.authority_code),
                    desk=c.desks.desk(p.user, filing.id),
                    colleagues=c.desks.colleagues(filing) if can_review else [],
                    may_export_full_ids=p.user.can("filing.export_full_ids"),
                    back=back, decided=decided, next_filing=next_filing)


# stock reasons a reviewer may start from, by filing kind (an interim filing holds 表三 alone)
REASONS = {
    "annual": ("表一人数与表二名册人数不一致", "表二缺少部分职工信息", "劳动合同期限信息填写有误", "单位基本信息填写有误"),
    "interim": ("表三终止或解除日期填写有误", "表三类别与原因代码不符", "经济补偿信息填写有误", "表三缺少部分人员信息"),
}
REASONS["correction"] = ("更正内容与实际情况不符", "更正缺少必要说明", *REASONS["annual"])


def _shown_table(p: Page, filing: Filing) -> str:
    """The table whose rows the page lists: the one asked for (?table=), else 表二 if the filing has one."""
    asked = p.query.get("table") or p.form.get("table")
    if asked in ("table2", "table3") and asked in filing.row_sets:
        return asked
    return "table3" if "table3" in filing.row_sets and "table2" not in filing.row_sets else "table2"


def _version(p: Page, field: str = "version") -> int:
    """The version the reviewer's page showed; a missing or stray one is stale (the service's 409)."""
    return int_param(p.form.get(field), field, "版本号", default=-1, lenient=True)


@routes.route("/review/filings/{filing_id}", methods=["GET", "POST"], content_types=FORM)
@page("reviewer")
def filing(p: Page, filing_id: str) -> Response:
    if p.request.method == "POST":
        try:
            container().review.review(p.user, filing_id, decision=p.form.get("decision", ""),
                                      reason=p.form.get("reason"), version=_version(p))
        except (Conflict, ValidationFailed) as e:
            return _filing_page(p, filing_id, status=e.status, message=e.message)
        return p.go(_decided(filing_id, p.form.get("decision", ""), p.form.get("back", "")))
    return _filing_page(p, filing_id)


def _decided(filing_id: str, decision: str, back: str) -> str:
    """The filing's page with the decision's confirmation (and the next filing of the queue it came from)."""
    return f"/review/filings/{filing_id}?{urlencode({'decided': decision, 'back': back})}"


@routes.route("/review/filings/{filing_id}/hold", methods=["POST"], content_types=FORM)
@page("reviewer")
def hold(p: Page, filing_id: str) -> Response:
    """认领 (holder = oneself), 分派 (a colleague) or 放弃认领 (none)."""
    holder = p.form.get("holder") or None
    try:
        container().desks.hold(p.user, filing_id, holder=holder, version=_version(p, "desk_version"))
    except (Conflict, ValidationFailed) as e:
        return _filing_page(p, filing_id, status=e.status, message=e.message)
    return p.go(f"/review/filings/{filing_id}#desk")


@routes.route("/review/filings/{filing_id}/notes", methods=["POST"], content_types=FORM)
@page("reviewer")
def note(p: Page, filing_id: str) -> Response:
    """An internal note (never shown to the unit)."""
    try:
        container().desks.note(p.user, filing_id, text=p.form.get("text"), version=_version(p, "desk_version"))
    except (Conflict, ValidationFailed) as e:
        return _filing_page(p, filing_id, status=e.status, message=e.message)
    return p.go(f"/review/filings/{filing_id}#desk")


@routes.route("/review/filings/{filing_id}/export", methods=["POST"], content_types=FORM)
@page("reviewer")
def export(p: Page, filing_id: str) -> Response:
    """The filing's 表二/表三 as .xlsx, built by an export job (a roster runs to 500,000 rows)."""
    asked = container().exports.request(p.user, "filing_rows", filing_id=filing_id, table=p.form.get("table", ""),
                                        full_ids=p.form.get("full_ids") == "1")
    return p.go(f"/exports/{asked.id}")


@routes.route("/review/filings/{filing_id}/revoke", methods=["POST"], content_types=FORM)
@page("reviewer")
def revoke(p: Page, filing_id: str) -> Response:
    """撤销审核 (docs/rules.md §11); a refusal shows the page again with its message."""
    try:
        container().versions.revoke(p.user, filing_id, reason=p.form.get("reason"), version=_version(p))
    except (Conflict, ValidationFailed) as e:
        return _filing_page(p, filing_id, status=e.status, message=e.message)
    return p.go(f"/review/filings/{filing_id}")


@routes.route("/review/filings/{filing_id}/reveal", methods=["POST"], content_types=FORM)
@page("reviewer")
def reveal(p: Page, filing_id: str) -> Response:
    index = int_param(p.form.get("index"), "index", "行序号", default=-1, lenient=True)
    table = "table3" if p.form.get("table") == "table3" else "table2"
    return _filing_page(p, filing_id, revealed={index: container().review.reveal_id(p.user, filing_id, table,
                                                                                    index)})


@routes.route("/act/{token}", methods=["GET", "POST"], content_types=FORM)
@page()
def action_link(p: Page, token: str) -> Response:
    """A notification's link: sign in if needed, confirm on GET, act only on POST."""
    from ...services.links import LinkRefused  # cold start: domain data and models load on first use

    review = container().review  # (signed-out callers were already sent to sign in by the access guard)
    try:
        if p.request.method == "POST":
            decided = review.act_by_link(p.user, token, decision=p.form.get("decision", ""),
                                         reason=p.form.get("reason"), version=_version(p))
            return p.go(_decided(decided.id, p.form.get("decision", ""), ""))
        filing = review.open_link(p.user, token)
    except LinkRefused as e:
        return p.render("link_refused.html", 410, message=str(e))
    except ValidationFailed as e:  # the link is still unused: show the form again with the message
        return _filing_page(p, review.link_filing_id(p.user, token), status=422, message=e.message,
                            link_token=token)
    except Conflict as e:
        return p.render("link_refused.html", 409, message=e.message)
    return _filing_page(p, filing.id, link_token=token)
