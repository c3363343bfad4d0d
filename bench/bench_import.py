"""Import speed of a 表二 roster (报盘), end to end: read + check + store, as ImportService.import_blob runs it.

    .venv/bin/python bench/bench_import.py [--sizes 100000,500000] [--repeat 3] [--openpyxl-rows 100000]
                                           [--naive-rows 100000] [--aws-model-rows 500000] [--aws-rows 0]
                                           [--shared-strings]

Each measurement runs in a fresh process (so peak RSS figures do not mix), --repeat times, interleaved across the
sizes too (goal 2 compares two sizes: a busy minute on this shared machine then weighs on both alike); the median
wall and CPU seconds are printed, and the largest peak RSS. For each size:
  - anchors: python-calamine reading the file alone (the whole sheet, every row iterated), openpyxl read-only
    reading it alone (sizes up to --openpyxl-rows, once: it is slow), and a naive baseline (openpyxl normal mode,
    one pydantic model and one INSERT per row; sizes up to --naive-rows, once);
  - the reader alone (excel/reader.py read_rows) and the embedded import (SQLite WAL + files) on a real upload;
then the three goals of issue 20 with their figures:
  1. 100,000-row embedded import <= 1.6x python-calamine reading the same file, peak RSS <= 300 MiB;
  2. 500,000-row embedded import <= 6x the 100,000-row one of the same run, peak RSS <= 400 MiB;
  3. the AWS import function (1,024 MB, 300 s): a model of --aws-model-rows rows read, checked and written through
     the real DynamoRows (packing, 10 partition keys) to a client that records the requests (bench/dynamo_partitions.py):
     this machine's CPU seconds scaled to the function's share of a vCPU, plus the busiest partition's write units at
     1,000 a second, plus a round trip per request.
--aws-rows N also imports N rows through the AWS backend on a moto_server (functional, not a DynamoDB speed).
Colleagues' test runs share this machine's 2 CPUs: CPU seconds are steadier than wall seconds, so both are printed.
Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)  # filing 2025 is open


LAMBDA_MB, LAMBDA_TIMEOUT_S = 1024, 300  # the import function's (infra/filing_stack.py)
LAMBDA_VCPU = LAMBDA_MB / 1769  # Lambda gives a whole vCPU at 1,769 MB, in proportion below
ROUND_TRIP_S = 0.025  # one BatchWriteItem's round trip from the function, a generous guess


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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


def _import(c, path: str) -> tuple[int, str, float, float]:
    upload = _filing(c)
    with open(path, "rb") as f:
        c.blobs.put(upload.blob_key, f.read())
    start = time.perf_counter()
    cpu = cpu_seconds()
    c.imports.import_blob(upload.blob_key)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    done = c.store.get_upload(upload.id)
    return done.rows_done, done.status, seconds, cpu


def run_embedded(path: str, out) -> None:
    from chalicelib import bootstrap
    from chalicelib.settings import Settings
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings("embedded", "http://bench", "bench-secret-" + "x" * 32, data_dir=Path(tmp))
        c = bootstrap.build(settings, clock=Clock(), sender=_NoSender())
        bootstrap.settle()  # as the process-wide container is, once built
        found = _import(c, path)
    out.put((*found, peak_mib()))


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
    bootstrap.settle()
    out.put((*_import(c, path), peak_mib()))


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

    start, cpu = time.perf_counter(), cpu_seconds()
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
    out.put((n, "done" if not errors else f"{errors} errors", time.perf_counter() - start, cpu_seconds() - cpu,
             peak_mib()))


def run_read(reader: str, path: str, out) -> None:
    start, cpu, n = time.perf_counter(), cpu_seconds(), 0
    if reader == "calamine":  # the whole sheet, as python-calamine reads it
        from python_calamine import CalamineWorkbook
        with open(path, "rb") as f:
            for _ in CalamineWorkbook.from_filelike(f).get_sheet_by_index(0).iter_rows():
                n += 1
    elif reader == "stream":  # this project's reader: checks the package, streams the sheet, rows as dicts
        from chalicelib.excel.reader import read_rows
        with open(path, "rb") as f:
            for _ in read_rows(f, "table2"):
                n += 1
    else:
        from openpyxl import load_workbook
        for _ in load_workbook(path, read_only=True).worksheets[0].iter_rows(min_row=2, values_only=True):
            n += 1
    out.put((n, "read", time.perf_counter() - start, cpu_seconds() - cpu, peak_mib()))


def run_aws_model(path: str, out) -> None:
    """What the import function does with a roster's rows, with DynamoDB replaced by a recorder: the same reader,
    the same checks, the same put_rows (packing, keys, batches of 1,000); returns the busiest partition's units."""
    from dynamo_partitions import IMPORT_BATCH, PARTITION_WCU, Recorder, wcu

    from chalicelib.adapters.aws.dynamo.rows import DynamoRows
    from chalicelib.bootstrap import settle
    from chalicelib.domain.roster import RowChecker
    from chalicelib.excel.reader import read_rows

    recorder = Recorder()
    store = DynamoRows("bench", recorder)
    settle()  # as the import function's process is, once its container is built
    start, cpu, n = time.perf_counter(), cpu_seconds(), 0
    batch: list[dict] = []
    with open(path, "rb") as f:
        checker = RowChecker("table2", period_end=dt.date(2025, 12, 31))  # the year filed, as _filing's
        for row_no, clean, problems in checker.checked(read_rows(f, "table2").values()):
            assert not problems, problems
            clean["row"] = row_no
            batch.append(clean)
            if len(batch) == IMPORT_BATCH:
                store.put_rows("0123456789abcdef0123456789abcdef", n, batch)
                n += len(batch)
                batch = []
    if batch:
        store.put_rows("0123456789abcdef0123456789abcdef", n, batch)
        n += len(batch)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    per_key: dict[str, int] = {}
    for key, size in recorder.items:
        per_key[key] = per_key.get(key, 0) + wcu(size)
    requests = sum(recorder.calls.values())
    write_s = max(per_key.values()) / PARTITION_WCU
    status = (f"{requests} requests, {len(per_key)} partition keys, {min(per_key.values()):,}-"
              f"{max(per_key.values()):,} write units each: {write_s:.1f} s at {PARTITION_WCU:,}/s")
    out.put((n, status, seconds, cpu, peak_mib(), write_s + requests * ROUND_TRIP_S))


