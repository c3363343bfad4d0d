#!/usr/bin/env bash
# Runs the type check and every test tier: the mini-program's (jest + miniprogram-simulate, tsc against the WeChat
# typings; it records the journey the web tier replays), unit, senders (SMS providers and WeChat, faked), contract
# (both backends), web, aws (moto server), e2e (Chromium, axe-core), fuzz, package, infra (CDK synth + cfn-lint).
# Installs what the tiers need first: Debian's chromium, the venv and its packages, the CDK packages and CLI
# (infra/setup.sh), the npm packages of the mini-program and of the e2e tier (axe-core) from their lockfiles.
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium for the e2e tier; CJK fonts so its screenshots show Chinese
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
bash scripts/setup.sh
bash infra/setup.sh
(cd miniprogram && npm ci --no-audit --no-fund --loglevel=error && npm test --silent)
npm ci --prefix tests/e2e --no-audit --no-fund >/dev/null  # axe-core for the e2e tier (tests/e2e/axe.py)
.venv/bin/mypy
exec .venv/bin/pytest tests -n auto "$@"  # pytest-xdist: tiers spread over the CPUs (tests/conftest.py ByTier)
