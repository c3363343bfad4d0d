"""Exports are built by a job, not in the request (services/exports.py), on both backends: asking answers at once
with the export's id; only whoever asked can follow and download it; a refused request queues nothing; a worker
that dies is replaced by the sweep; an export whose asker lost the account is not built."""
from __future__ import annotations

import io

import openpyxl
import pytest
from chalice.test import Client

from tests.api_client import Api
from tests.contract.test_crash_recovery import ProcessDied, after_the_lease
from tests.job_worker import finish_jobs

PASSWORD = "Review-Passw0rd"


@pytest.fixture
def container(backend_container):
    backend_container.accounts.create_reviewer("taiyuan", PASSWORD, "140100", "太原市审核员")
    backend_container.accounts.create_reviewer("datong", PASSWORD, "140200", "大同市审核员")
    return backend_container


@pytest.fixture
def api(container):
    from app import app
    with Client(app) as client:
        yield Api(client)


def _workbook(api, container, status: dict, token: str) -> openpyxl.Workbook:
    response = api.http.get(status["download_url"].split("testserver", 1)[-1].removeprefix("https://filing.example.cn"),
                            headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 302:  # AWS: a presigned S3 GET
        import urllib.request
        with urllib.request.urlopen(response.headers["Location"], timeout=30) as f:
            return openpyxl.load_workbook(io.BytesIO(f.read()))
    assert response.status_code == 200, response.body[:300]
    return openpyxl.load_workbook(io.BytesIO(response.body))


def test_an_export_is_queued_built_by_the_job_and_only_its_asker_sees_it(api, container):
    token = api.login("taiyuan", PASSWORD)
    status, asked = api.call("POST", "/exports", {"kind": "stats", "year": 2025}, token)
    assert status == 202 and asked["status"] == "queued" and asked["download_url"] is None
    finish_jobs(container)
    status, done = api.call("GET", f"/exports/{asked['export_id']}", token=token)
    assert status == 200 and done["status"] == "done" and done["filename"] == "2025年度备案数据导出.xlsx"
    assert _workbook(api, container, done, token).sheetnames[:2] == ["备案", "表二人员"]
    other = api.login("datong", PASSWORD)
    assert api.call("GET", f"/exports/{asked['export_id']}", token=other)[0] == 404
    assert api.call("GET", f"/exports/{asked['export_id']}/file", token=other)[0] == 404


def test_a_refused_export_queues_nothing(api, container):
    token = api.login("taiyuan", PASSWORD)
    status, body = api.call("POST", "/exports", {"kind": "stats", "year": 2001}, token)
    assert status == 422 and "导出年度" in body["error"]["message"]
    assert api.call("POST", "/exports", {"kind": "everything"}, token)[0] == 422
    assert api.call("POST", "/exports", {"kind": "overdue", "division": "140200"}, token)[0] == 403  # not its city
    assert container.store.jobs_idle_since(container.clock.now().replace(year=2100)) == []


@pytest.fixture
def no_background_worker(container, monkeypatch):
    """Embedded mode builds a queued export on a background worker at once; these tests play the worker."""
    monkeypatch.setattr(container.exports, "wake_jobs", None)


def test_a_worker_that_died_is_replaced_by_the_sweep(api, container, monkeypatch, no_background_worker):
    token = api.login("taiyuan", PASSWORD)
    asked = api.call("POST", "/exports", {"kind": "overdue"}, token)[1]
    builder = container.exports.builders["overdue"]

    def dies(*args, **kwargs):
        raise ProcessDied()

    monkeypatch.setitem(container.exports.builders, "overdue", builder._replace(build=dies))
    with pytest.raises(ProcessDied):
        container.recovery.sweep()
    assert api.call("GET", f"/exports/{asked['export_id']}", token=token)[1]["status"] == "running"
    monkeypatch.setitem(container.exports.builders, "overdue", builder)
    assert container.recovery.sweep().exports_built == 0  # the dead worker's lease has not run out
    after_the_lease(container.clock)
    assert container.recovery.sweep().exports_built == 1
    assert api.call("GET", f"/exports/{asked['export_id']}", token=token)[1]["status"] == "done"


def test_an_export_whose_asker_was_frozen_meanwhile_is_not_built(api, container, no_background_worker):
    token = api.login("taiyuan", PASSWORD)
    asked = api.call("POST", "/exports", {"kind": "stats", "year": 2025}, token)[1]
    account = container.store.get_account("taiyuan")
    container.store.put_account(account.model_copy(update={"status": "frozen"}))
    finish_jobs(container)
    container.store.put_account(account)
    status = api.call("GET", f"/exports/{asked['export_id']}", token=api.login("taiyuan", PASSWORD))[1]
    assert status["status"] == "failed" and "停用" in status["message"]


def test_an_export_whose_job_is_gone_reads_as_interrupted(api, container, no_background_worker):
    token = api.login("taiyuan", PASSWORD)
    asked = api.call("POST", "/exports", {"kind": "stats", "year": 2025}, token)[1]
    from chalicelib.domain.model import JobKind
    container.store.end_job(container.store.get_job(JobKind.EXPORT, asked["export_id"]))
    status = api.call("GET", f"/exports/{asked['export_id']}", token=token)[1]
    assert status["status"] == "failed" and status["message"] == "导出中断，请重新导出"
