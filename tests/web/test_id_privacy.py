"""ID numbers stay masked unless revealed (docs/rules.md §10), on both backends: every list shows the masked
number and at most 出生年月, the filer's own included; finding a person by ID number is audited; a reviewer
sees a unit's filing only once it has been submitted; the person look-up takes the number in the body."""
from __future__ import annotations

import io
import urllib.request

import openpyxl
import pytest

from chalicelib.domain.identifiers import mask_id
from tests import factories
from tests.web.test_review import PASSWORD, api_for, app_client, submitted_filing  # noqa: F401  (fixtures)


@pytest.fixture
def container(backend_container):
    return backend_container


def test_no_list_lets_a_masked_id_be_rebuilt(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    reviewer = api.login("xiaodian", PASSWORD)
    for token in (filer, reviewer):
        rows = api.call("GET", f"/filings/{fid}/rows/table2", token=token)[1]["items"]
        for row, person in zip(rows, (factories.person(0), factories.person(1))):
            assert row["id_number"] == mask_id(person["id_number"])
            assert len(row["birth_date"]) == 7 and person["id_number"][6:12] == row["birth_date"].replace("-", "")
            assert person["id_number"][6:14] not in str(row)  # the hidden digits appear nowhere in the row


def test_finding_a_person_by_id_number_is_audited(app_client, container):
    api = api_for(app_client, container)
    fid = submitted_filing(api, 1)
    reviewer = api.login("xiaodian", PASSWORD)
    full = factories.person(0)["id_number"]
    found = api.call("GET", f"/filings/{fid}/rows/table2?q={full}", token=reviewer)[1]["items"]
    assert [r["id_number"] for r in found] == [mask_id(full)]
    event = container.store.list_audit(1)[0]
    assert (event.action, event.actor, event.target) == ("search_id", "xiaodian", fid)
    assert full not in str(event.detail)
    searches = sum(e.action == "search_id" for e in container.store.list_audit(50))
    api.call("GET", f"/filings/{fid}/rows/table2?q=职工1", token=reviewer)  # a name is no ID: not audited
    assert sum(e.action == "search_id" for e in container.store.list_audit(50)) == searches


def test_reviewers_see_a_filing_only_once_it_is_submitted(app_client, container):
    api = api_for(app_client, container)
    api.call("POST", "/employers/register", factories.registration(3))
    filer = api.login(factories.uscc(3), "Passw0rd!26")
    _, draft = api.call("POST", "/filings", {"year": 2025}, filer)
    reviewer = api.login("xiaodian", PASSWORD)
    for path in (f"/filings/{draft['id']}", f"/filings/{draft['id']}/rows/table2", f"/filings/{draft['id']}/roster-diff"):
        assert api.call("GET", path, token=reviewer)[0] == 404, path
    api.call("PUT", f"/filings/{draft['id']}/table1", factories.table1(1), filer)
    api.upload(draft["id"], "table2", factories.table2_workbook([factories.person(5)]), filer)
    assert api.call("POST", f"/filings/{draft['id']}/submit", {"declaration_accepted": True}, token=filer)[0] == 200
    assert api.call("GET", f"/filings/{draft['id']}", token=reviewer)[0] == 200
    api.call("POST", f"/filings/{draft['id']}/withdraw", token=filer)
    assert api.call("GET", f"/filings/{draft['id']}", token=reviewer)[0] == 200  # once submitted, it stays seen


def test_a_reviewer_gets_a_masked_copy_of_an_error_report_and_its_download_is_audited(app_client, container):
    api = api_for(app_client, container)
    api.call("POST", "/employers/register", factories.registration(4))
    filer = api.login(factories.uscc(4), "Passw0rd!26")
    _, filing = api.call("POST", "/filings", {"year": 2025}, filer)
    api.call("PUT", f"/filings/{filing['id']}/table1", factories.table1(1), filer)
    person = factories.person(1, id_number=factories.resident_id("140105", "19870605", 1, False))
    # two errors; the birth-date one quotes the date read from the ID number
    bad = api.upload(filing["id"], "table2", factories.table2_workbook([{**person, "hukou": "火星"}]), filer)
    assert "1987-06-05" in str(bad["errors"])  # the filer is told what its ID number says
    api.upload(filing["id"], "table2", factories.table2_workbook([factories.person(1)]), filer)
    assert api.call("POST", f"/filings/{filing['id']}/submit", {"declaration_accepted": True}, token=filer)[0] == 200
    reviewer = api.login("xiaodian", PASSWORD)
    seen = api.call("GET", f"/filings/{filing['id']}/uploads/{bad['upload_id']}", token=reviewer)[1]
    assert len(seen["errors"]) == 2 and "1987-06-05" not in str(seen["errors"]) and "1987-06" in str(seen["errors"])

    own = _report(app_client, bad["error_report_url"], filer)
    assert person["id_number"] in _cells(own)
    masked = _report(app_client, seen["error_report_url"], reviewer)
    cells = _cells(masked)
    assert mask_id(person["id_number"]) in cells and "【户口性质】" in cells  # the rows and messages are there
    assert "19870605" not in cells and "1987-06-05" not in cells and person["id_number"][6:14] not in cells
    event = container.store.list_audit(1)[0]
    assert (event.action, event.actor, event.target) == ("download_error_report", "xiaodian", filing["id"])


def _report(app_client, url: str, token: str) -> bytes:
    """The workbook an error report link gives (the app's own answer, or storage's after a redirect)."""
    response = app_client.http.get("/api/v1" + url.split("/api/v1", 1)[1], headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 302:
        with urllib.request.urlopen(response.headers["Location"], timeout=30) as answer:
            return answer.read()
    assert response.status_code == 200, response.body[:300]
    return response.body


def _cells(workbook: bytes) -> str:
    """Every cell of the data sheet, as one text."""
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).worksheets[0]
    return " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
