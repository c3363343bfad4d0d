"""The WeChat mini-program (docs/wechat.md): signing in with wx.login's code, binding a WeChat user to a filer
account with its USCC and password (the sign-in's rules and guards apply), unbinding, recording the one-time
subscriptions the user accepted; and, for the outbox, sending a notification as a subscribe message instead of
its SMS when the recipient's WeChat user subscribed to it.

Delivery (`WechatDelivery.sent_instead`): an SMS of a review result or a deadline reminder, on its first attempt,
goes to a WeChat user bound with that mobile's account and holding an acceptance of the template: the
acceptance is used up by a conditional write *before* the send (so one acceptance is one message, whatever runs
at the same time), then the subscribe message is sent. No binding, no acceptance, a refusal (43101: the user
switched it off; 47003: a value refused) or WeChat unreachable: the SMS goes out as before, in the same attempt.
The e-mail twin is not touched. A crash between WeChat's answer and the outbox's mark sends the SMS too on the
retry (at least once, as every message of the outbox)."""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping

from ..domain.errors import Conflict, Forbidden, NotFound, Unauthenticated, Unavailable, ValidationFailed, problem
from ..domain.model import AuditEvent, Message
from ..domain.wechat import PAGE, WechatBinding, subscribe_message
from ..ports import AlreadyExists, Clock, StaleVersion, Store, WechatClient, WechatRefused
from .accounts import AccountService, Principal, audit_scope
from .audit import audit_event
from .token_signer import TokenSigner

log = logging.getLogger(__name__)
BIND, WEB = "wechat-bind", "wechat-web"  # signed-token purposes
BIND_MINUTES = 10  # to sign in once with the USCC and password after wx.login
WEB_SECONDS = 60  # for the web-view to open the site with the mini-program's session
CODE_REFUSED = {40029, 40163}  # a wx.login code invalid, or used already
USER_REFUSED = 43101  # the user has no subscription of the template left (or switched it off)
ATTEMPTS = 5


def masked(openid: str) -> str:
    """An openid as the audit log and pages show it."""
    return f"{openid[:4]}…{openid[-4:]}" if len(openid) > 8 else "…"


