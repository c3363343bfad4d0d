"""Use cases: register a unit, sign in, and know who is calling."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, Field

from ..domain import jurisdiction
from ..domain.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed, problem
from ..domain.identifiers import normalize, uscc_error
from ..domain.model import ROLE_LABEL, Account, Role, Unit
from ..domain.reference import codes, policy
from ..ports import AlreadyExists, Clock, Store
from .audit import audit_event
from .security import TokenSigner, hash_password, password_problem, verify_password

REGISTER_TITLES = {
    "uscc": "统一社会信用代码", "name": "单位名称", "unit_type": "单位类型", "economic_type": "经济类型",
    "industry": "所属行业", "affiliation": "隶属关系", "foreign_invested": "是否外商投资",
    "labor_dispatch": "是否劳务派遣机构", "registration_division": "注册地行政区划", "registered_address": "注册地址",
    "legal_representative": "法定代表人", "filer_name": "填报员姓名", "filer_mobile": "填报员手机号",
    "filer_email": "填报员电子邮箱", "password": "密码",
}


class Registration(BaseModel):
    uscc: str = ""
    name: str = ""
    unit_type: str = ""
    economic_type: str = ""
    industry: str = ""
    affiliation: str = ""
    foreign_invested: bool = False
    labor_dispatch: bool = False
    registration_division: str = ""
    registered_address: str = ""
    legal_representative: str = ""
    filer_name: str = ""
    filer_mobile: str = ""
    filer_email: str = ""
    password: str = Field(default="", repr=False)


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role
    scope: str  # division code, or the unit's USCC for a filer
    display_name: str

    @property
    def is_filer(self) -> bool:
        return self.role == Role.FILER

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def role_label(self) -> str:
        return ROLE_LABEL[self.role]


def registration_errors(r: Registration) -> list[dict]:
    errors: list[dict] = []

    def bad(field: str, message: str) -> None:
        errors.append(problem(message, column=REGISTER_TITLES[field], field=field))

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
    if message := password_problem(r.password):
        bad("password", message)
    return errors


class AccountService:
    def __init__(self, store: Store, clock: Clock, signer: TokenSigner):
        self.store, self.clock, self.signer = store, clock, signer

    def register(self, data: Registration) -> tuple[Unit, jurisdiction.Authority]:
        data = data.model_copy(update={"uscc": normalize(data.uscc), "filer_email": data.filer_email.strip(),
                                       "filer_mobile": normalize(data.filer_mobile)})
        if errors := registration_errors(data):
            raise ValidationFailed("注册信息有误，请按提示修改", errors)
        authority = jurisdiction.route(affiliation=data.affiliation, foreign_invested=data.foreign_invested,
                                       economic_type=data.economic_type,
                                       registration_division=data.registration_division)
        now = self.clock.now()
        fields = data.model_dump(exclude={"password"})
        fields.update({k: fields[k].strip() for k in ("name", "registered_address", "legal_representative",
                                                      "filer_name")})
        unit = Unit(**fields, authority_code=authority.code, registered_at=now)
        filer = Account(username=unit.uscc, password_hash=hash_password(data.password), role=Role.FILER,
                        scope=unit.uscc, display_name=unit.name, email=unit.filer_email, mobile=unit.filer_mobile,
                        created_at=now)
        try:
            self.store.create_unit(unit, filer)
        except AlreadyExists:
            raise Conflict("该统一社会信用代码已注册，请直接登录") from None
        self.store.append_audit(audit_event(now, unit.uscc, "register_unit", unit.uscc,
                                            detail={"authority": authority.code}))
        return unit, authority

    def login(self, username: str, password: str) -> tuple[str, dt.datetime, Principal]:
        username = username.strip()
        account = self.store.get_account(normalize(username)) or self.store.get_account(username)
        now = self.clock.now()
        if account is None or not verify_password(password, account.password_hash):
            self.store.append_audit(audit_event(now, username or "-", "sign_in", username or "-", outcome="denied"))
            raise Unauthenticated("账号或密码错误")
        if account.status != "active":
            raise Forbidden("账号已被冻结或注销，请联系系统管理员")
        self.store.append_audit(audit_event(now, account.username, "sign_in", account.username))
        hours = policy().session_hours
        token = self.signer.sign("api-token", {"u": account.username})
        return token, now + dt.timedelta(hours=hours), self._principal(account)

    def authenticate(self, token: str | None) -> Principal:
        payload = self.signer.verify("api-token", token or "", policy().session_hours * 3600) if token else None
        account = self.store.get_account(payload["u"]) if payload else None
        if account is None or account.status != "active":
            raise Unauthenticated("请先登录")
        return self._principal(account)

    @staticmethod
    def _principal(account: Account) -> Principal:
        return Principal(account.username, account.role, account.scope, account.display_name)

    def create_reviewer(self, username: str, password: str, scope: str, display_name: str, *,
                        role: Role = Role.OPERATOR, email: str | None = None) -> Account:
        """Ops/seeding path for reviewer-side accounts (the application workflow comes later)."""
        jurisdiction.division(scope)
        if message := password_problem(password):
            raise ValidationFailed(message)
        account = Account(username=username, password_hash=hash_password(password), role=role, scope=scope,
                          display_name=display_name, email=email, created_at=self.clock.now())
        self.store.put_account(account)
        return account
