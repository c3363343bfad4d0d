"""Reviewer-side accounts and account applications (附件2): what every Store must do, on both backends."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chalicelib.domain.applications import Application, Kind, Status
from chalicelib.domain.model import Account, AuditEvent, Role
from chalicelib.ports import AlreadyExists, StaleVersion

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone.utc)
PERSON = "11010519491231002X"


def account(username, scope="140105", role=Role.OPERATOR, id_number=None, **kw) -> Account:
    return Account(username=username, password_hash="h", role=role, scope=scope, display_name=username,
                   created_at=T0, id_number=id_number, **kw)


def audit(action="act", target="x") -> AuditEvent:
    return AuditEvent(id=uuid.uuid4().hex, at=T0, actor="admin", action=action, target=target)


def application(managing="140100", applicant="op1", minutes=0, username="new1") -> Application:
    return Application(id=uuid.uuid4().hex, number=f"ZH-{managing}-2026-{minutes:06d}", kind=Kind.CREATE,
                       contact_name="王五", contact_phone="0351-1234567", applying_unit="小店区人社局",
                       username=username, role=Role.OPERATOR, division="140105", managing_division=managing,
                       person_name="赵六", person_id_number=PERSON, permissions=["filing.read"],
                       applicant=applicant, applied_at=T0 + dt.timedelta(minutes=minutes))


def actions(store) -> list[str]:
    return [e.action for e in store.list_audit()]


def test_account_is_created_once_with_its_audit_event(store):
    store.create_account(account("a1", id_number=PERSON), audit=audit("create_account", "a1"))
    with pytest.raises(AlreadyExists):
        store.create_account(account("a1"), audit=audit("create_account_again", "a1"))
    assert store.get_account("a1").id_number == PERSON
    assert actions(store) == ["create_account"]  # the refused create left no audit event behind


def test_account_save_is_conditional_on_its_version(store):
    store.create_account(account("a1"), audit=audit())
    first = store.get_account("a1")
    locked = first.model_copy(update={"status": "locked", "version": 2, "token_epoch": 1})
    store.save_account(locked, expected_version=1, audit=audit("lock", "a1"))
    late = first.model_copy(update={"status": "frozen", "version": 2})
    with pytest.raises(StaleVersion):
        store.save_account(late, expected_version=1, audit=audit("freeze", "a1"))
    stored = store.get_account("a1")
    assert (stored.status, stored.version, stored.token_epoch) == ("locked", 2, 1)
    assert actions(store)[0] == "lock"
    with pytest.raises(StaleVersion):  # an account that does not exist has no version to match
        store.save_account(account("ghost"), expected_version=1)


def test_accounts_found_by_the_person_holding_them(store):
    store.create_account(account("a1", id_number=PERSON), audit=audit())
    store.create_account(account("a2", scope="140100", role=Role.SYSTEM_ADMIN, id_number=PERSON), audit=audit())
    store.create_account(account("b1", id_number="440524188001010014"), audit=audit())
    store.put_account(account("c1"))  # no ID number: listed under no person
    assert sorted(a.username for a in store.accounts_of_person(PERSON)) == ["a1", "a2"]
    assert store.accounts_of_person("110101199001011234") == []


def test_application_created_read_and_listed_newest_first(store):
    first, second = application(minutes=0), application(minutes=5)
    other = application(managing="140200", applicant="op9", minutes=3)
    for a in (first, second, other):
        store.create_application(a, audit=audit("apply", a.id))
    with pytest.raises(AlreadyExists):
        store.create_application(first, audit=audit())
    assert store.get_application(first.id) == first
    assert store.get_application("nope") is None
    assert [a.id for a in store.list_applications("140100")] == [second.id, first.id]
    assert [a.id for a in store.list_applications("140200")] == [other.id]
    assert [a.id for a in store.list_own_applications("op1")] == [second.id, first.id]
    assert [a.id for a in store.list_applications("140100", limit=1)] == [second.id]


def test_application_save_is_conditional_and_carries_the_account_change(store):
    a = application()
    store.create_application(a, audit=audit())
    approved = a.model_copy(update={"status": Status.APPROVED, "version": 2})
    store.save_application(approved, expected_version=1, audit=audit("approve"))
    with pytest.raises(StaleVersion):
        store.save_application(a.model_copy(update={"status": Status.REJECTED, "version": 2}), expected_version=1,
                               audit=audit("reject"))
    done = approved.model_copy(update={"status": Status.DONE, "version": 3})
    store.save_application(done, expected_version=2, audit=audit("execute"), account=account("new1"))
    assert store.get_application(a.id).status == Status.DONE
    assert store.get_account("new1").role == Role.OPERATOR
    assert actions(store)[:2] == ["execute", "approve"]


def test_carrying_out_is_all_or_nothing(store):
    store.put_account(account("taken"))
    a = application(username="taken")
    store.create_application(a, audit=audit())
    done = a.model_copy(update={"status": Status.DONE, "version": 2})
    with pytest.raises(AlreadyExists):  # the username was taken meanwhile: neither write happens
        store.save_application(done, expected_version=1, audit=audit("execute"), account=account("taken", scope="X"))
    assert store.get_application(a.id).status == Status.PENDING_BUSINESS
    assert store.get_account("taken").scope == "140105"

    store.put_account(account("target"))
    b = application(username="target", minutes=1)
    store.create_application(b, audit=audit())
    frozen = store.get_account("target").model_copy(update={"status": "frozen", "version": 2})
    with pytest.raises(StaleVersion):  # the account changed since it was read
        store.save_application(b.model_copy(update={"status": Status.DONE, "version": 2}), expected_version=1,
                               audit=audit("execute"), account=frozen, account_version=7)
    assert store.get_application(b.id).status == Status.PENDING_BUSINESS
    assert store.get_account("target").status == "active"
    assert "execute" not in actions(store)
