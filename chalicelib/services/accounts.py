"""Use cases: register a unit, sign in, and know who is calling."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from ..domain import jurisdiction, unit_life
from ..domain.calendar import local_today
from ..domain.errors import (Conflict, Forbidden, NotFound, RateLimited, SecondFactorRequired, Unauthenticated,
                             ValidationFailed, problem)
from ..domain.identifiers import normalize, uscc_error
from ..domain.text import nfc, text_problem
from ..domain.model import ROLE_LABEL, Account, AuditEvent, Role, Unit
from ..domain.reference import codes, divisions, policy
from ..domain.sign_in import SignInGuard, guard_key, wait_text
from ..domain.roles import (DEPARTMENTS, Permission, covers, effective_permissions, managing_division,
                           placement_problem)
from ..ports import AlreadyExists, Clock, StaleVersion, Store
from .audit import audit_event
from . import second_factor
from .token_signer import TokenSigner, hash_password, password_problem, verify_password

CHALLENGE, ENROLMENT = "sign-in-second-factor", "second-factor-enrolment"  # signed-token purposes
CHALLENGE_MINUTES = 5  # to type the code after the password, or to scan the QR code and type the first code
USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,31}")
# a registration of a unit that has an account (docs/rules.md §12: the way back is recovery, not a second account)
ALREADY_REGISTERED = "该统一社会信用代码已注册，请直接登录；账号遗失的，可找回密码或到备案审核机关办理"


def username_problem(username: str) -> str | None:
    if not USERNAME.fullmatch(username or ""):
        return "账号名应为3到32位小写字母、数字或 . _ -，以字母开头"
    return None


def initial_password() -> str:
    """A one-time password meeting the policy (shown once to whoever creates the account; never a default)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I to misread
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(14))
        if not password_problem(password):
            return password


@functools.cache
def _unknown_account_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def unknown_name(username: str) -> str:
    """How the audit log names a sign-in attempt for an account that does not exist: never as typed (it is
    often a password typed into the wrong box), but the same for the same text, so repeated tries show."""
    return "未知账号#" + hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:12]


def audit_scope(account: Account) -> str | None:
    """The division whose auditors may read events about this account (filers: province only)."""
    return None if account.role == Role.FILER else account.scope


class Registration(BaseModel):
    """The registration form: one declaration of its fields, their Chinese titles and types (the page, the
    API and the OpenAPI document are built from it)."""
    uscc: str = Field("", title="统一社会信用代码")
    name: str = Field("", title="单位名称")
    unit_type: str = Field("", title="单位类型")
    economic_type: str = Field("", title="经济类型")
    industry: str = Field("", title="所属行业")
    affiliation: str = Field("", title="隶属关系")
    foreign_invested: bool = Field(False, title="是否外商投资")
    labor_dispatch: bool = Field(False, title="是否劳务派遣机构")
    registration_division: str = Field("", title="注册地行政区划")
    registered_address: str = Field("", title="注册地址")
    legal_representative: str = Field("", title="法定代表人")
    founded_on: str = Field("", title="成立日期")  # YYYY-MM-DD, from the business licence (docs/rules.md §11)
    filer_name: str = Field("", title="填报员姓名")
    filer_mobile: str = Field("", title="填报员手机号")
    filer_email: str = Field("", title="填报员电子邮箱")
    password: str = Field("", title="密码", repr=False)

    @classmethod
    def from_form(cls, form: dict[str, str]) -> "Registration":
        """From the page's form, where yes/no answers arrive as "是"/"否"."""
        return cls.model_validate({name: (form.get(name) == "是") if field.annotation is bool else form.get(name, "")
                                   for name, field in cls.model_fields.items()})


