"""SMS verification codes and a unit's people (docs/rules.md §12) on each backend: codes stored hashed, their
expiry, tries, resend interval and daily caps (held under concurrent requests), 忘记密码, contact changes, 经办人
accounts and a reviewer rebinding a lost unit."""
import threading

import pytest

from chalicelib.domain.errors import (Conflict, DomainError, Forbidden, NotFound, RateLimited, Unauthenticated,
                                     ValidationFailed)
from chalicelib.domain.verification import Purpose, code_key
from tests import factories
from tests.contract.world import assembled, registered

MOBILE, NEW_MOBILE = "13800000001", "13900000002"


@pytest.fixture
def c(adapters, clock, tmp_path):
    return registered(assembled(adapters, clock, tmp_path))


def last_code(c, mobile: str, purpose: str = "注册") -> str:
    """The code as the phone shows it: the newest SMS to the number (the local mailbox / SNS)."""
    code = factories.sms_code(mobile, purpose, c.store)
    assert code, f"no code sent to {mobile}"
    return code


def codes_sent(c, mobile: str) -> int:
    return sum(1 for m in c.store.list_messages(500) if m.to == mobile and m.template == "verification_code")


def signed_in(c, username=None, password="Passw0rd!26"):
    return c.accounts.authenticate(c.accounts.login(username or factories.uscc(1), password)[0])


def test_a_code_is_stored_hashed_and_works_once(c):
    c.verification.send(Purpose.REGISTER, MOBILE, "10.0.0.1")
    code = last_code(c, MOBILE)
    stored = c.store.get_code(code_key(Purpose.REGISTER, MOBILE))
    assert code not in stored.model_dump_json()
    with pytest.raises(ValidationFailed, match="已失效"):  # a code for another purpose is not one
        c.verification.check(Purpose.RESET, MOBILE, code)
    assert c.verification.check(Purpose.REGISTER, MOBILE, code).used
    with pytest.raises(ValidationFailed, match="已失效"):
        c.verification.check(Purpose.REGISTER, MOBILE, code)


def test_expiry_tries_and_resend_interval(c, clock):
    c.verification.send(Purpose.REGISTER, MOBILE, "10.0.0.1")
    with pytest.raises(RateLimited, match=r"请60秒后"):
        c.verification.send(Purpose.REGISTER, MOBILE, "10.0.0.1")
    clock.advance(seconds=60)
    c.verification.send(Purpose.REGISTER, MOBILE, "10.0.0.1")
    code = last_code(c, MOBILE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationFailed, match=f"还可再试{left}次"):
            c.verification.check(Purpose.REGISTER, MOBILE, wrong)
    with pytest.raises(ValidationFailed, match="已失效"):
        c.verification.check(Purpose.REGISTER, MOBILE, wrong)
    with pytest.raises(ValidationFailed, match="已失效"):  # the right code after five wrong ones
        c.verification.check(Purpose.REGISTER, MOBILE, code)
    clock.advance(seconds=60)
    c.verification.send(Purpose.REGISTER, MOBILE, "10.0.0.1")
    clock.advance(minutes=10)
    with pytest.raises(ValidationFailed, match="已失效"):
        c.verification.check(Purpose.REGISTER, MOBILE, last_code(c, MOBILE))


def test_ten_codes_a_number_a_day(c, clock):
    for _ in range(10):
        c.verification.send(Purpose.REGISTER, MOBILE, "10.0.0.1")
        clock.advance(seconds=61)
    with pytest.raises(RateLimited, match="今天获取验证码的次数已达上限"):
        c.verification.send(Purpose.REGISTER, MOBILE, "10.0.0.2")
    assert codes_sent(c, MOBILE) == 10
    clock.advance(days=1)
    c.verification.send(Purpose.REGISTER, MOBILE, "10.0.0.1")


def run_together(n, work):
    barrier = threading.Barrier(n)
    outcomes = []

    def one(i):
        barrier.wait()
        try:
            work(i)
            outcomes.append("sent")
        except DomainError as e:
            outcomes.append(e.message)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_ten_parallel_sends_to_one_number_send_one_code(c):
    outcomes = run_together(10, lambda i: c.verification.send(Purpose.REGISTER, MOBILE, f"10.0.0.{i}"))
    assert outcomes.count("sent") == 1 and codes_sent(c, MOBILE) == 1


def test_ten_parallel_sends_from_one_address_keep_its_daily_cap(c, clock):
    from chalicelib.domain.verification import day_counters
    for _ in range(97):  # 97 of the address's 100 codes today already asked for
        c.store.next_sequence(day_counters("", "10.9.9.9", clock.now())[1])
    outcomes = run_together(10, lambda i: c.verification.send(Purpose.REGISTER, f"1370000000{i}", "10.9.9.9"))
    assert outcomes.count("sent") == 3
    assert sum(codes_sent(c, f"1370000000{i}") for i in range(10)) == 3


