"""The employer's pages: home, a filing, 表一, uploads and their results, submit and withdraw, downloads.
Downloads check ownership like every page (access.RULES and the service), then hand over the file or a
short-lived link to it."""
from __future__ import annotations

from urllib.parse import urlsplit

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import ValidationFailed
from ..http import download_response, json_response, year_param
from ..page import FORM, Page, page

routes = Blueprint(__name__)


@routes.route("/employer", methods=["GET"])
@page("filer")
def home(p: Page) -> Response:
    return home_page(p)


def home_page(p: Page, status: int = 200, message: str | None = None, errors: list | None = None) -> Response:
    """The home, with the unit's life (founding date, closure request: pages/units.py handles their forms)."""
    from ...domain import unit_life  # cold start: domain data and models load on first use
    c = container()
    home = c.filings.home(p.user)
    return p.render("employer_home.html", status, **vars(home), home=home, life=unit_life,
                    kinds=unit_life.CLOSURE_KINDS, message=message, errors=errors or [], form=p.form,
                    deleted=p.query.get("deleted") == "1",
                    transfers=c.transfers.of_unit(p.user, p.user.scope)[:3])  # the latest 变更审核机关


@routes.route("/employer/filings", methods=["POST"], content_types=FORM)
@page("filer")
def create(p: Page) -> Response:
    filing = container().filings.create(p.user, year_param(p.form.get("year")),
                                        p.form.get("kind") or "annual")
    return p.go(f"/employer/filings/{filing.id}")


def _filing_page(p: Page, filing_id: str, status: int = 200, **context: object) -> Response:
    c = container()
    filing = c.filings.get(p.user, filing_id)
    rows, total = c.filings.rows(p.user, filing_id, "table2", limit=20) if "table2" in filing.row_sets else ([], 0)
    return p.render("employer_filing.html", status, filing=filing, checks=c.filings.checks(filing), rows=rows,
                    total=total, roster_diff=c.rosters.diff_of(filing), correctable=c.versions.correctable(filing),
                    actor_names=c.filings.actor_names(filing), **context)


@routes.route("/employer/filings/{filing_id}", methods=["GET"])
@page("filer")
def filing(p: Page, filing_id: str) -> Response:
    return _filing_page(p, filing_id)


@routes.route("/employer/filings/{filing_id}/table1", methods=["GET", "POST"], content_types=FORM)
@page("filer")
def table1(p: Page, filing_id: str) -> Response:
    """表一 in four short steps (one form: a script shows a step at a time, with 上一步/下一步 and live totals;
    without it the steps follow each other). Saving checks everything in one round."""
    from ...domain.reference import codes  # cold start: domain data and models load on first use
    from ...domain.tables import TABLE1_STEPS, TABLE1_UNIT, choice_code, signing_rate
    filings = container().filings
    filing = filings.get(p.user, filing_id)
    errors, message = [], None
    values = filings.table1_start(filing)
    if p.request.method == "POST":
        values = p.form
        try:
            filings.save_table1(p.user, filing_id, p.form)
        except ValidationFailed as e:
            errors, message = e.details, e.message
        else:
            return p.go(f"/employer/filings/{filing_id}")
    options = {col.key: [(choice_code(col, choice), choice) for choice in col.choices()]
               for col in TABLE1_UNIT if col.kind == "code"}
    sections = {code: d["section"] for code, d in codes()["industry_division"].items()}
    return p.render("table1.html", 422 if message else 200, filing=filing, values=values, errors=errors,
                    message=message, steps=TABLE1_STEPS, options=options, sections=sections,
                    rate=signing_rate(filing.table1) if filing.table1 else None)


@routes.route("/employer/filings/{filing_id}/uploads", methods=["POST"], content_types=FORM)
@page("filer")
def upload_start(p: Page, filing_id: str) -> Response:
    """Step 1 of an upload: the upload record, then a redirect to its form (Back never lands on this POST)."""
    upload = container().filings.new_upload(p.user, filing_id, p.form.get("table", "table2"), "网页上传.xlsx")
    return p.go(f"/employer/filings/{filing_id}/uploads/{upload.id}/send")


