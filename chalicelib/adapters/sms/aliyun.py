"""Alibaba Cloud 短信服务: the SendSms action of the dysmsapi RPC API (version 2017-05-25), signed with the RPC
signature (HMAC-SHA1, SignatureVersion 1.0).

The request is a form-encoded POST of the action's and the common parameters. Signing: every parameter but
Signature, sorted by name, each name and value percent-encoded as RFC 3986 says (UTF-8; only A-Z a-z 0-9 - _ . ~
left as they are, so a space is %20), joined as name=value with &; the string to sign is
"POST&%2F&" + that canonical string, percent-encoded once more; the signature is the base64 of its HMAC-SHA1 under
the AccessKey secret followed by "&". The answer is JSON whose Code is "OK" on success; any other Code (isv.… for
the business checks, SignatureDoesNotMatch, InvalidAccessKeyId.NotFound…) is a refusal, explained in Message.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid
from collections.abc import Callable, Mapping

from .base import SmsProviderError, Template, TemplateSms

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
REGION = "cn-hangzhou"
API_VERSION = "2017-05-25"


def percent_encode(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class AliyunSms(TemplateSms):
    provider = "阿里云短信"

    def __init__(self, access_key_id: str, access_key_secret: str, *, sign_name: str,
                 templates: Mapping[str, Template], endpoint: str | None = None, region: str | None = None,
                 param_max_chars: int = 35, timeout: float = 10.0, now: Callable[[], dt.datetime] = _utc_now):
        super().__init__(sign_name=sign_name, templates=templates, param_max_chars=param_max_chars, timeout=timeout)
        self.access_key_id, self.secret = access_key_id, access_key_secret
        self.endpoint, self.region, self.now = endpoint or ENDPOINT, region or REGION, now

    def deliver(self, mobile: str, code: str, values: list[tuple[str, str]]) -> None:
        params = {
            "Action": "SendSms", "Version": API_VERSION, "Format": "JSON", "RegionId": self.region,
            "AccessKeyId": self.access_key_id, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex, "Timestamp": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": mobile, "SignName": self.sign_name, "TemplateCode": code,
        }
        if values:
            params["TemplateParam"] = json.dumps(dict(values), ensure_ascii=False, separators=(",", ":"))
        signature = rpc_signature("POST", params, self.secret)
        body = f"{canonical_query(params)}&Signature={percent_encode(signature)}".encode()
        answer = self.post(self.endpoint, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "Accept": "application/json"})
        if answer.get("Code") != "OK":
            raise SmsProviderError(self.provider, str(answer.get("Code")), str(answer.get("Message")))
