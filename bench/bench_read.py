"""Reading speed of a 表二 upload: this project's reader (+ RowChecker) vs openpyxl read-only.

    .venv/bin/python bench/bench_read.py [rows]      (default 100,000 rows × 18 columns)

Each reader runs in its own child process so the peak RSS figures do not mix. Prints figures
only; nothing is asserted.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from chalicelib.domain.identifiers import id_check_char  # noqa: E402
from chalicelib.domain.tables import COLUMNS, TABLE_TITLES  # noqa: E402


def make_file(path: str, rows: int) -> None:
    from openpyxl import Workbook

    rnd = random.Random(1)
    book = Workbook(write_only=True)
    ws = book.create_sheet(TABLE_TITLES["table2"])
    ws.append([c.title for c in COLUMNS["table2"]])
    for i in range(rows):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=i // 1000 * 7 + rnd.randrange(7))  # unique IDs
        first17 = f"140105{born:%Y%m%d}{i % 1000:03d}"
        hired = born + dt.timedelta(days=7400)
        ws.append([i + 1, f"职工{i}", "居民身份证", first17 + id_check_char(first17),
                   "男" if int(first17[16]) % 2 else "女", born, "城镇", "大学本科", f"138{i:08d}", "全日制",
                   "其他", "否", "太原市小店区", hired, "固定期限", dt.date(2021, 1, 1), dt.date(2026, 1, 1), "是"])
    book.save(path)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_reader(path: str, check: bool, out) -> None:
    from chalicelib.domain.roster import RowChecker
    from chalicelib.excel.reader import read_rows

    checker = RowChecker("table2", period_end=dt.date(2023, 12, 31))
    start, n, errors = time.perf_counter(), 0, 0
    with open(path, "rb") as f:
        rows = read_rows(f, "table2")
        for _, _, problems in (checker.checked(rows.values()) if check else ((0, None, []) for _ in rows)):
            n += 1
            errors += len(problems)
    out.put((n, errors, time.perf_counter() - start, peak_mib()))


def run_openpyxl(path: str, check: bool, out) -> None:
    from openpyxl import load_workbook

    start, n = time.perf_counter(), 0
    book = load_workbook(path, read_only=True)
    for _ in book.worksheets[0].iter_rows(min_row=2, values_only=True):
        n += 1
    out.put((n, 0, time.perf_counter() - start, peak_mib()))


def measure(label: str, target, path: str, check: bool = False) -> None:
    out = mp.Queue()
    p = mp.Process(target=target, args=(path, check, out))
    p.start()
    n, errors, seconds, mib = out.get()
    p.join()
    extra = f", {errors} problems" if check else ""
    print(f"{label:<34} {seconds:6.2f} s  {n / seconds:9,.0f} rows/s  peak RSS {mib:5.0f} MiB{extra}")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "table2.xlsx")
        start = time.perf_counter()
        make_file(path, rows)
        print(f"{rows:,} rows × 18 columns: {os.path.getsize(path) / 2**20:.1f} MiB, "
              f"written in {time.perf_counter() - start:.1f} s")
        measure("read_rows (excel/reader.py)", run_reader, path)
        measure("read_rows + RowChecker.checked", run_reader, path, check=True)
        measure("openpyxl read-only iter_rows", run_openpyxl, path)


if __name__ == "__main__":
    main()
