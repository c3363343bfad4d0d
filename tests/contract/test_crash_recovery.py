"""Crash recovery, on each backend: an import or an approval's person index whose process dies is shown as
interrupted once its lease runs out, and the recovery sweep cleans up after the import (orphan rows and stored
file removed, the upload failed, a new upload imports) and finishes the index from its checkpoint. The last
test kills a real import with SIGKILL (embedded backend)."""
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.domain.model import LEASE, STALLED_MESSAGE, JobKind
from chalicelib.services import imports, persons
from chalicelib.services.jobs import Lease, LeaseLost, new_job
from chalicelib.settings import Settings
from tests import factories
from tests.conftest import FakeClock
from tests.contract.world import assembled, filer_with_filing, registered

PEOPLE = [factories.person(i) for i in range(7)]
ROOT = Path(__file__).resolve().parents[2]


class ProcessDied(BaseException):
    """kill -9 in process: not an Exception, so nothing in the worker gets to clean up."""



def uploaded(c, filer, filing, workbook: bytes):
    upload, _ = c.filings.start_upload(filer, filing.id, "table2", "名册.xlsx")
    c.blobs.put(upload.blob_key, workbook)
    return upload


def after_the_lease(clock):
    clock.advance(seconds=LEASE.total_seconds() + 1)


def test_an_import_that_died_is_shown_interrupted_then_swept_and_a_new_upload_imports(adapters, clock, tmp_path,
                                                                                        monkeypatch):
    c = assembled(adapters, clock, tmp_path)
    filer, filing = filer_with_filing(registered(c), len(PEOPLE))
    monkeypatch.setattr(imports, "BATCH", 2)
    put_rows = adapters.store.put_rows

    def dies_after_the_first_batch(upload_id, start, rows):
        if start > 0:
            raise ProcessDied()
        put_rows(upload_id, start, rows)

    monkeypatch.setattr(adapters.store, "put_rows", dies_after_the_first_batch)
    upload = uploaded(c, filer, filing, factories.table2_workbook(PEOPLE))
    with pytest.raises(ProcessDied):
        c.imports.import_blob(upload.blob_key)
    monkeypatch.setattr(adapters.store, "put_rows", put_rows)

    assert c.filings.get_upload(filer, filing.id, upload.id).status == "processing"  # within its lease
    assert not c.recovery.sweep().acted  # a live import is never taken over
    assert len(adapters.store.get_rows(upload.id)) == 2

    after_the_lease(clock)
    shown = c.filings.get_upload(filer, filing.id, upload.id)
    assert shown.status == "failed" and shown.message == STALLED_MESSAGE
    assert c.recovery.sweep().imports_abandoned == 1
    stored = adapters.store.get_upload(upload.id)
    assert stored.status == "failed" and stored.message == STALLED_MESSAGE
    assert adapters.store.get_rows(upload.id) == []  # the orphan rows
    assert adapters.blobs.size(upload.blob_key) is None  # the stored file
    assert adapters.store.get_job(JobKind.IMPORT, upload.id) is None
    assert not c.recovery.sweep().acted  # nothing left

    again = uploaded(c, filer, filing, factories.table2_workbook(PEOPLE))
    c.imports.import_blob(again.blob_key)
    assert c.filings.get_upload(filer, filing.id, again.id).status == "done"
    assert c.filings.rows(filer, filing.id, "table2")[1] == len(PEOPLE)


def test_an_approval_queues_the_person_index_and_a_worker_that_died_is_finished_by_the_sweep(
        adapters, clock, tmp_path, monkeypatch):
    c = assembled(adapters, clock, tmp_path)
    filer, filing = filer_with_filing(registered(c), len(PEOPLE))
    roster = uploaded(c, filer, filing, factories.table2_workbook(PEOPLE))
    c.imports.import_blob(roster.blob_key)
    submitted = c.filings.submit(filer, filing.id, declaration_accepted=True)
    c.accounts.create_reviewer("r1", "Review-Passw0rd", "140105", "审核员")
    reviewer = c.accounts.authenticate(c.accounts.login("r1", "Review-Passw0rd")[0])
    first, last = PEOPLE[0]["id_number"], PEOPLE[-1]["id_number"]

    approved = c.review.review(reviewer, filing.id, decision="approve", reason=None, version=submitted.version)
    assert approved.status == "approved" and adapters.store.person_records(first) == []  # queued, not written inside

    monkeypatch.setattr(persons, "INDEX_BATCH", 2)
    put_person_records, batches = adapters.store.put_person_records, []

    def dies_after_the_first_batch(records):
        batches.append(records)
        if len(batches) > 1:
            raise ProcessDied()
        put_person_records(records)

    monkeypatch.setattr(adapters.store, "put_person_records", dies_after_the_first_batch)
    with pytest.raises(ProcessDied):
        c.recovery.sweep()  # the job worker takes the queued job, and dies
    monkeypatch.setattr(adapters.store, "put_person_records", put_person_records)

    assert adapters.store.person_records(first) and adapters.store.person_records(last) == []
    assert not c.recovery.sweep().acted  # the dead worker's lease has not run out

    after_the_lease(clock)
    assert c.recovery.sweep().indexes_finished == 1
    assert [r["name"] for r in adapters.store.person_records(last)] == [PEOPLE[-1]["name"]]
    assert [r["n"] for r in adapters.store.person_records(first)] == [0]  # the first batch, not written twice
    assert adapters.store.get_job(JobKind.PERSON_INDEX, filing.id) is None


