"""A unit cannot flood its reviewers, and a link sent for one submission cannot act on the next (both
backends): submitting is limited per filing and hour; an unused link from a withdrawn submission is refused."""
from __future__ import annotations

import re

import pytest

from chalicelib.domain.filing import Status
from tests import factories
from tests.web.test_review import PASSWORD, api_for, app_client, signed_in, submitted_filing  # noqa: F401


@pytest.fixture
def container(backend_container):
    return backend_container


def links_to(container, to: str) -> list[str]:
    """The action links sent to `to`, oldest first."""
    mails = [m for m in reversed(container.store.list_messages(500)) if m.to == to and "/act/" in m.body]
    return [re.search(r"https?://[^/\s]+(/act/[^\s（]+)", m.body).group(1) for m in mails]


def test_a_link_from_a_withdrawn_submission_cannot_approve_the_next(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!")
    assert api.call("POST", f"/filings/{fid}/withdraw", token=filer)[0] == 200
    assert api.call("POST", f"/filings/{fid}/submit", token=filer)[0] == 200
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
    filer = api.login(factories.uscc(1), "Passw0rd!")
    answers = []
    for _ in range(8):
        api.call("POST", f"/filings/{fid}/withdraw", token=filer)
        answers.append(api.call("POST", f"/filings/{fid}/submit", token=filer)[0])
    assert answers == [200] * 4 + [429] * 4  # five submissions this hour, the first included
    assert len(links_to(container, "xd@hrss.example.cn")) == 5
    container.clock.advance(hours=1)
    assert api.call("POST", f"/filings/{fid}/submit", token=filer)[0] == 200
