"""pytest plugin: the AWS tier's local emulator, reached through pytest-localstack.

Where the emulator comes from: `AWS_EMULATOR_URL` (e.g. a running LocalStack, http://localhost:4566)
if set; otherwise moto's server as a subprocess on a free 127.0.0.1 port, serving one request at a time
(tests/moto_serial.py: moto's threaded server lets two transactions interleave, which DynamoDB never does; no
Docker here, and moto inside the test process trips pytest-localstack's DebugComponentLocator NameError).

How pytest-localstack is used: the emulator is a `pytest_localstack.session.RunningSession` whose
every service maps to the emulator's port. Its `start()` runs pytest-localstack's own service checks
(a harmless list_* call per service). Every boto3 client the tests get comes from
`session.boto3.default_session`: a boto3 Session over pytest-localstack's botocore Session subclass, whose
LocalstackEndpointResolver sends each service to the emulator's host:port and refuses any region but
the session's, so no test request can reach real AWS. We do not use `patch_botocore()` (a global
monkey-patch of botocore) or `session_fixture`/`patch_fixture` (they want Docker): the adapters take
their clients as arguments, so handing them emulator clients is all the redirection needed.

Fake credentials and the region are set in the environment for the session only and restored after.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from pytest_localstack import constants, service_checks
from pytest_localstack.session import RunningSession

from chalicelib.adapters.aws.dynamo_store import DynamoStore, create_table
from chalicelib.adapters.aws.s3_blobs import S3BlobStore
from chalicelib.adapters.aws.senders import ChannelSender, SesSender, SnsSmsSender

REGION = "us-east-1"  # moto does not support every service in cn-north-1
SENDER_EMAIL = "noreply@example.cn"
SERVICES = ("dynamodb", "s3", "ses", "sns", "sts", "events", "scheduler", "sqs")
FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION}
CLEARED_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL")


def _register_scheduler() -> None:
    """pytest-localstack 0.8.0 predates EventBridge Scheduler (Chalice's @app.schedule target)."""
    constants.SERVICE_PORTS.setdefault("scheduler", 4566)
    service_checks.SERVICE_CHECKS.setdefault(
        "scheduler", service_checks.botocore_check_response_type("scheduler", "list_schedules", list, "Schedules"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(host: str, port: int, proc: subprocess.Popen | None, log: Path, timeout: float = 30) -> None:
    """pytest-localstack's start() returns quietly when nothing listens, so check the port first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        if service_checks.is_port_open(port if host == "127.0.0.1" else f"http://{host}:{port}", timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"no AWS emulator listening on {host}:{port} after {timeout}s")


@contextlib.contextmanager
def _moto_server(log: Path) -> Iterator[str]:
    port = _free_port()
    serial = Path(__file__).with_name("moto_serial.py")  # one request at a time, atomic like DynamoDB
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(serial), "127.0.0.1", str(port)], stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        _wait_for_port("127.0.0.1", port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def aws_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The emulator's base URL, with fake credentials and the test region in the environment."""
    external = os.environ.get("AWS_EMULATOR_URL", "").rstrip("/")
    with pytest.MonkeyPatch.context() as mp:
        for name, value in FAKE_ENV.items():
            mp.setenv(name, value)
        for name in CLEARED_ENV:
            mp.delenv(name, raising=False)
        if external:
            url = urllib.parse.urlsplit(external)
            _wait_for_port(url.hostname or "127.0.0.1", url.port or 4566, None, Path("/dev/null"), timeout=10)
            yield external
        else:
            with _moto_server(tmp_path_factory.mktemp("moto") / "moto_server.log") as url:
                yield url


def _is_moto(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def aws_session(aws_endpoint: str) -> Iterator[RunningSession]:
    """pytest-localstack's handle on the emulator (all services on the emulator's one port)."""
    _register_scheduler()
    url = urllib.parse.urlsplit(aws_endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    session = RunningSession(url.hostname, services={name: port for name in SERVICES}, region_name=REGION,
                             use_ssl=url.scheme == "https", moto=_is_moto(aws_endpoint))
    session.start(timeout=60)
    try:
        yield session
    finally:
        session.stop()


def reset_emulator(endpoint: str) -> None:
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10):
        pass


@pytest.fixture
def aws_clients(aws_session: RunningSession, aws_endpoint: str) -> SimpleNamespace:
    """Fresh emulator state (moto is reset; on LocalStack tests use unique names) and clients."""
    if aws_session.kwargs.get("moto"):
        reset_emulator(aws_endpoint)
    boto = aws_session.boto3.default_session  # one per botocore session: boto3 injects its S3 methods once
    return SimpleNamespace(boto3=boto, endpoint=aws_endpoint, region=REGION,
                           **{name: boto.client(name) for name in ("dynamodb", "s3", "ses", "sns")})


@pytest.fixture
def aws_adapters(aws_clients: SimpleNamespace) -> SimpleNamespace:
    """The AWS adapters over a new table and bucket, with the sender's SES identity verified."""
    suffix = uuid.uuid4().hex[:12]
    table, bucket = f"filing-{suffix}", f"filing-blobs-{suffix}"
    create_table(aws_clients.dynamodb, table)
    aws_clients.s3.create_bucket(Bucket=bucket)  # us-east-1: no LocationConstraint
    aws_clients.ses.verify_email_identity(EmailAddress=SENDER_EMAIL)
    sender = ChannelSender({"email": SesSender(aws_clients.ses, SENDER_EMAIL), "sms": SnsSmsSender(aws_clients.sns)})
    return SimpleNamespace(store=DynamoStore(table, aws_clients.dynamodb), blobs=S3BlobStore(bucket, aws_clients.s3),
                           sender=sender, clients=aws_clients, endpoint=aws_clients.endpoint,
                           table_name=table, bucket=bucket)


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def sent_messages(endpoint: str) -> SimpleNamespace:
    """What the emulator delivered: .emails [{source, to, subject, body}], .sms [{to, body}].

    moto: /moto-api/data.json (ses.Message, sns.SMS). LocalStack (untested here):
    /_aws/ses and /_aws/sns/sms-messages."""
    try:
        data = _get_json(f"{endpoint}/moto-api/data.json")
    except OSError:
        return _localstack_sent(endpoint)
    emails = [{"source": m["source"], "to": m["destinations"].get("ToAddresses", []),
               "subject": m["subject"], "body": m["body"]} for m in data.get("ses", {}).get("Message", [])]
    sms = [{"to": m["phone_number"], "body": m["message"]} for m in data.get("sns", {}).get("SMS", [])]
    return SimpleNamespace(emails=emails, sms=sms)


def _localstack_sent(endpoint: str) -> SimpleNamespace:
    emails = [{"source": m.get("Source"), "to": m.get("Destination", {}).get("ToAddresses", []),
               "subject": m.get("Subject"), "body": (m.get("Body") or {}).get("text_part")}
              for m in _get_json(f"{endpoint}/_aws/ses").get("messages", [])]
    by_number = _get_json(f"{endpoint}/_aws/sns/sms-messages").get("sms_messages", {})
    sms = [{"to": m.get("PhoneNumber", number), "body": m.get("Message")}
           for number, messages in by_number.items() for m in messages]
    return SimpleNamespace(emails=emails, sms=sms)
