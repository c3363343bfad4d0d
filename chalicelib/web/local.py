"""Routes that only the embedded backend has, registered by the composition root in embedded mode: the
local stand-ins for S3's presigned POST and GET endpoints, and the demo mailbox."""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.errors import NotFound
from .http import api_errors, current_request, error_body, file_response, json_response, multipart_body, query, redirect
from .page import Page, page

if TYPE_CHECKING:
    from ..ports import LocalTransfers

routes = Blueprint(__name__)


def _transfers() -> LocalTransfers:
    """The local transfer endpoints of the blob store (a container built over S3 has none: 404)."""
    transfers = container().local_transfers
    if transfers is None:
        raise NotFound("接口不存在")
    return transfers


@routes.route("/api/v1/local-uploads", methods=["POST"], content_types=["multipart/form-data"])
@api_errors
def upload() -> Response:
    """What a browser posts a presigned upload form to (the same fields S3 takes)."""
    from ..ports import TransferRefused  # cold start: domain data and models load on first use

    transfers = _transfers()  # a body far over the limit never gets here: wsgi.py refuses it unread
    fields, content, _ = multipart_body(current_request())
    if content is None:
        return json_response(error_body("bad_request", "请选择要上传的文件"), 400)
    try:
        to = transfers.receive(fields, content)
    except TransferRefused as e:
        if e.key and e.redirect:  # a page's form: show the refusal on the upload's result page
            container().imports.refuse(e.key, str(e))
            return redirect(e.redirect)
        return json_response(error_body("too_large" if e.status == 413 else "forbidden", str(e)), e.status)
    return redirect(to) if to else Response(body="", status_code=204)


@routes.route("/api/v1/local-downloads", methods=["GET"])
@api_errors
def download() -> Response:
    """What a presigned download link points at."""
    from ..ports import TransferRefused  # cold start: domain data and models load on first use

    try:
        content, filename = _transfers().signed_download(query().get("token", ""))
    except TransferRefused as e:
        return json_response(error_body("forbidden", str(e)), 403)
    except FileNotFoundError:
        return json_response(error_body("not_found", "文件不存在或已删除"), 404)
    return file_response(content, filename)


@routes.route("/dev/mailbox", methods=["GET"])
@page()
def mailbox(p: Page) -> Response:
    """The demo's notifications, readable by anyone: only with DEV_MAILBOX=1 (the local demo run)."""
    if not container().settings.dev_mailbox:
        return p.render("error.html", 404, message="页面不存在")
    return p.render("mailbox.html", messages=container().outbox.recent(200), site=container().settings.base_url)
