"""Presigned S3 links as real S3 takes them, in a global region, us-east-1 and a China region: SigV4 (buckets made
after June 2020 and SSE-KMS objects refuse SigV2, which botocore would use in the older regions) on the bucket's
regional host. Built by the composition root from a plain boto3 session: nothing is sent anywhere."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.settings import Settings

pytestmark = pytest.mark.aws

REGIONS = {"us-east-1": "s3.us-east-1.amazonaws.com", "eu-west-1": "s3.eu-west-1.amazonaws.com",
           "cn-north-1": "s3.cn-north-1.amazonaws.com.cn"}


def _blobs(region: str):
    session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret" * 6,
                                    region_name=region)
    settings = Settings("aws", "https://filing.example.cn", "s" * 40, table_name="t", bucket_name="filing-blobs",
                        mail_from="noreply@example.cn", channels=("sms",))
    return bootstrap.build(settings, aws_session=session).blobs


@pytest.mark.parametrize("region", REGIONS)
def test_an_upload_form_is_signed_with_sigv4_for_the_regional_host(region):
    post = _blobs(region).presigned_post("uploads/F1/u1.xlsx", max_bytes=50 * 1024 * 1024)
    assert urlsplit(post["url"]).hostname == f"filing-blobs.{REGIONS[region]}"
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert f"/{region}/s3/aws4_request" in post["fields"]["x-amz-credential"]
    assert "AWSAccessKeyId" not in post["fields"] and "signature" not in post["fields"]


@pytest.mark.parametrize("region", REGIONS)
def test_a_download_link_is_signed_with_sigv4_for_the_regional_host(region):
    url = _blobs(region).presigned_get("exports/r.xlsx", 300, "表二错误报告.xlsx")
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).hostname == f"filing-blobs.{REGIONS[region]}"
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and f"/{region}/s3/" in query["X-Amz-Credential"][0]
    assert "AWSAccessKeyId" not in query
