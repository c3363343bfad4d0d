"""Use cases of the 账号申请（变更）单 (附件2): apply, the two opinions, carry out — every step audited.

Who does what is in domain/roles.py (managing division) and domain/applications.py (the workflow and
separation of duties). Every step is a conditional write on the application's version; carrying one out
writes the account in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any, TypedDict

from ..domain import calendar
from ..domain.applications import (APPLIES_TO, KIND_LABEL, Application, Kind, Status, application_number)
from ..domain.errors import Conflict, Forbidden, NotFound, ValidationFailed, problem
from ..domain.identifiers import normalize, parse_resident_id
from ..domain.text import nfc, text_problem
from ..domain.model import Account, AuditEvent, Role
from ..domain.roles import (APPLICABLE_ROLES, DEPARTMENTS, ROLE_ACCOUNT_LABEL, Permission, covers,
                            default_permissions, duty_conflict, managing_division, permissions_problem,
                            placement_problem)
from ..ports import AlreadyExists, Clock, StaleVersion, Store
from .accounts import Principal, initial_password, username_problem
from .audit import audit_event
from .token_signer import hash_password

TITLES = {
    "kind": "申请事项", "contact_name": "联系人", "contact_phone": "联系方式", "applying_unit": "申请单位",
    "reason": "申请说明", "username": "账号", "role": "账号类型", "division": "所属行政区划",
    "person_name": "使用人姓名", "person_unit": "使用人单位", "person_position": "职务",
    "person_id_number": "身份证号", "person_mobile": "使用人联系方式", "person_email": "电子邮箱",
    "permissions": "详细权限", "department": "所属部门",
}
LOST_RACE = "该申请单已被其他人处理，请刷新后查看"
PHONE = re.compile(r"[0-9+\-() ]{7,20}")


class _Person(TypedDict, total=False):
    """新增账号: the account's user as 附件2 lists them (the Application fields of the same names)."""
    person_name: str | None
    person_unit: str | None
    person_position: str | None
    person_id_number: str | None
    person_mobile: str | None
    person_email: str | None
    department: str | None  # a data-sharing account's department (roles.DEPARTMENTS)


# What an application is about: the account's role, division, permissions and, for 新增账号, its user
_Target = tuple[Role, str, list[str], _Person]
_Complain = Callable[[str, str], None]  # (field, message): records one problem of the form


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    return nfc(value.strip()) if isinstance(value, str) else ""


def _permissions(data: dict[str, Any]) -> list[str] | None:
    value = data.get("permissions")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        return ["?"]
    return sorted(set(value))


