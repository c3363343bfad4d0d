"""填报助手 (docs/rules.md §19): a conversation that asks one question at a time, in Chinese, and fills the same
forms a person fills on the ordinary pages.

Pure: a Conversation (what was asked and answered, kept by the store) goes through `hear` (the person's text) and
`settle` (what a use case answered to an Action the conversation asked for) and comes out with the bot's new
turns. Each answer is parsed here (the code lists and their everyday spellings, dates, numbers) and then checked by
the `Check` the caller hands in: the very rules of the forms (services/assistant.py: the registration's
`registration_errors`, 表一's `clean_table1` via `table1_problems` below), so the assistant never accepts what the
form would refuse. A phase ends with an Action (send the SMS code, register, open the filing, save 表一, submit)
that the service carries out through the ordinary use cases.

Phases: menu → register → registered (the person signs in) ; menu → table1 → rows ⇄ table2_row / table3_row (one
表二/表三 row asked field by field, checked by the upload's RowChecker, saved by RowEditService.add) → done.
Commands at any time: 上一步, 修改…, 重新开始, 转人工; a question (？, 怎么, 什么…) is answered from the FAQ.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from . import faq
from .calendar import due_date
from .filing import DECLARATION
from .identifiers import mask_id, masked_text, normalize, parse_resident_id
from .jurisdiction import route
from .reference import authority_phone, codes, policy
from .roster import parse_date
from .row_versions import reason_rule
from .tables import COLUMNS, TABLE1_COUNTS, clean_table1, code_lookup, signing_rate
from .text import nfc

MENU, REGISTER, REGISTERED, TABLE1, ROWS, DONE = "menu", "register", "registered", "table1", "rows", "done"
TABLE2_ROW, TABLE3_ROW = "table2_row", "table3_row"  # one row asked field by field
KEEP_DAYS = 30  # a conversation untouched this long is gone (docs/rules.md §19)
KEEP_TURNS = 200  # the transcript's last turns (a stored item stays small)
MAX_TEXT = 500

START_REGISTER, START_TABLE1, FAQ, SUBMIT, RESEND = "注册新单位", "填报表一", "常见问题", "提交备案", "重新获取验证码"
PLEDGE = "我承诺，提交"  # the 承诺 accepted in words, as the check-answers page's box (docs/rules.md §4)
BACK, RESTART, HUMAN, EDIT = "上一步", "重新开始", "转人工", "修改"
ADD_TABLE2, ADD_TABLE3, ADD_ANOTHER = "添加一名职工（表二）", "添加一名离职人员（表三）", "再添加一名"
NONE = "无"  # the answer to an optional date (合同终止日期)
SECRET = "●●●●●●"
_QUESTION = re.compile(r"[?？]\s*$|怎么|怎样|如何|什么|为什么|哪个|哪里|哪些|多久|吗[?？。]?\s*$")


class Turn(BaseModel):
    by: str  # "bot" or "user"
    text: str
    link: str | None = None  # the ordinary form of the step asked
    link_text: str | None = None


class Conversation(BaseModel):
    id: str
    owner: str | None = None  # the signed-in account it belongs to; None: held by an anonymous browser's cookie
    phase: str = MENU
    step: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    order: list[str] = Field(default_factory=list)  # the steps answered, in order (上一步)
    context: dict[str, Any] = Field(default_factory=dict)  # authority, filing_id, year, 表一 defaults
    transcript: list[Turn] = Field(default_factory=list)
    quick: list[str] = Field(default_factory=list)  # the quick replies offered now
    version: int = 0
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class Action:
    """What the conversation asks the service to do: send_code, register, start_table1, save_table1, submit."""
    name: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """A use case's answer to an Action: `facts` on success; `message` and the form's `problems` otherwise."""
    ok: bool
    facts: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    conversation: Conversation
    said: list[Turn]
    action: Action | None = None


class Refusal(Exception):
    def __init__(self, message: str, quick: list[str] | None = None):
        super().__init__(message)
        self.message, self.quick = message, quick or []


Check = Callable[[str, dict[str, Any], Conversation], list[dict[str, Any]]]  # (phase, answers, conversation)


# parsing an answer -------------------------------------------------------------------------------------------
def _text(text: str, c: Conversation) -> str:
    return text


def _date(text: str, c: Conversation) -> str:
    try:
        day = parse_date(text)
    except ValueError as e:  # a date no one means (year 2999)
        raise Refusal(str(e)) from None
    if day is None:
        raise Refusal(f"请按年月日填写日期，如2015-06-01或2015年6月1日（填写的是“{text[:20]}”）")
    return day.isoformat()


def _count(text: str, c: Conversation) -> int | str:
    digits = normalize(text).removesuffix("人").removesuffix("元")
    return int(digits) if digits.isdigit() else text  # anything else: the form's own message (clean_table1)


def _column(key: str) -> Any:
    return next(col for table in COLUMNS.values() for col in table if col.key == key)


def _pick(key: str) -> Callable[[str, Conversation], str]:
    """A coded answer: a list value or its everyday spelling (docs/rules.md §17), else the one entry whose text
    contains what was typed; several: choose among them."""
    def parse(text: str, c: Conversation) -> str:
        col = _column(key)
        lookup = code_lookup(col)
        if found := lookup.get(text) or lookup.get(normalize(text)):
            return found
        candidates = [choice for choice in col.choices() if text in choice]
        if len(candidates) == 1:
            return lookup[candidates[0]]
        if candidates:
            raise Refusal(f"“{text}”对应{len(candidates)}项，请选择一项", candidates[:8])
        raise Refusal(f"{col.title}没有“{text[:20]}”，请从按钮中选择或换个说法", _choices(key)(c))
    return parse


def _yes_no(key: str) -> Callable[[str, Conversation], bool]:
    return lambda text, c: _pick(key)(text, c) == "是"  # the column's own spellings too (§17)


def _choices(key: str, only: Callable[[str], bool] = lambda choice: True) -> Callable[[Conversation], list[str]]:
    return lambda c: [choice for choice in _column(key).choices() if only(choice)]


def _divisions_of_section(c: Conversation) -> list[str]:
    section = c.context.get("defaults", {}).get("industry")
    return [f"{code} {entry['name']}" for code, entry in codes()["industry_division"].items()
            if entry["section"] == section]


def _default(key: str, label: str = "") -> Callable[[Conversation], list[str]]:
    def quick(c: Conversation) -> list[str]:
        value = c.context.get("defaults", {}).get(key)
        return [f"{label}{value}" if label else str(value)] if value not in (None, "") else []
    return quick


def _same_as(label: str, key: str) -> Callable[[str, Conversation], str]:
    """A free-text answer whose quick reply stands for a default ("同注册地址")."""
    def parse(text: str, c: Conversation) -> str:
        return str(c.context.get("defaults", {}).get(key) or "") if text == label else text
    return parse


def _remainder(total: str, *parts: str) -> Callable[[Conversation], list[str]]:
    """The count that makes `total` add up, offered as the answer."""
    def quick(c: Conversation) -> list[str]:
        a = c.answers
        if all(isinstance(a.get(k), int) for k in (total, *parts)):
            rest = a[total] - sum(a[k] for k in parts)
            return [str(rest)] if rest >= 0 else []
        return []
    return quick


def _sum_of(*parts: str) -> Callable[[Conversation], list[str]]:
    return lambda c: [str(sum(c.answers[k] for k in parts))] if all(isinstance(c.answers.get(k), int)
                                                                      for k in parts) else []


def _all_of(total: str) -> Callable[[Conversation], list[str]]:
    return lambda c: [str(c.answers[total])] if isinstance(c.answers.get(total), int) else []


# what an answer means ----------------------------------------------------------------------------------------
def _founding_note(value: str, c: Conversation) -> str:
    first = max(policy().first_filing_year, int(value[:4]))
    return (f"成立于{value[:4]}年：您的单位从{first}年度起每年备案一次（当年备案上年度情况），"
            f"{first}年度的备案截止到{due_date(first):%Y年%-m月%-d日}。")


def _uscc_note(value: str, c: Conversation) -> str | None:
    place = value[2:8]
    return f"代码第3–8位是登记机关的行政区划（{place}），下面选择注册地时仅供参考。"


def _route_note(value: str, c: Conversation) -> str:
    """Which bureau will review the unit, and why (jurisdiction.route, the rules of docs/rules.md §2)."""
    a = c.answers
    found = route(affiliation=a["affiliation"], foreign_invested=a["foreign_invested"],
                  economic_type=a["economic_type"], registration_division=value)
    c.context["authority"] = found.code
    if a["affiliation"] in ("中央", "省"):
        why = "中央驻晋和省属单位到省人社厅备案。"
    elif found.level == "province":
        why = "外商投资企业（含港澳台投资）到省人社厅备案。"
    elif a["affiliation"] == "市":
        why = "市属单位到所在市人社局备案。"
    else:
        why = "按属地管理原则，到工商注册地的人社局备案。"
    return f"您的备案审核机关将是：{found.name}（电话{authority_phone(found.code)}）。{why}如有不对，可以说“修改隶属关系”等。"


def _zero_note(value: Any, c: Conversation) -> str | None:
    if value == 0:
        return "在册职工人数为0即零申报：不需要表二，其余人数按0计，直接问平均工资。"
    return None


# the steps ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    key: str
    title: str
    ask: str
    parse: Callable[[str, Conversation], Any] = _text
    quick: Callable[[Conversation], list[str]] = lambda c: []
    note: Callable[[Any, Conversation], str | None] = lambda value, c: None
    secret: bool = False  # never kept: only handed on with the phase's Action (the password)
    masked: bool = False  # shown masked in the transcript (the SMS code, the mobile)
    then: str | None = None  # the Action asked for once this step is answered
    skip: Callable[[Conversation], bool] = lambda c: False


REGISTER_STEPS = (
    Step("uscc", "统一社会信用代码", "请输入单位的统一社会信用代码（18位，在营业执照上）。", lambda t, c: normalize(t),
         note=_uscc_note),
    Step("name", "单位名称", "单位名称是？（与营业执照一致）"),
    Step("founded_on", "成立日期", "单位的成立日期是？（营业执照上的成立日期，如2015-06-01）", _date, note=_founding_note),
    Step("unit_type", "单位类型", "单位类型是？", _pick("unit_type"), _choices("unit_type")),
    Step("economic_type", "经济类型", "经济类型是？（民营公司一般选“私营”）", _pick("economic_type"), _choices("economic_type")),
    Step("industry", "所属行业", "所属行业门类是？（可输入名称中的几个字，如“软件”“餐饮”）", _pick("industry"),
         _choices("industry")),
    Step("affiliation", "隶属关系", "隶属关系是？没有上级主管部门的民营企业、个体等选“其他”；中央驻晋、省属、市属、县属单位按主管部门选。",
         _pick("affiliation"), lambda c: sorted(codes()["affiliation"], key=lambda v: v != "其他")),
    Step("foreign_invested", "是否外商投资", "是外商投资企业吗？（港澳台投资也算外商投资）", _yes_no("foreign_invested"),
         lambda c: ["否", "是"]),
    Step("labor_dispatch", "是否劳务派遣机构", "是劳务派遣机构吗？", _yes_no("labor_dispatch"),
         lambda c: ["否", "是"]),
    Step("registration_division", "注册地行政区划", "工商注册地在哪个县（市、区）？输入名称或6位代码，如“小店区”或140105。",
         _pick("registration_division"), note=_route_note),
    Step("registered_address", "注册地址", "注册地址是？"),
    Step("legal_representative", "法定代表人", "法定代表人姓名是？"),
    Step("filer_name", "填报员姓名", "您（填报员）的姓名是？"),
    Step("filer_email", "填报员电子邮箱", "您的电子邮箱是？审核结果也会发到这里。"),
    Step("filer_mobile", "填报员手机号", "您的手机号是？我们会发送6位验证码。", lambda t, c: normalize(t), masked=True,
         then="send_code"),
    Step("verification_code", "验证码", "请输入手机收到的6位验证码（10分钟内有效）。", lambda t, c: normalize(t),
         lambda c: [RESEND], masked=True),
    Step("password", "密码", "最后，请设置登录密码（至少10位，不能包含信用代码或手机号）。登录账号就是统一社会信用代码。",
         secret=True),
)

_ROUTING = ("affiliation", "foreign_invested", "economic_type")
_BUCKETS = ("signed_task", "signed_fixed_lt3", "signed_fixed_3to10", "signed_fixed_ge10_open")
_INSURED = ("insured_pension", "insured_medical", "insured_injury", "insured_unemployment")
_TITLE = {col.key: col.title for col in COLUMNS["table1"]}


def _zero(c: Conversation) -> bool:
    return c.answers.get("employees") == 0


def _count_step(key: str, ask: str, quick: Callable[[Conversation], list[str]] = lambda c: [],
                **kw: Any) -> Step:
    return Step(key, _TITLE[key], ask, _count, quick, skip=kw.pop("skip", _zero), **kw)


TABLE1_STEPS = (
    Step("industry_division", "所属行业大类", "所属行业大类是？（只列出{industry}门类下的大类）", _pick("industry_division"),
         _divisions_of_section),
    Step("business_address", "经营地址", "经营地址是？与注册地址相同请点“同注册地址”。", _same_as("同注册地址", "registered_address"),
         lambda c: ["同注册地址"]),
    Step("contact_name", "联系人", "表一的联系人是？", quick=_default("contact_name")),
    Step("contact_phone", "联系电话", "联系电话是？", lambda t, c: normalize(t), _default("contact_phone")),
    _count_step("employees", "{year}年末在册职工人数是多少？（没有职工填0，即零申报）", note=_zero_note, skip=lambda c: False),
    _count_step("male", "其中男职工多少人？"),
    _count_step("female", "其中女职工多少人？", _remainder("employees", "male")),
    _count_step("on_post", "在岗人数是多少？"),
    _count_step("off_post", "不在岗人数是多少？（在岗＋不在岗＝在册）", _remainder("employees", "on_post")),
    _count_step("migrant_workers", "农民工人数是多少？", lambda c: ["0"]),
    _count_step("dispatched", "劳务派遣用工人数是多少？", lambda c: ["0"]),
    _count_step("part_time", "非全日制用工人数是多少？", lambda c: ["0"]),
    _count_step("contracts_due", "应签劳动合同人数是多少？（不超过在册人数）", _all_of("employees")),
    _count_step("signed_task", "已签的合同按期限分四类。先问：以完成一定工作任务为期限的有多少人？", lambda c: ["0"]),
    _count_step("signed_fixed_lt3", "固定期限3年以下的有多少人？（按合同约定期限算：2024-01-01至2026-12-30不满3年）"),
    _count_step("signed_fixed_3to10", "固定期限3年（含）至10年的有多少人？（2024-01-01至2026-12-31满3年，算这一类）",
                lambda c: ["0"]),
    _count_step("signed_fixed_ge10_open", "固定期限10年以上及无固定期限的有多少人？", lambda c: ["0"]),
    _count_step("contracts_signed", "已签劳动合同人数是多少？（应等于上面四类之和）", _sum_of(*_BUCKETS)),
    *(_count_step(key, f"年末参加{_TITLE[key][4:-2]}的有多少人？", _all_of("employees")) for key in _INSURED),
    _count_step("average_wage", "上年度职工平均工资是多少元？（整数）", skip=lambda c: False),
)


# 表二/表三 rows ------------------------------------------------------------------------------------------------
RESIDENT_ID = "居民身份证"
_ROW_TABLE = {TABLE2_ROW: "table2", TABLE3_ROW: "table3"}


def _optional_date(text: str, c: Conversation) -> str | None:
    return None if text == NONE else _date(text, c)


def _id_note(value: str, c: Conversation) -> str | None:
    """性别 and 出生日期 follow a resident ID (as the upload checks them): filled in, said, not asked."""
    if c.answers.get("id_type") != RESIDENT_ID:
        return None
    found, _ = parse_resident_id(value)
    if found is None:
        return None
    c.answers.update(gender=found.gender, birth_date=found.birth_date.isoformat())
    return f"按证件号码：性别{found.gender}，出生日期{found.birth_date.isoformat()}，已填好。"


def _id_number(text: str, c: Conversation) -> str:
    """A new number: what came from the old one goes (and comes again from this one, _id_note)."""
    if c.answers.get("id_type") == RESIDENT_ID:
        c.answers.pop("gender", None), c.answers.pop("birth_date", None)
    return normalize(text)


def _not_from_id(key: str) -> Callable[[Conversation], bool]:
    return lambda c: key in c.answers  # filled from the ID number


def _reason_note(value: str, c: Conversation) -> str:
    """The 原因代码 decides the 类别, and 是否支付经济补偿 where the law does (as the row form, online_table3)."""
    category, compensation = reason_rule(value) or ("", "")
    c.answers["category"] = category
    said = f"原因代码{value}属于{category}情形"
    if compensation in ("yes", "no"):
        c.answers["compensated"] = "是" if compensation == "yes" else "否"
        if compensation == "no":
            c.answers["compensation"] = None
        return f"{said}，依法{'应支付' if compensation == 'yes' else '无需支付'}经济补偿，已填好。"
    return f"{said}。"


def _paid_note(value: str, c: Conversation) -> None:
    if value == "否":
        c.answers["compensation"] = None


SAME_AS_HIRED = "同入职日期"


def _hired_quick(c: Conversation) -> list[str]:
    """合同起始日期 is mostly the 入职日期: offered as the answer."""
    return [f"{SAME_AS_HIRED}{c.answers['hire_date']}"] if c.answers.get("hire_date") else []


_PERSON = (
    Step("name", "姓名", "姓名是？"),
    Step("id_type", "证件类型", "证件类型是？", _pick("id_type"), _choices("id_type")),
    Step("id_number", "证件号码", "证件号码是？（居民身份证18位）", _id_number, note=_id_note),
    Step("gender", "性别", "性别是？", _pick("gender"), _choices("gender"), skip=_not_from_id("gender")),
    Step("birth_date", "出生日期", "出生日期是？（如1990-01-01）", _date, skip=_not_from_id("birth_date")),
)
TABLE2_STEPS = (
    *_PERSON,
    Step("hire_date", "入职日期", "入职日期是？（如2024-03-01）", _date),
    Step("employment_form", "用工形式", "用工形式是？", _pick("employment_form"), _choices("employment_form")),
    Step("contract_term", "劳动合同期限类型", "劳动合同期限类型是？", _pick("contract_term"), _choices("contract_term")),
    Step("contract_start", "合同起始日期", "合同起始日期是？", lambda t, c: _date(t.removeprefix(SAME_AS_HIRED), c),
         _hired_quick),
    Step("contract_end", "合同终止日期", "合同终止日期是？（以完成一定工作任务为期限、未约定的，点“无”）", _optional_date,
         lambda c: [NONE] if c.answers.get("contract_term") != "固定期限" else [],
         skip=lambda c: c.answers.get("contract_term") == "无固定期限"),
    Step("post_category", "岗位类别", "岗位类别是？", _pick("post_category"), _choices("post_category")),
    Step("education", "文化程度", "文化程度是？", _pick("education"), _choices("education")),
    Step("hukou", "户口性质", "户口性质是？", _pick("hukou"), _choices("hukou")),
    Step("special_job", "是否特殊工种", "是特殊工种吗？", _pick("special_job"), lambda c: ["否", "是"]),
    Step("workplace", "工作地点", "工作地点是？", _same_as("同经营地址", "business_address"), lambda c: ["同经营地址"]),
    Step("insured", "是否参加社会保险", "参加社会保险了吗？", _pick("insured"), lambda c: ["是", "否"]),
)
TABLE3_STEPS = (
    *_PERSON,
    Step("contract_start", "合同起始日期", "劳动合同起始日期是？", _date),
    Step("contract_end", "合同终止日期", "劳动合同终止日期是？（无固定期限的点“无”）", _optional_date, lambda c: [NONE]),
    Step("ended_on", "终止或解除日期", "终止或解除劳动合同的日期是？", _date),
    Step("reason_code", "原因代码", "终止或解除的原因是？（类别和是否支付经济补偿随原因填好）", _pick("reason_code"),
         _choices("reason_code"), note=_reason_note),
    Step("compensated", "是否支付经济补偿", "支付经济补偿了吗？", _pick("compensated"), lambda c: ["是", "否"],
         note=_paid_note),
    Step("compensation", "经济补偿金额（元）", "经济补偿金额是多少元？", lambda t, c: normalize(t).removesuffix("元")),
    Step("years_of_service", "本单位工作年限", "在本单位工作了几年？（整数，不满一年填0）", _count),
)
STEPS = {REGISTER: REGISTER_STEPS, TABLE1: TABLE1_STEPS, TABLE2_ROW: TABLE2_STEPS, TABLE3_ROW: TABLE3_STEPS}
_COUNT_KEYS = tuple(col.key for col in TABLE1_COUNTS)


def _form(c: Conversation) -> tuple[str, str] | None:
    """The ordinary page for what is asked now (every step can be done there instead)."""
    if c.phase == REGISTER:
        return "/register", "改用注册表单"
    filing = c.context.get("filing_id")
    if c.phase == TABLE1 and filing:
        return f"/employer/filings/{filing}/table1", "改用表一表单"
    if c.phase in _ROW_TABLE and filing:
        return f"/employer/filings/{filing}/rows/{_ROW_TABLE[c.phase]}/new", "改用表单添加"
    if c.phase in (ROWS, DONE) and filing:
        return f"/employer/filings/{filing}", "打开备案页面"
    return None


# the rules of the forms, for 表一 -------------------------------------------------------------------------------
def table1_values(answers: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """表一 as the form would post it: the unit's prefilled fields, the answers, 0 for the counts a 零申报 skips."""
    zero = {k: 0 for k in _COUNT_KEYS if k != "average_wage"} if answers.get("employees") == 0 else {}
    return {**defaults, **zero, **answers}


