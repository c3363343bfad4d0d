"""Embedded mode's stand-in for the S3 event: run the import on a worker thread after the upload.

Two workers: one unit's big roster never holds up another's forty rows, and at most two parsed sheets are in
memory at once (~200 MiB each for 100,000 rows). A file that would inflate past the caps is refused within
seconds, before any reader inflates it (excel/reader.py). If the process stops mid-import the upload is shown
as interrupted once its lease runs out (Upload.stalled), and the recovery sweep cleans up after it
(services/recovery.py); the filing's rows are untouched.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)
WORKERS = 2
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _run(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:  # the import records its own failures; this is for anything it could not
        log.exception("background job failed")


def run_in_background(fn, *args) -> Future:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="import")
        return _executor.submit(_run, fn, *args)
