"""The embedded backend's HTTP entry point (docs/onprem.md): the Chalice app as a WSGI application, served by
gunicorn (`python -m chalicelib.cli serve`; scripts/run-local.sh runs the same).

Each request goes through Chalice's local gateway (chalice/local.py turns it into the API Gateway event the app
takes), with what API Gateway does in AWS mode and the local gateway does not: a body over its route's limit is
refused from its Content-Length before a byte of it is read (API Gateway refuses bodies over 10 MB the same way),
and so is a body without a Content-Length (chunked). The limits: the local upload endpoint reads up to twice
`upload_max_bytes` (policy.json), so that a file just over the limit still gets the upload page's own message
from the route; every other route a JSON or form body of up to http.JSON_MAX_BYTES. A browser is answered with a
page, anyone else in the shape of docs/api.md.
"""
from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from chalice import Chalice
from chalice.config import Config
from chalice.local import LocalChalice, LocalGateway, LocalGatewayException

from ..domain.reference import policy
from .http import JSON_MAX_BYTES, NO_SUCH_ADDRESS, error_body, html

CLIENT_ADDRESS = "x-client-address"  # the connection's address, from the server to _Gateway (any sent is replaced)

UPLOAD_PATH = "/api/v1/local-uploads"
MB = 1024 * 1024
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def body_limit(path: str) -> tuple[int, str]:
    """(bytes read at most, the limit as users are told it) for a route."""
    if path == UPLOAD_PATH:
        return 2 * policy().upload_max_bytes, f"文件大小超过{policy().upload_max_bytes // MB}MB上限"
    return JSON_MAX_BYTES, f"请求内容超过{JSON_MAX_BYTES // MB}MB上限"


def refusal(path: str, headers: Mapping[str, str]) -> tuple[int, str, str] | None:
    """(status, code, message) for a request whose body is not to be read; `headers` with lower-case names."""
    if "transfer-encoding" in headers:
        return 411, "bad_request", "请求须注明内容长度（Content-Length），不支持分块传输"
    declared = (headers.get("content-length") or "0").strip()
    if not (declared.isascii() and declared.isdigit()) or len(declared) > 15:
        return 400, "bad_request", "请求的内容长度（Content-Length）无效"
    limit, message = body_limit(path)
    return (413, "too_large", message) if int(declared) > limit else None


def refusal_answer(status: int, code: str, message: str, accept: str) -> tuple[dict[str, str], bytes]:
    if "text/html" in accept:
        page = html("error.html", status, message=message, who=None, page=None, csrf="", base="",
                    dev_mailbox=False)
        return dict(page.headers), str(page.body).encode()
    return ({"Content-Type": "application/json; charset=utf-8"},
            json.dumps(error_body(code, message), ensure_ascii=False).encode())


def wsgi_application(app: Chalice) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """`app` as a WSGI application. Each thread sees its own current request (the app is made thread-local, as
    `chalice local` does)."""
    if not isinstance(app, LocalChalice):
        app.__class__ = type("ThreadLocalChalice", (LocalChalice, type(app)), {})
    config: Any = Config.create(chalice_app=app, app_name=app.app_name, chalice_stage="dev")
    gateway = _Gateway(app, config)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        headers = _headers(environ)
        method, target = environ["REQUEST_METHOD"], _target(environ)
        refused = refusal(target.split("?", 1)[0], headers)
        if refused is not None:  # wsgi.input is left unread
            status, code, message = refused
            answer_headers, body = refusal_answer(status, code, message, headers.get("accept", ""))
            return _respond(start_response, status, answer_headers, body)
        length = int(headers.get("content-length") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        try:
            response = gateway.handle_request(method=method, path=target, headers=headers, body=body)
        except LocalGatewayException:  # no such route: a Chinese 404 (API Gateway's GatewayResponses, infra)
            path = target.split("?", 1)[0]
            answer_headers, body = refusal_answer(404, "not_found", NO_SUCH_ADDRESS,
                                                  "" if path.startswith("/api/") else headers.get("accept", ""))
            return _respond(start_response, 404, answer_headers, body)
        raw = response.get("body") or b""
        body = base64.b64decode(raw) if response.get("isBase64Encoded") else (
            raw.encode() if isinstance(raw, str) else raw)
        return _respond(start_response, response["statusCode"],
                        {**response.get("headers", {}), **response.get("multiValueHeaders", {})}, body)

    return application


def _client_address(environ: Mapping[str, Any]) -> str:
    """Who is connecting: the connection's address, or, from the reverse proxy on this machine (docs/onprem.md:
    nginx appends the address it saw to X-Forwarded-For), the last address the proxy added."""
    remote = str(environ.get("REMOTE_ADDR") or "")
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR") or "")
    if remote in ("127.0.0.1", "::1") and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return remote


class _Gateway(LocalGateway):
    """chalice's local gateway, telling the app the client's address as API Gateway does (its source IP, for
    the sign-in throttles) instead of chalice's fixed 127.0.0.1."""

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        address = headers.pop(CLIENT_ADDRESS, "")
        event = super()._generate_lambda_event(method, path, headers, body)
        event["requestContext"]["identity"]["sourceIp"] = address
        return event


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request's headers, names in lower case (WSGI keeps two of them outside HTTP_*)."""
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    headers[CLIENT_ADDRESS] = _client_address(environ)  # never what the client sent (_Gateway)
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _target(environ: Mapping[str, Any]) -> str:
    """The request target as the client sent it (path and query), which the local gateway parses."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/%")  # WSGI's str is bytes as latin-1
    return path + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")


def _respond(start_response: StartResponse, status: int, headers: Mapping[str, Any], body: bytes) -> list[bytes]:
    lines = [(name, str(v)) for name, value in headers.items() if name.lower() != "content-length"
             for v in (value if isinstance(value, list) else [value])]
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    start_response(f"{status} {reason}", [*lines, ("Content-Length", str(len(body)))])
    return [body]


def serve(host: str, port: int, *, workers: int, threads: int) -> None:
    """Serve the app with gunicorn until stopped: `workers` processes of `threads` threads each, sharing the SQLite
    database (WAL; writers queue on its lock). SIGHUP restarts the workers gracefully, SIGTERM stops after the
    requests in flight (docs/onprem.md)."""
    from gunicorn.app.base import BaseApplication  # the server itself: not part of the Lambda package

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                                "worker_class": "gthread", "backlog": 2048, "timeout": 120, "graceful_timeout": 30,
                                "keepalive": 5, "accesslog": "-", "proc_name": "labor-filing"}.items():
                self.cfg.set(name, value)

        def load(self) -> Callable[..., Iterable[bytes]]:
            # the app's warnings and errors (failed imports, sender failures) beside gunicorn's own lines
            logging.basicConfig(level=logging.INFO,
                                format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
            from app import app  # the Chalice app, every route registered (imported in each worker)
            return wsgi_application(app)

    Server().run()