class ApplicationService:
    def __init__(self, store: Store, clock: Clock):
        self.store, self.clock = store, clock

    # applying
    def apply(self, who: Principal, data: dict[str, Any]) -> Application:
        if not who.can(Permission.APPLY):
            raise Forbidden("您的账号不能提交账号申请单")
        errors: list[dict[str, Any]] = []

        def bad(field: str, message: str) -> None:
            errors.append(problem(message, column=TITLES[field], field=field))

        kind = _text(data, "kind")
        if kind not in set(Kind):
            bad("kind", f"请选择申请事项（{'、'.join(KIND_LABEL.values())}）")
            raise ValidationFailed("申请单填写有误，请按提示修改", errors)
        kind = Kind(kind)
        fields = {f: _text(data, f) for f in TITLES if f not in ("kind", "permissions")}
        for field, value in fields.items():
            if message := text_problem(value, TITLES[field], multiline=field == "reason"):
                bad(field, message)
        for field, limit in (("contact_name", 50), ("applying_unit", 100)):
            if not fields[field]:
                bad(field, f"请填写{TITLES[field]}")
            elif len(fields[field]) > limit:
                bad(field, f"{TITLES[field]}不能超过{limit}个字")
        if not PHONE.fullmatch(fields["contact_phone"]):
            bad("contact_phone", "请填写有效的联系电话（7到20位数字，可含 - ）")
        if len(fields["reason"]) > 500:
            bad("reason", "申请说明不能超过500个字")
        wanted = _permissions(data)
        target = self._target_of_new(fields, wanted, bad) if kind == Kind.CREATE else \
            self._target_of_change(who, kind, fields["username"], wanted, bad)
        if errors:
            raise ValidationFailed("申请单填写有误，请按提示修改", errors)
        role, division, permissions, person = target
        if not covers(who.scope, division):
            raise Forbidden("只能为本辖区的账号提交申请")
        managing = managing_division(role, division)
        now = self.clock.now()
        year = calendar.local_today(now).year
        number = application_number(managing, year, self.store.next_sequence(f"application#{managing}#{year}"))
        application = Application(
            id=uuid.uuid4().hex, number=number, kind=kind, contact_name=fields["contact_name"],
            contact_phone=fields["contact_phone"], applying_unit=fields["applying_unit"], reason=fields["reason"],
            username=fields["username"], role=role, division=division, managing_division=managing,
            permissions=permissions, applicant=who.username, applicant_person=self._person(who.username),
            subject_person=person.get("person_id_number") if kind == Kind.CREATE else self._person(fields["username"]),
            applied_at=now, **person)
        self.store.create_application(application, audit=self._event(now, who, "apply", application))
        return application

    def _target_of_new(self, f: dict[str, str], wanted: list[str] | None, bad: _Complain) -> _Target:
        if message := username_problem(f["username"]):
            bad("username", message)
        elif self.store.get_account(f["username"]):
            bad("username", "该账号名已被使用")
        role: str | None = f["role"]
        if role not in {r.value for r in APPLICABLE_ROLES}:
            bad("role", f"请选择账号类型（{'、'.join(ROLE_ACCOUNT_LABEL[r] for r in APPLICABLE_ROLES)}）")
            role = None
        elif message := placement_problem(Role(role), f["division"]):
            bad("division", message)
        department = f["department"] or None
        if role == Role.DATA_SHARING and department not in DEPARTMENTS:
            bad("department", f"数据共享账号请选择所属部门（{'、'.join(DEPARTMENTS)}）")
        elif role != Role.DATA_SHARING and department:
            bad("department", "只有数据共享账号填写所属部门")
        for field, limit in (("person_name", 50), ("person_unit", 100), ("person_position", 50)):
            if not f[field]:
                bad(field, f"请填写{TITLES[field]}")
            elif len(f[field]) > limit:
                bad(field, f"{TITLES[field]}不能超过{limit}个字")
        resident, message = parse_resident_id(f["person_id_number"])
        if message:
            bad("person_id_number", message)
        mobile = normalize(f["person_mobile"])
        if not (len(mobile) == 11 and mobile.isdigit() and mobile.startswith("1")):
            bad("person_mobile", "请填写11位手机号码")
        email = f["person_email"]
        if email and (email.count("@") != 1 or "." not in email.split("@")[-1]):
            bad("person_email", "请填写有效的电子邮箱")
        permissions: list[str] = []
        if role:
            permissions = wanted if wanted is not None else sorted(default_permissions(Role(role)))
            if message := permissions_problem(Role(role), permissions):
                bad("permissions", message)
            if resident and (message := self._duty_problem(Role(role), resident.number)):
                bad("person_id_number", message)
        person: _Person = {"person_name": f["person_name"], "person_unit": f["person_unit"],
                  "person_position": f["person_position"], "person_id_number": resident.number if resident else None,
                  "person_mobile": mobile, "person_email": email or None, "department": department}
        return Role(role) if role else Role.OPERATOR, f["division"], permissions, person

    def _target_of_change(self, who: Principal, kind: Kind, username: str, wanted: list[str] | None,
                          bad: _Complain) -> _Target:
        account = self.store.get_account(username) if username else None
        if account is None or account.role == Role.FILER or not covers(who.scope, account.scope):
            bad("username", "本辖区没有这个审核端账号")
            return Role.OPERATOR, "", [], {}
        if account.status not in APPLIES_TO[kind]:
            bad("username", f"该账号当前状态（{status_text(account.status)}）不能申请{KIND_LABEL[kind]}")
        permissions: list[str] = []
        if kind == Kind.PERMISSIONS:
            permissions = wanted or []
            if message := permissions_problem(account.role, permissions):
                bad("permissions", message)
        return account.role, account.scope, permissions, {}

    def _person(self, username: str) -> str | None:
        """The ID number of the account's holder (the province's first administrators may have none)."""
        account = self.store.get_account(username)
        return account.id_number if account else None

    def _duty_problem(self, role: Role, id_number: str) -> str | None:
        held = [a.role for a in self.store.accounts_of_person(id_number) if a.status != "deregistered"]
        return duty_conflict(role, held)

    # reading
    def get(self, who: Principal, application_id: str) -> Application:
        application = self.store.get_application(application_id)
        if application is None:
            raise NotFound("申请单不存在")
        if not may_read(who, application):
            raise Forbidden("该申请单不在您的管辖范围内")
        return application

    def list(self, who: Principal, status: str | None = None) -> list[Application]:
        """Applications `who` handles (its division manages them) and those it submitted, newest first."""
        found = {a.id: a for a in self.store.list_own_applications(who.username)}
        if who.can(Permission.ACCOUNT_READ):
            found.update({a.id: a for a in self.store.list_applications(who.scope)})
        items = sorted(found.values(), key=lambda a: (a.applied_at, a.id), reverse=True)
        return [a for a in items if not status or a.status == status]

    def next_step_for(self, who: Principal, application: Application) -> str | None:
        """"business" / "it" / "execute" when `who` may do the application's next step now."""
        if application.managing_division != who.scope or application.refusal(who.username, self._person(who.username)):
            return None
        step = {Status.PENDING_BUSINESS: ("business", Permission.BUSINESS_REVIEW),
                Status.PENDING_IT: ("it", Permission.IT_REVIEW),
                Status.APPROVED: ("execute", Permission.EXECUTE)}.get(application.status)
        return step[0] if step and who.can(step[1]) else None

    # the two opinions
    def business_review(self, who: Principal, application_id: str, *, approve: bool, comment: str,
                        version: int) -> Application:
        application = self._handled(who, application_id, Permission.BUSINESS_REVIEW, "业务管理员", version)
        after = application.business_review(actor=who.username, approve=approve, comment=comment, now=self.clock.now(),
                                            person=self._person(who.username))
        return self._save(who, application, after, "business_review")

    def it_review(self, who: Principal, application_id: str, *, approve: bool, comment: str,
                  version: int) -> Application:
        application = self._handled(who, application_id, Permission.IT_REVIEW, "系统安全员", version)
        after = application.it_review(actor=who.username, approve=approve, comment=comment, now=self.clock.now(),
                                      person=self._person(who.username))
        return self._save(who, application, after, "it_review")

    # carrying out
    def execute(self, who: Principal, application_id: str, *, version: int) -> tuple[Application, str | None]:
        """Carry out an approved application. For 新增账号 the answer holds the one-time initial password:
        shown once to the executing administrator, stored only as a hash, never in the audit log."""
        application = self._handled(who, application_id, Permission.EXECUTE, "系统管理员", version)
        now = self.clock.now()
        after = application.execute(actor=who.username, now=now, person=self._person(who.username))
        password = None
        if application.kind == Kind.CREATE:
            if application.person_id_number and (
                    message := self._duty_problem(application.role, application.person_id_number)):
                raise Conflict(message)
            password = initial_password()
            account = Account(username=application.username, password_hash=hash_password(password),
                              role=application.role, scope=application.division,
                              display_name=application.person_name or application.username,
                              email=application.person_email, mobile=application.person_mobile,
                              id_number=application.person_id_number, unit=application.person_unit,
                              position=application.person_position, permissions=application.permissions,
                              department=application.department, created_at=now, must_change_password=True)
            expected = None
        else:
            current = self.store.get_account(application.username)
            if current is None:
                raise Conflict("该账号已不存在，无法办理")
            if current.status not in APPLIES_TO[application.kind]:
                raise Conflict(f"该账号当前状态（{status_text(current.status)}）"
                               f"已不能{application.kind_label}")
            account, expected = changed_account(current, application), current.version
        try:
            self.store.save_application(after, expected_version=application.version, account=account,
                                        account_version=expected, audit=self._event(now, who, "execute", after))
        except AlreadyExists:
            raise Conflict("该账号名已被使用，无法办理新增账号") from None
        except StaleVersion:
            raise Conflict("申请单或账号已被其他人处理，请刷新后重试") from None
        return after, password

    # plumbing
    def _handled(self, who: Principal, application_id: str, permission: Permission, title: str,
                 version: int) -> Application:
        application = self.store.get_application(application_id)
        if application is None:
            raise NotFound("申请单不存在")
        if not who.can(permission) or application.managing_division != who.scope:
            raise Forbidden(f"只有该账号管理机构的{title}可以办理此步骤")
        if version != application.version:
            raise Conflict(LOST_RACE)
        return application

    def _save(self, who: Principal, before: Application, after: Application, action: str) -> Application:
        try:
            self.store.save_application(after, expected_version=before.version,
                                        audit=self._event(self.clock.now(), who, action, after))
        except StaleVersion:
            raise Conflict(LOST_RACE) from None
        return after

    @staticmethod
    def _event(now: dt.datetime, who: Principal, action: str, a: Application) -> AuditEvent:
        opinion = {"business_review": a.business, "it_review": a.it}.get(action)
        detail: dict[str, Any] = {"number": a.number, "kind": a.kind.value, "username": a.username,
                                  "status": a.status.value}
        if opinion:
            detail.update(approve=opinion.approve, comment=opinion.comment)
        if a.permissions:
            detail["permissions"] = a.permissions
        return audit_event(now, who.username, f"account_application.{action}", a.id, scope=a.division or None,
                           detail=detail)


