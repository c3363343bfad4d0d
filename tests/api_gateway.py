"""API Gateway (REST API, Lambda proxy integration) in front of the app, as far as moto and the local server do
not show it: the event it sends (the full public path in requestContext.path, the stage or a custom domain's base
path included; a body whose Content-Type is one of the API's binaryMediaTypes base64-encoded), and what it makes of
the answer (a base64 body is decoded only when the request's first Accept type is a binary media type, `*/*`
matching any, none included; otherwise the client gets the base64 text)."""
from __future__ import annotations

import base64
import fnmatch
from typing import NamedTuple

from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher


class Answer(NamedTuple):
    status: int
    headers: dict
    body: bytes


def _binary(media_type: str, binary_media_types: list[str]) -> bool:
    return any(pattern == "*/*" or fnmatch.fnmatch(media_type, pattern) for pattern in binary_media_types)


def through_api_gateway(app, method: str, path: str, headers: dict[str, str] | None = None,
                        body: bytes | None = None, *, base_path: str = "") -> Answer:
    """`path` as the app's routes know it; `base_path` what the public URL has before it (`/api`: the stage on the
    default execute-api endpoint)."""
    headers = headers or {}
    binary_media_types = app.api.binary_types  # what `chalice package` declares on the API
    event = LambdaEventConverter(RouteMatcher(list(app.routes)), []).create_lambda_event(method, path, headers)
    event["requestContext"]["path"] = base_path + path.split("?")[0]
    if body is not None:
        encoded = _binary(headers.get("Content-Type", "").split(";")[0], binary_media_types)
        event["body"] = base64.b64encode(body).decode() if encoded else body.decode()
        event["isBase64Encoded"] = encoded
    answer = app(event, LambdaContext("api", 1024))
    first_accept = headers.get("Accept", "").split(",")[0].split(";")[0].strip()
    decoded = answer.get("isBase64Encoded") and _binary(first_accept, binary_media_types)
    return Answer(answer["statusCode"], {**answer["headers"], **answer.get("multiValueHeaders", {})},
                  base64.b64decode(answer["body"]) if decoded else answer["body"].encode())
