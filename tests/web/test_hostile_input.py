"""Input nobody sane sends answers 4xx with a Chinese message, never 500, on both backends: JSON nested a
thousand levels, lone surrogates, made-up page tokens, numbers far out of range, signed links naming a path
outside the blob folder."""
from __future__ import annotations

import base64
import json
import time

import pytest
from chalice.test import Client

from tests import factories
from tests.job_worker import exported
from tests.api_client import Api
from tests.web.test_overdue import signed_in

PASSWORD = "Review-Passw0rd"  # as tests.web.test_overdue signs reviewers in


@pytest.fixture
def container(backend_container):
    return backend_container


@pytest.fixture
def client(container):
    from app import app
    container.accounts.create_reviewer("sheng", PASSWORD, "140000", "省审核员")
    with Client(app) as c:
        yield c


def raw(client: Client, method: str, path: str, body: bytes, token: str | None = None):
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    response = client.http.request(method, f"/api/v1{path}", headers=headers, body=body)
    return response.status_code, json.loads(response.body)


def draft(client: Client, container) -> tuple[Api, str, dict]:
    """(api, the filer's token, a draft 2025 filing) of a newly registered unit."""
    api = Api(client)
    api.bucket = container.settings.bucket_name  # AWS: where presigned uploads land
    api.call("POST", "/employers/register", factories.registration(1))
    filer = api.login(factories.uscc(1), "Passw0rd!26")
    return api, filer, api.call("POST", "/filings", {"year": 2025}, filer)[1]


