#!/usr/bin/env bash
# Installs what Relais needs on this machine, idempotently: uv, the Python workspace in .venv/,
# Java and Maven for Kafka (PostgreSQL is installed by `relais stack up` when absent).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '[setup] %s\n' "$*"; }
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "relais: missing ${need_apt[*]}; install them with: sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  say "installing ${need_apt[*]} with apt"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1; then
  say "installing uv with pip"
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
UV=$(command -v uv || echo "$(python3 -m site --user-base)/bin/uv")

say "syncing the Python workspace into .venv/ (uv.lock)"
"$UV" sync --all-packages --frozen --quiet
