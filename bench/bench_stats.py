"""Statistics dashboard and person look-up at province scale, on the embedded backend.

    .venv/bin/python bench/bench_stats.py [--units 100000] [--rows-per-unit 50] [--db PATH]

Builds --units units (spread over every county of the province), each with an approved 2025 annual filing
whose 表二 has --rows-per-unit rows (defaults: 100,000 units, 5,000,000 rows), straight through the Store in
batches (create_unit, create_filing, save_filing submit+approve — so the counters are the ones the app keeps —
put_rows, and the person index via services.persons.index_approved). Then prints:
  - the province dashboard (GET /stats?year=2025 as the provincial 业务操作员, through the app), median of 5;
  - a person look-up by ID number (GET /api/v1/share/persons/{id}) as a data-sharing account, median of 5.
Target: <= 1 s each. Figures only; nothing asserted. With --db pointing at an existing file the build is skipped.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

NOW = dt.datetime(2026, 7, 9, 2, 0, tzinfo=dt.UTC)
PASSWORD = "Bench-Passw0rd1"


class Clock:
    def now(self):
        return NOW


def person_id(n: int) -> str:
    return f"1401051990{n % 10**7:07d}{n % 10}"[:17] + "X"


def build(store, units: int, rows_per_unit: int) -> None:
    from chalicelib.domain.filing import Filing, RowSet
    from chalicelib.domain.model import Account, Role, Unit
    from chalicelib.domain.reference import divisions
    from chalicelib.services.audit import audit_event
    from chalicelib.services.persons import index_approved
    counties = sorted(d.code for d in divisions().values() if d.level == "county")
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    started, person = time.perf_counter(), 0
    for i in range(units):
        uscc = f"91{i:016d}"
        county = counties[i % len(counties)]
        unit = Unit(uscc=uscc, name=f"单位{i}", unit_type="企业", economic_type="私营", industry="CIJ"[i % 3],
                    affiliation="其他", foreign_invested=False, labor_dispatch=False, registration_division=county,
                    registered_address="地址", legal_representative="张三", filer_name="李四",
                    filer_mobile="13800000000", filer_email="a@example.com", authority_code=county, registered_at=at)
        store.create_unit(unit, Account(username=uscc, password_hash="x", role=Role.FILER, scope=uscc,
                                        display_name="填报员", created_at=at))
        upload_id = uuid.uuid4().hex
        rows = []
        for _ in range(rows_per_unit):
            rows.append({"name": f"职工{person}", "id_number": person_id(person), "gender": "男",
                         "contract_term": "固定期限", "contract_start": "2020-03-01", "contract_end": "2026-02-28"})
            person += 1
        store.put_rows(upload_id, 0, rows)
        f = Filing(id=uuid.uuid4().hex, uscc=uscc, unit_name=unit.name, authority_code=county, year=2025,
                   kind="annual", tables=("table1", "table2"), created_at=at, updated_at=at,
                   table1={"contracts_due": rows_per_unit, "contracts_signed": rows_per_unit - i % 3,
                           "industry": unit.industry},
                   row_sets={"table2": RowSet(upload_id=upload_id, rows=rows_per_unit)})
        store.create_filing(f, audit=audit_event(at, uscc, "create", f.id))
        submitted = f.submit(actor=uscc, now=at, receipt_no=f"R{i}")
        store.save_filing(submitted, expected_version=f.version)
        approved = submitted.review(decision="approve", reason=None, actor="r", now=at)
        store.save_filing(approved, expected_version=submitted.version)
        index_approved(store, approved)
        if (i + 1) % 5000 == 0:
            print(f"  built {i + 1:,} units / {person:,} rows in {time.perf_counter() - started:.0f} s", flush=True)


def median_seconds(call, times: int = 5) -> float:
    spent = []
    for _ in range(times):
        t = time.perf_counter()
        call()
        spent.append(time.perf_counter() - t)
    return statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--rows-per-unit", type=int, default=50)
    parser.add_argument("--db", help="data directory to build in (or reuse)")
    args = parser.parse_args()
    data_dir = args.db or tempfile.mkdtemp(prefix="bench-stats-")
    os.environ.update({"BACKEND": "embedded", "DATA_DIR": data_dir})
    from chalicelib import bootstrap, settings
    from chalicelib.domain.model import Role
    c = bootstrap.build(settings.from_env(), clock=Clock())
    bootstrap.override(c)
    if c.store.get_account("bench-sheng") is None:
        t = time.perf_counter()
        build(c.store, args.units, args.rows_per_unit)
        print(f"built {args.units:,} units, {args.units * args.rows_per_unit:,} rows in "
              f"{time.perf_counter() - t:.0f} s ({data_dir})")
        c.accounts.create_reviewer("bench-sheng", PASSWORD, "140000", "省审核员")
        c.accounts.create_reviewer("bench-share", PASSWORD, "140000", "社保", role=Role.DATA_SHARING)
    from chalice.test import Client

    from app import app
    with Client(app) as client:
        cookie = "session=" + c.accounts.login("bench-sheng", PASSWORD)[0]
        token = c.accounts.login("bench-share", PASSWORD)[0]

        def dashboard():
            r = client.http.get("/stats?year=2025", headers={"Cookie": cookie})
            assert r.status_code == 200, r.body[:300]

        def lookup():
            NOW_ = NOW + dt.timedelta(minutes=lookup.n)  # stay under the per-minute limit
            Clock.now = lambda self: NOW_
            lookup.n += 1
            r = client.http.get(f"/api/v1/share/persons/{person_id(args.units * args.rows_per_unit // 2)}",
                                headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200 and r.json_body["records"], r.body[:300]
            return r
        lookup.n = 0
        found = len(lookup().json_body["records"])
        print(f"province dashboard (/stats?year=2025): {median_seconds(dashboard) * 1000:.1f} ms median of 5")
        print(f"person look-up ({found} record(s) found) (/api/v1/share/persons/{{id}}): {median_seconds(lookup) * 1000:.1f} ms median of 5")


if __name__ == "__main__":
    main()
