"""A unit's life on pages (docs/rules.md §11): the authority's unit page (facts, status, filings; closure,
refusal, reopening and founding-date forms), its queue of closure requests, and the filer's own forms (the
founding date once, a closure request), which live on the employer home."""
from __future__ import annotations

from collections.abc import Callable

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import Conflict, ValidationFailed
from ..http import int_param
from ..page import FORM, Page, page

routes = Blueprint(__name__)


def _version(p: Page) -> int:
    """The version the page showed; a missing or stray one is stale (the service's 409)."""
    return int_param(p.form.get("version"), "version", "版本号", default=0, lenient=True)


def _unit_page(p: Page, uscc: str, status: int = 200, message: str | None = None,
               errors: list | None = None) -> Response:
    from ...domain.unit_life import CLOSURE_KINDS  # cold start: domain data and models load on first use
    from .people import staff_people_rows
    view = container().units.view(p.user, uscc)
    people = staff_people_rows(container().people.unit_people(p.user, uscc)[1])
    return p.render("unit.html", status, view=view, kinds=CLOSURE_KINDS, message=message, errors=errors or [],
                    form=p.form, unit_people=people)


def _act(p: Page, uscc: str, action: Callable[[], object], back: str) -> Response:
    """Run a write; on a refusal (bad input, a stale page) show the page again with the message."""
    try:
        action()
    except (Conflict, ValidationFailed) as e:
        if back == "/employer":
            from .employer import home_page
            return home_page(p, status=e.status, message=e.message, errors=e.details)
        return _unit_page(p, uscc, e.status, e.message, e.details)
    return p.go(back)


@routes.route("/units/{uscc}", methods=["GET"])
@page("reviewer")
def unit(p: Page, uscc: str) -> Response:
    return _unit_page(p, uscc)


@routes.route("/units/{uscc}/founding", methods=["POST"], content_types=FORM)
@page("reviewer")
def founding(p: Page, uscc: str) -> Response:
    return _act(p, uscc, lambda: container().units.set_founding(p.user, uscc, p.form["founded_on"], _version(p)),
                f"/units/{uscc}")


@routes.route("/units/{uscc}/closure", methods=["POST"], content_types=FORM)
@page("reviewer")
def closure(p: Page, uscc: str) -> Response:
    f = p.form
    return _act(p, uscc, lambda: container().units.record_closure(p.user, uscc, f["kind"], f["date"], f["evidence"],
                                                                  f["note"], _version(p)), f"/units/{uscc}")


@routes.route("/units/{uscc}/refuse", methods=["POST"], content_types=FORM)
@page("reviewer")
def refuse(p: Page, uscc: str) -> Response:
    return _act(p, uscc, lambda: container().units.refuse_request(p.user, uscc, p.form["reason"], _version(p)),
                f"/units/{uscc}")


@routes.route("/units/{uscc}/reopen", methods=["POST"], content_types=FORM)
@page("reviewer")
def reopen(p: Page, uscc: str) -> Response:
    return _act(p, uscc, lambda: container().units.reopen(p.user, uscc, p.form["reason"], _version(p)),
                f"/units/{uscc}")


@routes.route("/review/closures", methods=["GET"])
@page("reviewer")
def closure_requests(p: Page) -> Response:
    return p.render("unit_closures.html", units=container().units.closure_requests(p.user))


# the filer's own unit, from the employer home
@routes.route("/employer/founding", methods=["POST"], content_types=FORM)
@page("filer")
def own_founding(p: Page) -> Response:
    return _act(p, p.user.scope, lambda: container().units.set_founding(p.user, p.user.scope, p.form["founded_on"],
                                                                        _version(p)), "/employer")


@routes.route("/employer/closure-request", methods=["POST"], content_types=FORM)
@page("filer")
def own_closure_request(p: Page) -> Response:
    f = p.form
    return _act(p, p.user.scope, lambda: container().units.request_closure(p.user, p.user.scope, f["kind"], f["date"],
                                                                           f["note"], _version(p)), "/employer")
