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
SMS_TEMPLATES: dict[str, tuple[str, ...]] = {
    "review_request": ("unit", "year"),
    "approved": ("year", "receipt"),
    "rejected": ("year", "receipt", "reason"),
    "reminder": ("unit", "year", "when"),
    "unit_closed": ("unit", "kind", "date"),  # a unit's life (docs/rules.md §11)
    "closure_refused": ("unit", "reason"),
    "unit_reopened": ("unit",),
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
                       template="review_request", params={"unit": filing.unit_name, "year": str(filing.year)}))
    return out


def review_decided(clock: Clock, filing: Filing, unit: Unit, employer_url: str) -> list[Message]:
    last = filing.history[-1]
    receipt = filing.receipt_no or ""
    if last.action == "approve":
        subject = "劳动用工备案审核通过"
        text = f"您单位{filing.title}（回执号{filing.receipt_no}）已审核通过。"
        template, params = "approved", {"year": str(filing.year), "receipt": receipt}
    else:
        subject = "劳动用工备案审核不通过"
        text = (f"您单位{filing.title}（回执号{filing.receipt_no}）审核不通过，原因：{last.reason}。"
                f"请修改后重新提交：{employer_url}")
        template, params = "rejected", {"year": str(filing.year), "receipt": receipt, "reason": last.reason or ""}
    return [message(clock, kind=MessageKind.DECISION, channel="email", to=unit.filer_email, subject=subject,
                    body=text),
            sms(clock, kind=MessageKind.DECISION, to=unit.filer_mobile, subject=subject, body=f"【劳动用工备案】{text}",
                template=template, params=params)]


def unit_life_changed(clock: Clock, unit: Unit, template: str, params: dict[str, str], text: str,
                      employer_url: str) -> list[Message]:
    """The filer is told of a confirmed closure, a refused closure request, a reopening (docs/rules.md §11)."""
    subject = {"unit_closed": "单位注销（吊销、撤销、迁出）已登记", "closure_refused": "注销申请未获同意",
               "unit_reopened": "单位已恢复备案"}[template]
    body = f"{unit.name}：{text}详情请登录查看：{employer_url}"
    return [message(clock, kind=MessageKind.DECISION, channel="email", to=unit.filer_email, subject=subject,
                    body=body),
            sms(clock, kind=MessageKind.DECISION, to=unit.filer_mobile, subject=subject,
                body=f"【劳动用工备案】{unit.name}：{text}", template=template, params=params)]
