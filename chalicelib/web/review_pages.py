"""Reviewer pages: the queue, a filing under review, action links from notifications; the audit log."""
from __future__ import annotations

from urllib.parse import urlencode

from chalice import Blueprint

from ..bootstrap import container as _c
from .pages import FORM, Page, page

review_pages = Blueprint(__name__)


def _int_or(value, default: int) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return default


@review_pages.route("/review", methods=["GET"])
@page("reviewer")
def queue(p: Page):
    from ..domain import jurisdiction
    from ..domain.filing import STATUS_LABEL
    from ..domain.reference import codes
    q = p.request.query_params or {}
    filters = {"status": q.get("status", "submitted"), "year": q.get("year", ""), "division": q.get("division", ""),
               "unit_type": q.get("unit_type", ""), "q": q.get("q", "")}
    year = _int_or(filters["year"], 0) or None
    items, token, counts = _c().review.queue(
        p.who, status=filters["status"] or None, year=year, division=filters["division"] or None,
        unit_type=filters["unit_type"] or None, search=filters["q"], page_token=q.get("page_token"))
    scope = jurisdiction.Scope(p.who.scope)
    visible = scope.visible_authorities()
    divisions = [] if visible is None or len(visible) == 1 else [jurisdiction.authority(code) for code in visible]
    next_url = f"/review?{urlencode({**filters, 'page_token': token})}" if token else None
    return p.render("review_queue.html", items=items, next_url=next_url, filters=filters, counts=counts,
                    statuses=STATUS_LABEL, divisions=divisions, unit_types=codes()["unit_type"],
                    authority=jurisdiction.authority(p.who.scope), authority_of=jurisdiction.authority)


def _filing_page(p: Page, filing_id: str, *, status: int = 200, message: str | None = None,
                 revealed: dict | None = None, link_token: str | None = None):
    from ..domain import jurisdiction
    from ..domain.tables import TABLE1
    c = _c()
    q = p.request.query_params or {}
    filing = c.filings.get(p.who, filing_id)
    offset, search = _int_or(q.get("offset"), 0), (q.get("q") or "").strip()
    rows, total = c.review.rows(p.who, filing_id, "table2", offset=offset, limit=50, search=search)
    rejection = filing.last_rejection
    return p.render("review_filing.html", status, filing=filing, checks=c.filings.checks(filing), rows=rows,
                    total=total, offset=offset, search=search, message=message, revealed=revealed or {},
                    table1_columns=TABLE1, link_token=link_token,
                    previous_rejection=rejection if filing.status.value == "submitted" else None,
                    can_review=jurisdiction.Scope(p.who.scope).can_review(filing.authority_code),
                    authority=jurisdiction.authority(filing.authority_code))


@review_pages.route("/review/filings/{filing_id}", methods=["GET", "POST"], content_types=FORM)
@page("reviewer")
def filing(p: Page, filing_id):
    from ..domain.errors import Conflict, ValidationFailed
    if p.request.method == "POST":
        try:
            _c().review.review(p.who, filing_id, decision=p.form.get("decision", ""), reason=p.form.get("reason"),
                               version=_int_or(p.form.get("version"), 0))
        except (Conflict, ValidationFailed) as e:
            return _filing_page(p, filing_id, status=409 if isinstance(e, Conflict) else 422, message=e.message)
        return p.go(f"/review/filings/{filing_id}")
    return _filing_page(p, filing_id)


@review_pages.route("/review/filings/{filing_id}/reveal", methods=["POST"], content_types=FORM)
@page("reviewer")
def reveal(p: Page, filing_id):
    index = _int_or(p.form.get("index"), -1)
    number = _c().review.reveal_id(p.who, filing_id, "table2", index)
    return _filing_page(p, filing_id, revealed={index: number})


@review_pages.route("/act/{token}", methods=["GET", "POST"], content_types=FORM)
@page()
def action_link(p: Page, token):
    """A notification's link: sign in if needed, confirm on GET, act only on POST."""
    from ..domain.errors import Conflict, ValidationFailed
    from ..services.links import REVIEW, LinkRefused
    c = _c()  # (signed-out callers were already sent to sign in by the access guard)
    try:
        if p.request.method == "POST":
            decided = c.review.act_by_link(p.who, token, decision=p.form.get("decision", ""),
                                           reason=p.form.get("reason"), version=_int_or(p.form.get("version"), 0))
            return p.go(f"/review/filings/{decided.id}")
        filing = c.review.open_link(p.who, token)
    except LinkRefused as e:
        return p.render("link_refused.html", 410, message=str(e))
    except ValidationFailed as e:  # the link is still unused: show the form again with the message
        filing_id = c.review.links.read(token, purpose=REVIEW, username=p.who.username).filing_id
        return _filing_page(p, filing_id, status=422, message=e.message, link_token=token)
    except Conflict as e:
        return p.render("link_refused.html", 409, message=e.message)
    return _filing_page(p, filing.id, link_token=token)


@review_pages.route("/audit", methods=["GET"])
@page("auditor")
def audit(p: Page):
    from ..domain.jurisdiction import authority
    events = _c().audit.read(p.who, limit=200)
    return p.render("audit.html", events=events, authority=authority(p.who.scope))
