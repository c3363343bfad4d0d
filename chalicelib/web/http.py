"""HTTP plumbing shared by both channels (JSON API and pages): the current request, bodies, parameters,
responses, cookies, downloads and the jinja environment. Conventions: docs/api.md."""
from __future__ import annotations

import functools
import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs

from chalice import Chalice, Response
from chalice.app import CaseInsensitiveMapping, Request

from ..domain.errors import DomainError, TooLarge, ValidationFailed, problem, retry_headers
from ..filenames import content_disposition

if TYPE_CHECKING:
    from ..ports import Download

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Every answer is binary to API Gateway (AWS's advice for browsers, whose first Accept type is text/html: with a
# narrower list an .xlsx reached them as base64 text); api_gateway_rules makes every body bytes accordingly.
BINARY_TYPES = ("*/*",)
View = TypeVar("View", bound=Callable[..., Response])

_app: Chalice | None = None


def bind(app: Chalice) -> None:
    """Remember the app whose routes this package serves (web.register)."""
    global _app
    _app = app


def current_request() -> Request:
    assert _app is not None and _app.current_request is not None, "web.register(app) was not called"
    return _app.current_request


def query() -> dict[str, str]:
    return current_request().query_params or {}


_PATH_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")


def base_path(request: Request) -> str:
    """What the public URL has before the app's own paths: the stage (`/api`) on API Gateway's default endpoint, a
    base path mapping behind a custom domain, '' on the local server. Pages build their links and redirects on it:
    the request's full path has as many more segments than the route it matched."""
    public = [s for s in (request.context.get("path") or "").split("/") if s]
    own = [s for s in request.path.split("/") if s]
    prefix = "".join(f"/{s}" for s in public[:max(len(public) - len(own), 0)])
    return prefix if _PATH_PREFIX.fullmatch(prefix) else ""


def own_path(request: Request) -> str:
    """The request's path without base_path: what the app's own links name (a `next` after sign-in)."""
    return (request.context.get("path") or "/")[len(base_path(request)):] or "/"


def api_gateway_rules(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice 'http' middleware, outermost: serving through API Gateway with binary media types */*.
    - Every body is bytes: Chalice then base64-encodes every answer (API Gateway decodes it for any client), and
      takes only bytes for it.
    - A request without an Accept header accepts any type (RFC 9110 §12.5.1); Chalice itself would answer such a
      client (urllib, scripts) with 400 "Request did not specify an Accept header"."""
    if not request.headers.get("accept", "").strip():
        request.headers = CaseInsensitiveMapping({**request.headers, "accept": "*/*"})
    response = get_response(request)
    if isinstance(response.body, str):
        response.body = response.body.encode("utf-8")
    return response


# ---------- parameters ----------

_REQUIRED: Any = object()


def int_param(value: Any, name: str, title: str, low: int = 0, high: int = 10**9, *, default: Any = _REQUIRED,
              lenient: bool = False) -> Any:
    """An integer parameter (query, path, form or JSON) within [low, high]; `default` when it is absent (None),
    if one is given. Anything else is a 422 naming the field, or, `lenient` (a page's filter box or hidden
    field, where a stray value should not cost the user the page), the default."""
    if value is None and default is not _REQUIRED:
        return default
    try:
        parsed = None if isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or not low <= parsed <= high:
        if lenient:
            return default
        message = f"{title}应为{low}到{high}之间的整数"
        raise ValidationFailed(message, [problem(message, column=title, field=name)])
    return parsed


def year_param(value: Any, title: str = "备案年度", *, default: Any = _REQUIRED, lenient: bool = False) -> Any:
    """A filing year parameter (2000–2100; which of those years are open is the service's rule)."""
    return int_param(value, "year", title, 2000, 2100, default=default, lenient=lenient)


def version_param(value: Any) -> int:
    """The version of the record a change was made on (a stale one is a 409 from the service)."""
    return int_param(value, "version", "版本号", 1)


def approval_param(value: Any) -> bool:
    """An opinion: approve (同意) or reject (不同意)."""
    if value not in ("approve", "reject"):
        message = "请选择同意或不同意"
        raise ValidationFailed(message, [problem(message, column="意见", field="decision")])
    return value == "approve"


JSON_MAX_BYTES = 1024 * 1024  # the biggest JSON body a route takes (表一 is a few KB; files go to storage)


JSON_MAX_DEPTH = 32  # far deeper than any route's body
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _json_depth(text: str) -> int:
    """How deep arrays and objects nest (brackets inside strings aside): checked before parsing, since how deep
    json.loads goes before a RecursionError depends on the Python version."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def client_address(request: Request) -> str:
    """The caller's address as API Gateway (or the local server) saw it: what per-address limits count."""
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def json_body(request: Request) -> dict[str, Any]:
    raw = request.raw_body or b""
    if len(raw) > JSON_MAX_BYTES:
        raise TooLarge(f"请求内容超过{JSON_MAX_BYTES // (1024 * 1024)}MB上限")
    try:
        text = raw.decode("utf-8") if raw else "{}"
        if _json_depth(text) > JSON_MAX_DEPTH:
            raise RecursionError
        body = json.loads(text)
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # a lone surrogate ("\ud800") is no text
    except (UnicodeError, json.JSONDecodeError):
        raise DomainError("请求内容不是有效的JSON") from None
    except RecursionError:
        raise DomainError("请求内容嵌套层数过多") from None
    if not isinstance(body, dict):
        raise DomainError("请求内容应为JSON对象")
    return body


def form_lists(request: Request) -> dict[str, list[str]]:
    """A urlencoded form with every value of each field (checkbox groups send a field several times)."""
    return parse_qs((request.raw_body or b"").decode("utf-8", errors="replace"), keep_blank_values=True)


def form_body(request: Request) -> dict[str, str]:
    """A urlencoded form, the last value of each field."""
    return {k: v[-1] for k, v in form_lists(request).items()}


def multipart_body(request: Request) -> tuple[dict[str, str], bytes | None, str | None]:
    """(form fields, file content, file name) of a multipart/form-data POST."""
    from python_multipart import parse_form  # only the local upload endpoint parses multipart
    from python_multipart.exceptions import FormParserError

    fields: dict[str, str] = {}
    files: list[Any] = []
    body = request.raw_body or b""
    headers = {"Content-Type": request.headers.get("content-type", ""), "Content-Length": str(len(body))}
    try:
        parse_form(headers, io.BytesIO(body),
                   lambda f: fields.__setitem__(f.field_name.decode(), (f.value or b"").decode("utf-8", "replace")),
                   files.append)
    except (FormParserError, ValueError):
        return fields, None, None
    upload = next((f for f in files if f.field_name == b"file"), None)
    if upload is None:
        return fields, None, None
    upload.file_object.seek(0)
    name = upload.file_name.decode("utf-8", "replace") if upload.file_name else None
    return fields, upload.file_object.read(), name


# ---------- responses ----------

def client_address(request: Request) -> str:
    """The address the request came from, for the sign-in throttles: API Gateway's source IP, or the embedded
    server's connection (wsgi.py; behind a reverse proxy that is the proxy's)."""
    return str((request.context.get("identity") or {}).get("sourceIp") or "")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False, default=str), status_code=status,
                    headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})