REGISTER_TITLES = {name: field.title or name for name, field in Registration.model_fields.items()}


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role
    scope: str  # division code, or the unit's USCC for a filer
    display_name: str
    permissions: frozenset[str] = frozenset()  # domain/roles.py Permission values
    must_change_password: bool = False  # signed in with a one-time initial password
    must_enrol_second_factor: bool = False  # its role signs in with TOTP and it has not enrolled yet
    session: str = ""  # the token's session id and expiry (for sign-out)
    session_expires: int = 0
    wechat: str | None = None  # signed in from the mini-program: the WeChat user's openid (docs/wechat.md)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def home(self) -> str:
        """Where this account lands after signing in."""
        return {Role.FILER: "/employer", Role.OPERATOR: "/review", Role.AUDITOR: "/audit",
                Role.DATA_SHARING: "/share/persons"}.get(
            self.role, "/admin/applications")

    @property
    def is_filer(self) -> bool:
        return self.role == Role.FILER

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def role_label(self) -> str:
        return ROLE_LABEL[self.role]


def registration_errors(r: Registration, today: dt.date) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []

    def bad(field: str, message: str) -> None:
        errors.append(problem(message, column=REGISTER_TITLES[field], field=field))

    for field, value in r:
        if field != "password" and isinstance(value, str) and (message := text_problem(value, REGISTER_TITLES[field])):
            bad(field, message)
    for field in ("name", "registered_address", "legal_representative", "filer_name"):
        value = getattr(r, field).strip()
        if not value:
            bad(field, f"请填写{REGISTER_TITLES[field]}")
        elif len(value) > 200:
            bad(field, f"{REGISTER_TITLES[field]}不能超过200个字")
    if message := uscc_error(r.uscc):
        bad("uscc", message)
    c = codes()
    for field, options in (("unit_type", c["unit_type"]), ("economic_type", c["economic_type"]),
                           ("affiliation", c["affiliation"]), ("industry", list(c["industry"]))):
        if getattr(r, field) not in options:
            bad(field, f"请选择{REGISTER_TITLES[field]}（可选：{'、'.join(options)}）")
    try:
        jurisdiction.route(affiliation="其他", foreign_invested=False, economic_type="",
                           registration_division=r.registration_division)
    except jurisdiction.UnknownDivision as e:
        bad("registration_division", str(e))
    if not (len(r.filer_mobile) == 11 and r.filer_mobile.isdigit() and r.filer_mobile.startswith("1")):
        bad("filer_mobile", "请填写11位手机号码")
    if r.filer_email.count("@") != 1 or "." not in r.filer_email.split("@")[-1]:
        bad("filer_email", "请填写有效的电子邮箱")
    if message := password_problem(r.password, username=r.uscc, uscc=r.uscc, mobile=r.filer_mobile):
        bad("password", message)
    try:
        unit_life.founding_date(r.founded_on, today)
    except ValidationFailed as e:
        bad("founded_on", e.message)
    return errors


def normalized(data: Registration) -> Registration:
    """The form as it is checked and kept: NFC text, the USCC and mobile without spaces, half-width, upper-case."""
    return data.model_copy(update={
        **{name: nfc(value) for name, value in data if isinstance(value, str) and name != "password"},
        "uscc": normalize(data.uscc), "filer_email": data.filer_email.strip(),
        "filer_mobile": normalize(data.filer_mobile)})


