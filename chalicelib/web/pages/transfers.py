"""变更审核机关 (docs/rules.md §11): the reviewer's incoming and outgoing transfers, the request form (the unit's
own, or a reviewer's for a unit of its authority; the province's direct transfer), a transfer with its decision
forms and the unit's filings the reader may open."""
from __future__ import annotations

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import ValidationFailed
from ..http import int_param
from ..page import FORM, Page, page

routes = Blueprint(__name__)


@routes.route("/transfers", methods=["GET"])
@page("reviewer")
def listing(p: Page) -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    incoming, outgoing = container().transfers.lists(p.user)
    return p.render("transfers.html", incoming=incoming, outgoing=outgoing,
                    authority=jurisdiction.authority(p.user.scope))


@routes.route("/transfers/new", methods=["GET", "POST"], content_types=FORM)
@page("any")
def ask(p: Page) -> Response:
    """The unit asks for itself; a reviewer names the unit (?uscc=, or the form's field)."""
    uscc = p.user.scope if p.user.is_filer else (p.form.get("uscc") or p.query.get("uscc") or "").strip()
    if not uscc:
        return p.render("transfer_new.html", form=None)
    transfers = container().transfers
    errors, message = [], None
    if p.request.method == "POST":
        try:
            transfer = transfers.ask(p.user, uscc, to_code=p.form["to_code"], reason=p.form["reason"],
                                     direct=p.form.get("direct") == "1")
        except ValidationFailed as e:
            errors, message = e.details, e.message
        else:
            return p.go(f"/transfers/{transfer.id}")
    form = transfers.form(p.user, uscc)
    return p.render("transfer_new.html", 422 if errors else 200, form=form, values=p.form, errors=errors,
                    message=message)


def _transfer_page(p: Page, transfer_id: str, status: int = 200, message: str | None = None,
                   errors: list[dict[str, object]] | None = None) -> Response:
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    from ...domain.transfers import ACTION_LABEL
    transfers = container().transfers
    transfer = transfers.get(p.user, transfer_id)
    return p.render("transfer.html", status, transfer=transfer, filings=transfers.history(p.user, transfer),
                    labels=ACTION_LABEL, authority_of=jurisdiction.authority,
                    receiver=p.user.is_reviewer and jurisdiction.Scope(p.user.scope).can_review(transfer.to_code),
                    asker=p.user.scope == transfer.asker_side, message=message, errors=errors or [])


@routes.route("/transfers/{transfer_id}", methods=["GET"])
@page("any")
def detail(p: Page, transfer_id: str) -> Response:
    return _transfer_page(p, transfer_id)


def _version(p: Page) -> int:
    """The version the page showed; a missing or stray one is stale (the service's 409)."""
    return int_param(p.form.get("version"), "version", "版本号", default=0, lenient=True)


@routes.route("/transfers/{transfer_id}/accept", methods=["POST"], content_types=FORM)
@page("reviewer")
def accept(p: Page, transfer_id: str) -> Response:
    container().transfers.accept(p.user, transfer_id, version=_version(p))
    return p.go(f"/transfers/{transfer_id}")


@routes.route("/transfers/{transfer_id}/refuse", methods=["POST"], content_types=FORM)
@page("reviewer")
def refuse(p: Page, transfer_id: str) -> Response:
    try:
        container().transfers.refuse(p.user, transfer_id, version=_version(p), reason=p.form.get("reason", ""))
    except ValidationFailed as e:
        return _transfer_page(p, transfer_id, 422, message=e.message, errors=e.details)
    return p.go(f"/transfers/{transfer_id}")


@routes.route("/transfers/{transfer_id}/cancel", methods=["POST"], content_types=FORM)
@page("any")
def cancel(p: Page, transfer_id: str) -> Response:
    container().transfers.cancel(p.user, transfer_id, version=_version(p))
    return p.go(f"/transfers/{transfer_id}")
