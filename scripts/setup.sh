#!/usr/bin/env bash
# Creates .venv and installs what the app and its tests need. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ requirements-dev.txt -nt "$stamp" ] || [ requirements-server.txt -nt "$stamp" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
  touch "$stamp"
fi
