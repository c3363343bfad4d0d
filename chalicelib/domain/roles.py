"""The five reviewer-side roles (docs/rules.md §7, 附件2): what each may do, where, and who manages whom.

Pure rules. Who manages an account follows the notice (晋人社厅函〔2022〕1142号 §六): the provincial system
administrator creates the cities' administrators; a city's system administrator creates the city's and its
counties' reviewer (业务操作员) accounts and its business administrator assigns their permissions. So every
reviewer-side account has one *managing division* whose administrators handle its applications:

    account at the province (any role)              → the province
    account at a city, administrator-type role      → the province
    account at a city, 业务操作员 or 数据共享账号      → that city
    account at a county (业务操作员, 数据共享账号)     → its city

Application steps (附件2's two opinions, then the change) are done by accounts of the managing division:
业务部门业务处室意见 by its 业务管理员, 信息化综合管理机构业务科室意见 by its 系统安全员 (the security officer
sits on the IT side and is not the one who carries changes out), and the change by its 系统管理员.
"""
from __future__ import annotations

from enum import StrEnum

from .model import Role
from .reference import divisions, policy


class Permission(StrEnum):
    FILING_READ = "filing.read"
    FILING_REVIEW = "filing.review"
    APPLY = "application.create"
    ACCOUNT_READ = "account.read"
    BUSINESS_REVIEW = "application.business_review"
    IT_REVIEW = "application.it_review"
    EXECUTE = "application.execute"
    UNLOCK = "account.unlock"
    AUDIT_READ = "audit.read"
    PERSON_LOOKUP = "person.lookup"
    OVERDUE_READ = "overdue.read"  # the 未依法备案单位名单 of the account's division, read-only (§15, §16)
    EXPORT_FULL_IDS = "filing.export_full_ids"  # a filing's 表二/表三 downloaded with full ID numbers (opt-in)


PERMISSION_LABEL: dict[str, str] = {  # keyed by Permission; a plain str finds its member too
    Permission.FILING_READ: "查询备案", Permission.FILING_REVIEW: "审核备案",
    Permission.APPLY: "提交账号申请单", Permission.ACCOUNT_READ: "查看账号",
    Permission.BUSINESS_REVIEW: "签署业务部门业务处室意见",
    Permission.IT_REVIEW: "签署信息化综合管理机构业务科室意见",
    Permission.EXECUTE: "办理账号申请（新增、冻结、解锁、注销、变更权限）",
    Permission.UNLOCK: "解除登录锁定", Permission.AUDIT_READ: "查看审计日志",
    Permission.PERSON_LOOKUP: "按身份证号查询人员备案信息（数据共享）",
    Permission.OVERDUE_READ: "查看本辖区未依法备案单位名单及执法记录（只读）",
    Permission.EXPORT_FULL_IDS: "下载备案名册时显示完整证件号码（逐行记入审计日志）",
}

# What each role may hold; a new account gets all of it but the opt-in ones unless its application lists fewer.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FILER: frozenset(),  # employer side: its own unit, not permission-managed
    Role.OPERATOR: frozenset({Permission.FILING_READ, Permission.FILING_REVIEW, Permission.APPLY,
                              Permission.EXPORT_FULL_IDS}),
    Role.SYSTEM_ADMIN: frozenset({Permission.ACCOUNT_READ, Permission.APPLY, Permission.EXECUTE}),
    Role.BUSINESS_ADMIN: frozenset({Permission.ACCOUNT_READ, Permission.APPLY, Permission.BUSINESS_REVIEW}),
    Role.SECURITY: frozenset({Permission.ACCOUNT_READ, Permission.APPLY, Permission.IT_REVIEW, Permission.UNLOCK}),
    Role.AUDITOR: frozenset({Permission.AUDIT_READ}),  # reads the audit log and nothing else
    # read-only, over the account's division (province, city or county)
    Role.DATA_SHARING: frozenset({Permission.PERSON_LOOKUP, Permission.OVERDUE_READ}),
}

