"""The embedded backend's HTTP server (scripts/run-local.sh): Chalice's local gateway (chalice/local.py turns
each HTTP request into the API Gateway event the app takes) with what API Gateway does and it does not: a body
is refused from its Content-Length, before a byte of it is read, when it is over the route's limit (API Gateway
refuses bodies over 10 MB the same way). Without this one anonymous 300 MiB POST was read whole into memory.

The limits: the local upload endpoint reads up to twice `upload_max_bytes` (policy.json), so that a file just
over the limit still gets the upload page's own message from the route; every other route a JSON or form body
of up to http.JSON_MAX_BYTES. A body without a Content-Length (chunked) is refused too: the local gateway would
not read it, and its bytes would be taken for the next request. A browser is answered with a page, anyone else
in the shape of docs/api.md.
"""
from __future__ import annotations

import json
from typing import Any

from chalice import Chalice
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalChalice, LocalDevServer

from ..domain.reference import policy
from .http import JSON_MAX_BYTES, error_body, html

UPLOAD_PATH = "/api/v1/local-uploads"
MB = 1024 * 1024


def body_limit(path: str) -> tuple[int, str]:
    """(bytes read at most, the limit as users are told it) for a route."""
    if path == UPLOAD_PATH:
        return 2 * policy().upload_max_bytes, f"文件大小超过{policy().upload_max_bytes // MB}MB上限"
    return JSON_MAX_BYTES, f"请求内容超过{JSON_MAX_BYTES // MB}MB上限"


class BoundedRequestHandler(ChaliceRequestHandler):
    def _generic_handle(self) -> None:
        refusal = self._refusal()
        if refusal is None:
            super()._generic_handle()
            return
        status, code, message = refusal
        self.close_connection = True  # the unread body is still on the connection
        if "text/html" in self.headers.get("accept", ""):
            page = html("error.html", status, message=message, who=None, page=None, csrf="", dev_mailbox=False)
            headers, body = dict(page.headers), page.body
        else:
            headers = {"Content-Type": "application/json; charset=utf-8"}
            body = json.dumps(error_body(code, message), ensure_ascii=False)
        self._send_http_response(status, {**headers, "Connection": "close"}, body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _refusal(self) -> tuple[int, str, str] | None:
        if "transfer-encoding" in self.headers:
            return 411, "bad_request", "请求须注明内容长度（Content-Length），不支持分块传输"
        declared = (self.headers.get("content-length") or "0").strip()
        if not (declared.isascii() and declared.isdigit()) or len(declared) > 15:
            return 400, "bad_request", "请求的内容长度（Content-Length）无效"
        limit, message = body_limit(self.path.split("?", 1)[0])
        return (413, "too_large", message) if int(declared) > limit else None


def server(app: Chalice, host: str, port: int) -> LocalDevServer:
    """A threaded server for `app`, each thread seeing its own current request (as `chalice local` arranges)."""
    if not isinstance(app, LocalChalice):
        app.__class__ = type("ThreadLocalChalice", (LocalChalice, type(app)), {})
    config: Any = Config.create(chalice_app=app, app_name=app.app_name, chalice_stage="dev")
    return LocalDevServer(app, config, host, port, handler_cls=BoundedRequestHandler)
