"""Data sharing: look-up by ID number across employers (index built on approval), audited, rate-limited,
full ID numbers for the data-sharing account only; the read-only API."""
from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib.domain.model import Role
from chalicelib.services import persons
from chalicelib.services.accounts import Registration
from tests import factories
from tests.job_worker import finish_jobs
from tests.api_client import Api
from tests.web.test_overdue import JULY_9_0900, PASSWORD, signed_in
from tests.web.test_pages import text
from tests.web.test_stats import annual

PERSON = factories.person(1)
ID = PERSON["id_number"]


@pytest.fixture
def shared(backend_container, clock):
    """Both backends: the index, counters and rate limit live in the store."""
    c = backend_container
    c.accounts.create_reviewer("xiaodian", PASSWORD, "140105", "小店审核员")
    c.accounts.create_reviewer("pingcheng", PASSWORD, "140213", "平城审核员")
    c.accounts.create_reviewer("shebao", PASSWORD, "140000", "社保", role=Role.DATA_SHARING)
    account = c.store.get_account("shebao")
    c.store.put_account(account.model_copy(update={"department": "社会保险"}))
    for serial, division in ((1, "140105"), (2, "140213")):
        c.accounts.register(Registration(**factories.registration(serial, registration_division=division)))
    clock.current = JULY_9_0900
    annual(c, factories.uscc(1), "140105", 1, 1, "submit", rows=[PERSON], name=factories.registration(1)["name"])
    annual(c, factories.uscc(2), "140213", 1, 1, "submit", rows=[{**PERSON, "contract_start": "2024-01-01"}],
           name=factories.registration(2)["name"])
    for username, division in (("xiaodian", "140105"), ("pingcheng", "140213")):
        who = c.accounts.authenticate(c.accounts.login(username, PASSWORD)[0])
        filing = c.store.list_authority_filings([division], status="submitted").items[0]
        c.review.review(who, filing.id, decision="approve", reason=None, version=filing.version)
    finish_jobs(c)  # the person index of the approvals
    from app import app
    with Client(app) as client:
        yield client


def test_the_sharing_account_sees_every_employer_with_the_full_id_and_is_audited(shared, backend_container):
    b = signed_in(shared, "shebao")
    b.get("/share/persons")
    page = text(b.post("/share/persons", {"id_number": ID.lower()}))
    assert "2条记录" in page and ID in page
    assert factories.registration(1)["name"] in page and factories.registration(2)["name"] in page
    event = backend_container.store.list_audit(1)[0]
    assert (event.action, event.actor, event.detail) == (
        "person_lookup", "shebao", {"records": 2, "department": "社会保险"})
    assert ID not in event.target  # the audit log keeps the ID masked


def test_a_reviewer_sees_its_own_jurisdiction_masked(shared):
    b = signed_in(shared, "xiaodian")
    b.get("/share/persons")
    page = text(b.post("/share/persons", {"id_number": ID}))
    assert "1条记录" in page and ID not in page and ID[-4:] in page
    assert factories.registration(2)["name"] not in page


def test_look_ups_are_rate_limited_per_account_and_minute(shared, backend_container, monkeypatch, clock):
    monkeypatch.setattr(persons, "LOOKUPS_PER_MINUTE", 2)
    api = Api(shared)
    token = api.login("shebao", PASSWORD)
    statuses = [api.call("POST", "/share/persons", {"id_number": ID}, token=token)[0] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert backend_container.store.list_audit(1)[0].outcome == "rate_limited"
    clock.advance(minutes=1)
    status, body = api.call("POST", "/share/persons", {"id_number": ID}, token=token)
    assert status == 200 and body["id_number"] == ID and len(body["records"]) == 2


def test_bad_id_numbers_and_filers_are_refused(shared):
    api = Api(shared)
    token = api.login("shebao", PASSWORD)
    status, bad = api.call("POST", "/share/persons", {"id_number": "12345"}, token=token)
    assert status == 422 and "身份证" in bad["error"]["message"]
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    assert api.call("POST", "/share/persons", {"id_number": ID}, token=filer)[0] == 403


def test_share_stats_api_is_read_only_province_wide(shared):
    api = Api(shared)
    status, body = api.call("GET", "/share/stats?year=2025", token=api.login("shebao", PASSWORD))
    assert status == 200
    taiyuan = next(d for d in body["divisions"] if d["name"] == "太原市")
    assert (taiyuan["approved"], taiyuan["contracts_due"], taiyuan["signing_rate"]) == (1, 1, 1.0)
    assert body["total"]["approved"] == 2


def test_data_sharing_accounts_name_their_department_and_cover_one_division(container):
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.roles import placement_problem
    account, _ = container.accounts.create_admin("sx-jiancha", "140000", "监察", role=Role.DATA_SHARING,
                                                 department="劳动保障监察")
    assert (account.role, account.department, account.must_change_password) == (Role.DATA_SHARING, "劳动保障监察", True)
    with pytest.raises(ValidationFailed, match="所属部门"):
        container.accounts.create_admin("sx-x", "140000", "x", role=Role.DATA_SHARING)
    assert account.scope == "140000"  # the province unless --scope says otherwise
    city, _ = container.accounts.create_admin("ty-jiancha", "140000", "太原监察", role=Role.DATA_SHARING,
                                              department="劳动保障监察", scope="140100")
    county, _ = container.accounts.create_admin("xd-shebao", "140000", "小店社保", role=Role.DATA_SHARING,
                                                department="社会保险", scope="140105")
    assert (city.scope, county.scope) == ("140100", "140105")
    assert placement_problem(Role.DATA_SHARING, "140105") is None
    with pytest.raises(ValidationFailed, match="不是山西省的有效代码"):
        container.accounts.create_admin("sx-y", "140000", "y", role=Role.DATA_SHARING, department="社会保险",
                                        scope="990000")
    with pytest.raises(ValidationFailed, match="只用于数据共享账号"):
        container.accounts.create_admin("sx-z", "140000", "z", role=Role.AUDITOR, scope="140100")
