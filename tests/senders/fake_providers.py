"""Fake Alibaba Cloud and Tencent Cloud SMS endpoints on 127.0.0.1, for the sender tests.

Each checks a request as its provider does, with its own code (not the adapters'): it recomputes the signature
from the request it received and the test secret, refuses a stale timestamp, an unknown key or a bad signature
with the provider's error, checks the business fields (signature name, template, its variables, the number's
format) against what it was told is approved, and answers in the provider's shapes. What it accepted is kept in
`received`; `fail_next` makes it refuse the next sends with a given code, as the provider would for a limit.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY_ID, SECRET = "LTAI-test-key-id", "test-secret-do-not-use"


def send_json(handler: BaseHTTPRequestHandler, status: int, answer: dict[str, Any]) -> None:
    """A fake provider's JSON answer, as the real APIs send it."""
    raw = json.dumps(answer, ensure_ascii=False).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json;charset=utf-8")
    handler.send_header("Content-Length", str(len(raw)))
    handler.end_headers()
    handler.wfile.write(raw)


class _Fake:
    """A threaded HTTP server whose POSTs go to self.answer(path, headers, body) → (status, JSON)."""

    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                send_json(self, *fake.answer(self.path, self.headers, body))

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.received: list[dict[str, Any]] = []
        self.fail_next: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeAliyun(_Fake):
    """dysmsapi SendSms and SendBatchSms (RPC API 2017-05-25, signature HMAC-SHA1 1.0). Each number a batch
    reaches is received like a SendSms of its own (with "Action": "SendBatchSms")."""

    def __init__(self, sign_names: set[str], templates: dict[str, set[str]]):
        super().__init__()
        self.keys = {KEY_ID: SECRET}
        self.sign_names, self.templates = sign_names, templates  # approved: code → its variable names
        self.nonces: set[str] = set()

    @staticmethod
    def _enc(text: str) -> str:  # RFC 3986: only unreserved characters stay
        return urllib.parse.quote(text, safe="~")

    def expected_signature(self, params: dict[str, str], secret: str) -> tuple[str, str]:
        canonical = "&".join(f"{self._enc(k)}={self._enc(params[k])}" for k in sorted(params))
        to_sign = "POST&" + self._enc("/") + "&" + self._enc(canonical)
        return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode(), \
            to_sign

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        request_id = str(uuid.uuid4()).upper()

        def refuse(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
            return status, {"RequestId": request_id, "Code": code, "Message": message,
                            "Recommend": "https://api.aliyun.com/troubleshoot?q=" + code}
        if headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return refuse(400, "MissingParameter", "form body expected")
        params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
        if params.get("Action") not in ("SendSms", "SendBatchSms"):
            return refuse(400, "InvalidParameter.Action", "Action must be SendSms or SendBatchSms")
        for name, value in (("Version", "2017-05-25"), ("SignatureMethod", "HMAC-SHA1"),
                            ("SignatureVersion", "1.0"), ("Format", "JSON")):
            if params.get(name) != value:
                return refuse(400, f"InvalidParameter.{name}", f"{name} must be {value}")
        secret = self.keys.get(params.get("AccessKeyId", ""))
        if secret is None:
            return refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        try:
            stamp = dt.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        except (KeyError, ValueError):
            return refuse(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
        if abs((dt.datetime.now(dt.timezone.utc) - stamp).total_seconds()) > 15 * 60:
            return refuse(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        signature = params.pop("Signature", "")
        expected, to_sign = self.expected_signature(params, secret)
        if not hmac.compare_digest(signature, expected):
            return refuse(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation. "
                                                        f"server string to sign is:{to_sign}")
        with self.lock:
            if params["SignatureNonce"] in self.nonces:
                return refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self.nonces.add(params["SignatureNonce"])
            if self.fail_next:
                code, message = self.fail_next.pop(0)
                return refuse(200, code, message)
        if params["Action"] == "SendBatchSms":
            try:
                numbers, signs = json.loads(params["PhoneNumberJson"]), json.loads(params["SignNameJson"])
                values = json.loads(params["TemplateParamJson"]) if "TemplateParamJson" in params else [{}] * len(numbers)
            except (KeyError, ValueError):
                return refuse(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法")
            if not 0 < len(numbers) <= 100 or not len(numbers) == len(signs) == len(values):
                return refuse(200, "isv.BATCH_LIMIT_CONTROL", "号码、签名、模板变量的个数须相同，且不超过100个")
            singles = [{"PhoneNumbers": n, "SignName": s, "TemplateCode": params.get("TemplateCode", ""),
                        "TemplateParam": v} for n, s, v in zip(numbers, signs, values)]
        else:
            try:
                values = json.loads(params["TemplateParam"]) if "TemplateParam" in params else {}
            except ValueError:
                return refuse(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
            singles = [{**params, "TemplateParam": values}]
        for one in singles:
            if not re.fullmatch(r"1\d{10}", one.get("PhoneNumbers", "")):
                return refuse(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
            if one.get("SignName") not in self.sign_names:
                return refuse(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
            variables = self.templates.get(one.get("TemplateCode", ""))
            if variables is None:
                return refuse(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
            given = one["TemplateParam"]
            if set(given) != variables or not all(isinstance(v, str) and v for v in given.values()):
                return refuse(200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        with self.lock:
            self.received += [{**one, "Action": params["Action"]} for one in singles]
        return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": f"{time.time_ns()}^0"}


class FakeTencent(_Fake):
    """sms SendSms (API 2021-01-11, signature TC3-HMAC-SHA256)."""

    def __init__(self, app_id: str, sign_names: set[str], templates: dict[str, int]):
        super().__init__()
        self.keys = {KEY_ID: SECRET}
        self.app_id, self.sign_names, self.templates = app_id, sign_names, templates  # approved: ID → variables

    @staticmethod
    def expected_signature(secret: str, method: str, path: str, headers: Any, signed: list[str], body: bytes,
                           timestamp: str, scope: str) -> str:
        canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed)
        canonical = f"{method}\n{path}\n\n{canonical_headers}\n{';'.join(signed)}\n{hashlib.sha256(body).hexdigest()}"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        date, service, _ = scope.split("/")
        key = ("TC3" + secret).encode()
        for part in (date, service, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        request_id = str(uuid.uuid4())

        def error(code: str, message: str) -> tuple[int, dict[str, Any]]:
            return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}
        auth = re.fullmatch(r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/(\w+)/tc3_request, "
                            r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", headers.get("Authorization", ""))
        if auth is None:
            return error("AuthFailure.InvalidAuthorization", "Authorization 格式不正确")
        secret_id, date, service, signed, signature = auth.groups()
        secret = self.keys.get(secret_id)
        if secret is None:
            return error("AuthFailure.SecretIdNotFound", "密钥不存在")
        timestamp = headers.get("X-TC-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return error("AuthFailure.SignatureExpire", "签名过期，Timestamp 与服务器时间相差不得超过五分钟")
        names = signed.split(";")
        if service != "sms" or not {"content-type", "host"} <= set(names) \
                or date != dt.datetime.fromtimestamp(int(timestamp), dt.timezone.utc).strftime("%Y-%m-%d"):
            return error("AuthFailure.SignatureFailure", "请求签名验证失败")
        expected = self.expected_signature(secret, "POST", urllib.parse.urlsplit(path).path, headers, names, body,
                                           timestamp, f"{date}/{service}/tc3_request")
        if not hmac.compare_digest(signature, expected):
            return error("AuthFailure.SignatureFailure", "请求签名验证失败，请检查您的签名计算是否正确")
        if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
            return error("InvalidAction", "接口不存在")
        if not headers.get("X-TC-Region"):
            return error("MissingParameter", "缺少参数错误：X-TC-Region")
        try:
            request = json.loads(body)
        except ValueError:
            return error("InvalidParameter", "请求体不是 JSON")
        if request.get("SmsSdkAppId") != self.app_id:
            return error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId 不存在")
        if request.get("SignName") not in self.sign_names:
            return error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误")
        variables = self.templates.get(request.get("TemplateId", ""))
        if variables is None:
            return error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配")
        values = request.get("TemplateParamSet") or []
        if len(values) != variables or not all(isinstance(v, str) and v for v in values):
            return error("FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                         "请求内容与审核通过的模板内容不匹配")
        statuses = []
        for number in request.get("PhoneNumberSet") or []:
            with self.lock:
                failure = self.fail_next.pop(0) if self.fail_next else None
            if failure is None and not re.fullmatch(r"\+861\d{10}", number):
                failure = ("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
            code, message = failure or ("Ok", "send success")
            statuses.append({"SerialNo": uuid.uuid4().hex, "PhoneNumber": number, "Fee": 1 if code == "Ok" else 0,
                             "SessionContext": "", "Code": code, "Message": message, "IsoCode": "CN"})
            if code == "Ok":
                with self.lock:
                    self.received.append({**request, "PhoneNumberSet": [number], "headers": {k.lower(): v for k, v in headers.items()}})
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}
