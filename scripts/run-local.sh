#!/usr/bin/env bash
# Runs the system locally on the embedded backend (SQLite + files in ./var), with demo reviewer accounts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# DEV_MAILBOX=1: the demo's notifications are readable by anyone at /dev/mailbox (never set it on a shared server)
# JOB_WORKER=process: imports and exports run in the job worker process below, not in the web workers
export BACKEND=embedded DEV_MAILBOX=1 JOB_WORKER=process DATA_DIR="${DATA_DIR:-$PWD/var}" PORT="${PORT:-8000}"
export BASE_URL="${BASE_URL:-http://127.0.0.1:$PORT}"
.venv/bin/python -m chalicelib.cli seed-demo
echo
echo "打开 / Open: $BASE_URL   (本地邮箱 / local mailbox: $BASE_URL/dev/mailbox)"
echo
# the daily reminder job at 09:00 Beijing time (EventBridge does this in AWS mode); it stops with the server
.venv/bin/python -m chalicelib.cli run-scheduler &
# the job worker: queued imports, exports and person indexes (SQS and Lambda do this in AWS mode)
.venv/bin/python -m chalicelib.cli run-worker &
# gunicorn serving the app, with the checks API Gateway makes in AWS mode (chalicelib/web/wsgi.py; docs/onprem.md)
exec .venv/bin/python -m chalicelib.cli serve --host 127.0.0.1 --port "$PORT" --workers 2 --threads 8
