"""Pages for a unit's people and account recovery (docs/rules.md §12): 忘记密码, the 单位管理员's 经办人 and one's
own contacts, and a reviewer rebinding a lost unit. Each form has a 获取验证码 button posting the same form to
its …/code route (formaction), so a code is asked for and used without JavaScript and nothing typed is lost."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import DomainError
from ..http import client_address, form_lists
from ..page import FORM, Page, page

routes = Blueprint(__name__)
CODE_SENT = "验证码已发送，10分钟内有效"


def staff_people_rows(people: list[Any]) -> list[dict[str, str]]:
    """A unit's accounts for the staff's pages (`_unit_people.html`): Chinese labels, Beijing time, masked mobiles."""
    from ...domain.calendar import local_text
    from ...services.applications import status_text
    from ...services.unit_people import UNIT_ROLE_LABEL, masked_mobile
    return [{"name": a.display_name, "unit_role_label": UNIT_ROLE_LABEL.get(a.unit_role, a.unit_role),
             "username": a.username, "status_label": "已移除" if a.status == "deregistered" else status_text(a.status),
             "mobile": masked_mobile(a.mobile), "created_at": local_text(a.created_at),
             "last_signed_in_at": local_text(a.last_signed_in_at)} for a in people]


def _attempt(p: Page, action: Callable[[], object]) -> tuple[list[dict[str, Any]], str | None, int]:
    """Run a form's use case: (errors, message, status) to render; no message on success."""
    try:
        action()
    except DomainError as e:
        return e.details, e.message, e.status
    return [], None, 200


@routes.route("/password-reset", methods=["GET", "POST"], content_types=FORM)
@page()
def password_reset(p: Page) -> Response:
    errors, message, status = [], None, 200
    if p.request.method == "POST":
        errors, message, status = _attempt(p, lambda: container().people.reset_password(
            p.form["uscc"], p.form["mobile"], p.form["code"], p.form["new_password"]))
        if not message:
            return _reset_page(p, done=True)
    return _reset_page(p, status, errors=errors, message=message)


@routes.route("/password-reset/code", methods=["POST"], content_types=FORM)
@page()
def password_reset_code(p: Page) -> Response:
    from ..api.people import RESET_SENT
    errors, message, status = _attempt(p, lambda: container().people.request_reset_code(
        p.form["uscc"], p.form["mobile"], client_address(p.request)))
    return _reset_page(p, status, errors=errors, message=message, sent=None if message else RESET_SENT)


def _reset_page(p: Page, status: int = 200, **context: Any) -> Response:
    return p.render("password_reset.html", status, **{"errors": [], "message": None, "sent": None, "done": False,
                                                      "form": p.form, **context})


def _people_page(p: Page, status: int = 200, **context: Any) -> Response:
    from ...services.unit_people import ADMIN, CLERK, UNIT_ROLE_LABEL, masked_mobile
    people = container().people.people(p.user)
    me = next(a for a in people if a.username == p.user.username)
    successors = [(a.username, f"{a.display_name}（{a.username}）") for a in people
                  if a.unit_role == CLERK and a.status == "active"]  # who the 单位管理员 role may go to
    return p.render("employer_people.html", status, **{
        "people": people, "me": me, "admin": me.unit_role == ADMIN, "labels": UNIT_ROLE_LABEL, "masked": masked_mobile,
        "successors": successors,
        "form": p.form, "errors": [], "message": None, "sent": None, "done": None, **context})


@routes.route("/employer/people", methods=["GET", "POST"], content_types=FORM)
@page("filer")
def people(p: Page) -> Response:
    if p.request.method == "GET":
        return _people_page(p, done=p.query.get("done"))
    errors, message, status = _attempt(p, lambda: container().people.add_clerk(
        p.user, p.form["name"], p.form["mobile"], p.form["email"], p.form["password"], p.form["verification_code"]))
    if not message:
        return p.go("/employer/people?done=added")
    return _people_page(p, status, errors=errors, message=message)


@routes.route("/employer/people/code", methods=["POST"], content_types=FORM)
@page("filer")
def clerk_code(p: Page) -> Response:
    """The add form's 获取验证码: a code to the new 经办人's mobile, the form kept as typed."""
    errors, message, status = _attempt(p, lambda: container().people.request_clerk_code(
        p.user, p.form["mobile"], client_address(p.request)))
    return _people_page(p, status, errors=errors, message=message, sent=None if message else CODE_SENT)


@routes.route("/employer/people/hand-over", methods=["POST"], content_types=FORM)
@page("filer")
def hand_over(p: Page) -> Response:
    errors, message, status = _attempt(p, lambda: container().people.hand_over_admin(
        p.user, p.form["person"], p.form["current_password"]))
    if not message:
        return p.go("/employer/people?done=handed_over")
    return _people_page(p, status, errors=errors, message=message)


@routes.route("/employer/people/{person}/remove", methods=["POST"], content_types=FORM)
@page("filer")
def remove_person(p: Page, person: str) -> Response:
    container().people.remove_clerk(p.user, person)
    return p.go("/employer/people?done=removed")


@routes.route("/employer/contact/code", methods=["POST"], content_types=FORM)
@page("filer")
def contact_code(p: Page) -> Response:
    errors, message, status = _attempt(p, lambda: container().people.request_contact_code(
        p.user, p.form["new_mobile"], client_address(p.request)))
    return _people_page(p, status, errors=errors, message=message, sent=None if message else CODE_SENT)


@routes.route("/employer/contact", methods=["POST"], content_types=FORM)
@page("filer")
def contact(p: Page) -> Response:
    errors, message, status = _attempt(p, lambda: container().people.change_contact(
        p.user, p.form["new_mobile"], p.form["new_email"], p.form["code"]))
    if not message:
        return p.go("/employer/people?done=contact")
    return _people_page(p, status, errors=errors, message=message)


@routes.route("/review/units/{uscc}/rebind", methods=["GET", "POST"], content_types=FORM)
@page("reviewer")
def rebind(p: Page, uscc: str) -> Response:
    """One form: 获取验证码 (action=code) sends a code to the new 单位管理员's mobile; 确认变更 rebinds."""
    from ...services.unit_people import DOCUMENTS
    unit = container().store.get_unit(uscc)
    context: dict[str, Any] = {"sent": None, "admin": None, "password": None, "checked": []}
    errors, message, status = [], None, 200
    if p.request.method == "POST":
        documents = form_lists(p.request).get("documents", [])
        context["checked"] = documents

        def send_code() -> None:
            container().people.request_rebind_code(p.user, uscc, p.form["mobile"], client_address(p.request))
            context["sent"] = CODE_SENT

        def rebind_unit() -> None:
            context["admin"], context["password"] = container().people.rebind(
                p.user, uscc, name=p.form["name"], mobile=p.form["mobile"], email=p.form["email"],
                code=p.form["code"], documents=documents, note=p.form["note"])
        errors, message, status = _attempt(p, send_code if p.form.get("action") == "code" else rebind_unit)
    return p.render("rebind.html", status, unit=unit, documents=DOCUMENTS, errors=errors, message=message,
                    form=p.form, **context)
