"""Tencent Cloud SMS: the SendSms action of API version 2021-01-11, signed with TC3-HMAC-SHA256.

The request is a JSON POST to the service's host with the action, version, region and a Unix timestamp in
X-TC-* headers. Signing: the canonical request is "POST", the path "/", an empty query, the canonical headers
"content-type:…\\nhost:…\\n" (values in lower case), the signed header names "content-type;host" and the hex
SHA-256 of the body, joined by line breaks; the string to sign is "TC3-HMAC-SHA256", the timestamp, the scope
"<UTC date>/sms/tc3_request" and the hex SHA-256 of the canonical request; the key is HMAC-SHA256 chained from
"TC3" + SecretKey over the date, the service and "tc3_request". The answer is JSON under Response:
Response.Error on a refused request (AuthFailure.SignatureFailure…); otherwise SendStatusSet holds one status per
number, Code "Ok" when accepted.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Callable, Mapping

from .base import SmsProviderError, Template, TemplateSms

ENDPOINT = "https://sms.tencentcloudapi.com/"
REGION = "ap-guangzhou"
SERVICE = "sms"
API_VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_signature(secret_key: str, *, host: str, path: str, content_type: str, body: bytes, timestamp: int) -> str:
    date = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d")
    headers = f"content-type:{content_type.strip().lower()}\nhost:{host.strip().lower()}\n"  # values in lower case
    canonical = "\n".join(["POST", path, "", headers, "content-type;host",
                           hashlib.sha256(body).hexdigest()])
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), f"{date}/{SERVICE}/tc3_request",
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class TencentSms(TemplateSms):
    provider = "腾讯云短信"

    def __init__(self, secret_id: str, secret_key: str, *, app_id: str, sign_name: str,
                 templates: Mapping[str, Template], endpoint: str | None = None, region: str | None = None,
                 param_max_chars: int = 35, timeout: float = 10.0, now: Callable[[], dt.datetime] = _utc_now):
        super().__init__(sign_name=sign_name, templates=templates, param_max_chars=param_max_chars, timeout=timeout)
        self.secret_id, self.secret_key, self.app_id = secret_id, secret_key, app_id
        self.endpoint, self.region, self.now = endpoint or ENDPOINT, region or REGION, now

    def deliver(self, mobile: str, code: str, values: list[tuple[str, str]]) -> None:
        body = json.dumps({"PhoneNumberSet": [f"+86{mobile}"], "SmsSdkAppId": self.app_id,
                           "SignName": self.sign_name, "TemplateId": code,
                           "TemplateParamSet": [value for _, value in values]},
                          ensure_ascii=False, separators=(",", ":")).encode()
        url = urllib.parse.urlsplit(self.endpoint)
        timestamp = int(self.now().timestamp())
        date = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d")
        signature = tc3_signature(self.secret_key, host=url.netloc, path=url.path or "/", content_type=CONTENT_TYPE,
                                  body=body, timestamp=timestamp)
        headers = {
            "Authorization": (f"TC3-HMAC-SHA256 Credential={self.secret_id}/{date}/{SERVICE}/tc3_request, "
                              f"SignedHeaders=content-type;host, Signature={signature}"),
            "Content-Type": CONTENT_TYPE, "Host": url.netloc, "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION, "X-TC-Timestamp": str(timestamp), "X-TC-Region": self.region,
        }
        answer = self.post(self.endpoint, body, headers).get("Response")
        if not isinstance(answer, dict):
            raise SmsProviderError(self.provider, "no Response", "the answer has no Response object")
        if error := answer.get("Error"):
            raise SmsProviderError(self.provider, str(error.get("Code")), str(error.get("Message")))
        statuses = answer.get("SendStatusSet") or [{}]
        if statuses[0].get("Code") != "Ok":
            raise SmsProviderError(self.provider, str(statuses[0].get("Code")), str(statuses[0].get("Message")))
