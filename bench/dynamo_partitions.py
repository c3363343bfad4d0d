"""A model of writing a roster to DynamoDB: requests, items per partition key, write units and the minimum time.

    .venv/bin/python bench/dynamo_partitions.py [--sizes 100000,500000] [--moto-rows 0]

For each size it builds that many varied 表二 rows (random names, valid resident ID numbers, phones, dates and
code values, each passed through the import's RowChecker, so each is the dict the import stores) and writes
them as ImportService does — put_rows in batches of 1,000 from row 0 — through the real DynamoRows
(keys.py's keys, the real packing) over a client that records each request instead of sending it. Item
sizes follow DynamoDB's rule (attribute names + values, UTF-8); a write costs ceil(size / 1 KB) write units.

Printed per layout:
  - requests: BatchWriteItem (and BatchGetItem, for the roster's last, partly filled item);
  - partition keys used, items per partition key, write units in all and on the busiest partition key;
  - the minimum time at 1,000 write units a second per partition (the busiest partition's units / 1,000),
    and at a new on-demand table's initial 4,000 write units a second for the whole table;
Layouts: "one item per row" is the first layout (one item per row under PK=UPLOAD#<id>, one partition);
"packed" is the current one; "packed, not compressed" bounds it for rows that would not compress.
The import function's timeout is 300 s (infra/). Nothing is asserted.

--moto-rows N also times N rows written through put_rows to a moto_server (as the AWS tests run it): a
functional run of the real requests, not a DynamoDB speed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import time
from collections import Counter
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from chalicelib.adapters.aws import keys  # noqa: E402
from chalicelib.adapters.aws.dynamo.rows import DynamoRows  # noqa: E402
from chalicelib.domain.identifiers import id_check_char  # noqa: E402
from chalicelib.domain.roster import RowChecker  # noqa: E402
from chalicelib.domain.tables import COLUMNS  # noqa: E402

IMPORT_BATCH = 1000  # services/imports.py BATCH
PARTITION_WCU = 1000  # write units a second one partition takes
NEW_TABLE_WCU = 4000  # a new on-demand table's initial write throughput, the whole table
TIMEOUT_S = 300  # the import function's
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅晓东海波宇浩然子涵欣怡雨轩思远"
PLACES = ["太原市小店区", "太原市迎泽区", "大同市平城区", "阳泉市城区", "长治市潞州区", "晋城市城区", "朔州市朔城区",
          "晋中市榆次区", "运城市盐湖区", "忻州市忻府区", "临汾市尧都区", "吕梁市离石区"]
COUNTIES = ["140105", "140106", "140107", "140212", "140302", "140403", "140502", "140602", "140702", "140802"]


def roster(size: int, seed: int = 1) -> list[dict[str, Any]]:
    """`size` rows as the import stores them ({**clean, "row": Excel row}), varied like a real roster."""
    rnd = random.Random(seed)
    choices = {c.key: c.choices() for c in COLUMNS["table2"] if c.codes and c.codes != "division"}
    checker = RowChecker("table2", period_end=dt.date(2025, 12, 31))
    out: list[dict[str, Any]] = []
    while len(out) < size:
        i = len(out)
        born = dt.date(1962, 1, 1) + dt.timedelta(days=rnd.randrange(365 * 42))
        first17 = f"{rnd.choice(COUNTIES)}{born:%Y%m%d}{rnd.randrange(1000):03d}"
        hired = born + dt.timedelta(days=365 * 18 + rnd.randrange(365 * 20))
        hired = min(hired, dt.date(2025, 12, 1))
        start = max(hired, dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(1500)))
        start = min(start, dt.date(2025, 12, 1))
        term = rnd.choice(choices["contract_term"])
        raw = {"seq": i + 1, "name": rnd.choice(SURNAMES) + "".join(rnd.choices(GIVEN, k=rnd.choice((1, 2)))),
               "id_type": "居民身份证", "id_number": first17 + id_check_char(first17),
               "gender": "男" if int(first17[16]) % 2 else "女", "birth_date": born,
               "hukou": rnd.choice(choices["hukou"]), "education": rnd.choice(choices["education"]),
               "phone": f"1{rnd.choice('3578')}{rnd.randrange(10**9):09d}",
               "employment_form": rnd.choice(choices["employment_form"]),
               "post_category": rnd.choice(choices["post_category"]), "special_job": rnd.choice(("是", "否")),
               "workplace": rnd.choice(PLACES), "hire_date": hired, "contract_term": term, "contract_start": start,
               "contract_end": start + dt.timedelta(days=365 * rnd.choice((1, 3, 5))) if term == "固定期限" else None,
               "insured": rnd.choice(("是", "是", "是", "否"))}
        clean, problems = checker.check(i + 2, raw)
        if not problems:  # the few a random draw gets wrong are drawn again
            out.append({**clean, "row": i + 2})
    return out


def attr_size(name: str, value: dict[str, Any]) -> int:
    (kind, v), = value.items()
    return len(name.encode()) + (len(v) if kind == "B" else len(str(v).encode()))


def item_size(found: dict[str, Any]) -> int:
    return sum(attr_size(k, v) for k, v in found.items())


def wcu(size: int) -> int:
    return max(1, math.ceil(size / 1024))


class Recorder:
    """A DynamoDB client that records the requests put_rows makes (nothing is stored: a fresh import)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items: list[tuple[str, int]] = []  # (partition key, size in bytes)

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        (_, requests), = RequestItems.items()
        self.calls["BatchWriteItem"] += 1
        for r in requests:
            found = r["PutRequest"]["Item"]
            self.items.append((found["PK"]["S"], item_size(found)))
        return {}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls["BatchGetItem"] += 1
        return {}


