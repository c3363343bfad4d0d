#!/usr/bin/env bash
# Daily work: the type check, then the unit, senders, web and contract tiers (the contract tier runs on both
# backends; AWS through a moto_server subprocess). Installs only the Python packages: no browser, no CDK.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/mypy
exec .venv/bin/pytest tests/unit tests/senders tests/web tests/contract -n auto "$@"
