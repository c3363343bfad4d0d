"""The five roles (docs/rules.md §7, 附件2): permissions, who manages whom, separation of duties, the application workflow."""
import datetime as dt

import pytest

from chalicelib.domain.applications import Application, Kind, Status, application_number
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.model import Role
from chalicelib.domain.roles import (ROLE_PERMISSIONS, Permission, covers, duty_conflict, effective_permissions,
                                     managing_division, permissions_problem, placement_problem)

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def test_the_auditor_reads_the_audit_log_and_nothing_else():
    assert ROLE_PERMISSIONS[Role.AUDITOR] == {Permission.AUDIT_READ}
    assert all(Permission.AUDIT_READ not in perms for role, perms in ROLE_PERMISSIONS.items() if role != Role.AUDITOR)


def test_each_step_of_an_application_belongs_to_one_role():
    holders = {p: {r for r, perms in ROLE_PERMISSIONS.items() if p in perms}
               for p in (Permission.BUSINESS_REVIEW, Permission.IT_REVIEW, Permission.EXECUTE, Permission.UNLOCK)}
    assert holders == {Permission.BUSINESS_REVIEW: {Role.BUSINESS_ADMIN}, Permission.IT_REVIEW: {Role.SECURITY},
                       Permission.EXECUTE: {Role.SYSTEM_ADMIN}, Permission.UNLOCK: {Role.SECURITY}}


@pytest.mark.parametrize("role, division, manager", [
    (Role.SYSTEM_ADMIN, "140000", "140000"),  # the province's own accounts
    (Role.OPERATOR, "140000", "140000"),
    (Role.SYSTEM_ADMIN, "140100", "140000"),  # 省级系统管理员 creates the cities' administrators
    (Role.BUSINESS_ADMIN, "140100", "140000"),
    (Role.AUDITOR, "140200", "140000"),
    (Role.OPERATOR, "140100", "140100"),  # 市级系统管理员 creates city and county reviewers
    (Role.OPERATOR, "140105", "140100"),
    (Role.OPERATOR, "140212", "140200"),
])
def test_managing_division_follows_the_notice(role, division, manager):
    assert managing_division(role, division) == manager


def test_counties_hold_reviewer_accounts_only():
    assert placement_problem(Role.OPERATOR, "140105") is None
    assert placement_problem(Role.SYSTEM_ADMIN, "140100") is None
    assert "县" in placement_problem(Role.SYSTEM_ADMIN, "140105")
    assert "有效代码" in placement_problem(Role.OPERATOR, "999999")
    assert placement_problem(Role.FILER, "140105")


def test_scope_covers_itself_and_downwards_only():
    assert covers("140000", "140212") and covers("140100", "140105") and covers("140105", "140105")
    assert not covers("140100", "140212") and not covers("140105", "140100") and not covers("140105", "140106")
    assert not covers("140100", "nonsense")


def test_permissions_are_bounded_by_the_role():
    assert effective_permissions(Role.OPERATOR, None) == {"filing.read", "filing.review", "application.create"}
    assert effective_permissions(Role.OPERATOR, ["filing.read", "audit.read"]) == {"filing.read"}
    assert effective_permissions(Role.FILER, None) == frozenset()
    assert permissions_problem(Role.OPERATOR, ["filing.read"]) is None
    assert "业务操作员账号不能拥有这些权限：查看审计日志" == permissions_problem(Role.OPERATOR, ["audit.read"])
    assert permissions_problem(Role.OPERATOR, []) == "请至少选择一项权限"


def test_no_person_is_both_an_administrator_and_the_auditor():
    assert duty_conflict(Role.AUDITOR, [Role.OPERATOR]) is None
    assert "不能再担任业务审计员" in duty_conflict(Role.AUDITOR, [Role.SECURITY])
    assert "不能再担任管理员" in duty_conflict(Role.SYSTEM_ADMIN, [Role.AUDITOR])
    assert duty_conflict(Role.BUSINESS_ADMIN, [Role.SYSTEM_ADMIN]) is None


def application(**over) -> Application:
    data = dict(id="a1", number=application_number("140100", 2026, 7), kind=Kind.CREATE, contact_name="王五",
                contact_phone="0351-1234567", applying_unit="小店区人社局", username="new-op", role=Role.OPERATOR,
                division="140105", managing_division="140100", applicant="applicant", applied_at=NOW)
    return Application(**{**data, **over})


def test_application_number_format():
    assert application_number("140100", 2026, 7) == "ZH-140100-2026-000007"


def test_two_approvals_then_execution_each_by_someone_else():
    a = application()
    b = a.business_review(actor="biz", approve=True, comment="", now=NOW)
    assert (b.status, b.version, b.business.by) == (Status.PENDING_IT, 2, "biz")
    i = b.it_review(actor="sec", approve=True, comment="同意", now=NOW)
    assert (i.status, i.version) == (Status.APPROVED, 3)
    done = i.execute(actor="sys", now=NOW)
    assert (done.status, done.executed_by) == (Status.DONE, "sys")
    assert a.status == Status.PENDING_BUSINESS  # transitions return new values


def test_separation_of_duties_within_one_application():
    a = application()
    with pytest.raises(Forbidden, match="申请人不能审批"):
        a.business_review(actor="applicant", approve=True, comment="", now=NOW)
    with pytest.raises(Forbidden, match="本人账号"):
        a.business_review(actor="new-op", approve=True, comment="", now=NOW)
    b = a.business_review(actor="biz", approve=True, comment="", now=NOW)
    with pytest.raises(Forbidden, match="两个环节"):
        b.it_review(actor="biz", approve=True, comment="", now=NOW)
    i = b.it_review(actor="sec", approve=True, comment="", now=NOW)
    with pytest.raises(Forbidden, match="申请人"):
        i.execute(actor="applicant", now=NOW)


def test_steps_in_order_and_a_refusal_needs_a_reason():
    a = application()
    with pytest.raises(Conflict):
        a.it_review(actor="sec", approve=True, comment="", now=NOW)
    with pytest.raises(Conflict):
        a.execute(actor="sys", now=NOW)
    with pytest.raises(ValidationFailed, match="不同意时请填写意见"):
        a.business_review(actor="biz", approve=False, comment="  ", now=NOW)
    rejected = a.business_review(actor="biz", approve=False, comment="人员信息不全", now=NOW)
    assert rejected.status == Status.REJECTED and rejected.status_label == "不同意"
    with pytest.raises(Conflict):
        rejected.it_review(actor="sec", approve=True, comment="", now=NOW)


def test_every_access_rule_names_a_permission_its_role_can_hold():
    from chalicelib.web.access import RULES
    dead = [(key, role, grant.permission) for key, rule in RULES.items() for role, grant in rule.grants.items()
            if grant.permission and grant.permission not in ROLE_PERMISSIONS[Role(role)]]
    assert dead == []
