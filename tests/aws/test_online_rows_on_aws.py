"""Online rows on the AWS backend (DynamoDB in the emulator): an upload's 表二 fixed one row at a time through the
API, the fixes seen by the next year's filing that carries the approved roster, which then edits its own copy."""
from tests import factories
from tests.web.test_filing_complete import PEOPLE, approve, filer, new_filing


def test_upload_then_online_edits_carried_into_next_year_on_aws(aws_app):
    api, c, _ = aws_app
    token = filer(api)
    first = new_filing(api, token, 2024)
    api.call("PUT", f"/filings/{first['id']}/table1", factories.table1(4), token)
    assert api.upload(first["id"], "table2", factories.table2_workbook(PEOPLE), token)["status"] == "done"
    status, saved = api.call("PUT", f"/filings/{first['id']}/rows/table2/1",
                             {"fields": {**PEOPLE[1], "workplace": "大同"}}, token)
    assert status == 200, saved
    assert api.call("DELETE", f"/filings/{first['id']}/rows/table2/3", None, token)[0] == 200
    status, added = api.call("POST", f"/filings/{first['id']}/rows/table2", {"fields": factories.person(9)}, token)
    assert (status, added["index"], added["rows"]) == (201, 4, 4)
    approve(c, first["id"])

    nxt = new_filing(api, token, 2025)
    _, listed = api.call("GET", f"/filings/{nxt['id']}/rows/table2", None, token)
    assert [(r["index"], r["workplace"]) for r in listed["items"]] == [(0, "太原"), (1, "大同"), (2, "太原"), (4, "太原")]
    api.call("PUT", f"/filings/{nxt['id']}/rows/table2/1", {"fields": {**PEOPLE[1], "workplace": "朔州"}}, token)
    _, before = api.call("GET", f"/filings/{first['id']}/rows/table2/1", None, token)
    assert before["workplace"] == "大同"  # the approved roster as it was approved
