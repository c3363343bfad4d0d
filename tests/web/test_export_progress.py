"""Every export is a job the asker can follow (services/exports.py), on both backends: the page shows the rows
written of those expected without reloading itself (a script polls; a plain link reloads), 我的导出 lists the
asker's exports with what was asked in Chinese, and the file is offered for 7 days through a short-lived link,
each download audited."""
from __future__ import annotations

import datetime as dt
import json

from tests.api_client import Api
from tests.job_worker import finish_jobs
from tests.web.test_pages import location, text
from tests.web.test_stats import board  # noqa: F401 (the fixture: 太原市's two filings, one with a 表二 row)
from tests.web.test_overdue import PASSWORD, signed_in


def _ask(b) -> str:
    b.get("/stats?year=2025")
    asked = b.post("/stats/export", {"year": "2025"})
    assert asked.status_code == 303
    return location(asked).rsplit("/", 1)[1]


def test_the_export_page_follows_the_job_by_script_and_offers_the_file_when_done(board, backend_container):
    c = backend_container
    c.exports.wake_jobs = None  # the test plays the worker
    b = signed_in(board, "taiyuan")
    export_id = _ask(b)
    page = text(b.get(f"/exports/{export_id}"))
    assert 'http-equiv="refresh"' not in page  # no meta refresh: the script polls, the link reloads
    assert f'data-progress-url="/exports/{export_id}/progress"' in page and "/assets/export.js" in page
    assert f'id="export-reload" href="/exports/{export_id}"' in page and "排队中" in page
    assert "2025年度；范围：太原市" in page  # what was asked, in words
    queued = json.loads(b.get(f"/exports/{export_id}/progress").body)
    assert (queued["status"], queued["rows"], queued["download_url"]) == ("queued", 0, None)
    finish_jobs(c)
    done = json.loads(b.get(f"/exports/{export_id}/progress").body)
    # 2 filings and 1 表二 row, all known before writing
    assert (done["status"], done["rows"], done["expected_rows"], done["percent"]) == ("done", 3, 3, 100)
    assert done["download_url"] == f"/exports/{export_id}/file" and done["size"] > 1000
    page = text(b.get(f"/exports/{export_id}"))
    assert 'id="export-file"' in page and "3 行" in page
    assert b.get(f"/exports/{export_id}/file").status_code in (200, 302)
    event = next(e for e in c.store.list_audit(5) if e.action == "download_export")
    assert (event.actor, event.target, event.detail["rows"]) == ("taiyuan", export_id, 3)
    assert b.get("/assets/export.js").status_code == 200


def test_progress_is_kept_every_few_thousand_rows_while_the_worker_writes(board, backend_container, monkeypatch):
    c = backend_container
    c.exports.wake_jobs = None
    monkeypatch.setattr("chalicelib.services.progress.EVERY", 1)
    monkeypatch.setattr("chalicelib.services.progress.SECONDS", 0)
    seen: list[dict] = []
    put = c.blobs.put

    def watched(key, data, *args, **kwargs):
        if key.startswith("exports/jobs/") and key.endswith(".json"):
            seen.append(json.loads(data))
        return put(key, data, *args, **kwargs)
    monkeypatch.setattr(c.blobs, "put", watched)
    _ask(signed_in(board, "taiyuan"))
    finish_jobs(c)
    running = [(r["rows"], r["expected"]) for r in seen if r["status"] == "running"]
    assert (0, 3) in running and (1, 3) in running and (2, 3) in running
    assert seen[-1]["status"] == "done"


def test_my_exports_lists_the_askers_exports_newest_first_in_beijing_time(board, backend_container, clock):
    c = backend_container
    b = signed_in(board, "taiyuan")
    first = _ask(b)
    clock.current += dt.timedelta(minutes=5)
    b.get("/review/overdue")
    second = location(b.post("/review/overdue/export?year=2025&step=ordered", {})).rsplit("/", 1)[1]
    finish_jobs(c)
    page = text(b.get("/exports"))
    assert page.index(second) < page.index(first)
    assert "未依法备案单位名单" in page and "处理环节：责令改正中" in page and "备案数据导出" in page
    assert (clock.current + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") in page  # Beijing time
    assert page.count(">下载</a>") == 2
    api = Api(board)
    token = api.login("taiyuan", PASSWORD)
    status, body = api.call("GET", "/exports", token=token)
    assert status == 200 and [x["export_id"] for x in body["items"]] == [second, first]
    assert body["items"][1]["rows"] == 3 and body["items"][1]["download_url"].endswith(f"/exports/{first}/file")
    other = text(signed_in(board, "xiaodian").get("/exports"))
    assert first not in other and 'id="no-exports"' in other  # nobody sees another's exports
    clock.current += dt.timedelta(days=8)  # past the 7 days the file is kept
    b = signed_in(board, "taiyuan")
    page = text(b.get("/exports"))
    assert ">下载</a>" not in page and "已过期" in page
    gone = b.get(f"/exports/{first}/file")
    assert gone.status_code == 404 and "7天" in text(gone)


def test_an_export_whose_worker_dies_every_time_is_given_up_after_three_builds(board, backend_container,
                                                                             monkeypatch):
    import pytest

    from tests.contract.test_crash_recovery import ProcessDied, after_the_lease
    c = backend_container
    c.exports.wake_jobs = None
    b = signed_in(board, "taiyuan")
    export_id = _ask(b)

    def dies(*args, **kwargs):
        raise ProcessDied()
    monkeypatch.setitem(c.exports.builders, "stats", c.exports.builders["stats"]._replace(build=dies))
    for _ in range(3):
        with pytest.raises(ProcessDied):
            c.recovery.sweep()
        after_the_lease(c.clock)
    c.recovery.sweep()
    failed = json.loads(b.get(f"/exports/{export_id}/progress").body)
    assert failed["status"] == "failed" and failed["message"] == "导出多次未能完成，请缩小范围后重新导出"