def table1_problems(answers: dict[str, Any], defaults: dict[str, Any]) -> list[dict[str, Any]]:
    """What `clean_table1` (the form's checks) says about the answers so far. The counts not asked yet are
    filled so that they break no rule by themselves (the rest of 在册 for 女 and 不在岗, the sum of the four
    buckets for 已签, 0 otherwise), so a rule speaks up as soon as the answers given break it."""
    a = table1_values(answers, defaults)

    def given(key: str) -> int:
        value = a.get(key)
        return value if isinstance(value, int) else 0

    n = given("employees")
    fill = {"female": n - given("male"), "off_post": n - given("on_post"),
            "contracts_signed": sum(given(b) for b in _BUCKETS)}
    for key in _COUNT_KEYS:
        if key not in a:
            a[key] = max(fill.get(key, 0), 0)
    _, errors = clean_table1(a, defaults)
    return [e for e in errors if e.get("field") in answers]


# the engine --------------------------------------------------------------------------------------------------
def start(conversation_id: str, owner: str | None, now: dt.datetime, *, filer_name: str | None = None
          ) -> Outcome:
    c = Conversation(id=conversation_id, owner=owner, created_at=now, updated_at=now,
                     expires_at=now + dt.timedelta(days=KEEP_DAYS))
    return _menu(c, now, filer_name)


