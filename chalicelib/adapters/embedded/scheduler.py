"""Embedded mode's stand-in for EventBridge: runs the daily job each day at 09:00 Asia/Shanghai, the time
app.py's @app.schedule fires in AWS mode (cron(0 1 * * ? *) in UTC), and at every poll (the first one as it
starts) runs the crash recovery sweep (app.py's recover_interrupted) and retries the outbox's failed
notifications that are due (app.py's deliver_outbox schedule).

scripts/run-local.sh starts it beside the server (`python -m chalicelib.cli run-scheduler`). Started
after 09:00 it runs today's job at once; the job is idempotent, so a restart never sends anything twice.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

from ...domain.reference import policy

log = logging.getLogger(__name__)
DAILY_AT = dt.time(9, 0)  # Asia/Shanghai; keep in step with the cron in app.py


def run(container, *, stop: threading.Event, poll_seconds: float = 60, out: Callable[[str], None] = print) -> None:
    """Until `stop` is set: once per local day, at or after DAILY_AT, run the daily job and print its summary.
    A failed run is tried again at the next poll."""
    last_run: dt.date | None = None
    while not stop.is_set():
        local = container.clock.now().astimezone(ZoneInfo(policy().timezone))
        if local.time() >= DAILY_AT and local.date() != last_run:
            try:
                report = container.reminders.run_daily(local.date())
            except Exception:
                log.exception("daily job failed; trying again in %s s", poll_seconds)
            else:
                last_run = local.date()
                for line in report.lines():
                    out(line)
        try:
            report = container.recovery.sweep(seconds=poll_seconds / 4)
        except Exception:
            log.exception("crash recovery sweep failed; trying again in %s s", poll_seconds)
        else:
            if report.acted:
                out(report.line())
        try:
            container.outbox.deliver_for(seconds=poll_seconds / 2)
        except Exception:
            log.exception("outbox delivery failed; trying again in %s s", poll_seconds)
        stop.wait(poll_seconds)


def work(container, *, stop: threading.Event, threads: int = 2, idle_seconds: float = 1.0) -> None:
    """Embedded mode's job worker (`cli run-worker`, with JOB_WORKER=process): until `stop` is set, `threads`
    threads sweep for queued jobs (imports, exports, the person index) and run them; two threads never take the
    same job (the take-over is a conditional write). The stand-in for what SQS and Lambda do in AWS mode."""
    def loop() -> None:
        while not stop.is_set():
            try:
                acted = container.recovery.sweep(seconds=60).acted
            except Exception:
                log.exception("job sweep failed; trying again in %s s", idle_seconds)
                acted = False
            if not acted:
                stop.wait(idle_seconds)

    workers = [threading.Thread(target=loop, name=f"job-worker-{n}") for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
