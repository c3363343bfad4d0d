"""A unit's people and how it gets its accounts back (docs/rules.md §12): 忘记密码 by SMS code, changing one's
contact mobile/e-mail, the 单位管理员 adding (mobile verified) and removing 经办人 and handing the role over to
one of them, the unit's authority reading its accounts, and a reviewer of the unit's authority rebinding a lost
or disputed unit to a new 单位管理员 after checking its papers. Every change is one conditional write of the
accounts (and the unit's contact fields) with its audit event and the notices to the unit's contacts."""
from __future__ import annotations

from collections.abc import Callable

from ..domain import jurisdiction
from ..domain.calendar import local_today
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed, problem
from ..domain.identifiers import normalize
from ..domain.model import ACTING, Account, AuditEvent, Message, Role, Unit
from ..domain.roles import Permission
from ..domain.verification import Purpose, mobile_problem
from ..ports import AlreadyExists, Clock, StaleVersion, Store
from .accounts import (ALREADY_REGISTERED, AccountService, Principal, Registration, initial_password, normalized,
                       registration_errors)
from .audit import audit_event
from .messages import account_notice, admin_handed_over
from .token_signer import hash_password, password_problem
from .verification import VerificationService, code_refused

ADMIN, CLERK = "admin", "clerk"
UNIT_ROLE_LABEL = {ADMIN: "单位管理员", CLERK: "经办人"}
# the papers a reviewer may record having seen before rebinding a unit (docs/rules.md §12)
DOCUMENTS = ("营业执照", "法定代表人身份证", "授权委托书", "经办人身份证", "单位公函")
LIVE = ACTING  # accounts that act for the unit


def masked_mobile(mobile: str | None) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if mobile and len(mobile) == 11 else (mobile or "")


def _bad(field: str, column: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [problem(message, column=column, field=field)])


def _email_problem(email: str) -> str | None:
    if email.count("@") != 1 or "." not in email.split("@")[-1] or len(email) > 200:
        return "请填写有效的电子邮箱"
    return None


def _checked_person(name: str, mobile: str, email: str) -> tuple[str, str, str]:
    name, mobile, email = name.strip(), normalize(mobile), email.strip()
    if not name or len(name) > 50:
        raise _bad("name", "姓名", "请填写姓名（50字以内）")
    if message := mobile_problem(mobile):
        raise _bad("mobile", "手机号", message)
    if message := _email_problem(email):
        raise _bad("email", "电子邮箱", message)
    return name, mobile, email


def _checked_password(password: str, *, username: str, uscc: str) -> None:
    message = password_problem(password) or (
        "密码不能包含账号名或统一社会信用代码" if uscc.lower() in password.lower() or username.lower() in password.lower()
        else None)
    if message:
        raise _bad("password", "密码", message)


def _admin_first(accounts: list[Account]) -> list[Account]:
    return sorted(accounts, key=lambda a: (a.unit_role != ADMIN, a.created_at))