def made_up(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def test_json_nested_a_thousand_levels_is_refused(client):
    status, body = raw(client, "POST", "/auth/login", b"[" * 1000 + b"]" * 1000)
    assert status == 400 and body["error"]["message"] == "请求内容嵌套层数过多"
    status, body = raw(client, "POST", "/auth/login", b'{"username": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    assert status == 400


def test_a_lone_surrogate_is_not_text(client):
    status, body = raw(client, "POST", "/auth/login", b'{"username": "\\ud800", "password": "x"}')
    assert status == 400 and body["error"]["message"] == "请求内容不是有效的JSON"
    status, _ = raw(client, "POST", "/employers/register", json.dumps(
        {**factories.registration(1), "name": "单位\ud83d"}).encode("utf-8", "surrogatepass"))
    assert status == 400


@pytest.mark.parametrize("page_token", [made_up([1, 2, 3]), made_up(["a"]), made_up({"after": 1}), made_up("x"),
                                        made_up([["deep"] * 2] * 2), "%%%", made_up("[" * 2000)])
def test_made_up_page_tokens_are_refused(client, page_token):
    token = Api(client).login("sheng", PASSWORD)
    for path in ("/filings", "/overdue"):
        status, body = raw(client, "GET", f"{path}?page_token={page_token}", b"", token)
        assert status in (400, 422) and "page_token" in json.dumps(body), (path, body)


def test_numbers_far_out_of_range_are_a_422_naming_the_field(client):
    token = Api(client).login("sheng", PASSWORD)
    for query, field in (("year=99999999999999999999999", "year"), ("limit=1e23", "limit"), ("limit=-1", "limit")):
        status, body = raw(client, "GET", f"/filings?{query}", b"", token)
        assert status == 422 and body["error"]["details"][0]["field"] == field
    browser = signed_in(client, "sheng")
    assert browser.get("/review?year=99999999999999999999999&offset=1e23").status_code == 200  # a filter ignored
    assert browser.get("/review/overdue?year=99999999999999999999999").status_code == 422


def test_a_signed_download_naming_a_path_outside_the_folder_is_refused(container, client):
    if container.local_transfers is None:
        pytest.skip("S3 signs its own links")
    for key in ("../secret.key", "../../etc/passwd", "exports/\x00.xlsx"):
        url = container.blobs.presigned_get(key, 60, "x.xlsx")
        response = client.http.get(url.removeprefix(container.settings.base_url), headers={"Accept": "*/*"})
        assert response.status_code == 403, (key, response.body)


def test_a_count_of_ten_to_the_thirty_is_a_422_not_a_stored_number(client, container):
    api, filer, filing = draft(client, container)
    status, body = api.call("PUT", f"/filings/{filing['id']}/table1", {**factories.table1(3), "employees": 10**30,
                                                                       "average_wage": 1e400}, filer)
    assert status == 422
    assert {d["field"] for d in body["error"]["details"]} >= {"employees", "average_wage"}
    assert api.call("GET", f"/filings/{filing['id']}", token=filer)[1]["table1"] is None  # nothing half-saved


def test_poison_text_is_refused_at_registration_by_field_and_names_are_stored_composed(client, container):
    api = Api(client)
    status, body = api.call("POST", "/employers/register", factories.registration(1, name="演示\u000b公司",
                                                                                  legal_representative="张\u202e三"))
    assert status == 422 and {d["field"] for d in body["error"]["details"]} == {"name", "legal_representative"}
    assert api.call("POST", "/employers/register", factories.registration(2, name="Cafe\u0301公司"))[0] == 201
    assert container.store.get_unit(factories.uscc(2)).name == "Café公司"


def test_text_stored_before_the_checks_never_breaks_the_overdue_export(client, container):
    """Seen: a unit name with \\u000b made the overdue export answer 500 for its county, city and province."""
    from chalicelib.domain.model import Account, Role, Unit
    poisoned = Unit(**{k: v for k, v in factories.registration(9).items() if k != "password"},
                    authority_code="140105", registered_at=container.clock.now())
    poisoned = poisoned.model_copy(update={"name": "旧\x0b数据\x00单位", "registered_address": "\u202e地址"})
    container.store.create_unit(poisoned, Account(username=poisoned.uscc, password_hash="x", role=Role.FILER,
                                                  scope=poisoned.uscc, display_name="x",
                                                  created_at=container.clock.now()))
    browser = signed_in(client, "sheng")
    browser.get("/review/overdue")
    assert exported(browser, container, "/review/overdue/export")[1][:2] == b"PK"


def test_a_zip_bomb_upload_fails_quickly_with_a_clear_message(client, container):
    from tests.unit.test_excel import _with_part
    api, filer, filing = draft(client, container)
    bomb = _with_part(factories.table2_workbook([factories.person(1)]), "xl/media/image1.png",
                      (bytes(1024 * 1024) for _ in range(300)))
    upload = api.upload(filing["id"], "table2", bomb, filer)
    assert upload["status"] == "failed" and "压缩比过高" in upload["message"]
    assert upload["error_report_url"] is None  # nothing inflated a second time for a report


def test_an_upload_policy_is_single_use(client, container):
    """Seen: a second POST after a finished import replaced the stored file for an hour."""
    from tests.api_client import multipart
    api, filer, filing = draft(client, container)
    _, started = api.call("POST", f"/filings/{filing['id']}/uploads", {"table": "table2", "filename": "名册.xlsx"},
                          filer)
    first, again = factories.table2_workbook([factories.person(1)]), factories.table2_workbook(
        [factories.person(i) for i in range(5)])
    for content in (first, again):  # the same signed policy, twice
        body, ctype = multipart(started["fields"], "名册.xlsx", content)
        if container.local_transfers is not None:
            client.http.post("/api/v1/local-uploads", headers={"Content-Type": ctype}, body=body)
        else:
            import urllib.request
            with urllib.request.urlopen(urllib.request.Request(started["url"], data=body,
                                                               headers={"Content-Type": ctype}), timeout=30):
                pass
            client.lambda_.invoke("on_upload", client.events.generate_s3_event(
                bucket=api.bucket, key=started["fields"]["key"]))
        upload = api.wait_for_upload(filing["id"], started["upload_id"], filer)
        assert upload["status"] == "done" and upload["rows_done"] == 1  # the first file's import, only
    deadline = time.monotonic() + 10  # (embedded: the replay is handled by the import worker, after the POST)
    while container.blobs.size(started["fields"]["key"]) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert container.blobs.size(started["fields"]["key"]) is None  # nothing kept under the used policy


def test_a_json_body_over_its_limit_is_a_413(client):
    status, body = raw(client, "POST", "/auth/login", b'{"username": "' + b"a" * (2 * 1024 * 1024) + b'"}')
    assert status == 413 and body["error"]["code"] == "too_large"