def test_forgotten_password_ends_every_session_and_tells_the_contacts(c):
    uscc = factories.uscc(1)
    token = c.accounts.login(uscc, "Passw0rd!26")[0]
    c.people.request_reset_code(uscc, MOBILE, "10.0.0.1")
    c.people.reset_password(uscc, MOBILE, last_code(c, MOBILE, "找回密码"), "Brand-new-2026")
    with pytest.raises(Unauthenticated):
        c.accounts.authenticate(token)
    with pytest.raises(DomainError):
        c.accounts.login(uscc, "Passw0rd!26")
    assert signed_in(c, password="Brand-new-2026").scope == uscc
    notices = [m for m in c.store.list_messages(50) if m.subject == "单位账号变更提醒"]
    assert {m.to for m in notices} == {"filer1@example.com", MOBILE}
    assert any(e.action == "reset_password" and e.target == uscc for e in c.store.list_audit(20))


def test_reset_answers_alike_whether_or_not_the_pair_exists(c, clock):
    c.people.request_reset_code(factories.uscc(1), "13700000009", "10.0.0.1")  # not the unit's mobile
    assert codes_sent(c, "13700000009") == 0
    with pytest.raises(RateLimited):  # the same interval as for a real account
        c.people.request_reset_code(factories.uscc(1), "13700000009", "10.0.0.1")
    with pytest.raises(ValidationFailed, match="不正确"):
        c.people.reset_password(factories.uscc(1), "13700000009", "123456", "Brand-new-2026")


def test_contact_change_needs_the_new_mobiles_code_and_tells_the_old_contacts(c):
    admin = signed_in(c)
    c.people.request_contact_code(admin, NEW_MOBILE, "10.0.0.1")
    with pytest.raises(ValidationFailed):
        c.people.change_contact(admin, NEW_MOBILE, "new@example.com", "")
    c.people.change_contact(admin, NEW_MOBILE, "new@example.com", last_code(c, NEW_MOBILE, "更换手机号"))
    unit = c.store.get_unit(admin.scope)
    assert (unit.filer_mobile, unit.filer_email) == (NEW_MOBILE, "new@example.com")
    notice = [m for m in c.store.list_messages(50) if m.subject == "单位账号变更提醒"]
    assert {MOBILE, "filer1@example.com"} <= {m.to for m in notice}
    event = next(e for e in c.store.list_audit(20) if e.action == "change_contact")
    assert event.detail["from"]["mobile"] == "138****0001" and event.detail["to"]["mobile"] == "139****0002"


def test_the_unit_admin_adds_and_removes_clerks_who_act_under_their_own_name(c):
    admin = signed_in(c)
    c.people.request_clerk_code(admin, "13600000003", "10.0.0.1")
    with pytest.raises(ValidationFailed, match="验证码"):  # the mobile is proved before the account exists
        c.people.add_clerk(admin, "王五", "13600000003", "wang@example.com", "Clerk-Passw0rd-1", "")
    assert [a.username for a in c.people.people(admin)] == [admin.username]
    clerk = c.people.add_clerk(admin, "王五", "13600000003", "wang@example.com", "Clerk-Passw0rd-1",
                               last_code(c, "13600000003", "添加经办人"))
    assert clerk.username == f"{admin.scope}-2"
    who = signed_in(c, clerk.username, "Clerk-Passw0rd-1")
    assert who.scope == admin.scope and who.is_filer
    filing = c.filings.create(who, 2025)
    assert c.store.list_audit(1)[0].actor == clerk.username  # the person, not the unit
    with pytest.raises(Forbidden, match="只有单位管理员"):
        c.people.request_clerk_code(who, "13600000004", "10.0.0.1")
    with pytest.raises(Forbidden, match="只有单位管理员"):
        c.people.add_clerk(who, "赵六", "13600000004", "zhao@example.com", "Clerk-Passw0rd-2", "123456")
    assert [a.username for a in c.people.people(admin)] == [admin.username, clerk.username]
    c.people.remove_clerk(admin, clerk.username)
    with pytest.raises(DomainError):
        c.accounts.login(clerk.username, "Clerk-Passw0rd-1")
    with pytest.raises(Conflict):
        c.people.remove_clerk(admin, admin.username)


