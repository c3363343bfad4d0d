"""A province-wide statistics export (issue 18 item 4): the request's latency, the job's rows/s and peak memory.

    .venv/bin/python bench/bench_export.py [--units 2000] [--rows-per-unit 500] [--db DIR] [--writer-rows 5000000]

1. Builds --units approved 2025 annual filings spread over every county, each with a 表二 of --rows-per-unit
   rows of all 17 columns (defaults: 1,000,000 rows), straight through the embedded Store (--db reuses a build).
2. In a fresh process: the provincial 业务操作员 asks for the export through the app (POST /api/v1/exports,
   median of 5 requests: each only queues a job), then the job worker builds one (services/exports.py run):
   seconds, rows/s, the file's size and the process's peak RSS (ru_maxrss) before and after.
3. In a fresh process: the streaming writer alone (excel/xlsx_stream.py) over --writer-rows generated rows
   (default 5,000,000: five sheets of at most 1,048,575 rows and a 说明 sheet), with its peak RSS — the part of
   the job that does not depend on the store, at the full size.
A 5,000,000-row job is extrapolated from step 2's rows/s (the job is linear in rows: one pass over the store, one
over the writer); run step 2 with --rows-per-unit 2500 for the real thing (a ~2 GB build, about an hour here).
Figures only; nothing asserted. Results: bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

NOW = dt.datetime(2026, 7, 9, 2, 0, tzinfo=dt.UTC)
PASSWORD = "Bench-Passw0rd1"


class Clock:
    def now(self) -> dt.datetime:
        return NOW


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def roster_row(n: int) -> dict[str, str]:
    """A 表二 row with every column filled, as an import stores it."""
    return {"name": f"职工{n}", "id_type": "居民身份证", "id_number": f"14010519{80 + n % 20}0101{n % 10000:04d}",
            "gender": "男女"[n % 2], "birth_date": f"19{80 + n % 20}-01-01", "hukou": "城镇", "education": "大学本科",
            "phone": f"138{n % 10**8:08d}", "employment_form": "全日制", "post_category": "专业技术人员",
            "special_job": "否", "workplace": "太原市小店区长风街1号", "hire_date": "2020-03-01",
            "contract_term": "固定期限", "contract_start": "2020-03-01", "contract_end": "2026-02-28", "insured": "是"}


def build(store, units: int, rows_per_unit: int) -> None:
    from chalicelib.domain.filing import Filing, RowSet
    from chalicelib.domain.reference import divisions
    from chalicelib.services.audit import audit_event
    counties = sorted(d.code for d in divisions().values() if d.level == "county")
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    started, person = time.perf_counter(), 0
    for i in range(units):
        uscc, county, upload_id = f"91{i:016d}", counties[i % len(counties)], uuid.uuid4().hex
        store.put_rows(upload_id, 0, [roster_row(person + r) for r in range(rows_per_unit)])
        person += rows_per_unit
        f = Filing(id=uuid.uuid4().hex, uscc=uscc, unit_name=f"单位{i}", authority_code=county, year=2025,
                   kind="annual", tables=("table1", "table2"), created_at=at, updated_at=at,
                   table1={"contracts_due": rows_per_unit, "contracts_signed": rows_per_unit, "industry": "C"},
                   row_sets={"table2": RowSet(upload_id=upload_id, rows=rows_per_unit)})
        store.create_filing(f, audit=audit_event(at, uscc, "create", f.id))
        submitted = f.submit(actor=uscc, now=at, receipt_no=f"R{i}")
        store.save_filing(submitted, expected_version=f.version)
        store.save_filing(submitted.review(decision="approve", reason=None, actor="r", now=at),
                          expected_version=submitted.version)
        if (i + 1) % 500 == 0:
            print(f"  built {i + 1:,} filings / {person:,} rows in {time.perf_counter() - started:.0f} s", flush=True)


def container(data_dir: str):
    os.environ.update({"BACKEND": "embedded", "DATA_DIR": data_dir})
    from chalicelib import bootstrap, settings
    c = bootstrap.build(settings.from_env(), clock=Clock())
    bootstrap.override(c)
    return c


def job(data_dir: str) -> dict:
    """Step 2, in its own process: the requests through the app, then one build by the job worker."""
    c = container(data_dir)
    c.exports.wake_jobs = None  # the request only queues; this process then plays the worker
    from chalice.test import Client

    from app import app
    from chalicelib.domain.model import JobKind
    rss_before = peak_mib()
    with Client(app) as client:
        token = c.accounts.login("bench-sheng", PASSWORD)[0]
        latencies, asked = [], []
        for _ in range(5):
            t = time.perf_counter()
            r = client.http.post("/api/v1/exports", headers={"Authorization": f"Bearer {token}",
                                                             "Content-Type": "application/json"},
                                 body=json.dumps({"kind": "stats", "year": 2025}))
            latencies.append(time.perf_counter() - t)
            assert r.status_code == 202, r.body[:300]
            asked.append(json.loads(r.body)["export_id"])
    for export_id in asked[1:]:  # one build is the measurement
        c.store.end_job(c.store.get_job(JobKind.EXPORT, export_id))
    t, cpu = time.perf_counter(), time.process_time()
    c.exports.run(c.store.get_job(JobKind.EXPORT, asked[0]))
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    record = json.loads(c.blobs.open(f"exports/jobs/{asked[0]}.json").read())
    assert record["status"] == "done", record
    return {"request_ms": [round(x * 1000, 1) for x in latencies], "rows": record["rows"], "seconds": seconds,
            "cpu_seconds": cpu, "bytes": record["size"], "rss_before_mib": rss_before, "peak_rss_mib": peak_mib()}


def writer(rows: int) -> dict:
    """Step 3, in its own process: the streaming writer alone over `rows` generated rows."""
    from chalicelib.domain.identifiers import listed_row
    from chalicelib.excel.exports import export_workbook
    columns = list(roster_row(0))
    rss_before = peak_mib()
    t, cpu = time.perf_counter(), time.process_time()
    pool = [list(listed_row(roster_row(n)).values()) for n in range(10_000)]  # as the store would hand them out
    generated = ([f"91{n // 500:016d}", f"单位{n // 500}", *pool[n % 10_000]] for n in range(rows))
    with export_workbook([], ["统一社会信用代码", "单位名称", *columns], generated) as f:
        size = f.seek(0, 2)
    return {"rows": rows, "seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - cpu, "bytes": size,
            "rss_before_mib": rss_before, "peak_rss_mib": peak_mib()}


def in_child(step: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", step, *args], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--rows-per-unit", type=int, default=500)
    parser.add_argument("--db", help="data directory to build in (or reuse)")
    parser.add_argument("--writer-rows", type=int, default=5_000_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, value = args.child
        print(json.dumps(job(value) if step == "job" else writer(int(value))))
        return
    data_dir = args.db or tempfile.mkdtemp(prefix="bench-export-")
    c = container(data_dir)
    if c.store.get_account("bench-sheng") is None:
        t = time.perf_counter()
        build(c.store, args.units, args.rows_per_unit)
        print(f"built {args.units:,} filings, {args.units * args.rows_per_unit:,} rows in "
              f"{time.perf_counter() - t:.0f} s ({data_dir})")
        c.accounts.create_reviewer("bench-sheng", PASSWORD, "140000", "省审核员")
    j = in_child("job", data_dir)
    rate = j["rows"] / j["seconds"]
    print(f"request (POST /api/v1/exports, province, 2025): {statistics.median(j['request_ms']):.0f} ms median of 5 "
          f"({', '.join(f'{x:.0f}' for x in j['request_ms'])} ms)")
    print(f"job: {j['rows']:,} rows in {j['seconds']:.0f} s ({j['cpu_seconds']:.0f} s CPU) = {rate:,.0f} rows/s, "
          f"{j['bytes'] / 2**20:.0f} MiB; peak RSS {j['peak_rss_mib']:.0f} MiB "
          f"({j['rss_before_mib']:.0f} MiB before the build)")
    print(f"  5,000,000 rows (extrapolated): {5_000_000 / rate / 60:.1f} min at that wall rate, "
          f"{5_000_000 * j['cpu_seconds'] / j['rows'] / 60:.1f} min of CPU (a free vCPU), "
          f"~{j['bytes'] / j['rows'] * 5_000_000 / 2**20:.0f} MiB")
    if args.writer_rows:
        w = in_child("writer", str(args.writer_rows))
        print(f"writer alone: {w['rows']:,} rows in {w['seconds']:.0f} s ({w.get('cpu_seconds', 0):.0f} s CPU) "
              f"= {w['rows'] / w['seconds']:,.0f} rows/s, "
              f"{w['bytes'] / 2**20:.0f} MiB; peak RSS {w['peak_rss_mib']:.0f} MiB "
              f"({w['rss_before_mib']:.0f} MiB before)")


if __name__ == "__main__":
    main()