STAFF_ROLES = (Role.OPERATOR, Role.SYSTEM_ADMIN, Role.BUSINESS_ADMIN, Role.SECURITY, Role.AUDITOR)
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.BUSINESS_ADMIN, Role.SECURITY})
ROLE_ACCOUNT_LABEL = {Role.SYSTEM_ADMIN: "系统管理员账号", Role.BUSINESS_ADMIN: "业务管理员账号",
                      Role.SECURITY: "系统安全员账号", Role.OPERATOR: "业务操作员账号", Role.AUDITOR: "业务审计员账号",
                      Role.DATA_SHARING: "数据共享账号（其他部门）"}
# the roles a 新增账号 application (附件2) may ask for: the five reviewer-side ones and other departments' (§16)
APPLICABLE_ROLES = (*STAFF_ROLES, Role.DATA_SHARING)


# The departments a data-sharing account may serve (docs/rules.md §9)
DEPARTMENTS = ("社会保险", "劳动保障监察", "就业失业", "信息服务")


# granted only when an application (附件2) lists them: never part of a role's default set
OPT_IN = frozenset({Permission.EXPORT_FULL_IDS})


def default_permissions(role: Role) -> frozenset[str]:
    """What an account of `role` holds when its application lists no permissions."""
    return frozenset(p.value for p in ROLE_PERMISSIONS.get(Role(role), frozenset()) - OPT_IN)


def effective_permissions(role: Role, assigned: list[str] | None) -> frozenset[str]:
    """The account's permissions: those assigned (None: the role's default set), never beyond the role's."""
    allowed = ROLE_PERMISSIONS.get(Role(role), frozenset())
    if assigned is None:
        return default_permissions(role)
    return frozenset(p for p in assigned if p in allowed)


def permissions_problem(role: Role, wanted: list[str]) -> str | None:
    allowed = ROLE_PERMISSIONS[Role(role)]
    if not wanted:
        return "请至少选择一项权限"
    extra = [p for p in wanted if p not in allowed]
    if extra:
        names = "、".join(PERMISSION_LABEL.get(p, p) for p in extra)
        return f"{ROLE_ACCOUNT_LABEL.get(Role(role), role)}不能拥有这些权限：{names}"
    return None


def placement_problem(role: Role, division_code: str) -> str | None:
    """Which roles an account may have at a division: counties hold 业务操作员 accounts only."""
    d = divisions().get(division_code)
    if d is None:
        return f"行政区划代码 {division_code} 不是山西省的有效代码"
    if Role(role) == Role.FILER:
        return "备案填报员账号由用人单位自行注册"
    if Role(role) == Role.DATA_SHARING:  # another department's account, at any level (§16)
        return None
    if d.level == "county" and Role(role) != Role.OPERATOR:
        return "县（市、区）只设业务操作员（审核员）账号"
    return None


def managing_division(role: Role, division_code: str) -> str:
    """The division whose administrators handle this account's applications (see the module docstring)."""
    d = divisions()[division_code]
    province = policy().province_code
    if d.level == "province":
        return province
    if d.level == "city":
        return d.code if Role(role) in (Role.OPERATOR, Role.DATA_SHARING) else province
    return d.parent_code or province


def covers(scope_code: str, division_code: str) -> bool:
    """An account at `scope_code` sees `division_code`: itself and, going down, a city's counties; the
    province everything."""
    if scope_code == division_code:
        return True
    scope = divisions().get(scope_code)
    target = divisions().get(division_code)
    if scope is None or target is None:
        return False
    if scope.level == "province":
        return True
    return scope.level == "city" and target.parent_code == scope_code


def duty_conflict(new_role: Role, held_roles: list[Role]) -> str | None:
    """Separation of duties for one person (by ID number): never an administrator and the auditor."""
    new_role = Role(new_role)
    held = {Role(r) for r in held_roles}
    if new_role == Role.AUDITOR and held & ADMIN_ROLES:
        return "此人已持有管理员类账号，不能再担任业务审计员（管理与审计职责分离）"
    if new_role in ADMIN_ROLES and Role.AUDITOR in held:
        return "此人已持有业务审计员账号，不能再担任管理员（管理与审计职责分离）"
    return None