def test_a_lease_is_kept_alive_while_its_worker_runs_and_a_taken_over_worker_stops(adapters, clock):
    store = adapters.store
    job = new_job(JobKind.IMPORT, "u-lease", clock)
    store.start_job(job)
    lease = Lease(store, clock, job)
    with lease.kept_alive(every=0.01):
        after_the_lease(clock)
        deadline = time.monotonic() + 10
        while store.jobs_idle_since(clock.now() - LEASE) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert store.jobs_idle_since(clock.now() - LEASE) == []  # renewed by the heartbeat alone
    renewed = store.get_job(JobKind.IMPORT, "u-lease")
    assert renewed.heartbeat_at == clock.now()

    after_the_lease(clock)
    (idle,) = store.jobs_idle_since(clock.now() - LEASE)
    lease.renew()  # the worker beats between the sweep's read and its take-over…
    assert not store.take_over_job(idle, "sweep", clock.now())  # …so the sweep leaves it
    after_the_lease(clock)
    (idle,) = store.jobs_idle_since(clock.now() - LEASE)
    assert store.take_over_job(idle, "sweep", clock.now())
    with pytest.raises(LeaseLost):
        lease.renew()  # the presumed-dead worker learns it and stops
    lease.end()  # ends nothing: the job is the sweep's now
    assert store.get_job(JobKind.IMPORT, "u-lease").holder == "sweep"


# -- a real kill -9, embedded backend ---------------------------------------------------------------
CHILD = """
import sys, time
from pathlib import Path
from chalicelib import bootstrap
from chalicelib.services.accounts import Registration
from chalicelib.settings import Settings
from tests import factories

c = bootstrap.build(Settings("embedded", "http://testserver", "s" * 40, data_dir=Path(sys.argv[1])))
c.accounts.register(Registration(**factories.registration()))
filer = c.accounts.authenticate(c.accounts.login(factories.uscc(1), "Passw0rd!26")[0])
filing = c.filings.create(filer, 2025)
c.filings.save_table1(filer, filing.id, factories.table1(3))
upload, _ = c.filings.start_upload(filer, filing.id, "table2", "名册.xlsx")
c.blobs.put(upload.blob_key, factories.roster_workbook(int(sys.argv[2])))
print(filing.id, upload.id, flush=True)
put_rows = c.store.put_rows

def slow_disk(upload_id, start, rows):  # so that the import is surely half-way when it is killed
    put_rows(upload_id, start, rows)
    time.sleep(0.2)

c.store.put_rows = slow_disk
c.imports.import_blob(upload.blob_key)
print("finished", flush=True)
"""


def test_an_import_killed_with_sigkill_is_shown_interrupted_and_swept_after_a_restart(tmp_path):
    from chalicelib.adapters.embedded.sqlite_store import SqliteStore

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), "6000"], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        filing_id, upload_id = child.stdout.readline().split()
        watcher, deadline = SqliteStore(tmp_path / "filing.db"), time.monotonic() + 60
        while (watcher.get_upload(upload_id).rows_done == 0 and child.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    killed_at = dt.datetime.now(dt.timezone.utc)
    assert child.returncode == -signal.SIGKILL and "finished" not in child.stdout.read()

    # the server comes back on the same data folder, a lease later
    settings = Settings("embedded", "http://testserver", "s" * 40, data_dir=tmp_path)
    c = bootstrap.build(settings, clock=FakeClock(killed_at + LEASE + dt.timedelta(seconds=1)))
    filer = c.accounts.authenticate(c.accounts.login(factories.uscc(1), "Passw0rd!26")[0])
    before = c.store.get_upload(upload_id)
    assert before.status == "processing" and 0 < before.rows_done < 6000
    assert c.store.get_rows(upload_id, limit=1)  # orphan rows, under the upload's own id
    shown = c.filings.get_upload(filer, filing_id, upload_id)
    assert shown.status == "failed" and shown.message == STALLED_MESSAGE

    assert c.recovery.sweep().imports_abandoned == 1
    assert c.store.get_upload(upload_id).status == "failed"
    assert c.store.get_rows(upload_id, limit=1) == [] and c.blobs.size(before.blob_key) is None
    again = uploaded(c, filer, c.filings.get(filer, filing_id), factories.table2_workbook(PEOPLE))
    c.imports.import_blob(again.blob_key)
    assert c.filings.get_upload(filer, filing_id, again.id).status == "done"
