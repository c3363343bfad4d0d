"""Chalice entry point: thin. Routes live in chalicelib/web; everything else loads on first use."""
from chalice import Chalice, Cron

from chalicelib.web.access import guard
from chalicelib.web.admin import admin_api, admin_pages
from chalicelib.web.api import api
from chalicelib.web.api_rosters import rosters_api
from chalicelib.web.filing_pages import filing_pages
from chalicelib.web.enforcement import enforcement, enforcement_api
from chalicelib.web.http import BINARY_TYPES
from chalicelib.web.pages import pages
from chalicelib.web.review_pages import review_pages
from chalicelib.web.share import share_api, share_pages
from chalicelib.web.stats_pages import stats_pages

app = Chalice(app_name="labor-filing")
app.api.binary_types.extend(BINARY_TYPES)
app.register_blueprint(api, url_prefix="/api/v1")
app.register_blueprint(rosters_api, url_prefix="/api/v1")
app.register_blueprint(pages)
app.register_blueprint(filing_pages)
app.register_blueprint(review_pages)
app.register_blueprint(admin_pages)
app.register_blueprint(admin_api, url_prefix="/api/v1")
app.register_middleware(guard, "http")  # access.RULES, for every route
app.register_blueprint(enforcement)
app.register_blueprint(enforcement_api, url_prefix="/api/v1")
app.register_blueprint(stats_pages)
app.register_blueprint(share_pages)
app.register_blueprint(share_api, url_prefix="/api/v1")


@app.lambda_function(name="on_upload")
def on_upload(event, context):
    """S3 ObjectCreated under uploads/: import the workbook (AWS mode).

    A plain function rather than @app.on_s3_event: the bucket belongs to the CDK stack, which wires the
    notification (CloudFormation packaging cannot attach events to a bucket it does not create)."""
    from urllib.parse import unquote_plus

    from chalicelib.bootstrap import container
    for record in event.get("Records", []):
        container().imports.import_blob(unquote_plus(record["s3"]["object"]["key"]))


@app.schedule("rate(5 minutes)", name="deliver_outbox")
def deliver_outbox(event):
    """Retry notifications whose first attempt failed (with backoff); actions never wait for this."""
    from chalicelib.bootstrap import container
    container().outbox.deliver_for(seconds=240)  # the function's timeout is 300 s (infra)


@app.schedule(Cron(0, 1, "*", "*", "?", "*"), name="daily_reminders")
def daily_reminders(event):
    """Every day at 01:00 UTC = 09:00 Asia/Shanghai: deadline reminders, the reviewers' digest.
    Idempotent (EventBridge may deliver twice). Embedded mode runs the same job from
    chalicelib/adapters/embedded/scheduler.py at the same time."""
    from chalicelib.bootstrap import container
    report = container().reminders.run_daily()
    print("\n".join(report.lines(detail=0)))  # CloudWatch Logs: counts only, no filers' addresses
    return {"today": report.today.isoformat(), "reminded": len(report.reminded), "digests": len(report.digests),
            "delivered": report.delivered}
