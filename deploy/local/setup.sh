#!/usr/bin/env bash
# Installs what Relais needs on this machine, idempotently: uv, the Python workspace in .venv/,
# Java and Maven for Kafka, the dashboard's npm packages, Chromium for the browser tests and the
# report's PDF, Poppler to read the PDF back
# (PostgreSQL is installed by `relais stack up` when absent).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '[setup] %s\n' "$*"; }
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The activity report's PDF is read back (pdftotext) and looked at (pdftoppm) by its tests.
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# The reverse proxy of the local stack, in front of the services (relais_cli/stack/proxy.py).
[ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "relais: missing ${need_apt[*]}; install them with: sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  say "installing ${need_apt[*]} with apt"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  # Packages with a service (nginx) must not start it on their default port: the stack runs its
  # own, on 127.0.0.1. Where the machine has no policy yet, one refuses every start meanwhile.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null
  [ -z "$policy" ] || rm -f "$policy"
fi

if ! command -v uv >/dev/null 2>&1; then
  say "installing uv with pip"
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
UV=$(command -v uv || echo "$(python3 -m site --user-base)/bin/uv")

say "syncing the Python workspace into .venv/ (uv.lock)"
# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set, every `relais` command and
# every service start would otherwise compile each imported module again (about 2 s a process).
"$UV" sync --all-packages --frozen --quiet --compile-bytecode
.venv/bin/python -m compileall -q -j 0 contracts/src runtime/src services/*/src cli/src >/dev/null

# The dashboard's Chart.js (and axe-core for the accessibility audit), exactly as locked.
WEB=services/reporting/web
if ! cmp -s "$WEB/package-lock.json" "$WEB/node_modules/.relais-installed-lock" 2>/dev/null; then
  say "installing the dashboard's npm packages (package-lock.json)"
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$WEB/package-lock.json" "$WEB/node_modules/.relais-installed-lock"
fi