def _menu(c: Conversation, now: dt.datetime, filer_name: str | None = None) -> Outcome:
    c.phase, c.step, c.answers, c.order = MENU, None, {}, []
    hello = (f"您好，{filer_name}！我是填报助手，可以一步一步帮您填好表一并提交，也可以回答备案问题。" if c.owner else
             "您好！我是填报助手：一次问一个问题，帮您注册单位账号、填报表一；也可以直接问我备案的问题。")
    return _say(c, now, [Turn(by="bot", text=hello)], [START_TABLE1 if c.owner else START_REGISTER, FAQ])


def hear(c: Conversation, text: str, now: dt.datetime, check: Check) -> Outcome:
    """The person's message: a command, a question, or the answer to the step asked."""
    c = c.model_copy(deep=True)
    text = nfc(text or "").strip()[:MAX_TEXT]
    step = _current(c)
    if not text:
        return _ask(c, now, [Turn(by="bot", text="请输入内容或点选下面的按钮。")])
    c.transcript.append(Turn(by="user", text=_shown_typed(step, text)))
    if text == RESTART:
        return _menu(c, now)
    if text == HUMAN:
        return _ask(c, now, [Turn(by="bot", text=faq.handoff(c.context.get("authority")))])
    if text == BACK:
        return _back(c, now)
    if text.startswith(EDIT) and c.phase in STEPS:
        return _edit(c, text.removeprefix(EDIT).strip(), now)
    if text == FAQ:
        return _say(c, now, [Turn(by="bot", text="您可以直接输入问题，或点选下面的常见问题。")],
                    faq.suggestions() + [HUMAN])
    if c.phase == MENU and text == START_REGISTER and not c.owner:
        c.phase = REGISTER
        return _ask(c, now, [Turn(by="bot", text="好的，注册需要约3分钟，请准备营业执照。随时可以说“上一步”或“修改…”。")])
    if c.phase == MENU and text == START_TABLE1:
        if c.owner:
            return Outcome(c, [], Action("start_table1"))
        return _say(c, now, [Turn(by="bot", text="填报表一需要先登录单位账号；还没有账号的，请点“注册新单位”。",
                                  link="/login?next=/assistant", link_text="去登录")], [START_REGISTER, FAQ])
    if c.phase == ROWS and (phase := _row_phase(c, text)):
        c.phase, c.step, c.answers, c.order = phase, None, {}, []
        c.context["row_phase"] = phase
        what = "一名职工到表二" if phase == TABLE2_ROW else "一名离职人员到表三"
        return _ask(c, now, [Turn(by="bot", text=f"好的，添加{what}，一次问一项；随时可说“上一步”或“修改…”。")])
    if c.phase == ROWS and text == SUBMIT:
        return _say(c, now, [Turn(by="bot", text=f"提交前请阅读承诺：{DECLARATION}同意请点“{PLEDGE}”。")],
                    [PLEDGE, FAQ])
    if c.phase == ROWS and text == PLEDGE:
        return Outcome(c, [], Action("submit", {"filing_id": c.context.get("filing_id"), "declaration_accepted": True}))
    if step is not None and text == RESEND and step.key == "verification_code":
        return Outcome(c, [], Action("send_code", {"mobile": c.answers.get("filer_mobile")}))
    if step is None or _QUESTION.search(text) and not step.secret:
        return _answer_question(c, text, now)
    return _answer_step(c, step, text, now, check)


