"""Help for a clerk who files alone (docs/rules.md §1 help): the 办事指南, the 常见问题 and 进度查询. Public pages:
a unit reads them before it has an account; 进度查询 lists a signed-in unit's own filings, and points anyone else
to 回执查验 (/verify)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ..page import Page, page

routes = Blueprint(__name__)


@routes.route("/help", methods=["GET"])
@page()
def guide(p: Page) -> Response:
    """办事指南: basis, who files, where, deadlines, materials, steps, time limits, and every authority's phone."""
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    from ...domain.reference import authority_phone, policy
    pol = policy()
    contacts = [(group, [(a, authority_phone(a.code)) for a in authorities])
                for group, authorities in jurisdiction.authority_groups(None)]
    return p.render("help.html", due=pol.annual_due_month_day, review_days=pol.reviewer_digest_after_working_days,
                    contacts=contacts)


@routes.route("/help/faq", methods=["GET"])
@page()
def faq(p: Page) -> Response:
    from ...domain.faq import entries  # cold start: domain data and models load on first use
    return p.render("faq.html", questions=[(e.question, e.answer) for e in entries()])


@routes.route("/progress", methods=["GET"])
@page()
def progress(p: Page) -> Response:
    """进度查询: a filer sees where each of its filings stands; anyone else is shown how to check a 回执号."""
    if p.who and p.who.is_filer:
        return p.render("progress.html", filings=container().filings.list(p.who))
    return p.render("progress.html", filings=None)
