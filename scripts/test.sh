#!/usr/bin/env bash
# Runs every test tier: unit, contract (both backends), web, aws (moto server), e2e (Chromium), fuzz, package.
# Installs what the tiers need first: Debian's chromium, the venv and its packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
bash scripts/setup.sh
exec .venv/bin/pytest tests "$@"
