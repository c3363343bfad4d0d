"""账号申请（变更）单 (附件2): an account change as an application with two approvals before it is carried out.

    pending_business ──业务部门业务处室 同意──▶ pending_it ──信息化综合管理机构业务科室 同意──▶ approved ──系统管理员办理──▶ done
           └────────────── 不同意 ──────────────┴──────────────── 不同意 ───────────▶ rejected

Separation of duties, by account and by person (ID number, docs/rules.md §13): nobody does two steps of one
application (applicant, the two approvers and the executor are four different people), and nobody approves or
carries out a change to their own account or to another account of theirs.
Transitions return a new Application with the version bumped; the store writes it conditionally.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from .errors import Conflict, Forbidden, ValidationFailed, problem
from .model import Role
from .text import text_problem

SYSTEM_NAME = "山西省劳动用工备案信息管理系统"


class Kind(StrEnum):
    CREATE = "create"
    FREEZE = "freeze"
    UNLOCK = "unlock"
    DEREGISTER = "deregister"
    PERMISSIONS = "permissions"
    RESET_SECOND_FACTOR = "reset_second_factor"  # a lost phone: the account enrols again at its next sign-in


KIND_LABEL = {Kind.CREATE: "新增账号", Kind.FREEZE: "冻结账号", Kind.UNLOCK: "解锁账号", Kind.DEREGISTER: "注销账号",
              Kind.PERMISSIONS: "变更账号权限", Kind.RESET_SECOND_FACTOR: "重置动态口令"}


class Status(StrEnum):
    PENDING_BUSINESS = "pending_business"
    PENDING_IT = "pending_it"
    APPROVED = "approved"
    DONE = "done"
    REJECTED = "rejected"


STATUS_LABEL = {Status.PENDING_BUSINESS: "待业务部门业务处室审核", Status.PENDING_IT: "待信息化综合管理机构业务科室审核",
                Status.APPROVED: "已同意，待系统管理员办理", Status.DONE: "已办理", Status.REJECTED: "不同意"}

# Which account states each kind can apply to (checked when applying and again when carrying out).
APPLIES_TO = {Kind.FREEZE: ("active", "locked"), Kind.UNLOCK: ("locked", "frozen"),
              Kind.DEREGISTER: ("active", "locked", "frozen"), Kind.PERMISSIONS: ("active", "locked", "frozen"),
              Kind.RESET_SECOND_FACTOR: ("active", "locked", "frozen")}


class Opinion(BaseModel):
    by: str
    person: str | None = None  # the ID number of the account's holder (separation of duties per person)
    role: Role
    at: dt.datetime
    approve: bool
    comment: str = ""


class Application(BaseModel):
    id: str
    number: str  # 账号申请单编号
    kind: Kind
    status: Status = Status.PENDING_BUSINESS
    version: int = 1
    system_name: str = SYSTEM_NAME
    contact_name: str  # 联系人
    contact_phone: str  # 联系方式
    applying_unit: str  # 申请单位
    reason: str = ""  # 申请事项说明
    username: str  # the account concerned (for 新增账号: the one to create)
    role: Role  # its role (账号类型)
    division: str  # its division
    managing_division: str  # whose administrators handle it (domain/roles.py)
    # 新增账号: 使用人姓名、单位和职务、身份证号、联系方式
    person_name: str | None = None
    person_unit: str | None = None
    person_position: str | None = None
    person_id_number: str | None = None
    person_mobile: str | None = None
    person_email: str | None = None
    permissions: list[str] = Field(default_factory=list)  # 新增 / 变更账号权限: 详细权限
    department: str | None = None  # 新增数据共享账号: the department it serves (roles.DEPARTMENTS)
    applicant: str
    applicant_person: str | None = None  # the applicant's ID number
    subject_person: str | None = None  # the ID number of whoever holds (or will hold) the account concerned
    applied_at: dt.datetime
    business: Opinion | None = None  # 业务部门业务处室意见
    it: Opinion | None = None  # 信息化综合管理机构业务科室意见
    executed_by: str | None = None
    executor_person: str | None = None
    executed_at: dt.datetime | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABEL[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABEL[self.status]

    def actors(self) -> set[str]:
        done = {self.applicant}
        done |= {o.by for o in (self.business, self.it) if o}
        if self.executed_by:
            done.add(self.executed_by)
        return done

    def persons(self) -> set[str]:
        """The ID numbers of the people who did a step so far."""
        done = {self.applicant_person, self.executor_person} | {o.person for o in (self.business, self.it) if o}
        return {p for p in done if p}

    def refusal(self, actor: str, person: str | None) -> str | None:
        """Why `actor` (held by `person`) may not do a step of this application; None if they may."""
        if actor == self.username or (person is not None and person == self.subject_person):
            return "不能审批或办理涉及本人账号的申请"
        if actor == self.applicant or (person is not None and person == self.applicant_person):
            return "申请人不能审批或办理自己提交的申请"
        if actor in self.actors() or (person is not None and person in self.persons()):
            return "同一人不能办理同一申请单的两个环节"
        return None

    def _check_actor(self, actor: str, person: str | None) -> None:
        if message := self.refusal(actor, person):
            raise Forbidden(message)

    def _moved(self, **changes: Any) -> "Application":
        return self.model_copy(update={**changes, "version": self.version + 1})

    def business_review(self, *, actor: str, approve: bool, comment: str, now: dt.datetime,
                        person: str | None = None) -> "Application":
        self._check_actor(actor, person)
        if self.status != Status.PENDING_BUSINESS:
            raise Conflict(f"该申请单{self.status_label}，不能再签署业务部门意见")
        _require_comment(approve, comment)
        opinion = Opinion(by=actor, person=person, role=Role.BUSINESS_ADMIN, at=now, approve=approve, comment=comment.strip())
        return self._moved(business=opinion, status=Status.PENDING_IT if approve else Status.REJECTED)

    def it_review(self, *, actor: str, approve: bool, comment: str, now: dt.datetime,
                  person: str | None = None) -> "Application":
        self._check_actor(actor, person)
        if self.status != Status.PENDING_IT:
            raise Conflict(f"该申请单{self.status_label}，不能签署信息化综合管理机构业务科室意见")
        _require_comment(approve, comment)
        opinion = Opinion(by=actor, person=person, role=Role.SECURITY, at=now, approve=approve, comment=comment.strip())
        return self._moved(it=opinion, status=Status.APPROVED if approve else Status.REJECTED)

    def execute(self, *, actor: str, now: dt.datetime, person: str | None = None) -> "Application":
        self._check_actor(actor, person)
        if self.status != Status.APPROVED:
            raise Conflict(f"该申请单{self.status_label}，不能办理")
        return self._moved(status=Status.DONE, executed_by=actor, executor_person=person, executed_at=now)


def _require_comment(approve: bool, comment: str) -> None:
    message = ("不同意时请填写意见" if not approve and not comment.strip() else
               text_problem(comment, "意见", multiline=True) or ("意见不能超过500个字" if len(comment) > 500 else None))
    if message:
        raise ValidationFailed(message, [problem(message, column="意见", field="comment")])


def application_number(managing_division: str, year: int, sequence: int) -> str:
    """账号申请单编号, unique province-wide: ZH-<managing division>-<year>-<sequence>."""
    return f"ZH-{managing_division}-{year}-{sequence:06d}"