class AccountService:
    def __init__(self, store: Store, clock: Clock, signer: TokenSigner):
        self.store, self.clock, self.signer = store, clock, signer

    def register(self, data: Registration) -> tuple[Unit, jurisdiction.Authority]:
        data = normalized(data)
        now = self.clock.now()
        if errors := registration_errors(data, local_today(now)):
            raise ValidationFailed("注册信息有误，请按提示修改", errors)
        authority = jurisdiction.route(affiliation=data.affiliation, foreign_invested=data.foreign_invested,
                                       economic_type=data.economic_type,
                                       registration_division=data.registration_division)
        fields = data.model_dump(exclude={"password"})
        fields["founded_on"] = dt.date.fromisoformat(data.founded_on.strip())
        fields.update({k: fields[k].strip() for k in ("name", "registered_address", "legal_representative",
                                                      "filer_name")})
        unit = Unit(**fields, authority_code=authority.code, registered_at=now)
        filer = Account(username=unit.uscc, password_hash=hash_password(data.password), role=Role.FILER,
                        scope=unit.uscc, display_name=unit.name, email=unit.filer_email, mobile=unit.filer_mobile,
                        created_at=now)
        try:
            self.store.create_unit(unit, filer)
        except AlreadyExists:
            raise Conflict(ALREADY_REGISTERED) from None
        self.store.append_audit(audit_event(now, unit.uscc, "register_unit", unit.uscc,
                                            detail={"authority": authority.code}))
        return unit, authority

    def login(self, username: str, password: str, client: str = "", *, wechat: str | None = None
              ) -> tuple[str, dt.datetime, Principal]:
        """Sign in (docs/rules.md §13). Before any password is checked the attempt is counted: against the
        client's address and province-wide (429 beyond the limits), and on the name's guard by a conditional
        write (domain/sign_in.py: after `lockout_threshold` attempts each next one waits, 429 with how long).
        A name with no account is counted and answered exactly like one with an account; a right password clears
        the name's count and gives the address its attempt back."""
        username = username.strip()
        now = self.clock.now()
        throttles = self._throttle(client, now)
        self._count_attempt(username, now, throttles)
        account = self.store.get_account(normalize(username)) or self.store.get_account(username)
        right = verify_password(password, account.password_hash if account else _unknown_account_hash())
        if account is None or not right:
            name = account.username if account else unknown_name(username)
            self.store.append_audit(audit_event(now, name, "sign_in", name, outcome="denied",
                                                scope=audit_scope(account) if account else None))
            raise Unauthenticated("账号或密码错误")
        if account.status in ("frozen", "deregistered"):
            self.store.append_audit(audit_event(now, account.username, "sign_in", account.username,
                                                outcome="refused", scope=audit_scope(account)))
            raise Forbidden("账号已被冻结或注销，请联系系统管理员")
        if account.totp_secret is not None:  # the attempt stays counted until the code is right too
            challenge = self.signer.sign(CHALLENGE, {"u": account.username, "e": account.token_epoch})
            raise SecondFactorRequired("请输入身份验证器上的6位动态码（或一个恢复码）", challenge)
        return self._signed_in(account.username, throttles, username, now, wechat=wechat)

    def second_factor(self, challenge: str, code: str, client: str = "") -> tuple[str, dt.datetime, Principal]:
        """The sign-in's second step: the code from the authenticator app (or a recovery code) for the account
        whose password was right (`challenge`, valid CHALLENGE_MINUTES). Counted like a password attempt."""
        if not code.strip():
            raise ValidationFailed("请输入动态码", [problem("请输入动态码", column="动态码", field="code")])
        payload = self.signer.verify(CHALLENGE, challenge or "", CHALLENGE_MINUTES * 60)
        if payload is None or not isinstance(payload.get("u"), str):
            raise Unauthenticated("验证已过期，请重新输入账号和密码")
        now = self.clock.now()
        throttles = self._throttle(client, now)
        self._count_attempt(payload["u"], now, throttles)
        account = self.store.get_account(payload["u"])
        if account is None or account.token_epoch != payload.get("e") or account.status in ("frozen", "deregistered"):
            raise Unauthenticated("验证已过期，请重新输入账号和密码")
        if second_factor.accepted(account, code, now) is None:
            self.store.append_audit(audit_event(now, account.username, "sign_in", account.username,
                                                outcome="denied", scope=audit_scope(account),
                                                detail={"second_factor": True}))
            raise SecondFactorRequired("动态码不正确或已用过，请输入身份验证器上的最新动态码", challenge)
        return self._signed_in(account.username, throttles, payload["u"], now, code)

    def _signed_in(self, username: str, throttles: list[str], typed: str, now: dt.datetime,
                   code: str | None = None, wechat: str | None = None) -> tuple[str, dt.datetime, Principal]:
        """A whole sign-in succeeded: the address gets its attempts back, the name's count clears, and the
        account is written: the second factor's code used up (checked again at the version written, so two
        requests cannot both use one code), a lock of an earlier release lifted."""
        self._give_back(throttles)
        self._clear_attempts(typed)

        def signed_in(a: Account) -> Account:
            used = a if code is None else second_factor.accepted(a, code, now)
            if used is None:
                raise Unauthenticated("动态码已用过，请输入身份验证器上的最新动态码")
            return used.model_copy(update={"status": "active" if a.status == "locked" else a.status,
                                           "failed_logins": [], "locked_at": None, "last_signed_in_at": now})
        account = self._update(username, signed_in,
                               lambda a: audit_event(now, a.username, "sign_in", a.username, scope=audit_scope(a)))
        token, expires = self._token(account, wechat)
        return token, expires, self.authenticate(token)

    def wechat_session(self, username: str, openid: str) -> tuple[str, dt.datetime, Principal]:
        """A session for the account a WeChat user bound (docs/wechat.md): WeChat vouched for the user, the
        binding for the account; an account no longer active is refused as at the sign-in."""
        now = self.clock.now()
        account = self.store.get_account(username)
        if account is None or account.status != "active":
            if account is not None:
                self.store.append_audit(audit_event(now, account.username, "sign_in", account.username,
                                                    outcome="refused", scope=audit_scope(account),
                                                    detail={"wechat": True}))
            raise Forbidden("账号已被冻结、锁定或注销，请使用账号和密码登录，或联系系统管理员")
        self.store.append_audit(audit_event(now, account.username, "sign_in", account.username,
                                            scope=audit_scope(account), detail={"wechat": True}))
        token, expires = self._token(account, openid)
        return token, expires, self.authenticate(token)

    # enrolling the second factor
    def start_enrolment(self, who: Principal) -> tuple[str, str]:
        """A new secret for `who` to scan: (the otpauth:// address for the QR code, a signed enrolment token that
        carries the secret to `finish_enrolment`)."""
        self._not_enrolled(who.username)
        secret = second_factor.new_secret()
        return (second_factor.enrolment_uri(secret, who.username),
                self.signer.sign(ENROLMENT, {"u": who.username, "k": secret}))

    def finish_enrolment(self, who: Principal, enrolment: str, code: str) -> list[str]:
        """The first code from the app proves the scan worked; the secret is kept and the one-time recovery
        codes are returned (shown once, kept hashed)."""
        payload = self.signer.verify(ENROLMENT, enrolment or "", CHALLENGE_MINUTES * 60)
        if payload is None or payload.get("u") != who.username:
            raise Conflict("二维码已过期，请重新扫描")
        self._not_enrolled(who.username)
        now = self.clock.now()
        step = second_factor.matching_step(payload["k"], code, now)
        if step is None:
            message = "动态码不正确，请确认已扫描二维码并输入身份验证器上显示的6位数字"
            raise ValidationFailed(message, [problem(message, column="动态码", field="code")])
        codes = second_factor.recovery_codes()

        def enrol(a: Account) -> Account:
            if a.totp_secret is not None:
                raise Conflict("该账号已启用动态口令")
            return a.model_copy(update={"totp_secret": payload["k"], "totp_last_step": step,
                                        "recovery_codes": [second_factor.recovery_hash(c) for c in codes]})
        self._update(who.username, enrol, lambda a: audit_event(now, a.username, "enrol_second_factor", a.username,
                                                                scope=audit_scope(a)))
        return codes

    def _not_enrolled(self, username: str) -> None:
        """Staff accounts only: a unit has no 系统安全员 to reset a lost phone (its recovery is §12's)."""
        account = self.store.get_account(username)
        if account is not None and account.role == Role.FILER:
            raise Forbidden("用人单位账号不使用动态口令")
        if account is None or account.totp_secret is not None:
            raise Conflict("该账号已启用动态口令；如需更换，请通过账号申请单申请重置")

    def _throttle(self, client: str, now: dt.datetime) -> list[str]:
        """Count the attempt on the client's address (per lockout window) and province-wide (per minute); 429
        beyond either limit. The counters' names, to give the attempt back if the password is right."""
        p = policy()
        window = p.lockout_window_minutes * 60
        stamp = int(now.timestamp())
        limits = [(f"sign-in:all:{stamp // 60}", p.sign_in_global_per_minute, 60 - stamp % 60)]
        if client:
            limits.append((f"sign-in:address:{client}:{stamp // window}", p.sign_in_per_address_per_window,
                           window - stamp % window))
        counted = []
        for counter, limit, left in limits:
            counted.append(counter)
            if self.store.next_sequence(counter) > limit:
                self.store.append_audit(audit_event(now, "sign-in", "sign_in", client or "-", outcome="rate_limited"))
                raise RateLimited(f"登录尝试过于频繁，请{wait_text(dt.timedelta(seconds=left))}后再试", left)
        return counted

    def _give_back(self, throttles: list[str]) -> None:
        for counter in throttles:
            self.store.next_sequence(counter, by=-1)

    def _count_attempt(self, username: str, now: dt.datetime, throttles: list[str], attempts: int = 20) -> None:
        """Count one attempt on the name's guard by a conditional write (a lost race reads again), or refuse it
        (429) while the name has to wait. Refused attempts are not counted, on the name (they cannot push the wait
        further) nor on the address (no password was tried)."""
        key = guard_key(username)
        for _ in range(attempts):
            guard = self.store.get_sign_in_guard(key) or SignInGuard(key=key)
            if (wait := guard.wait(now)) > dt.timedelta(0):
                self._give_back(throttles)
                seconds = math.ceil(wait.total_seconds())
                raise RateLimited(f"该账号登录失败次数过多，请{wait_text(wait)}后再试", seconds)
            try:
                self.store.save_sign_in_guard(guard.counted(now), expected_version=guard.version)
                return
            except StaleVersion:
                continue
        self._give_back(throttles)
        raise RateLimited("登录尝试过于频繁，请1分钟后再试", 60)

    def confirm_password(self, username: str, password: str) -> None:
        """A signed-in person re-enters the password before a weighty step (handing over the 单位管理员 role):
        counted on the name's guard like a sign-in, so a left-open session cannot be used to guess it."""
        self._count_attempt(username, self.clock.now(), [])
        account = self.store.get_account(username)
        if account is None or not verify_password(password, account.password_hash):
            wrong = "登录密码不正确"
            raise ValidationFailed(wrong, [problem(wrong, column="登录密码", field="current_password")])
        self._clear_attempts(username)

    def _clear_attempts(self, username: str, attempts: int = 20) -> None:
        key = guard_key(username)
        for _ in range(attempts):
            guard = self.store.get_sign_in_guard(key)
            if guard is None or guard.attempts == 0:
                return
            try:
                self.store.save_sign_in_guard(guard.cleared(), expected_version=guard.version)
                return
            except StaleVersion:
                continue

    def _token(self, account: Account, wechat: str | None = None) -> tuple[str, dt.datetime]:
        """A signed token naming the account, its token epoch and when it expires (session_hours), and the WeChat
        user of a session from the mini-program."""
        expires = self.clock.now() + dt.timedelta(hours=policy().session_hours)
        payload: dict[str, Any] = {"u": account.username, "e": account.token_epoch, "x": int(expires.timestamp()),
                                   "s": secrets.token_urlsafe(9)}  # this session's id (sign-out closes just this one)
        if wechat:
            payload["w"] = wechat
        return self.signer.sign("api-token", payload), expires

    def _update(self, username: str, change: Callable[[Account], Account],
                event: Callable[[Account], AuditEvent] | None = None, attempts: int = 5) -> Account:
        """Read, change, write at the read version; on a lost race read again (sign-ins race each other)."""
        for _ in range(attempts):
            before = self.store.get_account(username)
            if before is None:
                raise NotFound("账号不存在")
            after = change(before)
            if after == before:
                if event:
                    self.store.append_audit(event(before))
                return before
            after = after.model_copy(update={"version": before.version + 1})
            try:
                self.store.save_account(after, expected_version=before.version, audit=event(after) if event else None)
                return after
            except StaleVersion:
                continue
        raise Conflict("账号正在被其他操作修改，请稍后重试")

    def authenticate(self, token: str | None) -> Principal:
        """The caller of a signed token: it must be unexpired, of an active account, and issued since the
        account's sessions were last revoked (token_epoch: lock, freeze, password or permission change), and not
        signed out (closed_sessions)."""
        payload = self.signer.verify("api-token", token or "", policy().session_hours * 3600) if token else None
        account = self.store.get_account(payload["u"]) if payload is not None and "u" in payload else None
        if payload is None or account is None or account.status != "active" \
                or payload.get("e", 0) != account.token_epoch \
                or payload.get("x", 0) <= self.clock.now().timestamp() or payload.get("s") in account.closed_sessions:
            raise Unauthenticated("登录已过期或已退出，请重新登录")
        return self._principal(account, payload.get("s", ""), payload.get("x", 0), payload.get("w"))

    def acting(self, username: str) -> Principal | None:
        """The account as background work acts for it now (an export it asked for): None once it is not active,
        so work queued before a lock, freeze or removal is not done."""
        account = self.store.get_account(username)
        return self._principal(account) if account is not None and account.status == "active" else None

    def logout(self, who: Principal) -> None:
        """Sign-out closes this session's token (the account's other devices stay signed in; changing the
        password signs out everywhere). Closed ids are kept until their tokens would have expired anyway."""
        now = self.clock.now()

        def close(a: Account) -> Account:
            still_valid = {sid: x for sid, x in a.closed_sessions.items() if x > now.timestamp()}
            return a.model_copy(update={"closed_sessions": {**still_valid, who.session: who.session_expires}})
        self._update(who.username, close,
                     lambda a: audit_event(now, a.username, "sign_out", a.username, scope=audit_scope(a)))

    def change_password(self, who: Principal, old: str, new: str) -> tuple[str, dt.datetime, Principal]:
        """Change one's own password; other sessions end. Returns a fresh token for this session (like login)."""
        account = self.store.get_account(who.username)
        if account is None or not verify_password(old, account.password_hash):
            wrong = "原密码不正确"
            raise ValidationFailed(wrong, [problem(wrong, column="原密码", field="old_password")])
        message = ("新密码不能与原密码相同" if new == old else
                   password_problem(new, username=who.username, uscc=who.scope if who.is_filer else "",
                                    mobile=account.mobile or ""))
        if message:
            raise ValidationFailed(message, [problem(message, column="新密码", field="new_password")])
        now = self.clock.now()
        account = self._update(who.username, lambda a: a.model_copy(update={
            "password_hash": hash_password(new), "must_change_password": False, "token_epoch": a.token_epoch + 1}),
            lambda a: audit_event(now, a.username, "change_password", a.username, scope=audit_scope(a)))
        token, expires = self._token(account)
        return token, expires, self.authenticate(token)

    def unit_of(self, who: Principal) -> Unit:
        """A filer's own unit."""
        unit = self.store.get_unit(who.scope) if who.is_filer else None
        if unit is None:
            raise NotFound("单位不存在")
        return unit

    @staticmethod
    def _principal(account: Account, session: str = "", session_expires: int = 0,
                   wechat: str | None = None) -> Principal:
        return Principal(account.username, account.role, account.scope, account.display_name,
                         effective_permissions(account.role, account.permissions), account.must_change_password,
                         second_factor.required(account) and account.totp_secret is None, session, session_expires,
                         wechat)

    # reviewer-side accounts, as administrators see them
    def visible_divisions(self, who: Principal, division: str | None = None) -> list[str]:
        """Divisions whose accounts `who` lists: one asked for (if in scope), or those it manages."""
        if not who.can(Permission.ACCOUNT_READ):
            raise Forbidden("您的角色不能查看账号")
        if division:
            if not covers(who.scope, division):
                raise Forbidden("该行政区划不在您的管辖范围内")
            return [division]
        return [who.scope] + sorted(d.code for d in divisions().values() if d.parent_code == who.scope)

    def list_staff(self, who: Principal, division: str | None = None) -> list[Account]:
        return [a for code in self.visible_divisions(who, division) for a in self.store.list_accounts(code)
                if a.role != Role.FILER]

    def get_staff(self, who: Principal, username: str) -> Account:
        account = self.store.get_account(username)
        if account is None or account.role == Role.FILER:
            raise NotFound("账号不存在")
        if not (who.can(Permission.ACCOUNT_READ) and covers(who.scope, account.scope)):
            raise Forbidden("该账号不在您的管辖范围内")
        return account

    def sign_in_wait(self, username: str) -> dt.timedelta:
        """How long the account's name has to wait before its next sign-in attempt (zero: none)."""
        guard = self.store.get_sign_in_guard(guard_key(username))
        return guard.wait(self.clock.now()) if guard else dt.timedelta(0)

    def unlock(self, who: Principal, username: str) -> Account:
        """The 系统安全员 of the managing division lifts a sign-in wait, or a lock of an earlier release (frozen
        accounts need a 解锁账号 application)."""
        account = self.get_staff(who, username)
        if not who.can(Permission.UNLOCK) or managing_division(account.role, account.scope) != who.scope:
            raise Forbidden("只有该账号管理机构的系统安全员可以解除锁定")
        if account.status != "locked" and not self.sign_in_wait(username):
            raise Conflict("该账号未被锁定，也无需等待即可登录")
        now = self.clock.now()
        self._clear_attempts(username)
        return self._update(username, lambda a: a.model_copy(update={
            "status": "active" if a.status == "locked" else a.status, "failed_logins": [], "locked_at": None}),
            lambda a: audit_event(now, who.username, "unlock_account", a.username, scope=audit_scope(a)))

    def create_admin(self, username: str, division: str, display_name: str, *,
                     role: Role = Role.SYSTEM_ADMIN, department: str | None = None,
                     scope: str | None = None) -> tuple[Account, str]:
        """Ops command (cli create-admin): the province's first administrators, with a one-time password, and the
        other departments' data-sharing accounts, each over one division (`scope`: province, city or county; the
        province if not given). Every other account goes through an application."""
        if division != policy().province_code:
            raise ValidationFailed("create-admin 只用于创建省级管理员；其他账号请通过账号申请单办理")
        if Role(role) not in (Role.SYSTEM_ADMIN, Role.BUSINESS_ADMIN, Role.SECURITY, Role.AUDITOR, Role.DATA_SHARING):
            raise ValidationFailed("create-admin 只能创建系统管理员、业务管理员、系统安全员、业务审计员或数据共享账号")
        if (Role(role) == Role.DATA_SHARING) != (department in DEPARTMENTS):
            raise ValidationFailed("数据共享账号须指定所属部门（" + "、".join(DEPARTMENTS) + "），其他账号不指定")
        if scope is not None and Role(role) != Role.DATA_SHARING:
            raise ValidationFailed("--scope 只用于数据共享账号；管理员账号设在省级")
        if scope is not None and (message := placement_problem(Role(role), scope)):
            raise ValidationFailed(message)
        if message := username_problem(username):
            raise ValidationFailed(message)
        password = initial_password()
        now = self.clock.now()
        account = Account(username=username, password_hash=hash_password(password), role=role,
                          scope=scope or division, display_name=display_name.strip() or username, created_at=now,
                          must_change_password=True, department=department)
        try:
            self.store.create_account(account, audit=audit_event(now, "ops:create-admin", "create_account", username,
                                                                 scope=account.scope, detail={"role": str(role)}))
        except AlreadyExists:
            raise Conflict(f"账号 {username} 已存在") from None
        return account, password

    def create_reviewer(self, username: str, password: str, scope: str, display_name: str, *,
                        role: Role = Role.OPERATOR, email: str | None = None) -> Account:
        """Demo seeding and tests only: real reviewer-side accounts come from applications (services/applications.py)
        or, for the province's first administrators, from `cli create-admin`."""
        jurisdiction.division(scope)
        if message := password_problem(password, username=username):
            raise ValidationFailed(message)
        account = Account(username=username, password_hash=hash_password(password), role=role, scope=scope,
                          display_name=display_name, email=email, created_at=self.clock.now())
        self.store.put_account(account)
        return account
