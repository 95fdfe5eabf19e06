#!/usr/bin/env bash
# The README's second command: every test, unit and integration, on the real local stack.
# Extra arguments go to pytest (e.g. `bash tests/run.sh tests/unit -x`).
# The stack is started here; if Kafka or PostgreSQL cannot start, the integration tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/local/setup.sh

was_running=0
.venv/bin/relais stack status >/dev/null 2>&1 && was_running=1
.venv/bin/relais stack up
status=0
.venv/bin/pytest "$@" || status=$?
# Leave the machine as we found it: stop the stack unless it was already running.
if [ "$was_running" -eq 0 ]; then .venv/bin/relais stack down || true; fi
exit $status
