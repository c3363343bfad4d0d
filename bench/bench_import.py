"""Import speed of a 表二 roster (报盘), end to end: read + check + store, as ImportService.import_blob runs it.

    .venv/bin/python bench/bench_import.py [--sizes 10000,100000] [--aws-rows 10000] [--naive-rows N]

For each size it prints, each measured in a fresh process (so peak RSS figures do not mix):
  - reading only: python-calamine (the reader used) vs openpyxl read-only (the fallback for huge sheets);
  - the embedded backend (SQLite WAL + files): ImportService.import_blob on a real upload;
  - a naive baseline: openpyxl normal mode, one pydantic model and one INSERT (own transaction) per row;
and the AWS backend (DynamoDB + S3 on a moto_server subprocess, as tests/aws_emulator.py starts it) for
--aws-rows rows. Figures only; nothing is asserted. Targets (this 2-core machine): 100,000 rows
validated and stored in <= 20 s embedded, peak RSS <= 400 MB, >= 5x the naive baseline.
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)  # filing 2025 is open


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Clock:
    def now(self):
        return NOW


def _filing(c):
    """A registered unit with a 2025 filing and a started 表二 upload; returns the blob key to import."""
    from chalicelib.services.accounts import Registration
    from tests import factories
    unit, _ = c.accounts.register(Registration(**factories.registration(1)))
    token, _, who = c.accounts.login(unit.uscc, "Passw0rd!26")
    filing = c.filings.create(who, 2025)
    upload, _ = c.filings.start_upload(who, filing.id, "table2", "名册.xlsx")
    return upload


def _import(c, path: str) -> tuple[int, str, float]:
    upload = _filing(c)
    with open(path, "rb") as f:
        c.blobs.put(upload.blob_key, f.read())
    start = time.perf_counter()
    c.imports.import_blob(upload.blob_key)
    seconds = time.perf_counter() - start
    done = c.store.get_upload(upload.id)
    return done.rows_done, done.status, seconds


def run_embedded(path: str, out) -> None:
    from chalicelib import bootstrap
    from chalicelib.settings import Settings
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings("embedded", "http://bench", "bench-secret-" + "x" * 32, data_dir=Path(tmp))
        c = bootstrap.build(settings, clock=Clock(), sender=_NoSender())
        rows, status, seconds = _import(c, path)
    out.put((rows, status, seconds, peak_mib()))


class _NoSender:
    def send(self, message):
        pass


def run_aws(path: str, endpoint: str, out) -> None:
    import uuid

    import boto3

    from chalicelib import bootstrap
    from chalicelib.adapters.aws.dynamo_store import DynamoStore, create_table
    from chalicelib.adapters.aws.s3_blobs import S3BlobStore
    from chalicelib.settings import Settings
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    table, bucket = f"bench-{uuid.uuid4().hex[:8]}", f"bench-{uuid.uuid4().hex[:8]}"
    create_table(dynamodb, table)
    s3.create_bucket(Bucket=bucket)
    settings = Settings("aws", "http://bench", "bench-secret-" + "x" * 32, table_name=table, bucket_name=bucket,
                        mail_from="noreply@example.cn")
    store = DynamoStore(table, dynamodb)
    store.backoff_seconds = 0.01
    c = bootstrap.assemble(settings, store=store, blobs=S3BlobStore(bucket, s3), sender=_NoSender(), clock=Clock())
    rows, status, seconds = _import(c, path)
    out.put((rows, status, seconds, peak_mib()))


def run_naive(path: str, out) -> None:
    """What a first version would do: openpyxl normal mode, one pydantic model and one INSERT per row."""
    import json
    import sqlite3

    from openpyxl import load_workbook
    from pydantic import BaseModel

    from chalicelib.domain.roster import RowChecker
    from chalicelib.domain.tables import TABLE2

    class Row(BaseModel):
        seq: int | None = None
        name: str
        id_type: str
        id_number: str
        gender: str
        birth_date: dt.date
        hukou: str
        education: str
        phone: str | None = None
        employment_form: str
        post_category: str
        special_job: str
        workplace: str
        hire_date: dt.date
        contract_term: str
        contract_start: dt.date
        contract_end: dt.date | None = None
        insured: str

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "naive.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # as SqliteStore: the difference measured is batching, not fsync
        db.execute("CREATE TABLE rows (upload_id TEXT, n INTEGER, doc TEXT, PRIMARY KEY (upload_id, n))")
        checker = RowChecker("table2", period_end=dt.date(2025, 12, 31))
        sheet = load_workbook(path).worksheets[0]
        n = errors = 0
        for values in sheet.iter_rows(min_row=2, values_only=True):
            raw = {c.key: v for c, v in zip(TABLE2, values)}
            clean, problems = checker.check(n + 2, raw)
            if problems:
                errors += 1
                continue
            row = Row(**clean)
            db.execute("BEGIN")
            db.execute("INSERT INTO rows VALUES (?, ?, ?)", ("u", n, json.dumps(row.model_dump(mode="json"))))
            db.execute("COMMIT")
            n += 1
    out.put((n, "done" if not errors else f"{errors} errors", time.perf_counter() - start, peak_mib()))


def run_read(reader: str, path: str, out) -> None:
    start, n = time.perf_counter(), 0
    if reader == "calamine":
        from chalicelib.excel.reader import read_rows
        with open(path, "rb") as f:
            for _ in read_rows(f, "table2"):
                n += 1
    else:
        from openpyxl import load_workbook
        for _ in load_workbook(path, read_only=True).worksheets[0].iter_rows(min_row=2, values_only=True):
            n += 1
    out.put((n, "read", time.perf_counter() - start, peak_mib()))


def measure(label: str, target, *args) -> float:
    ctx = mp.get_context("spawn")  # a fresh interpreter: its peak RSS is this measurement's alone
    out = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, out))
    p.start()
    rows, status, seconds, mib = out.get()
    p.join()
    print(f"  {label:<44} {seconds:7.2f} s {rows / seconds:9,.0f} rows/s  peak RSS {mib:5.0f} MiB  ({status})",
          flush=True)
    return seconds


def make_roster(path: str, rows: int) -> None:
    from bench_read import make_file
    make_file(path, rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--aws-rows", type=int, default=10_000)
    parser.add_argument("--naive-rows", type=int, default=None, help="largest size for the naive baseline")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sorted(set(sizes + ([args.aws_rows] if args.aws_rows else []))):
            path = os.path.join(tmp, f"table2-{rows}.xlsx")
            start = time.perf_counter()
            make_roster(path, rows)
            with zipfile.ZipFile(path) as z:
                xml = max(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
            print(f"{rows:,} rows x 18 columns: {os.path.getsize(path) / 2**20:.1f} MiB file, "
                  f"{xml / 2**20:.0f} MiB sheet XML (written in {time.perf_counter() - start:.0f} s)", flush=True)
            if rows in sizes:
                measure("read: python-calamine", run_read, "calamine", path)
                measure("read: openpyxl read-only", run_read, "openpyxl", path)
                fast = measure("import, embedded (SQLite WAL)", run_embedded, path)
                if args.naive_rows is None or rows <= args.naive_rows:
                    naive = measure("naive baseline (openpyxl, pydantic, 1 insert/row)", run_naive, path)
                    print(f"  -> embedded import is {naive / fast:.1f}x the naive baseline", flush=True)
            if rows == args.aws_rows:
                from tests.aws_emulator import _moto_server
                with _moto_server(Path(tmp) / "moto.log") as endpoint:
                    measure("import, AWS (DynamoDB+S3 on moto_server)", run_aws, path, endpoint)


if __name__ == "__main__":
    main()
