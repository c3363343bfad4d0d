"""What only the AWS adapters can get wrong: table shape, S3 presigned POST, SES/SNS delivery,
transaction atomicity, batch retries, and no Scan. The shared behaviour lives in tests/contract."""
from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.error
import urllib.request
import uuid

import pytest
from pytest_localstack import exceptions as localstack_exceptions

from chalicelib.adapters.aws import keys
from chalicelib.adapters.aws.dynamo_store import DynamoStore
from chalicelib.domain.filing import Filing
from chalicelib.domain.model import Account, AuditEvent, Message, Role, Unit, Upload
from chalicelib.ports import StaleVersion
from tests.aws_emulator import sent_messages

pytestmark = pytest.mark.aws

NOW = dt.datetime(2025, 3, 3, 1, 2, 3, tzinfo=dt.timezone.utc)
USCC = "91140105MA0K00001X"


def _unit() -> Unit:
    return Unit(uscc=USCC, name="太原示例有限公司", unit_type="企业", economic_type="有限责任公司", industry="制造业",
                affiliation="地方", foreign_invested=False, labor_dispatch=False, registration_division="140105",
                registered_address="太原市小店区", legal_representative="张三", filer_name="李四",
                filer_mobile="13800138000", filer_email="filer@example.cn", authority_code="140105",
                registered_at=NOW)


def _filer() -> Account:
    return Account(username=USCC, password_hash="x", role=Role.FILER, scope=USCC, display_name="李四", created_at=NOW)


def _filing(n: int = 1, authority: str = "140105") -> Filing:
    return Filing(id=f"F{n:04d}", uscc=f"{USCC[:-3]}{n:03d}", unit_name="示例", authority_code=authority, year=2024,
                  kind="annual", tables=("table1",), created_at=NOW, updated_at=NOW)


def _audit(action: str = "test") -> AuditEvent:
    return AuditEvent(id=uuid.uuid4().hex, at=NOW, actor="tester", action=action, target="F0001")


def _message(channel: str = "email", to: str = "someone@example.cn") -> Message:
    return Message(id=uuid.uuid4().hex, channel=channel, to=to, subject="备案审核结果通知",
                   body="您单位的2024年度备案已审核通过。", created_at=NOW)