def _answer_question(c: Conversation, text: str, now: dt.datetime) -> Outcome:
    entry = faq.match(text)
    reply = f"{entry.answer}" if entry else faq.handoff(c.context.get("authority"))
    return _ask(c, now, [Turn(by="bot", text=reply)])


def _answer_step(c: Conversation, step: Step, text: str, now: dt.datetime, check: Check) -> Outcome:
    try:
        value = step.parse(text, c)
    except Refusal as r:
        return _ask(c, now, [Turn(by="bot", text=r.message)], r.quick)
    answers = {**c.answers, step.key: value}
    problems = [p for p in check(c.phase, answers, c) if p.get("field") in (step.key, *c.answers)]
    if problems:
        return _ask(c, now, [Turn(by="bot", text="；".join(dict.fromkeys(str(p["message"]) for p in problems)))])
    said = []
    if not step.secret:
        c.answers[step.key] = value
        c.order = [k for k in c.order if k != step.key] + [step.key]
    if note := step.note(value, c):
        said.append(Turn(by="bot", text=note))
    if step.key in _ROUTING and "registration_division" in c.answers:  # a changed fact may change the bureau
        said.append(Turn(by="bot", text=_route_note(c.answers["registration_division"], c)))
    if step.then:
        return Outcome(_advance(c), said, Action(step.then, {"mobile": value}))
    if step.secret:  # the last step: the phase ends with its action, the secret handed on, never kept
        return Outcome(c, said, Action("register", {**c.answers, step.key: value}))
    if (after := _advance(c)).step is None:
        return Outcome(after, said, _phase_done(after))
    return _ask(after, now, said)


