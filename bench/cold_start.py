"""Cold start: how long `import app` takes in a fresh interpreter, against a bare one-route Chalice app.

    .venv/bin/python bench/cold_start.py [-n 15]

Each sample is a new .venv/bin/python process (cwd: the repo root for app.py, a temp dir for the bare app)
that times its own import with perf_counter, so interpreter start-up is not counted. Prints median and p90
of both, their ratio (target: ≤ 3×), and which heavy modules `import app` pulled in. No assertions.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
HEAVY = ("boto3", "botocore", "openpyxl", "pydantic", "pydantic_core", "jinja2", "python_calamine",
         "python_multipart", "itsdangerous", "chalicelib.services", "chalicelib.adapters")
BARE_APP = '''from chalice import Chalice

app = Chalice(app_name="bare")


@app.route("/")
def index():
    return {"hello": "world"}
'''
PROBE = '''import json, sys, time
sys.path.insert(0, ".")
t0 = time.perf_counter()
import app  # noqa: E402
elapsed = time.perf_counter() - t0
heavy = {HEAVY!r}
print(json.dumps({{"seconds": elapsed, "modules": len(sys.modules),
                  "heavy": [m for m in heavy if m in sys.modules],
                  "top": sorted({{m.split(".")[0] for m in sys.modules}})}}))
'''.format(HEAVY=HEAVY)


def sample(cwd: Path, env: dict | None = None) -> dict:
    run = subprocess.run([str(PYTHON), "-c", PROBE], cwd=cwd, capture_output=True,
                         text=True, env=env, timeout=120)
    if run.returncode != 0:
        sys.exit(f"import app failed in {cwd}:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(cwd: Path, n: int, env: dict | None = None) -> tuple[list[float], dict]:
    sample(cwd, env)  # warm the OS file cache and write .pyc files; not counted
    results = [sample(cwd, env) for _ in range(n)]
    return [r["seconds"] for r in results], results[-1]


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=15, help="samples per app (default 15)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.setdefault("BACKEND", "embedded")

    with tempfile.TemporaryDirectory(prefix="bare-chalice-") as tmp:
        (Path(tmp) / "app.py").write_text(BARE_APP)
        bare, bare_last = measure(Path(tmp), args.n, env)
    ours, ours_last = measure(ROOT, args.n, env)

    def line(name: str, times: list[float], last: dict) -> str:
        return (f"{name:<22} median {statistics.median(times) * 1000:7.1f} ms   p90 {percentile(times, .9) * 1000:7.1f} ms"
                f"   min {min(times) * 1000:6.1f} ms   modules loaded {last['modules']}")

    print(f"import time, {args.n} fresh processes each ({PYTHON})")
    print(line("bare Chalice app", bare, bare_last))
    print(line("labor-filing app.py", ours, ours_last))
    ratio_median = statistics.median(ours) / statistics.median(bare)
    ratio_p90 = percentile(ours, .9) / percentile(bare, .9)
    verdict = "within" if ratio_median <= 3 else "OVER"
    print(f"ratio (app / bare)     median {ratio_median:.2f}×   p90 {ratio_p90:.2f}×   target ≤ 3× → {verdict} target")
    print(f"heavy modules imported by `import app`: {', '.join(ours_last['heavy']) or 'none'}")
    print(f"heavy modules imported by the bare app: {', '.join(bare_last['heavy']) or 'none'}")
    extra = sorted(set(ours_last["top"]) - set(bare_last["top"]))
    print(f"top-level modules only `import app` loads: {', '.join(extra) or 'none'}")


if __name__ == "__main__":
    main()
