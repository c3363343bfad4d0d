"""How long a reviewer waits for an approval, and how long the person index then takes as a job.

    .venv/bin/python bench/bench_approval.py [--rows 100000]

Embedded backend (SQLite WAL): a submitted filing with a 表二 of --rows people (stored directly, as an import
leaves them), approved through ReviewService.review, then its queued person-index job worked off by the recovery
sweep (services/recovery.py): the embedded background sweep the approval wakes (AWS: the recover_interrupted
schedule, every minute).
Figures only; nothing is asserted. Target (issue 13): the approval answers in under 1 s whatever the size.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)  # filing 2025 is open


class Clock:
    def now(self):
        return NOW


class NoSender:
    def send(self, message):
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows

    from chalicelib import bootstrap
    from chalicelib.domain.filing import RowSet
    from chalicelib.services.accounts import Registration
    from chalicelib.settings import Settings
    from tests import factories
    from tests.job_worker import finish_jobs

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings("embedded", "http://bench", "bench-secret-" + "x" * 32, data_dir=Path(tmp))
        c = bootstrap.build(settings, clock=Clock(), sender=NoSender())
        unit, _ = c.accounts.register(Registration(**factories.registration(1)))
        filer = c.accounts.authenticate(c.accounts.login(unit.uscc, "Passw0rd!26")[0])
        filing = c.filings.create(filer, 2025)
        c.filings.save_table1(filer, filing.id, factories.table1(rows))
        people = [factories.person(i) for i in range(rows)]
        for start in range(0, rows, 1000):
            c.store.put_rows("bench-upload", start, [{**p, "row": start + i + 2} for i, p in enumerate(people[start:start + 1000])])
        filing = c.store.get_filing(filing.id)
        c.store.save_filing(filing.edited(NOW, row_sets={"table2": RowSet(upload_id="bench-upload", rows=rows)}),
                            expected_version=filing.version)
        submitted = c.filings.submit(filer, filing.id)
        c.accounts.create_reviewer("r1", "Review-Passw0rd", "140105", "审核员")
        reviewer = c.accounts.authenticate(c.accounts.login("r1", "Review-Passw0rd")[0])

        start = time.perf_counter()
        c.review.review(reviewer, filing.id, decision="approve", reason=None, version=submitted.version)
        answered = time.perf_counter() - start
        start = time.perf_counter()
        finish_jobs(c, timeout=3600)  # the background sweep the approval woke, and any sweep after it
        indexed = time.perf_counter() - start
        found = len(c.store.person_records(people[-1]["id_number"]))
    print(f"approval of a {rows:,}-row filing (embedded): answered in {answered:.3f} s; "
          f"person index as a job: {indexed:.1f} s ({rows / indexed:,.0f} rows/s); last person indexed: {found > 0}")


if __name__ == "__main__":
    main()