def _phase_done(c: Conversation) -> Action:
    """What a complete phase of questions asks for: 表一 saved, or the row added."""
    filing = c.context.get("filing_id")
    if c.phase in _ROW_TABLE:
        return Action("add_row", {"filing_id": filing, "table": _ROW_TABLE[c.phase], "fields": dict(c.answers)})
    return Action("save_table1", {"filing_id": filing, "table1": table1_values(c.answers, {})})


def _row_phase(c: Conversation, text: str) -> str | None:
    """The row phase a ROWS reply opens: 表二, 表三 (when the filing has it), or the last one again."""
    tables = c.context.get("tables", ())
    phase = {ADD_TABLE2: TABLE2_ROW, ADD_TABLE3: TABLE3_ROW, ADD_ANOTHER: c.context.get("row_phase")}.get(text)
    return phase if phase and _ROW_TABLE[phase] in tables else None


def _row_replies(c: Conversation, *, another: bool = False) -> list[str]:
    tables = c.context.get("tables", ())
    adds = [label for label, table in ((ADD_TABLE2, "table2"), (ADD_TABLE3, "table3")) if table in tables]
    if c.context.get("zero_report"):
        adds = [label for label in adds if label != ADD_TABLE2]
    return ([ADD_ANOTHER] if another else []) + adds + [SUBMIT, FAQ]


