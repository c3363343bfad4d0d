"""Blob store on S3: uploaded and generated workbooks.

Browsers upload straight to S3 with a presigned POST (API Gateway caps bodies at 10 MB); the size
limit is a signed content-length-range condition, so S3 itself refuses a bigger file.
"""
from __future__ import annotations

import tempfile
from typing import IO, Any

from botocore.exceptions import ClientError

from ...ports import BlobStore, Download
from ...filenames import content_disposition

SPOOL_BYTES = 8 * 1024 * 1024  # smaller blobs stay in memory, bigger ones go to a temp file


def s3_client(session: Any) -> Any:
    """An S3 client whose presigned POSTs and GETs work on every bucket: signed with SigV4 on the bucket's regional
    host. botocore otherwise presigns with SigV2 on the global host in the older regions (us-east-1, eu-west-1…),
    which buckets created after June 2020 and SSE-KMS objects refuse."""
    from botocore.config import Config

    return session.client("s3", config=Config(signature_version="s3v4", s3={
        "addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}))


def _missing(e: ClientError) -> bool:
    return e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


class S3BlobStore(BlobStore):
    def __init__(self, bucket: str, client: Any):
        self.bucket = bucket
        self.client = client

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def put_file(self, key: str, f: IO[bytes], content_type: str = "application/octet-stream") -> None:
        """In parts (multipart upload past 8 MiB), never held whole."""
        self.client.upload_fileobj(f, self.bucket, key, ExtraArgs={"ContentType": content_type})

    def keys(self, prefix: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def open(self, key: str) -> IO[bytes]:
        """A seekable copy (readers such as openpyxl seek); FileNotFoundError if absent."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as e:
            if _missing(e):
                raise FileNotFoundError(key) from None
            raise
        f = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        try:
            for chunk in body.iter_chunks(1024 * 1024):
                f.write(chunk)
        except BaseException:
            f.close()
            raise
        finally:
            body.close()
        f.seek(0)
        return f  # type: ignore[return-value]

    def size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError as e:
            if _missing(e):
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def presigned_get(self, key: str, expires_seconds: int, filename: str) -> str:
        """A presigned GET whose response downloads as `filename` (RFC 6266: UTF-8 name + ASCII fallback)."""
        return self.client.generate_presigned_url(
            "get_object", ExpiresIn=expires_seconds,
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentDisposition": content_disposition(filename)})

    def download(self, key: str, filename: str, expires_seconds: int) -> Download:
        """Always a link: S3 serves big files better, and Lambda responses are capped at 6 MB."""
        return Download(filename, url=self.presigned_get(key, expires_seconds, filename))

    def presigned_post(self, key: str, *, max_bytes: int, expires_seconds: int = 3600,
                       redirect: str | None = None) -> dict:
        conditions: list = [["content-length-range", 0, max_bytes]]
        fields = {}
        if redirect:  # S3 answers the browser's form POST with a 303 to the app's result page
            fields["success_action_redirect"] = redirect
            conditions.append({"success_action_redirect": redirect})
        post = self.client.generate_presigned_post(
            Bucket=self.bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_seconds)
        return {"url": post["url"], "fields": post["fields"]}
