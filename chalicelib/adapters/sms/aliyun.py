"""Alibaba Cloud 短信服务: the SendSms action of the dysmsapi RPC API (version 2017-05-25), signed with the RPC
signature (HMAC-SHA1, SignatureVersion 1.0).

The request is a form-encoded POST of the action's and the common parameters. Signing: every parameter but
Signature, sorted by name, each name and value percent-encoded as RFC 3986 says (UTF-8; only A-Z a-z 0-9 - _ . ~
left as they are, so a space is %20), joined as name=value with &; the string to sign is
"POST&%2F&" + that canonical string, percent-encoded once more; the signature is the base64 of its HMAC-SHA1 under
the AccessKey secret followed by "&". The answer is JSON whose Code is "OK" on success; any other Code (isv.… for
the business checks, SignatureDoesNotMatch, InvalidAccessKeyId.NotFound…) is a refusal, explained in Message.

The daily job's reminders go through SendBatchSms (ports.py BatchSender): up to 100 numbers of one template a call,
each with its own signature and variables (PhoneNumberJson, SignNameJson, TemplateParamJson: JSON arrays of the
same length). The call is accepted or refused as a whole.
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

from ...domain.model import Message
from ...ports import Undeliverable
from .base import SmsProviderError, Template, TemplateSms, mainland_mobile

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
BATCH_MAX = 100  # numbers per SendBatchSms
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


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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
        params = {"PhoneNumbers": mobile, "SignName": self.sign_name, "TemplateCode": code}
        if values:
            params["TemplateParam"] = _json(dict(values))
        self._call("SendSms", params)

    def batch_size(self, channel: str) -> int:
        return BATCH_MAX

    def send_batch(self, messages: list[Message]) -> list[Exception | None]:
        """One SendBatchSms per template among the messages (the reminders share one); a message that cannot go
        out as it is (no template, not a mainland number) fails alone."""
        errors: list[Exception | None] = [None] * len(messages)
        by_code: dict[str, list[tuple[int, str, dict[str, str]]]] = {}
        for n, m in enumerate(messages):
            try:
                code, values = self.template_of(m)
                by_code.setdefault(code, []).append((n, mainland_mobile(m.to), dict(values)))
            except Undeliverable as e:
                errors[n] = e
        for code, group in by_code.items():
            params = {"PhoneNumberJson": _json([mobile for _, mobile, _ in group]),
                      "SignNameJson": _json([self.sign_name] * len(group)), "TemplateCode": code,
                      "TemplateParamJson": _json([values for _, _, values in group])}
            try:
                self._call("SendBatchSms", params)
            except Exception as e:  # the call as a whole: each of its messages failed this attempt
                for n, _, _ in group:
                    errors[n] = e
        return errors

    def _call(self, api_action: str, action_params: dict[str, str]) -> None:
        params = {
            "Action": api_action, "Version": API_VERSION, "Format": "JSON", "RegionId": self.region,
            "AccessKeyId": self.access_key_id, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex, "Timestamp": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            **action_params,
        }
        signature = rpc_signature("POST", params, self.secret)
        body = f"{canonical_query(params)}&Signature={percent_encode(signature)}".encode()
        answer = self.post(self.endpoint, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "Accept": "application/json"})
        if answer.get("Code") != "OK":
            raise SmsProviderError(self.provider, str(answer.get("Code")), str(answer.get("Message")))
