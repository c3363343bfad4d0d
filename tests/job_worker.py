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
