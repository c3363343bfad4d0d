"""The audit log listed by both stores: newest first over the whole history, page by page, by division, account,
action, target and time range."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.audit import AuditFilter
from chalicelib.services.audit import audit_event

START = dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def logged(store):
    """30 events an hour apart: accounts a/b in turn, divisions 140105 / 140100 / none in turn."""
    events = [audit_event(START + dt.timedelta(hours=n), "a" if n % 2 else "b", "approve" if n % 3 else "sign_in",
                          f"t{n}", scope=("140105", "140100", None)[n % 3]) for n in range(30)]
    for e in events:
        store.append_audit(e)
    return events


def _all(store, query, size):
    seen, token = [], None
    while True:
        page, token = store.audit_page(query, size=size, page_token=token)
        assert len(page) <= size
        seen += [e.target for e in page]
        if token is None:
            return seen


def test_pages_cover_the_whole_history_newest_first(store, logged):
    assert _all(store, AuditFilter(), 7) == [f"t{n}" for n in reversed(range(30))]
    first, token = store.audit_page(AuditFilter(), size=30)
    assert len(first) == 30 and token is None


def test_filters_by_division_account_action_target_and_time(store, logged):
    assert _all(store, AuditFilter(scopes=["140105"]), 4) == [f"t{n}" for n in reversed(range(0, 30, 3))]
    assert _all(store, AuditFilter(scopes=["140105", "140100"]), 4) == [
        f"t{n}" for n in reversed(range(30)) if n % 3 != 2]
    assert _all(store, AuditFilter(actor="a", action="sign_in"), 2) == ["t27", "t21", "t15", "t9", "t3"]
    assert _all(store, AuditFilter(target="t4"), 5) == ["t4"]
    window = AuditFilter(since=START + dt.timedelta(hours=10), until=START + dt.timedelta(hours=14))
    assert _all(store, window, 3) == ["t13", "t12", "t11", "t10"]  # the end is not included


def test_selective_filters_page_through_however_little_they_match(store, logged, monkeypatch):
    from chalicelib.adapters.aws.dynamo import outbox
    monkeypatch.setattr(outbox, "AUDIT_READ_BUDGET", 4)  # DynamoDB ends a page after reading this many events
    assert _all(store, AuditFilter(actor="a", action="sign_in"), 2) == ["t27", "t21", "t15", "t9", "t3"]


def test_a_made_up_page_token_is_refused(store, logged):
    with pytest.raises(ValueError):
        store.audit_page(AuditFilter(), size=5, page_token="not-a-token")
    # a token from a wider range than the filters now ask for (t25 is before the 29th hour): nothing, no error
    first, token = store.audit_page(AuditFilter(since=START + dt.timedelta(hours=20)), size=5)
    assert [e.target for e in first] == ["t29", "t28", "t27", "t26", "t25"] and token
    assert store.audit_page(AuditFilter(since=START + dt.timedelta(hours=29)), size=5, page_token=token) == ([], None)