def settle(c: Conversation, action: Action, result: Result, now: dt.datetime, said: list[Turn] | None = None
           ) -> Outcome:
    """Go on after the service carried out `action` (`said`: what the conversation said before asking for it)."""
    c = c.model_copy(deep=True)
    said = list(said or [])
    facts = result.facts
    if not result.ok:
        return _refused(c, action, result, now, said)
    if action.name == "send_code":
        return _ask(c, now, said + [Turn(by="bot", text=f"验证码已发送到{_masked_mobile(action.data['mobile'])}。")])
    if action.name == "register":
        c.phase, c.step, c.answers, c.order = REGISTERED, None, {}, []  # personal data kept no longer than needed
        said.append(Turn(by="bot", text=f"注册成功！{facts['unit_name']}的备案审核机关：{facts['authority_name']}"
                                        f"（电话{facts['phone']}）。登录账号是统一社会信用代码。请登录后继续填报表一。",
                         link="/login?next=/assistant", link_text="去登录"))
        return _say(c, now, said, [FAQ])
    if action.name == "start_table1":
        c.phase, c.answers, c.order = TABLE1, {}, []
        c.context.update(filing_id=facts["filing_id"], year=facts["year"], defaults=facts["defaults"],
                         authority=facts["authority_code"], tables=facts.get("tables", []),
                         period_end=facts.get("period_end"))
        said.append(Turn(by="bot", text=f"好的，填报{facts['year']}年度的表一。单位名称、地址等已按注册信息填好，"
                                        f"下面只问需要您填的项目，共约20个问题。"))
        return _ask(c, now, said)
    if action.name == "save_table1":
        c.phase, c.step = ROWS, None
        rate = signing_rate(c.answers) if c.answers.get("employees") else None
        shown = f"劳动合同签订率{rate:.1%}。" if rate is not None else ""
        zero = c.answers.get("employees") == 0
        c.context.update(zero_report=zero, defaults={**c.context.get("defaults", {}),
                                                     "business_address": c.answers.get("business_address")})
        c.answers, c.order = {}, []
        rows = ("零申报不需要表二，可以直接提交。" if zero else
                "下一步是表二（职工名单，每人一行）：可以在这里一问一答地添加，也可以在备案页面添加或上传Excel。")
        said.append(Turn(by="bot", text=f"表一已保存。{shown}{rows}", link=f"/employer/filings/{facts['filing_id']}",
                         link_text="打开备案页面（表二、表三）"))
        return _say(c, now, said, _row_replies(c))
    if action.name == "add_row":
        row = action.data["fields"]
        table = "表二" if action.data["table"] == "table2" else "表三"
        c.phase, c.step, c.answers, c.order = ROWS, None, {}, []  # the person's data lives in the filing only
        said.append(Turn(by="bot", text=f"已将{row.get('name')}（{mask_id(str(row.get('id_number') or ''))}）"
                                        f"添加到{table}，{table}现有{facts['rows']}行。再添加一名，还是提交备案？",
                         link=f"/employer/filings/{facts['filing_id']}/rows/{action.data['table']}",
                         link_text=f"查看{table}名单"))
        return _say(c, now, said, _row_replies(c, another=True))
    if action.name == "submit":
        c.phase = DONE
        said.append(Turn(by="bot", text=f"已提交！回执号{facts['receipt_no']}。{facts['authority_name']}审核后会短信通知您；"
                                        f"审核前如需修改，可在备案页面撤回。", link=f"/employer/filings/{facts['filing_id']}",
                         link_text="查看备案和回执"))
        return _say(c, now, said, [FAQ])
    raise ValueError(action.name)


