"""User journeys run by more than one tier (embedded web tier, AWS tier)."""
from tests import factories


def full_flow(api, container, passwords: dict[str, str]) -> None:
    """Register, fill, upload with an error, fix, submit, city/other county/county reviewers, reject, resubmit, approve."""
    api.call("POST", "/employers/register", factories.registration())
    filer = api.login(factories.uscc(1), "Passw0rd!26")

    status, filing = api.call("POST", "/filings", {"year": 2025, "kind": "annual"}, filer)
    assert status == 201 and filing["status"] == "draft" and filing["tables"] == ["table1", "table2"]
    fid = filing["id"]

    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(3, male=5), filer)
    assert status == 422
    assert any(d["column"] == "其中男" for d in body["error"]["details"])
    status, body = api.call("PUT", f"/filings/{fid}/table1", factories.table1(3), filer)
    assert status == 200 and body["checks"]["signing_rate"] == 1.0

    people = [factories.person(i) for i in range(3)]
    bad = [*people[:2], {**people[2], "gender": "男" if people[2]["gender"] == "女" else "女"}]
    upload = api.upload(fid, "table2", factories.table2_workbook(bad), filer)
    assert upload["status"] == "failed"
    assert any(e["column"] == "性别" and e["row"] for e in upload["errors"]), upload["errors"]
    status, body = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)
    assert status == 422  # the failed upload left no rows behind

    upload = api.upload(fid, "table2", factories.table2_workbook(people), filer)
    assert upload["status"] == "done" and upload["rows_done"] == 3

    status, submitted = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)
    assert status == 200 and submitted["receipt_no"] == "BA-140105-2025-000001"
    status, again = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)
    assert again["receipt_no"] == submitted["receipt_no"]

    # the city reviewer sees it read-only; another county cannot see it at all
    city = api.login("demo-taiyuan", passwords["demo-taiyuan"])
    status, listing = api.call("GET", "/filings", token=city)
    assert [f["id"] for f in listing["items"]] == [fid]
    status, body = api.call("POST", f"/filings/{fid}/review", {"decision": "approve", "version": 1}, city)
    assert status == 403
    other = api.login("demo-yingze", passwords["demo-yingze"])
    assert api.call("GET", f"/filings/{fid}", token=other)[0] == 403

    reviewer = api.login("demo-xiaodian", passwords["demo-xiaodian"])
    status, listing = api.call("GET", "/filings?status=submitted", token=reviewer)
    assert [f["id"] for f in listing["items"]] == [fid]
    status, detail = api.call("GET", f"/filings/{fid}", token=reviewer)
    status, rows = api.call("GET", f"/filings/{fid}/rows/table2", token=reviewer)
    assert "*" in rows["items"][0]["id_number"]  # masked for reviewers

    status, body = api.call("POST", f"/filings/{fid}/review", {"decision": "reject", "version": detail["version"]},
                            reviewer)
    assert status == 422  # a rejection needs a reason
    status, body = api.call("POST", f"/filings/{fid}/review",
                            {"decision": "reject", "reason": "表二缺少部分人员", "version": detail["version"]}, reviewer)
    assert status == 200 and body["status"] == "rejected"
    status, body = api.call("POST", f"/filings/{fid}/review",
                            {"decision": "approve", "version": detail["version"]}, reviewer)
    assert status == 409

    status, mine = api.call("GET", f"/filings/{fid}", token=filer)
    assert mine["status"] == "rejected" and mine["history"][-1]["reason"] == "表二缺少部分人员"
    status, resubmitted = api.call("POST", f"/filings/{fid}/submit", {"declaration_accepted": True}, token=filer)
    assert status == 200 and resubmitted["receipt_no"] == "BA-140105-2025-000002"

    status, body = api.call("POST", f"/filings/{fid}/review",
                            {"decision": "approve", "version": resubmitted["version"]}, reviewer)
    assert status == 200 and body["status"] == "approved"

    subjects = [(m.to, m.subject) for m in container.store.list_messages()]
    assert (container.store.get_account("demo-xiaodian").email, "新的劳动用工备案待审核") in subjects
    assert ("filer1@example.com", "劳动用工备案审核不通过") in subjects
    assert ("filer1@example.com", "劳动用工备案审核通过") in subjects
