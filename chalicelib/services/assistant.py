"""Use cases of the 填报助手 (domain/assistant.py, docs/rules.md §19): open or resume the caller's conversation,
hear a message, and carry out what the conversation asks for through the ordinary use cases (the SMS code and the
registration of UnitPeopleService, the filing's create, 表一 and submit of FilingService), so nothing the forms
refuse gets in by the chat.

A signed-in filer has one conversation, found from its account; anyone else holds the id of theirs (the page's
cookie, the API client's memory): a random 128-bit id, the key to it. Anonymous callers are rate-limited per
client address (new conversations) and per conversation (messages), like the other public forms."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from ..domain import assistant as a
from ..domain.calendar import local_today, period
from ..domain.roster import RowChecker
from ..domain.row_versions import online_table3
from ..domain.errors import Conflict, DomainError, NotFound, RateLimited, problem
from ..domain.filing import EDITABLE
from ..domain.jurisdiction import authority
from ..domain.reference import authority_phone
from ..domain.tables import TABLE1_UNIT
from ..ports import Clock, StaleVersion, Store
from .accounts import ALREADY_REGISTERED, Principal, Registration, normalized, registration_errors
from .audit import audit_event
from .filings import FilingService
from .row_edits import RowEditService
from .unit_people import UnitPeopleService

GONE = "对话不存在或已过期（30天未使用），请重新开始"
_ID = re.compile(r"(acct-)?[0-9a-f]{32}")  # ours only: nothing else is looked up (a key has a size limit)
STARTS_PER_MINUTE = 10  # new anonymous conversations per client address
MESSAGES_PER_MINUTE = 60  # per anonymous conversation: quick replies are tapped fast, but not this fast


class AssistantService:
    def __init__(self, store: Store, clock: Clock, people: UnitPeopleService, filings: FilingService,
                 rows: RowEditService):
        self.store, self.clock, self.people, self.filings, self.rows = store, clock, people, filings, rows

    # the conversation
    def open(self, who: Principal | None, conversation_id: str | None, client: str = "") -> a.Conversation:
        """The caller's live conversation (a filer's own; else the one whose id it holds), or a new one."""
        found = self._find(who, conversation_id)
        return found if found is not None else self.restart(who, client)

    def resume(self, who: Principal | None, conversation_id: str) -> a.Conversation:
        """The conversation the caller holds; 404 when gone (expired, or never the caller's)."""
        found = self._find(who, conversation_id)
        if found is None:
            raise NotFound(GONE)
        return found

    def restart(self, who: Principal | None, client: str = "") -> a.Conversation:
        """A new conversation (a filer's replaces its old one)."""
        owner = self._owner(who)
        if owner is None:
            self._throttle(f"assistant-start:{client or 'unknown'}", STARTS_PER_MINUTE)
        now = self.clock.now()
        conversation_id = _account_conversation(owner) if owner else secrets.token_hex(16)
        before = self.store.get_conversation(conversation_id) if owner else None
        started = a.start(conversation_id, owner, now, filer_name=_filer_name(self.store, who) if owner else None)
        c = started.conversation.model_copy(update={"version": (before.version if before else 0) + 1})
        try:
            self.store.save_conversation(c, expected_version=before.version if before else 0, audit=audit_event(
                now, owner or f"访客#{conversation_id[:8]}", "assistant_start", conversation_id,
                scope=None, detail={}))
        except StaleVersion:
            raise Conflict("对话已在别处更新，请刷新后重试") from None
        return c

    def say(self, who: Principal | None, conversation_id: str | None, text: str, client: str = ""
            ) -> tuple[a.Conversation, list[a.Turn]]:
        """The person's message and the bot's answer (the conversation as saved, the turns said now)."""
        before = self.resume(who, conversation_id or "")
        if before.owner is None:
            self._throttle(f"assistant:{before.id}", MESSAGES_PER_MINUTE)
        now = self.clock.now()
        outcome = a.hear(before, text, now, self._check)
        if outcome.action is not None:  # settling asks for no further action
            outcome = a.settle(outcome.conversation, outcome.action, self._perform(who, outcome.action, client),
                               now, outcome.said)
        after = outcome.conversation.model_copy(update={"version": before.version + 1})
        try:
            self.store.save_conversation(after, expected_version=before.version)
        except StaleVersion:
            raise Conflict("这条消息和另一条同时到达，请刷新后再发一次") from None
        return after, outcome.said

    def _find(self, who: Principal | None, conversation_id: str | None) -> a.Conversation | None:
        owner = self._owner(who)
        wanted = _account_conversation(owner) if owner else conversation_id
        if owner and conversation_id and conversation_id != wanted:  # a filer has its own one only
            return None
        found = self.store.get_conversation(wanted) if wanted and _ID.fullmatch(wanted) else None
        if found is None or found.owner != owner or found.expired(self.clock.now()):
            return None
        return found

    @staticmethod
    def _owner(who: Principal | None) -> str | None:
        return who.username if who is not None and who.is_filer else None

    def _throttle(self, counter: str, limit: int) -> None:
        if self.store.next_sequence(f"{counter}:{self.clock.now():%Y%m%d%H%M}") > limit:
            raise RateLimited("消息太频繁，请稍后再试")

    # the forms' rules, for each answer
    def _check(self, phase: str, answers: dict[str, Any], c: a.Conversation) -> list[dict[str, Any]]:
        if phase == a.REGISTER:
            fields = {k: v for k, v in answers.items() if k in Registration.model_fields}
            problems = registration_errors(normalized(Registration.model_validate(fields)),
                                           local_today(self.clock.now()))
            if c.step == "uscc" and not any(p["field"] == "uscc" for p in problems) \
                    and self.store.get_unit(answers["uscc"]) is not None:  # said now, not at the end
                problems.append(problem(ALREADY_REGISTERED, column="统一社会信用代码", field="uscc"))
            return problems
        if phase in (a.TABLE2_ROW, a.TABLE3_ROW):  # the upload's row checks (the same-ID check comes at the save)
            table = "table3" if phase == a.TABLE3_ROW else "table2"
            checker = RowChecker(table, period_end=dt.date.fromisoformat(c.context["period_end"]))
            return checker.check(0, online_table3(answers) if table == "table3" else answers)[1]
        return a.table1_problems(answers, c.context.get("defaults", {}))

    # what the conversation asks for
    def _perform(self, who: Principal | None, action: a.Action, client: str) -> a.Result:
        try:
            return a.Result(ok=True, facts=getattr(self, f"_{action.name}")(who, action.data, client))
        except DomainError as e:
            return a.Result(ok=False, message=e.message, problems=list(e.details))

    def _send_code(self, who: Principal | None, data: dict[str, Any], client: str) -> dict[str, Any]:
        self.people.request_registration_code(str(data.get("mobile") or ""), client)
        return {}

    def _register(self, who: Principal | None, data: dict[str, Any], client: str) -> dict[str, Any]:
        fields = {k: v for k, v in data.items() if k in Registration.model_fields}
        unit, found = self.people.register(Registration.model_validate(fields), str(data.get("verification_code")))
        return {"unit_name": unit.name, "authority_name": found.name, "phone": authority_phone(found.code)}

    def _start_table1(self, who: Principal | None, data: dict[str, Any], client: str) -> dict[str, Any]:
        assert who is not None  # only a filer's conversation offers it
        year = local_today(self.clock.now()).year - 1
        filing = next((f for f in self.filings.list(who, year=year) if f.kind == "annual"), None)
        if filing is None:
            filing = self.filings.create(who, year)
        elif filing.status not in EDITABLE:
            raise Conflict(f"{year}年度的年度备案已提交（{filing.status_label}），无需再填；如需修改请在备案页面办理")
        start = self.filings.table1_start(filing)
        _, period_end = period(filing.kind, filing.year, local_today(self.clock.now()))
        return {"filing_id": filing.id, "year": year, "authority_code": filing.authority_code,
                "tables": list(filing.tables), "period_end": period_end.isoformat(),
                "defaults": {col.key: start.get(col.key) for col in TABLE1_UNIT}}

    def _save_table1(self, who: Principal | None, data: dict[str, Any], client: str) -> dict[str, Any]:
        assert who is not None
        filing = self.filings.save_table1(who, data["filing_id"], data["table1"])
        return {"filing_id": filing.id}

    def _add_row(self, who: Principal | None, data: dict[str, Any], client: str) -> dict[str, Any]:
        assert who is not None
        filing, _ = self.rows.add(who, data["filing_id"], data["table"], data["fields"])
        return {"filing_id": filing.id, "rows": filing.row_sets[data["table"]].rows}

    def _submit(self, who: Principal | None, data: dict[str, Any], client: str) -> dict[str, Any]:
        assert who is not None
        filing = self.filings.submit(who, data["filing_id"], declaration_accepted=data["declaration_accepted"])
        return {"filing_id": filing.id, "receipt_no": filing.receipt_no,
                "authority_name": authority(filing.authority_code).name}


def _account_conversation(username: str) -> str:
    """A signed-in filer's one conversation (found again from any device)."""
    return "acct-" + hashlib.sha256(username.encode()).hexdigest()[:32]


def _filer_name(store: Store, who: Principal | None) -> str | None:
    unit = store.get_unit(who.scope) if who is not None else None
    return unit.filer_name if unit is not None else None


def expires_in(c: a.Conversation, now: dt.datetime) -> int:
    """Seconds until the conversation expires (the page's cookie lives as long)."""
    return max(int((c.expires_at - now).total_seconds()), 0)