def test_a_reviewer_rebinds_a_lost_unit_to_a_new_admin(c):
    admin = signed_in(c)
    clerk = factories.add_clerk(c, admin, "王五", "13600000003", "wang@example.com")
    clerk_token = c.accounts.login(clerk.username, "Clerk-Passw0rd-1")[0]
    c.accounts.create_reviewer("xd-reviewer", "Desk-Passw0rd-26", "140105", "审核员")
    c.accounts.create_reviewer("yz-reviewer", "Desk-Passw0rd-26", "140106", "别区审核员")
    reviewer, far = signed_in(c, "xd-reviewer", "Desk-Passw0rd-26"), signed_in(c, "yz-reviewer", "Desk-Passw0rd-26")
    with pytest.raises(Forbidden):
        c.people.request_rebind_code(far, admin.scope, NEW_MOBILE, "10.0.0.1")
    c.people.request_rebind_code(reviewer, admin.scope, NEW_MOBILE, "10.0.0.1")
    code = last_code(c, NEW_MOBILE, "单位管理员变更")
    with pytest.raises(ValidationFailed, match="营业执照"):
        c.people.rebind(reviewer, admin.scope, name="赵新", mobile=NEW_MOBILE, email="new@example.com", code=code,
                        documents=["授权委托书"])
    new_admin, password = c.people.rebind(reviewer, admin.scope, name="赵新", mobile=NEW_MOBILE,
                                          email="new@example.com", code=code, documents=["营业执照", "法定代表人身份证"])
    with pytest.raises(DomainError):
        c.accounts.login(admin.scope, "Passw0rd!26")
    with pytest.raises(Unauthenticated):
        c.accounts.authenticate(clerk_token)
    assert signed_in(c, admin.scope, password).must_change_password
    unit = c.store.get_unit(admin.scope)
    assert (unit.filer_name, unit.filer_mobile) == ("赵新", NEW_MOBILE)
    event = next(e for e in c.store.list_audit(20) if e.action == "rebind_unit")
    assert event.actor == "xd-reviewer" and event.detail["documents"] == ["营业执照", "法定代表人身份证"]
    assert event.detail["disabled"] == [clerk.username]
    told = {m.to for m in c.store.list_messages(100) if m.subject == "单位账号变更提醒"}
    assert {MOBILE, "filer1@example.com", "13600000003"} <= told


def test_the_admin_hands_the_role_over_to_a_clerk_and_becomes_one(c):
    admin = signed_in(c)
    clerk = factories.add_clerk(c, admin, "王五", "13600000003", "wang@example.com")
    with pytest.raises(ValidationFailed, match="登录密码不正确"):
        c.people.hand_over_admin(admin, clerk.username, "wrong-password")
    with pytest.raises(NotFound):  # an account of another unit, or none
        c.people.hand_over_admin(admin, "140105000000000000-2", "Passw0rd!26")
    new_admin = c.people.hand_over_admin(admin, clerk.username, "Passw0rd!26")
    assert new_admin.unit_role == "admin"
    roles = {a.username: a.unit_role for a in c.store.list_accounts(admin.scope)}
    assert roles == {admin.username: "clerk", clerk.username: "admin"}
    unit = c.store.get_unit(admin.scope)
    assert (unit.filer_name, unit.filer_mobile, unit.filer_email) == ("王五", "13600000003", "wang@example.com")
    event = next(e for e in c.store.list_audit(20) if e.action == "hand_over_admin")
    assert event.actor == admin.username and event.target == clerk.username
    assert event.detail["from"] == {"admin": admin.username, "name": "李四"}  # the person, not the unit's name
    assert event.detail["to"] == {"admin": clerk.username, "name": "王五"}
    sms = next(m for m in c.store.list_messages(100) if m.template == "unit_admin_handover")
    assert sms.params == {"unit": unit.name, "old": "李四", "new": "王五"}
    told = {m.to for m in c.store.list_messages(100) if m.template == "unit_admin_handover"}
    assert told == {MOBILE, "13600000003"}  # both people; their e-mails too
    assert {"filer1@example.com", "wang@example.com"} <= {m.to for m in c.store.list_messages(100)
                                                          if m.subject == "单位管理员已移交"}
    # both still sign in with their own password; the roles have swapped
    with pytest.raises(Forbidden, match="只有单位管理员"):
        c.people.hand_over_admin(signed_in(c), clerk.username, "Passw0rd!26")
    now_admin = signed_in(c, clerk.username, "Clerk-Passw0rd-1")
    c.people.remove_clerk(now_admin, admin.username)  # the former admin is an ordinary 经办人 now
    with pytest.raises(DomainError):
        c.accounts.login(admin.username, "Passw0rd!26")


def test_a_hand_over_only_to_an_active_clerk_and_only_once(c):
    admin = signed_in(c)
    clerk = factories.add_clerk(c, admin, "王五", "13600000003", "wang@example.com")
    c.people.remove_clerk(admin, clerk.username)
    with pytest.raises(Conflict, match="在用的经办人"):
        c.people.hand_over_admin(admin, clerk.username, "Passw0rd!26")
    with pytest.raises(Conflict, match="在用的经办人"):
        c.people.hand_over_admin(admin, admin.username, "Passw0rd!26")
    assert c.store.get_unit(admin.scope).filer_mobile == MOBILE
    assert not any(e.action == "hand_over_admin" for e in c.store.list_audit(50))


