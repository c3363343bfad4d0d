"""A small JSON API client over chalice.test.Client, used by the web and aws tiers."""
from __future__ import annotations

import json
import time
import urllib.request
import uuid

from chalice.test import Client


def multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Api:
    def __init__(self, client: Client):
        self.client = client
        self.http = client.http
        self.token = None
        self.bucket: str | None = None  # AWS mode: where presigned uploads land

    def call(self, method: str, path: str, body=None, token: str | None = None):
        if (method, path) == ("POST", "/employers/register") and isinstance(body, dict) \
                and "verification_code" not in body:
            body = {**body, "verification_code": self.registration_code(body.get("filer_mobile"))}
        headers = {"Content-Type": "application/json"}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        response = self.http.request(method, f"/api/v1{path}", headers=headers,
                                     body=json.dumps(body).encode() if body is not None else b"")
        return response.status_code, (json.loads(response.body) if response.body else None)

    def registration_code(self, mobile) -> str:
        """A registration proves the filer's mobile (docs/rules.md §12): ask for the code and read the SMS, as a
        person would ("" when no code came: the number's resend interval, or a malformed number)."""
        from tests.factories import sms_code
        status, _ = self.call("POST", "/employers/register/code", {"mobile": mobile})
        return (sms_code(mobile) or "") if status == 202 else ""

    def login(self, username: str, password: str) -> str:
        status, body = self.call("POST", "/auth/login", {"username": username, "password": password})
        assert status == 200, body
        return body["token"]

    def upload(self, filing_id: str, table: str, content: bytes, token: str) -> dict:
        status, started = self.call("POST", f"/filings/{filing_id}/uploads", {"table": table, "filename": "名册.xlsx"},
                                    token)
        assert status == 201, started
        body, ctype = multipart(started["fields"], "名册.xlsx", content)
        if started["url"].endswith("/api/v1/local-uploads"):  # embedded: the app's own endpoint
            response = self.http.post("/api/v1/local-uploads", headers={"Content-Type": ctype}, body=body)
            assert response.status_code in (204, 303), response.body
        else:  # AWS: straight to S3, whose ObjectCreated event then runs the import
            request = urllib.request.Request(started["url"], data=body, headers={"Content-Type": ctype})
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status in (200, 201, 204)
            event = self.client.events.generate_s3_event(bucket=self.bucket, key=started["fields"]["key"])
            self.client.lambda_.invoke("on_upload", event)
        return self.wait_for_upload(filing_id, started["upload_id"], token)

    def wait_for_upload(self, filing_id: str, upload_id: str, token: str, timeout: float = 120) -> dict:
        """The upload once its import has finished (embedded mode imports on a background thread)."""
        deadline = time.monotonic() + timeout
        while True:
            status, upload = self.call("GET", f"/filings/{filing_id}/uploads/{upload_id}", token=token)
            assert status == 200, upload
            if upload["status"] not in ("waiting", "processing") or time.monotonic() > deadline:
                return upload
            time.sleep(0.02)


