"""HTTP plumbing shared by the JSON API and the pages: errors, bodies, cookies, templates."""
from __future__ import annotations

import functools
import json
import logging
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from chalice import Response

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY_TYPES = (XLSX, "multipart/form-data")


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False, default=str), status_code=status,
                    headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def error_body(code: str, message: str, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def api_errors(view):
    """Domain errors become API.md errors; anything unexpected a 500 without a traceback."""
    from ..domain.errors import DomainError

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DomainError as e:
            return json_response(error_body(e.code, e.message, e.details), e.status)
        except Exception:
            log.exception("unhandled error")
            return json_response(error_body("internal_error", "系统繁忙，请稍后重试"), 500)
    return wrapper


def json_body(request) -> dict:
    from ..domain.errors import DomainError

    raw = request.raw_body or b""
    try:
        body = json.loads(raw.decode("utf-8") if raw else "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DomainError("请求内容不是有效的JSON") from None
    if not isinstance(body, dict):
        raise DomainError("请求内容应为JSON对象")
    return body


def form_body(request) -> dict[str, str]:
    raw = request.raw_body or b""
    parsed = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items()}


def cookies(request) -> dict[str, str]:
    jar = SimpleCookie()
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
    return secrets.token_urlsafe(24)


@functools.cache
def jinja_env():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["local"] = local_time
    env.filters["linkify"] = linkify
    env.filters["by_field"] = lambda errors: {e["field"]: e["message"] for e in reversed(errors or []) if e.get("field")}
    return env


def linkify(text: str):
    """Escape a message body and turn its http(s) links into anchors (links in Chinese text are not
    separated by spaces, so jinja's urlize misses them)."""
    import re

    from markupsafe import Markup, escape
    parts = re.split(r"(https?://[\x21-\x7e]+)", str(text))
    return Markup("").join(Markup('<a href="{0}">{0}</a>').format(p) if i % 2 else escape(p)
                           for i, p in enumerate(parts))


def local_time(value) -> str:
    """An aware UTC datetime shown in Beijing time."""
    from zoneinfo import ZoneInfo
    return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") if value else ""


def html(template: str, status: int = 200, headers: dict | None = None, **context) -> Response:
    body = jinja_env().get_template(template).render(**context)
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                             "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                             "Referrer-Policy": "same-origin", **(headers or {})})


def redirect(location: str, headers: dict | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": location, **(headers or {})})


def multipart_body(request) -> tuple[dict[str, str], bytes | None, str | None]:
    """(form fields, file content, file name) of a multipart/form-data POST."""
    import io

    from python_multipart import parse_form
    from python_multipart.exceptions import FormParserError

    fields: dict[str, str] = {}
    files: list = []
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
