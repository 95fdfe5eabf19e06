#!/usr/bin/env bash
# The README's second command: every test, unit and integration, on the real local stack.
# Extra arguments go to pytest (e.g. `bash tests/run.sh tests/unit -x`).
# The stack is started here; if Kafka or PostgreSQL cannot start, the integration tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/local/setup.sh

# The code's shape first (seconds): lint and format, strict types where the rules live, layers.
echo "[tests] ruff, mypy, import-linter"
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache

was_running=0
.venv/bin/relais stack status >/dev/null 2>&1 && was_running=1
# The tests share the stack's databases, topics and consumer groups with the services that
# `relais up` starts: those would relay, fold or consume the tests' events. Paused for the run.
services_were_up=0
running=$(.venv/bin/relais status 2>/dev/null || true)
if grep -qE '^(reporting|intake|dispositifs|employment) +running' <<<"$running"; then
  services_were_up=1
  echo "[tests] stopping the services of 'relais up' for the run; they restart afterwards"
  .venv/bin/relais down --keep-stack
fi
.venv/bin/relais stack up
status=0
.venv/bin/pytest "$@" || status=$?
# Leave the machine as we found it.
if [ "$services_were_up" -eq 1 ]; then .venv/bin/relais up >/dev/null || true; fi
if [ "$was_running" -eq 0 ]; then .venv/bin/relais stack down || true; fi
exit $status