class Figure:
    def __init__(self, label: str, runs: list[tuple]):
        self.label, self.rows, self.status = label, runs[0][0], runs[0][1]
        self.wall = statistics.median(r[2] for r in runs)
        self.cpu = statistics.median(r[3] for r in runs)
        self.mib = max(r[4] for r in runs)
        self.extra = runs[0][5:]
        self.runs = len(runs)

    def __str__(self) -> str:
        return (f"  {self.label:<46} {self.wall:7.2f} s wall {self.cpu:7.2f} s CPU {self.rows / self.wall:9,.0f} rows/s"
                f"  peak RSS {self.mib:5.0f} MiB  (median of {self.runs}; {self.status})")


def measure(label: str, target, *args) -> Figure:
    figure = Figure(label, [_once(target, *args)])
    print(figure, flush=True)
    return figure


def make_roster(path: str, rows: int, shared_strings: bool = False) -> None:
    from bench_read import make_file
    make_file(path, rows)
    if shared_strings:
        to_shared_strings(path)


def to_shared_strings(path: str) -> None:
    """The roster's text cells moved into a shared-string table, as Excel and WPS save text (openpyxl writes inline
    strings): a smaller sheet, which python-calamine reads faster."""
    import re
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    index: dict[bytes, int] = {}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>([^<]*)</t></is></c>',
                          lambda m: b'<c r="%s" t="s"><v>%d</v></c>' % (m[1], index.setdefault(m[2], len(index))),
                          parts[sheet])
    parts["xl/sharedStrings.xml"] = b"".join([
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" uniqueCount="%d">' % len(index), *(b"<si><t>%s</t></si>" % t for t in index),
        b"</sst>"])
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,500000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--openpyxl-rows", type=int, default=100_000, help="largest size read by openpyxl read-only")
    parser.add_argument("--naive-rows", type=int, default=100_000, help="largest size for the naive baseline")
    parser.add_argument("--aws-model-rows", type=int, default=500_000)
    parser.add_argument("--aws-rows", type=int, default=0, help="rows imported through moto_server (functional)")
    parser.add_argument("--shared-strings", action="store_true",
                        help="text in a shared-string table, as Excel saves it (default: inline, as openpyxl writes)")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    wanted = sorted(set(sizes) | {args.aws_model_rows, args.aws_rows} - {0})
    calamine: dict[int, Figure] = {}
    embedded: dict[int, Figure] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for rows in wanted:
            path = paths[rows] = os.path.join(tmp, f"table2-{rows}.xlsx")
            start = time.perf_counter()
            _made(make_roster, path, rows, args.shared_strings)
            with zipfile.ZipFile(path) as z:
                xml = max(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
            print(f"{rows:,} rows x 18 columns: {os.path.getsize(path) / 2**20:.1f} MiB file, "
                  f"{xml / 2**20:.0f} MiB sheet XML (written in {time.perf_counter() - start:.0f} s)", flush=True)
        naive: dict[int, Figure] = {}
        for rows in sizes:  # the slow anchors, once
            if rows <= args.openpyxl_rows:
                measure(f"{rows:,} rows, read: openpyxl read-only (anchor)", run_read, "openpyxl", paths[rows])
            if rows <= args.naive_rows:
                naive[rows] = measure(f"{rows:,} rows, naive baseline: openpyxl, pydantic, 1 insert/row",
                                      run_naive, paths[rows])
        runs: dict[tuple[int, str], list] = {}
        for _ in range(args.repeat):  # interleaved, sizes too: a busy minute weighs on every figure alike
            for rows in sizes:
                for what in ("calamine", "stream"):
                    runs.setdefault((rows, what), []).append(_once(run_read, what, paths[rows]))
                runs.setdefault((rows, "embedded"), []).append(_once(run_embedded, paths[rows]))
        for rows in sizes:
            print(f"\n{rows:,} rows", flush=True)
            calamine[rows] = Figure("read: python-calamine (anchor)", runs[rows, "calamine"])
            print(calamine[rows])
            print(Figure("read: this reader (excel/reader.py)", runs[rows, "stream"]))
            embedded[rows] = Figure("import, embedded (SQLite WAL)", runs[rows, "embedded"])
            print(embedded[rows], flush=True)
            if rows in naive:
                print(f"  -> embedded import is {naive[rows].wall / embedded[rows].wall:.1f}x faster than the naive "
                      "baseline")
        print("\ngoals (issue 20)")
        if 100_000 in sizes:
            imp, cal = embedded[100_000], calamine[100_000]
            print(f"  1. 100,000-row import / python-calamine read: {imp.wall / cal.wall:.2f}x wall, "
                  f"{imp.cpu / cal.cpu:.2f}x CPU (goal <= 1.6); peak RSS {imp.mib:.0f} MiB (goal <= 300): "
                  f"{verdict(imp.wall / cal.wall <= 1.6 and imp.mib <= 300)}")
        if {100_000, 500_000} <= set(sizes):
            big, small = embedded[500_000], embedded[100_000]
            print(f"  2. 500,000-row import / 100,000-row import: {big.wall / small.wall:.2f}x wall, "
                  f"{big.cpu / small.cpu:.2f}x CPU (goal <= 6); peak RSS {big.mib:.0f} MiB (goal <= 400), "
                  f"python-calamine alone {calamine[500_000].mib:.0f} MiB: "
                  f"{verdict(big.wall / small.wall <= 6 and big.mib <= 400)}")
        if args.aws_model_rows:
            model = measure("AWS function model: read, check, put_rows", run_aws_model, paths[args.aws_model_rows])
            writes = model.extra[0]
            estimate = model.cpu / LAMBDA_VCPU + writes
            print(f"  3. {args.aws_model_rows:,} rows on the import function ({LAMBDA_MB} MB = {LAMBDA_VCPU:.2f} vCPU): "
                  f"{model.cpu:.1f} s CPU here / {LAMBDA_VCPU:.2f} + {writes:.1f} s of writes (busiest partition, "
                  f"{ROUND_TRIP_S * 1000:.0f} ms a request) = {estimate:.0f} s of the {LAMBDA_TIMEOUT_S} s timeout, "
                  f"peak RSS {model.mib:.0f} of {LAMBDA_MB} MB: {verdict(estimate <= LAMBDA_TIMEOUT_S and model.mib <= LAMBDA_MB)}")
        if args.aws_rows:
            from tests.aws_emulator import _moto_server
            with _moto_server(Path(tmp) / "moto.log") as endpoint:
                measure("import, AWS (DynamoDB+S3 on moto_server)", run_aws, paths[args.aws_rows], endpoint)


def _made(target, *args) -> None:
    """`target(*args)` in a process of its own: a child's peak RSS on Linux starts from its parent's at the fork, so
    the parent stays small."""
    p = mp.get_context("spawn").Process(target=target, args=args)
    p.start()
    p.join()
    if p.exitcode:
        raise SystemExit(f"{target.__name__} failed")


def _once(target, *args) -> tuple:
    ctx = mp.get_context("spawn")  # a fresh interpreter: its peak RSS is this measurement's alone
    out = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, out))
    p.start()
    found = out.get()
    p.join()
    return found


if __name__ == "__main__":
    main()