def _post_form(url: str, fields: dict, filename: str, data: bytes) -> int:
    """A browser-like multipart/form-data POST, built by hand (no requests)."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    req = urllib.request.Request(url, data=b"".join(parts), method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_clients_go_through_pytest_localstack(aws_session, aws_clients):
    assert aws_clients.dynamodb.meta.endpoint_url == aws_session.endpoint_url("dynamodb")
    with pytest.raises(localstack_exceptions.RegionError):  # its resolver refuses to leave the emulator
        aws_clients.boto3.client("dynamodb", region_name="cn-north-1")


def test_table_has_the_three_sparse_gsis(aws_adapters):
    table = aws_adapters.clients.dynamodb.describe_table(TableName=aws_adapters.table_name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"PK": "HASH", "SK": "RANGE"}
    gsis = {g["IndexName"]: ({k["KeyType"]: k["AttributeName"] for k in g["KeySchema"]}, g["Projection"])
            for g in table["GlobalSecondaryIndexes"]}
    assert gsis == {name: ({"HASH": pk, "RANGE": sk}, {"ProjectionType": "ALL"})
                    for name, (pk, sk) in keys.INDEXES.items()}


def test_presigned_post_uploads_straight_to_s3(aws_adapters):
    data = b"PK\x03\x04" + bytes(range(256)) * 40
    post = aws_adapters.blobs.presigned_post("uploads/u1/roster.xlsx", max_bytes=1_000_000, expires_seconds=600)
    assert _post_form(post["url"], post["fields"], "roster.xlsx", data) in (200, 201, 204)
    assert aws_adapters.blobs.size("uploads/u1/roster.xlsx") == len(data)
    with aws_adapters.blobs.open("uploads/u1/roster.xlsx") as f:
        assert f.read() == data
        f.seek(2)  # readers such as openpyxl seek
        assert f.read(2) == b"\x03\x04"


def test_presigned_post_refuses_a_file_over_max_bytes(aws_adapters, aws_session):
    post = aws_adapters.blobs.presigned_post("uploads/u2/big.xlsx", max_bytes=1024)
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert ["content-length-range", 0, 1024] in policy["conditions"]  # signed, so the browser can't lift it
    status = _post_form(post["url"], post["fields"], "big.xlsx", b"x" * 4096)
    if status < 300 and aws_session.kwargs.get("moto"):
        pytest.xfail("moto accepts POSTs over content-length-range (it does not check POST policies); "
                     "S3 and LocalStack answer 400 EntityTooLarge")
    assert status == 400
    assert aws_adapters.blobs.size("uploads/u2/big.xlsx") is None


def test_missing_blob(aws_adapters):
    assert aws_adapters.blobs.size("nope") is None
    with pytest.raises(FileNotFoundError):
        aws_adapters.blobs.open("nope")
    aws_adapters.blobs.delete("nope")  # deleting nothing is fine


def test_email_and_sms_reach_the_emulator(aws_adapters):
    aws_adapters.sender.send(_message("email", "filer@example.cn"))
    aws_adapters.sender.send(_message("sms", "13800138000"))
    sent = sent_messages(aws_adapters.endpoint)
    assert sent.emails == [{"source": "noreply@example.cn", "to": ["filer@example.cn"],
                            "subject": "备案审核结果通知", "body": "您单位的2024年度备案已审核通过。"}]
    assert sent.sms == [{"to": "+8613800138000", "body": "您单位的2024年度备案已审核通过。"}]


def test_sender_failures_raise(aws_adapters):
    with pytest.raises(ValueError):
        aws_adapters.sender.send(_message("fax", "0351-1234567"))
    with pytest.raises(Exception):  # SES refuses an unverified source: the outbox must see the failure
        type(aws_adapters.sender.senders["email"])(aws_adapters.clients.ses, "nobody@unverified.cn").send(_message())


def test_save_filing_is_all_or_nothing(aws_adapters):
    store = aws_adapters.store
    filing = _filing()
    store.create_filing(filing, audit=_audit("create"))
    submitted = filing.submit(actor="filer", now=NOW, receipt_no="BA-140105-2024-000001")

    with pytest.raises(StaleVersion):  # version 2 is not stored: nothing of the transaction may land
        store.save_filing(submitted, expected_version=2, audit=_audit("submit"), messages=[_message(), _message()])
    assert store.get_filing(filing.id) == filing
    assert [e.action for e in store.list_audit()] == ["create"]
    assert store.pending_messages() == [] and store.list_messages() == []
    assert store.list_authority_filings(["140105"], status="submitted").items == []

    store.save_filing(submitted, expected_version=1, audit=_audit("submit"), messages=[_message()])
    assert store.get_filing(filing.id) == submitted
    assert [e.action for e in store.list_audit()] == ["submit", "create"]
    assert len(store.pending_messages()) == 1
    assert [f.id for f in store.list_authority_filings(["140105"], status="submitted").items] == [filing.id]


class _FlakyBatches:
    """Wraps a client: each BatchWriteItem processes only its first half, returning the rest as
    UnprocessedItems, as DynamoDB does under throttling; `refuse` more calls are refused whole with
    ProvisionedThroughputExceededException (every item throttled); BatchGetItem leaves its first key
    unprocessed once. Counts the calls."""

    def __init__(self, client, refuse=0):
        self._client, self.batch_sizes, self.refuse, self.gets = client, [], refuse, []

    def __getattr__(self, name):
        return getattr(self._client, name)

    def batch_write_item(self, RequestItems):
        from botocore.exceptions import ClientError
        (table, requests), = RequestItems.items()
        self.batch_sizes.append(len(requests))
        if self.refuse:
            self.refuse -= 1
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                              "BatchWriteItem")
        done, rest = requests[:max(1, len(requests) // 2)], requests[max(1, len(requests) // 2):]
        self._client.batch_write_item(RequestItems={table: done})
        return {"UnprocessedItems": {table: rest} if rest else {}}

    def batch_get_item(self, RequestItems):
        (table, request), = RequestItems.items()
        self.gets.append(len(request["Keys"]))
        if len(self.gets) == 1 and len(request["Keys"]) > 1:
            first, rest = request["Keys"][:1], request["Keys"][1:]
            resp = self._client.batch_get_item(RequestItems={table: {**request, "Keys": rest}})
            resp["UnprocessedKeys"] = {table: {**request, "Keys": first}}
            return resp
        return self._client.batch_get_item(RequestItems=RequestItems)


def _small(store, per_item=2, shards=3):
    store.rows_per_item, store.row_shards = per_item, shards
    store.backoff_seconds = 0
    return store


def test_put_rows_batches_by_25_and_retries_unprocessed_items(aws_adapters):
    flaky = _FlakyBatches(aws_adapters.clients.dynamodb, refuse=2)
    store = _small(DynamoStore(aws_adapters.table_name, flaky))
    store.put_rows("up1", 1, [{"序号": n, "姓名": f"员工{n}"} for n in range(1, 61)])  # 31 items of 2 rows
    assert max(flaky.batch_sizes) == 25 and 6 in flaky.batch_sizes  # 25 + 6 items, then the retries
    assert len(flaky.batch_sizes) > 4  # the refused calls and the unprocessed halves were sent again
    assert [r["序号"] for r in store.iter_rows("up1")] == list(range(1, 61))
    flaky.gets.clear()
    assert [r["序号"] for r in store.get_rows("up1", offset=50, limit=9)] == list(range(50, 59))
    assert flaky.gets == [5, 1]  # five items by key; the one left unprocessed asked for again
    store.delete_rows("up1")
    assert store.get_rows("up1") == []


def test_rows_are_packed_and_spread_over_the_shards(aws_adapters):
    """A batch of 1,000 rows, as the import writes it: ten items of 100 rows, one per partition, in one
    BatchWriteItem; the first layout wrote 1,000 items under one partition key."""
    client = aws_adapters.clients.dynamodb
    store = aws_adapters.store
    calls: list[str] = []
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    rows = [{"name": f"职工{n}", "id_number": f"140105199001{n:06d}", "workplace": "太原市小店区"} for n in range(1000)]
    store.put_rows("up1", 0, rows)
    assert calls == ["BatchWriteItem"]
    partitions = {}
    for shard in range(keys.ROW_SHARDS):
        found = client.query(TableName=aws_adapters.table_name, KeyConditionExpression="PK = :pk",
                             ExpressionAttributeValues={":pk": {"S": keys.rows_partition("up1", shard)}})["Items"]
        partitions[shard] = found
    assert [len(found) for found in partitions.values()] == [1] * 10
    assert all(len(found[0]["rows"]["B"]) < 100 * 100 for found in partitions.values())  # < 100 B a row, packed
    assert store.get_rows("up1", offset=995, limit=10) == rows[995:]
    assert list(store.iter_rows("up1")) == rows

    calls.clear()
    store.put_rows("up1", 1000, rows[:50])  # half of an eleventh item: read (consistently) and merged
    assert calls == ["BatchGetItem", "BatchWriteItem"]
    calls.clear()
    assert store.get_rows("up1", offset=120, limit=50) == rows[120:170]
    assert calls == ["BatchGetItem"]  # a page is read by key: no Query, no merge


def test_delete_rows_reads_every_shard_consistently_and_leaves_nothing(aws_adapters):
    client = aws_adapters.clients.dynamodb
    store = _small(aws_adapters.store, per_item=3, shards=4)
    store.put_rows("up1", 0, [{"name": f"职工{n}"} for n in range(40)])
    store.put_rows("up2", 0, [{"name": "留下"}])
    queries: list[dict] = []
    client.meta.events.register("provide-client-params.dynamodb.Query", lambda params, **_: queries.append(params))
    store.delete_rows("up1")
    assert len(queries) == 4 and all(q.get("ConsistentRead") for q in queries)
    items = client.scan(TableName=aws_adapters.table_name)["Items"]  # the test looks at the whole table
    assert {i["PK"]["S"] for i in items if "#ROWS#" in i["PK"]["S"]} == {keys.rows_partition("up2", 0)}


def test_a_typical_workflow_never_scans(aws_adapters):
    client = aws_adapters.clients.dynamodb
    calls: list[str] = []
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    store = aws_adapters.store

    store.create_unit(_unit(), _filer())
    store.get_unit(USCC), store.get_account(USCC)
    for n, authority in enumerate(["140105", "140106", "140105"], 1):
        store.create_filing(_filing(n, authority), audit=_audit("create"))
    store.put_upload(Upload(id="up1", filing_id="F0001", table="table2", filename="r.xlsx", blob_key="k",
                            created_at=NOW, updated_at=NOW))
    store.put_rows("up1", 1, [{"n": n} for n in range(1, 40)])
    store.get_rows("up1", offset=10, limit=10), list(store.iter_rows("up1")), store.get_upload("up1")
    f = store.get_filing("F0001")
    seq = store.next_sequence("receipt-140105-2024")
    store.save_filing(f.submit(actor="filer", now=NOW, receipt_no=f"BA-140105-2024-{seq:06d}"),
                      expected_version=f.version, audit=_audit("submit"), messages=[_message()])
    store.list_authority_filings(["140105", "140106"], status="submitted", year=2024, limit=1)
    page = store.list_authority_filings(None, limit=2)
    store.list_authority_filings(None, limit=2, page_token=page.next_page_token)
    store.list_unit_filings(USCC)
    for m in store.pending_messages():
        aws_adapters.sender.send(m)
        store.mark_message(m.model_copy(update={"status": "sent", "attempts": 1, "sent_at": NOW}))
    store.list_messages(), store.list_audit(), store.delete_rows("up1")

    assert "Scan" not in calls
    assert {"Query", "GetItem", "TransactWriteItems", "BatchWriteItem", "UpdateItem"} <= set(calls)
    assert store.pending_messages() == []


@pytest.mark.aws
def test_save_filing_with_more_messages_than_a_transaction_holds(aws_adapters):
    """An authority with very many reviewers: every notification is still written (DynamoDB caps a
    transaction at 100 items)."""
    from tests.contract.test_store_contract import audit, filing, msg, submitted
    store = aws_adapters.store
    f = filing()
    store.create_filing(f, audit=audit())
    store.save_filing(submitted(f, 1), expected_version=1, audit=audit(), messages=[msg(i) for i in range(130)])
    assert len(store.pending_messages(500)) == 130
    assert store.get_filing(f.id).version == 2
