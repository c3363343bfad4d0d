"""The texts of the notifications (e-mail and SMS), in one place.

An SMS carries its full text (`body`, what SNS and the local mailbox send and show) and, for the providers
that send only approved templates (Alibaba Cloud, Tencent Cloud: docs/sms.md), the name of its template and
the values of the template's variables. Links are never template variables (the providers refuse them): the
approved templates carry the site's fixed address instead.
"""
from __future__ import annotations

from ..domain.filing import Filing
from ..domain.model import Account, Message, MessageKind, Unit
from ..domain.notifications import review_topic
from ..ports import Clock
from .outbox import message

# our SMS templates: name → the variables each takes, in order (docs/sms.md lists the texts to apply for)
# `kind`: what is filed, short (年度备案 / 表三备案 / 年度备案更正, domain/filing.py KIND_SHORT)
SMS_TEMPLATES: dict[str, tuple[str, ...]] = {
    "review_request": ("unit", "year", "kind"),
    "approved": ("year", "kind", "receipt"),
    "rejected": ("year", "kind", "receipt", "reason"),
    "revoked": ("year", "kind", "receipt", "reason"),
    "reminder": ("unit", "year", "when"),
}


def sms(clock: Clock, *, kind: MessageKind, to: str, subject: str, body: str, template: str,
        params: dict[str, str], topic: str | None = None) -> Message:
    """An SMS: its full text, and its template and variables for the providers that send templates only."""
    assert tuple(params) == SMS_TEMPLATES[template], f"{template} takes {SMS_TEMPLATES[template]}"
    m = message(clock, kind=kind, channel="sms", to=to, subject=subject, body=body, topic=topic)
    return m.model_copy(update={"template": template, "params": params})


def review_requested(clock: Clock, filing: Filing, reviewer: Account, link: str) -> list[Message]:
    subject = "新的劳动用工备案待审核"
    zero = "，零申报：在册职工0人，无表二名册" if filing.zero_report else ""  # docs/rules.md §11
    text = (f"{filing.unit_name}提交了{filing.title}（回执号{filing.receipt_no}{zero}），请审核：{link} "
            "（链接仅限您本人使用，一次有效）")
    kind, topic = MessageKind.REVIEW_REQUEST, review_topic(filing)
    out = []
    if reviewer.email:
        out.append(message(clock, kind=kind, topic=topic, channel="email", to=reviewer.email, subject=subject,
                           body=text))
    if reviewer.mobile:
        out.append(sms(clock, kind=kind, topic=topic, to=reviewer.mobile, subject=subject,
                       body=f"【劳动用工备案】{filing.unit_name}的{filing.title}"
                            f"{'（零申报）' if filing.zero_report else ''}待审核：{link}",
                       template="review_request", params={"unit": filing.unit_name, "year": str(filing.year),
                                                          "kind": filing.kind_short}))
    return out


def review_decided(clock: Clock, filing: Filing, unit: Unit, employer_url: str) -> list[Message]:
    """The unit's filer hears of an approval, a rejection or a revoked approval (docs/rules.md §11)."""
    last = filing.history[-1]
    receipt = filing.receipt_no or ""
    named = {"year": str(filing.year), "kind": filing.kind_short, "receipt": receipt}
    if last.action == "approve":
        subject = "劳动用工备案审核通过"
        text = f"您单位{filing.title}（回执号{filing.receipt_no}）已审核通过。"
        template, params = "approved", named
    elif last.action == "revoke":
        subject = "劳动用工备案审核通过已被撤销"
        text = (f"您单位{filing.title}（回执号{filing.receipt_no}）的审核通过已被审核机关撤销，原因：{last.reason}。"
                f"请修改后重新提交：{employer_url}")
        template, params = "revoked", {**named, "reason": last.reason or ""}
    else:
        subject = "劳动用工备案审核不通过"
        text = (f"您单位{filing.title}（回执号{filing.receipt_no}）审核不通过，原因：{last.reason}。"
                f"请修改后重新提交：{employer_url}")
        template, params = "rejected", {**named, "reason": last.reason or ""}
    return [message(clock, kind=MessageKind.DECISION, channel="email", to=unit.filer_email, subject=subject,
                    body=text),
            sms(clock, kind=MessageKind.DECISION, to=unit.filer_mobile, subject=subject, body=f"【劳动用工备案】{text}",
                template=template, params=params)]
