#!/usr/bin/env bash
# Installs what the CDK app (infra/) and its tests need, never into the Lambda bundle: the Python packages of
# infra/requirements.txt into the project's .venv, and the CDK CLI (npm "aws-cdk", locked) into infra/node_modules.
# Safe to rerun: each step is skipped while its input is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
stamp=.venv/.infra-installed
if [ ! -f "$stamp" ] || [ infra/requirements.txt -nt "$stamp" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r infra/requirements.txt
  touch "$stamp"
fi
if [ ! -x infra/node_modules/.bin/cdk ] || [ infra/package-lock.json -nt infra/node_modules/.package-lock.json ]; then
  (cd infra && npm ci --no-audit --no-fund --loglevel=error)
fi
