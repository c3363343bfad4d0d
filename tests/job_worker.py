"""The job worker's part in tests: an approval queues its person index (services/persons.py); in AWS mode the
recover_interrupted schedule works it off within a minute, in embedded mode a background sweep at once."""
from __future__ import annotations

import datetime as dt
import time


def finish_jobs(container, timeout: float = 30) -> None:
    """Sweep until no job is left (a background sweep may be holding one: wait for it to end)."""
    everything = container.clock.now() + dt.timedelta(days=3650)
    deadline = time.monotonic() + timeout
    while container.store.jobs_idle_since(everything):
        container.recovery.sweep()
        assert time.monotonic() < deadline, "jobs did not finish"
        time.sleep(0.02)


def exported(browser, container, path: str, form: dict | None = None) -> tuple[str, bytes]:
    """Ask for an export the way its page does (POST `path`), let the job build it, and download it as the
    export's page links it: (export id, workbook bytes)."""
    import urllib.request

    asked = browser.post(path, form or {})
    assert asked.status_code == 303 and "/exports/" in asked.headers["Location"], asked.body[:500]
    export_id = asked.headers["Location"].rsplit("/", 1)[1]
    finish_jobs(container)
    page = browser.get(f"/exports/{export_id}")
    assert page.status_code == 200 and b'id="export-file"' in page.body, page.body.decode()[-800:]
    answer = browser.http.get(f"/exports/{export_id}/file", headers=browser._headers({"Accept": "*/*"}))
    if answer.status_code == 302:  # AWS: a presigned S3 GET
        with urllib.request.urlopen(answer.headers["Location"], timeout=30) as f:
            return export_id, f.read()
    assert answer.status_code == 200, answer.body[:300]
    return export_id, answer.body
