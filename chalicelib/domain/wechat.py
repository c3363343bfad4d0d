"""WeChat (docs/wechat.md): a filer account bound to a WeChat user (openid) of the mini-program, the one-time
subscriptions (订阅消息) that user accepted, and the subscribe message a notification becomes, with every field cut
to what WeChat takes for its type (a value over the limit is refused with error 47003).

Pure: no HTTP here; the client is a port (ports.py WechatClient), the delivery decision is services/wechat.py."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from .reference import policy

# our subscription templates: name → the fields of the template to apply for in the 公众平台 (docs/wechat.md),
# each "<type><n>" as WeChat names them; the outbox's SMS templates they stand in for are in NOTIFIED_BY
TEMPLATE_FIELDS: dict[str, tuple[str, ...]] = {
    "review_result": ("thing1", "character_string2", "phrase3", "thing4", "time5"),
    "deadline_reminder": ("thing1", "thing2", "thing3"),
}
NOTIFIED_BY = {"approved": "review_result", "rejected": "review_result", "revoked": "review_result",
               "reminder": "deadline_reminder"}
RESULT_PHRASE = {"approved": "审核通过", "rejected": "审核不通过", "revoked": "撤销通过"}
PAGE = "pages/home/home"  # the mini-program page a subscribe message opens
THING_MAX, STRING_MAX, PHRASE_MAX = 20, 32, 5


class WechatBinding(BaseModel):
    """One WeChat user of the mini-program bound to one filer account; `accepted` counts, per WeChat template
    id, the one-time subscriptions the user accepted and no message has used yet."""
    openid: str
    username: str
    mobile: str | None = None  # the account's mobile when bound: the SMS a subscribe message may stand in for
    bound_at: dt.datetime
    accepted: dict[str, int] = Field(default_factory=dict)
    version: int = 1

    def accepting(self, template_ids: list[str]) -> WechatBinding:
        counts = dict(self.accepted)
        for template_id in template_ids:
            counts[template_id] = counts.get(template_id, 0) + 1
        return self.model_copy(update={"accepted": counts, "version": self.version + 1})

    def using(self, template_id: str) -> WechatBinding | None:
        """One acceptance of `template_id` used up by a send; None when there is none left."""
        left = self.accepted.get(template_id, 0)
        if left < 1:
            return None
        return self.model_copy(update={"accepted": {**self.accepted, template_id: left - 1},
                                       "version": self.version + 1})

    def refused(self, template_id: str) -> WechatBinding:
        """WeChat said the user takes no more of it (43101): the acceptances counted here are void."""
        return self.model_copy(update={"accepted": {**self.accepted, template_id: 0}, "version": self.version + 1})


def thing(text: str) -> str:
    """短文本 (thing): at most 20 characters of any kind, one line."""
    text = " ".join(text.split())
    return text if len(text) <= THING_MAX else text[:THING_MAX - 1] + "…"


def character_string(text: str) -> str:
    """字符串 (character_string): at most 32 letters, digits and symbols, no Chinese."""
    return "".join(c for c in text if c.isascii() and c.isprintable())[:STRING_MAX]


def phrase(text: str) -> str:
    """汉字 (phrase): at most 5 Chinese characters, nothing else."""
    return "".join(c for c in text if "\u4e00" <= c <= "\u9fff")[:PHRASE_MAX]


def time_value(at: dt.datetime) -> str:
    """时间 (time): 2026年7月9日 10:30, Beijing time."""
    local = at.astimezone(ZoneInfo(policy().timezone))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


class SubscribeMessage(NamedTuple):
    template: str  # our template name (TEMPLATE_FIELDS)
    data: dict[str, str]  # field → value, each within its type's limits


def subscribe_message(template: str | None, params: dict[str, str] | None, at: dt.datetime
                      ) -> SubscribeMessage | None:
    """The subscribe message an SMS of our `template` with `params` becomes (None: WeChat does not carry it)."""
    name = NOTIFIED_BY.get(template or "")
    p = params or {}
    if name == "review_result":
        data = {"thing1": thing(f"{p.get('year', '')}年{p.get('kind', '')}"),
                "character_string2": character_string(p.get("receipt", "")) or "-",
                "phrase3": phrase(RESULT_PHRASE[template or ""]),
                "thing4": thing(p.get("reason") or "请在小程序中查看详情"), "time5": time_value(at)}
    elif name == "deadline_reminder":
        data = {"thing1": thing(p.get("unit", "")), "thing2": thing(f"{p.get('year', '')}年度劳动用工备案"),
                "thing3": thing(p.get("when", ""))}
    else:
        return None
    return SubscribeMessage(name, data)