class WechatService:
    def __init__(self, store: Store, clock: Clock, signer: TokenSigner, accounts: AccountService,
                 client: WechatClient | None, templates: Mapping[str, str]):
        self.store, self.clock, self.signer, self.accounts = store, clock, signer, accounts
        self.client, self.templates = client, dict(templates)

    def sign_in(self, code: str) -> tuple[str, dt.datetime, Principal] | str:
        """A session for the account the WeChat user bound, or (not bound yet) a bind token for `bind`."""
        if not code.strip():
            raise ValidationFailed("缺少微信登录凭证", [problem("缺少微信登录凭证", field="code")])
        openid = self._openid(code.strip())
        binding = self.store.get_wechat_binding(openid)
        if binding is not None and not self._gone(binding):
            return self.accounts.wechat_session(binding.username, openid)
        return self.signer.sign(BIND, {"o": openid})

    def _gone(self, binding: WechatBinding) -> bool:
        """Bound to an account that was removed (a 经办人 the 单位管理员 removed): the user may bind another."""
        account = self.store.get_account(binding.username)
        return account is None or account.status == "deregistered"

    def bind(self, bind_token: str, username: str, password: str, client: str = ""
             ) -> tuple[str, dt.datetime, Principal]:
        """Sign in once with the unit's account (USCC and password; the sign-in's counting and waits apply) to
        bind the WeChat user to it; the answer is the session, as after the sign-in."""
        if missing := [problem(f"请输入{label}", column=label, field=field) for field, label, value in (
                ("username", "统一社会信用代码", username), ("password", "密码", password),
                ("bind_token", "绑定令牌", bind_token)) if not value.strip()]:
            raise ValidationFailed(missing[0]["message"], missing)
        payload = self.signer.verify(BIND, bind_token or "", BIND_MINUTES * 60)
        if payload is None or not isinstance(payload.get("o"), str):
            raise Unauthenticated("绑定已过期，请重新打开小程序登录")
        openid = payload["o"]
        token, expires, who = self.accounts.login(username, password, client, wechat=openid)
        if not who.is_filer:
            raise Forbidden("只有用人单位的账号可以绑定微信小程序，审核端请使用网页登录")
        bound = self.store.get_wechat_binding(openid)
        if bound is not None and bound.username != who.username and not self._gone(bound):
            raise Conflict("该微信已绑定其他单位账号，请先在该账号中解除绑定")
        if bound is None or bound.username != who.username:
            account = self.store.get_account(who.username)
            now = self.clock.now()
            binding = WechatBinding(openid=openid, username=who.username, mobile=account.mobile if account else None,
                                    bound_at=now, version=bound.version + 1 if bound else 1)
            try:
                self.store.save_wechat_binding(binding, expected_version=bound.version if bound else 0,
                                               audit=self._event(now, who, "wechat_bind", openid))
            except StaleVersion:
                raise Conflict("该微信正在绑定，请刷新后重试") from None
        return token, expires, who

    def web_ticket(self, who: Principal) -> str:
        """A single-use ticket, valid WEB_SECONDS, for the web-view to open the site signed in as `who` (a session
        cookie cannot be handed to a web-view, and a bearer token does not belong in a URL)."""
        if not who.wechat:
            raise Conflict("请在微信小程序中登录后再打开网页")
        return self.signer.sign(WEB, {"u": who.username, "w": who.wechat, "n": secrets.token_urlsafe(12)})

    def web_session(self, ticket: str) -> tuple[str, dt.datetime, Principal]:
        """The web session a ticket opens, once; Unauthenticated when it is forged, expired or used."""
        payload = self.signer.verify(WEB, ticket or "", WEB_SECONDS)
        if payload is None or not all(isinstance(payload.get(k), str) for k in ("u", "w", "n")):
            raise Unauthenticated("链接已失效，请在小程序中重新打开")
        try:
            self.store.claim(f"wechat-web#{payload['n']}", self.clock.now())
        except AlreadyExists:
            raise Unauthenticated("链接已使用过，请在小程序中重新打开") from None
        binding = self.store.get_wechat_binding(payload["w"])
        if binding is None or binding.username != payload["u"]:
            raise Unauthenticated("该微信已解除绑定，请重新登录")
        return self.accounts.wechat_session(payload["u"], payload["w"])

    def bindings(self, who: Principal) -> list[WechatBinding]:
        return self.store.wechat_bindings_of(who.username)

    def unbind(self, who: Principal, openid: str | None = None) -> int:
        """Unbind one WeChat user of the account (`openid`; from the mini-program: its own), or all of them;
        how many were unbound."""
        openid = openid or who.wechat
        bindings = [b for b in self.bindings(who) if openid is None or b.openid == openid]
        if openid is not None and not bindings:
            raise NotFound("没有这个微信绑定")
        now = self.clock.now()
        for binding in bindings:
            try:
                self.store.delete_wechat_binding(binding, audit=self._event(now, who, "wechat_unbind",
                                                                            binding.openid))
            except StaleVersion:  # a subscription or a send changed it meanwhile: read it again once
                again = self.store.get_wechat_binding(binding.openid)
                if again is not None:
                    self.store.delete_wechat_binding(again, audit=self._event(now, who, "wechat_unbind",
                                                                              binding.openid))
        return len(bindings)

    def subscriptions(self, who: Principal) -> dict[str, dict[str, int | str]]:
        """Our templates (name → WeChat template id, for wx.requestSubscribeMessage) and the acceptances the
        caller's WeChat user has left, by template name."""
        binding = self.store.get_wechat_binding(who.wechat) if who.wechat else None
        accepted = binding.accepted if binding else {}
        return {"templates": dict(self.templates),
                "accepted": {name: accepted.get(tid, 0) for name, tid in self.templates.items()}}

    def subscribe(self, who: Principal, template_ids: list[str]) -> dict[str, dict[str, int | str]]:
        """Record what the user accepted in wx.requestSubscribeMessage: one acceptance per template id, used up by
        one message."""
        if not who.wechat:
            raise Conflict("请在微信小程序中登录后再订阅消息")
        known = set(self.templates.values())
        if not template_ids or any(t not in known for t in template_ids):
            message = "订阅的消息模板不存在，请更新小程序后重试"
            raise ValidationFailed(message, [problem(message, field="template_ids")])
        now = self.clock.now()
        for _ in range(ATTEMPTS):
            binding = self.store.get_wechat_binding(who.wechat)
            if binding is None or binding.username != who.username:
                raise Conflict("该微信已解除绑定，请重新登录")
            try:
                names = [n for n, t in self.templates.items() if t in template_ids]
                self.store.save_wechat_binding(binding.accepting(template_ids), expected_version=binding.version,
                                               audit=self._event(now, who, "wechat_subscribe", who.wechat,
                                                                 templates="、".join(names)))
                return self.subscriptions(who)
            except StaleVersion:
                continue
        raise Conflict("订阅正在被其他操作修改，请稍后重试")

    def _openid(self, code: str) -> str:
        if self.client is None:
            raise NotFound("本系统未启用微信小程序登录")
        try:
            return self.client.session_openid(code)
        except WechatRefused as e:
            if e.errcode in CODE_REFUSED:
                raise Unauthenticated("微信登录凭证无效或已使用，请重新打开小程序") from None
            log.warning("jscode2session failed: %s", e)
            raise Unavailable("微信服务暂时无法访问，请稍后重试，或使用账号和密码登录") from None

    def _event(self, now: dt.datetime, who: Principal, action: str, openid: str, **detail: str) -> AuditEvent:
        account = self.store.get_account(who.username)
        return audit_event(now, who.username, action, who.username, scope=audit_scope(account) if account else None,
                           detail={"wechat": masked(openid), **detail})


