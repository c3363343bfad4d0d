"""What a correction changes, on a large roster (docs/rules.md §11, domain/versions.py): time and peak memory of
comparing two versions of a 100,000-row 表二 by ID number, rows streamed (as the store's iter_rows gives them).

    .venv/bin/python bench/bench_versions.py [rows]
"""
from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.domain.versions import row_changes  # noqa: E402


def roster(n: int, *, changed_every: int = 0, drop: int = -1) -> Iterator[dict[str, Any]]:
    for i in range(n):
        if i != drop:
            yield {"row": i + 2, "name": f"职工{i}", "id_type": "居民身份证", "id_number": f"14010519900101{i:06d}",
                   "gender": "男", "birth_date": "1990-01-01", "hukou": "城镇", "education": "大学本科",
                   "phone": "13900000000", "employment_form": "全日制", "post_category": "其他", "special_job": "否",
                   "workplace": "太原", "hire_date": "2020-03-01", "contract_term": "固定期限",
                   "contract_start": "2021-01-01", "insured": "是",
                   "contract_end": "2027-01-01" if changed_every and i % changed_every == 0 else "2026-01-01"}


def main(n: int) -> None:
    started = time.perf_counter()
    diff = row_changes(lambda: roster(n), lambda: roster(n, changed_every=100, drop=7), "table2")
    took = time.perf_counter() - started
    tracemalloc.start()
    row_changes(lambda: roster(n), lambda: roster(n, changed_every=100, drop=7), "table2")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{n} rows: {took:.1f} s, peak {peak / 2**20:.1f} MB (traced run); "
          f"changed {diff['changed']}, removed {diff['removed']}, added {diff['added']}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