def write_packed(rows: list[dict[str, Any]], compress: bool = True) -> tuple[Recorder, float]:
    from chalicelib.adapters.aws.dynamo import rows as rows_module
    recorder = Recorder()
    store = DynamoRows("bench", recorder)
    level = rows_module.COMPRESSION
    if not compress:
        rows_module.COMPRESSION = 0  # zlib level 0: stored, not compressed (a few bytes of framing)
    try:
        began = time.perf_counter()
        for start in range(0, len(rows), IMPORT_BATCH):
            store.put_rows("0123456789abcdef0123456789abcdef", start, rows[start:start + IMPORT_BATCH])
        return recorder, time.perf_counter() - began
    finally:
        rows_module.COMPRESSION = level


def one_item_per_row(rows: list[dict[str, Any]]) -> Recorder:
    """The first layout: PK=UPLOAD#<id> SK=ROW#<n>, doc = the row's JSON, 25 rows per BatchWriteItem."""
    import json
    recorder = Recorder()
    pk = "UPLOAD#0123456789abcdef0123456789abcdef"
    for start in range(0, len(rows), IMPORT_BATCH):
        batch = rows[start:start + IMPORT_BATCH]
        recorder.calls["BatchWriteItem"] += math.ceil(len(batch) / 25)
        for n, r in enumerate(batch, start):
            found = {"PK": {"S": pk}, "SK": {"S": f"ROW#{n:0{keys.ROW_DIGITS}d}"},
                     "doc": {"S": json.dumps(r, ensure_ascii=False)}}
            recorder.items.append((pk, item_size(found)))
    return recorder


def report(label: str, recorder: Recorder, rows: int, extra: str = "") -> float:
    per_pk_items: Counter[str] = Counter()
    per_pk_wcu: Counter[str] = Counter()
    for pk, size in recorder.items:
        per_pk_items[pk] += 1
        per_pk_wcu[pk] += wcu(size)
    total_wcu = sum(per_pk_wcu.values())
    busiest = max(per_pk_wcu.values())
    sizes = [s for _, s in recorder.items]
    partition_s = busiest / PARTITION_WCU
    requests = ", ".join(f"{n:,} {name}" for name, n in sorted(recorder.calls.items(), reverse=True))
    print(f"  {label}{extra}")
    print(f"    requests: {requests}")
    print(f"    items: {len(sizes):,} of {min(sizes):,}–{max(sizes):,} B (mean {sum(sizes) / len(sizes):,.0f} B); "
          f"{len(per_pk_items)} partition key(s), {min(per_pk_items.values()):,}–{max(per_pk_items.values()):,} "
          f"items each")
    print(f"    write units: {total_wcu:,} in all ({total_wcu / rows:.3f} a row), {busiest:,} on the busiest "
          f"partition key")
    print(f"    minimum time: {partition_s:,.1f} s at {PARTITION_WCU:,} WCU/s per partition "
          f"({partition_s / TIMEOUT_S:.0%} of the {TIMEOUT_S} s timeout); "
          f"{total_wcu / NEW_TABLE_WCU:,.1f} s at a new on-demand table's {NEW_TABLE_WCU:,} WCU/s")
    return partition_s


def moto_run(rows: list[dict[str, Any]]) -> None:
    import tempfile
    import uuid
    from pathlib import Path

    import boto3

    from chalicelib.adapters.aws.dynamo_store import DynamoStore, create_table
    from tests.aws_emulator import _moto_server
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    with tempfile.TemporaryDirectory() as tmp, _moto_server(Path(tmp) / "moto.log") as endpoint:
        client = boto3.session.Session().client("dynamodb", endpoint_url=endpoint)
        table = f"bench-{uuid.uuid4().hex[:8]}"
        create_table(client, table)
        store = DynamoStore(table, client)
        began = time.perf_counter()
        for start in range(0, len(rows), IMPORT_BATCH):
            store.put_rows("up", start, rows[start:start + IMPORT_BATCH])
        wrote = time.perf_counter() - began
        began = time.perf_counter()
        back = sum(1 for _ in store.iter_rows("up"))
        read = time.perf_counter() - began
        page = store.get_rows("up", offset=len(rows) // 2, limit=50)
        assert back == len(rows) and page == rows[len(rows) // 2:len(rows) // 2 + 50]
        print(f"  moto_server: put_rows {len(rows):,} rows in {wrote:.1f} s, iter_rows read them back in {read:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,500000")
    parser.add_argument("--moto-rows", type=int, default=0)
    args = parser.parse_args()
    print(f"layout: {keys.ROWS_PER_ITEM} rows an item, {keys.ROW_SHARDS} partition keys an upload; import batches "
          f"of {IMPORT_BATCH:,}; {PARTITION_WCU:,} WCU/s per partition; timeout {TIMEOUT_S} s")
    for size in (int(s) for s in args.sizes.split(",")):
        began = time.perf_counter()
        rows = roster(size)
        print(f"\n{size:,} rows (generated and checked in {time.perf_counter() - began:.0f} s)")
        report("one item per row, one partition key (the first layout)", one_item_per_row(rows), size)
        packed, seconds = write_packed(rows)
        report("packed and compressed, sharded (this layout)", packed, size,
               f" — put_rows' own CPU (JSON + zlib): {seconds:.1f} s")
        plain, _ = write_packed(rows, compress=False)
        report("packed, not compressed, sharded (bound for rows that do not compress)", plain, size)
        if args.moto_rows and size == args.moto_rows:
            moto_run(rows)
    if args.moto_rows and args.moto_rows not in [int(s) for s in args.sizes.split(",")]:
        print(f"\n{args.moto_rows:,} rows")
        moto_run(roster(args.moto_rows))


if __name__ == "__main__":
    main()
