"""Chalice entry point: thin. Routes live in chalicelib/web; everything else loads on first use."""
from chalice import Chalice

from chalicelib.web.api import api
from chalicelib.web.http import BINARY_TYPES
from chalicelib.web.pages import pages

app = Chalice(app_name="labor-filing")
app.api.binary_types.extend(BINARY_TYPES)
app.register_blueprint(api, url_prefix="/api/v1")
app.register_blueprint(pages)


@app.lambda_function(name="on_upload")
def on_upload(event, context):
    """S3 ObjectCreated under uploads/: import the workbook (AWS mode).

    A plain function rather than @app.on_s3_event: the bucket belongs to the CDK stack, which wires the
    notification (CloudFormation packaging cannot attach events to a bucket it does not create)."""
    from urllib.parse import unquote_plus

    from chalicelib.bootstrap import container
    for record in event.get("Records", []):
        container().imports.import_blob(unquote_plus(record["s3"]["object"]["key"]))