class WechatDelivery:
    """The outbox's WeChat channel: a notification's SMS sent as a subscribe message instead, when it can be."""

    def __init__(self, store: Store, client: WechatClient, templates: Mapping[str, str]):
        self.store, self.client, self.templates = store, client, dict(templates)

    def sent_instead(self, m: Message, now: dt.datetime) -> Message | None:
        """The message marked sent through WeChat, or None: send it as it is."""
        if m.channel != "sms" or m.attempts:
            return None
        sub = subscribe_message(m.template, m.params, m.created_at)
        template_id = self.templates.get(sub.template) if sub else None
        if sub is None or template_id is None:
            return None
        for listed in self.store.wechat_bindings_for_mobile(m.to):
            if self._use(listed.openid, template_id, m.to) and self._send(listed.openid, template_id, sub.data):
                return m.model_copy(update={"status": "sent", "channel": "wechat", "attempts": 1, "sent_at": now,
                                            "next_attempt_at": None})
        return None

    def _use(self, openid: str, template_id: str, mobile: str) -> bool:
        """Use up one acceptance, if the binding holds one and its account is still active with this mobile."""
        for _ in range(ATTEMPTS):
            binding = self.store.get_wechat_binding(openid)
            account = self.store.get_account(binding.username) if binding else None
            used = binding.using(template_id) if binding else None
            if binding is None or used is None or account is None or account.status != "active" \
                    or account.mobile != mobile:
                return False
            try:
                self.store.save_wechat_binding(used, expected_version=binding.version)
                return True
            except StaleVersion:
                continue
        return False

    def _send(self, openid: str, template_id: str, data: dict[str, str]) -> bool:
        try:
            self.client.send_subscribe(openid, template_id, data, PAGE)
            return True
        except WechatRefused as e:
            log.warning("subscribe message to %s not sent (the SMS goes instead): %s", masked(openid), e)
            if e.errcode == USER_REFUSED:  # the acceptances counted here are void
                self._void(openid, template_id)
        except Exception:  # noqa: BLE001 - whatever went wrong, the SMS goes instead
            log.warning("subscribe message to %s not sent (the SMS goes instead)", masked(openid), exc_info=True)
        return False

    def _void(self, openid: str, template_id: str) -> None:
        binding = self.store.get_wechat_binding(openid)
        if binding is not None:
            try:
                self.store.save_wechat_binding(binding.refused(template_id), expected_version=binding.version)
            except StaleVersion:
                pass  # the next send finds out again
