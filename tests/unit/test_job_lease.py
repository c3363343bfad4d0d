"""When an import counts as interrupted: its lease ran out (domain/model.py LEASE), not 15 minutes of silence."""
import datetime as dt

from chalicelib.domain.model import LEASE, STALLED_MESSAGE, Job, JobKind, Upload

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def upload(status: str = "processing", updated_at: dt.datetime = NOW) -> Upload:
    return Upload(id="u", filing_id="f", table="table2", filename="x.xlsx", blob_key="uploads/u.xlsx",
                  status=status, created_at=NOW, updated_at=updated_at)


def job(heartbeat_at: dt.datetime) -> Job:
    return Job(kind=JobKind.IMPORT, target="u", holder="w", heartbeat_at=heartbeat_at, created_at=NOW)


def test_an_import_is_interrupted_once_its_heartbeat_is_older_than_the_lease():
    quiet_since = NOW - dt.timedelta(minutes=5)  # long without progress: fine while the heartbeat goes on
    assert upload(updated_at=quiet_since).as_seen_at(NOW, job(NOW - LEASE)).status == "processing"
    shown = upload().as_seen_at(NOW, job(NOW - LEASE - dt.timedelta(seconds=1)))
    assert shown.status == "failed" and shown.message == STALLED_MESSAGE


def test_without_a_job_the_last_progress_write_stands_in_for_the_heartbeat():
    assert upload().as_seen_at(NOW, None).status == "processing"
    assert upload(updated_at=NOW - LEASE - dt.timedelta(seconds=1)).as_seen_at(NOW, None).status == "failed"


def test_finished_uploads_are_shown_as_they_are():
    assert upload("done").as_seen_at(NOW, None).status == "done"
    assert upload("waiting").as_seen_at(NOW + dt.timedelta(days=1), None).status == "waiting"