@routes.route("/employer/filings/{filing_id}/uploads/{upload_id}/send", methods=["GET"])
@page("filer")
def upload_form(p: Page, filing_id: str, upload_id: str) -> Response:
    """Step 2: a presigned form; the browser posts the file straight to storage (app.js shows the bytes sent),
    which redirects to the result page. An upload already under way shows its result instead."""
    from ...domain.reference import policy  # cold start: domain data and models load on first use
    c = container()
    result = f"/employer/filings/{filing_id}/uploads/{upload_id}"
    upload = c.filings.get_upload(p.user, filing_id, upload_id)
    if upload.status != "waiting":
        return p.go(result)
    post = c.filings.upload_post(p.user, upload, redirect=c.settings.base_url + result)
    limit = policy().upload_max_bytes
    target = urlsplit(post["url"])
    return p.render("upload.html", form_origins=(f"{target.scheme}://{target.netloc}",),
                    filing=c.filings.get(p.user, filing_id), upload=upload, post=post, max_bytes=limit,
                    max_mb=limit // (1024 * 1024), result=p.base + result)


@routes.route("/employer/filings/{filing_id}/uploads/{upload_id}", methods=["GET"])
@page("filer")
def upload_result(p: Page, filing_id: str, upload_id: str) -> Response:
    filings = container().filings
    return p.render("upload_result.html", filing=filings.get(p.user, filing_id),
                    upload=filings.get_upload(p.user, filing_id, upload_id))


@routes.route("/employer/filings/{filing_id}/uploads/{upload_id}/progress", methods=["GET"])
@page("filer")
def upload_progress(p: Page, filing_id: str, upload_id: str) -> Response:
    """The import's progress as JSON, which the result page polls (no page refresh)."""
    upload = container().filings.get_upload(p.user, filing_id, upload_id)
    return json_response({"status": upload.status, "rows_done": upload.rows_done, "rows_total": upload.rows_total,
                          "message": upload.message})


def _check_page(p: Page, filing_id: str, status: int = 200, **context: object) -> Response:
    from ...domain.filing import DECLARATION  # cold start: domain data and models load on first use
    c = container()
    filing = c.filings.get(p.user, filing_id)
    return p.render("employer_check.html", status, filing=filing, checks=c.filings.checks(filing),
                    declaration=DECLARATION, **context)


@routes.route("/employer/filings/{filing_id}/check", methods=["GET"])
@page("filer")
def check(p: Page, filing_id: str) -> Response:
    """核对并提交: what will be submitted, the warnings, and the 承诺 to accept (docs/rules.md §4)."""
    return _check_page(p, filing_id)


@routes.route("/employer/filings/{filing_id}/submit", methods=["POST"], content_types=FORM)
@page("filer")
def submit(p: Page, filing_id: str) -> Response:
    try:
        container().filings.submit(p.user, filing_id, declaration_accepted=p.form.get("declaration_accepted") == "1")
    except ValidationFailed as e:
        return _check_page(p, filing_id, 422, message=e.message, errors=e.details)
    return p.go(f"/employer/filings/{filing_id}/submitted")


@routes.route("/employer/filings/{filing_id}/submitted", methods=["GET"])
@page("filer")
def submitted(p: Page, filing_id: str) -> Response:
    """The confirmation: the 回执号, what happens next, how long review takes, whom to call."""
    from ...domain import jurisdiction  # cold start: domain data and models load on first use
    from ...domain.reference import authority_phone, policy
    filing = container().filings.get(p.user, filing_id)
    return p.render("employer_submitted.html", filing=filing, authority=jurisdiction.authority(filing.authority_code),
                    phone=authority_phone(filing.authority_code), review_days=policy().reviewer_digest_after_working_days)


@routes.route("/employer/filings/{filing_id}/rows/{table}/remove", methods=["POST"], content_types=FORM)
@page("filer")
def remove_rows(p: Page, filing_id: str, table: str) -> Response:
    container().filings.remove_rows(p.user, filing_id, table)
    return p.go(f"/employer/filings/{filing_id}")


@routes.route("/employer/filings/{filing_id}/withdraw", methods=["POST"], content_types=FORM)
@page("filer")
def withdraw(p: Page, filing_id: str) -> Response:
    container().filings.withdraw(p.user, filing_id)
    return p.go(f"/employer/filings/{filing_id}")


@routes.route("/employer/filings/{filing_id}/correct", methods=["POST"], content_types=FORM)
@page("filer")
def correct(p: Page, filing_id: str) -> Response:
    """更正: a new version of the approved filing, prefilled from it (docs/rules.md §11)."""
    return p.go(f"/employer/filings/{container().versions.open_correction(p.user, filing_id).id}")


@routes.route("/employer/filings/{filing_id}/delete", methods=["POST"], content_types=FORM)
@page("filer")
def delete(p: Page, filing_id: str) -> Response:
    """Delete a draft never submitted; the form's checkbox is the confirmation (no script needed)."""
    if not p.form.get("confirm"):
        return _filing_page(p, filing_id, 422, message="请勾选“确认删除”后再删除草稿")
    container().versions.delete_draft(p.user, filing_id)
    return p.go("/employer?deleted=1")


@routes.route("/employer/filings/{filing_id}/uploads/{upload_id}/error-report", methods=["GET"])
@page("filer")
def error_report(p: Page, filing_id: str, upload_id: str) -> Response:
    return download_response(container().rosters.error_report(p.user, filing_id, upload_id))


@routes.route("/employer/filings/{filing_id}/leavers", methods=["POST"], content_types=FORM)
@page("filer")
def leavers(p: Page, filing_id: str) -> Response:
    """Queue the leavers' 表三 (two rosters of up to 500,000 rows are read: services/exports.py), then show its page."""
    return p.go(f"/exports/{container().exports.request(p.user, 'leavers', filing_id=filing_id).id}")