def _refused(c: Conversation, action: Action, result: Result, now: dt.datetime, said: list[Turn]) -> Outcome:
    messages = list(dict.fromkeys([str(p["message"]) for p in result.problems] or [result.message]))
    said.append(Turn(by="bot", text="；".join(messages)))
    if action.name == "send_code":
        return _ask(c, now, said, [RESEND, f"{EDIT}手机号"])
    keys = {s.key for s in _steps(c)}
    wrong = next((p["field"] for p in result.problems if p.get("field") in keys), None)
    if wrong is not None:  # ask that question again (its answer is dropped; the later ones stay)
        c.answers.pop(wrong, None)
        c.step = wrong
        return _ask(c, now, said)
    if action.name == "add_row":  # not this row's fault (the filing changed meanwhile): the row form instead
        form = _form(c)
        c.phase, c.step, c.answers, c.order = ROWS, None, {}, []
        return _say(c, now, said, _row_replies(c), form=form)
    if action.name == "submit":
        return _say(c, now, said, [SUBMIT, FAQ], form=_form(c))
    if action.name == "start_table1":
        return _say(c, now, said, [FAQ, RESTART])
    return _ask(c, now, said)


# moving between steps ----------------------------------------------------------------------------------------
def _steps(c: Conversation) -> tuple[Step, ...]:
    return STEPS.get(c.phase, ())


