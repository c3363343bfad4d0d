"""A unit cannot flood its reviewers, and a link sent for one submission cannot act on the next (both
backends): submitting is limited per filing and hour; withdrawing and submitting again reaches each reviewer
once per window; a recipient gets at most a configured number of messages a day; an unused link from a
withdrawn submission is refused."""
from __future__ import annotations

import re

import pytest

from chalicelib.domain import reference
from chalicelib.domain.filing import Status
from tests import factories
from tests.web.test_pages import text
from tests.web.test_review import PASSWORD, api_for, app_client, signed_in, submitted_filing  # noqa: F401

REVIEWERS = ("xd@hrss.example.cn", "xd2@hrss.example.cn")  # the two 业务操作员 of 小店区 (app_client)


@pytest.fixture
def container(backend_container):
    return backend_container


def review_requests(container, to: str, status: str | None = "sent"):
    """The review requests to `to` (by default those that went out), oldest first."""
    return [m for m in reversed(container.store.list_messages(500))
            if m.to == to and "/act/" in m.body and (status is None or m.status == status)]


def links_to(container, to: str) -> list[str]:
    """The action links `to` received, oldest first."""
    return [re.search(r"https?://[^/\s]+(/act/[^\s（]+)", m.body).group(1) for m in review_requests(container, to)]


def withdraw_and_submit(api, fid: str, filer: str) -> int:
    assert api.call("POST", f"/filings/{fid}/withdraw", token=filer)[0] == 200
    return api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)[0]


def test_a_link_from_a_withdrawn_submission_cannot_approve_the_next(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    container.clock.advance(hours=1)  # past the window in which the resubmission would not be announced again
    assert withdraw_and_submit(api, fid, filer) == 200
    browser = signed_in(app_client, "xiaodian")
    # (sent within the same second: tell them apart by what they answer, not by their order)
    pages = {link: browser.get(link) for link in links_to(container, "xd@hrss.example.cn")}
    assert sorted(p.status_code for p in pages.values()) == [200, 410]
    (old,) = [link for link, p in pages.items() if p.status_code == 410]
    assert "撤回" in pages[old].body.decode()
    version = container.store.get_filing(fid).version
    refused = browser.post(old, {"decision": "approve", "version": str(version)})
    assert refused.status_code == 410 and container.store.get_filing(fid).status == Status.SUBMITTED


def test_submitting_is_limited_per_filing_and_hour(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    answers = []
    for _ in range(8):
        api.call("POST", f"/filings/{fid}/withdraw", token=filer)
        answers.append(api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)[0])
    assert answers == [200] * 4 + [429] * 4  # five submissions this hour, the first included
    assert len(review_requests(container, "xd@hrss.example.cn", status=None)) == 5
    container.clock.advance(hours=1)
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)[0] == 200


def test_withdrawing_and_submitting_again_reaches_each_reviewer_once_per_window(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    assert [withdraw_and_submit(api, fid, filer) for _ in range(4)] == [200] * 4
    for to in REVIEWERS:
        assert len(links_to(container, to)) == 1
        repeats = review_requests(container, to, status="coalesced")
        assert len(repeats) == 4 and all("60分钟内已发给该收件人" in m.reason for m in repeats)

    # the one link a reviewer holds names a withdrawn submission: it sends them to the queue, which has the filing
    browser = signed_in(app_client, "xiaodian")
    (link,) = links_to(container, REVIEWERS[0])
    refused = browser.get(link)
    assert refused.status_code == 410 and "请在审核列表中办理" in text(refused) and 'href="/review"' in text(refused)
    queue = api.call("GET", "/filings?status=submitted", token=api.login("xiaodian", PASSWORD))[1]
    assert [f["id"] for f in queue["items"]] == [fid]

    container.clock.advance(hours=1)  # the next window: a resubmission is announced again
    assert withdraw_and_submit(api, fid, filer) == 200
    assert [len(links_to(container, to)) for to in REVIEWERS] == [2, 2]
    assert browser.get(links_to(container, REVIEWERS[0])[-1]).status_code == 200


def test_a_resubmission_after_a_rejection_is_announced_within_the_window(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    reviewer = api.login("xiaodian", PASSWORD)
    version = container.store.get_filing(fid).version
    assert api.call("POST", f"/filings/{fid}/review", {"decision": "reject", "reason": "表二缺人", "version": version},
                    reviewer)[0] == 200
    assert api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)[0] == 200  # within the same window
    assert [len(links_to(container, to)) for to in REVIEWERS] == [2, 2]


@pytest.fixture
def two_emails_a_day(monkeypatch):
    capped = reference.policy().__class__(**{**reference.policy().__dict__,
                                             "messages_per_recipient_per_day": {"email": 2, "sms": 2}})
    monkeypatch.setattr("chalicelib.domain.notifications.policy", lambda: capped)


def test_a_recipient_over_the_daily_cap_gets_no_more_that_day(app_client, container, two_emails_a_day):
    from chalicelib import bootstrap

    api = api_for(app_client, container)
    for n in (1, 2, 3):
        submitted_filing(api, n)
    assert len(links_to(container, REVIEWERS[0])) == 2
    (over,) = review_requests(container, REVIEWERS[0], status="skipped")
    assert "山西演示科技有限公司3" in over.body and "今天已收到2条邮件，达到每日上限" in over.reason

    # the demo mailbox shows it was not sent, and why
    bootstrap.override(container._replace(settings=container.settings._replace(dev_mailbox=True)))
    mailbox = text(signed_in(app_client, "xiaodian").get("/dev/mailbox"))
    assert "未发送" in mailbox and "原因：该收件人今天已收到2条邮件，达到每日上限" in mailbox

    container.clock.advance(hours=5)  # 15:00 in Beijing: the same day
    submitted_filing(api, 4)
    assert len(links_to(container, REVIEWERS[0])) == 2
    container.clock.advance(hours=10)  # 01:00 the next day
    submitted_filing(api, 5)
    assert len(links_to(container, REVIEWERS[0])) == 3
    assert "山西演示科技有限公司5" in review_requests(container, REVIEWERS[0])[-1].body
