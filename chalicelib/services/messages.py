"""The texts of the notifications (e-mail and SMS), in one place.

An SMS carries its full text (`body`, what SNS and the local mailbox send and show) and, for the providers
that send only approved templates (Alibaba Cloud, Tencent Cloud: docs/sms.md), the name of its template and
the values of the template's variables. Links are never template variables (the providers refuse them): the
approved templates carry the site's fixed address instead.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..domain.enforcement import Enforcement
from ..domain.filing import Filing
from ..domain.jurisdiction import authority
from ..domain.model import ACTING, Account, Message, MessageKind, Role, Unit
from ..domain.notifications import review_topic
from ..domain.transfers import Transfer
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
    "enforcement_order": ("unit", "year", "deadline"),
    "transfer": ("unit", "status"),
    "unit_closed": ("unit", "kind", "date"),  # a unit's life (docs/rules.md §11)
    "closure_refused": ("unit", "reason"),
    "unit_reopened": ("unit",),
    "verification_code": ("code", "minutes"),
    "account_notice": ("unit", "change"),
    "unit_admin_handover": ("unit", "old", "new"),
}


def chinese_date(day: dt.date) -> str:
    """2026年7月9日"""
    return f"{day.year}年{day.month}月{day.day}日"


def sms(clock: Clock, *, kind: MessageKind, to: str, subject: str, body: str, template: str,
        params: dict[str, str], topic: str | None = None) -> Message:
    """An SMS: its full text, and its template and variables for the providers that send templates only."""
    assert tuple(params) == SMS_TEMPLATES[template], f"{template} takes {SMS_TEMPLATES[template]}"
    m = message(clock, kind=kind, channel="sms", to=to, subject=subject, body=body, topic=topic)
    return m.model_copy(update={"template": template, "params": params})


def unit_contacts(unit: Unit, people: Iterable[Account]) -> tuple[list[str], list[str]]:
    """(e-mails, mobiles) that hear from the system for a unit: its registered contacts (the 单位管理员's) and
    every person of the unit whose account acts for it (docs/rules.md §12), each address once; removed people
    none."""
    acting = [a for a in people if a.role == Role.FILER and a.scope == unit.uscc and a.status in ACTING]
    return (list(dict.fromkeys(e for e in (unit.filer_email, *(a.email for a in acting)) if e)),
            list(dict.fromkeys(m for m in (unit.filer_mobile, *(a.mobile for a in acting)) if m)))


def to_unit(clock: Clock, unit: Unit, people: Iterable[Account], *, kind: MessageKind, subject: str, email: str,
            text: str, template: str, params: dict[str, str]) -> list[Message]:
    """One e-mail and one SMS to each of the unit's addresses (`unit_contacts`)."""
    emails, mobiles = unit_contacts(unit, people)
    return ([message(clock, kind=kind, channel="email", to=to, subject=subject, body=email) for to in emails]
            + [sms(clock, kind=kind, to=to, subject=subject, body=text, template=template, params=params)
               for to in mobiles])


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


def review_decided(clock: Clock, filing: Filing, unit: Unit, employer_url: str,
                   people: Iterable[Account] = ()) -> list[Message]:
    """The unit's people (`unit_contacts`) hear of an approval, a rejection or a revoked approval
    (docs/rules.md §11, §12)."""
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
    return to_unit(clock, unit, people, kind=MessageKind.DECISION, subject=subject, email=text,
                   text=f"【劳动用工备案】{text}", template=template, params=params)


def enforcement_ordered(clock: Clock, unit: Unit, record: Enforcement, employer_url: str,
                        people: Iterable[Account] = ()) -> list[Message]:
    """The unit's people (`unit_contacts`) are told of a 责令限期改正 (docs/rules.md §15): e-mail and SMS. The later
    steps send nothing: 已改正 asks nothing of the unit, and after a 移交 劳动保障监察 contacts it itself."""
    year, deadline = record.year, chinese_date(record.deadline)
    subject = f"【责令限期改正】请于{deadline}前完成{year}年度劳动用工备案"
    body = (f"{unit.name}：\n您单位未按规定完成{year}年度劳动用工备案。{authority(record.authority_code).name}已于"
            f"{chinese_date(record.notice_date)}责令限期改正（文书编号：{record.notice_number}），请于{deadline}前"
            f"登录填报并提交：{employer_url}\n逾期未改正的，将移交劳动保障监察机构依法处理。")
    text = (f"【劳动用工备案】{unit.name}：您单位{year}年度劳动用工备案逾期未报，已被责令限期改正，"
            f"请于{deadline}前登录{employer_url}完成备案，逾期将移交劳动保障监察机构处理。")
    return to_unit(clock, unit, people, kind=MessageKind.ENFORCEMENT, subject=subject, email=body, text=text,
                   template="enforcement_order", params={"unit": unit.name, "year": str(year), "deadline": deadline})


def transfer_told(clock: Clock, transfer: Transfer, unit: Unit, reviewers: list[Account], link: str,
                  people: Iterable[Account] = ()) -> list[Message]:
    """A transfer asked or decided (docs/rules.md §11): to the unit's people (`unit_contacts`) and the reviewers of
    both authorities."""
    moved = f"{transfer.unit_name}的备案审核机关由{transfer.from_name}变更为{transfer.to_name}"
    last = transfer.history[-1]
    subject, text = {
        "request": ("审核机关变更申请待接收", f"申请将{moved}，原因：{transfer.reason}。请接收机关审核员接收或不予接收。"),
        "accept": ("审核机关变更已完成", f"{moved}，已由接收机关接收。"),
        "direct": ("审核机关变更已完成", f"省人力资源和社会保障厅已将{moved}，原因：{transfer.reason}。"),
        "refuse": ("审核机关变更申请不予接收", f"申请将{moved}，接收机关不予接收，理由：{transfer.refusal}。"),
        "cancel": ("审核机关变更申请已撤回", f"申请将{moved}，申请方已撤回。"),
    }[last.action]
    if transfer.status.value == "accepted":
        text += f"此后提交的备案由{transfer.to_name}审核；此前已提交的备案仍由原审核机关办理。"
    params = {"unit": transfer.unit_name, "status": transfer.status_label}
    kind = MessageKind.TRANSFER
    out = to_unit(clock, unit, people, kind=kind, subject=subject, email=text, text=f"【劳动用工备案】{text}",
                  template="transfer", params=params)
    for reviewer in reviewers:
        if reviewer.email:
            out.append(message(clock, kind=kind, channel="email", to=reviewer.email, subject=subject,
                               body=f"{text}详情：{link}"))
        if reviewer.mobile:
            out.append(sms(clock, kind=kind, to=reviewer.mobile, subject=subject, body=f"【劳动用工备案】{text}",
                           template="transfer", params=params))
    return out


def unit_life_changed(clock: Clock, unit: Unit, template: str, params: dict[str, str], text: str,
                      employer_url: str, people: Iterable[Account] = ()) -> list[Message]:
    """The unit's people (`unit_contacts`) are told of a confirmed closure, a refused closure request, a
    reopening (docs/rules.md §11)."""
    subject = {"unit_closed": "单位注销（吊销、撤销、迁出）已登记", "closure_refused": "注销申请未获同意",
               "unit_reopened": "单位已恢复备案"}[template]
    return to_unit(clock, unit, people, kind=MessageKind.DECISION, subject=subject,
                   email=f"{unit.name}：{text}详情请登录查看：{employer_url}", text=f"【劳动用工备案】{unit.name}：{text}",
                   template=template, params=params)


def account_notice(clock: Clock, unit_name: str, change: str, *, emails: Iterable[str | None],
                   mobiles: Iterable[str | None]) -> list[Message]:
    """The unit's contacts are told of a change to its accounts (docs/rules.md §12): a password reset, a contact
    change, a person added or removed, a rebinding. Each address once."""
    subject = "单位账号变更提醒"
    text = f"{unit_name}：{change}。如非本单位人员操作，请尽快联系您的备案审核机关。"
    kind = MessageKind.ACCOUNT_NOTICE
    return ([message(clock, kind=kind, channel="email", to=to, subject=subject, body=text)
             for to in dict.fromkeys(e for e in emails if e)]
            + [sms(clock, kind=kind, to=to, subject=subject, body=f"【劳动用工备案】{text}", template="account_notice",
                   params={"unit": unit_name, "change": change}) for to in dict.fromkeys(m for m in mobiles if m)])


def admin_handed_over(clock: Clock, unit: Unit, old: Account, new: Account) -> list[Message]:
    """Both people (and the unit's contacts before the change) hear that the 单位管理员 role was handed over
    (docs/rules.md §12)."""
    before = unit.filer_name or old.display_name  # the person (a first account is named after the unit)
    text = (f"{unit.name}：单位管理员已由{before}移交给{new.display_name}，{before}的账号现为经办人。"
            "如非本单位人员操作，请尽快联系您的备案审核机关。")
    return to_unit(clock, unit, [old, new], kind=MessageKind.ACCOUNT_NOTICE, subject="单位管理员已移交", email=text,
                   text=f"【劳动用工备案】{text}", template="unit_admin_handover",
                   params={"unit": unit.name, "old": before, "new": new.display_name})
