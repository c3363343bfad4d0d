"""Sign-in timing for a known and an unknown account (docs/rules.md §13: the answer must not tell them apart).

    .venv/bin/python bench/bench_sign_in.py [--tries 40]

Embedded backend (SQLite WAL), through AccountService.login: a wrong password for an existing account and for a
name with no account, each try on a fresh name so no sign-in wait applies (the guard is counted either way), and
the right password, interleaved. Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "Bench-Sign-In-2026"


class Clock:
    def now(self) -> dt.datetime:
        return dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)


def timed(call) -> float:
    started = time.perf_counter()
    try:
        call()
    except Exception:  # noqa: BLE001 — wrong passwords answer with an error; only the time matters
        pass
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=40)
    tries = parser.parse_args().tries
    from chalicelib.adapters.embedded.sqlite_store import SqliteStore
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.token_signer import TokenSigner

    with tempfile.TemporaryDirectory() as tmp:
        service = AccountService(SqliteStore(Path(tmp) / "bench.db"), Clock(), TokenSigner("b" * 32))
        for i in range(tries):
            service.create_reviewer(f"known-{i}", PASSWORD, "140105", "审核员")
        timings: dict[str, list[float]] = {"known account, wrong password": [], "unknown account": [],
                                           "known account, right password": []}
        for i in range(tries):  # interleaved, so a busy machine slows all three alike
            timings["known account, wrong password"].append(timed(lambda: service.login(f"known-{i}", "wrong")))
            timings["unknown account"].append(timed(lambda: service.login(f"nobody-{i}", "wrong")))
            timings["known account, right password"].append(timed(lambda: service.login(f"known-{i}", PASSWORD)))
    for label, ms in timings.items():
        print(f"{label:<32} p50 {statistics.median(ms):7.1f} ms   p90 {statistics.quantiles(ms, n=10)[-1]:7.1f} ms"
              f"   ({tries} tries)")


if __name__ == "__main__":
    main()
