"""What the template SMS providers share: a message → its approved template and variables, the mainland mobile
number, and one HTTPS POST answered in JSON.

Failures: a message that can never go out as it is (no template configured for it, a variable it lacks, a
number outside the mainland) raises ports.Undeliverable, and the outbox marks it failed with the reason; a
provider's refusal or an unreachable endpoint raises SmsProviderError, and the outbox retries it.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, NamedTuple

from ...domain.model import Message
from ...ports import Undeliverable


class Template(NamedTuple):
    code: str  # the provider's template code (Alibaba Cloud SMS_…) or ID (Tencent Cloud)
    params: tuple[str, ...] | None = None  # the approved template's variables in order; None: the message's own


class SmsProviderError(RuntimeError):
    """The provider refused the request or could not be reached: this attempt failed, a later one may not."""

    def __init__(self, provider: str, code: str, text: str):
        super().__init__(f"{provider}: {code}: {text}")
        self.code = code


_MAINLAND = re.compile(r"1\d{10}")
# the signature's brackets and template braces must not appear in values; line breaks end up as spaces
_UNSAFE = str.maketrans({"【": "", "】": "", "[": "", "]": "", "{": "", "}": "", "\r": " ", "\n": " ", "\t": " "})


def mainland_mobile(to: str) -> str:
    """The 11-digit mainland mobile number of `to` (+86, 86 or 0086 in front, spaces and dashes allowed)."""
    digits = re.sub(r"[\s-]", "", to)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if not _MAINLAND.fullmatch(digits):
        raise Undeliverable(f"短信只发往中国大陆手机号码，{to!r}不是")
    return digits


class TemplateSms:
    """Sends one message as an approved template with its variables; the provider classes say how."""
    provider = ""

    def __init__(self, *, sign_name: str, templates: Mapping[str, Template], param_max_chars: int = 35,
                 timeout: float = 10.0):
        self.sign_name, self.templates = sign_name, dict(templates)
        self.param_max_chars, self.timeout = param_max_chars, timeout

    def send(self, message: Message) -> None:
        code, values = self.template_of(message)
        self.deliver(mainland_mobile(message.to), code, values)

    def deliver(self, mobile: str, code: str, values: list[tuple[str, str]]) -> None:
        raise NotImplementedError

    def template_of(self, message: Message) -> tuple[str, list[tuple[str, str]]]:
        """(template code, [(variable, value)] in the template's order); Undeliverable when either is missing."""
        name = message.template or (message.kind.value if message.kind else None)
        template = self.templates.get(name) if name else None
        if template is None:
            raise Undeliverable(f"没有为“{name or '未分类消息'}”配置短信模板（SMS_TEMPLATES），本条不发送")
        given = message.params
        if template.params is None and given is None:
            raise Undeliverable(f"短信模板“{name}”要按消息的参数发送，但这条消息没有参数；"
                                "固定文本的模板请在 SMS_TEMPLATES 中写明 \"params\": []")
        names = list(template.params if template.params is not None else given or {})
        if missing := [n for n in names if n not in (given or {})]:
            raise Undeliverable(f"短信模板“{name}”的变量{'、'.join(missing)}在这条消息中没有，本条不发送")
        return template.code, [(n, self.clean((given or {})[n])) for n in names]

    def clean(self, value: str) -> str:
        """A value as a template variable takes it: no brackets or braces, one line, at most the length the
        approved template allows (SMS_PARAM_MAX_CHARS)."""
        return " ".join(value.translate(_UNSAFE).split())[:self.param_max_chars]

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """POST; the JSON answer, error statuses included (the providers explain refusals in the body)."""
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as r:
                raw, status = r.read(), r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        except OSError as e:  # unreachable, timed out: a later attempt may get through
            raise SmsProviderError(self.provider, "unreachable", str(e)) from e
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise SmsProviderError(self.provider, f"HTTP {status}", raw[:200].decode("utf-8", "replace"))
        return answer