# a path no route has (web/wsgi.py; API Gateway's GatewayResponses in infra/filing_stack.py answer the same)
NO_SUCH_ADDRESS = "没有这个地址，请检查网址是否输入正确"


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def api_errors(view: View) -> View:
    """Domain errors become docs/api.md errors; anything unexpected a 500 without a traceback."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except DomainError as e:
            return json_response(error_body(e.code, e.message, e.details), e.status, retry_headers(e))
        except Exception:
            log.exception("unhandled error")
            return json_response(error_body("internal_error", "系统繁忙，请稍后重试"), 500)
    return wrapper  # type: ignore[return-value]


def redirect(location: str, headers: dict[str, Any] | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": location, **(headers or {})})


def file_response(data: bytes, filename: str, content_type: str = XLSX) -> Response:
    return Response(body=data, status_code=200, headers={
        "Content-Type": content_type, "Content-Disposition": content_disposition(filename),
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def download_response(download: Download) -> Response:
    """The file itself, or a redirect to its short-lived link (whichever the blob store handed out)."""
    if download.url is not None:
        return Response(body="", status_code=302, headers={"Location": download.url, "Cache-Control": "no-store"})
    return file_response(download.data or b"", download.filename)


def content_security_policy(form_origins: tuple[str, ...] = ()) -> str:
    """What a page may load and where its forms may post: scripts only from /assets (no inline script), which
    may ask this site only (an export's progress), inline styles (the pages carry their own small stylesheet),
    forms to this site and `form_origins` (the storage an upload form posts to)."""
    targets = " ".join(("'self'", *form_origins))
    return ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"form-action {targets}; base-uri 'none'; frame-ancestors 'none'")


def html(template: str, status: int = 200, headers: dict[str, Any] | None = None, **context: Any) -> Response:
    body = jinja_env().get_template(template).render(**context)
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                             "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                             "Referrer-Policy": "same-origin", "Content-Security-Policy": content_security_policy(),
                             **(headers or {})})


# ---------- cookies ----------

def cookies(request: Request) -> dict[str, str]:
    from http.cookies import SimpleCookie  # cold start: pages only

    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is treated as no cookies
        return {}
    return {k: m.value for k, m in jar.items()}


def set_cookie(name: str, value: str, *, max_age: int | None = None, secure: bool = False) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def new_csrf() -> str:
    import secrets  # cold start: hashlib, pages only

    return secrets.token_urlsafe(24)


# ---------- templates ----------

@functools.cache
def jinja_env() -> Any:
    import jinja2  # cold start: pages load jinja on first render, the JSON API never does

    from ..domain.calendar import local_text
    from ..domain.reference import hotline, support_phone
    from ..domain.tables import shown

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["local"] = local_text
    env.filters["linkify"] = linkify
    env.filters["shown"] = lambda value, key: shown(key, value)  # {{ value|shown("industry") }}: codes named
    env.filters["by_field"] = lambda errors: {e["field"]: e["message"] for e in reversed(errors or []) if e.get("field")}
    env.globals.update(hotline=hotline(), support_phone=support_phone())  # every page's footer
    return env


def linkify(text: str, site: str) -> Any:
    """Escape a message body and turn the links into `site` into anchors (links in Chinese text are not
    separated by spaces, so jinja's urlize misses them). Other URLs stay text: a message quotes what users
    typed (unit names, reasons), and their links must not become clickable."""
    from markupsafe import Markup, escape  # loaded with jinja, on the first page

    parts = re.split(r"(https?://[\x21-\x7e]+)", str(text))
    return Markup("").join(Markup('<a href="{0}">{0}</a>').format(p) if i % 2 and p.startswith(f"{site}/")
                           else escape(p) for i, p in enumerate(parts))
