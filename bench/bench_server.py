"""The embedded backend's production entry point under load (docs/onprem.md): `cli serve` (gunicorn) started as
scripts/run-local.sh starts it, on a free port with a throw-away data dir, then driven over HTTP.

    .venv/bin/python bench/bench_server.py [--clients 50] [--seconds 60]

1. Read mix: the review queue and a filing's detail, with a sign-in every 20 reads (the password KDF is slow on
   purpose) — `clients` clients for `seconds` seconds.
2. Write mix: units registering, filing 表一, uploading a 表二 and submitting, while reviewers approve what is
   submitted — `clients` clients for `seconds` seconds.
   Half way through, `cli backup` runs; afterwards the backup is restored (`cli restore`) and every filing the
   server acknowledged before the backup began is looked for in the restored copy.
3. A 300 MiB POST: how long until it is refused, and the server processes' memory before and after.
Prints requests, errors by kind (connection resets, 5xx, "database is locked" in the server log), and latency
percentiles. Figures only; nothing is asserted. Targets (issue 16, this 2-core machine): 0 resets, 0 5xx, 0
"database is locked", p99 of reads under 1 s; the 300 MiB POST refused in under 1 s without memory growing.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import factories  # noqa: E402
from tests.api_client import multipart  # noqa: E402
from tests.live_server import start  # noqa: E402


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}

    def call(self, base: str, method: str, path: str, body: dict | None = None, token: str | None = None,
             raw: bytes | None = None, content_type: str = "application/json") -> tuple[int, dict]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, text = answer.status, answer.read()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read()
        except (ConnectionError, urllib.error.URLError, socket.timeout) as e:
            self._error(f"connection: {type(e).__name__}")
            return 0, {}
        with self.lock:
            self.latencies.append(time.perf_counter() - started)
        if status >= 500:
            self._error(f"{status}")
        try:
            return status, json.loads(text) if text else {}
        except ValueError:
            return status, {}

    def _error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def report(self, title: str, seconds: float) -> None:
        lat = sorted(self.latencies)
        if not lat:
            print(f"{title}: no answers; errors {self.errors}")
            return
        pct = {p: lat[min(len(lat) - 1, int(len(lat) * p / 100))] for p in (50, 95, 99)}
        print(f"{title}: {len(lat)} requests in {seconds:.0f} s ({len(lat) / seconds:.0f}/s); "
              f"p50 {pct[50] * 1000:.0f} ms, p95 {pct[95] * 1000:.0f} ms, p99 {pct[99] * 1000:.0f} ms, "
              f"max {lat[-1] * 1000:.0f} ms; errors {self.errors or 'none'}")


def until(deadline: float):
    while time.monotonic() < deadline:
        yield


def read_mix(server, clients: int, seconds: float) -> None:
    tally, base = Tally(), server.base_url
    reviewer, password = "demo-xiaodian", server.logins["demo-xiaodian"]
    token = tally.call(base, "POST", "/api/v1/auth/login", {"username": reviewer, "password": password})[1]["token"]
    filings = tally.call(base, "GET", "/api/v1/filings?limit=20", token=token)[1].get("items") or []
    tally = Tally()
    deadline = time.monotonic() + seconds

    sign_ins = Tally()

    def client(i: int) -> None:
        for n, _ in enumerate(until(deadline)):
            if n % 20 == 0:  # a session signs in once, then reads; the password KDF is slow on purpose (scrypt)
                sign_ins.call(base, "POST", "/api/v1/auth/login", {"username": reviewer, "password": password})
            tally.call(base, "GET", "/api/v1/filings?limit=50", token=token)
            if filings:
                tally.call(base, "GET", f"/api/v1/filings/{filings[i % len(filings)]['id']}", token=token)

    _threads((clients, client))
    tally.report(f"read mix, {clients} clients: queue and filing detail", seconds)
    sign_ins.report("  of which sign-ins (one per 20 reads)", seconds)


def write_mix(server, clients: int, seconds: float) -> None:
    tally, base = Tally(), server.base_url
    deadline = time.monotonic() + seconds
    serials = iter(range(2000, 10**6))
    serial_lock = threading.Lock()
    acknowledged: list[tuple[float, str]] = []  # (when the server answered, filing id)
    roster = factories.table2_workbook([factories.person(i) for i in range(20)])

    def filer(i: int) -> None:
        for _ in until(deadline):
            with serial_lock:
                n = next(serials)
            reg = factories.registration(n, filer_email=f"bench{n}@example.com")
            if tally.call(base, "POST", "/api/v1/employers/register", reg)[0] != 201:
                continue
            token = tally.call(base, "POST", "/api/v1/auth/login", {"username": reg["uscc"], "password": reg["password"]})[1].get("token")
            filing = tally.call(base, "POST", "/api/v1/filings", {"year": 2025}, token)[1]
            if "id" not in filing:
                continue
            with serial_lock:
                acknowledged.append((time.monotonic(), filing["id"]))
            tally.call(base, "PUT", f"/api/v1/filings/{filing['id']}/table1", factories.table1(20, male=10, female=10), token)
            started = tally.call(base, "POST", f"/api/v1/filings/{filing['id']}/uploads",
                                 {"table": "table2", "filename": "名册.xlsx"}, token)[1]
            body, ctype = multipart(started["fields"], "名册.xlsx", roster)
            tally.call(base, "POST", started["url"].removeprefix(base), raw=body, content_type=ctype)
            for _ in range(100):
                status = tally.call(base, "GET", f"/api/v1/filings/{filing['id']}/uploads/{started['upload_id']}",
                                    token=token)[1].get("status")
                if status in ("done", "failed"):
                    break
                time.sleep(0.2)
            tally.call(base, "POST", f"/api/v1/filings/{filing['id']}/submit", token=token)

    reviewer = "demo-xiaodian"
    review_token = tally.call(base, "POST", "/api/v1/auth/login",
                              {"username": reviewer, "password": server.logins[reviewer]})[1]["token"]

    def approver(i: int) -> None:
        for _ in until(deadline):
            waiting = tally.call(base, "GET", "/api/v1/filings?status=submitted&limit=10", token=review_token)[1]
            for f in waiting.get("items") or []:
                tally.call(base, "POST", f"/api/v1/filings/{f['id']}/review",
                           {"decision": "approve", "version": f["version"]}, review_token)
            time.sleep(0.5)

    def backup_half_way(_: int) -> None:
        time.sleep(seconds / 2)
        backup_began = time.monotonic()
        subprocess.run([sys.executable, "-m", "chalicelib.cli", "backup", "--to", str(server.data_dir.parent / "bench-backups")],
                       cwd=ROOT, env={**os.environ, "BACKEND": "embedded", "DATA_DIR": str(server.data_dir)},
                       check=True, capture_output=True)
        backups.append(backup_began)

    backups: list[float] = []
    approvers = max(1, clients // 10)
    _threads((clients - approvers, filer), (approvers, approver), (1, backup_half_way))
    tally.report(f"write mix, {clients} clients ({approvers} approving)", seconds)
    check_backup(server, [fid for at, fid in acknowledged if at < backups[0]])


def check_backup(server, before: list[str]) -> None:
    """Restore the backup taken half way through the write mix and look for every filing acknowledged before it began."""
    backup_dir = server.data_dir.parent / "bench-backups"
    (made,) = list(backup_dir.iterdir())
    target = server.data_dir.parent / "bench-restored"
    restored = subprocess.run([sys.executable, "-m", "chalicelib.cli", "restore", str(made), "--data-dir", str(target)],
                              cwd=ROOT, capture_output=True, text=True)
    with sqlite3.connect(target / "filing.db") as db:
        present = {row[0] for row in db.execute("SELECT id FROM filings")}
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    missing = [f for f in before if f not in present]
    print(f"backup during the write mix: restore exit {restored.returncode}, integrity_check {integrity}; "
          f"{len(before)} filings acknowledged before it began, {len(missing)} missing from the restored copy")
    shutil.rmtree(backup_dir, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)


def _threads(*groups: tuple[int, object]) -> None:
    """Run each (count, work) group's `work(i)` on `count` threads, and wait for all."""
    threads = [threading.Thread(target=work, args=(i,)) for count, work in groups for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def server_rss_mib(server) -> float:
    """Resident memory of the server's processes (gunicorn master and workers), from /proc."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if b"chalicelib.cli" in cmdline and b"serve" in cmdline and str(server.port).encode() in cmdline:
            total += next(int(line.split()[1]) for line in text.splitlines() if line.startswith("VmRSS"))
    return total / 1024


def huge_post(server) -> None:
    before = server_rss_mib(server)
    sock = socket.create_connection(("127.0.0.1", server.port))
    started = time.perf_counter()
    sock.sendall(b"POST /api/v1/local-uploads HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                 b"Content-Length: %d\r\n\r\n" % (300 * 1024 * 1024))
    chunk, sent = b"\0" * (1024 * 1024), 0
    sock.settimeout(0.05)
    answer = b""
    while sent < 300 and not answer:
        try:
            sock.sendall(chunk)
            sent += 1
            answer = sock.recv(200)
        except (socket.timeout, BlockingIOError):
            continue
        except OSError:
            break
    if not answer:
        sock.settimeout(5)
        answer = sock.recv(200)
    refused = time.perf_counter() - started
    sock.close()
    time.sleep(1)
    status_line = answer.split(b"\r\n")[0].decode(errors="replace")
    print(f"300 MiB POST: answered '{status_line}' after {refused:.2f} s having sent "
          f"{sent} MiB; server memory {before:.0f} MiB before, {server_rss_mib(server):.0f} MiB after")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    server = start_server()
    try:
        read_mix(server, args.clients, args.seconds)
        write_mix(server, args.clients, args.seconds)
        huge_post(server)
        locked = server.log().count("database is locked")
        print(f'"database is locked" in the server log: {locked}')
    finally:
        server.stop()


def start_server():
    return start()  # tests/live_server.py: scripts/run-local.sh on a free port, a throw-away data dir


if __name__ == "__main__":
    main()