class UnitPeopleService:
    def __init__(self, store: Store, clock: Clock, accounts: AccountService, verification: VerificationService,
                 deliver: Callable[[], None]):
        self.store, self.clock, self.accounts = store, clock, accounts
        self.verification, self.deliver = verification, deliver

    # registration: the filer's mobile, verified before the unit is created
    def request_registration_code(self, mobile: str, address: str) -> None:
        self.verification.send(Purpose.REGISTER, normalize(mobile), address)
        self.deliver()

    def preview(self, data: Registration) -> jurisdiction.Authority:
        """The authority a registration would be routed to, shown for the filer to confirm before the account
        exists (docs/rules.md §2); the same checks as `register`, nothing written and the code not spent."""
        data = normalized(data)
        if errors := registration_errors(data, local_today(self.clock.now())):
            raise ValidationFailed("注册信息有误，请按提示修改", errors)
        if self.store.get_unit(data.uscc) is not None:
            raise Conflict(ALREADY_REGISTERED)
        return jurisdiction.route(affiliation=data.affiliation, foreign_invested=data.foreign_invested,
                                  economic_type=data.economic_type, registration_division=data.registration_division)

    def register(self, data: Registration, code: str) -> tuple[Unit, jurisdiction.Authority]:
        """The unit and its 单位管理员, once the form is right and the code sent to the filer's mobile is."""
        self.preview(data)  # before the code is spent
        self.verification.check(Purpose.REGISTER, normalize(data.filer_mobile), code, field="verification_code")
        return self.accounts.register(data)

    # 忘记密码
    def request_reset_code(self, uscc: str, mobile: str, address: str) -> None:
        """A code to the mobile if it is that of a live account of the unit; otherwise the same answer and the
        same limits, and nothing is sent."""
        uscc, mobile = normalize(uscc), normalize(mobile)
        account = self._account_with_mobile(uscc, mobile)
        self.verification.send(Purpose.RESET, mobile, address, subject=account.username if account else None,
                               deliver=account is not None)
        self.deliver()

    def reset_password(self, uscc: str, mobile: str, code: str, password: str) -> None:
        """New password for the account the code was sent for; all its sessions end; the unit's contacts are
        told."""
        uscc, mobile = normalize(uscc), normalize(mobile)
        _checked_password(password, username=uscc, uscc=uscc)  # before the code is spent (usernames hold the USCC)
        record = self.verification.check(Purpose.RESET, mobile, code)
        account = self.store.get_account(record.subject) if record.subject else None
        if account is None or account.scope != uscc or account.mobile != mobile or account.status not in LIVE:
            raise code_refused("验证码不正确，请重新获取")
        unit = self._unit(uscc)
        after = account.model_copy(update={"password_hash": hash_password(password), "must_change_password": False,
                                           "token_epoch": account.token_epoch + 1, "version": account.version + 1})
        self._write([(after, account.version)], self._event(account.username, "reset_password", account.username),
                    self._notice(unit, f"账号{account.username}（{account.display_name}）的密码已通过短信验证码重置",
                                 [account]))

    # contact changes
    def request_contact_code(self, who: Principal, mobile: str, address: str) -> None:
        self._own(who)
        self.verification.send(Purpose.CONTACT, normalize(mobile), address, subject=who.username)
        self.deliver()

    def change_contact(self, who: Principal, mobile: str, email: str, code: str) -> Account:
        """The person's contact mobile and e-mail (a new mobile needs the code sent to it); a 单位管理员's are the
        unit's contacts too. The old contacts are told."""
        account = self._own(who)
        _, mobile, email = _checked_person(account.display_name, mobile, email)
        if mobile != account.mobile:
            record = self.verification.check(Purpose.CONTACT, mobile, code)
            if record.subject != who.username:
                raise code_refused("验证码不正确，请重新获取")
        elif email == account.email:
            raise ValidationFailed("联系方式没有变化")
        unit = self._unit(who.scope)
        after = account.model_copy(update={"mobile": mobile, "email": email, "version": account.version + 1})
        admin = account.unit_role == ADMIN
        detail = {"from": {"mobile": masked_mobile(account.mobile), "email": account.email},
                  "to": {"mobile": masked_mobile(mobile), "email": email}}
        self._write([(after, account.version)], self._event(who.username, "change_contact", who.username, detail),
                    self._notice(unit, f"{account.display_name}的联系方式已变更为手机{masked_mobile(mobile)}、邮箱{email}",
                                 [account]),
                    (unit.uscc, {"filer_mobile": mobile, "filer_email": email}) if admin else None)
        return after

    # 单位管理员 and 经办人
    def people(self, who: Principal) -> list[Account]:
        """The unit's accounts, 单位管理员 first."""
        self._own(who)
        return _admin_first(self.store.list_accounts(who.scope))

    def request_clerk_code(self, who: Principal, mobile: str, address: str) -> None:
        """A code to the new 经办人's mobile; the 单位管理员 types it in the add form as the person reads it out."""
        self._admin(who)
        self.verification.send(Purpose.CLERK, normalize(mobile), address, subject=who.scope)
        self.deliver()

    def add_clerk(self, who: Principal, name: str, mobile: str, email: str, password: str, code: str) -> Account:
        """A 经办人 account of the unit, named {USCC}-{n}, signing in with its own password; its mobile proved by
        the code sent to it (`request_clerk_code`), so the account exists only once the number is the person's."""
        self._admin(who)
        name, mobile, email = _checked_person(name, mobile, email)
        # the password before the code, so a typo does not spend it (the name {USCC}-{n} holds the USCC)
        _checked_password(password, username=who.scope, uscc=who.scope)
        record = self.verification.check(Purpose.CLERK, mobile, code, field="verification_code")
        if record.subject != who.scope:
            raise code_refused("验证码不正确，请重新获取", "verification_code")
        username = f"{who.scope}-{self.store.next_sequence(f'clerks#{who.scope}') + 1}"
        unit = self._unit(who.scope)
        clerk = Account(username=username, password_hash=hash_password(password), role=Role.FILER, scope=unit.uscc,
                        display_name=name, mobile=mobile, email=email, created_at=self.clock.now(), unit_role=CLERK)
        try:
            self._write([(clerk, None)], self._event(who.username, "add_clerk", username,
                                                     {"name": name, "mobile": masked_mobile(mobile),
                                                      "mobile_verified": True}),
                        self._notice(unit, f"单位管理员已添加经办人{name}（账号{username}）", []))
        except AlreadyExists:
            raise Conflict("账号编号冲突，请重试") from None
        return clerk

    def hand_over_admin(self, who: Principal, username: str, password: str) -> Account:
        """The 单位管理员, re-entering the password, makes an active 经办人 of the unit its 单位管理员 and becomes a
        经办人: both accounts and the unit's contacts (now the new 单位管理员's) in one conditional write; both
        people are told. Nobody's sessions end: each keeps signing in with its own name and password."""
        me = self._admin(who)
        target = self.store.get_account(username)
        if target is None or target.scope != who.scope or target.role != Role.FILER:
            raise NotFound("账号不存在")
        if target.unit_role != CLERK or target.status != "active":
            raise Conflict("只能移交给本单位在用的经办人账号")
        self.accounts.confirm_password(who.username, password)
        unit = self._unit(who.scope)
        new_admin = target.model_copy(update={"unit_role": ADMIN, "version": target.version + 1})
        changes: list[tuple[Account, int | None]] = [
            (me.model_copy(update={"unit_role": CLERK, "version": me.version + 1}), me.version),
            (new_admin, target.version)]
        detail: dict[str, object] = {"from": {"admin": me.username, "name": unit.filer_name},
                                     "to": {"admin": target.username, "name": target.display_name}}
        self._write(changes, self._event(who.username, "hand_over_admin", target.username, detail),
                    admin_handed_over(self.clock, unit, me, target),
                    (unit.uscc, {"filer_name": target.display_name, "filer_mobile": target.mobile or "",
                                 "filer_email": target.email or ""}))
        return new_admin

    def unit_people(self, who: Principal, uscc: str) -> tuple[Unit, list[Account]]:
        """A unit's accounts for the staff of its authority (or above): its 业务操作员, and the 系统管理员,
        系统安全员 and 业务管理员 who read accounts. Read-only; the mobiles are masked when shown."""
        unit = self._unit(normalize(uscc))
        staff = who.is_reviewer or who.can(Permission.ACCOUNT_READ)  # never a filer
        if not (staff and jurisdiction.Scope(who.scope).can_read(unit.authority_code)):
            raise Forbidden("该单位不在您的管辖范围内")
        return unit, _admin_first(self.store.list_accounts(unit.uscc))

    def remove_clerk(self, who: Principal, username: str) -> Account:
        """The 经办人 can no longer sign in (its sessions end); what it filed stays, under its name."""
        self._admin(who)
        clerk = self.store.get_account(username)
        if clerk is None or clerk.scope != who.scope or clerk.role != Role.FILER:
            raise NotFound("账号不存在")
        if clerk.unit_role != CLERK:
            raise Conflict("单位管理员不能被移除；请先将单位管理员移交给其他经办人")
        if clerk.status not in LIVE:
            raise Conflict("该经办人账号已被移除")
        after = clerk.model_copy(update={"status": "deregistered", "token_epoch": clerk.token_epoch + 1,
                                         "version": clerk.version + 1})
        self._write([(after, clerk.version)],
                    self._event(who.username, "remove_clerk", username, {"from": clerk.status, "to": "deregistered"}),
                    self._notice(self._unit(who.scope), f"单位管理员已移除经办人{clerk.display_name}（账号{username}）",
                                 [clerk]))
        return after

    # disputes and lost units
    def request_rebind_code(self, who: Principal, uscc: str, mobile: str, address: str) -> None:
        self._reviewed_unit(who, uscc)
        self.verification.send(Purpose.REBIND, normalize(mobile), address, subject=normalize(uscc))
        self.deliver()

    def rebind(self, who: Principal, uscc: str, *, name: str, mobile: str, email: str, code: str,
               documents: list[str], note: str = "") -> tuple[Account, str]:
        """The reviewer, having seen the unit's papers, makes the person present its new 单位管理员 (mobile
        verified by the code sent to it): the 单位管理员 account gets that person, a one-time password (returned,
        shown once) and ends its sessions; every 经办人 account is disabled. The unit's data stays."""
        unit = self._reviewed_unit(who, uscc)
        name, mobile, email = _checked_person(name, mobile, email)
        seen = [d for d in DOCUMENTS if d in documents]
        if "营业执照" not in seen or "法定代表人身份证" not in seen and "授权委托书" not in seen:
            raise _bad("documents", "已核验材料", "须核验营业执照，以及法定代表人身份证或授权委托书")
        if len(note) > 500:
            raise _bad("note", "备注", "备注不能超过500字")
        record = self.verification.check(Purpose.REBIND, mobile, code)
        if record.subject != unit.uscc:
            raise code_refused("验证码不正确，请重新获取")
        password = initial_password()
        accounts = self.store.list_accounts(unit.uscc)
        old_admin = next((a for a in accounts if a.unit_role == ADMIN), None)
        first = next((a for a in accounts if a.username == unit.uscc), None)  # the unit's first account
        admin = Account(username=unit.uscc, password_hash=hash_password(password), role=Role.FILER, scope=unit.uscc,
                        display_name=name, mobile=mobile, email=email, created_at=self.clock.now(),
                        must_change_password=True)
        changes: list[tuple[Account, int | None]] = []
        if first is not None:  # becomes the 单位管理员 again, whoever held the role after a hand-over
            admin = admin.model_copy(update={"created_at": first.created_at, "version": first.version + 1,
                                             "token_epoch": first.token_epoch + 1})
        changes.append((admin, first.version if first else None))
        changes += [(a.model_copy(update={"status": "deregistered", "unit_role": CLERK, "token_epoch": a.token_epoch + 1,
                                          "version": a.version + 1}), a.version)
                    for a in accounts if a.username != unit.uscc and a.status in LIVE]
        detail = {"documents": seen, "note": note.strip(), "disabled": [a.username for a, _ in changes[1:]],
                  "from": {"name": old_admin.display_name if old_admin else None,
                           "mobile": masked_mobile(old_admin.mobile if old_admin else None)},
                  "to": {"name": name, "mobile": masked_mobile(mobile)}}
        told = self._notice(unit, f"{jurisdiction.authority(unit.authority_code).name}核验单位材料后，已将单位管理员变更为"
                                  f"{name}（手机{masked_mobile(mobile)}），原有账号已停用", accounts)
        self._write(changes, audit_event(self.clock.now(), who.username, "rebind_unit", unit.uscc,
                                         scope=unit.authority_code, detail=detail), told,
                    (unit.uscc, {"filer_name": name, "filer_mobile": mobile, "filer_email": email}))
        return admin, password

    # helpers
    def _write(self, changes: list[tuple[Account, int | None]], audit: AuditEvent, messages: list[Message],
               unit_contact: tuple[str, dict[str, str]] | None = None) -> None:
        try:
            self.store.save_people(changes, audit=audit, messages=messages, unit_contact=unit_contact)
        except StaleVersion:
            raise Conflict("账号刚被其他操作修改，请刷新后重试") from None
        self.deliver()

    def _event(self, actor: str, action: str, target: str, detail: dict[str, object] | None = None) -> AuditEvent:
        return audit_event(self.clock.now(), actor, action, target, detail=detail)  # filers: province auditors

    def _notice(self, unit: Unit, change: str, also: list[Account]) -> list[Message]:
        """To the unit's contacts and to the people concerned (their old addresses)."""
        return account_notice(self.clock, unit.name, change, emails=[unit.filer_email, *(a.email for a in also)],
                              mobiles=[unit.filer_mobile, *(a.mobile for a in also)])

    def _unit(self, uscc: str) -> Unit:
        unit = self.store.get_unit(uscc)
        if unit is None:
            raise NotFound("单位不存在")
        return unit

    def _account_with_mobile(self, uscc: str, mobile: str) -> Account | None:
        return next((a for a in self.store.list_accounts(uscc)
                     if a.role == Role.FILER and a.mobile == mobile and a.status in LIVE), None) if uscc else None

    def _own(self, who: Principal) -> Account:
        account = self.store.get_account(who.username)
        if not who.is_filer or account is None or account.status not in LIVE:
            raise Forbidden("仅用人单位账号可以办理")
        return account

    def _admin(self, who: Principal) -> Account:
        account = self._own(who)
        if account.unit_role != ADMIN:
            raise Forbidden("只有单位管理员可以管理经办人账号")
        return account

    def _reviewed_unit(self, who: Principal, uscc: str) -> Unit:
        unit = self._unit(normalize(uscc))
        if not (who.is_reviewer and jurisdiction.Scope(who.scope).can_review(unit.authority_code)):
            raise Forbidden("只有该单位备案审核机关的审核员可以变更单位管理员")
        return unit