def _current(c: Conversation) -> Step | None:
    return next((s for s in _steps(c) if s.key == c.step), None)


def _advance(c: Conversation) -> Conversation:
    """The first step not answered (nor skipped) is asked next; None when the phase is complete."""
    c.step = next((s.key for s in _steps(c) if s.key not in c.answers and not s.skip(c)), None)
    return c


def _back(c: Conversation, now: dt.datetime) -> Outcome:
    if not c.order:
        return _ask(c, now, [Turn(by="bot", text="已经是第一步了。")])
    c.step = c.order.pop()
    c.answers.pop(c.step, None)
    return _ask(c, now, [])


def _edit(c: Conversation, what: str, now: dt.datetime) -> Outcome:
    found = [s for s in _steps(c) if what and (what in s.title or s.title in what)]
    if not found:
        titles = [f"{EDIT}{_title(c, k)}" for k in c.order[-6:]]
        return _ask(c, now, [Turn(by="bot", text=f"没有找到“{what[:20]}”，可以改的有：")], titles)
    step = found[0]
    before = c.answers.pop(step.key, None)
    c.step = step.key
    shown = f"（原来填的是：{_shown(step, before)}）" if before is not None else ""
    return _ask(c, now, [Turn(by="bot", text=f"好的，重新填写{step.title}{shown}。")])


def _title(c: Conversation, key: str) -> str:
    return next(s.title for s in _steps(c) if s.key == key)


def _ask(c: Conversation, now: dt.datetime, said: list[Turn], quick: list[str] | None = None) -> Outcome:
    """Say `said`, then the question of the current step (the first open one if none is current)."""
    if _current(c) is None:
        _advance(c)
    step = _current(c)
    if step is None:  # not in a phase of questions: the menu's or the phase's buttons stay
        return _say(c, now, said, quick or c.quick)
    context = {**c.context.get("defaults", {}), "year": c.context.get("year", "")}
    form = _form(c)
    said = said + [Turn(by="bot", text=step.ask.format(**context), link=form[0] if form else None,
                        link_text=form[1] if form else None)]
    return _say(c, now, said, (quick or step.quick(c)) + ([BACK] if c.order else []))


def _say(c: Conversation, now: dt.datetime, said: list[Turn], quick: list[str],
         form: tuple[str, str] | None = None) -> Outcome:
    if form and said:
        said[-1] = said[-1].model_copy(update={"link": form[0], "link_text": form[1]})
    c.transcript = (c.transcript + said)[-KEEP_TURNS:]
    c.quick = list(dict.fromkeys(quick))
    c.updated_at, c.expires_at = now, now + dt.timedelta(days=KEEP_DAYS)
    return Outcome(c, said)


def _shown(step: Step, value: Any) -> str:
    if step.secret or step.key == "verification_code":
        return SECRET
    if step.key == "filer_mobile":
        return _masked_mobile(str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return masked_text(str(value))


def _shown_typed(step: Step | None, text: str) -> str:
    """What the transcript keeps of a typed answer: secrets hidden, mobiles and ID numbers masked (§10)."""
    if step is not None and (step.secret or step.masked):
        return _shown(step, text) if text not in (RESEND, BACK, RESTART) and not text.startswith(EDIT) else text
    return masked_text(text, dates=False)


def _masked_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) == 11 else SECRET


def answer_kind(c: Conversation) -> str:
    """What the input box should be for the step asked: password, one-time-code, tel, email, number or text
    (the page's input type and autocomplete token)."""
    step = _current(c)
    if step is None:
        return "text"
    if step.secret:
        return "password"
    return {"verification_code": "one-time-code", "filer_mobile": "tel", "contact_phone": "tel",
            "filer_email": "email"}.get(step.key) or ("number" if step.parse is _count else "text")