STATUS_TEXT = {"active": "正常", "locked": "已锁定", "frozen": "已冻结", "deregistered": "已注销"}


def status_text(status: str) -> str:
    """An account status in Chinese."""
    return STATUS_TEXT.get(status, status)


def may_read(who: Principal, application: Application) -> bool:
    """The applicant, and account readers whose scope covers the managing division."""
    return application.applicant == who.username or (
        who.can(Permission.ACCOUNT_READ) and covers(who.scope, application.managing_division))


def changed_account(account: Account, application: Application) -> Account:
    """The account after the change is carried out; its sessions end when it is frozen, deregistered, its
    permissions change or its second factor is reset (token_epoch)."""
    revoke = {"token_epoch": account.token_epoch + 1}
    changes: dict[Kind, dict[str, Any]] = {
        Kind.FREEZE: {"status": "frozen", **revoke},
        Kind.UNLOCK: {"status": "active", "failed_logins": [], "locked_at": None},
        Kind.DEREGISTER: {"status": "deregistered", **revoke},
        Kind.PERMISSIONS: {"permissions": application.permissions, **revoke},
        Kind.RESET_SECOND_FACTOR: {"totp_secret": None, "totp_last_step": 0, "recovery_codes": [], **revoke},
    }
    return account.model_copy(update={**changes[application.kind], "version": account.version + 1})
