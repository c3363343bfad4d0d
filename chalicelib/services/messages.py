"""The texts of the notifications (e-mail and SMS), in one place."""
from __future__ import annotations

from ..domain.filing import Filing
from ..domain.model import Account, Message, MessageKind, Unit
from ..domain.notifications import review_topic
from ..ports import Clock
from .outbox import message


def review_requested(clock: Clock, filing: Filing, reviewer: Account, link: str) -> list[Message]:
    subject = "新的劳动用工备案待审核"
    text = (f"{filing.unit_name}提交了{filing.year}年度劳动用工备案（回执号{filing.receipt_no}），请审核：{link} "
            "（链接仅限您本人使用，一次有效）")
    kind, topic = MessageKind.REVIEW_REQUEST, review_topic(filing)
    out = []
    if reviewer.email:
        out.append(message(clock, kind=kind, topic=topic, channel="email", to=reviewer.email, subject=subject,
                           body=text))
    if reviewer.mobile:
        out.append(message(clock, kind=kind, topic=topic, channel="sms", to=reviewer.mobile, subject=subject,
                           body=f"【劳动用工备案】{filing.unit_name}的{filing.year}年度备案待审核：{link}"))
    return out


def review_decided(clock: Clock, filing: Filing, unit: Unit, employer_url: str) -> list[Message]:
    last = filing.history[-1]
    if last.action == "approve":
        subject = "劳动用工备案审核通过"
        text = f"您单位{filing.year}年度劳动用工备案（回执号{filing.receipt_no}）已审核通过。"
    else:
        subject = "劳动用工备案审核不通过"
        text = (f"您单位{filing.year}年度劳动用工备案（回执号{filing.receipt_no}）审核不通过，原因：{last.reason}。"
                f"请修改后重新提交：{employer_url}")
    return [message(clock, kind=MessageKind.DECISION, channel="email", to=unit.filer_email, subject=subject,
                    body=text),
            message(clock, kind=MessageKind.DECISION, channel="sms", to=unit.filer_mobile, subject=subject,
                    body=f"【劳动用工备案】{text}")]
