"""Chalice entry point: thin. Routes live in chalicelib/web (registered by the composition root); the
container and everything heavy load on first use."""
from chalice import Chalice, Cron

from chalicelib.bootstrap import container, register_routes
from chalicelib.lambda_io import daily_metrics, metric_line, outbox_run, queue_bodies, upload_keys

app = Chalice(app_name="labor-filing")
register_routes(app)


@app.lambda_function(name="on_upload")
def on_upload(event, context):
    """S3 ObjectCreated under uploads/: import the workbook (AWS mode).

    A plain function rather than @app.on_s3_event: the bucket belongs to the CDK stack, which sends its
    notifications to an SQS queue (with a dead-letter queue) that this function consumes, one record at a time.
    A failure raises, so SQS delivers the record again; importing is idempotent (services/imports.py)."""
    for key in upload_keys(event):
        container().imports.import_blob(key)


@app.schedule("rate(5 minutes)", name="deliver_outbox")
def deliver_outbox(event):
    """Retry notifications whose first attempt failed (with backoff); actions never wait for this.
    Prints the backlog and the messages that ran out of attempts as metrics (the outbox alarms, infra)."""
    counts = outbox_run(container().outbox, seconds=240)  # the function's timeout is 300 s (infra)
    print(metric_line(counts))
    return counts


@app.schedule("rate(1 minute)", name="recover_interrupted")
def recover_interrupted(event):
    """Crash recovery: imports and person indexes whose Lambda died or timed out (lease run out) are cleaned up
    or resumed. Embedded mode runs the same sweep from chalicelib/adapters/embedded/scheduler.py."""
    return container().recovery.sweep(seconds=240)._asdict()  # the function's timeout is 300 s (infra)


@app.schedule(Cron(0, 1, "*", "*", "?", "*"), name="daily_reminders")
def daily_reminders(event):
    """Every day at 01:00 UTC = 09:00 Asia/Shanghai: deadline reminders, the reviewers' digest.
    Idempotent (EventBridge may deliver twice). Embedded mode runs the same job from
    chalicelib/adapters/embedded/scheduler.py at the same time."""
    report = container().reminders.run_daily()
    print("\n".join(report.lines(detail=0)))  # CloudWatch Logs: counts only, no filers' addresses
    print(metric_line(daily_metrics(report)))
    return {"today": report.today.isoformat(), "reminded": len(report.reminded), "digests": len(report.digests),
            "delivered": report.delivered, "planned": report.planned.total(), "batches": report.batches}


@app.lambda_function(name="remind_batch")
def remind_batch(event, context):
    """A batch of the daily job's reminders from the SQS queue (infra): claimed and written to the outbox.
    A failure raises, so SQS delivers the batch again (then the dead-letter queue); claiming is idempotent."""
    from chalicelib.services.reminders import ReminderBatch

    return {"reminded": sum(len(container().reminders.run_batch(ReminderBatch.from_dict(b)))
                            for b in queue_bodies(event))}


@app.lambda_function(name="build_export")
def build_export(event, context):
    """An export asked for (the export queue, infra): built here at once, within this function's 15 minutes
    (5,000,000 rows: bench/README.md). A worker that dies leaves the job to the recover_interrupted schedule,
    which sends it here again; only one worker takes a job (services/exports.py)."""
    return {"built": sum(container().exports.run_queued(str(b.get("export_id") or "")) for b in queue_bodies(event))}
