"""Rosters on the AWS backend (DynamoDB + S3 in the emulator): the S3 event imports, the error report is a
redirect to a presigned S3 GET, and prefill / roster diff / leavers work on DynamoDB."""
import io
import urllib.request

import openpyxl

from chalicelib.domain.identifiers import mask_id
from tests import factories
from tests.web.test_filing_complete import PEOPLE, approve, filer, new_filing


def test_error_report_prefill_and_roster_diff_on_aws(aws_app):
    api, c, _ = aws_app
    token = filer(api)
    first = new_filing(api, token, 2024)
    api.call("PUT", f"/filings/{first['id']}/table1", factories.table1(4), token)

    wrong = {**PEOPLE[2], "hukou": "外籍"}
    failed = api.upload(first["id"], "table2", factories.table2_workbook([PEOPLE[0], PEOPLE[1], wrong]), token)
    assert failed["status"] == "failed" and failed["error_report_url"]
    response = api.http.get("/api/v1" + failed["error_report_url"].split("/api/v1", 1)[1],
                            headers={"Authorization": f"Bearer {token}", "Accept": "*/*"})
    assert response.status_code == 302
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as s3:
        ws = openpyxl.load_workbook(io.BytesIO(s3.read())).worksheets[0]
    header = [cell.value for cell in ws[1]]
    assert header[-1] == "错误说明" and "【户口性质】" in ws.cell(4, len(header)).value

    assert api.upload(first["id"], "table2", factories.table2_workbook(PEOPLE), token)["status"] == "done"
    approve(c, first["id"])
    nxt = new_filing(api, token, 2025)
    assert nxt["tables"] == ["table1", "table2", "table3"] and nxt["row_counts"] == {"table2": 4}
    changed = api.upload(nxt["id"], "table2", factories.table2_workbook([*PEOPLE[:3], factories.person(8)]), token)
    assert changed["status"] == "done"
    _, diff = api.call("GET", f"/filings/{nxt['id']}/roster-diff", token=token)
    assert (diff["joined"], diff["left"], diff["changed"]) == (1, 1, 0)
    _, leavers = api.call("GET", f"/filings/{nxt['id']}/leavers", token=token)
    assert [x["id_number"] for x in leavers["items"]] == [mask_id(PEOPLE[3]["id_number"])]  # a list: masked
    base_upload = c.store.get_filing(first["id"]).row_sets["table2"].upload_id
    assert len(c.store.get_rows(base_upload, limit=10)) == 4  # the approved roster was not touched
