"""Chalice entry point: thin. Routes live in chalicelib/web; everything else loads on first use."""
import os

from chalice import Chalice

from chalicelib.web.api import api
from chalicelib.web.http import BINARY_TYPES
from chalicelib.web.pages import pages

app = Chalice(app_name="labor-filing")
app.api.binary_types.extend(BINARY_TYPES)
app.register_blueprint(api, url_prefix="/api/v1")
app.register_blueprint(pages)


@app.on_s3_event(bucket=os.environ.get("BUCKET_NAME", "labor-filing-uploads"), events=["s3:ObjectCreated:*"],
                 prefix="uploads/")
def on_upload(event):
    """A workbook reached S3 through a presigned POST: import it (AWS mode)."""
    from chalicelib.bootstrap import container
    container().imports.import_blob(event.key)