def test_two_hand_overs_at_once_one_wins(c):
    admin = signed_in(c)
    first = factories.add_clerk(c, admin, "王五", "13600000003", "wang@example.com")
    second = factories.add_clerk(c, admin, "赵六", "13600000004", "zhao@example.com")
    outcomes = run_together(2, lambda i: c.people.hand_over_admin(admin, (first, second)[i].username, "Passw0rd!26"))
    assert outcomes.count("sent") == 1, outcomes  # the other: a lost race, or no longer the 单位管理员
    admins = [a.username for a in c.store.list_accounts(admin.scope) if a.unit_role == "admin"]
    assert len(admins) == 1 and admins[0] != admin.username
    assert sum(e.action == "hand_over_admin" for e in c.store.list_audit(50)) == 1


def test_a_rebind_after_a_hand_over_gives_the_unit_one_admin(c):
    admin = signed_in(c)
    clerk = factories.add_clerk(c, admin, "王五", "13600000003", "wang@example.com")
    c.people.hand_over_admin(admin, clerk.username, "Passw0rd!26")
    c.accounts.create_reviewer("xd-reviewer", "Desk-Passw0rd-26", "140105", "审核员")
    reviewer = signed_in(c, "xd-reviewer", "Desk-Passw0rd-26")
    c.people.request_rebind_code(reviewer, admin.scope, NEW_MOBILE, "10.0.0.1")
    c.people.rebind(reviewer, admin.scope, name="赵新", mobile=NEW_MOBILE, email="new@example.com",
                    code=last_code(c, NEW_MOBILE, "单位管理员变更"), documents=["营业执照", "授权委托书"])
    accounts = {a.username: (a.unit_role, a.status) for a in c.store.list_accounts(admin.scope)}
    assert accounts == {admin.scope: ("admin", "active"), clerk.username: ("clerk", "deregistered")}


def test_the_units_authority_reads_its_people_and_others_cannot(c):
    admin = signed_in(c)
    factories.add_clerk(c, admin, "王五", "13600000003", "wang@example.com")
    c.accounts.create_reviewer("xd-reviewer", "Desk-Passw0rd-26", "140105", "审核员")
    c.accounts.create_reviewer("yz-reviewer", "Desk-Passw0rd-26", "140106", "别区审核员")
    unit, people = c.people.unit_people(signed_in(c, "xd-reviewer", "Desk-Passw0rd-26"), admin.scope)
    assert [(a.display_name, a.unit_role) for a in people] == [(unit.name, "admin"), ("王五", "clerk")]
    assert people[0].last_signed_in_at == c.clock.now()  # signed in above
    assert people[1].last_signed_in_at is None
    with pytest.raises(Forbidden):
        c.people.unit_people(signed_in(c, "yz-reviewer", "Desk-Passw0rd-26"), admin.scope)
    with pytest.raises(Forbidden):
        c.people.unit_people(admin, admin.scope)


def test_the_units_life_reaches_every_active_person(c):
    """A closure recorded by the authority (like a review decision and a reminder) is told to each person acting
    for the unit, not only to its registered contacts."""
    admin = signed_in(c)
    factories.add_clerk(c, admin, "王五", "13600000003", "wang@example.com")
    c.accounts.create_reviewer("xd-reviewer", "Desk-Passw0rd-26", "140105", "审核员")
    reviewer = signed_in(c, "xd-reviewer", "Desk-Passw0rd-26")
    c.units.record_closure(reviewer, admin.scope, "deregistered", "2026-02-20", "小市监注〔2026〕1号", "",
                           c.store.get_unit(admin.scope).version)
    told = {m.to for m in c.store.list_messages(100) if m.template == "unit_closed"}
    assert told == {MOBILE, "13600000003"}


def test_people_writes_are_all_or_nothing(c):
    account = c.store.get_account(factories.uscc(1))
    from chalicelib.services.audit import audit_event
    from chalicelib.ports import StaleVersion
    changed = account.model_copy(update={"mobile": NEW_MOBILE, "version": account.version + 1})
    with pytest.raises(StaleVersion):
        c.store.save_people([(changed, account.version + 7)], audit=audit_event(c.clock.now(), "x", "probe", "y"),
                            unit_contact=(account.scope, {"filer_mobile": NEW_MOBILE}))
    assert c.store.get_account(account.username).mobile == MOBILE
    assert c.store.get_unit(account.scope).filer_mobile == MOBILE
    assert not any(e.action == "probe" for e in c.store.list_audit(20))
